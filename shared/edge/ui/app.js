// The operator page: four views (status, jobs, errors, record) over the admin routes, refreshed every few
// seconds. No framework, and no HTML built from strings: every value from the API goes into the page as text.
// This module wires the navigation, the key form and the refresh; each view is a module of its own (status.js,
// jobs.js, errors.js, record.js) over the calls (api.js), the drawing helpers (dom.js) and the shared state.

import { ASKED, KEYS, hasKey, onRefusal } from "./api.js";
import { $, $$, say, when } from "./dom.js";
import { dismissEntry, loadErrors, openEntry, retryEntry, setErrorFilters, showEntry } from "./errors.js";
import { cancelJob, loadJob, loadJobs, startJob } from "./jobs.js";
import { loadRecord } from "./record.js";
import { state } from "./state.js";
import { loadStatus, pauseOrResume } from "./status.js";

const REFRESH_MS = 3000;

function showKeyForm(refusal) {
  stop();
  $("#views").hidden = true;
  $("#nav").hidden = true;
  $("#key-form").hidden = false;
  $("#forget-key").hidden = true;
  $("#refreshed").textContent = "";
  say("");
  const note = $("#key-refused");
  note.textContent = refusal ? `Key refused (${refusal.status}): give the admin key of this instance.` : "";
  note.hidden = !refusal;
  $("#admin-key").focus();
}

function keyRefused(error) {
  sessionStorage.removeItem(ASKED);
  showKeyForm(error);
}

function route() {
  const [view, ...rest] = location.hash.replace(/^#/, "").split("/").map(decodeURIComponent);
  if (view !== state.view) say(""); // what an action said belongs to the view it was done on
  state.view = ["status", "jobs", "errors", "record"].includes(view) ? view : "status";
  for (const section of $$("#views > section")) section.hidden = section.dataset.view !== state.view;
  for (const a of $$("#nav a")) a.classList.toggle("current", a.dataset.view === state.view);
  if (state.view === "jobs") {
    state.jobId = rest[0] || null;
    $("#job-detail").hidden = !state.jobId;
  }
  if (state.view === "record" && rest.length === 3) loadRecord(...rest);
  if (state.view === "errors" && !state.entry) showEntry(null);
  refresh();
}

let timer = null;
let running = null; // the refresh under way; one asked for meanwhile runs right after it
let again = false;

function stop() {
  clearTimeout(timer);
  timer = null;
}

function refresh() {
  if (!hasKey()) return Promise.resolve();
  if (running) {
    again = true;
    return running;
  }
  stop();
  running = draw().finally(() => {
    running = null;
    if (!hasKey()) return;
    if (again) {
      again = false;
      refresh();
    } else {
      timer = setTimeout(refresh, REFRESH_MS);
    }
  });
  return running;
}

async function draw() {
  const loads = [loadStatus()];
  if (state.view === "jobs") loads.push(loadJobs(), loadJob());
  if (state.view === "errors") loads.push(loadErrors());
  state.unreachable = false;
  await Promise.all(loads);
  if (!hasKey()) return;
  const now = when(new Date().toISOString()).slice(11);
  const shown = $("#refreshed");
  if (!state.unreachable) state.answered = now;
  shown.textContent = state.unreachable ? `the app does not answer (last answer ${state.answered || "never"})` : `refreshed ${now}`;
  shown.classList.toggle("bad", Boolean(state.unreachable));
}

function start() {
  $("#key-form").hidden = true;
  $("#key-refused").hidden = true;
  $("#views").hidden = false;
  $("#nav").hidden = false;
  $("#forget-key").hidden = false;
  route();
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("button[data-action]");
  if (target && ["pause", "resume"].includes(target.dataset.action)) pauseOrResume(target);
  if (target && target.dataset.action === "open-entry") openEntry(target.dataset.id);
  const clip = event.target.closest(".clip-text[title]");
  if (clip) {
    const open = clip.classList.toggle("open");
    if (open) state.opened.add(clip.title);
    else state.opened.delete(clip.title);
  }
  const filter = event.target.closest("a[data-entity-filter]");
  if (filter) setErrorFilters({ state: "open", entity: filter.dataset.entityFilter });
});

$("#error-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  const data = Object.fromEntries(new FormData(event.target));
  setErrorFilters(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v).trim()])));
});
$("#error-filters").addEventListener("reset", (event) => {
  event.preventDefault();
  setErrorFilters({ state: "open" });
});
$("#errors-next").addEventListener("click", () => {
  state.errorTokens.push(state.nextToken);
  refresh();
});
$("#errors-first").addEventListener("click", () => {
  state.errorTokens = [null];
  refresh();
});
$("#close-entry").addEventListener("click", (event) => {
  event.preventDefault();
  showEntry(null);
  refresh();
});
$("#retry-entry").addEventListener("click", retryEntry);
$("#dismiss-entry").addEventListener("click", dismissEntry);
$("#cancel-job").addEventListener("click", cancelJob);
for (const form of $$(".starter")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    startJob(form);
  });
}
$("#record-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(event.target);
  const parts = ["entity", "company", "id"].map((name) => String(data.get(name) || "").trim());
  const hash = `#record/${parts.map(encodeURIComponent).join("/")}`;
  if (location.hash === hash) loadRecord(...parts);
  else location.hash = hash;
});

$("#key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEYS["x-sync-key"], $("#admin-key").value.trim());
  sessionStorage.setItem(KEYS["x-functions-key"], $("#function-key").value.trim());
  sessionStorage.setItem(ASKED, "yes");
  $("#admin-key").value = "";
  start();
});

$("#forget-key").addEventListener("click", () => {
  Object.values(KEYS).forEach((stored) => sessionStorage.removeItem(stored));
  sessionStorage.removeItem(ASKED);
  showKeyForm(null);
});

onRefusal(keyRefused);
document.addEventListener("sync-refresh", () => refresh()); // asked by a view after an action

window.addEventListener("hashchange", () => {
  if (hasKey()) route();
});

if (hasKey()) start();
else showKeyForm(null); // no call before the operator answered the form
