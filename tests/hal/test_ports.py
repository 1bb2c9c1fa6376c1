from __future__ import annotations

import pytest

from hal.ports import CADENCE_UK, RingCadence, check_digits


def test_cadence_shape_is_checked() -> None:
    assert CADENCE_UK.period == pytest.approx(3.0)
    with pytest.raises(ValueError, match="1 to 4"):
        RingCadence((1.0,))
    with pytest.raises(ValueError, match=r"0\.05-10 seconds"):
        RingCadence((1.0, 20.0))


def test_digits() -> None:
    assert check_digits("0123456789*#ABCD") == "0123456789*#ABCD"
    with pytest.raises(ValueError, match="'-' in '555-1234' is not a phone digit"):
        check_digits("555-1234")
