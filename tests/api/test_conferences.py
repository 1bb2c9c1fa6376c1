"""Conference rooms through the API: the same rules as `minipbx conf`, PINs never shown."""
from __future__ import annotations

from tests.cli.conftest import Cli
from tests.support.api import Api


def test_rooms_need_call_logic_and_never_show_their_pins(api: Api) -> None:
    with api.as_admin() as admin:
        made = admin.put("/api/conferences/800", json={"name": "Weekly", "pin": "4711", "max_parties": 6})
        assert made.status_code == 200, made.text
        assert made.json() == {"number": "800", "name": "Weekly", "has_pin": True, "has_moderator_pin": False,
                               "max_parties": 6, "music_alone": True}
        assert "4711" not in admin.get("/api/conferences").text
        bad = admin.put("/api/conferences/810", json={})
        assert bad.status_code == 422 and "conference_numbers (800-809)" in bad.json()["error"]
        easy = admin.put("/api/conferences/801", json={"pin": "0000"})
        assert easy.status_code == 422 and "too easy to guess" in easy.json()["error"]
        assert admin.get("/api/conferences/805").status_code == 404
        assert "4711" not in admin.get("/api/audit").text
    with api.user("101") as user:
        assert user.put("/api/conferences/802", json={}).status_code == 403
    # The command line lists what the API made; removing it frees the number.
    cli = Cli(api.data_dir, api.data_dir)
    assert "Weekly" in cli.ok("conf", "list")
    with api.as_admin() as admin:
        assert admin.delete("/api/conferences/800").status_code == 204
        assert admin.get("/api/conferences").json() == []
