"""What kind of external number was dialled, per country profile.

Classes: local, national, mobile, international, premium (emergency numbers are
recognised by the numbering plan and are never barred). First match wins.
"""
from __future__ import annotations

import re

CLASSES = ("internal", "local", "national", "mobile", "international", "premium")

_PATTERNS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    # Generic European plan (trunk prefix 0, international prefix 00).
    "EU": [
        ("premium", re.compile(r"0(900|137|138|180|190)\d*")),
        ("international", re.compile(r"(00|\+)[1-9]\d+")),
        ("mobile", re.compile(r"01[5-7]\d{6,}")),
        ("national", re.compile(r"0[1-9]\d{4,}")),
        ("local", re.compile(r"[1-9]\d{2,}")),
    ],
    # North American numbering plan.
    "US": [
        ("premium", re.compile(r"1?(900|976)\d{7}")),
        ("international", re.compile(r"(011|\+)[1-9]\d+")),
        ("national", re.compile(r"1[2-9]\d{9}")),
        ("local", re.compile(r"[2-9]\d{6}|[2-9]\d{9}")),
    ],
    "UK": [
        ("premium", re.compile(r"09\d{8,9}")),
        ("international", re.compile(r"(00|\+)[1-9]\d+")),
        ("mobile", re.compile(r"07\d{9}")),
        ("national", re.compile(r"0[1-9]\d{8,9}")),
        ("local", re.compile(r"[1-9]\d{5,7}")),
    ],
}


def classify(country: str, number: str) -> str | None:
    """The class of an external number, or None if it fits no pattern (then it is barred)."""
    for name, pattern in _PATTERNS[country]:
        if pattern.fullmatch(number):
            return name
    return None
