"""A minimal SIP registrar over UDP, only to prove the phone's REGISTER path (digest auth, expiry,
un-REGISTER) without the PBX. pjsua2 itself cannot act as a registrar (it drops REGISTER).

Answers REGISTER without credentials with 401 (Digest, MD5, no qop), with correct credentials with
200 (echoing the Contact and its expiry), with wrong ones with 403. Anything else gets 405.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from types import TracebackType

REALM = "minipbx-test"
NONCE = "5a7e5a7e5a7e"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _headers(message: str) -> list[tuple[str, str]]:
    head = message.split("\r\n\r\n", 1)[0].split("\r\n")[1:]
    out = []
    for line in head:
        name, sep, value = line.partition(":")
        if sep:
            out.append((name.strip(), value.strip()))
    return out


def _first(headers: list[tuple[str, str]], *names: str) -> str:
    wanted = {n.lower() for n in names}
    return next((v for n, v in headers if n.lower() in wanted), "")


class FakeRegistrar:
    def __init__(self, users: dict[str, str], host: str = "127.0.0.1") -> None:
        self.users = users
        self.requests: list[str] = []       # every request received, raw
        self.bindings: dict[str, int] = {}  # user -> granted expiry of the last successful REGISTER
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        self._sock.settimeout(0.1)
        bound_host, bound_port = self._sock.getsockname()
        self.address = f"{bound_host}:{bound_port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-registrar", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            message = data.decode("utf-8", "replace")
            if not message.strip() or message.startswith("SIP/2.0"):
                continue                    # keep-alives, stray responses
            self.requests.append(message)
            self._sock.sendto(self._respond(message).encode(), peer)

    def _respond(self, message: str) -> str:
        method = message.split(" ", 1)[0]
        headers = _headers(message)
        if method != "REGISTER":
            return self._reply(headers, "405 Method Not Allowed", [("Allow", "REGISTER")])
        auth = _first(headers, "Authorization")
        if not auth:
            return self._reply(headers, "401 Unauthorized", [
                ("WWW-Authenticate", f'Digest realm="{REALM}", nonce="{NONCE}", algorithm=MD5')])
        params = {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', auth)}
        user = params.get("username", "")
        password = self.users.get(user)
        if password is None:
            return self._reply(headers, "403 Forbidden", [])
        ha1 = _md5(f"{user}:{REALM}:{password}")
        ha2 = _md5(f"REGISTER:{params.get('uri', '')}")
        if params.get("response") != _md5(f"{ha1}:{params.get('nonce', '')}:{ha2}"):
            return self._reply(headers, "403 Forbidden", [])
        contact = _first(headers, "Contact", "m")
        m = re.search(r";\s*expires=(\d+)", contact)
        expires = int(m.group(1)) if m else int(_first(headers, "Expires") or "3600")
        contact_uri = contact.split(";expires=")[0] if contact else ""
        extra = [("Expires", str(expires))]
        if expires > 0:
            self.bindings[user] = expires
            extra.append(("Contact", f"{contact_uri};expires={expires}"))
        else:
            self.bindings.pop(user, None)
        return self._reply(headers, "200 OK", extra)

    @staticmethod
    def _reply(headers: list[tuple[str, str]], status: str, extra: list[tuple[str, str]]) -> str:
        lines = [f"SIP/2.0 {status}"]
        for name, value in headers:
            key = name.lower()
            if key in ("via", "v", "from", "f", "call-id", "i", "cseq"):
                lines.append(f"{name}: {value}")
            elif key in ("to", "t"):
                lines.append(f"{name}: {value}" + ("" if ";tag=" in value else ";tag=fakereg"))
        lines += [f"{n}: {v}" for n, v in extra]
        lines += ["Content-Length: 0", "", ""]
        return "\r\n".join(lines)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self._sock.close()

    def __enter__(self) -> FakeRegistrar:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
