"""Call recording heard back: real pjsua2 phones through the real edge and workers, a real store.
Each phone sends its own tone; the recording must hold both, at the times they were spoken."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from firmware.media import wavfile
from tests.support.audio import synth_tone, tone_seconds, tone_segments, write_wav
from tests.support.conversation import connect
from tests.support.pbx import RunningPbx

CALLER_HZ, CALLEE_HZ, SPOKEN_HZ, BEEP_HZ = 600, 1000, 800, 1400


def recordings(pbx: RunningPbx, *args: str) -> dict[str, Any]:
    done = pbx.minipbx("recordings", "list", "--json", *args)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def wait_recordings(pbx: RunningPbx, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        found = recordings(pbx)["recordings"]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) == count, found
            return list(reversed(found))  # oldest first
        time.sleep(0.2)


def test_an_always_recorded_call_holds_both_parties_at_the_right_times(pbx: RunningPbx, tmp_path: Path) -> None:
    a = pbx.phone("101", tone_hz=CALLER_HZ)
    b = pbx.phone("102", tone_hz=CALLEE_HZ)
    assert pbx.minipbx("recordings", "policy", "ext:102", "always").returncode == 0  # the running PBX follows
    connect(a, b, "102")
    answered = time.monotonic()
    time.sleep(1.5)
    # The caller "says" something else for a second, 1.5 s into the conversation.
    spoken = write_wav(tmp_path / "spoken.wav", synth_tone(SPOKEN_HZ, 1.0))
    said_at = time.monotonic() - answered
    a.play_file(spoken)
    a.wait("file_done", timeout=3)
    a.stop_file()
    time.sleep(1.5)
    b.hangup()
    a.wait("disconnected")
    [row] = wait_recordings(pbx, 1)
    [cdr] = pbx.wait_cdr(1)
    assert row["call_id"] == cdr["call_id"] and row["parties"] == "101 and 102"
    assert (row["state"], row["why"], row["extensions"]) == ("done", "ext:102 records always", ["101", "102"])
    path = pbx.data_dir / "recordings" / row["started_at"][:10]
    [wav] = list(path.glob("*.wav"))
    layout = wavfile.layout(wav)
    assert (layout.format_tag, layout.rate, layout.byte_rate) == (wavfile.ULAW, 8000, 8000)  # 64 kbit/s
    assert 3.5 <= row["seconds"] <= 5.5 and row["bytes"] == wav.stat().st_size
    # Both voices, and the caller's other tone where it was said (give or take the set-up).
    assert tone_seconds(wav, CALLEE_HZ) >= row["seconds"] - 0.8
    assert tone_seconds(wav, CALLER_HZ) >= row["seconds"] - 1.8
    [(start, end)] = tone_segments(wav, SPOKEN_HZ)
    assert abs(start - said_at) <= 0.6 and 0.7 <= end - start <= 1.3, (start, end, said_at)
    # Exported, it is the same file.
    out = tmp_path / "copy.wav"
    assert pbx.minipbx("recordings", "export", str(row["id"]), str(out)).returncode == 0
    assert out.read_bytes() == wav.read_bytes()
    assert recordings(pbx, "--ext", "101")["count"] == 1 and recordings(pbx, "--ext", "103")["count"] == 0


def test_star_one_records_on_demand_with_a_beep_to_both(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=CALLER_HZ)
    b = pbx.phone("102", tone_hz=CALLEE_HZ)
    connect(a, b, "102")
    time.sleep(1.5)
    assert recordings(pbx)["count"] == 0  # the default policy: on demand, nothing yet
    a.dtmf("*1")
    time.sleep(2.5)
    a.dtmf("*1")
    time.sleep(1.5)
    a.hangup()
    heard_by_a = a.wait("disconnected")["recording"]
    heard_by_b = b.wait("disconnected")["recording"]
    [row] = wait_recordings(pbx, 1)
    assert row["why"] == "on demand by 101"
    assert 1.8 <= row["seconds"] <= 3.2, row
    # Both heard the start beep and the two stop beeps over the conversation, which went on.
    for heard in (heard_by_a, heard_by_b):
        assert len(tone_segments(heard, BEEP_HZ)) >= 2, tone_segments(heard, BEEP_HZ)
    assert tone_seconds(heard_by_a, CALLEE_HZ) >= 4.0 and tone_seconds(heard_by_b, CALLER_HZ) >= 4.0
    [cdr] = pbx.wait_cdr(1)
    assert "recording started (on demand by 101)" in cdr["history"]
    assert "recording stopped by 101 (*1)" in cdr["history"]
