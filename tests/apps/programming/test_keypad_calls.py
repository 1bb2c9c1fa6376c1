"""Keypad programming on a running PBX with real phones: an extension dials *99, keys the admin
PIN and creates an extension; the password it hears (decoded from the digits spoken) registers a
new phone. Wrong admin PINs lock the extension out."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from firmware.appliance.credentials import store_admin_pin
from firmware.store.passwords import KEYABLE_LENGTH
from tests.support.audio import find_clip
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx, serving
from tests.support.phone import Phone
from tests.support.prompts import heard, prompt, said_digits, seconds

ADMIN_PIN = "90817263"
# The longest digit prompt, for how long a password of KEYABLE_LENGTH digits takes to say.
DIGIT_SECONDS = max(seconds(f"digit-{d}") for d in range(10))


@pytest.fixture
def keypad_pbx(tmp_path_factory: pytest.TempPathFactory, phone_factory: PhoneFactory) -> Iterator[RunningPbx]:
    """A running PBX whose admin PIN is ADMIN_PIN (as first boot would have stored it)."""
    box = Path(tmp_path_factory.mktemp("kp", numbered=True))
    (box / "appliance").mkdir()
    store_admin_pin(box / "appliance", ADMIN_PIN)
    # The appliance's layout: the PBX's data in box/pbx, the admin PIN in box/appliance.
    yield from serving(RunningPbx(box / "pbx", phone_factory), phone_factory)


def key_programming(phone: Phone, keys: str) -> None:
    """Dial *99 and, once the PBX answers, key `keys` (typed ahead over the questions)."""
    phone.call("*99")
    phone.wait("connected", timeout=10)
    time.sleep(0.5)
    phone.dtmf(keys)


def listed(pbx: RunningPbx) -> dict[str, dict[str, str]]:
    result = pbx.minipbx("ext", "list", "--json")
    assert result.returncode == 0, result.stderr
    return {e["number"]: e for e in json.loads(result.stdout)}


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.2)


def test_an_extension_created_at_the_keypad_registers_with_the_password_it_heard(keypad_pbx: RunningPbx) -> None:
    pbx = keypad_pbx
    installer = pbx.phone("101")
    # Typed ahead, as an installer who knows the programs does: each question is skipped.
    key_programming(installer, f"{ADMIN_PIN}#10#105#")
    wait_for(lambda: "105" in listed(pbx), "created extension 105")
    # "extension 1 0 5 created. The SIP password is ..." said in full, then "to hear it again press 1".
    time.sleep(seconds("extension", "digit-1", "digit-0", "digit-5", "prog-created", "prog-password-is")
               + KEYABLE_LENGTH * DIGIT_SECONDS + seconds("prog-repeat") + 1.0)
    installer.dtmf("#*")                        # go on, leave programming
    installer.wait("disconnected", timeout=20)
    recording = installer.recording()

    assert heard(recording, "prog-created")   # the questions were keyed over
    said_at = find_clip(recording, prompt("prog-password-is"))
    assert said_at is not None and heard(recording, "prog-repeat")
    password = said_digits(recording, said_at + seconds("prog-password-is"), KEYABLE_LENGTH)

    new_phone = pbx.phones("105", registrar=pbx.registrar, password=password)
    assert new_phone.register() == 200
    new_phone.call("101")
    installer.wait("incoming", timeout=10)

    assert listed(pbx)["105"]["changed_by"] == "keypad 101"
    result = pbx.minipbx("ext", "list")
    assert "changed by keypad 101" in next(line for line in result.stdout.splitlines() if line.startswith("105"))
    assert ADMIN_PIN not in pbx.output() and password not in pbx.output()


def test_wrong_admin_pins_lock_the_extension_out(keypad_pbx: RunningPbx) -> None:
    pbx = keypad_pbx
    guesser = pbx.phone("102")
    key_programming(guesser, "11223344#55667788#12121212#")
    guesser.wait("disconnected", timeout=30)
    recording = guesser.recording()
    assert heard(recording, "wrong-pin") and heard(recording, "locked-out")
    assert not heard(recording, "prog-menu")

    # Locked out now: the right PIN is not even asked for.
    guesser.call("*99")
    guesser.wait("connected", timeout=10)
    guesser.wait("disconnected", timeout=20)
    again = guesser.recording()
    assert heard(again, "locked-out") and not heard(again, "prog-enter-pin")
    assert set(listed(pbx)) == {"102"}
