"""A pjsua2 SIP test phone that runs as its own process.

    python -m tests.support.phone_process --user 201 --bind 127.0.0.2 --registrar 127.0.0.1:5060 ...

Control: one command per line on stdin, either JSON (`{"cmd": "call", "target": "202", "id": 3}`) or
words for a human at a terminal (`call 202`, `answer 183`, `dtmf 12#`). Commands:

    register [timeout]      unregister [timeout]      call <number | user@host | SIP URI>
    answer [code] [call]    reject [code] [call]      hangup [call]      dtmf <digits> [call]      quit
    play_file <path> [call] (JSON also: loop, keep_tone)                 stop_file [call]
    hold [call]     resume [call]     transfer <number> [call]     transfer_to_call <other> [call]

Events: one JSON object per line on stdout, `{"event": KIND, "t": <time.monotonic()>, ...}`:

    ready {sip_port, bind, transport}            registered {attempt, code, reason, expires[, local, late]}
    incoming {call, from_uri, from_user, display_name, to_uri, request_uri, sip_call_id}
    ringing {call, code}      media {call}       connected {call}       dtmf {call, digit}
    disconnected {call, code, reason, recording}  error {message[, id, cmd]}     done {id, cmd[, call]}
    file_done {call, path}     transfer_status {call, code, reason, final}
    mwi {waiting, new, saved, body, in_dialog}   (a message-summary NOTIFY, RFC 3842)

`t` is CLOCK_MONOTONIC, shared by every process on the machine, so events of different phones can be
ordered. A JSON command may carry an `id`; it is answered by `done {id}` or `error {id}` once the
command has been handed to pjsua2 (its SIP outcome comes later as other events). Calls are numbered
1, 2, ... per phone; that number is `call` in events and commands and `n` in the recording
`call-<n>.wav` (8 kHz mono, what the phone received, written completely before `disconnected`).

`play_file` sends a WAV file (16-bit mono PCM) into a call with media, default the newest: the phone
"speaks" a greeting or a message. The phone's tone stops on that call (unless `keep_tone`) and stays
off until `stop_file`, which also stops the file. `file_done` is reported once the file's length has
been sent (not for `loop`); a newer `play_file` on the call replaces the file.

Threading (see docs/architecture.md, pitfalls): pjsua2 is only ever touched by the main thread.
`threadCnt=0` and `medConfig.hasIoqueue=False` put SIP and RTP on one ioqueue that the main loop
polls with `libHandleEvents`, so every pjsua2 callback also runs on the main thread. A reader thread
only moves stdin lines onto a queue. pjsua's own stdout logging is diverted (fd 1 is pointed at
stderr) so that nothing but events ever reaches the event stream.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import itertools
import json
import os
import queue
import re
import shlex
import signal
import sys
import threading
import time
import wave
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

import pjsua2 as pj

# Code/reason reported when a REGISTER gets no final answer within the caller's timeout. pjsip itself
# would only give up after Timer F (32 s) on UDP, because Linux does not report ICMP "port
# unreachable" to unconnected UDP sockets; a test waiting on a PBX that is down must not wait that long.
LOCAL_TIMEOUT_CODE = 408
# Code reported when pjsua2 refuses to even send a REGISTER (same code pjsip uses for transport errors).
LOCAL_FAILURE_CODE = 503

# How long `quit` waits for BYEs and the un-REGISTER to be answered before tearing down anyway.
QUIT_GRACE_SECONDS = 2.0
# The bridge closes a dropped recorder on its next 20 ms tick; this is only a safety net.
RECORDING_CLOSE_SECONDS = 3.0
POLL_MS = 10


class EventStream:
    """Writes events as JSON lines. Thread-safe, although by design only the main thread writes."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()

    def emit(self, kind: str, **fields: Any) -> None:
        line = json.dumps({"event": kind, "t": time.monotonic(), **fields})
        with self._lock:
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except (BrokenPipeError, ValueError):
                # The test process is gone; the main loop notices stdin EOF and shuts down.
                pass


@dataclass
class Options:
    user: str
    password: str | None
    registrar: str | None
    transport: str
    bind: str
    sip_port: int
    rtp_port: int
    rtp_port_range: int
    tone_hz: int
    record_dir: Path | None
    log_file: Path | None
    log_level: int
    auto_answer: float | None
    answer_when_busy: bool
    ring: bool
    display_name: str | None
    expires: int
    reg_retry: int
    codecs: list[str] = field(default_factory=lambda: ["PCMA", "PCMU"])
    mwi_subscribe: bool = False


