"""Reading a board's [image] section: what flash.sh builds for it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from firmware.appliance.image_spec import ImageSpecError, limit_nofile, load_image_spec

REPO = Path(__file__).resolve().parents[2]


def board(tmp_path: Path, text: str, name: str = "test.toml") -> Path:
    path = tmp_path / name
    path.write_text('[board]\nname = "Test board"\n' + text)
    return path


def test_a_board_without_image_section_is_a_pc_or_vm() -> None:
    spec = load_image_spec(REPO / "boards" / "sim.toml")
    assert (spec.arch, spec.boot, spec.kernel) == ("amd64", "pc", "linux-image-cloud-amd64")
    assert spec.pjsua2_built_here
    assert spec.consoles[-1] == "ttyS0"


def test_a_pi_board_gets_an_aarch64_pjsua2_built_here(tmp_path: Path) -> None:
    spec = load_image_spec(board(tmp_path, '[image]\narch = "arm64"\nboot = "raspberrypi"\n'
                                            'kernel = "linux-image-arm64"\nconsoles = ["tty1", "ttyS1"]\n'
                                            'packages = ["i2c-tools"]\n'))
    assert spec.wheel_machine == "aarch64"
    assert spec.pjsua2_built_here
    assert spec.packages == ("i2c-tools",)


@pytest.mark.parametrize(("text", "message"), [
    ('[image]\narch = "riscv64"\n', "arch = 'riscv64' is not accepted; use one of: amd64, arm64"),
    ('[image]\nboot = "uefi"\n', "boot = 'uefi' is not accepted"),
    ('[image]\narch = "arm64"\n', "boot = 'pc' cannot start arch = 'arm64'"),
    ('[image]\narch = "arm64"\nboot = "raspberrypi"\n', "kernel is required"),
    ('[image]\npackages = ["ok", "bad name; rm -rf /"]\n', "not a valid Debian package name"),
    ('[image]\nconsoles = []\n', "at least one device"),
    ('[image]\nconsoles = ["/dev/ttyS0"]\n', "not a valid console device"),
    ('[image]\nkernal = "x"\n', "unknown [image] key(s) kernal"),
    ('[capacity]\ncalls = 0\n', "calls = 0 is not accepted"),
])
def test_bad_image_sections_name_the_key_and_what_is_accepted(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ImageSpecError) as caught:
        load_image_spec(board(tmp_path, text))
    assert message in str(caught.value)
    assert "test.toml" in str(caught.value)


def test_missing_and_broken_board_files(tmp_path: Path) -> None:
    with pytest.raises(ImageSpecError, match="does not exist"):
        load_image_spec(tmp_path / "nope.toml")
    (tmp_path / "broken.toml").write_text("[board\n")
    with pytest.raises(ImageSpecError, match="not valid TOML"):
        load_image_spec(tmp_path / "broken.toml")


def test_descriptor_limit_grows_with_call_capacity() -> None:
    assert limit_nofile(8) < limit_nofile(100) < limit_nofile(1000)
    # About 2 descriptors per call leg, 2 legs a call: the per-call share covers that twice.
    assert limit_nofile(101) - limit_nofile(100) >= 4


def test_shell_output_is_quoted_for_eval(tmp_path: Path) -> None:
    path = board(tmp_path, "", name="quote's.toml")
    path.write_text('[board]\nname = "O\'Brien $(reboot) board"\n')
    result = subprocess.run([sys.executable, "-m", "firmware.appliance.image_spec", str(path)], cwd=REPO,
                            capture_output=True, text=True, check=True)
    shown = subprocess.run(["bash", "-c", result.stdout + 'printf %s "$BOARD_NAME"'], capture_output=True,
                           text=True, check=True)
    assert shown.stdout == "O'Brien $(reboot) board"
