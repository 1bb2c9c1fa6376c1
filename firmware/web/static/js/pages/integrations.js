// Integrations: API keys (shown once, revocable), webhooks (signing secret shown once, delivery
// log), roles made of permissions.
import { h, replace, table, when } from "../dom.js";
import { del, get, post, put } from "../api.js";
import { t } from "../i18n.js";
import { checkboxes, shownOnce } from "./secret.js";

const EVENTS = ["call.ringing", "call.answered", "call.transferred", "call.ended", "call.missed"];

export async function render(main, context) {
  const secret = h("div");
  const deliveries = h("div");
  const keysHolder = h("div"), rolesHolder = h("div"), hooksHolder = h("div");
  // Each card redraws only itself after a change: what is typed into the others stays.
  const drawKeys = async () => {
      const [roles, keys] = await Promise.all([get("/api/roles"), get("/api/keys")]);
      const permissions = roles.find(r => r.name === "admin").permissions;
      const redraw = drawKeys;
      const cards = [];
      const keyName = h("input", { name: "key-name", required: true, size: 14 });
      const keyPermissions = checkboxes("key-permissions", permissions);
      cards.push(h("section", { class: "card", id: "api-keys", "aria-labelledby": "keys-heading" },
        h("h2", { id: "keys-heading" }, t("keys.title")),
        table([[t("keys.name"), k => k.name], [t("keys.permissions"), k => k.permissions.join(", ")],
               [t("keys.created"), k => `${when(k.created_at)}, ${k.created_by}`],
               [t("common.actions"), k => h("button", { type: "button", class: "danger", "aria-label": t("keys.revoke", { name: k.name }),
                 onclick: async () => {
                   try { await del(`/api/keys/${encodeURIComponent(k.name)}`); await redraw(); } catch (error) { context.fail(error); }
                 } }, t("keys.revoke_short"))]], keys, t("keys.none")),
        h("form", { id: "add-key", onsubmit: async event => {
          event.preventDefault();
          try {
            const made = await post("/api/keys", { name: keyName.value.trim(), permissions: keyPermissions.value });
            replace(secret, shownOnce("new-token", t("keys.token"), made.token));
            await redraw();
          } catch (error) { context.fail(error); }
        } }, h("p", {}, h("label", {}, t("keys.name"), " ", keyName)), keyPermissions, h("button", { type: "submit" }, t("keys.add")))));
      replace(keysHolder, cards);
  };
  const drawRoles = async () => {
      const roles = await get("/api/roles");
      const permissions = roles.find(r => r.name === "admin").permissions;
      const redraw = drawRoles;
      const cards = [];
      const roleName = h("input", { name: "role-name", required: true, size: 14 });
      const rolePermissions = checkboxes("role-permissions", permissions);
      cards.push(h("section", { class: "card", id: "roles", "aria-labelledby": "roles-heading" },
        h("h2", { id: "roles-heading" }, t("roles.title")),
        table([[t("roles.name"), r => r.name], [t("roles.permissions"), r => r.permissions.join(", ") || t("roles.own_only")],
               [t("common.actions"), r => r.built_in ? h("span", { class: "muted" }, t("roles.built_in")) :
                 h("button", { type: "button", class: "danger", onclick: async () => {
                   try { await del(`/api/roles/${encodeURIComponent(r.name)}`); await redraw(); } catch (error) { context.fail(error); }
                 } }, t("common.remove"))]], roles, ""),
        h("form", { id: "set-role", onsubmit: async event => {
          event.preventDefault();
          try {
            await put(`/api/roles/${encodeURIComponent(roleName.value.trim())}`, { permissions: rolePermissions.value });
            context.notify(t("roles.saved", { name: roleName.value.trim() }));
            await redraw();
          } catch (error) { context.fail(error); }
        } }, h("p", {}, h("label", {}, t("roles.name"), " ", roleName)), rolePermissions, h("button", { type: "submit" }, t("roles.set")))));
      replace(rolesHolder, cards);
  };
  const drawHooks = async () => {
      const hooks = await get("/api/webhooks");
      const redraw = drawHooks;
      const cards = [];
      const hookName = h("input", { name: "hook-name", required: true, size: 12 });
      const url = h("input", { name: "hook-url", type: "url", required: true, size: 36 });
      const events = checkboxes("hook-events", EVENTS, EVENTS);
      const showDeliveries = async hook => {
        try {
          const log = await get(`/api/webhooks/${encodeURIComponent(hook.name)}/deliveries`);
          replace(deliveries, h("section", { class: "card" }, h("h2", {}, t("hooks.deliveries", { name: hook.name })),
            table([[t("hooks.event"), d => d.event], [t("hooks.created"), d => when(d.created_at)], [t("hooks.attempts"), d => d.attempts],
                   [t("hooks.delivered"), d => when(d.delivered_at)], [t("hooks.next"), d => when(d.next_attempt_at)],
                   [t("hooks.error"), d => d.last_error]], log, t("hooks.no_deliveries"))));
        } catch (error) { context.fail(error); }
      };
      cards.push(h("section", { class: "card", id: "webhooks", "aria-labelledby": "hooks-heading" },
        h("h2", { id: "hooks-heading" }, t("hooks.title")),
        table([[t("hooks.name"), w => w.name], [t("hooks.url"), w => w.url], [t("hooks.events"), w => w.events.join(", ")],
               [t("common.actions"), w => h("div", { class: "buttons" },
                 h("button", { type: "button", onclick: () => showDeliveries(w) }, t("hooks.show_deliveries")),
                 h("button", { type: "button", class: "danger", onclick: async () => {
                   try { await del(`/api/webhooks/${encodeURIComponent(w.name)}`); await redraw(); } catch (error) { context.fail(error); }
                 } }, t("common.remove")))]], hooks, t("hooks.none")),
        h("form", { id: "add-webhook", onsubmit: async event => {
          event.preventDefault();
          try {
            const made = await post("/api/webhooks", { name: hookName.value.trim(), url: url.value.trim(), events: events.value });
            replace(secret, shownOnce("new-webhook-secret", t("hooks.secret"), made.secret));
            await redraw();
          } catch (error) { context.fail(error); }
        } }, h("p", {}, h("label", {}, t("hooks.name"), " ", hookName), " ", h("label", {}, t("hooks.url"), " ", url)), events,
            h("button", { type: "submit" }, t("hooks.add")))));
      replace(hooksHolder, cards);
  };
  replace(main, h("h1", {}, t("nav.integrations")), secret, keysHolder, rolesHolder, hooksHolder, deliveries);
  const drawing = [];
  if (context.me.may("users")) drawing.push(drawKeys(), drawRoles());
  if (context.me.may("settings")) drawing.push(drawHooks());
  await Promise.all(drawing);
}
