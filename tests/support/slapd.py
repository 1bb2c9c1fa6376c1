"""A real OpenLDAP server (Debian `slapd`) for tests: private config, loopback ports, a test CA.

One server holds two trees: an OpenLDAP-style one (`inetOrgPerson`, `groupOfNames`) under
dc=example,dc=com and an Active-Directory-shaped one (`user` with userAccountControl,
ipPhone, objectGUID, memberOf, from a small schema written here) under dc=ad,dc=example.
It listens on ldap:// (StartTLS offered) and ldaps:// with a certificate from a CA made
for the run. Its size limit is low (50), but paged searches may go past it, as in AD.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ADMIN_PASSWORD = "slapd-admin-secret"
# The account the PBX binds as in each tree (the rootdn would bypass the size limits).
PBX_PASSWORD = "pbx-bind-Secret-4711"
SIZE_LIMIT = 50
SUFFIXES = ("dc=example,dc=com", "dc=ad,dc=example")

_AD_SCHEMA = """
attributetype ( 1.3.6.1.4.1.55555.1.1 NAME 'userAccountControl' EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.2 NAME 'ipPhone' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.3.6.1.4.1.55555.1.3 NAME 'objectGUID' EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.4 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.5 NAME 'department' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.6 NAME 'memberOf' EQUALITY distinguishedNameMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 )
attributetype ( 1.3.6.1.4.1.55555.1.7 NAME 'objectCategory' EQUALITY caseIgnoreMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.2.1 NAME 'user' SUP inetOrgPerson STRUCTURAL
  MAY ( userAccountControl $ ipPhone $ objectGUID $ sAMAccountName $ department $ memberOf $ objectCategory ) )
objectclass ( 1.3.6.1.4.1.55555.2.2 NAME 'group' SUP groupOfNames STRUCTURAL MAY ( objectCategory ) )
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30)


@dataclass(frozen=True)
class TestCa:
    cert: Path
    key: Path

    @property
    def pem(self) -> str:
        return self.cert.read_text()


def make_ca(folder: Path, name: str) -> TestCa:
    folder.mkdir(parents=True, exist_ok=True)
    ca = TestCa(folder / f"{name}.crt", folder / f"{name}.key")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
             "-keyout", str(ca.key), "-out", str(ca.cert),
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return ca


def make_server_cert(folder: Path, ca: TestCa) -> tuple[Path, Path]:
    key, csr, cert, ext = (folder / "server.key", folder / "server.csr", folder / "server.crt", folder / "ext.cnf")
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(csr))
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca.cert), "-CAkey", str(ca.key), "-CAcreateserial",
             "-days", "2", "-extfile", str(ext), "-out", str(cert))
    return cert, key


class Slapd:
    """`slapd -d 0` (stays in the foreground) as our child; stopped by its PID."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.tls_port = free_port()
        self.ca = make_ca(folder / "ca", "minipbx-test-ca")
        self.cert, self.key = make_server_cert(folder / "ca", self.ca)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def _config(self) -> Path:
        schema = self.folder / "ad.schema"
        schema.write_text(_AD_SCHEMA)
        lines = [*(f"include /etc/ldap/schema/{s}.schema" for s in ("core", "cosine", "inetorgperson", "nis")),
                 f"include {schema}", "modulepath /usr/lib/ldap", "moduleload back_mdb",
                 f"pidfile {self.folder / 'slapd.pid'}",
                 f"TLSCACertificateFile {self.ca.cert}", f"TLSCertificateFile {self.cert}",
                 f"TLSCertificateKeyFile {self.key}",
                 # Like AD: a plain search stops at the limit, a paged one may fetch everything.
                 f"sizelimit size.soft={SIZE_LIMIT} size.hard={SIZE_LIMIT} size.prtotal=unlimited"]
        for index, suffix in enumerate(SUFFIXES):
            directory = self.folder / f"db{index}"
            directory.mkdir()
            lines += ["database mdb", f'suffix "{suffix}"', f'rootdn "cn=admin,{suffix}"',
                      f"rootpw {ADMIN_PASSWORD}", f"directory {directory}", "maxsize 67108864",
                      "index objectClass eq", "index entryUUID eq",
                      # This account's paged searches are capped too: a server that will not page past
                      # its limit.
                      f'limits dn.exact="cn=capped,{suffix}" size.soft={SIZE_LIMIT} size.hard={SIZE_LIMIT} '
                      f"size.prtotal={SIZE_LIMIT}"]
        config = self.folder / "slapd.conf"
        config.write_text("\n".join(lines) + "\n")
        return config

    def start(self) -> None:
        binary = shutil.which("slapd") or "/usr/sbin/slapd"
        log = (self.folder / "slapd.log").open("wb")
        self.process = subprocess.Popen(
            [binary, "-f", str(self._config()), "-h", f"{self.url}/ {self.ldaps_url}/", "-d", "0"],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited ({self.process.returncode}): "
                                   f"{(self.folder / 'slapd.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2), \
                        socket.create_connection(("127.0.0.1", self.tls_port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("slapd did not listen within 15 s") from None
                time.sleep(0.05)
        for suffix in SUFFIXES:
            dc = suffix.split(",")[0].split("=")[1]
            self.add(f"dn: {suffix}\nobjectClass: dcObject\nobjectClass: organization\no: {dc}\ndc: {dc}\n\n"
                     + "".join(f"dn: cn={who},{suffix}\nobjectClass: person\ncn: {who}\nsn: {who}\n"
                               f"userPassword: {PBX_PASSWORD}\n\n" for who in ("pbx", "capped")))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _tool(self, tool: str, suffix: str, ldif: str, *extra: str) -> None:
        result = subprocess.run(
            [tool, "-x", "-H", self.url, "-D", f"cn=admin,{suffix}", "-w", ADMIN_PASSWORD, *extra],
            input=ldif.encode(), capture_output=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stderr.decode()}\n{ldif[:2000]}")

    @staticmethod
    def _suffix(ldif: str) -> str:
        first = next(line for line in ldif.splitlines() if line.lower().startswith("dn:"))
        return next(s for s in SUFFIXES if first.lower().endswith(s))

    def add(self, ldif: str) -> None:
        """ldapadd as the tree's admin."""
        self._tool("ldapadd", self._suffix(ldif), ldif)

    def modify(self, ldif: str) -> None:
        """ldapmodify as the tree's admin (changetype records)."""
        self._tool("ldapmodify", self._suffix(ldif), ldif)

    def delete(self, dn: str) -> None:
        suffix = next(s for s in SUFFIXES if dn.lower().endswith(s))
        self._tool("ldapdelete", suffix, dn + "\n")


