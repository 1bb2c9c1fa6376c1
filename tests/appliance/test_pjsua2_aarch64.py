"""The Raspberry Pi's pjsua2 wheel (pjproject/build-wheel.sh --arch aarch64), loaded without
a Pi: the arm64 python3.11 of the sysroot runs under qemu-aarch64-static, imports the wheel's
module, starts the library on the null sound device and lists its codecs.

The cold cross build takes minutes (README, "pjsua2, built from source"), so this test uses
the wheel in the cache (`make pjsua2-arm64` puts it there, as does flash.sh for a Pi board)
and is skipped, saying so, when there is none; MINIPBX_BUILD_AARCH64=1 builds it here.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "pjproject" / "build-wheel.sh"
SYSROOT = REPO / "pjproject" / "aarch64-sysroot.sh"
LOAD_TEST = REPO / "pjproject" / "load_test.py"
# The ELF header's e_machine for AArch64.
EM_AARCH64 = 183


def aarch64_wheel() -> Path:
    cached = subprocess.run([str(BUILD), "--arch", "aarch64", "--cached-only"], capture_output=True, text=True,
                            timeout=120, check=False)
    if cached.returncode == 0:
        return Path(cached.stdout.strip())
    assert cached.returncode == 3, cached.stderr
    if os.environ.get("MINIPBX_BUILD_AARCH64") != "1":
        pytest.skip("no aarch64 pjsua2 wheel in the cache: `make pjsua2-arm64` builds it (3-4 minutes on "
                    "2 cores), or set MINIPBX_BUILD_AARCH64=1 to build it in this test")
    built = subprocess.run([str(BUILD), "--arch", "aarch64"], capture_output=True, text=True, timeout=3600,
                           check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    return Path(built.stdout.strip())


def test_the_pi_wheel_starts_pjsua2_with_its_codecs_under_qemu(tmp_path: Path) -> None:
    wheel = aarch64_wheel()
    assert wheel.name.startswith("pjsua2-2.16-cp311-cp311-") and wheel.name.endswith("linux_aarch64.whl")
    qemu = shutil.which("qemu-aarch64-static")
    assert qemu, "qemu-aarch64-static is missing (Debian qemu-user-static; build-wheel.sh --arch aarch64 installs it)"
    sysroot = Path(subprocess.run([str(SYSROOT)], capture_output=True, text=True, timeout=600,
                                  check=True).stdout.strip())
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    module = next(site.glob("_pjsua2*.so"))
    assert int.from_bytes(module.read_bytes()[18:20], "little") == EM_AARCH64, f"{module.name} is not an arm64 module"

    # No binfmt_misc here: qemu is called explicitly, -L for the arm64 loader and libraries.
    result = subprocess.run([qemu, "-L", str(sysroot), str(sysroot / "usr/bin/python3.11"), str(LOAD_TEST),
                             "PCMU PCMA G722 opus"], env={**os.environ, "PYTHONPATH": str(site)},
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    codecs = next(line for line in result.stdout.splitlines() if line.startswith("codecs:"))
    assert {"PCMU", "PCMA", "G722"} <= {c.strip() for c in codecs.removeprefix("codecs:").split(",")}


def test_an_architecture_not_built_here_is_named_with_those_that_are(tmp_path: Path) -> None:
    result = subprocess.run([str(BUILD), "--arch", "riscv64", "--cache", str(tmp_path)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "--arch 'riscv64' is not built here (accepted: x86_64, aarch64)" in result.stderr


def test_cached_only_says_how_to_build_a_missing_wheel(tmp_path: Path) -> None:
    result = subprocess.run([str(BUILD), "--arch", "aarch64", "--cached-only", "--cache", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 3
    assert result.stdout == ""
    assert "no pjsua2 wheel for cpython-311 linux-aarch64" in result.stderr
    assert "build-wheel.sh --arch aarch64 builds it" in result.stderr
