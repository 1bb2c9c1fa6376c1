"""The programs of keypad programming, by number (the README's table lists them).

Each program asks for what it needs (# ends an entry, * goes back), makes its change through
the admin operation the CLI uses - so the same checks refuse the same input - and says the
result. A refused entry raises that operation's error; the session says "not accepted".
"""
from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from firmware.admin import classes_of_service as cos_admin
from firmware.admin import dect as dect_admin
from firmware.admin import doors as door_admin
from firmware.admin import extensions as extension_admin
from firmware.admin import forwarding as forwarding_admin
from firmware.admin import modes as mode_admin
from firmware.admin import settings as settings_admin
from firmware.admin import voicemail as voicemail_admin
from firmware.admin.context import Admin
from firmware.appliance.reboot import request_reboot
from firmware.apps.context import AppContext
from firmware.apps.phone_features import record_company_greeting
from firmware.apps.programming.box import Box
from firmware.apps.programming.keys import Back, Keypad
from firmware.brain.control import CallCommandRefused, PairDect
from firmware.dect.pairing import DectPairingError
from firmware.dialplan.cos import CosError
from firmware.modes.state import local_now
from firmware.modes.timetable import MODES, SCHEDULED_MODES, WEEKDAYS, TimetableError

log = logging.getLogger("minipbx.programming")

# Keys 1-5 for the modes, as *78N; 0 = back to the timetable.
MODE_KEYS = {str(i + 1): mode for i, mode in enumerate(MODES)}
# Keys 1-7 one weekday, 8 Monday to Friday, 9 every day.
WEEKDAY_KEYS = {**{str(i + 1): day for i, day in enumerate(WEEKDAYS)}, "8": "mon-fri", "9": "mon-sun"}
# Keys 1-4 for the forwardings, as *72/*90/*92/*94.
FORWARDING_KEYS = {"1": "always", "2": "busy", "3": "no_answer", "4": "unregistered"}


@dataclass(frozen=True)
class Programmer:
    """One programming call: who keys, on which box, through which admin layer."""
    ctx: AppContext
    box: Box
    keys: Keypad
    admin: Admin
    extension: str  # who is programming


ProgramRun = Callable[[Programmer], Awaitable[None]]


@dataclass(frozen=True)
class Program:
    number: str
    what: str
    run: ProgramRun


def _extension_said(p: Programmer, number: str, *after: str) -> list[Path]:
    return [*p.keys.prompt("extension"), *p.keys.digits(number), *p.keys.prompt(*after)]


async def _extension(p: Programmer) -> str:
    number = await p.keys.entry("prog-enter-extension", max_digits=6)
    if not number:
        raise Back()
    return number


# ---- extensions -----------------------------------------------------------------------

async def create_extension(p: Programmer) -> None:
    number = await _extension(p)
    created = extension_admin.add(p.admin, extension_admin.NewExtension(number=number, name=f"Phone {number}"),
                                  keyable=True)
    log.info("keypad %s: extension %s created", p.extension, number)
    await p.keys.say(_extension_said(p, number, "prog-created"))
    await p.keys.secret(p.keys.prompt("prog-password-is"), created.sip_password.secret)


async def remove_extension(p: Programmer) -> None:
    number = await _extension(p)
    extension_admin.get(p.admin, number)  # a missing one is refused before the question
    await p.keys.confirm(_extension_said(p, number))
    extension_admin.remove(p.admin, number)
    log.info("keypad %s: extension %s removed", p.extension, number)
    await p.keys.say(_extension_said(p, number, "prog-removed"))


async def new_sip_password(p: Programmer) -> None:
    number = await _extension(p)
    secret = extension_admin.set_sip_password(p.admin, number, keyable=True)
    log.info("keypad %s: extension %s has a new SIP password", p.extension, number)
    await p.keys.say(_extension_said(p, number, "prog-new-password"))
    await p.keys.secret(p.keys.prompt("prog-password-is"), secret.secret)


async def new_voicemail_pin(p: Programmer) -> None:
    number = await _extension(p)
    pin = voicemail_admin.set_pin(p.admin, number)
    log.info("keypad %s: mailbox %s has a new PIN", p.extension, number)
    await p.keys.secret([*p.keys.prompt("mailbox"), *p.keys.digits(number), *p.keys.prompt("prog-pin-is")], pin)


