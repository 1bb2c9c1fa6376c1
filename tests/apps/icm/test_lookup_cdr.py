"""The employee who last talked with a number, from the call records the brain writes."""
from __future__ import annotations

import asyncio
from datetime import datetime

import sqlite_utils

from firmware.apps.icm.config import IcmDestination, set_icm
from firmware.apps.icm.lookup import Found, find_employee
from firmware.store.extensions import remove_extension
from firmware.store.settings import set_setting
from tests.apps.icm.conftest import NOW, record_call

CUSTOMER = "0301234567"


def lookup(db: sqlite_utils.Database, icm: IcmDestination, caller: str, now: datetime = NOW) -> Found | None:
    return asyncio.run(find_employee(db, icm, caller, now=now))


def test_an_inbound_caller_reaches_whoever_answered_them_last(db: sqlite_utils.Database) -> None:
    icm = set_icm(db, "returning")
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="102", days_ago=10)
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="103", days_ago=2)
    record_call(db, caller="0309999999", called="4930100", answered_by="101", days_ago=1)
    assert lookup(db, icm, CUSTOMER) == Found("103", "cdr")


def test_an_outbound_call_counts_as_talking_with_the_number(db: sqlite_utils.Database) -> None:
    icm = set_icm(db, "returning")
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="102", days_ago=5)
    # As the brain writes it: called as dialled (outside prefix 0 included), answered_by the number.
    record_call(db, caller="104", called="0" + CUSTOMER, answered_by=CUSTOMER, days_ago=1)
    assert lookup(db, icm, CUSTOMER) == Found("104", "cdr")
    # A camp-on callback records the number without the prefix.
    record_call(db, caller="101", called=CUSTOMER, answered_by=CUSTOMER, days_ago=0.5)
    assert lookup(db, icm, CUSTOMER) == Found("101", "cdr")


def test_calls_that_were_not_answered_do_not_count(db: sqlite_utils.Database) -> None:
    icm = set_icm(db, "returning")
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="102", days_ago=3)
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="103", days_ago=1, disposition="no_answer")
    record_call(db, caller="104", called="0" + CUSTOMER, answered_by=None, days_ago=1, disposition="busy")
    assert lookup(db, icm, CUSTOMER) == Found("102", "cdr")


def test_only_calls_within_the_days_window_count(db: sqlite_utils.Database) -> None:
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="102", days_ago=40)
    assert lookup(db, set_icm(db, "returning", days=30), CUSTOMER) is None
    assert lookup(db, set_icm(db, "returning", days=41), CUSTOMER) == Found("102", "cdr")
    # Calls after the moment asked about do not count either.
    october_12 = NOW.replace(month=10, day=12)
    assert lookup(db, set_icm(db, "returning", days=5), CUSTOMER, now=october_12) == Found("102", "cdr")
    assert lookup(db, set_icm(db, "returning", days=1), CUSTOMER, now=NOW.replace(month=10, day=1)) is None


def test_exceptions_are_skipped_for_the_next_most_recent(db: sqlite_utils.Database) -> None:
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="102", days_ago=9)
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="103", days_ago=5)
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="101", days_ago=1)
    record_call(db, caller="101", called="0" + CUSTOMER, answered_by=CUSTOMER, days_ago=0.5)
    icm = set_icm(db, "returning", exceptions=["101"])
    assert lookup(db, icm, CUSTOMER) == Found("103", "cdr")
    icm = set_icm(db, "returning", exceptions=["101", "103"])
    assert lookup(db, icm, CUSTOMER) == Found("102", "cdr")
    icm = set_icm(db, "returning", exceptions=["101", "102", "103"])
    assert lookup(db, icm, CUSTOMER) is None


def test_a_deleted_extension_is_skipped(db: sqlite_utils.Database) -> None:
    icm = set_icm(db, "returning")
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="102", days_ago=6)
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="103", days_ago=2)
    remove_extension(db, "103")
    assert lookup(db, icm, CUSTOMER) == Found("102", "cdr")


def test_internal_calls_are_not_calls_with_an_outside_number(db: sqlite_utils.Database) -> None:
    icm = set_icm(db, "returning")
    # Extension 102 called extension 103: no trunk.
    record_call(db, caller="102", called="103", answered_by="103", days_ago=1, trunk=None)
    assert lookup(db, icm, "103") is None
    assert lookup(db, icm, "102") is None


def test_a_local_caller_matches_a_national_record_with_the_destinations_area_code(db: sqlite_utils.Database) -> None:
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="102", days_ago=3)
    assert lookup(db, set_icm(db, "returning"), "1234567") is None
    assert lookup(db, set_icm(db, "returning", area_code="030"), "1234567") == Found("102", "cdr")
    assert lookup(db, set_icm(db, "returning", area_code="089"), "1234567") is None


def test_the_area_code_setting_is_the_default(db: sqlite_utils.Database) -> None:
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="102", days_ago=3)
    icm = set_icm(db, "returning")
    set_setting(db, "area_code", "030")
    assert lookup(db, icm, "1234567") == Found("102", "cdr")
    # The destination's own area code wins over the setting.
    assert lookup(db, set_icm(db, "returning", area_code="089"), "1234567") is None


def test_a_record_of_a_local_number_matches_the_caller_presenting_it_nationally(db: sqlite_utils.Database) -> None:
    # An analog exchange line presents local callers without the area code.
    record_call(db, caller="1234567", called="", answered_by="103", days_ago=3, trunk="fxo1")
    icm = set_icm(db, "returning", area_code="030")
    assert lookup(db, icm, "030 123 45 67") == Found("103", "cdr")
    # Dialled out locally from extension 104 (0 + 1234567).
    record_call(db, caller="104", called="01234567", answered_by="1234567", days_ago=1, trunk="fxo1")
    assert lookup(db, icm, CUSTOMER) == Found("104", "cdr")


def test_plus_and_double_zero_forms_match_each_other(db: sqlite_utils.Database) -> None:
    icm = set_icm(db, "returning")
    record_call(db, caller="+49301234567", called="4930100", answered_by="102", days_ago=3)
    assert lookup(db, icm, "0049301234567") == Found("102", "cdr")
    assert lookup(db, icm, "+49 (30) 1234567") == Found("102", "cdr")
    # Extension 103 dialled 0 + 0049..., so the record says 00049...
    record_call(db, caller="103", called="00049301234567", answered_by="0049301234567", days_ago=1)
    assert lookup(db, icm, "+49301234567") == Found("103", "cdr")


def test_a_changed_outside_prefix_is_followed(db: sqlite_utils.Database) -> None:
    set_setting(db, "outside_prefix", "9")
    record_call(db, caller="104", called="9" + CUSTOMER, answered_by=CUSTOMER, days_ago=1)
    assert lookup(db, set_icm(db, "returning"), CUSTOMER) == Found("104", "cdr")


def test_anonymous_and_malformed_callers_find_nobody(db: sqlite_utils.Database) -> None:
    icm = set_icm(db, "returning")
    # The brain records a caller without a number as 'anonymous'.
    record_call(db, caller="anonymous", called="4930100", answered_by="102", days_ago=1)
    record_call(db, caller="", called="4930100", answered_by="102", days_ago=1)
    for caller in ("anonymous", "", "  ", "unknown", "abc123", "+"):
        assert lookup(db, icm, caller) is None


def test_nothing_recorded_finds_nobody(db: sqlite_utils.Database) -> None:
    assert lookup(db, set_icm(db, "returning"), CUSTOMER) is None
