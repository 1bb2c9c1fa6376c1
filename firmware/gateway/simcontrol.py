"""The other side of a simulated board, reachable from outside the line host.

With `boards/sim.toml` the simulators (analog phones on the line controller, the
exchange line behind the voice modem, DECT handsets, the door button, the LEDs)
live in the line host, where `Hardware.open` started them; the host's real
drivers talk to them over ptys. This socket (run/sim.sock) lets `minipbx sim`, the
tests and the benchmark act on them: lift a handset, dial, hang up, ring the
exchange line with caller ID, speak a tone into any port and record what it hears,
pull a serial device's plug, read the LEDs.

One JSON request per line ({"cmd": ..., fields}), one JSON answer per line
({"ok": true, ...} or {"ok": false, "error": ...}); a connection may ask many.
Times are CLOCK_MONOTONIC seconds, shared by every process of the machine.
"""
from __future__ import annotations

import base64
import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hal.clock import Clock
from hal.dect.sim import SubscriptionClosed, VirtualHandset
from hal.hardware import Hardware
from hal.ports import CallerId

log = logging.getLogger("minipbx.gateway.sim")

FRAME_BYTES = 320
_PUMP = 0.010
# How often an idle pump looks again without being woken (only so that it sees a stop).
_IDLE_CHECK = 1.0
# A recording keeps at most this much audio (8 kHz 16-bit): ten minutes.
_MAX_RECORDING = 8000 * 2 * 600


class SimError(RuntimeError):
    """A request the simulated board cannot do; the message says what is accepted."""


@dataclass
class _Audio:
    """One port's device side: what it says (a tone) and what it heard (a recording)."""

    speak: Callable[[bytes], None]
    heard: Callable[[], bytes]
    hz: float = 0.0
    until: float = 0.0
    phase: int = 0
    next_due: float = 0.0
    recording: bytearray | None = None
    marks: list[tuple[float, int]] = field(default_factory=list)
    echo_gain: float = 0.0
    echo_delay: bytes = b""

    def busy(self, now: float) -> bool:
        """The pump has work here: the device speaks, records, or echoes the line."""
        return (bool(self.hz) and now < self.until) or self.recording is not None or bool(self.echo_gain)


