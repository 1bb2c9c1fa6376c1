"""The brain's local control socket: `minipbx status` asks it what runs, the HTTP API which calls are up.

One JSON request per connection ({"cmd": "status"}), one JSON answer. A Unix
socket in the data directory's run/ folder, so only users who can read the data
directory can ask.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

log = logging.getLogger("minipbx.control")

# sun_path is 108 bytes on Linux.
_MAX_SOCKET_PATH = 107


class ControlError(RuntimeError):
    pass


def _check_path(path: Path) -> None:
    if len(str(path).encode()) > _MAX_SOCKET_PATH:
        raise ControlError(f"control socket path {path} is longer than {_MAX_SOCKET_PATH} bytes; "
                           "use a shorter --data directory")


class ControlServer:
    def __init__(self, path: Path, status: Callable[[], Awaitable[dict[str, object]]],
                 reload: Callable[[], Awaitable[None]] | None = None,
                 calls: Callable[[], list[dict[str, object]]] | None = None) -> None:
        _check_path(path)
        self.path = path
        self.status = status
        self.reload = reload
        # Live calls alone: the HTTP API polls these, and `status` also asks the edge (slower).
        self.calls = calls
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        self.path.chmod(0o660)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            try:
                request = json.loads(line or b"{}")
                command = request.get("cmd") if isinstance(request, dict) else None
            except ValueError:
                command = None
            if command == "status":
                answer: dict[str, object] = {"ok": True, "status": await self.status()}
            elif command == "calls" and self.calls is not None:
                answer = {"ok": True, "status": {"calls": self.calls()}}
            elif command == "reload" and self.reload is not None:
                try:
                    await self.reload()
                    answer = {"ok": True, "status": {}}
                except Exception as exc:
                    log.error("reload failed: %s", exc)
                    answer = {"ok": False, "error": f"the running PBX could not apply the change: {exc}"}
            else:
                answer = {"ok": False, "error": f"unknown command {command!r}; accepted: status, reload, calls"}
            writer.write(json.dumps(answer, default=str).encode() + b"\n")
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        except Exception:
            log.exception("control request failed")
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def ask(path: Path, command: str, timeout: float = 5.0) -> dict[str, object]:
    """Blocking client for the CLI; raises ControlError when the brain is not running."""
    _check_path(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise ControlError("minipbx is not running for this data directory") from None
        try:
            sock.sendall(json.dumps({"cmd": command}).encode() + b"\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        except TimeoutError:
            raise ControlError(f"minipbx did not answer within {timeout:.0f} s (busy or stuck); try again") from None
    try:
        answer = json.loads(data)
    except ValueError:
        raise ControlError("minipbx stopped while answering; try again") from None
    if not isinstance(answer, dict) or not answer.get("ok"):
        raise ControlError(str(answer.get("error") if isinstance(answer, dict) else answer))
    status = answer["status"]
    assert isinstance(status, dict)
    return status
