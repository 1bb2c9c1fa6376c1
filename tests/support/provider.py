"""A fake SIP provider: a real Kamailio registrar/proxy on its own loopback address.

It knows one customer account (the PBX's trunk) and any number of "PSTN"
subscribers (test phones). Calls to the company's DID block go to wherever the
customer registered (or, for an IP-authenticated peer, straight to the PBX);
calls to any other number go to the subscriber registered under that number.
Every INVITE must authenticate, except from the trusted PBX address of an
IP-authenticated peer.
"""
from __future__ import annotations

import hashlib
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.support.sip_raw import RawSip, status_code

REALM = "provider.test"
SCHEMA = Path("/usr/share/kamailio/db_sqlite")

_CONFIG = """#!KAMAILIO
debug=2
log_stderror=yes
fork=yes
children=2
disable_tcp=yes
auto_aliases=no
listen=udp:{addr}:{port}
alias="{addr}:{port}"
alias="{realm}"
mpath="{modules}"
loadmodule "db_sqlite.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 300)
modparam("auth_db", "db_url", "sqlite://{db}")
modparam("auth_db", "calculate_ha1", 0)
modparam("auth_db", "password_column", "ha1")
modparam("auth_db", "use_domain", 0)

request_route {{
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) t_relay(); exit; }}
        sl_send_reply("404", "Not here"); exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) t_relay(); exit; }}
    if (is_method("REGISTER")) {{
        if (!www_authorize("{realm}", "subscriber")) {{ www_challenge("{realm}", "0"); exit; }}
        consume_credentials();
        save("location");
        exit;
    }}
    if (is_method("OPTIONS")) {{ sl_send_reply("200", "OK"); exit; }}
    if (!is_method("INVITE")) {{ sl_send_reply("405", "Method Not Allowed"); exit; }}
    if (!($si == "{pbx_addr}" && "{peer}" == "ip")) {{
        if (!proxy_authorize("{realm}", "subscriber")) {{ proxy_challenge("{realm}", "0"); exit; }}
        consume_credentials();
    }}
    xlog("L_INFO", "provider: INVITE $rU from $fU (auth $au) pai=$hdr(P-Asserted-Identity)\\n");
    record_route();
    if ($rU =~ "^{did_prefix}") {{
        if ("{peer}" == "ip") {{
            $du = "sip:{pbx_addr}:{pbx_port}";
            t_relay(); exit;
        }}
        $rU = "{customer}";
    }}
    if (!lookup("location")) {{ sl_send_reply("404", "No such subscriber"); exit; }}
    t_relay();
}}
"""


class FakeProvider:
    def __init__(self, workdir: Path, *, addr: str, port: int, customer: str, password: str,
                 did_prefix: str, pbx_addr: str, pbx_port: int, peer: str = "register") -> None:
        from firmware.edge.config import module_path

        self.workdir = workdir
        self.addr, self.port = addr, port
        self.customer, self.did_prefix = customer, did_prefix
        self.db = workdir / "provider.db"
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        if self.db.exists():
            self.db.unlink()
        conn = sqlite3.connect(self.db)
        for name in ("standard", "auth_db"):
            conn.executescript((SCHEMA / f"{name}-create.sql").read_text())
        conn.commit()
        conn.close()
        self.add_subscriber(customer, password)
        (workdir / "provider.cfg").write_text(_CONFIG.format(
            addr=addr, port=port, realm=REALM, modules=module_path(), db=self.db, pbx_addr=pbx_addr,
            pbx_port=pbx_port, peer=peer, did_prefix=did_prefix, customer=customer))

    def add_subscriber(self, user: str, password: str) -> None:
        ha1 = hashlib.md5(f"{user}:{REALM}:{password}".encode()).hexdigest()
        conn = sqlite3.connect(self.db)
        conn.execute("INSERT OR REPLACE INTO subscriber (username, domain, password, ha1, ha1b) "
                     "VALUES (?, ?, '', ?, '')", [user, REALM, ha1])
        conn.commit()
        conn.close()

    def start(self) -> None:
        run = self.workdir / "run"
        run.mkdir(exist_ok=True)
        log = (self.workdir / "provider.log").open("ab")
        self.process = subprocess.Popen(
            [shutil.which("kamailio") or "/usr/sbin/kamailio", "-f", str(self.workdir / "provider.cfg"), "-DD",
             "-E", "-Y", str(run), "-P", str(run / "kamailio.pid"), "-m", "32", "-M", "4"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        log.close()
        probe = RawSip("127.0.0.1", (self.addr, self.port))
        try:
            deadline = time.monotonic() + 15
            while status_code(probe.send(probe.request("OPTIONS", "probe"), timeout=0.3)) != 200:
                assert self.process.poll() is None, f"provider exited: {self.log()}"
                assert time.monotonic() < deadline, f"provider did not start: {self.log()}"
        finally:
            probe.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def log(self) -> str:
        path = self.workdir / "provider.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    @property
    def registrar(self) -> str:
        return f"{self.addr}:{self.port}"
