"""Call queues through the API: the same rules as `minipbx queue`; an agent logs themselves in and
pauses; the figures need `reports`."""
from __future__ import annotations

from datetime import UTC, datetime

from firmware.queues.config import log_caller
from tests.cli.conftest import Cli
from tests.support.api import Api


def test_queues_through_the_api(api: Api) -> None:
    with api.as_admin() as admin:
        for number in ("201", "202"):
            admin.post("/api/extensions", json={"number": number, "name": f"Agent {number}"})
        made = admin.put("/api/queues/sales", json={"number": "600", "strategy": "leastrecent",
                                                    "overflow": "voicemail:201", "agents": ["201", "202:1~"]})
        assert made.status_code == 200, made.text
        assert made.json()["agents"] == [
            {"extension": "201", "penalty": 0, "dynamic": False, "logged_in": True, "paused": False,
             "pause_reason": "", "via": ""},
            {"extension": "202", "penalty": 1, "dynamic": True, "logged_in": False, "paused": False,
             "pause_reason": "", "via": ""}]
        assert (made.json()["number"], made.json()["strategy"], made.json()["ring_seconds"]) == ("600", "leastrecent",
                                                                                                   15)
        bad = admin.put("/api/queues/sales", json={"strategy": "fifo"})
        assert bad.status_code == 422 and "'fifo'" in bad.json()["error"] and "roundrobin" in bad.json()["error"]
        unknown = admin.put("/api/queues/sales", json={"ring_time": 20})
        assert unknown.status_code == 422 and "ring_time" in unknown.json()["error"]
        assert admin.get("/api/queues/sales").json()["strategy"] == "leastrecent"
        assert [q["name"] for q in admin.get("/api/queues").json()] == ["sales"]
        assert admin.get("/api/queues/nope").status_code == 404
        logged = admin.post("/api/queues/sales/agents/202/login")
        assert logged.status_code == 200 and logged.json()["logged_in"] is True
        paused = admin.post("/api/queues/sales/agents/201/pause", json={"reason": "2"})
        assert (paused.json()["paused"], paused.json()["pause_reason"]) == (True, "2")
        static = admin.post("/api/queues/sales/agents/201/logout")
        assert static.status_code == 422 and "static agent" in static.json()["error"]
        assert admin.post("/api/queues/nope/agents/201/login").status_code == 404
        # Callback requests are stored objects with a state (a website's "call me back" form, later).
        with_callbacks = admin.put("/api/queues/sales", json={"callback_key": "2", "callback_modes": ["day"]})
        assert with_callbacks.json()["callback_modes"] == ["day"], with_callbacks.text
        from datetime import UTC, datetime

        from firmware.queues.config import request_callback
        from firmware.store.database import open_store
        request_callback(open_store(api.data_dir, create=False), "sales", "00301234567", datetime.now(UTC))
        [request] = admin.get("/api/queues/sales/callbacks").json()
        assert (request["number"], request["state"], request["attempts"]) == ("00301234567", "waiting", 0)
        bad_mode = admin.put("/api/queues/sales", json={"callback_modes": ["weekend"]})
        assert bad_mode.status_code == 422 and "'weekend'" in bad_mode.json()["error"]
    # The command line shows what the API set.
    shown = Cli(api.data_dir, api.data_dir).ok("queue", "show", "sales")
    assert "201    0        static   paused (reason 2)" in shown and "202    1        dynamic  logged in" in shown
    with api.as_admin() as admin:
        assert admin.delete("/api/queues/sales").status_code == 204
        assert admin.get("/api/queues/sales").status_code == 404
        assert [e["action"] for e in admin.get("/api/audit").json() if e["action"].startswith("queue.")] == [
            "queue.remove", "queue.set", "queue.pause", "queue.login", "queue.set"]


def test_an_agent_logs_in_and_pauses_themselves_and_nobody_else(api: Api) -> None:
    with api.user("101") as user:
        with api.as_admin() as admin:
            admin.post("/api/extensions", json={"number": "102", "name": "Other"})
            assert admin.put("/api/queues/sales", json={"overflow": "hangup", "agents": ["101~", "102~"]}
                             ).status_code == 200
        assert user.post("/api/queues/sales/agents/101/login").json()["logged_in"] is True
        assert user.post("/api/queues/sales/agents/101/pause").json()["paused"] is True
        assert user.post("/api/queues/sales/agents/101/unpause").json()["paused"] is False
        assert user.post("/api/queues/sales/agents/101/logout").json()["logged_in"] is False
        bad = user.post("/api/queues/sales/agents/101/pause", json={"reason": "lunch"})
        assert bad.status_code == 422 and "pause reason 'lunch'" in bad.json()["error"]
        other = user.post("/api/queues/sales/agents/102/login")
        assert other.status_code == 403
        assert other.json()["error"] == "this needs the 'call_logic' permission; 101 (user) has: none"
        assert user.get("/api/queues").status_code == 403
        assert user.put("/api/queues/x", json={"overflow": "hangup"}).status_code == 403
        assert user.delete("/api/queues/sales").status_code == 403
        assert user.get("/api/stats/queues").status_code == 403


def test_queue_figures_need_reports_and_take_a_period(api: Api) -> None:
    with api.as_admin() as admin:
        assert admin.put("/api/queues/stats", json={"overflow": "hangup"}).status_code == 200
        store = api.admin().db
        try:
            for day, outcome in ((1, "answered"), (2, "abandoned"), (3, "answered")):
                log_caller(store, queue="stats", call_id=f"c{day}", caller="0301234567",
                           joined_at=datetime(2025, 3, day, 9, tzinfo=UTC), outcome=outcome, wait_seconds=10)
        finally:
            store.conn.close()
        [figures] = admin.get("/api/stats/queues", params={"from": "2025-03-02", "to": "2025-03-03"}).json()
        assert (figures["queue"], figures["offered"], figures["answered"], figures["abandoned"]) == ("stats", 2, 1, 1)
        assert admin.get("/api/stats/queues", params={"queue": "stats"}).json()[0]["offered"] == 3
        # A queue may be called `stats`: its settings are still at /api/queues/stats.
        assert admin.get("/api/queues/stats").json()["name"] == "stats"
        bad = admin.get("/api/stats/queues", params={"from": "March"})
        assert bad.status_code == 422
        assert bad.json()["error"] == "from date 'March' is not accepted; use a date as YYYY-MM-DD, e.g. 2025-03-31"
        assert admin.get("/api/stats/queues", params={"queue": "nope"}).status_code == 404
        described = admin.get("/api/openapi.json").json()["paths"]
        assert {"/api/queues", "/api/queues/{name}", "/api/queues/{name}/agents/{extension}/pause",
                "/api/stats/queues"} <= set(described)
        key = admin.post("/api/keys", json={"name": "wallboard", "permissions": ["reports"]}).json()["token"]
    with api.client(key) as wallboard:
        assert wallboard.get("/api/stats/queues").status_code == 200
        assert wallboard.get("/api/queues").status_code == 403
