"""The SD card layout: boot, read-only root, and a data partition that grows at first boot.

    | MBR | 1: boot (FAT32) | 2: root (ext4, mounted ro) | 3: data (ext4) ... grown to the card's end |

An MBR table because the Raspberry Pi's boot ROM reads only MBR + FAT, and one
layout for every board keeps first boot and the tests the same. Partitions start
on 4 MiB boundaries: SD cards erase in blocks of up to 4 MiB, and a file system
whose blocks straddle erase blocks wears the card twice as fast. Data is last so
that first boot can grow it in place to whatever card it was written to.

flash.sh runs `python3 -m firmware.appliance.partitions plan ...` (standard library
only, on the build host); first boot uses `grow_size` on the appliance.
"""
from __future__ import annotations

import argparse
import math
import secrets
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

SECTOR = 512
MIB = 1024 * 1024
ALIGN = 4 * MIB
ALIGN_SECTORS = ALIGN // SECTOR
MBR_TYPE_FAT32_LBA = "c"
MBR_TYPE_LINUX = "83"
BOOT, ROOT, DATA = 1, 2, 3

# Root is read-only, so its free space only has to cover what the build cannot
# predict exactly (ext4 metadata, journal); 15 % + 64 MiB has held for every board.
ROOT_SLACK_RATIO = 0.15
ROOT_SLACK_BYTES = 64 * MIB
# Data starts small to keep the image quick to write; first boot grows it.
DEFAULT_DATA_MIB = 64
BOOT_MIB = {"pc": 128, "raspberrypi": 256}
# FAT32 needs at least 65525 clusters: with 512-byte clusters that is 32 MiB.
MIN_BOOT_MIB = 33


class LayoutError(ValueError):
    """A layout that cannot be built; the message names the value and what is accepted."""


@dataclass(frozen=True)
class Partition:
    number: int
    name: str
    start: int  # sectors
    size: int  # sectors
    mbr_type: str
    bootable: bool = False

    @property
    def end(self) -> int:
        return self.start + self.size

    @property
    def offset_bytes(self) -> int:
        return self.start * SECTOR

    @property
    def size_bytes(self) -> int:
        return self.size * SECTOR


@dataclass(frozen=True)
class Layout:
    partitions: tuple[Partition, ...]
    label_id: int

    @property
    def image_bytes(self) -> int:
        return self.partitions[-1].end * SECTOR

    def partuuid(self, number: int) -> str:
        """What the kernel and fstab call partition `number` (root=PARTUUID=...)."""
        return f"{self.label_id:08x}-{number:02d}"

    def by_number(self, number: int) -> Partition:
        return next(p for p in self.partitions if p.number == number)


