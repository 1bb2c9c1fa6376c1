"""The index of call recordings: one row per file, as the office looks for them (by extension
and date, with their total size), linked to the call's record by its call id.

A row is written when a recording starts (`state` recording) and finished when the worker
reports the file complete (`done`). A row still `recording` when the PBX starts again (the
brain or a worker was killed, the power went) is an interrupted recording: its file is
repaired (firmware/media/wavfile.py) and the row says `interrupted`, with the length the file
really holds. Files live under <data>/recordings/YYYY-MM-DD/; the row keeps the path relative
to the data directory, so a data partition moved to another mount still finds them.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from firmware.media import wavfile
from firmware.store.database import write_transaction

log = logging.getLogger("minipbx.recordings")

RECORDINGS_DIR = "recordings"
RECORDING, DONE, INTERRUPTED = "recording", "done", "interrupted"


class RecordingNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Recording:
    id: int
    call_id: str
    segment: int
    started_at: str
    ended_at: str
    seconds: float
    bytes: int
    path: str  # relative to the data directory
    parties: str
    extensions: tuple[str, ...]
    trunk: str
    did: str
    state: str
    why: str  # what made it record: "ext:101 records always", "on demand by 101"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_path(data_dir: Path, call_id: str, segment: int) -> Path:
    """Where a new recording goes (its day's folder, made if missing)."""
    now = datetime.now(UTC)
    folder = data_dir / RECORDINGS_DIR / f"{now:%Y-%m-%d}"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c for c in call_id if c.isalnum())[:16] or "call"
    return folder / f"{now:%H%M%S}-{safe}-{segment}.wav"


def start(db: sqlite_utils.Database, data_dir: Path, *, call_id: str, segment: int, path: Path, parties: str,
          extensions: list[str], trunk: str, did: str, why: str) -> int:
    with write_transaction(db):
        cursor = db.conn.execute(
            "INSERT INTO recordings (call_id, segment, started_at, ended_at, seconds, bytes, path, parties, "
            "extensions, trunk, did, state, why) VALUES (?, ?, ?, '', 0, 0, ?, ?, ?, ?, ?, ?, ?)",
            [call_id, segment, _now(), str(path.relative_to(data_dir)), parties,
             "," + ",".join(extensions) + ",", trunk, did, RECORDING, why])
        return int(cursor.lastrowid or 0)


def finish(db: sqlite_utils.Database, data_dir: Path, recording_id: int, state: str = DONE) -> Recording:
    row = get(db, recording_id)
    path = data_dir / row.path
    size = path.stat().st_size if path.exists() else 0
    with write_transaction(db):
        db.conn.execute("UPDATE recordings SET ended_at = ?, seconds = ?, bytes = ?, state = ? WHERE id = ?",
                        [_now(), wavfile.audio_seconds(path), size, state, recording_id])
    return get(db, recording_id)


def _recording(row: tuple[object, ...]) -> Recording:
    (rid, call_id, segment, started, ended, seconds, size, path, parties, extensions, trunk, did, state,
     why) = row
    return Recording(int(str(rid)), str(call_id), int(str(segment)), str(started), str(ended or ""),
                     float(str(seconds or 0)), int(str(size or 0)), str(path), str(parties),
                     tuple(e for e in str(extensions).split(",") if e), str(trunk or ""), str(did or ""),
                     str(state), str(why or ""))


_COLUMNS = ("id, call_id, segment, started_at, ended_at, seconds, bytes, path, parties, extensions, trunk, did, "
            "state, why")


def get(db: sqlite_utils.Database, recording_id: int) -> Recording:
    row = db.execute(f"SELECT {_COLUMNS} FROM recordings WHERE id = ?", [recording_id]).fetchone()
    if row is None:
        raise RecordingNotFound(f"recording {recording_id} does not exist; see `recordings list`")
    return _recording(row)


def _filters(extension: str, since: str, until: str, call_id: str,
             among: Collection[str] | None = None) -> tuple[str, list[object]]:
    where: list[str] = ["state != ?"]
    args: list[object] = [RECORDING]
    if among is not None:
        # Any of these extensions talked in it (a department's); none given: nothing matches.
        where.append("(" + (" OR ".join(["extensions LIKE ?"] * len(among)) or "0") + ")")
        args.extend(f"%,{number},%" for number in sorted(among))
    if extension:
        where.append("extensions LIKE ?")
        args.append(f"%,{extension},%")
    if since:
        where.append("started_at >= ?")
        args.append(since)
    if until:
        where.append("started_at < ?")
        args.append(until + "T99" if len(until) == 10 else until)
    if call_id:
        where.append("call_id = ?")
        args.append(call_id)
    return " AND ".join(where), args


def find(db: sqlite_utils.Database, *, extension: str = "", since: str = "", until: str = "",
         call_id: str = "", among: Collection[str] | None = None, limit: int = 1000,
         offset: int = 0) -> list[Recording]:
    """Newest first. `since`/`until` are ISO dates or times (UTC), `until` a date counts its whole day;
    `among`: only recordings one of these extensions talked in."""
    where, args = _filters(extension, since, until, call_id, among)
    rows = db.execute(f"SELECT {_COLUMNS} FROM recordings WHERE {where} "
                      "ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
    return [_recording(r) for r in rows]


def totals(db: sqlite_utils.Database, *, extension: str = "", since: str = "", until: str = "",
           call_id: str = "", among: Collection[str] | None = None) -> tuple[int, int, float]:
    """(recordings, bytes, seconds) over every page the filters select: counted in sqlite, so ten
    thousand recordings are never read to add them up."""
    where, args = _filters(extension, since, until, call_id, among)
    count, size, seconds = db.execute(
        f"SELECT COUNT(*), COALESCE(SUM(bytes), 0), COALESCE(SUM(seconds), 0) FROM recordings WHERE {where}",
        args).fetchone()
    return int(count), int(size), float(seconds)


def remove(db: sqlite_utils.Database, data_dir: Path, recording_id: int) -> Recording:
    """The row goes first, then the file: no row ever points at a deleted file."""
    row = get(db, recording_id)
    with write_transaction(db):
        db.conn.execute("DELETE FROM recordings WHERE id = ?", [recording_id])
    (data_dir / row.path).unlink(missing_ok=True)
    return row


def total_bytes(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT COALESCE(SUM(bytes), 0) FROM recordings").fetchone()[0])


def repair_interrupted(db: sqlite_utils.Database, data_dir: Path, ids: list[int] | None = None) -> list[Recording]:
    """Rows left `recording` (all, or these): repair their files and mark them interrupted."""
    if ids is None:
        ids = [int(r[0]) for r in db.execute("SELECT id FROM recordings WHERE state = ?", [RECORDING])]
    repaired = []
    for recording_id in ids:
        try:
            row = get(db, recording_id)
        except RecordingNotFound:
            continue
        path = data_dir / row.path
        try:
            if path.exists() and wavfile.repair(path):
                log.warning("recording %d (%s) was cut short; its header now tells its %.1f s", row.id, row.path,
                            wavfile.audio_seconds(path))
        except (OSError, wavfile.WavFileError) as exc:
            log.error("recording %d (%s) cannot be repaired: %s", row.id, row.path, exc)
        if not path.exists() or os.path.getsize(path) == 0:
            remove(db, data_dir, recording_id)
            continue
        repaired.append(finish(db, data_dir, recording_id, INTERRUPTED))
    return repaired
