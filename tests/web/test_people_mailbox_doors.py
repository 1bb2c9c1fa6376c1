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