class SimControlServer:
    def __init__(self, path: Path, hw: Hardware, clock: Clock) -> None:
        self.path = path
        self.hw = hw
        self.clock = clock
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._audio_wanted = threading.Event()  # set by speak/record/echo: the pump has work
        self._audio = self._audio_sides()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(8)
        self._server.settimeout(0.2)

    def start(self) -> None:
        threading.Thread(target=self._serve, name="sim-control", daemon=True).start()
        threading.Thread(target=self._pump, name="sim-audio", daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self._audio_wanted.set()
        self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    # ---- who is who ---------------------------------------------------------------------
    def _audio_sides(self) -> dict[str, _Audio]:
        sim = self.hw.sim
        sides: dict[str, _Audio] = {}
        for name, line in sim.audio.items():
            sides[name] = _Audio(line.speak, line.heard)
        for name, modem in sim.modems.items():
            sides[name] = _Audio(modem.talk, modem.heard)
        if sim.dect is not None:
            for handset in sim.dect.handsets.values():
                sides[f"{self.hw.board.dect.port_prefix if self.hw.board.dect else 'dect'}{handset.number}"] = \
                    _Audio(handset.speak, handset.heard)
        return sides

    def _phone(self, port: str) -> Any:
        sim = self.hw.sim
        spec = next((p for p in self.hw.board.fxs if p.name == port), None)
        if spec is not None and sim.slic is not None:
            return sim.slic.phone(spec.port)
        if sim.dect is not None and self.hw.dect is not None:
            handset = self.hw.dect.ports.get(port)
            if handset is not None and handset.number in sim.dect.handsets:
                return sim.dect.handset(handset.number)
        raise SimError(f"no simulated phone {port!r}; phones: {', '.join(self._phone_names()) or 'none'}")

    def _phone_names(self) -> list[str]:
        names = [p.name for p in self.hw.board.fxs]
        if self.hw.dect is not None:
            names += sorted(self.hw.dect.ports)
        return names

    def _modem(self, line: str) -> Any:
        modem = self.hw.sim.modems.get(line)
        if modem is None:
            raise SimError(f"no simulated exchange line {line!r}; lines: {', '.join(self.hw.sim.modems) or 'none'}")
        return modem

    def _serial_device(self, name: str) -> Any:
        sim = self.hw.sim
        devices: dict[str, Any] = {**sim.modems}
        if sim.slic is not None:
            devices["slic"] = sim.slic
        if sim.dect is not None:
            devices["dect"] = sim.dect
        if name not in devices:
            raise SimError(f"no simulated serial device {name!r}; devices: {', '.join(sorted(devices))}")
        return devices[name]

    def _side(self, port: str) -> _Audio:
        if port not in self._audio:
            # A DECT handset may have subscribed since the start.
            self._audio = {**self._audio_sides(), **self._audio}
        side = self._audio.get(port)
        if side is None:
            raise SimError(f"no simulated audio for {port!r}; ports: {', '.join(sorted(self._audio))}")
        return side

    # ---- requests ----------------------------------------------------------------------------
    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        cmd = str(request.get("cmd"))
        now = time.monotonic()
        with self._lock:
            if cmd == "state":
                return self.state()
            if cmd in ("lift", "hang_up", "dial", "flash"):
                phone = self._phone(str(request.get("port")))
                if cmd == "lift":
                    phone.lift() if hasattr(phone, "lift") else phone.press_talk()
                elif cmd == "hang_up":
                    phone.hang_up() if hasattr(phone, "lift") else phone.press_end()
                elif cmd == "dial":
                    phone.dial(str(request.get("digits", "")))
                elif hasattr(phone, "flash"):
                    phone.flash()
                return {"t": now}
            if cmd == "ring":
                self._modem(str(request.get("line"))).ring(
                    CallerId(number=str(request.get("number", "")), name=str(request.get("name", ""))))
                return {"t": now}
            if cmd in ("stop_ringing", "far_hang_up"):
                modem = self._modem(str(request.get("line")))
                modem.stop_ringing() if cmd == "stop_ringing" else modem.hang_up()
                return {"t": now}
            if cmd == "press":
                self._modem(str(request.get("line"))).press(str(request.get("digits", "")))
                return {"t": now}
            if cmd == "door":
                return self._press_door(str(request.get("door")))
            if cmd == "press_button":
                return self._press_button(str(request.get("button")), float(request.get("seconds", 0.2)))
            if cmd in ("subscribe", "move"):
                return self._dect(cmd, request)
            if cmd in ("unplug", "plug"):
                device = self._serial_device(str(request.get("device")))
                device.unplug() if cmd == "unplug" else device.plug()
                return {"t": now}
            if cmd == "speak":
                side = self._side(str(request.get("port")))
                side.hz = float(request.get("hz", 0))
                side.until = now + float(request.get("seconds", 3600))
                side.next_due = now
                self._audio_wanted.set()
                return {"t": now}
            if cmd == "record":
                side = self._side(str(request.get("port")))
                side.heard()
                side.recording = bytearray()
                side.marks = [(now, 0)]
                self._audio_wanted.set()
                return {"t": now}
            if cmd == "heard":
                side = self._side(str(request.get("port")))
                pcm = bytes(side.recording or b"")
                return {"pcm": base64.b64encode(pcm).decode(), "marks": side.marks}
            if cmd == "echo":
                side = self._side(str(request.get("line")))
                side.echo_gain = float(request.get("gain", 0))
                side.echo_delay = bytes(round(float(request.get("delay_ms", 0)) * 16))
                self._audio_wanted.set()
                return {"t": now}
        raise SimError(f"unknown command {cmd!r}; see firmware/gateway/simcontrol.py")

    def _press_door(self, name: str) -> dict[str, Any]:
        spec = next((d for d in self.hw.board.doors if d.name == name), None)
        pins = self.hw.sim.pins
        if spec is None or pins is None:
            raise SimError(f"no simulated door station {name!r}")
        pin = pins.sim_pin(spec.button_pin)
        pin.drive(False)
        # Released after the debounce time, as a finger would.
        self.clock.call_later(0.2, lambda: pin.drive(True))
        return {"t": time.monotonic()}

    def _press_button(self, name: str, seconds: float) -> dict[str, Any]:
        """A finger on a front-panel button for `seconds` (the answer comes at once)."""
        spec = next((b for b in self.hw.board.buttons if b.name == name), None)
        pins = self.hw.sim.pins
        if spec is None or pins is None:
            names = ", ".join(b.name for b in self.hw.board.buttons) or "none"
            raise SimError(f"no front-panel button {name!r}; buttons: {names}")
        if not 0.05 <= seconds <= 60:
            raise SimError(f"hold time {seconds!r} is not accepted; 0.05-60 s")
        pin = pins.sim_pin(spec.pin)
        pin.drive(not spec.pull_up)
        self.clock.call_later(seconds, lambda: pin.drive(spec.pull_up))
        now = time.monotonic()
        return {"t": now, "released_at": now + seconds}

    def _dect(self, cmd: str, request: dict[str, Any]) -> dict[str, Any]:
        """A new handset registers (the window must be open: `minipbx dect pair`), or one walks into another cell."""
        module = self.hw.sim.dect
        if module is None:
            raise SimError("this simulated board has no DECT module")
        if cmd == "subscribe":
            try:
                return {"t": time.monotonic(), "handset": module.subscribe().number}
            except SubscriptionClosed as exc:
                raise SimError(f"{exc}; open the window with `minipbx dect pair`") from None
        phone = self._phone(str(request.get("port")))
        if not isinstance(phone, VirtualHandset):
            raise SimError(f"{request.get('port')} is not a DECT handset")
        phone.move_to(int(request.get("cell", 0)))
        return {"t": time.monotonic()}

    def state(self) -> dict[str, Any]:
        sim = self.hw.sim
        phones: dict[str, Any] = {}
        for spec in self.hw.board.fxs:
            if sim.slic is None:
                break
            phone = sim.slic.phone(spec.port)
            cid = phone.caller_id
            phones[spec.name] = {
                "off_hook": phone.off_hook, "ringing": phone.ringing, "bell": phone.bell, "bursts": phone.bursts,
                "caller_id": {"number": cid.number, "name": cid.name} if cid else None,
                "cadence": list(phone.measured_cadence()),
            }
        if sim.dect is not None and self.hw.dect is not None:
            for name, port in sorted(self.hw.dect.ports.items()):
                handset = sim.dect.handsets.get(port.number)
                if handset is None:
                    continue
                cid = handset.caller_id
                phones[name] = {
                    "off_hook": handset.off_hook, "ringing": handset.ringing, "connected": handset.connected,
                    "released": handset.released, "melody": handset.melody.name if handset.melody else None,
                    "cell": handset.cell,
                    "caller_id": {"number": cid.number, "name": cid.name} if cid else None,
                }
        lines = {name: {"off_hook": modem.off_hook, "call_active": modem.call_active, "dialled": modem.dialled,
                        "dtmf_sent": modem.dtmf_sent, "streaming": modem.streaming.value}
                 for name, modem in sim.modems.items()}
        doors = {name: {"talking": door.off_hook, "lock_open": bool(door.lock and door.lock.is_active),
                        # seconds ago (on the simulator's clock) and for how long the lock last opened
                        "last_opened_ago": round(self.clock.now() - door.last_opened[0], 2)
                        if door.last_opened else None,
                        "last_open_seconds": door.last_opened[1] if door.last_opened else None}
                 for name, door in self.hw.doors.items()}
        paging = {name: {"amplifier": zone.active} for name, zone in self.hw.paging.items()}
        return {"phones": phones, "lines": lines, "doors": doors, "paging": paging, "leds": self._leds(),
                "devices": {s.device: s.state.value for s in self.hw.health.statuses().values()}}

    def _leds(self) -> dict[str, str]:
        shown: dict[str, str] = {}
        pins = self.hw.sim.pins
        now = self.clock.now()
        for spec in self.hw.board.leds:
            led = self.hw.leds.get(spec.name)
            if led is None:
                continue
            # Blinking: it changed several times lately (one change is just being switched); fast:
            # many times (a status LED's fault blink changes 15 times in 1.5 s, a slow blink 3).
            changes = [t for t, _ in pins.sim_pin(spec.pin).history if now - t < 1.5] if pins else []
            if len(changes) >= 8:
                shown[spec.name] = "blinking fast"
            else:
                shown[spec.name] = "blinking" if len(changes) >= 3 else ("on" if led.is_lit else "off")
        return shown

    # ---- audio, every 10 ms -------------------------------------------------------------------------
    def _pump(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            with self._lock:
                busy = [side for side in self._audio.values() if side.busy(now)]
                for side in busy:
                    try:
                        self._pump_side(side, now)
                    except Exception:
                        log.exception("simulated audio failed")
            if busy:
                self._stop.wait(_PUMP)
            else:
                # No simulated device talks, records or echoes: what the gateway plays to
                # one waits in its bounded buffer, and a `record` discards it anyway.
                self._audio_wanted.wait(_IDLE_CHECK)
                self._audio_wanted.clear()

    def _pump_side(self, side: _Audio, now: float) -> None:
        heard = side.heard()
        if side.recording is not None and heard and len(side.recording) < _MAX_RECORDING:
            side.recording += heard
            side.marks.append((now, len(side.recording)))
        speaking = bool(side.hz) and now < side.until
        if side.echo_gain:
            # A line with an echo is one stream, as a modem's converters play and capture on
            # one clock: each sample returned holds the far end's voice and the echo of the
            # sample sent at that moment (so the echo path stays put while both talk).
            side.next_due = now
            if heard:
                delayed = side.echo_delay + heard
                echo, side.echo_delay = delayed[:len(heard)], delayed[len(heard):]
                voice = _tone(side, len(heard) // 2) if speaking else bytes(len(heard))
                side.speak(_mix(voice, echo, side.echo_gain))
            return
        frames = bytearray()
        while side.next_due <= now and speaking:
            frames += _tone(side, FRAME_BYTES // 2)
            side.next_due += FRAME_BYTES / 16000
        if not speaking:
            side.next_due = now
        if frames:
            side.speak(bytes(frames))

    # ---- the socket ---------------------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._client, args=(conn,), daemon=True).start()

    def _client(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for line in stream:
                try:
                    request = json.loads(line)
                    if not isinstance(request, dict):
                        raise SimError("a request is a JSON object with a cmd")
                    answer: dict[str, Any] = {"ok": True, **self.handle(request)}
                except (SimError, ValueError, KeyError) as exc:
                    answer = {"ok": False, "error": str(exc)}
                except Exception as exc:
                    log.exception("simulator request %r failed", line[:200])
                    answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                try:
                    stream.write(json.dumps(answer).encode() + b"\n")
                    stream.flush()
                except OSError:
                    return


def _tone(side: _Audio, count: int) -> bytes:
    """The next `count` samples of the far end's tone (its phase runs on)."""
    import numpy as np  # here: the simulated exchange's far end talks only in a test call

    samples = np.arange(side.phase, side.phase + count)
    side.phase += count
    tone = 0.25 * np.sin(2 * np.pi * side.hz * samples / 8000)
    return bytes(np.round(tone * 32767).astype("<i2").tobytes())


def _mix(voice: bytes, echo: bytes, gain: float) -> bytes:
    """`voice` plus `echo` at `gain` (both the same length)."""
    import numpy as np

    mixed = np.frombuffer(voice, dtype="<i2").astype(np.float64) + np.frombuffer(echo, dtype="<i2") * gain
    return bytes(np.clip(np.round(mixed), -32768, 32767).astype("<i2").tobytes())


class SimClient:
    """Blocking client of the simulated board (for `minipbx sim`, tests and the benchmark)."""

    def __init__(self, path: Path, timeout: float = 10.0) -> None:
        self.path = path
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            self._sock.close()
            raise SimError(f"no simulated board answers at {path}; is minipbx running on boards/sim.toml?") from None
        self._stream = self._sock.makefile("rwb")

    def request(self, cmd: str, **fields: Any) -> dict[str, Any]:
        self._stream.write(json.dumps({"cmd": cmd, **fields}).encode() + b"\n")
        self._stream.flush()
        line = self._stream.readline()
        if not line:
            raise SimError("the simulated board closed the connection (minipbx stopped?)")
        answer: dict[str, Any] = json.loads(line)
        if not answer.get("ok"):
            raise SimError(str(answer.get("error")))
        return answer

    def heard(self, port: str) -> bytes:
        return base64.b64decode(self.request("heard", port=port)["pcm"])

    def close(self) -> None:
        self._stream.close()
        self._sock.close()

    def __enter__(self) -> SimClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
