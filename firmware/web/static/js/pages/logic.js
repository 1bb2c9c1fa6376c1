// Call logic: where calls on each line go in each mode, and the path a call takes from there
// (menu keys, ring groups, queues, their fallbacks), every step clickable to edit: a menu's keys,
// a ring group, a queue, a conference room, an extension's forwarding. Groups, queues and rooms
// are also added and removed here.
import { h, replace, table } from "../dom.js";
import { del, get, put } from "../api.js";
import { t } from "../i18n.js";
import { MODES, badge } from "./modeswitch.js";
import { describe, destinationPicker } from "./picker.js";
import { groupEditor } from "./logic-groups.js";
import { queueEditor } from "./logic-queues.js";
import { roomEditor } from "./logic-rooms.js";
import { forwardingEditor } from "./logic-forwarding.js";

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"];

export async function render(main, context) {
  let known, routes, menus, groups, queues, rooms;
  const editor = h("div", { id: "step-editor" });
  const flowHolder = h("div");
  const routesHolder = h("div");
  const partsHolder = h("div");

  const load = async () => {
    [known, routes, menus, groups, queues, rooms] = await Promise.all([
      get("/api/destinations"), get("/api/inbound-routes"), get("/api/menus"), get("/api/ringgroups"),
      get("/api/queues"), get("/api/conferences")]);
  };
  const redraw = async () => { await load(); drawRoutes(); drawFlow(); drawParts(); };
  // What an editor card does when saved, removed or cancelled.
  const close = () => replace(editor);
  const hooks = { context, close, done: async () => { close(); await redraw(); } };

  // One step of the path and what follows it; `seen` stops a menu that leads back to itself.
  const step = (destination, seen) => {
    const [kind, target] = (destination || "").split(/:(.*)/s);
    const node = h("button", { type: "button", class: "step", dataset: { destination: destination || "" },
                               onclick: () => openStep(kind, target) }, describe(destination, known.choices));
    if (kind === "ivr" && !seen.has(destination)) {
      const menu = menus.find(m => m.name === target);
      if (!menu) return h("li", {}, node);
      const next = new Set(seen).add(destination);
      return h("li", {}, node, h("ul", {},
        Object.entries(menu.options).map(([key, to]) => h("li", {}, h("span", { class: "muted" }, t("logic.key", { key })), " ",
          h("ul", {}, step(to, next)))),
        h("li", {}, h("span", { class: "muted" }, t("logic.menu_default")), h("ul", {}, step(menu.default_dest, next)))));
    }
    if (kind === "queue") {
      const queue = queues.find(q => q.name === target);
      if (!queue) return h("li", {}, node);
      const agents = queue.agents.map(a => a.extension).join(", ") || "-";
      return h("li", {}, node, " ", h("span", { class: "muted" }, t("logic.takes", { agents })),
        queue.overflow && !seen.has(destination)
          ? h("ul", {}, h("li", {}, h("span", { class: "muted" }, t("logic.overflow_when")),
              h("ul", {}, step(queue.overflow, new Set(seen).add(destination))))) : null);
    }
    if (kind === "group") {
      const group = groups.find(g => g.name === target);
      if (!group) return h("li", {}, node);
      return h("li", {}, node, " ", h("span", { class: "muted" }, t("logic.rings", { members: group.members.join(", ") })),
        group.no_answer && !seen.has(destination)
          ? h("ul", {}, h("li", {}, h("span", { class: "muted" }, t("logic.no_answer_after", { seconds: group.timeout })),
              h("ul", {}, step(group.no_answer, new Set(seen).add(destination))))) : null);
    }
    return h("li", {}, node);
  };

  const drawFlow = () => {
    const entries = new Map();
    for (const r of routes) {
      const key = `${r.trunk}|${r.did}`;
      if (!entries.has(key)) entries.set(key, []);
      entries.get(key).push(r);
    }
    replace(flowHolder, h("section", { class: "card tree", id: "flow", "aria-labelledby": "flow-heading" },
      h("h2", { id: "flow-heading" }, t("logic.flow")),
      entries.size ? h("ul", {}, [...entries.values()].map(list => h("li", {},
        h("strong", {}, t("logic.entry", { trunk: list[0].trunk, did: list[0].did || t("logic.any_number") })),
        h("ul", {}, list.map(r => h("li", {}, r.mode === "*" ? t("logic.every_mode") : badge(r.mode),
          h("ul", {}, step(r.destination, new Set())))))))) : h("p", { class: "muted" }, t("logic.no_routes"))));
  };

  const drawRoutes = () => {
    const trunk = h("input", { name: "trunk", required: true, size: 10 });
    const did = h("input", { name: "did", size: 12, placeholder: t("logic.any_number") });
    const mode = h("select", { name: "mode" }, h("option", { value: "*" }, t("logic.every_mode")),
      MODES.map(m => h("option", { value: m }, t(`mode.${m}`))));
    const destination = destinationPicker(known, "");
    const save = async (r, picker) => {
      try {
        await put(`/api/inbound-routes/${encodeURIComponent(r.trunk)}/${encodeURIComponent(r.did || "any")}/${encodeURIComponent(r.mode)}`,
                  { destination: picker.value, music: r.music || "" });
        context.notify(t("logic.saved"));
        await redraw();
      } catch (error) { context.fail(error); }
    };
    replace(routesHolder, h("section", { class: "card", "aria-labelledby": "routes-heading" },
      h("h2", { id: "routes-heading" }, t("logic.routes")),
      table([
        [t("logic.trunk"), r => r.trunk], [t("logic.did"), r => r.did || t("logic.any_number")],
        [t("logic.mode"), r => r.mode === "*" ? t("logic.every_mode") : badge(r.mode)],
        [t("logic.destination"), r => {
          const picker = destinationPicker(known, r.destination);
          return h("span", {}, picker, " ", h("button", { type: "button", onclick: () => save(r, picker) }, t("common.save")));
        }],
        [t("common.actions"), r => h("button", { type: "button", class: "danger", onclick: async () => {
          try {
            await del(`/api/inbound-routes/${encodeURIComponent(r.trunk)}/${encodeURIComponent(r.did || "any")}/${encodeURIComponent(r.mode)}`);
            await redraw();
          } catch (error) { context.fail(error); }
        } }, t("common.remove"))],
      ], routes, t("logic.no_routes")),
      h("form", { class: "inline", id: "add-route", onsubmit: event => {
        event.preventDefault();
        save({ trunk: trunk.value.trim(), did: did.value.trim(), mode: mode.value, music: "" }, destination);
      } }, h("label", {}, t("logic.trunk"), trunk), h("label", {}, t("logic.did"), did), h("label", {}, t("logic.mode"), mode),
        h("label", {}, t("logic.destination"), destination), h("button", { type: "submit" }, t("logic.add_route")))));
  };

  const menuEditor = menu => {
    const rows = h("tbody");
    const addRow = (key, destination) => {
      const keyChoice = h("select", { name: "key", "aria-label": t("logic.key_label") }, KEYS.map(k => h("option", { value: k, selected: k === key }, k)));
      const picker = destinationPicker(known, destination, { label: t("logic.key_destination", { key }) });
      const row = h("tr", { dataset: { key } }, h("td", {}, keyChoice), h("td", {}, picker),
        h("td", {}, h("button", { type: "button", class: "danger", onclick: () => row.remove() }, t("common.remove"))));
      row.read = () => [keyChoice.value, picker.value];
      rows.append(row);
    };
    for (const [key, destination] of Object.entries(menu.options)) addRow(key, destination);
    const fallback = destinationPicker(known, menu.default_dest, { name: "default", label: t("logic.menu_default") });
    const save = async () => {
      const options = {};
      for (const row of rows.children) {
        const [key, destination] = row.read();
        if (key in options) { context.fail(new Error(t("logic.key_twice", { key }))); return; }
        options[key] = destination;
      }
      try {
        await put(`/api/menus/${encodeURIComponent(menu.name)}`, { options, default_dest: fallback.value });
        context.notify(t("logic.menu_saved", { name: menu.name }));
        replace(editor);
        await redraw();
      } catch (error) { context.fail(error); }
    };
    return h("section", { class: "card", id: `menu-${menu.name}`, "aria-labelledby": "menu-heading" },
      h("h2", { id: "menu-heading" }, t("logic.menu", { name: menu.name })),
      h("p", { class: "muted" }, t("logic.menu_info", { greeting: menu.greeting || "-", timeout: menu.timeout })),
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, t("logic.key_label")), h("th", {}, t("logic.destination")), h("th", {}, ""))), rows),
      h("p", {}, h("button", { type: "button", onclick: () => {
        const free = KEYS.find(k => ![...rows.children].some(r => r.read()[0] === k)) || "1";
        addRow(free, "hangup");
      } }, t("logic.add_key"))),
      h("p", {}, h("label", {}, t("logic.menu_default"), " ", fallback)),
      h("div", { class: "buttons" }, h("button", { type: "button", class: "primary", id: "save-menu", onclick: save }, t("common.save")),
        h("button", { type: "button", onclick: () => replace(editor) }, t("common.cancel"))));
  };

  // Each kind the page edits: its items, what names one, its editor (given null: a new one).
  const parts = {
    ivr: { items: () => menus, key: "name", edit: menu => menu && menuEditor(menu) },
    group: { items: () => groups, key: "name", edit: group => groupEditor(known, group, hooks) },
    queue: { items: () => queues, key: "name", edit: queue => queueEditor(known, queue, hooks) },
    conf: { items: () => rooms, key: "number", edit: room => roomEditor(room, hooks) },
  };

  // `target` undefined: a new one. An extension's step opens its forwarding.
  const openStep = async (kind, target) => {
    context.notify("");  // what the last editor said is not about this one
    const part = parts[kind];
    const item = part && target !== undefined ? part.items().find(i => i[part.key] === target) : null;
    try {
      let card = null;
      if (kind === "ext" && target) card = await forwardingEditor(known, target, hooks);
      else if (part && (item || target === undefined)) card = part.edit(item || null);
      replace(editor, card || h("section", { class: "card" }, h("p", {}, describe(target ? `${kind}:${target}` : kind, known.choices))));
    } catch (error) { context.fail(error); }
    editor.scrollIntoView({ block: "nearest" });
  };

  // Every menu, group, queue and room, to open without a call path leading there; new ones; and
  // any extension's forwarding.
  const drawParts = () => {
    const list = (id, heading, kind, text, empty, addText) => {
      const { items, key } = parts[kind];
      return h("section", { class: "card", id, "aria-labelledby": `${id}-heading` },
        h("h2", { id: `${id}-heading` }, heading),
        items().length ? h("div", { class: "buttons" }, items().map(item =>
          h("button", { type: "button", onclick: () => openStep(kind, item[key]) }, text(item))))
          : h("p", { class: "muted" }, empty),
        addText ? h("p", {}, h("button", { type: "button", onclick: () => openStep(kind, undefined) }, addText)) : null);
    };
    const extensions = known.choices.filter(c => c.kind === "ext");
    const who = h("select", { name: "forwarding-of", "aria-label": t("logic.forwarding_pick") },
      extensions.map(c => h("option", { value: c.target }, c.label ? `${c.target} - ${c.label}` : c.target)));
    replace(partsHolder,
      list("menus", t("logic.menus"), "ivr", m => t("logic.menu", { name: m.name }), t("logic.no_menus")),
      list("groups", t("logic.groups"), "group", g => t("logic.group", { name: g.name }), t("logic.no_groups"), t("logic.add_group")),
      list("queues", t("logic.queues"), "queue", q => t("logic.queue", { name: q.name }), t("logic.no_queues"), t("logic.add_queue")),
      list("rooms", t("logic.rooms"), "conf", r => t("logic.room", { number: r.number, name: r.name }), t("logic.no_rooms"),
           t("logic.add_room")),
      h("section", { class: "card", id: "forwarding", "aria-labelledby": "forwarding-heading" },
        h("h2", { id: "forwarding-heading" }, t("logic.forwarding")),
        extensions.length ? h("p", {}, h("label", {}, t("logic.forwarding_pick"), " ", who), " ",
          h("button", { type: "button", onclick: () => openStep("ext", who.value) }, t("common.edit")))
          : h("p", { class: "muted" }, t("logic.no_extensions"))));
  };

  await load();
  replace(main, h("h1", {}, t("nav.logic")), flowHolder, editor, routesHolder, partsHolder);
  drawRoutes();
  drawFlow();
  drawParts();
}
