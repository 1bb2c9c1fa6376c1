"""When an analog phone has finished dialling, for the default plan and a few others."""
from __future__ import annotations

import pytest

from firmware.dialplan.numbering import NumberingPlan, parse_ranges
from firmware.gateway.digitmap import Verdict, check, finish

PLAN = NumberingPlan(ranges=parse_ranges("100-899"), outside_prefix="0", operator="9",
                     operator_extension="100", emergency=("112",))


@pytest.mark.parametrize(
    ("digits", "verdict"),
    [
        ("1", Verdict.MORE), ("10", Verdict.MORE), ("105", Verdict.COMPLETE),  # extension
        ("11", Verdict.MORE), ("112", Verdict.COMPLETE),  # emergency beats the range
        ("9", Verdict.COMPLETE),  # operator
        ("0", Verdict.MORE), ("01", Verdict.MORE), ("011", Verdict.MORE), ("0112", Verdict.COMPLETE),
        ("0401234567", Verdict.OPEN), ("05", Verdict.OPEN),  # outside numbers have no fixed length
        ("*", Verdict.MORE), ("*7", Verdict.MORE), ("*78", Verdict.MORE), ("*784", Verdict.COMPLETE),
        ("*12", Verdict.COMPLETE), ("*72", Verdict.OPEN), ("*72101", Verdict.OPEN), ("*8", Verdict.OPEN),
        ("*80", Verdict.MORE), ("*80105", Verdict.COMPLETE),
        ("**", Verdict.MORE), ("**10", Verdict.OPEN), ("**101", Verdict.COMPLETE),
    ],
)
def test_verdicts(digits: str, verdict: Verdict) -> None:
    assert check(PLAN, digits) is verdict


def test_finish() -> None:
    assert finish(PLAN, "105") == "105"
    assert finish(PLAN, "10") is None
    assert finish(PLAN, "10", timed_out=True) == "10"  # sent as is: the PBX answers with its tone
    assert finish(PLAN, "0401234567") is None
    assert finish(PLAN, "0401234567#") == "0401234567"  # '#' ends an open number at once
    assert finish(PLAN, "0401234567", timed_out=True) == "0401234567"
    assert finish(PLAN, "*12#") == "*12"


def test_digits_that_match_nothing_go_at_once() -> None:
    plan = NumberingPlan(ranges=parse_ranges("200-299"), outside_prefix="9", operator="",
                         operator_extension="", emergency=("911",))
    assert check(plan, "5") is Verdict.COMPLETE
    assert check(plan, "91") is Verdict.OPEN  # 9 + 1..., or on its way to 911
    assert check(plan, "911") is Verdict.COMPLETE
    assert check(plan, "2") is Verdict.MORE
