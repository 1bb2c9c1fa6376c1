"""`python -m bench.calls` keeps and reports what it measured when a level fails.

The bench's own ramp, report and saving run for real; only the measurement of a level (which
needs a PBX, SIPp and minutes) is a fake that passes the first levels and then fails as the
256-call level did on a 2-core machine: the PBX stopped answering its status requests.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import calls, report
from bench.pbx import PbxError
from bench.ramp import OutOfTime, run_ramp

Json = dict[str, Any]
STATUS_TIMEOUT = "minipbx status failed: minipbx did not answer within 10 s"
# The real phase, for the test that lets it run (against a PBX that does not start).
REAL_RATE_AND_PDD = calls.Bench.phase_rate_and_pdd


def measured_level(calls_held: int) -> Json:
    """A passing level as hold_level reports it (the figures the summary quotes)."""
    workers = 2
    return {
        "calls": calls_held, "pass": True, "held_min": calls_held, "held_max": calls_held,
        "sipp": {"created": calls_held, "failed": 0}, "failure_ratio": 0.0,
        "cpu_percent": {"pbx": 0.3 * calls_held, "brain": 1.0, "edge": 2.0, "workers": 0.25 * calls_held,
                        "sipp": 5.0, "machine": 60.0, "other_processes": 3.0},
        "pss_mib": {"pbx": 100.0 + calls_held / 4, "brain": 40.0, "edge": 30.0, "workers": 30.0 + calls_held / 4},
        "per_worker": {"workers": workers, "busy_workers": workers, "busy_calls_mean": calls_held / workers,
                       "busy_cpu_percent": 0.1 * calls_held, "busy_pss_mib": 15.0},
        "per_call": {"pbx_cpu_percent": 0.3, "pbx_pss_mib": 0.5},
        "idle": {"cpu_percent": {"pbx": 4.0}, "pss_mib": {"pbx": 100.0},
                 "per_worker": {"idle_cpu_percent": 0.8, "idle_pss_mib": 15.0}},
        "media": {"from_callers": {"loss_percent": 0.0}, "from_callee_echo": {"loss_percent": 0.0}},
        "pdd_ms": {"p50_ms": 7.0, "p99_ms": 12.0},
    }


class FakeMeasurements:
    """Stands in for the PBX and SIPp: which levels ran, and which later phases."""

    def __init__(self, fail_at: int, failure: Exception) -> None:
        self.fail_at = fail_at
        self.failure = failure
        self.levels_run: list[int] = []
        self.later_phases: list[str] = []

    def hold_level(self, bench: calls.Bench, n: int) -> Json:
        self.levels_run.append(n)
        if n >= self.fail_at:
            raise self.failure
        return measured_level(n)

    def rate_and_pdd(self, bench: calls.Bench, phases: Json) -> None:
        self.later_phases.append("rate and post-dial delay")
        phases["pdd_pbx"] = {"calls": 40, "p50_ms": 8.0, "p99_ms": 14.0, "sipp": {"failed": 0}}
        phases["pdd_pbx_api_load"] = {"calls": 40, "p50_ms": 8.5, "p99_ms": 15.0, "sipp": {"failed": 0},
                                      "api": {"target_rate_per_s": 50, "served": 190, "served_per_s": 47.5,
                                              "errors": 0, "latency_ms": {"p50_ms": 9.0, "p99_ms": 30.0}}}

    def floor(self, bench: calls.Bench) -> Json:
        self.later_phases.append("floor")
        return {"calls": 40, "p50_ms": 2.0, "p99_ms": 3.0, "sipp": {"failed": 0}}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeMeasurements:
    measurements = FakeMeasurements(fail_at=128, failure=PbxError(STATUS_TIMEOUT))
    # No SIPp callees, no store, no ports: nothing of the machine is touched but the results folder.
    monkeypatch.setattr(calls.Bench, "allocate_ports", lambda self: self.ports.update(pbx_sip=5060))
    monkeypatch.setattr(calls.Bench, "start_uas", lambda self: None)
    monkeypatch.setattr(calls.Bench, "make_store", lambda self: None)
    monkeypatch.setattr(calls.Bench, "hold_level", lambda self, n: measurements.hold_level(self, n))
    monkeypatch.setattr(calls.Bench, "phase_rate_and_pdd", lambda self, phases: measurements.rate_and_pdd(self, phases))
    monkeypatch.setattr(calls.Bench, "phase_floor", lambda self: measurements.floor(self))
    return measurements


def test_a_level_that_fails_is_the_limit_and_the_levels_below_it_are_saved(
        fake: FakeMeasurements, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = calls.main(["--max-calls", "256", "--min-calls", "8", "--ramp-factor", "4", "--bisect", "0",
                       "--results", str(tmp_path)])
    printed = capsys.readouterr().out

    assert code == 0
    # The ramp stopped at the failing third level (8, 32, 128 of 8, 32, 128, 256) ...
    assert fake.levels_run == [8, 32, 128]
    # ... and the phases after it still ran.
    assert fake.later_phases == ["rate and post-dial delay", "floor"]

    saved = json.loads((tmp_path / "latest.json").read_text())
    hold = saved["phases"]["hold"]
    assert [lv["calls"] for lv in hold["levels"]] == [8, 32, 128]
    assert [lv["pass"] for lv in hold["levels"]] == [True, True, False]
    assert STATUS_TIMEOUT in hold["levels"][2]["error"]
    assert saved["summary"]["max_held_calls"] == 32
    assert saved["summary"]["first_failure"] == 128
    assert saved["summary"]["hold_limit"]["calls"] == 128
    assert saved["summary"]["pdd_ms"]["api_load_p50"] == 8.5
    assert any(STATUS_TIMEOUT in note for note in saved["anomalies"])
    assert not any("moved" in note for note in saved["anomalies"])  # +0.5 ms is no move

    markdown = next(tmp_path.glob("calls-*.md")).read_text()
    for text in (printed, markdown):
        assert f"| **32**; 128 failed: PbxError: {STATUS_TIMEOUT} |" in text
        assert f"| 128 | FAIL: PbxError: {STATUS_TIMEOUT} |" in text
        assert "| 32 | 2 | 32 | 0/32 |" in text  # the level below the limit, with its figures
        # Per-worker figures say how many calls a worker held (16 each at 32 calls on 2 workers).
        assert "with 16.0 bridged calls each (mean of the busy workers)" in text
        assert "| Post-dial delay with the HTTP API hammered | p50 **8.50 ms**, p99 **15.00 ms** (+0.50 / +1.00" in text
        assert "| HTTP API during that run | 190 requests served, 47.5/s (target 50/s), 0 errors;" in text


def test_a_pbx_that_does_not_start_for_the_later_phases_leaves_the_floor_to_run(
        fake: FakeMeasurements, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    def no_pbx(self: calls.Bench, board: int, purpose: str) -> None:
        raise PbxError(f"minipbx did not print 'minipbx ready' within 180 s ({purpose})")

    monkeypatch.setattr(calls.Bench, "start_pbx", no_pbx)
    monkeypatch.setattr(calls.Bench, "phase_rate_and_pdd", REAL_RATE_AND_PDD)
    code = calls.main(["--max-calls", "32", "--bisect", "0", "--results", str(tmp_path)])

    assert code == 0
    assert fake.later_phases == ["floor"]
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert saved["summary"]["max_held_calls"] == 32
    assert any("call rate and post-dial delay not measured" in note and "minipbx ready" in note
               for note in saved["anomalies"])
    assert "| Post-dial delay, bare Kamailio (floor) | p50 2.00 ms" in capsys.readouterr().out


def ramp(values: list[float], run_level: Any, bisect: int = 0) -> tuple[Json, list[str]]:
    notes: list[str] = []
    record: Json = {}
    run_ramp(values, run_level, key="target_cps", best_key="sustained_cps", top_label="rates tried",
             record=record, errors=(PbxError,), note=notes.append, bisect=bisect,
             midpoint=lambda low, high: float(round((low + high) / 2)))
    return record, notes


def test_a_failed_rate_is_bisected_and_the_limit_reported() -> None:
    def level(rate: float) -> Json:
        return {"target_cps": rate, "pass": rate <= 50, "sipp": {"created": 100, "failed": 0 if rate <= 50 else 9}}

    record, _ = ramp([20, 40, 80, 120], level, bisect=2)

    assert [lv["target_cps"] for lv in record["levels"]] == [20, 40, 50, 60, 80]
    assert record["sustained_cps"] == 50
    assert record["first_failure"] == 60
    assert record["stopped"]["target_cps"] == 80 and record["stopped"]["by"] == "failures"
    assert report._limit_text(report._limit(record, "target_cps"), "target_cps", " calls/s") == \
        "; 60 calls/s failed: 9/100 calls failed"


def test_running_out_of_time_is_reported_as_the_level_not_tried() -> None:
    def level(rate: float) -> Json:
        if rate >= 80:
            raise OutOfTime("80 calls/s: needs ~20 s, 5 s left of --time-limit 300")
        return {"target_cps": rate, "pass": True}

    record, notes = ramp([20, 40, 80, 120], level, bisect=2)

    assert [lv["target_cps"] for lv in record["levels"]] == [20, 40]
    assert record["sustained_cps"] == 40 and record["limited_by"] == "time limit"
    assert record["first_failure"] is None
    assert report._limit_text(report._limit(record, "target_cps"), "target_cps", " calls/s") == \
        "; 80 calls/s not tried: out of time (--time-limit)"
    assert any("needs ~20 s" in note for note in notes)


def test_a_post_dial_delay_that_the_api_load_moves_is_an_anomaly(tmp_path: Path) -> None:
    bench = calls.Bench(calls.build_parser().parse_args(["--results", str(tmp_path)]))
    try:
        bench.result = {"phases": {"pdd_pbx": {"p50_ms": 8.39, "p99_ms": 65.69}}}
        bench.check_pdd_moved({"p50_ms": 9.0, "p99_ms": 70.0})
        assert bench.anomalies == []
        bench.check_pdd_moved({"p50_ms": 34.41, "p99_ms": 297.84})
        assert bench.anomalies == ["the post-dial delay moved with the HTTP API under load: p50 +26.0 ms, "
                                   "p99 +232.1 ms (the API runs in its own process so that it leaves the delay "
                                   "where it was)"]
    finally:
        bench.cleanup()
