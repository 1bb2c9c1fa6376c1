"""Browser sessions: `POST /api/login` with `cookie: true` sets the session cookies; reads need only
the cookie, changes also the CSRF token echoed in X-CSRF-Token; logout ends the session."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.api import ADMIN_PASSWORD, Api, running_api

CHANGES = [
    ("POST", "/api/extensions", {"number": "150", "name": "Front desk"}),
    ("PUT", "/api/settings/ring_timeout", {"value": "12"}),
    ("DELETE", "/api/extensions/101", None),
]


@contextlib.contextmanager
def browser_login(api: Api, login: str = "admin",
                  password: str = ADMIN_PASSWORD) -> Iterator[tuple[httpx.Client, str]]:
    """A client that keeps cookies as a browser does (no Authorization header), logged in; and its CSRF token."""
    with api.client() as browser:
        answer = browser.post("/api/login", json={"login": login, "password": password, "cookie": True})
        assert answer.status_code == 200, answer.text
        assert "authorization" not in browser.headers
        yield browser, str(answer.json()["csrf_token"])


def set_cookies(answer: httpx.Response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {line.split("=", 1)[0]: line for line in answer.headers.get_list("set-cookie")}


def test_the_cookies_flags(api: Api) -> None:
    with api.client() as browser:
        answer = browser.post("/api/login", json={"login": "admin", "password": ADMIN_PASSWORD, "cookie": True})
        cookies = set_cookies(answer)
        session, csrf = cookies["minipbx_session"], cookies["minipbx_csrf"]
        assert session.startswith(f"minipbx_session={answer.json()['token']};")
        assert "HttpOnly" in session and "Path=/api" in session and "samesite=strict" in session.lower()
        assert "Max-Age=43200" in session
        # Page scripts read the CSRF cookie; it is the same value the login answer gives.
        assert csrf.startswith(f"minipbx_csrf={answer.json()['csrf_token']};")
        assert "HttpOnly" not in csrf and "samesite=strict" in csrf.lower()
        # Plain HTTP (loopback): a Secure cookie would never be sent back.
        assert "Secure" not in session and "Secure" not in csrf
        # Without `cookie` a login is for scripts: a bearer token and no cookies, as before.
        plain = browser.post("/api/login", json={"login": "admin", "password": ADMIN_PASSWORD})
        assert plain.status_code == 200 and plain.json()["csrf_token"] is None
        assert plain.headers.get_list("set-cookie") == []


def test_over_https_the_cookies_are_secure(tmp_path: Path) -> None:
    with running_api(tmp_path, scheme="https") as api, api.client() as browser:
        answer = browser.post("/api/login", json={"login": "admin", "password": ADMIN_PASSWORD, "cookie": True})
        cookies = set_cookies(answer)
        assert "Secure" in cookies["minipbx_session"] and "Secure" in cookies["minipbx_csrf"]
        assert browser.get("/api/me").json()["login"] == "admin"


def test_a_cookie_session_reads_but_changes_only_with_the_csrf_token(api: Api) -> None:
    api.user("101").close()
    with browser_login(api) as (browser, csrf):
        assert browser.get("/api/me").json()["login"] == "admin"
        assert [e["number"] for e in browser.get("/api/extensions").json()] == ["101"]
        for method, path, body in CHANGES:
            missing = browser.request(method, path, json=body)
            assert missing.status_code == 403, (method, path, missing.text)
            assert missing.json()["error"] == (
                f"a {method} signed in by the session cookie needs the X-CSRF-Token header with the value of the "
                "minipbx_csrf cookie (or send `Authorization: Bearer TOKEN` instead)")
            wrong = browser.request(method, path, json=body, headers={"X-CSRF-Token": "0" * 64})
            assert wrong.status_code == 403, (method, path, wrong.text)
            assert "X-CSRF-Token header does not match this session's minipbx_csrf cookie" in wrong.json()["error"]
        # A CSRF cookie planted by someone else, echoed in the header, belongs to no session.
        planted = {"minipbx_session": browser.cookies["minipbx_session"], "minipbx_csrf": "f" * 64}
        with httpx.Client(base_url=api.url, cookies=planted, timeout=10) as tossed:
            answer = tossed.put("/api/settings/ring_timeout", json={"value": "12"}, headers={"X-CSRF-Token": "f" * 64})
            assert answer.status_code == 403 and "does not match" in answer.json()["error"]
        # Nothing was changed by the refused requests.
        assert [e["number"] for e in browser.get("/api/extensions").json()] == ["101"]
        assert browser.get("/api/settings/ring_timeout").json()["value"] == "30"
        statuses = [browser.request(method, path, json=body, headers={"X-CSRF-Token": csrf}).status_code
                    for method, path, body in CHANGES]
        assert statuses == [201, 200, 204]
        assert [e["number"] for e in browser.get("/api/extensions").json()] == ["150"]
        assert browser.get("/api/settings/ring_timeout").json()["value"] == "12"
        # The changes are in the audit log under the admin's name, as with a token.
        assert browser.get("/api/audit").json()[0]["who"] == "admin"


def test_a_bearer_token_needs_no_csrf_token(api: Api) -> None:
    with api.as_admin() as script:
        assert script.put("/api/settings/ring_timeout", json={"value": "14"}).status_code == 200


def test_logout_clears_the_cookies_and_ends_the_session(api: Api) -> None:
    with browser_login(api) as (browser, csrf):
        session = browser.cookies["minipbx_session"]
        refused = browser.post("/api/logout")
        assert refused.status_code == 403
        assert browser.get("/api/me").status_code == 200
        out = browser.post("/api/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204
        cleared = set_cookies(out)
        assert 'minipbx_session=""' in cleared["minipbx_session"] and "Max-Age=0" in cleared["minipbx_session"]
        assert "Max-Age=0" in cleared["minipbx_csrf"]
        assert "minipbx_session" not in browser.cookies
        gone = browser.get("/api/me")
        assert gone.status_code == 401 and "log in first" in gone.json()["error"]
    # The session itself is over: the old cookie sent again is refused.
    with httpx.Client(base_url=api.url, cookies={"minipbx_session": session}, timeout=10) as replay:
        answer = replay.get("/api/me")
        assert answer.status_code == 401
        assert answer.json()["error"] == "the session cookie is unknown, ended or expired; log in again"


def test_a_new_web_password_another_role_or_the_expiry_end_cookie_sessions(api: Api) -> None:
    api.user("105").close()
    with api.as_admin() as admin:
        with browser_login(api, "105", "Green-Lamp-77q") as (browser, _):
            assert browser.get("/api/me").json()["login"] == "105"
            assert admin.put("/api/extensions/105/web-password", json={"password": "Fresh-Cedar-93"}).status_code \
                == 200
            assert browser.get("/api/me").status_code == 401
        with browser_login(api, "105", "Fresh-Cedar-93") as (browser, _):
            assert admin.patch("/api/extensions/105", json={"role": "admin"}).status_code == 200
            assert browser.get("/api/me").status_code == 401
        with browser_login(api, "105", "Fresh-Cedar-93") as (browser, _):
            store = api.admin().db
            store.execute("UPDATE api_sessions SET expires_at = '2020-01-01T00:00:00+00:00' WHERE login = '105'")
            store.conn.commit()
            expired = browser.get("/api/me")
            assert expired.status_code == 401 and "unknown, ended or expired" in expired.json()["error"]
