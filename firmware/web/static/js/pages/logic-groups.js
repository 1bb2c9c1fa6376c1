// A ring group on the call logic page: who rings in what order, how, for how long, and where an
// unanswered call goes (PUT/DELETE /api/ringgroups/NAME). Members are extensions or outside numbers.
import { t } from "../i18n.js";
import { choiceField, memberList, numberField, partCard, pickerField, textField } from "./editor.js";
import { destinationPicker } from "./picker.js";

// As firmware/apps/ringgroups/config.py STRATEGIES; the keys written out for the translation check.
const STRATEGIES = [["all", "logic.ring_all"], ["linear", "logic.ring_linear"], ["cascade", "logic.ring_cascade"],
                    ["page", "logic.ring_page"]];

// A group lists an extension as 101; the picker knows it as ext:101.
export const asDestination = member => (member.includes(":") ? member : `ext:${member}`);
export const asMember = destination => destination.replace(/^ext:/, "");

export function groupEditor(known, group, hooks) {
  const isNew = !group;
  const current = group || { name: "", number: "", strategy: "all", timeout: 30, step_seconds: 10, no_answer: "", members: [] };
  const name = isNew ? textField("name", t("logic.name"), "", { required: true }) : null;
  const number = textField("number", t("logic.own_number"), current.number, { inputmode: "numeric" });
  const strategy = choiceField("strategy", t("logic.strategy"), STRATEGIES.map(([v, k]) => [v, t(k)]), current.strategy);
  const timeout = numberField("timeout", t("logic.ring_seconds"), current.timeout);
  const step = numberField("step_seconds", t("logic.step_seconds"), current.step_seconds);
  const members = memberList(known, current.members.map(m => ({ destination: asDestination(m) })),
                             { kinds: ["ext", "number"], label: t("logic.members"), id: "group-members" });
  const noAnswer = destinationPicker(known, current.no_answer, { name: "no_answer", allowNone: true, label: t("logic.no_answer") });
  const which = () => (isNew ? name.read() : group.name);
  return partCard({
    id: "group-editor", isNew, hooks,
    title: isNew ? t("logic.new_group") : t("logic.group", { name: group.name }),
    fields: [name, number, strategy, timeout, step, members, pickerField(t("logic.no_answer"), noAnswer)],
    path: () => `/api/ringgroups/${encodeURIComponent(which())}`,
    body: () => ({ number: number.read(), strategy: strategy.read(), timeout: timeout.read(), step_seconds: step.read(),
                   members: members.read().map(m => asMember(m.destination)), no_answer: noAnswer.value }),
    words: { saved: () => t("logic.group_saved", { name: which() }), removed: !isNew && t("logic.group_removed", { name: group.name }),
             confirm: !isNew && t("logic.confirm_remove_group", { name: group.name }) },
  });
}
