"""Door stations through the API: the same settings and refusals as `minipbx door`; opening and
the log need `doors`, the settings `call_logic`."""
from __future__ import annotations

from firmware.door.config import add_door, log_opening
from firmware.store.database import write_transaction
from tests.support.api import Api


def test_doors_through_the_api(api: Api) -> None:
    with api.as_admin() as admin:
        assert admin.post("/api/extensions", json={"number": "201", "name": "Reception"}).status_code == 201
        assert admin.post("/api/extensions", json={"number": "209", "name": "Door"}).status_code == 201
        store = api.admin().db
        with write_transaction(store):  # as the line gateway makes the door port's extension
            store.execute("UPDATE extensions SET device = 'door1' WHERE number = '209'")
            add_door(store, "door1")
        changed = admin.put("/api/doors/door1", json={"destination": "ext:201", "mode": "day", "open_seconds": 8})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["routes"], changed.json()["open_seconds"], changed.json()["extension"]) == (
            {"day": "ext:201"}, 8, "209")
        assert admin.get("/api/doors").json() == [changed.json()]
        bad = admin.put("/api/doors/door1", json={"open_code": "5"})
        assert bad.status_code == 422 and "open code '5' is not accepted" in bad.json()["error"]
        assert admin.put("/api/doors/door1", json={"colour": "red"}).status_code == 422
        assert admin.get("/api/doors/door9").status_code == 404
        # Opening needs the running PBX (it owns the lock): refused plainly when it is not running.
        stopped = admin.post("/api/doors/door1/open")
        assert stopped.status_code == 503 and "not running" in stopped.json()["error"]
        log_opening(store, "door1", "201", "call", 8)
        [entry] = admin.get("/api/doors/log").json()
        assert (entry["door"], entry["by"], entry["how"], entry["seconds"]) == ("door1", "201", "call", 8)
        key = admin.post("/api/keys", json={"name": "reception", "permissions": ["doors"]}).json()["token"]
    with api.client(key) as reception:
        assert reception.get("/api/doors/log").status_code == 200
        refused = reception.put("/api/doors/door1", json={"open_seconds": 3})
        assert refused.status_code == 403 and "'call_logic'" in refused.json()["error"]
    with api.user("202") as user:
        assert user.post("/api/doors/door1/open").status_code == 403


def test_where_a_door_rings_is_set_and_removed_per_mode(api: Api) -> None:
    with api.as_admin() as admin:
        for number in ("201", "202", "209"):
            assert admin.post("/api/extensions", json={"number": number, "name": f"P{number}"}).status_code == 201
        store = api.admin().db
        with write_transaction(store):
            store.execute("UPDATE extensions SET device = 'door1' WHERE number = '209'")
            add_door(store, "door1")
        for mode, destination in (("*", "ext:201"), ("night", "voicemail:201"), ("holiday", "ext:202")):
            assert admin.put("/api/doors/door1", json={"mode": mode, "destination": destination}).status_code == 200
        assert admin.get("/api/doors/door1").json()["routes"] == {
            "*": "ext:201", "night": "voicemail:201", "holiday": "ext:202"}
        removed = admin.put("/api/doors/door1", json={"mode": "holiday", "destination": ""})
        assert removed.json()["routes"] == {"*": "ext:201", "night": "voicemail:201"}
        for wanted, said in [
            ({"mode": "evening", "destination": "ext:202"}, "mode 'evening' is not known; use one of: day, lunch"),
            ({"mode": "day", "destination": "ext:999"}, "ext:999"),
            ({"mode": "day", "destination": "ext:209"}, "ext:209 is the door station itself"),
        ]:
            refused = admin.put("/api/doors/door1", json=wanted)
            assert refused.status_code == 422 and said in refused.json()["error"], refused.text
        assert admin.get("/api/doors/door1").json()["routes"] == {"*": "ext:201", "night": "voicemail:201"}
        store.conn.close()
