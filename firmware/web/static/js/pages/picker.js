// Choosing a destination from what exists (GET /api/destinations): never typed by hand, except
// an outside number, whose digits are typed into its own field.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function describe(destination, choices) {
  const found = choices.find(c => c.destination === destination);
  if (!destination) return t("logic.release");
  const [kind, target = ""] = destination.split(/:(.*)/s);
  const label = found && found.label && found.label !== found.target ? ` (${found.label})` : "";
  return `${t(`kind.${kind}`)}${target ? " " + target : ""}${label}`;
}

// `kinds` keeps only those kinds (a ring group's members are extensions and outside numbers);
// `noneLabel` names the empty choice when `allowNone` (a forwarding not set, not a release).
export function destinationPicker(known, current, { name = "destination", allowNone = false, label, kinds, noneLabel } = {}) {
  const wanted = kind => !kinds || kinds.includes(kind);
  const typedKinds = known.kinds.filter(k => k.typed && wanted(k.kind)).map(k => k.kind);
  const select = h("select", { name, "aria-label": label || t("logic.destination") });
  if (allowNone) select.append(h("option", { value: "" }, noneLabel || t("logic.release")));
  const byKind = new Map();
  for (const choice of known.choices.filter(c => wanted(c.kind))) {
    if (!byKind.has(choice.kind)) byKind.set(choice.kind, []);
    byKind.get(choice.kind).push(choice);
  }
  for (const [kind, choices] of byKind) {
    select.append(h("optgroup", { label: t(`kind.${kind}`) }, choices.map(c =>
      h("option", { value: c.destination }, c.target ? `${c.target}${c.label && c.label !== c.target ? " - " + c.label : ""}` : t(`kind.${kind}`)))));
  }
  for (const kind of typedKinds) select.append(h("option", { value: `${kind}:` }, t(`kind.${kind}`) + " ..."));
  const digits = h("input", { name: `${name}-digits`, inputmode: "tel", size: 14, hidden: true,
                              "aria-label": t("logic.outside_number") });
  const [currentKind, currentTarget] = (current || "").split(/:(.*)/s);
  if (current && typedKinds.includes(currentKind)) {
    select.value = `${currentKind}:`;
    digits.value = currentTarget || "";
  } else if (current !== undefined && current !== null) {
    if (current && ![...select.options].some(o => o.value === current)) {
      // A destination that no longer exists stays visible (and wrong) rather than silently changed.
      select.append(h("option", { value: current }, `${current} ?`));
    }
    select.value = current;
  }
  const sync = () => { digits.hidden = !select.value.endsWith(":"); };
  select.addEventListener("change", sync);
  sync();
  const wrap = h("span", { class: "picker" }, select, " ", digits);
  Object.defineProperty(wrap, "value", {
    get: () => (select.value.endsWith(":") ? select.value + digits.value.replace(/[\s().-]/g, "") : select.value),
  });
  wrap.select = select;
  return wrap;
}
