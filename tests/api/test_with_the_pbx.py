"""The API as `minipbx run` starts it: live calls from the brain, restarted when it dies, refused ports."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from firmware.api.tls import ensure_certificate
from firmware.gateway.simcontrol import SimClient
from firmware.webhooks.signing import verify
from tests.cli.conftest import BOARD, Cli
from tests.support.api import ADMIN_PASSWORD, REPO_ROOT, Api, EventStream, free_tcp_port, wait_until_up
from tests.support.audio import tone_seconds
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx, free_sip_port
from tests.support.phone import Phone
from tests.support.prompts import heard as heard_prompt
from tests.support.prompts import seconds as prompt_seconds
from tests.support.provider import FakeProvider
from tests.support.receiver import Receiver
from tests.support.trunking import DID, TRUNK_PASSWORD, pstn_phone, wait_trunk


def _pbx_with_api(tmp_path_factory: pytest.TempPathFactory, phone_factory: PhoneFactory,
                  gateway: bool = False) -> Iterator[tuple[RunningPbx, Api]]:
    data_dir = Path(tmp_path_factory.mktemp("pbx", numbered=True))
    running = RunningPbx(data_dir, phone_factory, http_port=free_tcp_port(), gateway=gateway)
    assert running.minipbx("api", "admin-password", "--password", ADMIN_PASSWORD).returncode == 0
    running.start()
    try:
        url = f"http://127.0.0.1:{running.http_port}"
        wait_until_up(url, None, data_dir / "logs" / "api.log")
        yield running, Api(data_dir, url)
    finally:
        phone_factory.close_all()
        running.close()
        print(f"--- minipbx output ({data_dir}):\n{running.output()[-4000:]}")


@pytest.fixture
def pbx_api(tmp_path_factory: pytest.TempPathFactory, phone_factory: PhoneFactory) -> Iterator[tuple[RunningPbx, Api]]:
    yield from _pbx_with_api(tmp_path_factory, phone_factory)


@pytest.fixture
def gateway_pbx_api(tmp_path_factory: pytest.TempPathFactory,
                    phone_factory: PhoneFactory) -> Iterator[tuple[RunningPbx, Api]]:
    """With the simulated board's line gateway: its ports are extensions 100 (fxs1), 101 (fxs2), ..."""
    yield from _pbx_with_api(tmp_path_factory, phone_factory, gateway=True)


