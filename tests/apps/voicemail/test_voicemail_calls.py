"""Voicemail on a running PBX with real phones: leaving, listening, greetings, lamps, e-mail."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware.apps.voicemail.store import recording_path, store_message
from firmware.store.database import open_store
from tests.apps.voicemail.conftest import MailServers
from tests.support.audio import Audio, load_wav, synth_tone, tone_seconds, tone_segments, write_wav
from tests.support.pbx import RunningPbx
from tests.support.phone import Event, Phone
from tests.support.prompts import heard, heard_at, seconds

VOICE_HZ = 600      # what the caller "says"
BEEP_HZ = 1000      # the tone before recording
SPEAK_SECONDS = 3.0
# A test phone sends one RFC 2833 digit every 200 ms.
DIGIT_SECONDS = 0.2
GREETING_HZ = 1300  # what the owner "says" as a greeting
MESSAGE_HZ = 700    # a message left earlier


def cli(pbx: RunningPbx, *args: str) -> str:
    result = pbx.minipbx(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def listed(pbx: RunningPbx, mailbox: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(cli(pbx, "voicemail", "list", mailbox, "--json"))
    return found


def greeting_prompts(mailbox: str, reason: str = "not-available") -> list[str]:
    """What a caller hears before the tone when the mailbox has no greeting of its own."""
    return ["extension", *(f"digit-{d}" for d in mailbox), reason, "leave-message"]


def speak_after_tone(caller: Phone, connected: Event, before_tone: list[str], speak: float = SPEAK_SECONDS,
                     end_key: str = "") -> None:
    """Stay on the line through the greeting and the tone, talk for `speak` seconds, then hang up
    (or press `end_key` and let the PBX hang up). The tone is found in what the caller hears as
    it arrives, so a greeting that starts late on a busy machine does not shorten the message."""
    since_tone = _seconds_since_tone(caller, connected, before_tone)
    time.sleep(max(0.0, speak - since_tone))
    if end_key:
        caller.dtmf(end_key)
        caller.wait("disconnected", timeout=10)
        return
    caller.hangup()
    caller.wait("disconnected")


# What pjmedia's WAV writer holds back before writing (PJMEDIA_FILE_PORT_BUFSIZE, 4000 bytes):
# the caller's recording runs up to a quarter of a second behind the call.
WRITER_LAG = 4000 / (2 * 8000)


def _seconds_since_tone(caller: Phone, connected: Event, before_tone: list[str]) -> float:
    """Seconds since the recording tone ended, read from the caller's recording as it is written
    (16-bit mono at 8 kHz after a 44-byte header that is completed only at hangup)."""
    greeting = seconds(*before_tone)
    if caller.record_dir is None:       # no live audio to look at: estimate from the prompts' length
        return time.monotonic() - (connected["t"] + greeting + 0.5)
    path = caller.record_dir / f"call-{connected['call']}.wav"
    deadline = time.monotonic() + greeting + 10.0
    while time.monotonic() < deadline:
        raw = path.read_bytes()[44:] if path.exists() else b""
        raw = raw[:len(raw) - len(raw) % 2]
        heard_so_far = Audio(np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0, 8000)
        length = len(raw) / (2 * 8000)
        tones = [(start, end) for start, end in tone_segments(heard_so_far, BEEP_HZ)
                 if start > greeting - 2.0 and end - start >= 0.25 and end < length - 0.1]
        if tones:
            return length - tones[0][1] + WRITER_LAG / 2
        time.sleep(0.05)
    raise AssertionError(f"no {BEEP_HZ} Hz recording tone in {path} within {greeting + 10.0:.1f} s of "
                         f"answering (greeting {' + '.join(before_tone)}: {greeting:.1f} s)")


def test_unanswered_call_leaves_a_message_and_lights_the_lamp(pbx: RunningPbx) -> None:
    owner = pbx.phone("201")
    caller = pbx.phone("101", tone_hz=VOICE_HZ)
    cli(pbx, "fwd", "set", "201", "no-answer", "voicemail:201", "--after", "5")

    caller.call("201")
    owner.wait("incoming")
    connected = caller.wait("connected", timeout=10)
    owner.wait("disconnected")              # it stopped ringing
    speak_after_tone(caller, connected, greeting_prompts("201"))

    heard_audio = caller.recording()
    assert heard(heard_audio, "not-available") and heard(heard_audio, "leave-message")
    leave_at = heard_at(heard_audio, "leave-message")
    assert leave_at is not None
    beeps = [s for s in tone_segments(heard_audio, BEEP_HZ) if s[0] > leave_at]
    assert beeps and 0.25 < beeps[0][1] - beeps[0][0] < 0.6

    [message] = listed(pbx, "201")
    assert (message["caller"], message["folder"]) == ("101", "new")
    assert abs(message["seconds"] - SPEAK_SECONDS) < 0.8
    audio = pbx.data_dir / "voicemail" / message["file"]
    assert tone_seconds(audio, VOICE_HZ) > message["seconds"] - 0.5

    lamp = owner.wait("mwi", waiting=True)
    assert (lamp["new"], lamp["saved"]) == (1, 0)
    row = pbx.wait_cdr(1)[-1]
    assert row["disposition"] == "voicemail"
    assert "message left in mailbox 201" in row["hangup_cause"]


def test_busy_caller_hears_the_busy_greeting(pbx: RunningPbx) -> None:
    owner, colleague = pbx.phone("201"), pbx.phone("102")
    caller = pbx.phone("101", tone_hz=VOICE_HZ)
    cli(pbx, "fwd", "set", "201", "busy", "voicemail:201")
    colleague.call("201")
    owner.wait("incoming")
    owner.answer(200)
    colleague.wait("connected")

    caller.call("201")
    connected = caller.wait("connected", timeout=10)
    owner.expect_no("incoming", within=0.5)
    speak_after_tone(caller, connected, greeting_prompts("201", "busy"))
    heard_audio = caller.recording()
    assert heard(heard_audio, "busy") and heard(heard_audio, "leave-message")
    assert not heard(heard_audio, "not-available")
    [message] = listed(pbx, "201")
    assert abs(message["seconds"] - SPEAK_SECONDS) < 0.8
    row = next(r for r in pbx.wait_cdr(1) if r["caller"] == "101")
    assert row["disposition"] == "voicemail" and "201 extension busy" in row["route"]


def test_greeting_recorded_from_the_own_phone_is_what_callers_hear(pbx: RunningPbx, tmp_path: Path) -> None:
    owner = pbx.phone("201")                    # silent until it plays its greeting
    caller = pbx.phone("101", tone_hz=VOICE_HZ)
    greeting = write_wav(tmp_path / "greeting.wav", synth_tone(GREETING_HZ, 3.0))

    owner.call("*97")
    owner.wait("connected")
    time.sleep(0.5)
    owner.dtmf("0")                             # greetings
    time.sleep(1.0)
    owner.dtmf("1")                             # the unavailable greeting
    time.sleep(seconds("record-after-tone") + 0.5 + 0.6)
    owner.play_file(greeting)
    owner.wait("file_done", timeout=6)
    owner.dtmf("#")
    time.sleep(1.5)                             # into the review prompt
    owner.dtmf("1")                             # keep it
    time.sleep(seconds("recording-kept") + 0.5)
    owner.hangup()
    owner.wait("disconnected")
    assert heard(owner.recording(), "record-after-tone") and heard(owner.recording(), "recording-kept")

    cli(pbx, "fwd", "set", "201", "always", "voicemail:201")
    caller.call("201")
    caller.wait("connected", timeout=10)
    time.sleep(2.5 + seconds("leave-message") + 1.0)
    caller.hangup()
    caller.wait("disconnected")
    heard_audio = caller.recording()
    assert tone_seconds(heard_audio, GREETING_HZ) > 2.0
    assert not heard(heard_audio, "not-available")
    assert heard(heard_audio, "leave-message")


def use_mail_server(pbx: RunningPbx, port: int) -> None:
    for key, value in (("smtp_host", "127.0.0.1"), ("smtp_port", str(port)), ("smtp_security", "none"),
                       ("smtp_from", "pbx@example.com")):
        pbx.set(key, value)


def test_message_is_emailed_with_the_spoken_audio(pbx: RunningPbx, mail_servers: MailServers,
                                                 tmp_path: Path) -> None:
    inbox, port = mail_servers.start()
    use_mail_server(pbx, port)
    pbx.add_extension("201")
    cli(pbx, "voicemail", "email", "201", "jane@example.com")
    cli(pbx, "fwd", "set", "201", "always", "voicemail:201")
    caller = pbx.phone("101", tone_hz=VOICE_HZ)

    caller.call("201")
    connected = caller.wait("connected", timeout=10)
    speak_after_tone(caller, connected, greeting_prompts("201"), end_key="#")
    assert heard(caller.recording(), "message-saved")

    deadline = time.monotonic() + 15
    while not (inbox.mails and listed(pbx, "201")[0]["emailed"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    [(sender, recipients, mail)] = inbox.mails
    assert (sender, recipients) == ("pbx@example.com", ["jane@example.com"])
    assert str(mail["Subject"]).startswith("Voicemail from 101")
    [part] = list(mail.iter_attachments())
    assert part.get_content_type() == "audio/wav"
    wav = tmp_path / "attached.wav"
    wav.write_bytes(part.get_content())
    [message] = listed(pbx, "201")
    assert message["emailed"]
    assert load_wav(wav).seconds == pytest.approx(message["seconds"], abs=0.05)
    assert abs(message["seconds"] - SPEAK_SECONDS) < 0.8
    assert tone_seconds(wav, VOICE_HZ) > message["seconds"] - 0.5


def test_message_deleted_once_emailed_leaves_no_lamp_lit(pbx: RunningPbx, mail_servers: MailServers) -> None:
    inbox, port = mail_servers.start()
    use_mail_server(pbx, port)
    owner = pbx.phone("201")
    cli(pbx, "voicemail", "email", "201", "jane@example.com", "--delete-after-email")
    cli(pbx, "fwd", "set", "201", "always", "voicemail:201")
    caller = pbx.phone("101", tone_hz=VOICE_HZ)

    caller.call("201")
    connected = caller.wait("connected", timeout=10)
    speak_after_tone(caller, connected, greeting_prompts("201"), speak=1.5)
    deadline = time.monotonic() + 15
    while not (inbox.mails and not listed(pbx, "201")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(inbox.mails) == 1 and listed(pbx, "201") == []
    time.sleep(1.0)
    last = owner.last("mwi")
    assert last is not None and (last["waiting"], last["new"]) == (False, 0)
    # A phone that registers now is told the same.
    second = pbx.phone("201")
    told = second.wait("mwi")
    assert (told["waiting"], told["new"]) == (False, 0)


def seed_message(pbx: RunningPbx, mailbox: str, caller: str, hz: float, length: float) -> None:
    """A message as a caller would have left it (the leaving is tested above)."""
    db = open_store(pbx.data_dir)
    try:
        recorded = write_wav(recording_path(pbx.data_dir, mailbox), synth_tone(hz, length))
        assert store_message(db, pbx.data_dir, mailbox, caller, f"Extension {caller}", recorded) is not None
    finally:
        db.conn.close()


def test_own_phone_hears_the_message_and_deletes_it(pbx: RunningPbx) -> None:
    owner = pbx.phone("201")
    seed_message(pbx, "201", "101", MESSAGE_HZ, 2.0)

    owner.call("*97")
    owner.wait("connected")
    time.sleep(seconds("you-have", "one-new-message") + 0.5)
    owner.dtmf("1")                               # new messages
    time.sleep(seconds("message", "from", "digit-1", "digit-0", "digit-1") + 2.0 + 1.5)
    owner.dtmf("3")                               # delete
    time.sleep(seconds("message-deleted", "no-more-messages") + 1.0)
    owner.hangup()
    owner.wait("disconnected")

    heard_audio = owner.recording()
    assert heard(heard_audio, "one-new-message")
    assert tone_seconds(heard_audio, MESSAGE_HZ) > 1.5
    assert heard(heard_audio, "message-deleted")
    assert listed(pbx, "201") == []
    assert not list((pbx.data_dir / "voicemail" / "201").glob("msg-*.wav"))
    lamp = owner.wait("mwi", new=0, saved=0)
    assert lamp["waiting"] is False


def test_forward_a_message_to_a_colleague_then_save_it(pbx: RunningPbx) -> None:
    owner, colleague = pbx.phone("201"), pbx.phone("202")
    seed_message(pbx, "201", "101", MESSAGE_HZ, 2.0)

    owner.call("*97")
    owner.wait("connected")
    time.sleep(0.3)
    owner.dtmf("1")                               # new messages
    time.sleep(1.0)
    owner.dtmf("4")                               # forward, while it plays
    time.sleep(1.0)
    owner.dtmf("202#")
    time.sleep(keying("202#") + seconds("message-forwarded") + 0.8)
    owner.dtmf("2")                               # save
    time.sleep(seconds("message-saved") + 0.8)
    owner.hangup()
    owner.wait("disconnected")
    heard_audio = owner.recording()
    assert heard(heard_audio, "message-forwarded") and heard(heard_audio, "message-saved")

    [copy] = listed(pbx, "202")
    assert (copy["caller"], copy["folder"], copy["seconds"]) == ("101", "new", 2.0)
    assert tone_seconds(pbx.data_dir / "voicemail" / copy["file"], MESSAGE_HZ) > 1.8
    assert [m["folder"] for m in listed(pbx, "201")] == ["saved"]
    lamp = colleague.wait("mwi", waiting=True)
    assert (lamp["new"], lamp["saved"]) == (1, 0)
    lamp = owner.wait("mwi", new=0, saved=1)
    assert lamp["waiting"] is False


def keying(digits: str) -> float:
    return len(digits) * DIGIT_SECONDS


def mailbox_login(phone: Phone, mailbox: str, pin: str) -> None:
    """Key mailbox and PIN at the prompts (typed ahead of them, as people do)."""
    phone.dtmf(f"{mailbox}#{pin}#")


def test_other_phone_gets_in_with_the_right_pin_only(pbx: RunningPbx) -> None:
    pbx.add_extension("201")
    cli(pbx, "voicemail", "pin", "201", "4826")
    seed_message(pbx, "201", "101", MESSAGE_HZ, 2.0)
    colleague = pbx.phone("102")

    colleague.call("*98")
    colleague.wait("connected")
    time.sleep(1.0)
    mailbox_login(colleague, "201", "1357")       # wrong
    time.sleep(keying("201#1357#") + seconds("wrong-pin") + 1.0)
    mailbox_login(colleague, "201", "4826")       # right, on the second try
    time.sleep(keying("201#4826#") + seconds("you-have", "one-new-message") + 0.5)
    colleague.hangup()
    colleague.wait("disconnected")
    heard_audio = colleague.recording()
    wrong_at, summary_at = heard_at(heard_audio, "wrong-pin"), heard_at(heard_audio, "one-new-message")
    assert wrong_at is not None and summary_at is not None and wrong_at < summary_at
    assert [m["folder"] for m in listed(pbx, "201")] == ["new"]


def test_repeated_wrong_pins_lock_the_caller_out(pbx: RunningPbx) -> None:
    pbx.add_extension("201")
    cli(pbx, "voicemail", "pin", "201", "4826")
    guesser = pbx.phone("102")

    guesser.call("*98")
    guesser.wait("connected")
    time.sleep(1.0)
    for guess in ("1357", "2468", "9753"):
        mailbox_login(guesser, "201", guess)
        time.sleep(keying(f"201#{guess}#") + seconds("wrong-pin") + 1.0)
    guesser.wait("disconnected", timeout=10)      # goodbye after three tries
    assert heard(guesser.recording(), "goodbye")

    # Locked out now, even with the right PIN.
    guesser.call("*98")
    guesser.wait("connected")
    time.sleep(1.0)
    mailbox_login(guesser, "201", "4826")
    guesser.wait("disconnected", timeout=15)
    heard_audio = guesser.recording()
    assert heard(heard_audio, "locked-out")
    assert not heard(heard_audio, "vm-main-menu") and not heard(heard_audio, "no-messages")


def test_messages_survive_a_restart(pbx: RunningPbx) -> None:
    owner = pbx.phone("201")
    caller = pbx.phone("101", tone_hz=VOICE_HZ)
    cli(pbx, "fwd", "set", "201", "always", "voicemail:201")
    caller.call("201")
    connected = caller.wait("connected", timeout=10)
    speak_after_tone(caller, connected, greeting_prompts("201"))
    [before] = listed(pbx, "201")
    owner.wait("mwi", waiting=True)

    assert pbx.stop() == 0
    pbx.start()
    assert listed(pbx, "201") == [before]
    lamp = owner.wait("mwi", waiting=True, timeout=10)   # the lamp is lit again after the restart
    assert lamp["new"] == 1

    owner.call("*97")
    owner.wait("connected", timeout=10)
    time.sleep(0.5)
    owner.dtmf("1")
    time.sleep(seconds("message", "from", "digit-1", "digit-0", "digit-1") + before["seconds"] + 2.0)
    owner.hangup()
    owner.wait("disconnected")
    assert tone_seconds(owner.recording(), VOICE_HZ) > before["seconds"] - 0.7


def test_full_disk_says_no_message_can_be_recorded(pbx: RunningPbx) -> None:
    limit_mb = 100_000_000  # about 95 TiB: more than any data partition this runs on
    pbx.set("min_free_mb", str(limit_mb))
    owner = pbx.phone("201")
    caller = pbx.phone("101", tone_hz=VOICE_HZ)
    cli(pbx, "fwd", "set", "201", "always", "voicemail:201")

    caller.call("201")
    caller.wait("connected", timeout=10)
    caller.wait("disconnected", timeout=10)           # the PBX hangs up: nothing to talk to
    heard_audio = caller.recording()
    assert heard(heard_audio, "cannot-record")
    assert not heard(heard_audio, "leave-message") and tone_seconds(heard_audio, BEEP_HZ) == 0
    assert listed(pbx, "201") == []
    assert not list((pbx.data_dir / "voicemail").rglob("*.wav"))
    row = pbx.wait_cdr(1)[-1]
    assert row["disposition"] == "failed" and "no room" in row["hangup_cause"]

    # A greeting cannot be recorded either.
    owner.call("*97")
    owner.wait("connected")
    time.sleep(0.5)
    owner.dtmf("0")
    time.sleep(1.0)
    owner.dtmf("1")
    time.sleep(seconds("cannot-record") + 1.0)
    owner.hangup()
    owner.wait("disconnected")
    assert heard(owner.recording(), "cannot-record")
    assert tone_seconds(owner.recording(), BEEP_HZ) == 0
    assert not list((pbx.data_dir / "voicemail").rglob("*.wav"))
