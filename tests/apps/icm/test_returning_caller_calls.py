"""Returning callers on a running PBX: a customer who calls again reaches the employee
who last talked with them (from the call records, or as a CRM names the manager), and
falls through to the normal destination when nobody is found or the employee does not answer."""
from __future__ import annotations

from datetime import UTC, datetime

from firmware.store.database import open_store
from tests.apps.icm.conftest import Crm, record_call
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx
from tests.support.provider import FakeProvider
from tests.support.trunking import DID, add_trunk, pstn_phone, wait_trunk

CUSTOMER = "5550003"


def _cli(pbx: RunningPbx, *args: str) -> None:
    result = pbx.minipbx(*args)
    assert result.returncode == 0, result.stderr


def _history(pbx: RunningPbx, caller: str, answered_by: str) -> None:
    db = open_store(pbx.data_dir)
    try:
        record_call(db, caller=caller, called=DID, answered_by=answered_by, days_ago=3, now=datetime.now(UTC))
    finally:
        db.conn.close()


def test_returning_caller_reaches_the_last_employee_then_falls_through(
        pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory) -> None:
    add_trunk(pbx, provider)
    reception, anna = pbx.phone("201"), pbx.phone("202", tone_hz=900)
    _cli(pbx, "icm", "set", "back", "--fallback", "ext:201", "--ring-seconds", "5")
    _cli(pbx, "route", "set", "prov", "icm:back")
    _history(pbx, CUSTOMER, "202")
    wait_trunk(pbx, "prov", "registered")
    customer = pstn_phone(phone_factory, provider, CUSTOMER, tone_hz=600)

    # Known caller: Anna rings, not reception.
    customer.call(f"sip:{DID}@{provider.registrar}")
    anna.wait("incoming")
    reception.expect_no("incoming", within=0.5)
    anna.answer(200)
    customer.wait("connected")
    customer.hangup()
    customer.wait("disconnected")
    row = pbx.wait_cdr(2)[-1]
    assert (row["caller"], row["answered_by"]) == (CUSTOMER, "202")
    assert row["route"] == "route prov/any/*; icm back: 202 from cdr"

    # Anna does not answer within 5 s: reception gets the call, never a dead end.
    customer.call(f"sip:{DID}@{provider.registrar}")
    rang = anna.wait("incoming")
    fell = reception.wait("incoming", timeout=8)
    assert 4.2 < fell["t"] - rang["t"] < 6.5
    reception.answer(200)
    customer.wait("connected")
    customer.hangup()
    row = pbx.wait_cdr(3)[-1]
    assert row["answered_by"] == "201"
    assert "202 no answer" in row["route"]


def test_new_caller_goes_to_the_fallback_and_the_crm_names_a_manager(
        pbx: RunningPbx, provider: FakeProvider, phone_factory: PhoneFactory, crm: Crm) -> None:
    add_trunk(pbx, provider)
    reception, manager = pbx.phone("201"), pbx.phone("103")
    _cli(pbx, "icm", "set", "back", "--source", crm.url("ext"), "cdr", "--fallback", "ext:201",
         "--timeout-ms", "800")
    _cli(pbx, "route", "set", "prov", "icm:back")
    wait_trunk(pbx, "prov", "registered")
    stranger = pstn_phone(phone_factory, provider, "5550005")
    stranger.call(f"sip:{DID}@{provider.registrar}")
    # The CRM stub names 103 for every number it is asked about.
    manager.wait("incoming")
    reception.expect_no("incoming", within=0.5)
    stranger.hangup()
    assert crm.requests and crm.requests[0][0].endswith("/5550005")
    row = pbx.wait_cdr(1)[-1]
    assert "; icm back: 103 from http://127.0.0.1" in row["route"]

    # A CRM that knows nobody and no call history: the fallback, at once.
    _cli(pbx, "icm", "set", "back", "--source", crm.url("missing"), "cdr")
    stranger.call(f"sip:{DID}@{provider.registrar}")
    reception.wait("incoming", timeout=5)
    stranger.hangup()
    row = pbx.wait_cdr(2)[-1]
    assert row["route"].endswith("; icm back: nobody found")
