"""The blocked and VIP caller lists through the API: the same rules as `minipbx route block|vip`."""
from __future__ import annotations

from tests.cli.conftest import Cli
from tests.support.api import Api


def test_block_and_vip_callers_and_take_them_off_again(api: Api) -> None:
    cli = Cli(api.data_dir, api.data_dir)
    with api.as_admin() as admin:
        assert admin.post("/api/extensions", json={"number": "101", "name": "Boss"}).status_code == 201
        blocked = admin.put("/api/callers/blocked/+4930123456", json={"note": "cold caller"})
        assert blocked.status_code == 200, blocked.text
        assert blocked.json() == {"number": "+4930123456", "destination": "", "note": "cold caller"}
        vip = admin.put("/api/callers/vip/030999", json={"destination": "ext:101"})
        assert vip.status_code == 200, vip.text
    cli.ok("route", "block", "0301111", "--note", "fax spam")
    with api.as_admin() as admin:
        assert admin.get("/api/callers/blocked").json() == [
            {"number": "+4930123456", "destination": "", "note": "cold caller"},
            {"number": "0301111", "destination": "", "note": "fax spam"}]
        assert admin.get("/api/callers/vip").json() == [{"number": "030999", "destination": "ext:101", "note": ""}]
        assert admin.delete("/api/callers/blocked/0301111").status_code == 204
        assert admin.delete("/api/callers/vip/030999").status_code == 204
        assert [c["number"] for c in admin.get("/api/callers/blocked").json()] == ["+4930123456"]
        assert admin.get("/api/callers/vip").json() == []
        gone = admin.delete("/api/callers/vip/030999")
        assert gone.status_code == 404 and gone.json()["error"] == "030999 is not on the vip list"
        audit = [(e["action"], e["who"]) for e in admin.get("/api/audit").json() if e["action"].startswith("caller.")]
        assert audit == [("caller.vip.remove", "admin"), ("caller.blocked.remove", "admin"),
                         ("caller.blocked.set", "command line"), ("caller.vip.set", "admin"),
                         ("caller.blocked.set", "admin")]


def test_a_bad_number_or_destination_is_refused_by_name(api: Api) -> None:
    with api.as_admin() as admin:
        number = admin.put("/api/callers/blocked/030-123", json={})
        assert number.status_code == 422
        assert number.json()["error"] == ("caller number '030-123' is not accepted; use digits, optionally with "
                                          "a leading +")
        nowhere = admin.put("/api/callers/vip/030999", json={"destination": "ext:555"})
        assert nowhere.status_code == 422 and "ext:555" in nowhere.json()["error"], nowhere.text
        assert admin.get("/api/callers/blocked").json() == []
        assert admin.get("/api/callers/vip").json() == []
    with api.key("wallboard", ["reports"]) as wallboard:
        refused = wallboard.put("/api/callers/blocked/030123", json={})
        assert refused.status_code == 403 and "call_logic" in refused.json()["error"]
