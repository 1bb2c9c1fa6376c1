// Modes: the mode now, the weekly timetable as a grid to paint, holidays, who changed what.
import { field, h, replace, table, when } from "../dom.js";
import { del, get, put } from "../api.js";
import { t } from "../i18n.js";
import { MODES, badge, modeCard } from "./modeswitch.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const SLOTS = 48; // half hours
// Painting follows the pointer while its button is down, across cells and rows.
let painting = false;
document.addEventListener("pointerup", () => { painting = false; });

const minutes = hhmm => { const [hh, mm] = hhmm.split(":").map(Number); return hh * 60 + mm; };
const clock = m => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

// "mon 08:00-12:00 day" lines -> {mon: [[480, 720, "day"], ...]}
function parseTimetable(lines) {
  const byDay = Object.fromEntries(DAYS.map(d => [d, []]));
  for (const line of lines) {
    const [day, span, mode] = line.split(/\s+/);
    const [start, end] = span.split("-");
    byDay[day]?.push([minutes(start), end === "24:00" ? 1440 : minutes(end), mode]);
  }
  return byDay;
}

const specOf = intervals => intervals.map(([s, e, m]) => `${clock(s)}-${e === 1440 ? "24:00" : clock(e)} ${m}`).join(", ");

function parseSpec(spec) {
  return spec.split(",").map(p => p.trim()).filter(Boolean).map(part => {
    const [span, mode] = part.split(/\s+/);
    const [start, end] = (span || "").split("-");
    return [minutes(start || "0:0"), end === "24:00" ? 1440 : minutes(end || "0:0"), mode];
  });
}

// Half-hour cells -> intervals (night cells are the gaps).
function intervalsOf(cells) {
  const found = [];
  for (let i = 0; i < SLOTS; i++) {
    if (cells[i] === "night") continue;
    const last = found[found.length - 1];
    if (last && last[1] === i * 30 && last[2] === cells[i]) last[1] = (i + 1) * 30;
    else found.push([i * 30, (i + 1) * 30, cells[i]]);
  }
  return found;
}

function cellsOf(intervals) {
  const cells = new Array(SLOTS).fill("night");
  for (const [start, end, mode] of intervals) {
    for (let i = 0; i < SLOTS; i++) if (i * 30 >= start && i * 30 < end) cells[i] = mode;
  }
  return cells;
}

