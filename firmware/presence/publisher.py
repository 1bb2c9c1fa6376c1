"""PUBLISH (RFC 3903) from the brain to the edge's presence module, over loopback UDP.

Kamailio's own publishing client (pua_rpc) answers only on RPC transports with delayed
replies, which the control socket the brain uses (ctl/binrpc) has not; and it needs a
database of its own. The brain is the only publisher of its lamps, so it is a small
client here: one request at a time per lamp, RFC 3261 retransmission over UDP, the
SIP-ETag kept so that each change replaces the last (SIP-If-Match), 412 answered by a
fresh publication.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from dataclasses import dataclass

from firmware.presence.dialog_info import CONTENT_TYPE

log = logging.getLogger("minipbx.presence")

# RFC 3261 timer T1 and timer F for a request over UDP (loopback: losses are rare).
_T1 = 0.5
_TIMEOUT = 8.0
KEY_HEADER = "X-Minipbx-Publish-Key"


class PublishError(RuntimeError):
    """The edge did not take a publication; the message says what it answered."""


class EtagUnknown(PublishError):
    """412: the edge has no publication with that ETag (it restarted, or it expired)."""


@dataclass(frozen=True)
class Published:
    etag: str
    expires: int


class _Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.waiting: dict[str, asyncio.Future[str]] = {}

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        text = data.decode(errors="replace")
        branch = re.search(r"^Via:[^\r\n]*;branch=([^;\r\n]+)", text, re.MULTILINE | re.IGNORECASE)
        if not text.startswith("SIP/2.0 ") or branch is None:
            return
        future = self.waiting.get(branch.group(1).strip())
        code = text.split(" ", 2)[1]
        if future is not None and not future.done() and not code.startswith("1"):
            future.set_result(text)


def _header(reply: str, name: str) -> str:
    found = re.search(rf"^{re.escape(name)}\s*:\s*([^\r\n]*)", reply, re.MULTILINE | re.IGNORECASE)
    return found.group(1).strip() if found else ""


class Publisher:
    """PUBLISH Event: dialog for `user@realm` to the edge at `edge_host:edge_port`, from a
    socket on `edge_host` (the edge takes PUBLISH only from its loopback address, with
    `key`)."""

    def __init__(self, edge_host: str, edge_port: int, realm: str, key: str) -> None:
        self.edge = (edge_host, edge_port)
        self.realm = realm
        self.key = key
        self._transport: asyncio.DatagramTransport | None = None
        self._client = _Client()
        self._cseq = 0
        self._call_id = f"{secrets.token_hex(10)}@minipbx"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(lambda: self._client, local_addr=(self.edge[0], 0))

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    async def publish(self, user: str, body: str, expires: int, etag: str = "") -> Published:
        """Publish `body` for `user` (replacing the publication `etag` names, if any); with
        expires 0, withdraw it. Raises EtagUnknown on 412, PublishError otherwise."""
        if self._transport is None:
            raise PublishError("the lamp publisher is not started")
        self._cseq += 1
        branch = f"z9hG4bK{secrets.token_hex(8)}"
        host, port = self._transport.get_extra_info("sockname")[:2]
        payload = body.encode()
        head = (f"PUBLISH sip:{user}@{self.realm} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {host}:{port};branch={branch};rport\r\n"
                "Max-Forwards: 70\r\n"
                f"From: <sip:blf@{self.realm}>;tag={secrets.token_hex(4)}\r\n"
                f"To: <sip:{user}@{self.realm}>\r\n"
                f"Call-ID: {self._call_id}\r\n"
                f"CSeq: {self._cseq} PUBLISH\r\n"
                "Event: dialog\r\n"
                f"Expires: {expires}\r\n"
                + (f"SIP-If-Match: {etag}\r\n" if etag else "")
                + f"{KEY_HEADER}: {self.key}\r\n"
                + (f"Content-Type: {CONTENT_TYPE}\r\n" if payload else "")
                + f"Content-Length: {len(payload)}\r\n\r\n")
        message = head.encode() + payload
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._client.waiting[branch] = future
        try:
            reply = await self._exchange(message, future)
        finally:
            self._client.waiting.pop(branch, None)
        code = int(reply.split(" ", 2)[1])
        if code == 412:
            raise EtagUnknown(f"the edge has no lamp publication {etag!r} for {user}")
        if code != 200:
            raise PublishError(f"the edge answered {reply.splitlines()[0][8:]} to the lamp of {user}")
        got = _header(reply, "SIP-ETag")
        if not got and expires:
            raise PublishError(f"the edge accepted the lamp of {user} without a SIP-ETag")
        try:
            granted = int(_header(reply, "Expires") or expires)
        except ValueError:
            granted = expires
        return Published(got, granted)

    async def _exchange(self, message: bytes, future: asyncio.Future[str]) -> str:
        assert self._transport is not None
        interval, waited = _T1, 0.0
        while waited < _TIMEOUT:
            self._transport.sendto(message, self.edge)
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(future), interval)
            waited += interval
            interval = min(interval * 2, 4.0)
        future.cancel()
        raise PublishError(f"the edge at {self.edge[0]}:{self.edge[1]} did not answer a PUBLISH "
                           f"within {_TIMEOUT:.0f} s")
