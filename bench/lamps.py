"""Busy lamp benchmark: `python -m bench.lamps` (part of `make bench`).

A PBX on the simulated board and pjsua2 test phones (each its own process): 101 calls 102,
102 answers, 101 hangs up, ROUNDS times, while WATCHERS phones have a BLF key on 102. For each
change the time from the event at a phone (102 starts ringing, 101 hears the answer, 102's
call ends) to each watcher's NOTIFY showing it (the phones' event times share the system's
monotonic clock). Reported: median, 95th percentile and worst per change, and how many
PUBLISHes the brain sent. The run ends its phones and the PBX itself, by PID.
Results: bench/results/lamps-DATE.json and .md, and lamps-latest.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx

RESULTS = Path(__file__).resolve().parent / "results"
ROUNDS = 20
WATCHERS = 5


def _figures(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
            "worst_ms": round(ordered[-1] * 1000, 1), "samples": len(ordered)}


def run(rounds: int, watchers: int, base: Path) -> dict[str, Any]:
    phones = PhoneFactory(base / "phones")
    pbx = RunningPbx(base / "pbx", phones)
    try:
        pbx.start()
        a = pbx.phone("101")
        b = pbx.phone("102")
        keys = [pbx.phone(str(201 + n)) for n in range(watchers)]
        for key in keys:
            key.watch("102")
            key.lamp("102", "idle")
        delays: dict[str, list[float]] = {"ringing": [], "busy": [], "idle": []}
        for n in range(rounds):
            a.call("102")
            rang = float(b.wait("incoming")["t"])
            for key in keys:
                delays["ringing"].append(float(key.lamp("102", "ringing")["t"]) - rang)
            b.answer(call=n + 1)
            answered = float(a.wait("connected", call=n + 1)["t"])
            for key in keys:
                delays["busy"].append(float(key.lamp("102", "busy")["t"]) - answered)
            a.hangup(call=n + 1)
            ended = float(b.wait("disconnected", call=n + 1)["t"])
            for key in keys:
                delays["idle"].append(max(0.0, float(key.lamp("102", "idle")["t"]) - ended))
        status = pbx.status()
        lamps = status["busy_lamps"] if status else {}
        return {"rounds": rounds, "watchers": watchers, "publishes": lamps.get("published"),
                "changes": {state: _figures(samples) for state, samples in delays.items()}}
    finally:
        phones.close_all()
        pbx.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--watchers", type=int, default=WATCHERS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minipbx-lamps-bench-") as tmp:
        result = run(max(1, min(args.rounds, 200)), max(1, min(args.watchers, 20)), Path(tmp))
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
              "cpus": os.cpu_count(), **result}
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for name in (f"lamps-{stamp}.json", "lamps-latest.json"):
        (RESULTS / name).write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# Busy lamps, {report['when']} ({report['cpus']} CPUs, {result['watchers']} watchers, "
             f"{result['rounds']} calls)", "", "| change | median ms | p95 ms | worst ms |", "|---|---|---|---|"]
    for state, fig in result["changes"].items():
        lines.append(f"| {state} | {fig['median_ms']} | {fig['p95_ms']} | {fig['worst_ms']} |")
        print(f"{state:8s} lamp after the event: median {fig['median_ms']} ms, p95 {fig['p95_ms']} ms, "
              f"worst {fig['worst_ms']} ms", flush=True)
    lines += ["", f"PUBLISHes sent by the brain: {result['publishes']}"]
    (RESULTS / f"lamps-{stamp}.md").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
