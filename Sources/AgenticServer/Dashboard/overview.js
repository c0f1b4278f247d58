// Overview: the tenant's counts from GET /stats, refreshed when the stream says something changed
// (and every few seconds, as minutes roll by), with a chart of its last ten minutes, and the tasks
// that wait for a person's approval.

import { age, fill, h, s, shortID, table, throttle, time, statusBadge } from "./dom.js";

const REFRESH_MS = 5000;
const WAITING_SHOWN = 10;
const series = ["claims", "completions", "failures"];
const LEGEND = { claims: "claims", completions: "completions", failures: "failed attempts" };
// /stats counts failed attempts, not failed tasks (those are the Tasks card's "failed").
const FAILURES = "Attempts that ended without completing: failed for good, retried, or whose lease expired; "
  + "a task counts once for each such attempt. The failed tasks are the Tasks card's \"failed\".";

export async function render(context, target) {
  const cards = h("div", { class: "grid", id: "overview-cards" });
  const chart = h("div", { class: "card" });
  const waiting = h("div", { id: "awaiting-approval" });
  fill(target, h("h1", {}, "Overview"), cards, h("h2", {}, "Awaiting approval"), waiting, h("h2", {}, "Activity per minute"), chart);

  async function refresh() {
    const stats = await context.api.get("/stats");
    const count = stats.tasks.awaiting_approval ?? 0;
    const page = count > 0 ? await context.api.list("/tasks", { status: "awaiting_approval", limit: WAITING_SHOWN }) : { data: [] };
    showWaiting(waiting, count, page.data, context.canApprove);
    fill(cards,
      card("Agents", total(stats.agents), counts(stats.agents, "agents")),
      card("Tasks", total(stats.tasks), counts(stats.tasks, "tasks")),
      card("Queue", h("span", { id: "ready-tasks" }, stats.ready_tasks), h("div", { class: "muted" },
        "ready to claim · oldest waiting ", h("b", { id: "oldest-ready" }, age(stats.oldest_ready_age_seconds)))),
      card("Last minute", h("span", {}, h("span", { id: "claims-minute" }, stats.last_minute.claims), h("small", {}, " claims")),
        h("div", { class: "muted" }, h("b", { id: "completions-minute" }, stats.last_minute.completions), " completions · ",
          h("span", { class: "explained", title: FAILURES }, h("b", {}, stats.last_minute.failures), " failed attempts"))),
      card("Last hour", h("span", { id: "failures-hour-label", class: "explained", title: FAILURES },
        h("span", { id: "failures-hour" }, stats.last_hour.failures), h("small", {}, " failed attempts")),
        h("div", { class: "muted" }, h("b", {}, stats.last_hour.claims), " claims · ", h("b", {}, stats.last_hour.completions), " completions")));
    drawChart(chart, stats.minutes);
  }

  const soon = throttle(() => refresh().catch(() => {}), 1000);
  const unsubscribe = context.live.subscribe((event) => {
    if (event.type.startsWith("task.") || event.type.startsWith("agent.")) soon();
  });
  const timer = setInterval(soon, REFRESH_MS);
  await refresh();
  return () => { unsubscribe(); clearInterval(timer); };
}

/** The tasks that wait for a decision (the newest few), and a link to them all. */
function showWaiting(target, count, tasks, canApprove) {
  if (count === 0) return fill(target, h("p", { class: "muted", dataset: { count: 0 } }, "No task awaits approval."));
  fill(target,
    h("p", { class: "muted", dataset: { count } }, h("b", { id: "awaiting-approval-count" }, count),
      count === 1 ? " task waits" : " tasks wait", " for a person's decision",
      canApprove ? ": open one to approve or reject it. " : " (an approve or admin key decides). ",
      h("a", { href: "#/tasks?status=awaiting_approval", id: "awaiting-approval-all" }, "All tasks awaiting approval")),
    table([
      ["Task", (t) => h("a", { href: `#/tasks/${t.task_id}` }, t.name || shortID(t.task_id))],
      ["Question", (t) => t.approval?.question ?? "approval before it runs"],
      ["Plan", (t) => h("a", { class: "mono", href: `#/plans/${t.plan_id}` }, shortID(t.plan_id))],
      ["Waiting since", (t) => time(t.approval?.requested_at ?? t.updated_at)],
    ], tasks, { "data-kind": "awaiting-approval" }));
}

function total(byStatus) {
  return Object.values(byStatus).reduce((sum, n) => sum + n, 0);
}

function counts(byStatus, kind) {
  // A task count leads to the tasks of that status.
  const badge = (status) => (kind === "tasks" ? h("a", { href: `#/tasks?status=${status}` }, statusBadge(status)) : statusBadge(status));
  return h("div", { class: "counts", id: `${kind}-by-status` },
    Object.entries(byStatus).map(([status, n]) => h("span", { dataset: { status, count: n } }, badge(status), " ", h("b", {}, n))));
}

function card(title, metric, detail) {
  return h("div", { class: "card" }, h("h3", {}, title), h("div", { class: "metric" }, metric), detail);
}

function drawChart(target, minutes) {
  const width = 800, height = 160, left = 36, right = 12, top = 14, bottom = 26;
  const peak = Math.max(1, ...minutes.flatMap((minute) => series.map((name) => minute[name])));
  const x = (i) => left + (i / Math.max(1, minutes.length - 1)) * (width - left - right);
  const y = (n) => top + (1 - n / peak) * (height - top - bottom);
  const lines = series.map((name) => s("polyline", {
    class: name, "data-series": name, "data-values": minutes.map((minute) => minute[name]).join(","),
    points: minutes.map((minute, i) => `${x(i).toFixed(1)},${y(minute[name]).toFixed(1)}`).join(" "),
  }));
  const labels = minutes.map((_, i) => {
    const ago = minutes.length - 1 - i;
    return s("text", { x: x(i), y: height - 8, "text-anchor": "middle" }, ago === 0 ? "last min" : `−${ago}`);
  });
  fill(target,
    s("svg", { class: "chart", id: "activity-chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "claims, completions and failed attempts per minute" },
      s("line", { class: "axis", x1: left, y1: y(0), x2: width - right, y2: y(0) }),
      s("line", { class: "axis", x1: left, y1: y(peak), x2: width - right, y2: y(peak), "stroke-dasharray": "3 4" }),
      s("text", { x: left - 6, y: y(peak) + 4, "text-anchor": "end" }, String(peak)),
      s("text", { x: left - 6, y: y(0) + 4, "text-anchor": "end" }, "0"),
      labels, lines),
    h("div", { class: "legend muted" }, series.map((name) => h("span", { class: name, title: name === "failures" ? FAILURES : null }, `● ${LEGEND[name]}`)),
      " per minute, the last ten minutes"));
}
