// Statistics: the filters of the call records, calls per period stacked by direction with the
// missed ones, per extension and per line, talk time, per scenario (trunk, number, voice menu)
// split by a chosen second dimension, missed calls not called back yet (with a button that calls
// them back), CSV export. Charts by Chart.js (static/vendor, see vendor.sh).
import { h, replace, seconds, table, when } from "../dom.js";
import { get, post, query } from "../api.js";
import { t } from "../i18n.js";
import { filterForm } from "./records.js";

let loading = null;
function chartLibrary() {
  if (window.Chart) return Promise.resolve(window.Chart);
  loading ??= new Promise((resolve, reject) => {
    // From this module's (versioned) address, so a reload does not ask for it again.
    const script = h("script", { src: new URL("../../vendor/chart.umd.min.js", import.meta.url).href });
    script.addEventListener("load", () => resolve(window.Chart));
    script.addEventListener("error", () => { loading = null; reject(new Error(t("stats.no_chart_library"))); });
    document.head.append(script);
  });
  return loading;
}

const COLOURS = { in: "#0b5cad", out: "#1d6b2f", internal: "#8a8f98", missed: "#a61b1b", talk: "#8a5a00" };

// The second dimensions of the per-scenario table (GET /api/stats/scenarios?by=), "" for none.
const SCENARIO_BY = [["", "stats.by_nothing"], ["caller", "stats.by_caller"], ["direction", "stats.by_direction"],
  ["disposition", "stats.by_disposition"], ["hangup_cause", "stats.by_hangup_cause"], ["key", "stats.by_key"],
  ["group", "stats.by_group"]];
const ENTRY = { trunk: "stats.entry_trunk", did: "stats.entry_did", menu: "stats.entry_menu" };

function scenarioTable(rows, by) {
  const columns = [[t("stats.scenario_entry"), r => t(ENTRY[r.kind], { name: r.entry })]];
  if (by) columns.push([t("stats.scenario_value"), r => r.value || t("stats.scenario_no_value")]);
  columns.push([t("stats.calls"), r => r.calls], [t("stats.completed"), r => r.completed],
    [t("stats.no_talk"), r => r.no_talk], [t("stats.transferred"), r => r.transferred],
    [t("stats.by_employee"), r => r.by_employee], [t("stats.repeated"), r => r.repeated],
    [t("stats.average_duration"), r => seconds(r.average_seconds)],
    [t("stats.average_talk"), r => seconds(r.average_talk_seconds)]);
  return table(columns, rows, t("stats.scenario_none"));
}

function chartCard(id, title, data) {
  // Each chart is described for screen readers by the table of its numbers beside it.
  const canvas = h("canvas", { id, role: "img", "aria-label": title });
  return [h("section", { class: "card", "aria-labelledby": `${id}-heading` },
    h("h2", { id: `${id}-heading` }, title), h("div", { style: undefined }, canvas), data), canvas];
}

