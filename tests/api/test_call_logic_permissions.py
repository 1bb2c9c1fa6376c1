"""Classes of service, inbound routes and voice menus need `call_logic`: a reports key reads nothing
of them and changes nothing."""
from __future__ import annotations

from tests.support.api import Api

REQUESTS = [
    ("GET", "/api/classes-of-service", None),
    ("GET", "/api/classes-of-service/national", None),
    ("PUT", "/api/classes-of-service/national", {"allows": ["internal", "local", "national", "mobile", "premium"]}),
    ("DELETE", "/api/classes-of-service/sales", None),
    ("GET", "/api/inbound-routes", None),
    ("PUT", "/api/inbound-routes/prov/any/*", {"destination": "hangup"}),
    ("DELETE", "/api/inbound-routes/prov/any/day", None),
    ("GET", "/api/menus", None),
    ("GET", "/api/menus/main", None),
    ("PUT", "/api/menus/main", {"options": {"9": "hangup"}}),
    ("DELETE", "/api/menus/main", None),
]


def test_a_reports_key_gets_403_and_nothing_changes(api: Api) -> None:
    user = api.user("101")
    with api.as_admin() as admin:
        admin.post("/api/trunks", json={"name": "prov", "host": "192.0.2.1", "username": "acme",
                                        "password": "Trunk-pass-1234"})
        admin.put("/api/classes-of-service/sales", json={"allows": ["internal"]})
        admin.put("/api/menus/main", json={"options": {"1": "hangup"}})
        admin.put("/api/inbound-routes/prov/any/day", json={"destination": "ivr:main"})
        before = [admin.get(path).json() for path in ("/api/classes-of-service", "/api/inbound-routes", "/api/menus")]
    with api.key("wallboard", ["reports"]) as wallboard:
        for method, path, body in REQUESTS:
            answer = wallboard.request(method, path, json=body)
            assert answer.status_code == 403, (method, path, answer.text)
            assert answer.json()["error"] == ("this needs the 'call_logic' permission; key:wallboard (api key) has: "
                                              "reports")
    with user:
        assert user.get("/api/menus").status_code == 403
    with api.as_admin() as admin:
        after = [admin.get(path).json() for path in ("/api/classes-of-service", "/api/inbound-routes", "/api/menus")]
        assert after == before
