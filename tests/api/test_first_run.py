"""The appliance's first sign-in from a browser: the admin PIN sets the admin password once."""
from __future__ import annotations

from tests.support.api import ADMIN_PIN as PIN
from tests.support.api import Api, fresh_box

__all__ = ["fresh_box"]


def test_the_admin_pin_sets_the_admin_password_once_and_wrong_pins_are_locked_out(fresh_box: Api) -> None:
    with fresh_box.client() as anonymous:
        assert anonymous.get("/api/first-run").json() == {"needed": True}
        weak = anonymous.post("/api/first-run", json={"admin_pin": PIN, "password": "short"})
        assert weak.status_code == 422 and "too short" in weak.json()["error"]
        wrong = anonymous.post("/api/first-run", json={"admin_pin": "000000", "password": "Blue-Kettle-42x"})
        assert wrong.status_code == 403 and "admin PIN is wrong" in wrong.json()["error"]
        done = anonymous.post("/api/first-run", json={"admin_pin": PIN, "password": "Blue-Kettle-42x"})
        assert done.status_code == 204, done.text
        assert anonymous.get("/api/first-run").json() == {"needed": False}
        again = anonymous.post("/api/first-run", json={"admin_pin": PIN, "password": "Other-Kettle-43y"})
        assert again.status_code == 409
    with fresh_box.login("admin", "Blue-Kettle-42x") as admin:
        assert "admin.first_run" in [row["action"] for row in admin.get("/api/audit").json()]


def test_guessing_the_admin_pin_locks_the_address_out(fresh_box: Api) -> None:
    with fresh_box.client() as guesser:
        codes = [guesser.post("/api/first-run", json={"admin_pin": f"{n:06d}", "password": "Blue-Kettle-42x"}
                              ).status_code for n in range(5)]
        assert codes[:2] == [403, 403] and 429 in codes
        locked = guesser.post("/api/first-run", json={"admin_pin": PIN, "password": "Blue-Kettle-42x"})
        assert locked.status_code == 429 and "Retry-After" in locked.headers
        assert guesser.get("/api/first-run").json() == {"needed": True}
