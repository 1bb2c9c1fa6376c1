"""Click-to-call and hanging up from outside a call, through the fake channel: the extension
rings first, then what it asked for is dialled as that extension; refusals come before anything
rings; a hang-up ends every party and the record says who did it."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from firmware.brain.call_commands import carry_out
from firmware.brain.calls import CallState
from firmware.brain.control import CallCommandRefused, ControlError, ControlServer, HangUp, Originate, Transfer, ask
from tests.support.fake_channel import FakePbx, fake_pbx, run


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    return fake_pbx(tmp_path, ("101", "102", "103"))



def _originate(fake: FakePbx, extension: str, number: str) -> str:
    answer = carry_out(fake.switch, Originate(extension=extension, number=number, by="key:crm"))
    return str(answer["call"])


def test_the_extension_rings_first_then_the_colleague(fake: FakePbx) -> None:
    async def scenario() -> None:
        call_id = _originate(fake, "101", "102")
        w = fake.workers[0]
        ring = w.last("dial")
        assert ring["uri"].startswith("sip:101@"), "the asking extension rings first"
        assert ring["from_uri"].startswith("<sip:102@"), "its phone shows the number it will call"
        assert not [m for m in w.sent if m["type"] == "dial" and str(m["uri"]).startswith("sip:102@")]
        w.answer_leg(ring["leg"])
        b = w.dialled("102")
        w.answer_leg(b)
        assert w.last("bridge") == {"type": "bridge", "a": ring["leg"], "b": b}
        call = fake.switch.calls[call_id]
        assert call.state is CallState.ANSWERED and call.caller == "101" and call.answered_by == "102"
        assert call.caller_name == "Extension 101", "the colleague sees who calls"
    run(scenario())


def test_an_outside_number_goes_out_as_the_extension(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.trunk()
        call_id = _originate(fake, "101", "0 30 123-4567")
        w = fake.workers[0]
        a = w.last("dial")["leg"]
        w.answer_leg(a)
        out = w.last("dial")
        # Out through the edge to the trunk, the outside-line 0 taken off, as the extension's caller ID.
        assert out["uri"].startswith("sip:301234567@") and out["from_uri"].startswith("<sip:101@"), out
        assert w.last("tone", a), "the extension hears ringback while the number rings"
        call = fake.switch.calls[call_id]
        assert call.route.startswith("click-to-call by key:crm") and call.caller_id == "101"
    run(scenario())


@pytest.mark.parametrize(("extension", "number", "kind", "words"), [
    ("109", "102", "not_found", "extension 109 does not exist"),
    ("101", "101", "invalid", "cannot call itself"),
    ("101", "12a", "invalid", "'12a' cannot be dialled"),
    ("101", "000441234567", "barred", "cannot call 000441234567"),
])
def test_refusals_come_before_anything_rings(fake: FakePbx, extension: str, number: str, kind: str,
                                             words: str) -> None:
    async def scenario() -> None:
        fake.trunk()
        with pytest.raises(CallCommandRefused) as refused:
            _originate(fake, extension, number)
        assert refused.value.kind == kind and words in str(refused.value)
        assert not fake.workers[0].commands("dial") and not fake.switch.calls
    run(scenario())


def test_an_extension_in_a_call_is_busy(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.talk("101", "103")
        with pytest.raises(CallCommandRefused) as refused:
            _originate(fake, "101", "102")
        assert refused.value.kind == "busy"
    run(scenario())


def test_not_answered_in_time_ends_without_dialling(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.switch.ring_timeout = lambda: 1  # type: ignore[method-assign]  # the setting's least is 5 s
        rows: list[object] = []
        fake.switch.on_call_ended.append(lambda call, record: rows.append(record))
        _originate(fake, "101", "102")
        w = fake.workers[0]
        a = w.last("dial")["leg"]
        await asyncio.sleep(1.3)
        assert w.last("hangup", a)
        w.event("ended", leg=a, code=487, reason="Request Terminated", by="pbx")
        assert not [m for m in w.sent if m["type"] == "dial" and str(m["uri"]).startswith("sip:102@")]
        [record] = rows
        assert record.disposition == "no_answer"  # type: ignore[attr-defined]
    run(scenario())


def test_hang_up_ends_both_parties_and_says_who(fake: FakePbx) -> None:
    async def scenario() -> None:
        rows: list[object] = []
        fake.switch.on_call_ended.append(lambda call, record: rows.append(record))
        w, a, b = fake.talk("101", "102")
        [call_id] = fake.switch.calls
        carry_out(fake.switch, HangUp(call=call_id, by="admin"))
        assert w.last("hangup", a) and w.last("hangup", b)
        w.event("ended", leg=a, code=200, reason="OK", by="pbx")
        w.event("ended", leg=b, code=200, reason="OK", by="pbx")
        [record] = rows
        assert record.hangup_cause == "hung up by admin" and record.answered_by == "102"  # type: ignore[attr-defined]
        with pytest.raises(CallCommandRefused) as refused:
            carry_out(fake.switch, HangUp(call=call_id, by="admin"))
        assert refused.value.kind == "not_found"
    run(scenario())


def test_the_control_socket_carries_call_commands_and_their_refusals(tmp_path: Path) -> None:
    """The wire between the API/CLI and the brain: a typed command out, the refusal's kind back."""
    seen: list[object] = []

    def command(c: object) -> dict[str, object]:
        seen.append(c)
        if isinstance(c, HangUp):
            raise CallCommandRefused(f"call {c.call} is not in progress", "not_found")
        return {"call": "c1"}

    async def status() -> dict[str, object]:
        return {}

    async def scenario() -> None:
        server = ControlServer(tmp_path / "control.sock", status, call_command=command)  # type: ignore[arg-type]
        await server.start()
        try:
            path = tmp_path / "control.sock"
            started = await asyncio.to_thread(ask, path, Originate(extension="101", number="102", by="admin"))
            assert started == {"call": "c1"}
            with pytest.raises(ControlError) as refused:
                await asyncio.to_thread(ask, path, HangUp(call="zz", by="admin"))
            assert (refused.value.kind, str(refused.value)) == ("not_found", "call zz is not in progress")
            with pytest.raises(ControlError) as unknown:
                await asyncio.to_thread(ask, path, "conference")
            assert unknown.value.kind == "invalid" and "accepted: status" in str(unknown.value)
        finally:
            await server.stop()
        assert seen == [Originate(extension="101", number="102", by="admin"), HangUp(call="zz", by="admin")]
    run(scenario())


