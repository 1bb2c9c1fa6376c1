"""Voice menus through the API: the same rules as `minipbx ivr`; keys set with the menu in one go;
PINs never shown."""
from __future__ import annotations

from firmware.apps.ivr.config import get_menu
from firmware.pins.guard import pin_matches
from tests.cli.conftest import Cli
from tests.support.api import Api

MAIN = {"greeting": "welcome", "timeout": 7, "default_dest": "group:sales", "outside_cos": "national",
        "pin": "4821", "language": "de", "options": {"1": "group:sales", "#": "hangup"}}


def test_set_show_change_and_remove_a_menu(api: Api) -> None:
    with api.as_admin() as admin:
        assert admin.put("/api/ringgroups/sales", json={"members": []}).status_code == 200
        admin.post("/api/extensions", json={"number": "101", "name": "Reception"})
        made = admin.put("/api/menus/main", json=MAIN)
        assert made.status_code == 200, made.text
        assert made.json() == {"name": "main", "greeting": "welcome", "language": "de", "timeout": 7,
                               "max_invalid": 3, "default_dest": "group:sales", "direct_dial": True,
                               "outside_cos": "national", "has_pin": True,
                               "options": {"1": "group:sales", "#": "hangup"}}
        assert admin.get("/api/menus/main").json() == made.json()
        assert "4821" not in admin.get("/api/menus").text and "4821" not in admin.get("/api/audit").text
        # Fields left out are kept; given options replace the keys.
        changed = admin.put("/api/menus/main", json={"direct_dial": False, "options": {"2": "ext:101"}})
        assert (changed.json()["greeting"], changed.json()["direct_dial"], changed.json()["options"]) == (
            "welcome", False, {"2": "ext:101"})
        assert admin.put("/api/menus/front", json={"options": {"0": "ivr:main"}}).status_code == 200
        held = admin.delete("/api/menus/main")
        assert held.status_code == 422
        assert held.json()["error"] == ("voice menu main cannot be removed: ivr:main is still used by voice menu "
                                        "front key 0; change those first")
    # The PIN works for callers; the command line shows what the API set.
    menu = get_menu(api.admin().db, "main")
    assert menu is not None and pin_matches(menu.pin_hash, "4821")
    shown = Cli(api.data_dir, api.data_dir).ok("ivr", "show", "main").splitlines()
    assert "  dial out      national (PIN)" in shown and "  key 2         ext:101" in shown
    with api.as_admin() as admin:
        assert admin.delete("/api/menus/front").status_code == 204
        assert admin.delete("/api/menus/main").status_code == 204
        assert admin.get("/api/menus/main").status_code == 404
        assert admin.get("/api/menus").json() == []
        assert [e["action"] for e in admin.get("/api/audit").json() if e["action"].startswith("menu.")] == [
            "menu.remove", "menu.remove", "menu.set", "menu.set", "menu.set"]


def test_a_refused_menu_or_key_changes_nothing(api: Api) -> None:
    with api.as_admin() as admin:
        assert admin.put("/api/menus/main", json={"greeting": "welcome", "options": {"1": "hangup"}}).status_code \
            == 200
        before = admin.get("/api/menus/main").json()
        for body, message in [
            ({"timeout": 0}, "timeout 0 is not accepted; use a whole number of seconds 1-60"),
            ({"pin": "1111"}, "PIN 1111 is too easy to guess"),
            ({"outside_cos": "everything"}, "class of service 'everything' is not known"),
            ({"language": "fr"}, "language 'fr' is not accepted"),
            ({"default_dest": "ivr:main"}, "is the menu itself"),
            # The menu's own fields are not kept when one of the keys is refused.
            ({"greeting": "", "options": {"A": "ext:101"}}, "key 'A' is not accepted; use one of 0-9, * or #"),
            ({"greeting": "", "options": {"1": "ivr:nope"}}, "voice menu nope does not exist"),
            ({"keys": {"1": "hangup"}}, "keys"),
        ]:
            answer = admin.put("/api/menus/main", json=body)
            assert answer.status_code == 422, (body, answer.text)
            assert message in answer.json()["error"], (body, answer.json())
        assert admin.get("/api/menus/main").json() == before
        # A new menu whose keys are refused is not made at all.
        assert admin.put("/api/menus/other", json={"options": {"1": "group:nope"}}).status_code == 422
        assert admin.get("/api/menus/other").status_code == 404
        bad_name = admin.put("/api/menus/-x", json={})
        assert bad_name.status_code == 422 and "voice menu name '-x' is not accepted" in bad_name.json()["error"]
