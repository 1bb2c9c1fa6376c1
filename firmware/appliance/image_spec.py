"""What flash.sh needs to know about a board to build its image.

A board file (boards/*.toml) may carry an `[image]` section: the Debian architecture,
how the board boots, which kernel package drives it and which extra packages its
hardware needs. These are facts about the hardware, like its pins, so they live in
the board file; a board without the section is a PC or virtual machine.

    [image]
    arch = "arm64"               # Debian architecture: amd64 or arm64
    boot = "raspberrypi"         # pc (BIOS + syslinux) or raspberrypi (firmware partition)
    kernel = "linux-image-arm64" # Debian kernel package
    packages = ["i2c-tools"]     # extra Debian packages for the board's devices
    consoles = ["tty1", "ttyS1"] # console devices; the last one gets the boot log

`python3 -m firmware.appliance.image_spec BOARD` prints the spec as shell
assignments for flash.sh. This module runs on the build host with only the standard
library: it must not import the rest of the firmware (sqlite-utils, pjsua2...).
"""
from __future__ import annotations

import argparse
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARCHES = ("amd64", "arm64")
BOOTS = ("pc", "raspberrypi")
# Architectures a boot method can start: the Pi firmware boots arm64 kernels here.
BOOT_ARCHES = {"pc": ("amd64",), "raspberrypi": ("arm64",)}
# pip's name for each Debian architecture, as it appears in wheel platform tags.
WHEEL_MACHINE = {"amd64": "x86_64", "arm64": "aarch64"}
# pjproject/build-wheel.sh builds pjsua2 on the x86_64 host: natively for amd64,
# cross-compiled for arm64 (--arch aarch64); another architecture would need a wheel
# built elsewhere (the registries' pjsua2 is not ours).
HOST_BUILT_PJSUA2_ARCHES = ("amd64", "arm64")
PJSUA2_REQUIREMENT = "pjsua2"

# A virtual machine is the usual home of a board without an [image] section (the
# simulated board); the cloud kernel carries the virtio drivers and is a third of
# the size of linux-image-amd64. A physical PC sets kernel = "linux-image-amd64".
DEFAULTS: dict[str, Any] = {
    "arch": "amd64",
    "boot": "pc",
    "kernel": "linux-image-cloud-amd64",
    "packages": [],
    "consoles": ["tty1", "ttyS0"],
}
_KEYS = set(DEFAULTS)
_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
_CONSOLE = re.compile(r"^tty[A-Za-z0-9]+$")

# File descriptors: ~2 per call leg (docs/architecture.md), 2 legs a call, doubled
# for consultation legs and recordings; the base covers Python, sqlite, Kamailio's
# processes and the sockets between brain and workers.
NOFILE_BASE = 1024
NOFILE_PER_CALL = 8


class ImageSpecError(ValueError):
    """A board file flash.sh cannot build for; the message names the key and what is accepted."""


@dataclass(frozen=True)
class ImageSpec:
    board_id: str
    board_name: str
    calls: int
    arch: str
    boot: str
    kernel: str
    packages: tuple[str, ...]
    consoles: tuple[str, ...]

    @property
    def wheel_machine(self) -> str:
        return WHEEL_MACHINE[self.arch]

    @property
    def pjsua2_built_here(self) -> bool:
        return self.arch in HOST_BUILT_PJSUA2_ARCHES

    @property
    def limit_nofile(self) -> int:
        return limit_nofile(self.calls)


def limit_nofile(calls: int) -> int:
    """LimitNOFILE for the PBX service on a board sized for `calls` concurrent calls."""
    if calls < 1:
        raise ValueError(f"calls must be at least 1, got {calls}")
    return NOFILE_BASE + NOFILE_PER_CALL * calls


def _string(path: Path, key: str, value: object, accepted: tuple[str, ...] | None = None) -> str:
    if not isinstance(value, str) or not value:
        raise ImageSpecError(f"{path}: [image] {key} = {value!r} is not accepted; use a non-empty string")
    if accepted is not None and value not in accepted:
        raise ImageSpecError(f"{path}: [image] {key} = {value!r} is not accepted; use one of: {', '.join(accepted)}")
    return value


