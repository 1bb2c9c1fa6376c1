"""Every feature code a phone can dial, in one registry.

Each feature declares its codes where it lives (`FEATURE_CODES` in its module): the
code, what follows it (nothing, one digit, or a number), who carries it out and what
it does. The router asks the registry what a `*`/`#` number is, the switch hands the
call to the feature's owner, the analog digit map asks it when a code is complete,
and a clash between two features' codes is an error at start, not a silent shadow.

    owner   carried out by
    phone   apps/phone_features.py (forwarding, do-not-disturb, voicemail, greetings)
    mode    brain/features.py (operating modes)
    pickup  brain/in_call.py (call pickup; the router decides Pickup)
    intercom  brain/switch.py (the router decides RingExtension with intercom)
    queue   queues/codes.py (agents log in and out, pause)
    door    door/desk.py (open a door from an idle phone)
    park    calls/page_park.py (*86: the call parked by page and park)
    programming  apps/programming/ (keypad programming, *99)
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache


class Argument(enum.Enum):
    NONE = "none"  # the code alone
    DIGIT = "digit"  # exactly one digit follows (*78N)
    NUMBER = "number"  # a number may follow (*72 NUMBER), ended by # or the inter-digit timeout
    EXTENSION = "extension"  # an extension number follows (**101): complete once it is one


@dataclass(frozen=True)
class FeatureCode:
    code: str
    argument: Argument
    owner: str
    what: str


@dataclass(frozen=True)
class Match:
    feature: FeatureCode
    argument: str  # what followed the code


class FeatureCodeClash(RuntimeError):
    pass


@cache
def registry() -> tuple[FeatureCode, ...]:
    """All codes, checked for clashes. The owners are imported here, not at module load,
    so that the dial plan does not depend on the features it lists."""
    from firmware.apps.phone_features import FEATURE_CODES as PHONE
    from firmware.apps.programming.session import FEATURE_CODES as PROGRAMMING
    from firmware.brain.features import FEATURE_CODES as MODES
    from firmware.calls.page_park import FEATURE_CODES as PAGE_PARK
    from firmware.calls.pickup import FEATURE_CODES as PICKUP
    from firmware.door.desk import FEATURE_CODES as DOORS
    from firmware.intercom import FEATURE_CODES as INTERCOM
    from firmware.queues.codes import FEATURE_CODES as QUEUES

    codes = (*PHONE, *MODES, *PICKUP, *INTERCOM, *QUEUES, *DOORS, *PAGE_PARK, *PROGRAMMING)
    check_clashes(codes)
    return codes


def check_clashes(codes: tuple[FeatureCode, ...]) -> None:
    """Two codes clash when one is the other, or when a code that takes a digit or an extension
    starts another (*78N and *781 could not both be meant). A code without argument may start a
    longer one (*8 and *80 + extension): a SIP phone sends the whole number, and an analog phone's
    digit map waits after *8 for more (the inter-digit pause, or # to dial at once)."""
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            if a.code == b.code:
                raise FeatureCodeClash(f"feature code {a.code} is claimed twice ({a.what}; {b.what})")
            for short, long in ((a, b), (b, a)):
                if short.argument in (Argument.DIGIT, Argument.EXTENSION) and long.code.startswith(short.code):
                    raise FeatureCodeClash(f"feature code {short.code} ({short.what}) starts {long.code} "
                                           f"({long.what}): what follows {short.code} would be read as its "
                                           "argument")


def match(dialled: str) -> Match | None:
    """The feature a dialled `*`/`#` number is (a trailing # ends a number), or None."""
    dialled = dialled.rstrip("#") if len(dialled) > 2 else dialled
    best: Match | None = None
    for feature in registry():
        if not dialled.startswith(feature.code):
            continue
        rest = dialled[len(feature.code):]
        if feature.argument is Argument.NONE and rest:
            continue
        if feature.argument is Argument.DIGIT and not (len(rest) == 1 and rest.isdigit()):
            continue
        if feature.argument is Argument.NUMBER and rest and not rest.isdigit():
            continue
        if feature.argument is Argument.EXTENSION and not rest.isdigit():
            continue
        if best is None or len(feature.code) > len(best.feature.code):
            best = Match(feature, rest)
    return best


def could_start(digits: str) -> bool:
    """Some code starts with, or is started by, these digits (a phone is still dialling one)."""
    return any(f.code.startswith(digits) or digits.startswith(f.code) for f in registry())


def complete(digits: str, is_extension: Callable[[str], bool] = lambda number: False) -> bool:
    """The digits are a whole code that nothing can follow: dial now."""
    found = match(digits)
    if found is None:
        return False
    argument = found.feature.argument
    if argument is Argument.EXTENSION:
        return is_extension(found.argument)
    if argument is Argument.NONE:
        # *8 while *80 + extension exists: maybe more digits come (# or the pause ends it).
        return not any(f.code.startswith(found.feature.code) and f.code != found.feature.code for f in registry())
    return argument is Argument.DIGIT and len(found.argument) == 1
