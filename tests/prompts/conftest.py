"""Real audio for the prompt tests: files made with sox, prompts spoken by espeak-ng."""
from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sqlite_utils

from firmware.prompts.build import build_prompts
from firmware.store.database import open_store
from tests.cli.conftest import Cli

# A few prompts of each kind: a word, a sentence, a long menu, a number, a key.
SOME_PROMPTS = ("welcome", "enter-pin", "vm-main-menu", "num-21", "digit-hash")


@dataclass(frozen=True)
class Audio:
    rate: int
    channels: int
    bits: int
    seconds: float
    rms_dbfs: float  # over the whole file
    peak_dbfs: float


def audio_of(path: Path) -> Audio:
    with wave.open(str(path), "rb") as wav:
        rate, channels, width, frames = wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes()
        data = wav.readframes(frames)
    samples = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768
    rms = float(np.sqrt((samples ** 2).mean())) if samples.size else 0.0
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    return Audio(rate=rate, channels=channels, bits=width * 8, seconds=frames / rate,
                 rms_dbfs=20 * np.log10(rms) if rms else float("-inf"),
                 peak_dbfs=20 * np.log10(peak) if peak else float("-inf"))


def sox_make(path: Path, options: str, effects: str) -> Path:
    """`sox -n OPTIONS PATH EFFECTS`: e.g. options "-r 44100 -c 2", effects "synth 3 sine 440"."""
    subprocess.run(["sox", "-n", *options.split(), str(path), *effects.split()], check=True, capture_output=True)
    return path


@pytest.fixture(scope="session")
def some_prompts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("some-prompts")
    build_prompts(out, ("en", "de"), SOME_PROMPTS)
    return out


@pytest.fixture(scope="session")
def all_prompts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("all-prompts")
    build_prompts(out)
    return out


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def db(data_dir: Path) -> Iterator[sqlite_utils.Database]:
    store = open_store(data_dir)
    yield store
    store.conn.close()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    return Cli(tmp_path / "data", workdir)


@pytest.fixture
def no_espeak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH with sox but without espeak-ng."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sox = shutil.which("sox")
    assert sox is not None
    (bin_dir / "sox").symlink_to(sox)
    monkeypatch.setenv("PATH", str(bin_dir))
    return bin_dir
