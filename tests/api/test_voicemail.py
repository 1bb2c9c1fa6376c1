"""/api/voicemail: one's own messages listed, played, marked heard and deleted, and one's mailbox's
settings changed; nobody else's."""
from __future__ import annotations

import io
import wave

from firmware.pins.guard import pin_matches
from firmware.store.database import open_store
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


def _stored_pin_hash(api: Api, number: str) -> str:
    db = open_store(api.data_dir, create=False)
    try:
        return str(db.execute("SELECT pin_hash FROM mailboxes WHERE number = ?", [number]).fetchone()[0])
    finally:
        db.conn.close()


def test_a_user_sets_their_mailbox_pin_and_e_mail_and_bad_values_are_refused_by_name(api: Api) -> None:
    with api.user("101") as owner, api.user("102") as other:
        assert owner.get("/api/voicemail/101/settings").json() == {
            "number": "101", "has_pin": False, "email": "", "attach": True, "delete_after_email": False,
            "language": ""}
        for wanted, said in [
            ({"pin": "12"}, "PIN '12' is not accepted: a PIN is 4 to 10 digits (0-9)"),
            ({"pin": "4826x"}, "PIN '4826x' is not accepted: a PIN is 4 to 10 digits (0-9)"),
            ({"pin": "1111"}, "PIN 1111 is too easy to guess"),
            ({"email": "jane.example.com"}, "e-mail 'jane.example.com' is not an address; use name@example.com"),
            ({"email": "", "delete_after_email": True}, "mailbox 101: deleting messages after e-mail needs an e-mail"),
            ({"language": "fr"}, "language 'fr' has no prompts; use one of: en, de"),
        ]:
            refused = owner.patch("/api/voicemail/101/settings", json=wanted)
            assert refused.status_code == 422 and refused.json()["error"].startswith(said), refused.text
        assert owner.patch("/api/voicemail/101/settings", json={"greeting": "x"}).status_code == 422
        assert owner.get("/api/voicemail/101/settings").json()["has_pin"] is False

        changed = owner.patch("/api/voicemail/101/settings", json={
            "pin": "48265", "email": " jane@example.com ", "delete_after_email": True, "language": "de"})
        assert changed.status_code == 200, changed.text
        assert changed.json() == {"number": "101", "has_pin": True, "email": "jane@example.com", "attach": True,
                                  "delete_after_email": True, "language": "de"}
        assert "48265" not in changed.text
        # What the PBX compares a caller's digits with when they log in from another phone.
        assert pin_matches(_stored_pin_hash(api, "101"), "48265")
        # Leaving the audio out while deleting after e-mail would lose the message.
        lost = owner.patch("/api/voicemail/101/settings", json={"attach": False})
        assert lost.status_code == 422 and "the message would be lost" in lost.json()["error"]
        assert owner.patch("/api/voicemail/101/settings",
                           json={"attach": False, "delete_after_email": False}).json()["attach"] is False

        assert other.get("/api/voicemail/101/settings").status_code == 403
        assert other.patch("/api/voicemail/101/settings", json={"pin": "97531"}).status_code == 403
    assert pin_matches(_stored_pin_hash(api, "101"), "48265")
    with api.as_admin() as admin:
        assert admin.patch("/api/voicemail/102/settings", json={"email": "b@example.org"}).json()["email"] == \
            "b@example.org"
        missing = admin.get("/api/voicemail/999/settings")
        assert missing.status_code == 404 and "no mailbox 999" in missing.json()["error"]
        audited = [str(row) for row in admin.get("/api/audit").json() if row["action"] == "voicemail.settings"]
        assert len(audited) == 3 and not any("48265" in row for row in audited)
        assert any("(changed)" in row for row in audited)
