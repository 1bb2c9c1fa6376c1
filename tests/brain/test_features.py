"""Feature codes dialled from a phone: switching the operating mode."""
from __future__ import annotations

from tests.support.audio import tone_seconds
from tests.support.pbx import RunningPbx

ADMIN_PASSWORD = "Boss-phone-2026"


def test_admin_switches_mode_from_the_keypad_and_a_user_cannot(pbx: RunningPbx) -> None:
    result = pbx.minipbx("ext", "add", "101", "--name", "Boss", "--role", "admin", "--password", ADMIN_PASSWORD)
    assert result.returncode == 0, result.stderr
    pbx.passwords["101"] = ADMIN_PASSWORD
    boss = pbx.phone("101")
    clerk = pbx.phone("102")

    night = boss.call("*784")
    ended = boss.wait("disconnected", timeout=15, call=night)
    assert ended["code"] == 200  # answered, confirmed, hung up by the PBX
    assert tone_seconds(boss.recording(night), 1400) >= 0.2  # the confirmation beeps
    shown = pbx.minipbx("mode").stdout
    assert "mode: night (temporary override by extension 101" in shown
    status = pbx.status()
    assert status is not None and status["mode"]["mode"] == "night"

    refused = clerk.call("*781")
    assert clerk.wait("disconnected", timeout=15, call=refused)["code"] == 403
    assert tone_seconds(clerk.recording(refused), 950) >= 0.3
    assert "mode: night" in pbx.minipbx("mode").stdout

    back = boss.call("*780")
    boss.wait("disconnected", timeout=15, call=back)
    assert "(schedule)" in pbx.minipbx("mode").stdout
    log = pbx.minipbx("mode", "log").stdout
    assert "extension 101" in log
    rows = pbx.wait_cdr(3)
    assert [r["route"] for r in rows] == ["feature *784", "feature *781", "feature *780"]
    assert rows[1]["disposition"] == "barred"
