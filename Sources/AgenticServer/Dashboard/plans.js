// Goals, plans and tasks: a goal's plans; a plan as its task graph with counts; the tasks by status;
// a task's inputs, outputs, error, attempts, lease and history, and the question it waits on for
// approval; what each cost, against its budget, and a banner while a budget is used up. Cancel
// buttons for write keys, Approve and Reject for approve keys. Live: task events of the plan on screen
// recolour its nodes as they arrive.

import { ApiError } from "./api.js";
import { eventList, listView, reportsUsage } from "./lists.js";
import { drawGraph } from "./graph.js";
import {
  act, age, budgetBadge, budgetUsedUp, describe, dollars, duration, fields, fill, h, json, shortID, statusBadge, table, throttle, time, tokens,
  usageFields, usageSummary,
} from "./dom.js";

const GOAL_STATUSES = ["pending", "active", "completed", "failed", "cancelled"];
const PLAN_STATUSES = ["draft", "active", "completed", "failed", "cancelled"];
const TASK_STATUSES = ["pending", "running", "completed", "failed", "blocked", "skipped", "cancelled", "awaiting_approval"];
const FINAL = new Set(["completed", "failed", "skipped", "cancelled"]);
const MAX_GRAPH_TASKS = 2000;

/** `#/goals` and `#/goals/{id}`. */
export async function renderGoals(context, target, id) {
  if (!id) {
    return listView(context, target, {
      title: "Goals", path: "/goals", statuses: GOAL_STATUSES, kind: "goals", eventPrefix: "goal.",
      columns: [
        ["Goal", (g) => h("a", { href: `#/goals/${g.goal_id}` }, g.goal_text)],
        ["Status", (g) => [statusBadge(g.status), " ", budgetBadge(g)]], ["Priority", (g) => g.priority],
        ["Usage", (g) => usageSummary(g.usage)], ["Expires", (g) => time(g.expires_at)], ["Updated", (g) => time(g.updated_at)],
      ],
    });
  }
  const header = h("div");
  const plans = h("div", { id: "goal-plans" });
  fill(target, header, h("h2", {}, "Plans"), plans);
  let planIDs = new Set();  // the goal's plans: their usage reports change the goal's usage
  async function load() {
    const goal = await context.api.get(`/goals/${encodeURIComponent(id)}`);
    const constraints = goal.constraints ?? {};
    fill(header,
      h("div", { class: "row spread" }, h("h1", {}, goal.goal_text, " ", statusBadge(goal.status)),
        cancelButton(context, goal, `/goals/${goal.goal_id}/cancel`, "goal", load)),
      goal.budget_exhausted ? budgetUsedUp("goal", "Claims pass over this goal's tasks until an admin raises its budget; "
        + "tasks already running may finish.") : null,
      h("div", { class: "card", id: "goal-fields" }, fields([
        ["Id", h("span", { class: "mono" }, goal.goal_id)], ["Type", goal.goal_type], ["Agent", agentLink(goal.agent_id)],
        ["Priority", goal.priority],
        ["Parent goal", goal.parent_goal_id ? h("a", { class: "mono", href: `#/goals/${goal.parent_goal_id}` }, shortID(goal.parent_goal_id)) : "—"],
        ["Expires", fromNow(goal.expires_at)], ["Created", time(goal.created_at)], ["Completed", time(goal.completed_at)],
        ["Success criteria", json(goal.success_criteria)],
      ])),
      h("h2", {}, "Usage"),
      h("div", { class: "card", id: "goal-usage" }, fields(usageFields(goal.usage,
        { max_tokens: constraints.max_token_budget, max_cost_usd: constraints.cost_limit_usd }))),
      h("h2", {}, "Constraints"),
      h("div", { class: "card", id: "goal-constraints" }, constraintFields(constraints)));
    const list = await context.api.all("/plans", { goal_id: goal.goal_id }, 500);
    planIDs = new Set(list.map((plan) => plan.plan_id));
    fill(plans, planTable(list));
  }
  const soon = throttle(() => load().catch(() => {}), 1000);
  const unsubscribe = context.live.subscribe((event) => {
    if (event.resource_id === id || event.data?.goal_id === id || (reportsUsage(event) && planIDs.has(event.data?.plan_id))) soon();
  });
  await load();
  return unsubscribe;
}

