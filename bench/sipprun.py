"""Running SIPp (the Debian `sip-tester` package) and reading what it wrote.

Every SIPp run gets its own working directory holding its statistics (-trace_stat),
its errors (-trace_err), its response times (-trace_rtt) and, when asked, every
message with a microsecond timestamp (-trace_msg). Runs are bounded twice: by
SIPp's own -timeout and by a wall-clock limit after which the bench ends the
process it started (by PID).
"""
from __future__ import annotations

import contextlib
import math
import re
import shutil
import signal
import struct
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parent / "sipp"
TONE_FILE = "tone_alaw.wav"
# Each event in the error log starts with "YYYY-MM-DD<TAB>HH:MM:SS.ffffff<TAB>epoch: ".
_ERROR_EVENT = re.compile(r"(?=\d{4}-\d{2}-\d{2}\t\d{2}:\d{2}:\d{2}\.\d+\t)")


class SippError(RuntimeError):
    pass


def sipp_binary() -> str:
    found = shutil.which("sipp") or next((p for p in ("/usr/bin/sipp", "/usr/local/bin/sipp") if Path(p).exists()),
                                         None)
    if found is None:
        raise SippError("sipp is not installed; install the Debian package sip-tester (`make deps` does this)")
    return found


def sipp_version() -> str:
    out = subprocess.run([sipp_binary(), "-v"], capture_output=True, text=True, timeout=10).stdout
    return next((line.strip() for line in out.splitlines() if "SIPp v" in line), "unknown")


def _alaw(sample: int) -> int:
    """G.711 A-law code of one 16-bit linear sample."""
    sign = 0x80 if sample >= 0 else 0x00
    magnitude = min(sample if sample >= 0 else -sample - 1, 32635) >> 3
    if magnitude < 32:
        code = magnitude >> 1
    else:
        exponent = magnitude.bit_length() - 5
        code = (exponent << 4) | ((magnitude >> exponent) & 0x0F)
    return (code | sign) ^ 0x55


def write_tone(path: Path, seconds: float = 2.0, freq: float = 440.0) -> None:
    """An 8 kHz A-law WAV (format tag 6) for SIPp's rtp_stream with payload type 8."""
    count = int(8000 * seconds)
    data = bytes(_alaw(int(8000 * math.sin(2 * math.pi * freq * i / 8000))) for i in range(count))
    fmt = struct.pack("<HHIIHHH", 6, 1, 8000, 8000, 1, 8, 0)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def write_injection(path: Path, values: list[str]) -> None:
    path.write_text("SEQUENTIAL\n" + "".join(f"{v}\n" for v in values))


@dataclass
class SippResult:
    label: str
    returncode: int | None
    stopped_by_bench: bool
    stats: dict[str, str]
    errors: list[str]
    rtd_ms: dict[str, list[float]] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)

    def count(self, column: str) -> int:
        value = self.stats.get(column, "0") or "0"
        try:
            return int(float(value))
        except ValueError:
            return 0

    @property
    def created(self) -> int:
        return self.count("TotalCallCreated")

    @property
    def successful(self) -> int:
        return self.count("SuccessfulCall(C)")

    @property
    def failed(self) -> int:
        return self.count("FailedCall(C)")

    @property
    def failure_ratio(self) -> float:
        """Failed calls over calls created; a call never created (SIPp stopped early) counts as failed."""
        total = max(self.created, self.successful + self.failed)
        if total == 0:
            return 1.0
        return self.failed / total