def _names(path: Path, key: str, value: object, pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ImageSpecError(f"{path}: [image] {key} must be a list of {what}, got {value!r}")
    for item in value:
        if not isinstance(item, str) or not pattern.match(item):
            raise ImageSpecError(f"{path}: [image] {key} entry {item!r} is not a valid {what[:-1]}")
    return tuple(value)


def load_image_spec(path: Path) -> ImageSpec:
    """Read a board file's [image] section (with defaults); raise ImageSpecError naming the bad key."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ImageSpecError(f"board file {path} does not exist") from None
    except IsADirectoryError:
        raise ImageSpecError(f"board file {path} is a directory; give a boards/<board>.toml file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ImageSpecError(f"board file {path} is not valid TOML: {exc}") from None
    board = raw.get("board")
    name = board.get("name") if isinstance(board, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ImageSpecError(f"{path}: [board] name must be a non-empty string")
    capacity = raw.get("capacity", {})
    calls = capacity.get("calls", 8) if isinstance(capacity, dict) else None
    if not isinstance(calls, int) or isinstance(calls, bool) or not 1 <= calls <= 1000:
        raise ImageSpecError(f"{path}: [capacity] calls = {calls!r} is not accepted; use a whole number 1-1000")
    image = raw.get("image", {})
    if not isinstance(image, dict):
        raise ImageSpecError(f"{path}: [image] must be a table")
    unknown = sorted(set(image) - _KEYS)
    if unknown:
        raise ImageSpecError(
            f"{path}: unknown [image] key(s) {', '.join(unknown)}; accepted: {', '.join(sorted(_KEYS))}"
        )
    merged = {**DEFAULTS, **image}
    arch = _string(path, "arch", merged["arch"], ARCHES)
    boot = _string(path, "boot", merged["boot"], BOOTS)
    if arch not in BOOT_ARCHES[boot]:
        raise ImageSpecError(
            f"{path}: [image] boot = {boot!r} cannot start arch = {arch!r}; it boots: {', '.join(BOOT_ARCHES[boot])}"
        )
    if "kernel" not in image and boot != DEFAULTS["boot"]:
        raise ImageSpecError(f"{path}: [image] kernel is required for boot = {boot!r} (e.g. linux-image-{arch})")
    kernel = _string(path, "kernel", merged["kernel"])
    if not _PACKAGE.match(kernel):
        raise ImageSpecError(f"{path}: [image] kernel = {kernel!r} is not a Debian package name")
    consoles = _names(path, "consoles", merged["consoles"], _CONSOLE, "console devices (tty...)")
    if not consoles:
        raise ImageSpecError(f"{path}: [image] consoles must name at least one device, e.g. [\"tty1\"]")
    return ImageSpec(
        board_id=path.stem,
        board_name=name.strip(),
        calls=calls,
        arch=arch,
        boot=boot,
        kernel=kernel,
        packages=_names(path, "packages", merged["packages"], _PACKAGE, "Debian package names"),
        consoles=consoles,
    )


def shell_assignments(spec: ImageSpec) -> str:
    """The spec as `NAME=value` lines, each value quoted for a POSIX shell's eval."""
    values = {
        "BOARD_ID": spec.board_id,
        "BOARD_NAME": spec.board_name,
        "ARCH": spec.arch,
        "BOOT_KIND": spec.boot,
        "KERNEL_PACKAGE": spec.kernel,
        "BOARD_PACKAGES": " ".join(spec.packages),
        "CONSOLES": " ".join(spec.consoles),
        "WHEEL_MACHINE": spec.wheel_machine,
        "PJSUA2_BUILT_HERE": "yes" if spec.pjsua2_built_here else "no",
        "LIMIT_NOFILE": str(spec.limit_nofile),
    }
    return "".join(f"{key}={shlex.quote(value)}\n" for key, value in values.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="image_spec", description="Print a board's image spec for flash.sh.")
    parser.add_argument("board", type=Path)
    args = parser.parse_args(argv)
    try:
        spec = load_image_spec(args.board)
    except ImageSpecError as exc:
        print(f"flash.sh: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(shell_assignments(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
