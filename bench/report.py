"""Turning a bench run into JSON, a Markdown summary and the README's performance section."""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.ramp import failure_reason

Json = dict[str, Any]
# This bench's part of the README's "## Performance" section (other benches have their own).
SUBSECTION = "### Calls through the PBX (`python -m bench.calls`)"


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


# Below this (in % of one core, both cores = 200) the machine had CPU to spare during a level.
SATURATED_MACHINE_PERCENT = 180.0
# RTP loss at the workers above this (either direction) is not clean audio.
CLEAN_MEDIA_LOSS_PERCENT = 1.0


def _loss(level: Json, direction: str) -> float | None:
    value = _get(level, "media", direction, "loss_percent")
    return float(value) if isinstance(value, int | float) else None


def _clean_media(level: Json) -> bool:
    losses = [_loss(level, d) for d in ("from_callers", "from_callee_echo")]
    return all(v is None or v < CLEAN_MEDIA_LOSS_PERCENT for v in losses)


def _level_figures(level: Json | None) -> Json | None:
    if level is None:
        return None
    return {
        "calls": level.get("calls"),
        "pbx_cpu_percent": _get(level, "cpu_percent", "pbx"),
        "brain_cpu_percent": _get(level, "cpu_percent", "brain"),
        "edge_cpu_percent": _get(level, "cpu_percent", "edge"),
        "machine_cpu_percent": _get(level, "cpu_percent", "machine"),
        "sipp_cpu_percent": _get(level, "cpu_percent", "sipp"),
        "other_cpu_percent": _get(level, "cpu_percent", "other_processes"),
        "pbx_pss_mib": _get(level, "pss_mib", "pbx"),
        "cpu_percent_per_call": _get(level, "per_call", "pbx_cpu_percent"),
        "cpu_percent_per_call_over_idle": _get(level, "per_call", "pbx_cpu_percent_over_idle"),
        "pss_mib_per_call": _get(level, "per_call", "pbx_pss_mib"),
        "pss_mib_per_call_over_idle": _get(level, "per_call", "pbx_pss_mib_over_idle"),
        "workers": _get(level, "per_worker", "workers"),
        "busy_worker_cpu_percent": _get(level, "per_worker", "busy_cpu_percent"),
        "busy_worker_pss_mib": _get(level, "per_worker", "busy_pss_mib"),
        "busy_worker_calls": _busy_worker_calls(level),
        "idle_pbx_cpu_percent": _get(level, "idle", "cpu_percent", "pbx"),
        "idle_pbx_pss_mib": _get(level, "idle", "pss_mib", "pbx"),
        "idle_worker_cpu_percent": _get(level, "idle", "per_worker", "idle_cpu_percent"),
        "idle_worker_pss_mib": _get(level, "idle", "per_worker", "idle_pss_mib"),
        "brain_pss_mib": _get(level, "pss_mib", "brain"),
        "edge_pss_mib": _get(level, "pss_mib", "edge"),
        "rtp_loss_from_callers_percent": _loss(level, "from_callers"),
        "rtp_loss_from_callee_echo_percent": _loss(level, "from_callee_echo"),
        "jitter_max_ms": _get(level, "media", "jitter_max_ms"),
        "pdd_p50_ms": _get(level, "pdd_ms", "p50_ms"),
        "pdd_p99_ms": _get(level, "pdd_ms", "p99_ms"),
        "pbx_start_s": level.get("pbx_start_s"),
    }


def _cell(text: str, width: int = 300) -> str:
    """Text for one cell of a Markdown table: one line, no column separator, cut to `width`."""
    flat = " ".join(str(text).replace("|", "/").split())
    return flat if len(flat) <= width else flat[:width] + "..."


def _limit(phase: Json, key: str) -> Json | None:
    """The level that limited a ramp (its first failure, else where the time ran out): value, how, why."""
    first = phase.get("first_failure")
    if first is not None:
        level: Json = next((lv for lv in phase.get("levels", []) if lv.get(key) == first), {})
        return {key: first, "by": "error" if level.get("error") or level.get("start_failed") else "failures",
                "reason": failure_reason(level)}
    stopped = phase.get("stopped")
    return stopped if isinstance(stopped, dict) else None


def _limit_text(limit: Json | None, key: str, unit: str = "") -> str:
    if not limit:
        return ""
    value = _fmt(limit.get(key), unit, 0) if isinstance(limit.get(key), float) else f"{limit.get(key)}{unit}"
    if limit.get("by") == "time limit":
        return f"; {value} not tried: out of time (--time-limit)"
    return f"; {value} failed: {_cell(str(limit.get('reason')), 240)}"


