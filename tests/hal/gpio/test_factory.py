"""Back-end selection and the RPi.GPIO back-end, with a stand-in for the RPi.GPIO
module (the real one only imports on a Raspberry Pi)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hal.clock import ManualClock
from hal.gpio.button import Button
from hal.gpio.factory import GpioBackendError, detect_backend, make_pin_factory
from hal.gpio.led import Led
from hal.gpio.rpigpio import LgpioFactory, RPiGPIOFactory
from hal.gpio.sim import SimPinFactory


class FakeRPiGPIO(SimpleNamespace):
    """Records calls the way RPi.GPIO would receive them."""

    BCM, IN, OUT, HIGH, LOW, BOTH = "BCM", "IN", "OUT", 1, 0, "BOTH"
    PUD_UP, PUD_DOWN, PUD_OFF = "PUD_UP", "PUD_DOWN", "PUD_OFF"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, ...]] = []
        self.levels: dict[int, int] = {}
        self.callbacks: dict[int, Callable[[int], None]] = {}

    def setwarnings(self, flag: bool) -> None:
        self.calls.append(("setwarnings", flag))

    def setmode(self, mode: str) -> None:
        self.calls.append(("setmode", mode))

    def setup(self, channel: int, direction: str, **kwargs: Any) -> None:
        self.calls.append(("setup", channel, direction, kwargs))
        self.levels[channel] = kwargs.get("initial", 1 if kwargs.get("pull_up_down") == "PUD_UP" else 0)

    def input(self, channel: int) -> int:
        return self.levels[channel]

    def output(self, channel: int, level: int) -> None:
        self.calls.append(("output", channel, level))
        self.levels[channel] = level

    def add_event_detect(self, channel: int, edge: str, callback: Callable[[int], None]) -> None:
        self.calls.append(("add_event_detect", channel, edge))
        self.callbacks[channel] = callback

    def remove_event_detect(self, channel: int) -> None:
        self.calls.append(("remove_event_detect", channel))
        self.callbacks.pop(channel, None)

    def cleanup(self, channel: int) -> None:
        self.calls.append(("cleanup", channel))

    def press(self, channel: int, level: int) -> None:
        self.levels[channel] = level
        self.callbacks[channel](channel)


def model_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "model"
    path.write_bytes(text.encode() + b"\0")
    return path


@pytest.mark.parametrize(
    ("model", "backend"),
    [
        ("Raspberry Pi 4 Model B Rev 1.5", "rpigpio"),
        ("Raspberry Pi 3 Model B Plus Rev 1.3", "rpigpio"),
        ("Raspberry Pi 5 Model B Rev 1.0", "lgpio"),
    ],
)
def test_auto_detects_the_backend_from_the_device_tree_model(model: str, backend: str) -> None:
    assert detect_backend(model) == backend


@pytest.mark.parametrize("model", [None, "QEMU Standard PC", ""])
def test_auto_on_something_that_is_not_a_pi_says_to_use_sim(model: str | None) -> None:
    with pytest.raises(GpioBackendError, match='gpio = "sim"'):
        detect_backend(model)


def test_sim_and_unknown_backends() -> None:
    assert isinstance(make_pin_factory("sim"), SimPinFactory)
    with pytest.raises(GpioBackendError, match="unknown GPIO back-end 'wiringpi'; accepted: sim, rpigpio"):
        make_pin_factory("wiringpi")


def test_pi4_uses_rpi_gpio_in_bcm_numbering(tmp_path: Path) -> None:
    fake = FakeRPiGPIO()
    factory = make_pin_factory(
        "auto",
        ManualClock(),
        model_path=model_file(tmp_path, "Raspberry Pi 4 Model B"),
        import_module=lambda name: fake,
        installed=lambda dist: False,
    )
    assert type(factory) is RPiGPIOFactory
    assert ("setmode", "BCM") in fake.calls


def test_pi5_needs_rpi_lgpio(tmp_path: Path) -> None:
    pi5 = model_file(tmp_path, "Raspberry Pi 5 Model B Rev 1.0")
    with pytest.raises(GpioBackendError, match=r"rpi-lgpio.*minipbx\[pi5\]"):
        make_pin_factory("auto", model_path=pi5, import_module=lambda name: FakeRPiGPIO(), installed=lambda d: False)
    factory = make_pin_factory(
        "auto", model_path=pi5, import_module=lambda name: FakeRPiGPIO(), installed=lambda d: d == "rpi-lgpio"
    )
    assert isinstance(factory, LgpioFactory)


def test_missing_rpi_gpio_names_the_extra_to_install() -> None:
    def no_module(name: str) -> Any:
        raise ModuleNotFoundError(f"No module named {name!r}")

    with pytest.raises(GpioBackendError, match=r"minipbx\[pi4\]"):
        make_pin_factory("rpigpio", import_module=no_module, installed=lambda d: False)


def test_rpi_gpio_refusing_to_load_off_a_pi_is_reported() -> None:
    def not_a_pi(name: str) -> Any:
        raise RuntimeError("This module can only be run on a Raspberry Pi!")

    with pytest.raises(GpioBackendError, match="only be run on a Raspberry Pi"):
        make_pin_factory("rpigpio", import_module=not_a_pi, installed=lambda d: False)


def test_devices_work_over_the_rpi_gpio_backend() -> None:
    fake, clock = FakeRPiGPIO(), ManualClock()
    factory = RPiGPIOFactory(clock, gpio=fake)
    button = Button(factory.pin(17), bounce_time=0.02)
    led = Led(factory.pin(23))
    pressed: list[bool] = []
    button.when_pressed = lambda: pressed.append(True)
    assert ("setup", 17, "IN", {"pull_up_down": "PUD_UP"}) in fake.calls
    assert ("add_event_detect", 17, "BOTH") in fake.calls
    fake.press(17, 0)
    clock.advance(0.02)
    assert pressed == [True]
    led.on()
    assert ("output", 23, 1) in fake.calls
    factory.close()
    assert ("remove_event_detect", 17) in fake.calls
    assert ("cleanup", 17) in fake.calls and ("cleanup", 23) in fake.calls
