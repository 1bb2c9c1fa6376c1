"""Waking a pjsua2 main loop that sleeps in libHandleEvents() when work arrives from outside pjlib.

A pjsua2 process has one thread that may call pjsua2 (`threadCnt = 0`): it blocks in
`libHandleEvents(timeout)`, which wakes for SIP, RTP and pjsip timers but not for a
socket pjlib does not watch (the brain's commands, the line host's messages). Polling
every 10 ms for those cost each idle process 100 wake-ups a second and ~1 % of a core.

Instead a reader thread, which never touches pjsua2, blocks on that socket, hands what
arrives to the main thread through a queue, and sends a CRLF datagram to the process's
own SIP UDP transport. pjsip drops a packet of only CRLF without a word (it is the NAT
keep-alive phones send), but receiving it ends the main thread's libHandleEvents() at once.
"""
from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections import deque
from collections.abc import Callable

# RFC 5626's keep-alive: pjsip skips leading CRLF and drops a packet that is nothing else.
KEEPALIVE = b"\r\n\r\n"


class Waker:
    """Ends the main loop's libHandleEvents() wait, from any thread, without touching pjsua2."""

    def __init__(self, sip_host: str, sip_port: int) -> None:
        family = socket.AF_INET6 if ":" in sip_host else socket.AF_INET
        self.target = (sip_host, sip_port)
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        # One datagram already queued wakes the loop; more while it sleeps add nothing.
        self._armed = threading.Event()

    def wake(self) -> None:
        if self._armed.is_set():
            return
        self._armed.set()
        with contextlib.suppress(OSError):  # a full buffer means a wake-up is already on its way
            self.sock.sendto(KEEPALIVE, self.target)

    def woken(self) -> None:
        """From the main loop after each pass: the next arrival needs a new datagram."""
        self._armed.clear()

    def close(self) -> None:
        self.sock.close()


class SocketReader:
    """A thread that reads a stream socket into a queue of chunks (b"" at its end) and wakes the loop."""

    def __init__(self, sock: socket.socket, waker: Waker, name: str) -> None:
        self.sock = sock
        self.waker = waker
        self.chunks: deque[bytes] = deque()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        # The socket stays non-blocking for the main thread's sends (O_NONBLOCK is shared by
        # every user of the descriptor), so this thread waits in poll() and reads what is there.
        poller = select.poll()
        poller.register(self.sock.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            try:
                poller.poll()
                chunk = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            self.chunks.append(chunk)
            self.waker.wake()
            if not chunk:
                return

    def drain(self, into: Callable[[bytes], None]) -> None:
        """Hand every chunk read so far to `into`, in order (b"" when the peer closed)."""
        while self.chunks:
            into(self.chunks.popleft())
