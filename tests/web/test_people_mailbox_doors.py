"""The People page's softphone QR code, the Voicemail page's mailbox settings (on a running PBX too)
and the Doors page's destinations per mode, in Chromium against the real API."""
from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path

import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from firmware.door.config import add_door
from firmware.prompts.library import PromptLibrary, find_system_dir
from firmware.store.database import write_transaction
from tests.support.api import ADMIN_PASSWORD, Api
from tests.support.audio import find_clip
from tests.support.pbx import RunningPbx
from tests.support.prompts import heard_at, seconds
from tests.support.voicemail_messages import leave_message
from tests.web.conftest import Pages

Open = Callable[..., Pages]


def scanned(qr: Locator) -> str:
    """What a scanner reads from the QR code as the browser draws it."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert [b.format for b in found] == [zxingcpp.BarcodeFormat.QRCode], found
    return str(found[0].text)


def shown_settings(page: Page) -> dict[str, str]:
    text = page.locator("#softphone-settings").inner_text()
    return dict(line.split(": ", 1) for line in text.splitlines())


def test_the_softphone_qr_code_scans_to_the_password_shown_beside_it(api: Api, pages: Open) -> None:
    browser = pages(api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.add_extension("151", "Lena Koch")
    qr = page.locator("#softphone-qr svg")
    expect(qr).to_be_visible()
    settings = shown_settings(page)
    assert settings["User"] == "151" and len(settings["Password"]) >= 16
    read = scanned(qr)
    assert read == f"sip:151:{settings['Password']}@{settings['Server']}"
    expect(page.locator("#softphone-uri")).to_have_text(read)
    browser.snap("softphone-qr")

    # A new SIP password: a new code, for the new password only.
    page.get_by_role("button", name="Edit 151").click()
    page.get_by_role("button", name="New SIP password").click()
    expect(page.locator("#softphone-settings")).not_to_contain_text(settings["Password"])
    renewed = shown_settings(page)
    assert scanned(page.locator("#softphone-qr svg")) == f"sip:151:{renewed['Password']}@{renewed['Server']}"


def test_a_user_sets_their_mailbox_pin_and_e_mail_and_bad_ones_are_refused(api: Api, pages: Open) -> None:
    api.user("105").close()
    browser = pages(api)
    page = browser.sign_in("105", "Green-Lamp-77q")
    browser.open("voicemail")
    form = page.locator("#mailbox-settings")
    expect(page.locator("#mailbox-pin-state")).to_have_text(
        "No PIN yet: messages can be heard only from the mailbox's own phone.")
    form.get_by_label("New PIN").fill("12")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("PIN '12' is not accepted: a PIN is 4 to 10 digits (0-9)")
    form.get_by_label("New PIN").fill("48265")
    form.get_by_label("E-mail new messages to").fill("jane@example")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_contain_text("e-mail 'jane@example' is not an address")
    with api.as_admin() as admin:
        assert admin.get("/api/voicemail/105/settings").json()["has_pin"] is False

    form.get_by_label("E-mail new messages to").fill("jane@example.com")
    form.get_by_label("Delete a message once e-mailed").check()
    form.get_by_label("Language of the mailbox menu").select_option("de")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("Settings of mailbox 105 saved.")
    expect(page.locator("#mailbox-pin-state")).to_have_text("A PIN is set; type a new one to change it.")
    expect(form.get_by_label("New PIN")).to_have_value("")
    expect(form.get_by_label("E-mail new messages to")).to_have_value("jane@example.com")
    browser.snap("mailbox-settings")
    with api.as_admin() as admin:
        assert admin.get("/api/voicemail/105/settings").json() == {
            "number": "105", "has_pin": True, "email": "jane@example.com", "attach": True,
            "delete_after_email": True, "language": "de"}


def test_where_a_door_rings_is_chosen_per_mode_from_the_destinations(api: Api, pages: Open) -> None:
    with api.as_admin() as admin:
        for number, name in (("201", "Reception"), ("209", "Front door")):
            assert admin.post("/api/extensions", json={"number": number, "name": name}).status_code == 201
    store = api.admin().db
    with write_transaction(store):  # as the line gateway makes the door port's extension
        store.execute("UPDATE extensions SET device = 'door1' WHERE number = '209'")
        add_door(store, "door1")
    store.conn.close()
    browser = pages(api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("doors")
    form = page.locator("#door-routes-door1")
    expect(page.locator("main h2", has_text="Where door1 (extension 209) rings")).to_be_visible()
    other = form.get_by_label("Where door1 rings in every other mode")
    night = form.get_by_label("Where door1 rings in night")
    expect(other.locator("option:checked")).to_have_text("the operator extension")
    # Only what exists is offered: the extensions, their mailboxes, never a typed destination.
    assert "voicemail:201" in other.locator("option").evaluate_all("options => options.map(o => o.value)")

    # The door station itself is refused with the API's words, and nothing is saved.
    other.select_option("ext:209")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_contain_text("ext:209 is the door station itself")
    other.select_option("ext:201")
    night.select_option("voicemail:201")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("Where door1 rings is saved.")
    browser.snap("door-routes")
    with api.as_admin() as admin:
        assert admin.get("/api/doors/door1").json()["routes"] == {"*": "ext:201", "night": "voicemail:201"}

    # Back to "as every other mode": night's own route goes.
    page.locator("#door-routes-door1").get_by_label("Where door1 rings in night").select_option("")
    page.locator("#door-routes-door1").get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("Where door1 rings is saved.")
    with api.as_admin() as admin:
        assert admin.get("/api/doors/door1").json()["routes"] == {"*": "ext:201"}
    expect(page.locator("#door-routes-door1").get_by_label("Where door1 rings in night").locator(
        "option:checked")).to_have_text("as every other mode")


def test_a_pin_and_language_set_on_the_voicemail_page_are_what_the_next_caller_gets(
        pbx: RunningPbx, pbx_api: Api, pages: Open) -> None:
    pbx.add_extension("201")
    leave_message(pbx.data_dir, "201", "101", "Extension 101")
    colleague = pbx.phone("102")
    browser = pages(pbx_api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("voicemail")
    page.get_by_label("Mailbox", exact=True).fill("201")
    page.get_by_role("button", name="Show").click()
    form = page.locator("#mailbox-settings")
    expect(page.locator("main h2", has_text="Settings of mailbox 201")).to_be_visible()
    form.get_by_label("New PIN").fill("4826")
    form.get_by_label("Language of the mailbox menu").select_option("de")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("Settings of mailbox 201 saved.")

    # The running PBX reads them at the call: the PIN opens the mailbox from another phone,
    # whose menu then speaks German.
    colleague.call("*98")
    colleague.wait("connected")
    time.sleep(1.0)
    colleague.dtmf("201#4826#")
    time.sleep(len("201#4826#") * 0.2 + seconds("you-have", "one-new-message") + 1.5)
    colleague.hangup()
    colleague.wait("disconnected")
    german = PromptLibrary(find_system_dir(), Path(os.devnull)).system("one-new-message", "de")
    heard_audio = colleague.recording()
    assert find_clip(heard_audio, german) is not None
    assert heard_at(heard_audio, "one-new-message") is None and heard_at(heard_audio, "wrong-pin") is None


def test_a_department_renamed_on_the_people_page_moves_its_people(api: Api, pages: Open) -> None:
    with api.as_admin() as admin:
        for number, name in (("101", "Anna"), ("102", "Ben")):
            assert admin.post("/api/extensions", json={"number": number, "name": name,
                                                       "department": "Sales"}).status_code == 201
    browser = pages(api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("people")
    page.get_by_role("button", name="Rename Sales").click()
    form = page.locator("#rename-department")
    form.get_by_label("New name for Sales").fill("<b>")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text(
        "department name '<b>' is not accepted; use 1-64 characters without quotes or <>")
    form.get_by_label("New name for Sales").fill("Field sales")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("Department Sales is now Field sales.")
    expect(page.locator("#departments tbody tr")).to_have_text(["Field sales101 Anna, 102 BenRename"])
    expect(page.locator("main table").first).to_contain_text("Field sales")
    browser.snap("department-renamed")


def test_the_people_page_shows_who_holds_each_role_and_changes_a_custom_one(api: Api, pages: Open) -> None:
    with api.as_admin() as admin:
        assert admin.put("/api/roles/reception", json={"permissions": ["doors"]}).status_code == 200
        added = admin.post("/api/extensions", json={"number": "102", "name": "Ben", "role": "reception"})
        assert added.status_code == 201
    browser = pages(api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("people")
    roles = page.locator("#people-roles")
    row = roles.locator("tbody tr", has_text="reception")
    expect(row).to_contain_text("doors")
    expect(row).to_contain_text("102 Ben")
    expect(roles.locator("tbody tr").filter(has=page.get_by_role("cell", name="user", exact=True))).to_contain_text(
        "only their own")
    row.get_by_role("button", name="Edit role reception").click()
    roles.locator("#edit-role").get_by_label("voicemail").check()
    roles.locator("#edit-role").get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_have_text("Role reception saved.")
    expect(roles.locator("tbody tr", has_text="reception")).to_contain_text("doors, voicemail")
    browser.snap("roles")
    with api.as_admin() as admin:
        [reception] = [r for r in admin.get("/api/roles").json() if r["name"] == "reception"]
        assert sorted(reception["permissions"]) == ["doors", "voicemail"]
