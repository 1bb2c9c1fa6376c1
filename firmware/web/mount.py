"""Serving the web admin's pages: /ui/ from the package's static files, / sends a browser there.

The pages are plain files (HTML, CSS, ES modules): the box needs no build step and no node.
Everything they show or change goes through /api with the signed-in session, so the API's
permissions are the pages' permissions.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

STATIC_DIR = Path(__file__).with_name("static")
# Only our own files run, nothing frames the pages (clickjacking), recordings play from /api.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class _Pages(StaticFiles):
    """Static files that a browser must check again before using a cached copy (ETag: 304 if unchanged)."""

    cache_control = "no-cache"

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = self.cache_control
        response.headers.update(_SECURITY_HEADERS)
        return response


class _Versioned(_Pages):
    """The same files under /ui/_/VERSION/: kept by the browser without asking again.

    VERSION is a hash of the files, so after an upgrade the page names new addresses and a
    browser never runs a mix of old and new modules; until then a page load asks for none of
    the ~25 scripts again (their 304s cost about a third of a page load on the box).
    """

    cache_control = "public, max-age=31536000, immutable"


def static_version(folder: Path = STATIC_DIR) -> str:
    """A short hash of every file's path, size and modification time under `folder`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


def _index(version: str) -> str:
    html = (STATIC_DIR / "index.html").read_text()
    # The page's own stylesheet and first script from the versioned addresses; the modules that
    # script imports are relative to it, so they come from there too.
    return (html.replace('href="app.css"', f'href="_/{version}/app.css"')
                .replace('src="js/main.js"', f'src="_/{version}/js/main.js"'))


def install(app: FastAPI) -> None:
    version = static_version()
    page = _index(version)

    @app.get("/ui/", include_in_schema=False)
    @app.get("/ui/index.html", include_in_schema=False)
    def index() -> Response:
        return HTMLResponse(page, headers={"Cache-Control": "no-cache", **_SECURITY_HEADERS})

    app.mount(f"/ui/_/{version}", _Versioned(directory=STATIC_DIR), name="web-admin-versioned")
    app.mount("/ui", _Pages(directory=STATIC_DIR, html=True), name="web-admin")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)
