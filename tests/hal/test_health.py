from __future__ import annotations

from hal.health import DeviceState, HealthMonitor, StatusReporter


def test_faulty_lists_the_devices_down() -> None:
    monitor = HealthMonitor()
    modem, slic = StatusReporter("fxo1"), StatusReporter("slic")
    monitor.watch(modem)
    monitor.watch(slic)
    seen: list[DeviceState] = []
    monitor.listeners.add(lambda status: seen.append(status.state))
    modem.set(DeviceState.UP)
    slic.set(DeviceState.UP)
    modem.set(DeviceState.DOWN, "unplugged")
    slic.set(DeviceState.DOWN, "no reply")
    modem.set(DeviceState.UP)
    assert monitor.faulty() == ["slic"]
    slic.set(DeviceState.UP)
    assert monitor.faulty() == [] and DeviceState.DOWN in seen
    assert monitor.statuses()["fxo1"].state is DeviceState.UP


def test_repeated_identical_status_is_reported_once() -> None:
    reporter = StatusReporter("dect")
    seen = []
    reporter.listeners.add(seen.append)
    reporter.set(DeviceState.DOWN, "gone")
    reporter.set(DeviceState.DOWN, "gone")
    reporter.set(DeviceState.DOWN, "still gone")
    assert [s.detail for s in seen] == ["gone", "still gone"]
