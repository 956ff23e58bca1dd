// The jobs view: the recent jobs, one job's detail followed to its end, the forms that start one, Cancel.

import { call } from "./api.js";
import { $, cell, clipped, details, el, fill, keyText, link, loadFailed, pairs, reasonList, reasonText, reasonsOf, recordHash, say, sectionSays, value, when } from "./dom.js";
import { remember, showEntryRows } from "./errors.js";
import { requestRefresh, state } from "./state.js";

const JOB_ERRORS = 200; // the job's entries shown (GET /api/sync/errors?job=)

const ENDED = ["succeeded", "failed", "cancelled"];

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

export function showJobs(table, jobs) {
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

export async function loadJob() {
  const id = state.jobId;
  if (!id) return;
  try {
    const job = await call("GET", `/sync/jobs/${encodeURIComponent(id)}`);
    if (state.jobId !== id) return; // another job was opened meanwhile
    showJob(job);
    const params = new URLSearchParams({ job: id, limit: String(JOB_ERRORS) });
    const page = await call("GET", `/sync/errors?${params}`);
    if (state.jobId !== id) return;
    const items = page.items || [];
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

export async function startJob(form) {
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

export async function loadJobs() {
  try {
    showJobs($("#jobs"), (await call("GET", "/sync/jobs?limit=20")).items || []);
    sectionSays("jobs", "");
  } catch (error) {
    loadFailed("jobs", error);
  }
}

export async function cancelJob() {
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
    requestRefresh();
  }
}
