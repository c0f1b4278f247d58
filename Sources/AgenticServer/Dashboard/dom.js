import { ApiError } from "./api.js";

// Small DOM helpers. Text from the API is only ever set as text (never as HTML), so nothing a
// client stored can become markup or script here.

/** Builds an element: `h("a", {href: "#/x", class: "y", onclick: f}, "text", child, …)`. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

const SVG = "http://www.w3.org/2000/svg";

/** The same for SVG elements. */
export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function statusBadge(status) {
  return h("span", { class: `status s-${status}`, "data-status": status }, status);
}

export function json(value) {
  return h("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

export function shortID(id) {
  return id ? String(id).slice(0, 8) : "—";
}

export function time(value) {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function age(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

/** A definition list of `[label, value]` pairs (values may be nodes). */
export function fields(pairs) {
  return h("dl", { class: "fields" }, pairs.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value ?? "—")]));
}

/** A table: `columns` are `[heading, row => cell]`. */
export function table(columns, rows, attributes = {}) {
  return h("div", { class: "table-wrap" },
    h("table", attributes,
      h("thead", {}, h("tr", {}, columns.map(([heading]) => h("th", {}, heading)))),
      h("tbody", {}, rows.length === 0
        ? h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, "Nothing here yet."))
        : rows.map((row) => h("tr", {}, columns.map(([, cell]) => h("td", {}, cell(row))))))));
}

let toastTimer;
/** A short message in the corner: what an action did, or why it failed. */
export function toast(message, bad = false) {
  const element = document.getElementById("toast");
  element.textContent = message;
  element.className = bad ? "toast bad" : "toast";
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { element.hidden = true; }, bad ? 8000 : 3000);
}

/** Runs `fn` at most once per `ms`, the last call winning (for refreshes triggered by events). */
export function throttle(fn, ms) {
  let timer = null;
  let pending = false;
  return () => {
    if (timer) { pending = true; return; }
    fn();
    timer = setTimeout(function again() {
      timer = null;
      if (pending) { pending = false; fn(); timer = setTimeout(again, ms); }
    }, ms);
  };
}

/** A failed call, as the server explained it (naming the fields for a 422). */
export function describe(error) {
  if (error instanceof ApiError) {
    const fields = error.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
    return `${error.status} ${error.code ?? ""} — ${error.message}${fields ? ` (${fields})` : ""}`;
  }
  return String(error?.message ?? error);
}

/** Runs an action a button started: disables it meanwhile, reports the outcome. */
export async function act(button, label, action) {
  button.disabled = true;
  try {
    await action();
    toast(label);
  } catch (error) {
    toast(describe(error), true);
  } finally {
    button.disabled = false;
  }
}
