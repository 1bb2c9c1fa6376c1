"""Keypad programming through the fake channel: *99, the admin PIN (off the event loop, locked
out after failures), programs keyed by number, each change spoken back, made through the admin
layer (audit log, `ext list`) and in force for the next call."""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from firmware.admin import extensions as extension_admin
from firmware.admin.context import Admin
from firmware.appliance.credentials import store_admin_pin
from firmware.appliance.reboot import REBOOT_REQUEST
from firmware.apps.forwarding.config import get_forwarding
from firmware.apps.programming.session import PIN_SCOPE
from firmware.apps.voicemail.store import check_pin
from firmware.brain.call_commands import pair_dect
from firmware.dialplan.cos import set_profile
from firmware.modes.state import holidays, intervals, mode_now
from firmware.pins.guard import Guesser, locked_for
from firmware.store.database import write_transaction
from firmware.store.extensions import get_extension
from firmware.store.passwords import KEYABLE_LENGTH, digest_ha1
from firmware.store.settings import get_setting
from tests.support.audio import synth_tone, tone_seconds, write_wav
from tests.support.fake_channel import FakePbx, FakeWorker, fake_pbx, run

ADMIN_PIN = "24681357"


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    pbx = fake_pbx(tmp_path / "pbx", ("101", "102", "103", "104"))
    (tmp_path / "appliance").mkdir()
    store_admin_pin(tmp_path / "appliance", ADMIN_PIN)
    pbx.switch.programming.admin_pin_dir = tmp_path / "appliance"
    return pbx


class Caller:
    """Extension 101 on *99: keys pressed, every prompt played to the end, what it heard."""

    def __init__(self, fake: FakePbx, number: str = "101") -> None:
        self.w: FakeWorker = fake.workers[0]
        self.leg = self.w.incoming(number, "*99")
        self.finished: set[str] = set()
        self.mark = 0

    def heard(self) -> list[str]:
        return [Path(f).stem for m in self.w.commands("play", self.leg) for f in m["files"]]

    def since_mark(self) -> list[str]:
        return self.heard()[self.mark:]

    def hung_up(self) -> bool:
        return bool(self.w.commands("hangup", self.leg))

    async def until(self, done: Callable[[], bool], what: str, seconds: float = 5.0) -> None:
        """Play every prompt to its end until `done` (the PIN check runs in a thread: poll)."""
        deadline = time.monotonic() + seconds
        while not done():
            for play in self.w.commands("play", self.leg):
                if play["id"] not in self.finished:
                    self.finished.add(play["id"])
                    self.w.event("played", leg=self.leg, id=play["id"])
            assert time.monotonic() < deadline, f"never {what}; heard {self.since_mark()}"
            await asyncio.sleep(0.01)

    async def hears(self, name: str) -> list[str]:
        """Wait until prompt `name` was played since the last key; what was played since."""
        await self.until(lambda: name in self.since_mark(), f"heard {name}")
        return self.since_mark()

    def press(self, keys: str) -> None:
        self.mark = len(self.heard())
        self.w.press(self.leg, keys)

    async def log_in(self, pin: str = ADMIN_PIN) -> None:
        await self.hears("prog-enter-pin")
        self.press(pin + "#")
        await self.hears("prog-menu")

    async def program(self, keys: str, ends_with: str) -> list[str]:
        self.press(keys)
        heard = await self.hears(ends_with)
        return heard

    async def leave(self) -> None:
        await self.hears("prog-menu")
        self.press("*")
        await self.until(self.hung_up, "hung up")
        assert "goodbye" in self.since_mark()


def spoken_digits(prompts: list[str], after: str) -> str:
    """The digits said right after prompt `after` ('digit-4', 'digit-dot' ...), as text."""
    start = prompts.index(after) + 1
    said = ""
    for name in prompts[start:]:
        if not name.startswith("digit-"):
            break
        key = name.removeprefix("digit-")
        said += {"dot": ".", "star": "*", "hash": "#"}.get(key, key)
    return said


def sip_password_is(fake: FakePbx, number: str, password: str) -> bool:
    row = fake.db.execute("SELECT ha1 FROM subscriber WHERE username = ?", [number]).fetchone()
    return row is not None and row[0] == digest_ha1(number, "minipbx", password)[0]


def test_an_extension_created_at_the_keypad_has_the_spoken_password(fake: FakePbx) -> None:
    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        heard = await caller.program("10" + "#" + "105#", "prog-repeat")
        assert heard[heard.index("extension"):heard.index("prog-created") + 1] == [
            "extension", "digit-1", "digit-0", "digit-5", "prog-created"]
        password = spoken_digits(heard, "prog-password-is")
        assert len(password) == KEYABLE_LENGTH and password.isdigit()
        assert sip_password_is(fake, "105", password)
        caller.press("1")                       # again
        again = await caller.hears("prog-repeat")
        assert spoken_digits(again, "prog-password-is") == password
        caller.press("#")
        await caller.leave()
        [listed] = [e for e in extension_admin.list_all(Admin(fake.db, fake.data_dir)) if e.number == "105"]
        assert listed.changed_by == "keypad 101"
        who = fake.db.execute("SELECT who FROM audit_log WHERE action = 'extension.add'").fetchall()
        assert who == [("keypad 101",)]
        # A call to the new extension rings it: the running switch sees it at once.
        fake.workers[1].incoming("102", "105")
        fake.workers[1].dialled("105")
    run(scenario())


