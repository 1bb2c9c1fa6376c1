"""Which calls the edge ends when a call worker dies: those with a side at the worker's address."""
from __future__ import annotations

from firmware.edge.rpc import dialogs_with

# Two calls as kamcmd prints `dlg.list`: one a phone made to the worker on port 5071, one the
# worker on port 50712 made to a phone.
LISTING = """{
\th_entry: 1451
\th_id: 1
\tcall-id: 4f2a@127.1.0.2
\tstate: 4
\tcaller: {
\t\ttag: a1
\t\tcontact: sip:201@127.1.0.2:40123;ob
\t\tcseq: 1
\t}
\tcallee: {
\t\ttag: b1
\t\tcontact: <sip:pbx@127.0.0.1:5071>
\t\tcseq: 0
\t}
}
{
\th_entry: 977
\th_id: 2
\tcall-id: 9c1d@127.0.0.1
\tstate: 4
\tcaller: {
\t\ttag: c2
\t\tcontact: sip:pbx@127.0.0.1:50712
\t}
\tcallee: {
\t\ttag: d2
\t\tcontact: sip:202@127.1.0.3:40555
\t}
}
"""


def test_the_calls_of_one_worker_are_found_by_its_address_and_no_others() -> None:
    assert dialogs_with(LISTING, "127.0.0.1:5071") == [("1451", "1")]
    assert dialogs_with(LISTING, "127.0.0.1:50712") == [("977", "2")]
    assert dialogs_with(LISTING, "127.0.0.1:5072") == []
    assert dialogs_with("", "127.0.0.1:5071") == []
