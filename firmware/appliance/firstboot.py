"""First boot of a freshly written card (minipbx-firstboot.service, as root).

1. Generate the admin PIN (stored hashed) and the first extensions with their own
   SIP passwords (stored as digests by the store).
2. Show the credentials once: on every console, and to the console program (a
   root-only file in /run, gone at the next boot) until the installer confirms.
3. Mark first boot done, durably, last: a power cut before that just runs it again.

The data partition was already grown to the card (minipbx-grow-data.service,
before it is mounted). A file named `minipbx-reset` on the boot partition (which
any PC can write) asks for a new admin PIN at the next boot; extensions are not
touched then.
"""
from __future__ import annotations

import argparse
import grp
import json
import logging
import os
import pwd
import subprocess
import sys
from pathlib import Path

from firmware.appliance.credentials import generate_pin, store_admin_pin, write_durably

log = logging.getLogger("minipbx.firstboot")

SERVICE_USER = "minipbx"
DONE_MARKER = "firstboot.done"
RESET_FLAG = "minipbx-reset"
# The console program shows this until the installer confirms; tmpfs, root only.
CREDENTIALS_PATH = Path("/run/minipbx-firstboot/credentials.txt")
DEFAULT_EXTENSIONS = ("100", "101")
# A factory reset (firmware/admin/factory_reset.py, run as the PBX's user) asks for a new admin
# PIN with this file in the PBX's run folder; minipbx-renew-pin.path starts `--renew-pin` as root
# (the PIN's hash is root's to write). The PBX can ask, never learn the PIN: it goes to the consoles.
PIN_REQUEST = "renew-admin-pin"


class FirstBootError(RuntimeError):
    pass


# ---------------------------------------------------------------- credentials

def create_extensions(pbx_dir: Path, numbers: tuple[str, ...]) -> dict[str, str]:
    """Create the extensions that do not exist yet; return {number: password} for those created.

    Runs as the service user (see `_as_service_user`), so the database and its
    WAL files belong to the PBX.
    """
    from firmware.store.database import open_store
    from firmware.store.extensions import add_extension, get_extension

    db = open_store(pbx_dir)
    try:
        created = {}
        for number in numbers:
            if get_extension(db, number) is None:
                created[number] = add_extension(db, number, f"Phone {number}")
        return created
    finally:
        db.conn.close()


