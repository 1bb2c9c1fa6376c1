"""Running the real `minipbx` command against a temporary data directory."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BOARD = REPO_ROOT / "boards" / "sim.toml"


def minipbx_program() -> str:
    beside = Path(sys.executable).parent / "minipbx"
    found = str(beside) if beside.exists() else shutil.which("minipbx")
    if found is None:
        raise AssertionError("the minipbx command is not installed in this environment (pip install -e .)")
    return found


class Cli:
    """`minipbx --data <tmp> ...` as a person runs it, bounded by a timeout."""

    def __init__(self, data_dir: Path, cwd: Path) -> None:
        self.data_dir = data_dir
        self.cwd = cwd
        self.program = minipbx_program()

    @property
    def db_file(self) -> Path:
        return self.data_dir / "minipbx.db"

    def __call__(self, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 30) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("MINIPBX_")}
        environment.update(env or {})
        return subprocess.run([self.program, "--data", str(self.data_dir), *args], capture_output=True,
                              text=True, timeout=timeout, cwd=self.cwd, env=environment)

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.returncode == 0, f"minipbx {' '.join(args)} failed: {result.stderr}"
        assert "Traceback" not in result.stderr
        return result.stdout

    def fails(self, *args: str, env: dict[str, str] | None = None, timeout: float = 30,
              code: int = 1) -> str:
        """Run a command that must be refused; return its one-line message."""
        result = self(*args, env=env, timeout=timeout)
        assert_one_line_error(result, code)
        return result.stderr.strip()

    def snapshot(self) -> list[str]:
        """Everything the database holds, to compare before and after a refused command."""
        if not self.db_file.exists():
            return []
        with sqlite3.connect(self.db_file) as conn:
            return list(conn.iterdump())


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int = 1) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line of error, got:\n{result.stderr}"
    assert lines[0].startswith("minipbx: error: "), lines[0]
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == "", result.stdout


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    # Run from an empty folder: the command must not depend on the repository's working directory.
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    return Cli(tmp_path / "data", workdir)
