"""SIP trunks against a fake provider that is a real Kamailio with digest auth.

The provider knows the company's account ("acme", DIDs 4930100...) and PSTN
subscribers, which are test phones registered to the provider.
"""
from __future__ import annotations

import time
from pathlib import Path

from tests.support.audio import tone_seconds
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx, free_sip_port
from tests.support.phone import Phone
from tests.support.provider import FakeProvider
from tests.support.trunking import (
    DID,
    TRUNK_PASSWORD,
    add_trunk,
    pstn_phone,
    trunk_state,
    wait_trunk,
)


def talk(caller: Phone, callee: Phone, callee_call: int, caller_hz: int, callee_hz: int) -> None:
    callee.answer(200, call=callee_call)
    caller.wait("connected")
    time.sleep(2)
    caller.hangup()
    caller.wait("disconnected")
    callee.wait("disconnected", call=callee_call)
    assert tone_seconds(caller.recording(), callee_hz) >= 1.2
    assert tone_seconds(callee.recording(callee_call), caller_hz) >= 1.2


def test_trunk_registers_and_shows_in_status(pbx: RunningPbx, provider: FakeProvider) -> None:
    add_trunk(pbx, provider)
    wait_trunk(pbx, "prov", "registered")
    # The password is stored but never shown, not even after calls were routed over the trunk.
    desk = pbx.phone("101")
    desk.call("05550001")
    desk.wait("disconnected", timeout=15)
    listing = pbx.minipbx("trunk", "list")
    assert "prov" in listing.stdout and TRUNK_PASSWORD not in listing.stdout + listing.stderr
    status = pbx.minipbx("status", "--json")
    assert TRUNK_PASSWORD not in status.stdout
    for log in [pbx.output_path, *(pbx.data_dir / "logs").iterdir()]:
        assert TRUNK_PASSWORD not in log.read_text(errors="replace"), log


def test_trunk_with_wrong_password_stays_unregistered(pbx: RunningPbx, provider: FakeProvider) -> None:
    add_trunk(pbx, provider, password="Wrong-trunk-pass-1")
    time.sleep(8)
    assert trunk_state(pbx, "prov") == "not registered"


def test_trunk_registers_once_the_provider_is_back(pbx: RunningPbx, provider: FakeProvider) -> None:
    provider.stop()
    add_trunk(pbx, provider)
    time.sleep(3)
    assert trunk_state(pbx, "prov") == "not registered"
    provider.start()
    wait_trunk(pbx, "prov", "registered", timeout=40)


def test_inbound_did_goes_where_the_mode_says(pbx: RunningPbx, provider: FakeProvider,
                                              phone_factory: PhoneFactory) -> None:
    add_trunk(pbx, provider)
    day_desk = pbx.phone("101", tone_hz=1000)
    night_desk = pbx.phone("102", tone_hz=1000)
    for mode, ext in (("day", "101"), ("night", "102")):
        assert pbx.minipbx("route", "set", "prov", f"ext:{ext}", "--did", DID, "--mode", mode).returncode == 0
    wait_trunk(pbx, "prov", "registered")
    caller = pstn_phone(phone_factory, provider, "5550001", tone_hz=600)

    assert pbx.minipbx("mode", "set", "day", "--fixed").returncode == 0
    caller.call(f"sip:{DID}@{provider.registrar}")
    incoming = day_desk.wait("incoming")
    assert incoming["from_user"] == "5550001"
    talk(caller, day_desk, incoming["call"], 600, 1000)

    assert pbx.minipbx("mode", "set", "night", "--fixed").returncode == 0
    caller.call(f"sip:{DID}@{provider.registrar}")
    night_desk.wait("incoming")
    day_desk.expect_no("incoming", within=0.5)
    night_desk.answer(200)
    caller.wait("connected")
    caller.hangup()
    rows = pbx.wait_cdr(2)
    assert [(r["trunk"], r["did"], r["mode"], r["answered_by"]) for r in rows] == [
        ("prov", DID, "day", "101"), ("prov", DID, "night", "102")]
    assert rows[0]["route"] == f"route prov/{DID}/day"
    assert {r["direction"] for r in rows} == {"in"}
    log = pbx.minipbx("mode", "log").stdout
    assert "fixed override by command line" in log


