// Agents: a list with a status filter and name search; an agent's detail with its usage against its
// budget, its current tasks, its recent events and status changes, and suspend / resume / terminate
// for write keys.

import {
  act, budgetBadge, budgetUsedUp, fields, fill, h, json, shortID, statusBadge, table, throttle, time, usageFields, usageSummary,
} from "./dom.js";
import { eventList, listView } from "./lists.js";

const STATUSES = ["created", "active", "idle", "busy", "suspended", "terminated", "error"];
const RECENT = 200;  // events read for the status changes; the newest 50 are listed
const LISTED = 50;

export async function render(context, target, id) {
  return id ? detail(context, target, id) : list(context, target);
}

function list(context, target) {
  return listView(context, target, {
    title: "Agents", path: "/agents", statuses: STATUSES, kind: "agent", eventPrefix: "agent.",
    columns: [
      ["Name", (a) => h("a", { href: `#/agents/${a.agent_id}` }, a.name)],
      ["Status", (a) => [statusBadge(a.status), " ", budgetBadge(a)]],
      ["Type", (a) => a.agent_type],
      ["Usage", (a) => usageSummary(a.usage)],
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
  const reach = h("p", { class: "muted", id: "agent-events-reach" });
  fill(target, header, h("h2", {}, "Current tasks"), tasks, h("h2", {}, "Status changes"), reach, changes,
    h("h2", {}, "Recent events"), events);
  let history = null;  // the agent's newest events, oldest first
  let complete = false;  // whether `history` goes back to its first event

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
    const { max_tokens: maxTokens, max_cost_usd: maxCost, max_concurrent_tasks: maxTasks, ...otherLimits } = agent.resource_limits ?? {};
    fill(header,
      h("div", { class: "row spread" }, h("h1", {}, agent.name, " ", statusBadge(agent.status)), h("div", { class: "row" }, actions)),
      agent.budget_exhausted
        ? budgetUsedUp("agent", "This agent's budget is used up: its claims get nothing until an admin raises it. Tasks it holds may still finish.")
        : null,
      h("div", { class: "card" }, fields([
        ["Id", h("span", { class: "mono" }, agent.agent_id)], ["DID", agent.did], ["Type", agent.agent_type],
        ["Created", time(agent.created_at)], ["Updated", time(agent.updated_at)], ["Version", agent.version],
        ["Configuration", json(agent.configuration)], ["Metadata", json(agent.metadata)],
      ])),
      h("h2", {}, "Usage and limits"),
      h("div", { class: "card", id: "agent-usage" }, fields([
        ...usageFields(agent.usage, { max_tokens: maxTokens, max_cost_usd: maxCost }),
        ["Tasks at once", maxTasks ? `at most ${maxTasks}` : "no cap"],
        Object.keys(otherLimits).length ? ["Other limits", json(otherLimits)] : null,
      ].filter(Boolean))));
    const running = await context.api.list("/tasks", { agent_id: agent.agent_id, status: "running", limit: 50 });
    fill(tasks, table([
      ["Task", (t) => h("a", { href: `#/tasks/${t.task_id}` }, t.name)],
      ["Status", (t) => statusBadge(t.status)],
      ["Type", (t) => t.task_type],
      ["Lease until", (t) => time(t.lease_expires_at)],
    ], running.data));
    if (history === null) {
      ({ events: history, complete } = await newestEvents(context.api, agent.agent_id));
    } else {
      const newer = await context.api.eventsAfter("/events", { resource_id: agent.agent_id }, history.at(-1)?.event_id ?? 0);
      for (const event of newer) if (event.event_id > (history.at(-1)?.event_id ?? 0)) history.push(event);
      if (history.length > RECENT) { history = history.slice(-RECENT); complete = false; }
    }
    // Without the agent's first event, the oldest one read is where its status stood, not a change.
    let previous = null;
    const transitions = [];
    history.forEach((event, index) => {
      const status = event.data?.status;
      const baseline = index === 0 && !complete && event.type !== "agent.created";
      if (status && status !== previous && !baseline) transitions.push({ at: event.created_at, from: previous, to: status, type: event.type });
      if (status) previous = status;
    });
    reach.textContent = complete ? "" : `In its last ${history.length} events.`;
    fill(changes, table([
      ["When", (c) => time(c.at)], ["From", (c) => (c.from ? statusBadge(c.from) : "—")], ["To", (c) => statusBadge(c.to)], ["Event", (c) => c.type],
    ], transitions));
    fill(events, eventList(history.slice(-LISTED).reverse()));
  }

  const soon = throttle(() => load().catch(() => {}), 1000);
  const unsubscribe = context.live.subscribe((event) => {
    if (event.resource_id === id || event.data?.agent_id === id) soon();
  });
  await load();
  return unsubscribe;
}

/**
 * The agent's newest RECENT events, oldest first, and whether they go back to its first one.
 * GET /events reads oldest first only; with resource_id it reads the resource's own index
 * (tenant, resource_id, event_id), so a read from position p costs only the agent's events after p.
 * So read back from the log's head in windows of positions that grow tenfold — positions are shared
 * by every tenant, so a window may hold none of the agent's events — each read forward to where the
 * previous one began, until enough are found or the log's start is reached: a busy agent costs one
 * short read, a quiet one a few empty probes, and no event is read twice.
 */
async function newestEvents(api, agentID) {
  const { last_event_id: head } = await api.get("/stats");
  let events = [];
  let end = Infinity;  // the first window takes whatever arrived since /stats answered
  let start = head;
  for (let span = 1000; events.length < RECENT && start > 0; span *= 10) {
    start = Math.max(0, head - span);
    events = (await api.eventsAfter("/events", { resource_id: agentID }, start, end)).concat(events);
    end = start;
  }
  return { events: events.slice(-RECENT), complete: start === 0 && events.length <= RECENT };
}
