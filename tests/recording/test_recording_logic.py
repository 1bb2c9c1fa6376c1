"""Call recording through the fake channel: which joins are recorded, *1, the index rows, the
disk guard, retention and the repair of a file cut short. A real sqlite store, real files."""
from __future__ import annotations

import asyncio
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from firmware.apps.ringgroups.config import set_ring_group
from firmware.calls.keys import HOLD_SECONDS
from firmware.media import wavfile
from firmware.recording import index, retention
from firmware.recording.policy import PolicyError, policies, set_policy
from firmware.store.extensions import remove_extension
from firmware.store.settings import set_setting
from tests.support.fake_channel import FakePbx, FakeWorker, fake_pbx, run


@pytest.fixture
def fake(tmp_path: Path) -> FakePbx:
    return fake_pbx(tmp_path, ("101", "102", "103"))



def ulaw_file(path: Path, seconds: float, *, closed: bool = True) -> None:
    """A G.711 WAV as pjmedia writes it (header with a fact chunk); unclosed = sizes left at 0."""
    data = bytes([0xFF]) * int(8000 * seconds)
    riff = 4 + 24 + 12 + 8 + len(data) if closed else 0
    fmt = struct.pack("<IHHIIHH", 16, 7, 1, 8000, 8000, 1, 8)
    header = (b"RIFF" + struct.pack("<I", riff) + b"WAVE" + b"fmt " + fmt + b"fact" + struct.pack("<II", 4, 0)
              + b"data" + struct.pack("<I", len(data) if closed else 0))
    path.write_bytes(header + data)


def recorded(fake: FakePbx, w: FakeWorker, seconds: float = 3.0, reason: str = "stopped",
             record: dict[str, Any] | None = None) -> index.Recording:
    """The worker finishes the last recording it was asked for (writing a file of `seconds`)."""
    record = record or w.last("record")
    ulaw_file(Path(record["path"]), seconds)
    w.event("recorded", leg=record["leg"], id=record["id"], path=record["path"], seconds=seconds, reason=reason)
    return index.get(fake.db, int(str(record["id"]).removeprefix("rec-")))


