"""The LDAP conversation, through ldap3: connect, secure, bind, search in pages.

Every failure a person can cause or fix becomes one DirectoryError whose `kind` names it
(unreachable, tls, bind, filter, base, size_limit, server) and whose message says what to
check. The bind password never appears in a message.

A search that does not come back whole (the server's size limit cut it short) is an error,
not a short answer: the sync must never take "fewer entries" for "people left".
"""
from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from firmware.directory.config import DirectoryConfig, require_server
from firmware.directory.mapping import Entry, normal_dn

if TYPE_CHECKING:
    import ldap3
# ldap3 (5 MiB) is imported by the functions that talk to a directory, not here: the brain and
# the HTTP API import this module for its errors and schedule, and most offices have no directory.

_PAGED_RESULTS = "1.2.840.113556.1.4.319"
# ldap3 returns these result codes instead of raising them, with the entries sent so far.
_TIME_LIMIT_EXCEEDED, _SIZE_LIMIT_EXCEEDED = 3, 4
# What ldap3 raises while decoding bytes that are not LDAP (a web server on the port, a proxy).
_NOT_LDAP = (KeyError, IndexError, ValueError, TypeError)


class DirectoryError(RuntimeError):
    """The directory could not be read; nothing was changed. `kind` names the failure."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Where:
    host: str
    port: int

    def __str__(self) -> str:
        return f"directory server {self.host}:{self.port}"


def _where(config: DirectoryConfig) -> Where:
    parts = urlsplit(config.url)
    return Where(parts.hostname or "", parts.port or (636 if config.ldaps else 389))


def _server(config: DirectoryConfig) -> ldap3.Server:
    import ldap3

    where = _where(config)
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_data=config.ca_cert or None,
                    version=ssl.PROTOCOL_TLS_CLIENT)
    return ldap3.Server(where.host, port=where.port, use_ssl=config.ldaps, tls=tls, get_info=ldap3.NONE,
                        connect_timeout=config.timeout)


def _explain(exc: Exception, config: DirectoryConfig, base: str = "", search_filter: str = "") -> DirectoryError:
    """One line a person can act on; ldap3's socket errors carry the OS or TLS reason as text."""
    from ldap3.core import exceptions as lx

    where = _where(config)
    text = str(exc)
    # ldap3 mixes the underlying error's class into its own (LDAPSocketOpenError + ValueError),
    # so its own classes are tested first.
    if isinstance(exc, _NOT_LDAP) and not isinstance(exc, lx.LDAPException):
        return DirectoryError("unreachable", f"{where} is unreachable: what answers there does not speak LDAP "
                              "(is the port right?)")
    if isinstance(exc, lx.LDAPInvalidCredentialsResult):
        who = f"bind DN {config.bind_dn!r}" if config.bind_dn else "an anonymous bind"
        return DirectoryError("bind", f"{where} refused {who}: wrong bind DN or password "
                              "(`minipbx ldap set bind_dn=... --bind-password-stdin`)")
    if isinstance(exc, lx.LDAPInvalidFilterError):
        return DirectoryError("filter", f"the LDAP filter {search_filter!r} does not parse; use a filter in "
                              "parentheses such as (objectClass=inetOrgPerson)")
    if isinstance(exc, lx.LDAPNoSuchObjectResult):
        return DirectoryError("base", f"{where} has no entry {base!r}; check base_dn (or group_base_dn)")
    if isinstance(exc, lx.LDAPSizeLimitExceededResult | lx.LDAPAdminLimitExceededResult):
        return DirectoryError("size_limit", f"{where} stopped the search at its size limit and did not page "
                              "the rest; nothing was changed (raise the server's limit for paged searches, "
                              "or narrow base_dn/filter)")
    if isinstance(exc, lx.LDAPConfidentialityRequiredResult | lx.LDAPStrongerAuthRequiredResult):
        return DirectoryError("tls", f"{where} requires TLS before a bind; use ldaps:// or starttls=yes")
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text or \
            isinstance(exc, lx.LDAPCertificateError):
        trust = "the CA certificate set with `ldap set --ca-cert`" if config.ca_cert else \
            "the system's trusted authorities (set the directory's CA with `ldap set --ca-cert FILE`)"
        return DirectoryError("tls", f"{where}: its TLS certificate is not trusted by {trust}")
    if isinstance(exc, lx.LDAPStartTLSError):
        return DirectoryError("tls", f"{where} refused StartTLS ({text}); use ldaps:// or check the server's "
                              "TLS setup")
    if isinstance(exc, lx.LDAPSocketOpenError):
        if "Connection refused" in text or "Errno 111" in text:
            reason = "connection refused (is it running? is the port right?)"
        elif "timed out" in text:
            reason = f"no answer within {config.timeout} s"
        elif "Name or service not known" in text or "getaddrinfo" in text or "No address" in text \
                or "invalid server address" in text:
            reason = f"host name {where.host!r} not found"
        elif "ssl" in text.lower() or "wrong version" in text.lower():
            reason = "the TLS handshake failed (is it an ldaps:// port?)"
        else:
            reason = text
        return DirectoryError("unreachable", f"{where} is unreachable: {reason}")
    if isinstance(exc, lx.LDAPSocketReceiveError | lx.LDAPSessionTerminatedByServerError
                  | lx.LDAPSocketSendError | socket.timeout):
        return DirectoryError("unreachable", f"{where} stopped answering ({text or 'timeout'})")
    if isinstance(exc, lx.LDAPOperationResult):
        said = f"{exc.result} {exc.description}" + (f": {exc.message}" if exc.message else "")
        return DirectoryError("server", f"{where} answered {said}")
    return DirectoryError("server", f"{where}: {text}")


