// The dashboard's shell: sign-in with a pasted key, the hash router, the shared live stream.
// Each view module exports `render(context, ...routeParts)` and may return a function that stops it.

import { Api, ApiError, LiveEvents } from "./api.js";
import { describe, fill, h } from "./dom.js";
import * as overview from "./overview.js";
import * as agents from "./agents.js";
import * as plans from "./plans.js";
import * as events from "./events.js";
import * as keys from "./keys.js";
import * as webhooks from "./webhooks.js";

const STORAGE = "agentic.key";
const views = {
  overview: overview.render,
  agents: agents.render,
  goals: plans.renderGoals,
  plans: plans.renderPlans,
  tasks: plans.renderTask,
  events: events.render,
  keys: keys.render,
  webhooks: webhooks.render,
};

let context = null;
let stopView = null;

/** What a key may do, from its scope: read < write < approve < admin. */
function abilities(scope) {
  return {
    canWrite: scope === "write" || scope === "approve" || scope === "admin",
    canApprove: scope === "approve" || scope === "admin",
    isAdmin: scope === "admin",
  };
}

async function signIn(key) {
  const api = new Api(key);
  const who = await api.get("/whoami");
  const stats = await api.get("/stats");
  sessionStorage.setItem(STORAGE, key);
  const live = new LiveEvents(key, (on) => {
    const dot = document.getElementById("live");
    dot.className = on ? "live on" : "live off";
    dot.textContent = on ? "● live" : "○ reconnecting";
  });
  live.start(stats.last_event_id);
  context = { api, who, live, ...abilities(who.scope) };
  document.getElementById("sign-in").hidden = true;
  document.getElementById("nav").hidden = false;
  document.getElementById("who").hidden = false;
  document.getElementById("identity").textContent = `${who.scope} key ${who.key_id.slice(0, 8)} · tenant ${who.tenant}`;
  for (const link of document.querySelectorAll("nav a[data-scope=admin]")) link.hidden = !context.isAdmin;
  route();
}

function signOut() {
  context?.live.stop();
  context = null;
  stopView?.();
  stopView = null;
  sessionStorage.removeItem(STORAGE);
  fill(document.getElementById("view"));
  document.getElementById("nav").hidden = true;
  document.getElementById("who").hidden = true;
  const form = document.getElementById("sign-in");
  form.hidden = false;
  form.reset();
  document.getElementById("key").focus();
}

async function route() {
  if (!context) return;
  stopView?.();
  stopView = null;
  // `#/view/part?name=value`: the query (a list's filter, say) is the view's to read.
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?", 2);
  context.query = new URLSearchParams(query);
  const [name, ...parts] = (path || "overview").split("/").map(decodeURIComponent);
  const view = views[name] ?? overview.render;
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("current", link.dataset.view === name);
  const target = fill(document.getElementById("view"));
  try {
    stopView = (await view(context, target, ...parts)) ?? null;
  } catch (error) {
    fill(target, h("div", { class: "card error" }, describe(error)));
  }
}

document.getElementById("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = document.getElementById("key").value.trim();
  const message = document.getElementById("sign-in-error");
  message.textContent = "";
  try {
    await signIn(key);
  } catch (error) {
    message.textContent = error instanceof ApiError && error.status === 401 ? "That key is not valid (or has been revoked)." : describe(error);
  }
});
document.getElementById("sign-out").addEventListener("click", signOut);
window.addEventListener("hashchange", route);

const saved = sessionStorage.getItem(STORAGE);
if (saved) signIn(saved).catch(signOut);
else signOut();
