from __future__ import annotations

import pytest

from hal.gpio.pins import PinError, Pull
from hal.gpio.sim import SimPinFactory


def test_a_pin_has_one_owner(pins: SimPinFactory) -> None:
    pins.pin(17)
    with pytest.raises(PinError, match="GPIO 17 is already in use"):
        pins.pin(17)


@pytest.mark.parametrize("number", [-1, 28, 40])
def test_pins_outside_the_header_are_refused(pins: SimPinFactory, number: int) -> None:
    with pytest.raises(PinError, match="does not exist"):
        pins.pin(number)


def test_outputs_cannot_be_driven_and_inputs_cannot_be_written(pins: SimPinFactory) -> None:
    out = pins.pin(1)
    out.setup_output(False)
    with pytest.raises(PinError, match="not an input"):
        pins.sim_pin(1).drive(True)
    inp = pins.pin(2)
    inp.setup_input(Pull.UP)
    with pytest.raises(PinError, match="not an output"):
        inp.write(True)


def test_closing_the_factory_releases_every_pin(pins: SimPinFactory) -> None:
    pins.pin(3)
    pins.close()
    pins.pin(3)
