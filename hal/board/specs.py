"""What a board has, as typed, frozen descriptions (no drivers are opened here)."""

from __future__ import annotations

from dataclasses import dataclass

# A serial device value that means "start the simulator and use its port".
SIMULATED = "sim"


@dataclass(frozen=True)
class AudioRef:
    """One channel of a named sound card ("main:0")."""

    card: str
    channel: int

    def __str__(self) -> str:
        return f"{self.card}:{self.channel}"


@dataclass(frozen=True)
class SerialSpec:
    url: str  # a pySerial URL or device path, or "sim"
    baudrate: int

    @property
    def simulated(self) -> bool:
        return self.url == SIMULATED


@dataclass(frozen=True)
class SoundCardSpec:
    name: str
    device: str  # "sim", "default", an ALSA/PortAudio device name, or an index as text
    channels: int
    capture: bool
    playback: bool

    @property
    def simulated(self) -> bool:
        return self.device == SIMULATED


@dataclass(frozen=True)
class SlicSpec:
    serial: SerialSpec


@dataclass(frozen=True)
class FxsPortSpec:
    name: str
    port: int  # the controller's port number
    audio: AudioRef


@dataclass(frozen=True)
class FxoLineSpec:
    name: str
    serial: SerialSpec
    full_duplex: bool
    init: tuple[str, ...]  # extra AT commands after the standard voice set-up


@dataclass(frozen=True)
class DectSpec:
    serial: SerialSpec
    port_prefix: str
    simulated_handsets: int  # handsets the simulator has registered at start
    simulated_cells: int = 1  # radio cells of the simulated module (handsets move between them)


@dataclass(frozen=True)
class DoorSpec:
    name: str
    audio: AudioRef
    button_pin: int
    lock_pin: int | None
    lock_open_time: float
    lock_active_high: bool
    talk_pin: int | None


@dataclass(frozen=True)
class PagingZoneSpec:
    name: str
    audio: AudioRef
    amplifier_pin: int | None


# What a front-panel button or LED is for (docs/boards.md, "[panel]"): the firmware acts on
# these, so a board names one per button and LED and each at most once.
BUTTON_FUNCTIONS = ("mode", "reset", "dect_pair")
MODE_LEDS = ("mode_day", "mode_lunch", "mode_break", "mode_night")
LED_FUNCTIONS = ("power", "status", "mode", *MODE_LEDS, "line", "message", "dect_pair")


@dataclass(frozen=True)
class ButtonSpec:
    name: str
    pin: int
    pull_up: bool
    bounce_time: float
    function: str  # one of BUTTON_FUNCTIONS


@dataclass(frozen=True)
class LedSpec:
    name: str
    pin: int
    active_high: bool
    function: str  # one of LED_FUNCTIONS
    line: str | None = None  # the exchange line ([fxo.NAME]) a "line" LED shows
