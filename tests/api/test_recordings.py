"""GET /api/recordings a page at a time: totals over every page, a user's own only."""
from __future__ import annotations

from firmware.recording import index
from firmware.store.database import open_store
from tests.support.api import Api


def _record(api: Api, count: int, extensions: list[str]) -> None:
    db = open_store(api.data_dir)
    try:
        for n in range(count):
            call_id = f"call{n}{''.join(extensions)}"
            path = index.new_path(api.data_dir, call_id, 1)
            # 1 s of 8 kHz u-law after a 44-byte header: 8044 bytes.
            path.write_bytes(b"\0" * 8044)
            made = index.start(db, api.data_dir, call_id=call_id, segment=1, path=path,
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



def test_a_team_lead_hears_and_deletes_only_their_departments_recordings(api: Api) -> None:
    with api.as_admin() as admin:
        assert admin.put("/api/roles/team_lead", json={"permissions": ["department_recordings"]}).status_code == 200
        for number, department in (("101", "Sales"), ("102", "Sales"), ("201", "Support")):
            assert admin.post("/api/extensions", json={"number": number, "name": f"Person {number}",
                                                       "department": department}).status_code == 201
        assert admin.patch("/api/extensions/101", json={"role": "team_lead"}).status_code == 200
    _record(api, 2, ["102", "0301234"])  # a Sales colleague with customers
    _record(api, 1, ["201", "0301234"])  # Support with a customer
    _record(api, 1, ["201", "102"])  # Support talking to Sales: both departments hear it
    with api.as_admin() as admin:
        ids = {r["call_id"]: r["id"] for r in admin.get("/api/recordings").json()["recordings"]}
    sales, support_only, between = ids["call01020301234"], ids["call02010301234"], ids["call0201102"]
    with api.web_login("101") as lead, api.web_login("201") as support:
        listed = lead.get("/api/recordings").json()
        assert {r["id"] for r in listed["recordings"]} == {sales, ids["call11020301234"], between}
        assert (listed["count"], listed["total_bytes"]) == (3, 3 * 8044)
        # A colleague of the department by name: yes; someone of another department: not for a team lead.
        assert lead.get("/api/recordings", params={"extension": "102"}).json()["count"] == 3
        other = lead.get("/api/recordings", params={"extension": "201"})
        assert other.status_code == 403 and "'recordings'" in other.json()["error"]
        # Support's own recording with a customer: as if it did not exist, to show, play or delete.
        assert lead.get(f"/api/recordings/{support_only}").status_code == 404
        assert lead.get(f"/api/recordings/{support_only}/audio").status_code == 404
        assert lead.delete(f"/api/recordings/{support_only}").status_code == 404
        # The department's: shown, played and deleted.
        assert lead.get(f"/api/recordings/{sales}").json()["extensions"] == ["102", "0301234"]
        audio = lead.get(f"/api/recordings/{sales}/audio")
        assert audio.status_code == 200 and len(audio.content) == 8044
        assert lead.delete(f"/api/recordings/{sales}").status_code == 204
        # Support, a plain user, hears its own two and deletes none.
        assert {r["id"] for r in support.get("/api/recordings").json()["recordings"]} == {support_only, between}
        refused = support.delete(f"/api/recordings/{between}")
        assert refused.status_code == 403 and "'recordings'" in refused.json()["error"]
    with api.as_admin() as admin:
        assert admin.get("/api/recordings").json()["count"] == 3
        assert admin.get(f"/api/recordings/{support_only}").status_code == 200
