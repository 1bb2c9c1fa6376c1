"""The web admin's pages in Chromium against the API alone: signing in, who sees what, adding an
extension, the week grid, a phone's screen, German."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support.api import ADMIN_PASSWORD, ADMIN_PIN, Api, fresh_box
from tests.support.audio import synth_tone, write_wav
from tests.support.voicemail_messages import leave_message
from tests.web.conftest import Pages, play_to_end

Open = Callable[..., Pages]
__all__ = ["fresh_box"]
ADMIN_PAGES = ["Dashboard", "People", "Call logic", "Modes", "Greetings", "Statistics", "Call records", "Recordings",
               "Voicemail", "Doors", "Settings", "Integrations", "Audit log"]


def nav(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("#nav a").all_inner_texts()]


def test_signing_in_refuses_a_wrong_password_and_the_admin_opens_every_page(api: Api, pages: Open) -> None:
    browser = pages(api)
    page = browser.page
    page.goto("/")
    expect(page).to_have_url(f"{api.url}/ui/")
    page.get_by_label("Extension or admin").fill("admin")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The login or the password is wrong.")
    browser.snap("sign-in-refused")

    browser.sign_in("admin", ADMIN_PASSWORD)
    assert nav(page) == ADMIN_PAGES
    for name in ADMIN_PAGES:
        page.locator("#nav").get_by_role("link", name=name, exact=True).click()
        expect(page.locator("main h1")).to_have_text(name)
        expect(page.locator("main")).not_to_contain_text("Loading")
        browser.snap(name.lower().replace(" ", "-"))
    # The statistics page drew its graphs with Chart.js (served from static/vendor).
    page.locator("#nav").get_by_role("link", name="Statistics").click()
    expect(page.locator("#chart-periods")).to_be_visible()
    assert page.evaluate("Chart.getChart(document.querySelector('#chart-periods')) !== undefined")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto("/ui/#/people")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.locator("#nav a")).to_have_count(0)


def test_a_user_sees_only_their_own_pages_and_no_switches(api: Api, pages: Open) -> None:
    api.user("105").close()
    browser = pages(api)
    page = browser.sign_in("105", "Green-Lamp-77q")
    assert nav(page) == ["Dashboard", "Modes", "Call records", "Recordings", "Voicemail"]
    expect(page.locator("#mode-card")).to_contain_text("night")
    expect(page.locator("#mode-card button")).to_have_count(0)
    page.goto("/ui/#/people")
    expect(page.locator("#notice")).to_have_text("You may not open that page.")
    expect(page.locator("main h1")).to_have_text("Dashboard")
    browser.snap("user-refused-people")


def test_adding_an_extension_shows_its_password_once_and_a_removal_still_used_is_refused(api: Api, pages: Open) -> None:
    browser = pages(api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    form = browser.add_extension("150", "Front desk", "Reception")
    settings = page.locator("#softphone-settings")
    expect(settings).to_contain_text("User: 150")
    shown = settings.inner_text().split("Password: ")[1].strip()
    assert len(shown) >= 16
    expect(page.locator("main table").first).to_contain_text("Front desk")
    expect(page.locator("#departments tbody tr")).to_have_text(["Reception150 Front deskRename"])
    browser.snap("extension-added")
    with api.as_admin() as admin:
        [made] = admin.get("/api/extensions").json()
        assert (made["number"], made["name"], made["department"]) == ("150", "Front desk", "Reception")
        assert admin.put("/api/menus/main", json={"options": {"1": "ext:150"}}).status_code == 200

    # A bad number: the API's message, nothing added.
    form.get_by_label("Number").fill("0150")
    form.get_by_label("Name").fill("Wrong")
    form.get_by_role("button", name="Add").click()
    expect(page.locator("#notice")).to_contain_text("0150")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove 150").click()
    expect(page.locator("#notice")).to_contain_text("main")
    expect(page.locator("main table").first).to_contain_text("Front desk")
    with api.as_admin() as admin:
        assert [e["number"] for e in admin.get("/api/extensions").json()] == ["150"]


def test_the_week_grid_paints_a_morning_and_a_bad_time_is_refused(api: Api, pages: Open) -> None:
    browser = pages(api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("modes")
    page.get_by_label("day", exact=True).check()
    for slot in range(16, 24):  # Monday 08:00-12:00
        page.locator(f'#week-grid [data-day="mon"][data-slot="{slot}"]').click()
    page.get_by_label("lunch", exact=True).check()
    page.locator('#week-grid [data-day="mon"][data-slot="24"]').click()
    page.locator('#week-grid [data-day="mon"][data-slot="25"]').click()
    page.get_by_text("Exact times").click()
    expect(page.locator('input[name="spec-mon"]')).to_have_value("08:00-12:00 day, 12:00-13:00 lunch")
    page.locator("#save-timetable").click()
    expect(page.locator("#notice")).to_have_text("Timetable saved.")
    browser.snap("timetable-saved")
    with api.as_admin() as admin:
        assert [i for i in admin.get("/api/mode").json()["timetable"] if i.startswith("mon")] == \
            ["mon 08:00-12:00 day", "mon 12:00-13:00 lunch"]

    page.get_by_text("Exact times").click() if not page.locator('input[name="spec-tue"]').is_visible() else None
    page.locator('input[name="spec-tue"]').fill("08:00-25:00 day")
    page.locator("#save-timetable").click()
    expect(page.locator("#notice")).to_contain_text("25:00")
    with api.as_admin() as admin:
        assert not [i for i in admin.get("/api/mode").json()["timetable"] if i.startswith("tue")]


def test_on_a_phone_the_menu_folds_and_nothing_is_wider_than_the_screen(api: Api, pages: Open) -> None:
    browser = pages(api, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    expect(page.locator("#nav")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#nav")).to_be_visible()
    browser.snap("phone-menu")
    for name in ["People", "Modes", "Call records"]:
        if not page.locator("#nav").is_visible():
            page.get_by_role("button", name="Menu").click()
        page.locator("#nav").get_by_role("link", name=name).click()
        expect(page.locator("main h1")).to_have_text(name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name} is wider than the phone"
        browser.snap(f"phone-{name.lower().replace(' ', '-')}")


def test_the_pages_speak_german(api: Api, pages: Open) -> None:
    browser = pages(api, locale="de-DE")
    page = browser.page
    page.goto("/")
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()
    page.get_by_label("Nebenstelle oder admin").fill("admin")
    page.get_by_label("Passwort", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("main h1")).to_have_text("Übersicht")
    assert nav(page)[:3] == ["Übersicht", "Personen", "Anruflogik"]
    browser.snap("german-dashboard")
    page.locator("#lang").select_option("en")
    expect(page.locator("main h1")).to_have_text("Dashboard")
    assert json.loads(page.evaluate("JSON.stringify(localStorage.getItem('minipbx.language'))")) == "en"


def test_keys_webhooks_roles_settings_and_trunks_are_made_on_their_pages(api: Api, pages: Open) -> None:
    browser = pages(api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("integrations")
    keys = page.locator("#add-key")
    keys.get_by_label("Name").fill("crm")
    keys.get_by_label("reports", exact=True).check()
    keys.get_by_role("button", name="Make key").click()
    token = page.locator("#new-token pre").inner_text().split("API key: ")[1].strip()
    with api.client(token) as crm:
        assert crm.get("/api/cdr").status_code == 200
        assert crm.get("/api/settings").status_code == 403
    hooks = page.locator("#add-webhook")
    hooks.get_by_label("Name").fill("shop")
    hooks.get_by_label("Address").fill("http://127.0.0.1:9/pbx")
    hooks.get_by_role("button", name="Add webhook").click()
    assert len(page.locator("#new-webhook-secret pre").inner_text().split(": ")[1].strip()) >= 32
    roles = page.locator("#set-role")
    roles.get_by_label("Role").fill("reception")
    roles.get_by_label("live_calls", exact=True).check()
    roles.get_by_role("button", name="Save role").click()
    expect(page.locator("#roles")).to_contain_text("reception")
    browser.snap("integrations")
    page.get_by_role("button", name="Revoke key crm").click()
    expect(page.locator("#api-keys")).to_contain_text("No API keys.")
    with api.client(token) as crm:
        assert crm.get("/api/cdr").status_code == 401
    with api.as_admin() as admin:
        assert [w["name"] for w in admin.get("/api/webhooks").json()] == ["shop"]
        assert {r["name"]: r["permissions"] for r in admin.get("/api/roles").json()}["reception"] == ["live_calls"]

    browser.open("settings")
    ring = page.locator("form", has=page.get_by_label("ring_timeout", exact=True))
    ring.get_by_label("ring_timeout", exact=True).fill("2")
    ring.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_contain_text("'2'")
    ring.get_by_label("ring_timeout", exact=True).fill("25")
    ring.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_contain_text("ring_timeout saved")
    trunk = page.locator("#add-trunk")
    trunk.get_by_label("Name").fill("prov")
    trunk.get_by_label("Server").fill("127.0.0.1")
    trunk.get_by_label("User").fill("acme")
    trunk.get_by_label("Password").fill("Trunk-pass-1234")
    trunk.get_by_role("button", name="Add trunk").click()
    expect(page.locator("#trunks tbody")).to_contain_text("prov")
    browser.snap("settings")
    with api.as_admin() as admin:
        assert admin.get("/api/settings/ring_timeout").json()["value"] == "25"
        [made] = admin.get("/api/trunks").json()
        assert (made["name"], made["username"], made["password_set"]) == ("prov", "acme", True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove trunk prov").click()
    expect(page.locator("#trunks")).to_contain_text("No trunks.")


def test_a_user_plays_marks_heard_and_deletes_their_voicemail(api: Api, pages: Open) -> None:
    api.user("105").close()
    leave_message(api.data_dir, "105", "0301234567", "Dr. Weber", seconds=1.5)
    leave_message(api.data_dir, "105", "", "", hz=900)
    browser = pages(api)
    page = browser.sign_in("105", "Green-Lamp-77q")
    browser.open("voicemail")
    expect(page.locator("#mailbox-counts")).to_have_text("Mailbox 105: 2 new, 0 heard")
    first = page.locator("main tbody tr").first
    expect(first).to_contain_text("0301234567 (Dr. Weber)")
    played = play_to_end(first.locator("audio"))
    assert 1.4 < played < 1.6
    first.get_by_role("button", name="Mark heard").click()
    expect(page.locator("#mailbox-counts")).to_have_text("Mailbox 105: 1 new, 1 heard")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("main tbody tr", has_text="unknown").get_by_role("button", name="Remove").click()
    expect(page.locator("#mailbox-counts")).to_have_text("Mailbox 105: 0 new, 1 heard")
    browser.snap("voicemail")
    with api.as_admin() as admin:
        box = admin.get("/api/voicemail/105").json()
        assert [(m["caller"], m["folder"]) for m in box["messages"]] == [("0301234567", "saved")]


def _greetings_page(api: Api, pages: Open) -> tuple[Pages, Page]:
    """The Greetings page, signed in as the admin."""
    browser = pages(api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("greetings")
    return browser, page


def test_a_greeting_uploaded_on_its_page_plays_and_a_file_that_is_not_audio_is_refused(
        api: Api, pages: Open, tmp_path: Path) -> None:
    browser, page = _greetings_page(api, pages)
    form = page.locator("#upload-greeting")
    notes = tmp_path / "notes.txt"
    notes.write_text("minutes of the meeting\n")
    form.get_by_label("Name").fill("welcome-day")
    form.get_by_label("Audio file").set_input_files(str(notes))
    form.get_by_role("button", name="Upload").click()
    expect(page.locator("#notice")).to_contain_text("'notes.txt' is not an audio file; accepted: WAV, MP3, OGG or FLAC")
    expect(page.locator("#greetings")).to_contain_text("No company greetings yet.")

    wav = write_wav(tmp_path / "welcome.wav", synth_tone(700, 1.5, rate=16000), rate=16000)
    form.get_by_label("Name").fill("welcome-day")
    form.get_by_label("Audio file").set_input_files(str(wav))
    form.get_by_role("button", name="Upload").click()
    expect(page.locator("#notice")).to_contain_text("Greeting welcome-day saved")
    row = page.locator("#greetings tbody tr")
    expect(row).to_contain_text("welcome-day")
    assert 1.4 < play_to_end(row.locator("audio")) < 1.6
    browser.snap("greetings")
    page.get_by_role("button", name="Remove greeting welcome-day").click()
    expect(page.locator("#greetings")).to_contain_text("No company greetings yet.")


def test_music_on_hold_is_played_replaced_and_given_back_to_the_built_in_melody(
        api: Api, pages: Open, tmp_path: Path) -> None:
    browser, page = _greetings_page(api, pages)
    row = page.locator("#music tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("built-in melody")
    expect(row).to_contain_text("every held caller")
    assert 7.5 < play_to_end(row.locator("audio")) < 8.5
    form = page.locator("#upload-music")
    wav = write_wav(tmp_path / "jazz.wav", synth_tone(500, 2.5, rate=16000), rate=16000)
    form.get_by_label("Audio file").set_input_files(str(wav))
    form.get_by_role("button", name="Upload music").click()
    expect(page.locator("#notice")).to_contain_text("Music on hold default saved")
    expect(row).not_to_contain_text("built-in melody")
    assert 2.4 < play_to_end(row.locator("audio")) < 2.6
    form.get_by_label("Class").fill("jazz")
    form.get_by_label("Audio file").set_input_files(str(wav))
    form.get_by_role("button", name="Upload music").click()
    expect(row).to_have_count(2)
    expect(row.nth(1)).to_contain_text("no route or queue yet")
    # Music is not offered as a company greeting.
    expect(page.locator("#greetings")).to_contain_text("No company greetings yet.")
    browser.snap("music")
    page.get_by_role("button", name="Remove music on hold jazz").click()
    expect(row).to_have_count(1)
    page.get_by_role("button", name="Remove music on hold default").click()
    expect(page.locator("#notice")).to_contain_text("Music on hold default removed.")
    expect(row).to_contain_text("built-in melody")


def test_a_new_box_is_signed_into_with_its_admin_pin_the_first_time(fresh_box: Api, pages: Open) -> None:
    browser = pages(fresh_box)
    page = browser.page
    page.goto("/")
    card = page.locator("#first-run")
    expect(card).to_contain_text("This box has no admin password yet.")
    card.get_by_label("Admin PIN").fill("000000")
    card.get_by_label("New admin password").fill("Blue-Kettle-42x")
    card.get_by_label("The password again").fill("Blue-Kettle-42x")
    card.get_by_role("button", name="Set the password and sign in").click()
    expect(card.get_by_role("alert")).to_contain_text("the admin PIN is wrong")
    browser.snap("first-run-refused")
    card.get_by_label("Admin PIN").fill(ADMIN_PIN)
    card.get_by_role("button", name="Set the password and sign in").click()
    expect(page.locator("#mode-card")).to_be_visible()
    expect(page.locator("main h1")).to_have_text("Dashboard")
    expect(page.locator("#who")).to_have_text("Signed in as admin")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.locator("#first-run")).to_have_count(0)


def test_a_ring_group_queue_room_and_forwarding_are_edited_from_the_call_flow(api: Api, pages: Open) -> None:
    with api.as_admin() as admin:
        for number, name in (("101", "Anna"), ("102", "Ben"), ("103", "Clara")):
            assert admin.post("/api/extensions", json={"number": number, "name": name}).status_code == 201
        assert admin.put("/api/ringgroups/sales", json={"members": ["101"], "timeout": 20}).status_code == 200
        assert admin.post("/api/trunks", json={"name": "prov", "host": "192.0.2.1", "username": "acme",
                                               "password": "Trunk-pass-1234"}).status_code == 201
        routed = admin.put("/api/inbound-routes/prov/any/*", json={"destination": "group:sales"})
        assert routed.status_code == 200, routed.text
    browser = pages(api)
    page = browser.sign_in("admin", ADMIN_PASSWORD)
    browser.open("logic")
    flow, notice = page.locator("#flow"), page.locator("#notice")
    expect(flow).to_contain_text("rings 101")

    # The group's step opens its editor: a member added from the extensions, a longer ring, a fallback.
    flow.get_by_role("button", name="Ring group sales").click()
    group = page.locator("#group-editor")
    group.get_by_role("button", name="Add one").click()
    group.get_by_label("member 2", exact=True).select_option("ext:103")
    group.get_by_role("button", name="Add one").click()
    group.get_by_label("member 3", exact=True).select_option("number:")
    group.locator("#group-members li").nth(2).get_by_label("Outside number").fill("0030 1234567")
    group.get_by_label("Rings for (s)").fill("25")
    group.get_by_role("combobox", name="When nobody answers").select_option("ext:102")
    browser.snap("group-editor")
    group.get_by_role("button", name="Save").click()
    expect(notice).to_have_text("Ring group sales saved: the next call follows it.")
    expect(flow).to_contain_text("rings 101, 103, number:00301234567")
    expect(flow).to_contain_text("nobody answers within 25 s")
    with api.as_admin() as admin:
        saved = admin.get("/api/ringgroups/sales").json()
    assert saved["members"] == ["101", "103", "number:00301234567"]
    assert (saved["timeout"], saved["no_answer"]) == (25, "ext:102")

    # A ring time the box does not accept: its words beside the form, nothing changed.
    flow.get_by_role("button", name="Ring group sales").click()
    group.get_by_label("Rings for (s)").fill("2")
    group.get_by_role("button", name="Save").click()
    refusal = group.get_by_role("alert")
    expect(refusal).to_contain_text("timeout 2 s is not accepted; use a whole number of seconds 5-600")
    group.get_by_role("button", name="Cancel").click()
    expect(group).to_have_count(0)

    # Ben's step (the group's fallback) opens his forwarding: always to Clara.
    flow.get_by_role("button", name="Extension 102 (Ben)").click()
    forwarding = page.locator("#forwarding-editor")
    expect(forwarding.get_by_role("heading")).to_have_text("Forwarding of extension 102 (Ben)")
    forwarding.get_by_role("combobox", name="Always to").select_option("ext:103")
    forwarding.get_by_role("combobox", name="When busy to").select_option("group:sales")
    browser.snap("forwarding-editor")
    forwarding.get_by_role("button", name="Save").click()
    expect(notice).to_have_text("Forwarding of 102 saved: the next call follows it.")
    with api.as_admin() as admin:
        fwd = admin.get("/api/extensions/102/forwarding").json()
    assert (fwd["always"], fwd["busy"], fwd["no_answer"], fwd["dnd"]) == ("ext:103", "group:sales", "", False)

    # A queue added on the page: Ben as a dynamic agent with penalty 2, full callers to the group.
    page.locator("#queues").get_by_role("button", name="Add a queue").click()
    queue = page.locator("#queue-editor")
    queue.get_by_label("Name").fill("support")
    queue.get_by_role("button", name="Add one").click()
    queue.get_by_label("member 1", exact=True).select_option("ext:102")
    queue.get_by_label("Penalty").fill("2")
    queue.get_by_label("logs in and out").check()
    queue.get_by_role("combobox", name="Who cannot wait goes to").select_option("group:sales")
    browser.snap("queue-editor")
    queue.get_by_role("button", name="Save").click()
    expect(notice).to_have_text("Queue support saved: the next caller gets it.")
    with api.as_admin() as admin:
        [made] = admin.get("/api/queues").json()
    assert [(a["extension"], a["penalty"], a["dynamic"]) for a in made["agents"]] == [("102", 2, True)]
    assert made["overflow"] == "group:sales"

    # The line's calls go to the queue now: the flow shows it, its agent and its overflow.
    route = page.locator("section[aria-labelledby=routes-heading] tbody tr").first
    route.get_by_role("combobox", name="Goes to").select_option("queue:support")
    route.get_by_role("button", name="Save").click()
    expect(notice).to_have_text("Saved: the next call follows it.")
    expect(flow).to_contain_text("Queue support agents 102")
    expect(flow).to_contain_text("queue full or waited too long")

    # Removing it while the line sends callers there is refused with the API's words; then it goes.
    flow.get_by_role("button", name="Queue support").click()
    page.on("dialog", lambda dialog: dialog.accept())
    queue.get_by_role("button", name="Remove", exact=True).click()
    expect(queue.get_by_role("alert")).to_have_text(
        "queue support cannot be removed: queue:support is still used by inbound route prov/any/*; change those first")
    browser.snap("queue-removal-refused")
    queue.get_by_role("button", name="Cancel").click()
    route.get_by_role("combobox", name="Goes to").select_option("group:sales")
    route.get_by_role("button", name="Save").click()
    expect(flow).not_to_contain_text("Queue support")
    page.locator("#queues").get_by_role("button", name="Queue support").click()
    queue.get_by_role("button", name="Remove", exact=True).click()
    expect(notice).to_have_text("Queue support removed.")
    expect(page.locator("#queues")).to_contain_text("No queues yet.")
    with api.as_admin() as admin:
        assert admin.get("/api/queues").json() == []

    # A conference room added with a PIN (the page never shows it again), then removed.
    page.locator("#rooms").get_by_role("button", name="Add a conference room").click()
    room = page.locator("#room-editor")
    room.get_by_label("Room number").fill("801")
    room.get_by_label("Name").fill("Board")
    room.get_by_label("Room PIN").fill("12")
    room.get_by_role("button", name="Save").click()
    expect(room.get_by_role("alert")).to_contain_text("room PIN")
    room.get_by_label("Room PIN").fill("4711")
    browser.snap("room-editor")
    room.get_by_role("button", name="Save").click()
    expect(notice).to_have_text("Conference room 801 saved: the next caller gets it.")
    with api.as_admin() as admin:
        [made_room] = admin.get("/api/conferences").json()
    assert (made_room["number"], made_room["name"], made_room["has_pin"]) == ("801", "Board", True)
    page.locator("#rooms").get_by_role("button", name="Conference room 801 Board").click()
    expect(room.get_by_label("Room PIN")).to_have_value("")
    room.get_by_role("button", name="Remove", exact=True).click()
    expect(notice).to_have_text("Conference room 801 removed.")
    expect(page.locator("#rooms")).to_contain_text("No conference rooms yet.")

    # On a phone's width the editors fold onto more lines: nothing is wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    for section, button, card in (("#groups", "Ring group sales", "#group-editor"),
                                  ("#queues", "Add a queue", "#queue-editor")):
        page.locator(section).get_by_role("button", name=button).click()
        page.locator(card).get_by_role("button", name="Add one").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{card} is wider than the phone"
    browser.snap("phone-queue-editor")
