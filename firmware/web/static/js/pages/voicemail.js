// Voicemail: one's own mailbox (or, with the voicemail permission, any): play, mark heard, delete.
import { h, replace, seconds, table, when } from "../dom.js";
import { del, get, post } from "../api.js";
import { t } from "../i18n.js";

export async function render(main, context) {
  const anyBox = context.me.may("voicemail");
  const number = h("input", { name: "mailbox", inputmode: "numeric", size: 6, value: context.me.login ?? "" });
  const holder = h("div");
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
      try { await draw(); } catch (error) { context.fail(error); }
    } }, h("label", {}, t("vm.mailbox"), number), h("button", { type: "submit", class: "primary" }, t("filter.apply")))) : null,
    h("section", { class: "card" }, holder));
  await draw();
}
