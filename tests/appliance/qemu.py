"""A qemu-system-x86_64 machine booting an image, driven through its serial console.

Only what the appliance test needs: boot a disk image with user networking and
forwarded SIP ports, read the serial console, type into it, pull the plug (SIGKILL
of the qemu process this object started, by PID; nothing else is touched).
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

_KVM_GET_API_VERSION = 0xAE00
_KVM_CREATE_VM = 0xAE01
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def kvm_usable() -> bool:
    """True if this process can create a KVM virtual machine (the device may exist yet be refused)."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if fcntl.ioctl(fd, _KVM_GET_API_VERSION) != 12:
            return False
        vm = fcntl.ioctl(fd, _KVM_CREATE_VM, 0)
        os.close(vm)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def accelerator() -> str:
    """tcg unless MINIPBX_QEMU_ACCEL=kvm asks for KVM and KVM can create a machine.

    Software emulation by default: on this machine class /dev/kvm opens and creates
    VMs, yet the nested KVM fails inside the guest's BIOS (emulation failure), so a
    working-looking KVM is no promise. The test is sized for TCG.
    """
    if os.environ.get("MINIPBX_QEMU_ACCEL") == "kvm":
        if not kvm_usable():
            raise QemuError("MINIPBX_QEMU_ACCEL=kvm but /dev/kvm cannot create a virtual machine here")
        return "kvm"
    return "tcg"


class QemuError(AssertionError):
    pass


class Machine:
    def __init__(self, image: Path, *, forwards: dict[str, int], memory_mib: int = 1024,
                 log_path: Path | None = None) -> None:
        """`forwards` maps "udp:5060" / "tcp:5060" (guest) to a host port on 127.0.0.1."""
        if shutil.which("qemu-system-x86_64") is None:
            raise QemuError("qemu-system-x86_64 is missing (Debian package qemu-system-x86)")
        self.accel = accelerator()
        hostfwd = ",".join(
            f"hostfwd={spec.split(':')[0]}:127.0.0.1:{host_port}-:{spec.split(':')[1]}"
            for spec, host_port in forwards.items()
        )
        self.argv = [
            "qemu-system-x86_64", "-accel", self.accel, "-m", str(memory_mib), "-smp", "2",
            "-cpu", "host" if self.accel == "kvm" else "max",
            # cache=writeback: what the guest wrote reaches the image file even when
            # qemu is killed, exactly like a card whose power is cut: only what the
            # guest had not written yet is lost.
            "-drive", f"file={image},format=raw,if=virtio,cache=writeback",
            "-netdev", f"user,id=net0,{hostfwd}", "-device", "virtio-net-pci,netdev=net0",
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
        ]
        self.log_path = log_path
        self._output: list[str] = []
        self._lock = threading.Lock()
        self._seen = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        log = self.log_path.open("a", encoding="utf-8") if self.log_path else None
        try:
            # os.read returns what is there (a console trickles), unlike a buffered read.
            while chunk := os.read(self.process.stdout.fileno(), 4096):
                text = chunk.decode("utf-8", errors="replace")
                with self._lock:
                    self._output.append(text)
                if log:
                    log.write(text)
                    log.flush()
        finally:
            if log:
                log.close()

    @property
    def text(self) -> str:
        with self._lock:
            return _ANSI.sub("", "".join(self._output)).replace("\r", "")

    def expect(self, pattern: str, timeout: float) -> re.Match[str]:
        """Wait for `pattern` in console output after the previous match; fail with the tail of the console."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            text = self.text
            match = regex.search(text, self._seen)
            if match:
                self._seen = match.end()
                return match
            if self.process is not None and self.process.poll() is not None:
                raise QemuError(f"qemu exited ({self.process.returncode}) waiting for {pattern!r}:\n{text[-3000:]}")
            if time.monotonic() > deadline:
                raise QemuError(f"no {pattern!r} on the console within {timeout:.0f} s; last output:\n{text[-3000:]}")
            time.sleep(0.2)

    def send(self, line: str) -> None:
        assert self.process is not None and self.process.stdin is not None
        # A serial line at 115200 baud takes typed text; a pause lets getty-less
        # programs switch termios modes between lines.
        self.process.stdin.write(line.encode() + b"\r")
        self.process.stdin.flush()
        time.sleep(0.3)

    def command(self, line: str, marker: str, timeout: float) -> str:
        """Type a shell command that ends by echoing `marker`; return what it printed before it."""
        start = len(self.text)
        self.send(line)
        match = self.expect(re.escape(marker) + r"(\d+)", timeout)
        return self.text[start:match.start()]

    def kill(self) -> None:
        """Pull the plug: SIGKILL to the qemu process started here, by its PID."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        if self._reader is not None:
            self._reader.join(timeout=10)

    def wait_exit(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)
