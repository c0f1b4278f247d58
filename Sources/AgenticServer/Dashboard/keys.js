// Keys (admin): the tenant's keys, a new key (its secret shown once, here only), revocation.

import { act, fill, h, shortID, table, time } from "./dom.js";

export async function render(context, target) {
  if (!context.isAdmin) {
    fill(target, h("h1", {}, "Keys"), h("p", { class: "muted" }, "Only an admin key can see and manage keys."));
    return null;
  }
  const name = h("input", { id: "key-name", placeholder: "name", required: true, maxlength: 200 });
  const scope = h("select", { id: "key-scope", "aria-label": "scope" }, ["read", "write", "approve", "admin"].map((s) => h("option", { value: s }, s)));
  const create = h("button", { type: "submit", id: "key-create" }, "Create key");
  const secret = h("div", { id: "key-secret" });
  const rows = h("div", { id: "key-list" });
  const form = h("form", { class: "row" }, name, scope, create);
  fill(target, h("h1", {}, "Keys"), form, secret, rows);

  async function load() {
    const keys = await context.api.get("/keys");
    fill(rows, table([
      ["Name", (k) => k.name], ["Scope", (k) => k.scope], ["Prefix", (k) => h("span", { class: "mono" }, k.prefix)],
      ["Id", (k) => h("span", { class: "mono" }, shortID(k.key_id))], ["Created", (k) => time(k.created_at)],
      ["Revoked", (k) => time(k.revoked_at)],
      ["", (k) => revokeButton(k)],
    ], keys.data, { "data-kind": "keys" }));
  }

  function revokeButton(key) {
    if (key.revoked_at) return null;
    if (key.key_id === context.who.key_id) return h("span", { class: "muted" }, "this key");
    const button = h("button", { type: "button", class: "danger", "data-action": "revoke", "data-key-id": key.key_id }, "Revoke");
    button.addEventListener("click", () => {
      if (!confirm(`Revoke the key "${key.name}"? It stops working at once.`)) return;
      act(button, "Key revoked", async () => {
        await context.api.delete(`/keys/${key.key_id}`);
        await load();
      });
    });
    return button;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(create, "Key created", async () => {
      const made = await context.api.post("/keys", { name: name.value.trim(), scope: scope.value });
      fill(secret, h("div", { class: "card" },
        h("p", {}, `The secret of "${made.name}" (${made.scope}). Copy it now: it is not shown again.`),
        h("div", { class: "secret", id: "new-key-secret" }, made.key)));
      form.reset();
      await load();
    });
  });
  await load();
  return null;
}
