"""The line gateway: analog phones, DECT handsets, the door station and paging zones
as SIP extensions, and FXO lines as trunks (see host.py for the process layout)."""
