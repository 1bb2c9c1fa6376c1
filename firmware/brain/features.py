"""Feature codes dialled from a phone (`*` codes).

*78N  switch the operating mode now, until the next scheduled change (temporary)
*79N  switch the operating mode until switched back (fixed)
*780 / *790  back to the timetable
N: 1 day, 2 lunch, 3 break, 4 night, 5 holiday.
Allowed for administrators and for extensions whose class of service has 'modes'.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from firmware.dialplan.cos import has_right
from firmware.dialplan.feature_codes import Argument, FeatureCode
from firmware.modes.state import clear_override, mode_now, set_override

MODE_DIGITS = {"1": "day", "2": "lunch", "3": "break", "4": "night", "5": "holiday"}
FEATURE_CODES = (
    FeatureCode("*78", Argument.DIGIT, "mode", "operating mode now, until the next scheduled change (0: timetable)"),
    FeatureCode("*79", Argument.DIGIT, "mode", "operating mode until switched back (0: timetable)"),
)


@dataclass(frozen=True)
class FeatureResult:
    ok: bool
    message: str


class FeatureCodes:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _may_switch_modes(self, number: str) -> bool:
        return has_right(self.db, number, "modes", mode_now(self.db).mode)

    def run(self, caller: str, code: str) -> FeatureResult:
        if code[:3] in ("*78", "*79") and len(code) == 4:
            if not self._may_switch_modes(caller):
                return FeatureResult(False, f"{caller} may not switch modes (feature {code})")
            digit = code[3]
            if digit == "0":
                state = clear_override(self.db, by=f"extension {caller}")
                return FeatureResult(True, f"mode back to timetable: {state.mode}")
            mode = MODE_DIGITS.get(digit)
            if mode is None:
                return FeatureResult(False, f"feature {code}: no mode {digit}")
            kind = "temporary" if code.startswith("*78") else "fixed"
            state = set_override(self.db, mode, kind, by=f"extension {caller}")
            return FeatureResult(True, f"mode {state.mode} ({state.reason})")
        return FeatureResult(False, f"unknown feature code {code}")
