// The record view: both sides of one key side by side, the fields that differ marked, its open errors.

import { call } from "./api.js";
import { $, cell, keyText, loadFailed, pairs, reasonList, reasonsOf, sectionSays, when } from "./dom.js";
import { remember, showEntryRows } from "./errors.js";
import { state } from "./state.js";

export async function loadRecord(entity, company, id) {
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
