// Doors: open a door's lock now, and who opened which door when.
import { h, replace, table, when } from "../dom.js";
import { get, post } from "../api.js";
import { t } from "../i18n.js";

export async function render(main, context) {
  const redraw = async () => {
    const [doors, log] = await Promise.all([
      context.me.may("call_logic") ? get("/api/doors") : Promise.resolve([]), get("/api/doors/log?limit=100")]);
    const names = [...new Set([...doors.map(d => d.name), ...log.map(o => o.door)])].sort();
    replace(main, h("h1", {}, t("nav.doors")),
      h("section", { class: "card" }, h("h2", {}, t("doors.open_title")),
        names.length ? h("div", { class: "buttons" }, names.map(name => h("button", { type: "button", class: "primary", onclick: async () => {
          try { await post(`/api/doors/${encodeURIComponent(name)}/open`); context.notify(t("doors.opened", { name })); await redraw(); } catch (error) { context.fail(error); }
        } }, t("doors.open", { name })))) : h("p", { class: "muted" }, t("doors.none"))),
      h("section", { class: "card", id: "door-log" }, h("h2", {}, t("doors.log")),
        table([[t("doors.at"), o => when(o.at)], [t("doors.door"), o => o.door], [t("doors.by"), o => o.by], [t("doors.how"), o => o.how]],
              log, t("doors.no_log"))));
  };
  await redraw();
}
