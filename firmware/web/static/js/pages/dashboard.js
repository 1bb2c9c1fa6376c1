// The dashboard: the mode, calls now (live from the event stream), today's figures, what runs, load.
import { bytes, h, replace, seconds, table, when } from "../dom.js";
import { del, get, query } from "../api.js";
import { t } from "../i18n.js";
import { modeCard } from "./modeswitch.js";

function startOfToday() {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).toISOString();
}

function upDown(up) {
  return h("span", { class: up ? "state-up" : "state-down" }, t(up ? "state.up" : "state.down"));
}

// Faults in plain words, from the status the brain gives.
function faults(status) {
  const found = [];
  if (!status.edge.up) found.push(t("fault.edge"));
  for (const w of status.workers) if (!w.up) found.push(t("fault.worker", { number: w.number }));
  for (const trunk of status.trunks) {
    if (trunk.register && trunk.state !== "registered") found.push(t("fault.trunk", { name: trunk.name, state: trunk.state }));
  }
  const gateway = status.gateway;
  if (gateway && !gateway.up) found.push(t("fault.gateway"));
  if (gateway) for (const port of gateway.ports) if (!port.registered) found.push(t("fault.port", { device: port.device }));
  const load = status.load;
  if (load && load.disk_total_bytes && load.disk_free_bytes / load.disk_total_bytes < 0.05) {
    found.push(t("fault.disk", { free: bytes(load.disk_free_bytes) }));
  }
  return found;
}

function statusCard(status) {
  const problems = faults(status);
  const load = status.load;
  return h("section", { class: "card", id: "status-card", "aria-labelledby": "status-heading" },
    h("h2", { id: "status-heading" }, t("dash.running")),
    problems.length ? h("ul", { class: "error", id: "faults" }, problems.map(p => h("li", {}, p)))
                    : h("p", { class: "good", id: "faults" }, t("dash.no_faults")),
    h("ul", {},
      h("li", {}, t("dash.edge"), ": ", upDown(status.edge.up)),
      h("li", {}, t("dash.workers", { up: status.workers.filter(w => w.up).length, all: status.workers.length })),
      h("li", { id: "registered-count" }, t("dash.registered", { count: status.registrations.length })),
      status.trunks.map(tr => h("li", {}, t("dash.trunk", { name: tr.name, state: tr.state, calls: tr.calls }))),
      status.gateway ? h("li", {}, t("dash.ports", {
        up: status.gateway.ports.filter(p => p.registered).length, all: status.gateway.ports.length })) : null),
    load ? h("p", { class: "muted", id: "load" }, t("dash.load", {
      load: load.load_1m, cpus: load.cpus,
      memory: load.memory_total_bytes ? Math.round(100 * (1 - load.memory_available_bytes / load.memory_total_bytes)) : "?",
      disk: bytes(load.disk_free_bytes) })) : null);
}

function todayCard(summary) {
  const figure = (label, value, id) => h("div", {}, h("div", { class: "big", id }, value), h("div", { class: "muted" }, label));
  return h("section", { class: "card", "aria-labelledby": "today-heading" },
    h("h2", { id: "today-heading" }, t("dash.today")),
    h("div", { class: "grid" },
      figure(t("dash.calls"), summary.calls, "today-calls"),
      figure(t("dash.answered"), summary.answered, "today-answered"),
      figure(t("dash.missed"), summary.missed, "today-missed"),
      figure(t("dash.minutes"), Math.round(summary.talk_seconds / 60), "today-minutes")));
}

export async function render(main, context) {
  const me = context.me;
  const live = h("section", { class: "card", id: "live-calls", "aria-labelledby": "live-heading" },
    h("h2", { id: "live-heading" }, t("dash.live")));
  const liveBody = h("div", { "aria-live": "polite" });
  live.append(liveBody);
  const todayHolder = h("div");
  const statusHolder = h("div");

  const refreshCalls = async () => {
    try {
      const calls = await get("/api/calls");
      replace(liveBody, table([
        [t("live.caller"), c => c.caller],
        [t("live.called"), c => c.called],
        [t("live.state"), c => t(`callstate.${c.state}`)],
        [t("live.answered_by"), c => c.answered_by || ""],
        [t("live.since"), c => when(c.started_at)],
        [t("live.actions"), c => me.may("live_calls") || me.login ? h("button", {
          type: "button", class: "danger", onclick: async () => {
            try { await del(`/api/calls/${c.id}`); await refreshCalls(); } catch (error) { context.fail(error); }
          } }, t("live.hang_up")) : ""],
      ], calls, t("dash.no_calls")));
    } catch (error) {
      replace(liveBody, h("p", { class: "error" }, error.message));
    }
  };
  const refreshFigures = async () => {
    try {
      replace(todayHolder, todayCard(await get("/api/stats/summary" + query({ since: startOfToday() }))));
    } catch (error) { replace(todayHolder, h("p", { class: "error" }, error.message)); }
    if (me.may("live_calls")) {
      try { replace(statusHolder, statusCard(await get("/api/status"))); } catch (error) {
        replace(statusHolder, h("section", { class: "card" }, h("p", { class: "error" }, error.message)));
      }
    }
  };

  const mode = await modeCard(context, () => refreshFigures());
  replace(main, h("h1", {}, t("nav.dashboard")), h("div", { class: "grid" }, mode, todayHolder), live, statusHolder);
  await Promise.all([refreshCalls(), refreshFigures()]);

  // Calls appear and go as they happen: the event stream says when, the call list says what.
  const events = new EventSource("/api/events");
  let pending = null;
  const soon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => { refreshCalls(); refreshFigures(); }, 150);
  };
  for (const name of ["call.ringing", "call.answered", "call.transferred", "call.ended", "call.missed"]) {
    events.addEventListener(name, soon);
  }
  // The stream keeps no history: a page that was away (or a stream that reconnected) catches up.
  events.addEventListener("open", soon);
  const timer = setInterval(() => { refreshCalls(); refreshFigures(); }, 30000);
  return () => { events.close(); clearInterval(timer); clearTimeout(pending); };
}
