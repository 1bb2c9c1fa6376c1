"""The numbering plan: what a dialled string means.

Extensions live in ranges (e.g. 100-199); `*`/`#` start feature codes; the
outside-line access code (e.g. 0 or 9) followed by a number goes out on a trunk;
the operator number reaches the operator extension; emergency numbers are
recognised with or without the access code, are always allowed, and are
reserved: no extension may have one as its number.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

_DIGITS = re.compile(r"[0-9]+")


class PlanError(ValueError):
    """A plan that is ambiguous or malformed; the message names the clash."""


class Kind(enum.Enum):
    EXTENSION = "extension"
    FEATURE = "feature"
    OUTSIDE = "outside"
    EMERGENCY = "emergency"
    OPERATOR = "operator"
    PARK = "park"  # the park number: a call transferred there is parked
    PARKED = "parked"  # a parking slot: dialling it takes the call parked there
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Dialled:
    kind: Kind
    number: str  # the extension, the feature code, or the external number without access code
    dialled: str


@dataclass(frozen=True)
class ExtensionRange:
    low: int
    high: int
    digits: int

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"

    def contains(self, number: str) -> bool:
        return len(number) == self.digits and number.isdigit() and self.low <= int(number) <= self.high


def parse_ranges(text: str) -> tuple[ExtensionRange, ...]:
    """'100-199,200-299' -> ranges; each bound has the same number of digits."""
    ranges = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        low_text, sep, high_text = part.partition("-")
        high_text = high_text if sep else low_text
        if not (_DIGITS.fullmatch(low_text) and _DIGITS.fullmatch(high_text)):
            raise PlanError(f"extension range {part!r} is not accepted; write it as e.g. 100-199")
        if len(low_text) != len(high_text) or low_text.startswith("0"):
            raise PlanError(f"extension range {part!r}: both ends need the same number of digits, not starting with 0")
        low, high = int(low_text), int(high_text)
        if low > high:
            raise PlanError(f"extension range {part!r} runs backwards; write the lower number first")
        ranges.append(ExtensionRange(low, high, len(low_text)))
    if not ranges:
        raise PlanError("at least one extension range is needed, e.g. 100-199")
    return tuple(ranges)


@dataclass(frozen=True)
class NumberingPlan:
    ranges: tuple[ExtensionRange, ...]
    outside_prefix: str
    operator: str  # the number people dial for the operator ('' = none)
    operator_extension: str
    emergency: tuple[str, ...]
    park: str = ""  # '' = no parking
    park_slots: tuple[ExtensionRange, ...] = ()

    def is_park_number(self, number: str) -> bool:
        """The park number or a parking slot: reserved, never an extension's or a group's."""
        return bool(self.park) and (number == self.park or any(r.contains(number) for r in self.park_slots))

    def validate(self) -> NumberingPlan:
        """Raise PlanError naming the clash if two parts of the plan could match the same digits.

        Phones on analog lines dial digit by digit, so a number that is the start
        of another (extension 11 and emergency 112) is a clash too.
        """
        for i, a in enumerate(self.ranges):
            for b in self.ranges[i + 1:]:
                if a.digits == b.digits and a.low <= b.high and b.low <= a.high:
                    raise PlanError(f"extension ranges {a} and {b} overlap")
                if _clashes(a, str(b.low)) or _clashes(b, str(a.low)):
                    raise PlanError(f"extension ranges {a} and {b} clash: one starts numbers of the other")
        if not _DIGITS.fullmatch(self.outside_prefix) or len(self.outside_prefix) > 2:
            raise PlanError(f"outside-line access code {self.outside_prefix!r} is not accepted; use 1-2 digits "
                            "such as 0 or 9")
        named = [("outside-line access code", self.outside_prefix)]
        named += [("emergency number", n) for n in self.emergency]
        if self.operator:
            named.append(("operator number", self.operator))
        if self.park:
            named.append(("park number", self.park))
            named += [("parking slot", str(r.low)) for r in self.park_slots]
            named += [("parking slot", str(r.high)) for r in self.park_slots]
            if any(r.contains(self.park) for r in self.park_slots):
                raise PlanError(f"park number {self.park} is one of the parking slots")
            for n in (self.operator, *self.emergency):
                if n and self.is_park_number(n):
                    raise PlanError(f"{n} is both a parking number and an operator or emergency number")
        for label, number in named:
            if not _DIGITS.fullmatch(number):
                raise PlanError(f"{label} {number!r} is not accepted; use digits only")
            for r in self.ranges:
                # An emergency number inside a range is reserved (no extension may take
                # it) and always wins; the operator may be an extension number itself.
                if label != "outside-line access code" and r.contains(number):
                    continue
                if _clashes(r, number):
                    raise PlanError(f"{label} {number} clashes with extension range {r}")
        if self.operator:
            if self.operator.startswith(self.outside_prefix) or self.outside_prefix.startswith(self.operator):
                raise PlanError(f"operator number {self.operator} clashes with the outside-line access code "
                                f"{self.outside_prefix}")
            if any(self.operator.startswith(n) or n.startswith(self.operator) for n in self.emergency):
                raise PlanError(f"operator number {self.operator} clashes with an emergency number")
        return self

    def is_extension_number(self, number: str) -> bool:
        return any(r.contains(number) for r in self.ranges)

    def classify(self, dialled: str) -> Dialled:
        dialled = dialled.strip()
        if dialled[:1] in ("*", "#"):
            return Dialled(Kind.FEATURE, dialled, dialled)
        if dialled in self.emergency:
            return Dialled(Kind.EMERGENCY, dialled, dialled)
        if self.operator and dialled == self.operator:
            return Dialled(Kind.OPERATOR, self.operator_extension, dialled)
        if self.is_park_number(dialled):
            return Dialled(Kind.PARK if dialled == self.park else Kind.PARKED, dialled, dialled)
        if self.is_extension_number(dialled):
            return Dialled(Kind.EXTENSION, dialled, dialled)
        if dialled.startswith(self.outside_prefix) and len(dialled) > len(self.outside_prefix):
            number = dialled[len(self.outside_prefix):]
            kind = Kind.EMERGENCY if number in self.emergency else Kind.OUTSIDE
            if _DIGITS.fullmatch(number.lstrip("+")):
                return Dialled(kind, number, dialled)
        return Dialled(Kind.UNKNOWN, dialled, dialled)


def _clashes(r: ExtensionRange, number: str) -> bool:
    """True if `number` equals, starts, or is started by an extension number of the range."""
    if len(number) >= r.digits:
        return r.contains(number[: r.digits])
    pad = r.digits - len(number)
    return int(number + "0" * pad) <= r.high and r.low <= int(number + "9" * pad)
