"""`minipbx run`: start the call workers and the edge, keep them alive, route calls.

Start order: one worker first (it measures how many calls the pjsua2 build
holds, which decides how many workers the board's capacity needs), the other
workers, then the edge, so no call arrives before a worker can take it.
Shutdown order is the reverse.
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import math
import os
import signal
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import IO

from firmware.admin import factory_reset
from firmware.admin.context import Admin
from firmware.api.process import ApiServer, HttpOptions, HttpPortError, check_http_port_free
from firmware.appliance import sdnotify
from firmware.apps.voicemail.store import sweep
from firmware.brain import call_commands
from firmware.brain.control import ControlServer
from firmware.brain.message_waiting import MessageWaiting
from firmware.brain.switch import Switch
from firmware.brain.workers import (
    WORKER_SIP_HOST,
    WORKER_START_SECONDS,
    WorkerHandle,
    WorkerPlan,
    WorkerPortTaken,
    WorkerStartError,
)
from firmware.directory.schedule import directory_sync_rounds
from firmware.directory.sync import last_sync_status
from firmware.edge.config import EdgeSettings, WorkerAddress, validate_sip_addr
from firmware.edge.live_view import LiveView
from firmware.edge.ports import PortInUseError, check_sip_port_free, free_udp_port
from firmware.edge.process import EDGE_START_SECONDS, Edge, kamailio_binary
from firmware.edge.rpc import (
    EdgeRpcError,
    end_dialogs_of,
    forget_failed_logins,
    reload_trunks,
)
from firmware.gateway.supervision import GATEWAY_START_SECONDS, GatewayPlan, LineGateway, board_has_ports
from firmware.gateway.wire import AGENT_SIP_HOST
from firmware.modes.state import last_logged_mode, log_change, mode_now
from firmware.panel.service import PANEL, FrontPanel
from firmware.presence.service import BusyLamps
from firmware.prompts.library import PromptError, PromptLibrary, find_system_dir
from firmware.store.database import db_path, open_store
from firmware.store.extensions import realm
from firmware.store.registrations import registrations
from firmware.store.settings import get_setting
from firmware.trunks.config import list_trunks
from firmware.webhooks.hooks import CallEventFeed
from hal.board import load_board

log = logging.getLogger("minipbx.brain")

RTP_PORTS_PER_WORKER = 512  # 2 per leg: room for the 256 legs our pjsua2 build holds
# A worker that dies again within this many seconds of its start waits longer.
_CRASH_LOOP_WINDOW = 10.0
_MAX_BACKOFF = 10.0
# Each start stage tells systemd how long it may take (its own bound plus this), so a
# slow card or CPU gets the time it needs and a stage that hangs still fails the start.
_STAGE_MARGIN_SECONDS = 30.0
# Ports tried for a worker whose chosen SIP port another program took first.
_PORT_ATTEMPTS = 3


class StartError(RuntimeError):
    """The PBX cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class RunOptions:
    data_dir: Path
    board_path: Path
    sip_addr: str
    sip_port: int
    rtp_base: int = 20000
    # Start the line gateway for the board's ports (off: SIP phones only, as most tests want).
    gateway: bool = True
    # The HTTP API (its own process); None = not started.
    http: HttpOptions | None = None
    # The admin PIN keypad programming checks (credentials.PIN_FILE in it); None = the appliance's
    # layout, /data/appliance beside the PBX's /data/pbx.
    admin_pin_dir: Path | None = None


