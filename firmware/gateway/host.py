"""The line host: the one process that owns the board's hardware.

It opens the board (`hal.hardware.Hardware.open`), makes every port a line with
its own state machine (phone.py, trunk.py, door.py, paging.py) and its SIP account
(accounts.py), runs the 20 ms audio clock that feeds tones and call audio to the
ports, and serves the SIP agents that carry the calls (agents.py). A serial device
or a sound card can be opened by one process only, and one pjsua2 process holds a
few calls; so the hardware lives here and the calls in as many agents as needed.

Talks to the brain over an inherited socket (JSON lines, typed in brain_link.py): `hello`
with how many agents to start, `agents` when that changes, `status` and door openings on
request. With a simulated
board it also serves the simulators' control socket (simcontrol.py).
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

from firmware.dialplan.plan import load_plan
from firmware.edge.registrations import drop_live_registrations
from firmware.gateway import accounts, brain_link
from firmware.gateway.agents import AgentServer
from firmware.gateway.brain_link import (
    AgentsNeeded,
    DectPair,
    DectPairing,
    DectRemove,
    DectRemoved,
    DectSubscribed,
    DoorOpened,
    FromHost,
    HostHello,
    HostStatus,
)
from firmware.gateway.door import DoorLine
from firmware.gateway.line import DeviceHealth, Line, Profile
from firmware.gateway.paging import PagingLine
from firmware.gateway.panel import HostPanel
from firmware.gateway.phone import PhoneLine
from firmware.gateway.simcontrol import SimControlServer
from firmware.gateway.trunk import TrunkLine
from firmware.gateway.wire import socket_path
from firmware.media.tones import caller_id_method
from firmware.store.database import open_store
from firmware.store.settings import get_setting
from hal.board import load_board
from hal.clock import Clock, SystemClock
from hal.dect.base import DectError, HandsetDeregistered, HandsetSubscribed
from hal.hardware import Hardware
from hal.health import DeviceState, DeviceStatus

log = logging.getLogger("minipbx.gateway.host")

# A port is in at most one call and has one account; our pjsua2 build holds 256
# calls and 64 accounts per process (4 and 8 in the PyPI wheel). 8 ports per agent
# run a simulated or HAT board in one process, while a crash still takes only 8.
PORTS_PER_AGENT = 8
TICK = 0.020
# How often the idle audio clock looks again without being woken: only so that it sees a stop.
AUDIO_IDLE_CHECK = 1.0
# How long to wait at start for serial devices, so DECT handsets are known.
_READY_WAIT = 3.0


class LineHost:
    def __init__(self, data_dir: Path, board_path: Path, edge: str, run_dir: Path) -> None:
        self.data_dir = data_dir
        self.run_dir = run_dir
        self.edge = edge
        self.clock: Clock = SystemClock()
        self.db = open_store(data_dir)
        self._db_lock = threading.Lock()
        self._lines_lock = threading.Lock()
        self.lines: list[Line] = []
        self.stopping = threading.Event()
        # Set when a line starts playing: the audio clock sleeps on it while every port is idle.
        self._audio_wanted = threading.Event()
        self.brain: socket.socket | None = None
        self._brain_lock = threading.Lock()
        self.hw = Hardware.open(load_board(board_path), clock=self.clock)
        self.agents = AgentServer(socket_path(run_dir), PORTS_PER_AGENT, edge, self.line_list)
        self.sim: SimControlServer | None = None
        self.panel = HostPanel(self.hw, self.tell_brain)
        # The extension the brain chose for the next handset that subscribes, until the window closes.
        self._dect_wanted = ("", 0.0)
        # Slots are never reused while running: an agent may still hold a removed port's account.
        self._next_slot = 0

    # ---- what lines need (line.Host) -------------------------------------------------
    def send(self, line: Line, message: dict[str, Any]) -> bool:
        return self.agents.send(line, message)

    def send_audio(self, slot: int, frame: bytes) -> None:
        self.agents.send_audio(slot, frame)

    def profile(self) -> Profile:
        with self._db_lock:
            country = str(get_setting(self.db, "country"))
            return Profile(
                country=country,
                caller_id=caller_id_method(country, str(get_setting(self.db, "analog_caller_id"))),
                plan=load_plan(self.db),
            )

    def wake_audio(self) -> None:
        self._audio_wanted.set()

    def line_list(self) -> list[Line]:
        with self._lines_lock:
            return list(self.lines)

    # ---- building ---------------------------------------------------------------------------
    def build(self) -> None:
        hw = self.hw
        hw.wait_ready(_READY_WAIT)
        for name, port in hw.fxs.items():
            self._add(PhoneLine(name, self, "slic", port, "fxs"), port)
        for name, line in hw.fxo.items():
            self._add(TrunkLine(name, self, line), line)
        if hw.dect is not None:
            for name, handset in sorted(hw.dect.ports.items()):
                self._add(PhoneLine(name, self, hw.dect.name, handset, "dect"), handset)
            hw.dect.add_listener(self._dect_event)
        for spec in hw.board.doors:
            door = hw.doors[spec.name]
            self._add(DoorLine(spec.name, self, f"sound card {spec.audio.card}", door), door)
        for zone_spec in hw.board.paging:
            self._add(PagingLine(zone_spec.name, self, f"sound card {zone_spec.audio.card}",
                                 hw.paging[zone_spec.name]), None)
        hw.health.listeners.add(self._health)
        for status in hw.health.statuses().values():
            if status.state is DeviceState.DOWN:
                self._health(status)
        self.panel.start()

    def _add(self, line: Line, source: Any, wanted: str = "") -> None:
        with self._db_lock:
            if line.kind == "fxo":
                line.account = accounts.provision_line(self.db, line.name)
            else:
                line.account = accounts.provision_port(self.db, line.name, line.kind, wanted)
        with self._lines_lock:
            line.slot = self._next_slot
            self._next_slot += 1
            self.lines.append(line)
        if source is not None:
            source.add_listener(line.post)
        line.start()
        log.info("port %s (%s) is %s", line.name, line.kind, line.account.username)

    def _dect_event(self, event: object) -> None:
        # From the DECT reader thread: the database work goes elsewhere.
        if isinstance(event, HandsetSubscribed) and self.hw.dect is not None:
            threading.Thread(target=self._new_handset, args=(event.port,), daemon=True).start()
        elif isinstance(event, HandsetDeregistered):
            # Also when the module itself drops a handset (its own menu on a real base).
            threading.Thread(target=self._handset_gone, args=(event.port,), daemon=True).start()

    def _handset_gone(self, name: str) -> None:
        """A deregistered handset's port goes: its line stops, its agent drops the SIP account
        (so calls to the extension no longer reach a port), and the extension keeps its number,
        mailbox and groups without a device."""
        with self._lines_lock:
            line = next((line for line in self.lines if line.name == name and line.kind == "dect"), None)
            if line is None:
                return
            self.lines.remove(line)
        line.stop()
        self.agents.release(line)
        with self._db_lock:
            number = accounts.release_port(self.db, name)
            # The agent's unregistration would be refused now (release_port changed the password),
            # and until its registration expires the edge would send the extension's calls to
            # the agent, whose other ports share the address: the edge forgets it at once.
            if number is not None:
                drop_live_registrations(self.db, self.run_dir, [number])
        log.info("DECT handset %s deregistered: port and SIP account removed (extension %s kept without a device)",
                 name, line.account.username if line.account else "?")

    def _dect_remove(self, request: DectRemove) -> None:
        """Deregister a handset from the module (off the brain reader's thread: it waits for the ACK)."""
        self.tell_brain(DectRemoved(type="dect_removed", id=request["id"], error=self._deregister(request["port"])))

    def _deregister(self, name: str) -> str:
        dect = self.hw.dect
        if dect is None:
            return "this board has no DECT module ([dect] in the board file)"
        handset = dect.ports.get(name)
        if handset is None:
            return f"no DECT handset {name!r} is subscribed; see `minipbx dect list`"
        line = next((line for line in self.line_list() if line.name == name), None)
        if line is not None and line.state != "idle":
            return f"DECT handset {name} is in use ({line.state}); try again when it is idle"
        try:
            dect.deregister(handset.number)
        except DectError as exc:
            return f"the DECT module refused to deregister {name}: {exc}"
        # The module's DEREGISTERED comes too; the port goes now so the answer means "gone".
        self._handset_gone(name)
        return ""

    def _new_handset(self, name: str) -> None:
        assert self.hw.dect is not None
        handset = self.hw.dect.ports.get(name)
        if handset is None or any(line.name == name for line in self.line_list()):
            return
        before = self.agents.agents_needed()
        line = PhoneLine(name, self, self.hw.dect.name, handset, "dect")
        wanted, until = self._dect_wanted
        self._dect_wanted = ("", 0.0)
        self._add(line, handset, wanted if time.monotonic() < until else "")
        self.agents.assign(line)
        if self.agents.agents_needed() != before:
            self.tell_brain(AgentsNeeded(type="agents", count=self.agents.agents_needed()))
        assert line.account is not None
        log.info("DECT handset %s (IPUI %s) subscribed in cell %d: extension %s", name, handset.ipui,
                 handset.cell, line.account.username)
        self.tell_brain(DectSubscribed(type="dect_subscribed", port=name, ipui=handset.ipui,
                                       extension=line.account.username, cell=handset.cell))

    def _dect_pair(self, request: DectPair) -> None:
        """Open the subscription window (a request to the module: off the brain reader's thread)."""
        error = ""
        if self.hw.dect is None:
            error = "this board has no DECT module ([dect] in the board file)"
        else:
            self._dect_wanted = (request["extension"], time.monotonic() + request["seconds"])
            try:
                self.hw.dect.open_subscription(request["seconds"])
            except (DectError, ValueError) as exc:
                self._dect_wanted = ("", 0.0)
                error = str(exc)
        self.tell_brain(DectPairing(type="dect_pairing", id=request["id"], error=error))

    def _dect_status(self) -> list[dict[str, object]]:
        dect = self.hw.dect
        if dect is None:
            return []
        return [{"port": name, "handset": h.number, "ipui": h.ipui, "base": dect.name, "cell": h.cell,
                 "in_range": h.in_range, "last_seen": h.last_seen} for name, h in sorted(dect.ports.items())]

    def _health(self, status: DeviceStatus) -> None:
        up = status.state is DeviceState.UP
        if status.state not in (DeviceState.UP, DeviceState.DOWN):
            return
        for line in self.line_list():
            if line.device == status.device:
                line.post(DeviceHealth(up, status.detail))

    # ---- the audio clock -----------------------------------------------------------------------
    def _audio_clock(self) -> None:
        """Tick every playing port each 20 ms; sleep while none plays (an idle box costs nothing)."""
        next_tick = time.monotonic()
        while not self.stopping.is_set():
            playing = [line for line in self.line_list() if line.plays]
            if not playing:
                # A line sets its mode before it wakes us, so clearing first loses no start.
                self._audio_wanted.wait(AUDIO_IDLE_CHECK)
                self._audio_wanted.clear()
                next_tick = time.monotonic()
                continue
            for line in playing:
                try:
                    line.tick()
                except Exception:
                    log.exception("%s: audio tick failed", line.name)
            next_tick += TICK
            delay = next_tick - time.monotonic()
            if delay < -5 * TICK:
                # Far behind (the machine stalled): start afresh rather than rush to catch up.
                next_tick = time.monotonic()
            elif delay > 0:
                time.sleep(delay)

    # ---- the brain ---------------------------------------------------------------------------------
    def tell_brain(self, message: FromHost) -> None:
        if self.brain is None:
            return
        with self._brain_lock:
            try:
                self.brain.sendall(brain_link.encode(message))
            except OSError:
                self.stopping.set()

    def status(self) -> dict[str, object]:
        agents = {a["index"]: a for a in self.agents.status()}
        return {
            "pid": os.getpid(),
            "ports": [{**line.snapshot(), "agent": self.agents.agent_of(line.slot),
                       "agent_up": self.agents.agent_of(line.slot) in agents} for line in self.line_list()],
            "devices": [{"device": s.device, "state": s.state.value, "detail": s.detail}
                        for s in sorted(self.hw.health.statuses().values(), key=lambda s: s.device)],
            "agents": list(agents.values()),
            "dect": self._dect_status(),
        }

    def _read_brain(self) -> None:
        assert self.brain is not None
        buffer = b""
        while not self.stopping.is_set():
            try:
                chunk = self.brain.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                log.warning("the brain went away; the line host stops")
                self.stopping.set()
                return
            buffer += chunk
            while b"\n" in buffer:
                line, _, buffer = buffer.partition(b"\n")
                request = brain_link.parse(line, brain_link.TO_HOST)
                if request is None:
                    continue
                if request["type"] == "status":
                    self.tell_brain(HostStatus(type="status", status=self.status()))
                elif request["type"] == "panel_leds":
                    self.panel.show(request["leds"])
                elif request["type"] == "open_door":
                    self.tell_brain(DoorOpened(type="door_opened", id=request["id"],
                                               error=self._open_door(request["door"], request["seconds"])))
                elif request["type"] == "dect_pair":
                    threading.Thread(target=self._dect_pair, args=(request,), daemon=True).start()
                elif request["type"] == "dect_remove":
                    threading.Thread(target=self._dect_remove, args=(request,), daemon=True).start()

    def _open_door(self, name: str, seconds: float) -> str:
        """The brain opens a door's lock; '' when it opened, else why not."""
        line = next((line for line in self.line_list() if isinstance(line, DoorLine) and line.name == name), None)
        if line is None:
            return f"no door station {name!r} on this board"
        if not 0 < seconds <= 30:
            return f"open time {seconds!r} is not accepted; 1-30 s"
        return line.open(float(seconds))

    # ---- run -------------------------------------------------------------------------------------------
    def run(self, brain_fd: int | None) -> None:
        self.build()
        self.agents.start()
        if any((self.hw.sim.slic, self.hw.sim.modems, self.hw.sim.dect, self.hw.sim.audio)):
            self.sim = SimControlServer(self.run_dir / "sim.sock", self.hw, self.clock)
            self.sim.start()
        threading.Thread(target=self._audio_clock, name="audio-clock", daemon=True).start()
        if brain_fd is not None:
            self.brain = socket.socket(fileno=brain_fd)
            threading.Thread(target=self._read_brain, name="brain", daemon=True).start()
        self.tell_brain(HostHello(type="hello", pid=os.getpid(), agents=self.agents.agents_needed(),
                                  ports=[line.name for line in self.line_list()]))
        self.panel.report_devices()
        log.info("line host ready: %d ports, %d SIP agent(s)", len(self.lines), self.agents.agents_needed())
        self.stopping.wait()

    def close(self) -> None:
        self.stopping.set()
        if self.sim is not None:
            self.sim.close()
        self.agents.close()
        for line in self.line_list():
            line.stop()
        self.hw.close()
        self.db.conn.close()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="minipbx-gateway", description="the line gateway's hardware host")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--board", type=Path, required=True)
    parser.add_argument("--edge", required=True, help="host:port where the agents register")
    parser.add_argument("--brain-fd", type=int)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    data_dir = args.data.resolve()
    host = LineHost(data_dir, args.board, args.edge, data_dir / "run")
    signal.signal(signal.SIGTERM, lambda *_: host.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: host.stopping.set())
    try:
        host.run(args.brain_fd)
    finally:
        host.close()
    return 0
