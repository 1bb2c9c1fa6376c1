"""Returning-caller destinations: stored as given, every bad value refused with what is accepted."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from firmware.apps.destinations import check_destination
from firmware.apps.icm.config import IcmDestination, IcmError, get_icm, list_icm, remove_icm, set_icm
from firmware.store.extensions import remove_extension

CRM_URL = "https://crm.example.com/owner?phone={number}"


def test_a_new_destination_gets_the_defaults_and_becomes_a_destination(db: sqlite_utils.Database) -> None:
    icm = set_icm(db, "returning")
    assert icm == IcmDestination("returning", days=30, sources=("cdr",), timeout_ms=1500, exceptions=(),
                                 follow_forwarding=False, area_code="", fallback="hangup", ring_seconds=20)
    assert get_icm(db, "returning") == icm
    assert check_destination(db, "icm:returning") == "icm:returning"


def test_every_field_round_trips(db: sqlite_utils.Database) -> None:
    set_icm(db, "sales", days=90, sources=[CRM_URL, "cdr"], timeout_ms=800, exceptions=["101", "104", "101"],
            follow_forwarding=True, area_code="030", fallback="ext:101", ring_seconds=25)
    assert get_icm(db, "sales") == IcmDestination(
        "sales", days=90, sources=(CRM_URL, "cdr"), timeout_ms=800, exceptions=("101", "104"),
        follow_forwarding=True, area_code="030", fallback="ext:101", ring_seconds=25)


def test_a_change_keeps_what_it_does_not_mention(db: sqlite_utils.Database) -> None:
    set_icm(db, "sales", days=90, exceptions=["104"], fallback="ext:101", follow_forwarding=True)
    changed = set_icm(db, "sales", days=7)
    assert (changed.days, changed.exceptions, changed.fallback, changed.follow_forwarding) == (7, ("104",),
                                                                                                "ext:101", True)
    # An excepted extension removed later does not block other changes.
    remove_extension(db, "104")
    assert set_icm(db, "sales", ring_seconds=30).exceptions == ("104",)
    assert set_icm(db, "sales", exceptions=[""]).exceptions == ()


def test_list_is_sorted_and_masks_passwords(db: sqlite_utils.Database) -> None:
    set_icm(db, "zeta")
    set_icm(db, "alpha", sources=["https://pbx:s3cret@crm.example.com/x/{number}"])
    destinations = list_icm(db)
    assert [d.name for d in destinations] == ["alpha", "zeta"]
    assert destinations[0].sources == ("https://pbx:s3cret@crm.example.com/x/{number}",)
    assert destinations[0].public()["sources"] == ["https://pbx:***@crm.example.com/x/{number}"]
    assert "s3cret" not in str(destinations[0].public())


def test_a_fallback_may_be_another_returning_caller_destination_but_not_itself(db: sqlite_utils.Database) -> None:
    set_icm(db, "second")
    assert set_icm(db, "first", fallback="icm:second").fallback == "icm:second"
    with pytest.raises(IcmError, match=r"fallback 'icm:first' is not accepted: it is this destination itself"):
        set_icm(db, "first", fallback="icm:first")


@pytest.mark.parametrize(("fields", "message"), [
    ({"days": 0}, r"days 0 is not accepted; use a whole number of days 1-3650"),
    ({"days": 3651}, r"days 3651 is not accepted; use a whole number of days 1-3650"),
    ({"days": True}, r"days True is not accepted"),
    ({"timeout_ms": 99}, r"timeout 99 is not accepted; use a whole number of milliseconds 100-10000"),
    ({"timeout_ms": 10001}, r"timeout 10001 is not accepted; use a whole number of milliseconds 100-10000"),
    ({"ring_seconds": 4}, r"ring time 4 is not accepted; use a whole number of seconds 5-300"),
    ({"sources": []}, r"no source given; use one or more of: cdr or an http:// or https:// URL"),
    ({"sources": ["crm"]}, r"source 'crm' is not accepted; use cdr or an http:// or https:// URL with a host "
                           r"and \{number\}"),
    ({"sources": ["ftp://crm.example.com/{number}"]}, r"source 'ftp://crm.example.com/\{number\}' is not accepted"),
    ({"sources": ["https:///lookup/{number}"]}, r"source 'https:///lookup/\{number\}' is not accepted; use cdr"),
    ({"sources": ["https://crm.example.com/lookup"]}, r"source 'https://crm.example.com/lookup' is not accepted: "
                                                      r"it has no \{number\} in its path or query"),
    ({"sources": ["https://{number}.crm.example.com/"]}, r"it has no \{number\} in its path or query"),
    ({"sources": ["https://crm.example.com:port/{number}"]}, r"is not accepted: the address is malformed"),
    ({"sources": ["https://crm.example.com/a b/{number}"]}, r"a URL has no spaces or control characters"),
    ({"sources": ["cdr", CRM_URL, "cdr"]}, r"source 'cdr' is listed twice; give each source once"),
    ({"exceptions": ["101", "999"]}, r"exception '999' is not an existing extension; give extension numbers"),
    ({"fallback": "ext:999"}, r"fallback 'ext:999' is not accepted: .*extension 999 does not exist"),
    ({"fallback": "somewhere"}, r"fallback 'somewhere' is not accepted: .*use ext:NUMBER"),
    ({"fallback": "icm:nosuch"}, r"fallback 'icm:nosuch' is not accepted: .*returning-caller destination nosuch"),
    ({"area_code": "30"}, r"area code '30' is not accepted; use '' or digits as dialled in the country, starting "
                          r"with 0 \(e.g. 030\), or international with \+ \(e.g. \+4930\)"),
    ({"area_code": "abc"}, r"area code 'abc' is not accepted"),
])
def test_bad_values_are_refused_and_nothing_changes(db: sqlite_utils.Database, fields: dict[str, Any],
                                                    message: str) -> None:
    before = set_icm(db, "sales", days=45, sources=["cdr"], exceptions=["104"], area_code="030")
    with pytest.raises(IcmError, match=message):
        set_icm(db, "sales", follow_forwarding=True, **fields)
    assert get_icm(db, "sales") == before
    with pytest.raises(IcmError, match=message):
        set_icm(db, "new-one", **fields)
    assert get_icm(db, "new-one") is None


@pytest.mark.parametrize("name", ["", "bad name", "-dash-first", "x" * 41, "a/b", "ümlaut"])
def test_bad_names_are_refused(db: sqlite_utils.Database, name: str) -> None:
    with pytest.raises(IcmError, match=r"name .* is not accepted; use 1-40 letters, digits, '_', '.', '-'"):
        set_icm(db, name)
    assert list_icm(db) == []


def test_remove(db: sqlite_utils.Database) -> None:
    set_icm(db, "returning")
    remove_icm(db, "returning")
    assert get_icm(db, "returning") is None
    with pytest.raises(IcmError, match=r"returning-caller destination 'returning' does not exist; see `icm list`"):
        remove_icm(db, "returning")


def test_a_destination_still_in_use_is_not_removed(db: sqlite_utils.Database) -> None:
    set_icm(db, "returning")
    set_icm(db, "other", fallback="icm:returning")
    db.execute("INSERT INTO inbound_routes (trunk, did, mode, destination) VALUES ('prov', '', '*', 'icm:returning')")
    with pytest.raises(IcmError, match=r"returning-caller destination returning cannot be removed: icm:returning "
                                       r"is still used by inbound route prov/any/\*, returning-caller destination "
                                       r"other fallback; change those first"):
        remove_icm(db, "returning")
    assert get_icm(db, "returning") is not None
