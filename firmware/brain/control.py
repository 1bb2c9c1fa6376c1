"""The brain's local control socket: `minipbx status` asks it what runs, the HTTP API which calls are up.

One JSON request per connection ({"cmd": "status"}, or a call command with its
fields: {"cmd": "originate", "extension": "101", "number": "0555"}), one JSON answer.
`{"cmd": "watch"}` keeps the connection open: the brain writes each call event to it as a
JSON line ({"event": "call.ringing", "body": {...}}) until the watcher hangs up; a watcher
that does not keep up is dropped, so a slow one never holds calls up. A Unix socket in the
data directory's run/ folder, so only users who can read the
data directory can ask. Call commands are typed (`CallCommand` and its kinds); a
refusal carries a `kind` that the API turns into its status code.
"""
from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

log = logging.getLogger("minipbx.control")

# sun_path is 108 bytes on Linux.
_MAX_SOCKET_PATH = 107
# Bytes a watcher may fall behind by before it is dropped (a few thousand events).
WATCHER_BACKLOG_BYTES = 1 << 20


class ControlError(RuntimeError):
    """The brain refused or could not be asked. `kind` says why, for the API's status code:
    'not_running', 'timeout', 'not_found', 'busy', 'barred', 'invalid', 'failed'."""

    def __init__(self, message: str, kind: str = "failed") -> None:
        super().__init__(message)
        self.kind = kind


class CallCommandRefused(Exception):
    """Raised by a call command's handler: the message for the person, and its kind (see ControlError)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Originate:
    """Click-to-call: ring `extension`'s phones, then dial `number` as that extension."""
    extension: str
    number: str
    by: str  # who asked (an extension, 'admin', 'key:crm'): for the log and the CDR


@dataclass(frozen=True)
class HangUp:
    """End a call in progress (every party of it)."""
    call: str
    by: str


@dataclass(frozen=True)
class Transfer:
    """`extension`, a party of the call, transfers the other party to `number` (with its rights),
    as its phone's transfer key would; '' = the call's one extension party."""
    call: str
    extension: str
    number: str
    by: str


@dataclass(frozen=True)
class RequestCallback:
    """Someone outside the phone system (a website's "call me back" form) asks `queue` to call
    `number` back, as a waiting caller's callback key would; `address` is where the request came
    from (the limits per address)."""
    queue: str
    number: str
    by: str
    address: str


@dataclass(frozen=True)
class OpenDoor:
    """Open a door's lock for its open time, from the command line or the API (`how`: cli or api)."""
    door: str
    by: str
    how: str


@dataclass(frozen=True)
class PairDect:
    """Open the DECT subscription window for `seconds`; the next new handset gets `extension` ('' = the
    lowest free number). Checked by firmware/admin/dect.py."""
    seconds: str
    extension: str
    by: str


@dataclass(frozen=True)
class RemoveDect:
    """Deregister the DECT handset on `port` (dect3) from the module; its port goes. Checked by
    firmware/admin/dect.py."""
    port: str
    by: str


@dataclass(frozen=True)
class MailboxChanged:
    """A mailbox's messages changed outside a call (heard or deleted from the web admin or the API):
    its phones' message-waiting lamps are told again."""
    mailbox: str
    by: str


@dataclass(frozen=True)
class RecordPrompt:
    """Ring `extension`; once it answers, what is said there after the beep becomes company greeting
    `prompt` (firmware/apps/prompt_recording.py). Checked by firmware/admin/prompts.py."""
    extension: str
    prompt: str
    by: str


CallCommand = (Originate | HangUp | Transfer | RequestCallback | OpenDoor | PairDect | RemoveDect | MailboxChanged
               | RecordPrompt)
_CALL_COMMANDS: dict[str, type[CallCommand]] = {
    "originate": Originate, "hangup": HangUp, "transfer": Transfer, "callback": RequestCallback, "door": OpenDoor,
    "dect_pair": PairDect, "dect_remove": RemoveDect, "mailbox_changed": MailboxChanged,
    "record_prompt": RecordPrompt}


def _call_command(request: dict[str, object]) -> CallCommand:
    kind = _CALL_COMMANDS[str(request["cmd"])]
    names = [f.name for f in fields(kind)]
    values = {name: request.get(name) for name in names}
    bad = [name for name, value in values.items() if not isinstance(value, str)]
    if bad:
        raise CallCommandRefused(f"{request['cmd']}: {bad[0]} must be a string; fields: {', '.join(names)}",
                                 "invalid")
    return kind(**values)  # type: ignore[arg-type]


