"""The test phone, proven phone-to-phone without a PBX: A dials sip:b@<B's address> directly.

A transmits 600 Hz and B 1000 Hz; each recording must contain the other's tone and never its own.
Tests wait on events; the only sleeps are the "conversation" that gives the recorders audio.
"""

from __future__ import annotations

import socket
import time

import pytest

from tests.support.audio import dominant_frequency, has_tone, tone_seconds
from tests.support.fixtures import PhoneFactory
from tests.support.parallel import phone_network
from tests.support.phone import Phone
from tests.support_tests.fake_registrar import FakeRegistrar

pytestmark = pytest.mark.timeout(120)

A_HZ = 600
B_HZ = 1000
OTHER_HZ = 425          # heard by nobody: the "no false positives" probe
TALK_SECONDS = 2.0      # how long a call stays up so that both recorders get audio
HEARD_SECONDS = 1.0     # of which at least this much must be the far end's tone


@pytest.fixture
def a(phone_factory: PhoneFactory) -> Phone:
    return phone_factory("a", tone_hz=A_HZ, display_name="Alice Example")


@pytest.fixture
def b(phone_factory: PhoneFactory) -> Phone:
    return phone_factory("b", tone_hz=B_HZ)


def ring(caller: Phone, callee: Phone) -> tuple[int, int]:
    """caller dials callee directly; returns (caller's call, callee's call) once it rings."""
    out = caller.call(callee.uri)
    incoming = callee.wait("incoming")
    caller.wait("ringing", call=out, code=180)
    return out, int(incoming["call"])


def connect(caller: Phone, callee: Phone) -> tuple[int, int]:
    out, inc = ring(caller, callee)
    callee.answer(call=inc)
    for phone, call in ((caller, out), (callee, inc)):
        phone.wait("connected", call=call)
        phone.wait("media", call=call)
    return out, inc


def assert_hears_only(phone: Phone, call: int, expected_hz: int, own_hz: int) -> None:
    wav = phone.recording(call)
    heard = {hz: tone_seconds(wav, hz) for hz in (expected_hz, own_hz, OTHER_HZ)}
    assert has_tone(wav, expected_hz, HEARD_SECONDS), f"{phone.user} heard {heard} in {wav}"
    assert heard[own_hz] == 0.0, f"{phone.user} heard its own tone: {heard}"
    assert heard[OTHER_HZ] == 0.0, f"{phone.user} heard a tone nobody sent: {heard}"
    assert dominant_frequency(wav) == pytest.approx(expected_hz, abs=5)


def assert_no_errors(*phones: Phone) -> None:
    for phone in phones:
        errors = [ev for ev in phone.events if ev["event"] == "error"]
        assert not errors, f"{phone.user} reported errors: {errors}"


