"""/api/stats/scenarios: per trunk, number dialled and voice menu, from the call records' trunk,
DID and route trail (written here the way the brain writes them), split by a second dimension."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from firmware.store.cdr import CallRecord, write_cdr
from firmware.store.database import open_store
from firmware.store.extensions import add_extension
from tests.support.api import Api

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# caller, trunk, did, route trail, disposition, hang-up cause, answered by, talk s, transferred by, direction
PLAN = [
    ("0301111", "prov", "4930", "route prov/4930/day; ivr main: key 1", "answered", "the caller hung up", "101",
     60, "", "in"),
    # Hung up while the menu's greeting played: no step, the hang-up cause names the menu.
    ("0302222", "prov", "4930", "route prov/4930/day", "answered", "caller hung up in ivr:main", None, 0, "", "in"),
    # Through the sub-menu and back to the main menu, answered at 102 and transferred on.
    ("0301111", "prov", "4930", "route prov/4930/day; ivr main: key 2; ivr sub: key 0; ivr main: key 1",
     "answered", "the caller hung up", "102", 30, "102", "in"),
    ("0303333", "prov", "4931", "route prov/4931/day", "cancelled", "the caller hung up", None, 0, "", "in"),
    # An employee tries the menu from their desk.
    ("102", None, None, "internal; ivr main: no key", "answered", "hung up by the menu", None, 0, "", "internal"),
    # Neither came in nor passed a menu: not in any scenario.
    ("101", None, None, "internal", "answered", "the caller hung up", "102", 50, "", "internal"),
    ("101", "prov", None, "outside", "answered", "the caller hung up", "0301111", 20, "", "out"),
]


def _calls(api: Api) -> None:
    db = open_store(api.data_dir)
    add_extension(db, "101", "Anna", department="Sales")
    add_extension(db, "102", "Ben", department="Support")
    for index, (caller, trunk, did, route, disposition, cause, answered_by, talk, transferred_by,
                direction) in enumerate(PLAN):
        started = START + timedelta(minutes=index)
        answered = started + timedelta(seconds=5) if answered_by else None
        write_cdr(db, CallRecord(call_id=f"s{index}", caller=caller, called="4930" if trunk else "800",
                                 started_at=started, ended_at=(answered or started) + timedelta(seconds=talk or 20),
                                 disposition=disposition, hangup_cause=cause, hangup_by="caller",
                                 answered_by=answered_by, answered_at=answered, trunk=trunk, did=did, route=route,
                                 transferred_by=transferred_by, direction=direction))
    db.conn.close()


def _figures(rows: list[dict[str, object]]) -> dict[tuple[object, ...], tuple[object, ...]]:
    return {(r["kind"], r["entry"], r["value"]): (r["calls"], r["completed"], r["no_talk"], r["transferred"],
                                                  r["by_employee"], r["repeated"], r["average_seconds"],
                                                  r["average_talk_seconds"]) for r in rows}


def test_each_trunk_number_and_menu_with_what_became_of_its_calls(api: Api) -> None:
    _calls(api)
    with api.as_admin() as admin:
        answer = admin.get("/api/stats/scenarios")
        assert answer.status_code == 200, answer.text
        rows = answer.json()
        assert [(r["kind"], r["entry"]) for r in rows] == [
            ("trunk", "prov"), ("did", "4930"), ("did", "4931"), ("menu", "main"), ("menu", "sub")]
        # calls, completed, no talk, transferred, by an employee, repeated, average s, average talk s
        assert _figures(rows) == {
            ("trunk", "prov", None): (4, 2, 2, 1, 0, 1, 35.0, 45.0),
            ("did", "4930", None): (3, 2, 1, 1, 0, 1, 40.0, 45.0),
            ("did", "4931", None): (1, 0, 1, 0, 0, 0, 20.0, 0.0),
            ("menu", "main", None): (4, 2, 2, 1, 1, 1, 35.0, 45.0),
            ("menu", "sub", None): (1, 1, 0, 1, 0, 0, 35.0, 30.0),
        }
        # The same filters as the other statistics: from the third call on.
        later = admin.get("/api/stats/scenarios", params={"since": "2026-03-02T09:02:00Z"}).json()
        assert {(r["kind"], r["entry"]): r["calls"] for r in later} == {
            ("trunk", "prov"): 2, ("did", "4930"): 1, ("did", "4931"): 1, ("menu", "main"): 2, ("menu", "sub"): 1}


def test_a_second_dimension_splits_each_entry_point(api: Api) -> None:
    _calls(api)
    with api.as_admin() as admin:
        def split(by: str, kind: str, entry: str) -> dict[object, int]:
            rows = admin.get("/api/stats/scenarios", params={"by": by}).json()
            return {r["value"]: r["calls"] for r in rows if (r["kind"], r["entry"]) == (kind, entry)}

        # In a menu: the choice made there first; for the trunk, in the first menu reached.
        assert split("key", "menu", "main") == {"key 1": 1, "hung up": 1, "key 2": 1, "no key": 1}
        assert split("key", "menu", "sub") == {"key 0": 1}
        assert split("key", "trunk", "prov") == {"": 1, "hung up": 1, "key 1": 1, "key 2": 1}
        assert split("group", "trunk", "prov") == {"": 2, "Sales": 1, "Support": 1}
        assert split("caller", "did", "4930") == {"0301111": 2, "0302222": 1}
        assert split("disposition", "trunk", "prov") == {"answered": 3, "cancelled": 1}
        assert split("direction", "menu", "main") == {"in": 3, "internal": 1}
        assert split("hangup_cause", "menu", "main") == {
            "the caller hung up": 2, "caller hung up in ivr:main": 1, "hung up by the menu": 1}
        [talked] = [r for r in admin.get("/api/stats/scenarios", params={"by": "group"}).json()
                    if (r["kind"], r["entry"], r["value"]) == ("menu", "main", "Support")]
        assert (talked["completed"], talked["transferred"], talked["repeated"], talked["average_talk_seconds"]) == \
            (1, 1, 1, 30.0)

        bad = admin.get("/api/stats/scenarios", params={"by": "weather"})
        assert bad.status_code == 422
        assert bad.json()["error"] == ("by 'weather' is not accepted; use one of: caller, direction, disposition, "
                                       "hangup_cause, key, group")


def test_the_figures_need_the_reports_permission(api: Api) -> None:
    _calls(api)
    with api.user("105") as user:
        refused = user.get("/api/stats/scenarios")
        assert refused.status_code == 403 and "reports" in refused.json()["error"]
    with api.key("crm", ["reports"]) as crm:
        assert len(crm.get("/api/stats/scenarios").json()) == 5
