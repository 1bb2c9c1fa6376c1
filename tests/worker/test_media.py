"""Playback, recording and DTMF in a real call worker, heard by a real pjsua2 phone.

The test is the brain: it drives `python -m firmware.worker` over a socketpair, and a test
phone calls the worker's SIP port directly (no edge). What the caller hears is checked by tone
detection on the phone's recording; what the worker records, on the WAV file it wrote.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware.media import wavfile
from tests.support.audio import has_tone, synth_tone, tone_seconds, tone_segments, write_wav
from tests.support.fixtures import PhoneFactory
from tests.support.parallel import rtp_base
from tests.support.pbx import free_sip_port
from tests.support.phone import Phone

REPO_ROOT = Path(__file__).resolve().parents[2]
PHONE_HZ = 600

Event = dict[str, Any]


class WorkerProcess:
    """One call worker with the test in the brain's seat. Events carry `t`, their arrival time."""

    def __init__(self, log_path: Path) -> None:
        self.sip_port = free_sip_port()
        ours, theirs = socket.socketpair()
        self.sock = ours
        with log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "firmware.worker", "--number", "1", "--brain-fd", str(theirs.fileno()),
                 "--sip-port", str(self.sip_port), "--media-addr", "127.0.0.1",
                 "--rtp-base", str(rtp_base(200)), "--rtp-range", "100"],
                pass_fds=[theirs.fileno()], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=REPO_ROOT,
            )
        theirs.close()
        self.log_path = log_path
        self.events: list[Event] = []
        self._taken: set[int] = set()
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait("hello", timeout=15)

    @property
    def uri(self) -> str:
        return f"sip:100@127.0.0.1:{self.sip_port}"

    def _read(self) -> None:
        with self.sock.makefile("rb") as lines:
            for line in lines:
                event = json.loads(line)
                event["t"] = time.monotonic()
                with self._cond:
                    self.events.append(event)
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def send(self, kind: str, **fields: Any) -> float:
        """Send a command; returns when it was sent (time.monotonic())."""
        self.sock.sendall(json.dumps({"type": kind, **fields}).encode() + b"\n")
        return time.monotonic()

    def wait(self, kind: str, timeout: float = 5.0, **match: Any) -> Event:
        """The oldest event of `kind` with these fields that no earlier wait returned."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, event in enumerate(self.events):
                    if i not in self._taken and event["type"] == kind and \
                            all(event.get(k) == v for k, v in match.items()):
                        self._taken.add(i)
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"no {kind} {match} from the worker in {timeout} s; got {self.events}\n"
                                         f"worker log:\n{self.log_path.read_text(errors='replace')[-3000:]}")
                self._cond.wait(remaining)

    def of_leg(self, leg: str) -> list[Event]:
        with self._cond:
            return [event for event in self.events if event.get("leg") == leg]

    def close(self) -> int | None:
        """Close the brain's end: the worker hangs up and exits by itself (killed by PID if not)."""
        self.sock.shutdown(socket.SHUT_RDWR)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self._reader.join(5)
        self.sock.close()
        return self.proc.returncode


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path / "worker.log")
    try:
        yield process
    finally:
        code = process.close()
        # A worker that crashed on the way out (e.g. pjsua2 objects outliving libDestroy) fails the test.
        assert code == 0, process.log_path.read_text(errors="replace")[-3000:]


def tone_file(path: Path, hz: int, seconds: float) -> Path:
    return write_wav(path, synth_tone(hz, seconds))


def call_in(worker: WorkerProcess, phone: Phone) -> str:
    """The phone calls the worker, which answers; returns the worker's leg once it has media."""
    phone.call(worker.uri)
    leg = str(worker.wait("incoming")["leg"])
    worker.send("answer", leg=leg, code=200)
    phone.wait("connected")
    worker.wait("media", leg=leg)
    return leg


