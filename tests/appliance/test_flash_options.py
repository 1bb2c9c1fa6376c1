"""flash.sh's command line: help, wrong options, wrong boards, not root, writing a card."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FLASH = REPO / "flash.sh"
PI_BOARD = """[board]
name = "Test Pi"
[image]
arch = "arm64"
boot = "raspberrypi"
kernel = "linux-image-arm64"
consoles = ["tty1", "ttyS1"]
"""


def flash(*args: str, user: str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [str(FLASH), *args]
    env = dict(os.environ)
    if user is not None:
        # The system Python: a user's own interpreter (pyenv under /root) is not readable by others.
        argv = ["runuser", "-u", user, "--", *argv]
        env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60, input=stdin, env=env,
                          check=False, start_new_session=True)


def test_help_documents_every_option() -> None:
    result = flash("--help")
    assert result.returncode == 0
    parsed = set(re.findall(r"^\s+(--[a-z0-9-]+)\)", FLASH.read_text(), re.MULTILINE))
    parsed |= {o for line in re.findall(r"^\s+(-h\|--help)\)", FLASH.read_text(), re.MULTILINE) for o in ["--help"]}
    assert len(parsed) >= 10
    for option in parsed:
        assert option in result.stdout, f"{option} is accepted but not in --help"


@pytest.mark.parametrize(("args", "message"), [
    ((), "Usage: ./flash.sh --board"),
    (("--frobnicate",), "unknown option '--frobnicate'"),
    (("--board=boards/sim.toml",), "write '--board boards/sim.toml' (a space, not '=')"),
    (("--board",), "--board needs a value"),
    (("--out", "x.img"), "--board is required"),
    (("--board", "boards/sim.toml"), "say where the image goes: --out FILE and/or --device DEV"),
    (("--board", "boards/nosuch.toml", "--out", "x.img"), "board file 'boards/nosuch.toml' does not exist; boards:"),
    (("--board", "boards/sim.toml", "--out", "boards"), "is a folder"),
    (("--board", "boards/sim.toml", "--out", "no/such/dir/x.img"), "folder no/such/dir does not exist"),
    (("--board", "boards/sim.toml", "--out", "x.img", "--data-mib", "lots"), "--data-mib 'lots' is not a whole number"),
    (("--image", "nosuch.img", "--device", "/dev/null"), "image file 'nosuch.img' does not exist"),
    (("--board", "boards/sim.toml", "--out", "x.img", "--pjsua2-wheel", "nosuch.whl"), "does not exist"),
])
def test_wrong_options_get_one_clear_line(args: tuple[str, ...], message: str) -> None:
    result = flash(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (REPO / "x.img").exists()


def test_image_excludes_board_and_needs_a_device(tmp_path: Path) -> None:
    image = tmp_path / "a.img"
    image.write_bytes(b"\0" * 512)
    assert "cannot be combined" in flash("--image", str(image), "--board", "boards/sim.toml").stderr
    assert "--image needs --device" in flash("--image", str(image)).stderr


def test_a_broken_board_section_is_named(tmp_path: Path) -> None:
    board = tmp_path / "odd.toml"
    board.write_text('[board]\nname = "Odd"\n[image]\narch = "sparc"\n')
    result = flash("--board", str(board), "--out", str(tmp_path / "x.img"))
    assert result.returncode == 2
    assert "arch = 'sparc' is not accepted; use one of: amd64, arm64" in result.stderr


@pytest.fixture
def folder_for_nobody() -> Iterator[Path]:
    # pytest's own temporary folders are root-only; this one the other user can reach.
    folder = Path(tempfile.mkdtemp(prefix="minipbx-notroot-", dir="/tmp"))
    try:
        folder.chmod(0o777)
        yield folder
    finally:
        shutil.rmtree(folder)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None, reason="needs root to switch to nobody")
def test_a_pi_board_builds_without_a_pjsua2_wheel_given(folder_for_nobody: Path) -> None:
    # The options are checked before root is: a Pi board without --pjsua2-wheel gets as
    # far as the root check, so the wheel is no longer something the user must bring.
    board = folder_for_nobody / "pi.toml"
    board.write_text(PI_BOARD)
    board.chmod(0o644)
    result = flash("--board", str(board), "--out", str(folder_for_nobody / "pi.img"), user="nobody")
    assert result.returncode == 2, result.stderr
    assert "must run as root" in result.stderr
    assert "pjsua2" not in result.stderr
    help_text = flash("--help").stdout
    assert "aarch64 for the Raspberry Pi boards" in help_text
    assert "cross-compiled" in help_text


def test_a_pjsua2_wheel_for_the_wrong_machine_is_refused(tmp_path: Path) -> None:
    board = tmp_path / "pi.toml"
    board.write_text(PI_BOARD)
    wheel = tmp_path / "pjsua2-2.16-cp311-cp311-linux_x86_64.whl"
    wheel.write_bytes(b"PK")
    result = flash("--board", str(board), "--out", str(tmp_path / "pi.img"), "--pjsua2-wheel", str(wheel))
    assert "is not built for aarch64" in result.stderr
    other = tmp_path / "pjsua2-2.16-cp312-cp312-linux_aarch64.whl"
    other.write_bytes(b"PK")
    result = flash("--board", str(board), "--out", str(tmp_path / "pi.img"), "--pjsua2-wheel", str(other))
    assert "not built for Python 3.11" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None, reason="needs root to switch to nobody")
def test_building_as_an_ordinary_user_is_refused(folder_for_nobody: Path) -> None:
    out = folder_for_nobody / "x.img"
    result = flash("--board", str(REPO / "boards" / "sim.toml"), "--out", str(out), user="nobody")
    assert result.returncode == 2, result.stderr
    assert "must run as root" in result.stderr
    assert not out.exists()


# ---------------------------------------------------------------- writing a card

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="block devices need root")


def host_root_disk() -> str | None:
    source = subprocess.run(["findmnt", "-no", "SOURCE", "/"], capture_output=True, text=True).stdout.strip()
    if not source.startswith("/dev/"):
        return None
    tree = subprocess.run(["lsblk", "-nsro", "NAME,TYPE", source], capture_output=True, text=True).stdout
    disks = [line.split()[0] for line in tree.splitlines() if line.endswith(" disk")]
    return f"/dev/{disks[0]}" if disks else None


@pytest.fixture
def small_image(tmp_path: Path) -> Path:
    image = tmp_path / "small.img"
    with image.open("wb") as f:
        f.truncate(8 * 1024 * 1024)
    subprocess.run(["sfdisk", "--quiet", str(image)], input="label: dos\nstart=2048, type=83\n", text=True, check=True)
    with image.open("r+b") as f:
        f.seek(4 * 1024 * 1024)
        f.write(b"minipbx-test-pattern" * 100)
    return image


@pytest.fixture
def loop_card(tmp_path: Path) -> Iterator[str]:
    backing = tmp_path / "card.bin"
    with backing.open("wb") as f:
        f.truncate(16 * 1024 * 1024)
    # A partition on the "card", to check that flash.sh wants the whole disk.
    subprocess.run(["sfdisk", "--quiet", str(backing)], input="label: dos\nstart=2048, type=83\n", text=True,
                   check=True)
    attached = subprocess.run(["losetup", "--find", "--show", "--partscan", str(backing)], capture_output=True,
                              text=True)
    if attached.returncode != 0:
        pytest.skip(f"no loop device: {attached.stderr.strip()}")
    device = attached.stdout.strip()
    yield device
    subprocess.run(["losetup", "--detach", device], check=False)


@needs_root
def test_the_disk_the_host_runs_from_is_refused(small_image: Path) -> None:
    disk = host_root_disk()
    if disk is None:
        pytest.skip("the root file system is not on a block device here")
    result = flash("--image", str(small_image), "--device", disk, "--yes")
    assert result.returncode == 2
    assert "is the disk this computer runs from; refusing" in result.stderr


@needs_root
def test_a_file_or_a_partition_is_not_a_card(small_image: Path, tmp_path: Path, loop_card: str) -> None:
    assert "is not a block device" in flash("--image", str(small_image), "--device", str(tmp_path)).stderr
    partition = f"{loop_card}p1"
    if not Path(partition).exists():
        pytest.skip("the kernel did not scan the loop device's partitions")
    result = flash("--image", str(small_image), "--device", partition, "--yes")
    assert "is a part, not a whole disk; give the card itself" in result.stderr


@needs_root
def test_writing_asks_first_and_writes_only_after_yes(small_image: Path, loop_card: str) -> None:
    no_tty = flash("--image", str(small_image), "--device", loop_card)
    assert no_tty.returncode == 2 and "no terminal to confirm" in no_tty.stderr
    if shutil.which("script"):
        refused = subprocess.run(["script", "-qec", f"{FLASH} --image {small_image} --device {loop_card}",
                                  "/dev/null"], input="no\n", capture_output=True, text=True, timeout=60)
        assert "will be erased. Type yes" in refused.stdout
        assert "not confirmed; nothing was written" in refused.stdout
        with open(loop_card, "rb") as card:
            card.seek(4 * 1024 * 1024)
            assert b"minipbx-test-pattern" not in card.read(1024 * 1024)
    written = flash("--image", str(small_image), "--device", loop_card, "--yes")
    assert written.returncode == 0, written.stderr
    with open(loop_card, "rb") as card, small_image.open("rb") as source:
        assert card.read(8 * 1024 * 1024) == source.read()


@needs_root
def test_a_card_smaller_than_the_image_is_refused(tmp_path: Path, loop_card: str) -> None:
    big = tmp_path / "big.img"
    with big.open("wb") as f:
        f.truncate(64 * 1024 * 1024)
    result = flash("--image", str(big), "--device", loop_card, "--yes")
    assert result.returncode == 2
    assert "holds 16 MiB; the image needs 64 MiB" in result.stderr
