"""An analog phone transfers with the hook flash: flash, dial, talk, hang up (attended), and
flash to go back to the waiting caller. Through the simulated line controller and the real PBX."""
from __future__ import annotations

import time

from tests.gateway.conftest import EXTENSIONS, Board, eventually
from tests.support.audio import tone_seconds
from tests.support.pbx import RunningPbx

MIN_HEARD = 1.2


def test_flash_dial_talk_hang_up_transfers(gateway_pbx: RunningPbx, board: Board) -> None:
    caller = gateway_pbx.phone("301", tone_hz=600)
    target = gateway_pbx.phone("302", tone_hz=1000)
    board("record", port="fxs1")
    caller.call(EXTENSIONS["fxs1"])
    eventually(lambda: board.phone("fxs1")["bursts"] >= 1, what="fxs1 ringing")
    board("lift", port="fxs1")
    caller.wait("connected")
    time.sleep(1.0)
    flashed = board("flash", port="fxs1")["t"]
    eventually(lambda: tone_seconds(board.heard("fxs1", since=flashed), 425) >= 0.5, what="dial tone after flash")
    board("dial", port="fxs1", digits="302")
    target.wait("incoming")
    target.answer(200)
    target.wait("connected")
    answered = time.monotonic()
    board("speak", port="fxs1", hz=800)
    time.sleep(1.5)
    assert tone_seconds(board.heard("fxs1", since=answered), 1000) >= 0.8, "fxs1 did not talk to 302"
    board("hang_up", port="fxs1")
    time.sleep(2.0)
    caller.hangup()
    heard_by_caller = caller.wait("disconnected")["recording"]
    heard_by_target = target.wait("disconnected")["recording"]
    assert tone_seconds(heard_by_caller, 1000) >= MIN_HEARD, "the caller was not passed to 302"
    assert tone_seconds(heard_by_target, 600) >= MIN_HEARD, "302 does not hear the caller"
    rows = eventually(lambda: len(gateway_pbx.cdr()) >= 2 and gateway_pbx.cdr(), what="CDR rows")
    held = next(r for r in rows if r["caller"] == "301")
    assert held["answered_by"] == "302" and held["transferred_by"] == EXTENSIONS["fxs1"]
