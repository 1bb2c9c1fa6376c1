"""Voicemail messages left straight in the store (as the mailbox app keeps a recording), for the API's
and the web admin's tests."""
from __future__ import annotations

from pathlib import Path

from firmware.apps.voicemail.store import store_message
from firmware.store.database import open_store
from tests.support.audio import synth_tone, write_wav


def leave_message(data_dir: Path, mailbox: str, caller: str, caller_name: str, hz: int = 700,
                  seconds: float = 2.0) -> int:
    db = open_store(data_dir)
    try:
        recorded = write_wav(data_dir / f"left-{mailbox}-{caller}-{hz}.wav", synth_tone(hz, seconds))
        message = store_message(db, data_dir, mailbox, caller, caller_name, recorded)
        assert message is not None
        return message.id
    finally:
        db.conn.close()
