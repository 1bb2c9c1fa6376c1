"""How the API serves the web admin's files: the page names its scripts at addresses that change
with the files, so a browser keeps them without asking again and never mixes two versions."""
from __future__ import annotations

import re
import time
from pathlib import Path

from firmware.web.mount import static_version
from tests.support.api import Api


def test_the_page_names_versioned_scripts_that_the_browser_may_keep(api: Api) -> None:
    with api.client() as http:
        page = http.get("/ui/")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-cache"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        found = re.search(r'src="(_/([0-9a-f]{12})/js/main\.js)"', page.text)
        assert found, page.text
        version = found.group(2)
        assert f'href="_/{version}/app.css"' in page.text
        script = http.get(f"/ui/{found.group(1)}")
        assert script.status_code == 200 and "import" in script.text
        assert "immutable" in script.headers["cache-control"]
        assert "default-src 'self'" in script.headers["content-security-policy"]
        # A module main.js imports, at the address relative to it.
        assert http.get(f"/ui/_/{version}/js/api.js").status_code == 200
        # The translations too, beside the scripts; the plain addresses still answer (checked each time).
        assert "immutable" in http.get(f"/ui/_/{version}/i18n/de.json").headers["cache-control"]
        plain = http.get("/ui/i18n/en.json")
        assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache"
        # Another version's address is not served: a stale page reloads instead of mixing files.
        assert http.get("/ui/_/000000000000/js/main.js").status_code == 404


def test_the_version_follows_the_files(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "main.js"
    script.write_text("export const a = 1;\n")
    first = static_version(tmp_path)
    assert static_version(tmp_path) == first
    time.sleep(0.01)
    script.write_text("export const a = 2;\n")
    assert static_version(tmp_path) != first
