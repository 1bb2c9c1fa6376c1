"""An analog phone (FXS port) or a DECT handset as a SIP phone.

    idle --lift--> dialtone --digit--> dialling --number complete--> calling --answered--> talking
      |                                                                 |                    |
      +--SIP call in--> ringing --lift--> talking          far end gone / refused --> released
    any state --hang up--> idle (the call, if any, is ended)

Tones (dial, ringback, busy, congestion) are made here, in the country's plan, so
an analog phone hears dial tone without any round trip; while the port's mailbox
holds new voice messages (the PBX's message-summary NOTIFY), stutter dial tone (the
line controller has no message-waiting lamp). Caller ID goes out as the country (or
the `analog_caller_id` setting) wants: FSK by the line controller in the first ring
pause, or DTMF before the first ring, played here on the audio path.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from firmware.gateway import digitmap
from firmware.gateway.line import Host, Line
from firmware.media.pcm import RATE, dtmf_pcm
from firmware.media.tones import ring_cadence, stutter_dial, tone
from hal.dect.base import DectError, DectHandset
from hal.fxs.controller import ControllerError
from hal.ports import CallerId, DigitPressed, FlashPressed, HookChanged, LinePort, PortFault, RingCadence

log = logging.getLogger("minipbx.gateway.phone")

# Answers after which an analog caller hears busy rather than congestion.
_BUSY_CODES = {486, 600, 603}
# DTMF caller ID (ETSI EN 300 659-1): sent this long before the first ring starts.
_DTMF_CID_GAP = 0.3
_CID_NUMBER = re.compile(r"[0-9*#+]{1,20}")


def dtmf_caller_id(number: str) -> str:
    """The DTMF caller ID string: A<number>C, or B00C (unavailable) / B10C (withheld)."""
    if number == "P":
        return "B10C"
    if not number or number == "O":
        return "B00C"
    return "A" + "".join(c for c in number if c.isdigit()) + "C"


class PhoneLine(Line):
    def __init__(self, name: str, host: Host, device: str, port: LinePort, kind: str) -> None:
        super().__init__(name, host, device)
        self.port = port
        self.kind = kind
        self.digits = ""
        self._early_media = False
        self._caller: CallerId | None = None
        self._intercom = False  # the call ringing now is an intercom call or a page
        self.message_waiting = False

    # ---- audio ------------------------------------------------------------------
    def read(self) -> bytes | None:
        return self.port.audio.read_frame()

    def poll_heard(self) -> bytes | None:
        return self.port.audio.poll_frame()

    def write(self, frame: bytes) -> None:
        self.port.audio.write_frame(frame)

    def _play_tone(self, name: str) -> None:
        self.play(tone(self.host.profile().country, name))

    # ---- the hardware --------------------------------------------------------------
    def on_hardware(self, event: object) -> None:
        if isinstance(event, HookChanged):
            self._lifted() if event.off_hook else self._hung_up()
        elif isinstance(event, DigitPressed):
            self._digit(event.digit)
        elif isinstance(event, FlashPressed):
            if self.state == "talking" and self.call is not None:
                # Reported to the PBX as RFC 2833 event 16 (hook flash), for transfer and hold.
                log.info("%s: hook flash", self.name)
                self.sip("dtmf", call=self.call, digits="R")
        elif isinstance(event, PortFault):
            self.fault = event.reason
            self._lost(f"port fault: {event.reason}")

    def _lifted(self) -> None:
        if self.state in ("ringing", "caller-id"):
            self.cancel_timer()
            self.sip("answer", call=self.call, code=200)
            self.state = "talking"
            self.quiet()
        elif self.state == "idle":
            self.state = "dialtone"
            self.digits = ""
            self._dial_tone()
            self.start_timer("first-digit", digitmap.FIRST_DIGIT_TIMEOUT)

    def _dial_tone(self) -> None:
        country = self.host.profile().country
        if self.message_waiting:
            self.play_then(stutter_dial(country), tone(country, "dial"))
        else:
            self.play(tone(country, "dial"))

    def on_mwi(self, waiting: bool, new: int, saved: int) -> None:
        # A DECT handset has its own display and message keys; only analog phones get the tone.
        if self.kind != "fxs":
            return
        if waiting != self.message_waiting:
            log.info("%s: %s (%d new, %d saved)", self.name,
                     "voice messages waiting" if waiting else "no voice messages waiting", new, saved)
        self.message_waiting = waiting

    def _hung_up(self) -> None:
        self.cancel_timer()
        self.hang_up_call()
        self.quiet()
        self.state = "idle"

    def _digit(self, digit: str) -> None:
        if self.state == "talking" and self.call is not None:
            self.sip("dtmf", call=self.call, digits=digit)
            return
        if self.state not in ("dialtone", "dialling"):
            return
        if self.state == "dialtone":
            self.quiet()
            self.state = "dialling"
        self.digits += digit
        number = digitmap.finish(self.host.profile().plan, self.digits)
        if number is not None:
            self._dial(number)
        else:
            self.start_timer("inter-digit", digitmap.INTER_DIGIT_TIMEOUT)

    def _dial(self, number: str) -> None:
        self.cancel_timer()
        self.state = "calling"
        self._early_media = False
        log.info("%s dials %s", self.name, number)
        self.place_call(number)

    def on_timeout(self, name: str) -> None:
        if name == "first-digit" and self.state == "dialtone":
            self._release("congestion")
        elif name == "inter-digit" and self.state == "dialling":
            number = digitmap.finish(self.host.profile().plan, self.digits, timed_out=True)
            if number:
                self._dial(number)
        elif name == "caller-id" and self.state == "caller-id":
            self._ring(None)

    def on_health(self, up: bool) -> None:
        if not up:
            self._lost(self.fault)

    def _lost(self, why: str) -> None:
        """The port cannot go on (fault, device gone): end its call; a lifted phone hears congestion."""
        if self.state == "idle":
            return
        log.warning("%s: %s; ending its call", self.name, why)
        self.cancel_timer()
        self.hang_up_call()
        if self.port.off_hook and self.state not in ("ringing", "caller-id"):
            self._release("congestion")
        else:
            self.quiet()
            self.state = "idle"

    def _release(self, tone_name: str) -> None:
        """The call is over but the phone is still off hook: a tone until it hangs up."""
        self.call = None
        self.state = "released"
        if isinstance(self.port, DectHandset):
            # A handset shows the end of the call itself; it needs no tone.
            self.quiet()
            try:
                self.port.release()
            except DectError as exc:
                log.warning("%s: %s", self.name, exc)
            return
        self._play_tone(tone_name)

    # ---- SIP -----------------------------------------------------------------------
    def on_sip(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "incoming":
            self._incoming(message)
            return
        if not self.is_our_call(message):
            return
        if kind == "progress" and self.state == "calling" and not self._early_media:
            if int(message["code"]) == 180:
                self._play_tone("ringback")
        elif kind == "media" and self.state in ("calling", "talking"):
            self._early_media = self.state == "calling"
            self.relay()
        elif kind == "answered" and self.state == "calling":
            self.state = "talking"
            self.relay()
        elif kind == "ended":
            self.call = None
            code = int(message.get("code", 0))
            if self.state in ("ringing", "caller-id"):
                self.cancel_timer()
                self._stop_ringing()
                self.quiet()
                self.state = "idle"
            elif self.state == "talking":
                self._release("busy")
            elif self.state == "calling":
                self._release("busy" if code in _BUSY_CODES else "congestion")

    def _incoming(self, message: dict[str, Any]) -> None:
        token = str(message["call"])
        if self.state != "idle" or self.port.off_hook or self.fault:
            self.host.send(self, {"type": "hangup", "call": token, "code": 486})
            return
        self.call = token
        self._intercom = bool(message.get("intercom"))
        number = str(message.get("from_user") or "")
        self._caller = CallerId(number=number if _CID_NUMBER.fullmatch(number) else "P",
                                name=str(message.get("from_name") or ""))
        profile = self.host.profile()
        if self.kind == "fxs" and profile.caller_id == "dtmf":
            self.state = "caller-id"
            pcm = dtmf_pcm(dtmf_caller_id(self._caller.number))
            self.play_pcm(pcm, loop=False)
            self.start_timer("caller-id", len(pcm) / (2 * RATE) + _DTMF_CID_GAP)
            self.sip("answer", call=token, code=180)
            return
        self._ring(self._caller if (self.kind != "fxs" or profile.caller_id == "fsk") else None)
        if self.state == "ringing":
            self.sip("answer", call=token, code=180)

    def _ring(self, caller_id: CallerId | None) -> None:
        self.quiet()
        try:
            self.port.ring(caller_id, RingCadence(ring_cadence(self.host.profile().country, self._intercom)))
        except (ControllerError, DectError) as exc:
            log.warning("%s cannot ring: %s", self.name, exc)
            self.hang_up_call(480)
            self.state = "idle"
            return
        self.state = "ringing"

    def _stop_ringing(self) -> None:
        try:
            self.port.stop_ring()
        except (ControllerError, DectError) as exc:
            log.warning("%s: stop ringing: %s", self.name, exc)

    def snapshot(self) -> dict[str, object]:
        extra: dict[str, object] = {"message_waiting": self.message_waiting} if self.kind == "fxs" else {}
        return {**super().snapshot(), "off_hook": self.port.off_hook, **extra}