async def class_of_service(p: Programmer) -> None:
    number = await _extension(p)
    names = [c.name for c in cos_admin.list_all(p.admin)]
    place = await p.keys.entry("prog-enter-class", max_digits=3)
    if not place.isdigit() or not 1 <= int(place) <= len(names):
        raise CosError(f"class of service number {place!r} is not in the list; use 1-{len(names)} "
                       f"({', '.join(names)})")
    cos_admin.assign(p.admin, number, names[int(place) - 1])
    await p.keys.say(_extension_said(p, number, "prog-class-set"))


async def forwarding(p: Programmer) -> None:
    number = await _extension(p)
    forwarding_admin.show(p.admin, number)  # a missing extension is refused before the questions
    which = FORWARDING_KEYS.get(await p.keys.choice("prog-enter-forwarding", accepted="1234"), "")
    if not which:
        raise Back()
    target = await p.keys.entry("prog-enter-target")
    if target:
        forwarding_admin.change(p.admin, number, forwarding_admin.ForwardingChange.model_validate({which: target}))
    else:
        forwarding_admin.clear(p.admin, number, which)
    await p.keys.say(_extension_said(p, number, "forwarding-on" if target else "forwarding-off"))


# ---- the office -----------------------------------------------------------------------

async def operator_extension(p: Programmer) -> None:
    number = await _extension(p)
    extension_admin.get(p.admin, number)
    settings_admin.change(p.admin, "operator_extension", number)
    await p.keys.say([*p.keys.prompt("prog-operator-is"), *p.keys.digits(number)])


async def mode_now(p: Programmer) -> None:
    key = await p.keys.choice("prog-enter-mode", accepted="012345")
    if not key:
        raise Back()
    if key == "0":
        mode_admin.back_to_timetable(p.admin)
        await p.keys.say(p.keys.prompt("prog-mode-is", "mode-timetable"))
        return
    mode = MODE_KEYS[key]
    mode_admin.override(p.admin, mode_admin.ModeChange(mode=mode))
    await p.keys.say(p.keys.prompt("prog-mode-is", f"mode-{mode}"))


def interval_spec(keyed: str) -> str:
    """'080012001' -> '08:00-12:00 day' (start, end, mode key 1-4); anything else is passed on as
    keyed, for the timetable's own check to refuse with its message."""
    if len(keyed) == 9 and keyed[8] in "1234":
        return f"{keyed[0:2]}:{keyed[2:4]}-{keyed[4:6]}:{keyed[6:8]} {SCHEDULED_MODES[int(keyed[8]) - 1]}"
    return keyed


async def timetable(p: Programmer) -> None:
    days = WEEKDAY_KEYS.get(await p.keys.choice("prog-enter-weekday", accepted="123456789"), "")
    if not days:
        raise Back()
    spans: list[str] = []
    while keyed := await p.keys.entry("prog-enter-interval", max_digits=9):
        spans.append(interval_spec(keyed))
    mode_admin.set_schedule(p.admin, days, ", ".join(spans))
    await p.keys.say(p.keys.prompt("prog-timetable-set"))


def keyed_date(keyed: str) -> str:
    """'20261225' -> '2026-12-25'; anything else as keyed, for the holiday check to refuse."""
    return f"{keyed[0:4]}-{keyed[4:6]}-{keyed[6:8]}" if len(keyed) == 8 else keyed


async def holidays(p: Programmer) -> None:
    key = await p.keys.choice("prog-holiday-menu", accepted="12")
    if not key:
        raise Back()
    day = keyed_date(await p.keys.entry("prog-enter-date", max_digits=8))
    if key == "1":
        mode_admin.add_holiday(p.admin, day, "Holiday")
        await p.keys.say(p.keys.prompt("prog-holiday-added"))
    else:
        mode_admin.remove_holiday(p.admin, day)
        await p.keys.say(p.keys.prompt("prog-holiday-removed"))


async def door(p: Programmer) -> None:
    name = f"door{await p.keys.entry('prog-enter-door', max_digits=2)}"
    door_admin.get(p.admin, name)
    code = await p.keys.entry("prog-enter-door-code", max_digits=2)
    seconds = await p.keys.entry("prog-enter-seconds", max_digits=2)
    # An empty entry keeps what is set; an open time keyed is the door's check's to accept.
    door_admin.set_door(p.admin, name, door_admin.DoorChange(open_code=f"*{code}" if code else None,
                                                             open_seconds=int(seconds) if seconds else None))
    await p.keys.say(p.keys.prompt("prog-door-set"))


