"""Speaking the system prompts with espeak-ng into 8 kHz 16-bit mono WAV files."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from firmware.prompts import catalog
from firmware.prompts.build import MANIFEST, PromptBuildError, build_prompts
from tests.prompts.conftest import SOME_PROMPTS, audio_of

REPO_ROOT = Path(__file__).resolve().parents[2]

# (shortest, longest) plausible duration in seconds per prompt, any language.
DURATIONS = {"welcome": (0.4, 2.0), "enter-pin": (1.5, 5.0), "vm-main-menu": (5.0, 14.0), "num-21": (0.5, 2.5),
             "digit-hash": (0.2, 1.5)}


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("name", SOME_PROMPTS)
def test_a_prompt_is_8khz_mono_16bit_speech(some_prompts: Path, lang: str, name: str) -> None:
    audio = audio_of(some_prompts / lang / f"{name}.wav")
    assert (audio.rate, audio.channels, audio.bits) == (8000, 1, 16)
    shortest, longest = DURATIONS[name]
    assert shortest <= audio.seconds <= longest, audio.seconds
    # Speech, normalised to -3 dBFS peak: loud enough to hear over a phone line, not clipped.
    assert -3.5 <= audio.peak_dbfs <= -2.5, audio.peak_dbfs
    assert audio.rms_dbfs > -30, audio.rms_dbfs


def test_german_is_spoken_with_the_german_voice(some_prompts: Path) -> None:
    # "einundzwanzig" is longer than "twenty-one"; the files differ whatever the voice.
    english = audio_of(some_prompts / "en" / "num-21.wav")
    german = audio_of(some_prompts / "de" / "num-21.wav")
    assert german.seconds > english.seconds
    assert (some_prompts / "en" / "welcome.wav").read_bytes() != (some_prompts / "de" / "welcome.wav").read_bytes()


def test_the_whole_catalog_builds_in_both_languages(all_prompts: Path) -> None:
    for lang in ("en", "de"):
        files = sorted(p.stem for p in (all_prompts / lang).glob("*.wav"))
        assert files == sorted(catalog.NAMES)
        for name in ("leave-message", "num-0", "num-99", "digit-star", "unknown-caller"):
            audio = audio_of(all_prompts / lang / f"{name}.wav")
            assert (audio.rate, audio.channels, audio.bits) == (8000, 1, 16)
            assert audio.seconds > 0.2 and audio.rms_dbfs > -30, (lang, name, audio)
    assert not list(all_prompts.glob("*/.*")), "temporary files left behind"


def test_unchanged_prompts_are_not_spoken_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["goodbye", "welcome"]
    first = build_prompts(tmp_path, ["en"], names)
    assert sorted(first["en"].made) == names
    stamps = {name: (tmp_path / "en" / f"{name}.wav").stat().st_mtime_ns for name in names}
    time.sleep(0.01)

    again = build_prompts(tmp_path, ["en"], names)
    assert (again["en"].made, sorted(again["en"].kept)) == ([], names)
    assert {name: (tmp_path / "en" / f"{name}.wav").stat().st_mtime_ns for name in names} == stamps

    # A changed text, a changed voice and a deleted file are made again; the rest is kept.
    monkeypatch.setitem(catalog.PROMPTS["en"], "welcome", "Welcome to the office.")
    (tmp_path / "en" / "goodbye.wav").unlink()
    changed = build_prompts(tmp_path, ["en"], names)
    assert sorted(changed["en"].made) == names
    monkeypatch.setitem(catalog.VOICES, "en", "en-us")
    assert sorted(build_prompts(tmp_path, ["en"], names)["en"].made) == names
    assert (tmp_path / "en" / MANIFEST).is_file()


def test_a_full_build_removes_prompts_the_catalog_dropped(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(catalog.PROMPTS["de"], "old-prompt", "Alt.")
    build_prompts(tmp_path, ["de"], ["old-prompt"])
    monkeypatch.delitem(catalog.PROMPTS["de"], "old-prompt")
    monkeypatch.setattr("firmware.prompts.build.PROMPTS", {"de": {"welcome": "Willkommen."}})
    result = build_prompts(tmp_path, ["de"])
    assert (result["de"].made, result["de"].removed) == (["welcome"], ["old-prompt"])
    assert sorted(p.name for p in (tmp_path / "de").iterdir()) == [MANIFEST, "welcome.wav"]


def test_missing_espeak_is_named(tmp_path: Path, no_espeak: Path) -> None:
    with pytest.raises(PromptBuildError) as caught:
        build_prompts(tmp_path, ["en"], ["welcome"])
    assert str(caught.value) == "espeak-ng is not installed; it speaks the system prompts (Debian package espeak-ng)"
    assert not (tmp_path / "en").exists()


def test_missing_voice_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(catalog.VOICES, "de", "xx-none")
    with pytest.raises(PromptBuildError) as caught:
        build_prompts(tmp_path, ["en", "de"], ["welcome"])
    assert str(caught.value) == ("espeak-ng has no voice 'xx-none' for language 'de' (The specified espeak-ng voice "
                                 "does not exist.); install espeak-ng-data or check `espeak-ng --voices`")
    assert list(tmp_path.iterdir()) == []


def test_unknown_language_or_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PromptBuildError, match=r"^language 'fr' has no system prompts; use one of: en, de$"):
        build_prompts(tmp_path, ["fr"])
    with pytest.raises(PromptBuildError, match=r"^'welcom': not in the prompt catalog"):
        build_prompts(tmp_path, ["en"], ["welcom"])


def test_the_command_line_builds_and_reports_errors_in_one_line(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "firmware.prompts.build", "--out", str(tmp_path / "p"), "--lang", "de",
               "--name", "goodbye"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"system prompts in {tmp_path / 'p'}: de 1 made, 0 unchanged (")
    assert audio_of(tmp_path / "p" / "de" / "goodbye.wav").rate == 8000

    sox_only = tmp_path / "bin"
    sox_only.mkdir()
    (sox_only / "sox").symlink_to("/usr/bin/sox")
    failed = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60, check=False,
                            env={**os.environ, "PATH": str(sox_only)})
    assert (failed.returncode, failed.stdout) == (2, "")
    assert failed.stderr == ("python -m firmware.prompts.build: error: espeak-ng is not installed; it speaks the "
                             "system prompts (Debian package espeak-ng)\n")
