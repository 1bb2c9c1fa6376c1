"""Inbound routes through the API: the same rules as `minipbx route`; a route holds what it leads to."""
from __future__ import annotations

import httpx

from tests.cli.conftest import Cli
from tests.support.api import Api


def _trunk_menu_and_extension(admin: httpx.Client) -> None:
    assert admin.post("/api/trunks", json={"name": "prov", "host": "192.0.2.1", "username": "acme",
                                           "password": "Trunk-pass-1234"}).status_code == 201
    assert admin.post("/api/extensions", json={"number": "101", "name": "Reception"}).status_code == 201
    assert admin.put("/api/menus/main", json={}).status_code == 200


def test_set_list_and_remove_routes(api: Api) -> None:
    with api.as_admin() as admin:
        _trunk_menu_and_extension(admin)
        day = admin.put("/api/inbound-routes/prov/any/day", json={"destination": "ivr:main"})
        assert day.status_code == 200, day.text
        assert day.json() == {"trunk": "prov", "did": "", "mode": "day", "destination": "ivr:main", "music": ""}
        direct = admin.put("/api/inbound-routes/prov/4930101/*", json={"destination": "ext:101"})
        assert direct.json() == {"trunk": "prov", "did": "4930101", "mode": "*", "destination": "ext:101",
                                 "music": ""}
        assert [(r["did"], r["mode"], r["destination"]) for r in admin.get("/api/inbound-routes").json()] == [
            ("", "day", "ivr:main"), ("4930101", "*", "ext:101")]
        # A route holds the menu it leads to.
        held = admin.delete("/api/menus/main")
        assert held.status_code == 422
        assert held.json()["error"] == ("voice menu main cannot be removed: ivr:main is still used by inbound route "
                                        "prov/any/day; change those first")
    listed = Cli(api.data_dir, api.data_dir).ok("route", "list").splitlines()
    assert [line.split() for line in listed[1:]] == [["prov", "any", "day", "ivr:main", "default"],
                                                     ["prov", "4930101", "*", "ext:101", "default"]]
    with api.as_admin() as admin:
        assert admin.delete("/api/inbound-routes/prov/any/day").status_code == 204
        again = admin.delete("/api/inbound-routes/prov/any/day")
        assert again.status_code == 404
        assert again.json()["error"] == "there is no inbound route on prov for any number in mode day; see `route list`"
        assert admin.delete("/api/menus/main").status_code == 204
        assert [r["did"] for r in admin.get("/api/inbound-routes").json()] == ["4930101"]
        assert [e["action"] for e in admin.get("/api/audit").json() if e["action"].startswith("route.")] == [
            "route.remove", "route.set", "route.set"]


def test_refused_routes_name_the_value_and_change_nothing(api: Api) -> None:
    with api.as_admin() as admin:
        _trunk_menu_and_extension(admin)
        for path, body, message in [
            ("/api/inbound-routes/prov/any/weekend", {"destination": "ext:101"},
             "mode 'weekend' is not known; use one of: day, lunch, break, night, holiday or * for every mode"),
            ("/api/inbound-routes/prov/any/day", {"destination": "group:nope"}, "ring group nope does not exist"),
            ("/api/inbound-routes/nope/any/day", {"destination": "ext:101"}, "trunk nope does not exist"),
            ("/api/inbound-routes/prov/49-30/day", {"destination": "ext:101"},
             "dialled number '49-30' is not accepted; use digits"),
            ("/api/inbound-routes/prov/any/day", {"destination": "ext:101", "music": "disco"}, "'disco'"),
            ("/api/inbound-routes/prov/any/day", {"destination": "ext:101", "did": "1"}, "did"),
        ]:
            answer = admin.put(path, json=body)
            assert answer.status_code == 422, (path, body, answer.text)
            assert message in answer.json()["error"], (path, answer.json())
        assert admin.get("/api/inbound-routes").json() == []