def workers_needed(max_calls: int, capacity: int) -> int:
    """Workers for `max_calls` bridged calls of `capacity` legs each; two at least (crashes, both cores)."""
    return max(2, math.ceil(max_calls / (capacity // 2)))


class Pbx:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.data_dir = options.data_dir.resolve()
        self.run_dir = self.data_dir / "run"
        self.log_dir = self.data_dir / "logs"
        self.workers: list[WorkerHandle] = []
        self.edge: Edge | None = None
        self.switch: Switch | None = None
        self.message_waiting: MessageWaiting | None = None
        self.lamps: BusyLamps | None = None
        self.gateway: LineGateway | None = None
        self.panel: FrontPanel | None = None
        self.control: ControlServer | None = None
        self.api: ApiServer | None = None
        self.stopping = asyncio.Event()
        self.started_at = time.time()
        self._lock_file: IO[str] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._reload_wanted = asyncio.Event()
        self._ports_given: set[int] = set()
        self._reset_seen = ""
        self.edge_view = LiveView.of_edge(self.run_dir)

    # ---- start -------------------------------------------------------------------
    def _lock(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = (self.run_dir / "brain.lock").open("w")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StartError(f"another minipbx is already running on {self.data_dir}") from None
        self._lock_file.write(str(os.getpid()))
        self._lock_file.flush()

    def _previous_edge_alive(self) -> bool:
        """Whether the kamailio named by this data directory's pid file still runs."""
        try:
            pid = int((self.run_dir / "kamailio.pid").read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return False
        return True

    async def _wait_port_free(self, timeout: float = 8.0) -> None:
        """Fail at once if the SIP port is taken, unless our own previous edge is still exiting.

        After a crash the old edge needs a moment to exit (it got SIGTERM from the kernel);
        anybody else holding the port will not let go, so there is no point waiting for them.
        """
        deadline = time.monotonic() + timeout
        while True:
            try:
                check_sip_port_free(self.options.sip_addr, self.options.sip_port)
                return
            except PortInUseError as exc:
                if time.monotonic() > deadline or not self._previous_edge_alive():
                    raise StartError(str(exc)) from None
            await asyncio.sleep(0.2)

    async def start(self) -> None:
        options = self.options
        validate_sip_addr(options.sip_addr)
        board = load_board(options.board_path)
        kamailio_binary()  # refuse now, not after the workers have started
        self._lock()
        db = open_store(self.data_dir)
        self.db = db
        await self._wait_port_free()
        if options.http is not None:
            try:
                check_http_port_free(options.http)
            except HttpPortError as exc:
                raise StartError(str(exc)) from None
        edge_host = options.sip_addr if validate_sip_addr(options.sip_addr).is_loopback else "127.0.0.1"
        sweep(db, self.data_dir)
        factory_reset.finish_pending(db, self.data_dir)
        self._reset_seen = factory_reset.last_reset(db)
        self.message_waiting = MessageWaiting(db, self.data_dir, self.run_dir, f"{edge_host}:{options.sip_port}",
                                              realm(db))
        try:
            prompts = PromptLibrary(find_system_dir(), self.data_dir / "prompts")
        except PromptError as exc:
            raise StartError(f"{exc}; build them with `make prompts`") from None
        self.switch = Switch(db, edge_host, options.sip_port, realm(db), data_dir=self.data_dir, prompts=prompts,
                             mailbox_changed=self.message_waiting.changed)
        self.switch.workers = self.workers
        self.switch.max_calls = board.max_calls
        self.switch.programming.admin_pin_dir = options.admin_pin_dir or self.data_dir.parent / "appliance"
        self.switch.programming.sip_addr = options.sip_addr
        self.switch.programming.simulated = board.gpio == "sim"
        # Before any call: recordings a kill or power cut left open are repaired first.
        self.switch.recorder.start()
        self.switch.recorder.mail_wanted = self.message_waiting.mail_now
        self.call_events = CallEventFeed(db)
        self.call_events.attach(self.switch)
        self.lamps = BusyLamps(self.switch, db, self.run_dir, edge_host, options.sip_port, realm(db))
        self.switch.on_change.append(self.lamps.changed)

        first = self._plan(1)
        self.workers.append(self._handle(first))
        sdnotify.extend_start(WORKER_START_SECONDS + _STAGE_MARGIN_SECONDS, "starting call worker 1")
        await self._start_worker(self.workers[0])
        count = workers_needed(board.max_calls, self.workers[0].capacity)
        log.info("board %s: %d calls; pjsua2 holds %d legs per worker -> %d workers",
                 board.name, board.max_calls, self.workers[0].capacity, count)
        rest = [self._handle(self._plan(n)) for n in range(2, count + 1)]
        self.workers.extend(rest)
        sdnotify.extend_start(WORKER_START_SECONDS + _STAGE_MARGIN_SECONDS, f"starting {count} call workers")
        await asyncio.gather(*(self._start_worker(w) for w in rest))

        self.edge = Edge(
            EdgeSettings(
                sip_addr=options.sip_addr,
                sip_port=options.sip_port,
                db_path=db_path(self.data_dir),
                run_dir=self.run_dir,
                realm=realm(db),
                workers=tuple(WorkerAddress(w.number, WORKER_SIP_HOST, w.plan.sip_port) for w in self.workers),
                ring_timeout_s=int(str(get_setting(db, "ring_timeout"))),
                ban_after=int(str(get_setting(db, "ban_after_failures"))),
                ban_seconds=int(str(get_setting(db, "ban_seconds"))),
            ),
            self.log_dir,
        )
        sdnotify.extend_start(EDGE_START_SECONDS + _STAGE_MARGIN_SECONDS, "starting the SIP edge")
        await self.edge.start()
        self._spawn(self._watch_edge())
        self._spawn(self.message_waiting.edge_started())
        self._spawn(self.lamps.run(self.stopping))
        self._spawn(self.message_waiting.mail_rounds(self.stopping))
        if options.gateway and board_has_ports(board):
            # After the edge: the gateway's ports register there at once.
            self.gateway = LineGateway(GatewayPlan(
                data_dir=self.data_dir, board_path=options.board_path.resolve(), log_dir=self.log_dir,
                edge=f"{edge_host}:{options.sip_port}",
                rtp_base=options.rtp_base + len(self.workers) * RTP_PORTS_PER_WORKER))
            if board.leds or board.buttons:
                self.panel = FrontPanel(board, Admin(db, self.data_dir, PANEL), self.switch,
                                        self.gateway.show_panel_leds, self._faults, self._factory_reset)
                self.gateway.on_panel = self.panel.from_host
                self.switch.on_change.append(self.panel.wake)
                self._spawn(self.panel.run(self.stopping))
            sdnotify.extend_start(GATEWAY_START_SECONDS + _STAGE_MARGIN_SECONDS, "starting the line gateway")
            await self.gateway.start()
            # The door locks hang on the line gateway's hardware.
            self.switch.doors.opener = self.gateway.open_door
            if board.dect is not None:
                self.switch.dect_pairer = self.gateway.dect_pair
                self.switch.programming.dect_pairer = partial(call_commands.pair_dect, self.switch)
                self.switch.dect_remover = self.gateway.dect_remove
        self.control = ControlServer(self.run_dir / "control.sock", self.status, self.reload,
                                     calls=self.switch.active_calls,
                                     call_command=partial(call_commands.carry_out, self.switch))
        self.call_events.watchers.append(self.control.publish)
        await self.control.start()
        # Camp-on bookings kept from before a restart: a line may be free already.
        self.switch.serve_camp_ons()
        # Callback requests too: their queues' rounds start again.
        self.switch.queues.start()
        if options.http is not None:
            # After the control socket: the API asks the brain through it.
            self.api = ApiServer(options.http, self.data_dir, self.log_dir,
                                 options.admin_pin_dir or self.data_dir.parent / "appliance")
            await self.api.start()
            self._spawn(self.api.watch(self.stopping))
        if self.panel is not None:
            self.panel.ready = True
        sdnotify.ready(f"SIP on {options.sip_addr}:{options.sip_port}, {len(self.workers)} call workers")
        self._spawn(self._watchdog())
        self._spawn(self._watch_modes())
        self._spawn(self._reloader())
        self._spawn(directory_sync_rounds(self.data_dir, self.stopping))
        log.info("minipbx ready: SIP on %s:%d, %d call workers", options.sip_addr, options.sip_port,
                 len(self.workers))

    def _plan(self, number: int) -> WorkerPlan:
        return WorkerPlan(
            number=number,
            sip_port=self._unique_port(),
            media_addr=self.options.sip_addr,
            rtp_base=self.options.rtp_base + (number - 1) * RTP_PORTS_PER_WORKER,
            rtp_range=RTP_PORTS_PER_WORKER,
        )

    def _unique_port(self) -> int:
        """A free UDP port no other worker of ours was given (the kernel may hand one out twice)."""
        taken = {w.plan.sip_port for w in self.workers} | self._ports_given
        while (port := free_udp_port()) in taken:
            pass
        self._ports_given.add(port)
        return port

    def _handle(self, plan: WorkerPlan) -> WorkerHandle:
        assert self.switch is not None
        return WorkerHandle(plan, self.log_dir, self.switch.handle, self._worker_lost)

    async def _start_worker(self, worker: WorkerHandle) -> None:
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            try:
                await worker.start()
                break
            except WorkerPortTaken as exc:
                # Free when we looked, bound by someone else since: the edge does not know
                # the port yet, so another one does as well.
                if attempt == _PORT_ATTEMPTS:
                    raise StartError(f"{exc} ({attempt} ports tried)") from None
                log.warning("%s; starting it on another port", exc)
                worker.plan = replace(worker.plan, sip_port=self._unique_port())
            except WorkerStartError as exc:
                raise StartError(str(exc)) from None
        log.info("call worker %d up (pid %s, port %d, %d legs)", worker.number, worker.pid,
                 worker.plan.sip_port, worker.capacity)

    def _spawn(self, coro: asyncio.coroutines.Coroutine[None, None, None]) -> None:  # type: ignore[name-defined]
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- supervision -----------------------------------------------------------
    async def _worker_lost(self, worker: WorkerHandle) -> None:
        assert self.switch is not None
        self.switch.worker_lost(worker)
        if self.stopping.is_set():
            return
        # Before the worker comes back on the same port: its calls' other sides are told.
        try:
            ended = await end_dialogs_of(self.run_dir, f"{WORKER_SIP_HOST}:{worker.sip_port}")
            log.info("ended %d call(s) of call worker %d at the edge", ended, worker.number)
        except EdgeRpcError as exc:
            log.error("could not end the calls of call worker %d at the edge: %s", worker.number, exc)
        code = await worker.child.wait() if worker.child else None
        log.error("call worker %d (pid %s) died (exit %s); restarting it", worker.number, worker.pid, code)
        quick_crash = time.time() - worker.started_at < _CRASH_LOOP_WINDOW
        worker.quick_crashes = worker.quick_crashes + 1 if quick_crash else 0
        delay = min(_MAX_BACKOFF, 0.2 * (2 ** worker.quick_crashes))
        while not self.stopping.is_set():
            await asyncio.sleep(delay)
            if self.stopping.is_set():
                return
            try:
                await worker.start()
                worker.restarts += 1
                log.info("call worker %d back (pid %s)", worker.number, worker.pid)
                return
            except WorkerStartError as exc:
                log.error("%s", exc)
                delay = min(_MAX_BACKOFF, delay * 2)

    async def _watch_edge(self) -> None:
        assert self.edge is not None
        delay = 0.5
        while not self.stopping.is_set():
            code = await self.edge.child.wait()
            if self.stopping.is_set():
                return
            log.error("the edge (kamailio) exited with code %s; restarting it", code)
            await asyncio.sleep(delay)
            try:
                await self._wait_port_free()
                await self.edge.start()
                if self.lamps is not None:
                    self.lamps.edge_started()
                if self.message_waiting is not None:
                    await self.message_waiting.edge_started()
                delay = 0.5
            except Exception as exc:
                log.error("edge restart failed: %s", exc)
                delay = min(_MAX_BACKOFF, delay * 2)

    async def _watchdog(self) -> None:
        """Tell systemd we are alive, but only while the edge answers SIP."""
        interval = sdnotify.watchdog_interval() or 5.0
        while not self.stopping.is_set():
            if self.edge is not None and await self.edge.answers():
                sdnotify.watchdog_ping()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), interval)

    async def _watch_modes(self) -> None:
        """Log every mode change the timetable or a holiday makes (overrides log themselves)."""
        while not self.stopping.is_set():
            try:
                state = mode_now(self.db)
                if state.mode != last_logged_mode(self.db):
                    log_change(self.db, state, by="timetable")
                    log.info("mode now %s (%s)", state.mode, state.reason)
            except Exception:
                log.exception("checking the operating mode failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), 5)

    async def _factory_reset(self, wipe: bool) -> None:
        """The panel's reset button: the admin operation, then the PBX picks it up (as after the CLI's)."""
        assert self.panel is not None
        await asyncio.to_thread(factory_reset.factory_reset, self.panel.admin, wipe=wipe)
        await self.reload()

    def _faults(self) -> list[str]:
        """What is not running that should (the front panel's status LED blinks fast)."""
        found = [] if self.edge is not None and self.edge.child.running else ["the edge is not running"]
        return found + [f"call worker {w.number} is down" for w in self.workers if not w.ready]

    # ---- status ----------------------------------------------------------------
    async def status(self) -> dict[str, object]:
        assert self.switch is not None
        edge = self.edge
        try:
            regs, trunks = await self.edge_view.get()
        except EdgeRpcError:
            # Edge down: the last registrations it wrote back are the best we know.
            regs = [{"extension": r.extension, "contact": r.contact, "user_agent": r.user_agent,
                     "expires_in_s": ""} for r in registrations(self.db)]
            trunks = {}
        mode = mode_now(self.db)
        return {
            "pid": os.getpid(),
            "data_dir": str(self.data_dir),
            "uptime_s": round(time.time() - self.started_at, 1),
            "sip": f"{self.options.sip_addr}:{self.options.sip_port}",
            "edge": {"up": bool(edge and edge.child.running), "pid": edge.child.pid if edge else None},
            "workers": [
                {"number": w.number, "up": w.ready, "pid": w.pid, "port": w.plan.sip_port,
                 "capacity_legs": w.capacity,
                 "calls": sum(1 for c in self.switch.calls.values() if c.worker is w),
                 "restarts": w.restarts}
                for w in self.workers
            ],
            "registrations": regs,
            "trunks": [{**t.public(), "state": trunks.get(t.name, "not registering" if not t.register else
                                                          "not registered"),
                        "calls": self.switch.trunk_usage().get(t.name, 0)} for t in list_trunks(self.db)],
            "mode": {"mode": mode.mode, "reason": mode.reason},
            "active_calls": self.switch.active_calls(),
            "parked": self.switch.park_lot.snapshot(),
            "conferences": self.switch.conferences.snapshot(),
            "queues": self.switch.queues.snapshot(),
            "links": self.switch.links.count(),
            "busy_lamps": self.lamps.status() if self.lamps else None,
            "gateway": await self.gateway.status() if self.gateway else None,
            "directory_sync": last_sync_status(self.db),
            "http": self.api.status() if self.api else None,
        }

    async def reload(self) -> None:
        """Configuration changed (trunks): the edge reads its tables again, soon.

        Applied in the background: several changes in a row become one reload,
        and a reload the edge refuses for now (Kamailio frees old registration
        records only some seconds after a reload) is retried.
        """
        self._reload_wanted.set()
        reset = factory_reset.last_reset(self.db)
        if reset != self._reset_seen:
            # A factory reset: the line host provisions the board's ports again (their extensions
            # are gone), which it does at its start.
            self._reset_seen = reset
            log.warning("factory reset: restarting the line gateway")
            if self.gateway is not None:
                await self.gateway.restart_host()
            try:
                # The old passwords, refused while our ports' agents were going, must not ban the
                # box's own address (the agents log in from it again now).
                await forget_failed_logins(self.run_dir, AGENT_SIP_HOST)
            except EdgeRpcError as exc:
                log.warning("failed logins before the factory reset not forgotten: %s", exc)

    async def _reloader(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            await self._reload_wanted.wait()
            self._reload_wanted.clear()
            try:
                await reload_trunks(self.run_dir)
                log.info("trunk configuration reloaded")
                failures = 0
            except EdgeRpcError as exc:
                failures += 1
                if failures <= 30:
                    log.info("edge not ready to reload trunks (%s); retrying", exc)
                    await asyncio.sleep(1)
                    self._reload_wanted.set()
                else:
                    log.error("could not reload trunk configuration: %s", exc)
                    failures = 0

    # ---- stop --------------------------------------------------------------------
    async def stop(self) -> None:
        self.stopping.set()
        sdnotify.stopping()
        if self.api is not None:
            await self.api.stop()
        if self.control is not None:
            await self.control.stop()
        if self.gateway is not None:
            await self.gateway.stop()
        if self.edge is not None:
            await self.edge.stop()
        await asyncio.gather(*(w.stop() for w in self.workers), return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        if self._lock_file is not None:
            self._lock_file.close()


async def run(options: RunOptions) -> int:
    pbx = Pbx(options)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, pbx.stopping.set)
    try:
        await pbx.start()
        await pbx.stopping.wait()
        log.info("stopping")
    finally:
        await pbx.stop()
    return 0
