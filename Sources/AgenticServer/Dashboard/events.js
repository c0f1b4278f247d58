// Events: a live tail of the tenant's log — the recent past, then whatever arrives — with type
// filters and a pause; each event expands to its data.

import { eventList } from "./lists.js";
import { fill, h } from "./dom.js";

const KINDS = ["agent.", "goal.", "plan.", "task.", "x."];
// Every type outside KINDS (settings.updated, rate_limit.set, concurrency_limit.deleted, and any
// type added later) falls under "other", so no event is hidden for want of a box of its own.
const KEEP = 500;
const RECENT_POSITIONS = 500;

export async function render(context, target) {
  const boxes = KINDS.map((kind) => h("input", { type: "checkbox", checked: true, value: kind, id: `kind-${kind}` }));
  const other = h("input", { type: "checkbox", checked: true, id: "kind-other" });
  const heartbeat = h("input", { type: "checkbox", id: "kind-heartbeat" });
  const pause = h("button", { type: "button", class: "quiet", id: "events-pause" }, "Pause");
  const state = h("span", { class: "muted", id: "events-state" });
  const list = h("div", { id: "event-tail" });
  fill(target, h("h1", {}, "Events"),
    h("div", { class: "row" },
      boxes.map((box) => h("label", {}, box, ` ${box.value}*`)),
      h("label", { title: "every other type: settings, rate and concurrency limits, …" }, other, " other"),
      h("label", {}, heartbeat, " heartbeats"), pause, state),
    list);

  const events = new Map();
  let paused = false;
  let held = 0;
  const wanted = (event) => {
    if (event.type === "task.heartbeat" && !heartbeat.checked) return false;
    const named = boxes.find((box) => event.type.startsWith(box.value));
    return named ? named.checked : other.checked;
  };
  function show() {
    const shown = [...events.values()].filter(wanted).sort((a, b) => b.event_id - a.event_id);
    fill(list, eventList(shown));
    state.textContent = paused ? `paused — ${held} new` : `${shown.length} shown`;
  }
  function add(event) {
    events.set(event.event_id, event);
    if (events.size > KEEP) events.delete(Math.min(...events.keys()));
  }

  // Subscribe before reading the past so nothing falls between the two; duplicates merge by id.
  const unsubscribe = context.live.subscribe((event) => {
    add(event);
    if (paused) { held += 1; state.textContent = `paused — ${held} new`; } else show();
  });
  for (const box of [...boxes, other, heartbeat]) box.addEventListener("change", show);
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    held = 0;
    show();
  });

  const stats = await context.api.get("/stats");
  const recent = await context.api.list("/events", { after: Math.max(0, stats.last_event_id - RECENT_POSITIONS), limit: 1000 });
  for (const event of recent.data) add(event);
  show();
  return unsubscribe;
}
