"""Keypad programming (*99): the box programmed from any extension's keypad, with spoken answers.

    *99 -> admin PIN # -> program menu -> program number # -> its questions -> spoken result
                                ^                                   |
                                +---- (* at any question: back) ----+

`session.py` is the call (the PIN, the menu loop), `keys.py` the keypad conventions (# ends an
entry, * goes back), `programs.py` the programs by number. Every change goes through the same
admin operations as the CLI and the HTTP API (firmware/admin/), with the caller as the actor
("keypad 101"), so it is validated, audit-logged and picked up by the running PBX alike.
"""
