"""Board files: the shipped ones load, broken ones fail naming the key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from hal.board import BoardError, load_board
from hal.board.model import Board
from hal.board.specs import AudioRef

BOARDS = Path(__file__).resolve().parents[3] / "boards"

GOOD = """
[board]
name = "Test"
gpio = "sim"

[sound_cards.main]
device = "sim"
channels = 2

[slic]
serial = "sim"

[fxs.fxs1]
port = 1
audio = "main:0"

[door.door1]
audio = "main:1"
button_pin = 17
lock_pin = 27
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "board.toml"
    path.write_text(text)
    return path


def load(tmp_path: Path, text: str) -> Board:
    return load_board(write(tmp_path, text))


@pytest.mark.parametrize("name", ["sim.toml", "pi4-hat.toml", "pi5-hat.toml", "usb.toml"])
def test_every_shipped_board_loads(name: str) -> None:
    board = load_board(BOARDS / name)
    assert board.name and board.max_calls >= 1


def test_the_sim_board_has_every_kind_of_device() -> None:
    board = load_board(BOARDS / "sim.toml")
    assert board.gpio == "sim" and board.max_calls == 128
    assert [p.name for p in board.fxs] == ["fxs1", "fxs2"]
    assert [line.name for line in board.fxo] == ["fxo1"]
    assert board.dect is not None and board.dect.simulated_handsets == 2 and board.dect.simulated_cells == 2
    assert [d.name for d in board.doors] == ["door1"] and board.doors[0].lock_pin == 27
    assert [z.name for z in board.paging] == ["zone1"]
    assert {b.function for b in board.buttons} == {"mode", "reset", "dect_pair"}
    functions = {led.function for led in board.leds}
    assert functions == {"power", "status", "mode_day", "mode_lunch", "mode_break", "mode_night", "line", "message",
                         "dect_pair"}
    assert [led.line for led in board.leds if led.function == "line"] == ["fxo1"]
    assert board.fxs[1].audio == AudioRef("main", 1)


def test_pi5_uses_lgpio_and_pi4_rpigpio() -> None:
    assert load_board(BOARDS / "pi4-hat.toml").gpio == "rpigpio"
    assert load_board(BOARDS / "pi5-hat.toml").gpio == "lgpio"
    assert not load_board(BOARDS / "usb.toml").uses_gpio


