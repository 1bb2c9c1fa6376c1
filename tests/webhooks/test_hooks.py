"""Call events from the switch, through the fake channel: one call.ringing per extension whose
phones ring, call.answered for who took it, call.ended after the CDR row; queued for the
webhooks that want them and handed to the stream's watchers as they happen."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

from firmware.apps.ringgroups.config import set_ring_group
from firmware.webhooks.hooks import CallEventFeed
from firmware.webhooks.subscriptions import add_webhook
from tests.support.fake_channel import FakePbx


def test_a_ring_group_call_reports_each_ringing_phone_who_answered_and_the_end(tmp_path: Path) -> None:
    fake = FakePbx(tmp_path)
    for number in ("101", "102", "103"):
        fake.extension(number)
    set_ring_group(fake.db, "sales", number="600", members=["102", "103"], strategy="all")
    add_webhook(fake.db, "crm", "http://127.0.0.1:9/hook", ["call.ringing"])
    feed = CallEventFeed(fake.db)
    seen: list[tuple[str, dict[str, object]]] = []
    feed.watchers.append(lambda name, body: seen.append((name, json.loads(body))))
    feed.attach(fake.switch)

    async def scenario() -> None:
        w = fake.workers[0]
        a = w.incoming("101", "600")
        assert [(n, e["extension"]) for n, e in seen] == [("call.ringing", "102"), ("call.ringing", "103")]
        b = w.dialled("103")
        w.answer_leg(b)
        w.event("ended", leg=a, code=200, reason="OK", by="remote")
        w.event("ended", leg=b, code=200, reason="OK", by="pbx")
        for leg in [m["leg"] for m in w.commands("dial") if m["leg"] != b]:
            w.event("ended", leg=leg, code=487, reason="Request Terminated", by="pbx")
        await asyncio.sleep(0)  # the outbox is written after the switch's own work
    asyncio.run(scenario())
    names = [n for n, _ in seen]
    assert names == ["call.ringing", "call.ringing", "call.answered", "call.ended"]
    ringing, answered, ended = seen[0][1], seen[2][1], seen[3][1]
    assert (ringing["caller"], ringing["caller_name"], ringing["called"]) == ("101", "Extension 101", "600")
    assert answered["extension"] == "103" and ended["answered_by"] == "103"
    assert ringing["call"] == answered["call"] == ended["call"] and ringing["call_id"] == ended["call_id"]
    # The webhook wants ringing only: two rows, one per phone.
    queued = fake.db.execute("SELECT event, body FROM webhook_outbox ORDER BY id").fetchall()
    assert [(e, json.loads(b)["extension"]) for e, b in queued] == [("call.ringing", "102"), ("call.ringing", "103")]


def test_transfers_are_reported_with_who_sent_the_caller_on_and_where(tmp_path: Path) -> None:
    fake = FakePbx(tmp_path)
    for number in ("101", "102", "103", "104"):
        fake.extension(number)
    add_webhook(fake.db, "crm", "http://127.0.0.1:9/hook", ["call.transferred"])
    feed = CallEventFeed(fake.db)
    seen: list[dict[str, object]] = []
    feed.watchers.append(lambda name, body: seen.append(json.loads(body)) if name == "call.transferred" else None)
    feed.attach(fake.switch)

    async def scenario() -> None:
        w, _caller, b = fake.talk("101", "102")
        # Blind: 102's transfer key sends 101 to 103.
        w.event("refer", leg=b, target="<sip:103@127.0.0.1:5060>")
        c = w.dialled("103")
        w.answer_leg(c)
        # Attended: 103 consults 104 (*2), then hangs up, leaving 101 with 104.
        for digit in "*2104":
            w.event("dtmf", leg=c, digit=digit)
        d = w.dialled("104")
        w.answer_leg(d)
        w.event("ended", leg=c, code=200, reason="BYE", by="remote")
        await asyncio.sleep(0)  # the outbox is written after the switch's own work
    asyncio.run(scenario())
    assert [(e["caller"], e["transferred_by"], e["extension"], e["attended"]) for e in seen] == [
        ("101", "102", "103", False), ("101", "103", "104", True)]
    assert seen[0]["call"] == seen[1]["call"], "both transfers are of the same call"
    queued = fake.db.execute("SELECT event, body FROM webhook_outbox ORDER BY id").fetchall()
    assert [(e, json.loads(b)["transferred_by"]) for e, b in queued] == [("call.transferred", "102"),
                                                                           ("call.transferred", "103")]
