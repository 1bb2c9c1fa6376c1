"""Loading and validating a board file.

A board file describes hardware only (pins, ports, devices, how many calls the CPU
is sized for); configuration lives in the database. The format is documented in
docs/boards.md. Every problem is reported as a BoardError that names the file, the
key and what is accepted.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hal.board.errors import BoardError
from hal.board.specs import (
    BUTTON_FUNCTIONS,
    LED_FUNCTIONS,
    MODE_LEDS,
    SIMULATED,
    AudioRef,
    ButtonSpec,
    DectSpec,
    DoorSpec,
    FxoLineSpec,
    FxsPortSpec,
    LedSpec,
    PagingZoneSpec,
    SerialSpec,
    SlicSpec,
    SoundCardSpec,
)
from hal.board.table import Table
from hal.gpio.factory import BACKENDS
from hal.gpio.pins import BCM_PINS

__all__ = ["Board", "BoardError", "load_board"]

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_AUDIO = re.compile(r"^([a-z][a-z0-9_-]{0,31}):(\d{1,2})$")


@dataclass(frozen=True)
class Board:
    name: str
    path: Path
    # Concurrent bridged calls the board is sized for; the brain starts as many
    # call workers as the pjsua2 build needs to hold this many.
    max_calls: int
    gpio: str = "sim"
    sound_cards: tuple[SoundCardSpec, ...] = ()
    slic: SlicSpec | None = None
    fxs: tuple[FxsPortSpec, ...] = ()
    fxo: tuple[FxoLineSpec, ...] = ()
    dect: DectSpec | None = None
    doors: tuple[DoorSpec, ...] = ()
    paging: tuple[PagingZoneSpec, ...] = ()
    buttons: tuple[ButtonSpec, ...] = ()
    leds: tuple[LedSpec, ...] = ()

    @property
    def uses_gpio(self) -> bool:
        return bool(self.doors or self.buttons or self.leds or any(z.amplifier_pin is not None for z in self.paging))

    def port_names(self) -> list[str]:
        """Names of the fixed ports (DECT handsets are added as they subscribe)."""
        names = [p.name for p in self.fxs] + [line.name for line in self.fxo]
        return names + [d.name for d in self.doors] + [z.name for z in self.paging]

    def button_for(self, function: str) -> ButtonSpec | None:
        return next((b for b in self.buttons if b.function == function), None)


def load_board(path: Path) -> Board:
    """Read and validate a board file; raise BoardError naming the bad key."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise BoardError(f"board file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"board file {path} is not valid TOML: {exc}") from None
    return _Reader(path).read(Table(raw, "", path))


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.pins: dict[int, str] = {}
        self.audio_users: dict[AudioRef, str] = {}
        self.names: dict[str, str] = {}
        self.cards: dict[str, SoundCardSpec] = {}

    def read(self, top: Table) -> Board:
        board = top.table("board")
        if board is None:
            raise BoardError(f'{self.path}: the [board] section is missing (it needs at least name = "...")')
        name = board.text("name")
        gpio = board.text("gpio", "auto", choices=BACKENDS)
        reserved = board.raw("reserved_pins", [])
        if not isinstance(reserved, list):
            raise board.error("reserved_pins", "is not accepted; use a list of GPIO numbers", reserved)
        for pin in reserved:
            if not isinstance(pin, int) or isinstance(pin, bool) or pin not in BCM_PINS:
                raise board.error("reserved_pins", f"contains {pin!r}, which is not a GPIO number 0-27")
            if pin in self.pins:
                raise board.error("reserved_pins", f"GPIO {pin} is listed twice")
            # UART, I2S and I2C pins of the HAT: devices must not be wired to them.
            self.pins[pin] = "[board] reserved_pins"
        board.finish()
        # [image] says how flash.sh builds the SD image (architecture, boot files,
        # kernel); flash.sh checks its contents, the firmware does not use it.
        top.table("image")
        capacity = top.table("capacity")
        calls = 8
        if capacity is not None:
            calls = capacity.integer("calls", 1, 1000, 8)
            capacity.finish()
        self.cards = {c.name: c for c in self._sound_cards(top)}
        slic = self._slic(top)
        fxs = tuple(self._fxs_port(n, t, slic) for n, t in top.named_tables("fxs"))
        fxo = tuple(self._fxo_line(n, t) for n, t in top.named_tables("fxo"))
        dect = self._dect(top)
        doors = tuple(self._door(n, t) for n, t in top.named_tables("door"))
        paging = tuple(self._paging(n, t) for n, t in top.named_tables("paging"))
        buttons, leds = self._panel(top, fxo, dect is not None)
        top.finish()
        return Board(
            name=name,
            path=self.path,
            max_calls=calls,
            gpio=gpio,
            sound_cards=tuple(self.cards.values()),
            slic=slic,
            fxs=fxs,
            fxo=fxo,
            dect=dect,
            doors=doors,
            paging=paging,
            buttons=buttons,
            leds=leds,
        )

    # --- shared checks -------------------------------------------------------
    def _claim_name(self, name: str, where: str) -> None:
        if not _NAME.match(name):
            raise BoardError(
                f"{self.path}: [{where}]: device name {name!r} is not accepted; "
                "use lower-case letters, digits, - or _ (up to 32, starting with a letter)"
            )
        if name in self.names:
            raise BoardError(f"{self.path}: [{where}]: name {name!r} is already used by [{self.names[name]}]")
        self.names[name] = where

    def _optional_pin(self, table: Table, key: str) -> int | None:
        return self._pin(table, key) if table.has(key) else None

    def _pin(self, table: Table, key: str) -> int:
        pin = table.integer(key, BCM_PINS.start, BCM_PINS.stop - 1)
        user = f"[{table.where}] {key}"
        if pin in self.pins:
            raise BoardError(f"{self.path}: {user} = {pin}: GPIO {pin} is already used by {self.pins[pin]}")
        self.pins[pin] = user
        return pin

    def _audio(self, table: Table, needs_capture: bool) -> AudioRef:
        if not table.has("audio"):
            raise table.error("audio", 'is missing; this port needs a sound-card channel, e.g. audio = "main:0"')
        value = table.text("audio")
        match = _AUDIO.match(value)
        if match is None:
            raise table.error("audio", 'is not accepted; use "CARD:CHANNEL", e.g. "main:0"', value)
        ref = AudioRef(match.group(1), int(match.group(2)))
        card = self.cards.get(ref.card)
        if card is None:
            defined = ", ".join(sorted(self.cards)) or "none"
            raise table.error(
                "audio",
                f"names sound card {ref.card!r}, which is not defined "
                f"(defined: {defined}); add a [sound_cards.{ref.card}] section",
                value,
            )
        if ref.channel >= card.channels:
            raise table.error(
                "audio", f"is out of range: sound card {ref.card!r} has channels 0-{card.channels - 1}", value
            )
        if needs_capture and not card.capture:
            raise table.error("audio", f"cannot hear: sound card {ref.card!r} has capture = false", value)
        if not card.playback:
            raise table.error("audio", f"cannot play: sound card {ref.card!r} has playback = false", value)
        if ref in self.audio_users:
            raise table.error("audio", f"is already used by [{self.audio_users[ref]}]", value)
        self.audio_users[ref] = table.where
        return ref

    def _serial(self, table: Table, default_baud: int, what: str) -> SerialSpec:
        if not table.has("serial"):
            raise table.error(
                "serial",
                f'is missing; name the {what} device (a path such as "/dev/ttyACM0", '
                'a pySerial URL, or "sim" for the simulator)',
            )
        url = table.text("serial")
        baud = table.integer("baudrate", 300, 4_000_000, default_baud)
        if url != SIMULATED and not (url.startswith("/") or "://" in url):
            raise table.error("serial", 'is not accepted; use a device path, a pySerial URL or "sim"', url)
        return SerialSpec(url, baud)

    # --- sections -------------------------------------------------------------
    def _sound_cards(self, top: Table) -> list[SoundCardSpec]:
        cards = []
        for name, table in top.named_tables("sound_cards"):
            self._claim_name(name, table.where)
            card = SoundCardSpec(
                name=name,
                device=table.text("device"),
                channels=table.integer("channels", 1, 32, 1),
                capture=table.flag("capture", True),
                playback=table.flag("playback", True),
            )
            if not card.capture and not card.playback:
                raise table.error("capture", "a sound card needs capture, playback or both")
            table.finish()
            cards.append(card)
        return cards

    def _slic(self, top: Table) -> SlicSpec | None:
        table = top.table("slic")
        if table is None:
            return None
        spec = SlicSpec(self._serial(table, 115200, "line controller"))
        table.finish()
        return spec

    def _fxs_port(self, name: str, table: Table, slic: SlicSpec | None) -> FxsPortSpec:
        self._claim_name(name, table.where)
        if slic is None:
            raise BoardError(
                f"{self.path}: [{table.where}]: FXS ports need a line controller; "
                'add a [slic] section with serial = "/dev/..." (or "sim")'
            )
        port = table.integer("port", 1, 99)
        audio = self._audio(table, needs_capture=True)
        table.finish()
        return FxsPortSpec(name, port, audio)

    def _fxo_line(self, name: str, table: Table) -> FxoLineSpec:
        self._claim_name(name, table.where)
        serial = self._serial(table, 115200, "voice modem")
        init = table.raw("init", [])
        if not isinstance(init, list) or not all(isinstance(c, str) and c.upper().startswith("AT") for c in init):
            raise table.error("init", "is not accepted; use a list of AT commands", init)
        spec = FxoLineSpec(name, serial, table.flag("full_duplex", True), tuple(init))
        table.finish()
        return spec

    def _dect(self, top: Table) -> DectSpec | None:
        table = top.table("dect")
        if table is None:
            return None
        serial = self._serial(table, 921600, "DECT module")
        prefix = table.text("port_prefix", "dect")
        if not _NAME.match(prefix):
            raise table.error("port_prefix", "is not accepted; use lower-case letters and digits", prefix)
        handsets = table.integer("simulated_handsets", 0, 99, 0)
        if handsets and not serial.simulated:
            raise table.error("simulated_handsets", 'only applies with serial = "sim"')
        # A real module reports its radio cells itself (docs/hardware/dect-module.md).
        cells = table.integer("simulated_cells", 1, 16, 1)
        if cells > 1 and not serial.simulated:
            raise table.error("simulated_cells", 'only applies with serial = "sim"')
        table.finish()
        return DectSpec(serial, prefix, handsets, cells)

    def _door(self, name: str, table: Table) -> DoorSpec:
        self._claim_name(name, table.where)
        spec = DoorSpec(
            name=name,
            audio=self._audio(table, needs_capture=True),
            button_pin=self._pin(table, "button_pin"),
            lock_pin=self._optional_pin(table, "lock_pin"),
            lock_open_time=table.number("lock_open_time", 0.5, 30.0, 3.0),
            lock_active_high=table.flag("lock_active_high", True),
            talk_pin=self._optional_pin(table, "talk_pin"),
        )
        table.finish()
        return spec

    def _paging(self, name: str, table: Table) -> PagingZoneSpec:
        self._claim_name(name, table.where)
        spec = PagingZoneSpec(name, self._audio(table, needs_capture=False), self._optional_pin(table, "amplifier_pin"))
        table.finish()
        return spec

    def _panel(self, top: Table, fxo: tuple[FxoLineSpec, ...],
               has_dect: bool) -> tuple[tuple[ButtonSpec, ...], tuple[LedSpec, ...]]:
        panel = top.table("panel")
        if panel is None:
            return (), ()
        # function (a line LED: "line fxo1") -> the [section] that has it, for buttons and for LEDs
        button_functions: dict[str, str] = {}
        functions: dict[str, str] = {}
        buttons = []
        for name, table in panel.named_tables("buttons"):
            function = self._function(table, BUTTON_FUNCTIONS, "what the button does", button_functions)
            buttons.append(
                ButtonSpec(
                    name=name,
                    pin=self._pin(table, "pin"),
                    pull_up=table.flag("pull_up", True),
                    bounce_time=table.number("bounce_time", 0.0, 0.5, 0.02),
                    function=function,
                )
            )
            table.finish()
        leds = []
        lines = [line.name for line in fxo]
        known = ", ".join(lines) or "none"
        for name, table in panel.named_tables("leds"):
            function = self._function(table, LED_FUNCTIONS, "what the LED shows", functions)
            line = None
            if function == "line":
                if not table.has("line"):
                    raise table.error("line", f"is missing; name the exchange line it shows: {known}")
                line = table.text("line")
                if line not in lines:
                    raise table.error("line", f"is not an exchange line of this board; lines: {known}", line)
                self._claim_function(table, f"line {line}", "line", functions)
            elif table.has("line"):
                raise table.error("line", 'only applies to function = "line"')
            leds.append(LedSpec(name, self._pin(table, "pin"), table.flag("active_high", True), function, line))
            table.finish()
        for where in (button_functions, functions):
            if "dect_pair" in where and not has_dect:
                raise BoardError(f"{self.path}: [{where['dect_pair']}] function = 'dect_pair' needs a DECT module "
                                 "([dect]) on this board")
        if "mode" in functions and any(f in functions for f in MODE_LEDS):
            raise BoardError(f"{self.path}: [{functions['mode']}] function = 'mode': a board has one mode LED "
                             f"or one per mode ({', '.join(MODE_LEDS)}), not both")
        panel.finish()
        return tuple(buttons), tuple(leds)

    def _function(self, table: Table, accepted: tuple[str, ...], what: str, functions: dict[str, str]) -> str:
        if not table.has("function"):
            raise table.error("function", f"is missing; name {what}: {', '.join(accepted)}")
        function = table.text("function", choices=accepted)
        if function != "line":  # one LED per line: checked with the line's name
            self._claim_function(table, function, "function", functions)
        return function

    def _claim_function(self, table: Table, function: str, key: str, functions: dict[str, str]) -> None:
        if function in functions:
            value = function.removeprefix("line ")
            raise table.error(key, f"is already the {key} of [{functions[function]}]; each is on one pin only",
                              value)
        functions[function] = table.where
