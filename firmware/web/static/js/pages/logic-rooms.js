// A conference room on the call logic page: its name, PINs (write-only: the box keeps only their
// hashes), how many may join and the music for one alone (PUT/DELETE /api/conferences/NUMBER).
import { t } from "../i18n.js";
import { checkField, numberField, partCard, textField } from "./editor.js";

// A PIN field: empty keeps the PIN there is; "no PIN" removes it.
function pinField(name, label, isSet) {
  const digits = textField(name, label, "", { type: "password", inputmode: "numeric", autocomplete: "new-password",
                                             placeholder: isSet ? t("logic.pin_kept") : t("logic.pin_none") });
  const none = isSet ? checkField(`${name}_none`, t("logic.pin_remove"), false) : null;
  return { fields: [digits, none], read: () => (none && none.read() ? "" : digits.read() || undefined) };
}

export function roomEditor(room, hooks) {
  const isNew = !room;
  const current = room || { number: "", name: "", has_pin: false, has_moderator_pin: false, max_parties: 10, music_alone: true };
  const number = isNew ? textField("number", t("logic.room_number"), "", { required: true, inputmode: "numeric" }) : null;
  const name = textField("name", t("logic.name"), current.name, { size: 24 });
  const pin = pinField("pin", t("logic.room_pin"), current.has_pin);
  const moderator = pinField("moderator_pin", t("logic.moderator_pin"), current.has_moderator_pin);
  const parties = numberField("max_parties", t("logic.max_parties"), current.max_parties);
  const music = checkField("music_alone", t("logic.music_alone"), current.music_alone);
  const which = () => (isNew ? number.read() : room.number);
  return partCard({
    id: "room-editor", isNew, hooks,
    title: isNew ? t("logic.new_room") : t("logic.room", { number: room.number, name: room.name }),
    info: t("logic.pins_hidden"),
    fields: [number, name, pin.fields, moderator.fields, parties, music],
    path: () => `/api/conferences/${encodeURIComponent(which())}`,
    body: () => ({ name: name.read(), pin: pin.read(), moderator_pin: moderator.read(), max_parties: parties.read(),
                   music_alone: music.read() }),
    words: { saved: () => t("logic.room_saved", { number: which() }), removed: !isNew && t("logic.room_removed", { number: room.number }),
             confirm: !isNew && t("logic.confirm_remove_room", { number: room.number }) },
  });
}
