"""CRM lookups over real HTTP: the answers a CRM gives, the ones it should not, and slow ones."""
from __future__ import annotations

import asyncio
import logging
import time

import pytest
import sqlite_utils

from firmware.apps.icm.config import get_icm, set_icm
from firmware.apps.icm.crm import CrmError, parse_answer
from firmware.apps.icm.lookup import Found, find_employee
from tests.apps.icm.conftest import NOW, Answer, Crm, closed_port, record_call

CUSTOMER = "0301234567"


def lookup(db: sqlite_utils.Database, name: str, caller: str = CUSTOMER) -> Found | None:
    icm = get_icm(db, name)
    assert icm is not None
    return asyncio.run(find_employee(db, icm, caller, now=NOW))


@pytest.mark.parametrize(("path", "extension"), [("json", "102"), ("ext", "103"), ("text", "104"),
                                                 ("chunked", "103")])
def test_the_crm_names_the_employee(db: sqlite_utils.Database, crm: Crm, path: str, extension: str) -> None:
    url = crm.url(path)
    set_icm(db, "crm", sources=[url])
    assert lookup(db, "crm") == Found(extension, url)


def test_the_normalised_number_is_sent_url_encoded(db: sqlite_utils.Database, crm: Crm) -> None:
    set_icm(db, "crm", sources=[crm.url("json")], area_code="030")
    lookup(db, "crm", "0049 30 123-4567")
    lookup(db, "crm", "1234567")
    assert [path for path, _ in crm.requests] == ["/json/%2B49301234567", "/json/0301234567"]
    headers = crm.requests[0][1]
    assert headers["host"] == f"127.0.0.1:{crm.port}"
    assert "authorization" not in headers


def test_user_and_password_in_the_url_are_sent_as_basic_auth(db: sqlite_utils.Database, crm: Crm) -> None:
    url = f"http://pbx:s%40cret@127.0.0.1:{crm.port}/json/{{number}}"
    set_icm(db, "crm", sources=[url])
    assert lookup(db, "crm") == Found("102", url)
    assert crm.requests[0][1]["authorization"] == "Basic cGJ4OnNAY3JldA=="  # pbx:s@cret


@pytest.mark.parametrize(("path", "reason"), [
    ("missing", "answered 404 Not Found"),
    ("garbage", "neither JSON"),
    ("empty-json", 'names no "extension" or "ext"'),
    ("unknown-ext", "names 999 for 0301234567, which is not an extension"),
    ("manager", "names 104 for 0301234567, an exception of this destination"),
])
def test_an_unusable_answer_falls_to_the_next_source(db: sqlite_utils.Database, crm: Crm,
                                                     caplog: pytest.LogCaptureFixture, path: str,
                                                     reason: str) -> None:
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="103", days_ago=2)
    set_icm(db, "crm", sources=[crm.url(path), "cdr"], exceptions=["104"])
    with caplog.at_level(logging.INFO, logger="firmware.apps.icm"):
        assert lookup(db, "crm") == Found("103", "cdr")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert reason in warnings[0] and "trying the next source" in warnings[0]
    assert f"http://127.0.0.1:{crm.port}/{path}/" in warnings[0]


def test_a_crm_nobody_listens_on_falls_to_the_next_source(db: sqlite_utils.Database, crm: Crm,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    set_icm(db, "crm", sources=[f"http://127.0.0.1:{closed_port()}/x/{{number}}", crm.url("text")])
    with caplog.at_level(logging.WARNING, logger="firmware.apps.icm"):
        assert lookup(db, "crm") == Found("104", crm.url("text"))
    assert "cannot reach it" in caplog.text


def test_a_failed_tls_handshake_falls_to_the_next_source(db: sqlite_utils.Database, crm: Crm,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    # The stub speaks plain HTTP: an https lookup cannot even start.
    set_icm(db, "crm", sources=[f"https://127.0.0.1:{crm.port}/json/{{number}}", crm.url("text")])
    with caplog.at_level(logging.WARNING, logger="firmware.apps.icm"):
        assert lookup(db, "crm") == Found("104", crm.url("text"))
    assert "cannot reach it (SSL" in caplog.text


@pytest.mark.parametrize("path", ["slow", "trickle"])
def test_a_slow_crm_delays_the_caller_by_the_timeout_at_most(db: sqlite_utils.Database, crm: Crm,
                                                             caplog: pytest.LogCaptureFixture, path: str) -> None:
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="101", days_ago=1)
    set_icm(db, "crm", sources=[crm.url(path), "cdr"], timeout_ms=400)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="firmware.apps.icm"):
        found = lookup(db, "crm")
    elapsed = time.monotonic() - started
    assert found == Found("101", "cdr")
    assert 0.35 <= elapsed < 0.4 + 0.5
    assert "no answer within 400 ms" in caplog.text


