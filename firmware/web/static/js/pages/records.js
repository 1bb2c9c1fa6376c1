// Call records: filters, pages of 50, a call's route and hang-up, its recording, CSV export.
import { h, replace, seconds, table, when } from "../dom.js";
import { get, query } from "../api.js";
import { t } from "../i18n.js";

export const DISPOSITIONS = ["answered", "missed", "busy", "no_answer", "cancelled", "unavailable", "failed", "barred", "feature"];
export const DIRECTIONS = ["in", "out", "internal"];

// The filter form shared with the statistics page: date range, extension, direction, disposition, trunk.
// `departments`: a promise of the departments' names, when the page learns them anyway (else asked for).
export function filterForm(id, onApply, extra = [], departments = null) {
  const since = h("input", { type: "date", name: "since" });
  const until = h("input", { type: "date", name: "until" });
  const extension = h("input", { name: "extension", inputmode: "numeric", size: 6 });
  const trunk = h("input", { name: "trunk", size: 10 });
  const choice = (name, values, prefix) => h("select", { name },
    h("option", { value: "" }, t("common.all")), values.map(v => h("option", { value: v }, t(`${prefix}.${v}`))));
  const direction = choice("direction", DIRECTIONS, "direction");
  const department = h("select", { name: "department" }, h("option", { value: "" }, t("common.all")));
  const departmentLabel = h("label", { hidden: true }, t("filter.department"), department);
  // Only for those who may see everyone's calls; a user's own calls have no department to choose.
  (departments ?? get("/api/departments").then(found => found.map(d => d.name))).then(names => {
    for (const name of names) department.append(h("option", { value: name }, name));
    departmentLabel.hidden = names.length === 0;
  }).catch(() => {});
  const disposition = choice("disposition", DISPOSITIONS, "disposition");
  const values = () => {
    // Dates are the viewer's local days; `until` is exclusive, so the chosen last day is included.
    const day = (value, plus) => {
      if (!value) return "";
      const [y, m, d] = value.split("-").map(Number);
      return new Date(y, m - 1, d + plus).toISOString();
    };
    return { since: day(since.value, 0), until: day(until.value, 1), extension: extension.value.trim(),
             trunk: trunk.value.trim(), direction: direction.value, disposition: disposition.value,
             department: department.value };
  };
  const form = h("form", { class: "inline", id, onsubmit: event => { event.preventDefault(); onApply(values()); } },
    h("label", {}, t("filter.since"), since), h("label", {}, t("filter.until"), until),
    h("label", {}, t("filter.extension"), extension), departmentLabel, h("label", {}, t("filter.trunk"), trunk),
    h("label", {}, t("filter.direction"), direction), h("label", {}, t("filter.disposition"), disposition),
    extra, h("button", { type: "submit", class: "primary" }, t("filter.apply")));
  form.values = values;
  return form;
}

function detail(row, recordings) {
  return h("section", { class: "card", id: "call-detail" },
    h("h2", {}, t("records.detail", { caller: row.caller, called: row.called })),
    h("dl", {},
      [["records.started", when(row.started_at)], ["records.answered_at", when(row.answered_at)],
       ["records.ended", when(row.ended_at)], ["records.answered_by", row.answered_by || ""],
       ["records.talk", seconds(row.talk_seconds)], ["records.disposition", t(`disposition.${row.disposition}`)],
       ["records.cause", row.hangup_cause || ""], ["records.hung_up_by", row.hangup_by || ""],
       ["records.trunk", [row.trunk, row.did].filter(Boolean).join(" / ")], ["records.mode", row.mode || ""],
       ["records.route", row.route || ""]].map(([label, value]) => [h("dt", {}, t(label)), h("dd", {}, value)])),
    recordings.map(r => h("p", {}, h("audio", { controls: true, preload: "none", src: `/api/recordings/${r.id}/audio` }),
      " ", h("a", { href: `/api/recordings/${r.id}/audio`, download: `recording-${r.id}.wav` }, t("recordings.download")))));
}

export async function render(main, context) {
  let filters = {};
  let offset = 0;
  const listHolder = h("div");
  const detailHolder = h("div");
  const csv = h("a", { id: "csv-export", href: "/api/cdr.csv" }, t("records.csv"));

  const show = async row => {
    let found = [];
    if (row.call_id && (context.me.may("recordings") || context.me.login)) {
      try { found = (await get("/api/recordings" + query({ call_id: row.call_id }))).recordings; } catch { found = []; }
    }
    replace(detailHolder, detail(row, found));
    detailHolder.scrollIntoView({ block: "nearest" });
  };
  const refresh = async () => {
    const page = await get("/api/cdr" + query({ ...filters, limit: 50, offset }));
    csv.href = "/api/cdr.csv" + query(filters);
    replace(listHolder,
      h("p", { class: "muted", id: "records-total" }, t("records.total", { total: page.total })),
      table([
        [t("records.started"), r => h("button", { type: "button", class: "link", onclick: () => show(r) }, when(r.started_at))],
        [t("live.caller"), r => r.caller], [t("live.called"), r => r.called],
        [t("records.answered_by"), r => r.answered_by || ""],
        [t("records.direction"), r => t(`direction.${r.direction}`)],
        [t("records.disposition"), r => t(`disposition.${r.disposition}`)],
        [t("records.talk"), r => seconds(r.talk_seconds)],
      ], page.items, t("records.none")),
      h("div", { class: "buttons" },
        h("button", { type: "button", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - 50); refresh(); } }, t("common.previous")),
        h("span", { class: "muted" }, t("common.page_of", { from: page.total ? offset + 1 : 0, to: offset + page.items.length, total: page.total })),
        h("button", { type: "button", disabled: offset + 50 >= page.total, onclick: () => { offset += 50; refresh(); } }, t("common.next"))));
  };
  const form = filterForm("records-filter", async values => {
    filters = values; offset = 0;
    try { await refresh(); } catch (error) { context.fail(error); }
  });
  replace(main, h("h1", {}, t("nav.records")), h("section", { class: "card" }, form, h("p", {}, csv)), detailHolder, listHolder);
  await refresh();
}
