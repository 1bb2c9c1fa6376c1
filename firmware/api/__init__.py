"""The HTTP API: its own process (`python -m firmware.api`), started and watched by `minipbx run`.

See docs/http-api.md.
"""