def test_nobody_anywhere_finds_nobody(db: sqlite_utils.Database, crm: Crm) -> None:
    set_icm(db, "crm", sources=[crm.url("missing"), "cdr", crm.url("garbage")])
    assert lookup(db, "crm") is None
    assert len(crm.requests) == 2


def test_the_order_of_sources_decides(db: sqlite_utils.Database, crm: Crm) -> None:
    record_call(db, caller=CUSTOMER, called="4930100", answered_by="101", days_ago=1)
    set_icm(db, "crm-first", sources=[crm.url("json"), "cdr"])
    set_icm(db, "cdr-first", sources=["cdr", crm.url("json")])
    assert lookup(db, "crm-first") == Found("102", crm.url("json"))
    assert lookup(db, "cdr-first") == Found("101", "cdr")
    assert len(crm.requests) == 1  # the CRM is not asked once the call records answered
    # The call records know nobody: the CRM is asked next.
    assert lookup(db, "cdr-first", "0309999999") == Found("102", crm.url("json"))


def test_an_anonymous_caller_is_not_looked_up(db: sqlite_utils.Database, crm: Crm) -> None:
    set_icm(db, "crm", sources=[crm.url("slow")], timeout_ms=5000)
    started = time.monotonic()
    assert lookup(db, "crm", "anonymous") is None
    assert lookup(db, "crm", "") is None
    assert time.monotonic() - started < 0.2
    assert crm.requests == []


def test_an_oversized_answer_is_no_answer(db: sqlite_utils.Database, crm: Crm) -> None:
    crm.answers["huge"] = Answer(content_type="text/plain", body="1" * 20000)
    set_icm(db, "crm", sources=[crm.url("huge")])
    assert lookup(db, "crm") is None


@pytest.mark.parametrize(("content_type", "body", "extension"), [
    ("text/plain", b"101", "101"),
    ("text/plain", b" 102\r\n", "102"),
    ("application/json", b'{"extension": "103"}', "103"),
    ("application/json; charset=utf-8", b'{"ext": 104, "name": "x"}', "104"),
    ("text/plain", b'{"extension": " 101 "}', "101"),
    ("application/json", b"105", "105"),
])
def test_answers_understood(content_type: str, body: bytes, extension: str) -> None:
    assert parse_answer(content_type, body) == extension


@pytest.mark.parametrize(("content_type", "body", "reason"), [
    ("text/plain", b"", "empty"),
    ("text/plain", b"  \n", "empty"),
    ("text/plain", b"\xff\xfe1\x00", "not UTF-8"),
    ("text/plain", b"extension 101", "neither JSON"),
    ("text/html", b"<html>101</html>", "neither JSON"),
    ("application/json", b"{broken", "not valid JSON"),
    ("application/json", b"[101]", "not a JSON object"),
    ("application/json", b'"101"', "not a JSON object"),
    ("application/json", b'{"name": "Anna"}', 'names no "extension"'),
    ("application/json", b'{"extension": ""}', 'names no "extension"'),
    ("application/json", b'{"extension": true}', "is not an extension number"),
    ("application/json", b'{"extension": "10a"}', "is not an extension number"),
    ("application/json", b'{"extension": {"n": 1}}', "is not an extension number"),
    ("application/json", b'{"extension": 1.5}', "is not an extension number"),
])
def test_answers_refused(content_type: str, body: bytes, reason: str) -> None:
    with pytest.raises(CrmError, match=reason):
        parse_answer(content_type, body)
