"""DECT handsets, the door station, paging zones and a vanished line controller,
end to end through the real PBX and the gateway's real drivers."""
from __future__ import annotations

import json
import time

from tests.gateway.conftest import EXTENSIONS, Board, eventually
from tests.support.audio import tone_seconds
from tests.support.pbx import RunningPbx

TALK = 2.0
MIN_HEARD = 1.2


def _port(pbx: RunningPbx, device: str) -> dict[str, object]:
    status = pbx.status()
    assert status is not None
    port: dict[str, object] = next(p for p in status["gateway"]["ports"] if p["device"] == device)
    return port


def test_dect_handset_answers_and_the_far_end_hangs_up(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301", tone_hz=1000)
    sip.call(EXTENSIONS["dect1"])
    handset = eventually(lambda: (h := board.phone("dect1"))["ringing"] and h, what="dect1 rings")
    assert handset["caller_id"] == {"number": "301", "name": "Extension 301"}
    board("record", port="dect1")
    board("lift", port="dect1")
    sip.wait("connected", timeout=10)
    answered = time.monotonic()
    board("speak", port="dect1", hz=600)
    time.sleep(TALK)
    sip.hangup()
    sip.wait("disconnected")
    # The handset is told the call is over (it shows it and closes the speech path).
    eventually(lambda: board.phone("dect1")["released"], what="dect1 released by the far end")
    board("hang_up", port="dect1")
    assert tone_seconds(board.heard("dect1", since=answered), 1000) >= MIN_HEARD
    assert tone_seconds(sip.recording(), 600) >= MIN_HEARD


def test_dect_handset_calls_an_analog_phone(gateway_pbx: RunningPbx, board: Board) -> None:
    board("lift", port="dect2")
    board("dial", port="dect2", digits=EXTENSIONS["fxs2"])
    phone = eventually(lambda: (p := board.phone("fxs2"))["caller_id"] and p, what="caller ID on fxs2")
    assert phone["caller_id"]["number"] == EXTENSIONS["dect2"]
    board("record", port="dect2")
    board("lift", port="fxs2")
    eventually(lambda: _port(gateway_pbx, "dect2")["state"] == "talking", what="dect2 talking")
    board("speak", port="fxs2", hz=600)
    eventually(lambda: tone_seconds(board.heard("dect2"), 600) >= MIN_HEARD, what="dect2 hears fxs2")
    board("hang_up", port="fxs2")
    eventually(lambda: board.phone("dect2")["released"], what="dect2 released")
    board("hang_up", port="dect2")


def test_door_station_is_called_and_the_far_end_hangs_up(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301", tone_hz=1000)
    board("record", port="door1")
    sip.call(EXTENSIONS["door1"])
    sip.wait("connected", timeout=10)
    assert board.state()["doors"]["door1"]["talking"]
    board("speak", port="door1", hz=600)
    time.sleep(TALK)
    sip.hangup()
    sip.wait("disconnected")
    eventually(lambda: not board.state()["doors"]["door1"]["talking"], what="the door's speech path closes")
    assert tone_seconds(board.heard("door1"), 1000) >= MIN_HEARD
    assert tone_seconds(sip.recording(), 600) >= MIN_HEARD


def test_a_visitor_rings_where_the_door_is_set_and_the_answerer_opens_the_lock(gateway_pbx: RunningPbx,
                                                                             board: Board) -> None:
    reception = gateway_pbx.phone("301")
    assert gateway_pbx.minipbx("door", "set", "door1", "--dest", "ext:301", "--open-seconds", "2").returncode == 0
    board("door", door="door1")
    incoming = reception.wait("incoming", timeout=10)
    assert incoming["from_user"] == EXTENSIONS["door1"]
    assert incoming["display_name"] == "Door station door1"
    reception.answer(200)
    reception.wait("connected")
    eventually(lambda: board.state()["doors"]["door1"]["talking"], what="the door's speech path opens")
    assert not board.state()["doors"]["door1"]["lock_open"]
    reception.dtmf("*5")
    eventually(lambda: board.state()["doors"]["door1"]["lock_open"], what="the lock opens")
    # It closes by itself after the door's open time (the board's own 3 s does not apply).
    eventually(lambda: not board.state()["doors"]["door1"]["lock_open"], what="the lock closes")
    assert board.state()["doors"]["door1"]["last_open_seconds"] == 2
    reception.hangup()
    eventually(lambda: not board.state()["doors"]["door1"]["talking"], what="the door's speech path closes")
    # From the command line too (the running PBX asks the gateway).
    opened = gateway_pbx.minipbx("door", "open", "door1")
    assert opened.returncode == 0 and opened.stdout == "door door1 open for 2 s\n", opened.stderr
    assert board.state()["doors"]["door1"]["lock_open"]
    logged = json.loads(gateway_pbx.minipbx("door", "log", "--json").stdout)
    assert [(o["door"], o["by"], o["how"], o["seconds"]) for o in logged] == [
        ("door1", "command line", "cli", 2), ("door1", "301", "call", 2)]


def test_paging_zone_plays_the_caller(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301", tone_hz=1000)
    board("record", port="zone1")
    sip.call(EXTENSIONS["zone1"])
    sip.wait("connected", timeout=10)
    eventually(lambda: board.state()["paging"]["zone1"]["amplifier"], what="the amplifier goes on")
    time.sleep(TALK)
    sip.hangup()
    sip.wait("disconnected")
    eventually(lambda: not board.state()["paging"]["zone1"]["amplifier"], what="the amplifier goes off")
    assert tone_seconds(board.heard("zone1"), 1000) >= MIN_HEARD


def test_line_controller_unplugged_mid_call_and_plugged_back(gateway_pbx: RunningPbx, board: Board) -> None:
    sip = gateway_pbx.phone("301")
    board("lift", port="fxs1")
    board("dial", port="fxs1", digits="301")
    sip.wait("incoming", timeout=10)
    sip.answer(200)
    sip.wait("connected")
    board("unplug", device="slic")
    sip.wait("disconnected", timeout=10)
    eventually(lambda: _port(gateway_pbx, "fxs1")["fault"], what="fxs1 shows a fault")
    assert eventually(lambda: board.state()["leds"]["status"] == "blinking fast", what="the status LED blinks fast")
    board("plug", device="slic")
    eventually(lambda: not _port(gateway_pbx, "fxs1")["fault"], what="the fault clears")
    eventually(lambda: board.state()["leds"]["status"] == "on", what="the status LED steady again")
    board("hang_up", port="fxs1")
    eventually(lambda: _port(gateway_pbx, "fxs1")["state"] == "idle", what="fxs1 idle")
    board("record", port="fxs1")
    board("lift", port="fxs1")
    eventually(lambda: tone_seconds(board.heard("fxs1"), 425) >= 0.5, what="dial tone after the replug")
    board("dial", port="fxs1", digits="301")
    sip.wait("incoming", timeout=10)
    sip.answer(200)
    sip.wait("connected")
    board("hang_up", port="fxs1")
    sip.wait("disconnected")


def test_a_group_page_reaches_two_phones_and_the_paging_zone(gateway_pbx: RunningPbx, board: Board) -> None:
    pager = gateway_pbx.phone("301", tone_hz=1000)
    desks = [gateway_pbx.phone(n, tone_hz=600) for n in ("302", "303")]
    members = ",".join(["302", "303", EXTENSIONS["zone1"]])
    done = gateway_pbx.minipbx("ringgroup", "set", "office", "--number", "870", "--strategy", "page",
                               "--members", members)
    assert done.returncode == 0, done.stderr
    board("record", port="zone1")
    pager.call("870")
    pager.wait("connected")
    for desk in desks:
        desk.wait("connected", timeout=10)  # answered by the phone itself (Call-Info answer-after=0)
    eventually(lambda: board.state()["paging"]["zone1"]["amplifier"], what="the amplifier goes on")
    time.sleep(TALK + 1.0)
    pager.hangup()
    pager.wait("disconnected")
    heard = [desk.wait("disconnected")["recording"] for desk in desks]
    eventually(lambda: not board.state()["paging"]["zone1"]["amplifier"], what="the amplifier goes off")
    for recording in heard:
        assert tone_seconds(recording, 1000) >= MIN_HEARD  # the announcement
        assert tone_seconds(recording, 600) < 0.3  # one way: no other listener is heard
    assert tone_seconds(board.heard("zone1"), 1000) >= MIN_HEARD
    assert tone_seconds(pager.recording(), 600) < 0.3  # the pager hears no listener either
    [row] = gateway_pbx.wait_cdr(1)
    assert row["hangup_cause"].startswith("page to group office: heard by ")
