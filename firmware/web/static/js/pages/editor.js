// The call logic page's editor cards (ring group, queue, room, forwarding): labelled fields, a
// list of members chosen from what exists, and the API's refusal shown in the card itself.
import { del, put } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { destinationPicker } from "./picker.js";

export function textField(name, label, value = "", attrs = {}) {
  const input = h("input", { name, value, size: 14, ...attrs });
  const wrap = h("label", {}, label, " ", input);
  wrap.read = () => input.value.trim();
  return wrap;
}

// A whole number; left empty it is not sent (the box keeps what it has). No min or max here: the
// API's refusal names the range, in the same words as the command line's.
export function numberField(name, label, value) {
  const input = h("input", { name, type: "number", step: 1, value: value ?? "", size: 6 });
  const wrap = h("label", {}, label, " ", input);
  wrap.read = () => (input.value.trim() === "" ? undefined : Number(input.value));
  return wrap;
}

export function checkField(name, label, checked) {
  const input = h("input", { name, type: "checkbox", checked: Boolean(checked) });
  const wrap = h("label", { class: "check" }, input, " ", label);
  wrap.read = () => input.checked;
  return wrap;
}

export function choiceField(name, label, options, chosen) {
  const select = h("select", { name }, options.map(([value, text]) => h("option", { value, selected: value === chosen }, text)));
  const wrap = h("label", {}, label, " ", select);
  wrap.read = () => select.value;
  return wrap;
}

// A destination picker with its words in front (the picker names itself for screen readers too).
export function pickerField(label, picker) {
  return h("label", {}, label, " ", picker);
}

// Members in order, each chosen with the destination picker limited to `kinds`; `extra(row)`
// adds a row's own fields (a queue agent's penalty). `read()` gives the pickers' values.
export function memberList(known, members, { kinds, label, extra, id }) {
  const rows = h("ol", { class: "members", id });
  // The controls are named by position ("member 2"), so moving or removing one renames the rest.
  const renumber = () => [...rows.children].forEach((row, i) => row.number(i + 1));
  const add = (destination, detail) => {
    const picker = destinationPicker(known, destination, { name: "member", kinds });
    const more = extra ? extra(detail) : null;
    const up = h("button", { type: "button", onclick: () => {
      if (row.previousElementSibling) rows.insertBefore(row, row.previousElementSibling);
      renumber();
    } }, "↑");
    const remove = h("button", { type: "button", class: "danger", onclick: () => { row.remove(); renumber(); } }, t("common.remove"));
    const row = h("li", {}, picker, more ? [" ", more] : null, " ", up, " ", remove);
    row.number = n => {
      picker.select.setAttribute("aria-label", t("logic.member_n", { n }));
      up.setAttribute("aria-label", t("logic.move_up", { n }));
      remove.setAttribute("aria-label", t("logic.remove_member", { n }));
    };
    row.read = () => ({ destination: picker.value, ...(more && more.read ? more.read() : {}) });
    rows.append(row);
    renumber();
  };
  for (const member of members) add(member.destination, member);
  const wrap = h("fieldset", { class: "member-list" }, h("legend", {}, label), rows,
    h("button", { type: "button", onclick: () => add(undefined, {}) }, t("logic.add_member")));
  wrap.read = () => [...rows.children].map(row => row.read());
  return wrap;
}

// The card: fields, then Save / Remove / Cancel. `save` and `remove` are async; what the API
// refuses lands in the card, next to the fields, as its message says it.
export function editorCard({ id, title, info, fields, save, remove, removeQuestion, close }) {
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const run = action => async () => {
    problem.hidden = true;
    try { await action(); } catch (error) {
      problem.textContent = error.message;
      problem.hidden = false;
    }
  };
  return h("section", { class: "card", id, "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading` }, title),
    info ? h("p", { class: "muted" }, info) : null,
    h("form", { class: "inline editor", onsubmit: event => { event.preventDefault(); run(save)(); } },
      fields, problem,
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, t("common.save")),
        remove ? h("button", { type: "button", class: "danger", onclick: () => {
          if (confirm(removeQuestion)) run(remove)();
        } }, t("common.remove")) : null,
        h("button", { type: "button", onclick: close }, t("common.cancel")))));
}

// A ring group, queue or room: saved whole with PUT `path()`, removed with DELETE (refused by the
// API while something sends calls to it: that message shows in the card). `words` say what happened.
export function partCard({ id, title, info, fields, isNew, path, body, words, hooks }) {
  const { context, done, close } = hooks;
  return editorCard({
    id, title, info, fields, close,
    save: async () => {
      await put(path(), filled(body()));
      context.notify(words.saved());
      await done();
    },
    remove: isNew ? null : async () => {
      await del(path());
      context.notify(words.removed);
      await done();
    },
    removeQuestion: words.confirm,
  });
}

// Only the numbers the person filled in: an empty field keeps the box's value.
export function filled(values) {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}
