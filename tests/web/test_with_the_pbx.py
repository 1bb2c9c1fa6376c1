"""The web admin on a running PBX, in Chromium: what an office manager does and sees there
happens to real calls between real phones."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.apps.ivr.test_menu_calls import CALLER, DESK_HZ, GREETING_SECONDS, MAIN_HZ, dial_in, menu, outside_caller
from tests.support.api import ADMIN_PASSWORD, Api
from tests.support.audio import tone_seconds
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx
from tests.support.phone import Phone
from tests.support.prompts import seconds as prompt_seconds
from tests.support.provider import FakeProvider
from tests.support.trunking import DID, add_trunk
from tests.support.voicemail_messages import leave_message
from tests.web.conftest import Pages, play_to_end

Open = Callable[..., Pages]


def test_an_added_extension_registers_with_the_shown_password_and_its_calls_show_live(
        pbx: RunningPbx, pbx_api: Api, pages: Open, phone_factory: PhoneFactory) -> None:
    browser = pages(pbx_api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.add_extension("105", "Anna")
    settings = page.locator("#softphone-settings")
    expect(settings).to_contain_text("User: 105")
    text = settings.inner_text()
    assert f"Server: 127.0.0.1:{pbx.sip_port}" in text
    password = text.split("Password: ")[1].strip()
    anna = phone_factory("105", registrar=pbx.registrar, password=password)
    assert anna.register() == 200

    caller = pbx.phone("101")
    browser.open("dashboard")
    expect(page.locator("#registered-count")).to_have_text("Phones registered: 2")
    live = page.locator("#live-calls")
    expect(live).to_contain_text("No calls right now.")
    caller.call("105")
    anna.wait("incoming")
    # Without reloading: the event stream tells the page.
    row = live.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("101")
    expect(row).to_contain_text("105")
    expect(row).to_contain_text("ringing")
    anna.answer(200)
    caller.wait("connected")
    expect(row).to_contain_text("talking")
    browser.snap("live-call")
    # Hanging up from the page ends the call on both phones.
    row.get_by_role("button", name="Hang up").click()
    caller.wait("disconnected")
    anna.wait("disconnected")
    expect(live).to_contain_text("No calls right now.")
    expect(page.locator("#today-calls")).to_have_text("1")
    [record] = pbx.wait_cdr(1)
    assert (record["caller"], record["answered_by"]) == ("101", "105")
    assert "admin" in (record["hangup_cause"] or "")


def test_the_mode_switched_on_the_dashboard_and_a_menu_key_changed_in_the_flow_are_what_callers_get(
        pbx: RunningPbx, pbx_api: Api, pages: Open, provider: FakeProvider, phone_factory: PhoneFactory,
        tmp_path: Path) -> None:
    day_desk = pbx.phone("101", tone_hz=DESK_HZ)
    night_desk = pbx.phone("102", tone_hz=DESK_HZ)
    menu(pbx, tmp_path, "main", MAIN_HZ)
    assert pbx.minipbx("ivr", "option", "main", "1", "ext:101").returncode == 0
    add_trunk(pbx, provider)
    for mode, destination in (("day", "ivr:main"), ("night", "ext:102")):
        assert pbx.minipbx("route", "set", "prov", destination, "--did", DID, "--mode", mode).returncode == 0
    browser = pages(pbx_api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    caller = outside_caller(pbx, provider, phone_factory)

    # Night, by hand, from the dashboard: the next call rings the night desk.
    page.locator('#mode-card button[data-mode="night"]').click()
    expect(page.locator("#notice")).to_have_text("Now in night mode.")
    expect(page.locator("#mode-card")).to_contain_text("Switched by hand")
    caller.call(f"sip:{DID}@{provider.registrar}")
    night_desk.wait("incoming", timeout=10)
    day_desk.expect_no("incoming", within=0.5)
    caller.hangup()
    caller.wait("disconnected")
    night_desk.wait("disconnected")

    # Day, and key 1 of the menu now goes to 102: changed in the flow editor.
    page.locator('#mode-card button[data-mode="day"]').click()
    expect(page.locator("#notice")).to_have_text("Now in day mode.")
    browser.open("logic")
    flow = page.locator("#flow")
    expect(flow).to_contain_text("Line prov, number " + DID)
    flow.get_by_role("button", name="Voice menu main").click()
    editor = page.locator("#step-editor")
    editor.get_by_label("where key 1 goes").select_option("ext:102")
    editor.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("Voice menu main saved: the next caller hears it.")
    expect(flow).to_contain_text("Extension 102")
    browser.snap("flow-after-edit")

    dial_in(caller, provider)
    time.sleep(GREETING_SECONDS - 0.5)
    caller.dtmf("1")
    incoming = night_desk.wait("incoming", timeout=5)
    assert incoming["from_user"] == CALLER
    day_desk.expect_no("incoming", within=0.3)
    night_desk.answer(200, call=incoming["call"])
    time.sleep(2)
    caller.hangup()
    caller.wait("disconnected")
    assert tone_seconds(caller.recording(), DESK_HZ) >= 1.0
    rows = pbx.wait_cdr(2)
    assert (rows[-1]["answered_by"], rows[-1]["mode"]) == ("102", "day")
    assert "key 1" in rows[-1]["route"]


def statistics_page(pbx: RunningPbx, pbx_api: Api, pages: Open, calls: int) -> tuple[Pages, Page]:
    """The statistics page, signed in as the administrator, once the PBX has written `calls` records."""
    pbx.wait_cdr(calls)
    browser = pages(pbx_api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("statistics")
    return browser, page


def test_statistics_show_the_calls_made_and_a_recording_plays_in_the_browser(
        pbx: RunningPbx, pbx_api: Api, pages: Open) -> None:
    a, b = pbx.phone("101", tone_hz=DESK_HZ), pbx.phone("102")
    assert pbx.minipbx("recordings", "policy", "ext:101", "always").returncode == 0
    for number, department in (("101", "Sales"), ("102", "Support")):
        assert pbx.minipbx("ext", "set", number, "--department", department).returncode == 0
    # One answered call with 2 s of talk, then one that rings out unanswered.
    a.call("102")
    first = b.wait("incoming")
    b.answer(200, call=first["call"])
    a.wait("connected")
    time.sleep(2)
    a.hangup()
    b.wait("disconnected")
    a.call("102")
    b.wait("incoming")
    time.sleep(0.5)
    a.hangup()
    b.wait("disconnected")
    browser, page = statistics_page(pbx, pbx_api, pages, calls=2)
    summary = page.locator("#stats-summary")
    expect(summary).to_contain_text("2 calls: 1 answered, 1 missed")
    per_extension = page.locator("#chart-extensions-heading").locator("xpath=..")
    expect(per_extension.locator("tr", has_text="102")).to_contain_text("102")
    cells = per_extension.locator("tbody tr", has_text="102").first.locator("td").all_inner_texts()
    assert cells[:6] == ["102", "2", "0", "2", "1", "1"], cells
    departments = page.locator("#per-department tbody tr")
    expect(departments).to_have_count(2)
    assert departments.nth(0).locator("td").all_inner_texts()[:6] == ["Sales", "2", "2", "0", "0", "0"]
    assert departments.nth(1).locator("td").all_inner_texts()[:6] == ["Support", "2", "0", "2", "1", "1"]
    # The department filter offers the departments the figures came with; one chosen, its figures alone.
    choice = page.locator("#stats-filter").get_by_label("Department")
    expect(choice.locator("option")).to_have_text(["all", "Sales", "Support"])
    choice.select_option("Support")
    page.locator("#stats-filter").get_by_role("button", name="Show").click()
    expect(departments).to_have_count(1)
    expect(departments).to_contain_text("Support")
    expect(page.locator("#missed-list tbody tr")).to_have_count(1)
    expect(page.locator("#missed-list tbody tr")).to_contain_text("101")
    browser.snap("statistics")

    browser.open("recordings")
    expect(page.locator("#recordings-total")).to_contain_text("1 recordings")
    audio = page.locator("main audio").first
    ended = play_to_end(audio)
    assert ended >= 1.5
    browser.snap("recordings")


def test_the_scenario_table_shows_what_became_of_outside_calls_through_the_menu(
        pbx: RunningPbx, pbx_api: Api, pages: Open, provider: FakeProvider, phone_factory: PhoneFactory,
        tmp_path: Path) -> None:
    desk = pbx.phone("101", tone_hz=DESK_HZ)
    assert pbx.minipbx("ext", "set", "101", "--department", "Sales").returncode == 0
    menu(pbx, tmp_path, "main", MAIN_HZ)
    assert pbx.minipbx("ivr", "option", "main", "1", "ext:101").returncode == 0
    add_trunk(pbx, provider)
    assert pbx.minipbx("route", "set", "prov", "ivr:main", "--did", DID).returncode == 0
    caller = outside_caller(pbx, provider, phone_factory)
    # One caller presses 1 and talks to the desk; the next hangs up while the greeting plays.
    dial_in(caller, provider)
    time.sleep(GREETING_SECONDS - 0.5)
    caller.dtmf("1")
    incoming = desk.wait("incoming", timeout=10)
    desk.answer(200, call=incoming["call"])
    time.sleep(2)
    caller.hangup()
    caller.wait("disconnected")
    desk.wait("disconnected")
    dial_in(caller, provider)
    time.sleep(0.5)
    caller.hangup()
    caller.wait("disconnected")
    browser, page = statistics_page(pbx, pbx_api, pages, calls=2)
    rows = page.locator("#per-scenario tbody tr")
    expect(rows).to_have_count(3)
    cells = [rows.nth(n).locator("td").all_inner_texts() for n in range(3)]
    # entry point, calls, completed, without talking, transferred, by an employee, menu repeated
    assert [c[:7] for c in cells] == [["line prov", "2", "1", "1", "0", "0", "0"],
                                      [f"number {DID}", "2", "1", "1", "0", "0", "0"],
                                      ["voice menu main", "2", "1", "1", "0", "0", "0"]], cells
    page.locator("#per-scenario").get_by_label("Split by").select_option("key")
    menu_rows = page.locator("#per-scenario tbody tr", has_text="voice menu main")
    expect(menu_rows).to_have_count(2)
    assert sorted(menu_rows.nth(n).locator("td").all_inner_texts()[1] for n in range(2)) == ["hung up", "key 1"]
    page.locator("#per-scenario").get_by_label("Split by").select_option("group")
    expect(page.locator("#per-scenario tbody tr", has_text="Sales")).to_have_count(3)
    browser.snap("statistics-scenarios")


def test_a_message_heard_and_deleted_on_the_voicemail_page_turns_the_phones_lamp_off(
        pbx: RunningPbx, pbx_api: Api, pages: Open) -> None:
    owner = pbx.phone("105")
    leave_message(pbx.data_dir, "105", "0301234567", "Dr. Weber")
    pbx_api.web_login("105").close()
    browser = pages(pbx_api)
    page = browser.sign_in("105", "Green-Lamp-77q")
    browser.open("voicemail")
    expect(page.locator("#mailbox-counts")).to_have_text("Mailbox 105: 1 new, 0 heard")
    page.get_by_role("button", name="Mark heard").click()
    lamp = owner.wait("mwi", new=0, saved=1)
    assert not lamp["waiting"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("main tbody tr").get_by_role("button", name="Remove").click()
    owner.wait("mwi", new=0, saved=0)
    expect(page.locator("#mailbox-counts")).to_have_text("Mailbox 105: 0 new, 0 heard")


def call_answered(caller: Phone, number: str, *, ringing: Phone, silent: Phone) -> None:
    """`caller` dials `number`: `ringing` rings and answers, `silent` does not ring; then hung up."""
    caller.call(number)
    incoming = ringing.wait("incoming", timeout=10)
    silent.expect_no("incoming", within=0.5)
    ringing.answer(200, call=incoming["call"])
    caller.wait("connected")
    caller.hangup()
    ringing.wait("disconnected")


def test_a_ring_group_member_and_a_forwarding_set_on_the_call_logic_page_are_who_the_next_call_rings(
        pbx: RunningPbx, pbx_api: Api, pages: Open) -> None:
    caller, anna, ben = pbx.phone("101"), pbx.phone("102"), pbx.phone("103")
    assert pbx.minipbx("ringgroup", "set", "sales", "--number", "870", "--members", "102").returncode == 0
    browser = pages(pbx_api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("logic")
    notice = page.locator("#notice")

    # Sales rings Ben instead of Anna: the group's one member chosen again on the page.
    page.locator("#groups").get_by_role("button", name="Ring group sales").click()
    group = page.locator("#group-editor")
    group.get_by_label("member 1", exact=True).select_option("ext:103")
    group.get_by_role("button", name="Save").click()
    expect(notice).to_have_text("Ring group sales saved: the next call follows it.")
    call_answered(caller, "870", ringing=ben, silent=anna)
    [record] = pbx.wait_cdr(1)
    assert record["answered_by"] == "103"

    # Ben forwards every call to Anna: set on the page, his next call rings her phone, not his.
    forwarding = page.locator("#forwarding")
    forwarding.get_by_role("combobox", name="Extension").select_option("103")
    forwarding.get_by_role("button", name="Edit").click()
    editor = page.locator("#forwarding-editor")
    editor.get_by_role("combobox", name="Always to").select_option("ext:102")
    editor.get_by_role("button", name="Save").click()
    expect(notice).to_have_text("Forwarding of 103 saved: the next call follows it.")
    browser.snap("forwarding-saved")
    call_answered(caller, "103", ringing=anna, silent=ben)
    assert pbx.wait_cdr(2)[-1]["answered_by"] == "102"


def test_record_from_my_phone_rings_the_extension_and_the_greeting_appears(
        pbx: RunningPbx, pbx_api: Api, pages: Open, tmp_path: Path) -> None:
    phone = pbx.phone("101", tone_hz=1000)
    with pbx_api.as_admin() as admin:
        admin.put("/api/extensions/101/web-password", json={"password": "Green-Lamp-77q"})
        assert admin.patch("/api/extensions/101", json={"role": "admin"}).status_code == 200
    browser = pages(pbx_api)
    page = browser.sign_in("101", "Green-Lamp-77q")
    browser.open("greetings")
    form = page.locator("#record-greeting")
    # The signed-in person's own extension is the one offered.
    expect(form.get_by_label("Extension")).to_have_value("101")
    form.get_by_label("Name").fill("welcome-day")
    form.get_by_role("button", name="Record from my phone").click()
    expect(page.locator("#notice")).to_contain_text("Extension 101 is ringing")
    ring = phone.wait("incoming")
    phone.answer(200, call=ring["call"])
    phone.wait("connected", call=ring["call"])
    time.sleep(prompt_seconds("record-after-tone") + 0.5 + 2.5)
    phone.hangup(call=ring["call"])
    phone.wait("disconnected", call=ring["call"])
    expect(page.locator("#notice")).to_contain_text("Greeting welcome-day recorded", timeout=15000)
    row = page.locator("#greetings tbody tr")
    expect(row).to_contain_text("recorded on a phone")
    browser.snap("recorded-greeting")
    with pbx_api.as_admin() as admin:
        heard = tmp_path / "welcome-day.wav"
        heard.write_bytes(admin.get("/api/prompts/welcome-day/audio").content)
    assert tone_seconds(heard, 1000) >= 1.5
