"""Asking an external CRM which employee looks after a caller: one HTTP GET.

The URL is configured with `{number}` where the caller's number goes
(URL-encoded, so `+4930...` is sent as `%2B4930...`). The CRM answers 200 with
JSON `{"extension": "101"}` (or `{"ext": 101}`) or a plain-text body holding just
the extension number. Anything else is no answer, with the reason in words.

The request is HTTP/1.1 over asyncio streams (TLS for https), bounded as a whole
- name lookup, connect, TLS, request and answer - by the timeout: a slow CRM
delays the caller by at most that. Redirects are not followed. User and
password in the URL (`https://user:pw@crm/...`) are sent as Basic auth.
"""
from __future__ import annotations

import asyncio
import base64
import json
import re
import ssl
from urllib.parse import quote, unquote, urlsplit

# An answer is an extension number; a body bigger than this is not an answer.
MAX_BODY = 16 * 1024
_EXTENSION = re.compile(r"[0-9]{1,10}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class CrmError(Exception):
    """The CRM gave no usable answer; the message says why in words."""


def public_url(url: str) -> str:
    """The URL for logs and lists: scheme, host and path, without user, password or query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def lookup_url(template: str, number: str) -> str:
    return template.replace("{number}", quote(number, safe=""))


async def ask_crm(template: str, number: str, timeout_ms: int) -> str:
    """The extension number the CRM names for `number`, or CrmError."""
    url = lookup_url(template, number)
    try:
        status, reason, content_type, body = await asyncio.wait_for(_get(url), timeout_ms / 1000)
    except TimeoutError:
        raise CrmError(f"no answer within {timeout_ms} ms") from None
    except asyncio.IncompleteReadError:
        raise CrmError("the answer was cut short") from None
    except OSError as exc:
        raise CrmError(f"cannot reach it ({exc.__class__.__name__}: {exc})") from None
    except ValueError as exc:  # a line longer than MAX_BODY, a host name that cannot be encoded
        raise CrmError(f"unusable answer ({exc})") from None
    if status != 200:
        raise CrmError(f"answered {status} {reason}".rstrip())
    return parse_answer(content_type, body)


def parse_answer(content_type: str, body: bytes) -> str:
    """The extension number in a CRM's answer body, or CrmError saying what is wrong with it."""
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CrmError("the answer is not UTF-8 text") from None
    if not text:
        raise CrmError("the answer is empty (the CRM knows nobody)")
    if _EXTENSION.fullmatch(text):
        return text
    if "json" in content_type.lower() or text[:1] in "{[":
        try:
            answer = json.loads(text)
        except ValueError:
            raise CrmError(f"the answer is not valid JSON: {_preview(text)}") from None
        if not isinstance(answer, dict):
            raise CrmError(f"the answer is not a JSON object: {_preview(text)}")
        value = answer.get("extension", answer.get("ext"))
        if value is None or value == "":
            raise CrmError(f'the answer names no "extension" or "ext": {_preview(text)}')
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not _EXTENSION.fullmatch(value.strip()):
            raise CrmError(f"the answer's extension {value!r} is not an extension number")
        return value.strip()
    raise CrmError(f'the answer is neither JSON {{"extension": ...}} nor a plain number: {_preview(text)}')


def _preview(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


async def _get(url: str) -> tuple[int, str, str, bytes]:
    """GET `url`: (status, reason, content type, body). No timeout of its own."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in _DEFAULT_PORTS or not host:
        raise CrmError(f"{public_url(url)} is not an http or https URL with a host")
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    tls = ssl.create_default_context() if parts.scheme == "https" else None
    reader, writer = await asyncio.open_connection(host, port, ssl=tls, server_hostname=host if tls else None,
                                                   limit=MAX_BODY)
    try:
        host_header = f"[{host}]" if ":" in host else host
        if parts.port and parts.port != _DEFAULT_PORTS[parts.scheme]:
            host_header += f":{parts.port}"
        lines = [
            f"GET {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1",
            f"Host: {host_header}",
            "User-Agent: minipbx-icm",
            "Accept: application/json, text/plain;q=0.9",
            "Connection: close",
        ]
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            lines.append("Authorization: Basic " + base64.b64encode(credentials).decode("ascii"))
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
        await writer.drain()
        status, reason = _status_line(await reader.readline())
        headers: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise asyncio.IncompleteReadError(line, None)
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise CrmError(f"the answer has a malformed header line {_preview(line.decode('latin-1'))}")
            headers[name.strip().lower()] = value.strip()
        if status != 200:
            return status, reason, headers.get("content-type", ""), b""
        return status, reason, headers.get("content-type", ""), await _body(reader, headers)
    finally:
        writer.close()


def _status_line(line: bytes) -> tuple[int, str]:
    match = re.fullmatch(rb"HTTP/1\.[01] ([0-9]{3})(?: (.*))?\r?\n", line)
    if match is None:
        raise CrmError(f"the answer is not HTTP: {_preview(line.decode('latin-1'))}")
    return int(match.group(1)), (match.group(2) or b"").decode("latin-1").strip()


async def _body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = b""
        while True:
            size_line = (await reader.readline()).split(b";")[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise CrmError("the answer's chunked body is malformed") from None
            if size == 0:
                return body
            if len(body) + size > MAX_BODY:
                raise CrmError(f"the answer is longer than {MAX_BODY} bytes")
            body += await reader.readexactly(size)
            await reader.readline()
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise CrmError(f"the answer's Content-Length {length!r} is not a number")
        if int(length) > MAX_BODY:
            raise CrmError(f"the answer is longer than {MAX_BODY} bytes")
        return await reader.readexactly(int(length))
    body = await reader.read(MAX_BODY + 1)
    while len(body) <= MAX_BODY:
        more = await reader.read(MAX_BODY + 1 - len(body))
        if not more:
            return body
        body += more
    raise CrmError(f"the answer is longer than {MAX_BODY} bytes")
