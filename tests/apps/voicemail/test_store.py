"""Mailboxes, messages and greetings on a real store and real WAV files."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from firmware.apps.voicemail.store import (
    MailboxError,
    Message,
    RecordingError,
    check_pin,
    counts,
    delete_message,
    forward_message,
    greeting_path,
    has_room,
    mailbox,
    message_path,
    messages,
    recording_path,
    save_greeting,
    save_message,
    set_email,
    set_pin,
    store_message,
    sweep,
)
from firmware.pins.guard import Guesser, PinError
from firmware.store.database import open_store
from firmware.store.settings import set_setting
from tests.apps.voicemail.conftest import Recorder
from tests.support.audio import has_tone, load_wav

REPO = Path(__file__).resolve().parents[3]


def leave_message(db: sqlite_utils.Database, data_dir: Path, record: Recorder, box: str = "101",
                  seconds: float = 3.0, hz: float = 1000.0, caller: str = "0301234567",
                  caller_name: str = "Jane Doe") -> Message:
    recorded = record(recording_path(data_dir, box), seconds, hz)
    message = store_message(db, data_dir, box, caller, caller_name, recorded)
    assert message is not None
    return message


def files_of(data_dir: Path, box: str) -> list[str]:
    folder = data_dir / "voicemail" / box
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_every_extension_has_a_mailbox_and_no_other_number_does(db: sqlite_utils.Database) -> None:
    box = mailbox(db, "101")
    assert (box.number, box.email, box.attach, box.delete_after_email, box.has_pin) == ("101", "", True, False,
                                                                                         False)
    with pytest.raises(MailboxError, match="no mailbox 555: there is no such extension"):
        mailbox(db, "555")


def test_stored_message_is_listed_kept_and_deleted(db: sqlite_utils.Database, data_dir: Path,
                                                   record: Recorder) -> None:
    first = leave_message(db, data_dir, record, seconds=3.0)
    second = leave_message(db, data_dir, record, seconds=2.0, caller="0407654321", caller_name="")
    assert [m.id for m in messages(db, "101", "new")] == [first.id, second.id]  # oldest first
    assert (first.caller, first.caller_name, first.folder, first.emailed) == ("0301234567", "Jane Doe", "new", False)
    assert first.seconds == pytest.approx(3.0, abs=0.01)
    assert abs(first.received_at - datetime.now(UTC)) < timedelta(seconds=30)
    path = message_path(data_dir, first)
    assert path.parent == data_dir / "voicemail" / "101" and path.name.startswith("msg-")
    assert load_wav(path).seconds == pytest.approx(3.0) and has_tone(path, 1000, 2.5)
    assert files_of(data_dir, "101") == sorted([path.name, message_path(data_dir, second).name])  # tmp/ is empty
    assert counts(db, "101") == (2, 0)

    saved = save_message(db, first.id)
    assert saved.folder == "saved"
    assert [m.id for m in messages(db, "101", "saved")] == [first.id]
    assert counts(db, "101") == (1, 1)

    delete_message(db, data_dir, first.id)
    assert not path.exists()
    assert counts(db, "101") == (1, 0)
    with pytest.raises(MailboxError, match=f"voicemail message {first.id} does not exist"):
        save_message(db, first.id)
    with pytest.raises(MailboxError, match="folder 'old' is not known; use one of: new, saved"):
        messages(db, "101", "old")


def test_forwarded_message_is_a_new_copy_in_the_other_mailbox(db: sqlite_utils.Database, data_dir: Path,
                                                              record: Recorder) -> None:
    original = leave_message(db, data_dir, record, hz=600.0)
    save_message(db, original.id)
    forwarded = forward_message(db, data_dir, original.id, "102")
    assert messages(db, "102", "new") == [forwarded]
    assert (forwarded.caller, forwarded.caller_name, forwarded.received_at, forwarded.seconds) == (
        original.caller, original.caller_name, original.received_at, original.seconds)
    copy = message_path(data_dir, forwarded)
    assert copy.parent.name == "102" and copy.read_bytes() == message_path(data_dir, original).read_bytes()
    delete_message(db, data_dir, original.id)
    assert has_tone(copy, 600, 2.5)
    with pytest.raises(MailboxError, match="no mailbox 555"):
        forward_message(db, data_dir, forwarded.id, "555")
    with pytest.raises(MailboxError, match="already in mailbox 102"):
        forward_message(db, data_dir, forwarded.id, "102")


@pytest.mark.parametrize(
    ("seconds", "rate", "channels"),
    [(0.5, 8000, 1), (3.0, 16000, 1), (3.0, 8000, 2), (None, 8000, 1), (0.0, 8000, 1)],
    ids=["too-short", "16kHz", "stereo", "corrupt", "empty"],
)
def test_unusable_recording_is_refused_and_leaves_nothing(db: sqlite_utils.Database, data_dir: Path,
                                                          record: Recorder, seconds: float | None, rate: int,
                                                          channels: int) -> None:
    path = recording_path(data_dir, "101")
    if seconds is None:
        path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage from a recorder that died")
    else:
        record(path, seconds, rate=rate, channels=channels)
    assert store_message(db, data_dir, "101", "0301234567", "Jane Doe", path) is None
    assert not path.exists()
    assert files_of(data_dir, "101") == []
    assert counts(db, "101") == (0, 0)


def test_recording_for_a_missing_mailbox_is_refused(db: sqlite_utils.Database, data_dir: Path,
                                                    record: Recorder) -> None:
    path = record(data_dir / "stray.wav", 3.0)
    with pytest.raises(MailboxError, match="no mailbox 555"):
        store_message(db, data_dir, "555", "0301234567", "", path)
    assert not path.exists()
    with pytest.raises(MailboxError, match="is not valid"):
        recording_path(data_dir, "../101")


def test_recording_from_another_folder_is_moved_in_whole(db: sqlite_utils.Database, data_dir: Path,
                                                         record: Recorder, tmp_path: Path) -> None:
    outside = record(tmp_path / "elsewhere.wav", 2.0)
    message = store_message(db, data_dir, "101", "0301234567", "", outside)
    assert message is not None and not outside.exists()
    assert load_wav(message_path(data_dir, message)).seconds == pytest.approx(2.0)


def test_caller_name_cannot_break_lines(db: sqlite_utils.Database, data_dir: Path, record: Recorder) -> None:
    message = leave_message(db, data_dir, record, caller_name="Eve\r\nBcc: everyone@example.com")
    assert "\n" not in message.caller_name and "\r" not in message.caller_name


def test_crash_between_file_and_row_is_put_right_by_the_sweep(db: sqlite_utils.Database, data_dir: Path,
                                                              record: Recorder) -> None:
    """A process killed mid-recording and one killed after the rename but before the insert."""
    kept = leave_message(db, data_dir, record)
    unfinished = record(recording_path(data_dir, "102"), 1.5)
    recorded = record(recording_path(data_dir, "101"), 2.0, hz=600.0)
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from firmware.apps.voicemail import store
        from firmware.store.database import open_store
        store._insert = lambda *args, **kwargs: os._exit(9)  # the power goes off here
        data = Path({str(data_dir)!r})
        store.store_message(open_store(data), data, "101", "0301234567", "Jane", Path({str(recorded)!r}))
    """)
    died = subprocess.run([sys.executable, "-c", script], cwd=REPO, timeout=60, capture_output=True, text=True)
    assert died.returncode == 9, died.stderr
    assert not recorded.exists()
    assert counts(db, "101") == (1, 0)  # the file is in place, its row is not

    # A delete interrupted between file and row: the row is left without its file.
    gone = leave_message(db, data_dir, record, box="103")
    message_path(data_dir, gone).unlink()

    db.conn.close()
    db = open_store(data_dir)  # the restart
    sweep(db, data_dir)
    assert not unfinished.exists() and not list((data_dir / "voicemail" / "102" / "tmp").iterdir())
    assert counts(db, "103") == (0, 0)
    old, recovered = messages(db, "101", "new")
    assert old == kept
    assert (recovered.caller, recovered.seconds) == ("", 2.0)  # kept as a message from an unknown caller
    assert has_tone(message_path(data_dir, recovered), 600, 1.5)
    for box in ("101", "102", "103"):
        for message in messages(db, box, "new") + messages(db, box, "saved"):
            assert message_path(data_dir, message).is_file()
    sweep(db, data_dir)  # nothing more to do
    assert counts(db, "101") == (2, 0)
    db.conn.close()


