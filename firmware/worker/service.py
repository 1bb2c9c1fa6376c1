"""A call worker: executes the brain's commands on pjsua2 calls and reports events.

No routing logic lives here. One thread does everything: it polls pjsua2, reads
commands from the brain's socket and runs work deferred out of pjsua2 callbacks.
"""
from __future__ import annotations

import contextlib
import errno
import gc
import itertools
import logging
import os
import signal
import socket
import sys
from collections import deque
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from firmware.worker.endpoint import EndpointSettings, account_config, create_endpoint, probe_call_capacity
from firmware.worker.legs import Leg, LegTable
from firmware.worker.protocol import COMMANDS, Message, ProtocolError, decode, encode
from firmware.worker.sipmsg import parse_invite

log = logging.getLogger("minipbx.worker")

# An incoming call needs its own slot and one for the leg the brain will dial.
SLOTS_PER_INCOMING = 2


class WorkerAccount(pj.Account):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.worker.incoming(prm)


class Worker:
    def __init__(self, number: int, brain: socket.socket, settings: EndpointSettings) -> None:
        self.number = number
        self.brain = brain
        self.settings = settings
        self.legs = LegTable()
        self.bridges: dict[str, str] = {}
        self.pending: deque[tuple[str, Callable[[Leg], None]]] = deque()
        self.outbox = bytearray()
        self.inbox = bytearray()
        self.stopping = False
        self._ids = itertools.count(1)
        self.ep = create_endpoint(settings)
        self.account = WorkerAccount(self)
        self.account.create(account_config(settings), True)
        self.capacity = probe_call_capacity(self.ep, self.account, settings, settings.requested_calls)

    # ---- events to the brain -------------------------------------------------
    def emit(self, message: Message) -> None:
        self.outbox += encode(message)

    def defer(self, token: str, action: Callable[[Leg], None]) -> None:
        """Run action(leg) from the main loop, if the leg still exists then."""
        self.pending.append((token, action))

    def leg_ended(self, token: str) -> None:
        self.legs.forget(token)
        peer = self.bridges.pop(token, None)
        if peer is not None:
            self.bridges.pop(peer, None)

    # ---- incoming calls ------------------------------------------------------
    def incoming(self, prm: pj.OnIncomingCallParam) -> None:
        invite = parse_invite(prm.rdata.wholeMsg)
        full = len(self.legs) + SLOTS_PER_INCOMING > self.capacity
        token = f"w{self.number}-{next(self._ids)}"
        leg = Leg(self, token, call_id=prm.callId, outgoing=False, silent=full)
        self.legs.add(leg)
        if full:
            # The edge tries the next worker on 503.
            self.defer(token, lambda leg: self._reject(leg, 503, "Worker Full"))
            return
        leg.emit(
            "incoming",
            call_id=invite.call_id,
            from_user=invite.from_user,
            from_name=invite.from_name,
            to_user=invite.request_user or invite.to_user,
            # Set by the edge after digest authentication; absent = not a known device.
            auth_user=invite.headers.get("x-minipbx-user", ""),
            # Set by the edge for calls from a provider it recognised by address.
            trunk=invite.headers.get("x-minipbx-trunk", ""),
            did=invite.headers.get("x-minipbx-did", ""),
            source=prm.rdata.srcAddress,
        )

    def _reject(self, leg: Leg, code: int, reason: str) -> None:
        op = pj.CallOpParam()
        op.statusCode = code
        op.reason = reason
        leg.hangup(op)

    # ---- commands from the brain --------------------------------------------
    def handle(self, message: Message) -> None:
        kind = message["type"]
        if kind == "status":
            self.emit({"type": "status", "legs": len(self.legs), "capacity": self.capacity,
                       "bridges": len(self.bridges) // 2, "tokens": self.legs.tokens()})
            return
        if kind == "dial":
            self.dial(message)
            return
        if kind == "bridge":
            self.bridges[message["a"]] = message["b"]
            self.bridges[message["b"]] = message["a"]
            for token in (message["a"], message["b"]):
                self.defer(token, self.connect_media)
            return
        leg = self.legs.get(message["leg"])
        if leg is None:
            # Normal race: the leg ended while the command was on its way.
            return
        if kind == "answer":
            op = pj.CallOpParam()
            op.statusCode = int(message["code"])
            leg.answer(op)
        elif kind == "hangup":
            op = pj.CallOpParam()
            op.statusCode = int(message.get("code", 0))
            if message.get("reason"):
                op.reason = str(message["reason"])
            leg.ended_by_command = True
            leg.hangup(op)
        elif kind == "tone":
            self.start_tone(leg, message["segments"], bool(message.get("loop", True)))
        elif kind == "stop_tone":
            self.stop_tone(leg)

    def dial(self, message: Message) -> None:
        token = str(message["leg"])
        leg = Leg(self, token, outgoing=True)
        self.legs.add(leg)
        op = pj.CallOpParam(True)
        op.txOption.localUri = str(message["from_uri"])
        for name, value in dict(message.get("headers", {})).items():
            header = pj.SipHeader()
            header.hName = str(name)
            header.hValue = str(value)
            op.txOption.headers.append(header)
        try:
            leg.makeCall(str(message["uri"]), op)
        except pj.Error as exc:
            self.legs.forget(token)
            self.emit({"type": "ended", "leg": token, "code": 500, "reason": exc.reason or "dial failed",
                       "by": "pbx"})

    # ---- media ---------------------------------------------------------------
    def connect_media(self, leg: Leg) -> None:
        if leg.audio is None:
            return
        if leg.tone is not None and leg.token not in self.bridges:
            leg.tone.startTransmit(leg.audio)
            return
        peer_token = self.bridges.get(leg.token)
        peer = self.legs.get(peer_token) if peer_token else None
        if peer is None or peer.audio is None:
            return
        self.stop_tone(leg)
        self.stop_tone(peer)
        leg.audio.startTransmit(peer.audio)
        peer.audio.startTransmit(leg.audio)

    def start_tone(self, leg: Leg, segments: list[list[int]], loop: bool) -> None:
        self.stop_tone(leg)
        descs = pj.ToneDescVector()
        for freq1, freq2, on_ms, off_ms in segments:
            desc = pj.ToneDesc()
            desc.freq1, desc.freq2, desc.on_msec, desc.off_msec = int(freq1), int(freq2), int(on_ms), int(off_ms)
            desc.volume = 0
            descs.append(desc)
        tone = pj.ToneGenerator()
        tone.createToneGenerator(self.settings.clock_rate, 1)
        tone.play(descs, loop)
        leg.tone = tone
        self.connect_media(leg)

    def stop_tone(self, leg: Leg) -> None:
        if leg.tone is not None:
            if leg.audio is not None:
                with contextlib.suppress(pj.Error):
                    leg.tone.stopTransmit(leg.audio)
            leg.tone = None

    # ---- the loop ------------------------------------------------------------
    def _read_brain(self) -> None:
        while True:
            try:
                chunk = self.brain.recv(65536)
            except BlockingIOError:
                return
            if not chunk:
                log.warning("brain connection closed; worker %d stops", self.number)
                self.stopping = True
                return
            self.inbox += chunk
            while b"\n" in self.inbox:
                line, _, rest = self.inbox.partition(b"\n")
                self.inbox = bytearray(rest)
                try:
                    message = decode(bytes(line), COMMANDS)
                except ProtocolError as exc:
                    self.emit({"type": "error", "message": str(exc)})
                    continue
                try:
                    self.handle(message)
                except pj.Error as exc:
                    self.emit({"type": "error", "message": f"{message['type']} failed: {exc.info()}",
                               "leg": message.get("leg")})

    def _run_pending(self) -> None:
        for _ in range(len(self.pending)):
            token, action = self.pending.popleft()
            leg = self.legs.get(token)
            if leg is None:
                continue
            try:
                action(leg)
            except pj.Error as exc:
                self.emit({"type": "error", "message": f"{exc.info()}", "leg": token})

    def _flush(self) -> None:
        while self.outbox:
            try:
                sent = self.brain.send(self.outbox)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EPIPE, errno.ECONNRESET):
                    self.stopping = True
                    return
                raise
            del self.outbox[:sent]

    def run(self) -> None:
        self.emit({"type": "hello", "worker": self.number, "capacity": self.capacity, "pid": os.getpid()})
        while not self.stopping:
            self.ep.libHandleEvents(10)
            self._read_brain()
            self._run_pending()
            self._flush()

    def shutdown(self) -> None:
        """Hang up everything, then free wrappers before libDestroy (else pjsua2 aborts)."""
        with contextlib.suppress(pj.Error):
            self.ep.hangupAllCalls()
        for _ in range(50):
            if not len(self.legs):
                break
            self.ep.libHandleEvents(10)
        self._flush()
        self.legs.clear()
        self.pending.clear()
        self.account.shutdown()
        del self.account
        sys.last_traceback = sys.last_value = sys.last_type = None
        gc.collect()
        self.ep.libDestroy()


def run_worker(number: int, brain_fd: int, settings: EndpointSettings) -> int:
    brain = socket.socket(fileno=brain_fd)
    brain.setblocking(False)
    worker = Worker(number, brain, settings)

    def stop(*_: Any) -> None:
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        worker.run()
    finally:
        worker.shutdown()
    return 0
