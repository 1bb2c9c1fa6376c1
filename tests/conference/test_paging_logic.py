"""Group paging through the fake channel: idle members called with auto-answer, listeners muted,
busy and DND members skipped, who may page, the end of the page, the record."""
from __future__ import annotations

from pathlib import Path

import pytest

from firmware.apps.forwarding.config import set_forwarding
from firmware.apps.ringgroups.config import RingGroupError, set_ring_group
from firmware.store.extensions import remove_extension
from tests.support.fake_channel import FakePbx, fake_pbx, run


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    pbx = fake_pbx(tmp_path, ("101", "102", "103", "104", "105"))
    set_ring_group(pbx.db, "office", number="870", strategy="page", members=["102", "103", "104", "105"])
    return pbx


def test_a_page_reaches_every_idle_phone_one_way(fake: FakePbx) -> None:
    async def scenario() -> None:
        w = fake.workers[0]
        w2 = fake.workers[1]
        set_forwarding(fake.db, "105", dnd=True)
        w2.incoming("104", "101")  # 104 is in a call (ringing 101)
        pager = w.incoming("102", "870")
        assert w.last("answer", pager)["code"] == 200
        assert "page-" in w.last("room_join", pager)["room"]
        dials = {str(m["uri"]).split("@")[0][4:]: m for m in w.commands("dial")}
        assert set(dials) == {"103"}  # not the pager, not 104 (busy), not 105 (DND)
        assert dials["103"]["headers"]["Call-Info"].endswith("answer-after=0")
        listener = str(dials["103"]["leg"])
        w.event("answered", leg=listener, call_id="cid-l")
        assert w.last("room_join", listener)
        assert w.last("room_mute", listener)["muted"] is True  # nobody hears the listeners
        assert w.last("tone", listener)["over"]  # the chime
        w.event("ended", leg=pager, code=200, reason="BYE", by="remote")
        assert w.last("hangup", listener)
        [row] = list(fake.db.query("SELECT caller, disposition, hangup_cause, history FROM cdr"))
        assert (row["caller"], row["disposition"]) == ("102", "answered")
        assert row["hangup_cause"] == "page to group office: heard by 103"
        assert "103 answered the page" in row["history"]
    run(scenario())


def test_only_the_pagers_may_page_and_a_removed_pager_leaves_nobody(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_ring_group(fake.db, "office", pagers=["101"])
        w = fake.workers[0]
        refused = w.incoming("102", "870")
        assert w.last("answer", refused)["code"] == 183 and not w.commands("dial")
        allowed = w.incoming("101", "870")
        assert w.last("answer", allowed)["code"] == 200 and w.commands("dial")
    run(scenario())
    remove_extension(fake.db, "101")
    from firmware.apps.ringgroups.config import get_ring_group

    group = get_ring_group(fake.db, "office")
    assert group is not None and group.pagers == ("-",)


def test_a_paging_group_takes_only_the_pbxs_phones(fake: FakePbx) -> None:
    with pytest.raises(RingGroupError, match="only the PBX's own phones answer a page"):
        set_ring_group(fake.db, "office", members=["102", "number:0301234567"])
    with pytest.raises(RingGroupError, match="pager '999' is not an extension"):
        set_ring_group(fake.db, "office", pagers=["999"])
