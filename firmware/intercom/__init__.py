"""Intercom: `*80` + extension calls a colleague's phone, which answers by itself (loudspeaker).

Desk phones answer on their own when the INVITE says so. Two ways are in use, and both are
sent: `Call-Info: <sip:PBX>;answer-after=0` (Yealink, Grandstream, Snom, Fanvil, and the
softphones that know intercom) and an `Alert-Info` whose `info=` a phone is set to match
(`alert-autoanswer` by default, which Grandstream and Snom know; on a Polycom, set its
`voIpProt.SIP.alertInfo` value to match the setting `intercom_alert_info`). A phone that honours neither
simply rings. An intercom call ignores the callee's forwarding (it is for whoever sits at that
desk), is refused while the callee is in a call or has do-not-disturb on, and is otherwise a
normal call (record, hold, transfer).

An analog phone or DECT handset cannot answer by itself: the line gateway sees the same
`Call-Info` and rings it with the intercom cadence instead (three short rings,
firmware/media/tones.py), so whoever is there knows a colleague calls on the intercom.
"""
from __future__ import annotations

from firmware.dialplan.feature_codes import Argument, FeatureCode

INTERCOM = "*80"
FEATURE_CODES = (
    FeatureCode(INTERCOM, Argument.EXTENSION, "intercom", "intercom: the extension's phone answers by itself"),
)


def auto_answer_headers(pbx_host: str, alert_info: str) -> dict[str, str]:
    """What tells a desk phone to answer at once (see the module's docstring)."""
    return {"Call-Info": f"<sip:{pbx_host}>;answer-after=0", "Alert-Info": f"<http://{pbx_host}/>;info={alert_info}"}


def asks_auto_answer(call_info: str) -> bool:
    """Whether an INVITE's Call-Info asks the phone to answer by itself (intercom, paging)."""
    return "answer-after=" in call_info.lower()
