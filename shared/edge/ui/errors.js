// The error log: its pages and filters, an entry's detail, Retry and Dismiss.

import { call } from "./api.js";
import { $, button, cell, clipped, details, el, keyText, link, loadFailed, pairs, reasonText, reasonsOf, recordHash, say, sectionSays, when } from "./dom.js";
import { requestRefresh, state } from "./state.js";

const PAGE_SIZE = 50; // error log entries a page

export function remember(items) {
  for (const item of items) state.errorItems.set(item.id, item);
}

/** Rows of entries with an Open button each; `cells` gives the row's other cells. */
export function showEntryRows(table, items, cells) {
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

export async function loadErrors() {
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

export function showEntry(item) {
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
    ? "Kept in storage for a retry:"
    : "This entry keeps no change: send the record again from its system, or re-run its job.";
  const change = $(".entry-change-body", box);
  if (change.dataset.of !== item.id || !item.retryable) change.hidden = true; // another entry's change
  const open = item.state === "open";
  $("#retry-entry").hidden = !item.retryable || item.state === "resolved" || item.state === "dismissed";
  for (const part of ["#dismiss-entry", "#dismiss-note", 'label[for="dismiss-note"]']) $(part, box).hidden = !open;
}

export async function retryEntry() {
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
    requestRefresh();
  }
}

export async function dismissEntry() {
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
    requestRefresh();
  }
}

export function openEntry(id) {
  const item = state.errorItems.get(id);
  if (!item) return;
  $("#dismiss-note").value = "";
  showEntry(item);
  if (state.view !== "errors") location.hash = "#errors";
  $("#entry-detail").scrollIntoView({ block: "nearest" });
  if (item.retryable) showChange(item.id);
}

/** The change the entry keeps, as it was received (GET /api/sync/errors/{id}): JSON laid out, or its text. */
async function showChange(id) {
  const body = $("#entry-detail .entry-change-body");
  try {
    const detail = await call("GET", `/sync/errors/${encodeURIComponent(id)}`);
    if (!state.entry || state.entry.id !== id) return; // another entry was opened meanwhile
    const text = detail.change !== null && detail.change !== undefined
      ? JSON.stringify(detail.change, null, 2)
      : detail.change_text;
    body.textContent = text || "";
    body.dataset.of = id;
    body.hidden = !text;
  } catch (error) {
    if (!error.refused) sectionSays("errors", `The change could not be read: ${error.message}`);
  }
}

export function setErrorFilters(filters) {
  state.errorFilters = filters;
  state.errorTokens = [null];
  const form = $("#error-filters");
  for (const field of form.elements) if (field.name) field.value = filters[field.name] || "";
  requestRefresh();
}
