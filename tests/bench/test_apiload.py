"""The bench's HTTP API load: bounded in requests and time, and it counts what was served and what failed."""
from __future__ import annotations

import time

from bench.apiload import ApiLoad
from bench.pbx import make_api_key
from tests.support.api import Api


def test_the_load_is_bounded_and_counts_served_requests_and_errors(api: Api) -> None:
    # The key is made as the bench makes it (`minipbx api key add`), with the bench's permissions.
    token = make_api_key(api.data_dir, "bench-load")
    # /api/status asks the brain, which this API-only server does not have: those requests fail.
    load = ApiLoad(api.url, token, ("/api/cdr?limit=50", "/api/stats/summary", "/api/status"),
                   rate=40, seconds=1.5, threads=3)
    started = time.monotonic()
    load.start()
    time.sleep(3)
    result = load.stop()

    assert time.monotonic() - started < 6
    assert result["max_requests"] == 60
    assert result["sent"] <= 60 and result["sent"] == result["served"] + result["errors"]
    assert result["served_by_path"]["/api/cdr"] > 5 and result["served_by_path"]["/api/stats/summary"] > 5
    assert "/api/status" not in result["served_by_path"]
    assert result["errors"] > 5 and all(kind.startswith("/api/status HTTP 5") for kind in result["error_kinds"])
    # The rate holds (about 2/3 of 40/s are served) within its 1.5 s.
    assert result["seconds"] <= 2.0
    assert 10 <= result["served_per_s"] <= 40


def test_a_wrong_token_is_counted_as_errors(api: Api) -> None:
    result = ApiLoad(api.url, "not-a-token", ("/api/cdr",), rate=20, seconds=0.5, threads=2).start()
    time.sleep(1)
    summary = result.stop()

    assert summary["served"] == 0 and summary["errors"] == summary["sent"] > 0
    assert summary["error_kinds"] == {"/api/cdr HTTP 401": summary["sent"]}
