"""The PBX under test: `minipbx run` in a temporary data directory, started and stopped by PID."""
from __future__ import annotations

import contextlib
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.procstat import descendants
from firmware.brain.control import ControlError, ask
from firmware.store.database import open_store
from firmware.store.extensions import add_extension, realm

REPO_ROOT = Path(__file__).resolve().parents[1]
# Lines of the PBX's logs that say something went wrong.
_TROUBLE = re.compile(r"\b(ERROR|CRITICAL|Traceback|FATAL|WARNING|died|restarting|too many calls|Worker Full"
                      r"|unavailable|failover|Busy|Assertion|abort)\b", re.IGNORECASE)
# pjsua's call dump, written to a worker's log when a call ends (log level 3).
_DUMP_HEAD = re.compile(r"\[(DISCONNECTED|CONFIRMED)\] To: (\S+)")
_RX_TOTAL = re.compile(r"^\s*total (\d+)pkt")
_RX_LOSS = re.compile(r"^\s*pkt loss=(\d+) \(")
_PEER = re.compile(r"audio \S+ @\d+kHz, \w+, peer=[\d.]+:(\d+)")
_JITTER = re.compile(r"^\s*jitter\s*:\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)")
# Kamailio's usual start-up chatter at level WARNING that says nothing about the load.
# So are presence's "No E_Tag match" lines as the brain publishes every busy lamp after start-up,
# and the presence log's "busy lamps ready" (its "busy" is not a busy signal).
_BENIGN = re.compile(r"(ds_ping_reply|sr_kemi|No such file|rpc_|<core> \[core/cfg|No E_Tag match|busy lamps ready)")


class PbxError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1", span: int = 1, avoid: set[int] | None = None) -> int:
    """A port p such that p .. p+span-1 are free for UDP and TCP on host (below the ephemeral range).

    The search starts at a random place: two benches on one machine that both started from the
    same port would pick the same ports, and Kamailio (SO_REUSEADDR) binds a UDP port that another
    Kamailio holds without an error, so one's SIP would reach the other.
    """
    avoid = avoid or set()
    candidates = list(range(12000, 32000 - span, 97))
    first = random.randrange(len(candidates))
    for start in candidates[first:] + candidates[:first]:
        ports = range(start, start + span)
        if any(p in avoid for p in ports):
            continue
        try:
            for port in ports:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
                        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                    udp.bind((host, port))
                    tcp.bind((host, port))
        except OSError:
            continue
        return start
    raise PbxError("no free port range on 127.0.0.1 below 32000")