def test_live_calls_each_user_sees_their_own_and_a_killed_api_comes_back(pbx_api: tuple[RunningPbx, Api]) -> None:
    pbx, api = pbx_api
    receiver = Receiver()
    with api.as_admin() as admin:
        secret = admin.post("/api/webhooks", json={"name": "crm", "url": receiver.url,
                                                   "events": ["call.ended"]}).json()["secret"]
    a, b = pbx.phone("101"), pbx.phone("102")
    a.call("102")
    b.wait("incoming")
    with api.as_admin() as admin, api.user("103") as bystander:
        running = admin.get("/api/status").json()
        assert running["edge"]["up"] and {r["extension"] for r in running["registrations"]} == {"101", "102"}
        assert bystander.get("/api/status").status_code == 403
        token = admin.post("/api/keys", json={"name": "prometheus", "permissions": ["metrics"]}).json()["token"]
        with api.client(token) as monitoring:
            scraped = monitoring.get("/metrics")
            assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
            figures = dict(line.rsplit(" ", 1) for line in scraped.text.splitlines() if not line.startswith("#"))
            assert (figures["minipbx_up"], figures["minipbx_edge_up"], figures["minipbx_active_calls"],
                    figures["minipbx_registrations"]) == ("1", "1", "1", "2")
            assert figures['minipbx_worker_up{worker="1"}'] == "1"
            assert monitoring.get("/api/cdr").status_code == 403
        assert bystander.get("/metrics").status_code == 403
        [call] = admin.get("/api/calls").json()
        assert (call["caller"], call["called"]) == ("101", "102")
        assert bystander.get("/api/calls").json() == []
        admin.put("/api/extensions/101/web-password", json={"password": "Green-Lamp-77q"})
        with api.login("101", "Green-Lamp-77q") as caller:
            assert [c["called"] for c in caller.get("/api/calls").json()] == ["102"]
        b.answer(200)
        a.wait("connected")
        a.hangup()
        b.wait("disconnected")
        pbx.wait_cdr(1)
        deadline = time.monotonic() + 5
        while admin.get("/api/calls").json() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert admin.get("/api/calls").json() == []
        [row] = admin.get("/api/cdr").json()["items"]
        assert (row["caller"], row["answered_by"], row["disposition"]) == ("101", "102", "answered")
    # The brain's end of the call reached the CRM's receiver, signed.
    [hook] = receiver.wait(1)
    receiver.close()
    event = json.loads(hook.body)
    assert (event["event"], event["caller"], event["answered_by"], event["call_id"]) == \
        ("call.ended", "101", "102", row["call_id"])
    assert verify(secret, hook.headers["x-minipbx-timestamp"], hook.body, hook.headers["x-minipbx-signature"])
    status = pbx.status()
    assert status is not None and status["http"]["up"] and status["http"]["url"] == api.url

    # A killed API (a crashing request) is restarted by the brain; calls go on meanwhile.
    old = status["http"]["pid"]
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        status = pbx.status()
        if status and status["http"]["up"] and status["http"]["pid"] != old:
            break
        time.sleep(0.2)
    assert status is not None and status["http"]["restarts"] == 1
    a.call("102")
    b.wait("incoming")
    wait_until_up(api.url, None, pbx.data_dir / "logs" / "api.log")
    with api.as_admin() as admin:
        assert [c["caller"] for c in admin.get("/api/calls").json()] == ["101"]
    # SIGTERM stops the API with the rest, cleanly.
    status = pbx.status()
    assert status is not None
    pid = status["http"]["pid"]
    pbx.phones.close_all()
    assert pbx.stop() == 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_click_to_call_rings_the_extension_first_then_the_number(pbx_api: tuple[RunningPbx, Api]) -> None:
    pbx, api = pbx_api
    asker, colleague = pbx.phone("101", tone_hz=600), pbx.phone("102", tone_hz=1400)
    with api.as_admin() as admin, api.user("103") as bystander:
        admin.put("/api/extensions/101/web-password", json={"password": "Green-Lamp-77q"})
        # Nobody starts calls from someone else's extension without the `originate` permission.
        refused = bystander.post("/api/calls", json={"from": "101", "to": "102"})
        assert refused.status_code == 403 and "'originate'" in refused.json()["error"]
        assert admin.post("/api/calls", json={"from": "109", "to": "102"}).json() == \
            {"error": "extension 109 does not exist", "fields": []}
        barred = admin.post("/api/calls", json={"from": "101", "to": "000441234567"})
        assert barred.status_code == 403 and "cannot call 000441234567" in barred.json()["error"]
        asker.expect_no("incoming", within=0.3)

        with api.login("101", "Green-Lamp-77q") as me:
            started = me.post("/api/calls", json={"from": "101", "to": "102"})
        assert started.status_code == 202, started.text
        call_id = started.json()["call"]
        # The asking extension rings first, showing what it is about to call; the colleague not yet.
        ring = asker.wait("incoming")
        assert ring["from_user"] == "102"
        colleague.expect_no("incoming", within=0.5)
        asker.answer(200, call=ring["call"])
        reached = colleague.wait("incoming")
        assert (reached["from_user"], reached["display_name"]) == ("101", "Extension 101")
        colleague.answer(200, call=reached["call"])
        asker.wait("connected", call=ring["call"])
        time.sleep(2)
        [live] = admin.get("/api/calls").json()
        assert (live["id"], live["caller"], live["answered_by"]) == (call_id, "101", "102")
        # Someone else's call looks like no call; the admin hangs it up for both.
        assert bystander.delete(f"/api/calls/{call_id}").status_code == 404
        assert admin.delete(f"/api/calls/{call_id}").status_code == 204
        asker.wait("disconnected", call=ring["call"])
        colleague.wait("disconnected", call=reached["call"])
        assert tone_seconds(asker.recording(ring["call"]), 1400) >= 1.2
        assert tone_seconds(colleague.recording(reached["call"]), 600) >= 1.2
        [row] = pbx.wait_cdr(1)
        assert (row["caller"], row["called"], row["answered_by"], row["hangup_cause"]) == \
            ("101", "102", "102", "hung up by admin")
        assert row["route"].startswith("click-to-call by 101")
        assert admin.delete(f"/api/calls/{call_id}").status_code == 404
    # The command line does the same through the same operations.
    refused_here = pbx.minipbx("call", "dial", "101", "000441234567")
    assert refused_here.returncode == 1 and "cannot call 000441234567" in refused_here.stderr
    listed = pbx.minipbx("call", "list")
    assert listed.returncode == 0 and listed.stdout.strip() == "no calls in progress"