def test_wrong_admin_pins_lock_the_extension_out(fake: FakePbx) -> None:
    async def scenario() -> None:
        caller = Caller(fake)
        await caller.hears("prog-enter-pin")
        for attempt in range(3):
            caller.press("11112222#")
            await caller.hears("wrong-pin")
            if attempt < 2:
                await caller.hears("prog-enter-pin")
        await caller.until(caller.hung_up, "hung up")
        assert "locked-out" in caller.since_mark()
        assert locked_for(fake.db, PIN_SCOPE, Guesser.of_call("101", "101", "")) > 0
        # Locked out: even the right PIN is not asked for, and nothing can be programmed.
        again = Caller(fake)
        await again.until(again.hung_up, "hung up")
        assert "locked-out" in again.heard() and "prog-enter-pin" not in again.heard()
        assert "prog-menu" not in again.heard()
        # Another extension is not locked out by 101's tries.
        other = Caller(fake, "102")
        await other.log_in()
    run(scenario())


def test_without_an_admin_pin_nothing_can_be_programmed(fake: FakePbx, tmp_path: Path) -> None:
    fake.switch.programming.admin_pin_dir = tmp_path / "nowhere"

    async def scenario() -> None:
        caller = Caller(fake)
        await caller.hears("prog-enter-pin")
        caller.press("12345678#")
        await caller.until(caller.hung_up, "hung up")
        assert "not-allowed" in caller.since_mark() and "prog-menu" not in caller.heard()
    run(scenario())


def test_refused_input_changes_nothing_and_star_goes_back(fake: FakePbx) -> None:
    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        await caller.program("10#102#", "prog-not-accepted")     # exists already
        await caller.program("10#1#", "prog-not-accepted")       # not a valid number
        await caller.program("11#*", "prog-back")                # remove: back at the question
        await caller.program("11#103#*", "prog-back")            # remove: back at the confirmation
        await caller.program("77#", "invalid")                   # no such program
        await caller.leave()
        assert get_extension(fake.db, "103") is not None and get_extension(fake.db, "1") is None
        assert fake.db.execute("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'extension.%'").fetchone()[0] == 0
    run(scenario())


def test_extension_programs_remove_password_pin_class_forwarding(fake: FakePbx) -> None:
    set_profile(fake.db, "sales", "internal,local")

    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        await caller.program("11#104##", "prog-removed")
        assert get_extension(fake.db, "104") is None
        heard = await caller.program("12#103#", "prog-repeat")
        assert "prog-new-password" in heard
        assert sip_password_is(fake, "103", spoken_digits(heard, "prog-password-is"))
        caller.press("#")
        heard = await caller.program("13#102#", "prog-repeat")
        pin = spoken_digits(heard, "prog-pin-is")
        assert check_pin(fake.db, "102", pin, "test")
        caller.press("#")
        names = sorted(str(n) for (n,) in fake.db.execute("SELECT name FROM cos_profiles").fetchall())
        place = names.index("sales") + 1
        await caller.program(f"14#102#{place}#", "prog-class-set")
        assert fake.db.execute("SELECT cos FROM extensions WHERE number = '102'").fetchone()[0] == "sales"
        await caller.program("15#102#1103#", "forwarding-on")
        assert get_forwarding(fake.db, "102").always == "ext:103"
        await caller.program("15#102#1#", "forwarding-off")
        assert get_forwarding(fake.db, "102").always == ""
        await caller.leave()
        actions = [a for (a,) in fake.db.execute("SELECT action FROM audit_log WHERE who = 'keypad 101' "
                                                 "ORDER BY id").fetchall()]
        assert actions == ["keypad.login", "extension.remove", "extension.sip_password", "voicemail.pin",
                           "cos.assign", "forwarding.change", "forwarding.clear"]
    run(scenario())


def test_office_programs_operator_mode_timetable_holidays(fake: FakePbx) -> None:
    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        heard = await caller.program("20#103#", "prog-operator-is")
        await caller.until(lambda: "prog-menu" in caller.since_mark()[1:], "back at the menu")
        assert spoken_digits(heard + caller.since_mark(), "prog-operator-is") == "103"
        assert get_setting(fake.db, "operator_extension") == "103"
        heard = await caller.program("21#4", "mode-night")
        assert mode_now(fake.db).mode == "night"
        by = fake.db.execute("SELECT by FROM mode_log ORDER BY id DESC LIMIT 1").fetchone()[0]
        assert by == "keypad 101"
        await caller.program("21#0", "mode-timetable")
        await caller.program("22#8" + "080012001#" + "120013002#" + "130017001#" + "#", "prog-timetable-set")
        monday = [str(i) for i in intervals(fake.db) if i.weekday == 0]
        assert monday == ["mon 08:00-12:00 day", "mon 12:00-13:00 lunch", "mon 13:00-17:00 day"]
        await caller.program("22#6" + "250012001#" + "#", "prog-not-accepted")   # 25:00 is no time
        assert not [i for i in intervals(fake.db) if i.weekday == 5]
        await caller.program("23#1" + "20261225#", "prog-holiday-added")
        assert [d.isoformat() for d in holidays(fake.db)] == ["2026-12-25"]
        await caller.program("23#1" + "20261399#", "prog-not-accepted")
        await caller.program("23#2" + "20261225#", "prog-holiday-removed")
        assert not holidays(fake.db)
        await caller.leave()
    run(scenario())


