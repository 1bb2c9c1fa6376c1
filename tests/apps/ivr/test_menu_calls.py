"""Voice menus (auto attendant, DISA) on a running PBX, reached by outside callers over a SIP trunk.

Company greetings are pure tones (main menu 700 Hz, sub-menu 1100 Hz, night menu 1300 Hz),
so what a caller heard can be told apart by frequency; system prompts (invalid, wrong PIN)
are speech and are found by their own samples.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from tests.support.audio import Audio, load_wav, rms_dbfs, synth_tone, tone_seconds, tone_segments, write_wav
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx
from tests.support.phone import Phone
from tests.support.prompts import heard, heard_at
from tests.support.prompts import seconds as prompt_seconds
from tests.support.provider import FakeProvider
from tests.support.trunking import DID, add_trunk, pstn_phone, wait_trunk

MAIN_HZ = 700       # greeting of the main menu
SUB_HZ = 1100       # greeting of the sub-menu
NIGHT_HZ = 1300     # greeting of the night menu
CALLER_HZ = 600     # what the outside caller "says"
DESK_HZ = 1000      # what the office phones "say"
GREETING_SECONDS = 2.0
CALLER = "5550001"


def cli(pbx: RunningPbx, *args: str) -> str:
    result = pbx.minipbx(*args)
    assert result.returncode == 0, f"minipbx {' '.join(args)}: {result.stderr}"
    return result.stdout


def upload_greeting(pbx: RunningPbx, tmp_path: Path, name: str, hz: int,
                    seconds: float = GREETING_SECONDS) -> None:
    path = write_wav(tmp_path / f"{name}.wav", synth_tone(hz, seconds))
    cli(pbx, "prompt", "upload", name, str(path))


def menu(pbx: RunningPbx, tmp_path: Path, name: str, hz: int, *settings: str, timeout: int = 1,
         max_invalid: int = 3, default: str = "hangup") -> None:
    """A menu with a tone greeting of `hz` and short timeouts."""
    upload_greeting(pbx, tmp_path, f"greeting-{name}", hz)
    cli(pbx, "ivr", "set", name, "--greeting", f"greeting-{name}", "--timeout", str(timeout),
        "--max-invalid", str(max_invalid), "--default", default, *settings)


def trunk_to(pbx: RunningPbx, provider: FakeProvider, destination: str, *route: str) -> None:
    add_trunk(pbx, provider)
    cli(pbx, "route", "set", "prov", destination, "--did", DID, *route)


def outside_caller(pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory,
                   number: str = CALLER) -> Phone:
    wait_trunk(pbx, "prov", "registered")
    return pstn_phone(phone_factory, provider, number, tone_hz=CALLER_HZ)


def dial_in(caller: Phone, provider: FakeProvider) -> float:
    """Call the company's number; returns when the menu answered (monotonic seconds)."""
    caller.call(f"sip:{DID}@{provider.registrar}")
    return float(caller.wait("connected", timeout=10)["t"])


def hang_up(caller: Phone) -> Path:
    caller.hangup()
    caller.wait("disconnected")
    return caller.recording()


def clip(wav: Path, start: float, end: float) -> Audio:
    audio = load_wav(wav)
    return Audio(audio.samples[int(start * audio.rate):int(end * audio.rate)], audio.rate)


def talk(caller: Phone, desk: Phone, desk_call: int) -> tuple[Path, Path]:
    """Answer at the desk, talk both ways for 2 s, the caller hangs up; both recordings."""
    desk.answer(200, call=desk_call)
    desk.wait("connected", call=desk_call)
    time.sleep(2.0)
    heard_by_caller = hang_up(caller)
    desk.wait("disconnected", call=desk_call)
    return heard_by_caller, desk.recording(desk_call)


