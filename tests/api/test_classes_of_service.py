"""Classes of service through the API: the same rules as `minipbx cos`; one still dialled with stays."""
from __future__ import annotations

from tests.cli.conftest import Cli
from tests.support.api import Api

BUILT_IN = ["internal", "international", "local", "national", "unrestricted"]


def test_define_show_and_remove_a_class_of_service(api: Api) -> None:
    cli = Cli(api.data_dir, api.data_dir)
    with api.as_admin() as admin:
        assert [c["name"] for c in admin.get("/api/classes-of-service").json()] == BUILT_IN
        made = admin.put("/api/classes-of-service/sales", json={"allows": ["mobile", "internal", "local"]})
        assert made.status_code == 200, made.text
        assert made.json() == {"name": "sales", "allows": ["internal", "local", "mobile"], "used_by": []}
        assert admin.get("/api/classes-of-service/sales").json() == made.json()
        listed = [line.split(None, 1) for line in cli.ok("cos", "list").splitlines()]
        assert ["sales", "internal, local, mobile"] in listed
        assert admin.post("/api/extensions", json={"number": "101", "name": "Sales"}).status_code == 201
    cli.ok("cos", "assign", "101", "sales")
    cli.ok("cos", "assign", "*", "sales", "--mode", "night")
    with api.as_admin() as admin:
        assert admin.get("/api/classes-of-service/sales").json()["used_by"] == [
            "extension 101", "everyone in night mode"]
        held = admin.delete("/api/classes-of-service/sales")
        assert held.status_code == 422
        assert held.json()["error"] == ("class of service sales cannot be removed: sales is still used by extension "
                                        "101, everyone in night mode; change those first")
    cli.ok("cos", "assign", "101", "national")
    cli.ok("cos", "assign", "*", "national", "--mode", "night")
    with api.as_admin() as admin:
        assert admin.delete("/api/classes-of-service/sales").status_code == 204
        assert admin.get("/api/classes-of-service/sales").status_code == 404
        assert [c["name"] for c in admin.get("/api/classes-of-service").json()] == BUILT_IN
        assert [e["action"] for e in admin.get("/api/audit").json() if e["action"].startswith("cos.")] == [
            "cos.remove", *["cos.assign"] * 4, "cos.set"]
    assert "sales" not in cli.ok("cos", "list")


def test_refusals_name_the_value_and_change_nothing(api: Api) -> None:
    with api.as_admin() as admin:
        admin.put("/api/classes-of-service/sales", json={"allows": ["internal"]})
        unknown = admin.put("/api/classes-of-service/sales", json={"allows": ["internal", "satellite"]})
        assert unknown.status_code == 422
        assert unknown.json()["error"] == ("call class(es) satellite not accepted; use: internal, local, national, "
                                           "mobile, international, premium, modes, door")
        empty = admin.put("/api/classes-of-service/sales", json={"allows": []})
        assert empty.status_code == 422 and "(none) not accepted" in empty.json()["error"]
        name = admin.put("/api/classes-of-service/front desk", json={"allows": ["internal"]})
        assert name.status_code == 422
        assert name.json()["error"].startswith("class of service name 'front desk' is not accepted; use up to 32")
        field = admin.put("/api/classes-of-service/sales", json={"classes": ["local"]})
        assert field.status_code == 422 and "classes" in field.json()["error"]
        assert admin.get("/api/classes-of-service/sales").json()["allows"] == ["internal"]
        national = admin.delete("/api/classes-of-service/national")
        assert national.status_code == 422 and "new extensions and queue callbacks get it" in national.json()["error"]
        missing = admin.delete("/api/classes-of-service/nope")
        assert missing.status_code == 404
        assert missing.json()["error"] == "class of service nope does not exist; see `cos list`"


def test_everyone_gets_a_class_of_service_per_mode(api: Api) -> None:
    cli = Cli(api.data_dir, api.data_dir)
    with api.as_admin() as admin:
        assert admin.get("/api/everyone/class-of-service").json() == {"class_of_service_by_mode": {}}
        night = admin.put("/api/everyone/class-of-service/night", json={"class": "internal"})
        assert night.status_code == 200, night.text
        assert admin.put("/api/everyone/class-of-service/lunch", json={"class": "local"}).status_code == 200
        assert admin.get("/api/everyone/class-of-service").json() == {
            "class_of_service_by_mode": {"lunch": "local", "night": "internal"}}
        assert admin.get("/api/classes-of-service/internal").json()["used_by"] == ["everyone in night mode"]
    # The command line sees what the API set, and the other way round.
    assert ["*", "night", "internal"] in [line.split() for line in cli.ok("cos", "list").splitlines()]
    cli.ok("cos", "unassign", "*", "--mode", "lunch")
    with api.as_admin() as admin:
        assert admin.get("/api/everyone/class-of-service").json() == {
            "class_of_service_by_mode": {"night": "internal"}}
        assert admin.delete("/api/everyone/class-of-service/night").json() == {"class_of_service_by_mode": {}}
        assert [e["action"] for e in admin.get("/api/audit").json() if e["action"].startswith("cos.")] == [
            "cos.unassign", "cos.unassign", "cos.assign", "cos.assign"]


def test_everyone_refusals_name_the_value(api: Api) -> None:
    with api.as_admin() as admin:
        mode = admin.put("/api/everyone/class-of-service/weekend", json={"class": "internal"})
        assert mode.status_code == 422
        assert mode.json()["error"] == "mode 'weekend' is not known; use one of: day, lunch, break, night, holiday"
        profile = admin.put("/api/everyone/class-of-service/night", json={"class": "nobody"})
        assert profile.status_code == 422
        assert profile.json()["error"] == ("class of service 'nobody' is not known; use one of: internal, "
                                           "international, local, national, unrestricted")
        field = admin.put("/api/everyone/class-of-service/night", json={"cos": "internal"})
        assert field.status_code == 422 and "cos" in field.json()["error"]
        missing = admin.delete("/api/everyone/class-of-service/night")
        assert missing.status_code == 404
        assert missing.json()["error"] == "everyone has no class of service of its own in night mode; see `cos list`"
        assert admin.get("/api/everyone/class-of-service").json() == {"class_of_service_by_mode": {}}
    with api.user("101") as user:
        assert user.put("/api/everyone/class-of-service/night", json={"class": "internal"}).status_code == 403


def test_an_extensions_class_for_one_mode_is_removed(api: Api) -> None:
    with api.as_admin() as admin:
        assert admin.post("/api/extensions", json={"number": "101", "name": "Sales"}).status_code == 201
        admin.put("/api/extensions/101/class-of-service", json={"class": "local", "mode": "night"})
        gone = admin.delete("/api/extensions/101/class-of-service/night")
        assert gone.status_code == 200, gone.text
        assert gone.json()["class_of_service_by_mode"] == {}
        again = admin.delete("/api/extensions/101/class-of-service/night")
        assert again.status_code == 404 and again.json()["error"].startswith(
            "extension 101 has no class of service of its own in night mode")
