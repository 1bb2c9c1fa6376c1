"""Wrong PINs counted and their locks through the API: the same as `minipbx pin`; needs `settings`."""
from __future__ import annotations

from firmware.pins.guard import Guesser, hash_pin, locked_for, try_pin
from tests.support.api import Api


def test_locks_are_listed_and_lifted_by_an_administrator_only(api: Api) -> None:
    db = api.admin().db
    guesser = Guesser("0301234567", "trunk:prov")
    for _ in range(3):
        try_pin(db, "voicemail:101", guesser, hash_pin("4826"), "0000")
    with api.as_admin() as admin:
        listed = admin.get("/api/pins/failures").json()
        assert listed[0]["target"] == "voicemail:101" and listed[0]["level"] == "number:0301234567"
        assert listed[0]["failures"] == 3 and 0 < listed[0]["locked_seconds"] <= 30
        gone = admin.delete("/api/pins/failures/voicemail:101", params={"level": "number:0301234567"})
        assert gone.status_code == 200 and gone.json() == {"cleared": 1}
        assert admin.delete("/api/pins/failures/conf:800").status_code == 404
    assert locked_for(db, "voicemail:101", guesser) == 0
    with api.user("202") as user:
        refused = user.get("/api/pins/failures")
        assert refused.status_code == 403 and "'settings'" in refused.json()["error"]
        assert user.delete("/api/pins/failures/voicemail:101").status_code == 403
