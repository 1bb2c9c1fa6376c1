"""Conference room benchmark: `python -m bench.conference` (part of `make bench`).

A PBX on the simulated board (`minipbx run`, free loopback ports) with room 800, and pjsua2 test
phones (each its own process): one speaker sends a 1000 Hz tone, the rest listen in silence.
For N = 4, 8, 16, 24, 32 parties (bounded by --max-parties and --seconds), all join the room,
talk for TALK_SECONDS, and hang up. Reported per level:

- clean: every listener heard the speaker for at least CLEAN_SHARE of the talk (tone detection
  on its recording; a gap, a dropout or a one-way leg fails it);
- the CPU of the call workers over the talk (their /proc ticks), and per party;
- which workers the parties' calls landed on (the room is mixed on one; the rest come by links).

The largest clean level is the figure. The run ends its phones and the PBX itself, by PID.
Results: bench/results/conference-DATE.json and .md, and conference-latest.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.procstat import snapshot, usage
from tests.support.audio import Audio, load_wav, tone_seconds
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx

RESULTS = Path(__file__).resolve().parent / "results"
LEVELS = (4, 8, 16, 24, 32)
TALK_SECONDS = 8.0
CLEAN_SHARE = 0.9
SPEAKER_HZ = 1000


def run_level(parties: int, base: Path) -> dict[str, Any]:
    data_dir = base / f"pbx-{parties}"
    phones = PhoneFactory(base / f"phones-{parties}")
    pbx = RunningPbx(data_dir, phones)
    try:
        pbx.start()
        # The running PBX reads the room when it is dialled.
        done = pbx.minipbx("conf", "set", "800", "--max-parties", str(max(parties, 2)), "--music-alone", "no")
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        speaker = pbx.phone("200", tone_hz=SPEAKER_HZ)
        listeners = [pbx.phone(str(201 + n), tone_hz=0) for n in range(parties - 1)]
        connected: dict[str, float] = {}
        for phone in [speaker, *listeners]:
            phone.call("800")
            connected[phone.user] = float(phone.wait("connected", timeout=20)["t"])
        time.sleep(3.0)  # "you are the only participant" is over; every link is up
        status = pbx.status()
        assert status is not None
        workers = {int(w["number"]): int(w["pid"]) for w in status["workers"]}
        before = snapshot({"workers": workers.values()})
        talk_from = time.monotonic()
        time.sleep(TALK_SECONDS)
        talk_to = time.monotonic()
        after = snapshot({"workers": workers.values()})
        for phone in [speaker, *listeners]:
            phone.hangup()
        shares = []
        for phone in listeners:
            recording = load_wav(phone.wait("disconnected", timeout=20)["recording"])
            # The talk window of this listener's recording (which starts when its call connected;
            # both clocks are the machine's monotonic clock).
            first = round((talk_from - connected[phone.user]) * recording.rate)
            last = round((talk_to - connected[phone.user]) * recording.rate)
            window = Audio(recording.samples[max(0, first):last], recording.rate)
            shares.append(tone_seconds(window, SPEAKER_HZ) / window.seconds if window.seconds else 0.0)
        shares.sort()
        cpu = usage(before, after)["workers"]
        return {
            "parties": parties,
            "clean": shares[0] >= CLEAN_SHARE,
            "worst_listener_share": round(shares[0], 3),
            "median_listener_share": round(shares[len(shares) // 2], 3),
            "workers": len(workers),
            "worker_cpu_percent": round(cpu.cpu_percent, 1),
            "worker_cpu_percent_per_party": round(cpu.cpu_percent / parties, 2),
        }
    finally:
        phones.close_all()
        pbx.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-parties", type=int, default=LEVELS[-1])
    parser.add_argument("--seconds", type=float, default=600.0, help="stop starting levels after this long")
    args = parser.parse_args()
    started = time.monotonic()
    levels: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="minipbx-conf-bench-") as tmp:
        for parties in (n for n in LEVELS if n <= args.max_parties):
            if time.monotonic() - started > args.seconds:
                break
            result = run_level(parties, Path(tmp))
            levels.append(result)
            print(f"{parties:3d} parties: {'clean' if result['clean'] else 'NOT clean'} "
                  f"(worst listener heard the speaker {result['worst_listener_share']:.0%} of the time), "
                  f"workers {result['worker_cpu_percent']:.1f} % CPU = "
                  f"{result['worker_cpu_percent_per_party']:.2f} % per party", flush=True)
            if not result["clean"]:
                break
    clean = [level["parties"] for level in levels if level["clean"]]
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.node(),
              "cpus": os.cpu_count(), "talk_seconds": TALK_SECONDS, "levels": levels,
              "largest_clean_room": max(clean, default=0)}
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"conference-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "conference-latest.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# Conference rooms, {report['when']} ({report['cpus']} CPUs)", "",
             "| parties | clean | worst listener | worker CPU % | per party % |", "|---|---|---|---|---|"]
    lines += [f"| {lv['parties']} | {'yes' if lv['clean'] else 'no'} | {lv['worst_listener_share']:.0%} | "
              f"{lv['worker_cpu_percent']} | {lv['worker_cpu_percent_per_party']} |" for lv in levels]
    lines += ["", f"Largest room with clean audio for every party: {report['largest_clean_room']}"]
    (RESULTS / f"conference-{stamp}.md").write_text("\n".join(lines) + "\n")
    print(f"largest room with clean audio for every party: {report['largest_clean_room']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