# ---- keys and direct dialling ---------------------------------------------------------------
def test_key_rings_the_extension_after_the_greeting(pbx: RunningPbx, provider: FakeProvider,
                                                    phone_factory: PhoneFactory, tmp_path: Path) -> None:
    desk = pbx.phone("101", tone_hz=DESK_HZ)
    menu(pbx, tmp_path, "main", MAIN_HZ)
    cli(pbx, "ivr", "option", "main", "1", "ext:101")
    trunk_to(pbx, provider, "ivr:main")
    caller = outside_caller(pbx, provider, phone_factory)

    dial_in(caller, provider)
    time.sleep(GREETING_SECONDS - 0.5)
    caller.dtmf("1")
    incoming = desk.wait("incoming", timeout=5)
    assert incoming["from_user"] == CALLER
    heard_by_caller, heard_by_desk = talk(caller, desk, incoming["call"])

    assert tone_seconds(heard_by_caller, MAIN_HZ) >= 1.0
    assert tone_seconds(heard_by_caller, DESK_HZ) >= 1.2
    assert tone_seconds(heard_by_desk, CALLER_HZ) >= 1.2
    row = pbx.wait_cdr(1)[-1]
    assert (row["answered_by"], row["disposition"], row["trunk"]) == ("101", "answered", "prov")
    assert "ivr main" in row["route"] and "key 1" in row["route"]


def test_caller_dials_an_extension_number_over_the_greeting(pbx: RunningPbx, provider: FakeProvider,
                                                            phone_factory: PhoneFactory, tmp_path: Path) -> None:
    reception = pbx.phone("101", tone_hz=DESK_HZ)
    sales = pbx.phone("102", tone_hz=DESK_HZ)
    upload_greeting(pbx, tmp_path, "long-greeting", MAIN_HZ, seconds=4.0)
    cli(pbx, "ivr", "set", "main", "--greeting", "long-greeting", "--timeout", "1", "--default", "hangup")
    cli(pbx, "ivr", "option", "main", "1", "ext:101")
    trunk_to(pbx, provider, "ivr:main")
    caller = outside_caller(pbx, provider, phone_factory)

    dial_in(caller, provider)
    time.sleep(0.5)
    caller.dtmf("102")
    incoming = sales.wait("incoming", timeout=5)
    reception.expect_no("incoming", within=0.5)
    heard_by_caller, heard_by_sales = talk(caller, sales, incoming["call"])

    # The greeting stopped at the first digit.
    assert 0 < tone_seconds(heard_by_caller, MAIN_HZ) < 2.0
    assert tone_seconds(heard_by_caller, DESK_HZ) >= 1.2
    assert tone_seconds(heard_by_sales, CALLER_HZ) >= 1.2
    row = pbx.wait_cdr(1)[-1]
    assert (row["answered_by"], row["disposition"]) == ("102", "answered")
    assert "ivr main" in row["route"] and "dialled 102" in row["route"]


def test_no_key_goes_to_the_default_after_greeting_and_timeout(pbx: RunningPbx, provider: FakeProvider,
                                                               phone_factory: PhoneFactory, tmp_path: Path) -> None:
    operator = pbx.phone("102", tone_hz=DESK_HZ)
    menu(pbx, tmp_path, "main", MAIN_HZ, timeout=2, default="ext:102")
    trunk_to(pbx, provider, "ivr:main")
    caller = outside_caller(pbx, provider, phone_factory)

    connected = dial_in(caller, provider)
    incoming = operator.wait("incoming", timeout=GREETING_SECONDS + 2 + 5)
    # Not before the whole greeting and the timeout.
    assert incoming["t"] - connected >= GREETING_SECONDS + 2 - 0.3
    heard_by_caller, heard_by_operator = talk(caller, operator, incoming["call"])

    assert tone_seconds(heard_by_caller, MAIN_HZ) >= GREETING_SECONDS - 0.5
    assert tone_seconds(heard_by_caller, DESK_HZ) >= 1.2
    assert tone_seconds(heard_by_operator, CALLER_HZ) >= 1.2
    row = pbx.wait_cdr(1)[-1]
    assert row["answered_by"] == "102" and "ivr main: no key" in row["route"]


