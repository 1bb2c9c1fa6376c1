"""How many calls one call worker holds, and what its capacity probe answers.

With the pjsua2 we build (pjproject/config_site.h: 256 calls per process) one worker
bridges more than the 4 legs of the registries' build, each call with its own audio.
"""
from __future__ import annotations

import time
from pathlib import Path

from firmware.worker.endpoint import busy_response
from tests.support.audio import tone_seconds
from tests.support.fixtures import PhoneFactory
from tests.worker.test_media import WorkerProcess, call_in

# Far enough apart that every call's tones are told apart (crosstalk check).
CALLER_HZ = (400, 800, 1200, 1600, 2000)
CALLEE_HZ = (600, 1000, 1400, 1800, 2200)


def test_one_worker_bridges_five_calls_each_with_its_own_audio(tmp_path: Path, phone_factory: PhoneFactory) -> None:
    worker = WorkerProcess(tmp_path / "worker.log")
    try:
        capacity = int(next(e for e in worker.events if e["type"] == "hello")["capacity"])
        # The test's RTP range (100 ports) bounds it below the build's 256.
        assert capacity > 2 * len(CALLER_HZ) > 4
        pairs = []
        for i, (caller_hz, callee_hz) in enumerate(zip(CALLER_HZ, CALLEE_HZ, strict=True)):
            caller = phone_factory(f"2{i}1", tone_hz=caller_hz)
            callee = phone_factory(f"2{i}2", tone_hz=callee_hz)
            a = call_in(worker, caller)
            b = call_in(worker, callee)
            worker.send("bridge", a=a, b=b)
            pairs.append((caller, callee, a, b))
        time.sleep(2.0)
        for caller, callee, a, b in pairs:
            caller.hangup()
            callee.hangup()
            caller.wait("disconnected")
            callee.wait("disconnected")
            worker.wait("ended", leg=a)
            worker.wait("ended", leg=b)
        for i, (caller, callee, _, _) in enumerate(pairs):
            heard_by_caller, heard_by_callee = caller.recording(), callee.recording()
            assert tone_seconds(heard_by_caller, CALLEE_HZ[i]) >= 1.2, f"call {i}: caller heard nothing"
            assert tone_seconds(heard_by_callee, CALLER_HZ[i]) >= 1.2, f"call {i}: callee heard nothing"
            for other in set(CALLER_HZ + CALLEE_HZ) - {CALLER_HZ[i], CALLEE_HZ[i]}:
                assert tone_seconds(heard_by_caller, other) < 0.2, f"call {i}: crosstalk {other} Hz"
    finally:
        code = worker.close()
    assert code == 0, worker.log_path.read_text(errors="replace")[-3000:]


INVITE = (
    "INVITE sip:capacity-probe@127.0.0.1:5999 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bKabc\r\n"
    "Max-Forwards: 70\r\n"
    'From: "pbx" <sip:pbx@127.0.0.1>;tag=x1\r\n'
    "To: <sip:capacity-probe@127.0.0.1:5999>\r\n"
    "Call-ID: c1@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 3\r\n\r\nv=0"
)


def test_the_probe_peer_refuses_an_invite_as_busy_with_its_dialog_headers() -> None:
    reply = busy_response(INVITE.encode())
    assert reply is not None
    lines = reply.decode().split("\r\n")
    assert lines[0] == "SIP/2.0 486 Busy Here"
    assert "Via: SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bKabc" in lines
    assert "To: <sip:capacity-probe@127.0.0.1:5999>;tag=capacity-probe" in lines
    assert {"Call-ID: c1@127.0.0.1", "CSeq: 1 INVITE", 'From: "pbx" <sip:pbx@127.0.0.1>;tag=x1'} <= set(lines)
    assert reply.endswith(b"Content-Length: 0\r\n\r\n")
    assert not any(line.startswith(("Content-Type", "Max-Forwards")) for line in lines)


def test_the_probe_peer_ignores_what_is_not_an_invite() -> None:
    assert busy_response(INVITE.replace("INVITE sip", "ACK sip", 1).encode()) is None
    assert busy_response(b"") is None
    assert busy_response(b"\xff\xfe\x00garbage") is None
    # Compact headers and a To that already has a tag are echoed as they are.
    compact = busy_response(b"INVITE sip:x@h SIP/2.0\r\nv: SIP/2.0/UDP h\r\nt: <sip:x@h>;tag=t9\r\ni: c2\r\n\r\n")
    assert compact is not None and b"t: <sip:x@h>;tag=t9\r\n" in compact and b"v: SIP/2.0/UDP h\r\n" in compact