def _transfer(fake: FakePbx, call_id: str, number: str, extension: str = "") -> None:
    carry_out(fake.switch, Transfer(call=call_id, extension=extension, number=number, by="admin"))


def test_transfer_sends_the_other_party_on_as_the_key_would(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        [call_id] = fake.switch.calls
        _transfer(fake, call_id, "103", extension="102")
        assert w.last("hangup", b), "the transferring party leaves"
        c = w.dialled("103")
        w.answer_leg(c)
        assert w.last("bridge") == {"type": "bridge", "a": a, "b": c}
        call = fake.switch.calls[call_id]
        assert call.answered_by == "103" and call.history.transferred_by == "102"
    run(scenario())


def test_a_call_with_one_extension_party_is_transferred_by_it(fake: FakePbx) -> None:
    async def scenario() -> None:
        fake.trunk()
        w = fake.workers[0]
        w.incoming("101", "0301234567")
        far = w.dialled("301234567")
        w.answer_leg(far)
        [call_id] = fake.switch.calls
        _transfer(fake, call_id, "102")  # 101 sends the outside party on
        w.answer_leg(w.dialled("102"))
        assert w.last("bridge")["a"] == far and fake.switch.calls[call_id].answered_by == "102"
    run(scenario())


@pytest.mark.parametrize(("number", "extension", "kind", "words"), [
    ("103", "", "invalid", "has 2 extension parties; say which one transfers (one of: 101, 102)"),
    ("103", "104", "invalid", "extension 104 is not a party of call"),
    ("000441234567", "102", "barred", "extension 102 cannot transfer to 000441234567"),
    ("*8", "102", "invalid", "cannot transfer to *8: not a number a call can be sent to"),
])
def test_transfer_refusals_leave_the_call_alone(fake: FakePbx, number: str, extension: str, kind: str,
                                                words: str) -> None:
    async def scenario() -> None:
        fake.trunk()
        w, _, _ = fake.talk("101", "102")
        [call_id] = fake.switch.calls
        w.clear()
        with pytest.raises(CallCommandRefused) as refused:
            _transfer(fake, call_id, number, extension=extension)
        assert refused.value.kind == kind and words in str(refused.value), str(refused.value)
        assert w.sent == [] and fake.switch.calls[call_id].state is CallState.ANSWERED
    run(scenario())


def test_a_ringing_call_cannot_be_transferred(fake: FakePbx) -> None:
    async def scenario() -> None:
        w = fake.workers[0]
        w.incoming("101", "102")
        [call_id] = fake.switch.calls
        with pytest.raises(CallCommandRefused) as refused:
            _transfer(fake, call_id, "103", extension="101")
        assert refused.value.kind == "busy" and "only an answered call can be transferred" in str(refused.value)
    run(scenario())
