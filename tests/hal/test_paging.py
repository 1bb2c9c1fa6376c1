from __future__ import annotations

from hal.audio.endpoint import SimAudioLine
from hal.gpio.output import OutputDevice
from hal.gpio.sim import SimPinFactory
from hal.paging import PagingZone
from tests.hal.tones import tone


def test_the_amplifier_is_on_only_while_paging_and_only_then_audio_plays(pins: SimPinFactory) -> None:
    line = SimAudioLine()
    zone = PagingZone("zone1", audio=line.port, amplifier=OutputDevice(pins.pin(22)))
    frame = tone(1000, 0.02)
    zone.write_frame(frame)
    assert line.heard() == b"" and not pins.sim_pin(22).level
    zone.start()
    assert zone.active and pins.sim_pin(22).level
    zone.write_frame(frame)
    assert line.heard() == frame
    zone.stop()
    assert not pins.sim_pin(22).level