def test_invalid_key_says_so_and_repeats_then_default(pbx: RunningPbx, provider: FakeProvider,
                                                      phone_factory: PhoneFactory, tmp_path: Path) -> None:
    reception = pbx.phone("101", tone_hz=DESK_HZ)
    operator = pbx.phone("102", tone_hz=DESK_HZ)
    menu(pbx, tmp_path, "main", MAIN_HZ, max_invalid=2, default="ext:102")
    cli(pbx, "ivr", "option", "main", "1", "ext:101")
    trunk_to(pbx, provider, "ivr:main")
    caller = outside_caller(pbx, provider, phone_factory)

    dial_in(caller, provider)
    time.sleep(0.5)
    caller.dtmf("9")
    # "That is not a valid choice", then the greeting again; the second wrong key is the last.
    time.sleep(prompt_seconds("invalid") + 1.0)
    caller.dtmf("9")
    incoming = operator.wait("incoming", timeout=5)
    reception.expect_no("incoming", within=0.2)
    heard_by_caller, _ = talk(caller, operator, incoming["call"])

    greetings = tone_segments(heard_by_caller, MAIN_HZ)
    assert len(greetings) == 2, greetings
    invalid_at = heard_at(heard_by_caller, "invalid")
    assert invalid_at is not None and greetings[0][1] - 0.2 <= invalid_at <= greetings[1][0]
    # Between the greetings the caller heard speech, not the greeting tone.
    between = (greetings[0][1], greetings[1][0])
    assert between[1] - between[0] >= prompt_seconds("invalid") - 0.3
    assert rms_dbfs(clip(heard_by_caller, *between)) > -40
    row = pbx.wait_cdr(1)[-1]
    assert row["answered_by"] == "102" and "ivr main: 2 invalid choices" in row["route"]


def test_key_leads_to_a_sub_menu_with_its_own_greeting(pbx: RunningPbx, provider: FakeProvider,
                                                       phone_factory: PhoneFactory, tmp_path: Path) -> None:
    reception = pbx.phone("101", tone_hz=DESK_HZ)
    support = pbx.phone("102", tone_hz=DESK_HZ)
    menu(pbx, tmp_path, "sub", SUB_HZ)
    cli(pbx, "ivr", "option", "sub", "1", "ext:102")
    menu(pbx, tmp_path, "main", MAIN_HZ)
    cli(pbx, "ivr", "option", "main", "1", "ext:101")
    cli(pbx, "ivr", "option", "main", "2", "ivr:sub")
    trunk_to(pbx, provider, "ivr:main")
    caller = outside_caller(pbx, provider, phone_factory)

    dial_in(caller, provider)
    time.sleep(0.5)
    caller.dtmf("2")
    time.sleep(1.0)
    caller.dtmf("1")
    incoming = support.wait("incoming", timeout=5)
    reception.expect_no("incoming", within=0.5)
    heard_by_caller, _ = talk(caller, support, incoming["call"])

    main_heard, sub_heard = tone_segments(heard_by_caller, MAIN_HZ), tone_segments(heard_by_caller, SUB_HZ)
    assert main_heard and sub_heard and main_heard[0][1] <= sub_heard[0][0] + 0.1
    assert tone_seconds(heard_by_caller, DESK_HZ) >= 1.2
    row = pbx.wait_cdr(1)[-1]
    assert row["answered_by"] == "102" and "ivr sub: key 1" in row["route"]


def test_day_and_night_routes_lead_to_different_menus(pbx: RunningPbx, provider: FakeProvider,
                                                      phone_factory: PhoneFactory, tmp_path: Path) -> None:
    menu(pbx, tmp_path, "day", MAIN_HZ)
    menu(pbx, tmp_path, "night", NIGHT_HZ)
    trunk_to(pbx, provider, "ivr:day", "--mode", "day")
    cli(pbx, "route", "set", "prov", "ivr:night", "--did", DID, "--mode", "night")
    caller = outside_caller(pbx, provider, phone_factory)

    heard_in = {}
    for mode in ("day", "night"):
        cli(pbx, "mode", "set", mode, "--fixed")
        dial_in(caller, provider)
        time.sleep(1.5)
        heard_in[mode] = hang_up(caller)

    assert tone_seconds(heard_in["day"], MAIN_HZ) >= 1.0 and tone_seconds(heard_in["day"], NIGHT_HZ) == 0
    assert tone_seconds(heard_in["night"], NIGHT_HZ) >= 1.0 and tone_seconds(heard_in["night"], MAIN_HZ) == 0
    rows = pbx.wait_cdr(2)
    assert [(r["mode"], r["hangup_cause"]) for r in rows] == [
        ("day", "caller hung up in ivr:day"), ("night", "caller hung up in ivr:night")]


