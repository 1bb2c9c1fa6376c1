"""Many calls at once, and what a user sees when a part of the PBX crashes."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.support.audio import Audio, load_wav, tone_seconds
from tests.support.pbx import RunningPbx
from tests.support.phone import Phone

# Far enough apart that every call's tones are told apart (crosstalk check).
CALLER_HZ = (400, 800, 1200, 1600, 2000, 2400)
CALLEE_HZ = (600, 1000, 1400, 1800, 2200, 2600)


def _tail(path: Path, seconds: float) -> Audio:
    audio = load_wav(path)
    return Audio(audio.samples[-int(seconds * audio.rate):], audio.rate)


def _start_calls(pbx: RunningPbx, count: int, first: int = 201) -> list[tuple[Phone, Phone]]:
    pairs = []
    for i in range(count):
        caller = pbx.phone(str(first + 2 * i), tone_hz=CALLER_HZ[i])
        callee = pbx.phone(str(first + 2 * i + 1), tone_hz=CALLEE_HZ[i])
        caller.call(callee.user)
        callee.wait("incoming")
        callee.answer(200)
        caller.wait("connected")
        callee.wait("connected")
        pairs.append((caller, callee))
    return pairs


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_six_bridged_calls_at_once_each_with_its_own_audio(pbx: RunningPbx) -> None:
    pairs = _start_calls(pbx, 6)
    status = pbx.status()
    assert status is not None
    assert len(status["active_calls"]) == 6
    # The edge spreads new calls over the workers (round robin), so a crash takes only part of them.
    used = {c["worker"] for c in status["active_calls"]}
    assert len(used) == min(6, len(status["workers"])) >= 2
    time.sleep(2)
    for caller, _ in pairs:
        caller.hangup()
    for i, (caller, callee) in enumerate(pairs):
        caller.wait("disconnected")
        callee.wait("disconnected")
        heard_by_caller, heard_by_callee = caller.recording(), callee.recording()
        assert tone_seconds(heard_by_caller, CALLEE_HZ[i]) >= 1.2, f"call {i}: caller heard nothing"
        assert tone_seconds(heard_by_callee, CALLER_HZ[i]) >= 1.2, f"call {i}: callee heard nothing"
        for other in set(CALLER_HZ + CALLEE_HZ) - {CALLER_HZ[i], CALLEE_HZ[i]}:
            assert tone_seconds(heard_by_caller, other) < 0.2, f"call {i}: crosstalk {other} Hz"
    rows = pbx.wait_cdr(6)
    assert sorted(r["answered_by"] for r in rows) == sorted(callee.user for _, callee in pairs)


def test_worker_killed_mid_call_other_calls_go_on(pbx: RunningPbx) -> None:
    pairs = _start_calls(pbx, 3)
    status = pbx.status()
    assert status is not None
    worker_of = {c["caller"]: c["worker"] for c in status["active_calls"]}
    victim_caller, _ = pairs[0]
    victim_worker = worker_of[victim_caller.user]
    survivors = [(i, p) for i, p in enumerate(pairs) if worker_of[p[0].user] != victim_worker]
    assert survivors, "all calls landed on one worker"
    old_pid = pbx.worker_pids()[victim_worker]

    os.kill(old_pid, signal.SIGKILL)
    time.sleep(3)

    # The other calls kept their audio after the crash.
    for _, (caller, _callee) in survivors:
        caller.hangup()
    for i, (caller, callee) in survivors:
        caller.wait("disconnected")
        callee.wait("disconnected")
        assert tone_seconds(_tail(caller.recording(), 2.5), CALLEE_HZ[i]) >= 1.5
        assert tone_seconds(_tail(callee.recording(), 2.5), CALLER_HZ[i]) >= 1.5

    # The worker came back under a new process.
    deadline = time.monotonic() + 20
    while True:
        status = pbx.status()
        assert status is not None
        worker = next(w for w in status["workers"] if w["number"] == victim_worker)
        if worker["up"] and worker["pid"] != old_pid:
            break
        assert time.monotonic() < deadline, f"worker {victim_worker} did not come back: {worker}"
        time.sleep(0.2)
    assert worker["restarts"] == 1
    assert not _alive(old_pid)

    # The phones of the broken calls were hung up by the edge (BYE), not left in silence
    # sending RTP to ports the restarted worker uses again.
    for caller, callee in pairs:
        if worker_of[caller.user] == victim_worker:
            caller.wait("disconnected")
            callee.wait("disconnected")
            caller.close()
            callee.close()

    # The crashed call is on record, and its extensions are free again.
    rows = pbx.wait_cdr(3)
    crashed = next(r for r in rows if r["caller"] == victim_caller.user)
    assert crashed["hangup_cause"] == "call worker failed"
    assert crashed["answered_by"] is not None

    # New calls work, enough of them to need the restarted worker too.
    fresh = _start_calls(pbx, 4, first=301)
    status = pbx.status()
    assert status is not None
    assert victim_worker in {c["worker"] for c in status["active_calls"]}
    time.sleep(1.5)
    for caller, _ in fresh:
        caller.hangup()
    for i, (caller, callee) in enumerate(fresh):
        caller.wait("disconnected")  # its recording is complete only then
        callee.wait("disconnected")
        assert tone_seconds(caller.recording(), CALLEE_HZ[i]) >= 0.8
        assert tone_seconds(callee.recording(), CALLER_HZ[i]) >= 0.8


def test_brain_killed_registrations_survive_restart(pbx: RunningPbx) -> None:
    a = pbx.phone("101", tone_hz=600)
    b = pbx.phone("102", tone_hz=1000)
    a.call("102")
    b.wait("incoming")
    b.answer(200)
    a.wait("connected")
    a.hangup()
    b.wait("disconnected")
    pbx.wait_cdr(1)
    old = pbx.status()
    assert old is not None
    children = [old["edge"]["pid"], *(w["pid"] for w in old["workers"])]

    pbx.kill9()
    # The edge and workers die with the brain, so a new one can take the ports.
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in children):
        assert time.monotonic() < deadline, "children outlived the brain"
        time.sleep(0.1)

    pbx.start()
    status = pbx.status()
    assert status is not None
    assert sorted(r["extension"] for r in status["registrations"]) == ["101", "102"]
    # No phone registered again: the call reaches 102 from the stored registration.
    a_call = a.call("102")
    b_call = b.wait("incoming")["call"]
    b.answer(200, call=b_call)
    a.wait("connected", call=a_call)
    time.sleep(2)
    b.hangup(call=b_call)
    a.wait("disconnected", call=a_call)
    b.wait("disconnected", call=b_call)
    assert tone_seconds(a.recording(a_call), 1000) >= 1.2
    assert tone_seconds(b.recording(b_call), 600) >= 1.2
    rows = pbx.wait_cdr(2)
    assert [r["disposition"] for r in rows] == ["answered", "answered"]


def test_sigterm_stops_everything_cleanly(pbx: RunningPbx) -> None:
    pbx.phone("101")
    status = pbx.status()
    assert status is not None
    children = [status["edge"]["pid"], *(w["pid"] for w in status["workers"])]
    assert pbx.stop() == 0
    assert not any(_alive(pid) for pid in children)
    assert not (pbx.data_dir / "run" / "control.sock").exists()
    result = pbx.minipbx("status")
    assert result.returncode == 1 and "not running" in result.stderr


def test_status_lists_calls_and_registrations(pbx: RunningPbx) -> None:
    count = 2
    pairs = _start_calls(pbx, count)
    result = pbx.minipbx("status")
    assert result.returncode == 0, result.stderr
    assert "edge: up" in result.stdout
    assert f"active calls: {count}" in result.stdout
    assert f"registrations: {2 * count}" in result.stdout
    for caller, _ in pairs:
        caller.hangup()
