// Small drawing helpers: every value from the API goes into the page as text, never as HTML.

import { state } from "./state.js";

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

export function cell(content, className) {
  const td = el("td", undefined, className);
  if (content instanceof Node) td.append(content);
  else if (content !== null && content !== undefined) td.textContent = String(content);
  return td;
}

/** A cell cut to a few lines; the whole text is its title. */
export function clipped(text, className = "clip") {
  const td = cell(undefined, className);
  td.append(clipText(text));
  return td;
}

/** A text cut to a few lines (by the style sheet), the whole of it in its title; a click opens it. */
export function clipText(text) {
  const inner = el("div", text || "", "clip-text");
  if (text) inner.title = text;
  if (text && state.opened.has(text)) inner.classList.add("open"); // kept open across refreshes
  return inner;
}

export function button(label, data, name, className) {
  const b = el("button", label, className);
  b.type = "button";
  if (name) b.setAttribute("aria-label", name);
  Object.assign(b.dataset, data);
  return b;
}

export function link(label, hash, name) {
  const a = el("a", label);
  a.href = hash;
  if (name) a.setAttribute("aria-label", name);
  return a;
}

export function when(iso) {
  if (!iso) return "never";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toISOString().slice(0, 19).replace("T", " ") + "Z";
}

export function keyText(key) {
  return key && (key.company || key.id) ? `${key.company ?? "?"} / ${key.id ?? "?"}` : "—";
}

export function recordHash(entity, key) {
  return `#record/${[entity, key.company, key.id].map(encodeURIComponent).join("/")}`;
}

export function value(v) {
  if (v === null || v === undefined) return "—";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** One reason as a line: field, rule and side when it has them, then its message. */
export function reasonText(reason) {
  if (!reason || typeof reason !== "object") return value(reason);
  const head = [reason.line !== undefined ? `line ${reason.line}` : null, reason.field, reason.rule]
    .filter((part) => part !== null && part !== undefined && part !== "")
    .join(": ");
  const side = reason.side ? ` (${reason.side})` : "";
  const text = `${head}${side}${head && reason.message ? " — " : ""}${reason.message || ""}`;
  return text || JSON.stringify(reason);
}

export function reasonsOf(item) {
  const reasons = (item.reasons || []).map(reasonText);
  if (!reasons.length && (item.code || item.message)) reasons.push([item.code, item.message].filter(Boolean).join(": "));
  return reasons;
}

export function reasonList(reasons) {
  const ul = el("ul", undefined, "reasons");
  for (const text of reasons) ul.append(el("li", text));
  return ul;
}

export function pairs(table, entries, mark = () => false) {
  $("tbody", table).replaceChildren(...entries.map(([name, v]) => {
    const tr = el("tr");
    tr.dataset.name = name;
    if (mark(name)) tr.classList.add("differs");
    tr.append(el("th", name), clipped(value(v), "clip wide"));
    return tr;
  }));
}

export function fill(table, rows) {
  $("tbody", table).replaceChildren(...rows);
  const empty = table.id ? $(`[data-empty="${table.id}"]`) : null;
  if (empty) empty.hidden = rows.length > 0;
}

export function say(text, ok = false) {
  const box = $("#message");
  box.textContent = text;
  box.classList.toggle("ok", ok);
  box.setAttribute("role", ok ? "status" : "alert");
  box.hidden = !text;
}

export function sectionSays(section, text) {
  const box = $(`.section-message[data-for="${section}"]`);
  box.textContent = text;
  box.hidden = !text;
}

/** A failed load under its section; a refused key is said once, by the key form. */
export function loadFailed(section, error) {
  if (!error.refused) sectionSays(section, error.message);
  if (error.status === 0) state.unreachable = true;
}

/** The failures an error answer lists, as one line each after its message. */
export function details(error) {
  const listed = (error.payload && error.payload.error && error.payload.error.details) || [];
  return listed.length ? "\n" + listed.map(reasonText).join("\n") : "";
}