def _check_path(path: Path) -> None:
    if len(str(path).encode()) > _MAX_SOCKET_PATH:
        raise ControlError(f"control socket path {path} is longer than {_MAX_SOCKET_PATH} bytes; "
                           "use a shorter --data directory")


class ControlServer:
    def __init__(self, path: Path, status: Callable[[], Awaitable[dict[str, object]]],
                 reload: Callable[[], Awaitable[None]] | None = None,
                 calls: Callable[[], list[dict[str, object]]] | None = None,
                 call_command: Callable[[CallCommand], dict[str, object] | Awaitable[dict[str, object]]] | None = None,
                 ) -> None:
        _check_path(path)
        self.path = path
        self.status = status
        self.reload = reload
        # Live calls alone: the HTTP API polls these, and `status` also asks the edge (slower).
        self.calls = calls
        # Click-to-call and hang-up: carried out by the switch, in the event loop's thread.
        self.call_command = call_command
        self.watchers: set[asyncio.StreamWriter] = set()
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        self.path.chmod(0o660)

    def publish(self, event: str, body: str) -> None:
        """Hand a call event to every watcher; never waits."""
        line = f'{{"event": {json.dumps(event)}, "body": {body}}}\n'.encode()
        for writer in list(self.watchers):
            if writer.is_closing() or writer.transport.get_write_buffer_size() > WATCHER_BACKLOG_BYTES:
                log.warning("an event watcher fell behind; dropped")
                self.watchers.discard(writer)
                writer.close()
                continue
            writer.write(line)

    async def _watch(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b'{"event": "watching", "body": {}}\n')
        self.watchers.add(writer)
        try:
            # Nothing more is read: the watcher's end (EOF) is what this waits for.
            await reader.read()
        finally:
            self.watchers.discard(writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            try:
                request = json.loads(line or b"{}")
                command = request.get("cmd") if isinstance(request, dict) else None
            except ValueError:
                command = None
            if command == "watch":
                await self._watch(reader, writer)
                return
            if command == "status":
                answer: dict[str, object] = {"ok": True, "status": await self.status()}
            elif command == "calls" and self.calls is not None:
                answer = {"ok": True, "status": {"calls": self.calls()}}
            elif command in _CALL_COMMANDS and self.call_command is not None:
                assert isinstance(request, dict)
                try:
                    done = self.call_command(_call_command(request))
                    # Opening a door waits for the line gateway's answer; the rest is at once.
                    answer = {"ok": True, "status": await done if inspect.isawaitable(done) else done}
                except CallCommandRefused as exc:
                    answer = {"ok": False, "error": str(exc), "kind": exc.kind}
            elif command == "reload" and self.reload is not None:
                try:
                    await self.reload()
                    answer = {"ok": True, "status": {}}
                except Exception as exc:
                    log.error("reload failed: %s", exc)
                    answer = {"ok": False, "error": f"the running PBX could not apply the change: {exc}"}
            else:
                answer = {"ok": False, "error": f"unknown command {command!r}; accepted: status, reload, calls, "
                                    "originate, hangup, transfer, callback, door, dect_pair, dect_remove, "
                                    "mailbox_changed, record_prompt, watch",
                          "kind": "invalid"}
            writer.write(json.dumps(answer, default=str).encode() + b"\n")
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        except Exception:
            log.exception("control request failed")
        finally:
            writer.close()

    async def stop(self) -> None:
        for writer in list(self.watchers):
            writer.close()
        self.watchers.clear()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def ask(path: Path, command: str | CallCommand, timeout: float = 5.0) -> dict[str, object]:
    """Blocking client for the CLI and the API; raises ControlError when the brain is not running
    or refuses (its `kind` says which)."""
    if isinstance(command, str):
        request: dict[str, object] = {"cmd": command}
    else:
        name = next(n for n, k in _CALL_COMMANDS.items() if isinstance(command, k))
        request = {"cmd": name, **asdict(command)}
    _check_path(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise ControlError("minipbx is not running for this data directory", "not_running") from None
        try:
            sock.sendall(json.dumps(request).encode() + b"\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        except TimeoutError:
            raise ControlError(f"minipbx did not answer within {timeout:.0f} s (busy or stuck); try again",
                               "timeout") from None
    try:
        answer = json.loads(data)
    except ValueError:
        raise ControlError("minipbx stopped while answering; try again") from None
    if not isinstance(answer, dict) or not answer.get("ok"):
        if isinstance(answer, dict):
            raise ControlError(str(answer.get("error")), str(answer.get("kind") or "failed"))
        raise ControlError(str(answer))
    status = answer["status"]
    assert isinstance(status, dict)
    return status