def test_everyone_barred_at_night_through_the_api_without_a_restart(pbx_api: tuple[RunningPbx, Api]) -> None:
    pbx, api = pbx_api
    desk = pbx.phone("101")
    with api.as_admin() as admin:
        assert admin.put("/api/mode", json={"mode": "night", "kind": "fixed"}).status_code == 200
    # No trunk yet: a local call 101 may make is let through and fails for want of a line...
    allowed = desk.call("05550001")
    assert desk.wait("disconnected", timeout=15, call=allowed)["code"] == 503
    with api.as_admin() as admin:
        assert admin.put("/api/everyone/class-of-service/night", json={"class": "internal"}).status_code == 200
    # ... and once everyone is internal-only at night, the same call is barred, by the running PBX.
    barred = desk.call("05550001")
    assert desk.wait("disconnected", timeout=15, call=barred)["code"] == 403
    deadline = time.monotonic() + 10
    while (rows := pbx.wait_cdr(2))[-1]["disposition"] != "barred" and time.monotonic() < deadline:
        time.sleep(0.1)
    # One row each: the brain's 503 goes back to the phone, not on to a second call worker.
    failed, after = rows
    assert (failed["disposition"], failed["hangup_cause"]) == ("failed", "no trunk configured")
    assert (after["disposition"], after["hangup_cause"]) == (
        "barred", "class of service internal does not allow local calls in night mode")


def _reached_in_seconds(desk: Phone, far: Phone) -> float:
    """Seconds from the desk dialling the far phone (5550001) until it rings; then the desk hangs up."""
    started = time.monotonic()
    desk.call("05550001")
    far.wait("incoming", timeout=20)
    took = time.monotonic() - started
    desk.hangup()
    return took