@contextmanager
def open_directory(config: DirectoryConfig) -> Iterator[ldap3.Connection]:
    """A bound, read-only connection, closed afterwards; DirectoryError when that fails."""
    import ldap3
    from ldap3.core import exceptions as lx

    require_server(config)
    connection = ldap3.Connection(_server(config), user=config.bind_dn or None,
                                  password=config.bind_password or None, auto_bind=ldap3.AUTO_BIND_NONE,
                                  raise_exceptions=True, read_only=True, receive_timeout=config.timeout,
                                  auto_referrals=False)
    try:
        try:
            connection.open()
            if not config.ldaps and config.starttls:
                connection.start_tls()
            connection.bind()
        except (lx.LDAPException, OSError, *_NOT_LDAP) as exc:
            raise _explain(exc, config) from None
        yield connection
    finally:
        with contextlib.suppress(lx.LDAPException, OSError):  # the connection is gone either way
            connection.unbind()


def paged_search(connection: ldap3.Connection, config: DirectoryConfig, base: str, search_filter: str,
                 attributes: list[str]) -> list[Entry]:
    """Every entry under `base` matching the filter, page by page (simple paged results, RFC 2696)."""
    import ldap3
    from ldap3.core import exceptions as lx

    entries: list[Entry] = []
    cookie: bytes | None = None
    try:
        while True:
            connection.search(base, search_filter, search_scope=ldap3.SUBTREE, attributes=attributes,
                              paged_size=config.page_size, paged_cookie=cookie)
            if connection.result.get("result") == _SIZE_LIMIT_EXCEEDED:
                raise lx.LDAPSizeLimitExceededResult("size limit exceeded")
            if connection.result.get("result") == _TIME_LIMIT_EXCEEDED:
                raise DirectoryError("size_limit", f"{_where(config)} stopped the search at its time limit; "
                                     "nothing was changed (narrow base_dn/filter or raise the limit)")
            for item in connection.response or ():
                if item.get("type") != "searchResEntry":
                    continue  # referrals to other servers are not followed
                raw = item.get("raw_attributes", {})
                entries.append(Entry(str(item["dn"]), {str(k).lower(): tuple(v) for k, v in raw.items()}))
            control = (connection.result.get("controls") or {}).get(_PAGED_RESULTS) or {}
            cookie = (control.get("value") or {}).get("cookie") or None
            if not cookie:
                return entries
    except (lx.LDAPException, OSError, *_NOT_LDAP) as exc:
        raise _explain(exc, config, base, search_filter) from None


def group_members(connection: ldap3.Connection, config: DirectoryConfig) -> dict[str, tuple[str, ...]]:
    """For directories without memberOf: member DN (normalised) -> the DNs of the groups it is in."""
    base = config.group_base_dn or config.base_dn
    groups = paged_search(connection, config, base, config.group_filter, ["member", "uniqueMember"])
    members: dict[str, list[str]] = {}
    for group in groups:
        for attribute in ("member", "uniquemember"):
            for value in group.attributes.get(attribute, ()):
                members.setdefault(normal_dn(value.decode("utf-8", "replace")), []).append(group.dn)
    return {member: tuple(dns) for member, dns in members.items()}
