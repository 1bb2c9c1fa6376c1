"""Caller numbers made comparable, however the network or a call record wrote them.

One person's number reaches the PBX as `+49 30 1234567`, `0049301234567`,
`0301234567` or just `1234567` (a local call on an analog line). `normalise()`
turns the caller's number into every form a call record may hold it in, and
one canonical form for CRM lookups:

- Spaces, tabs, dashes, dots, slashes and parentheses are dropped; what is left
  must be digits with at most one leading `+` (2-20 digits), anything else
  (`anonymous`, letters, nothing) is not a number: `normalise()` answers None.
- International: `+CC...` and `00CC...` are the same number. The bare digits
  (`CC...`, as some providers send E.164 without the `+`) are a third form when
  longer than a local number.
- Local: digits with no leading `0` or `+` and at most `local_max_digits`
  (default 7, i.e. shorter than 8 digits) are a local number; the area code is
  put in front (`1234567` with area code `030` -> `0301234567`). The rule is a
  parameter because local numbers are shorter or longer in other countries.
- National: a number with one leading `0`. When a national or international
  number starts with the area code (written the same way), its local part is a
  form too, so a call record written as `1234567` still matches a caller
  presenting `0301234567`.
- Digits with no prefix longer than a local number: kept as they are, with
  `+digits` and `00digits` as forms (E.164 without the `+`).

The area code is written as dialled within the country (`030`) or
internationally (`+4930`). National and international forms are not converted
into each other: that needs the country code, which a number alone does not tell.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LOCAL_MAX_DIGITS = 7
INTERNATIONAL_PREFIX = "00"
_SEPARATORS = str.maketrans("", "", " \t-./()")
_NUMBER = re.compile(r"\+?[0-9]{2,20}")
AREA_CODE = re.compile(r"(0[1-9][0-9]{0,6}|\+[1-9][0-9]{1,7})")
AREA_CODE_ACCEPTED = "'' or digits as dialled in the country, starting with 0 (e.g. 030), " \
                     "or international with + (e.g. +4930)"


@dataclass(frozen=True)
class CallerNumber:
    """A caller's number: the canonical form (sent to CRM lookups) and every
    equivalent form a call record may hold."""
    canonical: str
    forms: frozenset[str]


def clean_number(text: str) -> str | None:
    """The number without separators, or None when it is not a phone number."""
    cleaned = text.strip().translate(_SEPARATORS)
    return cleaned if _NUMBER.fullmatch(cleaned) else None


def check_area_code(text: str) -> str:
    """The area code without separators ('' = none); ValueError when malformed."""
    cleaned = text.strip().translate(_SEPARATORS)
    if cleaned and not AREA_CODE.fullmatch(cleaned):
        raise ValueError(f"area code {text!r} is not accepted; use {AREA_CODE_ACCEPTED}")
    return cleaned


def _international(digits: str, local_max_digits: int) -> set[str]:
    forms = {"+" + digits, INTERNATIONAL_PREFIX + digits}
    if len(digits) > local_max_digits:
        forms.add(digits)
    return forms


def _with_local_part(forms: set[str], number: str, area: str, local_max_digits: int) -> frozenset[str]:
    """`forms` plus the local part of `number` when it starts with the area code `area`."""
    if area and number.startswith(area):
        rest = number[len(area):]
        if rest and not rest.startswith("0") and len(rest) <= local_max_digits:
            forms.add(rest)
    return frozenset(forms)


def normalise(text: str, area_code: str = "", *, local_max_digits: int = LOCAL_MAX_DIGITS) -> CallerNumber | None:
    """The caller's number in canonical form with its equivalent forms, or None
    when `text` is not a number (empty, `anonymous`, letters, a lone `+`).

    `area_code` must already be checked (see check_area_code); '' = none.
    """
    number = clean_number(text)
    if number is None:
        return None
    if number.startswith(("+", INTERNATIONAL_PREFIX)):
        digits = number[1:] if number.startswith("+") else number[len(INTERNATIONAL_PREFIX):]
        area = area_code[1:] if area_code.startswith("+") else ""
        forms = _with_local_part(_international(digits, local_max_digits), digits, area, local_max_digits)
        return CallerNumber("+" + digits, forms)
    if number.startswith("0"):
        area = area_code if area_code.startswith("0") else ""
        return CallerNumber(number, _with_local_part({number}, number, area, local_max_digits))
    if len(number) <= local_max_digits:
        if not area_code:
            return CallerNumber(number, frozenset({number}))
        if area_code.startswith("+"):
            digits = area_code[1:] + number
            return CallerNumber("+" + digits, frozenset({number, *_international(digits, local_max_digits)}))
        return CallerNumber(area_code + number, frozenset({number, area_code + number}))
    return CallerNumber(number, frozenset(_international(number, local_max_digits)))
