"""Setting up pjsua2 for a call worker, and measuring how many calls the build allows."""
from __future__ import annotations

import contextlib
import ctypes
import socket
import threading
from dataclasses import dataclass

import pjsua2 as pj

# Codec order: G.711 first (what desk phones and trunks speak), G.722 for wideband
# phones; everything else off so no call ends up in speex or iLBC by accident.
_CODEC_PRIORITY = {"PCMA/8000": 254, "PCMU/8000": 253, "G722/16000": 200, "telephone-event": 0}


@dataclass(frozen=True)
class EndpointSettings:
    sip_host: str
    sip_port: int
    media_addr: str
    rtp_base: int
    rtp_range: int
    log_level: int = 3
    # The conference bridge runs at 8 kHz: with G.711 legs that avoids resampling
    # every frame, which cut CPU about six-fold in measurements.
    clock_rate: int = 8000
    requested_calls: int = 512


def create_endpoint(settings: EndpointSettings) -> pj.Endpoint:
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    # Level 3 keeps "too many calls" and transport errors visible in the log.
    cfg.logConfig.level = settings.log_level
    cfg.logConfig.consoleLevel = settings.log_level
    cfg.logConfig.decor = cfg.logConfig.decor & ~pj.PJ_LOG_HAS_NEWLINE | pj.PJ_LOG_HAS_NEWLINE
    # One thread owns pjsua2: the worker's main loop polls libHandleEvents().
    # pjsua2 calls from any other Python thread abort the process.
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = False
    # pjsua clamps this to its compile-time limit without saying so; the worker
    # measures the real limit afterwards (probe_call_capacity).
    cfg.uaConfig.maxCalls = settings.requested_calls
    cfg.uaConfig.userAgent = "minipbx-worker"
    cfg.medConfig.clockRate = settings.clock_rate
    cfg.medConfig.sndClockRate = settings.clock_rate
    cfg.medConfig.noVad = True
    cfg.medConfig.ecTailLen = 0  # a switch does not cancel echo; FXO legs do that in the gateway
    cfg.medConfig.threadCnt = 1
    ep.libInit(cfg)
    # No sound card: the null device clocks the conference bridge.
    ep.audDevManager().setNullDev()
    transport = pj.TransportConfig()
    transport.port = settings.sip_port
    transport.boundAddress = settings.sip_host
    ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    ep.libStart()
    _idle_bridge_clock(ep)  # after libStart: it arms pjsua's audio idle timer, made there
    for codec in ep.codecEnum2():
        priority = next((p for prefix, p in _CODEC_PRIORITY.items() if codec.codecId.startswith(prefix)), 0)
        ep.codecSetPriority(codec.codecId, priority)
    return ep


def _idle_bridge_clock(ep: pj.Endpoint) -> None:
    """Let pjsua stop the bridge's clock while nothing is connected in it.

    The null device ticks the conference bridge every 20 ms on a thread of its own, even
    with no call. pjsua closes an idle sound device (the null one too) one second after a
    port leaves the bridge with no connection left (`sndAutoCloseTime`), and opens it again
    on the next connection; setNullDev() alone never arms that timer. Adding and removing
    a tone generator does, so an idle process stops ticking one second after start.
    """
    tone = pj.ToneGenerator()
    tone.createToneGenerator(8000, 1)
    del tone


def account_config(settings: EndpointSettings) -> pj.AccountConfig:
    cfg = pj.AccountConfig()
    cfg.idUri = f"sip:pbx@{settings.sip_host}:{settings.sip_port}"
    cfg.regConfig.registerOnAdd = False
    cfg.mediaConfig.transportConfig.port = settings.rtp_base
    cfg.mediaConfig.transportConfig.portRange = settings.rtp_range
    cfg.mediaConfig.transportConfig.boundAddress = settings.media_addr
    cfg.callConfig.timerUse = pj.PJSUA_SIP_TIMER_OPTIONAL
    return cfg


