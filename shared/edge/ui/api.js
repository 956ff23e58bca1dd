// The operator page's calls to the admin routes: the keys they carry, and the project's error shape read back.

const API = location.pathname.replace(/\/sync\/ui(\/.*)?$/, ""); // "/api" under the default route prefix
export const KEYS = { "x-sync-key": "sync-admin-key", "x-functions-key": "sync-function-key" }; // header -> storage
export const ASKED = "sync-key-asked"; // set once the operator answered the key form in this tab

let refused = () => {}; // what a refused key does: app.js brings the key form back

/** The handler a 401 or 403 answer goes to (besides the ApiError thrown to the caller). */
export function onRefusal(handler) {
  refused = handler;
}

export class ApiError extends Error {
  constructor(status, message, payload) {
    super(message);
    this.status = status;
    this.payload = payload;
  }

  get refused() {
    return this.status === 401 || this.status === 403;
  }
}

export async function call(method, path, body, contentType = "application/json") {
  const headers = { accept: "application/json" };
  for (const [header, stored] of Object.entries(KEYS)) {
    const value = sessionStorage.getItem(stored);
    if (value) headers[header] = value;
  }
  let sent;
  if (body !== undefined) {
    headers["content-type"] = contentType;
    sent = contentType === "application/json" ? JSON.stringify(body) : body;
  }
  let response;
  try {
    response = await fetch(API + path, { method, headers, body: sent, cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, `the app did not answer (${error.message})`, null);
  }
  const text = await response.text();
  let payload = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload && payload.error;
    const reason = error ? `${error.code}: ${error.message}` : text.slice(0, 200);
    const failure = new ApiError(response.status, `${response.status} ${reason}`, payload);
    if (failure.refused) refused(failure);
    throw failure;
  }
  return payload;
}

export function hasKey() {
  return sessionStorage.getItem(ASKED) === "yes";
}