def _busy_worker_calls(level: Json) -> float | None:
    """Calls a busy worker held on average (runs before the bench counted them: calls / busy workers)."""
    mean = _get(level, "per_worker", "busy_calls_mean")
    busy = _get(level, "per_worker", "busy_workers")
    if isinstance(mean, int | float):
        return float(mean)
    calls = level.get("calls")
    if isinstance(busy, int) and busy > 0 and isinstance(calls, int):
        return round(calls / busy, 2)
    return None


def summarize(result: Json) -> Json:
    """The headline figures of a run.

    The maximum is the brief's: the most calls held with < 0.5 % failed calls.
    Per-call and per-worker costs are quoted at a "reference" level: the largest
    passing one during which the machine still had CPU to spare, since on a
    saturated machine the PBX cannot use more CPU however many calls it holds.
    """
    phases = result.get("phases", {})
    hold = phases.get("hold") or {}
    levels = [lv for lv in hold.get("levels", []) if not lv.get("start_failed")]
    passed = sorted((lv for lv in levels if lv.get("pass")), key=lambda lv: int(lv["calls"]))
    best = passed[-1] if passed else None
    clean = [lv for lv in passed if _clean_media(lv)]
    unsaturated = [lv for lv in passed
                   if (_get(lv, "cpu_percent", "machine") or 0) < SATURATED_MACHINE_PERCENT]
    reference = unsaturated[-1] if unsaturated else best
    rate = phases.get("rate") or {}
    sustained = rate.get("sustained_cps")
    at_rate = next((lv for lv in rate.get("levels", []) if lv.get("target_cps") == sustained), None)
    pbx_pdd, floor_pdd = phases.get("pdd_pbx") or {}, phases.get("pdd_floor") or {}
    loaded_pdd = phases.get("pdd_pbx_api_load") or {}
    api = loaded_pdd.get("api") or {}

    def added(key: str) -> float | None:
        a, b = pbx_pdd.get(key), floor_pdd.get(key)
        return round(a - b, 2) if isinstance(a, int | float) and isinstance(b, int | float) else None

    def moved(key: str) -> float | None:
        a, b = loaded_pdd.get(key), pbx_pdd.get(key)
        return round(a - b, 2) if isinstance(a, int | float) and isinstance(b, int | float) else None

    return {
        "max_held_calls": hold.get("max_held_calls"),
        "max_held_limited_by": hold.get("limited_by"),
        "first_failure": hold.get("first_failure"),
        # The level that limited the ramp, how (failures, error, time limit) and why.
        "hold_limit": _limit(hold, "calls"),
        "max_held_with_clean_media": clean[-1]["calls"] if clean else None,
        "legs_per_worker": next((r.get("legs_per_worker") for r in result.get("pbx_runs", [])
                                 if r.get("legs_per_worker")), None),
        "at_max": _level_figures(best),
        "reference": _level_figures(reference),
        "sustained_cps": sustained,
        "sustained_cps_limited_by": rate.get("limited_by"),
        "sustained_cps_first_failure": rate.get("first_failure"),
        "rate_limit": _limit(rate, "target_cps"),
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
            "api_load_p50": loaded_pdd.get("p50_ms"), "api_load_p99": loaded_pdd.get("p99_ms"),
            "api_load_moved_p50": moved("p50_ms"), "api_load_moved_p99": moved("p99_ms"),
        },
        "api_load": None if not api else {
            "target_per_s": api.get("target_rate_per_s"), "served": api.get("served"),
            "served_per_s": api.get("served_per_s"), "errors": api.get("errors"),
            "latency_p50_ms": _get(api, "latency_ms", "p50_ms"), "latency_p99_ms": _get(api, "latency_ms", "p99_ms"),
            "api_process_cpu_percent": api.get("api_process_cpu_percent"),
        },
        "anomalies": len(result.get("anomalies", [])),
    }