def test_no_room_when_the_partition_is_short_of_the_minimum(db: sqlite_utils.Database, data_dir: Path,
                                                            record: Recorder) -> None:
    assert has_room(db, data_dir)
    # About 95 TiB: more than any data partition this runs on.
    set_setting(db, "min_free_mb", "100000000")
    assert not has_room(db, data_dir)
    recorded = record(recording_path(data_dir, "101"), 2.0)
    with pytest.raises(RecordingError, match="not enough free space"):
        save_greeting(db, data_dir, "101", "unavailable", recorded)
    assert not recorded.exists() and greeting_path(data_dir, "101", "unavailable") is None


def test_greeting_is_replaced_whole_and_a_bad_one_keeps_the_old(db: sqlite_utils.Database, data_dir: Path,
                                                                record: Recorder) -> None:
    assert greeting_path(data_dir, "101", "busy") is None
    save_greeting(db, data_dir, "101", "busy", record(recording_path(data_dir, "101"), 2.0, hz=600.0))
    first = greeting_path(data_dir, "101", "busy")
    assert first is not None and has_tone(first, 600, 1.5)
    save_greeting(db, data_dir, "101", "busy", record(recording_path(data_dir, "101"), 2.0, hz=1000.0))
    assert has_tone(first, 1000, 1.5) and not has_tone(first, 600, 0.1)
    short = record(recording_path(data_dir, "101"), 0.3)
    with pytest.raises(RecordingError, match="at least 1 s"):
        save_greeting(db, data_dir, "101", "busy", short)
    assert not short.exists() and has_tone(first, 1000, 1.5)
    assert greeting_path(data_dir, "101", "name") is None and greeting_path(data_dir, "101", "unavailable") is None
    with pytest.raises(MailboxError, match="greeting 'welcome' is not known"):
        greeting_path(data_dir, "101", "welcome")


