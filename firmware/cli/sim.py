"""`minipbx sim`: play with the simulated board of a running PBX (boards/sim.toml).

    minipbx sim                      interactive: type commands, see phones, lines and LEDs
    minipbx sim lift fxs1            pick up the analog phone on port fxs1 (dial tone)
    minipbx sim dial fxs1 101        press keys on it
    minipbx sim hangup fxs1
    minipbx sim ring fxo1 0401234567 ACME Oy    a caller rings the exchange line (caller ID)
    minipbx sim farhangup fxo1       the caller on the exchange line hangs up
    minipbx sim door door1           a visitor presses the door button
    minipbx sim press mode [--hold SECONDS]   press a front-panel button (mode, reset, ...)
    minipbx sim subscribe            a new DECT handset registers (after `minipbx dect pair`)
    minipbx sim move dect1 2         the handset walks into DECT cell 2 (a call goes on)
    minipbx sim unplug slic|dect|fxo1 / plug ...   pull or put back a serial device
    minipbx sim state                what every phone, line and LED shows
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from typing import Any

from firmware.gateway.simcontrol import SimClient, SimError

HELP = """commands:
  lift PORT | hangup PORT | dial PORT DIGITS | flash PORT      (PORT: fxs1, fxs2, dect1, ...)
  ring LINE NUMBER [NAME] | stopring LINE | farhangup LINE | press LINE DIGITS   (LINE: fxo1)
  door DOOR | unplug DEVICE | plug DEVICE   (DEVICE: slic, dect, fxo1)
  press BUTTON [--hold SECONDS]   a front-panel button (mode, reset, pair), pressed for 0.2 s or held
  subscribe | move HANDSET CELL      (a new DECT handset registers; a handset walks into another cell)
  state | help | quit"""

# word -> (request, names of its fields in order; the last one takes the rest of the line)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "lift": ("lift", ("port",)),
    "hangup": ("hang_up", ("port",)),
    "dial": ("dial", ("port", "digits")),
    "flash": ("flash", ("port",)),
    "ring": ("ring", ("line", "number", "name")),
    "stopring": ("stop_ringing", ("line",)),
    "farhangup": ("far_hang_up", ("line",)),
    "press": ("press", ("line", "digits")),
    "door": ("door", ("door",)),
    "unplug": ("unplug", ("device",)),
    "plug": ("plug", ("device",)),
    "subscribe": ("subscribe", ()),
    "move": ("move", ("port", "cell")),
}


def describe(state: dict[str, Any]) -> str:
    """The simulated board as a person would see it."""
    lines = []
    for name, phone in state["phones"].items():
        what = "off hook" if phone["off_hook"] else ("RINGING" if phone.get("ringing") else "on hook")
        cid = phone.get("caller_id")
        shown = f"  display: {cid['number']} {cid['name']}".rstrip() if cid and phone.get("ringing") else ""
        cell = f"  cell {phone['cell']}" if "cell" in phone else ""
        lines.append(f"  {name:8} {what}{cell}{shown}")
    for name, line in state["lines"].items():
        hook = "off hook" if line["off_hook"] else "on hook"
        dialled = f"  dialled: {', '.join(line['dialled'])}" if line["dialled"] else ""
        lines.append(f"  {name:8} exchange line {hook}{dialled}")
    for name, door in state["doors"].items():
        last = (f", last opened {door['last_opened_ago']:.0f} s ago for {door['last_open_seconds']:g} s"
                if door.get("last_opened_ago") is not None else ", never opened")
        lines.append(f"  {name:8} door {'talking' if door['talking'] else 'idle'}, lock "
                     f"{'OPEN' if door['lock_open'] else 'closed'}{last}")
    for name, zone in state["paging"].items():
        lines.append(f"  {name:8} paging amplifier {'ON' if zone['amplifier'] else 'off'}")
    leds = "  ".join(f"{name}: {shown}" for name, shown in state["leds"].items())
    down = [name for name, up in state["devices"].items() if up == "down"]
    lines.append(f"  LEDs     {leds}")
    if down:
        lines.append(f"  DOWN     {', '.join(down)}")
    return "\n".join(lines)


def run_words(client: SimClient, words: list[str]) -> str:
    if not words or words[0] == "state":
        return describe(client.request("state"))
    if words[0] == "help":
        return HELP
    if words[0] not in COMMANDS:
        raise SimError(f"unknown command {words[0]!r}\n{HELP}")
    request, names = COMMANDS[words[0]]
    args = words[1:]
    if words[0] == "press" and (len(args) == 1 or (args and args[1] == "--hold")):
        return _press_button(client, args)
    if len(args) < len(names) - (1 if request == "ring" else 0):
        raise SimError(f"usage: {words[0]} {' '.join(n.upper() for n in names)}")
    fields = dict(zip(names, args, strict=False))
    if len(args) > len(names) and names:
        fields[names[-1]] = " ".join(args[len(names) - 1:])
    client.request(request, **fields)
    return describe(client.request("state"))


def _press_button(client: SimClient, args: list[str]) -> str:
    """`press BUTTON [--hold SECONDS]`: waits until the finger is off the button, then shows the board."""
    seconds = 0.2
    if len(args) == 3:
        try:
            seconds = float(args[2])
        except ValueError:
            raise SimError(f"--hold {args[2]!r} is not accepted; give seconds, e.g. --hold 3") from None
    elif len(args) != 1:
        raise SimError("usage: press BUTTON [--hold SECONDS]")
    answer = client.request("press_button", button=args[0], seconds=seconds)
    time.sleep(max(0.0, float(answer["released_at"]) - time.monotonic()) + 0.3)
    return describe(client.request("state"))


def cmd_sim(args: argparse.Namespace) -> int:
    with SimClient(args.data.resolve() / "run" / "sim.sock") as client:
        if args.words:
            hold = ["--hold", str(args.hold)] if args.hold is not None else []
            print(run_words(client, list(args.words) + hold))
            return 0
        print(f"simulated board of the PBX in {args.data}\n{HELP}\n{describe(client.request('state'))}")
        for text in sys.stdin:
            words = shlex.split(text)
            if words and words[0] in ("quit", "exit"):
                break
            try:
                print(run_words(client, words))
            except SimError as exc:
                print(f"error: {exc}")
    return 0


def add_parsers(sub: Any) -> None:
    sim = sub.add_parser("sim", help="lift, dial, hang up and ring the simulated board's phones and lines",
                         description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sim.add_argument("words", nargs="*", help="one command (see above); none = interactive")
    sim.add_argument("--hold", type=float, metavar="SECONDS", help="with press BUTTON: how long it is held")
    sim.set_defaults(func=cmd_sim)
