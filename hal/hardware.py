"""Opening everything a board file describes: the one place that turns specs into
drivers (and, for "sim" devices, starts the simulators they talk to).

The line gateway calls `Hardware.open(load_board(path))` and then uses the ports;
tests do the same with boards/sim.toml and drive the simulators in `hw.sim`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hal.audio.endpoint import AudioEndpoint, SimAudioLine
from hal.audio.simcard import SimSoundCard
from hal.backoff import DEFAULT_BACKOFF, Backoff
from hal.board.model import Board
from hal.board.specs import AudioRef
from hal.clock import Clock, SystemClock
from hal.dect.base import DectBase
from hal.dect.sim import DectSimulator
from hal.door import DoorStation
from hal.fxo.line import FxoLine
from hal.fxo.sim import VoiceModemSimulator
from hal.fxs.controller import FxsPort, SlicController
from hal.fxs.sim import SlicSimulator
from hal.gpio.button import Button
from hal.gpio.factory import make_pin_factory
from hal.gpio.led import Led
from hal.gpio.output import DoorLock, OutputDevice
from hal.gpio.pins import PinFactory
from hal.gpio.sim import SimPinFactory
from hal.health import DeviceState, HealthMonitor
from hal.paging import PagingZone
from hal.ports import LinePort

if TYPE_CHECKING:
    from hal.audio.soundcard import SoundCard

log = logging.getLogger(__name__)


@dataclass
class Simulators:
    """The simulated devices of a board (empty for real hardware)."""

    slic: SlicSimulator | None = None
    modems: dict[str, VoiceModemSimulator] = field(default_factory=dict)
    dect: DectSimulator | None = None
    # Device side of each simulated audio port, by port name.
    audio: dict[str, SimAudioLine] = field(default_factory=dict)
    pins: SimPinFactory | None = None


class Hardware:
    def __init__(self, board: Board, clock: Clock) -> None:
        self.board = board
        self.clock = clock
        self.health = HealthMonitor()
        self.sim = Simulators()
        self.pin_factory: PinFactory | None = None
        self.sound_cards: dict[str, SoundCard | SimSoundCard] = {}
        self.slic: SlicController | None = None
        self.fxs: dict[str, FxsPort] = {}
        self.fxo: dict[str, FxoLine] = {}
        self.dect: DectBase | None = None
        self.doors: dict[str, DoorStation] = {}
        self.paging: dict[str, PagingZone] = {}
        self.buttons: dict[str, Button] = {}
        self.leds: dict[str, Led] = {}
        self._workdir: Path | None = None

    @classmethod
    def open(
        cls,
        board: Board,
        *,
        clock: Clock | None = None,
        pin_factory: PinFactory | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,
    ) -> Hardware:
        """Create and start every device of `board`; failures to reach serial devices
        are not errors here (they are reported DOWN and retried), bad specs are."""
        hw = cls(board, clock or SystemClock())
        try:
            hw._build(pin_factory, backoff)
        except BaseException:
            hw.close()
            raise
        return hw

    def ports(self) -> dict[str, LinePort]:
        """Every phone-side port by name: FXS phones, door stations, subscribed DECT handsets."""
        ports: dict[str, LinePort] = {}
        ports.update(self.fxs)
        ports.update(self.doors)
        if self.dect is not None:
            ports.update(self.dect.ports)
        return ports

    def wait_ready(self, timeout: float) -> bool:
        """Wait until every device is UP; False if some are not by then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(s.state is DeviceState.UP for s in self.health.statuses().values()):
                return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        for closer in (
            *(line.close for line in self.fxo.values()),
            *([self.slic.close] if self.slic else []),
            *([self.dect.close] if self.dect else []),
            *(modem.close for modem in self.sim.modems.values()),
            *([self.sim.slic.close] if self.sim.slic else []),
            *([self.sim.dect.close] if self.sim.dect else []),
            *(door.close for door in self.doors.values()),
            *(zone.close for zone in self.paging.values()),
            *(button.close for button in self.buttons.values()),
            *(led.close for led in self.leds.values()),
            *(card.close for card in self.sound_cards.values()),
        ):
            try:
                closer()
            except Exception:
                log.exception("closing %r failed", closer)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    # --- building -------------------------------------------------------------
    def _sim_path(self, name: str) -> Path:
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="minipbx-sim-"))
        return self._workdir / name

    def _audio(self, ref: AudioRef, port: str) -> AudioEndpoint:
        card = self.sound_cards[ref.card]
        if isinstance(card, SimSoundCard):
            self.sim.audio[port] = card.line(ref.channel)
        return card.channel(ref.channel)

    def _build(self, pin_factory: PinFactory | None, backoff: Backoff) -> None:
        board = self.board
        for spec in board.sound_cards:
            card: SoundCard | SimSoundCard
            if spec.simulated:
                card = SimSoundCard(spec.name, spec.channels)
            else:
                from hal.audio.soundcard import SoundCard  # numpy and PortAudio: real boards only

                device: str | int = int(spec.device) if spec.device.isdigit() else spec.device
                card = SoundCard(spec.name, device, spec.channels, capture=spec.capture, playback=spec.playback)
            self.sound_cards[spec.name] = card
            self.health.watch(card.reporter)
            card.start()
        if board.uses_gpio:
            self.pin_factory = pin_factory or make_pin_factory(board.gpio, self.clock)
            if isinstance(self.pin_factory, SimPinFactory):
                self.sim.pins = self.pin_factory
        self._build_panel()
        if board.slic is not None:
            url = board.slic.serial.url
            if board.slic.serial.simulated:
                channels = max((p.port for p in board.fxs), default=1)
                self.sim.slic = SlicSimulator.on_pty(self._sim_path("slic"), channels=channels, clock=self.clock)
                url = self.sim.slic.url
            ports = {p.port: (p.name, self._audio(p.audio, p.name)) for p in board.fxs}
            self.slic = SlicController(url, ports=ports, baudrate=board.slic.serial.baudrate, backoff=backoff)
            self.fxs = dict(self.slic.ports)
            if self.sim.slic is not None:
                for port_spec in board.fxs:
                    self.sim.slic.phone(port_spec.port).audio = self.sim.audio.get(port_spec.name)
            self.health.watch(self.slic.reporter)
            self.slic.start()
        for line_spec in board.fxo:
            url = line_spec.serial.url
            if line_spec.serial.simulated:
                modem = VoiceModemSimulator.on_pty(
                    self._sim_path(line_spec.name), clock=self.clock, full_duplex=line_spec.full_duplex
                )
                self.sim.modems[line_spec.name] = modem
                url = modem.url
            line = FxoLine(
                url,
                name=line_spec.name,
                clock=self.clock,
                baudrate=line_spec.serial.baudrate,
                backoff=backoff,
                full_duplex=line_spec.full_duplex,
                extra_init=line_spec.init,
            )
            self.fxo[line_spec.name] = line
            self.health.watch(line.reporter)
            line.start()
        if board.dect is not None:
            url = board.dect.serial.url
            if board.dect.serial.simulated:
                self.sim.dect = DectSimulator.on_pty(
                    self._sim_path("dect"), preregistered=board.dect.simulated_handsets,
                    cells=board.dect.simulated_cells, clock=self.clock
                )
                url = self.sim.dect.url
            self.dect = DectBase(
                url, port_prefix=board.dect.port_prefix, baudrate=board.dect.serial.baudrate, backoff=backoff
            )
            self.health.watch(self.dect.reporter)
            self.dect.start()
        self._build_doors_and_paging()

    def _build_panel(self) -> None:
        factory = self.pin_factory
        if factory is None:
            return
        for button_spec in self.board.buttons:
            # when_held every second while pressed: the line host reports each whole second held
            # (a mode key held 3 s, a reset button's 10 s countdown).
            self.buttons[button_spec.name] = Button(
                factory.pin(button_spec.pin),
                pull_up=button_spec.pull_up,
                bounce_time=button_spec.bounce_time,
                hold_time=1.0,
                hold_repeat=True,
            )
        for led_spec in self.board.leds:
            self.leds[led_spec.name] = Led(factory.pin(led_spec.pin), active_high=led_spec.active_high)

    def _pins(self) -> PinFactory:
        # Board.uses_gpio is true whenever a door or an amplifier pin exists, so this holds.
        if self.pin_factory is None:
            raise RuntimeError(f"board {self.board.name} uses GPIO but no pin factory was set up")
        return self.pin_factory

    def _build_doors_and_paging(self) -> None:
        for spec in self.board.doors:
            factory = self._pins()
            lock = None
            if spec.lock_pin is not None:
                lock = DoorLock(
                    factory.pin(spec.lock_pin),
                    open_time=spec.lock_open_time,
                    active_high=spec.lock_active_high,
                )
            talk = OutputDevice(factory.pin(spec.talk_pin)) if spec.talk_pin is not None else None
            self.doors[spec.name] = DoorStation(
                spec.name,
                audio=self._audio(spec.audio, spec.name),
                button=Button(factory.pin(spec.button_pin)),
                lock=lock,
                talk=talk,
            )
        for zone in self.board.paging:
            amplifier = None
            if zone.amplifier_pin is not None:
                amplifier = OutputDevice(self._pins().pin(zone.amplifier_pin))
            self.paging[zone.name] = PagingZone(
                zone.name, audio=self._audio(zone.audio, zone.name), amplifier=amplifier
            )
