"""Message waiting on an analog phone: the PBX's message-summary NOTIFY reaches the
line gateway's SIP agent for the port's extension, and the phone on the simulated
line controller hears stutter dial tone when lifted (no lamp: the controller has no
message-waiting command), then steady dial tone again once no message waits."""
from __future__ import annotations

import asyncio
import itertools

import pytest

from firmware.edge.mwi import notify_mwi
from firmware.media.pcm import FRAME_BYTES, tone_pcm
from firmware.media.tones import STUTTER_BREAKS, TONE_PLANS, stutter_dial, tone
from firmware.store.database import open_store
from firmware.store.extensions import realm
from tests.gateway.conftest import EXTENSIONS, Board, eventually
from tests.support.audio import Audio, tone_segments
from tests.support.pbx import RunningPbx

# Fine blocks: the stutter's breaks are only 100 ms long.
BLOCK_MS = 20
LISTEN = 3.5


def _notify(pbx: RunningPbx, mailbox: str, new: int, saved: int) -> None:
    db = open_store(pbx.data_dir)
    try:
        sip_realm = realm(db)
    finally:
        db.conn.close()
    asyncio.run(notify_mwi(pbx.data_dir / "run", pbx.registrar, sip_realm, mailbox, new, saved))


def _port(pbx: RunningPbx, device: str) -> dict[str, object]:
    status = pbx.status()
    assert status is not None
    port: dict[str, object] = next(p for p in status["gateway"]["ports"] if p["device"] == device)
    return port


def _dial_tone_after_lifting(board: Board, port: str) -> Audio:
    board("record", port=port)
    lifted = board("lift", port=port)["t"]
    heard = eventually(lambda: (a := board.heard(port, since=lifted)).seconds >= LISTEN and a,
                       what=f"{LISTEN} s of {port}'s earpiece")
    board("hang_up", port=port)
    assert isinstance(heard, Audio)
    return heard


def _bursts(audio: Audio, hz: int) -> list[tuple[float, float]]:
    return tone_segments(audio, hz, block_ms=BLOCK_MS)


def test_analog_phone_hears_stutter_dial_tone_while_a_message_waits(gateway_pbx: RunningPbx, board: Board) -> None:
    _notify(gateway_pbx, EXTENSIONS["fxs1"], 2, 1)
    eventually(lambda: _port(gateway_pbx, "fxs1")["message_waiting"], what="fxs1 told a message waits")
    bursts = _bursts(_dial_tone_after_lifting(board, "fxs1"), 425)
    # Broken: ten short bursts (100 ms on, 100 ms off), then the steady dial tone.
    short = [end - start for start, end in bursts if end - start < 0.3]
    assert len(short) >= STUTTER_BREAKS - 1, bursts
    assert all(0.04 <= length <= 0.16 for length in short), bursts
    gaps = [b[0] - a[1] for a, b in itertools.pairwise(bursts)][:STUTTER_BREAKS - 2]
    assert all(0.04 <= gap <= 0.16 for gap in gaps), bursts
    start, end = bursts[-1]
    assert end - start >= 1.0, f"no steady dial tone after the stutter: {bursts}"
    assert start - bursts[0][0] >= 1.7, bursts

    # Messages listened to: plain dial tone again, from the first moment.
    _notify(gateway_pbx, EXTENSIONS["fxs1"], 0, 3)
    eventually(lambda: not _port(gateway_pbx, "fxs1")["message_waiting"], what="fxs1 told none waits")
    bursts = _bursts(_dial_tone_after_lifting(board, "fxs1"), 425)
    assert len(bursts) == 1 and bursts[0][1] - bursts[0][0] >= LISTEN - 0.5, bursts


def test_message_waiting_is_per_extension_and_follows_the_country(gateway_pbx: RunningPbx, board: Board) -> None:
    gateway_pbx.set("country", "US")
    _notify(gateway_pbx, EXTENSIONS["fxs2"], 1, 0)
    eventually(lambda: _port(gateway_pbx, "fxs2")["message_waiting"], what="fxs2 told a message waits")
    assert not _port(gateway_pbx, "fxs1")["message_waiting"]
    # US dial tone is 350 + 440 Hz; the stutter breaks it the same way.
    stutter = _bursts(_dial_tone_after_lifting(board, "fxs2"), 350)
    assert len([b for b in stutter if b[1] - b[0] < 0.3]) >= STUTTER_BREAKS - 1, stutter
    # fxs1's mailbox is empty: steady tone there.
    steady = _bursts(_dial_tone_after_lifting(board, "fxs1"), 350)
    assert len(steady) == 1, steady


@pytest.mark.parametrize("country", sorted(TONE_PLANS))
def test_stutter_dial_tone_breaks_the_countrys_dial_tone(country: str) -> None:
    breaks = stutter_dial(country)
    dial = tone(country, "dial")
    assert len(breaks) == STUTTER_BREAKS
    assert all(segment[:2] == dial[0][:2] and segment[2:] == [100, 100] for segment in breaks)
    pcm = tone_pcm(breaks)
    frames = [pcm[i:i + FRAME_BYTES] for i in range(0, len(pcm), FRAME_BYTES)]
    # 20 ms frames: five with tone, five silent, ten times over (two seconds).
    assert [frame.count(0) == FRAME_BYTES for frame in frames] == ([False] * 5 + [True] * 5) * STUTTER_BREAKS