function weekEditor(view, context, saved) {
  const canEdit = context.me.may("call_logic");
  const byDay = parseTimetable(view.timetable);
  const specs = {}, cells = {}, buttons = {};
  let brush = "day";
  const dirty = new Set();

  const paintRow = day => {
    buttons[day].forEach((b, i) => {
      b.className = `cell mode-${cells[day][i]}`;
      b.setAttribute("aria-label", `${t(`day.${day}`)} ${clock(i * 30)} ${t(`mode.${cells[day][i]}`)}`);
    });
  };
  const paint = (day, i) => {
    if (!canEdit) return;
    cells[day][i] = brush;
    specs[day].value = specOf(intervalsOf(cells[day]));
    dirty.add(day);
    paintRow(day);
  };

  const grid = h("div", { class: "week", id: "week-grid", role: "grid", "aria-label": t("modes.timetable") });
  grid.append(h("span"));
  for (let hour = 0; hour < 24; hour += 2) grid.append(h("span", { class: "hour" }, String(hour).padStart(2, "0")));
  const rows = [];
  for (const day of DAYS) {
    cells[day] = cellsOf(byDay[day]);
    grid.append(h("span", { class: "day-name" }, t(`day.${day}`)));
    buttons[day] = cells[day].map((_, i) => h("button", {
      type: "button", class: "cell", tabindex: i === 0 ? 0 : -1, disabled: !canEdit, dataset: { day, slot: i },
      onpointerdown: event => { painting = true; event.target.releasePointerCapture?.(event.pointerId); paint(day, i); },
      onpointerenter: () => { if (painting) paint(day, i); },
      onkeydown: event => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); paint(day, i); }
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step) { event.preventDefault(); buttons[day][Math.min(SLOTS - 1, Math.max(0, i + step))].focus(); }
      },
    }));
    buttons[day].forEach(b => grid.append(b));
    specs[day] = h("input", { name: `spec-${day}`, value: specOf(byDay[day]), disabled: !canEdit, size: 48,
                              oninput: () => { dirty.add(day); try { cells[day] = cellsOf(parseSpec(specs[day].value)); paintRow(day); } catch { /* finish typing */ } } });
    rows.push(field(t(`day.${day}`), specs[day]));
    paintRow(day);
  }

  const brushes = h("div", { class: "legend", role: "radiogroup", "aria-label": t("modes.brush") },
    MODES.filter(m => m !== "holiday").map(m => h("label", {},
      h("input", { type: "radio", name: "brush", value: m, checked: m === brush, disabled: !canEdit,
                   onchange: () => { brush = m; } }), " ", badge(m))));
  const save = async () => {
    try {
      for (const day of [...dirty]) {
        await put(`/api/mode/timetable/${day}`, { spec: specs[day].value });
        dirty.delete(day);
      }
      context.notify(t("modes.saved"));
      await saved();
    } catch (error) { context.fail(error); }
  };
  return h("section", { class: "card", "aria-labelledby": "week-heading" },
    h("h2", { id: "week-heading" }, t("modes.timetable")),
    h("p", { class: "muted" }, t(canEdit ? "modes.grid_help" : "modes.grid_readonly")),
    brushes, grid,
    h("details", {}, h("summary", {}, t("modes.exact_times")), h("form", { class: "fields", onsubmit: e => { e.preventDefault(); save(); } }, rows)),
    canEdit ? h("p", {}, h("button", { class: "primary", type: "button", id: "save-timetable", onclick: save }, t("common.save"))) : null);
}

function holidaysCard(view, context, saved) {
  const canEdit = context.me.may("call_logic");
  const day = h("input", { type: "date", name: "date", required: true });
  const name = h("input", { name: "name" });
  const rows = Object.entries(view.holidays).map(([date, title]) => ({ date, title }));
  return h("section", { class: "card", "aria-labelledby": "holiday-heading" },
    h("h2", { id: "holiday-heading" }, t("modes.holidays")),
    table([
      [t("modes.date"), r => r.date], [t("modes.holiday_name"), r => r.title],
      [t("common.actions"), r => canEdit ? h("button", { type: "button", class: "danger", onclick: async () => {
        try { await del(`/api/mode/holidays/${r.date}`); await saved(); } catch (error) { context.fail(error); }
      } }, t("common.remove")) : ""],
    ], rows, t("modes.no_holidays")),
    canEdit ? h("form", { class: "inline", onsubmit: async event => {
      event.preventDefault();
      try { await put(`/api/mode/holidays/${day.value}`, { name: name.value.trim() }); await saved(); } catch (error) { context.fail(error); }
    } }, h("label", {}, t("modes.date"), day), h("label", {}, t("modes.holiday_name"), name),
        h("button", { type: "submit" }, t("modes.add_holiday"))) : null);
}

export async function render(main, context) {
  const draw = async () => {
    const [view, log] = await Promise.all([get("/api/mode"), get("/api/mode/log?limit=30")]);
    replace(main,
      h("h1", {}, t("nav.modes")),
      await modeCard(context, draw),
      weekEditor(view, context, draw),
      holidaysCard(view, context, draw),
      h("section", { class: "card" }, h("h2", {}, t("modes.log")),
        table([[t("modes.at"), r => when(r.at)], [t("modes.mode"), r => badge(r.mode)],
               [t("modes.reason"), r => r.reason], [t("modes.by"), r => r.by]], log, t("modes.no_log"))));
  };
  await draw();
}
