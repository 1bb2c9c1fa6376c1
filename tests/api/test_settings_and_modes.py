"""/api/settings and /api/mode: the same rules as `minipbx config` and `minipbx mode`."""
from __future__ import annotations

from tests.cli.conftest import Cli
from tests.support.api import Api


def test_settings_read_and_change_with_the_cli_rules(api: Api) -> None:
    cli = Cli(api.data_dir, api.data_dir)
    with api.as_admin() as admin:
        listed = {s["key"]: s for s in admin.get("/api/settings").json()}
        assert listed["ring_timeout"]["value"] == "30"
        assert listed["ring_timeout"]["accepted"] == "a whole number of seconds 5-300"
        assert listed["ban_seconds"]["applies_at_next_start"] is True
        assert admin.put("/api/settings/ring_timeout", json={"value": "12"}).json()["value"] == "12"
        # The CLI sees what the API wrote, at once.
        assert cli.ok("config", "get", "ring_timeout") == "12\n"
        refused = admin.put("/api/settings/ring_timeout", json={"value": "2"})
        assert refused.status_code == 422
        assert refused.json()["error"] == "ring_timeout = '2' is not accepted; use a whole number of seconds 5-300"
        unknown = admin.put("/api/settings/colour", json={"value": "red"})
        assert unknown.status_code == 422
        assert unknown.json()["error"].startswith("unknown setting 'colour'; known settings: ")
        assert admin.put("/api/settings/sip_realm", json={"value": "x"}).json()["error"] == \
            "sip_realm cannot be changed: every SIP password is hashed with it"
        admin.put("/api/settings/smtp_password", json={"value": "hunter2-secret"})
        shown = admin.get("/api/settings/smtp_password").json()
        assert (shown["value"], shown["secret"]) == ("(set)", True)
        assert "hunter2" not in admin.get("/api/audit").text
        assert cli.ok("config", "get", "ring_timeout") == "12\n"


def test_mode_override_and_back_to_the_timetable(api: Api) -> None:
    cli = Cli(api.data_dir, api.data_dir)
    with api.as_admin() as admin:
        assert admin.get("/api/mode").json()["mode"] == "night"
        lunch = admin.put("/api/mode", json={"mode": "lunch", "kind": "fixed"}).json()
        assert (lunch["mode"], lunch["override"]) == ("lunch", "fixed")
        assert lunch["reason"] == "fixed override by admin"
        assert cli.ok("mode") == "mode: lunch (fixed override by admin)\n"
        bad = admin.put("/api/mode", json={"mode": "siesta"})
        assert bad.status_code == 422
        assert "siesta" in bad.json()["error"] and "day" in bad.json()["error"]
        bad_kind = admin.put("/api/mode", json={"mode": "day", "kind": "forever"})
        assert bad_kind.status_code == 422
        assert "'temporary' or 'fixed'" in bad_kind.json()["error"]
        back = admin.delete("/api/mode/override").json()
        assert (back["mode"], back["override"]) == ("night", None)
        assert [e["by"] for e in admin.get("/api/mode/log").json()][:2] == ["admin", "admin"]
