"""The installer's console on the screen and the serial port (minipbx-console@TTY.service).

Instead of a login prompt it tells the installer how to reach the box (hostname,
addresses, SIP port), the self-test result, and at first boot the credentials until
they type `done`. `status` shows the PBX's own status; `shell` opens a root shell
after the admin PIN. There is no root password to guess or to share between boxes.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from firmware.admin.factory_reset import CREDENTIALS_FILE as FACTORY_RESET_CREDENTIALS
from firmware.appliance.credentials import CredentialError, verify_admin_pin
from firmware.appliance.firstboot import CREDENTIALS_PATH
from firmware.appliance.image_spec import ImageSpecError, load_image_spec
from firmware.appliance.selftest import RESULT_PATH, load_result

MINIPBX = "/opt/minipbx/bin/minipbx"
SERVICE_USER = "minipbx"
SIP_PORT = 5060
PROMPT = "minipbx> "
HELP = """Commands:
  status     the PBX's status (edge, workers, registrations, calls)
  selftest   the last self-test's checks
  addresses  how phones and browsers reach this box
  shell      a root shell (asks for the admin PIN)
  done       hide the first-boot credentials for good
  help       this list
"""


def addresses() -> list[tuple[str, str]]:
    """(interface, address) for every global address, from `ip -o addr` (IPv4 first)."""
    try:
        out = subprocess.run(["ip", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True,
                             timeout=5, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] in ("inet", "inet6"):
            found.append((fields[1], fields[3].split("/")[0]))
    return sorted(found, key=lambda pair: ":" in pair[1])


def shown_credentials(data: Path) -> list[Path]:
    """The credentials files to show: first boot's, and a factory reset's (in the PBX's folder)."""
    return [CREDENTIALS_PATH, data / "pbx" / FACTORY_RESET_CREDENTIALS]


def banner(board: Path, data: Path = Path("/data")) -> str:
    try:
        board_name = load_image_spec(board).board_name
    except ImageSpecError:
        board_name = "unknown board"
    host = socket.gethostname()
    addrs = addresses()
    lines = ["", f"minipbx on {host} ({board_name})",
             f"  Reach it:  {host}.local" + "".join(f"   {a} ({i})" for i, a in addrs[:3])]
    if not addrs:
        lines.append("             (no network address yet: is the cable in, is there a DHCP server?)")
    lines.append(f"  SIP:       port {SIP_PORT} (UDP and TCP)")
    result = load_result(RESULT_PATH)
    lines.append(f"  Self-test: {result.summary() if result else 'not finished yet (type selftest to see it later)'}")
    credentials = ""
    for path in shown_credentials(data):
        with contextlib.suppress(OSError):
            credentials += path.read_text()
    if credentials:
        lines += ["", credentials.rstrip(), "  Type done once they are written down: they will not be shown again."]
    lines += ["", 'Type "help" for commands.', ""]
    return "\n".join(lines)


def sane_tty(fd: int) -> None:
    """Line editing and echo on, as a login prompt would leave the terminal."""
    try:
        attrs = termios.tcgetattr(fd)
    except termios.error:
        return
    attrs[0] |= termios.ICRNL | termios.IXON
    attrs[1] |= termios.OPOST | termios.ONLCR
    attrs[3] |= termios.ICANON | termios.ECHO | termios.ECHOE | termios.ECHOK | termios.ISIG
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def read_secret(prompt: str, stdin: TextIO, stdout: TextIO) -> str:
    """Read a line with echo off (the PIN must not show on a screen or in a serial log)."""
    stdout.write(prompt)
    stdout.flush()
    try:
        fd = stdin.fileno()
        old = termios.tcgetattr(fd)
    except (termios.error, OSError, ValueError):
        return stdin.readline().strip()
    new = termios.tcgetattr(fd)
    new[3] &= ~termios.ECHO
    try:
        termios.tcsetattr(fd, termios.TCSAFLUSH, new)
        return stdin.readline().strip()
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, old)
        stdout.write("\n")


def _default_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


