"""The operations the CLI, the HTTP API (and later keypad programming and the web pages) share.

Each operation takes typed input, validates it once (through the store and the
domain modules), writes once, records who did it in the audit log, and tells a
running PBX when it has to reload something. Callers only translate: argv or
JSON in, text or JSON out. See docs/http-api.md.
"""
