"""Voicemail: mailboxes, messages and greetings on disk (store), e-mail delivery (mailer).

The phone menus that record and play messages are built on top of this API; nothing
here talks to a call.
"""
