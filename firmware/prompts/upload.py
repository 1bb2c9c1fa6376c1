"""Company greetings and other custom prompts: uploaded files and recordings from a phone.

A custom prompt is `<data_dir>/prompts/<name>.wav` (8 kHz 16-bit mono, what the call
workers play) plus a row in `custom_prompts`. Whatever comes in - WAV at any rate,
MP3, OGG, FLAC - is converted by sox and checked: it must be audio, have sound in
it, be no longer than `prompt_max_seconds`, and leave `min_free_mb` free on the data
partition. A refusal is one line naming the file and what is accepted.

Crash safety: the new file is written under a temporary name in the same folder,
fsynced, and renamed over the old one inside the transaction that writes its row,
so callers hear the old greeting or the new one, never half of one, and a refused
or interrupted upload leaves nothing behind.
"""
from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
import wave
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from firmware.prompts.library import CUSTOM_NAME, PromptError
from firmware.store.database import write_transaction
from firmware.store.settings import get_setting

PROMPTS_DIR = "prompts"
SAMPLE_RATE = 8000
ACCEPTED = "WAV, MP3, OGG or FLAC audio"
SOURCE_KINDS = ("upload", "phone")
# Loudest 20 ms stretch below this level: nothing a caller would hear.
SILENCE_DBFS = -45.0
_FRAME = SAMPLE_RATE // 50
_PART_SUFFIX = ".part"
# A temporary file older than this is left over from a crash (no upload takes that long).
_STALE_SECONDS = 3600
_SOX_SECONDS = 120
# A phone recording stopped at the limit runs a frame or two over it.
_GRACE_SECONDS = 0.5


@dataclass(frozen=True)
class CustomPrompt:
    name: str
    file: str  # relative to <data_dir>/prompts
    seconds: float
    source: str  # upload or phone
    created_at: str  # ISO 8601, UTC

    def public(self) -> dict[str, Any]:
        return asdict(self)


def prompts_dir(data_dir: Path) -> Path:
    return data_dir / PROMPTS_DIR


def prompt_path(data_dir: Path, name: str) -> Path:
    return prompts_dir(data_dir) / f"{check_name(name)}.wav"


def check_name(name: str) -> str:
    if not CUSTOM_NAME.fullmatch(name):
        raise PromptError(f"prompt name {name!r} is not accepted; use 1-40 letters, digits, '-' or '_' "
                          "(e.g. welcome-day)")
    return name


def _sox() -> str:
    sox = shutil.which("sox")
    if sox is None:
        raise PromptError("sox is not installed; it converts uploaded greetings (Debian package sox)")
    return sox


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


def _check_room(db: sqlite_utils.Database, folder: Path, source: Path) -> None:
    minimum = int(str(get_setting(db, "min_free_mb")))
    free = shutil.disk_usage(folder).free // (1024 * 1024)
    if free < minimum:
        raise PromptError(f"not enough free space on the data partition for {source}: {free} MiB free, "
                          f"min_free_mb is {minimum}; delete old messages or greetings first")


def _sweep(folder: Path) -> None:
    now = time.time()
    for left in folder.glob(f".*{_PART_SUFFIX}"):
        try:
            if now - left.stat().st_mtime > _STALE_SECONDS:
                left.unlink()
        except FileNotFoundError:
            pass


def _loudest_dbfs(path: Path) -> tuple[float, float]:
    """(seconds, level of the loudest 20 ms in dBFS) of an 8 kHz 16-bit mono WAV."""
    import numpy as np  # only when a prompt is uploaded: the brain and the API do not carry numpy otherwise

    with wave.open(str(path), "rb") as wav:
        if (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) != (SAMPLE_RATE, 2, 1):
            raise PromptError(f"internal: sox wrote {path} as {wav.getframerate()} Hz, "
                              f"{wav.getsampwidth() * 8}-bit, {wav.getnchannels()} channels")
        frames = wav.getnframes()
        samples = np.frombuffer(wav.readframes(frames), dtype="<i2").astype(np.float64)
    seconds = frames / SAMPLE_RATE
    if samples.size == 0:
        return seconds, float("-inf")
    usable = samples[: samples.size - samples.size % _FRAME] if samples.size >= _FRAME else samples
    stretches = usable.reshape(-1, min(_FRAME, usable.size))
    loudest = float(np.sqrt((stretches ** 2).mean(axis=1)).max())
    return seconds, float(20 * np.log10(loudest / 32768)) if loudest > 0 else float("-inf")


