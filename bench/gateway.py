"""Line gateway latency benchmark: `python -m bench.gateway`.

On a PBX it starts itself (boards/sim.toml, temporary data directory, free
loopback ports), with the analog phone on port fxs1 played through the
simulator socket and a pjsua2 SIP phone as the far end:

1. off-hook -> dial tone: the phone is lifted; the time until its earpiece carries
   the dial tone (425 Hz) - what a person waits for before dialling;
2. last digit -> far-end ringing: the phone dials a SIP extension; the time from
   its last key to the INVITE at the SIP phone;
3. the floor for 2, measured in the same run: a SIP phone calling the same SIP
   phone through the same PBX (what the PBX itself takes), so the gateway's share
   is the difference.

Times are CLOCK_MONOTONIC stamps taken by the simulator (key press, earpiece
audio, drained every 10 ms) and by the phones' own processes. Results go to
bench/results/gateway-<time>.{json,md} and gateway-latest.json; `--readme`
replaces the "### Line gateway" part of the README's Performance section.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from firmware.gateway.simcontrol import SimClient
from tests.support.audio import Audio, tone_blocks
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parents[1] / "README.md"
PORT = "fxs1"
FAR_END = "301"
DIAL_TONE_HZ = 425
BLOCK_MS = 20.0


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def summary(values_s: list[float]) -> dict[str, Any]:
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 1), "p99_ms": round(percentile(ms, 99), 1),
            "min_ms": round(min(ms), 1) if ms else None, "max_ms": round(max(ms), 1) if ms else None,
            "mean_ms": round(statistics.fmean(ms), 1) if ms else None}


def dial_tone_at(sim: SimClient, since: float, timeout: float = 5.0) -> float:
    """The monotonic time the earpiece first carried dial tone after `since`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = sim.request("heard", port=PORT)
        pcm = base64.b64decode(answer["pcm"])
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float64) / 32768.0
        present = np.flatnonzero(tone_blocks(Audio(samples, 8000), DIAL_TONE_HZ, block_ms=BLOCK_MS))
        if len(present):
            end = int((present[0] + 1) * BLOCK_MS * 16)
            return float(next(t for t, offset in answer["marks"] if offset >= end))
        time.sleep(0.05)
    raise RuntimeError(f"no dial tone on {PORT} within {timeout} s")


def measure_dial_tone(sim: SimClient, rounds: int) -> list[float]:
    delays = []
    for _ in range(rounds):
        sim.request("record", port=PORT)
        lifted = float(sim.request("lift", port=PORT)["t"])
        delays.append(dial_tone_at(sim, lifted) - lifted)
        sim.request("hang_up", port=PORT)
        time.sleep(0.3)
    return delays


def measure_post_dial(sim: SimClient, far: Any, rounds: int) -> list[float]:
    delays = []
    for _ in range(rounds):
        sim.request("record", port=PORT)
        lifted = float(sim.request("lift", port=PORT)["t"])
        dial_tone_at(sim, lifted)
        sim.request("dial", port=PORT, digits=FAR_END[:-1])
        last = float(sim.request("dial", port=PORT, digits=FAR_END[-1])["t"])
        incoming = far.wait("incoming", timeout=10)
        delays.append(float(incoming["t"]) - last)
        far.reject(486)
        sim.request("hang_up", port=PORT)
        time.sleep(0.3)
    return delays


def measure_floor(caller: Any, far: Any, rounds: int) -> list[float]:
    delays = []
    for _ in range(rounds):
        sent = float(caller.command("call", target=FAR_END)["t"])
        incoming = far.wait("incoming", timeout=10)
        delays.append(float(incoming["t"]) - sent)
        far.reject(486)
        caller.wait("disconnected", timeout=10)
        time.sleep(0.2)
    return delays


def run(rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="gwbench") as tmp:
        phones = PhoneFactory(Path(tmp) / "phones")
        pbx = RunningPbx(Path(tmp) / "data", phones, gateway=True)
        pbx.start()
        try:
            far = pbx.phone(FAR_END, ring=True)
            caller = pbx.phone("302")
            with SimClient(pbx.data_dir / "run" / "sim.sock") as sim:
                dial_tone = measure_dial_tone(sim, rounds)
                post_dial = measure_post_dial(sim, far, rounds)
            floor = measure_floor(caller, far, rounds)
        finally:
            phones.close_all()
            pbx.close()
    added = summary([a - b for a, b in zip(sorted(post_dial), sorted(floor), strict=True)])
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "rounds": rounds,
        "offhook_to_dial_tone": summary(dial_tone),
        "last_digit_to_far_end_ringing": summary(post_dial),
        "sip_phone_floor": summary(floor),
        "gateway_added_by_rank": added,
    }


def markdown(result: dict[str, Any]) -> str:
    def row(label: str, key: str) -> str:
        s = result[key]
        return f"| {label} | {s['p50_ms']} | {s['p99_ms']} | {s['n']} |"

    return "\n".join([
        "### Line gateway (analog phone on the simulated board)",
        "",
        f"`python -m bench.gateway` ({result['when']}, {result['machine']['cpus']} CPUs, "
        f"{result['rounds']} rounds each):",
        "",
        "| what | p50 ms | p99 ms | n |",
        "|---|---|---|---|",
        row("off-hook -> dial tone in the earpiece", "offhook_to_dial_tone"),
        row("last digit -> INVITE at the far-end SIP phone", "last_digit_to_far_end_ringing"),
        row("floor: SIP phone -> same far end through the same PBX", "sip_phone_floor"),
        "",
        "Dial tone is made in the line host, so off-hook -> dial tone is the line controller's hook "
        "event plus at most one 20 ms audio tick (the earpiece is sampled every 10 ms). An extension "
        "number is complete at its last digit (digit map), so the post-dial figure is the gateway's "
        "hand-off to its SIP agent plus the PBX's own routing (the floor).",
        "",
    ])


def replace_readme_part(text: str, part: str) -> str:
    """Put `part` (a ### section) into the README's ## Performance section, replacing an older one."""
    pattern = re.compile(r"(?ms)^### Line gateway.*?(?=^### |^## |\Z)")
    if pattern.search(text):
        return pattern.sub(lambda _: part + "\n", text)
    performance = re.compile(r"(?ms)^## Performance[ \t]*\n.*?(?=^## |\Z)")
    match = performance.search(text)
    if match is None:
        return text.rstrip() + "\n\n## Performance\n\n" + part
    section = match.group(0).rstrip() + "\n\n" + part + "\n"
    return text[:match.start()] + section + text[match.end():]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gateway", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--readme", action="store_true", help="write the figures into README.md")
    args = parser.parse_args(argv)
    result = run(args.rounds)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, indent=2)
    (args.results / f"gateway-{stamp}.json").write_text(text + "\n")
    (args.results / "gateway-latest.json").write_text(text + "\n")
    part = markdown(result)
    (args.results / f"gateway-{stamp}.md").write_text(part)
    print(part)
    if args.readme and README.exists():
        README.write_text(replace_readme_part(README.read_text(), part))
        print(f"updated the Performance section of {README}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
