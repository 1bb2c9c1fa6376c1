"""Every endpoint checks a permission: users cannot do an administrator's job; custom roles and keys get theirs."""
from __future__ import annotations

from tests.support.api import Api

ADMIN_ONLY = [
    ("GET", "/api/extensions", None, "extensions"),
    ("POST", "/api/extensions", {"number": "150", "name": "Intruder"}, "extensions"),
    ("PATCH", "/api/extensions/102", {"role": "admin"}, "extensions"),
    ("DELETE", "/api/extensions/102", None, "extensions"),
    ("PUT", "/api/extensions/102/sip-password", {}, "extensions"),
    ("PUT", "/api/extensions/102/web-password", {}, "extensions"),
    ("GET", "/api/extensions/102", None, "extensions"),
    ("GET", "/api/settings", None, "settings"),
    ("PUT", "/api/settings/ring_timeout", {"value": "10"}, "settings"),
    ("PUT", "/api/mode", {"mode": "night"}, "call_logic"),
    ("DELETE", "/api/mode/override", None, "call_logic"),
    ("GET", "/api/roles", None, "users"),
    ("PUT", "/api/roles/ops", {"permissions": ["settings"]}, "users"),
    ("POST", "/api/keys", {"name": "mine", "permissions": ["reports"]}, "users"),
    ("GET", "/api/audit", None, "users"),
    ("GET", "/api/cdr?extension=102", None, "reports"),
]


def test_a_user_gets_403_on_every_admin_endpoint_and_nothing_changes(api: Api) -> None:
    with api.as_admin() as admin:
        assert admin.post("/api/extensions", json={"number": "102", "name": "Sales"}).status_code == 201
        before = admin.get("/api/extensions").json()
    with api.user("101") as user:
        for method, path, body, permission in ADMIN_ONLY:
            answer = user.request(method, path, json=body)
            assert answer.status_code == 403, (method, path, answer.text)
            assert answer.json()["error"] == f"this needs the {permission!r} permission; 101 (user) has: none"
        # What is their own they may read.
        assert user.get("/api/extensions/101").json()["number"] == "101"
        assert user.get("/api/mode").status_code == 200
    with api.as_admin() as admin:
        after = admin.get("/api/extensions").json()
        assert [e for e in after if e["number"] != "101"] == before
        assert admin.get("/api/settings/ring_timeout").json()["value"] == "30"


def test_a_custom_role_gives_exactly_its_permissions_and_a_role_change_applies_at_once(api: Api) -> None:
    with api.as_admin() as admin:
        role = admin.put("/api/roles/reception", json={"permissions": ["settings", "live_calls"]})
        assert role.json() == {"name": "reception", "permissions": ["settings", "live_calls"], "built_in": False}
        bad = admin.put("/api/roles/reception", json={"permissions": ["settings", "coffee"]})
        assert bad.status_code == 422
        assert bad.json()["error"].startswith("permission 'coffee' is not known; use any of: settings, extensions")
    with api.user("105", role="reception") as receptionist:
        assert receptionist.put("/api/settings/ring_timeout", json={"value": "12"}).status_code == 200
        refused = receptionist.post("/api/extensions", json={"number": "150", "name": "X"})
        assert refused.status_code == 403
        assert refused.json()["error"].endswith("105 (reception) has: settings, live_calls")
        with api.as_admin() as admin:
            assert admin.patch("/api/extensions/105", json={"role": "user"}).status_code == 200
        # A changed role ends the sessions opened with the old one.
        assert receptionist.get("/api/me").status_code == 401


def test_an_api_key_for_a_crm_reads_reports_and_nothing_else(api: Api) -> None:
    with api.as_admin() as admin:
        created = admin.post("/api/keys", json={"name": "crm", "permissions": ["reports", "live_calls"]})
        assert created.status_code == 201
        token = created.json()["token"]
        assert token.startswith("mpk_")
        assert admin.get("/api/keys").json() == [{**created.json()["key"]}]
        assert token not in admin.get("/api/keys").text
    with api.client(token) as crm:
        assert crm.get("/api/cdr").status_code == 200
        assert crm.get("/api/stats/summary").status_code == 200
        assert crm.get("/api/me").json() == {"who": "key:crm", "login": None, "role": "api key",
                                             "permissions": ["live_calls", "reports"]}
        assert crm.put("/api/settings/country", json={"value": "US"}).status_code == 403
        assert crm.get("/api/extensions").status_code == 403
        with api.as_admin() as admin:
            assert admin.delete("/api/keys/crm").status_code == 204
            assert admin.delete("/api/keys/crm").status_code == 404
        assert crm.get("/api/cdr").status_code == 401
    # The database keeps only a hash of the token.
    admin_db = api.admin().db
    assert token not in "".join(admin_db.conn.iterdump())


def test_nobody_hands_out_or_takes_over_more_than_they_hold(api: Api) -> None:
    with api.as_admin() as admin:
        admin.put("/api/roles/hr", json={"permissions": ["extensions", "users"]})
        admin.post("/api/extensions", json={"number": "102", "name": "Director", "role": "admin"})
    with api.user("105", role="hr") as hr:
        assert hr.post("/api/extensions", json={"number": "150", "name": "New hire"}).status_code == 201
        escalate = hr.post("/api/extensions", json={"number": "151", "name": "Friend", "role": "admin"})
        assert escalate.status_code == 403
        assert escalate.json()["error"].startswith("role admin has permissions 105 (hr) does not: settings, call_logic")
        assert hr.patch("/api/extensions/150", json={"role": "admin"}).status_code == 403
        assert hr.patch("/api/extensions/105", json={"role": "admin"}).status_code == 403
        takeover = hr.put("/api/extensions/102/web-password", json={})
        assert takeover.status_code == 403
        assert takeover.json()["error"].startswith("extension 102 (role admin) has permissions 105 (hr) does not")
        assert hr.delete("/api/extensions/102").status_code == 403
        assert hr.put("/api/roles/hr", json={"permissions": ["extensions", "users", "settings"]}).status_code == 403
        assert hr.post("/api/keys", json={"name": "all", "permissions": ["settings"]}).status_code == 403
        assert hr.post("/api/keys", json={"name": "sync", "permissions": ["extensions"]}).status_code == 201
    with api.as_admin() as admin:
        assert admin.get("/api/extensions/102").json()["role"] == "admin"
        assert {e["number"] for e in admin.get("/api/extensions").json()} == {"102", "105", "150"}
