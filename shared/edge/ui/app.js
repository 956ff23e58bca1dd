// The operator page: reads the admin routes every few seconds and draws three tables.
// No framework, and no HTML built from strings: every value from the API goes into the page as text.
"use strict";

(() => {
  const REFRESH_MS = 3000;
  const PAUSE_REASON = "paused on the operator page";
  const API = location.pathname.replace(/\/sync\/ui(\/.*)?$/, ""); // "/api" under the default route prefix
  const KEYS = { "x-sync-key": "sync-admin-key", "x-functions-key": "sync-function-key" }; // header -> storage
  const $ = (selector) => document.querySelector(selector);

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function call(method, path, body) {
    const headers = { accept: "application/json" };
    for (const [header, stored] of Object.entries(KEYS)) {
      const value = sessionStorage.getItem(stored);
      if (value) headers[header] = value;
    }
    if (body !== undefined) headers["content-type"] = "application/json";
    let response;
    try {
      const sent = body === undefined ? undefined : JSON.stringify(body);
      response = await fetch(API + path, { method, headers, body: sent, cache: "no-store" });
    } catch (error) {
      throw new ApiError(0, `the app did not answer (${error.message})`);
    }
    const text = await response.text();
    let payload = null;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch {
      payload = null;
    }
    if (!response.ok) {
      const reason = payload && payload.error ? payload.error.message : text.slice(0, 200);
      throw new ApiError(response.status, `${method} ${path}: ${response.status} ${reason}`);
    }
    return payload;
  }

  // -- drawing ---------------------------------------------------------------------------------

  function cell(content, className) {
    const td = document.createElement("td");
    if (content instanceof Node) td.append(content);
    else td.textContent = content === null || content === undefined ? "" : String(content);
    if (className) td.className = className;
    return td;
  }

  function button(label, data, name) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.setAttribute("aria-label", name);
    Object.assign(b.dataset, data);
    return b;
  }

  function when(iso) {
    if (!iso) return "never";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : date.toISOString().slice(0, 19).replace("T", " ") + "Z";
  }

  function fill(table, rows) {
    $(`#${table} tbody`).replaceChildren(...rows);
    $(`[data-empty="${table}"]`)?.toggleAttribute("hidden", rows.length > 0);
  }

  function showEntities(status) {
    fill("entities", (status.entities || []).map((entry) => {
      const tr = document.createElement("tr");
      tr.dataset.entity = entry.entity;
      tr.dataset.state = entry.state;
      const rows = entry.rows || {};
      const paused = entry.state === "paused";
      tr.append(
        cell(entry.entity),
        cell(entry.state, `state state-${entry.state}`),
        cell(entry.reason || ""),
        cell(rows.fs, "num"),
        cell(rows.scm, "num"),
        cell(entry.backlog, "num backlog"),
        cell(entry.pending, "num"),
        cell((entry.errors || {}).open, "num"),
        cell(when(entry.last_sync)),
        cell(button(paused ? "Resume" : "Pause", { action: paused ? "resume" : "pause", entity: entry.entity },
          `${paused ? "Resume" : "Pause"} ${entry.entity}`)),
      );
      return tr;
    }));
  }

  function showErrors(page) {
    $("[data-more=errors]").hidden = !page.continuation;
    fill("errors", (page.items || []).map((item) => {
      const tr = document.createElement("tr");
      tr.dataset.errorId = item.id;
      const reasons = document.createElement("ul");
      reasons.className = "reasons";
      for (const r of item.reasons || []) {
        const li = document.createElement("li");
        li.textContent = `${r.field}: ${r.rule} (${r.side}) ${r.message || ""}`.trim();
        reasons.append(li);
      }
      const key = item.key ? `${item.key.company} / ${item.key.id}` : "—";
      tr.append(
        cell(item.entity),
        cell(key),
        cell(item.direction),
        cell(item.source),
        cell(reasons),
        cell(item.attempts, "num"),
        cell(when(item.at)),
        cell(button("Retry", { action: "retry", id: item.id }, `Retry ${item.entity} ${key}`)),
      );
      return tr;
    }));
  }

  function progress(job) {
    const counts = job.counts || {};
    const bar = document.createElement("progress");
    const done = counts.read || 0;
    const total = job.state === "succeeded" ? Math.max(job.total || 0, done) : job.total;
    if (total) {
      bar.max = total;
      bar.value = Math.min(done, total);
    } else if (job.state === "succeeded") {
      bar.max = 1;
      bar.value = 1;
    } // else no value: an indeterminate bar while the total is unknown
    const text = document.createElement("span");
    text.className = "progress-text";
    text.textContent = total ? `${done} / ${total}` : `${done}`;
    const both = document.createElement("span");
    both.append(bar, text);
    return both;
  }

  function showJobs(page) {
    fill("jobs", (page.items || []).map((job) => {
      const tr = document.createElement("tr");
      tr.dataset.jobId = job.id;
      tr.append(
        cell(job.kind),
        cell(job.entity),
        cell(job.state, `state state-${job.state}`),
        cell(progress(job)),
        cell(job.rows_per_s ?? "", "num"),
        cell(when(job.started_at)),
      );
      return tr;
    }));
  }

  // -- messages and keys -----------------------------------------------------------------------

  function say(text, ok = false) {
    const box = $("#message");
    box.textContent = text;
    box.classList.toggle("ok", ok);
    box.hidden = !text;
  }

  function sectionSays(section, text) {
    const box = $(`.section-message[data-for="${section}"]`);
    box.textContent = text;
    box.hidden = !text;
  }

  function askForKey() {
    $("#key-form").hidden = false;
    $("#admin-key").focus();
  }

  function showKeyState() {
    $("#forget-key").hidden = !Object.values(KEYS).some((stored) => sessionStorage.getItem(stored));
  }

  // -- refresh and actions ---------------------------------------------------------------------

  async function load(section, path, show) {
    try {
      show(await call("GET", path));
      sectionSays(section, "");
      return true;
    } catch (error) {
      if (error.status === 401 || error.status === 403) askForKey();
      sectionSays(section, error.message);
      return false;
    }
  }

  let timer = null;
  let running = null; // the refresh under way; one asked for meanwhile runs right after it
  let again = false;

  function refresh() {
    if (running) {
      again = true;
      return running;
    }
    clearTimeout(timer);
    running = draw().finally(() => {
      running = null;
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
    const loaded = await Promise.all([
      load("entities", "/sync/status", showEntities),
      load("errors", "/sync/errors?state=open&limit=100", showErrors),
      load("jobs", "/sync/jobs?limit=20", showJobs),
    ]);
    const failed = loaded.filter((ok) => !ok).length;
    $("#refreshed").textContent = `refreshed ${when(new Date().toISOString())}` + (failed ? `, ${failed} failed` : "");
  }

  async function act(target) {
    const { action, entity, id } = target.dataset;
    const path = action === "retry"
      ? `/sync/errors/${encodeURIComponent(id)}/retry`
      : `/sync/${encodeURIComponent(entity)}/${action}`;
    target.disabled = true;
    try {
      const answer = await call("POST", path, action === "pause" ? { reason: PAUSE_REASON } : {});
      say(describe(action, entity, answer), true);
    } catch (error) {
      if (error.status === 401 || error.status === 403) askForKey();
      say(error.message);
    } finally {
      target.disabled = false;
      await refresh();
    }
  }

  function describe(action, entity, answer) {
    if (action !== "retry") return `${entity}: ${action === "pause" ? "paused" : "resumed"}`;
    const entry = (answer && answer.entry) || answer || {};
    if (entry.state === "resolved") return "retried: the change went through";
    return "retried: it failed again; its reasons are updated below";
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-action]");
    if (target) act(target);
  });

  $("#key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEYS["x-sync-key"], $("#admin-key").value.trim());
    sessionStorage.setItem(KEYS["x-functions-key"], $("#function-key").value.trim());
    $("#key-form").hidden = true;
    say("");
    showKeyState();
    refresh();
  });

  $("#forget-key").addEventListener("click", () => {
    Object.values(KEYS).forEach((stored) => sessionStorage.removeItem(stored));
    showKeyState();
    refresh();
  });

  showKeyState();
  refresh();
})();
