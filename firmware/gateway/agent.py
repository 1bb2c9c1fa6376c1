"""A SIP agent of the line gateway: the pjsua2 process that makes a few ports look
like SIP phones. It registers one account per port it was assigned, places and
answers calls when the line host says so, and carries each port's audio between
the call and the host through an AudioMediaPort. No line logic lives here (that is
in firmware/gateway/lines.py, in the host); this is a thin executor like a call worker.

Threads: the main thread owns pjsua2 (architecture pitfall 1) and polls it, the
host's control messages and deferred work. A reader thread only moves records from
the host socket: audio into each port's FrameBuffer, control onto a queue. pjsua2's
clock thread calls the ports' onFrameRequested/onFrameReceived; they touch only a
FrameBuffer and the socket (MSG_DONTWAIT), never the GIL for long.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import os
import queue
import signal
import socket
import sys
import threading
from typing import Any

import pjsua2 as pj

from firmware.edge.message_summary import parse_message_summary
from firmware.gateway import wire
from firmware.gateway.wire import AGENT_SIP_HOST
from firmware.intercom import asks_auto_answer
from firmware.worker.endpoint import EndpointSettings, create_endpoint
from firmware.worker.legs import first_active_audio
from firmware.worker.sipmsg import parse_invite
from firmware.worker.waker import Waker
from hal.audio.buffer import FrameBuffer

log = logging.getLogger("minipbx.gateway.agent")

FRAME_BYTES = wire.FRAME_BYTES
# Frames held for the call: the host sends one every 20 ms on its own clock; more
# than this and the oldest are dropped, so the delay can never build up.
_RX_FRAMES = 4
REGISTRATION_EXPIRES = 300
# libHandleEvents()'s timeout: SIP and the line host's messages wake the loop themselves
# (the host reader sends the waker's datagram), so it only bounds how late a stop is seen.
POLL_MS = 1000


class RelayPort(pj.AudioMediaPort):
    """A port's audio in the conference bridge: what the host sends is played into the
    call; what the call carries is sent to the host."""

    def __init__(self, agent: Agent, slot: int) -> None:
        super().__init__()
        self.agent = agent
        self.slot = slot
        self.rx = FrameBuffer(max_frames=_RX_FRAMES)

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = pj.ByteVector(self.rx.pop_padded(FRAME_BYTES))
        frame.size = FRAME_BYTES

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size == FRAME_BYTES:
            wire.send_audio(self.agent.host, self.slot, bytes(frame.buf))


class PortAccount(pj.Account):
    def __init__(self, agent: Agent, slot: int, port: str, user: str) -> None:
        super().__init__()
        self.agent = agent
        self.slot = slot
        self.port = port
        self.user = user

    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        info = self.getInfo()
        self.agent.emit({"type": "registered", "slot": self.slot, "code": int(prm.code),
                         "active": bool(info.regIsActive)})

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.agent.incoming(self, prm)

    def onMwiInfo(self, prm: pj.OnMwiInfoParam) -> None:
        # An unsolicited message-summary NOTIFY for this port's extension (pjsua answers it
        # 200 and finds the account by the request URI's user).
        summary = parse_message_summary(prm.rdata.wholeMsg.partition("\r\n\r\n")[2])
        if summary is not None:
            self.agent.emit({"type": "mwi", "slot": self.slot, "waiting": summary.waiting,
                             "new": summary.new, "saved": summary.saved})


class PortCall(pj.Call):
    """One call of a port. Kept in `Agent.calls` only, dropped on DISCONNECTED (pitfall 2)."""

    def __init__(self, agent: Agent, account: PortAccount, token: str, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, call_id)
        self.agent = agent
        self.slot = account.slot
        self.token = token
        self.audio: pj.AudioMedia | None = None
        self._progress = 0

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_EARLY and info.role == pj.PJSIP_ROLE_UAC:
            code = int(info.lastStatusCode)
            if code in (180, 181, 182, 183) and code != self._progress:
                self._progress = code
                self.agent.emit({"type": "progress", "call": self.token, "code": code})
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.agent.emit({"type": "answered", "call": self.token})
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.agent.emit({"type": "ended", "call": self.token, "code": int(info.lastStatusCode),
                             "reason": str(info.lastReason)})
            self.audio = None
            self.agent.calls.pop(self.token, None)

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        # Keys the far end pressed (passed through by the PBX); an exchange line plays them on.
        self.agent.emit({"type": "dtmf", "call": self.token, "digit": str(prm.digit)})

    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:
        # Nobody may move a port's call by REFER: pjsua would dial the target by itself.
        prm.statusCode = 403

    def onCallReplaceRequest(self, prm: pj.OnCallReplaceRequestParam) -> None:
        prm.statusCode = 403
        prm.reason = "Replaces not accepted"

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        audio = first_active_audio(self)
        if audio is None or self.audio is not None:
            return
        self.audio = audio
        relay = self.agent.relays.get(self.slot)
        if relay is not None:
            audio.startTransmit(relay)
            relay.startTransmit(audio)
        self.agent.emit({"type": "media", "call": self.token})


class Agent:
    def __init__(self, index: int, host: socket.socket, settings: EndpointSettings) -> None:
        self.index = index
        self.host = host
        self.settings = settings
        self.accounts: dict[int, PortAccount] = {}
        self.relays: dict[int, RelayPort] = {}
        self.released: list[PortAccount] = []
        self.calls: dict[str, PortCall] = {}
        self.inbox: queue.Queue[wire.Message | None] = queue.Queue()
        self.stopping = False
        self.edge = ""
        self._ids = itertools.count(1)
        self.ep = create_endpoint(settings)
        self.waker = Waker(settings.sip_host, settings.sip_port)

    # ---- to the host --------------------------------------------------------
    def emit(self, message: wire.Message) -> None:
        try:
            self.host.send(wire.control(message))
        except OSError:
            self.stopping = True

    # ---- from the host (reader thread) --------------------------------------
    def read_host(self) -> None:
        while True:
            try:
                record = self.host.recv(wire.MAX_RECORD)
            except OSError:
                record = b""
            if not record:
                self.inbox.put(None)
                self.waker.wake()
                return
            parsed = wire.parse(record, wire.TO_AGENT)
            if isinstance(parsed, tuple):
                # Audio goes straight to the port's buffer, which pjmedia's clock reads.
                relay = self.relays.get(parsed[0])
                if relay is not None:
                    relay.rx.push(parsed[1])
            elif parsed is not None:
                self.inbox.put(parsed)
                self.waker.wake()

    # ---- commands (main thread) ---------------------------------------------
    def handle(self, message: wire.Message) -> None:
        kind = message["type"]
        if kind == "assign":
            self.assign(message)
        elif kind == "release":
            self.release(int(message["slot"]))
        elif kind == "call":
            self.call(message)
        else:
            call = self.calls.get(str(message.get("call")))
            if call is None:
                return  # ended while the command was on its way; its `ended` is in flight
            op = pj.CallOpParam()
            if kind == "answer":
                op.statusCode = int(message["code"])
                call.answer(op)
            elif kind == "hangup":
                op.statusCode = int(message.get("code", 0))
                call.hangup(op)
            elif kind == "dtmf" and call.audio is not None:
                # "R" is RFC 2833 event 16, hook flash.
                call.dialDtmf(str(message["digits"]))

    def assign(self, message: wire.Message) -> None:
        self.edge = str(message["edge"])
        for entry in message["accounts"]:
            slot = int(entry["slot"])
            if slot in self.accounts:
                continue
            cfg = pj.AccountConfig()
            cfg.idUri = f"sip:{entry['user']}@{self.edge}"
            cfg.regConfig.registrarUri = f"sip:{self.edge}"
            cfg.regConfig.timeoutSec = REGISTRATION_EXPIRES
            cfg.regConfig.retryIntervalSec = 2
            cfg.regConfig.firstRetryIntervalSec = 1
            cfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", str(entry["user"]), 0,
                                                           str(entry["password"])))
            cfg.mediaConfig.transportConfig.port = self.settings.rtp_base
            cfg.mediaConfig.transportConfig.portRange = self.settings.rtp_range
            cfg.mediaConfig.transportConfig.boundAddress = self.settings.media_addr
            account = PortAccount(self, slot, str(entry["port"]), str(entry["user"]))
            account.create(cfg, True)
            self.accounts[slot] = account
            relay = RelayPort(self, slot)
            fmt = pj.MediaFormatAudio()
            fmt.init(pj.PJMEDIA_FORMAT_PCM, 8000, 1, 20000, 16)
            relay.createPort(f"port-{entry['port']}", fmt)
            self.relays[slot] = relay
            log.info("agent %d: port %s registers as %s", self.index, entry["port"], entry["user"])

    def release(self, slot: int) -> None:
        """Unregister the account of a port that went; the edge then no longer rings it."""
        account = self.accounts.pop(slot, None)
        if account is None:
            return
        # Kept referenced: pjsua2 may still call back into it while the unregistration runs.
        self.released.append(account)
        account.shutdown()
        log.info("agent %d: port %s (%s) released", self.index, account.port, account.user)

    def call(self, message: wire.Message) -> None:
        token = str(message["call"])
        account = self.accounts.get(int(message["slot"]))
        if account is None:
            self.emit({"type": "ended", "call": token, "code": 500, "reason": "port not assigned"})
            return
        call = PortCall(self, account, token)
        self.calls[token] = call
        op = pj.CallOpParam(True)
        display = str(message.get("display") or "").replace('"', "'")
        if display:
            op.txOption.localUri = f'"{display}" <sip:{account.user}@{self.edge}>'
        try:
            call.makeCall(str(message["uri"]), op)
        except pj.Error as exc:
            self.calls.pop(token, None)
            self.emit({"type": "ended", "call": token, "code": 500, "reason": exc.reason or "call failed"})

    def incoming(self, account: PortAccount, prm: pj.OnIncomingCallParam) -> None:
        invite = parse_invite(prm.rdata.wholeMsg)
        token = f"a{self.index}-{next(self._ids)}"
        call = PortCall(self, account, token, prm.callId)
        self.calls[token] = call
        self.emit({"type": "incoming", "slot": account.slot, "call": token, "from_user": invite.from_user,
                   "from_name": invite.from_name, "dial": invite.headers.get("x-minipbx-dial", ""),
                   "intercom": asks_auto_answer(invite.headers.get("call-info", ""))})

    # ---- the loop -------------------------------------------------------------
    def run(self) -> None:
        self.emit({"type": "hello", "index": self.index, "pid": os.getpid()})
        reader = threading.Thread(target=self.read_host, name="host-reader", daemon=True)
        reader.start()
        while not self.stopping:
            self.ep.libHandleEvents(POLL_MS)
            self.waker.woken()  # before draining: a message queued from now on sends a new datagram
            while True:
                try:
                    message = self.inbox.get_nowait()
                except queue.Empty:
                    break
                if message is None:
                    log.warning("agent %d: the line host went away; stopping", self.index)
                    self.stopping = True
                    break
                try:
                    self.handle(message)
                except (pj.Error, KeyError, ValueError, TypeError) as exc:
                    log.error("agent %d: %s failed: %s", self.index, message.get("type"), exc)

    def shutdown(self) -> None:
        """Hang up, unregister, free every wrapper before libDestroy (pitfall 3)."""
        with contextlib.suppress(pj.Error):
            self.ep.hangupAllCalls()
        for _ in range(30):
            if not self.calls:
                break
            self.ep.libHandleEvents(10)
        self.calls.clear()
        self.relays.clear()
        for account in self.accounts.values():
            account.shutdown()
        self.accounts.clear()
        sys.last_traceback = sys.last_value = sys.last_type = None
        gc.collect()
        self.ep.libDestroy()


def run_agent(index: int, host_path: str, settings: EndpointSettings) -> int:
    try:
        host = wire.connect(host_path)
    except OSError as exc:
        log.error("agent %d: cannot reach the line host at %s: %s", index, host_path, exc)
        return 2
    agent = Agent(index, host, settings)

    def stop(*_: Any) -> None:
        agent.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        agent.run()
    finally:
        agent.shutdown()
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="minipbx-gateway-agent", description="SIP agent of the line gateway")
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--host-socket", required=True, help="the line host's socket")
    parser.add_argument("--sip-port", type=int, required=True)
    parser.add_argument("--media-addr", default="127.0.0.1")
    parser.add_argument("--rtp-base", type=int, required=True)
    parser.add_argument("--rtp-range", type=int, default=40)
    parser.add_argument("--log-level", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # Each call takes an RTP/RTCP pair of the range, so the range bounds the calls: pjsua's call
    # table sized for that (20 calls for the 8 ports an agent serves) rather than for the build's
    # 256 keeps ~5 MiB of call slots out of the process.
    settings = EndpointSettings(sip_host=AGENT_SIP_HOST, sip_port=args.sip_port, media_addr=args.media_addr,
                                rtp_base=args.rtp_base, rtp_range=args.rtp_range, log_level=args.log_level,
                                requested_calls=max(1, args.rtp_range // 2))
    return run_agent(args.index, args.host_socket, settings)


if __name__ == "__main__":
    sys.exit(main())
