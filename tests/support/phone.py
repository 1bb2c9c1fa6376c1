"""`Phone`: a synchronous pytest handle on one test phone process (tests/support/phone_process.py).

    with Phone("201", bind="127.0.0.2", registrar="127.0.0.1:5060", password="pw", tone_hz=600,
               record_dir=tmp_path / "201") as p:
        assert p.register() == 200
        n = p.call("202")
        p.wait("connected", call=n)
        ...

Every wait has a timeout; a wait that times out raises AssertionError listing what the phone did
report, plus the tail of its stderr. The process is killed by PID if it does not quit in time.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_TIMEOUT = 5.0
START_TIMEOUT = 15.0
QUIT_TIMEOUT = 5.0
# How long recording() waits for a call this phone hung up to report `disconnected`.
HANGUP_SETTLE_SECONDS = 10.0
# Slack on top of the registration timeout the phone enforces itself, for it to report back.
REPORT_SLACK = 5.0

Event = dict[str, Any]

_live: weakref.WeakSet[Phone] = weakref.WeakSet()


@atexit.register
def _close_leftovers() -> None:
    """A phone a test forgot to close must not outlive the test run."""
    for phone in list(_live):
        phone.close(timeout=1.0)


class Phone:
    """One pjsua2 phone in its own process.

    Events are dicts `{"event": kind, "t": monotonic seconds, ...fields}` (see phone_process).
    `wait()` returns the oldest matching event that no earlier wait returned: each event is handed
    out once, and a test can wait for events in any order without one wait swallowing another's.
    """

    def __init__(
        self,
        user: str,
        *,
        password: str | None = None,
        registrar: str | None = None,
        transport: Literal["udp", "tcp"] = "udp",
        bind: str = "127.0.0.1",
        sip_port: int = 0,
        rtp_port: int = 4000,
        tone_hz: int = 0,
        record_dir: str | os.PathLike[str] | None = None,
        auto_answer: float | None = None,
        answer_when_busy: bool = False,
        ring: bool = True,
        display_name: str | None = None,
        expires: int = 300,
        codecs: tuple[str, ...] = ("PCMA", "PCMU"),
        log_level: int = 3,
        start_timeout: float = START_TIMEOUT,
        mwi_subscribe: bool = False,
    ) -> None:
        self.user = user
        self.bind = bind
        self.transport = transport
        self.record_dir = Path(record_dir).resolve() if record_dir is not None else None
        self._events: list[Event] = []
        self._taken: set[int] = set()         # indexes of events already returned by wait()
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._closed = False
        self._quit_sent = False
        self.sip_port = 0                     # known once the process reports `ready`

        args = [
            sys.executable, "-m", "tests.support.phone_process",
            "--user", user, "--transport", transport, "--bind", bind,
            "--sip-port", str(sip_port), "--rtp-port", str(rtp_port), "--tone", str(tone_hz),
            "--expires", str(expires), "--codecs", ",".join(codecs), "--log-level", str(log_level),
        ]
        if password is not None:
            args += ["--password", password]
        if registrar:
            args += ["--registrar", registrar]
        if auto_answer is not None:
            args += ["--auto-answer", str(auto_answer)]
        if answer_when_busy:
            args.append("--answer-when-busy")
        if not ring:
            args.append("--no-ring")
        if display_name:
            args += ["--display-name", display_name]
        if mwi_subscribe:
            args.append("--mwi-subscribe")     # message-summary SUBSCRIBE after registering
        if self.record_dir is not None:
            self.record_dir.mkdir(parents=True, exist_ok=True)
            args += ["--record-dir", str(self.record_dir)]
            self.stderr_path: Path | None = self.record_dir / "phone.stderr"
            stderr: Any = self.stderr_path.open("wb")
        else:
            self.stderr_path = None
            stderr = subprocess.DEVNULL

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        try:
            self._proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                text=True, encoding="utf-8", bufsize=1, env=env, cwd=REPO_ROOT,
            )
        finally:
            if stderr is not subprocess.DEVNULL:
                stderr.close()          # the child holds its own copy
        self.pid = self._proc.pid
        _live.add(self)
        self._reader = threading.Thread(target=self._read_events, name=f"phone-{user}-events", daemon=True)
        self._reader.start()
        try:
            ready = self.wait("ready", timeout=start_timeout)
        except BaseException:
            self.close(timeout=1.0)
            raise
        self.sip_port = int(ready["sip_port"])

    # ------------------------------------------------------------------ addresses

    @property
    def address(self) -> str:
        """host:port of this phone's SIP transport."""
        return f"{self.bind}:{self.sip_port}"

    @property
    def uri(self) -> str:
        """A URI that reaches this phone directly (no PBX)."""
        suffix = ";transport=tcp" if self.transport == "tcp" else ""
        return f"sip:{self.user}@{self.address}{suffix}"

    # ------------------------------------------------------------------ events

    def _read_events(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                ev = {"event": "garbage", "t": time.monotonic(), "text": line}
            with self._cond:
                self._events.append(ev)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()   # process ended: wake waiters so they fail at once

    @property
    def events(self) -> list[Event]:
        """Every event received so far (a copy), in arrival order."""
        with self._cond:
            return list(self._events)

    def wait(self, kind: str, timeout: float = DEFAULT_TIMEOUT, **match: Any) -> Event:
        """The next event of `kind` whose fields equal `match`, not returned by an earlier wait.
        Raises AssertionError (listing the events seen) if none arrives within `timeout` seconds
        or the process ends first."""

        def wanted(ev: Event) -> bool:
            return ev.get("event") == kind and all(ev.get(k) == v for k, v in match.items())

        return self._wait_for(wanted, timeout, describe=_describe(kind, match))

    def _wait_for(self, wanted: Callable[[Event], bool], timeout: float, describe: str) -> Event:
        deadline = time.monotonic() + timeout
        with self._cond:
            scanned = 0
            while True:
                for i in range(scanned, len(self._events)):
                    if i not in self._taken and wanted(self._events[i]):
                        self._taken.add(i)
                        return self._events[i]
                # Earlier events were all rejected; only look at new ones next time. (A taken event
                # never becomes available again, so skipping scanned ones is safe.)
                scanned = len(self._events)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        self._failure(f"timed out after {timeout:g} s waiting for {describe}"))
                if not self._reader.is_alive():
                    try:
                        code: int | None = self._proc.wait(timeout=1.0)   # stdout closes just before exit
                    except subprocess.TimeoutExpired:
                        code = None
                    raise AssertionError(self._failure(
                        f"phone process ended (exit code {code}) while waiting for {describe}"))
                self._cond.wait(min(remaining, 0.2))

    def last(self, kind: str, **match: Any) -> Event | None:
        """The most recent event of `kind` matching `match`, consumed by a wait or not (a look,
        not a wait: it never blocks and does not consume)."""
        with self._cond:
            for ev in reversed(self._events):
                if ev.get("event") == kind and all(ev.get(k) == v for k, v in match.items()):
                    return ev
        return None

    def expect_no(self, kind: str, within: float, **match: Any) -> None:
        """Assert that no (untaken) event of `kind` matching `match` arrives within `within` seconds.
        Only for absence checks; a bound on how long something takes is never asserted."""
        try:
            ev = self.wait(kind, timeout=within, **match)
        except AssertionError:
            return
        raise AssertionError(self._failure(f"unexpected event {ev}"))

    def _failure(self, headline: str) -> str:
        with self._cond:
            seen = [
                ("  " if i in self._taken else "* ") + json.dumps(ev) for i, ev in enumerate(self._events)
            ]
        lines = [f"phone {self.user!r} (pid {self.pid}, {self.address}): {headline}",
                 "events received (* = not yet consumed by a wait):", *(seen or ["  (none)"])]
        tail = self._stderr_tail()
        if tail:
            lines += ["stderr tail:", tail]
        if self.record_dir is not None:
            lines.append(f"pjsua log: {self.record_dir / 'pjsua.log'}")
        return "\n".join(lines)

    def _stderr_tail(self, max_bytes: int = 2000) -> str:
        if self.stderr_path is None or not self.stderr_path.exists():
            return ""
        data = self.stderr_path.read_bytes()[-max_bytes:]
        return data.decode("utf-8", "replace").strip()

    # ------------------------------------------------------------------ commands

    def command(self, cmd: str, /, *, reply_timeout: float = DEFAULT_TIMEOUT, **args: Any) -> Event:
        """Send one command (`args` are its fields) and wait for its acknowledgement (`done`);
        an `error` reply raises AssertionError."""
        if self._closed:
            raise AssertionError(f"phone {self.user!r} is closed")
        cmd_id = next(self._ids)
        self._send({"cmd": cmd, "id": cmd_id, **args})

        def reply(ev: Event) -> bool:
            return ev.get("id") == cmd_id and ev.get("event") in ("done", "error")

        ev = self._wait_for(reply, reply_timeout, describe=f"the reply to {cmd} {args}")
        if ev["event"] == "error":
            raise AssertionError(self._failure(f"{cmd} {args} failed: {ev.get('message')}"))
        return ev

    def _send(self, msg: Mapping[str, Any]) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps(msg) + "\n")
            stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise AssertionError(self._failure(f"cannot send {msg}: process gone ({exc})")) from exc

    def register(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """REGISTER and return the final status code. If no final answer comes within `timeout`
        (e.g. the PBX is down, on UDP), the phone reports 408 itself; TCP refusal gives 503."""
        return int(self._registration("register", timeout)["code"])

    def unregister(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """REGISTER with expiry 0; returns the final status code (408 if unanswered in `timeout`)."""
        return int(self._registration("unregister", timeout)["code"])

    def _registration(self, cmd: str, timeout: float) -> Event:
        ack = self.command(cmd, timeout=timeout)     # the phone itself enforces this timeout
        return self.wait("registered", timeout=timeout + REPORT_SLACK, attempt=ack["attempt"])

    def call(self, target: str, headers: dict[str, str] | None = None) -> int:
        """Dial `target` (a bare number goes to sip:NUMBER@registrar; 'user@host' or a SIP URI is
        used as given), with extra `headers` in the INVITE. Returns the call number used in
        events and other commands."""
        extra = {"headers": headers} if headers else {}
        return int(self.command("call", target=target, **extra)["call"])

    def answer(self, code: int = 200, call: int | None = None) -> int:
        """Answer (180/183/200) `call`, default the oldest incoming call not yet answered."""
        return int(self.command("answer", code=code, **_call_arg(call))["call"])

    def reject(self, code: int = 486, call: int | None = None) -> int:
        """Send a final error response to `call`, default the oldest unanswered incoming call."""
        return int(self.command("reject", code=code, **_call_arg(call))["call"])

    def hangup(self, call: int | None = None) -> int:
        """BYE (or CANCEL before an answer) on `call`, default the newest live call."""
        return int(self.command("hangup", **_call_arg(call))["call"])

    def dtmf(self, digits: str, call: int | None = None) -> int:
        """Send RFC 2833 digits on `call`, default the newest call with media."""
        return int(self.command("dtmf", digits=digits, **_call_arg(call))["call"])

    def watch(self, target: str) -> None:
        """A busy lamp key for `target`; its states arrive as `lamp` events (target, state)."""
        self.command("watch", target=target)

    def lamp(self, target: str, state: str, timeout: float = DEFAULT_TIMEOUT) -> Event:
        """Wait until the lamp for `target` shows `state` (idle, ringing, busy, held)."""
        return self.wait("lamp", timeout=timeout, target=target, state=state)

    def hold(self, call: int | None = None) -> int:
        return int(self.command("hold", **_call_arg(call))["call"])

    def resume(self, call: int | None = None) -> int:
        return int(self.command("resume", **_call_arg(call))["call"])

    def transfer(self, target: str, call: int | None = None) -> int:
        """Blind transfer (REFER) of the call's far end to `target`."""
        return int(self.command("transfer", target=target, **_call_arg(call))["call"])

    def transfer_to_call(self, other: int, call: int | None = None) -> int:
        """Attended transfer (REFER with Replaces): join `call`'s far end with call `other`'s."""
        return int(self.command("transfer_to_call", other=other, **_call_arg(call))["call"])

    def play_file(self, path: str | os.PathLike[str], call: int | None = None, *, loop: bool = False,
                  keep_tone: bool = False) -> int:
        """Send a WAV file (16-bit mono) into `call`, default the newest call with media, in place of the
        phone's tone (or on top of it with `keep_tone`). `file_done {call, path}` follows once the file
        has been sent (never with `loop`). The tone stays off until stop_file()."""
        return int(self.command("play_file", path=str(Path(path).resolve()), loop=loop, keep_tone=keep_tone,
                                **_call_arg(call))["call"])

    def stop_file(self, call: int | None = None) -> int:
        """Stop the file on `call` (default the newest call playing one) and give it its tone back."""
        return int(self.command("stop_file", **_call_arg(call))["call"])

    def recording(self, call: int | None = None) -> Path:
        """The WAV of what this phone received in `call` (default: the last disconnected call that
        had media). Complete once `disconnected` has been reported for that call; a call this
        phone has just hung up is waited for (see _settle_hangups)."""
        self._settle_hangups()
        done = [ev for ev in self.events if ev.get("event") == "disconnected"]
        if call is not None:
            done = [ev for ev in done if ev.get("call") == call]
        done = [ev for ev in done if ev.get("recording")]
        if not done:
            which = f"call {call}" if call is not None else "any call"
            raise AssertionError(self._failure(
                f"no recording for {which}: needs record_dir, media, and a `disconnected` event first"))
        return Path(done[-1]["recording"])

    def _settle_hangups(self, timeout: float = HANGUP_SETTLE_SECONDS) -> None:
        """A call this phone hung up reports `disconnected` (once its recording is complete) a
        moment after the `hangup` command is done. Wait for that, without consuming the event, so
        that a recording read right after hangup() is the whole call."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                hung = {ev.get("call") for ev in self._events
                        if ev.get("event") == "done" and ev.get("cmd") == "hangup"}
                ended = {ev.get("call") for ev in self._events if ev.get("event") == "disconnected"}
                if not hung - ended or time.monotonic() >= deadline or not self._reader.is_alive():
                    return
                self._cond.wait(0.2)

    # ------------------------------------------------------------------ lifetime

    @property
    def running(self) -> bool:
        return self._proc.poll() is None

    def request_quit(self) -> None:
        """Ask the process to quit without waiting; close() then collects it. Lets several phones
        shut down in parallel."""
        if not self._closed and not self._quit_sent and self._proc.poll() is None:
            self._quit_sent = True
            with contextlib.suppress(AssertionError):     # already gone: close() will reap it
                self._send({"cmd": "quit"})

    def close(self, timeout: float = QUIT_TIMEOUT) -> int | None:
        """Ask the phone to quit (hang up, unregister), kill it by PID if it does not exit within
        `timeout`. Returns the exit code. Safe to call more than once."""
        if self._closed:
            return self._proc.returncode
        self.request_quit()
        self._closed = True
        _live.discard(self)
        if self._proc.poll() is None:
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=QUIT_TIMEOUT)
        if self._proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ValueError):
                self._proc.stdin.close()
        self._reader.join(timeout=QUIT_TIMEOUT)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        return self._proc.returncode

    def __enter__(self) -> Phone:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Phone {self.user} {self.address} pid={self.pid}>"


def _call_arg(call: int | None) -> dict[str, int]:
    return {} if call is None else {"call": call}


def _describe(kind: str, match: Mapping[str, Any]) -> str:
    if not match:
        return repr(kind)
    return f"{kind!r} with " + ", ".join(f"{k}={v!r}" for k, v in match.items())