def parse_args(argv: list[str] | None = None) -> Options:
    ap = argparse.ArgumentParser(prog="python -m tests.support.phone_process",
                                 description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--user", required=True, help="SIP user (extension)")
    ap.add_argument("--password", help="digest password; no credentials when absent")
    ap.add_argument("--registrar", help="host:port of the registrar; the phone never registers when absent")
    ap.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    ap.add_argument("--bind", default="127.0.0.1", help="local address for SIP and RTP")
    ap.add_argument("--sip-port", type=int, default=0, help="0 = any free port (reported in `ready`)")
    ap.add_argument("--rtp-port", type=int, default=4000, help="first RTP port to try")
    ap.add_argument("--rtp-port-range", type=int, default=1000)
    ap.add_argument("--tone", type=int, default=0, help="Hz sent into every call once media is up; 0 = none")
    ap.add_argument("--record-dir", type=Path, help="records call-<n>.wav here (and pjsua.log)")
    ap.add_argument("--log-file", type=Path, help="pjsua log (default: <record-dir>/pjsua.log)")
    ap.add_argument("--log-level", type=int, default=3)
    ap.add_argument("--auto-answer", type=float, default=None, help="answer 200 after N s (off if absent)")
    ap.add_argument("--answer-when-busy", action="store_true", help="auto-answer even during another call")
    ap.add_argument("--no-ring", dest="ring", action="store_false", help="do not send 180 on incoming calls")
    ap.add_argument("--display-name")
    ap.add_argument("--expires", type=int, default=300, help="REGISTER expiry (seconds)")
    ap.add_argument("--reg-retry", type=int, default=0, help="retry a failed REGISTER after N s; 0 = never")
    ap.add_argument("--codecs", default="PCMA,PCMU", help="enabled codecs, most preferred first")
    ap.add_argument("--mwi-subscribe", action="store_true", help="SUBSCRIBE to message-summary once registered")
    a = ap.parse_args(argv)
    return Options(
        user=a.user,
        password=a.password,
        registrar=a.registrar,
        transport=a.transport,
        bind=a.bind,
        sip_port=a.sip_port,
        rtp_port=a.rtp_port,
        rtp_port_range=a.rtp_port_range,
        tone_hz=a.tone,
        record_dir=a.record_dir,
        log_file=a.log_file or (a.record_dir / "pjsua.log" if a.record_dir else None),
        log_level=a.log_level,
        auto_answer=a.auto_answer,
        answer_when_busy=a.answer_when_busy,
        ring=a.ring,
        display_name=a.display_name,
        expires=a.expires,
        reg_retry=a.reg_retry,
        codecs=[c.strip() for c in a.codecs.split(",") if c.strip()],
        mwi_subscribe=a.mwi_subscribe,
    )


@dataclass
class ClosingRecording:
    path: Path
    fields: dict[str, Any]      # the `disconnected` event, sent once the file is complete
    deadline: float


def wav_is_closed(path: Path) -> bool:
    """pjmedia's WAV writer leaves the RIFF size at 0 until it closes the file, then sets it to
    (file size - 8): a cheap "finished" test that does not need pjsua."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
        size = path.stat().st_size
    except OSError:
        return False
    return len(head) == 12 and head[:4] == b"RIFF" and int.from_bytes(head[4:8], "little") == size - 8 > 0


class CommandError(Exception):
    """A command that cannot be carried out; reported as an `error` event."""


_F = TypeVar("_F", bound=Callable[..., None])


def guarded(method: _F) -> _F:
    """Wrap a pjsua2 callback: an exception escaping into the SWIG director would abort the process,
    so it becomes an `error` event instead. Also reports a callback arriving on a foreign thread,
    which would mean the single-thread design above is broken."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> None:
        app: PhoneApp = self.app
        if threading.get_ident() != app.main_thread:
            app.events.emit("error", message=f"{method.__name__} called on a foreign thread")
        try:
            method(self, *args)
        except Exception as exc:
            app.events.emit("error", message=f"{method.__name__}: {exc!r}")

    return wrapper  # type: ignore[return-value]


class PhoneCall(pj.Call):  # type: ignore[misc]
    """One call. The only strong reference lives in PhoneApp.calls and is dropped inside
    onCallState(DISCONNECTED): pjsua call ids are reused at once, and a wrapper freed later would
    hang up whichever new call took its slot."""

    def __init__(self, app: PhoneApp, acc: pj.Account, token: int, outgoing: bool,
                 call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(acc, call_id)
        self.app = app
        self.token = token
        self.outgoing = outgoing
        self.final_sent = outgoing     # incoming: a final response (2xx or reject) has been sent
        self.confirmed = False
        self.media_up = False
        self.audio: pj.AudioMedia | None = None
        self.recorder: pj.AudioMediaRecorder | None = None
        self.recording: Path | None = None
        self.player: pj.AudioMediaPlayer | None = None    # play_file
        self.tone_muted = False                             # play_file took the tone's place
        self.files_played = 0                               # names the current play_file for file_done

    @guarded
    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        self.app.on_call_state(self, self.getInfo())

    @guarded
    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        self.app.on_call_media(self)

    @guarded
    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self.app.events.emit("dtmf", call=self.token, digit=prm.digit)

    @guarded
    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        # The NOTIFY (or the REFER's own final answer) about a transfer this phone asked for.
        self.app.events.emit("transfer_status", call=self.token, code=prm.statusCode, reason=prm.reason,
                             final=bool(prm.finalNotify))


class PhoneAccount(pj.Account):  # type: ignore[misc]
    def __init__(self, app: PhoneApp) -> None:
        super().__init__()
        self.app = app

    @guarded
    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        self.app.on_reg_state(prm.code, prm.reason, prm.expiration)

    @guarded
    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.app.on_incoming(self, prm.callId, prm.rdata.wholeMsg)

    @guarded
    def onMwiInfo(self, prm: pj.OnMwiInfoParam) -> None:
        # Unsolicited NOTIFYs (UaConfig.mwiUnsolicitedEnabled, on by default) and, with
        # --mwi-subscribe, those of the phone's own message-summary subscription.
        raw = prm.rdata.wholeMsg
        # A NOTIFY in a dialog (the phone's subscription) has a tag in To; an unsolicited one not.
        self.app.events.emit("mwi", in_dialog="tag=" in header(raw, "To", "t"), **parse_message_summary(raw))


class WatchedLamp(pj.Buddy):  # type: ignore[misc]
    """A busy lamp key: a dialog-event subscription (RFC 4235) to one extension or park slot."""

    def __init__(self, app: PhoneApp, target: str) -> None:
        super().__init__()
        self.app = app
        self.target = target

    @guarded
    def onBuddyEvSubDlgEventState(self, prm: pj.OnBuddyEvSubStateParam) -> None:
        e = prm.e
        if e.type == pj.PJSIP_EVENT_TSX_STATE and e.body.tsxState.type == pj.PJSIP_EVENT_RX_MSG:
            raw = e.body.tsxState.src.rdata.wholeMsg
            if raw.startswith("NOTIFY "):
                self.app.events.emit("lamp", target=self.target, **parse_dialog_info(raw))
            elif raw.startswith("SIP/2.0 "):
                self.app.events.emit("lamp_reply", target=self.target, code=int(raw.split()[1]))


def parse_dialog_info(message: str) -> dict[str, Any]:
    """A dialog-event NOTIFY: {state, dialogs: [{state, direction, remote, held}], body}.
    `state` is the lamp: 'idle' (no dialog but terminated ones), 'ringing' (an early dialog,
    nothing confirmed), 'held', or 'busy' (a confirmed dialog)."""
    body = message.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in message else ""
    ns = {"d": "urn:ietf:params:xml:ns:dialog-info"}
    dialogs: list[dict[str, Any]] = []
    if body.strip():
        root = ET.fromstring(body)
        for dialog in root.findall("d:dialog", ns):
            state = (dialog.findtext("d:state", "", ns) or "").strip()
            remote = dialog.findtext("d:remote/d:identity", "", ns) or ""
            rendering = dialog.find("d:local/d:target/d:param[@pname='+sip.rendering']", ns)
            dialogs.append({"state": state, "direction": dialog.get("direction", ""),
                            "remote": uri_user(remote), "held": rendering is not None
                            and rendering.get("pvalue") == "no",
                            # What a phone's lamp key puts in Replaces to pick the call up.
                            "call_id": dialog.get("call-id", ""), "local_tag": dialog.get("local-tag", ""),
                            "remote_tag": dialog.get("remote-tag", "")})
    live = [d for d in dialogs if d["state"] != "terminated"]
    if any(d["state"] == "confirmed" and d["held"] for d in live):
        lamp = "held"
    elif any(d["state"] == "confirmed" for d in live):
        lamp = "busy"
    elif live:
        lamp = "ringing"
    else:
        lamp = "idle"
    return {"state": lamp, "dialogs": dialogs, "body": body}


def parse_message_summary(message: str) -> dict[str, Any]:
    """The counts of an RFC 3842 message-summary NOTIFY: {waiting, new, saved, body}.
    `waiting` is None when the body has no valid Messages-Waiting line."""
    body = message.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in message else ""
    waiting: bool | None = None
    new = saved = 0
    for line in body.splitlines():
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "messages-waiting" and value in ("yes", "no"):
            waiting = value == "yes"
        elif name == "voice-message":
            m = re.match(r"(\d+)\s*/\s*(\d+)", value)
            if m:
                new, saved = int(m.group(1)), int(m.group(2))
    return {"waiting": waiting, "new": new, "saved": saved, "body": body}


_NAME_ADDR = re.compile(r'^\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<token>[^<"]*?))\s*<(?P<uri>[^>]*)>')


def split_name_addr(value: str) -> tuple[str, str]:
    """'"Alice" <sip:201@pbx>;tag=x' -> ("Alice", "sip:201@pbx"). A bare URI has no display name,
    and its ';...' parameters belong to the header (RFC 3261 20.10), so they are cut off."""
    m = _NAME_ADDR.match(value)
    if not m:
        return "", value.split(";", 1)[0].strip()
    name = m.group("quoted") if m.group("quoted") is not None else (m.group("token") or "")
    return name.strip(), m.group("uri").strip()


def uri_user(uri: str) -> str:
    """User part of a SIP URI ('' when there is none)."""
    m = re.match(r"^\s*sips?:([^@;>]+)@", uri)
    return m.group(1) if m else ""


def header(message: str, *names: str) -> str:
    """First value of a SIP header (long or compact name) in a raw message; '' when absent."""
    wanted = {n.lower() for n in names}
    for line in message.split("\r\n")[1:]:
        if not line:
            break
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() in wanted:
            return value.strip()
    return ""


class PhoneApp:
    def __init__(self, opts: Options, events: EventStream) -> None:
        self.opts = opts
        self.events = events
        self.main_thread = threading.get_ident()
        self.ep: pj.Endpoint | None = None
        self.acc: PhoneAccount | None = None
        self.tonegen: pj.ToneGenerator | None = None
        self.calls: dict[int, PhoneCall] = {}
        self.lamps: dict[str, WatchedLamp] = {}
        self.tokens = itertools.count(1)
        self.sip_port = 0
        self.commands: queue.Queue[str | None] = queue.Queue()
        self.timers: list[tuple[float, Callable[[], None]]] = []
        self.stopping = False
        self.closing: list[ClosingRecording] = []     # recordings of ended calls, until their WAV is complete
        # Registration bookkeeping: the attempt (command id) a REGISTER result belongs to, and the
        # deadline after which the pending attempt is reported as a local timeout.
        self.reg_attempt = 0
        self.reg_deadline: float | None = None
        self.reg_timed_out = False
        self.registered = False
        self.acc_config: pj.AccountConfig | None = None

    # ---------------------------------------------------------------- set-up and teardown

    def start(self) -> None:
        o = self.opts
        ep = pj.Endpoint()
        ep.libCreate()
        self.ep = ep
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = False
        cfg.uaConfig.maxCalls = 4          # the PyPI build's ceiling; asking for more is silently clamped
        cfg.uaConfig.userAgent = "minipbx-test-phone"
        cfg.logConfig.level = o.log_level
        cfg.logConfig.consoleLevel = 0      # the console is stdout, which carries events
        if o.log_file:
            cfg.logConfig.filename = str(o.log_file)
        cfg.medConfig.clockRate = 8000      # G.711 end to end: no resampling in the bridge
        cfg.medConfig.sndClockRate = 8000
        cfg.medConfig.channelCount = 1
        cfg.medConfig.threadCnt = 0
        cfg.medConfig.hasIoqueue = False    # RTP on the SIP ioqueue, polled by the main loop
        cfg.medConfig.noVad = True          # silence must be recorded as silence, not dropped
        cfg.medConfig.ecTailLen = 0
        ep.libInit(cfg)
        ep.audDevManager().setNullDev()     # no sound card; the null device clocks the bridge

        tc = pj.TransportConfig()
        tc.port = o.sip_port
        tc.boundAddress = o.bind
        tc.publicAddress = o.bind
        kind = pj.PJSIP_TRANSPORT_TCP if o.transport == "tcp" else pj.PJSIP_TRANSPORT_UDP
        tid = ep.transportCreate(kind, tc)
        ep.libStart()
        self.sip_port = int(ep.transportGetInfo(tid).localName.rsplit(":", 1)[1])
        self._set_codecs(ep)

        if o.tone_hz:
            # One generator feeds every call (the bridge fans it out). One long "on" segment, looped:
            # the tone restarts only every 30 s instead of at every short segment.
            self.tonegen = pj.ToneGenerator()
            self.tonegen.createToneGenerator(8000, 1)
            desc = pj.ToneDesc()
            desc.freq1 = o.tone_hz
            desc.freq2 = 0
            desc.on_msec = 30000
            desc.off_msec = 0
            desc.volume = 0                 # pjmedia default level, about -11 dBFS RMS
            tones = pj.ToneDescVector()
            tones.append(desc)
            self.tonegen.play(tones, True)

        acfg = pj.AccountConfig()
        domain = o.registrar or f"{o.bind}:{self.sip_port}"
        uri = f"sip:{o.user}@{domain}"
        acfg.idUri = f'"{o.display_name}" <{uri}>' if o.display_name else uri
        if o.registrar:
            acfg.regConfig.registrarUri = self._with_transport(f"sip:{o.registrar}")
        acfg.regConfig.registerOnAdd = False        # tests register explicitly
        acfg.regConfig.timeoutSec = o.expires
        acfg.regConfig.retryIntervalSec = o.reg_retry
        acfg.regConfig.firstRetryIntervalSec = o.reg_retry
        acfg.regConfig.unregWaitMsec = 1000
        acfg.mwiConfig.enabled = o.mwi_subscribe
        if o.password is not None:
            acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", o.user, 0, o.password))
        acfg.sipConfig.transportId = tid
        mt = acfg.mediaConfig.transportConfig
        mt.port = o.rtp_port
        mt.portRange = o.rtp_port_range
        mt.boundAddress = o.bind
        mt.publicAddress = o.bind
        self.acc_config = acfg
        self.acc = self._new_account()
        self.events.emit("ready", sip_port=self.sip_port, bind=o.bind, transport=o.transport)

    def _new_account(self) -> PhoneAccount:
        assert self.acc_config is not None
        acc = PhoneAccount(self)
        acc.create(self.acc_config, True)
        return acc

    def _set_codecs(self, ep: pj.Endpoint) -> None:
        """Only the listed codecs, in that order; speex (pjsua's default first choice) stays off."""
        wanted = [c.upper() for c in self.opts.codecs]
        for info in ep.codecEnum2():
            name = info.codecId.split("/")[0].upper()
            prio = 255 - wanted.index(name) if name in wanted else 0
            ep.codecSetPriority(info.codecId, prio)

    def shutdown(self) -> None:
        """Hang up, unregister, then free every pjsua2 object before libDestroy (an object that
        outlives the library aborts the process at exit)."""
        ep = self.ep
        if ep is None:
            return
        try:
            if self.calls:
                ep.hangupAllCalls()
            if self.registered and self.acc is not None:
                with contextlib.suppress(pj.Error):     # e.g. a REGISTER still in flight
                    self.acc.setRegistration(False)
            deadline = time.monotonic() + QUIT_GRACE_SECONDS
            while (self.calls or self.registered or self.closing) and time.monotonic() < deadline:
                ep.libHandleEvents(POLL_MS)
                self._report_closed_recordings()
        finally:
            for call in self.calls.values():
                call.audio = None
                call.recorder = None
                call.player = None
            self.calls.clear()
            self.lamps.clear()
            self.tonegen = None
            self.acc = None
            self.acc_config = None
            gc.collect()
            # BYEs and the un-REGISTER went out above; NO_NETWORK skips pjsua's second attempt at
            # them and the fixed 1 s sleep that comes with it. Also closes any recorder still open.
            ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
            self.ep = None
            self._report_closed_recordings(force=True)

    # ---------------------------------------------------------------- main loop

    def run(self) -> None:
        ep = self.ep
        assert ep is not None
        while not self.stopping:
            ep.libHandleEvents(POLL_MS)
            self._run_timers()
            self._check_registration_timeout()
            self._report_closed_recordings()
            while True:
                try:
                    line = self.commands.get_nowait()
                except queue.Empty:
                    break
                if line is None:        # stdin closed: the test process is gone
                    self.stopping = True
                    break
                self._handle_line(line)

    def _report_closed_recordings(self, force: bool = False) -> None:
        still_open = []
        for rec in self.closing:
            complete = wav_is_closed(rec.path)
            if complete or force or time.monotonic() >= rec.deadline:
                if not complete:
                    self.events.emit("error", message=f"{rec.path.name} not finalised; may be truncated")
                self.events.emit("disconnected", recording=str(rec.path), **rec.fields)
            else:
                still_open.append(rec)
        self.closing = still_open

    def _run_timers(self) -> None:
        now = time.monotonic()
        due = [fn for when, fn in self.timers if when <= now]
        self.timers = [(when, fn) for when, fn in self.timers if when > now]
        for fn in due:
            try:
                fn()
            except Exception as exc:
                self.events.emit("error", message=f"timer: {exc!r}")

    def _handle_line(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        cmd_id: Any = None
        name = "?"
        try:
            if line.startswith("{"):
                msg = json.loads(line)
                if not isinstance(msg, dict) or not isinstance(msg.get("cmd"), str):
                    raise CommandError("a JSON command needs a string field 'cmd'")
            else:
                msg = self._parse_words(shlex.split(line))
            cmd_id = msg.pop("id", None)
            name = msg.pop("cmd")
            handler = getattr(self, f"cmd_{name}", None)
            if handler is None:
                raise CommandError(f"unknown command {name!r}")
            result = handler(cmd_id, **msg) or {}
            if cmd_id is not None:
                self.events.emit("done", id=cmd_id, cmd=name, **result)
        except pj.Error as exc:
            self.events.emit("error", id=cmd_id, cmd=name, message=f"pjsua2: {exc.info()}")
        except (CommandError, ValueError, TypeError) as exc:
            self.events.emit("error", id=cmd_id, cmd=name, message=str(exc))

    @staticmethod
    def _parse_words(words: list[str]) -> dict[str, Any]:
        """`answer 183 2` -> {"cmd": "answer", "code": 183, "call": 2}, for typing at a terminal."""
        name, args = words[0], words[1:]
        positional = {
            "register": ["timeout"], "unregister": ["timeout"], "call": ["target"],
            "answer": ["code", "call"], "reject": ["code", "call"], "hangup": ["call"],
            "dtmf": ["digits", "call"], "play_file": ["path", "call"], "stop_file": ["call"], "quit": [],
            "hold": ["call"], "resume": ["call"], "transfer": ["target", "call"],
            "transfer_to_call": ["other", "call"],
        }.get(name, [])
        if len(args) > len(positional):
            raise CommandError(f"too many arguments for {name!r}")
        msg: dict[str, Any] = {"cmd": name}
        for key, value in zip(positional, args, strict=False):
            if key in ("target", "digits", "path"):
                msg[key] = value
            else:
                msg[key] = float(value) if key == "timeout" else int(value)
        return msg

    # ---------------------------------------------------------------- commands

    def cmd_watch(self, cmd_id: Any, target: str) -> dict[str, Any]:
        """A busy lamp key for `target` (an extension or park slot): lamp events follow."""
        acc = self._require_acc()
        if target in self.lamps:
            raise CommandError(f"already watching {target}")
        cfg = pj.BuddyConfig()
        cfg.uri = self.resolve_target(target)
        cfg.subscribe = False
        cfg.subscribe_dlg_event = True
        lamp = WatchedLamp(self, target)
        lamp.create(acc, cfg)
        self.lamps[target] = lamp
        return {"target": target}

    def cmd_unwatch(self, cmd_id: Any, target: str) -> dict[str, Any]:
        lamp = self.lamps.pop(target, None)
        if lamp is None:
            raise CommandError(f"not watching {target}")
        lamp.subscribeDlgEvent(False)
        return {"target": target}

    def _require_acc(self) -> PhoneAccount:
        if self.acc is None:
            raise CommandError("phone is shutting down")
        return self.acc

    def cmd_register(self, cmd_id: Any, timeout: float = 5.0) -> dict[str, Any]:
        return self._registration(cmd_id, True, timeout)

    def cmd_unregister(self, cmd_id: Any, timeout: float = 5.0) -> dict[str, Any]:
        return self._registration(cmd_id, False, timeout)

    def _registration(self, cmd_id: Any, on: bool, timeout: float) -> dict[str, Any]:
        acc = self._require_acc()
        if not self.opts.registrar:
            raise CommandError("no registrar configured (--registrar)")
        self.reg_attempt += 1
        self.reg_timed_out = False
        # Armed before the call: a transport failure (TCP refused) can report inside setRegistration.
        self.reg_deadline = time.monotonic() + float(timeout)
        try:
            acc.setRegistration(on)
        except pj.Error as exc:
            # e.g. the previous REGISTER is still in flight (PJSIP_EBUSY): report, don't hang the test
            self.reg_deadline = None
            self.events.emit("registered", attempt=self.reg_attempt, code=LOCAL_FAILURE_CODE,
                             reason=f"not sent: {exc.info()}", expires=0, local=True)
        return {"attempt": self.reg_attempt}

    def _check_registration_timeout(self) -> None:
        if self.reg_deadline is None or time.monotonic() < self.reg_deadline:
            return
        self.reg_deadline = None
        self.registered = False
        self.events.emit("registered", attempt=self.reg_attempt, code=LOCAL_TIMEOUT_CODE,
                         reason="Request Timeout (no final response in time)", expires=0, local=True)
        if not self.calls and self.acc is not None:
            # pjsip keeps the REGISTER transaction until Timer F (32 s) and refuses another REGISTER
            # meanwhile (PJSIP_EBUSY). A fresh account drops that transaction, so the test can try
            # again at once and no stale answer turns up later.
            old, self.acc = self.acc, None
            old.shutdown()
            del old
            self.acc = self._new_account()
        else:
            # Calls hang off the account, so it stays; a late answer is reported marked `late`.
            self.reg_timed_out = True

    def on_reg_state(self, code: int, reason: str, expires: int) -> None:
        if not 200 <= code < 300:
            expires = 0         # pjsua reports the requested expiry even for a failure
        self.registered = expires > 0
        extra: dict[str, Any] = {"late": True} if self.reg_timed_out else {}
        self.reg_deadline = None
        self.reg_timed_out = False
        self.events.emit("registered", attempt=self.reg_attempt, code=code, reason=reason,
                         expires=expires, **extra)

    def _with_transport(self, uri: str) -> str:
        if self.opts.transport == "tcp" and "transport=" not in uri.lower():
            # Only a TCP transport exists: a URI without the parameter would select (missing) UDP.
            return uri + ";transport=tcp"
        return uri

    def resolve_target(self, target: str) -> str:
        target = target.strip()
        if re.match(r"^sips?:", target, re.IGNORECASE):
            uri = target
        elif "@" in target:
            uri = "sip:" + target
        elif self.opts.registrar:
            uri = f"sip:{target}@{self.opts.registrar}"
        else:
            raise CommandError(f"cannot dial bare {target!r}: no registrar; give a SIP URI")
        return self._with_transport(uri)

    def cmd_call(self, cmd_id: Any, target: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        acc = self._require_acc()
        uri = self.resolve_target(str(target))
        token = next(self.tokens)
        call = PhoneCall(self, acc, token, outgoing=True)
        self.calls[token] = call
        op = pj.CallOpParam(True)
        for name, value in (headers or {}).items():
            header = pj.SipHeader()
            header.hName, header.hValue = str(name), str(value)
            op.txOption.headers.append(header)
        try:
            call.makeCall(uri, op)
        except pj.Error:
            self.calls.pop(token, None)     # never became a pjsua call: no DISCONNECTED will come
            raise
        return {"call": token, "to_uri": uri}

    def _pick(self, call: int | None, want: Callable[[PhoneCall], bool], what: str) -> PhoneCall:
        if call is not None:
            c = self.calls.get(int(call))
            if c is None:
                raise CommandError(f"no live call {call}")
            return c
        candidates = [c for c in self.calls.values() if want(c)]
        if not candidates:
            raise CommandError(f"no call to {what}")
        # answer/reject the oldest waiting call; hang up / send DTMF on the newest
        return candidates[0] if what in ("answer", "reject") else candidates[-1]

    def cmd_answer(self, cmd_id: Any, code: int = 200, call: int | None = None) -> dict[str, Any]:
        code = int(code)
        if code not in (180, 183, 200):
            raise CommandError(f"answer code must be 180, 183 or 200, not {code}")
        c = self._pick(call, lambda c: not c.final_sent, "answer")
        self._answer(c, code)
        return {"call": c.token}

    def _answer(self, c: PhoneCall, code: int) -> None:
        prm = pj.CallOpParam(True)
        prm.statusCode = code
        c.answer(prm)
        if code >= 200:
            c.final_sent = True

    def cmd_reject(self, cmd_id: Any, code: int = 486, call: int | None = None) -> dict[str, Any]:
        code = int(code)
        if not 300 <= code < 700:
            raise CommandError(f"reject code must be 3xx-6xx, not {code}")
        c = self._pick(call, lambda c: not c.final_sent, "reject")
        prm = pj.CallOpParam()
        prm.statusCode = code
        c.hangup(prm)
        c.final_sent = True
        return {"call": c.token}

    def cmd_hangup(self, cmd_id: Any, call: int | None = None) -> dict[str, Any]:
        c = self._pick(call, lambda c: True, "hang up")
        c.hangup(pj.CallOpParam())   # BYE, CANCEL or (unanswered incoming) 603, as pjsua sees fit
        return {"call": c.token}

    def cmd_dtmf(self, cmd_id: Any, digits: str, call: int | None = None) -> dict[str, Any]:
        digits = str(digits)
        if not re.fullmatch(r"[0-9*#A-Da-d]+", digits):
            raise CommandError(f"bad DTMF digits {digits!r}")
        c = self._pick(call, lambda c: c.media_up, "send DTMF on")
        prm = pj.CallSendDtmfParam()
        prm.method = pj.PJSUA_DTMF_METHOD_RFC2833
        prm.digits = digits
        c.sendDtmf(prm)
        return {"call": c.token}

    def cmd_hold(self, cmd_id: Any, call: int | None = None) -> dict[str, Any]:
        c = self._pick(call, lambda c: c.confirmed, "hold")
        c.setHold(pj.CallOpParam(True))
        return {"call": c.token}

    def cmd_resume(self, cmd_id: Any, call: int | None = None) -> dict[str, Any]:
        c = self._pick(call, lambda c: c.confirmed, "resume")
        prm = pj.CallOpParam(True)
        prm.opt.flag = pj.PJSUA_CALL_UNHOLD
        c.reinvite(prm)
        return {"call": c.token}

    def cmd_transfer(self, cmd_id: Any, target: str, call: int | None = None) -> dict[str, Any]:
        """Blind transfer: REFER the call's far end to `target` (a number or URI)."""
        c = self._pick(call, lambda c: c.confirmed, "transfer")
        c.xfer(self.resolve_target(str(target)), pj.CallOpParam(True))
        return {"call": c.token}

    def cmd_transfer_to_call(self, cmd_id: Any, other: int, call: int | None = None) -> dict[str, Any]:
        """Attended transfer: REFER `call`'s far end to the far end of call `other` (with Replaces)."""
        c = self._pick(call, lambda c: c.confirmed, "transfer")
        target = self.calls.get(int(other))
        if target is None:
            raise CommandError(f"no live call {other}")
        c.xferReplaces(target, pj.CallOpParam(True))
        return {"call": c.token}

    def cmd_play_file(self, cmd_id: Any, path: str, call: int | None = None, loop: bool = False,
                      keep_tone: bool = False) -> dict[str, Any]:
        path = str(path)
        try:
            with wave.open(path, "rb") as w:
                seconds = w.getnframes() / w.getframerate()
        except (OSError, wave.Error, EOFError, ZeroDivisionError) as exc:
            raise CommandError(f"cannot play {path}: {exc}") from exc
        c = self._pick(call, lambda c: c.media_up, "play a file on")
        if c.audio is None:
            raise CommandError(f"call {c.token} has no audio")
        self._stop_file(c)
        player = pj.AudioMediaPlayer()
        player.createPlayer(path, 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        if not keep_tone and self.tonegen is not None:
            self.tonegen.stopTransmit(c.audio)
            c.tone_muted = True
        player.startTransmit(c.audio)
        c.player = player
        c.files_played += 1
        if not loop:
            # Timed rather than from onEof2, which pjmedia calls on a thread of its own. The timer holds
            # no pjsua2 object: a call wrapper must not outlive its call.
            token, serial = c.token, c.files_played
            self.timers.append((time.monotonic() + seconds, lambda: self._file_done(token, serial, path)))
        return {"call": c.token, "seconds": seconds}

    def _file_done(self, token: int, serial: int, path: str) -> None:
        c = self.calls.get(token)
        if c is not None and c.player is not None and c.files_played == serial:
            self.events.emit("file_done", call=token, path=path)

    def cmd_stop_file(self, cmd_id: Any, call: int | None = None) -> dict[str, Any]:
        c = self._pick(call, lambda c: c.player is not None or c.tone_muted, "stop a file on")
        self._stop_file(c)
        if c.tone_muted:
            c.tone_muted = False
            if self.tonegen is not None and c.audio is not None:
                self.tonegen.startTransmit(c.audio)
        return {"call": c.token}

    def _stop_file(self, c: PhoneCall) -> None:
        if c.player is not None and c.audio is not None:
            with contextlib.suppress(pj.Error):
                c.player.stopTransmit(c.audio)
        c.player = None

    def cmd_quit(self, cmd_id: Any) -> dict[str, Any]:
        self.stopping = True
        return {}

    # ---------------------------------------------------------------- callbacks (main thread)

    def on_incoming(self, acc: PhoneAccount, call_id: int, raw: str) -> None:
        token = next(self.tokens)
        call = PhoneCall(self, acc, token, outgoing=False, call_id=call_id)
        busy = bool(self.calls)
        self.calls[token] = call
        # From/To as sent on the wire: CallInfo's copies are re-printed by pjsip, which drops the port.
        ci = call.getInfo()
        display, from_uri = split_name_addr(header(raw, "From", "f") or ci.remoteUri)
        _, to_uri = split_name_addr(header(raw, "To", "t") or ci.localUri)
        start_line = raw.split("\r\n", 1)[0].split()
        self.events.emit(
            "incoming", call=token, from_uri=from_uri, from_user=uri_user(from_uri), display_name=display,
            to_uri=to_uri, request_uri=start_line[1] if len(start_line) > 1 else "",
            sip_call_id=header(raw, "Call-ID", "i"), busy=busy,
            call_info=header(raw, "Call-Info"), alert_info=header(raw, "Alert-Info"),
        )
        if self.opts.ring:
            self._answer(call, 180)
        if "answer-after=0" in header(raw, "Call-Info") and not busy:
            # As a desk phone set to accept intercom calls: answer at once, on the loudspeaker.
            self._answer(call, 200)
        elif self.opts.auto_answer is not None and (not busy or self.opts.answer_when_busy):
            self.timers.append((time.monotonic() + self.opts.auto_answer, lambda: self._auto_answer(token)))

    def _auto_answer(self, token: int) -> None:
        c = self.calls.get(token)
        if c is not None and not c.final_sent:   # the test may have answered, or the caller gave up
            self._answer(c, 200)

    def on_call_state(self, c: PhoneCall, ci: pj.CallInfo) -> None:
        if ci.state == pj.PJSIP_INV_STATE_EARLY and c.outgoing and ci.lastStatusCode in (180, 183):
            self.events.emit("ringing", call=c.token, code=ci.lastStatusCode)
        elif ci.state == pj.PJSIP_INV_STATE_CONFIRMED and not c.confirmed:
            c.confirmed = True
            self.events.emit("connected", call=c.token)
        elif ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.calls.pop(c.token, None)
            c.audio = None
            c.player = None
            fields = {"call": c.token, "code": ci.lastStatusCode, "reason": ci.lastReason}
            if c.recorder is None:
                self.events.emit("disconnected", recording=None, **fields)
                return
            # Dropping the recorder only *queues* its removal: since pjsua 2.14 the conference bridge
            # removes ports on its next clock tick, and only then is the WAV header written. Report
            # `disconnected` once the file is complete, so the test can read it straight away.
            c.recorder = None
            assert c.recording is not None
            deadline = time.monotonic() + RECORDING_CLOSE_SECONDS
            self.closing.append(ClosingRecording(c.recording, fields, deadline))

    def on_call_media(self, c: PhoneCall) -> None:
        ci = c.getInfo()
        audio = None
        for i, mi in enumerate(ci.media):
            if mi.type == pj.PJMEDIA_TYPE_AUDIO and mi.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                audio = c.getAudioMedia(i)
                break
        if audio is None:               # held or media gone
            c.media_up = False
            c.audio = None
            return
        c.audio = audio
        if self.tonegen is not None and not c.tone_muted:
            self.tonegen.startTransmit(audio)
        if c.player is not None:
            c.player.startTransmit(audio)
        if self.opts.record_dir is not None and c.recorder is None:
            c.recording = self.opts.record_dir / f"call-{c.token}.wav"
            c.recorder = pj.AudioMediaRecorder()
            c.recorder.createRecorder(str(c.recording))
        if c.recorder is not None:
            audio.startTransmit(c.recorder)
        if not c.media_up:
            c.media_up = True
            self.events.emit("media", call=c.token)


def _read_stdin(lines: queue.Queue[str | None], stdin: TextIO) -> None:
    """Reader thread: never touches pjsua2, only hands lines to the main loop."""
    try:
        for line in stdin:
            lines.put(line)
    finally:
        lines.put(None)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    # Events get a private copy of stdout; fd 1 itself now points at stderr, so anything pjlib (or a
    # stray print) writes to stdout cannot corrupt the event stream.
    event_out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    events = EventStream(event_out)
    if opts.record_dir is not None:
        opts.record_dir.mkdir(parents=True, exist_ok=True)

    app = PhoneApp(opts, events)

    def stop(signum: int, frame: object) -> None:
        app.stopping = True   # the main loop notices within one poll and shuts down cleanly

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=_read_stdin, args=(app.commands, sys.stdin), name="stdin", daemon=True).start()
    try:
        app.start()
        app.run()
    except pj.Error as exc:
        events.emit("error", message=f"fatal: {exc.info()}")
        return 1
    finally:
        app.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
