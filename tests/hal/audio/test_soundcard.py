"""The real sounddevice driver, on PortAudio over ALSA, with no sound card.

ALSA reads ~/.asoundrc when PortAudio initialises (at `import sounddevice`), so
each case runs in a child Python with HOME pointing at a config whose default PCM
is a `file` plugin: playback lands in a raw file, capture comes from one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hal.audio.soundcard import AudioDeviceError, SoundCard
from hal.backoff import Backoff
from hal.health import DeviceState
from tests.hal.eventually import eventually
from tests.hal.tones import tone, tone_power

ROOT = Path(__file__).resolve().parents[3]

ASOUNDRC = """
pcm.!default {{
    type asym
    playback.pcm {{ type file slave.pcm "null" file "{played}" format "raw" }}
    capture.pcm {{ type file slave.pcm "null" file "/dev/null" infile "{source}" format "raw" }}
}}
"""


def run_child(tmp_path: Path, body: str) -> dict[str, object]:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(body))
    env = dict(os.environ, HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("ALSA_CONFIG_PATH", None)
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture
def alsa_files(tmp_path: Path) -> tuple[Path, Path]:
    played, source = tmp_path / "played.raw", tmp_path / "source.raw"
    left = np.frombuffer(tone(440, 1.0), dtype="<i2")
    right = np.frombuffer(tone(1000, 1.0), dtype="<i2")
    source.write_bytes(np.stack([left, right], axis=1).astype("<i2").tobytes())
    (tmp_path / ".asoundrc").write_text(ASOUNDRC.format(played=played, source=source))
    return played, source


def test_the_sounddevice_driver_plays_and_captures_per_channel(tmp_path: Path, alsa_files: tuple[Path, Path]) -> None:
    played, _source = alsa_files
    result = run_child(
        tmp_path,
        """
        import json, time
        from hal.audio.soundcard import SoundCard
        from tests.hal.tones import tone, tone_power

        card = SoundCard("hat", None, 2, max_frames=5000)
        card.open()
        left, right = tone(600, 0.5), tone(1500, 0.5)
        for i in range(25):
            card.channel(0).write_frame(left[i * 320:(i + 1) * 320])
            card.channel(1).write_frame(right[i * 320:(i + 1) * 320])
        # The null PCM is not paced by a clock: wait (bounded) for our audio to pass.
        deadline = time.monotonic() + 20
        while (len(card.channel(0).rx) < 8000 or len(card.channel(0).tx)) and time.monotonic() < deadline:
            time.sleep(0.01)
        card.close()
        heard_left, heard_right = card.channel(0).rx.drain()[:16000], card.channel(1).rx.drain()[:16000]
        print(json.dumps({
            "state": card.reporter.status.state.value,
            "left_440": tone_power(heard_left, 440), "left_1000": tone_power(heard_left, 1000),
            "right_1000": tone_power(heard_right, 1000),
        }))
        """,
    )
    assert result["state"] == "closed"
    assert float(result["left_440"]) > 0.5 > float(result["left_1000"])  # type: ignore[arg-type]
    assert float(result["right_1000"]) > 0.5  # type: ignore[arg-type]
    # The null PCM runs unpaced: under load, silence may come before our tone, so search the whole file.
    raw = played.read_bytes()
    frames = np.frombuffer(raw[: len(raw) // 4 * 4], dtype="<i2").reshape(-1, 2)
    start = int(np.argmax(np.abs(frames[:, 0]) > 0))
    left_out, right_out = frames[start : start + 4000, 0].tobytes(), frames[start : start + 4000, 1].tobytes()
    assert tone_power(left_out, 600) > 0.5 and tone_power(right_out, 1500) > 0.5


def test_a_missing_device_is_a_clear_error(tmp_path: Path, alsa_files: tuple[Path, Path]) -> None:
    result = run_child(
        tmp_path,
        """
        import json
        from hal.audio.soundcard import AudioDeviceError, SoundCard

        try:
            SoundCard("usb", "no-such-card-anywhere", 1).open()
            print(json.dumps({"error": None}))
        except AudioDeviceError as exc:
            print(json.dumps({"error": str(exc)}))
        """,
    )
    assert "sound card usb (device 'no-such-card-anywhere')" in str(result["error"])


class FakeStream:
    def __init__(self, module: FakeSoundDevice, **kwargs: object) -> None:
        self.finished = kwargs["finished_callback"]
        module.streams.append(self)

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


class FakeSoundDevice:
    """Stands in for the sounddevice module to play a USB card being pulled."""

    class PortAudioError(Exception):
        pass

    def __init__(self) -> None:
        self.streams: list[FakeStream] = []
        self.present = True

    def RawStream(self, **kwargs: object) -> FakeStream:
        if not self.present:
            raise self.PortAudioError("Error querying device -1")
        return FakeStream(self, **kwargs)


def test_a_card_that_disappears_is_reported_and_reopened() -> None:
    fake = FakeSoundDevice()
    card = SoundCard("usb", "plughw:1", 1, backoff=Backoff(0.01, 0.05), sounddevice_module=fake)
    card.start()
    try:
        eventually(lambda: card.reporter.status.state is DeviceState.UP, what="card up")
        fake.present = False
        fake.streams[-1].finished()  # PortAudio ends the stream when the device goes
        eventually(lambda: card.reporter.status.state is DeviceState.DOWN, what="card reported down")
        fake.present = True
        eventually(lambda: card.reporter.status.state is DeviceState.UP, what="card reopened")
        assert len(fake.streams) == 2
    finally:
        card.close()


def test_card_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="channels must be at least 1"):
        SoundCard("x", None, 0)
    with pytest.raises(IndexError, match="channels 0-1, not 2"):
        SoundCard("x", None, 2).channel(2)
    assert issubclass(AudioDeviceError, RuntimeError)
