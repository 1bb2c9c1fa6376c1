"""/api/cdr and /api/stats/summary: filters, paging, a user's own calls only."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from firmware.store.cdr import CallRecord, write_cdr
from firmware.store.database import open_store
from firmware.store.extensions import add_extension
from tests.support.api import Api
from tests.support.cdr_rows import Call, write_calls

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _calls(api: Api) -> None:
    db = open_store(api.data_dir)
    plan = [("101", "102", "answered", "102", 60), ("102", "101", "no_answer", None, 0),
            ("103", "101", "busy", None, 0), ("101", "0301234", "answered", "0301234", 30),
            ("0401234567", "101", "cancelled", None, 0)]
    for day in range(3):
        for index, (caller, called, disposition, answered_by, talk) in enumerate(plan):
            started = START + timedelta(days=day, minutes=index)
            answered = started + timedelta(seconds=5) if answered_by else None
            write_cdr(db, CallRecord(call_id=f"c{day}-{index}", caller=caller, called=called, started_at=started,
                                     ended_at=(answered or started) + timedelta(seconds=talk or 20),
                                     disposition=disposition, hangup_cause="the caller hung up", hangup_by="caller",
                                     answered_by=answered_by, answered_at=answered))
    db.conn.close()


def test_filters_and_paging(api: Api) -> None:
    _calls(api)
    with api.as_admin() as admin:
        everything = admin.get("/api/cdr").json()
        assert everything["total"] == 15
        assert everything["items"][0]["call_id"] == "c2-4"  # newest first
        page = admin.get("/api/cdr", params={"limit": 4, "offset": 4}).json()
        assert [r["call_id"] for r in page["items"]] == ["c2-0", "c1-4", "c1-3", "c1-2"]
        day2 = admin.get("/api/cdr", params={"since": "2026-03-03T00:00:00Z", "until": "2026-03-04T00:00:00"}).json()
        assert day2["total"] == 5 and {r["call_id"][:2] for r in day2["items"]} == {"c1"}
        missed = admin.get("/api/cdr", params={"disposition": "missed"}).json()
        assert missed["total"] == 6
        of_103 = admin.get("/api/cdr", params={"extension": "103", "disposition": "busy"}).json()
        assert of_103["total"] == 3
        bad = admin.get("/api/cdr", params={"disposition": "lost"})
        assert bad.status_code == 422
        assert bad.json()["error"] == ("disposition 'lost' is not accepted; use one of: answered, busy, no_answer, "
                                       "cancelled, unavailable, failed, barred, feature, missed")
        bad_date = admin.get("/api/cdr", params={"since": "yesterday"})
        assert bad_date.status_code == 422 and "since = 'yesterday'" in bad_date.json()["error"]
        too_many = admin.get("/api/cdr", params={"limit": 5000})
        assert too_many.status_code == 422 and "less than or equal to 1000" in too_many.json()["error"]

        stats = admin.get("/api/stats/summary").json()
        assert (stats["calls"], stats["answered"], stats["missed"], stats["busy"]) == (15, 6, 6, 3)
        assert stats["talk_seconds"] == 3 * (60 + 30)
        assert stats["average_talk_seconds"] == 45.0
        assert stats["busiest_extensions"] == {"0301234": 3, "102": 3}
        assert admin.get("/api/stats/summary", params={"since": "2026-03-04T00:00:00Z"}).json()["calls"] == 5


def test_a_user_sees_only_their_own_calls(api: Api) -> None:
    _calls(api)
    with api.user("103") as user:
        own = user.get("/api/cdr").json()
        assert own["total"] == 3 and {r["caller"] for r in own["items"]} == {"103"}
        assert user.get("/api/stats/summary").json()["calls"] == 3
        assert user.get("/api/cdr", params={"extension": "101"}).status_code == 403


def test_series_per_day_and_week(api: Api) -> None:
    _calls(api)
    with api.as_admin() as admin:
        days = admin.get("/api/stats/series", params={"period": "day"}).json()
        assert [(d["period"], d["calls"], d["answered"], d["missed"]) for d in days] == [
            ("2026-03-02", 5, 2, 2), ("2026-03-03", 5, 2, 2), ("2026-03-04", 5, 2, 2)]
        assert days[0]["talk_seconds"] == 90.0
        # Every one of these calls is between extensions: the direction split says so.
        assert [(d["incoming"], d["outgoing"], d["internal"]) for d in days] == [(0, 0, 5)] * 3
        [week] = admin.get("/api/stats/series", params={"period": "week"}).json()
        assert (week["period"], week["calls"]) == ("2026-W09", 15)
        bad = admin.get("/api/stats/series", params={"period": "fortnight"})
        assert bad.status_code == 422
        assert bad.json()["error"] == "period 'fortnight' is not accepted; use one of: hour, day, week, month"


def test_csv_export_of_many_rows_is_streamed(api: Api) -> None:
    db = open_store(api.data_dir)
    rows = [{"call_id": f"bulk-{i}", "caller": "101", "called": str(200 + i % 50),
             "started_at": (START + timedelta(minutes=i)).isoformat(timespec="milliseconds"),
             "ended_at": (START + timedelta(minutes=i, seconds=30)).isoformat(timespec="milliseconds"),
             "disposition": "answered" if i % 3 else "no_answer", "talk_seconds": 25.0 if i % 3 else 0.0}
            for i in range(20000)]
    db.table("cdr").insert_all(rows, batch_size=2000)
    db.conn.close()
    with api.as_admin() as admin, admin.stream("GET", "/api/cdr.csv", params={"disposition": "missed"}) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert "content-length" not in answer.headers  # streamed in chunks, not built whole
        chunks = list(answer.iter_text())
    lines = "".join(chunks).splitlines()
    assert lines[0].split(",")[:5] == ["started_at", "caller", "called", "answered_by", "disposition"]
    assert len(lines) == 1 + 6667
    assert lines[1].split(",")[-1] == "bulk-19998"
    with api.user("150") as user:
        own = user.get("/api/cdr.csv").text.splitlines()
        assert own == [own[0]]  # a user's export holds only their own calls: none


def test_missed_calls_not_called_back_yet(api: Api) -> None:
    _calls(api)
    with api.as_admin() as admin:
        missed = admin.get("/api/stats/missed").json()
        assert [(r["caller"], r["call_id"]) for r in missed] == [("0401234567", "c2-4"), ("102", "c2-1")]
        db = open_store(api.data_dir)
        later = START + timedelta(days=5)
        # 101 calls the outside caller back (with the access code) and talks to them.
        write_cdr(db, CallRecord(call_id="back", caller="101", called="00401234567", started_at=later,
                                 answered_at=later + timedelta(seconds=3), ended_at=later + timedelta(seconds=60),
                                 disposition="answered", hangup_cause="the caller hung up", hangup_by="caller",
                                 answered_by="00401234567"))
        db.conn.close()
        assert [r["caller"] for r in admin.get("/api/stats/missed").json()] == ["102"]


def test_figures_per_extension_trunk_and_direction(api: Api) -> None:
    user = api.user("102")  # extension 102, with a web login
    db = open_store(api.data_dir)
    add_extension(db, "101", "Person 101", password="Test-password-1234")
    plan: list[Call] = [("101", "102", "answered", "102", 60, 5, None, "internal"),
            ("102", "101", "no_answer", None, 0, 0, None, "internal"),
            ("101", "0301234", "answered", "0301234", 30, 5, "prov", "out"),
            ("0401234567", "101", "answered", "101", 40, 10, "prov", "in"),
            ("0401234567", "101", "cancelled", None, 0, 0, "prov", "in")]
    write_calls(db, START, plan)
    db.conn.close()

    def figures(rows: list[dict[str, object]]) -> dict[object, tuple[object, ...]]:
        return {r["key"]: (r["calls"], r["made"], r["received"], r["answered"], r["missed"], r["talk_seconds"],
                           r["average_wait_seconds"]) for r in rows}

    with api.as_admin() as admin:
        people = figures(admin.get("/api/stats/by", params={"group": "extension"}).json())
        assert people == {"101": (5, 2, 3, 1, 2, 130.0, 10.0), "102": (2, 1, 1, 1, 0, 60.0, 5.0)}
        ways = figures(admin.get("/api/stats/by", params={"group": "direction"}).json())
        assert ways == {"in": (2, 0, 0, 1, 1, 40.0, 10.0), "internal": (2, 0, 0, 1, 1, 60.0, 5.0),
                        "out": (1, 0, 0, 1, 0, 30.0, 5.0)}
        assert figures(admin.get("/api/stats/by", params={"group": "trunk"}).json()) == {
            "prov": (3, 0, 0, 2, 1, 70.0, 7.5)}
        assert admin.get("/api/cdr", params={"direction": "in"}).json()["total"] == 2
        bad = admin.get("/api/cdr", params={"direction": "sideways"})
        assert bad.status_code == 422 and bad.json()["error"] == \
            "direction 'sideways' is not accepted; use one of: in, out, internal"
        assert admin.get("/api/stats/by", params={"group": "floor"}).json()["error"] == \
            "group 'floor' is not accepted; use one of: extension, trunk, direction, department"
    with user:
        assert list(figures(user.get("/api/stats/by").json())) == ["102"]
