"""The exchange line (FXO) end to end: the simulated voice modem plays the telephone
network; the gateway's real modem driver talks to it over a pty."""
from __future__ import annotations

import time

from tests.gateway.conftest import Board, eventually
from tests.support.audio import tone_seconds
from tests.support.pbx import RunningPbx

TALK = 2.0
MIN_HEARD = 1.2


def test_pstn_caller_with_caller_id_reaches_the_operator(gateway_pbx: RunningPbx, board: Board) -> None:
    operator = gateway_pbx.phone("301", tone_hz=1000)
    gateway_pbx.set("operator_extension", "301")
    board("record", port="fxo1")
    board("ring", line="fxo1", number="0401234567", name="ACME Oy")
    incoming = operator.wait("incoming", timeout=15)
    assert incoming["from_user"] == "0401234567"
    assert incoming["display_name"] == "ACME Oy"
    assert not board.state()["lines"]["fxo1"]["off_hook"], "the line is answered only when someone answers"
    operator.answer(200)
    operator.wait("connected")
    eventually(lambda: board.state()["lines"]["fxo1"]["off_hook"], what="the line goes off hook")
    answered = time.monotonic()
    board("speak", port="fxo1", hz=600)
    time.sleep(TALK)
    # The caller on the exchange line hangs up: the exchange drops the loop.
    board("far_hang_up", line="fxo1")
    operator.wait("disconnected", timeout=10)
    eventually(lambda: not board.state()["lines"]["fxo1"]["off_hook"], what="the line is released")
    assert tone_seconds(board.heard("fxo1", since=answered), 1000) >= MIN_HEARD
    assert tone_seconds(operator.recording(), 600) >= MIN_HEARD
    [row] = eventually(gateway_pbx.cdr, what="a CDR row")
    assert (row["caller"], row["trunk"], row["answered_by"]) == ("0401234567", "fxo1", "301")


def test_sip_extension_dials_out_on_the_line(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301", tone_hz=1000)
    board("record", port="fxo1")
    sip.call("00401234567")  # 0 for a line, then the number
    sip.wait("connected", timeout=15)
    line = board.state()["lines"]["fxo1"]
    assert line["dialled"] == ["0401234567"]
    assert line["off_hook"]
    connected = time.monotonic()
    board("speak", port="fxo1", hz=600)
    time.sleep(TALK)
    sip.hangup()
    sip.wait("disconnected")
    eventually(lambda: not board.state()["lines"]["fxo1"]["off_hook"], what="the line is released")
    assert tone_seconds(board.heard("fxo1", since=connected), 1000) >= MIN_HEARD
    assert tone_seconds(sip.recording(), 600) >= MIN_HEARD
    [row] = eventually(gateway_pbx.cdr, what="a CDR row")
    assert row["trunk"] == "fxo1" and row["disposition"] == "answered"


def test_the_line_echo_is_cancelled_and_the_line_caller_still_heard(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301", tone_hz=1000)
    # The network side returns what it hears 30 ms later, 10 dB down, like a hybrid of an analog line.
    board("echo", line="fxo1", gain=0.3, delay_ms=30)
    sip.call("00401234567")
    sip.wait("connected", timeout=15)
    time.sleep(2.0)
    # Then the person on the line talks too (a little quieter than the caller, louder than the echo).
    board("speak", port="fxo1", hz=600)
    time.sleep(2.0)
    sip.hangup()
    sip.wait("disconnected")
    heard = sip.recording()
    # The caller hardly hears their own voice (a steady tone is the hardest case: it teaches
    # the filter one frequency, and late packets leave gaps in it), yet hears the other side.
    echo = tone_seconds(heard, 1000)
    assert echo < 0.15, f"the caller heard their own echo for {echo} s"
    assert tone_seconds(heard, 600) >= MIN_HEARD


def test_modem_unplugged_mid_call_and_plugged_back(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301")
    sip.call("00401234567")
    sip.wait("connected", timeout=15)
    board("unplug", device="fxo1")
    sip.wait("disconnected", timeout=10)
    port = eventually(lambda: _port(gateway_pbx, "fxo1")["fault"] and _port(gateway_pbx, "fxo1"),
                      what="the line shows a fault")
    assert port["state"] == "idle"
    board("plug", device="fxo1")
    eventually(lambda: not _port(gateway_pbx, "fxo1")["fault"], what="the fault clears")
    sip.call("00409999999")
    sip.wait("connected", timeout=15)
    assert board.state()["lines"]["fxo1"]["dialled"][-1] == "0409999999"
    sip.hangup()
    sip.wait("disconnected")


def _port(pbx: RunningPbx, device: str) -> dict[str, object]:
    status = pbx.status()
    assert status is not None
    port: dict[str, object] = next(p for p in status["gateway"]["ports"] if p["device"] == device)
    return port


def test_keys_from_an_extension_reach_the_exchange_line(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301", tone_hz=1000)
    sip.call("00401234567")
    sip.wait("connected", timeout=15)
    time.sleep(0.5)
    sip.dtmf("12")
    sip.dtmf("#")  # held a moment (it could start an in-call code), then passed on
    eventually(lambda: board.state()["lines"]["fxo1"]["dtmf_sent"] == "12#", what="the digits on the line")
    sip.hangup()
    sip.wait("disconnected")
