"""Analog phones on the simulated line controller, end to end through the real PBX:
the gateway's FXS driver talks to the simulated controller over a pty, its SIP
agents call through Kamailio and the call workers, and the test listens to what
the analog phone's earpiece and the SIP phone heard."""
from __future__ import annotations

import time

from tests.gateway.conftest import EXTENSIONS, Board, eventually
from tests.gateway.dtmf import decode_dtmf
from tests.support.audio import tone_seconds, tone_segments
from tests.support.pbx import RunningPbx

TALK = 2.0
MIN_HEARD = 1.2


def test_analog_phone_calls_a_sip_extension(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301", tone_hz=1000)
    board("record", port="fxs1")
    lifted = board("lift", port="fxs1")["t"]
    eventually(lambda: tone_seconds(board.heard("fxs1"), 425) >= 0.5, what="dial tone (425 Hz) on fxs1")
    dialled = board("dial", port="fxs1", digits="301")["t"]
    incoming = sip.wait("incoming", timeout=10)
    assert incoming["from_user"] == EXTENSIONS["fxs1"]
    assert incoming["display_name"] == "Analog phone fxs1"
    # Ringback in the EU plan: 425 Hz, 1 s on, 4 s off.
    eventually(lambda: tone_seconds(board.heard("fxs1", since=dialled), 425) >= 0.8, what="ringback on fxs1")
    sip.answer(200)
    sip.wait("connected")
    answered = time.monotonic()
    board("speak", port="fxs1", hz=600)
    time.sleep(TALK)
    sip.hangup()
    sip.wait("disconnected")
    hung_up = time.monotonic()
    # The far end hung up: the analog phone, still off hook, hears busy (0.5 s on, 0.5 s off).
    eventually(lambda: len(tone_segments(board.heard("fxs1", since=hung_up), 425)) >= 2, what="busy tone")
    board("hang_up", port="fxs1")
    talk = board.heard("fxs1", since=answered)
    assert tone_seconds(talk, 1000) >= MIN_HEARD, "the analog phone did not hear the SIP phone"
    assert tone_seconds(sip.recording(), 600) >= MIN_HEARD, "the SIP phone did not hear the analog phone"
    busy = [end - start for start, end in tone_segments(board.heard("fxs1", since=hung_up), 425)]
    assert all(0.35 <= length <= 0.65 for length in busy[:-1]), busy
    assert lifted < dialled
    eventually(lambda: gateway_pbx.cdr(), what="a CDR row")
    [row] = gateway_pbx.cdr()
    assert (row["caller"], row["called"], row["answered_by"]) == (EXTENSIONS["fxs1"], "301", "301")


def test_sip_extension_calls_an_analog_phone(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301", tone_hz=1000)
    board("record", port="fxs1")
    sip.call(EXTENSIONS["fxs1"])
    sip.wait("ringing", code=180, timeout=10)
    # FSK caller ID (the EU default) is shown once the first ring burst is over.
    phone = eventually(lambda: (p := board.phone("fxs1"))["caller_id"] and p, what="caller ID on fxs1")
    assert phone["caller_id"] == {"number": "301", "name": "Extension 301"}
    # Two bursts and the pause between them: the EU cadence, 1 s on, 4 s off.
    phone = eventually(lambda: (p := board.phone("fxs1"))["bursts"] >= 2 and p, timeout=10, what="second burst")
    on, off = phone["cadence"][:2]
    assert abs(on - 1.0) < 0.15 and abs(off - 4.0) < 0.15, phone["cadence"]
    board("lift", port="fxs1")
    sip.wait("connected")
    answered = time.monotonic()
    board("speak", port="fxs1", hz=600)
    time.sleep(TALK)
    board("hang_up", port="fxs1")
    sip.wait("disconnected")
    assert tone_seconds(board.heard("fxs1", since=answered), 1000) >= MIN_HEARD
    assert tone_seconds(sip.recording(), 600) >= MIN_HEARD


def test_an_intercom_call_rings_an_analog_phone_apart(gateway_pbx: RunningPbx, board: Board) -> None:
    # An analog phone cannot answer by itself: *80 rings it three short rings instead of
    # the country's cadence, so whoever is there knows a colleague calls on the intercom.
    sip = gateway_pbx.phone("301", tone_hz=1000)
    board("record", port="fxs1")
    sip.call("*80" + EXTENSIONS["fxs1"])
    phone = eventually(lambda: (p := board.phone("fxs1"))["bursts"] >= 4 and p, timeout=10, what="fourth burst")
    steps = phone["cadence"][:6]
    expected = (0.25, 0.25, 0.25, 0.25, 0.25, 2.75)
    assert all(abs(got - want) < 0.12 for got, want in zip(steps, expected, strict=True)), steps
    board("lift", port="fxs1")
    sip.wait("connected")
    answered = time.monotonic()
    time.sleep(TALK)
    sip.hangup()
    sip.wait("disconnected")
    board("hang_up", port="fxs1")
    assert tone_seconds(board.heard("fxs1", since=answered), 1000) >= MIN_HEARD
    # (An ordinary call rings the country's cadence: test_sip_extension_calls_an_analog_phone.)


def test_us_profile_rings_two_four_and_sends_dtmf_caller_id(gateway_pbx: RunningPbx, board: Board) -> None:
    gateway_pbx.set("country", "US")
    gateway_pbx.set("analog_caller_id", "dtmf")
    sip = gateway_pbx.phone("301")
    board("record", port="fxs2")
    sip.call(EXTENSIONS["fxs2"])
    phone = eventually(lambda: (p := board.phone("fxs2"))["bursts"] >= 2 and p, timeout=15, what="second burst")
    on, off = phone["cadence"][:2]
    assert abs(on - 2.0) < 0.15 and abs(off - 4.0) < 0.15, phone["cadence"]
    # DTMF caller ID is played before the first ring; the controller sends no FSK then.
    assert decode_dtmf(board.heard("fxs2")) == "A301C"
    assert phone["caller_id"] is None
    sip.hangup()
    eventually(lambda: not board.phone("fxs2")["ringing"], what="ringing stops when the caller gives up")