def align_up(value: int, step: int) -> int:
    return -(-value // step) * step


def align_down(value: int, step: int) -> int:
    return value // step * step


def root_size_bytes(content_bytes: int) -> int:
    """Size of the root file system for `content_bytes` of files, on an ALIGN boundary."""
    if content_bytes <= 0:
        raise LayoutError(f"root content size must be positive, got {content_bytes} bytes")
    return align_up(math.ceil(content_bytes * (1 + ROOT_SLACK_RATIO)) + ROOT_SLACK_BYTES, ALIGN)


def root_inodes(files: int) -> int:
    """Inodes for a root holding `files` entries: mke2fs's default ratio is too few for Python trees."""
    if files <= 0:
        raise LayoutError(f"root file count must be positive, got {files}")
    return align_up(math.ceil(files * 1.25) + 4096, 1024)


def plan_layout(*, boot_mib: int, root_bytes: int, data_mib: int = DEFAULT_DATA_MIB,
                label_id: int | None = None) -> Layout:
    """Place boot, root and data one after the other, each aligned, the first at 4 MiB."""
    if boot_mib < MIN_BOOT_MIB:
        raise LayoutError(f"boot partition of {boot_mib} MiB is too small for FAT32; use at least {MIN_BOOT_MIB} MiB")
    if data_mib < 16:
        raise LayoutError(f"data partition of {data_mib} MiB is too small; use at least 16 MiB")
    if root_bytes <= 0:
        raise LayoutError(f"root partition size must be positive, got {root_bytes} bytes")
    if label_id is None:
        # Never 0: an all-zero disk identifier means "none" to some firmware.
        label_id = secrets.randbits(32) or 1
    if not 0 < label_id < 2**32:
        raise LayoutError(f"disk identifier {label_id:#x} is not accepted; use 1-0xffffffff")
    sizes = (
        (BOOT, "boot", align_up(boot_mib * MIB, ALIGN), MBR_TYPE_FAT32_LBA, True),
        (ROOT, "root", align_up(root_bytes, ALIGN), MBR_TYPE_LINUX, False),
        (DATA, "data", align_up(data_mib * MIB, ALIGN), MBR_TYPE_LINUX, False),
    )
    partitions = []
    start = ALIGN_SECTORS
    for number, name, size_bytes, mbr_type, bootable in sizes:
        size = size_bytes // SECTOR
        partitions.append(Partition(number, name, start, size, mbr_type, bootable))
        start += size
    return Layout(tuple(partitions), label_id)


def sfdisk_script(layout: Layout) -> str:
    """Input for `sfdisk IMAGE` that writes this layout's MBR table."""
    lines = ["label: dos", f"label-id: {layout.label_id:#010x}", "unit: sectors", ""]
    for p in layout.partitions:
        boot = ", bootable" if p.bootable else ""
        lines.append(f"start={p.start}, size={p.size}, type={p.mbr_type}{boot}")
    return "\n".join(lines) + "\n"


def grow_size(disk_sectors: int, start: int, size: int) -> int | None:
    """New size (sectors) for the last partition to fill the disk, or None if not worth it.

    The end stays on an ALIGN boundary; growing by less than one ALIGN is skipped so
    a card whose image already fills it is left alone.
    """
    if start <= 0 or size <= 0 or start + size > disk_sectors:
        raise LayoutError(
            f"partition at sector {start} of {size} sectors does not fit a disk of {disk_sectors} sectors"
        )
    new_end = align_down(disk_sectors, ALIGN_SECTORS)
    new_size = new_end - start
    if new_size - size < ALIGN_SECTORS:
        return None
    return new_size


def shell_assignments(layout: Layout, root_files: int) -> str:
    values: dict[str, str] = {
        "IMAGE_BYTES": str(layout.image_bytes),
        "DISK_ID": f"{layout.label_id:08x}",
        "ROOT_INODES": str(root_inodes(root_files)),
    }
    for p in layout.partitions:
        key = p.name.upper()
        values[f"{key}_OFFSET"] = str(p.offset_bytes)
        values[f"{key}_BYTES"] = str(p.size_bytes)
        values[f"{key}_PARTUUID"] = layout.partuuid(p.number)
    return "".join(f"{key}={shlex.quote(value)}\n" for key, value in values.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="partitions", description="Plan the SD image layout for flash.sh.")
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="print offsets and sizes as shell assignments, write the sfdisk script")
    plan.add_argument("--boot", choices=sorted(BOOT_MIB), required=True, help="how the board boots")
    plan.add_argument("--root-content-bytes", type=int, required=True)
    plan.add_argument("--root-files", type=int, required=True)
    plan.add_argument("--data-mib", type=int, default=DEFAULT_DATA_MIB)
    plan.add_argument("--sfdisk", type=Path, required=True, help="where to write the sfdisk script")
    plan.add_argument("--label-id", type=lambda text: int(text, 16), default=None,
                      help="disk identifier in hex (partition IDs are ID-01, ID-02, ID-03); random if omitted")
    args = parser.parse_args(argv)
    try:
        layout = plan_layout(boot_mib=BOOT_MIB[args.boot], root_bytes=root_size_bytes(args.root_content_bytes),
                             data_mib=args.data_mib, label_id=args.label_id)
        assignments = shell_assignments(layout, args.root_files)
    except LayoutError as exc:
        print(f"flash.sh: {exc}", file=sys.stderr)
        return 2
    args.sfdisk.write_text(sfdisk_script(layout))
    sys.stdout.write(assignments)
    return 0


if __name__ == "__main__":
    sys.exit(main())
