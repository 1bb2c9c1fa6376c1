"""An FXO line through a V.253 voice modem (the usual USB FXO on a Pi).

Threads: the SerialLink reader thread parses everything the modem sends; callers
(the gateway's control thread, never pjsua2's clock thread) issue commands that
block until the modem's final result code or a timeout. `audio` is safe to use from
any thread at any time; it carries sound only while the line is off-hook.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
from collections.abc import Callable, Sequence

from hal.audio.encoding import linear16_to_unsigned8, unsigned8_to_linear16
from hal.audio.endpoint import SendingEndpoint
from hal.backoff import DEFAULT_BACKOFF, Backoff
from hal.clock import Clock, SystemClock, Timer
from hal.fxo.events import (
    CallerIdReceived,
    DigitReceived,
    LineEvent,
    LineRinging,
    LineSignalled,
    RingingStopped,
)
from hal.fxo.v253 import (
    ABORT_RECEIVE,
    DLE,
    END_DUPLEX,
    FINAL_RESULTS,
    AudioData,
    CallerIdCollector,
    DigitReport,
    Malformed,
    ModemOutput,
    ModemParser,
    ResultLine,
    SignalReport,
    StreamEnded,
    VoiceFormat,
)
from hal.health import DeviceStatus, StatusReporter
from hal.listeners import Listeners
from hal.ports import CallerId, check_digits
from hal.wire.link import LinkDown, SerialLink

log = logging.getLogger(__name__)


DEFAULT_VOICE_FORMAT = VoiceFormat()


class ModemError(RuntimeError):
    """The modem refused a command, did not answer, or is not connected."""


class DialFailed(ModemError):
    """ATD ended with BUSY, NO DIALTONE, NO ANSWER or NO CARRIER (in `result`)."""

    def __init__(self, line: str, number: str, result: str) -> None:
        super().__init__(f"{line}: dialling {number} failed: {result}")
        self.result = result


class LineState(enum.Enum):
    IDLE = "idle"  # on-hook, not ringing
    RINGING = "ringing"
    OFF_HOOK = "off-hook"  # seized, dialled or answered; audio flows
    UNAVAILABLE = "unavailable"  # modem absent or not initialised


class FxoLine:
    """One exchange line on one voice modem."""

    def __init__(
        self,
        url: str,
        *,
        name: str,
        clock: Clock | None = None,
        baudrate: int = 115200,
        backoff: Backoff = DEFAULT_BACKOFF,
        full_duplex: bool = True,
        voice_format: VoiceFormat = DEFAULT_VOICE_FORMAT,
        extra_init: Sequence[str] = (),
        command_timeout: float = 3.0,
        dial_timeout: float = 60.0,
        ring_gap: float = 8.0,
    ) -> None:
        self.name = name
        self.clock = clock or SystemClock()
        self.full_duplex = full_duplex
        self.voice_format = voice_format
        self.extra_init = tuple(extra_init)
        self.command_timeout = command_timeout
        self.dial_timeout = dial_timeout
        # Rings come every ~6 s; no RING for this long means the caller hung up.
        self.ring_gap = ring_gap
        self.caller_id_settle = 0.3
        self.audio = SendingEndpoint(self._write_frame)
        self._tx_open = False
        self.listeners: Listeners[LineEvent] = Listeners()
        self.malformed = 0
        self._parser = ModemParser()
        self._caller_id = CallerIdCollector()
        self._state = LineState.UNAVAILABLE
        self._rings = 0
        self._ring_caller: CallerId | None = None
        self._ring_timer: Timer | None = None
        self._command_lock = threading.Lock()
        self._stream_lock = threading.Lock()
        self._pending: queue.Queue[str] | None = None
        self._info: list[str] = []
        self._state_lock = threading.RLock()
        self.link = SerialLink(
            url,
            name=name,
            on_data=self._on_data,
            on_up=self._initialise,
            on_down=self._lost,
            baudrate=baudrate,
            backoff=backoff,
        )

    # --- lifecycle -------------------------------------------------------
    @property
    def reporter(self) -> StatusReporter:
        return self.link.reporter

    @property
    def status(self) -> DeviceStatus:
        return self.link.reporter.status

    @property
    def state(self) -> LineState:
        with self._state_lock:
            return self._state

    def add_listener(self, callback: Callable[[LineEvent], None]) -> Callable[[], None]:
        return self.listeners.add(callback)

    def start(self) -> None:
        self.link.start()

    def close(self) -> None:
        self.link.close()
        self._cancel_ring_timer()

    # --- call control ----------------------------------------------------
    def answer(self) -> None:
        """Go off-hook on a ringing (or idle) line and start audio."""
        self._require_ready()
        self._expect(self._command("ATA"), ("VCON", "OK"), "ATA")
        self._went_off_hook()

    def seize(self) -> None:
        """Go off-hook without dialling (to hear dial tone, then `send_digits`)."""
        self._require_ready()
        self._expect(self._command("AT+VLS=1"), ("OK", "VCON"), "AT+VLS=1")
        self._went_off_hook()

    def dial(self, number: str) -> None:
        """Go off-hook and dial `number` (DTMF); audio starts when the modem says VCON."""
        check_digits(number)
        self._require_ready()
        result = self._command(f"ATDT{number}", timeout=self.dial_timeout)
        if result not in ("VCON", "OK", "CONNECT"):
            raise DialFailed(self.name, number, result)
        self._went_off_hook()

    def send_digits(self, digits: str) -> None:
        """Play DTMF digits on an off-hook line (pausing the audio stream meanwhile)."""
        check_digits(digits)
        if not digits:
            return
        resume = self._stop_stream()
        try:
            self._expect(self._command("AT+VTS=" + ",".join(digits)), ("OK",), "AT+VTS")
        finally:
            if resume:
                self._start_stream()

    def hang_up(self) -> None:
        """Release the line (safe to call in any state)."""
        try:
            self._stop_stream()
            self._expect(self._command("ATH"), ("OK",), "ATH")
        finally:
            with self._state_lock:
                if self._state is LineState.OFF_HOOK:
                    self._state = LineState.IDLE
            self.audio.rx.clear()

    # --- internals: commands -------------------------------------------
    def _require_ready(self) -> None:
        if self.state is LineState.UNAVAILABLE:
            detail = self.status.detail
            raise ModemError(
                f"{self.name} is not ready (modem absent or not initialised{': ' + detail if detail else ''})"
            )

    def _command(self, command: str, timeout: float | None = None) -> str:
        return self._send_and_wait(command.encode("ascii") + b"\r", command, timeout)

    def _send_and_wait(self, payload: bytes, what: str, timeout: float | None = None, arm: bool = False) -> str:
        with self._command_lock:
            results: queue.Queue[str] = queue.Queue()
            self._info = []
            self._pending = results
            if arm:
                self._parser.arm_stream()
            try:
                self.link.write(payload)
                return results.get(timeout=timeout or self.command_timeout)
            except LinkDown as exc:
                raise ModemError(f"{self.name}: {what}: {exc}") from None
            except queue.Empty:
                raise ModemError(f"{self.name}: no answer to {what}") from None
            finally:
                self._pending = None

    def _expect(self, result: str, accepted: Sequence[str], what: str) -> None:
        if result not in accepted:
            raise ModemError(f"{self.name}: {what} answered {result}, expected {' or '.join(accepted)}")

    def _initialise(self) -> None:
        """Runs after every (re)connection: reset the modem into voice mode."""
        with self._stream_lock:
            self._tx_open = False
            self._parser.reset()
        with self._state_lock:
            self._state = LineState.UNAVAILABLE
        # ATZ first: after a replug the modem may be in any state, even mid-stream.
        for command in (
            "ATZ",
            "ATE0",
            "AT+FCLASS=8",
            "AT+VCID=1",
            self.voice_format.command,
            *self.extra_init,
        ):
            self._expect(self._command(command), ("OK",), command)
        with self._state_lock:
            self._state = LineState.IDLE

    def _lost(self) -> None:
        with self._stream_lock:
            self._tx_open = False
            self._parser.reset()
        with self._state_lock:
            self._state = LineState.UNAVAILABLE
        self._cancel_ring_timer()

    # --- internals: audio stream -----------------------------------------
    def _went_off_hook(self) -> None:
        self._cancel_ring_timer()
        with self._state_lock:
            self._state = LineState.OFF_HOOK
            self._rings = 0
        self._start_stream()

    def _start_stream(self) -> None:
        command = "AT+VTR" if self.full_duplex else "AT+VRX"
        result = self._send_and_wait(command.encode() + b"\r", command, arm=True)
        self._expect(result, ("CONNECT",), command)
        with self._stream_lock:
            self._tx_open = self._parser.streaming

    def _stop_stream(self) -> bool:
        """Leave the audio stream if in it; return whether it was running."""
        with self._stream_lock:
            # Close our side first so no audio byte follows the end-of-stream code.
            self._tx_open = False
            if not self._parser.streaming:
                return False
            payload = END_DUPLEX if self.full_duplex else ABORT_RECEIVE
        # The modem answers DLE ETX (parser leaves stream mode) then OK.
        result = self._send_and_wait(payload, "end of audio stream")
        self._expect(result, ("OK", "VCON"), "end of audio stream")
        return True

    def _write_frame(self, frame: bytes) -> None:
        if not self.full_duplex:
            return
        encoded = linear16_to_unsigned8(frame).replace(bytes([DLE]), bytes([DLE, DLE]))
        with self._stream_lock:
            # Outside the stream these bytes would be read as commands by the modem.
            if not self._tx_open:
                return
            try:
                self.link.write(encoded)
            except LinkDown:
                return

    # --- internals: what the modem says ------------------------------------
    def _on_data(self, data: bytes) -> None:
        with self._stream_lock:
            items = self._parser.feed(data)
        for item in items:
            self._handle(item)

    def _handle(self, item: ModemOutput) -> None:
        if isinstance(item, AudioData):
            self.audio.rx.push(unsigned8_to_linear16(item.data))
        elif isinstance(item, ResultLine):
            self._on_line(item.text)
        elif isinstance(item, SignalReport):
            self.listeners.emit(LineSignalled(self.name, item.signal))
        elif isinstance(item, DigitReport):
            self.listeners.emit(DigitReceived(self.name, item.digit))
        elif isinstance(item, Malformed):
            self.malformed += 1
            log.warning("%s: ignoring malformed modem output (%s): %r", self.name, item.reason, item.data)
        elif isinstance(item, StreamEnded):
            log.debug("%s: audio stream ended", self.name)

    def _on_line(self, text: str) -> None:
        pending = self._pending
        with self._state_lock:
            is_caller_id = text != "RING" and self._caller_id.offer(text)
            complete = self._caller_id.complete
        if text == "RING":
            self._on_ring()
        elif is_caller_id:
            if complete:
                self._publish_caller_id()
            else:
                # A block without NAME (no name service) ends when no field follows shortly.
                self.clock.call_later(self.caller_id_settle, self._publish_caller_id)
        elif text in FINAL_RESULTS and pending is not None:
            pending.put(text)
        elif text.upper().startswith("AT"):
            pass  # our own command echoed before ATE0 took effect
        elif pending is not None:
            self._info.append(text)
        else:
            log.info("%s: unexpected modem line %r", self.name, text)

    def _publish_caller_id(self) -> None:
        with self._state_lock:
            caller_id = self._caller_id.take()
        if caller_id is not None:
            with self._state_lock:
                self._ring_caller = caller_id
            self.listeners.emit(CallerIdReceived(self.name, caller_id))

    def _on_ring(self) -> None:
        self._publish_caller_id()
        with self._state_lock:
            if self._state is LineState.OFF_HOOK or self._state is LineState.UNAVAILABLE:
                return
            if self._state is not LineState.RINGING:
                self._rings = 0
                self._ring_caller = None
            self._state = LineState.RINGING
            self._rings += 1
            event = LineRinging(self.name, self._rings, self._ring_caller)
            self._cancel_ring_timer()
            self._ring_timer = self.clock.call_later(self.ring_gap, self._ring_timeout)
        self.listeners.emit(event)

    def _ring_timeout(self) -> None:
        with self._state_lock:
            if self._state is not LineState.RINGING:
                return
            self._state = LineState.IDLE
            self._ring_timer = None
        self.listeners.emit(RingingStopped(self.name))

    def _cancel_ring_timer(self) -> None:
        with self._state_lock:
            if self._ring_timer is not None:
                self._ring_timer.cancel()
                self._ring_timer = None
