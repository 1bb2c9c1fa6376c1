"""The SD card layout flash.sh writes and first boot grows."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from firmware.appliance.partitions import (
    ALIGN_SECTORS,
    BOOT_MIB,
    MIB,
    SECTOR,
    LayoutError,
    grow_size,
    plan_layout,
    root_inodes,
    root_size_bytes,
    sfdisk_script,
)

REPO = Path(__file__).resolve().parents[2]


def test_partitions_are_aligned_ordered_and_do_not_overlap() -> None:
    layout = plan_layout(boot_mib=128, root_bytes=700 * MIB + 12345, data_mib=64, label_id=0x1234ABCD)
    boot, root, data = layout.partitions
    assert [p.name for p in layout.partitions] == ["boot", "root", "data"]
    assert boot.start == ALIGN_SECTORS  # 4 MiB in: room for the MBR and erase-block aligned
    for part in layout.partitions:
        assert part.start % ALIGN_SECTORS == 0 and part.size % ALIGN_SECTORS == 0
    assert boot.end == root.start and root.end == data.start
    assert root.size_bytes >= 700 * MIB + 12345
    assert data.size_bytes == 64 * MIB
    assert layout.image_bytes == data.end * SECTOR
    assert boot.bootable and not root.bootable and not data.bootable


def test_partition_ids_follow_the_disk_identifier() -> None:
    layout = plan_layout(boot_mib=256, root_bytes=MIB, label_id=0xDEADBEEF)
    assert layout.partuuid(2) == "deadbeef-02"
    assert layout.partuuid(3) == "deadbeef-03"


def test_sfdisk_script_round_trips_through_sfdisk(tmp_path: Path) -> None:
    layout = plan_layout(boot_mib=BOOT_MIB["raspberrypi"], root_bytes=300 * MIB, label_id=0x00C0FFEE)
    image = tmp_path / "disk.img"
    with image.open("wb") as f:
        f.truncate(layout.image_bytes)
    subprocess.run(["sfdisk", "--quiet", str(image)], input=sfdisk_script(layout), text=True, check=True)
    dump = subprocess.run(["sfdisk", "--dump", str(image)], capture_output=True, text=True, check=True).stdout
    assert "label-id: 0x00c0ffee" in dump
    for part in layout.partitions:
        assert f"start={part.start:>12}, size={part.size:>12}, type={part.mbr_type}" in dump
    assert dump.count("bootable") == 1


def test_root_gets_headroom_and_enough_inodes() -> None:
    size = root_size_bytes(500 * MIB)
    assert size > 500 * MIB * 1.1 and size % (ALIGN_SECTORS * SECTOR) == 0
    assert root_inodes(30_000) >= 30_000
    with pytest.raises(LayoutError):
        root_size_bytes(0)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"boot_mib": 16, "root_bytes": MIB}, "too small for FAT32"),
    ({"boot_mib": 128, "root_bytes": MIB, "data_mib": 8}, "too small"),
    ({"boot_mib": 128, "root_bytes": 0}, "must be positive"),
    ({"boot_mib": 128, "root_bytes": MIB, "label_id": 0}, "disk identifier"),
])
def test_impossible_layouts_are_refused_with_the_value(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        plan_layout(**kwargs)


def test_data_partition_grows_to_the_aligned_end_of_the_card() -> None:
    start, size = 1_605_632, 131_072  # the sim image's data partition
    card = 32 * 1024 * MIB // SECTOR + 12345  # a "32 GB" card, not a whole number of erase blocks
    new = grow_size(card, start, size)
    assert new is not None
    assert (start + new) % ALIGN_SECTORS == 0
    assert start + new <= card < start + new + ALIGN_SECTORS


def test_growing_is_skipped_when_the_card_is_already_full() -> None:
    assert grow_size(1_736_704, 1_605_632, 131_072) is None
    assert grow_size(1_736_704 + ALIGN_SECTORS - 1, 1_605_632, 131_072) is None


def test_growing_refuses_a_partition_past_the_disk() -> None:
    with pytest.raises(LayoutError, match="does not fit"):
        grow_size(1000, 900, 200)


def test_plan_command_prints_shell_assignments_for_flash_sh(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "firmware.appliance.partitions", "plan", "--boot", "pc", "--root-content-bytes",
         str(400 * MIB), "--root-files", "25000", "--label-id", "ab12cd34", "--sfdisk", str(tmp_path / "t")],
        cwd=REPO, capture_output=True, text=True, check=True)
    values = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert values["ROOT_PARTUUID"] == "ab12cd34-02"
    assert int(values["BOOT_OFFSET"]) == 4 * MIB
    assert int(values["BOOT_BYTES"]) == 128 * MIB
    assert int(values["DATA_OFFSET"]) == int(values["ROOT_OFFSET"]) + int(values["ROOT_BYTES"])
    assert "label-id: 0xab12cd34" in (tmp_path / "t").read_text()
