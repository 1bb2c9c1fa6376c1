"""Feature codes keyed on a phone, on a running PBX: each change is confirmed in speech and
changes what the next caller gets."""
from __future__ import annotations

import json
import time
from pathlib import Path

from firmware.store.database import open_store
from firmware.store.extensions import add_extension
from tests.support.audio import synth_tone, tone_seconds, write_wav
from tests.support.pbx import RunningPbx
from tests.support.phone import Phone
from tests.support.prompts import heard, seconds

GREETING_HZ = 1300


def cli(pbx: RunningPbx, *args: str) -> str:
    result = pbx.minipbx(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def forwarding(pbx: RunningPbx, number: str) -> dict[str, str]:
    """`fwd show` as {always, busy, no-answer, unregistered} -> what is set ('-' for nothing)."""
    lines = cli(pbx, "fwd", "show", number).splitlines()[1:]
    return {which: rest.strip() for which, _, rest in (line.strip().partition(" ") for line in lines)}


def key_feature(phone: Phone, code: str, *, then: str = "", wait: float = 0.0) -> Path:
    """Dial a feature code (keying `then` once it answers), listen until the PBX hangs up;
    what the phone heard."""
    phone.call(code)
    phone.wait("connected", timeout=10)
    if then:
        time.sleep(wait)
        phone.dtmf(then)
    phone.wait("disconnected", timeout=20)
    return phone.recording()


def rings(pbx: RunningPbx, caller: Phone, number: str, expected: Phone, not_ringing: Phone) -> None:
    """A call to `number` rings `expected` (and not `not_ringing`); the caller gives up."""
    caller.call(number)
    expected.wait("incoming", timeout=10)
    not_ringing.expect_no("incoming", within=0.5)
    caller.hangup()
    caller.wait("disconnected")
    expected.wait("disconnected")


def test_forward_always_on_and_off_from_the_phone(pbx: RunningPbx) -> None:
    desk, colleague = pbx.phone("201"), pbx.phone("202")
    caller = pbx.phone("101")

    assert heard(key_feature(desk, "*72202"), "forwarding-on")
    assert forwarding(pbx, "201")["always"] == "ext:202"
    rings(pbx, caller, "201", colleague, desk)

    assert heard(key_feature(desk, "*73"), "forwarding-off")
    assert forwarding(pbx, "201")["always"] == "-"
    rings(pbx, caller, "201", desk, colleague)
    feature_rows = [r for r in pbx.wait_cdr(4) if r["caller"] == "201"]
    assert [r["disposition"] for r in feature_rows] == ["feature", "feature"]
    assert "forwarding always to ext:202" in feature_rows[0]["hangup_cause"]


def test_do_not_disturb_gives_callers_busy(pbx: RunningPbx) -> None:
    desk = pbx.phone("201")
    caller = pbx.phone("101")

    assert heard(key_feature(desk, "*76"), "dnd-on")
    caller.call("201")
    assert caller.wait("disconnected", timeout=10)["code"] == 486
    desk.expect_no("incoming", within=0.5)

    assert heard(key_feature(desk, "*77"), "dnd-off")
    caller.call("201")
    desk.wait("incoming")
    caller.hangup()


def test_busy_and_no_answer_forwarding_from_the_phone(pbx: RunningPbx) -> None:
    desk = pbx.phone("201")
    pbx.add_extension("202")

    assert heard(key_feature(desk, "*90202"), "forwarding-on")
    # Without a number the phone asks for one.
    asked = key_feature(desk, "*92", then="202#", wait=seconds("enter-number") + 0.3)
    assert heard(asked, "enter-number") and heard(asked, "forwarding-on")
    now = forwarding(pbx, "201")
    assert (now["always"], now["busy"], now["unregistered"]) == ("-", "ext:202", "-")
    assert now["no-answer"].startswith("ext:202 after")
    assert heard(key_feature(desk, "*91"), "forwarding-off")
    assert heard(key_feature(desk, "*93"), "forwarding-off")
    assert forwarding(pbx, "201")["busy"] == forwarding(pbx, "201")["no-answer"] == "-"


def test_invalid_forwarding_target_is_refused_and_nothing_stored(pbx: RunningPbx) -> None:
    desk = pbx.phone("201")
    before = forwarding(pbx, "201")
    for code in ("*72299", "*72201", "*92112"):   # no such extension, itself, an emergency number
        heard_audio = key_feature(desk, code)
        assert heard(heard_audio, "invalid"), code
        assert not heard(heard_audio, "forwarding-on"), code
    assert forwarding(pbx, "201") == before


def test_company_greeting_is_recorded_by_an_admin_only(pbx: RunningPbx, tmp_path: Path) -> None:
    db = open_store(pbx.data_dir)
    try:
        pbx.passwords["203"] = add_extension(db, "203", "Office manager", role="admin")
    finally:
        db.conn.close()
    user, admin = pbx.phone("201"), pbx.phone("203")
    cli(pbx, "voicemail", "pin", "203", "4826")
    cli(pbx, "voicemail", "pin", "201", "4826")

    refused = key_feature(user, "*58", then="4826#1#", wait=0.5)
    assert heard(refused, "not-allowed") and not heard(refused, "record-after-tone")

    greeting = write_wav(tmp_path / "greeting.wav", synth_tone(GREETING_HZ, 3.0))
    admin.call("*58")
    admin.wait("connected")
    time.sleep(0.5)
    admin.dtmf("4826#")                           # PIN
    time.sleep(1.5)
    admin.dtmf("1#")                              # greeting number 1
    time.sleep(0.5 + seconds("record-after-tone") + 0.5 + 0.6)
    admin.play_file(greeting)
    admin.wait("file_done", timeout=6)
    admin.dtmf("#")
    time.sleep(1.5)                               # into the review prompt
    admin.dtmf("1")                               # keep it
    admin.wait("disconnected", timeout=10)
    assert heard(admin.recording(), "recording-kept")

    [prompt] = json.loads(cli(pbx, "prompt", "list", "--json"))
    assert prompt["name"] == "greeting1" and 2.5 < prompt["seconds"] < 5.0
    assert tone_seconds(pbx.data_dir / "prompts" / Path(prompt["file"]).name, GREETING_HZ) > 2.0