def _udp_port_free(addr: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((addr, port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def _refusing_provider(folder: Path) -> Iterator[tuple[str, int, Path]]:
    """SIPp as a provider answering every call 503: (its address, port, SIPp's message log)."""
    addr, port = "127.0.0.73", free_sip_port()
    messages = folder / "refusing.log"
    sipp = subprocess.Popen(
        ["sipp", "-sf", str(REPO_ROOT / "tests" / "trunks" / "scenarios" / "refuse_503.xml"), "-i", addr,
         "-p", str(port), "-m", "1", "-timeout", "60s", "-nostdin", "-trace_msg", "-message_file", str(messages)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=folder)
    try:
        deadline = time.monotonic() + 10
        while _udp_port_free(addr, port):
            assert time.monotonic() < deadline and sipp.poll() is None, "SIPp did not start"
            time.sleep(0.05)
        yield addr, port, messages
    finally:
        sipp.terminate()
        sipp.wait(10)


def test_a_trunk_group_from_the_api_tries_the_next_line_when_the_first_is_down(
        pbx_api: tuple[RunningPbx, Api], tmp_path: Path, phone_factory: PhoneFactory) -> None:
    pbx, api = pbx_api
    fake = FakeProvider(tmp_path / "provider", addr="127.0.0.70", port=free_sip_port(), customer="acme",
                        password=TRUNK_PASSWORD, did_prefix=DID, pbx_addr="127.0.0.1", pbx_port=pbx.sip_port)
    fake.start()
    try:
        with api.as_admin() as admin:
            # 'down' is a peer nobody answers at; 'good' registers to the provider.
            assert admin.post("/api/trunks", json={"name": "down", "host": "127.0.0.71", "port": free_sip_port(),
                                                   "register": False}).status_code == 201
            assert admin.post("/api/trunks", json={"name": "good", "host": fake.addr, "port": fake.port,
                                                   "username": "acme", "password": TRUNK_PASSWORD}).status_code == 201
            made = admin.put("/api/trunk-groups/out", json={"trunks": ["down", "good"]})
            assert made.status_code == 200, made.text
        wait_trunk(pbx, "good", "registered")
        far = pstn_phone(phone_factory, fake, "5550001")
        desk = pbx.phone("101")
        # 'down' was tried first: the call reached 'good' once 'down' had timed out (408, 5 s).
        assert _reached_in_seconds(desk, far) > 4
        [row] = pbx.wait_cdr(1)
        assert row["trunk"] == "good"
        # The group's order is the one the API gave last: with 'good' first, nothing waits for 'down'.
        with api.as_admin() as admin:
            assert admin.put("/api/trunk-groups/out", json={"trunks": ["good", "down"]}).status_code == 200
        assert _reached_in_seconds(desk, far) < 4
        assert pbx.wait_cdr(2)[-1]["trunk"] == "good"
        # A first line that is up but refuses the call (503; the edge hands it on as 500, as a proxy
        # must) is left at once for the next.
        with _refusing_provider(tmp_path) as (addr, port, messages), api.as_admin() as admin:
            assert admin.post("/api/trunks", json={"name": "full", "host": addr, "port": port,
                                                   "register": False}).status_code == 201
            assert admin.put("/api/trunk-groups/out", json={"trunks": ["full", "good"]}).status_code == 200
            assert _reached_in_seconds(desk, far) < 4
            assert pbx.wait_cdr(3)[-1]["trunk"] == "good"
            assert "SIP/2.0 503 Service Unavailable" in messages.read_text(errors="replace")
    finally:
        fake.stop()
        print(f"--- provider log:\n{fake.log()}")


def _greeting(admin: httpx.Client, name: str, made_after: str = "", timeout: float = 10) -> dict[str, object]:
    """Greeting `name` once it is kept (newer than `made_after`), as the Greetings page polls for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in admin.get("/api/prompts").json() if p["name"] == name and p["created_at"] > made_after]
        if found:
            return dict(found[0])
        time.sleep(0.2)
    raise AssertionError(f"greeting {name} was not kept within {timeout} s")


def test_a_greeting_is_recorded_from_a_phone_the_box_calls(pbx_api: tuple[RunningPbx, Api], tmp_path: Path) -> None:
    """Record from my phone: the extension rings, the person speaks after the beep and hangs up (or
    presses #); what they said is the greeting, heard in it by its tone."""
    pbx, api = pbx_api
    me, colleague = pbx.phone("101", tone_hz=1000), pbx.phone("102", tone_hz=600)
    with api.as_admin() as admin, api.user("103") as bystander:
        path = "/api/prompts/welcome-day/record"
        assert bystander.post(path, json={"extension": "103"}).status_code == 403
        missing = admin.post(path, json={"extension": "109"})
        assert missing.status_code == 404 and missing.json()["error"] == "extension 109 does not exist"
        bad = admin.post("/api/prompts/no%20spaces/record", json={"extension": "101"})
        assert bad.status_code == 422 and "welcome-day" in bad.json()["error"]

        started = admin.post(path, json={"extension": "101"})
        assert started.status_code == 202, started.text
        assert started.json()["prompt"] == "welcome-day" and started.json()["extension"] == "101"
        ring = me.wait("incoming")
        assert ring["from_user"] == "welcome-day"  # the phone shows what the call is for
        busy = admin.post(path, json={"extension": "101"})
        assert busy.status_code == 409 and "extension 101 is in a call" in busy.json()["error"]
        me.answer(200, call=ring["call"])
        me.wait("connected", call=ring["call"])
        time.sleep(prompt_seconds("record-after-tone") + 0.5 + 3.0)
        me.hangup(call=ring["call"])
        me.wait("disconnected", call=ring["call"])
        kept = _greeting(admin, "welcome-day")
        assert kept["source"] == "phone" and 2.0 < float(str(kept["seconds"])) < 5.0
        heard = tmp_path / "welcome-day.wav"
        heard.write_bytes(admin.get("/api/prompts/welcome-day/audio").content)
        assert tone_seconds(heard, 1000) >= 2.0
        assert heard_prompt(me.recording(ring["call"]), "record-after-tone")
        [row] = pbx.wait_cdr(1)
        assert (row["caller"], row["called"]) == ("101", "welcome-day")
        assert row["route"].startswith("greeting recording by admin")

        # From the command line, and ended with #: the box says it is kept and hangs up itself.
        asked = pbx.minipbx("prompt", "record", "welcome-day", "102")
        assert asked.returncode == 0 and "extension 102 is ringing" in asked.stdout, asked.stderr
        ring = colleague.wait("incoming")
        colleague.answer(200, call=ring["call"])
        colleague.wait("connected", call=ring["call"])
        time.sleep(prompt_seconds("record-after-tone") + 0.5 + 2.0)
        colleague.dtmf("#", call=ring["call"])
        colleague.wait("disconnected", call=ring["call"], timeout=15)
        _greeting(admin, "welcome-day", made_after=str(kept["created_at"]))
        heard.write_bytes(admin.get("/api/prompts/welcome-day/audio").content)
        assert tone_seconds(heard, 600) >= 1.5 and tone_seconds(heard, 1000) < 0.3
        assert heard_prompt(colleague.recording(ring["call"]), "recording-kept")
        assert "prompt.record" in [r["action"] for r in admin.get("/api/audit").json()]


def test_transfer_from_the_api_sends_the_caller_to_a_colleague(pbx_api: tuple[RunningPbx, Api]) -> None:
    pbx, api = pbx_api
    caller, first, colleague = pbx.phone("101", tone_hz=600), pbx.phone("102"), pbx.phone("103", tone_hz=1400)
    caller.call("102")
    first.wait("incoming")
    first.answer(200)
    caller.wait("connected")
    with api.as_admin() as admin, api.user("104") as bystander:
        [live] = admin.get("/api/calls").json()
        path = f"/api/calls/{live['id']}/transfer"
        assert bystander.post(path, json={"to": "103"}).status_code == 404  # not their call
        both = admin.post(path, json={"to": "103"})
        assert both.status_code == 422 and "say which one transfers (one of: 101, 102)" in both.json()["error"]
        barred = admin.post(path, json={"extension": "102", "to": "000441234567"})
        assert barred.status_code == 403 and "102 cannot transfer to 000441234567" in barred.json()["error"]
        first.expect_no("disconnected", within=0.3)  # a refused transfer leaves the call alone
        assert admin.post(path, json={"extension": "102", "to": "103"}).status_code == 204
        first.wait("disconnected")
        ringing = colleague.wait("incoming")
        assert ringing["from_user"] == "101"
        colleague.answer(200)
        colleague.wait("connected")
        time.sleep(2)
        caller.hangup()
        colleague.wait("disconnected")
        assert tone_seconds(caller.recording(), 1400) >= 1.2
        assert tone_seconds(colleague.recording(), 600) >= 1.2
        [row] = pbx.wait_cdr(1)
        assert (row["caller"], row["answered_by"], row["transferred_by"]) == ("101", "103", "102")


def test_the_event_stream_and_webhooks_show_ringing_answered_ended(pbx_api: tuple[RunningPbx, Api]) -> None:
    """The CRM's screen pop: whose phone rings for which caller, who took it, how it ended."""
    pbx, api = pbx_api
    receiver = Receiver()
    caller, callee = pbx.phone("101"), pbx.phone("102")
    with api.as_admin() as admin:
        secret = admin.post("/api/webhooks", json={"name": "crm", "url": receiver.url,
                                                   "events": ["call.ringing", "call.answered"]}).json()["secret"]
        token = admin.post("/api/keys", json={"name": "wallboard", "permissions": ["live_calls"]}).json()["token"]
    wallboard = EventStream(api.client(token))
    with api.user("103") as bystander_client:
        bystander = EventStream(bystander_client)
        try:
            caller.call("102")
            name, ringing = wallboard.next()
            assert name == "call.ringing"
            assert (ringing["caller"], ringing["caller_name"], ringing["called"], ringing["extension"]) == \
                ("101", "Extension 101", "102", "102")
            callee.wait("incoming")
            with api.as_admin() as admin:
                [live] = admin.get("/api/calls").json()
            assert ringing["call"] == live["id"]
            callee.answer(200)
            caller.wait("connected")
            name, answered = wallboard.next()
            assert (name, answered["extension"], answered["call"]) == ("call.answered", "102", live["id"])
            caller.hangup()
            callee.wait("disconnected")
            name, ended = wallboard.next()
            assert (name, ended["answered_by"], ended["disposition"], ended["call"]) == \
                ("call.ended", "102", "answered", live["id"])
            [row] = pbx.wait_cdr(1)
            assert ended["call_id"] == ringing["call_id"] == row["call_id"]
            # A user's stream has their own calls only.
            bystander.expect_none(within=0.5)
        finally:
            wallboard.close()
            bystander.close()
    got = receiver.wait(2)
    receiver.close()
    # Deliveries go out side by side; each is signed, and both came.
    assert sorted(json.loads(r.body)["event"] for r in got) == ["call.answered", "call.ringing"]
    for r in got:
        assert verify(secret, r.headers["x-minipbx-timestamp"], r.body, r.headers["x-minipbx-signature"])


def test_run_refuses_an_http_port_that_is_taken(cli: Cli) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        message = cli.fails("run", "--board", str(BOARD), "--sip-port", str(free_sip_port()),
                            "--http-port", str(taken))
    assert message.startswith(f"minipbx: error: HTTP port 127.0.0.1:{taken} cannot be used (")
    assert message.endswith("give another with --http-port, or --no-http")
    # Refused before anything started: no call worker ever ran.
    assert not list((cli.data_dir / "logs").glob("worker*.log"))


def test_https_with_a_self_signed_certificate_made_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    port = free_tcp_port()
    log = tmp_path / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "firmware.api", "--data", str(data), "--addr", "127.0.0.1",
                                    "--port", str(port), "--tls"], stdout=out, stderr=subprocess.STDOUT,
                                   cwd=REPO_ROOT)
    try:
        wait_until_up(f"https://127.0.0.1:{port}", process, log)
        cert = data / "tls" / "cert.pem"
        assert oct((data / "tls" / "key.pem").stat().st_mode & 0o777) == "0o600"
        text = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-text"], capture_output=True,
                              text=True, check=True).stdout
        assert "IP Address:127.0.0.1" in text
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
        # A client that trusts this certificate verifies it.
        trusting = ssl.create_default_context(cafile=cert)
        assert httpx.get(f"https://127.0.0.1:{port}/api/health", verify=trusting).status_code == 200
    finally:
        process.terminate()
        process.wait(10)
    before = cert.read_bytes()
    assert ensure_certificate(data, "127.0.0.1")[0].read_bytes() == before


def test_recordings_are_listed_and_played_for_those_who_may(pbx_api: tuple[RunningPbx, Api], tmp_path: Path) -> None:
    pbx, api = pbx_api
    a, b = pbx.phone("101", tone_hz=600), pbx.phone("102", tone_hz=1000)
    with api.as_admin() as admin:
        bad = admin.put("/api/recording-policies", json={"target": "ext:555", "policy": "always"})
        assert bad.status_code == 422 and "extension 555 does not exist" in bad.json()["error"]
        assert admin.put("/api/recording-policies", json={"target": "ext:102", "policy": "always"}).status_code == 200
        assert admin.get("/api/recording-policies").json()["policies"] == [{"target": "ext:102", "policy": "always"}]
    a.call("102")
    b.wait("incoming")
    b.answer(200)
    a.wait("connected")
    time.sleep(2.5)
    a.hangup()
    b.wait("disconnected")
    with api.as_admin() as admin, api.web_login("101") as caller, api.user("104") as bystander:
        deadline = time.monotonic() + 10
        while not (listed := admin.get("/api/recordings").json())["count"] and time.monotonic() < deadline:
            time.sleep(0.2)
        [row] = listed["recordings"]
        assert listed["total_bytes"] == row["bytes"] > 0
        # 101 talked in it: theirs to see and play; 104 did not: it does not exist for them.
        assert caller.get("/api/recordings").json()["count"] == 1
        assert bystander.get("/api/recordings").json()["count"] == 0
        assert bystander.get(f"/api/recordings/{row['id']}").status_code == 404
        assert bystander.get(f"/api/recordings/{row['id']}/audio").status_code == 404
        audio = caller.get(f"/api/recordings/{row['id']}/audio")
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
        wav = tmp_path / "played.wav"
        wav.write_bytes(audio.content)
        assert tone_seconds(wav, 600) >= 1.2 and tone_seconds(wav, 1000) >= 1.2
        assert caller.delete(f"/api/recordings/{row['id']}").status_code == 403
        assert admin.delete(f"/api/recordings/{row['id']}").status_code == 204
        assert admin.get("/api/recordings").json()["count"] == 0
        actions = [e["action"] for e in admin.get("/api/audit").json()]
        assert {"recording.policy", "recording.copy", "recording.remove"} <= set(actions)


def test_a_website_asks_a_queue_for_a_callback_with_a_key_of_its_own(pbx_api: tuple[RunningPbx, Api]) -> None:
    pbx, api = pbx_api
    assert pbx.minipbx("trunk", "add", "line", "--host", "127.0.0.1", "--port", "9", "--no-register").returncode == 0
    pbx.add_extension("150")
    assert pbx.minipbx("queue", "set", "sales", "--overflow", "ext:150", "--agents", "150").returncode == 0
    with api.as_admin() as admin:
        made = admin.post("/api/keys", json={"name": "website", "permissions": ["callbacks"]})
        assert made.status_code == 201, made.text
        reports = admin.post("/api/keys", json={"name": "reports", "permissions": ["reports"]}).json()["token"]
        with api.client(made.json()["token"]) as website, api.client(reports) as other:
            asked = website.post("/api/queues/sales/callbacks",
                                 json={"number": "040 123 4567", "visitor_address": "203.0.113.7"})
            assert asked.status_code == 201, asked.text
            request = asked.json()
            assert (request["number"], request["state"], request["result"]) == (
                "00401234567", "waiting", "requested by key:website")
            # The stored request is what staff see: the same list as `minipbx queue callbacks`.
            [listed] = admin.get("/api/queues/sales/callbacks").json()
            assert listed["id"] == request["id"]
            again = website.post("/api/queues/sales/callbacks", json={"number": "0401234567"})
            assert again.status_code == 429 and "already waits to be called back" in again.json()["error"]
            barred = website.post("/api/queues/sales/callbacks", json={"number": "0900123456"})
            assert barred.status_code == 403 and "may not call 0900123456 back" in barred.json()["error"], barred.text
            assert website.post("/api/queues/nosuch/callbacks", json={"number": "0401234567"}).status_code == 404
            assert website.post("/api/queues/sales/callbacks", json={"number": "call me"}).status_code == 422
            # The key does that and nothing else; another key cannot ask.
            assert website.get("/api/queues/sales/callbacks").status_code == 403
            refused = other.post("/api/queues/sales/callbacks", json={"number": "0401111111"})
            assert refused.status_code == 403 and "'callbacks'" in refused.json()["error"]
        [audit] = [e for e in admin.get("/api/audit").json() if e["action"] == "queue.callback_request"]
        assert audit["who"] == "key:website"


def _scrape(api: Api, token: str) -> dict[str, str]:
    with api.client(token) as monitoring:
        scraped = monitoring.get("/metrics")
    assert scraped.status_code == 200, scraped.text
    return dict(line.rsplit(" ", 1) for line in scraped.text.splitlines() if not line.startswith("#"))


def test_metrics_show_the_gateway_ports_and_a_lifted_phone(gateway_pbx_api: tuple[RunningPbx, Api]) -> None:
    pbx, api = gateway_pbx_api
    with api.as_admin() as admin:
        token = admin.post("/api/keys", json={"name": "prometheus", "permissions": ["metrics"]}).json()["token"]
    figures = _scrape(api, token)
    assert figures["minipbx_gateway_up"] == "1"
    assert figures['minipbx_gateway_port_registered{port="fxs1",kind="fxs",extension="100"}'] == "1"
    assert figures['minipbx_gateway_port_state{port="fxs1",state="idle"}'] == "1"
    assert (figures['minipbx_gateway_port_off_hook{port="fxs1"}'],
            figures['minipbx_gateway_port_fault{port="fxs1"}']) == ("0", "0")
    with SimClient(pbx.data_dir / "run" / "sim.sock") as board:
        board.request("lift", port="fxs1")
        deadline = time.monotonic() + 10
        while (figures := _scrape(api, token)).get('minipbx_gateway_port_off_hook{port="fxs1"}') != "1":
            assert time.monotonic() < deadline, f"fxs1 off hook did not show in /metrics: {figures}"
            time.sleep(0.2)
        assert figures['minipbx_gateway_port_state{port="fxs1",state="dialtone"}'] == "1"
        assert 'minipbx_gateway_port_state{port="fxs1",state="idle"}' not in figures
        board.request("hang_up", port="fxs1")