/** `#/plans` and `#/plans/{id}`. */
export async function renderPlans(context, target, id) {
  if (!id) {
    return listView(context, target, {
      title: "Plans", path: "/plans", statuses: PLAN_STATUSES, kind: "plans", eventPrefix: "plan.",
      columns: planColumns,
    });
  }
  return planView(context, target, id);
}

/** `#/tasks` (the tenant's tasks, by status: `#/tasks?status=awaiting_approval`) and `#/tasks/{id}`: one task on its own page. */
export async function renderTask(context, target, id) {
  if (!id) {
    return listView(context, target, {
      title: "Tasks", path: "/tasks", statuses: TASK_STATUSES, kind: "tasks", eventPrefix: "task.", search: false,
      columns: taskColumns,
    });
  }
  const panel = h("div", { class: "card" });
  fill(target, panel);
  const shown = await taskPanel(context, panel, id);
  return shown.stop;
}

const planColumns = [
  ["Plan", (p) => h("a", { href: `#/plans/${p.plan_id}` }, p.name || shortID(p.plan_id))],
  ["Status", (p) => [statusBadge(p.status), " ", budgetBadge(p)]], ["Type", (p) => p.plan_type],
  ["Usage", (p) => usageSummary(p.usage)], ["Updated", (p) => time(p.updated_at)],
];

export const taskColumns = [
  ["Task", (t) => h("a", { href: `#/tasks/${t.task_id}` }, t.name || shortID(t.task_id))],
  ["Status", (t) => statusBadge(t.status)], ["Type", (t) => t.task_type],
  ["Plan", (t) => h("a", { class: "mono", href: `#/plans/${t.plan_id}` }, shortID(t.plan_id))],
  ["Question", (t) => t.approval?.question ?? (t.status === "awaiting_approval" ? "approval before it runs" : "—")],
  ["Usage", (t) => usageSummary(t.usage)], ["Updated", (t) => time(t.updated_at)],
];

function planTable(plans) {
  return table(planColumns, plans, { "data-kind": "plans" });
}

async function planView(context, target, id) {
  const header = h("div");
  const budget = h("div", { id: "plan-budget" });
  const counts = h("div", { class: "counts", id: "plan-counts" });
  const graph = h("div", { class: "graph", id: "plan-graph" });
  const panel = h("div", { class: "card", id: "task-panel" }, h("p", { class: "muted" }, "Select a task in the graph."));
  fill(target, header, budget, h("div", { class: "split" }, h("div", {}, h("div", { class: "row" }, counts), graph), panel));

  let tasks = new Map();
  let drawn = null;
  let selected = null;
  let stopPanel = () => {};
  let goalID = null;
  let budgetTurn = 0;  // the newest showBudget call: an older one that answers later draws nothing

  /** The plan's usage against its budget, and a banner while its budget or its goal's is used up. */
  async function showBudget(plan) {
    const turn = ++budgetTurn;
    plan ??= await context.api.get(`/plans/${encodeURIComponent(id)}`);
    goalID = plan.goal_id;
    const goal = await context.api.get(`/goals/${encodeURIComponent(plan.goal_id)}`).catch(() => null);
    if (turn !== budgetTurn) return;
    fill(budget,
      plan.budget_exhausted ? budgetUsedUp("plan", "This plan's budget is used up: claims pass over its tasks until an admin raises it; "
        + "tasks already running may finish.") : null,
      goal?.budget_exhausted && !FINAL.has(plan.status) ? budgetUsedUp("goal", "Its goal's budget is used up: claims pass over this plan's "
        + "tasks until an admin raises it; tasks already running may finish.") : null,
      h("div", { class: "card compact", id: "plan-usage" }, fields(usageFields(plan.usage, plan.resource_budget ?? {}))));
  }

  async function loadPlan() {
    const plan = await context.api.get(`/plans/${encodeURIComponent(id)}?include=tasks`);
    const list = [...plan.tasks];
    let cursor = plan.tasks_next_cursor;
    while (cursor && list.length < MAX_GRAPH_TASKS) {
      const page = await context.api.list("/tasks", { plan_id: plan.plan_id, cursor, limit: 200 });
      list.push(...page.data);
      cursor = page.next_cursor;
    }
    fill(header,
      h("div", { class: "row spread" },
        h("h1", {}, plan.name || `Plan ${shortID(plan.plan_id)}`, " ", h("span", { id: "plan-status" }, statusBadge(plan.status))),
        cancelButton(context, plan, `/plans/${plan.plan_id}/cancel`, "plan", loadPlan)),
      h("div", { class: "muted" }, "Goal ", h("a", { href: `#/goals/${plan.goal_id}` }, shortID(plan.goal_id)),
        plan.plan_type ? ` · ${plan.plan_type}` : "", ` · ${list.length} tasks`, cursor ? ` (first ${list.length} shown)` : ""));
    tasks = new Map(list.map((task) => [task.task_id, task]));
    drawn = drawGraph(list, select);
    fill(graph, drawn.svg);
    if (selected) drawn.select(selected);
    showCounts();
    await showBudget(plan);
  }

  function showCounts() {
    const byStatus = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0]));
    for (const task of tasks.values()) byStatus[task.status] += 1;
    fill(counts, TASK_STATUSES.map((status) => h("span", { dataset: { status, count: byStatus[status] } }, statusBadge(status), " ", h("b", {}, byStatus[status]))));
  }

  async function select(task) {
    selected = task.task_id;
    drawn?.select(selected);
    stopPanel();
    stopPanel = (await taskPanel(context, panel, task.task_id, false)).stop;
  }

  const reload = throttle(() => loadPlan().catch(() => {}), 1000);
  const budgetSoon = throttle(() => showBudget().catch(() => {}), 1000);
  const unsubscribe = context.live.subscribe((event) => {
    const data = event.data ?? {};
    if (event.resource_id === id && event.type.startsWith("plan.")) return reload();
    if (event.resource_id === goalID && event.type.startsWith("goal.")) return budgetSoon();
    if (!event.type.startsWith("task.") || data.plan_id !== id) return;
    if (reportsUsage(event)) budgetSoon();
    // A task event carries the task as it is now: recolour in place; a new or deleted task relays.
    if (event.type === "task.created" || event.type === "task.deleted" || !tasks.has(data.task_id) || !data.status) return reload();
    tasks.set(data.task_id, data);
    drawn?.update(data);
    showCounts();
  });
  await loadPlan();
  return () => { unsubscribe(); stopPanel(); };
}

