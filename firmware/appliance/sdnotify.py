"""The systemd notify protocol (sd_notify) in pure Python, without libsystemd.

systemd starts a `Type=notify` service with `$NOTIFY_SOCKET` set; the service sends
datagrams such as `READY=1` (startup finished) and `WATCHDOG=1` (still alive) to it.
Outside systemd (a developer's terminal, the tests) the variable is absent and every
call here does nothing, so the brain can call these unconditionally.
"""
from __future__ import annotations

import os
import socket

__all__ = ["extend_start", "notify", "ready", "status", "stopping", "watchdog_interval", "watchdog_ping"]


def _address(raw: str) -> str:
    # A leading "@" names a socket in the abstract namespace, written with a NUL byte.
    return "\0" + raw[1:] if raw.startswith("@") else raw


def notify(state: str) -> bool:
    """Send one notify message (lines of KEY=VALUE); True if systemd got it.

    Never raises: a lost notification must not take the PBX down, and a missing
    READY or WATCHDOG shows up in systemd's own state anyway.
    """
    raw = os.environ.get("NOTIFY_SOCKET")
    if not raw or not (raw.startswith("/") or raw.startswith("@")):
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(_address(raw))
            sock.sendall(state.encode())
    except OSError:
        return False
    return True


def ready(text: str = "") -> bool:
    """Startup is complete: units ordered after this one may start now."""
    return notify("READY=1" + (f"\nSTATUS={text}" if text else ""))


def extend_start(seconds: float, text: str = "") -> bool:
    """Startup is progressing: give it `seconds` more from now (EXTEND_TIMEOUT_USEC).

    Lets each start stage have its own bound on a slow card or CPU, instead of one
    TimeoutStartSec that must cover the slowest whole start and so hides a hang.
    """
    return notify(f"EXTEND_TIMEOUT_USEC={int(seconds * 1_000_000)}" + (f"\nSTATUS={text}" if text else ""))


def status(text: str) -> bool:
    """A one-line state shown by `systemctl status`."""
    return notify(f"STATUS={text}")


def stopping() -> bool:
    """Shutdown has begun: systemd stops expecting watchdog pings."""
    return notify("STOPPING=1")


def watchdog_ping() -> bool:
    """Tell systemd the service is alive; call every `watchdog_interval()` seconds."""
    return notify("WATCHDOG=1")


def watchdog_interval() -> float | None:
    """Seconds between watchdog pings, or None when systemd expects none.

    Half the configured WatchdogSec, as sd_watchdog_enabled(3) advises, so one late
    ping does not get the service killed. `$WATCHDOG_PID`, when set, names the
    process meant to ping; another process (a child that inherited the environment)
    gets None.
    """
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec:
        return None
    pid = os.environ.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return None
    try:
        period = int(usec)
    except ValueError:
        return None
    return period / 2_000_000 if period > 0 else None
