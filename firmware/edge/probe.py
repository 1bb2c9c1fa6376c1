"""A SIP OPTIONS ping: how the brain knows the edge answers."""
from __future__ import annotations

import asyncio
import secrets


class _Pong(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.reply: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        if not self.reply.done():
            self.reply.set_result(data.decode(errors="replace").split("\r\n", 1)[0])


async def options_ping(host: str, port: int, timeout: float = 0.5) -> str | None:
    """Send one OPTIONS; return the status line, or None if nothing came back."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(_Pong, local_addr=("127.0.0.1", 0))
    try:
        local_port = transport.get_extra_info("sockname")[1]
        tag = secrets.token_hex(6)
        message = (
            f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{local_port};branch=z9hG4bK{tag};rport\r\n"
            f"From: <sip:health@127.0.0.1>;tag={tag}\r\n"
            f"To: <sip:{host}:{port}>\r\n"
            f"Call-ID: health-{tag}\r\n"
            "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nUser-Agent: minipbx-health\r\nContent-Length: 0\r\n\r\n"
        )
        transport.sendto(message.encode(), (host, port))
        try:
            return await asyncio.wait_for(protocol.reply, timeout)
        except TimeoutError:
            return None
    finally:
        transport.close()
