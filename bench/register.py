"""Registering the callee extensions, their Contact pointing at the SIPp UAS.

SIPp 3.6 cannot take `[authentication]` credentials from an injection file
(a nested `[field0]` leaves the keyword unparsed; SIPp issue #640), so the bench
registers the callees itself: one UDP REGISTER per extension, answered 401,
repeated with an MD5 digest (RFC 2617, with or without qop=auth).
"""
from __future__ import annotations

import hashlib
import re
import secrets
import socket
import time
from dataclasses import dataclass

_CHALLENGE_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')


class RegisterError(RuntimeError):
    """A callee could not be registered; the message has the registrar's answer."""


@dataclass(frozen=True)
class Account:
    user: str
    password: str


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_header(user: str, password: str, challenge: str, method: str, uri: str) -> str:
    """An Authorization header value answering a `WWW-Authenticate: Digest ...` challenge."""
    params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
              for m in _CHALLENGE_PARAM.finditer(challenge)}
    realm, nonce = params.get("realm", ""), params.get("nonce", "")
    ha1 = _md5(f"{user}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"', "algorithm=MD5"]
    qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
    if "auth" in qops:
        cnonce, nc = secrets.token_hex(8), "00000001"
        response = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
    else:
        response = _md5(f"{ha1}:{nonce}:{ha2}")
    fields.append(f'response="{response}"')
    if "opaque" in params:
        fields.append(f'opaque="{params["opaque"]}"')
    return "Digest " + ", ".join(fields)


def _header(message: str, name: str) -> str | None:
    for line in message.split("\r\n")[1:]:
        if not line:
            break
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def _status(message: str) -> int:
    parts = message.split(" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[0] == "SIP/2.0" and parts[1].isdigit() else 0


class _Registrar:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.local_port = int(self.sock.getsockname()[1])

    def close(self) -> None:
        self.sock.close()

    def transact(self, request: str, call_id: str, cseq: int) -> str:
        """Send, retransmitting every 0.5 s, until a final answer for this CSeq arrives."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            self.sock.sendto(request.encode(), (self.host, self.port))
            resend_at = time.monotonic() + 0.5
            while (left := min(resend_at, deadline) - time.monotonic()) > 0:
                self.sock.settimeout(left)
                try:
                    data = self.sock.recv(65535).decode(errors="replace")
                except TimeoutError:
                    break
                if _header(data, "Call-ID") != call_id or _header(data, "CSeq") != f"{cseq} REGISTER":
                    continue
                if _status(data) >= 200:
                    return data
        raise RegisterError(f"no final answer to REGISTER from {self.host}:{self.port} within {self.timeout:.0f} s")

    def request(self, account: Account, contact: str, call_id: str, tag: str, cseq: int,
                authorization: str | None, expires: int) -> str:
        uri = f"sip:{self.host}:{self.port}"
        lines = [
            f"REGISTER {uri} SIP/2.0",
            f"Via: SIP/2.0/UDP {self.host}:{self.local_port};rport;branch=z9hG4bK{secrets.token_hex(8)}",
            f"From: <sip:{account.user}@{self.host}>;tag={tag}",
            f"To: <sip:{account.user}@{self.host}>",
            f"Call-ID: {call_id}",
            f"CSeq: {cseq} REGISTER",
            f"Contact: <{contact}>",
            f"Expires: {expires}",
            "Max-Forwards: 70",
            "User-Agent: minipbx-bench",
        ]
        if authorization:
            lines.append(f"Authorization: {authorization}")
        return "\r\n".join([*lines, "Content-Length: 0", "", ""])


def register_all(host: str, port: int, accounts: list[Account], contact_host: str, contact_port: int,
                 *, expires: int = 3600, timeout: float = 5.0) -> None:
    """Register every account with Contact sip:USER@contact_host:contact_port."""
    registrar = _Registrar(host, port, timeout)
    try:
        for account in accounts:
            contact = f"sip:{account.user}@{contact_host}:{contact_port}"
            call_id, tag = f"{secrets.token_hex(10)}@{host}", secrets.token_hex(6)
            answer = registrar.transact(registrar.request(account, contact, call_id, tag, 1, None, expires),
                                        call_id, 1)
            if _status(answer) == 401:
                challenge = _header(answer, "WWW-Authenticate") or ""
                auth = digest_header(account.user, account.password, challenge, "REGISTER", f"sip:{host}:{port}")
                answer = registrar.transact(registrar.request(account, contact, call_id, tag, 2, auth, expires),
                                            call_id, 2)
            if _status(answer) != 200:
                raise RegisterError(f"REGISTER {account.user} at {host}:{port} answered: "
                                    f"{answer.splitlines()[0] if answer else 'nothing'}")
    finally:
        registrar.close()
