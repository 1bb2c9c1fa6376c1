"""FXO lines: analog exchange lines through V.253 voice modems, and a simulator of
such a modem with the telephone network behind it."""

from hal.fxo.events import (
    CallerIdReceived,
    DigitReceived,
    LineEvent,
    LineRinging,
    LineSignalled,
    RingingStopped,
)
from hal.fxo.line import DialFailed, FxoLine, LineState, ModemError
from hal.fxo.sim import VoiceModemSimulator
from hal.fxo.v253 import LineSignal, VoiceFormat

__all__ = [
    "CallerIdReceived",
    "DialFailed",
    "DigitReceived",
    "FxoLine",
    "LineEvent",
    "LineRinging",
    "LineSignal",
    "LineSignalled",
    "LineState",
    "ModemError",
    "RingingStopped",
    "VoiceFormat",
    "VoiceModemSimulator",
]
