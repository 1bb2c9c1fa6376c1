"""The web admin: static pages served by the API process, speaking only the HTTP API (docs/web-admin.md)."""
