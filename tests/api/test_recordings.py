"""GET /api/recordings a page at a time: totals over every page, a user's own only."""
from __future__ import annotations

from firmware.recording import index
from firmware.store.database import open_store
from tests.support.api import Api


def _record(api: Api, count: int, extensions: list[str]) -> None:
    db = open_store(api.data_dir)
    try:
        for n in range(count):
            path = index.new_path(api.data_dir, f"call{n}{extensions[0]}", 1)
            # 1 s of 8 kHz u-law after a 44-byte header: 8044 bytes.
            path.write_bytes(b"\0" * 8044)
            made = index.start(db, api.data_dir, call_id=f"call{n}{extensions[0]}", segment=1, path=path,
                               parties=" - ".join(extensions), extensions=extensions, trunk="", did="", why="always")
            index.finish(db, api.data_dir, made)
    finally:
        db.conn.close()


def test_recordings_come_a_page_at_a_time_with_totals_over_all_pages(api: Api) -> None:
    _record(api, 130, ["101", "102"])
    _record(api, 5, ["103", "104"])
    with api.as_admin() as admin:
        first = admin.get("/api/recordings", params={"limit": 50}).json()
        assert (len(first["recordings"]), first["count"], first["total_bytes"]) == (50, 135, 135 * 8044)
        last = admin.get("/api/recordings", params={"limit": 50, "offset": 100}).json()
        assert (len(last["recordings"]), last["count"]) == (35, 135)
        seen = {r["id"] for r in first["recordings"]} | {r["id"] for r in last["recordings"]}
        assert len(seen) == 85
        mine = admin.get("/api/recordings", params={"extension": "103", "limit": 2}).json()
        assert (len(mine["recordings"]), mine["count"]) == (2, 5)
        refused = admin.get("/api/recordings", params={"limit": 5000})
        assert refused.status_code == 422 and "limit" in refused.text
    with api.user("104") as user:
        own = user.get("/api/recordings").json()
        assert own["count"] == 5 and all("104" in r["extensions"] for r in own["recordings"])
