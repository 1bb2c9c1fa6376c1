"""Caller numbers: separators, international prefixes, the area code, and input that is no number."""
from __future__ import annotations

import pytest

from firmware.apps.icm.numbers import check_area_code, clean_number, normalise


@pytest.mark.parametrize("text", ["", "   ", "anonymous", "Anonymous", "unknown", "restricted", "+", "00x",
                                  "030-CALL-NOW", "0301234567abc", "1", "12345678901234567890123",
                                  "sip:0301234567@example.com", "030\n1234567;", "++4930"])
def test_anything_but_a_number_is_refused(text: str) -> None:
    assert clean_number(text) is None
    assert normalise(text, "030") is None


@pytest.mark.parametrize("text", ["030 1234567", "030-123 45 67", "(030) 1234567", "030/1234567", "030.123.4567",
                                  " 0301234567 "])
def test_separators_are_dropped(text: str) -> None:
    number = normalise(text)
    assert number is not None and number.canonical == "0301234567"


def test_plus_and_double_zero_are_the_same_number() -> None:
    plus = normalise("+49 30 1234567")
    zeros = normalise("0049301234567")
    assert plus is not None and zeros is not None
    assert plus == zeros
    assert plus.canonical == "+49301234567"
    assert {"+49301234567", "0049301234567", "49301234567"} == plus.forms


def test_e164_without_plus_matches_both_international_forms() -> None:
    bare = normalise("49301234567")
    assert bare is not None and {"+49301234567", "0049301234567"} <= bare.forms


def test_a_short_number_is_local_and_gets_the_area_code() -> None:
    number = normalise("1234567", "030")
    assert number is not None
    assert number.canonical == "0301234567"
    assert number.forms == {"1234567", "0301234567"}
    # ...and the other way round: a national number in the area also matches its local form.
    national = normalise("0301234567", "030")
    assert national is not None and national.forms == {"0301234567", "1234567"}


def test_an_international_area_code_makes_local_numbers_international() -> None:
    number = normalise("1234567", "+4930")
    assert number is not None
    assert number.canonical == "+49301234567"
    assert {"1234567", "+49301234567", "0049301234567"} <= number.forms
    international = normalise("0049301234567", "+4930")
    assert international is not None and "1234567" in international.forms


def test_eight_digits_are_not_local_but_the_rule_is_configurable() -> None:
    long_number = normalise("12345678", "030")
    assert long_number is not None and long_number.canonical == "12345678"
    assert "03012345678" not in long_number.forms
    # Where local numbers have up to 8 digits:
    local = normalise("12345678", "030", local_max_digits=8)
    assert local is not None and local.canonical == "03012345678"


def test_without_an_area_code_a_local_number_stays_as_it_is() -> None:
    number = normalise("1234567")
    assert number is not None and number.forms == {"1234567"}


def test_a_number_from_another_area_keeps_its_own_form() -> None:
    number = normalise("0891234567", "030")
    assert number is not None and number.forms == {"0891234567"}


@pytest.mark.parametrize("text", ["030", "0301", "+4930", "+1212", " 030 ", ""])
def test_area_codes_accepted(text: str) -> None:
    assert check_area_code(text) == text.strip()


@pytest.mark.parametrize("text", ["30", "abc", "0", "00", "0049", "+", "+0", "030123456"])
def test_area_codes_refused_with_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match=r"area code .* is not accepted; use .*030.*\+4930"):
        check_area_code(text)
