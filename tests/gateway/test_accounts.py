"""The SIP accounts of the gateway's ports and lines, in a real store."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from firmware.gateway.accounts import provision_line, provision_port, release_port
from firmware.store.database import open_store
from firmware.store.extensions import add_extension, get_extension, list_extensions, remove_extension, set_password
from firmware.store.passwords import digest_ha1
from firmware.trunks.config import get_trunk
from firmware.trunks.lines import line_caller_display, line_trunk, parse_line_caller


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    store = open_store(tmp_path / "data")
    yield store
    store.conn.close()


def _digest_matches(db: sqlite_utils.Database, user: str, password: str) -> bool:
    ha1 = db.execute("SELECT ha1 FROM subscriber WHERE username = ?", [user]).fetchone()[0]
    return bool(digest_ha1(user, "minipbx", password)[0] == ha1)


def test_a_port_gets_the_lowest_free_number_once(db: sqlite_utils.Database) -> None:
    add_extension(db, "100", "Reception")
    first = provision_port(db, "fxs1", "fxs")
    assert first.username == "101"
    assert _digest_matches(db, "101", first.password)
    again = provision_port(db, "fxs1", "fxs")
    assert again == first
    extension = get_extension(db, "101")
    assert extension is not None and (extension.name, extension.device) == ("Analog phone fxs1", "fxs1")
    assert [e.device for e in list_extensions(db)] == ["", "fxs1"]


def test_a_changed_password_is_replaced_so_the_port_can_register(db: sqlite_utils.Database) -> None:
    port = provision_port(db, "dect1", "dect")
    set_password(db, port.username, "Another-pass-77")
    again = provision_port(db, "dect1", "dect")
    assert again.password != port.password
    assert _digest_matches(db, port.username, again.password)


def test_a_door_station_may_only_call_inside(db: sqlite_utils.Database) -> None:
    door = provision_port(db, "door1", "door")
    cos = db.execute("SELECT cos FROM extensions WHERE number = ?", [door.username]).fetchone()[0]
    assert cos == "internal"


def test_removing_a_port_extension_forgets_its_password(db: sqlite_utils.Database) -> None:
    port = provision_port(db, "fxs2", "fxs")
    remove_extension(db, port.username)
    assert db.execute("SELECT COUNT(*) FROM gateway_accounts").fetchone()[0] == 0
    assert provision_port(db, "fxs2", "fxs").username == port.username


def test_an_fxo_line_is_a_trunk_and_an_internal_account(db: sqlite_utils.Database) -> None:
    line = provision_line(db, "fxo1")
    assert line.username == "line-fxo1"
    trunk = get_trunk(db, "fxo1")
    assert trunk is not None and (trunk.kind, trunk.channels, trunk.register) == ("fxo", 1, False)
    assert _digest_matches(db, "line-fxo1", line.password)
    assert list_extensions(db) == []  # internal: not an extension
    assert provision_line(db, "fxo1") == line
    assert line_trunk(db, "line-fxo1") == "fxo1"
    assert line_trunk(db, "line-nope") is None
    assert line_trunk(db, "101") is None


@pytest.mark.parametrize(
    ("number", "name", "parsed"),
    [("0401234567", "ACME Oy", ("0401234567", "ACME Oy")), ("+3589123", "", ("+3589123", "")),
     ("P", "", ("anonymous", "")), ("", "", ("anonymous", ""))],
)
def test_caller_id_rides_in_the_display_name(number: str, name: str, parsed: tuple[str, str]) -> None:
    assert parse_line_caller(line_caller_display(number, name)) == parsed


def test_a_deregistered_handset_leaves_its_extension_without_a_device(db: sqlite_utils.Database) -> None:
    add_extension(db, "100", "Reception")
    handset = provision_port(db, "dect3", "dect", wanted="150")
    assert release_port(db, "dect3") == "150"
    extension = get_extension(db, "150")
    assert extension is not None and extension.device == ""
    assert db.execute("SELECT 1 FROM gateway_accounts WHERE device = 'dect3'").fetchone() is None
    # The old handset's SIP password no longer works; a new handset in that slot is someone new.
    assert not _digest_matches(db, "150", handset.password)
    newcomer = provision_port(db, "dect3", "dect")
    assert newcomer.username == "101" and newcomer.password != handset.password
    assert release_port(db, "dect9") is None
