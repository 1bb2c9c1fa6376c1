"""Busy lamps (BLF): desk phones watching extensions and park slots see idle, ringing,
busy and held as calls come and go, on whichever worker; a lamp on a ringing extension
picks the call up with the `**` code or with an INVITE carrying Replaces; only this PBX's
phones may watch."""
from __future__ import annotations

import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.conversation import connect, talk_and_hang_up
from tests.support.pbx import RunningPbx
from tests.support.sip_raw import RawSip, status_code

SCENARIOS = Path(__file__).parent / "scenarios"


def test_lamps_follow_ringing_answer_hold_and_hang_up(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    watcher = pbx.phone("103")
    watcher.watch("101")
    watcher.watch("102")
    watcher.lamp("101", "idle")
    watcher.lamp("102", "idle")
    a.call("102")
    b.wait("incoming")
    ringing = watcher.lamp("102", "ringing")
    # The ringing lamp names the caller, as desk phones show it on the key.
    assert [d["remote"] for d in ringing["dialogs"]] == ["101"], ringing
    watcher.lamp("101", "busy")  # dialling out counts as busy, so no key offers to pick it up
    b.answer()
    a.wait("connected")
    talking = watcher.lamp("102", "busy")
    assert [d["remote"] for d in talking["dialogs"]] == ["101"], talking
    b.hold()
    watcher.lamp("102", "held")
    b.resume()
    watcher.lamp("102", "busy")
    a.hangup()
    watcher.lamp("101", "idle")
    watcher.lamp("102", "idle")


@pytest.mark.parametrize("how", ["code", "replaces"])
def test_a_ringing_lamp_key_picks_the_call_up(pbx: RunningPbx, how: str) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102")
    c = pbx.phone("103", tone_hz=1000)
    c.watch("102")
    c.lamp("102", "idle")
    a.call("102")
    b.wait("incoming")
    [dialog] = c.lamp("102", "ringing")["dialogs"]
    if how == "code":
        # The key dials the directed pickup code (Grandstream's default BLF pickup prefix,
        # Yealink's "directed pickup code").
        c.call("**102")
    else:
        # Snom, Polycom and Yealink without a code send an INVITE to the extension with
        # Replaces built from the ringing dialog in the lamp (RFC 3891), its remote tag as to-tag.
        replaces = f"{dialog['call_id']};to-tag={dialog['remote_tag']};from-tag={dialog['local_tag']};early-only"
        c.call("102", headers={"Replaces": replaces})
    c.wait("connected")
    a.wait("connected")
    b.wait("disconnected")
    c.lamp("102", "idle")
    talk_and_hang_up(a, 600, c, 1000)
    [row] = pbx.wait_cdr(1)
    assert (row["caller"], row["answered_by"]) == ("101", "103"), row


def test_a_replaces_naming_no_lamp_is_refused(pbx: RunningPbx) -> None:
    a = pbx.phone("101")
    pbx.phone("102")
    a.call("102", headers={"Replaces": "not-ours@elsewhere;to-tag=1;from-tag=2"})
    failed = a.wait("disconnected")
    assert failed["code"] in (403, 481), failed


def test_park_slot_lamp_is_lit_while_a_call_waits(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    c = pbx.phone("103", tone_hz=1000)
    c.watch("701")
    c.lamp("701", "idle")
    connect(a, b, "102")
    b.transfer("700")
    parked = c.lamp("701", "busy", timeout=10)
    assert [d["remote"] for d in parked["dialogs"]] == ["101"], parked
    c.call("701")
    c.wait("connected")
    c.lamp("701", "idle")
    talk_and_hang_up(a, 600, c, 1000)


def test_only_this_pbxs_phones_may_watch_and_nobody_may_paint_a_lamp(pbx: RunningPbx) -> None:
    pbx.add_extension("101")
    pbx.add_extension("102")
    client = RawSip("127.0.0.40", ("127.0.0.1", pbx.sip_port))
    try:
        # No credentials: the challenge any request gets; wrong ones: the same again.
        assert status_code(client.send(client.request("SUBSCRIBE", "101", target="102",
                                                      extra="Event: dialog\r\n"))) == 407
        assert status_code(client.subscribe_with("101", "not-the-password-1", "102")) == 407
        # A phone of this PBX: accepted; then a NOTIFY says 102 is idle.
        accepted = client.subscribe_with("101", pbx.passwords["101"], "102")
        assert status_code(accepted) in (200, 202), accepted
        # Something that is neither an extension nor a park slot: refused.
        assert status_code(client.subscribe_with("101", pbx.passwords["101"], "555")) == 403
        # A PUBLISH from anyone but the brain (no key, or a guessed one) changes no lamp.
        forged = client.request("PUBLISH", "101", target="102",
                                extra="Event: dialog\r\nX-Minipbx-Publish-Key: 0123456789abcdef\r\n")
        assert status_code(client.send(forged)) == 403
    finally:
        client.close()


def _lamp_states(message_log: str) -> list[str]:
    """The lamp each NOTIFY in a SIPp message log shows, in order."""
    states = []
    # Idle is a document without dialogs (<dialog-info .../>) or with a terminated one.
    for notify in re.findall(r"NOTIFY sip:.*?(?:</dialog-info>|<dialog-info[^>]*/>)", message_log, re.DOTALL):
        found = re.findall(r"<state>(\w+)</state>", notify)
        live = [s for s in found if s != "terminated"]
        states.append("busy" if "confirmed" in live else "ringing" if live else "idle")
    return [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]]


def test_a_sipp_desk_phone_sees_the_lamp_change(pbx: RunningPbx, tmp_path: Path) -> None:
    """Interop: the lamp as a SIP stack that is not pjsua2 (SIPp) subscribes and reads it."""
    a = pbx.phone("101")
    b = pbx.phone("102")
    pbx.add_extension("103")
    fields = tmp_path / "watcher.csv"
    fields.write_text("SEQUENTIAL\n103\n")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.50", 0))
        port = probe.getsockname()[1]
    messages = tmp_path / "messages.log"
    watcher = subprocess.Popen(
        ["sipp", f"127.0.0.1:{pbx.sip_port}", "-sf", str(SCENARIOS / "blf_watcher.xml"), "-inf", str(fields),
         "-s", "102", "-au", "103", "-ap", pbx.passwords["103"], "-i", "127.0.0.50", "-p", str(port),
         "-m", "1", "-timeout", "60s", "-default_behaviors", "none", "-nostdin",
         "-trace_msg", "-message_file", str(messages), "-trace_err", "-error_file", str(tmp_path / "errors.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 10
        while "NOTIFY sip:" not in (messages.read_text(errors="replace") if messages.exists() else ""):
            assert time.monotonic() < deadline and watcher.poll() is None, "SIPp's subscription got no NOTIFY"
            time.sleep(0.1)
        a.call("102")
        b.wait("incoming")
        time.sleep(0.5)
        b.answer()
        a.wait("connected")
        time.sleep(0.5)
        a.hangup()
        b.wait("disconnected")
        # It ends once no NOTIFY has come for 6 s.
        watcher.wait(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert _lamp_states(messages.read_text(errors="replace")) == ["idle", "ringing", "busy", "idle"]
