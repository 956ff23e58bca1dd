// The operator page: four views (status, jobs, errors, record) over the admin routes, refreshed every few
// seconds. No framework, and no HTML built from strings: every value from the API goes into the page as text.
"use strict";

(() => {
  const REFRESH_MS = 3000;
  const DEFAULT_REASON = "paused on the operator page";
  const PAGE_SIZE = 50; // error log entries a page
  const JOB_ERRORS = 200; // a job's entries are looked for among this many of its entity's job entries
  const API = location.pathname.replace(/\/sync\/ui(\/.*)?$/, ""); // "/api" under the default route prefix
  const KEYS = { "x-sync-key": "sync-admin-key", "x-functions-key": "sync-function-key" }; // header -> storage
  const ASKED = "sync-key-asked"; // set once the operator answered the key form in this tab
  const ENDED = ["succeeded", "failed", "cancelled"];
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

  const state = {
    entities: [], // slugs, from the status route
    view: "status",
    jobId: null, // the job whose detail is open
    errorFilters: { state: "open" },
    errorTokens: [null], // continuation token of each page seen; the last one is the page shown
    errorItems: new Map(), // entry id -> item, as last listed
    entry: null, // the entry whose detail is open
    opened: new Set(), // long texts the operator clicked open
  };

  // -- calls -----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message, payload) {
      super(message);
      this.status = status;
      this.payload = payload;
    }

    get refused() {
      return this.status === 401 || this.status === 403;
    }
  }

  async function call(method, path, body, contentType = "application/json") {
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
      if (failure.refused) keyRefused(failure);
      throw failure;
    }
    return payload;
  }

  // -- small drawing helpers -------------------------------------------------------------------

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function cell(content, className) {
    const td = el("td", undefined, className);
    if (content instanceof Node) td.append(content);
    else if (content !== null && content !== undefined) td.textContent = String(content);
    return td;
  }

  /** A cell cut to a few lines; the whole text is its title. */
  function clipped(text, className = "clip") {
    const td = cell(undefined, className);
    const inner = el("div", text || "", "clip-text");
    if (text) inner.title = text;
    if (text && state.opened.has(text)) inner.classList.add("open"); // kept open across refreshes
    td.append(inner);
    return td;
  }

  function button(label, data, name, className) {
    const b = el("button", label, className);
    b.type = "button";
    if (name) b.setAttribute("aria-label", name);
    Object.assign(b.dataset, data);
    return b;
  }

  function link(label, hash, name) {
    const a = el("a", label);
    a.href = hash;
    if (name) a.setAttribute("aria-label", name);
    return a;
  }

  function when(iso) {
    if (!iso) return "never";
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : date.toISOString().slice(0, 19).replace("T", " ") + "Z";
  }

  function keyText(key) {
    return key && (key.company || key.id) ? `${key.company ?? "?"} / ${key.id ?? "?"}` : "—";
  }

  function recordHash(entity, key) {
    return `#record/${[entity, key.company, key.id].map(encodeURIComponent).join("/")}`;
  }

  function value(v) {
    if (v === null || v === undefined) return "—";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  /** One reason as a line: field, rule and side when it has them, then its message. */
  function reasonText(reason) {
    if (!reason || typeof reason !== "object") return value(reason);
    const head = [reason.line !== undefined ? `line ${reason.line}` : null, reason.field, reason.rule]
      .filter((part) => part !== null && part !== undefined && part !== "")
      .join(": ");
    const side = reason.side ? ` (${reason.side})` : "";
    const text = `${head}${side}${head && reason.message ? " — " : ""}${reason.message || ""}`;
    return text || JSON.stringify(reason);
  }

  function reasonsOf(item) {
    const reasons = (item.reasons || []).map(reasonText);
    if (!reasons.length && (item.code || item.message)) reasons.push([item.code, item.message].filter(Boolean).join(": "));
    return reasons;
  }

  function reasonList(reasons) {
    const ul = el("ul", undefined, "reasons");
    for (const text of reasons) ul.append(el("li", text));
    return ul;
  }

  function pairs(table, entries, mark = () => false) {
    $("tbody", table).replaceChildren(...entries.map(([name, v]) => {
      const tr = el("tr");
      tr.dataset.name = name;
      if (mark(name)) tr.classList.add("differs");
      tr.append(el("th", name), clipped(value(v), "clip wide"));
      return tr;
    }));
  }

  function fill(table, rows) {
    $("tbody", table).replaceChildren(...rows);
    const empty = table.id ? $(`[data-empty="${table.id}"]`) : null;
    if (empty) empty.hidden = rows.length > 0;
  }

  // -- messages ----------------------------------------------------------------------------------

  function say(text, ok = false) {
    const box = $("#message");
    box.textContent = text;
    box.classList.toggle("ok", ok);
    box.setAttribute("role", ok ? "status" : "alert");
    box.hidden = !text;
  }

  function sectionSays(section, text) {
    const box = $(`.section-message[data-for="${section}"]`);
    box.textContent = text;
    box.hidden = !text;
  }

  /** A failed load under its section; a refused key is said once, by the key form. */
  function loadFailed(section, error) {
    if (!error.refused) sectionSays(section, error.message);
    if (error.status === 0) state.unreachable = true;
  }

  // -- the key -------------------------------------------------------------------------------------

  function hasKey() {
    return sessionStorage.getItem(ASKED) === "yes";
  }

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

  // -- status --------------------------------------------------------------------------------------

  function showStatus(status) {
    const entries = status.entities || [];
    const slugs = entries.map((entry) => entry.entity);
    if (slugs.join() !== state.entities.join()) {
      state.entities = slugs;
      fillEntityChoices();
    }
    const open = entries.reduce((sum, entry) => sum + ((entry.errors || {}).open || 0), 0);
    $("#open-count").textContent = String(open);
    $("#open-count").hidden = open === 0;
    showJobs($("#status-jobs"), status.jobs || []);
    fill($("#entities"), entries.map((entry) => {
      const tr = el("tr");
      tr.dataset.entity = entry.entity;
      tr.dataset.state = entry.state;
      const rows = entry.rows || {};
      const paused = entry.state === "paused";
      const verb = paused ? "Resume" : "Pause";
      tr.append(
        cell(entry.entity),
        cell(entry.state, `state state-${entry.state}`),
        clipped(entry.reason || "", "clip reason"),
        cell(rows.fs, "num"),
        cell(rows.scm, "num"),
        cell(entry.backlog, "num backlog"),
        cell(entry.pending, "num opt"),
        cell(errorsLink(entry), "num"),
        cell(when(entry.last_sync), "time opt"),
        cell(button(verb, { action: paused ? "resume" : "pause", entity: entry.entity }, `${verb} ${entry.entity}`)),
      );
      return tr;
    }));
  }

  /** The entity's open errors: a link to them in the error log when there are any. */
  function errorsLink(entry) {
    const open = (entry.errors || {}).open || 0;
    if (!open) return "0";
    const a = link(String(open), "#errors", `Open errors of ${entry.entity}`);
    a.dataset.entityFilter = entry.entity;
    return a;
  }

  function fillEntityChoices() {
    for (const select of $$(".entity-choice")) {
      const keep = select.value;
      const any = select.closest("#error-filters") ? [el("option", "any")] : [];
      if (any.length) any[0].value = "";
      select.replaceChildren(...any, ...state.entities.map((slug) => el("option", slug)));
      if (keep) select.value = keep;
    }
  }

  // -- jobs ------------------------------------------------------------------------------------------

  function progress(job) {
    const counts = job.counts || {};
    const bar = el("progress");
    const done = counts.read || 0;
    const total = job.state === "succeeded" ? Math.max(job.total || 0, done) : job.total;
    if (total) {
      bar.max = total;
      bar.value = Math.min(done, total);
    } else if (ENDED.includes(job.state)) {
      bar.max = 1;
      bar.value = job.state === "succeeded" ? 1 : 0;
    } // else no value: an indeterminate bar while the total is unknown
    const both = el("span", undefined, "progress");
    both.append(bar, el("span", total ? `${done} / ${total}` : `${done}`, "progress-text"));
    return both;
  }

  function showJobs(table, jobs) {
    fill(table, jobs.map((job) => {
      const tr = el("tr");
      tr.dataset.jobId = job.id;
      if (job.id === state.jobId) tr.classList.add("selected");
      tr.append(
        cell(job.kind),
        cell(job.entity),
        cell(job.state, `state state-${job.state}`),
        cell(progress(job)),
        cell(job.rows_per_s ?? "", "num"),
        cell(when(job.started_at || job.created_at), "time"),
        cell(link("Details", `#jobs/${encodeURIComponent(job.id)}`, `Details of job ${job.id}`)),
      );
      return tr;
    }));
  }

  function showJob(job) {
    const box = $("#job-detail");
    box.hidden = false;
    box.dataset.jobId = job.id;
    box.dataset.state = job.state;
    $(".job-title", box).textContent = `${job.kind} of ${job.entity}`;
    const badge = $(".job-state", box);
    badge.textContent = job.cancel_requested && !ENDED.includes(job.state) ? `${job.state}, cancel asked` : job.state;
    badge.className = `job-state state state-${job.state}`;
    $("#cancel-job").hidden = ENDED.includes(job.state) || Boolean(job.cancel_requested);
    const rate = job.rows_per_s ? `, ${job.rows_per_s} rows/s` : "";
    const ended = job.finished_at ? `, ended ${when(job.finished_at)}` : "";
    $(".job-progress", box).replaceChildren(progress(job), el("span", ` started ${when(job.started_at)}${rate}${ended}`, "muted"));
    const failure = $(".job-failure", box);
    failure.textContent = job.error ? `The job failed: ${value(job.error)}` : "";
    failure.hidden = !job.error;
    const report = job.report || {};
    const scalars = Object.entries(report).filter(([, v]) => v === null || typeof v !== "object");
    const reported = new Set(scalars.map(([name]) => name)); // a count the report shows is not shown twice
    pairs($(".job-counts", box), Object.entries(job.counts || {}).filter(([name]) => !reported.has(name)));
    pairs($(".job-report", box), scalars);
    const options = Object.entries(job.params || {}).filter(([name]) => name !== "file"); // file: a blob's name
    pairs($(".job-params", box), options);
    $(".job-options", box).hidden = options.length === 0;
    showSamples(job, report.samples || report.conflict_samples || report.refused || []);
  }

  function showSamples(job, samples) {
    const box = $(".job-samples");
    box.hidden = samples.length === 0;
    $("tbody", box).replaceChildren(...samples.map((sample) => {
      const tr = el("tr");
      const key = sample.key && typeof sample.key === "object" ? sample.key : null;
      tr.dataset.kind = sample.kind || "refused";
      const fields = sample.fields ? sample.fields.join(", ") : (sample.reasons || []).map(reasonText).join("; ");
      const what = sample.kind || (sample.line !== undefined ? `line ${sample.line}` : "");
      tr.append(
        cell(key ? keyText(key) : value(sample.key)),
        cell(what),
        clipped(fields),
        cell(key ? link("Open", recordHash(job.entity, key), `Open ${keyText(key)} in the record view`) : ""),
      );
      return tr;
    }));
  }

  async function loadJob() {
    const id = state.jobId;
    if (!id) return;
    try {
      const job = await call("GET", `/sync/jobs/${encodeURIComponent(id)}`);
      if (state.jobId !== id) return; // another job was opened meanwhile
      showJob(job);
      const params = new URLSearchParams({ entity: job.entity, source: "job", limit: String(JOB_ERRORS) });
      const page = await call("GET", `/sync/errors?${params}`);
      if (state.jobId !== id) return;
      const items = (page.items || []).filter((item) => item.job === id);
      remember(items);
      showEntryRows($(".job-errors"), items, (item) => [
        cell(keyText(item.key)), cell(item.state, `state state-${item.state}`), cell(reasonList(reasonsOf(item))),
        cell(when(item.at), "time"),
      ]);
      $(".job-errors-empty").hidden = items.length > 0;
      sectionSays("job", "");
    } catch (error) {
      loadFailed("job", error);
    }
  }

  async function startJob(form) {
    const data = new FormData(form);
    const entity = encodeURIComponent(data.get("entity") || "");
    const company = String(data.get("company") || "").trim() || undefined;
    const submit = $("button[type=submit]", form);
    submit.disabled = true;
    try {
      let answer;
      if (form.dataset.kind === "initial-sync") {
        const body = { from: data.get("from"), company, conflicts: data.get("conflicts") };
        answer = await call("POST", `/sync/${entity}/initial-sync`, body);
      } else if (form.dataset.kind === "reconcile") {
        answer = await call("POST", `/sync/${entity}/reconcile`, { company, repair: data.get("repair") || null });
      } else {
        const file = data.get("file");
        const query = new URLSearchParams({ side: data.get("side"), format: data.get("format") });
        answer = await call("POST", `/sync/${entity}/import?${query}`, await file.arrayBuffer(), "application/octet-stream");
      }
      say(`${answer.job.kind} of ${answer.job.entity} started: job ${answer.job.id}`, true);
      location.hash = `#jobs/${encodeURIComponent(answer.job.id)}`;
    } catch (error) {
      if (!error.refused) say(`Not started: ${error.message}${details(error)}`);
    } finally {
      submit.disabled = false;
    }
  }

  /** The failures an error answer lists, as one line each after its message. */
  function details(error) {
    const listed = (error.payload && error.payload.error && error.payload.error.details) || [];
    return listed.length ? "\n" + listed.map(reasonText).join("\n") : "";
  }

  // -- errors --------------------------------------------------------------------------------------

  function remember(items) {
    for (const item of items) state.errorItems.set(item.id, item);
  }

  /** Rows of entries with an Open button each; `cells` gives the row's other cells. */
  function showEntryRows(table, items, cells) {
    $("tbody", table).replaceChildren(...items.map((item) => {
      const tr = el("tr");
      tr.dataset.errorId = item.id;
      tr.dataset.state = item.state;
      if (state.entry && state.entry.id === item.id) tr.classList.add("selected");
      tr.append(...cells(item), cell(button("Open", { action: "open-entry", id: item.id }, `Open entry ${item.id}`)));
      return tr;
    }));
  }

  function errorQuery() {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const [name, v] of Object.entries(state.errorFilters)) if (v) params.set(name, v);
    const token = state.errorTokens[state.errorTokens.length - 1];
    if (token) params.set("continuation", token);
    return params;
  }

  async function loadErrors() {
    try {
      const page = await call("GET", `/sync/errors?${errorQuery()}`);
      const items = page.items || [];
      remember(items);
      showEntryRows($("#errors"), items, (item) => [
        cell(item.entity),
        cell(item.key ? link(keyText(item.key), recordHash(item.entity, item.key), `Record ${keyText(item.key)}`) : "—"),
        cell(item.direction),
        cell(item.source),
        clipped(reasonsOf(item).join("\n")),
        cell(item.attempts, "num"),
        cell(when(item.at), "time"),
        cell(item.state, `state state-${item.state}`),
      ]);
      $('[data-empty="errors"]').hidden = items.length > 0;
      state.nextToken = page.continuation || null;
      $("#errors-next").disabled = !state.nextToken;
      $("#errors-first").disabled = state.errorTokens.length === 1;
      $("#errors-page").textContent = `page ${state.errorTokens.length}, ${items.length} entries`;
      sectionSays("errors", "");
    } catch (error) {
      loadFailed("errors", error);
    }
  }

  function showEntry(item) {
    state.entry = item;
    const box = $("#entry-detail");
    box.hidden = !item;
    if (!item) return;
    box.dataset.errorId = item.id;
    box.dataset.state = item.state;
    $(".entry-title", box).textContent = `${item.entity} ${keyText(item.key)}`;
    const badge = $(".entry-state", box);
    badge.textContent = item.state;
    badge.className = `entry-state state state-${item.state}`;
    const facts = [
      ["id", item.id], ["direction", item.direction], ["source", item.source], ["code", item.code],
      ["message", item.message], ["attempts", item.attempts], ["first failed", when(item.first_at || item.at)],
      ["last failed", when(item.at)], ["job", item.job], ["resolved", item.resolved_at && when(item.resolved_at)],
      ["resolved by operation", item.resolved_by],
      ["dismissed", item.dismissed_at && when(item.dismissed_at)], ["note", item.note],
    ].filter(([, v]) => v !== null && v !== undefined && v !== "");
    pairs($(".entry-facts", box), facts);
    if (item.job) {
      const jobCell = $('tr[data-name="job"] td', box);
      jobCell.replaceChildren(link(item.job, `#jobs/${encodeURIComponent(item.job)}`, `Job ${item.job}`));
    }
    if (item.key) {
      const title = $(".entry-title", box);
      title.replaceChildren(`${item.entity} `, link(keyText(item.key), recordHash(item.entity, item.key), "Open the record"));
    }
    $(".entry-reasons", box).replaceChildren(...reasonsOf(item).map((text) => el("li", text)));
    $(".entry-change", box).textContent = item.retryable
      ? "The change as received is kept in storage for a retry (the API does not show it)."
      : "This entry keeps no change: send the record again from its system, or re-run its job.";
    const open = item.state === "open";
    $("#retry-entry").hidden = !item.retryable || item.state === "resolved" || item.state === "dismissed";
    for (const part of ["#dismiss-entry", "#dismiss-note", 'label[for="dismiss-note"]']) $(part, box).hidden = !open;
  }

  async function retryEntry() {
    const item = state.entry;
    const target = $("#retry-entry");
    target.disabled = true;
    try {
      const answer = await call("POST", `/sync/errors/${encodeURIComponent(item.id)}/retry`);
      const entry = answer.entry || item;
      remember([entry]);
      showEntry(entry);
      if (entry.state === "resolved") {
        const status = answer.outcome && answer.outcome.status;
        say(`Retried ${item.entity} ${keyText(item.key)}: the change went through${status ? ` (${status})` : ""}`, true);
      } else {
        const failure = answer.error ? `${answer.error.code}: ${answer.error.message}` : "it failed again";
        const reasons = ((answer.error && answer.error.details) || []).map(reasonText).join("\n");
        say(`Retry failed: ${failure}; the entry stays open.${reasons ? "\n" + reasons : ""}`);
      }
    } catch (error) {
      if (!error.refused) say(`Retry not run: ${error.message}`);
    } finally {
      target.disabled = false;
      refresh();
    }
  }

  async function dismissEntry() {
    const item = state.entry;
    const note = $("#dismiss-note").value.trim();
    if (!note) {
      say("Dismiss needs a note: say how the error was dealt with outside the sync");
      $("#dismiss-note").focus();
      return;
    }
    const target = $("#dismiss-entry");
    target.disabled = true;
    try {
      const entry = await call("POST", `/sync/errors/${encodeURIComponent(item.id)}/dismiss`, { note });
      remember([entry]);
      showEntry(entry);
      $("#dismiss-note").value = "";
      say(`Dismissed ${item.entity} ${keyText(item.key)}: kept, never retried`, true);
    } catch (error) {
      if (!error.refused) say(`Not dismissed: ${error.message}${details(error)}`);
    } finally {
      target.disabled = false;
      refresh();
    }
  }

  function openEntry(id) {
    const item = state.errorItems.get(id);
    if (!item) return;
    $("#dismiss-note").value = "";
    showEntry(item);
    if (state.view !== "errors") location.hash = "#errors";
    $("#entry-detail").scrollIntoView({ block: "nearest" });
  }

  // -- record --------------------------------------------------------------------------------------

  async function loadRecord(entity, company, id) {
    const form = $("#record-form");
    form.elements.entity.value = entity;
    form.elements.company.value = company;
    form.elements.id.value = id;
    const path = `/sync/${encodeURIComponent(entity)}/records/${encodeURIComponent(company)}/${encodeURIComponent(id)}`;
    try {
      showRecord(entity, await call("GET", path));
      sectionSays("record", "");
    } catch (error) {
      const entries = error.payload && error.payload.error && error.payload.error.details;
      if (error.status === 404 && state.entities.includes(entity) && Array.isArray(entries)) {
        // held by neither side: what the sync knows of it is its open errors, which the answer lists
        showRecord(entity, { key: { company, id }, fs: null, scm: null, in_step: false, differ: [], errors: entries });
        $("#record-detail .record-summary").textContent = `${entity} ${company} / ${id}: held by neither side.`;
        sectionSays("record", "");
        return;
      }
      $("#record-detail").hidden = true;
      loadFailed("record", error);
    }
  }

  function showRecord(entity, view) {
    const box = $("#record-detail");
    box.hidden = false;
    const differ = view.differ || [];
    const summary = view.in_step
      ? "In step: both sides hold the same content."
      : differ.length ? `Not in step: ${differ.length} field(s) differ (marked): ${differ.join(", ")}`
      : "Not in step: one side lacks it, or an operation is still in flight.";
    const line = $(".record-summary", box);
    line.textContent = `${entity} ${keyText(view.key)}. ${summary}`;
    line.className = `record-summary ${view.in_step ? "ok" : "bad"}`;
    for (const side of ["fs", "scm"]) showSide($(`.side[data-side="${side}"]`, box), view[side], side === "scm" ? differ : []);
    const errors = view.errors || [];
    remember(errors);
    showEntryRows($(".record-errors", box), errors, (item) => [
      cell(item.direction), cell(item.source), cell(reasonList(reasonsOf(item))), cell(when(item.at), "time"),
    ]);
    $(".record-errors-empty", box).hidden = errors.length > 0;
  }

  function showSide(box, side, differ) {
    box.classList.toggle("absent", !side);
    if (!side) {
      pairs($(".side-meta", box), [["held", "no row on this side"]]);
      pairs($(".side-record", box), []);
      return;
    }
    const flight = side.in_flight;
    pairs($(".side-meta", box), [
      ["version", side.version], ["origin", side.origin], ["operation", side.operation_id],
      ["tombstone", side.deleted ? "yes: deleted" : "no"],
      ["in flight", flight ? `${flight.action} to ${flight.side}, operation ${flight.operation_id}` : "nothing"],
    ]);
    const fields = Object.entries(side.record || {}).sort(([a], [b]) => a.localeCompare(b));
    pairs($(".side-record", box), fields, (name) => differ.includes(name));
  }

  // -- views and refresh -----------------------------------------------------------------------------

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

  async function loadStatus() {
    try {
      showStatus(await call("GET", "/sync/status"));
      sectionSays("status", "");
    } catch (error) {
      loadFailed("status", error);
    }
  }

  async function loadJobs() {
    try {
      showJobs($("#jobs"), (await call("GET", "/sync/jobs?limit=20")).items || []);
      sectionSays("jobs", "");
    } catch (error) {
      loadFailed("jobs", error);
    }
  }

  // -- actions ---------------------------------------------------------------------------------------

  async function pauseOrResume(target) {
    const { action, entity } = target.dataset;
    const reason = $("#pause-reason").value.trim() || DEFAULT_REASON;
    target.disabled = true;
    try {
      await call("POST", `/sync/${encodeURIComponent(entity)}/${action}`, action === "pause" ? { reason } : {});
      say(`${entity}: ${action === "pause" ? "paused" : "resumed"}`, true);
    } catch (error) {
      if (!error.refused) say(`${entity} not ${action}d: ${error.message}`);
    } finally {
      target.disabled = false;
      refresh();
    }
  }

  async function cancelJob() {
    const id = state.jobId;
    const target = $("#cancel-job");
    target.disabled = true;
    try {
      const job = await call("POST", `/sync/jobs/${encodeURIComponent(id)}/cancel`);
      if (state.jobId === id) showJob(job);
      say(job.state === "cancelled" ? `Job ${id} cancelled` : `Job ${id}: cancel asked; it stops after its current chunk`, true);
    } catch (error) {
      if (!error.refused) say(`Not cancelled: ${error.message}`);
    } finally {
      target.disabled = false;
      refresh();
    }
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

  function setErrorFilters(filters) {
    state.errorFilters = filters;
    state.errorTokens = [null];
    const form = $("#error-filters");
    for (const field of form.elements) if (field.name) field.value = filters[field.name] || "";
    refresh();
  }

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

  window.addEventListener("hashchange", () => {
    if (hasKey()) route();
  });

  if (hasKey()) start();
  else showKeyForm(null); // no call before the operator answered the form
})();