def _headline(result: Json) -> list[str]:
    s = result.get("summary") or summarize(result)
    host = _get(result, "meta", "host") or {}
    at = s.get("at_max") or {}
    ref = s.get("reference") or {}
    pdd = s.get("pdd_ms") or {}
    rate = s.get("at_sustained_cps") or {}
    limited = s.get("max_held_limited_by")
    api = s.get("api_load") or {}
    # Workers hold up to legs/2 calls each and the edge spreads calls over them: quote what they held.
    per_worker_calls = f"{_fmt(ref.get('busy_worker_calls'))} bridged calls each (mean of the busy workers)"
    lines = [
        "| Figure | Value |",
        "|---|---|",
        f"| Max concurrent bridged calls held, < 0.5 % failed (PBX sized for that many) "
        f"| **{_fmt(s.get('max_held_calls'))}**"
        + (" (no failure up to --max-calls)" if limited == "--max-calls" else "")
        + _limit_text(s.get("hold_limit"), "calls") + " |",
        f"| ... of which with clean audio (RTP loss < {CLEAN_MEDIA_LOSS_PERCENT:g} % both ways at the workers) "
        f"| {_fmt(s.get('max_held_with_clean_media'))} |",
        f"| At {_fmt(at.get('calls'))} calls ({_fmt(at.get('workers'))} workers of {_fmt(s.get('legs_per_worker'))}"
        " legs) | PBX (brain + edge + workers) "
        f"{_fmt(at.get('pbx_cpu_percent'), ' %')} of one core, machine {_fmt(at.get('machine_cpu_percent'), ' %')}"
        f" of 200 (SIPp {_fmt(at.get('sipp_cpu_percent'), ' %')}); PSS {_fmt(at.get('pbx_pss_mib'), ' MiB')};"
        f" RTP loss {_fmt(at.get('rtp_loss_from_callers_percent'), ' %', 2)} from callers,"
        f" {_fmt(at.get('rtp_loss_from_callee_echo_percent'), ' %', 2)} from callees;"
        f" PDD p50 {_fmt(at.get('pdd_p50_ms'), ' ms', 0)} |",
        f"| Costs measured at {_fmt(ref.get('calls'))} calls (largest level with CPU to spare) | PBX"
        f" {_fmt(ref.get('pbx_cpu_percent'), ' %')} of one core (idle {_fmt(ref.get('idle_pbx_cpu_percent'), ' %')}),"
        f" PSS {_fmt(ref.get('pbx_pss_mib'), ' MiB')} (idle {_fmt(ref.get('idle_pbx_pss_mib'), ' MiB')}) |",
        f"| CPU per bridged call | {_fmt(ref.get('cpu_percent_per_call'), ' %', 2)} of one core (whole PBX / calls);"
        f" {_fmt(ref.get('cpu_percent_per_call_over_idle'), ' %', 2)} above idle |",
        f"| CPU per worker | {_fmt(ref.get('busy_worker_cpu_percent'), ' %', 2)} with {per_worker_calls},"
        f" {_fmt(ref.get('idle_worker_cpu_percent'), ' %', 2)} idle |",
        f"| PSS per bridged call | {_fmt(ref.get('pss_mib_per_call'), ' MiB', 2)} (whole PBX / calls);"
        f" {_fmt(ref.get('pss_mib_per_call_over_idle'), ' MiB', 2)} above idle |",
        f"| PSS per worker | {_fmt(ref.get('busy_worker_pss_mib'), ' MiB', 2)} with {per_worker_calls},"
        f" {_fmt(ref.get('idle_worker_pss_mib'), ' MiB', 2)} idle; brain {_fmt(ref.get('brain_pss_mib'), ' MiB')},"
        f" edge (all Kamailio processes) {_fmt(ref.get('edge_pss_mib'), ' MiB')} |",
        "| Sustained call rate (short calls with RTP), < 0.5 % failed |"
        f" **{_fmt(s.get('sustained_cps'), ' calls/s', 0)}**"
        + (" (no failure up to the highest rate tried)" if s.get("rate_limit") is None and s.get("sustained_cps")
           else _limit_text(s.get("rate_limit"), "target_cps", " calls/s"))
        + f", PBX CPU {_fmt(rate.get('pbx_cpu_percent'), ' %')}, PDD p50 {_fmt(rate.get('pdd_p50_ms'), ' ms', 0)}"
        f" p99 {_fmt(rate.get('pdd_p99_ms'), ' ms', 0)} |",
        f"| Post-dial delay INVITE -> 180, PBX | p50 **{_fmt(pdd.get('pbx_p50'), ' ms', 2)}**,"
        f" p99 **{_fmt(pdd.get('pbx_p99'), ' ms', 2)}** |",
        f"| Post-dial delay, bare Kamailio (floor) | p50 {_fmt(pdd.get('floor_p50'), ' ms', 2)},"
        f" p99 {_fmt(pdd.get('floor_p99'), ' ms', 2)} |",
        f"| Added by workers + brain | p50 {_fmt(pdd.get('added_p50'), ' ms', 2)},"
        f" p99 {_fmt(pdd.get('added_p99'), ' ms', 2)} |",
    ]
    if s.get("api_load") or pdd.get("api_load_p50") is not None:
        lines += [
            f"| Post-dial delay with the HTTP API hammered | p50 **{_fmt(pdd.get('api_load_p50'), ' ms', 2)}**,"
            f" p99 **{_fmt(pdd.get('api_load_p99'), ' ms', 2)}** ({_signed(pdd.get('api_load_moved_p50'))} /"
            f" {_signed(pdd.get('api_load_moved_p99'))} ms against the run without it) |",
            f"| HTTP API during that run | {_fmt(api.get('served'))} requests served,"
            f" {_fmt(api.get('served_per_s'))}/s (target {_fmt(api.get('target_per_s'), '', 0)}/s),"
            f" {_fmt(api.get('errors'))} errors; latency p50 {_fmt(api.get('latency_p50_ms'), ' ms')},"
            f" p99 {_fmt(api.get('latency_p99_ms'), ' ms')};"
            f" API process {_fmt(api.get('api_process_cpu_percent'), ' %')} of one core |",
        ]
    machine = (f"{host.get('cores', '?')} cores ({host.get('cpu', '?')}), {host.get('memory_mib', '?')} MiB, "
               f"kernel {host.get('kernel', '?')}")
    versions = _get(result, "meta", "versions") or {}
    return [f"Machine: {machine}; pjsua2 {versions.get('pjsua2')}, {versions.get('kamailio')}, "
            f"{versions.get('sipp')}; minipbx {versions.get('minipbx_commit')}.", "", *lines]


