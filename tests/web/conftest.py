"""The web admin in real Chromium (Debian's /usr/bin/chromium, driven by Playwright), against the
real API: alone for the pages' own behaviour, or started by `minipbx run` with phones and calls.

Each page a test opens is saved as a screenshot under tests/artifacts/web/ (not committed), so a
reviewer can look at what the pages look like after a CI run.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Playwright, sync_playwright

from tests.support.api import ADMIN_PASSWORD, REPO_ROOT, Api, api, free_tcp_port, wait_until_up
from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx, serving

__all__ = ["api"]  # the API alone, for the pages' own tests

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "web"


@pytest.fixture
def playwright() -> Iterator[Playwright]:
    # Per test, not per session: while Playwright's driver runs, its event loop is the thread's
    # running loop, and tests after it in the same process that call asyncio.run() would fail.
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Chromium is missing: `make deps` installs Debian's chromium package"
    # No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield chromium
    chromium.close()


def play_to_end(audio: Locator) -> float:
    """Play an <audio> element (muted: there is no sound card) until its `ended` event; its duration in s."""
    return float(audio.evaluate("""element => new Promise((resolve, reject) => {
        element.addEventListener('ended', () => resolve(element.duration), {once: true});
        element.addEventListener('error', () => reject(new Error('audio error ' + element.error?.code)), {once: true});
        element.muted = true;
        element.play().catch(reject);
    })"""))


class Pages:
    """One browser context (its own cookies) and its pages; every uncaught script error fails the test."""

    def __init__(self, browser: Browser, base_url: str, name: str, **options: object) -> None:
        self.context = browser.new_context(base_url=base_url, **options)  # type: ignore[arg-type]
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.name = re.sub(r"[^A-Za-z0-9_-]+", "-", name)[:80]
        self.shots = 0

    def sign_in(self, login: str, password: str) -> Page:
        page = self.page
        page.goto("/")
        page.get_by_label("Extension or admin").fill(login)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.locator("#mode-card").wait_for()
        return page

    def open(self, path: str) -> Page:
        self.page.goto(f"/ui/#/{path}")
        self.page.locator("main h1").wait_for()
        return self.page

    def add_extension(self, number: str, name: str, department: str = "") -> Locator:
        """Add an extension on the People page, signed in already; the add form, for more tries."""
        page = self.open("people")
        form = page.locator("#add-extension")
        form.get_by_label("Number").fill(number)
        form.get_by_label("Name").fill(name)
        form.get_by_label("Department").fill(department)
        form.get_by_role("button", name="Add").click()
        return form

    def snap(self, what: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-{what}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def pages(browser: Browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """`pages(api)` opens a browser context on that API's server; closed, and checked, at the end."""
    opened: list[Pages] = []

    def open_on(api: Api, **options: object) -> Pages:
        made = Pages(browser, api.url, f"{request.node.name}-{len(opened)}", **options)
        opened.append(made)
        return made

    yield open_on
    for made in opened:
        made.close()
    errors = [e for made in opened for e in made.errors]
    assert not errors, f"script errors on the pages: {errors}"


@pytest.fixture
def pbx(tmp_path_factory: pytest.TempPathFactory, phone_factory: PhoneFactory) -> Iterator[RunningPbx]:
    """A running PBX with its API (and so the web admin), the admin password set."""
    data_dir = Path(tmp_path_factory.mktemp("pbx", numbered=True))
    running = RunningPbx(data_dir, phone_factory, http_port=free_tcp_port())
    assert running.minipbx("api", "admin-password", "--password", ADMIN_PASSWORD).returncode == 0
    yield from serving(running, phone_factory)


@pytest.fixture
def pbx_api(pbx: RunningPbx) -> Api:
    url = f"http://127.0.0.1:{pbx.http_port}"
    wait_until_up(url, None, pbx.data_dir / "logs" / "api.log")
    return Api(pbx.data_dir, url)
