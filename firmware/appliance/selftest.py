"""The self-test run after every start of the PBX (minipbx-selftest.service).

Checks what an installer cannot see from outside: the edge answers SIP OPTIONS, the
call workers are up (as `minipbx status --json` reports them), and every device the
board file names (`/dev/...` paths) exists. The result is written as JSON to
RESULT_PATH; `load_result()` reads it back for `minipbx status`, the console and the
status LED (steady on: passed; fast blink: failed; see `led_pattern`).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULT_PATH = Path("/run/minipbx-selftest/result.json")
MINIPBX = Path("/opt/minipbx/bin/minipbx")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class SelfTestResult:
    ok: bool
    checks: tuple[Check, ...]
    finished_at: str

    @property
    def led_pattern(self) -> str:
        """How the status LED shows this result: "on" (passed) or "blink-fast" (failed)."""
        return "on" if self.ok else "blink-fast"

    def summary(self) -> str:
        """One line for `minipbx status` and the console."""
        if self.ok:
            return "passed (" + "; ".join(c.detail for c in self.checks) + ")"
        return "FAILED: " + "; ".join(f"{c.name}: {c.detail}" for c in self.checks if not c.ok)

    def to_json(self) -> str:
        return json.dumps({"ok": self.ok, "finished_at": self.finished_at,
                           "checks": [asdict(c) for c in self.checks]}, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SelfTestResult:
        raw = json.loads(text)
        return cls(ok=bool(raw["ok"]), finished_at=str(raw["finished_at"]),
                   checks=tuple(Check(str(c["name"]), bool(c["ok"]), str(c["detail"])) for c in raw["checks"]))


def load_result(path: Path = RESULT_PATH) -> SelfTestResult | None:
    """The last self-test result of this boot, or None if none ran (or it cannot be read)."""
    try:
        return SelfTestResult.from_json(path.read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------------------- checks

def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# GPIO back-ends that open /dev/gpiochip0 (a Raspberry Pi's header).
_GPIO_CHIP_BACKENDS = ("rpigpio", "lgpio")
_ALSA_CARD = re.compile(r"CARD=([A-Za-z0-9_-]+)")


def board_devices(board: Path) -> list[str]:
    """Paths that exist when the board's hardware is present, in file order.

    Serial ports are the `/dev/...` strings; an ALSA device `plughw:CARD=NAME,...`
    is present when /proc/asound/NAME is; a real GPIO back-end needs /dev/gpiochip0.
    Simulated devices ("sim") need nothing.
    """
    raw = tomllib.loads(board.read_text())
    found: list[str] = []
    for text in _strings(raw):
        if text.startswith("/dev/"):
            found.append(text)
        found += [f"/proc/asound/{name}" for name in _ALSA_CARD.findall(text)]
    if raw.get("board", {}).get("gpio") in _GPIO_CHIP_BACKENDS:
        found.append("/dev/gpiochip0")
    return list(dict.fromkeys(found))


def check_devices(board: Path) -> Check:
    try:
        devices = board_devices(board)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return Check("devices", False, f"board file {board} unreadable ({exc})")
    missing = [d for d in devices if not Path(d).exists()]
    if missing:
        return Check("devices", False, f"missing {', '.join(missing)}")
    return Check("devices", True, f"{len(devices)} board device(s) present" if devices else "no board devices to check")


def check_edge(host: str, port: int, timeout: float = 1.0) -> Check:
    from firmware.edge.probe import options_ping

    reply = asyncio.run(options_ping(host, port, timeout=timeout))
    if reply is None:
        return Check("edge", False, f"no answer to SIP OPTIONS on {host}:{port}")
    if " 200 " not in reply:
        return Check("edge", False, f"SIP OPTIONS on {host}:{port} answered {reply!r}")
    return Check("edge", True, f"edge answers on {host}:{port}")


def workers_from_status(status: dict[str, Any]) -> tuple[int, int]:
    """(workers up, workers expected) from `minipbx status --json` output."""
    workers = status.get("workers", [])
    if isinstance(workers, dict):
        workers = list(workers.values())
    if not isinstance(workers, list):
        return 0, 0
    up = sum(1 for w in workers if isinstance(w, dict) and (w.get("up") is True or w.get("state") == "up"))
    return up, len(workers)


def check_workers(data: Path, minipbx: Path = MINIPBX) -> Check:
    try:
        result = subprocess.run([str(minipbx), "--data", str(data), "status", "--json"],
                                capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("workers", False, f"minipbx status did not run ({exc})")
    try:
        status = json.loads(result.stdout)
    except ValueError:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return Check("workers", False, f"minipbx status failed: {detail}")
    up, expected = workers_from_status(status)
    if expected == 0 or up < expected:
        return Check("workers", False, f"{up} of {expected} call workers up")
    return Check("workers", True, f"{up} call worker(s) up")


def run_selftest(data: Path, board: Path, *, sip_port: int = 5060, wait: float = 0.0) -> SelfTestResult:
    """Run all checks, retrying the failing ones for up to `wait` seconds (the PBX may still be starting)."""
    deadline = time.monotonic() + wait
    while True:
        checks = (check_edge("127.0.0.1", sip_port), check_workers(data), check_devices(board))
        if all(c.ok for c in checks) or time.monotonic() >= deadline:
            break
        time.sleep(2)
    return SelfTestResult(ok=all(c.ok for c in checks), checks=checks,
                          finished_at=datetime.now(UTC).isoformat(timespec="seconds"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minipbx-selftest", description="Check the edge, workers and board devices.")
    parser.add_argument("--data", type=Path, default=Path("/data/pbx"), help="the PBX's data folder")
    parser.add_argument("--board", type=Path, default=Path("/etc/minipbx/board.toml"))
    parser.add_argument("--result", type=Path, default=RESULT_PATH, help="where to write the JSON result")
    parser.add_argument("--sip-port", type=int, default=5060)
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to keep retrying failing checks")
    args = parser.parse_args(argv)
    result = run_selftest(args.data, args.board, sip_port=args.sip_port, wait=args.wait)
    args.result.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.result.with_name(f".{args.result.name}.tmp")
    tmp.write_text(result.to_json())
    tmp.replace(args.result)
    print(f"self-test {result.summary()}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