export async function render(main, context) {
  const charts = [];
  const period = h("select", { name: "period" }, ["hour", "day", "week", "month"].map(p =>
    h("option", { value: p, selected: p === "day" }, t(`period.${p}`))));
  const results = h("div");
  const csv = h("a", { href: "/api/cdr.csv", id: "stats-csv" }, t("records.csv"));
  // The per-scenario table has its own choice of second dimension: changing it asks for that table alone.
  let shown = {};
  let foundDepartments = () => {};
  const departments = new Promise(resolve => { foundDepartments = resolve; });
  const scenarioBy = h("select", { name: "by", onchange: () => drawScenarios().catch(context.fail) },
    SCENARIO_BY.map(([value, key]) => h("option", { value }, t(key))));
  const scenarios = h("div", { id: "scenario-table" });
  const scenarioRows = () => get("/api/stats/scenarios" + query({ ...shown, by: scenarioBy.value }));
  const drawScenarios = async (rows = null) => {
    const by = scenarioBy.value;
    replace(scenarios, scenarioTable(rows ?? await scenarioRows(), by));
  };

  const draw = async filters => {
    charts.splice(0).forEach(c => c.destroy());
    const base = { ...filters };
    shown = base;
    // The graph library loads while the figures are asked for, the slowest first: a browser sends
    // six requests at once to one server, the others wait for one of those to finish.
    const [byDepartment, byExtension, all, summary, missed, byScenario, byTrunk, Chart] = await Promise.all([
      get("/api/stats/by" + query({ ...base, group: "department" })),
      get("/api/stats/by" + query({ ...base, group: "extension" })),
      get("/api/stats/series" + query({ ...base, period: period.value })),
      get("/api/stats/summary" + query(base)),
      get("/api/stats/missed" + query(base)),
      scenarioRows(),
      get("/api/stats/by" + query({ ...base, group: "trunk" })),
      chartLibrary(),
    ]);
    // The department filter's choices: every department, from the first (unfiltered) answer.
    if (!filters.department) foundDepartments(byDepartment.map(d => d.key));
    await drawScenarios(byScenario);
    csv.href = "/api/cdr.csv" + query(base);
    const periods = all.map(p => p.period);
    const on = (points, field) => periods.map(p => points.find(x => x.period === p)?.[field] ?? 0);
    const wanted = filters.direction;
    const datasets = [
      ["in", "incoming"], ["out", "outgoing"], ["internal", "internal"],
    ].filter(([d]) => !wanted || d === wanted).map(([d, field]) => ({
      type: "bar", label: t(`direction.${d}`), data: on(all, field), backgroundColor: COLOURS[d], stack: "calls" }));
    datasets.push({ type: "bar", label: t("stats.missed"), data: on(all, "missed"), backgroundColor: COLOURS.missed, stack: "missed" });

    const [perPeriod, perPeriodCanvas] = chartCard("chart-periods", t("stats.calls_per", { period: t(`period.${period.value}`) }),
      table([[t("stats.period"), p => p.period], [t("stats.calls"), p => p.calls], [t("stats.answered"), p => p.answered],
             [t("stats.missed"), p => p.missed], [t("stats.talk"), p => seconds(p.talk_seconds)]], all, t("stats.none")));
    const people = byExtension.filter(e => e.calls > 0);
    const [perExtension, perExtensionCanvas] = chartCard("chart-extensions", t("stats.per_extension"),
      table([[t("filter.extension"), e => e.key], [t("stats.calls"), e => e.calls], [t("stats.made"), e => e.made],
             [t("stats.received"), e => e.received], [t("stats.answered"), e => e.answered], [t("stats.missed"), e => e.missed],
             [t("stats.talk"), e => seconds(e.talk_seconds)], [t("stats.wait"), e => seconds(e.average_wait_seconds)]],
            people, t("stats.none")));
    const [perTrunk, perTrunkCanvas] = chartCard("chart-trunks", t("stats.per_line"),
      table([[t("filter.trunk"), e => e.key], [t("stats.calls"), e => e.calls], [t("stats.answered"), e => e.answered],
             [t("stats.missed"), e => e.missed], [t("stats.talk"), e => seconds(e.talk_seconds)]], byTrunk, t("stats.none")));
    const [talk, talkCanvas] = chartCard("chart-talk", t("stats.talk_time"), null);

    const fromExtension = h("input", { name: "from", size: 6, inputmode: "numeric", value: context.me.login ?? "",
                                       "aria-label": t("stats.call_back_from") });
    const callBack = async number => {
      try {
        await post("/api/calls", { from: fromExtension.value.trim(), to: number });
        context.notify(t("stats.calling_back", { number, from: fromExtension.value.trim() }));
      } catch (error) { context.fail(error); }
    };
    replace(results,
      h("section", { class: "card", id: "stats-summary" }, h("h2", {}, t("stats.totals")),
        h("p", {}, t("stats.summary", { calls: summary.calls, answered: summary.answered, missed: summary.missed,
                                        busy: summary.busy, failed: summary.failed, talk: seconds(summary.talk_seconds),
                                        average: seconds(summary.average_talk_seconds) }))),
      perPeriod, perExtension,
      h("section", { class: "card", id: "per-department" }, h("h2", {}, t("stats.per_department")),
        table([[t("filter.department"), e => e.key], [t("stats.calls"), e => e.calls], [t("stats.made"), e => e.made],
               [t("stats.received"), e => e.received], [t("stats.answered"), e => e.answered], [t("stats.missed"), e => e.missed],
               [t("stats.talk"), e => seconds(e.talk_seconds)]], byDepartment, t("stats.none"))),
      perTrunk, talk,
      h("section", { class: "card", id: "per-scenario", "aria-labelledby": "scenario-heading" },
        h("h2", { id: "scenario-heading" }, t("stats.scenarios")),
        h("p", {}, h("label", {}, t("stats.scenario_by"), " ", scenarioBy)), scenarios),
      h("section", { class: "card", id: "missed-list", "aria-labelledby": "missed-heading" },
        h("h2", { id: "missed-heading" }, t("stats.not_called_back")),
        h("p", {}, h("label", {}, t("stats.call_back_from"), " ", fromExtension)),
        table([[t("records.started"), r => when(r.started_at)], [t("live.caller"), r => r.caller], [t("live.called"), r => r.called],
               [t("common.actions"), r => h("button", { type: "button", onclick: () => callBack(r.caller) }, t("stats.call_back"))]],
              missed, t("stats.none_missed"))));

    const common = { responsive: true, animation: false, maintainAspectRatio: false };
    for (const canvas of [perPeriodCanvas, perExtensionCanvas, perTrunkCanvas, talkCanvas]) canvas.parentElement.style.height = "260px";
    charts.push(new Chart(perPeriodCanvas, { data: { labels: periods, datasets },
      options: { ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } }));
    charts.push(new Chart(perExtensionCanvas, { type: "bar", data: { labels: people.map(e => e.key), datasets: [
      { label: t("stats.answered"), data: people.map(e => e.answered), backgroundColor: COLOURS.in },
      { label: t("stats.made"), data: people.map(e => e.made), backgroundColor: COLOURS.out },
      { label: t("stats.missed"), data: people.map(e => e.missed), backgroundColor: COLOURS.missed }] },
      // Hundreds of extensions: the labels that fit are found from a sample of them, kept level.
      options: { ...common, normalized: true, scales: { x: { ticks: { sampleSize: 10, maxRotation: 0 } },
                                                        y: { beginAtZero: true, ticks: { precision: 0 } } } } }));
    charts.push(new Chart(perTrunkCanvas, { type: "bar", data: { labels: byTrunk.map(e => e.key), datasets: [
      { label: t("stats.answered"), data: byTrunk.map(e => e.answered), backgroundColor: COLOURS.in },
      { label: t("stats.missed"), data: byTrunk.map(e => e.missed), backgroundColor: COLOURS.missed }] },
      options: { ...common, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } }));
    charts.push(new Chart(talkCanvas, { type: "line", data: { labels: periods, datasets: [
      { label: t("stats.talk_minutes"), data: all.map(p => Math.round(p.talk_seconds / 6) / 10), borderColor: COLOURS.talk }] },
      options: { ...common, scales: { y: { beginAtZero: true } } } }));
  };

  const form = filterForm("stats-filter", async values => {
    try { await draw(values); } catch (error) { context.fail(error); }
  }, [h("label", {}, t("stats.period"), period)], departments);
  replace(main, h("h1", {}, t("nav.statistics")), h("section", { class: "card" }, form, h("p", {}, csv)), results);
  // The last 30 days until the filters say otherwise.
  const month = new Date(Date.now() - 30 * 86400000);
  await draw({ since: new Date(month.getFullYear(), month.getMonth(), month.getDate()).toISOString() });
  return () => charts.forEach(c => c.destroy());
}