# ---- dialling out from the menu (DISA) --------------------------------------------------------
PIN = "4711"
FAR_END = "5550002"     # a PSTN subscriber on the provider
# A phone sends RFC 2833 digits one after the other, each taking about this long.
DIGIT_SECONDS = 0.25


def press(caller: Phone, digits: str) -> None:
    """Key `digits` and return once the last one has about arrived."""
    caller.dtmf(digits)
    time.sleep(len(digits) * DIGIT_SECONDS)


def key_outside_number(caller: Phone) -> None:
    """Outside-line code 0, the number, # - over the greeting."""
    time.sleep(0.5)
    press(caller, f"0{FAR_END}#")


def key_pin(caller: Phone, pin: str, *, after_prompt: bool = False) -> None:
    """The PIN over "please enter your PIN" (which starts once the number or the last "wrong PIN"
    is over), or once that prompt has ended."""
    time.sleep(prompt_seconds("enter-pin") + 0.5 if after_prompt else 1.0)
    press(caller, f"{pin}#")


def outside_dialling_menu(pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory,
                          tmp_path: Path) -> tuple[Phone, Phone]:
    """A main menu with outside rights behind a PIN; the caller and the outside phone it may reach."""
    menu(pbx, tmp_path, "main", MAIN_HZ, "--outside-cos", "national", "--pin", PIN)
    trunk_to(pbx, provider, "ivr:main")
    return outside_caller(pbx, provider, phone_factory), pstn_phone(phone_factory, provider, FAR_END,
                                                                    tone_hz=DESK_HZ)


def test_outside_call_from_the_menu_with_the_right_pin(pbx: RunningPbx, provider: FakeProvider,
                                                       phone_factory: PhoneFactory, tmp_path: Path) -> None:
    caller, far_end = outside_dialling_menu(pbx, provider, phone_factory, tmp_path)

    dial_in(caller, provider)
    key_outside_number(caller)
    key_pin(caller, PIN, after_prompt=True)
    incoming = far_end.wait("incoming", timeout=10)
    heard_by_caller, heard_by_far_end = talk(caller, far_end, incoming["call"])

    assert heard(heard_by_caller, "enter-pin")
    assert tone_seconds(heard_by_caller, DESK_HZ) >= 1.2
    assert tone_seconds(heard_by_far_end, CALLER_HZ) >= 1.2
    row = pbx.wait_cdr(1)[-1]
    assert (row["answered_by"], row["disposition"]) == (FAR_END, "answered")
    assert f"ivr main: outside 0{FAR_END}" in row["route"]


def test_pin_typed_ahead_with_the_number(pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory,
                                         tmp_path: Path) -> None:
    caller, far_end = outside_dialling_menu(pbx, provider, phone_factory, tmp_path)

    dial_in(caller, provider)
    time.sleep(0.5)
    caller.dtmf(f"0{FAR_END}#{PIN}#")
    incoming = far_end.wait("incoming", timeout=15)
    far_end.answer(200, call=incoming["call"])
    far_end.wait("connected", call=incoming["call"])
    hang_up(caller)
    assert pbx.wait_cdr(1)[-1]["answered_by"] == FAR_END


def test_wrong_pins_are_refused_and_lock_the_caller_out(pbx: RunningPbx, provider: FakeProvider,
                                                        phone_factory: PhoneFactory, tmp_path: Path) -> None:
    caller, far_end = outside_dialling_menu(pbx, provider, phone_factory, tmp_path)

    # Three wrong PINs: "That PIN is not correct" each time, then the caller is released.
    dial_in(caller, provider)
    key_outside_number(caller)
    key_pin(caller, "1234")
    for wrong in ("9876", "2580"):
        time.sleep(prompt_seconds("wrong-pin"))     # keys pressed while it speaks do not count
        key_pin(caller, wrong)
    caller.wait("disconnected", timeout=15)
    first = caller.recording()
    assert heard(first, "wrong-pin")

    # Now the right PIN does not help: the caller is locked out for a while.
    dial_in(caller, provider)
    key_outside_number(caller)
    key_pin(caller, PIN)
    caller.wait("disconnected", timeout=15)
    second = caller.recording()
    assert heard(second, "locked-out")
    far_end.expect_no("incoming", within=0.5)
    rows = pbx.wait_cdr(2)
    assert [(r["disposition"], r["answered_by"]) for r in rows] == [("barred", None), ("barred", None)]
    assert rows[0]["hangup_cause"] == f"ivr main: outside call to 0{FAR_END} refused (wrong PIN 3 times)"
    assert rows[1]["hangup_cause"] == f"ivr main: outside call to 0{FAR_END} refused (locked out after wrong PINs)"


