"""Restarting the box on request (keypad programming's reboot program).

The PBX runs unprivileged (minipbx.service: no capabilities), so it cannot reboot the
machine itself. It asks, the way a factory reset asks for a new admin PIN: it writes
REBOOT_REQUEST into its run folder, and on the appliance minipbx-reboot.path starts
minipbx-reboot.service (root), which runs `systemctl reboot`. The run folder is a tmpfs
there, so the request is gone after the reboot and cannot loop.

On the simulated board (a developer's machine, the tests) nothing watches that folder,
and the request is not even written: the PBX only logs that a reboot was asked for, so a
keypad session on `make run` never restarts the developer's computer.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("minipbx.appliance.reboot")

REBOOT_REQUEST = "reboot-request"


def request_reboot(run_dir: Path, by: str, *, simulated: bool) -> bool:
    """Ask the appliance to reboot; True if asked, False on a simulated board (logged only)."""
    if simulated:
        log.warning("reboot requested by %s: simulated board, not rebooting (on the appliance "
                    "minipbx-reboot.path would restart the box now)", by)
        return False
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / REBOOT_REQUEST).write_text(f"reboot requested by {by} at {datetime.now(UTC).isoformat()}\n")
    log.warning("reboot requested by %s: asked minipbx-reboot.path (%s)", by, run_dir / REBOOT_REQUEST)
    return True
