"""Company greetings: uploads in any common format, recordings from phones, and refusals."""
from __future__ import annotations

import os
import re
import shutil
import time
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlite_utils

from firmware.prompts.library import PromptError, PromptLibrary
from firmware.prompts.upload import (
    CustomPrompt,
    import_audio,
    list_prompts,
    prompts_dir,
    remove_prompt,
    save_recording,
)
from firmware.store.settings import set_setting
from tests.prompts.conftest import audio_of, sox_make

ACCEPTED = "WAV, MP3, OGG or FLAC audio"


def rows(db: sqlite_utils.Database) -> list[tuple[object, ...]]:
    return [tuple(r) for r in db.execute("SELECT * FROM custom_prompts ORDER BY name").fetchall()]


def left_in_prompts_dir(data_dir: Path) -> list[str]:
    folder = prompts_dir(data_dir)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(("suffix", "options"), [
    ("wav", "-r 44100 -c 2"),
    ("mp3", "-r 44100 -c 2"),
    ("ogg", "-r 48000 -c 2"),
    ("flac", "-r 16000 -c 1 -b 24"),
])
def test_an_upload_becomes_an_8khz_mono_greeting(db: sqlite_utils.Database, data_dir: Path, tmp_path: Path,
                                                 suffix: str, options: str) -> None:
    source = sox_make(tmp_path / f"greeting.{suffix}", options, "synth 3 sine 440 gain -6")
    prompt = import_audio(db, data_dir, "welcome-day", source)

    assert (prompt.name, prompt.file, prompt.source) == ("welcome-day", "welcome-day.wav", "upload")
    assert prompt.seconds == pytest.approx(3.0, abs=0.1)
    assert rows(db) == [("welcome-day", "welcome-day.wav", prompt.seconds, "upload", prompt.created_at)]
    audio = audio_of(data_dir / "prompts" / "welcome-day.wav")
    assert (audio.rate, audio.channels, audio.bits) == (8000, 1, 16)
    assert audio.seconds == pytest.approx(3.0, abs=0.1)
    # A sine at -6 dBFS peak has an RMS of about -9 dBFS: the sound survives the conversion.
    assert -11 < audio.rms_dbfs < -8, audio.rms_dbfs
    assert left_in_prompts_dir(data_dir) == ["welcome-day.wav"]
    assert PromptLibrary(tmp_path, data_dir / "prompts").custom("welcome-day") == data_dir / "prompts" / \
        "welcome-day.wav"


def test_a_spoken_prompt_can_be_a_greeting(db: sqlite_utils.Database, data_dir: Path, some_prompts: Path) -> None:
    prompt = import_audio(db, data_dir, "menu", some_prompts / "de" / "vm-main-menu.wav")
    assert prompt.seconds == pytest.approx(audio_of(some_prompts / "de" / "vm-main-menu.wav").seconds, abs=0.01)


def _text_renamed_wav(folder: Path) -> Path:
    path = folder / "notes.wav"
    path.write_text("This is not audio, just text.\n" * 20)
    return path


def _empty_file(folder: Path) -> Path:
    path = folder / "empty.wav"
    path.write_bytes(b"")
    return path


def _zero_length_wav(folder: Path) -> Path:
    path = folder / "nothing.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
    return path


