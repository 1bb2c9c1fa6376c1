// An extension's forwarding and do-not-disturb on the call logic page (GET/PATCH
// /api/extensions/N/forwarding): always, when busy, when not answered in time, when no phone is
// registered; each to an extension, mailbox, ring group, queue or outside number, or not at all.
import { get, patch } from "../api.js";
import { t } from "../i18n.js";
import { checkField, editorCard, numberField, pickerField } from "./editor.js";
import { destinationPicker } from "./picker.js";

// As firmware/apps/forwarding/config.py KINDS and WHICH; the keys written out for the translation check.
const KINDS = ["ext", "voicemail", "group", "queue", "number"];
const WHICH = [["always", "logic.forward_always"], ["busy", "logic.forward_busy"], ["no_answer", "logic.forward_no_answer"],
               ["unregistered", "logic.forward_unregistered"]];

export async function forwardingEditor(known, number, { context, done, close }) {
  const current = await get(`/api/extensions/${encodeURIComponent(number)}/forwarding`);
  const dnd = checkField("dnd", t("logic.dnd"), current.dnd);
  const pickers = WHICH.map(([which, key]) => [which, key, destinationPicker(known, current[which], {
    name: which, allowNone: true, kinds: KINDS, label: t(key), noneLabel: t("logic.not_forwarded") })]);
  const seconds = numberField("no_answer_seconds", t("logic.no_answer_seconds"), current.no_answer_seconds);
  const label = (known.choices.find(c => c.destination === `ext:${number}`) || {}).label;
  return editorCard({
    id: "forwarding-editor",
    title: t("logic.forwarding_of", { number }) + (label ? ` (${label})` : ""),
    fields: [dnd, pickers.map(([, key, picker]) => pickerField(t(key), picker)), seconds],
    save: async () => {
      // '' unsets a forwarding: every one is sent, so what the page shows is what the box keeps.
      const change = Object.fromEntries(pickers.map(([which, , picker]) => [which, picker.value]));
      change.dnd = dnd.read();
      if (seconds.read() !== undefined) change.no_answer_seconds = seconds.read();
      await patch(`/api/extensions/${encodeURIComponent(number)}/forwarding`, change);
      context.notify(t("logic.forwarding_saved", { number }));
      await done();
    },
    close,
  });
}