async def company_greeting(p: Programmer) -> None:
    slot = await p.keys.entry("enter-greeting-number", max_digits=2)
    if not slot:
        raise Back()
    if await record_company_greeting(p.ctx, p.keys.session, p.extension, slot):
        p.admin.audit("prompt.greeting", name=f"greeting{slot}")


# ---- the box ----------------------------------------------------------------------------

async def ip_address(p: Programmer) -> None:
    await p.keys.say([*p.keys.prompt("prog-address-is"), *p.keys.digits(p.box.sip_addr)])


async def date_and_time(p: Programmer) -> None:
    now = local_now(p.ctx.db)
    await p.keys.say([*p.keys.prompt("prog-date-is"), *p.keys.digits(f"{now.year}"), *p.keys.number(now.month),
                      *p.keys.number(now.day), *p.keys.prompt("prog-time-is"), *p.keys.number(now.hour),
                      *p.keys.number(now.minute)])


def software_version() -> str:
    try:
        return importlib.metadata.version("minipbx")
    except importlib.metadata.PackageNotFoundError:
        return "0"


async def version(p: Programmer) -> None:
    await p.keys.say([*p.keys.prompt("prog-version-is"), *p.keys.digits(software_version())])


async def dect_pairing(p: Programmer) -> None:
    wanted = await p.keys.entry("prog-enter-extension", max_digits=6)
    seconds, extension = dect_admin.checked(p.admin, dect_admin.PairRequest(extension=wanted or None))
    if p.box.dect_pairer is None:
        raise DectPairingError("this board has no DECT module (or the line gateway is not running)")
    try:
        await p.box.dect_pairer(PairDect(seconds=str(seconds), extension=extension, by=p.admin.actor.who))
    except CallCommandRefused as exc:
        log.warning("keypad %s: DECT pairing refused: %s", p.extension, exc)
        await p.keys.say(p.keys.prompt("prog-pairing-failed"))
        return
    opened = dect_admin.opened(p.admin, seconds, extension)
    await p.keys.say([*p.keys.prompt("prog-pairing-open"), *p.keys.number(opened.seconds),
                      *p.keys.prompt("seconds", "prog-handset-gets"), *p.keys.digits(opened.extension)])


class Reboot(Exception):
    """The box restarts: the session ends after saying so."""


async def reboot(p: Programmer) -> None:
    await p.keys.confirm([*p.keys.prompt("prog-program"), *p.keys.digits("99")])
    p.admin.audit("box.reboot", simulated=p.box.simulated)
    if p.box.simulated:
        request_reboot(p.ctx.data_dir / "run", p.admin.actor.who, simulated=True)
        await p.keys.say(p.keys.prompt("prog-reboot-simulated"))
        return
    await p.keys.say(p.keys.prompt("prog-rebooting"))
    request_reboot(p.ctx.data_dir / "run", p.admin.actor.who, simulated=False)
    raise Reboot()


async def program_list(p: Programmer) -> None:
    """The menu said: each program's number and what it does (its prompt prog-what-NN)."""
    said: list[Path] = []
    for number in PROGRAMS:
        if number != LIST_PROGRAM:
            said += [*p.keys.prompt("prog-program"), *p.keys.digits(number), *p.keys.prompt(f"prog-what-{number}")]
    # Interruptible: an installer who hears the program wanted keys it at once.
    await p.keys.session.play(said)


LIST_PROGRAM = "00"
PROGRAMS: dict[str, Program] = {program.number: program for program in (
    Program(LIST_PROGRAM, "say the list of programs", program_list),
    Program("01", "say the box's IP address", ip_address),
    Program("02", "say the date and time", date_and_time),
    Program("03", "say the software version", version),
    Program("10", "create an extension (its SIP password is said)", create_extension),
    Program("11", "remove an extension", remove_extension),
    Program("12", "a new SIP password for an extension (said)", new_sip_password),
    Program("13", "a new voicemail PIN for an extension (said)", new_voicemail_pin),
    Program("14", "an extension's class of service", class_of_service),
    Program("15", "forwarding of another extension", forwarding),
    Program("20", "the operator extension", operator_extension),
    Program("21", "the operating mode now", mode_now),
    Program("22", "the timetable of a weekday", timetable),
    Program("23", "holidays", holidays),
    Program("30", "a door's open code and open time", door),
    Program("40", "record a company greeting", company_greeting),
    Program("50", "open the DECT pairing window", dect_pairing),
    Program("99", "reboot the box", reboot),
)}

# Refused entries raise these (besides the admin layer's INPUT_ERRORS): said as "not accepted".
PROGRAM_ERRORS = (TimetableError, CosError, DectPairingError)