def test_a_minimal_board_keeps_the_brain_contract(tmp_path: Path) -> None:
    board = load(tmp_path, '[board]\nname = "Tiny"\n')
    assert (board.name, board.max_calls, board.path) == ("Tiny", 8, tmp_path / "board.toml")
    assert board.port_names() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # unknown keys and sections
        (("[slic]", "[slic]\nbaud = 9600"), r"\[slic\]: unknown key\(s\) baud; accepted: baudrate, serial"),
        (("[door.door1]", "[door.door1]\nlock_pn = 5"), r"unknown key\(s\) lock_pn; accepted: audio, button_pin"),
        (("[board]", "[modem]\nx = 1\n[board]"), r"top level: unknown key\(s\) modem"),
        # GPIO used twice
        (
            ("lock_pin = 27", "lock_pin = 17"),
            r"\[door.door1\] lock_pin = 17: GPIO 17 is already used by \[door.door1\] button_pin",
        ),
        (("lock_pin = 27", "lock_pin = 40"), r"\[door.door1\] lock_pin = 40 is not accepted; use a whole number 0-27"),
        # ports without audio
        (
            ('port = 1\naudio = "main:0"', "port = 1"),
            r"\[fxs.fxs1\] audio: is missing; this port needs a sound-card channel",
        ),
        (('audio = "main:0"', 'audio = "hat:0"'), r"names sound card 'hat', which is not defined \(defined: main\)"),
        (
            ('audio = "main:0"', 'audio = "main:2"'),
            r"audio = 'main:2' is out of range: sound card 'main' has channels 0-1",
        ),
        (('audio = "main:0"', 'audio = "main:1"'), r"\[door.door1\] audio = 'main:1' is already used by \[fxs.fxs1\]"),
        (('audio = "main:0"', 'audio = "main"'), r'use "CARD:CHANNEL"'),
        # missing serial devices
        (('[slic]\nserial = "sim"', "[slic]"), r"\[slic\] serial: is missing; name the line controller device"),
        (('[slic]\nserial = "sim"', ""), r"\[fxs.fxs1\]: FXS ports need a line controller; add a \[slic\] section"),
        (
            ('serial = "sim"', 'serial = "ttyUSB0"'),
            r"serial = 'ttyUSB0' is not accepted; use a device path, a pySerial URL",
        ),
        # values
        (
            ('gpio = "sim"', 'gpio = "wiringpi"'),
            r"\[board\] gpio = 'wiringpi' is not accepted; use one of: sim, rpigpio, lgpio, auto",
        ),
        (("port = 1", "port = 0"), r"\[fxs.fxs1\] port = 0 is not accepted; use a whole number 1-99"),
        (("[fxs.fxs1]", "[fxs.FXS-1]"), r"device name 'FXS-1' is not accepted"),
        (("[door.door1]", "[door.fxs1]"), r"name 'fxs1' is already used by \[fxs.fxs1\]"),
        (('name = "Test"', "name = 5"), r"\[board\] name = 5 is not accepted"),
        # a DECT pairing key on a board without a DECT module
        (
            ("[board]", '[panel.buttons.pair]\npin = 4\nfunction = "dect_pair"\n[board]'),
            r"\[panel.buttons.pair\] function = 'dect_pair' needs a DECT module \(\[dect\]\) on this board",
        ),
    ],
)
def test_bad_board_files_name_the_key_and_the_problem(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(BoardError, match=message) as error:
        load(tmp_path, GOOD.replace(old, new, 1))
    assert str(tmp_path / "board.toml") in str(error.value)


def test_reserved_pins_cannot_be_wired(tmp_path: Path) -> None:
    text = GOOD.replace('gpio = "sim"', 'gpio = "sim"\nreserved_pins = [14, 15, 27]')
    with pytest.raises(BoardError, match=r"lock_pin = 27: GPIO 27 is already used by \[board\] reserved_pins"):
        load(tmp_path, text)


PANEL = GOOD + """
[fxo.fxo1]
serial = "sim"

[panel.buttons.mode]
pin = 6
function = "mode"

[panel.leds.power]
pin = 23
function = "power"

[panel.leds.line1]
pin = 24
function = "line"
line = "fxo1"
"""


def test_a_panel_names_each_button_and_led_by_function(tmp_path: Path) -> None:
    board = load(tmp_path, PANEL)
    assert [(b.name, b.function) for b in board.buttons] == [("mode", "mode")]
    assert [(led.name, led.function, led.line) for led in board.leds] == [
        ("power", "power", None), ("line1", "line", "fxo1")]
    assert board.button_for("mode") == board.buttons[0] and board.button_for("reset") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('pin = 6\nfunction = "mode"', "pin = 6"),
         r"\[panel.buttons.mode\] function: is missing; name what the button does: mode, reset"),
        (('pin = 23\nfunction = "power"', "pin = 23"),
         r"\[panel.leds.power\] function: is missing; name what the LED shows: power, status, mode, mode_day"),
        (('function = "mode"', 'function = "night"'),
         r"\[panel.buttons.mode\] function = 'night' is not accepted; use one of: mode, reset"),
        (('function = "power"', 'function = "fault"'), r"\[panel.leds.power\] function = 'fault' is not accepted"),
        # a function on two pins
        (('[panel.leds.power]', '[panel.leds.other]\npin = 25\nfunction = "power"\n[panel.leds.power]'),
         r"\[panel.leds.power\] function = 'power' is already the function of \[panel.leds.other\]"),
        (('[panel.leds.power]', '[panel.leds.other]\npin = 25\nfunction = "line"\nline = "fxo1"\n'
                               '[panel.leds.power]'),
         r"\[panel.leds.line1\] line = 'fxo1' is already the line of \[panel.leds.other\]"),
        # a pin used twice
        (("pin = 24", "pin = 23"),
         r"\[panel.leds.line1\] pin = 23: GPIO 23 is already used by \[panel.leds.power\] pin"),
        (("pin = 6", "pin = 17"), r"\[panel.buttons.mode\] pin = 17: GPIO 17 is already used by \[door.door1\]"),
        # line LEDs
        (('line = "fxo1"', ""), r"\[panel.leds.line1\] line: is missing; name the exchange line it shows: fxo1"),
        (('line = "fxo1"', 'line = "fxo2"'), r"line = 'fxo2' is not an exchange line of this board; lines: fxo1"),
        (('function = "power"', 'function = "power"\nline = "fxo1"'),
         r"\[panel.leds.power\] line: only applies to function = \"line\""),
        # one mode LED or one per mode
        (('function = "power"', 'function = "mode"\n[panel.leds.night]\npin = 25\nfunction = "mode_night"'),
         r"\[panel.leds.power\] function = 'mode': a board has one mode LED or one per mode"),
        # the old fault LED is the status LED now
        (("[panel.buttons.mode]", '[panel]\nfault_led = "power"\n[panel.buttons.mode]'),
         r"\[panel\]: unknown key\(s\) fault_led"),
        (('function = "mode"', 'function = "mode"\nhold_time = 2.0'), r"unknown key\(s\) hold_time"),
    ],
)
def test_a_bad_panel_is_refused_naming_the_key(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in PANEL
    with pytest.raises(BoardError, match=message):
        load(tmp_path, PANEL.replace(old, new, 1))


def test_simulated_handsets_need_a_simulated_module(tmp_path: Path) -> None:
    text = GOOD + '\n[dect]\nserial = "/dev/ttyAMA1"\nsimulated_handsets = 2\n'
    with pytest.raises(BoardError, match=r'\[dect\] simulated_handsets: only applies with serial = "sim"'):
        load(tmp_path, text)


def test_simulated_cells_need_a_simulated_module_and_a_sane_count(tmp_path: Path) -> None:
    text = GOOD + '\n[dect]\nserial = "/dev/ttyAMA1"\nsimulated_cells = 2\n'
    with pytest.raises(BoardError, match=r'\[dect\] simulated_cells: only applies with serial = "sim"'):
        load(tmp_path, text)
    with pytest.raises(BoardError, match=r"\[dect\] simulated_cells"):
        load(tmp_path, GOOD + '\n[dect]\nserial = "sim"\nsimulated_cells = 17\n')


def test_a_sound_card_must_capture_for_a_port_that_listens(tmp_path: Path) -> None:
    text = GOOD.replace("channels = 2", "channels = 2\ncapture = false")
    with pytest.raises(BoardError, match="cannot hear: sound card 'main' has capture = false"):
        load(tmp_path, text)


def test_fxo_init_must_be_at_commands(tmp_path: Path) -> None:
    text = GOOD + '\n[fxo.fxo1]\nserial = "/dev/ttyACM0"\ninit = ["ATS0=0", "reboot"]\n'
    with pytest.raises(BoardError, match=r"\[fxo.fxo1\] init = .* is not accepted; use a list of AT commands"):
        load(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[board\nname=1", "is not valid TOML"),
        ("[capacity]\ncalls = 8\n", r"the \[board\] section is missing"),
        (
            '[board]\nname = "x"\n[capacity]\ncalls = 0\n',
            r"\[capacity\] calls = 0 is not accepted; use a whole number 1-1000",
        ),
        ('[board]\nname = "x"\n[capacity]\ncalls = true\n', r"calls = True is not accepted"),
        ("board = 3\n", r"\[board\] must be a table, not int"),
    ],
)
def test_broken_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(BoardError, match=message):
        load(tmp_path, text)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BoardError, match="does not exist"):
        load_board(tmp_path / "nope.toml")