@pytest.mark.parametrize(("make", "message"), [
    (_text_renamed_wav, "{source} is not an audio file; accepted: " + ACCEPTED),
    (_empty_file, "{source} is empty (0 bytes); accepted: " + ACCEPTED),
    (_zero_length_wav,
     "{source} holds no audio (0 seconds); accepted: " + ACCEPTED + " with sound in it"),
    (lambda d: sox_make(d / "silence.wav", "-r 8000 -c 1", "trim 0 3"),
     "{source} is silent; accepted: " + ACCEPTED + " with sound in it"),
    (lambda d: sox_make(d / "hiss.ogg", "-r 44100 -c 2", "synth 3 whitenoise gain -60"),
     "{source} is silent; accepted: " + ACCEPTED + " with sound in it"),
    (lambda d: sox_make(d / "long.wav", "-r 44100 -c 1", "synth 7 sine 300"),
     "{source} is longer than 5 seconds; accepted: up to 5 seconds (setting prompt_max_seconds)"),
    (lambda d: d / "missing.mp3", "{source} does not exist"),
    (lambda d: d, "{source} is not a file; accepted: " + ACCEPTED),
])
def test_a_refused_upload_says_why_and_leaves_nothing(db: sqlite_utils.Database, data_dir: Path, tmp_path: Path,
                                                      make: Callable[[Path], Path], message: str) -> None:
    set_setting(db, "prompt_max_seconds", "5")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    source = make(uploads)
    with pytest.raises(PromptError) as caught:
        import_audio(db, data_dir, "welcome", source)
    assert str(caught.value) == message.format(source=source)
    assert (rows(db), left_in_prompts_dir(data_dir)) == ([], [])


@pytest.mark.parametrize("name", ["", "hello world", "../etc/passwd", "a" * 41, "grüße", "x.wav"])
def test_a_bad_name_is_refused(db: sqlite_utils.Database, data_dir: Path, tmp_path: Path, name: str) -> None:
    source = sox_make(tmp_path / "ok.wav", "-r 8000", "synth 1 sine 440")
    with pytest.raises(PromptError) as caught:
        import_audio(db, data_dir, name, source)
    assert str(caught.value) == (f"prompt name {name!r} is not accepted; use 1-40 letters, digits, '-' or '_' "
                                 "(e.g. welcome-day)")
    assert (rows(db), left_in_prompts_dir(data_dir)) == ([], [])