class Console:
    def __init__(self, data: Path, board: Path, stdin: TextIO, stdout: TextIO,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.data = data
        self.board = board
        self.stdin = stdin
        self.stdout = stdout
        self.sleep = sleep
        self.failed_pins = 0

    def say(self, text: str) -> None:
        self.stdout.write(text if text.endswith("\n") else text + "\n")
        self.stdout.flush()

    def run_child(self, argv: list[str], timeout: float | None = 60) -> None:
        """Run a command on this terminal; Ctrl-C reaches it, not the console."""
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            subprocess.run(argv, stdin=self.stdin, stdout=self.stdout, stderr=self.stdout, timeout=timeout,
                           check=False, preexec_fn=_default_signals)
        except subprocess.TimeoutExpired:
            self.say(f"{argv[0]} did not finish within {timeout:.0f} s")
        except OSError as exc:
            self.say(f"cannot run {argv[0]}: {exc}")
        finally:
            signal.signal(signal.SIGINT, previous)

    def status(self) -> None:
        self.run_child(["runuser", "-u", SERVICE_USER, "--", MINIPBX, "--data", str(self.data / "pbx"), "status"])
        result = load_result(RESULT_PATH)
        self.say(f"self-test: {result.summary() if result else 'not finished yet'}")

    def selftest(self) -> None:
        result = load_result(RESULT_PATH)
        if result is None:
            self.say("the self-test has not finished yet (it runs once the PBX has started)")
            return
        self.say(f"self-test {'passed' if result.ok else 'FAILED'} at {result.finished_at}")
        for check in result.checks:
            self.say(f"  {'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")

    def show_addresses(self) -> None:
        found = addresses()
        host = socket.gethostname()
        self.say(f"  {host}.local (mDNS)")
        for interface, address in found:
            self.say(f"  {address} ({interface})")
        if not found:
            self.say("  no network address yet")

    def shell(self) -> None:
        pin = read_secret("Admin PIN: ", self.stdin, self.stdout)
        try:
            ok = verify_admin_pin(self.data / "appliance", pin)
        except CredentialError as exc:
            self.say(str(exc))
            return
        if not ok:
            self.failed_pins += 1
            # Slower with every miss: an 8-digit PIN must not be guessable at console speed.
            self.sleep(min(2 * self.failed_pins, 60))
            self.say("wrong PIN")
            return
        self.failed_pins = 0
        self.say("root shell; exit returns to the console")
        env = {"HOME": "/root", "TERM": os.environ.get("TERM", "linux"), "USER": "root", "LOGNAME": "root",
               "SHELL": "/bin/bash", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            subprocess.run(["/bin/bash", "--login"], stdin=self.stdin, stdout=self.stdout, stderr=self.stdout,
                           env=env, cwd="/root", check=False, preexec_fn=_default_signals)
        finally:
            signal.signal(signal.SIGINT, previous)

    def done(self) -> None:
        hidden = False
        for path in shown_credentials(self.data):
            try:
                path.unlink()
                hidden = True
            except FileNotFoundError:
                pass
        if hidden:
            self.say("credentials hidden; a new admin PIN needs a file named minipbx-reset on the boot partition")
        else:
            self.say("nothing to hide")

    def handle(self, line: str) -> None:
        command = line.strip().lower()
        actions: dict[str, Callable[[], None]] = {
            "status": self.status, "selftest": self.selftest, "addresses": self.show_addresses,
            "shell": self.shell, "done": self.done, "help": lambda: self.say(HELP),
        }
        if not command:
            self.say(banner(self.board, self.data))
        elif command in actions:
            actions[command]()
        else:
            self.say(f"unknown command {command!r}; " + HELP)

    def loop(self) -> None:
        self.say(banner(self.board, self.data))
        while True:
            self.stdout.write(PROMPT)
            self.stdout.flush()
            try:
                line = self.stdin.readline()
            except KeyboardInterrupt:
                self.say("")
                continue
            if not line:
                return  # hang-up: systemd starts a fresh console
            try:
                self.handle(line)
            except KeyboardInterrupt:
                self.say("")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minipbx-console", description="The installer's console.")
    parser.add_argument("--tty", help="the terminal this console runs on (for messages only)")
    parser.add_argument("--data", type=Path, default=Path("/data"), help="mount point of the data partition")
    parser.add_argument("--board", type=Path, default=Path("/etc/minipbx/board.toml"))
    args = parser.parse_args(argv)
    if sys.stdin.isatty():
        sane_tty(sys.stdin.fileno())
    Console(args.data, args.board, sys.stdin, sys.stdout).loop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
