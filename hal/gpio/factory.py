"""Choosing the pin factory a board file asks for."""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hal.clock import Clock
from hal.gpio.pins import PinFactory
from hal.gpio.rpigpio import LgpioFactory, RPiGPIOFactory
from hal.gpio.sim import SimPinFactory

BACKENDS = ("sim", "rpigpio", "lgpio", "auto")
DEVICE_TREE_MODEL = Path("/proc/device-tree/model")


class GpioBackendError(RuntimeError):
    """The requested GPIO back-end cannot run here; the message says what to install."""


def detect_backend(model: str | None) -> str:
    """Map the device-tree model string to the back-end that drives its GPIO."""
    if model is None or not model.startswith("Raspberry Pi"):
        raise GpioBackendError(
            f'gpio = "auto" needs a Raspberry Pi, but this machine is {model or "not a Pi"!r}; '
            'use gpio = "sim" in the board file'
        )
    # The Pi 5 moved GPIO to the RP1 chip, which only lgpio (not RPi.GPIO) can drive.
    return "lgpio" if model.startswith("Raspberry Pi 5") else "rpigpio"


def _read_model(path: Path) -> str | None:
    try:
        return path.read_bytes().rstrip(b"\0\n").decode("ascii", "replace")
    except OSError:
        return None


def _installed(distribution: str) -> bool:
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def make_pin_factory(
    backend: str,
    clock: Clock | None = None,
    *,
    model_path: Path = DEVICE_TREE_MODEL,
    import_module: Callable[[str], Any] = importlib.import_module,
    installed: Callable[[str], bool] = _installed,
) -> PinFactory:
    """Build the factory for `backend` ("sim", "rpigpio", "lgpio" or "auto")."""
    if backend not in BACKENDS:
        raise GpioBackendError(f"unknown GPIO back-end {backend!r}; accepted: {', '.join(BACKENDS)}")
    if backend == "sim":
        return SimPinFactory(clock)
    if backend == "auto":
        backend = detect_backend(_read_model(model_path))
    # rpi-lgpio installs itself as the RPi.GPIO module, so which package is present
    # decides which chip we can drive: check before importing to give a useful message.
    if backend == "lgpio" and not installed("rpi-lgpio"):
        raise GpioBackendError("GPIO back-end 'lgpio' needs the rpi-lgpio package (pip install 'minipbx[pi5]')")
    if backend == "rpigpio" and installed("rpi-lgpio"):
        # Harmless on a Pi 4 (rpi-lgpio works there too), so only the factory name differs.
        backend = "lgpio"
    try:
        module = import_module("RPi.GPIO")
    except ImportError as exc:
        extra = "pi5" if backend == "lgpio" else "pi4"
        raise GpioBackendError(
            f"GPIO back-end {backend!r} cannot import RPi.GPIO ({exc}); pip install 'minipbx[{extra}]'"
        ) from None
    except RuntimeError as exc:
        # RPi.GPIO raises RuntimeError when imported on something that is not a Pi.
        raise GpioBackendError(f"GPIO back-end {backend!r} cannot start: {exc}") from None
    cls = LgpioFactory if backend == "lgpio" else RPiGPIOFactory
    return cls(clock, gpio=module)
