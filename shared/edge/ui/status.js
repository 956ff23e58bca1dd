// The status view: each entity's state, who holds its pauses and why, its counts, and Pause / Resume.

import { call } from "./api.js";
import { $, $$, button, cell, clipText, el, fill, link, loadFailed, say, sectionSays, when } from "./dom.js";
import { showJobs } from "./jobs.js";
import { requestRefresh, state } from "./state.js";

const DEFAULT_REASON = "paused on the operator page";

export function showStatus(status) {
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
      holds(entry),
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

/** Who holds the entity paused, why and since when, one hold under the other (the alert's and an operator's
 * can both hold it; a resume ends all); while a catch-up job applies the backlog, a link to that job. */
function holds(entry) {
  const td = cell(undefined, "clip holds");
  for (const hold of entry.pauses || []) {
    const who = el("div", undefined, "hold-by");
    who.append(el("span", hold.by, "hold-who"), el("span", since(hold.at), "muted"));
    who.title = `paused by ${hold.by} since ${when(hold.at)}`;
    const reason = el("div", undefined, "reason");
    reason.append(hold.reason ? clipText(hold.reason) : el("span", "no reason given", "muted"));
    const line = el("div", undefined, "hold");
    line.dataset.by = hold.by;
    line.append(who, reason);
    td.append(line);
  }
  const job = entry.catch_up_job;
  if (job) {
    const line = el("div", "backlog applied by ", "catch-up");
    line.append(link("its catch-up job", `#jobs/${encodeURIComponent(job)}`, `Catch-up job of ${entry.entity}`));
    td.append(line);
  }
  return td;
}

/** A hold's start, short: its time today, else its day (the whole moment is the title beside it). */
function since(iso) {
  const at = when(iso);
  if (!iso || at === String(iso)) return at; // "never", or a text that is no time
  return at.slice(0, 10) === when(new Date().toISOString()).slice(0, 10) ? at.slice(11) : at.slice(0, 10);
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

export async function loadStatus() {
  try {
    showStatus(await call("GET", "/sync/status"));
    sectionSays("status", "");
  } catch (error) {
    loadFailed("status", error);
  }
}

export async function pauseOrResume(target) {
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
    requestRefresh();
  }
}
