"""Call capacity benchmark of minipbx: `python -m bench.calls` (or `make bench`).

Against PBXs it starts itself (`minipbx run` on a temporary data directory, free
loopback ports, a copy of boards/sim.toml with `[capacity] calls` set), with a
SIPp caller streaming A-law RTP and a SIPp callee that answers every extension
and echoes RTP, so every call is anchored and bridged by a call worker:

1. hold: a concurrency ramp (8, 32, 128, 256 bridged calls, then bisection between
   the last pass and the first failure, as time allows). Each level runs a PBX sized for exactly
   that many calls, measured idle and then with all calls up: CPU from
   /proc/PID/stat and PSS from /proc/PID/smaps_rollup of the brain, every edge
   (Kamailio) process and every worker. The maximum is the largest level held
   with < 0.5 % failed calls;
2. post-dial delay (caller's first INVITE -> caller sees 180) p50/p99 through the
   PBX, then again while a bounded load (--api-rate requests/s) hammers the PBX's
   HTTP API, which runs in its own process so that it cannot delay calls;
3. rate: short calls at rising call rates, to find the sustained calls/s;
4. the post-dial delay through a bare Kamailio that looks the callee up in
   `location` and relays directly (the floor).

Whatever stops a level of a ramp (its calls failed, its PBX did not start or stopped
answering, SIPp failed, no time left) makes it the limit: it is reported with its
reason and the levels below it, and the later phases still run.

Every load is bounded in calls and time, runs on 127.0.0.1 only and stops by
itself; the bench ends only the processes it started, by PID. Results go to
bench/results/ (JSON + Markdown per run, named by date, plus latest.json).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench import report
from bench.apiload import API_PATHS, ApiLoad
from bench.floor import FloorError, FloorProxy
from bench.pbx import Pbx, PbxError, free_port, make_api_key, make_extensions, rtp_base_for
from bench.procstat import Snapshot, descendants, machine_busy_percent, snapshot, usage
from bench.ramp import OutOfTime, run_ramp
from bench.register import Account, RegisterError, register_all
from bench.sipprun import Sipp, SippError, SippResult, percentile, post_dial_delays, sipp_version, write_injection
from firmware.brain.supervisor import RTP_PORTS_PER_WORKER, workers_needed

HOST = "127.0.0.1"
# Inside the default numbering plan (extension_ranges 100-899).
CALLER = "200"
CALLEE_BASE = 201  # up to 699: extensions are 100-899 and 700-720 is the call park
MAX_CALLEES = 499
# Callee extensions answered (and RTP echoed) by one SIPp UAS.
CALLEES_PER_UAS = 64
# One password for every bench extension: strong enough for the store's rules.
PASSWORD = "BenchPass-xq7Kz"
FAILURE_LIMIT = 0.005
# A post-dial delay that moves more than this under API load is noted: the margins the PBX may add
# over bare Kamailio (p50 and p99), so a move is as large as the whole budget.
PDD_MOVE_P50_MS = 5.0
PDD_MOVE_P99_MS = 15.0
RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parents[1] / "README.md"

Json = dict[str, Any]


class BenchError(RuntimeError):
    pass


# What fails a level or a phase without stopping the bench: the PBX did not start or stopped
# answering, SIPp failed, a process or port went away. Anything else is a bug of the bench.
LEVEL_ERRORS: tuple[type[BaseException], ...] = (PbxError, BenchError, SippError, FloorError, OSError)
# What ends a phase, noted, before the next phase runs: those, or no time left for it.
PHASE_ERRORS: tuple[type[BaseException], ...] = (OutOfTime, *LEVEL_ERRORS)

def udp_counters() -> dict[str, int]:
    lines = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines() if line.startswith("Udp:")]
    return {k: int(v) for k, v in zip(lines[0][1:], lines[1][1:], strict=False)}


def stats(values: list[float]) -> Json:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 2)

    return {"calls": len(values), "p50_ms": r(percentile(values, 50)), "p99_ms": r(percentile(values, 99)),
            "mean_ms": r(sum(values) / len(values)) if values else None, "max_ms": r(max(values, default=None))}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.t0 = time.monotonic()
        self.tmp = Path(tempfile.mkdtemp(prefix="minipbx-bench-"))
        self.sipps: list[Sipp] = []
        self.pbx: Pbx | None = None
        self.floor: FloorProxy | None = None
        self.uas: list[Sipp] = []
        self.anomalies: list[str] = []
        self.result: Json = {}
        self.capacity = int(args.max_calls)
        peak_cps = max(args.cps_rates) if args.cps_rates else 0
        # Callee extensions: one per concurrent call, and enough that a short call's
        # callee is free again (hung up and recorded) before the sequence comes back.
        self.pool = max(self.capacity, int(args.cps_calls), math.ceil(peak_cps * (args.cps_hold + 3)), 10)
        if self.pool > MAX_CALLEES:
            raise BenchError(f"{self.pool} callee extensions needed (--max-calls, --cps-rates x --cps-hold); "
                             f"at most {MAX_CALLEES} fit the default numbering plan")
        self.callees = [str(CALLEE_BASE + i) for i in range(self.pool)]
        self.uas_count = math.ceil(self.pool / CALLEES_PER_UAS)
        self.ports: dict[str, int] = {}
        self._worker_pids: dict[str, object] = {}
        self.pbx_runs: list[Json] = []
        self.realm = ""
        self.api_token = ""

    # ---- time and bookkeeping ---------------------------------------------------------
    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def require_time(self, seconds: float, what: str, keep_for_later: float = 0.0) -> None:
        """Raise OutOfTime unless `seconds` fit in --time-limit, leaving `keep_for_later` for later phases."""
        left = self.args.time_limit - self.elapsed() - keep_for_later
        if seconds > left:
            raise OutOfTime(f"{what}: needs ~{seconds:.0f} s, {max(0.0, left):.0f} s left of --time-limit "
                            f"{self.args.time_limit:.0f}" + (f" (keeping {keep_for_later:.0f} s for the phases after)"
                                                             if keep_for_later else ""))

    def later_phases_s(self, after: str) -> float:
        """Rough seconds the phases after `after` need, so a long step cannot starve them.

        The order: "hold", the quiet post-dial delay ("pdd"), the one with the API under load
        ("api"), the call rates ("rate"), the floor. The rate ramp stops by itself when time runs
        short, so the delay runs before it keep only the floor's and the API run's share.
        """
        pdd = float(self.args.pdd_calls) / float(self.args.pdd_rate)
        need = 0.0 if self.args.no_floor else pdd + 12
        if after in ("hold", "pdd") and not self.args.no_api_load:
            need += pdd + 8
        if after == "hold":
            need += self.start_estimate(int(self.args.cps_calls)) + pdd + 4
            if not self.args.skip_rate:
                need += len(self.args.cps_rates) * (float(self.args.cps_seconds) + float(self.args.cps_hold) + 3)
        return need

    def log(self, text: str) -> None:
        print(f"[{self.elapsed():6.1f}s] {text}", flush=True)

    def note(self, text: str) -> None:
        self.anomalies.append(text)
        self.log(f"NOTE: {text}")

    # ---- setup ------------------------------------------------------------------------
    def allocate_ports(self) -> None:
        taken: set[int] = set()
        wanted = [("pbx_sip", 1), ("pbx_http", 1), ("floor_sip", 1), ("uac_sip", 1), ("uac_media", 4)]
        for group in range(self.uas_count):
            wanted += [(f"uas{group}_sip", 1), (f"uas{group}_media", 4)]
        for name, span in wanted:
            port = free_port(HOST, span, taken)
            taken.update(range(port, port + span))
            self.ports[name] = port
        # As many workers as the PBX will start for the largest board (supervisor.workers_needed),
        # each holding the legs its RTP range has room for.
        workers = workers_needed(max(self.capacity, int(self.args.cps_calls)), RTP_PORTS_PER_WORKER // 2)
        self.ports["rtp_base"] = rtp_base_for(workers, RTP_PORTS_PER_WORKER, taken)

    def start_uas(self) -> None:
        """The callees: SIPp UASes, each answering CALLEES_PER_UAS extensions and echoing their RTP.

        One SIPp echoes RTP on one socket in one thread; several keep the echo
        from being the bottleneck (and from losing packets) at high call counts.
        """
        for group in range(self.uas_count):
            sipp = Sipp(f"uas{group}", self.tmp / "sipp" / f"uas{group}", "uas.xml", [
                "-i", HOST, "-p", str(self.ports[f"uas{group}_sip"]), "-mi", HOST,
                "-mp", str(self.ports[f"uas{group}_media"]),
                "-rtp_echo", "-timeout", f"{int(self.args.time_limit + 120)}s",
            ], limit_s=self.args.time_limit + 180)
            self.uas.append(sipp.start())
            self.sipps.append(sipp)
        time.sleep(0.5)
        for sipp in self.uas:
            if not sipp.running():
                raise BenchError(f"a SIPp callee (UAS) exited at start; see {sipp.workdir / 'sipp.out'}")

    def make_store(self) -> None:
        names = [(CALLER, "Bench caller")] + [(c, f"Bench callee {c}") for c in self.callees]
        self.realm = make_extensions(self.tmp / "pbx", names, PASSWORD)
        if not self.args.no_api_load:
            try:
                self.api_token = make_api_key(self.tmp / "pbx", "bench-load")
            except PbxError as exc:
                self.note(f"the HTTP API load will not run: {exc}")

    @staticmethod
    def start_estimate(board: int) -> float:
        """Seconds to start and stop a PBX for `board` calls (workers start in parallel)."""
        return 6 + 0.5 * workers_needed(board, RTP_PORTS_PER_WORKER // 2)

    def start_pbx(self, board: int, purpose: str) -> Pbx:
        """A PBX sized for `board` calls on the bench's store, callees registered."""
        pbx = Pbx(self.tmp / "pbx", board, self.ports["pbx_sip"], self.ports["rtp_base"], self.ports["pbx_http"])
        self.pbx = pbx
        run: Json = {"purpose": purpose, "board_calls": board}
        self.pbx_runs.append(run)
        started = time.monotonic()
        try:
            pbx.start()
        except PbxError as exc:
            # Reported, then tried once more: one failed start should not void the whole run.
            self.note(f"PBX for {board} calls ({purpose}) failed to start: {str(exc)[-700:]}")
            run["failed_start"] = str(exc)[:1500]
            pbx.stop()
            time.sleep(2)
            started = time.monotonic()
            pbx.start()
        workers = pbx.workers()
        run.update({"workers": len(workers), "legs_per_worker": workers[0].get("capacity_legs") if workers else None,
                    "start_seconds": round(time.monotonic() - started, 1)})
        self.log(f"PBX for {board} calls ready in {run['start_seconds']} s: {len(workers)} workers")
        self._worker_pids = {str(w.get("number")): w.get("pid") for w in workers}
        self.register(pbx.sip_port, "PBX")
        # The edge may write registrations to the store on a timer (usrloc write-back): give it a moment.
        deadline = time.monotonic() + 12
        while True:
            regs = pbx.status().get("registrations", [])
            count = len(regs) if isinstance(regs, list) else 0
            if count >= len(self.callees):
                return pbx
            if time.monotonic() > deadline:
                raise BenchError(f"PBX shows {count} registrations 12 s after {len(self.callees)} callees "
                                 "registered with 200 OK")
            time.sleep(0.5)

    def stop_pbx(self) -> None:
        pbx, self.pbx = self.pbx, None
        if pbx is None:
            return
        code = pbx.stop()
        run = self.pbx_runs[-1]
        run["exit_code"] = code
        run["log_trouble"] = pbx.trouble(limit=20)
        if code not in (0, None):
            self.note(f"minipbx ({run['purpose']}) exited with code {code} on SIGTERM")

    def register(self, port: int, where: str) -> None:
        started = time.monotonic()
        try:
            for group in range(self.uas_count):
                callees = self.callees[group * CALLEES_PER_UAS:(group + 1) * CALLEES_PER_UAS]
                register_all(HOST, port, [Account(c, PASSWORD) for c in callees], HOST,
                             self.ports[f"uas{group}_sip"])
        except RegisterError as exc:
            raise BenchError(f"registering the callees at the {where} failed: {exc}") from None
        self.log(f"{len(self.callees)} callees registered at the {where} in {time.monotonic() - started:.1f} s")

    # ---- measuring --------------------------------------------------------------------
    def roles(self, uac: Sipp | None = None) -> dict[str, list[int]]:
        roles = self.pbx.roles() if self.pbx is not None and self.pbx.process is not None \
            and self.pbx.process.poll() is None else {}
        if self.floor is not None and self.floor.pid is not None:
            roles["floor"] = descendants(self.floor.pid)
        if uac is not None and uac.pid is not None:
            roles["sipp-uac"] = [uac.pid]
        uas = [sipp.pid for sipp in self.uas if sipp.pid is not None]
        if uas:
            roles["sipp-uas"] = uas
        return roles

    def measure(self, before: Snapshot, after: Snapshot, calls: int, idle: Json | None,
                worker_calls: dict[str, int] | None = None) -> Json:
        use = usage(before, after)
        workers = {role: u for role, u in use.items() if role.startswith("worker")}
        pbx_roles = [u for role, u in use.items() if role in ("brain", "edge") or role.startswith("worker")]
        pbx_cpu = sum(u.cpu_percent for u in pbx_roles)
        pbx_pss = sum(u.pss_kb for u in pbx_roles)
        sipp_cpu = sum(u.cpu_percent for role, u in use.items() if role.startswith("sipp"))
        machine = machine_busy_percent(before, after)
        out: Json = {
            "window_s": round(after.at - before.at, 1),
            "cpu_percent": {  # % of one core
                "pbx": round(pbx_cpu, 1),
                "brain": use["brain"].cpu_percent if "brain" in use else None,
                "edge": use["edge"].cpu_percent if "edge" in use else None,
                "workers": round(sum(u.cpu_percent for u in workers.values()), 1),
                "sipp": round(sipp_cpu, 1),
                "machine": machine,
                "other_processes": round(max(0.0, machine - pbx_cpu - sipp_cpu), 1),
            },
            "pss_mib": {
                "pbx": round(pbx_pss / 1024, 1),
                "brain": round(use["brain"].pss_kb / 1024, 1) if "brain" in use else None,
                "edge": round(use["edge"].pss_kb / 1024, 1) if "edge" in use else None,
                "edge_processes": use["edge"].processes if "edge" in use else None,
                "workers": round(sum(u.pss_kb for u in workers.values()) / 1024, 1),
            },
        }
        if workers:
            calls_by_worker = worker_calls or {}
            per: dict[str, Json] = {}
            for role, u in sorted(workers.items(), key=lambda kv: int(kv[0][6:])):
                per[role] = {"cpu_percent": u.cpu_percent, "pss_mib": round(u.pss_kb / 1024, 2),
                             "calls": calls_by_worker.get(role)}
            busy = [v for v in per.values() if (v["calls"] or 0) > 0]
            spare = [v for v in per.values() if not v["calls"]]
            out["per_worker"] = {
                "workers": len(per),
                "busy_workers": len(busy),
                # The edge spreads calls over the workers: a busy worker's figures are for this many.
                "busy_calls_mean": _mean([float(v["calls"] or 0) for v in busy]),
                "busy_cpu_percent": _mean([float(v["cpu_percent"]) for v in busy]),
                "busy_pss_mib": _mean([float(v["pss_mib"]) for v in busy]),
                "idle_cpu_percent": _mean([float(v["cpu_percent"]) for v in spare]),
                "idle_pss_mib": _mean([float(v["pss_mib"]) for v in spare]),
                "max_cpu_percent": max(float(v["cpu_percent"]) for v in per.values()),
                "max_pss_mib": max(float(v["pss_mib"]) for v in per.values()),
            }
        if calls > 0:
            out["per_call"] = {
                "pbx_cpu_percent": round(pbx_cpu / calls, 2),
                "pbx_pss_mib": round(pbx_pss / 1024 / calls, 2),
            }
            if idle is not None:
                out["per_call"]["pbx_cpu_percent_over_idle"] = round(
                    (pbx_cpu - idle["cpu_percent"]["pbx"]) / calls, 2)
                out["per_call"]["pbx_pss_mib_over_idle"] = round(
                    (pbx_pss / 1024 - idle["pss_mib"]["pbx"]) / calls, 3)
        return out

    def media_peers(self) -> dict[int, str]:
        """The far ends of the workers' legs, by RTP port: the caller (SIPp UAC) and the callee's echo (UAS)."""
        peers = {self.ports["uac_media"]: "from_callers"}
        peers.update({self.ports[f"uas{group}_media"]: "from_callee_echo" for group in range(self.uas_count)})
        return peers

    def worker_calls(self) -> dict[str, int]:
        assert self.pbx is not None
        return {f"worker{w['number']}": int(str(w.get("calls", 0))) for w in self.pbx.workers()}

    def watch_pbx(self, what: str) -> None:
        """Note restarted or dead workers, or a dead edge, after a phase."""
        assert self.pbx is not None
        if self.pbx.process is not None and self.pbx.process.poll() is not None:
            raise BenchError(f"minipbx exited (code {self.pbx.process.returncode}) during {what}")
        status = self.pbx.status()
        edge = status.get("edge")
        if not isinstance(edge, dict) or not edge.get("up"):
            self.note(f"after {what}: the edge is down")
        for w in self.pbx.workers():
            # A new PID is the sign of a restart (the brain's restart counter resets after a slow crash).
            if not w.get("up") or w.get("pid") != self._worker_pids.get(str(w.get("number"))):
                self.note(f"after {what}: worker {w.get('number')} up={w.get('up')} pid={w.get('pid')} "
                          f"(was {self._worker_pids.get(str(w.get('number')))}) restarts={w.get('restarts')}")
        self._worker_pids = {str(w.get("number")): w.get("pid") for w in self.pbx.workers()}

    def drain(self, what: str, timeout: float = 8.0) -> int:
        """Wait until the brain holds no call; calls it still holds then are noted, and counted."""
        assert self.pbx is not None
        deadline = time.monotonic() + timeout
        left = self.pbx.active_calls()
        while left and time.monotonic() < deadline:
            time.sleep(0.5)
            left = self.pbx.active_calls()
        if left:
            calls = self.pbx.status().get("active_calls", [])
            self.note(f"after {what}: the brain still holds {left} call(s) {timeout:.0f} s after SIPp ended: "
                      f"{json.dumps(calls)[:600]}")
        return left

    def uac(self, label: str, target_port: int, calls: int, limit: int, rate: float, hold_s: float,
            trace_msg: bool = False) -> Sipp:
        workdir = self.tmp / "sipp" / label
        workdir.mkdir(parents=True, exist_ok=True)
        injection = workdir / "callees.csv"
        write_injection(injection, self.callees)
        setup_s = calls / rate
        sipp = Sipp(label, workdir, "uac.xml", [
            f"{HOST}:{target_port}", "-inf", str(injection), "-key", "caller", CALLER, "-au", CALLER,
            "-ap", PASSWORD, "-i", HOST, "-p", str(self.ports["uac_sip"]), "-mi", HOST,
            "-mp", str(self.ports["uac_media"]), "-m", str(calls), "-l", str(limit), "-r", f"{rate:g}",
            "-d", str(int(hold_s * 1000)), "-recv_timeout", "15000",
            "-timeout", f"{int(setup_s + hold_s + 40)}s",
        ], limit_s=setup_s + hold_s + 60, trace_msg=trace_msg)
        self.sipps.append(sipp)
        return sipp.start()

    @contextlib.contextmanager
    def sipp_guard(self, sipp: Sipp) -> Iterator[Sipp]:
        try:
            yield sipp
        finally:
            sipp.stop()

    # ---- phases -----------------------------------------------------------------------
    def phase_idle(self) -> Json:
        assert self.pbx is not None
        time.sleep(0.5)
        before = snapshot(self.roles())
        time.sleep(self.args.idle_seconds)
        after = snapshot(self.roles())
        idle = self.measure(before, after, 0, None, self.worker_calls())
        self.log(f"idle: PBX {idle['cpu_percent']['pbx']}% CPU, {idle['pss_mib']['pbx']} MiB PSS")
        return idle

    def hold_level(self, calls: int) -> Json:
        """A PBX sized for exactly `calls` (the workers that board needs, at least 2), idle, then loaded."""
        rate = min(float(self.args.ramp_rate), max(2.0, calls / 2))
        setup_s = calls / rate
        window = float(self.args.window)
        # Every call is held until the last one is up and the window has passed.
        hold_s = setup_s + 6 + window
        self.require_time(self.start_estimate(calls) + self.args.idle_seconds + setup_s + hold_s + 8,
                          f"holding {calls} calls", self.later_phases_s("hold"))
        try:
            pbx = self.start_pbx(calls, f"hold {calls}")
        except (PbxError, BenchError) as exc:
            self.stop_pbx()
            self.note(f"holding {calls} calls: the PBX sized for it did not come up: {exc}")
            return {"calls": calls, "pass": False, "start_failed": str(exc)[:1500]}
        try:
            idle = self.phase_idle()
            level = self._hold(pbx, calls, rate, setup_s, hold_s, window, idle)
        finally:
            self.stop_pbx()
        level["idle"] = {k: idle[k] for k in ("cpu_percent", "pss_mib", "per_worker") if k in idle}
        level["pbx_start_s"] = self.pbx_runs[-1].get("start_seconds")
        return level

    def _hold(self, pbx: Pbx, calls: int, rate: float, setup_s: float, hold_s: float, window: float,
              idle: Json) -> Json:
        self.log(f"hold {calls}: setting up at {rate:g} calls/s, each held {hold_s:.0f} s")
        udp0, logs = udp_counters(), pbx.log_positions()
        sipp = self.uac(f"hold-{calls}", pbx.sip_port, calls, calls, rate, hold_s)
        level: Json = {"calls": calls, "setup_rate": rate, "hold_s": round(hold_s, 1)}
        with self.sipp_guard(sipp):
            # Calls not up by then have failed or are failing; the window must end before the hold does.
            deadline = time.monotonic() + setup_s + 5
            answered = 0
            while time.monotonic() < deadline and sipp.running():
                answered = pbx.answered_calls()
                if answered >= calls:
                    break
                time.sleep(0.3)
            level["answered_at_window_start"] = answered
            level["all_up_after_s"] = round(time.monotonic() - sipp.started_at, 1)
            time.sleep(1.0)
            before, udp1 = snapshot(self.roles(sipp)), udp_counters()
            held = [answered]
            end = time.monotonic() + window
            while time.monotonic() < end and sipp.running():
                held.append(pbx.answered_calls())
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            worker_calls = self.worker_calls()
            after, udp2 = snapshot(self.roles(sipp)), udp_counters()
            level["held_min"] = min(held)
            level["held_max"] = max(held)
            level.update(self.measure(before, after, min(held), idle, worker_calls))
            wall = after.at - before.at
            arrivals = sum(udp2[k] - udp1[k] for k in ("InDatagrams", "InErrors", "NoPorts"))
            level["udp"] = {"datagrams_per_s": round(arrivals / wall), "per_call_per_s":
                            round(arrivals / wall / max(1, min(held)), 1),
                            "receive_buffer_errors": udp2.get("RcvbufErrors", 0) - udp0.get("RcvbufErrors", 0)}
            sipp.wait()
        res = sipp.result()
        level["sipp"] = sipp_summary(res)
        level["failure_ratio"] = round(res.failure_ratio, 4)
        level["pdd_ms"] = stats(res.rtd_ms.get("pdd", []))
        # Held: every call up at the same moment (on a saturated box the last ones may come up late).
        level["pass"] = res.failure_ratio < FAILURE_LIMIT and level["held_max"] >= calls and res.created >= calls
        self.drain(f"holding {calls} calls")
        level["pbx_log"] = pbx.trouble(since=logs, limit=15)
        level["media"] = pbx.media_quality(logs, self.media_peers())
        self.watch_pbx(f"holding {calls} calls")
        self.log(f"hold {calls}: held {level['held_min']}..{level['held_max']}, "
                 f"failed {res.failed}/{res.created}, PBX CPU {level['cpu_percent']['pbx']}% "
                 f"(workers {level['cpu_percent']['workers']}%, SIPp {level['cpu_percent']['sipp']}%, "
                 f"machine {level['cpu_percent']['machine']}%), PSS {level['pss_mib']['pbx']} MiB "
                 f"-> {'pass' if level['pass'] else 'FAIL'}")
        if not level["pass"]:
            self.note(f"holding {calls} calls failed: held {level['held_min']} of {calls}, SIPp failed "
                      f"{res.failed}/{res.created} (rc {res.returncode}); SIPp saw: {_kinds(res)}; "
                      f"PBX log: {_short(level['pbx_log'])}")
        return level

    def phase_hold(self, record: Json) -> Json:
        """The concurrency ramp, into `record` as it goes (kept whatever stops it)."""
        plan = ramp_levels(self.args.min_calls, self.capacity, self.args.ramp_factor)
        run_ramp(plan, self.hold_level, key="calls", best_key="max_held_calls", top_label="--max-calls",
                 record=record, errors=LEVEL_ERRORS, note=self.note, bisect=self.args.bisect,
                 midpoint=lambda low, high: (low + high) // 2, what="concurrency ramp")
        if record["limited_by"] == "--max-calls":
            record["note"] = f"no failure up to --max-calls {self.capacity}; the box may hold more"
        return record

    def cps_level(self, pbx: Pbx, rate: float) -> Json:
        hold = float(self.args.cps_hold)
        calls = max(1, int(rate * self.args.cps_seconds))
        seconds = calls / rate
        self.require_time(seconds + hold + 10, f"{rate:g} calls/s", self.later_phases_s("rate"))
        self.log(f"rate {rate:g}/s: {calls} calls of {hold:g} s")
        logs = pbx.log_positions()
        sipp = self.uac(f"rate-{rate:g}", pbx.sip_port, calls, pbx.board_calls, rate, hold)
        level: Json = {"target_cps": rate, "calls": calls, "hold_s": hold}
        with self.sipp_guard(sipp):
            warm = min(3.0, seconds / 3)
            time.sleep(warm)
            before = snapshot(self.roles(sipp))
            peak = 0
            end = sipp.started_at + seconds
            while time.monotonic() < end and sipp.running():
                peak = max(peak, pbx.active_calls())
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            after = snapshot(self.roles(sipp))
            level.update(self.measure(before, after, 0, None))
            level["peak_active_calls"] = peak
            sipp.wait()
        res = sipp.result()
        level["sipp"] = sipp_summary(res)
        level["failure_ratio"] = round(res.failure_ratio, 4)
        achieved = creation_rate(sipp.workdir / "stats.csv", calls)
        level["achieved_cps"] = achieved
        level["pdd_ms"] = stats(res.rtd_ms.get("pdd", []))
        level["pass"] = (res.failure_ratio < FAILURE_LIMIT and res.created >= calls
                         and achieved is not None and achieved >= 0.9 * rate)
        cpu = level["cpu_percent"]["pbx"]
        level["pbx_cpu_percent_per_cps"] = round(cpu / rate, 2)
        level["left_in_brain"] = self.drain(f"{rate:g} calls/s")
        level["pbx_log"] = pbx.trouble(since=logs, limit=15)
        level["media"] = pbx.media_quality(logs, self.media_peers())
        self.watch_pbx(f"{rate:g} calls/s")
        self.log(f"rate {rate:g}/s: achieved {achieved}, failed {res.failed}/{res.created}, PBX CPU {cpu}%, "
                 f"PDD p50 {level['pdd_ms']['p50_ms']} ms -> {'pass' if level['pass'] else 'FAIL'}")
        if not level["pass"]:
            self.note(f"{rate:g} calls/s failed: achieved {achieved}/s, SIPp failed {res.failed}/{res.created} "
                      f"(rc {res.returncode}); SIPp saw: {_kinds(res)}; "
                      f"PBX log: {_short(level['pbx_log'])}")
        return level

    def phase_rate(self, pbx: Pbx, record: Json) -> Json:
        """The call-rate ramp on one PBX, into `record` as it goes (kept whatever stops it)."""
        hold = float(self.args.cps_hold)

        def fits(rate: float) -> bool:
            # Concurrency at this rate must fit the board, or the test measures capacity, not rate.
            if rate * (hold + 0.5) > pbx.board_calls:
                self.note(f"{rate:g} calls/s skipped: ~{rate * (hold + 0.5):.0f} calls at once exceed "
                          f"--cps-calls {pbx.board_calls}")
                return False
            return True

        def midpoint(low: float, high: float) -> float:
            rate = float(round((low + high) / 2))
            return rate if fits(rate) else high

        # Calls left over from a failed rate (or a PBX that stopped answering) would spoil the next one.
        def may_bisect(last: Json) -> bool:
            return not last.get("left_in_brain") and not last.get("error")

        plan = []
        for rate in self.args.cps_rates:
            if not fits(rate):
                break
            plan.append(rate)
        record["board_calls"] = pbx.board_calls
        run_ramp(plan, lambda rate: self.cps_level(pbx, rate), key="target_cps", best_key="sustained_cps",
                 top_label="rates tried (--cps-rates)", record=record, errors=LEVEL_ERRORS, note=self.note,
                 bisect=self.args.bisect, midpoint=midpoint, may_bisect=may_bisect, what="call-rate ramp")
        record["sustained_cps"] = float(record["sustained_cps"])
        return record

    def phase_rate_and_pdd(self, phases: Json) -> None:
        """Call rate and post-dial delay (quiet, then with the HTTP API hammered), on one PBX sized for --cps-calls."""
        board = int(self.args.cps_calls)
        self.require_time(self.start_estimate(board) + self.args.pdd_calls / self.args.pdd_rate + 5,
                          "call rate and post-dial delay",
                          0.0 if self.args.no_floor else self.args.pdd_calls / self.args.pdd_rate + 12)
        try:
            pbx = self.start_pbx(board, "call rate and post-dial delay")
            # The delay first, on a PBX that has taken no load yet; then with the API busy; then the rates.
            try:
                phases["pdd_pbx"] = self.pdd_run("PBX", pbx.sip_port)
                phases["pdd_pbx"]["board_calls"] = board
                self.drain("post-dial-delay calls")
                self.watch_pbx("post-dial-delay calls")
            except PHASE_ERRORS as exc:
                self.note(f"post-dial delay through the PBX not measured: {exc}")
            if not self.args.no_api_load:
                try:
                    phases["pdd_pbx_api_load"] = self.pdd_under_api_load(pbx)
                except PHASE_ERRORS as exc:
                    self.note(f"post-dial delay with the HTTP API under load not measured: {exc}")
            if not self.args.skip_rate:
                phases["rate"] = {}
                self.phase_rate(pbx, phases["rate"])
        finally:
            self.stop_pbx()

    def pdd_under_api_load(self, pbx: Pbx) -> Json:
        """The post-dial delay again, while a bounded load generator hammers the PBX's HTTP API."""
        calls, rate = int(self.args.pdd_calls), float(self.args.pdd_rate)
        seconds = calls / rate + 2
        self.require_time(seconds + 5, "post-dial delay with the HTTP API under load", self.later_phases_s("api"))
        if not self.api_token:
            raise BenchError("no API key for the load (see the note from making the store)")
        paths = tuple(self.args.api_paths)
        load = ApiLoad(f"http://{HOST}:{pbx.http_port}", self.api_token, paths, rate=self.args.api_rate,
                       seconds=seconds, threads=self.args.api_threads)
        self.log(f"HTTP API load: {self.args.api_rate:g} requests/s for at most {seconds:.0f} s "
                 f"({', '.join(paths)}; {self.args.api_threads} connections)")
        http = pbx.status().get("http")
        pid = http.get("pid") if isinstance(http, dict) else None
        roles = {"api": [pid]} if isinstance(pid, int) else {}
        before = snapshot(roles)
        load.start()
        try:
            out = self.pdd_run("PBX with the API under load", pbx.sip_port, label_key="PBX-api-load")
        finally:
            api = load.stop()
        after = snapshot(roles)
        if "api" in roles:
            api_use = usage(before, after).get("api")
            api["api_process_cpu_percent"] = api_use.cpu_percent if api_use else None
        out["api"] = api
        out["board_calls"] = pbx.board_calls
        self.log(f"HTTP API load: {api['served']} served ({api['served_per_s']}/s), {api['errors']} errors, "
                 f"p50 {api['latency_ms']['p50_ms']} ms p99 {api['latency_ms']['p99_ms']} ms")
        self.check_pdd_moved(out)
        if api["errors"]:
            self.note(f"HTTP API under load: {api['errors']} of {api['sent']} requests failed: "
                      f"{'; '.join(f'{k} x {v}' for k, v in list(api['error_kinds'].items())[:4])}")
        self.drain("post-dial-delay calls with the API under load")
        self.watch_pbx("post-dial-delay calls with the API under load")
        return out

    def check_pdd_moved(self, loaded: Json) -> None:
        """Note a post-dial delay that the API load moved by more than the margins the PBX has over the floor."""
        quiet = self.result.get("phases", {}).get("pdd_pbx") or {}
        moved: dict[str, float] = {}
        for q in ("p50", "p99"):
            now, before = loaded.get(f"{q}_ms"), quiet.get(f"{q}_ms")
            if isinstance(now, int | float) and isinstance(before, int | float):
                moved[q] = now - before
        if moved.get("p50", 0.0) > PDD_MOVE_P50_MS or moved.get("p99", 0.0) > PDD_MOVE_P99_MS:
            self.note("the post-dial delay moved with the HTTP API under load: "
                      + ", ".join(f"{q} {v:+.1f} ms" for q, v in moved.items())
                      + " (the API runs in its own process so that it leaves the delay where it was)")

    def pdd_run(self, label: str, port: int, label_key: str | None = None) -> Json:
        calls, rate = int(self.args.pdd_calls), float(self.args.pdd_rate)
        # The API-load run checks its own time (it needs the load's share too).
        if label_key is None:
            self.require_time(calls / rate + 5, f"post-dial delay through the {label}",
                              0.0 if label == "floor" else self.later_phases_s("pdd"))
        self.log(f"post-dial delay through the {label}: {calls} calls at {rate:g}/s")
        sipp = self.uac(f"pdd-{label_key or label}", port, calls, max(2, int(rate * 3)), rate, 1.0, trace_msg=True)
        with self.sipp_guard(sipp):
            sipp.wait()
        res = sipp.result()
        delays = post_dial_delays(sipp.workdir / "messages.log")
        out: Json = {"rate_cps": rate, **stats(delays), "sipp": sipp_summary(res),
                     "failure_ratio": round(res.failure_ratio, 4),
                     "rtt_ms_resolution": stats(res.rtd_ms.get("pdd", []))}
        self.log(f"post-dial delay through the {label}: p50 {out['p50_ms']} ms, p99 {out['p99_ms']} ms "
                 f"({len(delays)} calls, failed {res.failed})")
        if res.failed:
            self.note(f"post-dial-delay calls through the {label}: {res.failed}/{res.created} failed; "
                      f"SIPp saw: {_kinds(res)}")
        return out

    def phase_floor(self) -> Json:
        self.require_time(self.args.pdd_calls / self.args.pdd_rate + 10, "the Kamailio floor")
        data = self.tmp / "floor"
        names = [(CALLER, "Bench caller")] + [(c, f"Bench callee {c}") for c in self.callees]
        realm = make_extensions(data, names, PASSWORD)
        # Its port is taken now, not at the start: other work on the machine may have bound the old one since.
        self.ports["floor_sip"] = free_port(HOST, 1, set(self.ports.values()))
        floor = FloorProxy(data / "run", HOST, self.ports["floor_sip"], data / "minipbx.db", realm)
        self.floor = floor
        floor.start()
        try:
            self.register(floor.port, "floor Kamailio")
            return self.pdd_run("floor", floor.port)
        finally:
            floor.stop()
            self.floor = None

    # ---- the run ------------------------------------------------------------------------
    def wait_for_quiet(self) -> None:
        """Wait (at most --wait-quiet seconds) until the rest of the machine uses < 50 % of one core."""
        limit = float(self.args.wait_quiet)
        started = time.monotonic()
        busy = 0.0
        while True:
            before = snapshot({})
            time.sleep(5)
            busy = machine_busy_percent(before, snapshot({}))
            if busy < 50 or time.monotonic() - started >= limit:
                break
            self.log(f"machine busy {busy:.0f} % of one core; waiting for it to calm down")
        self.result["machine_busy_before_start_percent"] = busy
        self.t0 = time.monotonic()

    def run(self) -> Json:
        if self.args.wait_quiet > 0:
            self.wait_for_quiet()
        self.allocate_ports()
        self.result["meta"] = meta(self.args, self.ports)
        self.result["pbx_runs"] = self.pbx_runs
        self.log(f"work directory {self.tmp}; ports {self.ports}")
        self.start_uas()
        self.make_store()
        phases: Json = {}
        self.result["phases"] = phases
        if not self.args.skip_hold:
            phases["hold"] = {}
            self.phase_hold(phases["hold"])
        try:
            self.phase_rate_and_pdd(phases)
        except PHASE_ERRORS as exc:
            self.note(f"call rate and post-dial delay not measured: {exc}")
        if not self.args.no_floor:
            try:
                phases["pdd_floor"] = self.phase_floor()
            except PHASE_ERRORS as exc:
                self.note(f"floor not measured: {exc}")
        return self.result

    def cleanup(self) -> None:
        for sipp in self.sipps:
            sipp.stop()
        if self.floor is not None:
            self.floor.stop()
        if self.pbx is not None:
            self.stop_pbx()
        if self.uas:
            self.result.setdefault("uas", [sipp_summary(sipp.result()) for sipp in self.uas])
        if self.args.keep:
            self.log(f"kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ---- helpers ------------------------------------------------------------------------------
def _short(lines: list[str], count: int = 2, width: int = 320) -> str:
    """The first lines of a log excerpt, each cut to `width` characters, for a one-line note."""
    return " || ".join(line if len(line) <= width else line[:width] + "..." for line in lines[:count]) or "-"


def _kinds(res: SippResult, count: int = 6) -> str:
    """The commonest kinds of SIPp errors, e.g. "expected 180, got SIP/2.0 200 OK x 55"."""
    kinds = [(k, v) for k, v in res.error_kinds.items() if k != "messages for calls already aborted"]
    return "; ".join(f"{k} x {v}" for k, v in kinds[:count]) or "-"


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def ramp_levels(start: int, limit: int, factor: int = 2) -> list[int]:
    """start, start*factor, ... below limit, then limit itself."""
    levels, calls = [], max(1, start)
    while calls < limit:
        levels.append(calls)
        calls *= max(2, factor)
    levels.append(limit)
    return levels


def sipp_summary(res: SippResult) -> Json:
    return {"created": res.created, "successful": res.successful, "failed": res.failed,
            "returncode": res.returncode, "stopped_by_bench": res.stopped_by_bench,
            "failed_by_reason": {k: v for k, v in res.stats.items()
                                 if k.startswith("Failed") and k.endswith("(C)") and v not in ("0", "")},
            "retransmissions": res.count("Retransmissions(C)"), "error_kinds": res.error_kinds,
            "errors": res.errors[:10]}


def creation_rate(stats_csv: Path, calls: int) -> float | None:
    """Calls/s SIPp actually created, from its per-second statistics rows.

    Uses the rows before the last call was created (SIPp's rate is open-loop, so
    a PBX that cannot keep up shows as calls piling up against -l, then a lower rate).
    """
    if not stats_csv.exists():
        return None
    lines = [line for line in stats_csv.read_text(errors="replace").splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    header = lines[0].rstrip(";").split(";")
    best: float | None = None
    for line in lines[1:]:
        row = dict(zip(header, line.rstrip(";").split(";"), strict=False))
        try:
            created = int(row.get("TotalCallCreated", "0"))
            # "2026-11-22<TAB>02:44:02.334271<TAB>1795315442.334271": the last field is the epoch.
            elapsed = float(row["CurrentTime"].split()[-1]) - float(row["StartTime"].split()[-1])
        except (KeyError, ValueError, IndexError):
            continue
        if created >= calls:
            break
        if elapsed > 0 and created > 1:
            # The first call goes out at 0 s, so n calls span n - 1 intervals.
            best = (created - 1) / elapsed
    return round(best, 2) if best is not None else None


def _run(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def meta(args: argparse.Namespace, ports: dict[str, int]) -> Json:
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), 0)
    root = Path(__file__).resolve().parents[1]
    commit = _run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"])
    # Changes to the bench itself do not change what is measured.
    dirty = bool(_run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", ".",
                       ":(exclude)bench"]))
    from importlib.metadata import PackageNotFoundError, version

    try:
        pjsua2 = version("pjsua2")  # our source build (pjproject/build-wheel.sh)
    except PackageNotFoundError:
        pjsua2 = "unknown"
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": {"cpu": cpu_model, "cores": os.cpu_count(), "memory_mib": mem_kb // 1024,
                 "kernel": platform.release(), "loadavg_at_start": list(os.getloadavg())},
        "versions": {"python": platform.python_version(), "pjsua2": pjsua2, "sipp": sipp_version(),
                     "kamailio": _kamailio_version(),
                     "minipbx_commit": commit + ("+dirty" if dirty else "")},
        "options": {k: v for k, v in vars(args).items() if k not in ("results", "readme")},
        "ports": ports,
    }


