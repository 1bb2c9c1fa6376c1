"""baresip, a SIP stack that is not pjsua2, as a test phone (Debian's baresip-core).

Headless with a private config folder, driven over its ctrl_tcp module: netstrings of
JSON commands (`dial`, `accept`, `hangup`, `hold`, `resume`, `transfer N`), answered on
the same connection, where its events (CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, ...)
arrive too. What it hears is written by the sndfile module as dump-*-dec.wav.
"""
from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

MODULES = "/usr/lib/baresip/modules"
START_TIMEOUT = 10.0


def baresip_binary() -> str:
    binary = shutil.which("baresip")
    if binary is None:
        pytest.fail("baresip is not installed (Debian package baresip-core; `make deps` installs it)")
    return binary


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Baresip:
    def __init__(self, folder: Path, user: str, password: str, registrar: str, bind: str,
                 answer: str = "auto") -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.user = user
        sip_port = _free_port(bind)
        self.ctrl_port = _free_port("127.0.0.1")
        rtp = _free_port(bind)
        (folder / "config").write_text("\n".join([
            f"sip_listen {bind}:{sip_port}", f"net_interface {bind}", "audio_source ausine,1000",
            "ausrc_srate 48000", "ausrc_channels 2", f"rtp_ports {rtp}-{rtp + 20}", "rtcp_mux no",
            f"module_path {MODULES}", "module g711.so", "module ausine.so", "module sndfile.so",
            f"snd_path {folder}", "module_tmp uuid.so", "module_tmp account.so", "module_app menu.so",
            "module_app ctrl_tcp.so", f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}", "",
        ]))
        (folder / "accounts").write_text(
            f"<sip:{user}@{registrar};transport=udp>;auth_pass={password};regint=300;"
            f"answermode={answer};audio_codecs=pcma,pcmu\n")
        self.log = (folder / "baresip.log").open("wb")
        self.process = subprocess.Popen([baresip_binary(), "-f", str(folder), "-s"], stdin=subprocess.DEVNULL,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Condition()
        self.sock = self._connect()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _connect(self) -> socket.socket:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                return socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=2)
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError(f"baresip did not start; see {self.folder / 'baresip.log'}") from None
                time.sleep(0.1)

    def _read(self) -> None:
        buffer = b""
        self.sock.settimeout(None)
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b":" in buffer:
                size_text, _, rest = buffer.partition(b":")
                size = int(size_text)
                if len(rest) < size + 1:
                    break
                payload, buffer = rest[:size], rest[size + 1:]
                with self._lock:
                    self.events.append(json.loads(payload))
                    self._lock.notify_all()

    def command(self, command: str, params: str = "") -> None:
        body = json.dumps({"command": command, "params": params, "token": command}).encode()
        self.sock.sendall(str(len(body)).encode() + b":" + body + b",")

    def wait(self, event_type: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for event in self.events:
                    if event.get("type") == event_type:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"baresip {self.user}: no {event_type} within {timeout} s; "
                                         f"events: {self.events}")
                self._lock.wait(left)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.command("quit")
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.sock.close()
        self.log.close()
