"""Serving the web admin's pages: /ui/ from the package's static files, / sends a browser there.

The pages are plain files (HTML, CSS, ES modules): the box needs no build step and no node.
Everything they show or change goes through /api with the signed-in session, so the API's
permissions are the pages' permissions.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).with_name("static")


class _Pages(StaticFiles):
    """Static files that a browser must check again before using a cached copy.

    After an upgrade the next page load then gets the new scripts, never a mix of old and new
    modules (which ETag revalidation makes cheap: an unchanged file answers 304).
    """

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        # Only our own files run, nothing frames the pages (clickjacking), recordings play from /api.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; "
            "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response


def install(app: FastAPI) -> None:
    app.mount("/ui", _Pages(directory=STATIC_DIR, html=True), name="web-admin")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)