def _sox_run(args: list[str], source: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=_SOX_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise PromptError(f"{source} could not be read within {_SOX_SECONDS} s; accepted: {ACCEPTED}") from None


def _convert(sox: str, source: Path, part: Path, max_seconds: int) -> None:
    # Trimmed just past the limit: a two-hour file is not converted whole to learn it is too long.
    converted = _sox_run(
        [sox, "-V1", str(source), "-t", "wav", "-r", str(SAMPLE_RATE), "-b", "16", "-c", "1", "-e", "signed-integer",
         str(part), "trim", "0", str(max_seconds + 1), "remix", "-", "rate", str(SAMPLE_RATE)], source)
    if converted.returncode != 0:
        reason = _last_line(converted.stderr)
        if "No space left" in reason:
            raise PromptError(f"not enough free space on the data partition for {source}: the disk is full")
        raise PromptError(f"{source} could not be converted ({reason}); accepted: {ACCEPTED}")


def import_audio(db: sqlite_utils.Database, data_dir: Path, name: str, source: Path,
                 source_kind: str = "upload") -> CustomPrompt:
    """Store `source` (any audio sox reads) as custom prompt `name`, replacing one of that name.

    Raises PromptError, with nothing changed, for a bad name, a file that is missing, empty,
    not audio, silent or longer than prompt_max_seconds, or when the data partition would
    have less than min_free_mb free.
    """
    check_name(name)
    if source_kind not in SOURCE_KINDS:
        raise PromptError(f"source {source_kind!r} is not accepted; use one of: {', '.join(SOURCE_KINDS)}")
    if not source.exists():
        raise PromptError(f"{source} does not exist")
    if not source.is_file():
        raise PromptError(f"{source} is not a file; accepted: {ACCEPTED}")
    if source.stat().st_size == 0:
        raise PromptError(f"{source} is empty (0 bytes); accepted: {ACCEPTED}")
    sox = _sox()
    probe = _sox_run([sox, "--i", "-t", str(source)], source)
    if probe.returncode != 0:
        raise PromptError(f"{source} is not an audio file; accepted: {ACCEPTED}")
    max_seconds = int(str(get_setting(db, "prompt_max_seconds")))
    folder = prompts_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    _check_room(db, folder, source)
    part = folder / f".{name}-{secrets.token_hex(4)}{_PART_SUFFIX}"
    try:
        _convert(sox, source, part, max_seconds)
        seconds, loudest = _loudest_dbfs(part)
        if seconds == 0:
            raise PromptError(f"{source} holds no audio (0 seconds); accepted: {ACCEPTED} with sound in it")
        if seconds > max_seconds + _GRACE_SECONDS:
            raise PromptError(f"{source} is longer than {max_seconds} seconds; accepted: up to {max_seconds} "
                              "seconds (setting prompt_max_seconds)")
        if loudest < SILENCE_DBFS:
            raise PromptError(f"{source} is silent; accepted: {ACCEPTED} with sound in it")
        _check_room(db, folder, source)
        _fsync(part)
        prompt = CustomPrompt(name=name, file=f"{name}.wav", seconds=round(seconds, 2), source=source_kind,
                              created_at=datetime.now(UTC).isoformat(timespec="seconds"))
        with write_transaction(db):
            db.execute("INSERT OR REPLACE INTO custom_prompts (name, file, seconds, source, created_at) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [prompt.name, prompt.file, prompt.seconds, prompt.source, prompt.created_at])
            # Last step of the transaction: a failed rename rolls the row back.
            os.replace(part, folder / prompt.file)
        _fsync(folder)
        return prompt
    finally:
        part.unlink(missing_ok=True)


def save_recording(db: sqlite_utils.Database, data_dir: Path, name: str, wav: Path) -> CustomPrompt:
    """Keep a greeting recorded from a phone (8 kHz WAV) as custom prompt `name`, with the same
    checks as an upload. The recording is deleted afterwards, kept or refused, as voicemail
    greetings are: the caller records again to a fresh file."""
    try:
        return import_audio(db, data_dir, name, wav, source_kind="phone")
    finally:
        wav.unlink(missing_ok=True)


def get_prompt(db: sqlite_utils.Database, name: str) -> CustomPrompt | None:
    row = db.execute("SELECT name, file, seconds, source, created_at FROM custom_prompts WHERE name = ?",
                     [name]).fetchone()
    return _prompt(row) if row else None


def _prompt(row: Any) -> CustomPrompt:
    name, file, seconds, source, created_at = row
    return CustomPrompt(name=str(name), file=str(file), seconds=float(seconds or 0), source=str(source or ""),
                        created_at=str(created_at or ""))


def list_prompts(db: sqlite_utils.Database) -> list[CustomPrompt]:
    rows = db.execute("SELECT name, file, seconds, source, created_at FROM custom_prompts ORDER BY name").fetchall()
    return [_prompt(row) for row in rows]


def remove_prompt(db: sqlite_utils.Database, data_dir: Path, name: str) -> None:
    """Delete custom prompt `name`; refused while a voice menu greets callers with it or a queue
    plays it."""
    check_name(name)
    prompt = get_prompt(db, name)
    if prompt is None:
        raise PromptError(f"prompt {name!r} does not exist; see `minipbx prompt list`")
    uses = [f"the greeting of voice menu {row[0]}" for row in
            db.execute("SELECT name FROM ivr_menus WHERE greeting = ? ORDER BY name", [name]).fetchall()]
    uses += [f"the {what} of queue {row[0]}" for what in ("announcement", "whisper") for row in
             db.execute(f"SELECT name FROM queues WHERE {what} = ? ORDER BY name", [name]).fetchall()]
    if uses:
        raise PromptError(f"prompt {name!r} cannot be removed: it is {', '.join(uses)}; change that first")
    folder = prompts_dir(data_dir)
    with write_transaction(db):
        db.execute("DELETE FROM custom_prompts WHERE name = ?", [name])
        (folder / f"{name}.wav").unlink(missing_ok=True)
    if folder.is_dir():
        _fsync(folder)
