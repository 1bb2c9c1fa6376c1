// The mode in force, why, and (with call_logic) switching it now or back to the timetable.
import { h, replace, when } from "../dom.js";
import { del, get, put } from "../api.js";
import { t } from "../i18n.js";

export const MODES = ["day", "lunch", "break", "night", "holiday"];

export function badge(mode) {
  return h("span", { class: `mode-badge mode-${mode}` }, t(`mode.${mode}`));
}

export async function modeCard(context, onChange) {
  const card = h("section", { class: "card", id: "mode-card", "aria-labelledby": "mode-heading" });
  const draw = view => {
    const canSwitch = context.me.may("call_logic");
    const kind = h("select", { id: "override-kind", "aria-label": t("mode.kind") },
      h("option", { value: "temporary" }, t("mode.kind_temporary")),
      h("option", { value: "fixed" }, t("mode.kind_fixed")));
    const change = async action => {
      try {
        const next = await action();
        draw(next);
        context.notify(t("mode.now", { mode: t(`mode.${next.mode}`) }));
        if (onChange) onChange(next);
      } catch (error) { context.fail(error); }
    };
    replace(card,
      h("h2", { id: "mode-heading" }, t("mode.title")),
      h("p", {}, badge(view.mode), " ", h("span", { id: "mode-reason" }, view.reason)),
      view.override ? h("p", { class: "warn" },
        t(view.override === "fixed" ? "mode.override_fixed" : "mode.override_temporary",
          { until: when(view.override_until) })) : null,
      canSwitch ? h("div", { class: "buttons" },
        MODES.filter(m => m !== view.mode || view.override === null).map(m =>
          h("button", { type: "button", dataset: { mode: m },
                        onclick: () => change(() => put("/api/mode", { mode: m, kind: kind.value })) },
            t("mode.switch_to", { mode: t(`mode.${m}`) }))),
        kind,
        view.override ? h("button", { type: "button", id: "back-to-timetable",
                                      onclick: () => change(() => del("/api/mode/override")) },
          t("mode.back_to_timetable")) : null) : null);
  };
  draw(await get("/api/mode"));
  return card;
}