class _ProbeCall(pj.Call):
    def __init__(self, account: pj.Account) -> None:
        super().__init__(account)
        self.ended = False

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        if self.getInfo().state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.ended = True


# Headers a response copies from its request (RFC 3261 8.2.6.2), long and compact forms.
_ECHOED = {"via", "v", "from", "f", "call-id", "i", "cseq"}
_TO = {"to", "t"}


def busy_response(request: bytes) -> bytes | None:
    """A stateless 486 for an INVITE (None for anything else, e.g. the ACK that follows)."""
    text = request.decode("utf-8", "replace")
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    if not head[0].startswith("INVITE "):
        return None
    lines = ["SIP/2.0 486 Busy Here"]
    for line in head[1:]:
        name = line.partition(":")[0].strip().lower()
        if name in _ECHOED:
            lines.append(line)
        elif name in _TO:
            lines.append(line if ";tag=" in line.lower() else f"{line};tag=capacity-probe")
    return ("\r\n".join([*lines, "Content-Length: 0", "", ""])).encode()


class _BusyPeer:
    """A UDP socket outside pjsua that answers every INVITE 486.

    The probe's calls go here rather than to the worker's own address: there, an
    INVITE of the probe handled after another probe call has ended finds a free slot
    and becomes an incoming call for a worker that does not know its capacity yet;
    with hundreds of slots and their INVITEs in flight, that is no longer unlikely.
    """

    def __init__(self, host: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]

    def answer(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(65535)
            except BlockingIOError:
                return
            reply = busy_response(data)
            if reply is not None:
                self.sock.sendto(reply, peer)

    def close(self) -> None:
        self.sock.close()


def probe_call_capacity(ep: pj.Endpoint, account: pj.Account, settings: EndpointSettings, limit: int) -> int:
    """How many calls this pjsua2 build holds at once, with this worker's RTP port range.

    Makes calls to a local socket that answers nothing yet, until pjsua refuses one
    (a full call table refuses at once, before sending; so does an RTP range with no
    free pair). Then the socket answers every INVITE 486 and each probe call ends: no
    slot stays taken. The result is the smaller of the compile-time call limit
    (PJSUA_MAX_CALLS, 4 in the PyPI wheel) and what the RTP range has room for.
    """
    peer = _BusyPeer(settings.sip_host)
    op = pj.CallOpParam(True)
    # Calls without media: no RTP sockets or streams to set up and free (256 of them
    # left ~12 MiB of heap behind); the RTP range is counted instead.
    op.opt.audioCount = 0
    probes: list[_ProbeCall] = []
    try:
        while len(probes) < limit:
            call = _ProbeCall(account)
            try:
                call.makeCall(f"sip:capacity-probe@{settings.sip_host}:{peer.port}", op)
            except pj.Error:
                break
            probes.append(call)
        # pjsua takes an RTP/RTCP pair from the range for each call's audio.
        return min(len(probes), settings.rtp_range // 2 + 1)
    finally:
        for _ in range(400):
            peer.answer()
            if all(call.ended for call in probes):
                break
            ep.libHandleEvents(5)
        else:
            for call in probes:
                with contextlib.suppress(pj.Error):
                    call.hangup(pj.CallOpParam())
        probes.clear()
        peer.close()
        _return_heap_later(_PROBE_TRANSACTIONS_LINGER)


# A UAC INVITE transaction over UDP stays for Timer D (32 s) after its 486; only then
# are the probe's 256 dialogs freed, and glibc keeps the ~15 MiB they took unless asked.
_PROBE_TRANSACTIONS_LINGER = 40.0


def _return_heap_later(delay: float) -> None:
    """malloc_trim(0) after `delay` s, from a timer thread: libc only, pjsua2 is not touched."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc; absent elsewhere
    if trim is None:
        return
    timer = threading.Timer(delay, trim, args=(0,))
    timer.daemon = True
    timer.start()
