"""A bare SIP client over UDP for edge tests: exact requests, raw replies."""
from __future__ import annotations

import hashlib
import re
import secrets
import socket


class RawSip:
    def __init__(self, bind: str, server: tuple[str, int]) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((bind, 0))
        self.bind, self.port = self.sock.getsockname()
        self.server = server

    def close(self) -> None:
        self.sock.close()

    def request(self, method: str, user: str, *, extra: str = "", user_agent: str = "test-phone",
                cseq: int = 1, call_id: str | None = None, target: str | None = None) -> str:
        """`target`: whom the request is for (default: `user` itself)."""
        tag = secrets.token_hex(4)
        host = f"{self.server[0]}:{self.server[1]}"
        to = target or user
        ruri = f"sip:{host}" if method in ("REGISTER", "OPTIONS") else f"sip:{to}@{host}"
        return (
            f"{method} {ruri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {self.bind}:{self.port};branch=z9hG4bK{secrets.token_hex(6)};rport\r\n"
            f"From: <sip:{user}@{host}>;tag={tag}\r\n"
            f"To: <sip:{to}@{host}>\r\n"
            f"Call-ID: {call_id or secrets.token_hex(8)}\r\n"
            f"CSeq: {cseq} {method}\r\n"
            f"Contact: <sip:{user}@{self.bind}:{self.port}>\r\n"
            f"Max-Forwards: 70\r\nUser-Agent: {user_agent}\r\n{extra}Content-Length: 0\r\n\r\n"
        )

    def send(self, message: str | bytes, timeout: float = 1.0) -> str | None:
        """Send; return the first final-or-provisional reply (not 100), or None if none came back."""
        self.sock.settimeout(timeout)
        self.sock.sendto(message.encode() if isinstance(message, str) else message, self.server)
        try:
            while True:
                data = self.sock.recv(65536).decode(errors="replace")
                # Requests to us (the NOTIFY after a SUBSCRIBE) are not the reply.
                if data.startswith("SIP/2.0 ") and not data.startswith("SIP/2.0 100"):
                    return data
        except TimeoutError:
            return None

    def register_with(self, user: str, password: str, realm: str = "minipbx") -> str | None:
        """REGISTER, answer the challenge with these credentials; the final reply."""
        call_id = secrets.token_hex(8)
        challenge = self.send(self.request("REGISTER", user, call_id=call_id))
        if challenge is None:
            return None
        uri = f"sip:{self.server[0]}:{self.server[1]}"
        auth = digest_answer("Authorization", challenge, "REGISTER", uri, user, password, realm)
        return self.send(self.request("REGISTER", user, extra=auth, cseq=2, call_id=call_id))


    def subscribe_with(self, user: str, password: str, target: str, event: str = "dialog",
                       realm: str = "minipbx", extra: str = "") -> str | None:
        """SUBSCRIBE to `target`, answer a 407 challenge with these credentials; the final reply
        (or the first one, when it is not a challenge)."""
        call_id = secrets.token_hex(8)
        headers = f"Event: {event}\r\nAccept: application/dialog-info+xml\r\nExpires: 600\r\n{extra}"
        first = self.send(self.request("SUBSCRIBE", user, call_id=call_id, target=target, extra=headers))
        if first is None or status_code(first) != 407:
            return first
        uri = f"sip:{target}@{self.server[0]}:{self.server[1]}"
        auth = digest_answer("Proxy-Authorization", first, "SUBSCRIBE", uri, user, password, realm)
        return self.send(self.request("SUBSCRIBE", user, call_id=call_id, target=target, cseq=2,
                                      extra=headers + auth))


def digest_answer(header: str, challenge: str, method: str, uri: str, user: str, password: str, realm: str) -> str:
    """The digest (RFC 2617, MD5, no qop) answering `challenge`, as a header line."""
    nonce = re.search(r'nonce="([^"]+)"', challenge)
    assert nonce, challenge
    ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    response = hashlib.md5(f"{ha1}:{nonce.group(1)}:{ha2}".encode()).hexdigest()
    return (f'{header}: Digest username="{user}", realm="{realm}", nonce="{nonce.group(1)}", '
            f'uri="{uri}", response="{response}", algorithm=MD5\r\n')


def status_code(reply: str | None) -> int | None:
    return int(reply.split()[1]) if reply else None


def header_names(reply: str) -> list[str]:
    head = reply.split("\r\n\r\n", 1)[0].split("\r\n")[1:]
    return sorted(line.split(":", 1)[0].lower() for line in head)