def test_an_always_extension_is_recorded_from_the_answer_with_both_voices(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_policy(fake.db, "ext:102", "always")
        w, a, b = fake.talk("101", "102")
        record = w.last("record")
        assert (record["leg"], record["also"], record["format"]) == (a, b, "ulaw")
        assert record["path"].startswith(str(fake.data_dir / "recordings"))
        w.event("ended", leg=b, code=200, reason="BYE", by="remote")
        assert w.last("stop_record")["leg"] == a
        row = recorded(fake, w)
        assert (row.state, row.parties, row.extensions, row.why) == (
            "done", "101 and 102", ("101", "102"), "ext:102 records always")
        assert row.seconds == pytest.approx(3.0) and row.bytes > 24000
        w.event("ended", leg=a, code=200, reason="BYE", by="pbx")
        [call_row] = list(fake.db.query("SELECT call_id FROM cdr"))
        assert call_row["call_id"] == row.call_id  # the recording links to the call's record
    run(scenario())


def test_nothing_is_recorded_by_default_until_star_one(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        assert not w.commands("record")
        w.clear()
        w.press(a, "*1")
        record = w.last("record")
        # Both parties hear the start beep over the conversation; the digits never reach 102.
        assert w.last("tone", a)["over"] and w.last("tone", b)["over"]
        assert not w.commands("dtmf")
        w.clear()
        w.press(b, "*1")
        assert w.last("stop_record")["leg"] == record["leg"]
        assert len(w.last("tone", b)["segments"]) == 2  # the stop beep: two short tones
        row = recorded(fake, w, record=record)
        assert row.why == "on demand by 101"
        [call] = fake.switch.calls.values()
        assert "recording stopped by 102 (*1)" in call.history.text()
    run(scenario())


def test_never_beats_always_and_star_one_is_refused(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_policy(fake.db, "ext:101", "always")
        set_policy(fake.db, "ext:102", "never")
        w, a, b = fake.talk("101", "102")
        assert not w.commands("record")
        w.press(a, "*1")
        assert not w.commands("record")
        assert len(w.last("tone", a)["segments"]) == 3  # the refusal beeps, to the presser only
        assert not w.commands("tone", b)
        [call] = fake.switch.calls.values()
        assert "*1 by 101 refused: ext:102 is never recorded" in call.history.text()
    run(scenario())


def test_an_always_recording_cannot_be_stopped_with_star_one(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_setting(fake.db, "call_recording", "always")
        w, _a, b = fake.talk("101", "102")
        assert w.last("record")
        w.press(b, "*1")
        assert not w.commands("stop_record")
    run(scenario())


def test_hold_ends_a_segment_and_resume_starts_the_next(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_policy(fake.db, "ext:101", "always")
        w, a, b = fake.talk("101", "102")
        w.event("held", leg=b)
        assert w.last("stop_record")["leg"] == a
        first = recorded(fake, w, 2.0)
        w.clear()
        w.event("resumed", leg=b)
        second = recorded(fake, w, 1.0)
        assert (first.segment, second.segment) == (1, 2) and first.call_id == second.call_id
    run(scenario())


def test_a_ring_group_and_a_trunk_policy_record_their_calls(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_ring_group(fake.db, "sales", number="600", members=["102"], strategy="all")
        set_policy(fake.db, "group:sales", "always")
        w = fake.workers[0]
        w.incoming("101", "600")
        w.answer_leg(w.dialled("102"))
        assert recorded(fake, w).why == "group:sales records always"
        w.clear()
        fake.trunk("prov")
        fake.db.execute("INSERT INTO settings (key, value) VALUES ('operator_extension', '103')")
        set_policy(fake.db, "trunk:prov", "always")
        a = w.incoming("0301234567", "100", trunk="prov")
        b = w.dialled("103")
        w.answer_leg(b)
        row = recorded(fake, w)
        assert (row.trunk, row.why, row.parties) == ("prov", "trunk:prov records always", "0301234567 and 103")
        assert w.last("record")["leg"] == a
    run(scenario())


def test_a_cross_worker_join_is_recorded_where_the_link_meets_the_far_party(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_policy(fake.db, "ext:103", "always")
        w1, w2 = fake.workers
        a = w1.incoming("101", "102")
        w1.event("progress", leg=w1.dialled("102"), code=180)
        picker = w2.incoming("103", "*8")
        link_leg = w2.last("dial")["leg"]
        record = w2.last("record")
        # Worker 2 carries the picker's voice and, through the link, the caller's.
        assert (record["leg"], record["also"]) == (picker, link_leg)
        assert not w1.commands("record")
        w1.event("ended", leg=a, code=200, reason="BYE", by="remote")
        assert w2.last("stop_record")["leg"] == picker
    run(scenario())


def test_no_recording_starts_below_min_free_mb(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_policy(fake.db, "ext:101", "always")
        set_setting(fake.db, "min_free_mb", "100000000")
        w, a, b = fake.talk("101", "102")
        assert not w.commands("record")
        [call] = fake.switch.calls.values()
        assert "not recorded: only" in call.history.text() and "min_free_mb 100000000" in call.history.text()
        w.clear()
        w.press(a, "*1")
        # *1 cannot start one either: the presser hears the refusal, nobody the start beep.
        assert len(w.last("tone", a)["segments"]) == 3 and not w.commands("tone", b)
    run(scenario())


def test_a_lost_worker_leaves_a_repaired_interrupted_recording(fake: FakePbx) -> None:
    async def scenario() -> None:
        set_policy(fake.db, "ext:101", "always")
        w, _a, _b = fake.talk("101", "102")
        path = Path(w.last("record")["path"])
        ulaw_file(path, 2.0, closed=False)
        fake.switch.worker_lost(w)  # type: ignore[arg-type]
        [row] = index.find(fake.db)
        assert (row.state, row.seconds) == ("interrupted", 2.0)
        assert wavfile.is_closed(path)
    run(scenario())


def test_a_recording_left_open_by_a_killed_pbx_is_repaired_at_start(fake: FakePbx) -> None:
    path = index.new_path(fake.data_dir, "cid-1", 1)
    row_id = index.start(fake.db, fake.data_dir, call_id="cid-1", segment=1, path=path, parties="101 and 102",
                         extensions=["101", "102"], trunk="", did="", why="test")
    ulaw_file(path, 1.5, closed=False)
    fake.switch.recorder.start()
    row = index.get(fake.db, row_id)
    assert (row.state, row.seconds) == ("interrupted", 1.5)
    assert wavfile.layout(path).data_size == 12000


def test_retention_deletes_the_oldest_first_and_never_young_ones(fake: FakePbx) -> None:
    now = datetime.now(UTC)
    rows = []
    for days in (40, 20, 10, 0):
        path = index.new_path(fake.data_dir, f"cid-{days}", 1)
        ulaw_file(path, 64.0)  # 512 KB each
        row_id = index.start(fake.db, fake.data_dir, call_id=f"cid-{days}", segment=1, path=path, parties="",
                             extensions=["101"], trunk="", did="", why="")
        index.finish(fake.db, fake.data_dir, row_id)
        started = (now - timedelta(days=days)).isoformat(timespec="seconds")
        fake.db.execute("UPDATE recordings SET started_at = ? WHERE id = ?", [started, row_id])
        rows.append((row_id, path))
    set_setting(fake.db, "recording_keep_days", "30")
    deleted = retention.prune(fake.db, fake.data_dir, now)
    assert [r.id for r in deleted] == [rows[0][0]] and not rows[0][1].exists()
    # 1 MiB at most: the oldest goes, then the next; today's stays although still over.
    set_setting(fake.db, "recording_max_mb", "1")
    set_setting(fake.db, "recording_min_keep_hours", "24")
    deleted = retention.prune(fake.db, fake.data_dir, now)
    assert [r.id for r in deleted] == [rows[1][0]]
    assert [r.id for r in index.find(fake.db)] == [rows[3][0], rows[2][0]]
    set_setting(fake.db, "recording_max_mb", "0")
    set_setting(fake.db, "recording_keep_days", "1")
    assert [r.id for r in retention.prune(fake.db, fake.data_dir, now)] == [rows[2][0]]
    assert rows[3][1].exists()


def test_policies_name_what_exists_and_go_with_it(fake: FakePbx) -> None:
    with pytest.raises(PolicyError, match="extension 999 does not exist"):
        set_policy(fake.db, "ext:999", "always")
    with pytest.raises(PolicyError, match="'sometimes' is not known; use always, on_demand, never"):
        set_policy(fake.db, "ext:101", "sometimes")
    with pytest.raises(PolicyError, match="use ext:NUMBER, group:NAME"):
        set_policy(fake.db, "101", "always")
    set_policy(fake.db, "ext:101", "never")
    remove_extension(fake.db, "101")
    assert policies(fake.db) == {}
    fake.extension("101")  # the number given to someone new: the default applies again
    assert policies(fake.db) == {}


def test_keys_that_only_look_like_star_one_still_pass(fake: FakePbx) -> None:
    async def scenario() -> None:
        w, a, b = fake.talk("101", "102")
        w.event("dtmf", leg=a, digit="*")
        w.event("dtmf", leg=a, digit="5")
        assert [m["digits"] for m in w.commands("dtmf", b)] == ["*", "5"]
        await asyncio.sleep(HOLD_SECONDS / 10)
        assert not w.commands("record")
    run(scenario())


def test_an_extension_gets_its_recordings_by_mail_even_after_the_server_was_down(fake: FakePbx) -> None:
    from firmware.recording import mail
    from firmware.store.extensions import update_extension
    from tests.apps.voicemail.conftest import MailServers, free_port, use_mail_server

    servers = MailServers()

    async def scenario() -> None:
        with pytest.raises(mail.RecordingMailError, match="has no e-mail address"):
            mail.set_mail(fake.db, "102", True)
        update_extension(fake.db, "102", email="sales@example.com")
        mail.set_mail(fake.db, "102", True)
        set_policy(fake.db, "ext:102", "always")
        port = free_port()
        use_mail_server(fake.db, port)
        w, _a, b = fake.talk("101", "102")
        w.event("ended", leg=b, code=200, reason="BYE", by="remote")
        row = recorded(fake, w)
        # The server is down: the mail waits in the outbox.
        assert await mail.deliver_pending(fake.db, fake.data_dir) == 0
        assert fake.db.execute("SELECT sent_at FROM recording_outbox").fetchall() == [("",)]
        inbox, _ = servers.start(port=port)
        assert await mail.deliver_pending(fake.db, fake.data_dir) == 1
        [(_, to, sent)] = inbox.mails
        assert to == ["sales@example.com"] and "101 and 102" in str(sent["Subject"])
        [attachment] = list(sent.iter_attachments())
        assert attachment.get_content_type() == "audio/wav"
        assert attachment.get_content() == (fake.data_dir / row.path).read_bytes()
        assert await mail.deliver_pending(fake.db, fake.data_dir) == 0  # once only
    try:
        run(scenario())
    finally:
        servers.stop()
