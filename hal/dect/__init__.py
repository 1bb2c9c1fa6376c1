"""DECT: a DECT base module on a UART whose handsets appear as ports (protocol in
docs/hardware/dect-module.md), and a simulator of the module with handsets."""

from hal.dect.base import (
    DectBase,
    DectError,
    DectEvent,
    DectHandset,
    HandsetDeregistered,
    HandsetRange,
    HandsetSubscribed,
)
from hal.dect.sim import DectSimulator, VirtualHandset

__all__ = [
    "DectBase",
    "DectError",
    "DectEvent",
    "DectHandset",
    "DectSimulator",
    "HandsetDeregistered",
    "HandsetRange",
    "HandsetSubscribed",
    "VirtualHandset",
]