def test_blocked_and_vip_callers(pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory) -> None:
    add_trunk(pbx, provider)
    reception = pbx.phone("101")
    boss = pbx.phone("102")
    assert pbx.minipbx("route", "set", "prov", "ext:101").returncode == 0
    assert pbx.minipbx("route", "block", "5550009").returncode == 0
    assert pbx.minipbx("route", "vip", "5550007", "ext:102").returncode == 0
    wait_trunk(pbx, "prov", "registered")
    spammer = pstn_phone(phone_factory, provider, "5550009")
    spammer.call(f"sip:{DID}@{provider.registrar}")
    assert spammer.wait("disconnected")["code"] == 603
    vip = pstn_phone(phone_factory, provider, "5550007")
    vip.call(f"sip:{DID}@{provider.registrar}")
    boss.wait("incoming")
    reception.expect_no("incoming", within=0.5)
    vip.hangup()
    rows = pbx.wait_cdr(2)
    assert rows[0]["disposition"] == "blocked"
    assert rows[1]["route"] == "vip list"


def test_outbound_call_with_caller_id_and_audio(pbx: RunningPbx, provider: FakeProvider,
                                                phone_factory: PhoneFactory) -> None:
    add_trunk(pbx, provider, "prov", "--caller-id", DID, "--pai")
    desk = pbx.phone("101", tone_hz=600)
    wait_trunk(pbx, "prov", "registered")
    friend = pstn_phone(phone_factory, provider, "5550001", tone_hz=1400)
    desk.call("05550001")
    incoming = friend.wait("incoming")
    # The trunk's number is sent, not the internal extension.
    assert incoming["from_user"] == DID
    friend_call = incoming["call"]
    friend.answer(200, call=friend_call)
    desk.wait("connected")
    time.sleep(2)
    desk.hangup()
    friend.wait("disconnected")
    assert tone_seconds(desk.recording(), 1400) >= 1.2
    assert tone_seconds(friend.recording(friend_call), 600) >= 1.2
    assert "pai=<sip:4930100@" in provider.log()

    # An extension's own caller ID wins over the trunk's.
    assert pbx.minipbx("cos", "callerid", "101", "4930100101").returncode == 0
    desk.call("05550001")
    assert friend.wait("incoming")["from_user"] == "4930100101"
    desk.hangup()
    rows = pbx.wait_cdr(2)
    assert (rows[0]["trunk"], rows[0]["called"], rows[0]["answered_by"]) == ("prov", "05550001", "5550001")
    assert rows[0]["route"] == "outbound local"
    assert rows[0]["direction"] == "out"


def test_class_of_service_per_extension_and_mode(pbx: RunningPbx, provider: FakeProvider,
                                                 phone_factory: PhoneFactory) -> None:
    add_trunk(pbx, provider)
    desk = pbx.phone("101")
    wait_trunk(pbx, "prov", "registered")
    national = pstn_phone(phone_factory, provider, "030123456")
    local = pstn_phone(phone_factory, provider, "5550001")

    assert pbx.minipbx("cos", "assign", "101", "local").returncode == 0
    barred = desk.call("0030123456")
    assert desk.wait("disconnected", timeout=15, call=barred)["code"] == 403
    assert tone_seconds(desk.recording(barred), 950) >= 0.3  # a clear refusal tone, not silence
    national.expect_no("incoming", within=0.5)
    allowed = desk.call("05550001")
    local.wait("incoming")
    desk.hangup(allowed)
    desk.wait("disconnected", call=allowed)

    # At night everyone is limited to internal calls.
    assert pbx.minipbx("cos", "assign", "*", "internal", "--mode", "night").returncode == 0
    assert pbx.minipbx("mode", "set", "night", "--fixed").returncode == 0
    at_night = desk.call("05550001")
    assert desk.wait("disconnected", timeout=15, call=at_night)["code"] == 403
    local.expect_no("incoming", within=0.5)
    rows = pbx.wait_cdr(3)
    refused = [r for r in rows if r["disposition"] == "barred"]
    assert len(refused) == 2
    assert {r["direction"] for r in refused} == {"out"}  # barred calls were going out
    assert "class of service local does not allow national calls" in refused[0]["hangup_cause"]
    assert "internal does not allow local calls in night mode" in refused[1]["hangup_cause"]


def test_emergency_number_from_a_barred_extension(pbx: RunningPbx, provider: FakeProvider,
                                                  phone_factory: PhoneFactory) -> None:
    add_trunk(pbx, provider, "prov", "--inbound-only")
    lobby = pbx.phone("101")
    assert pbx.minipbx("cos", "assign", "101", "internal").returncode == 0
    wait_trunk(pbx, "prov", "registered")
    emergency = pstn_phone(phone_factory, provider, "112")
    lobby.call("112")
    emergency.wait("incoming")
    lobby.hangup()
    [row] = pbx.wait_cdr(1)
    assert row["route"] == "emergency" and row["trunk"] == "prov"


