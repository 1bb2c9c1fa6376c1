"""Growing the data partition: finding it in sysfs, and the whole grow on a real (loop) disk."""
from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.appliance.grow import GrowError, grow_partition, partition_info
from firmware.appliance.partitions import MIB, SECTOR, plan_layout, sfdisk_script


def fake_sysfs(root: Path, *, disk: str, part: str, number: int, start: int, size: int, disk_size: int) -> Path:
    """A /sys with just what partition_info reads."""
    disk_dir = root / "devices" / "virtual" / "block" / disk
    part_dir = disk_dir / part
    part_dir.mkdir(parents=True)
    (disk_dir / "size").write_text(f"{disk_size}\n")
    for name, value in (("partition", number), ("start", start), ("size", size)):
        (part_dir / name).write_text(f"{value}\n")
    (root / "class" / "block").mkdir(parents=True)
    (root / "class" / "block" / part).symlink_to(part_dir)
    (root / "class" / "block" / disk).symlink_to(disk_dir)
    return root


def test_the_data_partition_is_found_through_sysfs(tmp_path: Path) -> None:
    sysfs = fake_sysfs(tmp_path / "sys", disk="mmcblk0", part="mmcblk0p3", number=3, start=1_605_632,
                       size=131_072, disk_size=62_333_952)
    part = partition_info("/dev/mmcblk0p3", sysfs)
    assert (part.disk_path, part.path, part.number) == ("/dev/mmcblk0", "/dev/mmcblk0p3", 3)
    assert (part.start, part.size, part.disk_size) == (1_605_632, 131_072, 62_333_952)


def test_a_whole_disk_is_not_a_partition(tmp_path: Path) -> None:
    sysfs = fake_sysfs(tmp_path / "sys", disk="vda", part="vda3", number=3, start=8192, size=8192,
                       disk_size=65536)
    with pytest.raises(GrowError, match="not a disk partition"):
        partition_info("/dev/vda", sysfs)


@pytest.fixture
def card(tmp_path: Path) -> Iterator[str]:
    """A 'card' bigger than its image: the image's layout on a loop device with partitions."""
    if os.geteuid() != 0:
        pytest.skip("loop devices need root")
    layout = plan_layout(boot_mib=40, root_bytes=8 * MIB, data_mib=16, label_id=0x11223344)
    backing = tmp_path / "card.bin"
    with backing.open("wb") as f:
        f.truncate(layout.image_bytes + 64 * MIB)
    subprocess.run(["sfdisk", "--quiet", str(backing)], input=sfdisk_script(layout), text=True, check=True)
    data = layout.by_number(3)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "minipbx-test", "-E", f"offset={data.offset_bytes}",
                    str(backing), f"{data.size_bytes // 1024}k"], check=True)
    attached = subprocess.run(["losetup", "--find", "--show", "--partscan", str(backing)], capture_output=True,
                              text=True)
    if attached.returncode != 0:
        pytest.skip(f"no loop device: {attached.stderr.strip()}")
    device = attached.stdout.strip()
    made = make_partition_node(device, 3)
    try:
        yield device
    finally:
        if made:
            Path(f"{device}p3").unlink(missing_ok=True)
        subprocess.run(["losetup", "--detach", device], check=False)


def make_partition_node(device: str, number: int) -> bool:
    """Create /dev/loopNpM from sysfs where no udev or devtmpfs made it (containers); True if made here."""
    node = Path(f"{device}p{number}")
    if node.exists():
        return False
    dev = Path("/sys/class/block") / node.name / "dev"
    if not dev.exists():
        pytest.skip(f"the kernel did not scan {device}'s partitions")
    major, minor = (int(x) for x in dev.read_text().split(":"))
    os.mknod(node, 0o600 | stat.S_IFBLK, os.makedev(major, minor))
    return True


def test_growing_fills_the_card_and_keeps_the_file_system(card: str) -> None:
    part = partition_info(f"{card}p3")
    expected_mib = (part.disk_size - part.start) * SECTOR // MIB
    message = grow_partition(part)
    assert f"grown from 16 MiB to {expected_mib} MiB" in message
    grown = partition_info(f"{card}p3")
    assert grown.start == part.start
    assert grown.start + grown.size == grown.disk_size
    fsck = subprocess.run(["e2fsck", "-f", "-n", grown.path], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    assert "already fills the card" in grow_partition(grown)
