"""Webhooks: call events POSTed to an integration's URL, signed, retried from a persisted outbox.

The brain only writes events into the outbox (hooks.py); the API process delivers
them (delivery.py), so a slow or dead receiver never touches call handling.
"""