/**
 * A task's detail and history into `panel`; follows the task's events while shown. `withBudgets`:
 * a banner while its plan's or goal's budget is used up (the plan's page shows those itself).
 */
async function taskPanel(context, panel, id, withBudgets = true) {
  // The whole history, page after page; later loads read only what came after (a running task's
  // heartbeats would otherwise re-read it all every time).
  const history = [];
  // What else the page follows: the task's plan and goal (their budgets) and its dependencies
  // (whose completion puts it in the queue, restamping ready_at without an event of its own).
  let followed = new Set();
  async function load() {
    const [task, newer] = await Promise.all([
      context.api.get(`/tasks/${encodeURIComponent(id)}`),
      context.api.eventsAfter(`/tasks/${encodeURIComponent(id)}/events`, {}, history.at(-1)?.event_id ?? 0),
    ]);
    // Two loads may overlap (a button's and an event's): keep each event once.
    for (const event of newer) if (event.event_id > (history.at(-1)?.event_id ?? 0)) history.push(event);
    const [plan, waiting] = await Promise.all([
      withBudgets && !FINAL.has(task.status) ? context.api.get(`/plans/${encodeURIComponent(task.plan_id)}`).catch(() => null) : null,
      task.status === "pending" ? waitingFor(context.api, task) : false,
    ]);
    const goal = plan ? await context.api.get(`/goals/${encodeURIComponent(plan.goal_id)}`).catch(() => null) : null;
    followed = new Set([task.plan_id, plan?.goal_id, ...task.depends_on].filter(Boolean));
    const held = (whose) => `Its ${whose}'s budget is used up: `
      + `${task.status === "running" ? "this attempt may finish, but " : ""}claims pass over its tasks until an admin raises it.`;
    fill(panel,
      h("div", { class: "row spread" }, h("h2", { id: "task-name" }, task.name, " ", statusBadge(task.status)),
        cancelButton(context, task, `/tasks/${task.task_id}/cancel`, "task", load)),
      plan?.budget_exhausted ? budgetUsedUp("plan", held("plan")) : null,
      goal?.budget_exhausted ? budgetUsedUp("goal", held("goal")) : null,
      approvalSection(context, task, load),
      fields([
        ["Id", h("a", { class: "mono", href: `#/tasks/${task.task_id}` }, task.task_id)],
        ["Plan", h("a", { href: `#/plans/${task.plan_id}` }, shortID(task.plan_id))],
        ["Type", task.task_type], ["Tool", task.tool_name], ["Agent", agentLink(task.agent_id)], ["Priority", task.priority],
        ["Attempts", `${task.attempts} of ${task.max_attempts}`], ["Timeout", `${task.timeout_seconds} s per attempt`],
        ["Retry policy", retryPolicy(task.retry_policy)], ["Not before", fromNow(task.not_before)],
        ["Ready at", readyAt(task, waiting)], ["Schedule to start", scheduleToStart(task, waiting)],
        ...usageFields(task.usage),
        ["Concurrency key", task.concurrency_key ? h("span", { class: "mono" }, task.concurrency_key) : "—"],
        ["Lease until", time(task.lease_expires_at)], ["Started", time(task.started_at)], ["Completed", time(task.completed_at)],
        ["Depends on", task.depends_on.length ? task.depends_on.map((dep) => h("a", { class: "mono", href: `#/tasks/${dep}` }, shortID(dep), " ")) : "—"],
        ["Description", task.description || "—"],
      ]),
      h("h3", {}, "Inputs"), json(task.inputs),
      h("h3", {}, "Outputs"), json(task.outputs),
      task.error ? [h("h3", {}, "Error"), h("div", { class: "error" }, json(task.error))] : null,
      h("h3", {}, `History (${history.length})`),
      h("div", { id: "task-history" }, eventList([...history].reverse())));
  }
  const soon = throttle(() => load().catch(() => {}), 500);
  const unsubscribe = context.live.subscribe((event) => { if (event.resource_id === id || followed.has(event.resource_id)) soon(); });
  await load();
  return { stop: unsubscribe };
}