def test_menu_without_outside_rights_refuses_outside_numbers(pbx: RunningPbx, provider: FakeProvider,
                                                             phone_factory: PhoneFactory, tmp_path: Path) -> None:
    menu(pbx, tmp_path, "main", MAIN_HZ, max_invalid=2)
    trunk_to(pbx, provider, "ivr:main")
    caller = outside_caller(pbx, provider, phone_factory)
    far_end = pstn_phone(phone_factory, provider, FAR_END, tone_hz=DESK_HZ)

    dial_in(caller, provider)
    key_outside_number(caller)
    caller.wait("disconnected", timeout=15)
    # The outside-line code is just a wrong key here.
    assert heard(caller.recording(), "invalid")
    far_end.expect_no("incoming", within=0.5)
    row = pbx.wait_cdr(1)[-1]
    assert not row["answered_by"] and "invalid choices" in row["route"]


# ---- other destinations -----------------------------------------------------------------------
def test_key_leads_to_a_mailbox(pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory,
                                tmp_path: Path) -> None:
    pbx.add_extension("101", "Reception")
    menu(pbx, tmp_path, "main", MAIN_HZ)
    cli(pbx, "ivr", "option", "main", "3", "voicemail:101")
    trunk_to(pbx, provider, "ivr:main")
    caller = outside_caller(pbx, provider, phone_factory)

    dial_in(caller, provider)
    time.sleep(0.5)
    caller.dtmf("3")
    # The mailbox greeting, the tone, then 3 s of the caller's voice.
    before_tone = ["extension", "digit-1", "digit-0", "digit-1", "not-available", "leave-message"]
    time.sleep(prompt_seconds(*before_tone) + 0.5 + 3.0)
    heard_by_caller = hang_up(caller)

    assert heard(heard_by_caller, "leave-message")
    messages = json.loads(cli(pbx, "voicemail", "list", "101", "--json"))
    assert [(m["caller"], m["folder"]) for m in messages] == [(CALLER, "new")]
    assert messages[0]["seconds"] >= 2.0
    assert tone_seconds(pbx.data_dir / "voicemail" / messages[0]["file"], CALLER_HZ) >= 2.0
    row = pbx.wait_cdr(1)[-1]
    assert row["disposition"] == "voicemail" and "ivr main: key 3" in row["route"]


def test_key_leads_to_a_ring_group(pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory,
                                   tmp_path: Path) -> None:
    sales = {n: pbx.phone(n, tone_hz=DESK_HZ + 200 * i) for i, n in enumerate(("201", "202"))}
    cli(pbx, "ringgroup", "set", "sales", "--strategy", "all", "--members", "201,202", "--timeout", "20")
    menu(pbx, tmp_path, "main", MAIN_HZ)
    cli(pbx, "ivr", "option", "main", "4", "group:sales")
    trunk_to(pbx, provider, "ivr:main")
    caller = outside_caller(pbx, provider, phone_factory)

    dial_in(caller, provider)
    time.sleep(0.5)
    caller.dtmf("4")
    rang = {n: p.wait("incoming", timeout=5) for n, p in sales.items()}
    sales["202"].answer(200, call=rang["202"]["call"])
    sales["201"].wait("disconnected")        # it stops ringing once 202 answered
    sales["202"].wait("connected")
    time.sleep(2.0)
    heard_by_caller = hang_up(caller)

    assert tone_seconds(heard_by_caller, DESK_HZ + 200) >= 1.2
    row = pbx.wait_cdr(1)[-1]
    assert (row["answered_by"], row["disposition"]) == ("202", "answered")
    assert "ivr main: key 4" in row["route"]
