"""The numbering plan: what dialled digits mean, and plans that are refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from firmware.dialplan.call_classes import classify
from firmware.dialplan.numbering import Kind, NumberingPlan, PlanError, parse_ranges
from firmware.store.database import open_store
from firmware.store.extensions import ExtensionError, add_extension
from firmware.store.settings import SettingError, get_setting, set_setting


def plan(ranges: str = "100-899", prefix: str = "0", operator: str = "", op_ext: str = "",
         emergency: tuple[str, ...] = ("112",)) -> NumberingPlan:
    return NumberingPlan(parse_ranges(ranges), prefix, operator, op_ext, emergency).validate()


@pytest.mark.parametrize(("dialled", "kind", "number"), [
    ("101", Kind.EXTENSION, "101"), ("899", Kind.EXTENSION, "899"), ("0301234567", Kind.OUTSIDE, "301234567"),
    ("112", Kind.EMERGENCY, "112"), ("0112", Kind.EMERGENCY, "112"), ("*781", Kind.FEATURE, "*781"),
    ("#9", Kind.FEATURE, "#9"), ("999", Kind.UNKNOWN, "999"), ("0", Kind.UNKNOWN, "0"), ("abc", Kind.UNKNOWN, "abc"),
])
def test_classify(dialled: str, kind: Kind, number: str) -> None:
    result = plan().classify(dialled)
    assert (result.kind, result.number) == (kind, number)


def test_us_style_plan_with_line_9_and_operator_0() -> None:
    us = plan("100-899", "9", "0", "100", ("911",))
    assert us.classify("911").kind is Kind.EMERGENCY
    assert us.classify("9911").kind is Kind.EMERGENCY
    assert us.classify("95551234").number == "5551234"
    assert (us.classify("0").kind, us.classify("0").number) == (Kind.OPERATOR, "100")


@pytest.mark.parametrize(("args", "clash"), [
    (("100-199,150-250",), "extension ranges 100-199 and 150-250 overlap"),
    (("100-199", "1"), "outside-line access code 1 clashes with extension range 100-199"),
    (("10-99", "0", "", "", ("112",)), "emergency number 112 clashes with extension range 10-99"),
    (("100-199", "9", "9"), "operator number 9 clashes with the outside-line access code 9"),
    (("100-199", "0", "9", "", ("911",)), "operator number 9 clashes with an emergency number"),
    (("10-99,100-199",), "clash"),
    (("199-100",), "runs backwards"),
    (("1a-99",), "not accepted"),
])
def test_ambiguous_plans_are_refused_naming_the_clash(args: tuple[object, ...], clash: str) -> None:
    with pytest.raises(PlanError, match=clash):
        plan(*args)  # type: ignore[arg-type]


def test_plan_settings_are_checked_together_and_roll_back(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    add_extension(db, "150", "Desk")
    with pytest.raises(SettingError, match="150 is outside the extension ranges 200-299"):
        set_setting(db, "extension_ranges", "200-299")
    assert get_setting(db, "extension_ranges") == "100-899"
    with pytest.raises(SettingError, match="needs an operator_extension"):
        set_setting(db, "operator_number", "9")
    with pytest.raises(ExtensionError, match="112 is an emergency number"):
        add_extension(db, "112", "Not allowed")
    with pytest.raises(ExtensionError, match="outside the extension ranges"):
        add_extension(db, "950", "Too high")


@pytest.mark.parametrize(("country", "number", "call_class"), [
    ("EU", "301234567", "local"), ("EU", "0301234567", "national"), ("EU", "01711234567", "mobile"),
    ("EU", "00441234567890", "international"), ("EU", "09001234567", "premium"), ("EU", "12", None),
    ("US", "5551234", "local"), ("US", "12125551234", "national"), ("US", "011441234567890", "international"),
    ("US", "19005551234", "premium"), ("UK", "07700900123", "mobile"), ("UK", "02079460123", "national"),
    ("UK", "09098790000", "premium"),
])
def test_call_classes_per_country(country: str, number: str, call_class: str | None) -> None:
    assert classify(country, number) == call_class
