"""What each busy lamp shows, from the switch's calls through the fake channel (no Kamailio,
no pjsua2), and the dialog-info document phones get."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from firmware.presence.dialog_info import NAMESPACE, Dialog, render
from firmware.presence.lamps import extension_dialogs, park_dialogs
from tests.support.fake_channel import FakePbx, fake_pbx, run


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    return fake_pbx(tmp_path, ("101", "102", "103"))


def _states(fake: FakePbx) -> dict[str, list[tuple[str, str, bool]]]:
    return {number: [(d.state, d.remote, d.held) for d in dialogs]
            for number, dialogs in extension_dialogs(fake.switch).items()}


def test_ringing_talking_holding_and_idle(fake: FakePbx) -> None:
    async def scenario() -> None:
        w = fake.workers[0]
        a = w.incoming("101", "102")
        b = w.dialled("102")
        w.event("progress", leg=b, code=180)
        assert _states(fake) == {"101": [("confirmed", "102", False)], "102": [("early", "101", False)]}
        w.event("answered", leg=b, call_id=f"cid-{b}")
        assert _states(fake) == {"101": [("confirmed", "102", False)], "102": [("confirmed", "101", False)]}
        w.event("held", leg=b)
        assert _states(fake)["102"] == [("confirmed", "101", True)]
        assert _states(fake)["101"] == [("confirmed", "102", False)]  # the held party's phone did not hold
        w.event("resumed", leg=b)
        assert _states(fake)["102"] == [("confirmed", "101", False)]
        w.event("ended", leg=a, code=200, reason="Normal call clearing")
        w.event("ended", leg=b, code=200, reason="Normal call clearing")
        assert _states(fake) == {}
    run(scenario())


def test_an_outside_callers_number_never_lights_a_same_numbered_extension(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.trunk()
        w = fake.workers[0]
        w.incoming("103", "102", trunk="prov")  # the provider's caller happens to be "103"
        states = _states(fake)
        assert "103" not in states or all(state != "confirmed" for state, _, _ in states["103"]), states
    run(scenario())


def test_a_parked_call_lights_its_slot_until_taken(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, _, b = fake.talk("101", "102")
        w.event("refer", leg=b, target="<sip:700@127.0.0.1:5060>")
        [(slot, dialogs)] = park_dialogs(fake.switch).items()
        assert slot == "701" and [(d.state, d.remote) for d in dialogs] == [("confirmed", "101")]
        w.incoming("103", "701")  # someone dials the slot and takes the call
        assert park_dialogs(fake.switch) == {}
    run(scenario())


def test_the_document_is_rfc_4235_and_escapes_names() -> None:
    body = render("102", "minipbx", (
        Dialog("w1-7", "early", "recipient", "101", 'Ann "the boss" <A&B>'),
        Dialog("w2-3", "confirmed", "initiator", "0301234567", held=True)))
    root = ET.fromstring(body)
    ns = {"d": NAMESPACE}
    assert root.get("entity") == "sip:102@minipbx" and root.get("state") == "full"
    first, second = root.findall("d:dialog", ns)
    assert first.findtext("d:state", None, ns) == "early"
    # A ringing dialog carries the handle a lamp key's Replaces names to pick it up.
    assert (first.get("call-id"), first.get("local-tag"), first.get("remote-tag")) == (
        "pickup-102-w1-7", "w1-7", "minipbx")
    assert second.get("call-id") is None  # nothing to pick up on a call in progress
    identity = first.find("d:remote/d:identity", ns)
    assert identity is not None and identity.get("display") == 'Ann "the boss" <A&B>'
    assert identity.text == "sip:101@minipbx"
    rendering = second.find("d:local/d:target/d:param", ns)
    assert rendering is not None and rendering.get("pname") == "+sip.rendering" and rendering.get("pvalue") == "no"
    # Idle: no dialog at all.
    assert ET.fromstring(render("102", "minipbx", ())).findall("d:dialog", ns) == []
