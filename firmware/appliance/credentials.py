"""The admin PIN: generated per box at first boot, stored only as a salted scrypt hash.

The PIN opens the maintenance shell on the console and is what the brain checks for
admin actions (keypad programming, the web admin). Every box gets its own: a shared
default PIN is how PBXs get taken over.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

PIN_DIGITS = 8
PIN_FILE = "admin-pin.json"
# scrypt cost: ~16 MiB and ~50 ms on x86, a few hundred ms on a Pi 3: slow enough
# to make guessing a stolen hash expensive, fast enough for a login.
_N, _R, _P = 2**14, 8, 1
_SCHEME = "scrypt"


class CredentialError(RuntimeError):
    """The stored PIN cannot be read; the message says which file and what to do."""


def generate_pin(digits: int = PIN_DIGITS) -> str:
    """A uniformly random PIN of `digits` digits (a leading 0 is allowed: it is a string)."""
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def hash_pin(pin: str, *, salt: bytes | None = None) -> dict[str, object]:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return {
        "scheme": _SCHEME,
        "n": _N,
        "r": _R,
        "p": _P,
        "salt": base64.b64encode(salt).decode(),
        "hash": base64.b64encode(digest).decode(),
    }


def write_durably(path: Path, data: bytes, mode: int = 0o640, gid: int | None = None) -> None:
    """Replace `path` with `data` so that a power cut leaves the old or the new file, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        if gid is not None:
            os.fchown(fd, -1, gid)
        os.fchmod(fd, mode)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def store_admin_pin(appliance_dir: Path, pin: str, *, gid: int | None = None) -> Path:
    """Store the PIN's hash (readable by `gid`, the service group, so the brain can check PINs)."""
    if not pin.isdigit() or len(pin) < 4:
        raise ValueError("an admin PIN is at least 4 digits")
    path = appliance_dir / PIN_FILE
    write_durably(path, json.dumps(hash_pin(pin)).encode() + b"\n", gid=gid)
    return path


def verify_admin_pin(appliance_dir: Path, pin: str) -> bool:
    """True if `pin` is this box's admin PIN. Raises CredentialError if no PIN was ever stored."""
    path = appliance_dir / PIN_FILE
    try:
        stored = json.loads(path.read_text())
        if stored["scheme"] != _SCHEME:
            raise CredentialError(f"{path} uses scheme {stored['scheme']!r}, which this minipbx does not know")
        salt = base64.b64decode(stored["salt"])
        expected = base64.b64decode(stored["hash"])
        n, r, p = int(stored["n"]), int(stored["r"]), int(stored["p"])
    except FileNotFoundError:
        raise CredentialError(
            f"no admin PIN at {path}; first boot sets one (put a file named minipbx-reset on the boot partition "
            "to get a new one)"
        ) from None
    except (KeyError, ValueError, TypeError) as exc:
        raise CredentialError(f"{path} is damaged ({exc}); put minipbx-reset on the boot partition") from None
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected))
    return hmac.compare_digest(digest, expected)
