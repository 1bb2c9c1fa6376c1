"""Departments: the list with their extensions, and call records and statistics per department."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from firmware.store.database import open_store
from firmware.store.extensions import add_extension
from tests.support.api import Api
from tests.support.cdr_rows import Call, write_calls

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _office(api: Api) -> None:
    db = open_store(api.data_dir)
    for number, name, department in (("101", "Anna", "Sales"), ("102", "Ben", "Sales"), ("201", "Cleo", "Support"),
                                     ("301", "Dan", None)):
        add_extension(db, number, name, password="Test-password-1234", department=department)
    plan: list[Call] = [("101", "102", "answered", "102", 60, 5, None, "internal"),
            ("201", "101", "no_answer", None, 0, 0, None, "internal"),
            ("0401234567", "201", "answered", "201", 40, 10, "prov", "in"),
            ("0401234567", "101", "cancelled", None, 0, 0, "prov", "in"),
            ("102", "0301234", "answered", "0301234", 30, 5, "prov", "out")]
    write_calls(db, START, plan)
    db.conn.close()


def test_departments_are_listed_with_their_extensions(api: Api) -> None:
    _office(api)
    with api.key("wallboard", ["reports"]) as wallboard:
        assert wallboard.get("/api/departments").json() == [
            {"name": "Sales", "members": [{"number": "101", "name": "Anna"}, {"number": "102", "name": "Ben"}]},
            {"name": "Support", "members": [{"number": "201", "name": "Cleo"}]}]
    with api.as_admin() as admin:
        assert admin.patch("/api/extensions/301", json={"department": "Support"}).status_code == 200
        assert [m["number"] for m in admin.get("/api/departments").json()[1]["members"]] == ["201", "301"]
    with api.key("grafana", ["metrics"]) as grafana:
        refused = grafana.get("/api/departments")
        assert refused.status_code == 403 and "'reports'" in refused.json()["error"]


def test_call_records_and_statistics_per_department(api: Api) -> None:
    _office(api)
    with api.as_admin() as admin:
        sales = admin.get("/api/cdr", params={"department": "Sales"}).json()
        assert [r["call_id"] for r in sales["items"]] == ["d4", "d3", "d1", "d0"]
        assert admin.get("/api/stats/summary", params={"department": "Support"}).json()["calls"] == 2
        assert [(p["period"], p["calls"]) for p in admin.get(
            "/api/stats/series", params={"department": "Support"}).json()] == [("2026-03-02", 2)]
        exported = list(csv.DictReader(io.StringIO(admin.get("/api/cdr.csv", params={"department": "Support"}).text)))
        assert [(r["caller"], r["called"]) for r in exported] == [("0401234567", "201"), ("201", "101")]
        by = {r["key"]: (r["calls"], r["made"], r["received"], r["answered"], r["missed"], r["talk_seconds"],
                         r["average_wait_seconds"])
              for r in admin.get("/api/stats/by", params={"group": "department"}).json()}
        # A call inside Sales (101 to 102) is made by Sales, not received from outside it.
        assert by == {"Sales": (4, 2, 2, 1, 2, 90.0, 5.0), "Support": (2, 1, 1, 1, 0, 40.0, 10.0)}
        only = admin.get("/api/stats/by", params={"group": "department", "department": "Support"}).json()
        assert [r["key"] for r in only] == ["Support"]
        bad = admin.get("/api/cdr", params={"department": "Sles"})
        assert bad.status_code == 422
        assert bad.json()["error"] == "department 'Sles' has no extensions; known: Sales, Support"
        assert admin.get("/api/stats/by", params={"group": "department", "department": "Sles"}).status_code == 422


def test_a_department_renamed_moves_its_extensions_and_a_bad_name_is_refused(api: Api) -> None:
    _office(api)
    with api.as_admin() as admin:
        renamed = admin.put("/api/departments/Sales", json={"name": "  Sales & Marketing "})
        assert renamed.status_code == 200, renamed.text
        assert renamed.json() == {"name": "Sales & Marketing", "members": [{"number": "101", "name": "Anna"},
                                                                           {"number": "102", "name": "Ben"}]}
        assert admin.get("/api/extensions/101").json()["department"] == "Sales & Marketing"
        for name in ("", "x" * 65, 'The "best"'):
            refused = admin.put("/api/departments/Support", json={"name": name})
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"].startswith(f"department name {name.strip()!r} is not accepted; use 1-64")
        missing = admin.put("/api/departments/Sales", json={"name": "Other"})
        assert missing.status_code == 404
        assert missing.json()["error"] == ("department 'Sales' does not exist (no extension is in it); the "
                                           "departments are: Sales & Marketing, Support")
        # Into an existing department: the two merge.
        merged = admin.put("/api/departments/Support", json={"name": "Sales & Marketing"}).json()
        assert [m["number"] for m in merged["members"]] == ["101", "102", "201"]
        assert [d["name"] for d in admin.get("/api/departments").json()] == ["Sales & Marketing"]
        assert "department.rename" in [row["action"] for row in admin.get("/api/audit").json()]
    with api.key("wallboard", ["reports"]) as wallboard:
        refused = wallboard.put("/api/departments/Sales%20%26%20Marketing", json={"name": "Sales"})
        assert refused.status_code == 403 and "'extensions'" in refused.json()["error"]
