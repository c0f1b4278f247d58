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

/** A duration as it was set (30 s, 5 min, 2 h, 1 d): unlike `age`, never rounded. */
export function duration(seconds) {
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["min", 60]]) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${unit}`;
  }
  return `${seconds} s`;
}

/** A token count with the locale's grouping (12,345). */
export function tokens(count) {
  return Number(count ?? 0).toLocaleString();
}

/** Dollars with cents; below a dollar up to four places, so a fraction of a cent is not $0.00. */
export function dollars(value) {
  const amount = Number(value ?? 0);
  return amount.toLocaleString(undefined, {
    style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: amount > 0 && amount < 1 ? 4 : 2,
  });
}

const BUDGET_USED_UP = "Budget used up — no new work is handed out";

/**
 * What work cost (`usage` of a task, plan, goal or agent) as `[label, value]` pairs for `fields`,
 * each against its budget when one is set (`{max_tokens, max_cost_usd}`, null members set none):
 * "180 / 250 tokens" with a meter. Budgets count input and output tokens together.
 */
export function usageFields(usage, budget = {}) {
  const used = { tokens: (usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0), cost: usage?.cost_usd ?? 0 };
  const split = h("span", { class: "muted" }, ` (${tokens(usage?.input_tokens)} in, ${tokens(usage?.output_tokens)} out)`);
  const limited = (value) => value !== null && value !== undefined;
  return [
    ["Tokens", limited(budget?.max_tokens)
      ? h("span", { class: "usage", dataset: { used: used.tokens, budget: budget.max_tokens } },
        `${tokens(used.tokens)} / ${tokens(budget.max_tokens)} tokens`, meter(used.tokens, budget.max_tokens), split)
      : h("span", { class: "usage", dataset: { used: used.tokens } }, `${tokens(used.tokens)} tokens`, split)],
    ["Cost", limited(budget?.max_cost_usd)
      ? h("span", { class: "usage", dataset: { used: used.cost, budget: budget.max_cost_usd } },
        `${dollars(used.cost)} / ${dollars(budget.max_cost_usd)}`, meter(used.cost, budget.max_cost_usd))
      : h("span", { class: "usage", dataset: { used: used.cost } }, dollars(used.cost))],
  ];
}

/** How much of a budget is used: green, amber from 80 %, red from 95 % (and when it is used up). */
function meter(used, budget) {
  if (!(budget > 0)) return null;
  return h("meter", { class: "budget", min: 0, max: budget, value: Math.min(used, budget), low: budget * 0.8, high: budget * 0.95,
    optimum: 0, title: `${Math.round((used / budget) * 100)} % of the budget` });
}

/** One line of usage for a list: "270 tokens · $0.0375". */
export function usageSummary(usage) {
  const total = (usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0);
  return h("span", { class: "usage-summary" }, `${tokens(total)} tokens · ${dollars(usage?.cost_usd)}`);
}

/**
 * The banner of a used-up budget on a goal's, plan's, agent's or task's page. `whose` names the
 * resource whose budget it is ("goal", "plan", "agent"); `why` says what that means here.
 */
export function budgetUsedUp(whose, why) {
  return h("div", { class: "exhausted", role: "status", dataset: { exhausted: whose } },
    h("strong", {}, BUDGET_USED_UP), h("span", {}, why));
}

/** The small badge a list shows beside the status of a resource whose budget is used up. */
export function budgetBadge(resource) {
  if (!resource.budget_exhausted) return null;
  return h("span", { class: "badge exhausted-badge", title: BUDGET_USED_UP, "data-exhausted": "" }, "budget used up");
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