def free_port(host: str, kind: int) -> int:
    """A port nothing listens on (bound then released), to stand for a PBX that is down."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------- calls


def test_call_answer_audio_both_ways_caller_hangs_up(a: Phone, b: Phone) -> None:
    out = a.call(b.uri)
    incoming = b.wait("incoming")
    assert incoming["from_user"] == "a"
    assert incoming["display_name"] == "Alice Example"
    # The caller's own address: this test process's phone network (tests/support/parallel.py).
    assert incoming["from_uri"].startswith(f"sip:a@{phone_network()}.")
    assert incoming["to_uri"].startswith("sip:b@")
    inc = incoming["call"]
    a.wait("ringing", call=out, code=180)
    b.answer()
    a.wait("connected", call=out)
    b.wait("connected", call=inc)
    a.wait("media", call=out)
    b.wait("media", call=inc)

    time.sleep(TALK_SECONDS)
    a.hangup()
    assert a.wait("disconnected", call=out)["code"] == 200
    assert b.wait("disconnected", call=inc)["code"] == 200

    assert_hears_only(a, out, expected_hz=B_HZ, own_hz=A_HZ)
    assert_hears_only(b, inc, expected_hz=A_HZ, own_hz=B_HZ)
    assert a.recording() == a.recording(out)
    assert a.recording().name == f"call-{out}.wav"
    assert_no_errors(a, b)


def test_callee_hangs_up(a: Phone, b: Phone) -> None:
    out, inc = connect(a, b)
    time.sleep(TALK_SECONDS)
    b.hangup()
    assert b.wait("disconnected", call=inc)["code"] == 200
    assert a.wait("disconnected", call=out)["code"] == 200
    assert_hears_only(a, out, expected_hz=B_HZ, own_hz=A_HZ)
    assert_hears_only(b, inc, expected_hz=A_HZ, own_hz=B_HZ)
    assert_no_errors(a, b)


def test_reject_busy_is_seen_as_486(a: Phone, b: Phone) -> None:
    out, inc = ring(a, b)
    b.reject(486)
    assert a.wait("disconnected", call=out)["code"] == 486
    assert b.wait("disconnected", call=inc)["code"] == 486
    assert not [ev for ev in a.events if ev["event"] in ("connected", "media")]
    with pytest.raises(AssertionError, match="no recording"):
        a.recording(out)          # no media, so nothing was recorded
    assert_no_errors(a, b)


def test_cancel_before_answer(a: Phone, b: Phone) -> None:
    out, inc = ring(a, b)
    a.hangup()                    # CANCEL
    assert b.wait("disconnected", call=inc)["code"] == 487
    assert a.wait("disconnected", call=out)["code"] == 487
    assert not [ev for ev in b.events if ev["event"] == "connected"]
    assert_no_errors(a, b)


def test_dtmf_both_ways(a: Phone, b: Phone) -> None:
    out, inc = connect(a, b)
    a.dtmf("0123456789*#")
    got = [b.wait("dtmf", call=inc)["digit"] for _ in range(12)]
    assert "".join(got) == "0123456789*#"
    b.dtmf("9A")
    assert [a.wait("dtmf", call=out)["digit"] for _ in range(2)] == ["9", "A"]
    a.hangup()
    b.wait("disconnected", call=inc)
    assert_no_errors(a, b)


def test_early_media_on_183(a: Phone, b: Phone) -> None:
    out, inc = ring(a, b)
    b.answer(183)                 # session progress with SDP: media flows before the answer
    a.wait("ringing", call=out, code=183)
    early = a.wait("media", call=out)
    b.wait("media", call=inc)
    time.sleep(TALK_SECONDS)
    assert not [ev for ev in a.events if ev["event"] == "connected"]
    b.answer(200)
    connected = a.wait("connected", call=out)
    assert early["t"] < connected["t"]
    a.hangup()
    a.wait("disconnected", call=out)
    b.wait("disconnected", call=inc)
    # Everything A heard came before or after the answer; at least the early part must be there.
    assert has_tone(a.recording(out), B_HZ, HEARD_SECONDS)
    assert_no_errors(a, b)


def test_second_call_while_busy_is_left_to_the_test(phone_factory: PhoneFactory) -> None:
    a = phone_factory("a", tone_hz=A_HZ)
    b = phone_factory("b", tone_hz=B_HZ, auto_answer=0.2)
    c = phone_factory("c")
    first = a.call(b.uri)
    a.wait("connected", call=first)           # auto-answered
    b_first = b.wait("connected")["call"]

    second = c.call(b.uri)
    incoming = b.wait("incoming", busy=True)
    c.wait("ringing", call=second, code=180)
    b.expect_no("connected", within=1.0, call=incoming["call"])   # not auto-answered while busy
    b.reject(486, call=incoming["call"])
    assert c.wait("disconnected", call=second)["code"] == 486

    a.expect_no("disconnected", within=0.5)    # the first call is untouched
    b.hangup(call=b_first)
    a.wait("disconnected", call=first)
    b.wait("disconnected", call=b_first)
    assert_no_errors(a, b, c)


def test_calls_over_tcp(phone_factory: PhoneFactory) -> None:
    a = phone_factory("a", tone_hz=A_HZ, transport="tcp")
    b = phone_factory("b", tone_hz=B_HZ, transport="tcp")
    assert b.uri.endswith(";transport=tcp")
    out, inc = connect(a, b)
    time.sleep(TALK_SECONDS)
    a.hangup()
    a.wait("disconnected", call=out)
    b.wait("disconnected", call=inc)
    assert_hears_only(a, out, expected_hz=B_HZ, own_hz=A_HZ)
    assert_hears_only(b, inc, expected_hz=A_HZ, own_hz=B_HZ)
    assert_no_errors(a, b)


def test_bare_number_is_dialled_at_the_registrar(phone_factory: PhoneFactory) -> None:
    b = phone_factory("b")
    # B stands in for the PBX: a bare number must go to sip:NUMBER@<registrar>.
    a = phone_factory("a", registrar=b.address)
    out = a.call("200")
    incoming = b.wait("incoming")
    assert incoming["request_uri"] == f"sip:200@{b.address}"
    assert incoming["to_uri"].startswith("sip:200@")    # pjsip leaves the port out of To
    b.reject(404)
    assert a.wait("disconnected", call=out)["code"] == 404
    assert_no_errors(a, b)


# ---------------------------------------------------------------------------- registration


@pytest.mark.parametrize(("transport", "kind", "expected"), [
    ("udp", socket.SOCK_DGRAM, 408),     # no answer at all: the phone gives up at the timeout
    ("tcp", socket.SOCK_STREAM, 503),    # connection refused: pjsip reports a transport error
])
def test_register_with_pbx_down_fails_with_a_code(
    phone_factory: PhoneFactory, transport: str, kind: int, expected: int
) -> None:
    port = free_port("127.0.0.1", kind)
    p = phone_factory("201", password="pw", registrar=f"127.0.0.1:{port}", transport=transport)
    assert p.register(timeout=2.0) == expected
    # The phone stays usable: a second attempt fails the same way (not "busy", not hanging).
    assert p.register(timeout=2.0) == expected


def test_register_with_digest_auth(phone_factory: PhoneFactory) -> None:
    with FakeRegistrar({"201": "secret"}) as registrar:
        p = phone_factory("201", password="secret", registrar=registrar.address, expires=120)
        assert p.register() == 200
        registered = p.last("registered", code=200)
        assert registered is not None and registered["expires"] == 120
        assert registrar.bindings == {"201": 120}
        assert any("Authorization: Digest" in r for r in registrar.requests)
        assert p.unregister() == 200
        assert registrar.bindings == {}

        wrong = phone_factory("201", password="wrong", registrar=registrar.address)
        assert wrong.register() == 403


def test_no_registrar_means_no_registration(a: Phone) -> None:
    with pytest.raises(AssertionError, match="no registrar configured"):
        a.register()


# ---------------------------------------------------------------------------- the harness itself


def test_wait_timeout_lists_the_events_seen(a: Phone) -> None:
    with pytest.raises(AssertionError) as info:
        a.wait("connected", timeout=0.3)
    message = str(info.value)
    assert "timed out after 0.3 s waiting for 'connected'" in message
    assert '"event": "ready"' in message


def test_command_errors_are_raised(a: Phone) -> None:
    with pytest.raises(AssertionError, match="no call to hang up"):
        a.hangup()
    with pytest.raises(AssertionError, match="cannot dial bare"):
        a.call("200")               # no registrar to send it to


def test_close_ends_the_process_and_is_idempotent(phone_factory: PhoneFactory) -> None:
    p = phone_factory("x")
    assert p.running
    assert p.close() == 0
    assert not p.running
    assert p.close() == 0
    with pytest.raises(AssertionError, match="closed"):
        p.hangup()


def test_close_during_a_call_hangs_up_the_far_end(a: Phone, b: Phone) -> None:
    out, inc = connect(a, b)
    a.close()
    assert b.wait("disconnected", call=inc)["code"] == 200
    # A's own `disconnected` (with its recording) was reported before it exited.
    assert a.wait("disconnected", call=out)["recording"]


def test_context_manager_closes() -> None:
    with Phone("ctx", bind="127.0.0.9") as p:
        assert p.running
    assert not p.running