def hang_up(phone: Phone, worker: WorkerProcess, leg: str) -> Path:
    """The phone hangs up; returns its recording of the call."""
    phone.hangup()
    phone.wait("disconnected")
    worker.wait("ended", leg=leg)
    return phone.recording()


def assert_closed_wav(path: Path, seconds: float) -> None:
    """A complete 8 kHz 16-bit mono WAV file whose header says `seconds` of audio."""
    raw = path.read_bytes()
    assert raw[:4] == b"RIFF" and int.from_bytes(raw[4:8], "little") == len(raw) - 8, "WAV header not finished"
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() / w.getframerate() == pytest.approx(seconds, abs=0.01)


def test_played_file_reaches_the_caller_and_played_follows_its_length(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    phone = phone_factory("201")
    prompt = tone_file(tmp_path / "prompt.wav", 700, 1.5)
    leg = call_in(worker, phone)
    sent = worker.send("play", leg=leg, id="p1", files=[str(prompt)])
    played = worker.wait("played", leg=leg, id="p1")
    assert played["t"] - sent >= 1.45
    assert "stopped" not in played and "error" not in played
    time.sleep(0.5)
    heard = hang_up(phone, worker, leg)
    assert 1.3 <= tone_seconds(heard, 700) <= 1.7
    [(start, end)] = tone_segments(heard, 700)  # one stretch, not looped
    assert end - start == pytest.approx(1.5, abs=0.2)


def test_playlist_plays_its_files_in_order(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    phone = phone_factory("201")
    first = tone_file(tmp_path / "first.wav", 700, 1.0)
    second = tone_file(tmp_path / "second.wav", 1100, 1.0)
    leg = call_in(worker, phone)
    sent = worker.send("play", leg=leg, id="menu", files=[str(first), str(second)])
    played = worker.wait("played", leg=leg, id="menu")
    assert played["t"] - sent >= 1.95  # not before the caller has heard both
    heard = hang_up(phone, worker, leg)
    [(start_700, end_700)] = tone_segments(heard, 700)
    [(start_1100, end_1100)] = tone_segments(heard, 1100)
    assert end_700 - start_700 == pytest.approx(1.0, abs=0.2)
    assert end_1100 - start_1100 == pytest.approx(1.0, abs=0.2)
    assert start_1100 == pytest.approx(end_700, abs=0.15)  # the second follows the first without a gap


def test_stop_play_ends_it_with_stopped_and_a_tone_replaces_a_play(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    phone = phone_factory("201")
    long_file = tone_file(tmp_path / "long.wav", 700, 10.0)
    leg = call_in(worker, phone)
    worker.send("play", leg=leg, id="p1", files=[str(long_file)])
    time.sleep(1.0)
    worker.send("stop_play", leg=leg)
    assert worker.wait("played", leg=leg, id="p1")["stopped"] is True
    worker.send("play", leg=leg, id="p2", files=[str(long_file)], loop=True)
    time.sleep(1.0)
    worker.send("tone", leg=leg, segments=[[425, 0, 1000, 0]], loop=True)
    assert worker.wait("played", leg=leg, id="p2")["stopped"] is True
    time.sleep(1.0)
    heard = hang_up(phone, worker, leg)
    assert 1.6 <= tone_seconds(heard, 700) <= 2.4  # two plays of about 1 s each, not 10 s
    assert has_tone(heard, 425, 0.7)
    assert [e["id"] for e in worker.of_leg(leg) if e["type"] == "played"] == ["p1", "p2"]  # one each


def test_record_writes_the_callers_voice_until_stopped(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    phone = phone_factory("201", tone_hz=PHONE_HZ)
    path = tmp_path / "message.wav"
    leg = call_in(worker, phone)
    worker.send("record", leg=leg, id="r1", path=str(path), max_seconds=30)
    time.sleep(2.0)
    worker.send("stop_record", leg=leg)
    recorded = worker.wait("recorded", leg=leg, id="r1")
    assert (recorded["reason"], recorded["path"]) == ("stopped", str(path))
    assert 1.8 <= recorded["seconds"] <= 2.5
    assert_closed_wav(path, recorded["seconds"])
    assert tone_seconds(path, PHONE_HZ) >= recorded["seconds"] - 0.3
    hang_up(phone, worker, leg)
    assert [e["type"] for e in worker.of_leg(leg)].count("recorded") == 1


def test_record_stops_at_max_seconds(worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    phone = phone_factory("201", tone_hz=PHONE_HZ)
    path = tmp_path / "short.wav"
    leg = call_in(worker, phone)
    sent = worker.send("record", leg=leg, id="r1", path=str(path), max_seconds=1.5)
    recorded = worker.wait("recorded", leg=leg, id="r1")
    assert recorded["reason"] == "max"
    assert recorded["t"] - sent == pytest.approx(1.5, abs=0.4)
    assert recorded["seconds"] == pytest.approx(1.5, abs=0.15)
    assert_closed_wav(path, recorded["seconds"])
    assert tone_seconds(path, PHONE_HZ) >= 1.2
    hang_up(phone, worker, leg)


def test_hang_up_while_recording_gives_recorded_before_ended_and_a_closed_file(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    phone = phone_factory("201", tone_hz=PHONE_HZ)
    path = tmp_path / "hangup.wav"
    leg = call_in(worker, phone)
    worker.send("record", leg=leg, id="r1", path=str(path), max_seconds=30)
    time.sleep(1.5)
    phone.hangup()
    ended = worker.wait("ended", leg=leg)
    recorded = worker.wait("recorded", leg=leg, id="r1")
    assert recorded["reason"] == "hangup"
    assert recorded["t"] <= ended["t"]
    kinds = [e["type"] for e in worker.of_leg(leg)]
    assert kinds.index("recorded") < kinds.index("ended")
    assert 1.3 <= recorded["seconds"] <= 2.0
    assert_closed_wav(path, recorded["seconds"])
    assert tone_seconds(path, PHONE_HZ) >= recorded["seconds"] - 0.3


def test_caller_speaks_a_message_from_a_file_into_the_recording(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    # A beep, then record while the caller "speaks" (the phone plays a 1000 Hz file instead of its tone).
    phone = phone_factory("201", tone_hz=PHONE_HZ)
    message = tone_file(tmp_path / "spoken.wav", 1000, 1.0)
    path = tmp_path / "voicemail.wav"
    leg = call_in(worker, phone)
    worker.send("tone", leg=leg, segments=[[1400, 0, 300, 0]], loop=False)
    worker.send("record", leg=leg, id="vm", path=str(path), max_seconds=10)
    time.sleep(0.3)
    phone.play_file(message)
    phone.wait("file_done", timeout=3)
    phone.stop_file()  # the phone's own tone is back
    time.sleep(0.8)
    worker.send("stop_record", leg=leg)
    recorded = worker.wait("recorded", leg=leg, id="vm")
    assert_closed_wav(path, recorded["seconds"])
    assert tone_seconds(path, 1000) == pytest.approx(1.0, abs=0.2)
    [(start, end)] = tone_segments(path, 1000)
    # The tone was off while the file played, and came back after it.
    assert tone_seconds(path, PHONE_HZ) >= 0.8
    assert all(e <= start + 0.1 or s >= end - 0.1 for s, e in tone_segments(path, PHONE_HZ))
    heard = hang_up(phone, worker, leg)
    assert has_tone(heard, 1400, 0.2)  # the beep reached the caller while the worker recorded


def test_bridge_stops_the_play_and_the_recording_goes_on_with_the_leg_alone(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    caller = phone_factory("201", tone_hz=PHONE_HZ)
    callee = phone_factory("202", tone_hz=1000, auto_answer=0.0)
    prompt = tone_file(tmp_path / "hold.wav", 700, 10.0)
    path = tmp_path / "caller.wav"
    leg = call_in(worker, caller)
    worker.send("play", leg=leg, id="hold", files=[str(prompt)])
    worker.send("record", leg=leg, id="r1", path=str(path), max_seconds=30)
    worker.send("dial", leg="b1", uri=callee.uri, from_uri=f"sip:201@127.0.0.1:{worker.sip_port}")
    worker.wait("media", leg="b1")
    time.sleep(0.5)
    worker.send("bridge", a=leg, b="b1")
    assert worker.wait("played", leg=leg, id="hold")["stopped"] is True
    time.sleep(1.5)
    worker.send("stop_record", leg=leg)
    recorded = worker.wait("recorded", leg=leg, id="r1", reason="stopped")
    assert_closed_wav(path, recorded["seconds"])
    # The caller's voice only: not the callee's, not the prompt the caller heard.
    assert tone_seconds(path, PHONE_HZ) >= recorded["seconds"] - 0.3
    assert tone_seconds(path, 1000) < 0.2 and tone_seconds(path, 700) < 0.2
    heard_by_caller = hang_up(caller, worker, leg)
    worker.send("hangup", leg="b1")  # what the brain does when one side of a bridge hangs up
    callee.wait("disconnected")
    assert has_tone(heard_by_caller, 1000, 1.2)  # the bridge works
    assert 0.3 <= tone_seconds(heard_by_caller, 700) <= 3.0  # the prompt stopped at the bridge
    assert has_tone(callee.recording(), PHONE_HZ, 1.2)


def test_missing_file_gives_error_and_played_and_the_worker_goes_on(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    phone = phone_factory("201")
    good = tone_file(tmp_path / "good.wav", 700, 0.5)
    missing = tmp_path / "no-such-prompt.wav"
    leg = call_in(worker, phone)
    worker.send("play", leg=leg, id="p1", files=[str(good), str(missing)])
    error = worker.wait("error", leg=leg)
    assert str(missing) in error["message"]
    played = worker.wait("played", leg=leg, id="p1")
    assert str(missing) in played["error"]
    not_wav = tmp_path / "notes.wav"
    not_wav.write_text("not audio")
    worker.send("play", leg=leg, id="p2", files=[str(not_wav)])
    assert str(not_wav) in worker.wait("played", leg=leg, id="p2")["error"]
    worker.send("record", leg=leg, id="r1", path=str(tmp_path / "no-dir" / "x.wav"), max_seconds=5)
    recorded = worker.wait("recorded", leg=leg, id="r1")
    assert recorded["reason"] == "error" and "no-dir" in recorded["error"]
    # Still working: a good file plays.
    worker.send("play", leg=leg, id="p3", files=[str(good)])
    assert "error" not in worker.wait("played", leg=leg, id="p3")
    heard = hang_up(phone, worker, leg)
    assert has_tone(heard, 700, 0.35)


def test_dtmf_reaches_the_phone(worker: WorkerProcess, phone_factory: PhoneFactory) -> None:
    phone = phone_factory("201")
    leg = call_in(worker, phone)
    worker.send("dtmf", leg=leg, digits="12#")
    digits = [phone.wait("dtmf", timeout=5)["digit"] for _ in range(3)]
    assert digits == ["1", "2", "#"]
    worker.send("dtmf", leg=leg, digits="1x")
    assert "1x" in worker.wait("error", leg=leg)["message"]
    hang_up(phone, worker, leg)


def test_worker_shutdown_mid_recording_finishes_the_file(tmp_path: Path, phone_factory: PhoneFactory) -> None:
    # The brain goes away during a recording: the worker hangs up, finishes the WAV file and exits 0.
    worker = WorkerProcess(tmp_path / "worker.log")
    try:
        phone = phone_factory("201", tone_hz=PHONE_HZ)
        path = tmp_path / "cut.wav"
        leg = call_in(worker, phone)
        worker.send("record", leg=leg, id="r1", path=str(path), max_seconds=30)
        worker.send("play", leg=leg, id="p1", files=[str(tone_file(tmp_path / "p.wav", 700, 5.0))])
        time.sleep(1.0)
    finally:
        assert worker.close() == 0, worker.log_path.read_text(errors="replace")[-3000:]
    with wave.open(str(path), "rb") as w:
        seconds = w.getnframes() / w.getframerate()
    assert_closed_wav(path, seconds)
    assert tone_seconds(path, PHONE_HZ) == pytest.approx(1.0, abs=0.3)
    phone.wait("disconnected")


def test_held_callers_share_one_music_player(worker: WorkerProcess, phone_factory: PhoneFactory,
                                             tmp_path: Path) -> None:
    music = tone_file(tmp_path / "music.wav", 700, 1.0)
    first, second = phone_factory("201"), phone_factory("202")
    legs = [call_in(worker, first), call_in(worker, second)]
    for leg in legs:
        worker.send("music", leg=leg, files=[str(music)])
    time.sleep(2.5)
    worker.send("status")
    status = worker.wait("status")
    assert (status["music"], status["music_players"]) == (2, 1), "each held caller got a player of its own"
    worker.send("stop_music", leg=legs[0])
    time.sleep(1.0)
    worker.send("status")
    assert worker.wait("status", music=1)["music_players"] == 1
    heard_first = hang_up(first, worker, legs[0])
    heard_second = hang_up(second, worker, legs[1])
    # The music loops: the one still holding heard it for longer than the one-second file.
    assert 1.5 <= tone_seconds(heard_first, 700) <= 3.0
    assert tone_seconds(heard_second, 700) >= 3.0
    worker.send("status")
    assert worker.wait("status", music=0)["music_players"] == 0


def test_music_uploaded_again_is_heard_by_the_next_held_caller(worker: WorkerProcess, phone_factory: PhoneFactory,
                                                               tmp_path: Path) -> None:
    """An upload replaces the class's file under the same name: the caller already holding hears the
    old music to its end, the next one put on hold the new music, without restarting anything."""
    music = tone_file(tmp_path / "music.wav", 700, 1.0)
    first, second = phone_factory("201"), phone_factory("202")
    legs = [call_in(worker, first), call_in(worker, second)]
    worker.send("music", leg=legs[0], files=[str(music)])
    time.sleep(1.5)
    tone_file(tmp_path / "new.wav", 1100, 1.0).replace(music)
    worker.send("music", leg=legs[1], files=[str(music)])
    time.sleep(2.5)
    worker.send("status")
    assert worker.wait("status")["music_players"] == 2
    heard_first = hang_up(first, worker, legs[0])
    heard_second = hang_up(second, worker, legs[1])
    assert tone_seconds(heard_first, 700) >= 3.0 and tone_seconds(heard_first, 1100) < 0.3
    assert tone_seconds(heard_second, 1100) >= 2.0 and tone_seconds(heard_second, 700) < 0.3


def bridged_pair(worker: WorkerProcess, phone_factory: PhoneFactory) -> tuple[Phone, Phone, str]:
    """A caller (600 Hz) bridged to a callee (1000 Hz) the worker dialled as leg b1."""
    caller = phone_factory("201", tone_hz=PHONE_HZ)
    callee = phone_factory("202", tone_hz=1000, auto_answer=0.0)
    leg = call_in(worker, caller)
    worker.send("dial", leg="b1", uri=callee.uri, from_uri=f"sip:201@127.0.0.1:{worker.sip_port}")
    worker.wait("media", leg="b1")
    worker.send("bridge", a=leg, b="b1")
    return caller, callee, leg


def test_a_conversation_recording_holds_both_parties_in_g711(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    caller, callee, leg = bridged_pair(worker, phone_factory)
    path = tmp_path / "call.wav"
    worker.send("record", leg=leg, id="c1", path=str(path), max_seconds=3600, also="b1", format="ulaw")
    time.sleep(2.0)
    worker.send("stop_record", leg=leg)
    recorded = worker.wait("recorded", leg=leg, id="c1", reason="stopped")
    assert 1.8 <= recorded["seconds"] <= 2.6
    raw = path.read_bytes()
    assert int.from_bytes(raw[4:8], "little") == len(raw) - 8, "WAV header not finished"
    layout = wavfile.layout(path)
    # G.711 u-law, 8 kHz mono: 64 kbit/s, half of 16-bit PCM.
    assert (layout.format_tag, layout.rate, layout.channels, layout.byte_rate) == (wavfile.ULAW, 8000, 1, 8000)
    assert layout.data_size == len(raw) - layout.data_offset
    # Both voices, together, for the whole recording.
    assert tone_seconds(path, PHONE_HZ) >= recorded["seconds"] - 0.4
    assert tone_seconds(path, 1000) >= recorded["seconds"] - 0.4
    hang_up(caller, worker, leg)
    worker.send("hangup", leg="b1")
    callee.wait("disconnected")


def test_a_recording_cut_by_a_killed_worker_is_repaired_and_plays(
        phone_factory: PhoneFactory, tmp_path: Path) -> None:
    worker = WorkerProcess(tmp_path / "killed-worker.log")  # not the fixture: this one dies on purpose
    caller, callee, leg = bridged_pair(worker, phone_factory)
    path = tmp_path / "cut.wav"
    worker.send("record", leg=leg, id="c1", path=str(path), max_seconds=3600, also="b1", format="ulaw")
    time.sleep(3.0)
    worker.proc.kill()  # SIGKILL: pjmedia never writes the header
    worker.close()
    assert not wavfile.is_closed(path)
    assert wavfile.repair(path)
    assert wavfile.is_closed(path) and not wavfile.repair(path)
    # All but the last moment (pjmedia's write buffer, the bridge's last ticks) is there, both voices.
    assert tone_seconds(path, PHONE_HZ) >= 1.5
    assert tone_seconds(path, 1000) >= 1.5
    caller.hangup()
    callee.hangup()


def test_a_bad_recording_format_is_refused_by_name(
        worker: WorkerProcess, phone_factory: PhoneFactory, tmp_path: Path) -> None:
    phone = phone_factory("201")
    leg = call_in(worker, phone)
    worker.send("record", leg=leg, id="c1", path=str(tmp_path / "x.wav"), max_seconds=10, format="mp3")
    recorded = worker.wait("recorded", leg=leg, id="c1")
    assert recorded["reason"] == "error" and "'mp3'" in recorded["error"] and "ulaw" in recorded["error"]
    hang_up(phone, worker, leg)


def test_a_room_mixes_every_member_for_the_others_and_a_muted_one_is_no_longer_heard(
        worker: WorkerProcess, phone_factory: PhoneFactory) -> None:
    phones = {hz: phone_factory(f"20{n}", tone_hz=hz) for n, hz in enumerate((600, 1000, 1400), 1)}
    legs = {hz: call_in(worker, phone) for hz, phone in phones.items()}
    for leg in legs.values():
        worker.send("room_join", room="r1", leg=leg)
    worker.send("status")
    assert sorted(worker.wait("status")["rooms"]["r1"]) == sorted(legs.values())
    time.sleep(2.0)
    worker.send("room_mute", room="r1", leg=legs[600], muted=True)
    time.sleep(2.0)
    heard = {hz: hang_up(phone, worker, legs[hz]) for hz, phone in phones.items()}
    # Everyone hears the other two and never itself ...
    for hz, recording in heard.items():
        assert tone_seconds(recording, hz) < 0.3
    assert tone_seconds(heard[600], 1000) >= 3.4 and tone_seconds(heard[600], 1400) >= 3.4  # muted, still hears
    assert tone_seconds(heard[1000], 1400) >= 3.4 and tone_seconds(heard[1400], 1000) >= 3.4
    # ... and the muted member only until it was muted.
    for hz in (1000, 1400):
        assert 1.4 <= tone_seconds(heard[hz], 600) <= 2.6, (hz, tone_seconds(heard[hz], 600))
