"""Trunk groups through the API: the same rules as `minipbx group`; one an extension's lines name stays."""
from __future__ import annotations

from tests.cli.conftest import Cli
from tests.support.api import Api


def _trunks(api: Api, *names: str) -> None:
    with api.as_admin() as admin:
        for name in names:
            made = admin.post("/api/trunks", json={"name": name, "host": "192.0.2.1", "register": False})
            assert made.status_code == 201, made.text


def test_make_show_change_and_remove_a_trunk_group(api: Api) -> None:
    cli = Cli(api.data_dir, api.data_dir)
    _trunks(api, "fibre", "mobile")
    with api.as_admin() as admin:
        made = admin.put("/api/trunk-groups/out", json={"trunks": ["fibre", "mobile"]})
        assert made.status_code == 200, made.text
        assert made.json() == {"name": "out", "strategy": "first_free", "trunks": ["fibre", "mobile"], "used_by": []}
        assert admin.get("/api/trunk-groups").json() == [made.json()]
        listed = [line.split() for line in cli.ok("group", "list").splitlines()]
        assert ["out", "first_free", "fibre,", "mobile"] in listed
        # Replaced as a whole: the new order is the order calls try the lines in.
        swapped = admin.put("/api/trunk-groups/out", json={"trunks": ["mobile", "fibre"], "strategy": "least_used"})
        assert (swapped.json()["trunks"], swapped.json()["strategy"]) == (["mobile", "fibre"], "least_used")
        assert admin.post("/api/extensions", json={"number": "101", "name": "Sales"}).status_code == 201
        assert admin.put("/api/extensions/101/lines", json={"groups": ["out"]}).status_code == 200
        assert admin.get("/api/trunk-groups/out").json()["used_by"] == ["extension 101's lines"]
        held = admin.delete("/api/trunk-groups/out")
        assert held.status_code == 422
        assert held.json()["error"] == ("trunk group out cannot be removed: out is still used by extension 101's "
                                        "lines; change those first")
        assert admin.put("/api/extensions/101/lines", json={"groups": []}).status_code == 200
        assert admin.delete("/api/trunk-groups/out").status_code == 204
        assert admin.get("/api/trunk-groups/out").status_code == 404
        assert [e["action"] for e in admin.get("/api/audit").json() if e["action"].startswith("trunk_group.")] == [
            "trunk_group.remove", "trunk_group.set", "trunk_group.set"]
    cli.ok("group", "set", "backup", "mobile")
    cli.ok("group", "remove", "backup")
    gone = cli.fails("group", "remove", "backup")
    assert gone == "minipbx: error: trunk group backup does not exist; see `group list`"


def test_refusals_name_the_value_and_change_nothing(api: Api) -> None:
    _trunks(api, "fibre")
    with api.as_admin() as admin:
        admin.put("/api/trunk-groups/out", json={"trunks": ["fibre"]})
        for body, message in (
                ({"trunks": ["fibre", "nope"]}, "trunk nope does not exist; add it before putting it in group out"),
                ({"trunks": []}, "group out needs at least one trunk"),
                ({"trunks": ["fibre", "fibre"]}, "trunk fibre is named twice in group out; name each trunk once, in "
                                                 "the order they are tried"),
                ({"trunks": ["fibre"], "strategy": "random"},
                 "strategy 'random' is not accepted; use one of: first_free, round_robin, least_used")):
            refused = admin.put("/api/trunk-groups/out", json=body)
            assert refused.status_code == 422 and refused.json()["error"] == message, refused.text
        name = admin.put("/api/trunk-groups/Out Lines", json={"trunks": ["fibre"]})
        assert name.status_code == 422 and name.json()["error"].startswith("group name 'Out Lines' is not accepted")
        field = admin.put("/api/trunk-groups/out", json={"members": ["fibre"]})
        assert field.status_code == 422 and "members" in field.json()["error"]
        assert admin.get("/api/trunk-groups/out").json()["trunks"] == ["fibre"]
        assert admin.delete("/api/trunk-groups/nope").json()["error"] == \
            "trunk group nope does not exist; see `group list`"
    with api.user("105") as user:
        assert user.get("/api/trunk-groups").status_code == 403
