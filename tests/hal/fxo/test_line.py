"""The FXO driver talking to the simulated voice modem over a real pty (and a socket)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hal.backoff import Backoff
from hal.clock import ManualClock
from hal.fxo.events import CallerIdReceived, DigitReceived, LineRinging, LineSignalled, RingingStopped
from hal.fxo.line import DialFailed, LineState, ModemError
from hal.fxo.sim import StreamMode, VoiceModemSimulator
from hal.fxo.v253 import LineSignal
from hal.health import DeviceState
from hal.ports import CallerId
from tests.hal.eventually import eventually
from tests.hal.fxo.conftest import LineUnderTest, open_line
from tests.hal.tones import tone, tone_power

CALLER = CallerId(number="0401234567", name="ACME OY", date="1122", time="0915")


def frames(pcm: bytes) -> list[bytes]:
    return [pcm[i : i + 320] for i in range(0, len(pcm) - 319, 320)]


def collect_rx(fxo: LineUnderTest, size: int) -> bytes:
    received = bytearray()

    def enough() -> bool:
        chunk = fxo.line.audio.rx.pop(320)
        if chunk is not None:
            received.extend(chunk)
        return len(received) >= size

    eventually(enough, what="audio from the line")
    return bytes(received)


def test_the_modem_is_put_in_voice_mode_with_caller_id(fxo: LineUnderTest) -> None:
    assert fxo.sim.commands[:5] == ["ATZ", "ATE0", "AT+FCLASS=8", "AT+VCID=1", "AT+VSM=1,8000"]
    assert fxo.line.status.state is DeviceState.UP


def test_incoming_call_rings_with_caller_id_until_the_caller_gives_up(fxo: LineUnderTest, clock: ManualClock) -> None:
    fxo.sim.ring(CALLER)
    assert fxo.events.wait_for(LineRinging) == LineRinging("fxo1", 1, None)
    assert fxo.events.wait_for(CallerIdReceived).caller_id == CALLER
    assert fxo.line.state is LineState.RINGING
    clock.advance(6.0)  # the network's next ring
    second = fxo.events.wait_for(lambda e: isinstance(e, LineRinging) and e.rings == 2)
    assert second.caller_id == CALLER
    fxo.sim.stop_ringing()
    clock.advance(8.0)
    fxo.events.wait_for(RingingStopped)
    assert fxo.line.state is LineState.IDLE


def test_answered_call_carries_audio_both_ways(fxo: LineUnderTest) -> None:
    fxo.sim.ring(CALLER)
    fxo.events.wait_for(LineRinging)
    fxo.line.answer()
    assert fxo.line.state is LineState.OFF_HOOK
    assert fxo.sim.off_hook and fxo.sim.streaming is StreamMode.DUPLEX
    fxo.sim.talk(tone(440, 0.4))
    heard_from_line = collect_rx(fxo, 6400)
    assert tone_power(heard_from_line, 440) > 0.8
    for frame in frames(tone(1000, 0.4)):
        fxo.line.audio.write_frame(frame)
    eventually(lambda: fxo.sim.heard_bytes >= 6400, what="audio to the line")
    assert tone_power(fxo.sim.heard(), 1000) > 0.8


def test_audio_bytes_equal_to_dle_survive_the_shielding(fxo: LineUnderTest) -> None:
    fxo.line.seize()
    # 8-bit sample 0x10 is the DLE byte: it must be doubled on the wire and come out once.
    dle_sample = ((0x10 - 128) << 8).to_bytes(2, "little", signed=True)
    fxo.sim.talk(dle_sample * 160)
    assert collect_rx(fxo, 320) == dle_sample * 160
    fxo.line.audio.write_frame(dle_sample * 160)
    eventually(lambda: fxo.sim.heard_bytes >= 320, what="DLE samples to the line")
    assert fxo.sim.heard() == dle_sample * 160


def test_far_end_digits_and_hangup_are_reported(fxo: LineUnderTest) -> None:
    fxo.line.seize()
    fxo.sim.press("7#")
    fxo.events.wait_for(lambda e: isinstance(e, DigitReceived) and e.digit == "#")
    assert [e.digit for e in fxo.events.of_type(DigitReceived)] == ["7", "#"]
    fxo.sim.hang_up(LineSignal.BUSY)
    signalled = fxo.events.wait_for(LineSignalled)
    assert signalled.signal is LineSignal.BUSY and signalled.signal.means_hangup
    fxo.line.hang_up()
    assert fxo.line.state is LineState.IDLE and not fxo.sim.off_hook


def test_outgoing_call_dials_and_sends_more_digits_mid_call(fxo: LineUnderTest) -> None:
    fxo.line.dial("0201234")
    assert fxo.sim.dialled == ["0201234"]
    assert fxo.line.state is LineState.OFF_HOOK
    fxo.line.send_digits("12*")
    assert fxo.sim.dtmf_sent == "12*"
    assert fxo.sim.streaming is StreamMode.DUPLEX  # audio resumed after the digits
    fxo.sim.talk(tone(700, 0.2))
    assert tone_power(collect_rx(fxo, 3200), 700) > 0.8


@pytest.mark.parametrize("result", ["BUSY", "NO DIALTONE", "NO ANSWER"])
def test_failed_dialling_says_why(fxo: LineUnderTest, result: str) -> None:
    fxo.sim.dial_result = result
    with pytest.raises(DialFailed, match=f"dialling 123 failed: {result}") as failure:
        fxo.line.dial("123")
    assert failure.value.result == result
    assert fxo.line.state is LineState.IDLE


def test_bad_digits_are_refused_before_reaching_the_modem(fxo: LineUnderTest) -> None:
    with pytest.raises(ValueError, match="'x' in '12x' is not a phone digit"):
        fxo.line.dial("12x")
    assert fxo.sim.dialled == []


def test_half_duplex_modem_still_hears_the_caller(tmp_path: Path, clock: ManualClock, fast_backoff: Backoff) -> None:
    sim = VoiceModemSimulator.on_pty(tmp_path / "ttyHALF", clock=clock, full_duplex=False)
    fxo = open_line(sim, clock, fast_backoff, full_duplex=False)
    try:
        fxo.line.seize()
        assert sim.streaming is StreamMode.RECEIVE
        fxo.line.audio.write_frame(tone(1000, 0.02))  # dropped: nowhere to send it
        sim.talk(tone(440, 0.2))
        assert tone_power(collect_rx(fxo, 3200), 440) > 0.8
        fxo.line.hang_up()
        assert sim.streaming is StreamMode.NONE and sim.heard() == b""
    finally:
        fxo.line.close()
        sim.close()


def test_malformed_modem_output_is_logged_and_skipped(fxo: LineUnderTest, caplog: pytest.LogCaptureFixture) -> None:
    fxo.sim.send_raw(b"\r\n\xff\xfe garbage\r\n" + b"Z" * 400 + b"\r\nSOMETHING ODD\r\n")
    eventually(lambda: fxo.line.malformed >= 2, what="malformed output counted")
    assert "ignoring malformed modem output" in caplog.text
    fxo.sim.ring(CALLER)
    fxo.events.wait_for(CallerIdReceived)
    fxo.line.answer()
    assert fxo.line.state is LineState.OFF_HOOK


def test_a_modem_that_refuses_voice_mode_is_reported(tmp_path: Path, clock: ManualClock, fast_backoff: Backoff) -> None:
    from hal.fxo.line import FxoLine

    sim = VoiceModemSimulator.on_pty(tmp_path / "ttyDATA", clock=clock)
    line = FxoLine(sim.url, name="fxo9", clock=clock, backoff=fast_backoff, extra_init=["AT+NOTREAL"])
    line.start()
    try:
        eventually(lambda: "initialisation failed" in line.status.detail, what="init failure reported")
        assert "AT+NOTREAL answered ERROR" in line.status.detail
        assert line.state is LineState.UNAVAILABLE
        with pytest.raises(ModemError):
            line.answer()
    finally:
        line.close()
        sim.close()


def test_unplugged_modem_is_reported_and_reinitialised_on_return(
    fxo: LineUnderTest, tmp_path: Path, clock: ManualClock, fast_backoff: Backoff
) -> None:
    other_sim = VoiceModemSimulator.on_pty(tmp_path / "ttyOTHER", clock=clock)
    other = open_line(other_sim, clock, fast_backoff)
    try:
        fxo.line.seize()
        fxo.sim.unplug()
        eventually(lambda: fxo.line.status.state is DeviceState.DOWN, what="unplug noticed")
        assert fxo.line.state is LineState.UNAVAILABLE
        with pytest.raises(ModemError, match=r"fxo1 is not ready \(modem absent"):
            fxo.line.dial("1")
        other_sim.ring(CALLER)  # the other line does not notice anything
        other.events.wait_for(CallerIdReceived)
        other.line.answer()
        assert other.line.status.state is DeviceState.UP
        fxo.sim.plug()
        fxo.ready()
        assert fxo.line.status.state is DeviceState.UP and fxo.line.link.reconnects == 1
        fxo.sim.ring(CALLER)
        fxo.events.wait_for(CallerIdReceived)
    finally:
        other.line.close()
        other_sim.close()


def test_the_driver_works_over_a_socket_url(clock: ManualClock, fast_backoff: Backoff) -> None:
    sim = VoiceModemSimulator.on_tcp(clock=clock)
    assert sim.url.startswith("socket://127.0.0.1:")
    fxo = open_line(sim, clock, fast_backoff)
    try:
        fxo.line.dial("5551000")
        sim.talk(tone(440, 0.2))
        assert tone_power(collect_rx(fxo, 3200), 440) > 0.8
        sim.unplug()
        eventually(lambda: fxo.line.status.state is DeviceState.DOWN, what="socket closed noticed")
        sim.plug()
        fxo.ready()
    finally:
        fxo.line.close()
        sim.close()


def test_initialisation_is_retried_until_the_modem_answers(
    tmp_path: Path, clock: ManualClock, fast_backoff: Backoff
) -> None:
    from hal.fxo.line import FxoLine

    sim = VoiceModemSimulator.on_pty(tmp_path / "ttySLOW", clock=clock)
    sim.dial_result = "VCON"
    real_execute = sim._execute
    refusals = {"left": 3}

    def still_booting(body: str) -> str | None:
        # A modem that answers ERROR to its first few resets, as some do right after power-up.
        if body == "Z" and refusals["left"]:
            refusals["left"] -= 1
            return "ERROR"
        return real_execute(body)

    sim._execute = still_booting  # type: ignore[method-assign]
    line = FxoLine(sim.url, name="fxo2", clock=clock, backoff=fast_backoff)
    line.start()
    try:
        eventually(lambda: line.state is LineState.IDLE, what="initialised after retries")
        assert sim.commands.count("ATZ") == 4
        assert line.status.state is DeviceState.UP
    finally:
        line.close()
        sim.close()