def _as_service_user(pbx_dir: Path, numbers: tuple[str, ...]) -> dict[str, str]:
    """Run `create_extensions` in a child process with the service user's identity.

    The passwords come back over a pipe, never through the journal.
    """
    user = pwd.getpwnam(SERVICE_USER)
    result = subprocess.run(
        [sys.executable, "-m", "firmware.appliance.firstboot", "--create-extensions", ",".join(numbers),
         "--pbx-dir", str(pbx_dir)],
        user=user.pw_uid, group=user.pw_gid, extra_groups=[],
        capture_output=True, text=True, timeout=300, check=False, cwd="/",
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(pbx_dir), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    if result.returncode != 0:
        raise FirstBootError(f"creating extensions failed: {result.stderr.strip()}")
    created: dict[str, str] = json.loads(result.stdout)
    return created


def credentials_text(pin: str | None, extensions: dict[str, str], existing: tuple[str, ...]) -> str:
    """What the installer reads on the console at first boot."""
    rule = "=" * 64
    lines = [rule, "minipbx: credentials for this box, shown only now. Write them down.", ""]
    if pin is not None:
        lines.append(f"  Admin PIN:  {pin}    (console shell, keypad and web administration)")
    for number, password in sorted(extensions.items()):
        lines.append(f"  Extension {number}:  SIP user {number}  password {password}")
    for number in existing:
        lines.append(f"  Extension {number}:  already existed; its password is unchanged")
    lines += ["", "  Phones register to minipbx.local (or the address shown below), port 5060.", rule, ""]
    return "\n".join(lines)


def console_devices(sysfs: Path = Path("/sys")) -> list[Path]:
    """The kernel's active consoles (`console=` arguments), as device paths."""
    try:
        names = (sysfs / "class" / "tty" / "console" / "active").read_text().split()
    except OSError:
        return [Path("/dev/console")]
    return [Path("/dev") / name for name in names] or [Path("/dev/console")]


def show_on_consoles(text: str, devices: list[Path]) -> list[Path]:
    """Write `text` to each console device; return those that took it."""
    shown = []
    payload = text.replace("\n", "\r\n").encode()
    for device in devices:
        try:
            fd = os.open(device, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            os.write(fd, payload)
            shown.append(device)
        except OSError:
            pass
        finally:
            os.close(fd)
    return shown


# ---------------------------------------------------------------- the sequence

def first_boot(data: Path, boot: Path, numbers: tuple[str, ...]) -> None:
    appliance_dir = data / "appliance"
    pbx_dir = data / "pbx"
    done = appliance_dir / DONE_MARKER
    reset = boot / RESET_FLAG
    service_gid = grp.getgrnam(SERVICE_USER).gr_gid
    service_uid = pwd.getpwnam(SERVICE_USER).pw_uid
    # tmpfiles.d makes these too; first boot must not depend on the order of the two.
    for folder, uid in ((appliance_dir, 0), (pbx_dir, service_uid)):
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, uid, service_gid)
        os.chmod(folder, 0o750)

    first = not done.exists()
    pin = generate_pin()
    store_admin_pin(appliance_dir, pin, gid=service_gid)
    log.info("admin PIN generated (stored hashed in %s)", appliance_dir)
    created: dict[str, str] = {}
    existing: tuple[str, ...] = ()
    if first:
        created = _as_service_user(pbx_dir, numbers)
        existing = tuple(n for n in numbers if n not in created)
        log.info("extensions created: %s", ", ".join(sorted(created)) or "none")
    text = credentials_text(pin, created, existing)
    CREDENTIALS_PATH.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_durably(CREDENTIALS_PATH, text.encode(), mode=0o600)
    shown = show_on_consoles(text, console_devices())
    log.info("credentials shown on %s", ", ".join(map(str, shown)) or "no console")

    write_durably(done, b"first boot done\n", mode=0o644)
    if reset.exists():
        _remove_reset_flag(boot, reset)


def renew_pin_after_reset(data: Path, devices: list[Path], gid: int | None = None) -> str:
    """A new admin PIN for a factory reset: stored, shown on the consoles with the reset's new
    SIP passwords, kept for the console until `done`; the request is removed. Returns the PIN."""
    from firmware.admin.factory_reset import CREDENTIALS_FILE

    pin = generate_pin()
    store_admin_pin(data / "appliance", pin, gid=gid)
    text = credentials_text(pin, {}, ()).replace("credentials for this box", "the admin PIN after the factory reset")
    CREDENTIALS_PATH.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_durably(CREDENTIALS_PATH, text.encode(), mode=0o600)
    try:
        passwords = (data / "pbx" / CREDENTIALS_FILE).read_text()
    except OSError:
        passwords = ""
    show_on_consoles(text + passwords, devices)
    (data / "pbx" / "run" / PIN_REQUEST).unlink(missing_ok=True)
    log.info("admin PIN renewed after a factory reset")
    return pin


def _remove_reset_flag(boot: Path, reset: Path) -> None:
    """Delete the reset request so the next boot keeps the new PIN (the boot partition is mounted ro)."""
    remount = subprocess.run(["mount", "-o", "remount,rw", str(boot)], capture_output=True, check=False)
    remounted = remount.returncode == 0
    try:
        reset.unlink(missing_ok=True)
    except OSError as exc:
        log.error("could not delete %s (%s); the PIN will be renewed again at the next boot", reset, exc)
    finally:
        if remounted:
            os.sync()
            subprocess.run(["mount", "-o", "remount,ro", str(boot)], capture_output=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minipbx-firstboot", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/data"), help="mount point of the data partition")
    parser.add_argument("--boot", type=Path, default=Path("/boot/firmware"), help="mount point of the boot partition")
    parser.add_argument("--extensions", default=",".join(DEFAULT_EXTENSIONS),
                        help="extensions to create with generated passwords (comma-separated)")
    parser.add_argument("--renew-pin", action="store_true",
                        help="a new admin PIN after a factory reset (minipbx-renew-pin.service)")
    # Internal: the unprivileged half (see _as_service_user).
    parser.add_argument("--create-extensions", help=argparse.SUPPRESS)
    parser.add_argument("--pbx-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    numbers = tuple(n.strip() for n in args.extensions.split(",") if n.strip())

    if args.create_extensions is not None:
        wanted = tuple(n for n in args.create_extensions.split(",") if n)
        json.dump(create_extensions(args.pbx_dir, wanted), sys.stdout)
        return 0

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if os.geteuid() != 0:
        print("minipbx-firstboot: must run as root (it sets up /data and the credentials)", file=sys.stderr)
        return 2
    if args.renew_pin:
        renew_pin_after_reset(args.data, console_devices(), grp.getgrnam(SERVICE_USER).gr_gid)
        return 0
    try:
        first_boot(args.data, args.boot, numbers)
    except FirstBootError as exc:
        log.error("first boot failed: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
