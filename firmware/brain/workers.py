"""The brain's side of one call worker: its process and its protocol link."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from firmware.process.child import Child
from firmware.worker.protocol import EVENTS, PORT_TAKEN_EXIT, Message, ProtocolError, decode, encode

log = logging.getLogger("minipbx.workers")


# A worker's hello comes after pjsua2 has started: about 1 s on a Pi, 12 s under full
# emulation, several times that on a busy emulator. A hang still ends the start.
WORKER_START_SECONDS = 90.0


class WorkerStartError(RuntimeError):
    pass


class WorkerPortTaken(WorkerStartError):
    """The worker's SIP port was bound by another program between our choice and its bind."""


# Where every call worker listens for SIP (the edge and the other workers reach it there).
WORKER_SIP_HOST = "127.0.0.1"


@dataclass(frozen=True)
class WorkerPlan:
    number: int
    sip_port: int
    media_addr: str
    rtp_base: int
    rtp_range: int


class WorkerHandle:
    """Starts a worker, sends it commands, passes its events to the switch."""

    def __init__(self, plan: WorkerPlan, log_dir: Path,
                 on_event: Callable[[WorkerHandle, Message], None],
                 on_lost: Callable[[WorkerHandle], Awaitable[None]]) -> None:
        self.plan = plan
        self.number = plan.number
        self.log_dir = log_dir
        self.on_event = on_event
        self.on_lost = on_lost
        self.capacity = 0
        self.child: Child | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reader_task: asyncio.Task[None] | None = None
        self.ready = False
        self.started_at = 0.0
        self.restarts = 0  # total, shown in status
        self.quick_crashes = 0  # in a row, sets the restart back-off

    @property
    def sip_port(self) -> int:
        return self.plan.sip_port

    @property
    def pid(self) -> int | None:
        return self.child.pid if self.child else None

    async def start(self, timeout: float = WORKER_START_SECONDS) -> None:
        ours, theirs = socket.socketpair()
        plan = self.plan
        self.child = Child(
            f"worker{plan.number}",
            [sys.executable, "-m", "firmware.worker", "--number", str(plan.number),
             "--brain-fd", str(theirs.fileno()), "--sip-host", WORKER_SIP_HOST, "--sip-port", str(plan.sip_port),
             "--media-addr", plan.media_addr, "--rtp-base", str(plan.rtp_base),
             "--rtp-range", str(plan.rtp_range)],
            self.log_dir / f"worker{plan.number}.log",
            pass_fds=[theirs.fileno()],
        )
        try:
            await self.child.start()
        finally:
            theirs.close()
        reader, self.writer = await asyncio.open_unix_connection(sock=ours, limit=1 << 20)
        try:
            hello = await asyncio.wait_for(self._read(reader), timeout)
        except (TimeoutError, ProtocolError, ConnectionError) as exc:
            await self.child.stop()
            raise WorkerStartError(
                f"call worker {plan.number} did not start ({exc or 'no hello'}); see {self.child.log_path}"
            ) from None
        if hello is None or hello["type"] != "hello":
            code = None
            if hello is None:
                # Its socket closed: the exit code says why, once the process is gone.
                with contextlib.suppress(TimeoutError):
                    code = await asyncio.wait_for(self.child.wait(), 5)
            await self.child.stop()
            if code == PORT_TAKEN_EXIT:
                raise WorkerPortTaken(f"call worker {plan.number}: SIP port {plan.sip_port} was taken by another "
                                      "program")
            raise WorkerStartError(f"call worker {plan.number} exited at start; see {self.child.log_path}")
        self.capacity = int(hello["capacity"])
        if self.capacity < 2:
            await self.child.stop()
            raise WorkerStartError(f"call worker {plan.number}: this pjsua2 build holds {self.capacity} call(s); "
                                   "a bridged call needs 2")
        self.ready = True
        self.started_at = time.time()
        self.reader_task = asyncio.create_task(self._read_loop(reader))

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Message | None:
        line = await reader.readline()
        return decode(line, EVENTS) if line else None

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                try:
                    message = await self._read(reader)
                except ProtocolError as exc:
                    log.error("worker %d sent a bad message: %s", self.number, exc)
                    continue
                if message is None:
                    break
                try:
                    self.on_event(self, message)
                except Exception:
                    log.exception("handling %s from worker %d failed", message.get("type"), self.number)
        except ConnectionError:
            pass
        self.ready = False
        await self.on_lost(self)

    def send(self, message: Message) -> None:
        if self.writer is None or not self.ready:
            return
        try:
            self.writer.write(encode(message))
        except (ConnectionError, RuntimeError):
            self.ready = False

    async def stop(self) -> None:
        self.ready = False
        if self.child is not None:
            await self.child.stop()
        if self.writer is not None:
            self.writer.close()
