"""GPIO: swappable pin factories (RPi.GPIO, rpi-lgpio, simulated) and the devices
built on them (buttons, LEDs, relays, door locks)."""

from hal.gpio.button import Button
from hal.gpio.factory import GpioBackendError, make_pin_factory
from hal.gpio.led import Led
from hal.gpio.output import DoorLock, OutputDevice, Relay
from hal.gpio.pins import Pin, PinError, PinFactory, Pull
from hal.gpio.sim import SimPin, SimPinFactory

__all__ = [
    "Button",
    "DoorLock",
    "GpioBackendError",
    "Led",
    "OutputDevice",
    "Pin",
    "PinError",
    "PinFactory",
    "Pull",
    "Relay",
    "SimPin",
    "SimPinFactory",
    "make_pin_factory",
]
