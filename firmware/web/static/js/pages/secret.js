// A password, key or signing secret the box shows once (only its hash is kept).
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function shownOnce(id, label, value) {
  return h("div", { class: "card", id, role: "alert" },
    h("p", {}, h("strong", {}, t("people.shown_once"))),
    h("pre", { class: "secret" }, `${label}: ${value}`));
}

// Checkboxes for a set of names (permissions, events); `.value` is the checked ones.
export function checkboxes(name, values, checked = [], label = v => v) {
  const boxes = values.map(v => h("label", {}, h("input", { type: "checkbox", name, value: v, checked: checked.includes(v) }), " ", label(v)));
  const group = h("fieldset", { class: "legend" }, h("legend", { class: "visually-hidden" }, name), boxes);
  Object.defineProperty(group, "value", { get: () => boxes.map(b => b.firstChild).filter(i => i.checked).map(i => i.value) });
  return group;
}
