"""Call control: what happens to a call once it is more than one caller and one callee.

The switch (brain/switch.py) routes and rings; the modules here give a call its
in-call life, each feature in its own module (docs/call-control.md):
links (legs on different workers), keys (digits through a call, in-call codes),
music (music on hold), transfer, pickup, park, camp_on, history (the call record's steps).
"""
