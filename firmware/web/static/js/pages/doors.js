// Doors: open a door's lock now, who opened which door when, and (with call_logic) where each
// door's bell rings per mode, chosen from the destinations that exist.
import { h, replace, table, when } from "../dom.js";
import { get, post, put } from "../api.js";
import { t } from "../i18n.js";
import { destinationPicker } from "./picker.js";

// "*" is every mode without a route of its own; with none at all the operator extension answers.
const MODES = ["*", "day", "lunch", "break", "night", "holiday"];

function modeName(mode) {
  return mode === "*" ? t("doors.mode_other") : t(`mode.${mode}`);
}

function routesForm(context, door, known, onSaved) {
  const pickers = MODES.map(mode => {
    const picker = destinationPicker(known, door.routes[mode] ?? "", {
      name: `route-${mode}`, allowNone: true, label: t("doors.route_for", { door: door.name, mode: modeName(mode) }) });
    // No route of its own: the other modes' destination, or (for "*") the operator extension.
    picker.select.options[0].textContent = mode === "*" ? t("doors.route_operator") : t("doors.route_other");
    return [mode, picker];
  });
  const submit = async event => {
    event.preventDefault();
    try {
      for (const [mode, picker] of pickers) {
        if (picker.value === (door.routes[mode] ?? "")) continue;
        await put(`/api/doors/${encodeURIComponent(door.name)}`, { mode, destination: picker.value });
      }
      context.notify(t("doors.routes_saved", { name: door.name }));
      await onSaved();
    } catch (error) { context.fail(error); }
  };
  return h("form", { id: `door-routes-${door.name}`, onsubmit: submit },
    table([[t("doors.mode"), ([mode]) => modeName(mode)], [t("doors.rings"), ([, picker]) => picker]], pickers, ""),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, t("common.save"))));
}

export async function render(main, context) {
  const mayEdit = context.me.may("call_logic");
  const redraw = async () => {
    const [doors, log, known] = await Promise.all([
      mayEdit ? get("/api/doors") : Promise.resolve([]), get("/api/doors/log?limit=100"),
      mayEdit ? get("/api/destinations") : Promise.resolve(null)]);
    const names = [...new Set([...doors.map(d => d.name), ...log.map(o => o.door)])].sort();
    replace(main, h("h1", {}, t("nav.doors")),
      h("section", { class: "card" }, h("h2", {}, t("doors.open_title")),
        names.length ? h("div", { class: "buttons" }, names.map(name => h("button", { type: "button", class: "primary", onclick: async () => {
          try { await post(`/api/doors/${encodeURIComponent(name)}/open`); context.notify(t("doors.opened", { name })); await redraw(); } catch (error) { context.fail(error); }
        } }, t("doors.open", { name })))) : h("p", { class: "muted" }, t("doors.none"))),
      doors.map(door => h("section", { class: "card" },
        h("h2", {}, t("doors.routes_title", { name: door.name, extension: door.extension })),
        routesForm(context, door, known, redraw))),
      h("section", { class: "card", id: "door-log" }, h("h2", {}, t("doors.log")),
        table([[t("doors.at"), o => when(o.at)], [t("doors.door"), o => o.door], [t("doors.by"), o => o.by], [t("doors.how"), o => o.how]],
              log, t("doors.no_log"))));
  };
  await redraw();
}