def test_door_code_and_open_time(fake: FakePbx) -> None:
    from firmware.door.config import add_door, get_door

    with write_transaction(fake.db):
        fake.db.execute("UPDATE extensions SET device = 'door1' WHERE number = '104'")
        add_door(fake.db, "door1")

    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        await caller.program("30#1#7#8#", "prog-door-set")
        door = get_door(fake.db, "door1")
        assert door is not None and (door.open_code, door.open_seconds) == ("*7", 8)
        await caller.program("30#1##99#", "prog-not-accepted")     # 99 s is too long
        await caller.program("30#2#", "prog-not-accepted")         # no door2
        await caller.leave()
    run(scenario())


def test_box_programs_say_address_version_and_time(fake: FakePbx) -> None:
    fake.switch.programming.sip_addr = "192.168.1.10"

    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        heard = await caller.program("01#", "prog-address-is")
        await caller.hears("prog-menu")
        assert spoken_digits(caller.since_mark(), "prog-address-is") == "192.168.1.10"
        await caller.program("03#", "prog-version-is")
        await caller.hears("prog-menu")
        assert spoken_digits(caller.since_mark(), "prog-version-is") == "0.1.0"
        heard = await caller.program("02#", "prog-time-is")
        assert "prog-date-is" in heard
        await caller.leave()
    run(scenario())


def test_dect_pairing_opens_the_window(fake: FakePbx) -> None:
    opened: list[tuple[int, str]] = []

    async def pairer(seconds: int, extension: str) -> str:
        opened.append((seconds, extension))
        return ""

    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        await caller.program("50##", "prog-not-accepted")            # no DECT module on this box
        # Wired as the supervisor wires it: the brain's own pairing command, as `dect pair` sends.
        fake.switch.dect_pairer = pairer
        fake.switch.programming.dect_pairer = partial(pair_dect, fake.switch)
        heard = await caller.program("50#150#", "prog-handset-gets")
        await caller.hears("prog-menu")
        assert spoken_digits(caller.since_mark(), "prog-handset-gets") == "150"
        assert "prog-pairing-open" in heard
        assert opened == [(120, "150")]
        # The front panel's pairing LED blinks while the window the keypad opened is open.
        assert fake.switch.dect_window_until > time.monotonic() + 100
        await caller.leave()
    run(scenario())


def test_reboot_on_the_simulated_board_only_logs(fake: FakePbx, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        await caller.program("99#*", "prog-back")
        await caller.program("99##", "prog-reboot-simulated")
        assert not (fake.data_dir / "run" / REBOOT_REQUEST).exists()
        await caller.leave()
    run(scenario())
    assert "simulated board, not rebooting" in caplog.text


def test_reboot_on_the_appliance_asks_systemd(fake: FakePbx) -> None:
    fake.switch.programming.simulated = False

    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        await caller.program("99##", "prog-rebooting")
        await caller.until(caller.hung_up, "hung up")
    run(scenario())
    request = fake.data_dir / "run" / REBOOT_REQUEST
    assert "keypad 101" in request.read_text()


def test_the_company_greeting_is_a_program(fake: FakePbx) -> None:
    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        await caller.program("40#1#", "record-after-tone")
        await caller.until(lambda: bool(caller.w.commands("record", caller.leg)), "recording")
        record = caller.w.last("record", caller.leg)
        write_wav(Path(str(record["path"])), synth_tone(700, 3.0))
        caller.w.event("recorded", leg=caller.leg, id=record["id"], path=record["path"], seconds=3.0,
                       reason="stopped")
        await caller.hears("review-recording")
        caller.press("1")
        await caller.hears("recording-kept")
        await caller.leave()
    run(scenario())
    assert tone_seconds(fake.data_dir / "prompts" / "greeting1.wav", 700) > 2.5
    assert fake.db.execute("SELECT who FROM audit_log WHERE action = 'prompt.greeting'").fetchall() == [
        ("keypad 101",)]


def test_the_menu_is_said_with_every_program(fake: FakePbx) -> None:
    from firmware.apps.programming.programs import PROGRAMS

    async def scenario() -> None:
        caller = Caller(fake)
        await caller.log_in()
        heard = await caller.program("00#", "prog-what-99")
        for number in PROGRAMS:
            if number != "00":
                at = heard.index(f"prog-what-{number}")
                assert heard[at - 3:at] == ["prog-program", f"digit-{number[0]}", f"digit-{number[1]}"]
        await caller.leave()
    run(scenario())
