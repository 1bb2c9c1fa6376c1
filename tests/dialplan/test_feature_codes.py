"""The feature-code registry: what a dialled code is, when it is complete, and clashes."""
from __future__ import annotations

import pytest

from firmware.dialplan.feature_codes import (
    Argument,
    FeatureCode,
    FeatureCodeClash,
    check_clashes,
    complete,
    match,
    registry,
)


@pytest.mark.parametrize(("dialled", "code", "argument", "owner"), [
    ("*72", "*72", "", "phone"), ("*72101", "*72", "101", "phone"), ("*97#", "*97", "", "phone"),
    ("*781", "*78", "1", "mode"), ("*790", "*79", "0", "mode"),
    ("*8", "*8", "", "pickup"), ("**101", "**", "101", "pickup"), ("*80102", "*80", "102", "intercom"),
    ("*99", "*99", "", "programming"),
])
def test_codes_are_found_with_their_owner(dialled: str, code: str, argument: str, owner: str) -> None:
    found = match(dialled)
    assert found is not None
    assert (found.feature.code, found.argument, found.feature.owner) == (code, argument, owner)


@pytest.mark.parametrize("dialled", ["*96", "*991", "*78", "*7812", "**", "**1a", "*81", "*"])
def test_what_is_no_code(dialled: str) -> None:
    assert match(dialled) is None


def test_completeness() -> None:
    assert complete("*781") and complete("*76")
    # *8 could still become *80 + extension (intercom): an analog phone waits for # or the pause.
    assert not complete("*8") and complete("*80102", lambda number: number == "102")
    assert not complete("*72101")  # a number: # or the timeout ends it
    assert complete("**101", lambda number: number == "101") and not complete("**10", lambda number: False)


def test_the_registry_has_no_clash_and_a_clash_is_refused() -> None:
    assert len({f.code for f in registry()}) == len(registry())
    with pytest.raises(FeatureCodeClash, match=r"\*7 .* starts \*72"):
        check_clashes((FeatureCode("*7", Argument.DIGIT, "x", "seven"),
                       FeatureCode("*72", Argument.NUMBER, "phone", "forward")))
    check_clashes((FeatureCode("*8", Argument.NONE, "a", "pickup"),
                   FeatureCode("*80", Argument.EXTENSION, "b", "intercom")))
    with pytest.raises(FeatureCodeClash, match="claimed twice"):
        check_clashes((FeatureCode("*8", Argument.NONE, "a", "one"), FeatureCode("*8", Argument.NONE, "b", "two")))