def udp_ports_in_use() -> set[int]:
    used: set[int] = set()
    for table in ("/proc/net/udp", "/proc/net/tcp"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                used.add(int(line.split()[1].split(":")[1], 16))
    return used


def rtp_base_for(workers: int, per_worker: int, avoid: set[int]) -> int:
    """The first port of the workers' RTP ranges (per_worker ports each), clear of what is bound now.

    The PBX gives every worker its own range, so a large board needs a long run
    of ports. Kept below the kernel's ephemeral range (32768 up) when it fits:
    the brain hands each worker a SIP port from that range, and a worker's RTP
    socket may take it first. pjsua skips a port some other socket holds, so a
    range only needs most of its ports free.
    """
    used = udp_ports_in_use() | avoid
    span = workers * per_worker
    for start in range(2000, 65536 - span, per_worker):
        if all(sum(1 for p in range(first, first + per_worker) if p in used) < per_worker // 4
               for first in range(start, start + span, per_worker)):
            return start
    raise PbxError(f"no {span} ports for the workers' RTP (from 2000 up) are free enough")


def make_api_key(data_dir: Path, name: str, permissions: str = "reports,live_calls") -> str:
    """An API key in the store (as a user makes one: `minipbx api key add`); returns its token."""
    argv = [sys.executable, "-m", "firmware.cli.main", "--data", str(data_dir), "api", "key", "add", name,
            "--permissions", permissions]
    done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    token = next((line.split()[1] for line in done.stdout.splitlines() if line.startswith("token ")), None)
    if done.returncode != 0 or token is None:
        raise PbxError(f"`minipbx api key add {name}` failed (code {done.returncode}): "
                       f"{(done.stderr or done.stdout).strip()[-500:]}")
    return token


def make_extensions(data_dir: Path, numbers: list[tuple[str, str]], password: str) -> str:
    """Create the extensions (number, name) in a store; return the SIP realm."""
    db = open_store(data_dir)
    try:
        for number, name in numbers:
            add_extension(db, number, name, password=password)
        return realm(db)
    finally:
        db.conn.close()


class Pbx:
    def __init__(self, data_dir: Path, board_calls: int, sip_port: int, rtp_base: int, http_port: int) -> None:
        self.data_dir = data_dir
        self.sip_port = sip_port
        self.http_port = http_port
        self.rtp_base = rtp_base
        self.board = data_dir / "board.toml"
        self.board_calls = board_calls
        self.output = data_dir / f"brain-{board_calls}calls.out"
        self.process: subprocess.Popen[bytes] | None = None
        # Log sizes when the PBX said ready: start-up chatter (such as each worker's
        # call-capacity probe, which ends in "too many calls" by design) is not trouble.
        self.log_offsets: dict[Path, int] = {}

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def control(self) -> Path:
        return self.data_dir.resolve() / "run" / "control.sock"

    def start(self, timeout: float = 180.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        board = (REPO_ROOT / "boards" / "sim.toml").read_text()
        board, count = re.subn(r"(?m)^calls\s*=\s*\d+", f"calls = {self.board_calls}", board)
        if count != 1:
            raise PbxError("boards/sim.toml has no `[capacity] calls = N` line to change")
        self.board.write_text(board)
        argv = [sys.executable, "-m", "firmware.cli.main", "--data", str(self.data_dir), "run",
                # Calls only: the line gateway would add its own processes to the figures.
                "--no-gateway",
                "--board", str(self.board), "--sip-addr", "127.0.0.1", "--sip-port", str(self.sip_port),
                "--rtp-base", str(self.rtp_base),
                # The HTTP API on a port of its own (the default 8080 may be taken), loaded in the delay phase.
                "--http-addr", "127.0.0.1", "--http-port", str(self.http_port)]
        # The output file collects every start of a PBX of this size; only this start's part counts.
        begin = self.output.stat().st_size if self.output.exists() else 0
        with self.output.open("ab") as out:
            self.process = subprocess.Popen(argv, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                lines = self._output_since(begin).splitlines()
                worth = [line for line in lines if "up (pid" not in line][-12:]
                raise PbxError(f"minipbx exited with code {self.process.returncode} at start: "
                               + " | ".join(worth) + self._worker_failure())
            if "minipbx ready" in self._output_since(begin):
                self.log_offsets = self.log_positions()
                return
            time.sleep(0.3)
        self.stop()
        raise PbxError(f"minipbx did not print 'minipbx ready' within {timeout:.0f} s; see {self.output}")

    def _output_since(self, offset: int) -> str:
        with self.output.open("rb") as out:
            out.seek(offset)
            return out.read().decode(errors="replace")

    def _worker_failure(self) -> str:
        """The error lines of a worker log that ends in a traceback (a worker that failed to start)."""
        for path in sorted((self.data_dir / "logs").glob("worker*.log")):
            text = path.read_text(errors="replace")
            if "Traceback" in text[-4000:]:
                tail = [line.strip() for line in text[-4000:].splitlines()
                        if "error" in line.lower() or line.startswith(("pjsua2.", "Traceback"))]
                return f" || {path.name}: " + " | ".join(tail[-6:])
        return ""

    def status(self) -> dict[str, object]:
        try:
            return ask(self.control, "status", timeout=10)
        except (ControlError, OSError, ValueError) as exc:
            raise PbxError(f"minipbx status failed: {exc}") from None

    def answered_calls(self) -> int:
        calls = self.status().get("active_calls", [])
        assert isinstance(calls, list)
        return sum(1 for c in calls if isinstance(c, dict) and c.get("state") == "answered")

    def active_calls(self) -> int:
        calls = self.status().get("active_calls", [])
        assert isinstance(calls, list)
        return len(calls)

    def workers(self) -> list[dict[str, object]]:
        workers = self.status().get("workers", [])
        assert isinstance(workers, list)
        return [w for w in workers if isinstance(w, dict)]

    def roles(self) -> dict[str, list[int]]:
        """PIDs by role: brain, edge (Kamailio and its children), worker<N>."""
        status = self.status()
        roles: dict[str, list[int]] = {"brain": [self.pid] if self.pid else []}
        edge = status.get("edge")
        if isinstance(edge, dict) and isinstance(edge.get("pid"), int):
            roles["edge"] = descendants(int(edge["pid"]))
        for worker in self.workers():
            if isinstance(worker.get("pid"), int):
                roles[f"worker{worker['number']}"] = [int(str(worker["pid"]))]
        return roles

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM to the brain (it stops the edge and the workers), SIGKILL if it does not exit."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                # The kernel sends the brain's children SIGTERM when it dies (PR_SET_PDEATHSIG).
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait(timeout=10)
        return process.returncode

    def _logs(self) -> list[Path]:
        return [p for p in (self.output, *sorted((self.data_dir / "logs").glob("*.log"))) if p.exists()]

    def _read_since(self, path: Path, since: dict[Path, int] | None) -> str:
        offsets = self.log_offsets if since is None else since
        with path.open("rb") as log:
            log.seek(offsets.get(path, 0))
            return log.read().decode(errors="replace")

    def media_quality(self, since: dict[Path, int], peers: dict[int, str] | None = None) -> dict[str, object]:
        """RTP received by the workers, from pjsua's call dumps logged since `since`.

        Per leg: packets received, packets lost (sequence gaps) and jitter, as the
        worker saw them; a leg dumped twice (at hang-up and at disconnect) counts
        once. `peers` names the legs by the RTP port of the far end (e.g. the
        callers' and the callees' media ports), so each direction is summed apart.
        """
        legs: dict[str, tuple[int, int, float, float, int]] = {}
        for path in sorted((self.data_dir / "logs").glob("worker*.log")):
            leg: str | None = None
            rx_seen = False
            total = lost = peer = 0
            for line in self._read_since(path, since).splitlines():
                head = _DUMP_HEAD.search(line)
                if head:
                    leg, rx_seen, total, lost, peer = f"{path.stem}:{head.group(2)}", False, 0, 0, 0
                    continue
                if leg is None:
                    continue
                if (m := _PEER.search(line)) is not None:
                    peer = int(m.group(1))
                elif "RX pt=" in line:
                    rx_seen = True
                elif rx_seen and (m := _RX_TOTAL.match(line)):
                    total = int(m.group(1))
                elif rx_seen and (m := _RX_LOSS.match(line)):
                    lost = int(m.group(1))
                elif rx_seen and (m := _JITTER.match(line)):
                    legs[leg] = (total, lost, float(m.group(2)), float(m.group(3)), peer)
                    leg = None
        result = _media_summary(list(legs.values()))
        for name in sorted(set((peers or {}).values())):
            ports = {port for port, label in (peers or {}).items() if label == name}
            result[name] = _media_summary([v for v in legs.values() if v[4] in ports])
        return result

    def log_positions(self) -> dict[Path, int]:
        return {path: path.stat().st_size for path in self._logs()}

    def trouble(self, since: dict[Path, int] | None = None, limit: int = 40) -> list[str]:
        """Lines logged since `since` (default: since start-up) that report trouble, first `limit`.

        From the brain's output and logs/*.log (edge and workers).
        """
        found: list[str] = []
        for path in self._logs():
            for line in self._read_since(path, since).splitlines():
                if _TROUBLE.search(line) and not _BENIGN.search(line):
                    found.append(f"{path.name}: {line.strip()[:400]}")
                    if len(found) >= limit:
                        return found
        return found


def _media_summary(legs: list[tuple[int, int, float, float, int]]) -> dict[str, object]:
    if not legs:
        return {"legs": 0}
    received = sum(v[0] for v in legs)
    lost = sum(v[1] for v in legs)
    return {
        "legs": len(legs),
        "rx_packets": received,
        "rx_lost": lost,
        "loss_percent": round(100.0 * lost / (received + lost), 3) if received + lost else None,
        "legs_with_loss": sum(1 for v in legs if v[1] > 0),
        "jitter_avg_ms": round(sum(v[2] for v in legs) / len(legs), 2),
        "jitter_max_ms": round(max(v[3] for v in legs), 2),
    }