/** Whether a pending task still waits for a dependency to complete (so is not due yet). */
async function waitingFor(api, task) {
  if (task.depends_on.length === 0) return false;
  const dependencies = await Promise.all(task.depends_on.map((dep) => api.get(`/tasks/${encodeURIComponent(dep)}`).catch(() => null)));
  return dependencies.some((dep) => dep?.status !== "completed");
}

/** When the task last entered the queue (the wait for a worker counts from it). */
function readyAt(task, waiting) {
  if (waiting) return "not yet: it waits for its dependencies";
  return time(task.ready_at);
}

/**
 * How long the task may wait for a worker once it is due, and — while it waits — when it expires
 * unclaimed: that long after ready_at, or after not_before when later.
 */
function scheduleToStart(task, waiting) {
  const bound = task.schedule_to_start_seconds;
  if (!bound) return "no limit (it waits for a worker for ever)";
  const within = `a worker must claim it within ${duration(bound)} of its becoming due`;
  if (task.status === "failed" && task.error?.reason === "schedule_to_start_timeout") return `${within}; it expired unclaimed`;
  if (task.status !== "pending" || !task.ready_at) return within;
  if (waiting) return `${within} (the wait starts when its dependencies have completed)`;
  const due = Math.max(new Date(task.ready_at).getTime(), task.not_before ? new Date(task.not_before).getTime() : 0);
  return `${within}: unclaimed, it expires at ${fromNow(new Date(due + bound * 1000).toISOString())}`;
}

/**
 * The question a task waits on (or waited on) — its data, who asked and when — and the decision once
 * made; Approve and Reject (which asks for a reason) for an approve or admin key while it waits.
 */
function approvalSection(context, task, after) {
  const approval = task.approval ?? {};
  const waiting = task.status === "awaiting_approval";
  if (!task.approval && !waiting) return null;
  const key = (id) => (id ? h("span", { class: "mono", title: id }, shortID(id)) : "—");
  const decision = approval.decision
    ? h("span", { class: `decision-${approval.decision}`, id: "approval-decision" }, approval.decision)
    : h("span", { id: "approval-decision", class: "muted" }, "not decided yet");
  return h("div", { class: "approval", id: "task-approval", dataset: { decision: approval.decision ?? "" } },
    h("h3", {}, waiting ? "Awaiting approval" : "Approval"),
    approval.question
      ? h("p", { class: "question", id: "approval-question" }, approval.question)
      : h("p", { class: "muted", id: "approval-question" }, "It was created to wait for a person's approval before it runs."),
    approval.data ? h("div", { id: "approval-data" }, json(approval.data)) : null,
    fields([
      ...(approval.requested_at ? [["Asked", [time(approval.requested_at), " by key ", key(approval.requested_by)]]] : []),
      ["Created by key", key(task.created_by)],
      ["Decision", decision],
      ...(approval.decided_at ? [["Decided", [time(approval.decided_at), " by key ", key(approval.decided_by)]]] : []),
      ...(approval.comment ? [["Comment", approval.comment]] : []),
      ...(approval.reason ? [["Reason", approval.reason]] : []),
    ]),
    waiting ? approvalActions(context, task, after) : null);
}

