"""The People page's softphone QR code, the Voicemail page's mailbox settings and the Doors page's
destinations per mode, in Chromium against the real API."""
from __future__ import annotations

import io
from collections.abc import Callable

import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.support.api import ADMIN_PASSWORD, Api
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
