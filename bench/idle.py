"""What an idle PBX costs: `python -m bench.idle` (part of `make bench`).

`minipbx run --board boards/sim.toml` as `make run` starts it (demo extensions, the line
gateway with its simulated ports and SIP agent, the HTTP API), no call. After a warm-up
(the call workers' capacity probes leave SIP transactions for 32 s, freed after 40 s),
CPU is summed from /proc over the whole process tree for a measuring window, and PSS is
read at its end, per role (brain, edge, call workers, line host, SIP agents, API).
Results: bench/results/idle-DATE.json and .md, and idle-latest.json.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.pbx import REPO_ROOT, free_port, rtp_base_for, udp_ports_in_use
from bench.procstat import descendants, snapshot, usage

RESULTS = Path(__file__).resolve().parent / "results"
# The budget for the whole tree, idle: what an always-on small box can spare.
CPU_BUDGET_PERCENT = 2.0
PSS_BUDGET_MIB = 100.0


def role_of(pid: int) -> str:
    try:
        argv = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return "gone"
    text = b" ".join(argv).decode(errors="replace")
    if "kamailio" in text:
        return "edge"
    if "firmware.worker" in text:
        return "call workers"
    if "firmware.gateway.agent" in text:
        return "SIP agents"
    if "firmware.gateway" in text:
        return "line host"
    if "firmware.api" in text:
        return "HTTP API"
    return "brain" if "run" in text else "other"


def roles(brain: int) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for pid in descendants(brain):
        found.setdefault(role_of(pid), []).append(pid)
    found.pop("gone", None)
    return found


def measure(board: Path, warmup: float, window: float, base: Path) -> dict[str, Any]:
    data = base / "data"
    sip_port = free_port()
    http_port = free_port(avoid={sip_port})
    # Two workers of 512 RTP ports each (the sim board's), clear of whatever else runs here.
    rtp_base = rtp_base_for(2, 512, udp_ports_in_use())
    minipbx = [sys.executable, "-m", "firmware.cli.main", "--data", str(data)]
    subprocess.run([*minipbx, "demo-seed", "--sip-addr", "127.0.0.1", "--sip-port", str(sip_port)],
                   cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    out = (base / "brain.out").open("wb")
    process = subprocess.Popen(
        [*minipbx, "run", "--board", str(board), "--sip-addr", "127.0.0.1", "--sip-port", str(sip_port),
         "--rtp-base", str(rtp_base), "--http-addr", "127.0.0.1", "--http-port", str(http_port),
         "--admin-pin-dir", str(base / "appliance")],
        cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while b"minipbx ready" not in (base / "brain.out").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (base / "brain.out").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"minipbx did not start (exit {process.returncode}): {tail}")
            time.sleep(0.3)
        print(f"PBX ready; warming up {warmup:.0f} s, then measuring {window:.0f} s", flush=True)
        time.sleep(warmup)
        tree = roles(process.pid)
        before = snapshot(tree)
        time.sleep(window)
        after = snapshot(roles(process.pid))
        used = usage(before, after)
        by_role = {role: {"processes": u.processes, "cpu_percent": u.cpu_percent,
                          "pss_mib": round(u.pss_kb / 1024, 1)} for role, u in sorted(used.items())}
        return {
            "board": str(board.relative_to(REPO_ROOT) if board.is_relative_to(REPO_ROOT) else board),
            "warmup_s": warmup, "window_s": window,
            "processes": sum(r["processes"] for r in by_role.values()),
            "cpu_percent": round(sum(r["cpu_percent"] for r in by_role.values()), 2),
            "pss_mib": round(sum(r["pss_mib"] for r in by_role.values()), 1),
            "roles": by_role,
        }
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        out.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", type=Path, default=REPO_ROOT / "boards" / "sim.toml")
    parser.add_argument("--warmup", type=float, default=50.0, help="seconds after 'ready' before measuring")
    parser.add_argument("--window", type=float, default=30.0, help="seconds of the CPU measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minipbx-idle-bench-") as tmp:
        result = measure(args.board.resolve(), max(0.0, min(args.warmup, 600)), max(5.0, min(args.window, 600)),
                         Path(tmp))
    # Other work on the machine slows every process a little: say how busy it was.
    load = os.getloadavg()[0]
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
              "cpus": os.cpu_count(), "load_average_1min": round(load, 2), **result,
              "budget": {"cpu_percent": CPU_BUDGET_PERCENT, "pss_mib": PSS_BUDGET_MIB}}
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in (f"idle-{stamp}.json", "idle-latest.json"):
        (RESULTS / name).write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# Idle PBX, {report['when']} ({report['cpus']} CPUs, load {report['load_average_1min']})", "",
             f"`minipbx run --board {result['board']}`, no call; CPU over {result['window_s']:.0f} s after "
             f"{result['warmup_s']:.0f} s of warm-up.", "",
             "| role | processes | CPU (% of one core) | PSS MiB |", "|---|---|---|---|"]
    for role, fig in result["roles"].items():
        lines.append(f"| {role} | {fig['processes']} | {fig['cpu_percent']} | {fig['pss_mib']} |")
    lines.append(f"| **whole tree** | {result['processes']} | **{result['cpu_percent']}** | **{result['pss_mib']}** |")
    cpu_met = "met" if result["cpu_percent"] <= CPU_BUDGET_PERCENT else "MISSED"
    pss_met = "met" if result["pss_mib"] <= PSS_BUDGET_MIB else "MISSED"
    verdict = f"budget: CPU {CPU_BUDGET_PERCENT} % {cpu_met}, PSS {PSS_BUDGET_MIB:.0f} MiB {pss_met}"
    lines += ["", verdict]
    (RESULTS / f"idle-{stamp}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[4:]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
