"""What keypad programming needs to know about the box it runs on, beyond the database."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from firmware.brain.control import PairDect


@dataclass
class Box:
    # Where the admin PIN's hash is (credentials.PIN_FILE): first boot writes it on the appliance
    # (/data/appliance, next to the PBX's /data/pbx); `make run` makes one for the demo.
    admin_pin_dir: Path
    # The address phones reach the box at: spoken by the IP address program.
    sip_addr: str = "127.0.0.1"
    # A simulated board (a developer's machine): the reboot program only logs.
    simulated: bool = True
    # Opens the DECT subscription window as `minipbx dect pair` does (brain/call_commands.pair_dect:
    # the front panel's LED blinks while it is open); raises CallCommandRefused. None without a module.
    dect_pairer: Callable[[PairDect], Awaitable[object]] | None = None