function approvalActions(context, task, after) {
  if (!context.canApprove) {
    return h("p", { class: "muted", id: "approval-needs" }, "A person with an approve or admin key decides.");
  }
  const comment = h("input", { type: "text", id: "approval-comment", placeholder: "comment (optional)", "aria-label": "comment", maxlength: 10000 });
  const approve = h("button", { type: "button", class: "approve", "data-action": "approve-task" }, "Approve");
  const reject = h("button", { type: "button", class: "danger", "data-action": "reject-task" }, "Reject");
  const problem = h("p", { class: "error", id: "approval-error", role: "alert" });
  const own = [task.created_by, task.approval?.requested_by].includes(context.who?.key_id);
  async function decide(button, done, path, body) {
    problem.textContent = "";
    await act(button, `The task was ${done}`, async () => {
      try {
        await context.api.post(path, body);
      } catch (error) {
        // A 403 here is the server's rule that nobody decides on their own work: say so in place.
        problem.textContent = error instanceof ApiError && error.status === 403 ? `Not allowed: ${error.message}` : describe(error);
        throw error;
      }
      await after();
    });
  }
  approve.addEventListener("click", () => {
    const note = comment.value.trim();
    decide(approve, "approved", `/tasks/${task.task_id}/approve`, note ? { comment: note } : {});
  });
  reject.addEventListener("click", () => {
    const reason = prompt("Why reject it? The task fails with this reason and the tasks that depend on it are skipped.");
    if (reason === null) return;
    if (!reason.trim()) {
      problem.textContent = "A rejection needs a reason.";
      return;
    }
    decide(reject, "rejected", `/tasks/${task.task_id}/reject`, { reason: reason.trim() });
  });
  return [
    own ? h("p", { class: "muted", id: "approval-own" }, "This key created the task or asked the question: another person's key must decide.") : null,
    h("div", { class: "row", id: "approval-actions" }, comment, approve, reject),
    problem,
  ];
}

function cancelButton(context, resource, path, kind, after) {
  if (!context.canWrite || FINAL.has(resource.status)) return null;
  const button = h("button", { type: "button", class: "danger", "data-action": `cancel-${kind}` }, `Cancel ${kind}`);
  button.addEventListener("click", () => {
    if (!confirm(`Cancel this ${kind}? Its open work is cancelled too.`)) return;
    act(button, `The ${kind} was cancelled`, async () => {
      await context.api.post(path, {});
      await after();
    });
  });
  return button;
}

/** A goal's limits, each in words (null members set no limit). */
function constraintFields(c) {
  const list = (items, none) => (items?.length ? items.join(", ") : none);
  return fields([
    ["Max parallelism", c.max_parallelism ? `${c.max_parallelism} tasks at once` : "no cap"],
    ["Deadline", fromNow(c.deadline)],
    ["Max execution time", c.max_execution_time_sec ? age(c.max_execution_time_sec) : "—"],
    ["Token budget", c.max_token_budget !== null && c.max_token_budget !== undefined ? `${tokens(c.max_token_budget)} tokens` : "—"],
    ["Cost limit", c.cost_limit_usd !== null && c.cost_limit_usd !== undefined ? dollars(c.cost_limit_usd) : "—"],
    ["Needs approval", c.require_approval ? "yes" : "no"],
    ["Allowed agent types", list(c.allowed_agent_types, "any")],
    ["Forbidden tools", list(c.forbidden_tools, "none")],
  ]);
}

/** A task's backoff between attempts; without one of its own the tenant's default applies. */
function retryPolicy(policy) {
  if (!policy) return "none of its own (the tenant's default applies)";
  return `${policy.initial_seconds} s, ×${policy.multiplier} after each retry, at most ${policy.max_seconds} s`
    + (policy.jitter ? ", with jitter" : "");
}

/** A time, and how far off it is while it is still to come. */
function fromNow(value) {
  if (!value) return "—";
  const seconds = (new Date(value).getTime() - Date.now()) / 1000;
  return seconds > 0 ? `${time(value)} (in ${age(seconds)})` : time(value);
}

function agentLink(agentID) {
  return agentID ? h("a", { class: "mono", href: `#/agents/${agentID}` }, shortID(agentID)) : "—";
}