def test_a_full_data_partition_refuses_the_upload(db: sqlite_utils.Database, data_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    set_setting(db, "min_free_mb", "100000")
    if shutil.disk_usage(data_dir).free >= 100000 * 1024 * 1024:
        # A machine with that much room: make it look full.
        monkeypatch.setattr("firmware.prompts.upload.shutil.disk_usage",
                            lambda _path: shutil._ntuple_diskusage(10 << 30, (10 << 30) - (40 << 20), 40 << 20))
    source = sox_make(tmp_path / "ok.wav", "-r 8000", "synth 1 sine 440")
    with pytest.raises(PromptError) as caught:
        import_audio(db, data_dir, "welcome", source)
    assert re.fullmatch(rf"not enough free space on the data partition for {re.escape(str(source))}: [0-9]+ MiB "
                        r"free, min_free_mb is 100000; delete old messages or greetings first", str(caught.value))
    assert (rows(db), left_in_prompts_dir(data_dir)) == ([], [])


def test_replacing_keeps_the_old_greeting_until_the_new_one_is_accepted(db: sqlite_utils.Database, data_dir: Path,
                                                                        tmp_path: Path) -> None:
    old = import_audio(db, data_dir, "welcome", sox_make(tmp_path / "old.wav", "-r 8000", "synth 2 sine 440"))
    old_bytes = (data_dir / "prompts" / "welcome.wav").read_bytes()
    with pytest.raises(PromptError, match="is silent"):
        import_audio(db, data_dir, "welcome", sox_make(tmp_path / "quiet.wav", "-r 8000", "trim 0 4"))
    assert (data_dir / "prompts" / "welcome.wav").read_bytes() == old_bytes
    assert list_prompts(db) == [old]
    assert left_in_prompts_dir(data_dir) == ["welcome.wav"]

    new = import_audio(db, data_dir, "welcome", sox_make(tmp_path / "new.mp3", "-r 22050", "synth 4 sine 600"))
    assert new.seconds == pytest.approx(4.0, abs=0.1)
    assert list_prompts(db) == [new]
    assert audio_of(data_dir / "prompts" / "welcome.wav").seconds == pytest.approx(4.0, abs=0.1)
    assert left_in_prompts_dir(data_dir) == ["welcome.wav"]


def test_a_crash_leftover_is_swept_at_the_next_upload(db: sqlite_utils.Database, data_dir: Path,
                                                      tmp_path: Path) -> None:
    folder = data_dir / "prompts"
    folder.mkdir(parents=True)
    stale, fresh = folder / ".welcome-dead0000.part", folder / ".other-live0000.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"in progress")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    import_audio(db, data_dir, "welcome", sox_make(tmp_path / "a.wav", "-r 8000", "synth 1 sine 440"))
    assert left_in_prompts_dir(data_dir) == [fresh.name, "welcome.wav"]


def test_a_greeting_recorded_on_a_phone_is_kept_and_its_recording_removed(db: sqlite_utils.Database,
                                                                          data_dir: Path, tmp_path: Path) -> None:
    recording = sox_make(tmp_path / "rec.wav", "-r 8000 -c 1 -b 16", "synth 2.5 sine 500")
    prompt = save_recording(db, data_dir, "greeting1", recording)
    assert (prompt.name, prompt.source) == ("greeting1", "phone")
    assert prompt.seconds == pytest.approx(2.5, abs=0.05)
    assert not recording.exists()
    assert audio_of(data_dir / "prompts" / "greeting1.wav").seconds == pytest.approx(2.5, abs=0.05)

    silent = sox_make(tmp_path / "rec2.wav", "-r 8000 -c 1 -b 16", "trim 0 2")
    with pytest.raises(PromptError, match=f"^{re.escape(str(silent))} is silent"):
        save_recording(db, data_dir, "greeting2", silent)
    assert not silent.exists()
    assert [p.name for p in list_prompts(db)] == ["greeting1"]
    assert left_in_prompts_dir(data_dir) == ["greeting1.wav"]


def test_remove_deletes_file_and_row_unless_a_voice_menu_uses_it(db: sqlite_utils.Database, data_dir: Path,
                                                                 tmp_path: Path) -> None:
    source = sox_make(tmp_path / "a.wav", "-r 8000", "synth 1 sine 440")
    for name in ("night", "day"):
        import_audio(db, data_dir, name, source)
    assert [p.name for p in list_prompts(db)] == ["day", "night"]
    db.execute("INSERT INTO ivr_menus (name, greeting) VALUES ('main', 'day')")
    with pytest.raises(PromptError) as caught:
        remove_prompt(db, data_dir, "day")
    assert str(caught.value) == ("prompt 'day' cannot be removed: it is the greeting of voice menu main; "
                                 "change that first")

    remove_prompt(db, data_dir, "night")
    assert [p.name for p in list_prompts(db)] == ["day"]
    assert left_in_prompts_dir(data_dir) == ["day.wav"]
    with pytest.raises(PromptError) as caught:
        remove_prompt(db, data_dir, "night")
    assert str(caught.value) == "prompt 'night' does not exist; see `minipbx prompt list`"


def test_list_shows_what_was_stored(db: sqlite_utils.Database, data_dir: Path, tmp_path: Path) -> None:
    assert list_prompts(db) == []
    prompt = import_audio(db, data_dir, "b_2", sox_make(tmp_path / "a.flac", "-r 8000", "synth 1.5 sine 440"))
    assert list_prompts(db) == [CustomPrompt("b_2", "b_2.wav", 1.5, "upload", prompt.created_at)]
    assert prompt.public() == {"name": "b_2", "file": "b_2.wav", "seconds": 1.5, "source": "upload",
                               "created_at": prompt.created_at}


def test_a_phone_recording_stopped_at_the_limit_is_kept(db: sqlite_utils.Database, data_dir: Path,
                                                        tmp_path: Path) -> None:
    set_setting(db, "prompt_max_seconds", "5")
    # The recorder stops at the limit a frame after it: that is not "too long".
    recording = sox_make(tmp_path / "rec.wav", "-r 8000 -c 1 -b 16", "synth 5.02 sine 500")
    assert save_recording(db, data_dir, "greeting1", recording).seconds == pytest.approx(5.02, abs=0.01)
