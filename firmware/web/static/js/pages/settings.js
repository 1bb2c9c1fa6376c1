// Settings: every setting with what it means and accepts; trunks (passwords write-only).
import { h, replace, table } from "../dom.js";
import { del, get, post, put } from "../api.js";
import { t } from "../i18n.js";

function settingsCard(context, all) {
  return h("section", { class: "card", "aria-labelledby": "settings-heading" },
    h("h2", { id: "settings-heading" }, t("settings.title")),
    table([
      [t("settings.key"), s => h("code", {}, s.key)],
      [t("settings.value"), s => {
        const input = h("input", { name: s.key, value: s.secret ? "" : s.value, type: s.secret ? "password" : "text",
                                   placeholder: s.secret ? t("settings.secret_set") : "", "aria-label": s.key, size: 24 });
        return h("form", { class: "inline", onsubmit: async event => {
          event.preventDefault();
          try {
            const saved = await put(`/api/settings/${encodeURIComponent(s.key)}`, { value: input.value });
            // Only this row changes: what is being typed into the others stays.
            input.value = saved.secret ? "" : saved.value;
            context.notify(t(s.applies_at_next_start ? "settings.saved_restart" : "settings.saved", { key: s.key }));
          } catch (error) { context.fail(error); }
        } }, input, h("button", { type: "submit" }, t("common.save")));
      }],
      [t("settings.meaning"), s => [s.meaning, h("br"), h("span", { class: "muted" }, s.accepted)]],
    ], all, ""));
}

function trunksCard(context, trunks, states, redraw) {
  const field = (name, extra = {}) => h("input", { name, ...extra });
  const name = field("name", { required: true, size: 10 }), host = field("host", { required: true, size: 16 });
  const port = field("port", { value: "5060", size: 5, inputmode: "numeric" }), username = field("username", { size: 12 });
  const password = field("password", { type: "password", autocomplete: "new-password", size: 14 });
  const register = h("input", { type: "checkbox", name: "register", checked: true });
  return h("section", { class: "card", id: "trunks", "aria-labelledby": "trunks-heading" },
    h("h2", { id: "trunks-heading" }, t("trunks.title")),
    table([
      [t("trunks.name"), tr => tr.name], [t("trunks.host"), tr => `${tr.host}:${tr.port} (${tr.transport})`],
      [t("trunks.username"), tr => tr.username], [t("trunks.state"), tr => states[tr.name] ?? (tr.register ? "" : t("trunks.no_register"))],
      [t("trunks.password"), tr => t(tr.password_set ? "trunks.password_set" : "trunks.no_password")],
      [t("common.actions"), tr => h("button", { type: "button", class: "danger", "aria-label": t("trunks.remove", { name: tr.name }),
        onclick: async () => {
          if (!confirm(t("trunks.confirm_remove", { name: tr.name }))) return;
          try { await del(`/api/trunks/${encodeURIComponent(tr.name)}`); await redraw(); } catch (error) { context.fail(error); }
        } }, t("common.remove"))],
    ], trunks, t("trunks.none")),
    h("form", { class: "inline", id: "add-trunk", onsubmit: async event => {
      event.preventDefault();
      try {
        await post("/api/trunks", { name: name.value.trim(), host: host.value.trim(), port: Number(port.value),
                                    username: username.value.trim(), password: password.value, register: register.checked });
        context.notify(t("trunks.added", { name: name.value.trim() }));
        await redraw();
      } catch (error) { context.fail(error); }
    } }, h("label", {}, t("trunks.name"), name), h("label", {}, t("trunks.host"), host), h("label", {}, t("trunks.port"), port),
        h("label", {}, t("trunks.username"), username), h("label", {}, t("trunks.password"), password),
        h("label", {}, t("trunks.register"), register), h("button", { type: "submit" }, t("trunks.add"))));
}

export async function render(main, context) {
  const redraw = async () => {
    const cards = [];
    if (context.me.may("settings")) cards.push(settingsCard(context, await get("/api/settings")));
    if (context.me.may("trunks")) {
      let states = {};
      if (context.me.may("live_calls")) {
        try { states = Object.fromEntries((await get("/api/status")).trunks.map(tr => [tr.name, tr.state])); } catch { states = {}; }
      }
      cards.unshift(trunksCard(context, await get("/api/trunks"), states, redraw));
    }
    replace(main, h("h1", {}, t("nav.settings")), cards);
  };
  await redraw();
}
