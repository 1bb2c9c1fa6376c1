"""Giving an extension a class of service (per mode), caller ID and lines through the API: the same
rules as `minipbx cos assign|callerid|lines`, shown with the extension."""
from __future__ import annotations

from tests.cli.conftest import Cli
from tests.support.api import Api

DEFAULT = {"class_of_service": "national", "class_of_service_by_mode": {}, "caller_id": "", "lines": []}


def test_class_caller_id_and_lines_show_with_the_extension(api: Api) -> None:
    cli = Cli(api.data_dir, api.data_dir)
    with api.as_admin() as admin:
        assert admin.post("/api/extensions", json={"number": "101", "name": "Sales"}).status_code == 201
        assert admin.post("/api/trunks", json={"name": "prov", "host": "192.0.2.1", "username": "acme",
                                               "password": "Trunk-pass-1234"}).status_code == 201
        assert admin.get("/api/extensions/101").json()["dialing"] == DEFAULT
        local = admin.put("/api/extensions/101/class-of-service", json={"class": "local", "mode": None})
        assert local.status_code == 200, local.text
        night = admin.put("/api/extensions/101/class-of-service", json={"class": "internal", "mode": "night"})
        assert night.json()["class_of_service_by_mode"] == {"night": "internal"}
        caller_id = admin.put("/api/extensions/101/caller-id", json={"caller_id": "+493012345101"})
        assert caller_id.status_code == 200, caller_id.text
    cli.ok("group", "set", "landline", "prov")
    with api.as_admin() as admin:
        lines = admin.put("/api/extensions/101/lines", json={"groups": ["landline"]})
        assert lines.status_code == 200, lines.text
        assert admin.get("/api/extensions/101").json()["dialing"] == {
            "class_of_service": "local", "class_of_service_by_mode": {"night": "internal"},
            "caller_id": "+493012345101", "lines": ["landline"]}
    assert ["101", "night", "internal"] in [line.split() for line in cli.ok("cos", "list").splitlines()]
    cli.ok("cos", "callerid", "101", "")
    cli.ok("cos", "lines", "101")
    with api.as_admin() as admin:
        dialing = admin.get("/api/extensions/101").json()["dialing"]
        assert (dialing["caller_id"], dialing["lines"]) == ("", [])
        audit = [(e["action"], e["who"]) for e in admin.get("/api/audit").json()
                 if e["action"] in ("cos.assign", "extension.caller_id", "extension.lines")]
        assert audit == [("extension.lines", "command line"), ("extension.caller_id", "command line"),
                         ("extension.lines", "admin"), ("extension.caller_id", "admin"),
                         ("cos.assign", "admin"), ("cos.assign", "admin")]


def test_refusals_name_the_value_and_change_nothing(api: Api) -> None:
    with api.as_admin() as admin:
        admin.post("/api/extensions", json={"number": "101", "name": "Sales"})
        unknown = admin.put("/api/extensions/101/class-of-service", json={"class": "gold"})
        assert unknown.status_code == 422 and "gold" in unknown.json()["error"], unknown.text
        mode = admin.put("/api/extensions/101/class-of-service", json={"class": "local", "mode": "weekend"})
        assert mode.status_code == 422
        assert mode.json()["error"] == "mode 'weekend' is not known; use one of: day, lunch, break, night, holiday"
        caller_id = admin.put("/api/extensions/101/caller-id", json={"caller_id": "anonymous"})
        assert caller_id.status_code == 422
        assert caller_id.json()["error"] == ("caller ID 'anonymous' is not a phone number; use digits, optionally "
                                             "with a leading + ('' = the trunk's default)")
        lines = admin.put("/api/extensions/101/lines", json={"groups": ["mobile"]})
        assert lines.status_code == 422
        assert lines.json()["error"] == "trunk group mobile does not exist; known: none"
        assert admin.get("/api/extensions/101").json()["dialing"] == DEFAULT
        missing = admin.put("/api/extensions/555/caller-id", json={"caller_id": "0301234"})
        assert missing.status_code == 404
        assert missing.json()["error"] == "extension 555 does not exist; see `ext list`"
    with api.key("wallboard", ["reports"]) as wallboard:
        refused = wallboard.put("/api/extensions/101/lines", json={"groups": []})
        assert refused.status_code == 403 and "call_logic" in refused.json()["error"]
    with api.as_admin() as admin:
        assert admin.get("/api/extensions/101").json()["dialing"] == DEFAULT
