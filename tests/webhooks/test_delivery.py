"""Webhooks delivered to a real HTTP receiver: signed, retried while it is down, kept across a restart."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from firmware.store.cdr import CallRecord
from firmware.store.database import open_store
from firmware.webhooks.hooks import call_ended
from firmware.webhooks.signing import verify
from tests.support.api import Api
from tests.support.receiver import Receiver

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _record(call_id: str, answered: bool) -> CallRecord:
    return CallRecord(call_id=call_id, caller="0401234567", called="101", started_at=START,
                      ended_at=START + timedelta(seconds=40),
                      answered_at=START + timedelta(seconds=5) if answered else None,
                      answered_by="101" if answered else None,
                      disposition="answered" if answered else "no_answer",
                      hangup_cause="the caller hung up", hangup_by="caller", trunk="prov", did="4930100")


def test_signed_deliveries_and_retries_while_the_receiver_fails(api: Api) -> None:
    receiver = Receiver()
    try:
        with api.as_admin() as admin:
            bad = admin.post("/api/webhooks", json={"name": "crm", "url": "ftp://x", "events": ["call.ended"]})
            assert bad.status_code == 422
            assert bad.json()["error"] == "webhook URL 'ftp://x' is not accepted; use http://HOST/... or https://HOST/..."
            unknown = admin.post("/api/webhooks", json={"name": "crm", "url": receiver.url, "events": ["call.parked"]})
            assert unknown.json()["error"] == ("event 'call.parked' is not known; use any of: call.ringing, "
                                               "call.answered, call.transferred, call.ended, call.missed")
            created = admin.post("/api/webhooks", json={"name": "crm", "url": receiver.url})
            assert created.status_code == 201
            secret = created.json()["secret"]
            receiver.fail_next = 2
            db = open_store(api.data_dir)
            call_ended(db, _record("answered-1", answered=True))
            call_ended(db, _record("missed-1", answered=False))
            got = receiver.wait(3)
            events = sorted((json.loads(r.body)["event"], json.loads(r.body)["call_id"]) for r in got)
            assert events == [("call.ended", "answered-1"), ("call.ended", "missed-1"), ("call.missed", "missed-1")]
            for r in got:
                assert r.headers["x-minipbx-event"] == json.loads(r.body)["event"]
                assert verify(secret, r.headers["x-minipbx-timestamp"], r.body, r.headers["x-minipbx-signature"])
                assert not verify("another-secret", r.headers["x-minipbx-timestamp"], r.body,
                                  r.headers["x-minipbx-signature"])
            # The receiver has them; the sender records the last answers a moment later.
            deadline = time.monotonic() + 5
            while True:
                log = admin.get("/api/webhooks/crm/deliveries").json()
                if all(entry["delivered_at"] for entry in log) or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert sum(entry["attempts"] for entry in log) == 5  # 3 deliveries, 2 refused first
            assert all(entry["delivered_at"] and not entry["next_attempt_at"] for entry in log)
    finally:
        receiver.close()


def test_nothing_is_lost_while_the_receiver_and_the_api_are_down(api: Api) -> None:
    receiver = Receiver()
    port = receiver.port
    receiver.close()  # down: connections are refused
    with api.as_admin() as admin:
        secret = admin.post("/api/webhooks", json={"name": "crm", "url": f"http://127.0.0.1:{port}/events",
                                                   "events": ["call.missed"]}).json()["secret"]
        db = open_store(api.data_dir)
        call_ended(db, _record("answered-2", answered=True))  # not subscribed: nothing queued
        call_ended(db, _record("missed-2", answered=False))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            [entry] = admin.get("/api/webhooks/crm/deliveries").json()
            if entry["attempts"] >= 1:
                break
            time.sleep(0.1)
        assert entry["last_error"].startswith("ConnectError") and entry["next_attempt_at"]
    api.stop()
    receiver = Receiver(port)
    try:
        api.start()
        [got] = receiver.wait(1, timeout=20)
        body = json.loads(got.body)
        assert (body["event"], body["call_id"], body["disposition"], body["trunk"]) == \
            ("call.missed", "missed-2", "no_answer", "prov")
        assert verify(secret, got.headers["x-minipbx-timestamp"], got.body, got.headers["x-minipbx-signature"])
    finally:
        receiver.close()
