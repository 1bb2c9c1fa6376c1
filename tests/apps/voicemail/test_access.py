"""The mailbox menu through the fake channel, where what it does off the event loop matters:
a new PIN keyed on the phone is hashed in a thread and then opens the mailbox."""
from __future__ import annotations

from pathlib import Path

import pytest

from firmware.apps.voicemail.store import check_pin, mailbox
from firmware.pins.guard import Guesser
from tests.conference.test_conference_logic import hear_prompts, settle
from tests.support.fake_channel import FakePbx, fake_pbx, run


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    return fake_pbx(tmp_path, ("101", "102"))


def test_a_pin_changed_from_the_own_phone_opens_the_mailbox_and_a_weak_one_is_refused(fake: FakePbx) -> None:
    async def scenario() -> None:
        w = fake.workers[0]
        leg = w.incoming("101", "*97")
        await hear_prompts(w, leg)
        w.press(leg, "9")
        assert (await hear_prompts(w, leg))[-1] == "new-pin"
        w.press(leg, "1111#")
        assert "pin-too-simple" in await hear_prompts(w, leg)
        assert not mailbox(fake.db, "101").has_pin
        w.press(leg, "9")
        await hear_prompts(w, leg)
        w.press(leg, "4826#")
        assert "pin-changed" in await hear_prompts(w, leg)
        w.event("ended", leg=leg, code=200, reason="BYE", by="remote")
        await settle()
        assert await check_pin(fake.db, "101", "4826", Guesser("0301234567", "trunk:prov"))
    run(scenario())
