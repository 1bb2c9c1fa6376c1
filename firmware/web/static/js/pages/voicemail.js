// Voicemail: one's own mailbox (or, with the voicemail permission, any): play, mark heard, delete;
// its settings (PIN, e-mail delivery, language), the PIN write-only.
import { field, h, replace, seconds, table, when } from "../dom.js";
import { del, get, patch, post } from "../api.js";
import { t } from "../i18n.js";

// The mailbox's settings; the API checks every value and its refusal is shown as it says it.
function settingsForm(context, settings, onSaved) {
  const url = `/api/voicemail/${encodeURIComponent(settings.number)}/settings`;
  const pin = h("input", { name: "pin", type: "password", inputmode: "numeric", autocomplete: "new-password",
                           size: 10, placeholder: settings.has_pin ? t("vm.pin_keep") : "" });
  const email = h("input", { name: "email", type: "email", value: settings.email });
  const attach = h("input", { name: "attach", type: "checkbox", checked: settings.attach });
  const deleteAfter = h("input", { name: "delete_after_email", type: "checkbox", checked: settings.delete_after_email });
  const language = h("select", { name: "language" }, [["", t("vm.language_caller")], ["en", "English"], ["de", "Deutsch"]]
    .map(([value, text]) => h("option", { value, selected: value === settings.language }, text)));
  const submit = async event => {
    event.preventDefault();
    const wanted = { email: email.value.trim(), attach: attach.checked, delete_after_email: deleteAfter.checked,
                     language: language.value };
    if (pin.value) wanted.pin = pin.value;
    try {
      await patch(url, wanted);
      context.notify(t("vm.settings_saved", { number: settings.number }));
      await onSaved();
    } catch (error) { context.fail(error); }
  };
  return h("form", { class: "fields", id: "mailbox-settings", onsubmit: submit },
    h("p", { class: "actions", id: "mailbox-pin-state" }, settings.has_pin ? t("vm.pin_set") : t("vm.pin_none")),
    field(t("vm.pin"), pin), field(t("vm.email"), email), field(t("vm.attach"), attach),
    field(t("vm.delete_after_email"), deleteAfter), field(t("vm.language"), language),
    h("div", { class: "actions buttons" }, h("button", { class: "primary", type: "submit" }, t("common.save"))));
}

export async function render(main, context) {
  const anyBox = context.me.may("voicemail");
  // One's own mailbox first; `admin` has none, so that page starts by asking for one.
  const own = /^[0-9]+$/.test(context.me.login ?? "") ? context.me.login : "";
  const number = h("input", { name: "mailbox", inputmode: "numeric", size: 6, value: own });
  const holder = h("div");
  const settingsHolder = h("div");
  const drawSettings = async () => {
    if (!number.value.trim()) { replace(settingsHolder); return; }
    const settings = await get(`/api/voicemail/${encodeURIComponent(number.value.trim())}/settings`);
    replace(settingsHolder, h("h2", {}, t("vm.settings", { number: settings.number })),
      settingsForm(context, settings, drawSettings));
  };
  const draw = async () => {
    if (!number.value.trim()) { replace(holder, h("p", { class: "muted" }, t("vm.choose"))); return; }
    const box = await get(`/api/voicemail/${encodeURIComponent(number.value.trim())}`);
    const act = (action, id) => async () => {
      try { await action(id); await draw(); } catch (error) { context.fail(error); }
    };
    replace(holder,
      h("p", { id: "mailbox-counts" }, t("vm.counts", { number: box.number, new: box.new, saved: box.saved })),
      table([
        [t("vm.received"), m => when(m.received_at)],
        [t("vm.from"), m => m.caller ? `${m.caller}${m.caller_name ? " (" + m.caller_name + ")" : ""}` : t("vm.unknown")],
        [t("vm.length"), m => seconds(m.seconds)],
        [t("vm.folder"), m => t(`vm.folder_${m.folder}`)],
        [t("recordings.play"), m => h("audio", { controls: true, preload: "none", src: `/api/voicemail/messages/${m.id}/audio`,
                                                 "aria-label": t("vm.play_one", { when: when(m.received_at) }) })],
        [t("common.actions"), m => h("div", { class: "buttons" },
          m.folder === "new" ? h("button", { type: "button", onclick: act(id => post(`/api/voicemail/messages/${id}/heard`), m.id) },
            t("vm.mark_heard")) : null,
          h("a", { href: `/api/voicemail/messages/${m.id}/audio`, download: `voicemail-${m.id}.wav` }, t("recordings.download")),
          h("button", { type: "button", class: "danger", onclick: () => {
            if (confirm(t("vm.confirm_delete"))) act(id => del(`/api/voicemail/messages/${id}`), m.id)();
          } }, t("common.remove")))],
      ], box.messages, t("vm.none")));
  };
  replace(main, h("h1", {}, t("nav.voicemail")),
    anyBox ? h("section", { class: "card" }, h("form", { class: "inline", onsubmit: async event => {
      event.preventDefault();
      try { await Promise.all([draw(), drawSettings()]); } catch (error) { context.fail(error); }
    } }, h("label", {}, t("vm.mailbox"), number), h("button", { type: "submit", class: "primary" }, t("filter.apply")))) : null,
    h("section", { class: "card" }, holder),
    h("section", { class: "card" }, settingsHolder));
  await Promise.all([draw(), drawSettings()]);
}
