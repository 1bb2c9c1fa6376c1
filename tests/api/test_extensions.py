"""/api/extensions: the same rules and messages as `minipbx ext`, nothing half-written."""
from __future__ import annotations

import hashlib
import sqlite3

from tests.support.api import Api


def _dump(api: Api) -> list[str]:
    with sqlite3.connect(api.data_dir / "minipbx.db") as conn:
        return [line for line in conn.iterdump() if "audit_log" not in line and "api_sessions" not in line]


def test_create_read_change_delete(api: Api) -> None:
    with api.as_admin() as admin:
        created = admin.post("/api/extensions", json={"number": "101", "name": " Reception ", "email": "r@example.com",
                                                     "department": "Front"})
        assert created.status_code == 201
        body = created.json()
        assert body["extension"].pop("changed_by") == "admin" and body["extension"].pop("changed_at")
        assert body["extension"] == {"number": "101", "name": "Reception", "email": "r@example.com",
                                     "department": "Front", "role": "user", "device": "", "web_login": False}
        secret = body["sip_password"]
        assert secret["generated"] and len(secret["secret"]) >= 16
        with sqlite3.connect(api.data_dir / "minipbx.db") as conn:
            ha1 = conn.execute("SELECT ha1 FROM subscriber WHERE username = '101'").fetchone()[0]
        assert ha1 == hashlib.md5(f"101:minipbx:{secret['secret']}".encode()).hexdigest()

        changed = admin.patch("/api/extensions/101", json={"name": "Front desk", "department": ""})
        assert changed.json()["name"] == "Front desk" and changed.json()["department"] is None
        assert admin.get("/api/extensions/101").json()["email"] == "r@example.com"

        chosen = admin.put("/api/extensions/101/sip-password", json={"password": "Blue-Kettle-42"})
        assert chosen.json() == {"secret": "Blue-Kettle-42", "generated": False}
        web = admin.put("/api/extensions/101/web-password", json={})
        assert web.json()["generated"]
        assert admin.get("/api/extensions/101").json()["web_login"] is True
        with api.login("101", web.json()["secret"]) as person:
            assert person.get("/api/me").json()["login"] == "101"

        assert admin.delete("/api/extensions/101").status_code == 204
        gone = admin.get("/api/extensions/101")
        assert gone.status_code == 404
        assert gone.json()["error"] == "extension 101 does not exist; see `ext list`"
        assert admin.get("/api/extensions").json() == []
        # Its web login went with it.
        with api.client() as anonymous:
            assert anonymous.post("/api/login", json={"login": "101", "password": web.json()["secret"]}).status_code \
                == 401
    actions = [r[0] for r in api.admin().db.execute("SELECT action FROM audit_log WHERE who = 'admin'").fetchall()]
    assert actions == ["login", "extension.add", "extension.change", "extension.sip_password",
                       "extension.web_password", "extension.remove"]


def test_bad_input_names_the_value_and_what_is_accepted_and_changes_nothing(api: Api) -> None:
    with api.as_admin() as admin:
        admin.post("/api/extensions", json={"number": "101", "name": "Reception"})
        before = _dump(api)
        cases = [
            ({"number": "01", "name": "X"},
             "extension number '01' is not valid; use 2-6 digits not starting with 0 (e.g. 101)"),
            ({"number": "101", "name": "Again"},
             "extension 101 already exists; pick another number or `ext remove` it first"),
            ({"number": "102", "name": ""}, "name is empty; give the person's or the phone's name"),
            ({"number": "102", "name": "X", "email": "nope"}, "e-mail 'nope' is not an address; use name@example.com"),
            ({"number": "102", "name": "X", "role": "boss"}, "role 'boss' is not accepted; use one of: user, admin"),
            ({"number": "102", "name": "X", "password": "1234567890"}, "password is digits only"),
            ({"number": "102", "name": "X", "colour": "red"}, "request not accepted: colour = 'red': is not a known"),
            ({"number": 102, "name": "X"}, "request not accepted: number = 102: Input should be a valid string"),
            ({"name": "X"}, "request not accepted: number: is required"),
        ]
        for body, message in cases:
            answer = admin.post("/api/extensions", json=body)
            assert answer.status_code == 422, (body, answer.text)
            assert answer.json()["error"].startswith(message), answer.json()
        broken = admin.post("/api/extensions", content=b"{not json", headers={"content-type": "application/json"})
        assert broken.status_code == 422
        assert "JSON" in broken.json()["error"]
        huge = admin.post("/api/extensions", content=b"x" * (2 << 20), headers={"content-type": "application/json"})
        assert huge.status_code == 413
        assert admin.patch("/api/extensions/555", json={"name": "X"}).status_code == 404
    assert _dump(api) == before