CALLER = Guesser("0301234567", "trunk:prov")
OTHER = Guesser("0407654321", "trunk:prov")


def _check(db: sqlite_utils.Database, number: str, pin: str, guesser: Guesser, now: datetime | None = None) -> bool:
    return asyncio.run(check_pin(db, number, pin, guesser, now))


def test_wrong_pins_lock_the_caller_out(db: sqlite_utils.Database) -> None:
    set_pin(db, "101", "4826")
    assert mailbox(db, "101").has_pin
    now = datetime.now(UTC)
    assert not _check(db, "101", "1234", CALLER, now)
    assert not _check(db, "101", "5555", CALLER, now)
    assert not _check(db, "101", "9999", CALLER, now)  # third wrong: locked for 30 s
    assert not _check(db, "101", "4826", CALLER, now + timedelta(seconds=10))  # right, but locked
    assert _check(db, "101", "4826", OTHER, now)  # another caller is not locked out
    assert _check(db, "101", "4826", CALLER, now + timedelta(seconds=31))


def test_mailbox_without_pin_refuses_remote_login(db: sqlite_utils.Database) -> None:
    mailbox(db, "102")
    for pin in ("", "0000", "4826"):
        assert not _check(db, "102", pin, CALLER)
    assert not _check(db, "555", "4826", OTHER)  # no such mailbox: refused the same way


def test_bad_pin_and_email_are_refused_and_change_nothing(db: sqlite_utils.Database) -> None:
    with pytest.raises(PinError, match="too easy"):
        set_pin(db, "101", "1111")
    with pytest.raises(PinError, match="4 to 10 digits"):
        set_pin(db, "101", "12a4")
    with pytest.raises(MailboxError, match="e-mail 'jane@' is not an address"):
        set_email(db, "101", "jane@")
    with pytest.raises(MailboxError, match="needs the audio attached"):
        set_email(db, "101", "jane@example.com", attach=False, delete_after_email=True)
    assert mailbox(db, "101") == mailbox(db, "101").__class__("101", "", True, False, "", False)
    box = set_email(db, "101", "jane@example.com", attach=False)
    assert (box.email, box.attach, box.delete_after_email) == ("jane@example.com", False, False)
    assert set_email(db, "101", "").email == ""
