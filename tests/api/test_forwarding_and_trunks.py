"""Forwarding and DND (a user's own), trunks (passwords write-only) through the API."""
from __future__ import annotations

from tests.cli.conftest import Cli
from tests.support.api import Api


def test_a_user_changes_their_own_forwarding_and_nobody_elses(api: Api) -> None:
    with api.as_admin() as admin:
        admin.post("/api/extensions", json={"number": "102", "name": "Sales"})
    with api.user("101") as user:
        fwd = user.patch("/api/extensions/101/forwarding", json={"dnd": True, "busy": "voicemail:101",
                                                                 "no_answer": "102", "no_answer_seconds": 10})
        assert fwd.status_code == 200, fwd.text
        assert fwd.json() == {"number": "101", "dnd": True, "always": "", "busy": "voicemail:101",
                              "no_answer": "ext:102", "no_answer_seconds": 10, "unregistered": ""}
        assert user.get("/api/extensions/101/forwarding").json()["dnd"] is True
        bad = user.patch("/api/extensions/101/forwarding", json={"no_answer_seconds": 1})
        assert bad.status_code == 422 and "1" in bad.json()["error"]
        other = user.patch("/api/extensions/102/forwarding", json={"dnd": True})
        assert other.status_code == 403
        assert other.json()["error"] == "this needs the 'call_logic' permission; 101 (user) has: none"
    # The command line shows what the API set.
    shown = Cli(api.data_dir, api.data_dir).ok("fwd", "show", "101")
    assert "do not disturb ON" in shown and "voicemail:101" in shown


def test_trunks_need_their_permission_and_never_show_the_password(api: Api) -> None:
    with api.as_admin() as admin:
        created = admin.post("/api/trunks", json={"name": "prov", "host": "192.0.2.1", "username": "acme",
                                                  "password": "Trunk-pass-1234"})
        assert created.status_code == 201, created.text
        assert created.json()["password_set"] is True and "Trunk-pass" not in created.text
        assert "Trunk-pass" not in admin.get("/api/trunks").text
        refused = admin.post("/api/trunks", json={"name": "prov2", "host": "192.0.2.1", "transport": "sctp",
                                                  "register": False})
        assert refused.status_code == 422
        assert refused.json()["error"] == "transport 'sctp' is not accepted; use one of: udp, tcp"
        assert admin.get("/api/trunks/nope").status_code == 404
    with api.user("101") as user:
        assert user.get("/api/trunks").status_code == 403
    with api.as_admin() as admin:
        assert admin.delete("/api/trunks/prov").status_code == 204
        assert admin.get("/api/trunks").json() == []


def test_ring_groups_through_the_api(api: Api) -> None:
    with api.as_admin() as admin:
        for number in ("201", "202"):
            admin.post("/api/extensions", json={"number": number, "name": f"Agent {number}"})
        made = admin.put("/api/ringgroups/sales", json={"number": "600", "strategy": "linear", "step_seconds": 8,
                                                       "members": ["201", "202"]})
        assert made.status_code == 200, made.text
        assert made.json() == {"name": "sales", "number": "600", "strategy": "linear", "step_seconds": 8,
                               "timeout": 30, "no_answer": "", "pickup_group": "", "members": ["201", "202"],
                               "pagers": [], "park_number": ""}
        bad = admin.put("/api/ringgroups/sales", json={"strategy": "random"})
        assert bad.status_code == 422 and "random" in bad.json()["error"] and "linear" in bad.json()["error"]
        assert admin.get("/api/ringgroups/sales").json()["strategy"] == "linear"
    assert Cli(api.data_dir, api.data_dir).ok("ringgroup", "list").splitlines()[1].split()[:3] == \
        ["sales", "600", "linear"]
    with api.user("101") as user:
        assert user.put("/api/ringgroups/x", json={"members": ["101"]}).status_code == 403
    with api.as_admin() as admin:
        assert admin.delete("/api/ringgroups/sales").status_code == 204
        assert admin.get("/api/ringgroups/sales").status_code == 404
