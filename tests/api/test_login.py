"""Logging in: tokens, 401 without them, the same answer for unknown users, lockout after wrong passwords."""
from __future__ import annotations

from tests.support.api import ADMIN_PASSWORD, Api


def test_nothing_but_health_and_login_without_a_token(api: Api) -> None:
    with api.client() as anonymous:
        assert anonymous.get("/api/health").json() == {"ok": True}
        # The description of the API is public (it holds no data); every path in it needs a token.
        described = anonymous.get("/api/openapi.json").json()
        assert {"/api/login", "/api/extensions", "/api/cdr", "/api/calls", "/api/mode", "/api/webhooks",
                "/api/keys"} <= set(described["paths"])
        assert "HTTPBearer" in described["components"]["securitySchemes"]
        assert "swagger" in anonymous.get("/api/docs").text.lower()
        for method, path in (("GET", "/api/extensions"), ("GET", "/api/settings"), ("GET", "/api/cdr"),
                             ("GET", "/api/mode"), ("GET", "/api/calls"), ("POST", "/api/extensions"),
                             ("GET", "/api/me"), ("GET", "/api/keys")):
            answer = anonymous.request(method, path)
            assert answer.status_code == 401, (path, answer.text)
            assert "log in first" in answer.json()["error"]
            assert answer.headers["www-authenticate"] == "Bearer"
    with api.client("mps_made-up-token") as forged:
        answer = forged.get("/api/me")
        assert answer.status_code == 401
        assert "unknown, revoked or expired" in answer.json()["error"]


def test_login_gives_a_token_and_logout_ends_it(api: Api) -> None:
    with api.as_admin() as admin:
        me = admin.get("/api/me").json()
        assert (me["login"], me["role"]) == ("admin", "admin")
        assert "settings" in me["permissions"]
        assert admin.post("/api/logout").status_code == 204
        assert admin.get("/api/me").status_code == 401


def test_unknown_user_and_wrong_password_are_answered_alike_and_lock_the_address_out(api: Api) -> None:
    with api.client() as anonymous:
        unknown = anonymous.post("/api/login", json={"login": "nobody", "password": "whatever-1234"})
        wrong = anonymous.post("/api/login", json={"login": "admin", "password": "not-the-password-1"})
        assert unknown.status_code == wrong.status_code == 401
        assert unknown.json() == wrong.json() == {"error": "unknown login or wrong password", "fields": []}
        # The third failure locks this address out, even for the right password.
        third = anonymous.post("/api/login", json={"login": "admin", "password": "still-wrong-2"})
        assert third.status_code == 429
        assert "too many failed logins" in third.json()["error"]
        assert int(third.headers["retry-after"]) >= 1
        right = anonymous.post("/api/login", json={"login": "admin", "password": ADMIN_PASSWORD})
        assert right.status_code == 429
    # Failed logins are in the audit log, the passwords are not.
    admin = api.admin()
    rows = admin.db.execute("SELECT who, action, detail FROM audit_log WHERE action = 'login.failed'").fetchall()
    assert [r[0] for r in rows] == ["nobody", "admin"]
    assert not admin.db.execute("SELECT 1 FROM audit_log WHERE detail LIKE '%wrong%'").fetchone()


def test_changing_ones_own_password_needs_the_current_one(api: Api) -> None:
    with api.user("101") as user:
        wrong = user.put("/api/me/password", json={"current_password": "nope-nope-1", "new_password": "Fresh-Cedar-93"})
        assert wrong.status_code == 403
        weak = user.put("/api/me/password", json={"current_password": "Green-Lamp-77q", "new_password": "short"})
        assert weak.status_code == 422
        assert "too short" in weak.json()["error"]
        ok = user.put("/api/me/password", json={"current_password": "Green-Lamp-77q", "new_password": "Fresh-Cedar-93"})
        assert ok.status_code == 204
        # Sessions opened with the old password end with it.
        assert user.get("/api/me").status_code == 401
    with api.login("101", "Fresh-Cedar-93") as again:
        assert again.get("/api/me").json()["login"] == "101"