def _kamailio_version() -> str:
    first = (_run(["kamailio", "-v"]).splitlines() or ["unknown"])[0]
    return first.removeprefix("version:").strip()


def parse_rates(text: str) -> list[float]:
    try:
        rates = sorted({float(v) for v in text.split(",") if v.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"rates {text!r}: use numbers separated by commas, e.g. 5,10,20") from None
    if not rates or rates[0] <= 0:
        raise argparse.ArgumentTypeError("rates must be positive")
    return rates


def parse_paths(text: str) -> list[str]:
    paths = [v.strip() for v in text.split(",") if v.strip()]
    bad = [p for p in paths if not p.startswith("/api/")]
    if not paths or bad:
        raise argparse.ArgumentTypeError(f"API paths {text!r}: give paths under /api/ separated by commas, "
                                         "e.g. /api/cdr,/api/status")
    return paths


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.calls", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--max-calls", type=int, default=256,
                   help="board capacity and top of the concurrency ramp (bridged calls)")
    p.add_argument("--min-calls", type=int, default=8,
                   help="first level of the concurrency ramp (the shipped boards' size)")
    p.add_argument("--ramp-factor", type=int, default=4,
                   help="each level of the ramp is this many times the last, up to --max-calls")
    p.add_argument("--ramp-rate", type=float, default=30, help="calls/s at which each level's calls are set up")
    p.add_argument("--window", type=float, default=4, help="seconds each level is measured with all calls up")
    p.add_argument("--bisect", type=int, default=2,
                   help="extra levels (calls, and calls/s) between the last pass and the first failure")
    p.add_argument("--cps-rates", type=parse_rates, default=[20.0, 40.0, 60.0, 80.0, 100.0, 120.0],
                   help="call rates tried with short calls, lowest first; stops at the first failing rate")
    p.add_argument("--cps-calls", type=int, default=256,
                   help="board capacity of the PBX for the rate and delay runs (above rate x hold time, so that "
                        "the board's limit does not refuse calls)")
    p.add_argument("--cps-seconds", type=float, default=8, help="seconds of calls at each rate")
    p.add_argument("--cps-hold", type=float, default=1.0, help="hold time of each short call (s)")
    p.add_argument("--pdd-calls", type=int, default=100, help="calls for the post-dial delay (PBX and floor each)")
    p.add_argument("--pdd-rate", type=float, default=10, help="calls/s for the post-dial delay")
    p.add_argument("--api-rate", type=float, default=50,
                   help="HTTP API requests/s sent during the second post-dial-delay run (bounded by its length)")
    p.add_argument("--api-paths", type=parse_paths, default=list(API_PATHS),
                   help="endpoints the HTTP API load requests in turn, comma-separated (GET, with the bench's key)")
    p.add_argument("--api-threads", type=int, default=4, help="connections the HTTP API load uses at once")
    p.add_argument("--no-api-load", action="store_true",
                   help="skip the post-dial-delay run with the HTTP API under load")
    p.add_argument("--idle-seconds", type=float, default=3, help="seconds of the idle measurement")
    p.add_argument("--time-limit", type=float, default=300,
                   help="seconds after which no further load step starts (each step is bounded too)")
    p.add_argument("--wait-quiet", type=float, default=0,
                   help="first wait up to this many seconds for the rest of the machine to use < 50 %% of a core "
                        "(shared machines); the time limit starts after")
    p.add_argument("--skip-hold", action="store_true", help="skip the concurrency ramp")
    p.add_argument("--skip-rate", action="store_true", help="skip the call-rate ramp")
    p.add_argument("--no-floor", action="store_true", help="skip the bare-Kamailio floor")
    p.add_argument("--results", type=Path, default=RESULTS, help="where JSON and Markdown results go")
    p.add_argument("--no-save", action="store_true", help="print the summary only; write no result files")
    p.add_argument("--update-readme", action="store_true",
                   help="put this run's figures in the README's '## Performance' section (its own subsection, "
                        "replaced each time); without it, or without a README, they go to "
                        "results/README-performance.md")
    p.add_argument("--readme", type=Path, default=README, help="the README --update-readme edits")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, SIPp traces)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.max_calls < 2 or args.min_calls < 1:
        print("bench: --max-calls must be at least 2 and --min-calls at least 1", file=sys.stderr)
        return 2
    if args.api_rate <= 0 or args.api_threads < 1:
        print(f"bench: --api-rate {args.api_rate:g} and --api-threads {args.api_threads}: the rate must be above 0 "
              "and at least 1 thread", file=sys.stderr)
        return 2
    try:
        bench = Bench(args)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous: dict[signal.Signals, Callable[[int, FrameType | None], Any] | int | None] = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        previous[sig] = signal.signal(sig, stop)
    code = 0
    try:
        bench.run()
    except KeyboardInterrupt:
        bench.note("interrupted; partial results")
        code = 130
    except (BenchError, PbxError, SippError, FloorError) as exc:
        bench.note(f"bench stopped: {exc}")
        code = 1
    except Exception as exc:
        # A bug in the bench: keep what was measured, say where it broke.
        traceback.print_exc()
        bench.note(f"bench failed ({type(exc).__name__}: {exc}); partial results")
        code = 1
    finally:
        bench.cleanup()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    bench.result["anomalies"] = bench.anomalies
    bench.result["duration_s"] = round(bench.elapsed(), 1)
    summary = report.summarize(bench.result)
    bench.result["summary"] = summary
    text = report.markdown(bench.result)
    print()
    print(text)
    if not args.no_save:
        # An interrupted or broken run is kept under its date, but does not replace the latest figures.
        paths = report.save(bench.result, text, args.results, latest=code == 0)
        if code != 0:
            print("saved: " + ", ".join(str(p) for p in paths) + " (incomplete run: latest.json and the README "
                  "section left as they were)")
            return code
        print("saved: " + ", ".join(str(p) for p in paths))
        section = report.readme_section(bench.result)
        if args.update_readme and args.readme.exists():
            report.replace_section(args.readme, section)
            print(f"updated the '## Performance' section of {args.readme}")
        else:
            section_path = args.results / "README-performance.md"
            section_path.write_text(report.standalone_section(section))
            print(f"the README's '## Performance' section for this run: {section_path}"
                  + (f" ({args.readme} does not exist)" if args.update_readme else ""))
    return code


if __name__ == "__main__":
    sys.exit(main())
