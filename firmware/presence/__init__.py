"""Busy lamps (BLF): what desk phones show for the extensions and park slots they watch.

The brain knows who is on a call, ringing, on hold or parked, whichever worker carries
the call; `lamps` turns its calls into RFC 4235 dialogs, `dialog_info` writes them as
application/dialog-info+xml, `publisher` PUBLISHes them to the edge, whose presence
module answers the phones' SUBSCRIBEs and sends the NOTIFYs; `service` keeps the
edge's copy current. docs/presence.md has the why.
"""
