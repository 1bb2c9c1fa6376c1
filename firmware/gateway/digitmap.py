"""When has an analog phone finished dialling? A digit map over the numbering plan.

SIP phones send a whole number; an analog phone sends digits one by one, so the
gateway decides when the number is complete:
- an extension, emergency or operator number is complete the moment it matches
  (the plan guarantees none of them starts another);
- feature codes (dialplan/feature_codes.py) are complete when the registry says so:
  *78N with its digit, **EXT and *80EXT with a whole extension number, *12 at once; *8
  could still become *80 + extension, so it is dialled on `#` or at the inter-digit timeout;
- an outside number (access code + number) and codes that take a number (*72 NUMBER)
  have no fixed length: they are complete after the inter-digit timeout, or at once with `#`;
- digits that can match nothing are sent at once, so the caller hears the PBX's
  own answer (the special information tone) without waiting.
"""
from __future__ import annotations

import enum

from firmware.dialplan import feature_codes
from firmware.dialplan.numbering import NumberingPlan

# ETSI ES 201 970 suggests 5 s between digits on analog lines; 4 s is what office
# systems commonly use and feels less sluggish.
INTER_DIGIT_TIMEOUT = 4.0
# Dial tone without any digit for this long: the phone was left off hook.
FIRST_DIGIT_TIMEOUT = 15.0


class Verdict(enum.Enum):
    COMPLETE = "complete"  # dial now
    MORE = "more"  # wait for more digits; the timeout means the number is incomplete
    OPEN = "open"  # could be complete: dial on `#` or at the inter-digit timeout


def _could_be_extension(plan: NumberingPlan, digits: str) -> bool:
    for extension_range in plan.ranges:
        if len(digits) >= extension_range.digits:
            continue
        pad = extension_range.digits - len(digits)
        if int(digits + "0" * pad) <= extension_range.high and extension_range.low <= int(digits + "9" * pad):
            return True
    return False


def check(plan: NumberingPlan, digits: str) -> Verdict:
    """What `digits` (without a trailing #) mean so far."""
    if not digits:
        return Verdict.MORE
    if digits[0] in "*#":
        if feature_codes.complete(digits, plan.is_extension_number):
            return Verdict.COMPLETE
        if feature_codes.match(digits) is not None:
            return Verdict.OPEN  # a code that may take a number (*72 ...): # or the timeout ends it
        if len(digits) == 1 or feature_codes.could_start(digits):
            return Verdict.MORE
        return Verdict.COMPLETE  # no such code: the PBX says so at once
    if not digits.isdigit():
        return Verdict.COMPLETE
    if digits in plan.emergency or (plan.operator and digits == plan.operator) or plan.is_extension_number(digits) \
            or plan.is_park_number(digits):
        return Verdict.COMPLETE
    prefix = plan.outside_prefix
    if digits.startswith(prefix) and len(digits) > len(prefix):
        rest = digits[len(prefix):]
        if rest in plan.emergency:
            return Verdict.COMPLETE
        if any(number.startswith(rest) for number in plan.emergency):
            return Verdict.MORE
        return Verdict.OPEN
    starts = [plan.outside_prefix, *plan.emergency, *([plan.operator] if plan.operator else [])]
    if any(number.startswith(digits) for number in starts) or _could_be_extension(plan, digits):
        return Verdict.MORE
    return Verdict.COMPLETE


def finish(plan: NumberingPlan, digits: str, *, timed_out: bool = False) -> str | None:
    """The number to dial if dialling is over, else None.

    `#` ends an open number at once (and is not sent); at the inter-digit timeout
    whatever was dialled is sent, so an incomplete number gets the PBX's answer.
    """
    if digits.endswith("#") and len(digits) > 1 and digits[0] not in "*#":
        return digits[:-1]
    if digits.endswith("#") and len(digits) > 2:
        return digits[:-1]
    verdict = check(plan, digits)
    if verdict is Verdict.COMPLETE or (timed_out and digits):
        return digits
    return None