def test_hunting_skips_a_full_line_and_a_dead_one(pbx: RunningPbx, provider: FakeProvider,
                                                  phone_factory: PhoneFactory) -> None:
    provider.add_subscriber("acme2", TRUNK_PASSWORD)
    dead_port = free_sip_port()
    assert pbx.minipbx("trunk", "add", "dead", "--host", "127.0.0.71", "--port", str(dead_port),
                       "--no-register").returncode == 0
    add_trunk(pbx, provider, "one", "--channels", "1")
    add_trunk(pbx, provider, "two", username="acme2")
    assert pbx.minipbx("group", "set", "out", "one", "dead", "two").returncode == 0
    a = pbx.phone("101")
    b = pbx.phone("102")
    wait_trunk(pbx, "one", "registered")
    wait_trunk(pbx, "two", "registered")
    first = pstn_phone(phone_factory, provider, "5550001")
    second = pstn_phone(phone_factory, provider, "5550002")
    a.call("05550001")
    first.answer(200, call=first.wait("incoming")["call"])
    a.wait("connected")
    # 'one' is full and 'dead' does not answer: the call goes out on 'two'.
    b.call("05550002")
    second.wait("incoming", timeout=20)
    b.hangup()
    a.hangup()
    rows = pbx.wait_cdr(2)
    by_caller = {r["caller"]: r["trunk"] for r in rows}
    assert by_caller == {"101": "one", "102": "two"}


def test_ip_authenticated_peer_receives_and_places_calls(pbx: RunningPbx, tmp_path: Path,
                                                         phone_factory: PhoneFactory) -> None:
    peer = FakeProvider(tmp_path / "peer", addr="127.0.0.72", port=free_sip_port(), customer="acme",
                        password=TRUNK_PASSWORD, did_prefix=DID, pbx_addr="127.0.0.1", pbx_port=pbx.sip_port,
                        peer="ip")
    peer.start()
    try:
        assert pbx.minipbx("trunk", "add", "peer", "--host", peer.addr, "--port", str(peer.port),
                           "--no-register").returncode == 0
        desk = pbx.phone("101")
        assert pbx.minipbx("route", "set", "peer", "ext:101").returncode == 0
        outside = pstn_phone(phone_factory, peer, "5550001")
        outside.call(f"sip:{DID}@{peer.registrar}")
        desk.wait("incoming")
        outside.hangup()
        desk.wait("disconnected")
        desk.call("05550001")
        outside.wait("incoming")
        desk.hangup()
        rows = pbx.wait_cdr(2)
        assert [r["trunk"] for r in rows] == ["peer", "peer"]
    finally:
        peer.stop()


def test_camp_on_when_all_lines_are_busy(pbx: RunningPbx, provider: FakeProvider,
                                         phone_factory: PhoneFactory) -> None:
    add_trunk(pbx, provider, "one", "--channels", "1")
    first_caller = pbx.phone("101")
    waiting = pbx.phone("102", tone_hz=600)
    wait_trunk(pbx, "one", "registered")
    friend = pstn_phone(phone_factory, provider, "5550001")
    wanted = pstn_phone(phone_factory, provider, "5550002", tone_hz=1400)

    first_caller.call("05550001")
    friend.answer(200, call=friend.wait("incoming")["call"])
    first_caller.wait("connected")

    # The only line is taken: busy tone, and 6 books a callback.
    booking = waiting.call("05550002")
    waiting.wait("media", call=booking)
    time.sleep(1.5)  # the person hears the busy tone, then presses 6
    waiting.dtmf("6", call=booking)
    waiting.wait("disconnected", timeout=15, call=booking)
    assert tone_seconds(waiting.recording(booking), 425) >= 0.3  # busy tone heard first
    wanted.expect_no("incoming", within=0.5)

    # The line frees: the waiting extension rings first, then the number it wanted.
    first_caller.hangup()
    ring_back = waiting.wait("incoming", timeout=15)
    assert ring_back["from_user"] == "5550002"
    waiting.answer(200, call=ring_back["call"])
    far = wanted.wait("incoming", timeout=15)
    wanted.answer(200, call=far["call"])
    waiting.wait("connected", call=ring_back["call"])
    time.sleep(2)
    waiting.hangup(call=ring_back["call"])
    wanted.wait("disconnected", call=far["call"])
    assert tone_seconds(waiting.recording(ring_back["call"]), 1400) >= 1.2
    assert tone_seconds(wanted.recording(far["call"]), 600) >= 1.2
    rows = pbx.wait_cdr(3)
    booked = next(r for r in rows if r["caller"] == "102" and not (r["route"] or "").startswith("camp-on callback"))
    assert "camp-on booked for 5550002" in booked["hangup_cause"]
    callback = next(r for r in rows if r["route"] == "camp-on callback; outbound local")
    assert (callback["caller"], callback["answered_by"], callback["trunk"]) == ("102", "5550002", "one")
    assert (booked["direction"], callback["direction"]) == ("out", "out")
