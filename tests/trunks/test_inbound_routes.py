"""Inbound routes and VIP callers take every destination a call application offers."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from firmware.apps.ivr.config import set_menu
from firmware.apps.ringgroups.config import set_ring_group
from firmware.store.database import open_store
from firmware.store.extensions import add_extension
from firmware.trunks.config import add_sip_trunk
from firmware.trunks.inbound import RouteError, inbound_destination, routes, set_caller_list, set_route


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    store = open_store(tmp_path / "data")
    add_extension(store, "101", "Reception")
    add_sip_trunk(store, "prov", "192.0.2.1", username="acme", password="Trunk-pass-1234")
    set_ring_group(store, "sales", members=["101"])
    set_menu(store, "main")
    yield store
    store.conn.close()


@pytest.mark.parametrize("destination", [
    "group:sales", "ivr:main", "voicemail:101", "vmaccess", "number:0301234567", "ext:101", "hangup",
])
def test_a_route_takes_any_destination(db: sqlite_utils.Database, destination: str) -> None:
    set_route(db, "prov", "4930100", "day", destination)
    assert inbound_destination(db, "prov", "4930100", "0301111111", "day") == (destination, "route prov/4930100/day")


def test_routes_are_stored_in_normal_form(db: sqlite_utils.Database) -> None:
    set_route(db, "prov", "", "*", " group:sales ")
    assert [r["destination"] for r in routes(db)] == ["group:sales"]


def test_a_vip_caller_may_go_to_a_menu(db: sqlite_utils.Database) -> None:
    set_caller_list(db, "vip", "0301234567", "ivr:main")
    assert inbound_destination(db, "prov", "", "0301234567", "day") == ("ivr:main", "vip list")


@pytest.mark.parametrize(("destination", "message"), [
    ("group:nope", "destination 'group:nope': ring group nope does not exist; see `ringgroup list`"),
    ("ivr:nope", "destination 'ivr:nope': voice menu nope does not exist; see `ivr list`"),
    ("voicemail:999", "destination 'voicemail:999': no mailbox 999: there is no such extension"),
    ("ext:999", "destination 'ext:999': extension 999 does not exist; see `ext list`"),
    ("somewhere", "destination 'somewhere' is not accepted; use ext:NUMBER, group:NAME, ivr:NAME"),
])
def test_routes_to_nothing_are_refused_as_route_errors(db: sqlite_utils.Database, destination: str,
                                                       message: str) -> None:
    with pytest.raises(RouteError) as refused:
        set_route(db, "prov", "", "*", destination)
    assert message in str(refused.value)
    with pytest.raises(RouteError):
        set_caller_list(db, "vip", "0301234567", destination)
    assert routes(db) == []
