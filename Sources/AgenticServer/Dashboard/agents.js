// Agents: a list with a status filter and name search; an agent's detail with its current tasks,
// its recent events and status changes, and suspend / resume / terminate for write keys.

import { act, fields, fill, h, json, shortID, statusBadge, table, throttle, time } from "./dom.js";
import { eventList, listView } from "./lists.js";

const STATUSES = ["created", "active", "idle", "busy", "suspended", "terminated", "error"];

export async function render(context, target, id) {
  return id ? detail(context, target, id) : list(context, target);
}

function list(context, target) {
  return listView(context, target, {
    title: "Agents", path: "/agents", statuses: STATUSES, kind: "agent", eventPrefix: "agent.",
    columns: [
      ["Name", (a) => h("a", { href: `#/agents/${a.agent_id}` }, a.name)],
      ["Status", (a) => statusBadge(a.status)],
      ["Type", (a) => a.agent_type],
      ["Id", (a) => h("span", { class: "mono" }, shortID(a.agent_id))],
      ["Updated", (a) => time(a.updated_at)],
    ],
  });
}

async function detail(context, target, id) {
  const header = h("div");
  const tasks = h("div", { id: "agent-tasks" });
  const changes = h("div", { id: "agent-status-changes" });
  const events = h("div", { id: "agent-events" });
  fill(target, header, h("h2", {}, "Current tasks"), tasks, h("h2", {}, "Status changes"), changes, h("h2", {}, "Recent events"), events);

  async function load() {
    const agent = await context.api.get(`/agents/${encodeURIComponent(id)}`);
    const actions = context.canWrite && agent.status !== "terminated" ? [
      agent.status === "suspended"
        ? action("Resume", "active", "resumed")
        : action("Suspend", "suspended", "suspended"),
      action("Terminate", "terminated", "terminated", "danger"),
    ] : [];
    function action(label, status, done, kind = "quiet") {
      const button = h("button", { type: "button", class: kind, "data-action": label.toLowerCase() }, label);
      button.addEventListener("click", () => {
        if (status === "terminated" && !confirm(`Terminate ${agent.name}? This is final.`)) return;
        act(button, `Agent ${done}`, async () => {
          await context.api.patch(`/agents/${encodeURIComponent(id)}`, { status });
          await load();
        });
      });
      return button;
    }
    fill(header,
      h("div", { class: "row spread" }, h("h1", {}, agent.name, " ", statusBadge(agent.status)), h("div", { class: "row" }, actions)),
      h("div", { class: "card" }, fields([
        ["Id", h("span", { class: "mono" }, agent.agent_id)], ["DID", agent.did], ["Type", agent.agent_type],
        ["Created", time(agent.created_at)], ["Updated", time(agent.updated_at)], ["Version", agent.version],
        ["Configuration", json(agent.configuration)], ["Resource limits", json(agent.resource_limits)], ["Metadata", json(agent.metadata)],
      ])));
    const running = await context.api.list("/tasks", { agent_id: agent.agent_id, status: "running", limit: 50 });
    fill(tasks, table([
      ["Task", (t) => h("a", { href: `#/tasks/${t.task_id}` }, t.name)],
      ["Status", (t) => statusBadge(t.status)],
      ["Type", (t) => t.task_type],
      ["Lease until", (t) => time(t.lease_expires_at)],
    ], running.data));
    const history = await context.api.all("/events", { resource_id: agent.agent_id }, 1000);
    let previous = null;
    const transitions = [];
    for (const event of history) {
      const status = event.data?.status;
      if (status && status !== previous) transitions.push({ at: event.created_at, from: previous, to: status, type: event.type });
      if (status) previous = status;
    }
    fill(changes, table([
      ["When", (c) => time(c.at)], ["From", (c) => (c.from ? statusBadge(c.from) : "—")], ["To", (c) => statusBadge(c.to)], ["Event", (c) => c.type],
    ], transitions));
    fill(events, eventList(history.slice(-50).reverse()));
  }

  const soon = throttle(() => load().catch(() => {}), 1000);
  const unsubscribe = context.live.subscribe((event) => {
    if (event.resource_id === id || event.data?.agent_id === id) soon();
  });
  await load();
  return unsubscribe;
}
