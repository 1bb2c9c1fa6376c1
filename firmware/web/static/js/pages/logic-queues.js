// A call queue on the call logic page: its agents (extensions, outside numbers, ring groups, each
// with a penalty and static or logging in and out), how they are rung, the waits and where a
// caller goes who cannot wait (PUT/DELETE /api/queues/NAME).
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { checkField, choiceField, memberList, numberField, partCard, pickerField, textField } from "./editor.js";
import { asDestination, asMember } from "./logic-groups.js";
import { destinationPicker } from "./picker.js";

// As firmware/queues/config.py STRATEGIES; the keys written out for the translation check.
const STRATEGIES = [["ringall", "logic.queue_ringall"], ["roundrobin", "logic.queue_roundrobin"],
                    ["leastrecent", "logic.queue_leastrecent"], ["fewestcalls", "logic.queue_fewestcalls"],
                    ["linear", "logic.queue_linear"], ["random", "logic.queue_random"]];

// The API's agent form: 101, 102:2 (penalty 2), 103~ (logs in and out), group:support.
const agentText = ({ destination, penalty, dynamic }) =>
  `${asMember(destination)}${penalty ? `:${penalty}` : ""}${dynamic ? "~" : ""}`;

function agentDetail(agent) {
  const penalty = h("input", { name: "penalty", type: "number", step: 1, size: 2, value: agent.penalty ?? 0,
                               "aria-label": t("logic.penalty") });
  const dynamic = h("input", { name: "dynamic", type: "checkbox", checked: Boolean(agent.dynamic) });
  const wrap = h("span", {}, h("label", {}, t("logic.penalty"), " ", penalty), " ", h("label", { class: "check" }, dynamic, " ", t("logic.dynamic")));
  wrap.read = () => ({ penalty: Number(penalty.value || 0), dynamic: dynamic.checked });
  return wrap;
}

export function queueEditor(known, queue, hooks) {
  const isNew = !queue;
  const current = queue || { name: "", number: "", strategy: "ringall", ring_seconds: 15, wrapup_seconds: 10,
                             max_wait_seconds: 0, max_callers: 0, announce_position: true, overflow: "", agents: [] };
  const name = isNew ? textField("name", t("logic.name"), "", { required: true }) : null;
  const number = textField("number", t("logic.own_number"), current.number, { inputmode: "numeric" });
  const strategy = choiceField("strategy", t("logic.strategy"), STRATEGIES.map(([v, k]) => [v, t(k)]), current.strategy);
  const ring = numberField("ring_seconds", t("logic.agent_ring_seconds"), current.ring_seconds);
  const wrapup = numberField("wrapup_seconds", t("logic.wrapup_seconds"), current.wrapup_seconds);
  const maxWait = numberField("max_wait_seconds", t("logic.max_wait_seconds"), current.max_wait_seconds);
  const maxCallers = numberField("max_callers", t("logic.max_callers"), current.max_callers);
  const announce = checkField("announce_position", t("logic.announce_position"), current.announce_position);
  const agents = memberList(known, current.agents.map(a => ({ ...a, destination: asDestination(a.extension) })),
                            { kinds: ["ext", "group", "number"], label: t("logic.agents"), id: "queue-agents", extra: agentDetail });
  // The first choice, not "nothing": the API needs an overflow and the picker cannot be empty.
  const overflow = destinationPicker(known, current.overflow || undefined, { name: "overflow", label: t("logic.overflow") });
  const which = () => (isNew ? name.read() : queue.name);
  return partCard({
    id: "queue-editor", isNew, hooks,
    title: isNew ? t("logic.new_queue") : t("logic.queue", { name: queue.name }),
    fields: [name, number, strategy, ring, wrapup, maxWait, maxCallers, announce, agents, pickerField(t("logic.overflow"), overflow)],
    path: () => `/api/queues/${encodeURIComponent(which())}`,
    body: () => ({ number: number.read(), strategy: strategy.read(), ring_seconds: ring.read(), wrapup_seconds: wrapup.read(),
                   max_wait_seconds: maxWait.read(), max_callers: maxCallers.read(), announce_position: announce.read(),
                   agents: agents.read().map(agentText), overflow: overflow.value }),
    words: { saved: () => t("logic.queue_saved", { name: which() }), removed: !isNew && t("logic.queue_removed", { name: queue.name }),
             confirm: !isNew && t("logic.confirm_remove_queue", { name: queue.name }) },
  });
}
