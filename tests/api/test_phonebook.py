"""The desk phones' phonebook served by the API process: a phone logs in with its SIP account."""
from __future__ import annotations

import httpx

from firmware.store.extensions import add_extension
from tests.support.api import Api

PASSWORD = "Desk-phone-pass-77"


def test_a_desk_phone_fetches_its_phonebook_with_its_sip_account(api: Api) -> None:
    admin = api.admin()
    add_extension(admin.db, "101", "Anna Reception", password=PASSWORD)
    add_extension(admin.db, "102", "Bert Sales", password="Other-phone-pass-88")
    admin.db.conn.close()
    with httpx.Client(base_url=api.url, timeout=10) as phone:
        book = phone.get("/phonebook/yealink.xml", auth=("101", PASSWORD))
        assert book.status_code == 200
        assert book.headers["content-type"].startswith("text/xml")
        assert "Bert Sales" in book.text and "102" in book.text
        assert phone.get("/phonebook/contacts.csv", auth=("101", PASSWORD)).text.count("\n") >= 2
        # A wrong password, no login, an API token's place: refused, and the browser is asked to log in.
        refused = phone.get("/phonebook/yealink.xml", auth=("101", "wrong-password"))
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
        assert phone.get("/phonebook/yealink.xml").status_code == 401
        missing = phone.get("/phonebook/nokia.xml", auth=("101", PASSWORD))
        assert missing.status_code == 404 and "/phonebook/yealink.xml" in missing.text


def test_the_directory_sync_is_shown_to_who_may_see_settings(api: Api) -> None:
    from firmware.directory.config import set_config

    admin = api.admin()
    set_config(admin.db, {"url": "ldaps://dc1.example.com", "bind_password": "Bind-secret-99",
                          "base_dn": "ou=people,dc=example,dc=com"})
    admin.db.execute("INSERT INTO directory_log (started_at, finished_at, trigger, ok, error) "
                     "VALUES ('2026-12-01T08:00:00', '2026-12-01T08:00:02', 'schedule', 0, "
                     "'the directory server ldaps://dc1.example.com cannot be reached')")
    admin.db.conn.close()
    with api.as_admin() as client:
        shown = client.get("/api/directory").json()
        assert shown["config"]["bind_password"] == "(set)" and "Bind-secret-99" not in str(shown)
        assert shown["last_sync"]["ok"] is False
        assert "cannot be reached" in shown["last_sync"]["error"]
        assert len(client.get("/api/directory/log").json()) == 1
    with api.client() as anonymous:
        assert anonymous.get("/api/directory").status_code == 401
