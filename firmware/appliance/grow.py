"""Grow the data partition to the end of the card, before it is mounted (every boot, usually a no-op).

An image is written to cards of any size; the data partition is last, so it can
take whatever the card has beyond the image. This runs before local file systems
are checked and mounted (minipbx-grow-data.service): growing a mounted partition
makes the kernel drop and re-add its device, and systemd then unmounts /data
under the running system. Offline it is sfdisk (the table entry), partx (the
kernel's view), e2fsck + resize2fs (the file system), each on a partition nobody
uses yet. When the partition already ends at the card's end it does nothing.
"""
from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from firmware.appliance.partitions import SECTOR, grow_size

log = logging.getLogger("minipbx.grow")
DATA_LABEL = "minipbx-data"


class GrowError(RuntimeError):
    pass


@dataclass(frozen=True)
class BlockPartition:
    disk: str  # e.g. "vda", "mmcblk0"
    name: str  # e.g. "vda3", "mmcblk0p3"
    number: int
    start: int  # sectors of 512 bytes
    size: int
    disk_size: int

    @property
    def disk_path(self) -> str:
        return f"/dev/{self.disk}"

    @property
    def path(self) -> str:
        return f"/dev/{self.name}"


def partition_info(device: str, sysfs: Path = Path("/sys")) -> BlockPartition:
    """Where partition `device` (e.g. /dev/mmcblk0p3) lies on its disk, from sysfs (512-byte sectors)."""
    name = Path(device).resolve().name
    part_dir = (sysfs / "class" / "block" / name).resolve()
    if not (part_dir / "partition").exists():
        raise GrowError(f"{device} is not a disk partition")
    disk_dir = part_dir.parent

    def number(path: Path) -> int:
        return int(path.read_text().strip())

    return BlockPartition(disk=disk_dir.name, name=part_dir.name, number=number(part_dir / "partition"),
                          start=number(part_dir / "start"), size=number(part_dir / "size"),
                          disk_size=number(disk_dir / "size"))


def find_by_label(label: str) -> str:
    """The device holding the file system labelled `label` (blkid reads the disks; udev need not run)."""
    result = subprocess.run(["blkid", "--label", label], capture_output=True, text=True, timeout=60, check=False)
    device = result.stdout.strip()
    if result.returncode != 0 or not device:
        raise GrowError(f"no file system labelled {label}; is this a minipbx card?")
    return device


def _run(argv: list[str], stdin: str | None = None, ok: tuple[int, ...] = (0,)) -> None:
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode not in ok:
        raise GrowError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")


def grow_partition(part: BlockPartition) -> str:
    """Grow an unmounted partition and its ext4 to the disk's end; say what happened."""
    new_size = grow_size(part.disk_size, part.start, part.size)
    before = part.size * SECTOR // 2**20
    if new_size is None:
        return f"data partition {part.path} already fills the card ({before} MiB)"
    # --no-reread: the disk is busy (root is mounted from it); partx then tells the
    # kernel about this one partition.
    _run(["sfdisk", "--no-reread", "--no-tell-kernel", "--quiet", "-N", str(part.number), part.disk_path],
         stdin=f"{part.start}, {new_size}\n")
    _run(["partx", "--update", "--nr", str(part.number), part.disk_path])
    # resize2fs insists on a freshly checked file system; 1 = errors corrected.
    _run(["e2fsck", "-f", "-p", part.path], ok=(0, 1))
    _run(["resize2fs", part.path])
    return f"data partition {part.path} grown from {before} MiB to {new_size * SECTOR // 2**20} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minipbx-grow-data", description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default=DATA_LABEL, help=f"file system label of the data partition ({DATA_LABEL})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        log.info("%s", grow_partition(partition_info(find_by_label(args.label))))
    except (GrowError, OSError, ValueError) as exc:
        # The PBX works on the small partition: report and let the boot go on.
        log.error("could not grow the data partition: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
