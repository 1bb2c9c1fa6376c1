"""A bench's ramp: levels tried in turn until one fails, then bisection between the last pass and
the first failure.

Whatever stops a level (it did not pass, its PBX did not start, the PBX stopped answering, SIPp
failed, the time ran out) ends the ramp there: that level is the limit, reported with its reason,
and the levels measured before it stay in the record. The record is filled as the ramp goes, so
even an interrupted run keeps what it measured.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

Json = dict[str, Any]


class OutOfTime(RuntimeError):
    """A load step does not fit in what is left of --time-limit."""


def level_error(exc: BaseException) -> str:
    """What stopped a level, for the record: the error's kind and message, cut to a readable length."""
    return f"{type(exc).__name__}: {exc}"[:1500]


def run_ramp(plan: list[Any], run_level: Callable[[Any], Json], *, key: str, best_key: str, top_label: str,
             record: Json, errors: tuple[type[BaseException], ...], note: Callable[[str], None],
             bisect: int = 0, midpoint: Callable[[Any, Any], Any] | None = None,
             may_bisect: Callable[[Json], bool] | None = None, what: str = "ramp") -> Json:
    """Run `plan` (values of `key`, lowest first) through `run_level`, filling `record` as it goes.

    `run_level(value)` returns the level's figures with "pass"; raising one of `errors` fails the
    level (recorded with its "error"), raising OutOfTime ends the ramp before the level. `record`
    gets "levels" (sorted by `key`), `best_key` (the largest passing value, 0 if none),
    "first_failure", "limited_by" ("failures", "time limit" or `top_label` when the whole plan
    passed) and "stopped" (the value that ended the ramp, how and why).
    """
    levels: list[Json] = record.setdefault("levels", [])
    passed: list[Any] = []
    failed: list[Any] = []
    stopped: Json | None = None

    def attempt(value: Any) -> Json:
        try:
            level = run_level(value)
        except errors as exc:
            note(f"{what} at {value}: {level_error(exc)}")
            level = {key: value, "pass": False, "error": level_error(exc)}
        levels.append(level)
        levels.sort(key=lambda lv: float(lv[key]))
        (passed if level.get("pass") else failed).append(value)
        return level

    try:
        for value in plan:
            try:
                level = attempt(value)
            except OutOfTime as exc:
                stopped = {key: value, "by": "time limit", "reason": str(exc)}
                note(f"{what} cut short at {value}: {exc}")
                break
            if not level.get("pass"):
                stopped = {key: value, "by": "error" if level.get("error") else "failures",
                           "reason": failure_reason(level)}
                break
        for _ in range(bisect):
            if not failed or midpoint is None:
                break
            if may_bisect is not None and not may_bisect(levels[-1] if levels else {}):
                note(f"{what}: no bisection after the failed level (the PBX is not in a state to measure)")
                break
            low, high = max(passed, default=0), min(failed)
            value = midpoint(low, high)
            if value <= low or value >= high:
                break
            try:
                attempt(value)
            except OutOfTime as exc:
                note(f"{what}: bisection cut short at {value}: {exc}")
                break
    finally:
        best = max(passed, default=0)
        record.update({
            best_key: best,
            "first_failure": min(failed, default=None),
            "limited_by": "failures" if failed else "time limit" if stopped else top_label,
            "stopped": stopped,
        })
    return record


def failure_reason(level: Json) -> str:
    """Why a level failed, in one line: its error, its PBX's failed start, or what it held and lost."""
    if level.get("error"):
        return str(level["error"])
    if level.get("start_failed"):
        return f"the PBX did not start: {level['start_failed']}"
    sipp = level.get("sipp") or {}
    parts = []
    if "held_max" in level:
        parts.append(f"held at most {level.get('held_max')} of {level.get('calls')}")
    if sipp:
        parts.append(f"{sipp.get('failed')}/{sipp.get('created')} calls failed")
    if "achieved_cps" in level:
        parts.append(f"achieved {level.get('achieved_cps')} calls/s")
    return ", ".join(parts) or "did not pass"
