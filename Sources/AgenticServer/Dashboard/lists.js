// Lists every screen shares: a filtered, searchable, paged resource list, and a list of events.

import { fill, h, json, shortID, table, throttle, time } from "./dom.js";

/**
 * Events that may carry a usage report (`complete` and `fail` take one), so change the usage of a
 * task's plan, goal and agent — which get no event of their own for it.
 */
export function reportsUsage(event) {
  return USAGE_EVENTS.has(event.type);
}

const USAGE_EVENTS = new Set(["task.completed", "task.failed", "task.retried"]);
const PAGE = 50;

/**
 * A filtered, searchable, paged list that refreshes when its resources change: events of
 * `eventPrefix`, and usage reports (each list has a usage column). The status filter starts at the
 * route's `?status=` when it names one of `statuses`; `search: false` for a list without a name filter.
 */
export async function listView(context, target, { title, path, statuses, kind, eventPrefix, columns, search = true }) {
  const status = h("select", { "aria-label": "status", id: `${kind}-status` }, h("option", { value: "" }, "any status"),
    statuses.map((name) => h("option", { value: name }, name)));
  const wanted = context.query?.get("status");
  if (statuses.includes(wanted)) status.value = wanted;
  const name = h("input", { type: "search", placeholder: "name starts with…", "aria-label": "name", id: `${kind}-search`, hidden: !search });
  const rows = h("div", { id: `${kind}-list` });
  const more = h("button", { type: "button", class: "quiet", hidden: true }, "Load more");
  fill(target, h("h1", {}, title), h("div", { class: "row" }, status, name), rows, h("div", { class: "row" }, more));
  let items = [];
  let cursor = null;
  // A refresh reads again what is shown (up to a page of 200), so "Load more" is not undone by
  // every change; a new filter starts from the first 50.
  async function load(reset, limit = PAGE) {
    const page = await context.api.list(path, { status: status.value, name: search ? name.value : "", cursor: reset ? null : cursor, limit });
    items = reset ? page.data : items.concat(page.data);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    fill(rows, table(columns, items, { "data-kind": kind }));
  }
  status.addEventListener("change", () => load(true));
  name.addEventListener("input", throttle(() => load(true), 300));
  more.addEventListener("click", () => load(false));
  const soon = throttle(() => load(true, Math.min(Math.max(items.length, PAGE), 200)).catch(() => {}), 1000);
  const unsubscribe = context.live.subscribe((event) => {
    if (event.type.startsWith(eventPrefix) || reportsUsage(event)) soon();
  });
  await load(true);
  return unsubscribe;
}

/** Events, newest first, each expandable to its data. */
export function eventList(events) {
  if (events.length === 0) return h("p", { class: "muted" }, "No events.");
  return h("ul", { class: "events" }, events.map((event) =>
    h("li", { dataset: { eventId: event.event_id, type: event.type } },
      h("details", {},
        h("summary", {}, h("span", { class: "type" }, event.type), h("span", { class: "muted" }, time(event.created_at)),
          h("span", { class: "muted mono" }, `#${event.event_id}`),
          event.resource_id ? h("span", { class: "mono" }, shortID(event.resource_id)) : null),
        json(event)))));
}