def _signed(value: Any) -> str:
    return f"{value:+.2f}" if isinstance(value, int | float) else "-"


def markdown(result: Json) -> str:
    started = _get(result, "meta", "started_at") or "?"
    out = [f"# minipbx call benchmark, {started}", "", *_headline(result), ""]
    phases = result.get("phases", {})
    hold = phases.get("hold") or {}
    if hold.get("levels"):
        out += ["## Concurrency ramp", "",
                "Each level runs a PBX sized for exactly that many calls (the workers that board needs, at least",
                "two; the edge spreads the calls over them). CPU in % of one core over the measurement window",
                "with all calls up; PSS from smaps_rollup; 'other procs' is what the rest of the machine used",
                "meanwhile. A level that failed is the limit; the ramp stops there (then bisects, as time allows).",
                "",
                "| Calls | Workers | Held (min) | Failed | PBX CPU idle | PBX CPU | brain | edge | workers | SIPp "
                "| machine | other procs | PBX PSS MiB | CPU/call | PSS/call MiB | PDD p50/p99 ms "
                "| RTP+SIP datagrams/s per call | RTP loss % from callers / callees | jitter avg/max ms | Result |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for lv in hold["levels"]:
            cpu = lv.get("cpu_percent", {})
            if lv.get("start_failed") or lv.get("error"):
                out.append(f"| {lv.get('calls')} | FAIL: {_cell(failure_reason(lv))} |")
                continue
            out.append(
                f"| {lv.get('calls')} | {_fmt(_get(lv, 'per_worker', 'workers'))} | {lv.get('held_min')} "
                f"| {_get(lv, 'sipp', 'failed')}/{_get(lv, 'sipp', 'created')} "
                f"| {_fmt(_get(lv, 'idle', 'cpu_percent', 'pbx'))} "
                f"| {_fmt(cpu.get('pbx'))} | {_fmt(cpu.get('brain'))} | {_fmt(cpu.get('edge'))} "
                f"| {_fmt(cpu.get('workers'))} | {_fmt(cpu.get('sipp'))} | {_fmt(cpu.get('machine'))} "
                f"| {_fmt(cpu.get('other_processes'))} | {_fmt(_get(lv, 'pss_mib', 'pbx'))} "
                f"| {_fmt(_get(lv, 'per_call', 'pbx_cpu_percent'), '', 2)} "
                f"| {_fmt(_get(lv, 'per_call', 'pbx_pss_mib'), '', 2)} "
                f"| {_fmt(_get(lv, 'pdd_ms', 'p50_ms'), '', 0)}/{_fmt(_get(lv, 'pdd_ms', 'p99_ms'), '', 0)} "
                f"| {_fmt(_get(lv, 'udp', 'per_call_per_s'))} "
                f"| {_fmt(_loss(lv, 'from_callers'), '', 2)} / {_fmt(_loss(lv, 'from_callee_echo'), '', 2)} "
                f"| {_fmt(_get(lv, 'media', 'jitter_avg_ms'))}/{_fmt(_get(lv, 'media', 'jitter_max_ms'))} "
                f"| {'pass' if lv.get('pass') else 'FAIL'} |")
        out.append("")
    rate = phases.get("rate") or {}
    if rate.get("levels"):
        out += ["## Call rate (short calls with RTP)", "",
                "| Target calls/s | Achieved | Calls | Failed | Peak calls up | PBX CPU | machine "
                "| PDD p50 / p99 ms (SIPp rtd, 1 ms resolution) | RTP loss % | Result |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for lv in rate["levels"]:
            if lv.get("error"):
                out.append(f"| {_fmt(lv.get('target_cps'), '', 0)} | FAIL: {_cell(failure_reason(lv))} |")
                continue
            out.append(
                f"| {_fmt(lv.get('target_cps'), '', 0)} | {_fmt(lv.get('achieved_cps'))} | {lv.get('calls')} "
                f"| {_get(lv, 'sipp', 'failed')}/{_get(lv, 'sipp', 'created')} | {lv.get('peak_active_calls')} "
                f"| {_fmt(_get(lv, 'cpu_percent', 'pbx'))} | {_fmt(_get(lv, 'cpu_percent', 'machine'))} "
                f"| {_fmt(_get(lv, 'pdd_ms', 'p50_ms'))} / {_fmt(_get(lv, 'pdd_ms', 'p99_ms'))} "
                f"| {_fmt(_get(lv, 'media', 'loss_percent'), '', 3)} "
                f"| {'pass' if lv.get('pass') else 'FAIL'} |")
        out.append("")
    if phases.get("pdd_pbx") or phases.get("pdd_floor") or phases.get("pdd_pbx_api_load"):
        out += ["## Post-dial delay (first INVITE sent -> 180 received, SIPp -trace_msg timestamps)", "",
                "| Path | Calls | Failed | p50 ms | p99 ms | mean ms | max ms |", "|---|---|---|---|---|---|---|"]
        for name, key in (("PBX (edge -> worker -> brain -> worker -> edge -> callee)", "pdd_pbx"),
                          ("PBX, the HTTP API hammered meanwhile", "pdd_pbx_api_load"),
                          ("bare Kamailio (auth, lookup, relay)", "pdd_floor")):
            p = phases.get(key)
            if p:
                out.append(f"| {name} | {p.get('calls')} | {_get(p, 'sipp', 'failed')} "
                           f"| {_fmt(p.get('p50_ms'), '', 2)} "
                           f"| {_fmt(p.get('p99_ms'), '', 2)} | {_fmt(p.get('mean_ms'), '', 2)} "
                           f"| {_fmt(p.get('max_ms'), '', 2)} |")
        out.append("")
        api = _get(phases, "pdd_pbx_api_load", "api")
        if api:
            by_path = ", ".join(f"{k} {v}" for k, v in (api.get("served_by_path") or {}).items())
            errors = "; ".join(f"{k} x {v}" for k, v in (api.get("error_kinds") or {}).items())
            out += [f"HTTP API load during the second run: {api.get('threads')} connections, "
                    f"{_fmt(api.get('target_rate_per_s'), '', 0)} requests/s for at most {api.get('max_requests')} "
                    f"requests; {api.get('served')} served in {api.get('seconds')} s ({api.get('served_per_s')}/s: "
                    f"{by_path or 'none'}), {api.get('errors')} errors{': ' + errors if errors else ''}; "
                    f"latency p50 {_fmt(_get(api, 'latency_ms', 'p50_ms'))} ms, "
                    f"p99 {_fmt(_get(api, 'latency_ms', 'p99_ms'))} ms.", ""]
    anomalies = result.get("anomalies") or []
    out += ["## Anomalies", ""]
    out += [f"- {a}" for a in anomalies] or ["- none"]
    for run in result.get("pbx_runs", []):
        trouble = run.get("log_trouble") or []
        if trouble:
            out += ["", f"PBX log lines reporting trouble, PBX for {run.get('purpose')} (first ones):", "",
                    "```", *trouble[:12], "```"]
    out += ["", f"Run took {result.get('duration_s')} s. Options: "
            f"`{json.dumps(_get(result, 'meta', 'options'), sort_keys=True)}`", ""]
    return "\n".join(out)


def save(result: Json, text: str, directory: Path, latest: bool = True) -> list[Path]:
    """Write the run as dated JSON and Markdown files, and (for a complete run) as latest.json."""
    directory.mkdir(parents=True, exist_ok=True)
    started = _get(result, "meta", "started_at") or datetime.now().isoformat(timespec="seconds")
    stamp = re.sub(r"[^0-9T]", "", str(started).split("+")[0])[:15]  # 20261122T023000
    stem = f"calls-{stamp[:8]}-{stamp[9:15]}" if "T" in stamp else f"calls-{stamp}"
    body = json.dumps(result, indent=2, sort_keys=False, default=str) + "\n"
    paths = [directory / f"{stem}.json", directory / f"{stem}.md"]
    paths[0].write_text(body)
    paths[1].write_text(text)
    if latest:
        paths.append(directory / "latest.json")
        paths[2].write_text(body)
    return paths


def readme_section(result: Json) -> str:
    started = str(_get(result, "meta", "started_at") or "?")
    anomalies = result.get("anomalies") or []
    other = [lv.get("cpu_percent", {}).get("other_processes") for lv in _get(result, "phases", "hold", "levels") or []
             if isinstance(lv.get("cpu_percent"), dict)]
    other = [v for v in other if isinstance(v, int | float)]
    legs = (result.get("summary") or summarize(result)).get("legs_per_worker")
    pjsua2 = _get(result, "meta", "versions", "pjsua2") or "?"
    return "\n".join([
        SUBSECTION,
        "",
        "Measured with `make bench` (`python -m bench.calls`, about 5 minutes) on "
        f"{started[:16].replace('T', ' ')} UTC.",
        "SIPp on loopback: a caller streaming A-law RTP, a callee answering every extension and echoing RTP;",
        "every call is answered by a call worker, which dials the callee through the edge and bridges the",
        f"audio (pjsua2 {pjsua2}: {_fmt(legs)} legs = {legs // 2 if isinstance(legs, int) else '-'} bridged calls"
        " per worker).",
        "Each concurrency level runs a PBX sized for exactly that many calls (`[capacity] calls`: the",
        "workers that board needs, at least two; the edge spreads the calls over them). A level that",
        "fails is the limit and the ramp stops there; the levels below it are reported. The post-dial delay",
        "is measured twice on one PBX: quiet, then while a bounded load hammers its HTTP API (its own",
        "process). CPU is in % of one core (/proc/PID/stat), memory is PSS",
        "(/proc/PID/smaps_rollup) summed over the brain, every Kamailio process and every worker. SIPp runs",
        "on the same two cores"
        + (f", and other work on this shared machine used {min(other):.0f}-{max(other):.0f} % of a core"
           if other else "") + ":",
        "capacity and delay figures are pessimistic.",
        "",
        *_headline(result),
        "",
        f"Anomalies in this run: {len(anomalies)}. Per-level tables, anomalies and PBX log excerpts:",
        "`bench/results/latest.json` and the dated `bench/results/calls-*.md`.",
        "",
    ])


def replace_section(readme: Path, subsection: str) -> None:
    """Put this bench's subsection into the README's `## Performance` section.

    Replaces the subsection (from its `### ` heading to the next `### ` or `## `
    heading) if it is there, else appends it to the section; other subsections
    (other benchmarks) are left alone. A README without the section gets one at the end.
    """
    text = readme.read_text()
    block = subsection.rstrip("\n") + "\n\n"
    section = re.search(r"(?ms)^## Performance[ \t]*\n.*?(?=^## |\Z)", text)
    if section is None:
        text = text.rstrip("\n") + "\n\n## Performance\n\n" + block
    else:
        body = section.group(0)
        mine = re.search(rf"(?ms)^{re.escape(SUBSECTION)}[ \t]*\n.*?(?=^### |^## |\Z)", body)
        if mine is not None:
            body = body[:mine.start()] + block + body[mine.end():]
        else:
            body = body.rstrip("\n") + "\n\n" + block
        text = text[:section.start()] + body + text[section.end():]
    readme.write_text(text.rstrip("\n") + "\n")


def standalone_section(subsection: str) -> str:
    """The subsection under its `## Performance` heading, for a repository without a README."""
    return "## Performance\n\n" + subsection.rstrip("\n") + "\n"
