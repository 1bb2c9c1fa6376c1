"""An FXO line (exchange line on a voice modem) as a trunk of the PBX.

Inbound:  the line rings -> caller ID (or the second ring) -> a SIP call from the
          line's account `line-<port>` with the caller ID in the From display ->
          the PBX routes it like a trunk call -> answered -> the line goes off hook.
Outbound: the PBX calls `line-<port>` with `X-Minipbx-Dial: <number>` -> the line is
          seized and dialled -> answered (an analog line has no answer signal, so the
          SIP side is answered when dialling is done and hears the network's tones).
Either way a far-end hang-up (loop drop, busy or dial tone, silence) ends the call,
and the line's echo is cancelled before its audio goes to the call.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from firmware.gateway.line import Host, Line
from firmware.trunks.lines import line_caller_display
from hal.fxo.events import CallerIdReceived, LineRinging, LineSignalled, RingingStopped
from hal.fxo.line import DialFailed, FxoLine, LineState, ModemError
from hal.ports import CallerId

if TYPE_CHECKING:
    from firmware.media.echo import StreamCanceller

log = logging.getLogger("minipbx.gateway.trunk")

# What the SIP side is told when dialling fails: 503 makes the PBX try its next line.
_DIAL_RESULTS = {"BUSY": (486, "Busy Here"), "NO ANSWER": (480, "No Answer"), "NO CARRIER": (480, "No Carrier")}


class TrunkLine(Line):
    kind = "fxo"

    def __init__(self, name: str, host: Host, line: FxoLine) -> None:
        super().__init__(name, host, name)
        self.line = line
        self.caller: CallerId | None = None
        self._echo: StreamCanceller | None = None

    # ---- audio: the line's echo of what we send is removed from what we hear ---------
    def read(self) -> bytes | None:
        return self.line.audio.read_frame()

    def poll_heard(self) -> bytes | None:
        return self.line.audio.poll_frame()

    def write(self, frame: bytes) -> None:
        self.line.audio.write_frame(frame)
        echo = self._echo
        if echo is not None:
            echo.sent(frame)

    def heard_frames(self) -> list[bytes]:
        echo = self._echo
        if echo is None:
            return super().heard_frames()
        frames: list[bytes] = []
        # Two at most: audio that came late catches up without a burst toward the call.
        for _ in range(2):
            heard = self.line.audio.poll_frame()
            if heard is None:
                break
            frames.append(echo.heard(heard))
        return frames

    def _connect_audio(self) -> None:
        # What the line said before the call was connected would pair with the wrong frames.
        self.line.audio.rx.clear()
        from firmware.media.echo import StreamCanceller  # numpy: loaded by the first exchange-line call

        self._echo = StreamCanceller()
        self.relay()

    # ---- the line ----------------------------------------------------------------------
    def on_hardware(self, event: object) -> None:
        if isinstance(event, CallerIdReceived):
            self.caller = event.caller_id
            if self.state == "ringing":
                self._call_in()
        elif isinstance(event, LineRinging):
            if self.state == "idle":
                self.state = "ringing"
                self.caller = event.caller_id
                if self.caller is not None:
                    self._call_in()
            elif self.state == "ringing" and event.rings >= 2:
                # No caller ID came with the first ring pause: the network sends none.
                self._call_in()
        elif isinstance(event, RingingStopped):
            if self.state in ("ringing", "offering", "unanswered"):
                log.info("%s: the caller gave up", self.name)
                self.hang_up_call()
                self._idle()
        elif isinstance(event, LineSignalled) and event.signal.means_hangup and self.state == "talking":
            log.info("%s: far end hung up (%s)", self.name, event.signal.name)
            self.hang_up_call()
            self._release_line()

    def _call_in(self) -> None:
        self.state = "offering"
        caller = self.caller or CallerId()
        log.info("%s: incoming call from %s", self.name, caller.number or "unknown")
        self.place_call(self.name, display=line_caller_display(caller.number, caller.name))

    def on_health(self, up: bool) -> None:
        if not up and self.state != "idle":
            log.warning("%s: modem lost (%s); ending the call", self.name, self.fault)
            self.hang_up_call()
            self.quiet()
            self._echo = None
            self.state = "idle"

    # ---- SIP -------------------------------------------------------------------------------
    def on_sip(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "incoming":
            self._dial_out(message)
            return
        if not self.is_our_call(message):
            return
        if kind == "dtmf" and self.state == "talking":
            # Keys from the extension (a bank's or supplier's menu at the far end): onto the line.
            try:
                self.line.send_digits(str(message["digit"]))
            except (ModemError, ValueError) as exc:
                log.warning("%s: cannot send DTMF %r: %s", self.name, message.get("digit"), exc)
            return
        if kind == "answered" and self.state == "offering":
            try:
                self.line.answer()
            except ModemError as exc:
                log.warning("%s: answering the line failed: %s", self.name, exc)
                self.hang_up_call()
                self._idle()
                return
            self.state = "talking"
            self._connect_audio()
        elif kind == "ended":
            self.call = None
            if self.state == "talking":
                self._release_line()
            elif self.state == "offering":
                # Nobody took it; the caller keeps hearing the network's ringing until they give up.
                self.state = "unanswered"

    def _dial_out(self, message: dict[str, Any]) -> None:
        token = str(message["call"])
        number = str(message.get("dial") or "")
        if self.state != "idle" or self.line.state is not LineState.IDLE or not number:
            why = "no number to dial" if not number else f"line {self.name} is {self.line.state.value}"
            log.info("%s: refusing an outgoing call: %s", self.name, why)
            self.host.send(self, {"type": "hangup", "call": token, "code": 503})
            return
        self.call = token
        self.state = "dialling"
        self.sip("answer", call=token, code=180)
        log.info("%s: seizing the line and dialling %s", self.name, number)
        try:
            self.line.dial(number)
        except DialFailed as exc:
            code = _DIAL_RESULTS.get(exc.result, (503, "Line Unavailable"))[0]
            log.info("%s: %s", self.name, exc)
            self.hang_up_call(code)
            self._release_line()
            return
        except (ModemError, ValueError) as exc:
            log.warning("%s: %s", self.name, exc)
            self.hang_up_call(503)
            self._release_line()
            return
        # If the caller gave up meanwhile, the agent ignores this and its `ended` follows.
        self.sip("answer", call=token, code=200)
        self.state = "talking"
        self._connect_audio()

    # ---- helpers ------------------------------------------------------------------------
    def _release_line(self) -> None:
        self.quiet()
        self._echo = None
        try:
            self.line.hang_up()
        except ModemError as exc:
            log.warning("%s: hanging up the line: %s", self.name, exc)
        self._idle()

    def _idle(self) -> None:
        self.state = "idle"
        self.caller = None

    def snapshot(self) -> dict[str, object]:
        return {**super().snapshot(), "line": self.line.state.value}
