"""Children of the brain: started so they die with it, their output kept.

If the brain is killed (even with SIGKILL) its children get SIGTERM from the
kernel (PR_SET_PDEATHSIG), so a restarted brain finds the SIP ports free.
"""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
from collections.abc import Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    # Own process group: a Ctrl-C on the brain's terminal reaches only the brain,
    # which then stops its children in order.
    os.setpgid(0, 0)


class Child:
    """One supervised child process whose output goes to a log file and the brain's log."""

    def __init__(self, name: str, argv: Sequence[str], log_path: Path, *, pass_fds: Sequence[int] = (),
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.pass_fds = tuple(pass_fds)
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None
        self._log = logging.getLogger(f"minipbx.{name}")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            preexec_fn=_die_with_parent,
            pass_fds=self.pass_fds,
            env=self.env,
        )
        self._pump = asyncio.create_task(self._copy_output(self.process))

    async def _copy_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        with self.log_path.open("ab", buffering=0) as log:
            while line := await process.stdout.readline():
                log.write(line)
                text = line.decode(errors="replace").rstrip()
                if " ERROR:" in text or "CRITICAL" in text or "Traceback" in text or text.startswith("FATAL"):
                    self._log.warning("%s", text)

    async def wait(self) -> int:
        assert self.process is not None
        code = await self.process.wait()
        if self._pump is not None:
            await asyncio.wait([self._pump], timeout=2)
        return code

    async def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within the timeout."""
        if self.process is None or self.process.returncode is not None:
            return
        try:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self._log.warning("%s did not stop within %.0f s; killing it", self.name, timeout)
            # The whole process group: Kamailio's own children would outlive a
            # killed main process and keep the SIP port.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            await self.process.wait()
        except ProcessLookupError:
            pass
        if self._pump is not None:
            await asyncio.wait([self._pump], timeout=2)
