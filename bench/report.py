"""Turning a bench run into JSON, a Markdown summary and the README's performance section."""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

Json = dict[str, Any]


def _get(data: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def summarize(result: Json) -> Json:
    """The headline figures of a run."""
    phases = result.get("phases", {})
    hold = phases.get("hold") or {}
    best = hold.get("max_held_calls")
    at_best = next((lv for lv in hold.get("levels", []) if lv.get("calls") == best and lv.get("pass")), None)
    idle = phases.get("idle") or {}
    rate = phases.get("rate") or {}
    sustained = rate.get("sustained_cps")
    at_rate = next((lv for lv in rate.get("levels", []) if lv.get("target_cps") == sustained), None)
    pbx_pdd, floor_pdd = phases.get("pdd_pbx") or {}, phases.get("pdd_floor") or {}

    def added(key: str) -> float | None:
        a, b = pbx_pdd.get(key), floor_pdd.get(key)
        return round(a - b, 2) if isinstance(a, int | float) and isinstance(b, int | float) else None

    return {
        "max_held_calls": best,
        "max_held_limited_by": hold.get("limited_by"),
        "workers": _get(result, "pbx", "workers"),
        "legs_per_worker": _get(result, "pbx", "legs_per_worker"),
        "at_max": None if at_best is None else {
            "pbx_cpu_percent": _get(at_best, "cpu_percent", "pbx"),
            "machine_cpu_percent": _get(at_best, "cpu_percent", "machine"),
            "sipp_cpu_percent": _get(at_best, "cpu_percent", "sipp"),
            "pbx_pss_mib": _get(at_best, "pss_mib", "pbx"),
            "cpu_percent_per_call": _get(at_best, "per_call", "pbx_cpu_percent"),
            "cpu_percent_per_call_over_idle": _get(at_best, "per_call", "pbx_cpu_percent_over_idle"),
            "pss_mib_per_call": _get(at_best, "per_call", "pbx_pss_mib"),
            "pss_mib_per_call_over_idle": _get(at_best, "per_call", "pbx_pss_mib_over_idle"),
            "busy_worker_cpu_percent": _get(at_best, "per_worker", "busy_cpu_percent"),
            "busy_worker_pss_mib": _get(at_best, "per_worker", "busy_pss_mib"),
            "brain_cpu_percent": _get(at_best, "cpu_percent", "brain"),
            "edge_cpu_percent": _get(at_best, "cpu_percent", "edge"),
            "udp_datagrams_per_call_per_s": _get(at_best, "udp", "per_call_per_s"),
        },
        "idle": {
            "pbx_cpu_percent": _get(idle, "cpu_percent", "pbx"),
            "pbx_pss_mib": _get(idle, "pss_mib", "pbx"),
            "worker_cpu_percent": _get(idle, "per_worker", "idle_cpu_percent"),
            "worker_pss_mib": _get(idle, "per_worker", "idle_pss_mib"),
            "brain_pss_mib": _get(idle, "pss_mib", "brain"),
            "edge_pss_mib": _get(idle, "pss_mib", "edge"),
        },
        "sustained_cps": sustained,
        "sustained_cps_limited_by": rate.get("limited_by"),
        "at_sustained_cps": None if at_rate is None else {
            "achieved_cps": at_rate.get("achieved_cps"),
            "pbx_cpu_percent": _get(at_rate, "cpu_percent", "pbx"),
            "machine_cpu_percent": _get(at_rate, "cpu_percent", "machine"),
            "pdd_p50_ms": _get(at_rate, "pdd_ms", "p50_ms"),
            "pdd_p99_ms": _get(at_rate, "pdd_ms", "p99_ms"),
        },
        "pdd_ms": {
            "pbx_p50": pbx_pdd.get("p50_ms"), "pbx_p99": pbx_pdd.get("p99_ms"),
            "floor_p50": floor_pdd.get("p50_ms"), "floor_p99": floor_pdd.get("p99_ms"),
            "added_p50": added("p50_ms"), "added_p99": added("p99_ms"),
            "calls": pbx_pdd.get("calls"), "rate_cps": pbx_pdd.get("rate_cps"),
        },
        "anomalies": len(result.get("anomalies", [])),
    }


def _headline(result: Json) -> list[str]:
    s = result.get("summary") or summarize(result)
    host = _get(result, "meta", "host") or {}
    at = s.get("at_max") or {}
    idle = s.get("idle") or {}
    pdd = s.get("pdd_ms") or {}
    rate = s.get("at_sustained_cps") or {}
    limited = s.get("max_held_limited_by")
    best = s.get("max_held_calls")
    lines = [
        "| Figure | Value |",
        "|---|---|",
        f"| Max concurrent bridged calls held, < 0.5 % failed | **{_fmt(best)}**"
        + (" (no failure up to the board size tried)" if limited and "capacity" in str(limited) else "") + " |",
        f"| Call workers / legs per worker | {_fmt(s.get('workers'))} / {_fmt(s.get('legs_per_worker'))} |",
        f"| PBX CPU at that load (brain + edge + workers) | {_fmt(at.get('pbx_cpu_percent'), ' % of one core')}"
        f" (machine {_fmt(at.get('machine_cpu_percent'), ' %')}, SIPp {_fmt(at.get('sipp_cpu_percent'), ' %')}) |",
        f"| CPU per bridged call | {_fmt(at.get('cpu_percent_per_call'), ' %', 2)} of one core"
        f" ({_fmt(at.get('cpu_percent_per_call_over_idle'), ' %', 2)} above idle) |",
        f"| CPU per busy worker (2 bridged calls) | {_fmt(at.get('busy_worker_cpu_percent'), ' %', 2)};"
        f" idle worker {_fmt(idle.get('worker_cpu_percent'), ' %', 2)} |",
        f"| PSS of the PBX at that load | {_fmt(at.get('pbx_pss_mib'), ' MiB')}"
        f" (idle {_fmt(idle.get('pbx_pss_mib'), ' MiB')}) |",
        f"| PSS per bridged call | {_fmt(at.get('pss_mib_per_call'), ' MiB', 2)} (whole PBX / calls);"
        f" {_fmt(at.get('pss_mib_per_call_over_idle'), ' MiB', 2)} growth per call |",
        f"| PSS per worker | {_fmt(at.get('busy_worker_pss_mib'), ' MiB', 2)} busy,"
        f" {_fmt(idle.get('worker_pss_mib'), ' MiB', 2)} idle; brain {_fmt(idle.get('brain_pss_mib'), ' MiB')},"
        f" edge (all Kamailio processes) {_fmt(idle.get('edge_pss_mib'), ' MiB')} |",
        "| Sustained call rate (short calls with RTP), < 0.5 % failed |"
        f" **{_fmt(s.get('sustained_cps'), ' calls/s', 0)}**"
        f" (PBX CPU {_fmt(rate.get('pbx_cpu_percent'), ' %')}) |",
        f"| Post-dial delay INVITE -> 180, PBX | p50 **{_fmt(pdd.get('pbx_p50'), ' ms', 2)}**,"
        f" p99 **{_fmt(pdd.get('pbx_p99'), ' ms', 2)}** |",
        f"| Post-dial delay, bare Kamailio (floor) | p50 {_fmt(pdd.get('floor_p50'), ' ms', 2)},"
        f" p99 {_fmt(pdd.get('floor_p99'), ' ms', 2)} |",
        f"| Added by workers + brain | p50 {_fmt(pdd.get('added_p50'), ' ms', 2)},"
        f" p99 {_fmt(pdd.get('added_p99'), ' ms', 2)} |",
    ]
    machine = (f"{host.get('cores', '?')} cores ({host.get('cpu', '?')}), {host.get('memory_mib', '?')} MiB, "
               f"kernel {host.get('kernel', '?')}")
    versions = _get(result, "meta", "versions") or {}
    return [f"Machine: {machine}; pjsua2 {versions.get('pjsua2')}, {versions.get('kamailio')}, "
            f"{versions.get('sipp')}; minipbx {versions.get('minipbx_commit')}.", "", *lines]


def markdown(result: Json) -> str:
    started = _get(result, "meta", "started_at") or "?"
    out = [f"# minipbx call benchmark, {started}", "", *_headline(result), ""]
    phases = result.get("phases", {})
    hold = phases.get("hold") or {}
    if hold.get("levels"):
        out += ["## Concurrency ramp", "",
                "CPU in % of one core over the measurement window; PSS from smaps_rollup.", "",
                "| Calls | Held (min) | Failed | PBX CPU | brain | edge | workers | SIPp | machine | other procs "
                "| PBX PSS MiB | CPU/call | PSS/call MiB | RTP+SIP datagrams/s per call | Result |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for lv in hold["levels"]:
            cpu = lv.get("cpu_percent", {})
            out.append(
                f"| {lv.get('calls')} | {lv.get('held_min')} "
                f"| {_get(lv, 'sipp', 'failed')}/{_get(lv, 'sipp', 'created')} "
                f"| {_fmt(cpu.get('pbx'))} | {_fmt(cpu.get('brain'))} | {_fmt(cpu.get('edge'))} "
                f"| {_fmt(cpu.get('workers'))} | {_fmt(cpu.get('sipp'))} | {_fmt(cpu.get('machine'))} "
                f"| {_fmt(cpu.get('other_processes'))} | {_fmt(_get(lv, 'pss_mib', 'pbx'))} "
                f"| {_fmt(_get(lv, 'per_call', 'pbx_cpu_percent'), '', 2)} "
                f"| {_fmt(_get(lv, 'per_call', 'pbx_pss_mib'), '', 2)} | {_fmt(_get(lv, 'udp', 'per_call_per_s'))} "
                f"| {'pass' if lv.get('pass') else 'FAIL'} |")
        out.append("")
    rate = phases.get("rate") or {}
    if rate.get("levels"):
        out += ["## Call rate (short calls with RTP)", "",
                "| Target calls/s | Achieved | Calls | Failed | Peak calls up | PBX CPU | machine "
                "| PDD p50 / p99 ms (SIPp rtd, 1 ms resolution) | Result |",
                "|---|---|---|---|---|---|---|---|---|"]
        for lv in rate["levels"]:
            out.append(
                f"| {_fmt(lv.get('target_cps'), '', 0)} | {_fmt(lv.get('achieved_cps'))} | {lv.get('calls')} "
                f"| {_get(lv, 'sipp', 'failed')}/{_get(lv, 'sipp', 'created')} | {lv.get('peak_active_calls')} "
                f"| {_fmt(_get(lv, 'cpu_percent', 'pbx'))} | {_fmt(_get(lv, 'cpu_percent', 'machine'))} "
                f"| {_fmt(_get(lv, 'pdd_ms', 'p50_ms'))} / {_fmt(_get(lv, 'pdd_ms', 'p99_ms'))} "
                f"| {'pass' if lv.get('pass') else 'FAIL'} |")
        out.append("")
    if phases.get("pdd_pbx") or phases.get("pdd_floor"):
        out += ["## Post-dial delay (first INVITE sent -> 180 received, SIPp -trace_msg timestamps)", "",
                "| Path | Calls | Failed | p50 ms | p99 ms | mean ms | max ms |", "|---|---|---|---|---|---|---|"]
        for name, key in (("PBX (edge -> worker -> brain -> worker -> edge -> callee)", "pdd_pbx"),
                          ("bare Kamailio (auth, lookup, relay)", "pdd_floor")):
            p = phases.get(key)
            if p:
                out.append(f"| {name} | {p.get('calls')} | {_get(p, 'sipp', 'failed')} "
                           f"| {_fmt(p.get('p50_ms'), '', 2)} "
                           f"| {_fmt(p.get('p99_ms'), '', 2)} | {_fmt(p.get('mean_ms'), '', 2)} "
                           f"| {_fmt(p.get('max_ms'), '', 2)} |")
        out.append("")
    anomalies = result.get("anomalies") or []
    trouble = _get(result, "pbx", "log_trouble") or []
    out += ["## Anomalies", ""]
    out += [f"- {a}" for a in anomalies] or ["- none"]
    if trouble:
        out += ["", "PBX log lines reporting trouble (first ones):", "", "```", *trouble[:20], "```"]
    out += ["", f"Run took {result.get('duration_s')} s. Options: "
            f"`{json.dumps(_get(result, 'meta', 'options'), sort_keys=True)}`", ""]
    return "\n".join(out)


def save(result: Json, text: str, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    started = _get(result, "meta", "started_at") or datetime.now().isoformat(timespec="seconds")
    stamp = re.sub(r"[^0-9T]", "", str(started).split("+")[0])[:15]  # 20261122T023000
    stem = f"calls-{stamp[:8]}-{stamp[9:15]}" if "T" in stamp else f"calls-{stamp}"
    body = json.dumps(result, indent=2, sort_keys=False, default=str) + "\n"
    paths = [directory / f"{stem}.json", directory / f"{stem}.md", directory / "latest.json"]
    paths[0].write_text(body)
    paths[1].write_text(text)
    paths[2].write_text(body)
    return paths


def readme_section(result: Json) -> str:
    started = _get(result, "meta", "started_at") or "?"
    return "\n".join([
        "## Performance",
        "",
        f"Measured by `make bench` (`python -m bench.calls`) on {str(started)[:10]}, SIPp load on loopback:",
        "callers stream A-law RTP, a SIPp callee answers every extension and echoes RTP, every call",
        "anchored and bridged by a call worker (pjsua2 from PyPI, 4 legs = 2 bridged calls per worker).",
        "SIPp runs on the same cores as the PBX, so the CPU figures include its competition.",
        "CPU is in % of one core (/proc/PID/stat), memory is PSS (/proc/PID/smaps_rollup) of every",
        "brain, edge (all Kamailio processes) and worker process.",
        "",
        *_headline(result),
        "",
        "Full tables and anomalies: `bench/results/latest.json` and the dated `bench/results/calls-*.md`.",
        "",
    ])


def replace_section(readme: Path, section: str) -> None:
    """Replace the `## Performance` section (up to the next `## ` heading) or append it."""
    text = readme.read_text()
    pattern = re.compile(r"(?ms)^## Performance[ \t]*\n.*?(?=^## |\Z)")
    if pattern.search(text):
        text = pattern.sub(lambda _m: section.rstrip("\n") + "\n\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    readme.write_text(text)
