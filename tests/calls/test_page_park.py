"""Page and park with real phones through the real PBX: a call transferred to the paging group's
page-and-park number is parked, a member's phone answers by itself and hears "call on 7 0 1",
and *86 from another phone takes the caller."""
from __future__ import annotations

from tests.support.conversation import connect, music_seconds, talk_and_hang_up
from tests.support.pbx import RunningPbx
from tests.support.prompts import heard


def test_page_and_park_then_star_86_takes_the_caller(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=800)
    c = pbx.phone("103", tone_hz=1000)
    member = pbx.phone("104")  # a desk phone on the paging group: answers a page on its loudspeaker
    made = pbx.minipbx("ringgroup", "set", "office", "--number", "870", "--strategy", "page", "--members", "104",
                       "--park-number", "871")
    assert made.returncode == 0, made.stderr
    assert "page and park on 871" in made.stdout
    # Nothing paged yet: *86 is refused with a tone, and nothing else changes.
    c.call("*86")
    assert c.wait("disconnected")["code"] == 404
    connect(a, b, "102")
    b.transfer("871")
    b.wait("disconnected", timeout=10)  # after hearing the slot
    member.wait("connected", timeout=10)  # answered by the phone itself
    page = member.wait("disconnected", timeout=20)  # the PBX ends the page once it is said
    assert heard(page["recording"], "page-call-on"), "the member did not hear the page"
    assert heard(page["recording"], "digit-7"), "the member did not hear the slot"
    status = pbx.status()
    assert status is not None
    assert status["parked"] == [{"slot": "701", "parker": "102", "paged": "office"}]
    c.call("*86")
    c.wait("connected", call=2)
    heard_by_a, _ = talk_and_hang_up(a, 600, c, 1000)
    assert music_seconds(heard_by_a) >= 1.0, "the parked caller heard no music"
    rows = pbx.wait_cdr(2)
    [row] = [r for r in rows if r["answered_by"] == "103"]
    assert row["caller"] == "101" and row["called"] == "102"
    assert "102 parked 101 at 701" in row["history"]
    assert "104 heard the page for 701" in row["history"]
    assert "103 answered the page (*86): took the call parked at 701" in row["history"]
