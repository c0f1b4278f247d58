// A plan's task graph as SVG: left to right by dependency depth, nodes coloured by status, edges
// from `depends_on`. Within a column nodes are ordered by where their dependencies sit, so edges
// mostly run straight; a column scrolls rather than shrinking its labels, so 200 tasks stay legible.

import { s } from "./dom.js";

const NODE_W = 170, NODE_H = 30, GAP_X = 70, GAP_Y = 10, PAD = 12;

/** Draws `tasks` into an <svg>; `onSelect(task)` on a click. Returns `{svg, update(task), select(id)}`. */
export function drawGraph(tasks, onSelect) {
  const byID = new Map(tasks.map((task) => [task.task_id, task]));
  const depth = new Map();
  // Longest path from a root, iteratively (no recursion limit at 500 tasks); a dependency outside
  // the list (another plan's task, or beyond the first page) counts as a root.
  const order = topological(tasks, byID);
  for (const task of order) {
    const parents = task.depends_on.filter((id) => byID.has(id));
    depth.set(task.task_id, parents.length ? 1 + Math.max(...parents.map((id) => depth.get(id) ?? 0)) : 0);
  }
  const columns = [];
  for (const task of order) (columns[depth.get(task.task_id)] ??= []).push(task);
  // Order each column by the mean row of its dependencies (one barycentre sweep).
  const row = new Map();
  columns.forEach((column, index) => {
    if (index > 0) {
      const key = (task) => {
        const rows = task.depends_on.filter((id) => row.has(id)).map((id) => row.get(id));
        return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : 0;
      };
      column.sort((a, b) => key(a) - key(b));
    }
    column.forEach((task, i) => row.set(task.task_id, i));
  });
  const tallest = Math.max(1, ...columns.map((column) => column.length));
  const width = PAD * 2 + columns.length * NODE_W + Math.max(0, columns.length - 1) * GAP_X;
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y;
  const position = (task) => {
    const column = columns[depth.get(task.task_id)];
    const offset = ((tallest - column.length) * (NODE_H + GAP_Y)) / 2;
    return { x: PAD + depth.get(task.task_id) * (NODE_W + GAP_X), y: PAD + offset + row.get(task.task_id) * (NODE_H + GAP_Y) };
  };
  const at = new Map(tasks.map((task) => [task.task_id, position(task)]));

  const edges = [];
  for (const task of tasks) {
    for (const parent of task.depends_on) {
      if (!at.has(parent)) continue;
      const from = at.get(parent), to = at.get(task.task_id);
      const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2, mid = (x1 + x2) / 2;
      edges.push(s("path", { class: "edge", d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, "data-from": parent, "data-to": task.task_id }));
    }
  }
  const nodes = new Map();
  for (const task of tasks) {
    const { x, y } = at.get(task.task_id);
    const label = task.name.length > 24 ? `${task.name.slice(0, 23)}…` : task.name;
    const node = s("g", { class: `node s-${task.status}`, transform: `translate(${x},${y})`, "data-task-id": task.task_id, "data-status": task.status,
      tabindex: 0, role: "button", onclick: () => onSelect(byID.get(task.task_id)),
      onkeydown: (event) => { if (event.key === "Enter") onSelect(byID.get(task.task_id)); } },
      s("title", {}, `${task.name} — ${task.status}`),
      s("rect", { width: NODE_W, height: NODE_H, rx: 6 }),
      s("text", { x: 10, y: NODE_H / 2 + 4 }, label));
    nodes.set(task.task_id, node);
  }
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `task graph of ${tasks.length} tasks` },
    edges, [...nodes.values()]);
  return {
    svg,
    /** A task changed status: recolour its node in place. */
    update(task) {
      const node = nodes.get(task.task_id);
      if (!node) return false;
      byID.set(task.task_id, task);
      node.setAttribute("class", `node s-${task.status}${node.classList.contains("selected") ? " selected" : ""}`);
      node.setAttribute("data-status", task.status);
      node.querySelector("title").textContent = `${task.name} — ${task.status}`;
      return true;
    },
    select(id) {
      for (const [taskID, node] of nodes) node.classList.toggle("selected", taskID === id);
    },
  };
}

/** Tasks with each after its dependencies (Kahn's algorithm; any cycle's members come last). */
function topological(tasks, byID) {
  const waiting = new Map(tasks.map((task) => [task.task_id, task.depends_on.filter((id) => byID.has(id)).length]));
  const children = new Map();
  for (const task of tasks) for (const parent of task.depends_on) if (byID.has(parent)) (children.get(parent) ?? children.set(parent, []).get(parent)).push(task.task_id);
  const ready = tasks.filter((task) => waiting.get(task.task_id) === 0).map((task) => task.task_id);
  const out = [];
  while (ready.length) {
    const id = ready.shift();
    out.push(byID.get(id));
    for (const child of children.get(id) ?? []) {
      waiting.set(child, waiting.get(child) - 1);
      if (waiting.get(child) === 0) ready.push(child);
    }
  }
  if (out.length < tasks.length) {
    const seen = new Set(out.map((task) => task.task_id));
    for (const task of tasks) if (!seen.has(task.task_id)) out.push(task);
  }
  return out;
}
