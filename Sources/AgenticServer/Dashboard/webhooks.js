// Webhooks (admin): the tenant's webhooks, the hosts they may target, and a webhook's deliveries with
// their attempts and a Redeliver button. A webhook sends the tenant's events out of the system, so the
// server answers only admin keys: any other key is told so here rather than shown a refused call.

import { ApiError } from "./api.js";
import { act, fields, fill, h, shortID, statusBadge, table, throttle, time } from "./dom.js";

const PAGE = 50;
/** How often a webhook's page reads its deliveries again while one is pending: attempts make no events. */
const POLL_MS = 2000;

export async function render(context, target, webhookID) {
  if (!context.isAdmin) return needsAdmin(context, target);
  try {
    return webhookID ? await renderWebhook(context, target, webhookID) : await renderList(context, target);
  } catch (error) {
    // The scope said admin, the server says otherwise (say, a key made to look like one): the same message.
    if (error instanceof ApiError && error.status === 403) return needsAdmin(context, target);
    throw error;
  }
}

function needsAdmin(context, target) {
  fill(target, h("h1", {}, "Webhooks"),
    h("div", { class: "card", id: "webhooks-needs-admin", role: "status" },
      h("p", {}, h("strong", {}, "Webhooks need an admin key."),
        ` This is a ${context.who.scope} key. A webhook sends the tenant's events to another system, so only an admin key may see`,
        " webhooks, their deliveries and the hosts they may target."),
      h("p", { class: "muted" }, "Sign out and sign in with an admin key to manage them.")));
  return null;
}

/** Whether an event of `type` goes to a webhook of `types` (exact types, and prefixes ending in "."). */
function matches(types, type) {
  return types.some((wanted) => (wanted.endsWith(".") ? type.startsWith(wanted) : type === wanted));
}

function typeList(types) {
  return h("span", { class: "webhook-types" }, types.map((type) => h("code", {}, type)));
}

async function renderList(context, target) {
  const hosts = h("div", { id: "webhook-hosts" });
  const rows = h("div", { id: "webhook-list" });
  fill(target, h("h1", {}, "Webhooks"),
    h("p", { class: "muted" }, "Each webhook receives the tenant's events of its types as signed POSTs, at least once and in order per resource."),
    rows, h("h2", {}, "Allowed hosts"), hosts);

  async function load() {
    const [webhooks, allowed] = await Promise.all([context.api.get("/webhooks"), context.api.get("/webhooks/allowed-hosts")]);
    fill(rows, table([
      ["URL", (w) => h("a", { href: `#/webhooks/${encodeURIComponent(w.webhook_id)}`, class: "webhook-url", "data-webhook-id": w.webhook_id }, w.url)],
      ["Types", (w) => typeList(w.types)],
      ["Created", (w) => time(w.created_at)],
      ["Id", (w) => h("span", { class: "mono" }, shortID(w.webhook_id))],
    ], webhooks.data, { "data-kind": "webhooks" }));
    fill(hosts, allowed.hosts.length === 0
      ? h("p", { class: "muted", id: "webhook-hosts-empty" }, "No host is allowed yet, so no webhook can be created. An admin sets them with PUT /api/v1/webhooks/allowed-hosts.")
      : [h("ul", { class: "hosts" }, allowed.hosts.map((host) => h("li", { class: "mono", "data-host": host }, host))),
        h("p", { class: "muted" }, "Exact host names or IP addresses, any port; checked when a webhook is created and at every attempt. ",
          `Last changed ${time(allowed.updated_at)}.`)]);
  }

  // webhook.created, webhook.deleted and webhook.allowed_hosts.updated: the page follows them.
  const soon = throttle(() => load().catch(() => {}), 1000);
  const unsubscribe = context.live.subscribe((event) => { if (event.type.startsWith("webhook.")) soon(); });
  try {
    await load();
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return unsubscribe;
}

async function renderWebhook(context, target, webhookID) {
  const path = `/webhooks/${encodeURIComponent(webhookID)}`;
  const webhook = await context.api.get(path);
  const rows = h("div", { id: "webhook-deliveries" });
  const more = h("button", { type: "button", class: "quiet", hidden: true }, "Load more");
  fill(target, h("p", {}, h("a", { href: "#/webhooks" }, "← Webhooks")),
    h("h1", { id: "webhook-title", class: "wrap" }, webhook.url),
    h("div", { class: "card", id: "webhook-fields" }, fields([
      ["URL", h("span", { class: "mono" }, webhook.url)],
      ["Types", typeList(webhook.types)],
      ["Created", time(webhook.created_at)],
      ["Id", h("span", { class: "mono" }, webhook.webhook_id)],
      ["Secret", h("span", { class: "muted" }, "shown only when the webhook was created")],
    ])),
    h("h2", {}, "Deliveries"),
    h("p", { class: "muted" }, "Newest first. A failed attempt is retried after 1 s, doubling up to an hour, for 24 hours; Redeliver makes one due now."),
    rows, h("div", { class: "row" }, more));

  let items = [];
  let cursor = null;
  // A refresh reads again what is shown (up to a page of 200), so "Load more" is not undone by it.
  async function load(reset, limit = PAGE) {
    const page = await context.api.list(`${path}/deliveries`, { cursor: reset ? null : cursor, limit });
    items = reset ? page.data : items.concat(page.data);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    fill(rows, table([
      ["Event", (d) => h("span", { "data-delivery-id": d.delivery_id },
        h("code", {}, d.event_type), " ", h("span", { class: "muted mono" }, `#${d.event_id}`))],
      ["State", (d) => statusBadge(d.state)],
      ["Attempts", (d) => h("span", { class: "num" }, String(d.attempts))],
      ["Last status", (d) => (d.last_status === null ? "—" : String(d.last_status))],
      ["Last error", (d) => (d.last_error ? h("span", { class: "delivery-error" }, d.last_error) : "—")],
      ["Last attempt", (d) => time(d.last_attempt_at)],
      ["Next attempt", (d) => time(d.next_attempt_at)],
      ["Delivered", (d) => time(d.delivered_at)],
      ["", (d) => redeliverButton(d)],
    ], items, { "data-kind": "deliveries" }));
  }
  const refresh = () => load(true, Math.min(Math.max(items.length, PAGE), 200));

  function redeliverButton(delivery) {
    const button = h("button", { type: "button", class: "quiet", "data-action": "redeliver", "data-delivery-id": delivery.delivery_id }, "Redeliver");
    button.addEventListener("click", () => act(button, "Redelivering now", async () => {
      await context.api.post(`${path}/deliveries/${encodeURIComponent(delivery.delivery_id)}/redeliver`);
      await refresh();
    }));
    return button;
  }

  more.addEventListener("click", () => load(false).catch(() => {}));
  // An event of the webhook's types makes a delivery; attempts make no events, so while a delivery
  // is pending the page reads them again every few seconds.
  const soon = throttle(() => refresh().catch(() => {}), 1000);
  const unsubscribe = context.live.subscribe((event) => { if (matches(webhook.types, event.type)) soon(); });
  const timer = setInterval(() => { if (items.some((d) => d.state === "pending")) soon(); }, POLL_MS);
  const stop = () => { unsubscribe(); clearInterval(timer); };
  try {
    await load(true);
  } catch (error) {
    stop();
    throw error;
  }
  return stop;
}
