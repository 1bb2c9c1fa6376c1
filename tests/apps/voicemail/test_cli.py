"""`minipbx voicemail ...` and the hidden mail password, run as a person runs them."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlite_utils

from firmware.apps.voicemail.store import recording_path, store_message
from firmware.pins.guard import pin_matches
from firmware.store.database import open_store
from tests.apps.voicemail.conftest import Recorder
from tests.cli.conftest import Cli


def _pin_hash(db: sqlite_utils.Database) -> str:
    return str(db.execute("SELECT pin_hash FROM mailboxes WHERE number = '101'").fetchone()[0])


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    return Cli(tmp_path / "data", workdir)


def test_mailbox_round_trip(cli: Cli, record: Recorder) -> None:
    cli.ok("ext", "add", "101", "--name", "Reception")
    assert cli.ok("voicemail", "show", "101").splitlines() == [
        "mailbox 101: 0 new, 0 saved", "PIN: not set (no listening from other phones)", "e-mail: none",
        "language: that of the caller"]

    said = cli.ok("voicemail", "pin", "101").splitlines()
    assert said[0] == "mailbox 101: PIN set"
    match = re.fullmatch(r"PIN ([0-9]{6})  \(shown once\)", said[1])
    assert match is not None
    db = open_store(cli.data_dir)
    assert pin_matches(_pin_hash(db), match.group(1))
    assert cli.ok("voicemail", "pin", "101", "48265") == "mailbox 101: PIN set\n"
    assert pin_matches(_pin_hash(db), "48265")

    assert cli.ok("voicemail", "email", "101", "jane@example.com", "--delete-after-email") == (
        "mailbox 101: new messages e-mailed to jane@example.com (audio attached, deleted after e-mail)\n")
    assert cli.ok("voicemail", "language", "101", "de") == "mailbox 101: its menu speaks de\n"
    assert cli.ok("voicemail", "show", "101").splitlines()[1:] == [
        "PIN: set", "e-mail: jane@example.com (audio attached, deleted after e-mail)", "language: de"]
    assert cli.ok("voicemail", "email", "101", "jane@example.com", "--no-attach").endswith("(without audio)\n")

    assert cli.ok("voicemail", "list", "101") == "mailbox 101: no messages\n"
    message = store_message(db, cli.data_dir, "101", "0301234567", "Jane Doe",
                            record(recording_path(cli.data_dir, "101"), 3.0))
    assert message is not None
    [listed] = json.loads(cli.ok("voicemail", "list", "101", "--json"))
    assert (listed["id"], listed["caller"], listed["caller_name"], listed["folder"], listed["seconds"],
            listed["emailed"]) == (message.id, "0301234567", "Jane Doe", "new", 3.0, False)
    header, row = cli.ok("voicemail", "list", "101").splitlines()
    assert header.split()[:3] == ["ID", "FOLDER", "RECEIVED"]
    assert row.split()[0:2] == [str(message.id), "new"] and "0301234567" in row and "3s" in row
    assert cli.ok("voicemail", "show", "101").splitlines()[0] == "mailbox 101: 1 new, 0 saved"
    db.conn.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["voicemail", "show", "555"], "minipbx: error: no mailbox 555: there is no such extension; see `ext list`"),
        (["voicemail", "pin", "101", "1111"], "minipbx: error: PIN 1111 is too easy to guess"),
        (["voicemail", "pin", "101", "12"], "minipbx: error: a PIN is 4 to 10 digits (0-9)"),
        (["voicemail", "pin", "555", "48265"], "minipbx: error: no mailbox 555"),
        (["voicemail", "email", "101", "jane.example.com"],
         "minipbx: error: e-mail 'jane.example.com' is not an address; use name@example.com"),
        (["voicemail", "list", "555"], "minipbx: error: no mailbox 555"),
        (["voicemail", "language", "101", "fr"], "minipbx: error: language 'fr' has no prompts; use one of: en, de"),
    ],
)
def test_refused_command_says_why_and_changes_nothing(cli: Cli, args: list[str], message: str) -> None:
    cli.ok("ext", "add", "101", "--name", "Reception")
    before = cli.snapshot()
    assert cli.fails(*args).startswith(message)
    assert cli.snapshot() == before


def test_mistyped_voicemail_command_is_one_line(cli: Cli) -> None:
    assert cli.fails("voicemail", "greet", "101", code=2).startswith("minipbx: error: argument voicemail_command")


def test_mail_password_is_never_shown(cli: Cli) -> None:
    assert cli.ok("config", "get", "smtp_password") == "(not set)\n"
    assert cli.ok("config", "set", "smtp_password", "hunter2-Secret") == "smtp_password = (set)\n"
    assert cli.ok("config", "get", "smtp_password") == "(set)\n"
    listing = cli.ok("config")
    assert "hunter2" not in listing
    [line] = [line for line in listing.splitlines() if line.startswith("smtp_password ")]
    assert line.split()[1] == "(set)"
    assert cli.ok("config", "set", "smtp_user", "voicemail") == "smtp_user = voicemail\n"  # others are shown