class Sipp:
    """One SIPp process started by the bench."""

    def __init__(self, label: str, workdir: Path, scenario: str, args: list[str], *, limit_s: float,
                 trace_msg: bool = False) -> None:
        self.label = label
        self.workdir = workdir
        self.limit_s = limit_s
        self.trace_msg = trace_msg
        workdir.mkdir(parents=True, exist_ok=True)
        tone = workdir / TONE_FILE
        if not tone.exists():
            write_tone(tone)
        self.argv = [
            sipp_binary(), *args,
            "-sf", str(SCENARIOS / scenario),
            "-nostdin",
            "-trace_err", "-error_file", str(workdir / "errors.log"),
            "-trace_stat", "-stf", str(workdir / "stats.csv"), "-fd", "1",
            "-trace_rtt", "-rtt_freq", "1",
        ]
        if trace_msg:
            self.argv += ["-trace_msg", "-message_file", str(workdir / "messages.log")]
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.stopped_by_bench = False

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> Sipp:
        with (self.workdir / "sipp.out").open("wb") as out:
            self.process = subprocess.Popen(self.argv, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.started_at = time.monotonic()
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait(self) -> int | None:
        """Wait until SIPp exits or its wall-clock limit passes (then stop it)."""
        assert self.process is not None
        left = self.limit_s - (time.monotonic() - self.started_at)
        try:
            return self.process.wait(timeout=max(0.0, left))
        except subprocess.TimeoutExpired:
            self.stop()
            return self.process.returncode

    def stop(self) -> None:
        """SIGTERM to our SIPp by its PID (SIPp writes its final statistics), SIGKILL if it lingers."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        self.stopped_by_bench = True
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(timeout=10)

    def result(self) -> SippResult:
        return SippResult(
            label=self.label,
            returncode=self.process.returncode if self.process else None,
            stopped_by_bench=self.stopped_by_bench,
            stats=read_stats(self.workdir / "stats.csv"),
            errors=read_errors(self.workdir / "errors.log"),
            rtd_ms=read_rtt(self.workdir),
            error_kinds=classify_errors(self.workdir / "errors.log"),
        )


def read_stats(path: Path) -> dict[str, str]:
    """The last row of SIPp's -trace_stat file (cumulative counters), by column name."""
    if not path.exists():
        return {}
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    header = lines[0].rstrip(";").split(";")
    values = lines[-1].rstrip(";").split(";")
    return dict(zip(header, values, strict=False))


def read_errors(path: Path, limit: int = 20) -> list[str]:
    """The first `limit` events of SIPp's error log, one line each."""
    if not path.exists():
        return []
    text = path.read_text(errors="replace")
    events = [" ".join(part.replace("\n", " | ").split()) for part in _ERROR_EVENT.split(text)
              if part.strip() and not part.startswith("The following events occurred")]
    # SIPp's own overload warnings (it was starved of CPU) after the call failures.
    events.sort(key=lambda e: "Overload warning" in e)
    return events[:limit]


_UNEXPECTED = re.compile(r"Aborting call on unexpected message .*?while expecting '([^']+)'.*?"
                         r"received '(SIP/2\.0 [^\n']*|[A-Z]+ )")
_TIMEOUT = re.compile(r"Aborting call on UDP retransmission timeout|Call-Id '[^']+' .*timeout|timed out", re.IGNORECASE)


def classify_errors(path: Path) -> dict[str, int]:
    """How SIPp's calls failed, counted by kind ("expected 180, got SIP/2.0 200 OK", ...)."""
    if not path.exists():
        return {}
    kinds: dict[str, int] = {}
    for event in _ERROR_EVENT.split(path.read_text(errors="replace")):
        if not event.strip() or event.startswith("The following events occurred"):
            continue
        if (m := _UNEXPECTED.search(event)) is not None:
            kind = f"expected {m.group(1)}, got {m.group(2).strip()}"
        elif "Dead call" in event:
            kind = "messages for calls already aborted"
        elif "Overload warning" in event:
            kind = "SIPp overloaded (its timer ran late)"
        elif _TIMEOUT.search(event):
            kind = "timeout (no answer)"
        else:
            kind = " ".join(event.split(":", 3)[-1].split()[:6])
        kinds[kind] = kinds.get(kind, 0) + 1
    return dict(sorted(kinds.items(), key=lambda kv: -kv[1]))


def read_rtt(workdir: Path) -> dict[str, list[float]]:
    """Per-call response times from -trace_rtt, by timer name (millisecond resolution in SIPp 3.6)."""
    timers: dict[str, list[float]] = {}
    for path in workdir.glob("*_rtt.csv"):
        for line in path.read_text(errors="replace").splitlines()[1:]:
            parts = line.strip().split(";")
            if len(parts) >= 3:
                with contextlib.suppress(ValueError):
                    timers.setdefault(parts[2], []).append(float(parts[1]))
    return timers


# "----------------------------------------------- 2026-11-22 02:25:39.372625" before each traced message.
_MESSAGE_SEPARATOR = re.compile(r"^-{20,} (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+)\s*$")


def post_dial_delays(messages: Path) -> list[float]:
    """Milliseconds from each call's first INVITE sent to its first 180 received, from -trace_msg.

    SIPp stamps every traced message with microseconds, finer than -trace_rtt's
    milliseconds (a bare proxy answers in about one).
    """
    if not messages.exists():
        return []
    sent: dict[str, datetime] = {}
    ringing: dict[str, datetime] = {}
    stamp: datetime | None = None
    block: list[str] = []

    def close_block() -> None:
        if stamp is None or len(block) < 3:
            return
        direction = block[0]
        first = next((line for line in block[1:] if line.strip()), "")
        call_id = next((line.split(":", 1)[1].strip() for line in block
                        if line.lower().startswith(("call-id:", "i:"))), None)
        if call_id is None:
            return
        if "sent" in direction and first.startswith("INVITE ") and call_id not in sent:
            sent[call_id] = stamp
        elif "received" in direction and first.startswith("SIP/2.0 180") and call_id not in ringing:
            ringing[call_id] = stamp

    for raw in messages.read_text(errors="replace").splitlines():
        if (separator := _MESSAGE_SEPARATOR.match(raw)) is not None:
            close_block()
            block = []
            try:
                stamp = datetime.strptime(separator.group(1), "%Y-%m-%d %H:%M:%S.%f")
            except ValueError:
                stamp = None
            continue
        block.append(raw)
    close_block()
    return [(ringing[c] - sent[c]).total_seconds() * 1000.0 for c in sent if c in ringing]


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100), interpolated between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
