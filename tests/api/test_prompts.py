"""/api/prompts: company greetings uploaded as files, played, refused with the CLI's messages, removed."""
from __future__ import annotations

from pathlib import Path

from tests.support.api import Api, assert_bad_audio_refused
from tests.support.audio import synth_tone, tone_seconds, write_wav


def test_a_greeting_is_uploaded_played_refused_when_bad_and_removed_when_unused(api: Api, tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "welcome.wav", synth_tone(700, 2.0, rate=16000), rate=16000)
    with api.as_admin() as admin, api.user("105") as user:
        made = admin.put("/api/prompts/welcome-day", params={"filename": "welcome.wav"}, content=wav.read_bytes(),
                         headers={"content-type": "application/octet-stream"})
        assert made.status_code == 200, made.text
        assert made.json()["name"] == "welcome-day" and 1.9 < made.json()["seconds"] < 2.1
        assert [p["name"] for p in admin.get("/api/prompts").json()] == ["welcome-day"]
        played = admin.get("/api/prompts/welcome-day/audio")
        assert played.headers["content-type"] == "audio/wav"
        heard = tmp_path / "heard.wav"
        heard.write_bytes(played.content)
        assert tone_seconds(heard, 700) > 1.8

        assert_bad_audio_refused(admin, "/api/prompts/other", tmp_path)
        bad_name = admin.put("/api/prompts/no%20spaces", content=wav.read_bytes())
        assert bad_name.status_code == 422 and "welcome-day" in bad_name.json()["error"]
        assert [p["name"] for p in admin.get("/api/prompts").json()] == ["welcome-day"]
        assert not [p for p in (api.data_dir / "prompts").iterdir() if p.name.startswith(".")]

        assert user.get("/api/prompts").status_code == 403
        # Recording from a phone needs the running PBX to make the call.
        stopped = admin.post("/api/prompts/welcome-day/record", json={"extension": "105"})
        assert stopped.status_code == 503 and "minipbx is not running" in stopped.json()["error"]
        assert admin.put("/api/menus/main", json={"greeting": "welcome-day"}).status_code == 200
        used = admin.delete("/api/prompts/welcome-day")
        assert used.status_code == 422 and "voice menu main" in used.json()["error"]
        assert admin.put("/api/menus/main", json={"greeting": ""}).status_code == 200
        assert admin.delete("/api/prompts/welcome-day").status_code == 204
        assert admin.get("/api/prompts").json() == []
        assert "prompt.upload" in [row["action"] for row in admin.get("/api/audit").json()]
