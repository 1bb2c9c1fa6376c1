"""/api/voicemail: one's own messages listed, played, marked heard and deleted; nobody else's."""
from __future__ import annotations

import io
import wave

from tests.support.api import Api
from tests.support.voicemail_messages import leave_message


def test_a_user_hears_marks_and_deletes_their_own_messages_and_no_one_elses(api: Api) -> None:
    with api.user("101") as owner, api.user("102") as other:
        first = leave_message(api.data_dir, "101", "0301234567", "Dr. Weber")
        second = leave_message(api.data_dir, "101", "", "", hz=900)
        foreign = leave_message(api.data_dir, "102", "101", "Person 101")
        box = owner.get("/api/voicemail/101").json()
        assert (box["new"], box["saved"]) == (2, 0)
        assert [(m["id"], m["caller"], m["caller_name"], m["folder"]) for m in box["messages"]] == \
            [(first, "0301234567", "Dr. Weber", "new"), (second, "", "", "new")]
        assert 1.9 < box["messages"][0]["seconds"] < 2.1

        sound = owner.get(f"/api/voicemail/messages/{first}/audio")
        assert sound.status_code == 200 and sound.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(sound.content)) as wav:
            assert (wav.getframerate(), wav.getnchannels()) == (8000, 1)

        heard = owner.post(f"/api/voicemail/messages/{first}/heard")
        assert heard.status_code == 200 and heard.json()["folder"] == "saved"
        assert owner.delete(f"/api/voicemail/messages/{second}").status_code == 204
        box = owner.get("/api/voicemail/101").json()
        assert (box["new"], box["saved"], [m["id"] for m in box["messages"]]) == (0, 1, [first])

        # Someone else's mailbox and messages: refused, and ids cannot be probed.
        assert other.get("/api/voicemail/101").status_code == 403
        for answer in (other.get(f"/api/voicemail/messages/{first}/audio"),
                       other.post(f"/api/voicemail/messages/{first}/heard"),
                       other.delete(f"/api/voicemail/messages/{first}"),
                       owner.get(f"/api/voicemail/messages/{foreign}/audio")):
            assert answer.status_code == 404, answer.text
        assert owner.get("/api/voicemail/101").json()["saved"] == 1
    with api.as_admin() as admin:
        assert admin.get("/api/voicemail/102").json()["new"] == 1
        assert admin.get("/api/voicemail/999").status_code == 404
        actions = [row["action"] for row in admin.get("/api/audit").json()]
        assert "voicemail.heard" in actions and "voicemail.delete" in actions