class DirectoryTree:
    """One test's own branch of both trees (ou=tN), so tests never see each other's people."""

    def __init__(self, server: Slapd, name: str) -> None:
        self.server = server
        self.ou = f"ou={name},{SUFFIXES[0]}"
        self.ad_ou = f"ou={name},{SUFFIXES[1]}"
        for dn in (self.ou, self.ad_ou):
            server.add(f"dn: {dn}\nobjectClass: organizationalUnit\nou: {name}\n")

    def person_dn(self, uid: str) -> str:
        return f"uid={uid},{self.ou}"

    def add_person(self, uid: str, name: str, *, number: str = "", department: str = "", title: str = "",
                   email: str = "", mobile: str = "") -> str:
        """An inetOrgPerson; returns its DN."""
        dn = self.person_dn(uid)
        lines = [f"dn: {dn}", "objectClass: inetOrgPerson", f"uid: {uid}", f"cn: {name}",
                 f"sn: {name.split()[-1]}"]
        for attribute, value in (("telephoneNumber", number), ("ou", department), ("title", title),
                                 ("mail", email), ("mobile", mobile)):
            if value:
                lines.append(f"{attribute}: {value}")
        self.server.add("\n".join(lines) + "\n")
        return dn

    def add_group(self, name: str, members: list[str]) -> str:
        """A groupOfNames (members are DNs); returns its DN."""
        dn = f"cn={name},{self.ou}"
        self.server.add("\n".join([f"dn: {dn}", "objectClass: groupOfNames", f"cn: {name}",
                                   *(f"member: {m}" for m in members)]) + "\n")
        return dn

    def add_ad_user(self, sam: str, name: str, *, ip_phone: str = "", department: str = "", email: str = "",
                    member_of: tuple[str, ...] = (), disabled: bool = False) -> str:
        """An AD-shaped `user` (objectGUID, userAccountControl, memberOf); returns its DN."""
        import base64
        import uuid

        dn = f"cn={name},{self.ad_ou}"
        guid = base64.b64encode(uuid.uuid4().bytes_le).decode()
        lines = [f"dn: {dn}", "objectClass: user", f"cn: {name}", f"sn: {name.split()[-1]}",
                 f"displayName: {name}", f"sAMAccountName: {sam}", "objectCategory: person",
                 f"objectGUID:: {guid}", f"userAccountControl: {514 if disabled else 512}"]
        for attribute, value in (("ipPhone", ip_phone), ("department", department), ("mail", email)):
            if value:
                lines.append(f"{attribute}: {value}")
        lines += [f"memberOf: {group}" for group in member_of]
        self.server.add("\n".join(lines) + "\n")
        return dn

    def ad_group_dn(self, name: str) -> str:
        return f"cn={name},{self.ad_ou}"

    def replace(self, dn: str, attribute: str, *values: str) -> None:
        self.server.modify("\n".join([f"dn: {dn}", "changetype: modify", f"replace: {attribute}",
                                      *(f"{attribute}: {v}" for v in values)]) + "\n")
