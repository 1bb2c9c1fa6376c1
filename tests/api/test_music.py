"""/api/music: music on hold classes uploaded, played, refused with the CLI's messages, removed;
`minipbx moh` shows and does the same."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.api import REPO_ROOT, Api, assert_bad_audio_refused
from tests.support.audio import synth_tone, tone_seconds, write_wav


def _moh(api: Api, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "firmware.cli.main", "--data", str(api.data_dir), "moh", *args],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=60, check=False)


def test_music_is_uploaded_played_refused_when_bad_and_removed_when_unused(api: Api, tmp_path: Path) -> None:
    jazz = write_wav(tmp_path / "jazz.wav", synth_tone(500, 3.0, rate=16000), rate=16000)
    with api.as_admin() as admin, api.user("105") as user:
        # Out of the box: class default, the built-in melody, which plays in the browser too.
        assert admin.get("/api/music").json() == [
            {"name": "default", "seconds": 0.0, "built_in": True, "created_at": "", "used_by": []}]
        melody = admin.get("/api/music/default/audio")
        assert melody.status_code == 200 and melody.headers["content-type"] == "audio/wav"
        builtin = tmp_path / "builtin.wav"
        builtin.write_bytes(melody.content)
        assert tone_seconds(builtin, 440) > 0.5

        made = admin.put("/api/music/jazz", params={"filename": "jazz.wav"}, content=jazz.read_bytes(),
                         headers={"content-type": "application/octet-stream"})
        assert made.status_code == 200, made.text
        assert (made.json()["name"], made.json()["built_in"]) == ("jazz", False)
        assert 2.9 < made.json()["seconds"] < 3.1
        heard = tmp_path / "heard.wav"
        heard.write_bytes(admin.get("/api/music/jazz/audio").content)
        assert tone_seconds(heard, 500) > 2.5
        # Music is not among the greetings a menu plays.
        assert admin.get("/api/prompts").json() == []

        assert_bad_audio_refused(admin, "/api/music/other", tmp_path)
        bad_name = admin.put("/api/music/no%20spaces", content=jazz.read_bytes())
        assert bad_name.status_code == 422 and "music class 'no spaces' is not accepted" in bad_name.json()["error"]
        missing = admin.get("/api/music/blues/audio")
        assert missing.status_code == 404 and "see GET /api/music" in missing.json()["error"]
        assert [c["name"] for c in admin.get("/api/music").json()] == ["default", "jazz"]
        assert not [p for p in (api.data_dir / "prompts").iterdir() if p.name.startswith(".")]
        assert user.get("/api/music").status_code == 403

        # A class a route plays cannot go; `default` can (the melody comes back).
        assert admin.post("/api/trunks", json={"name": "prov", "host": "192.0.2.1", "username": "acme",
                                               "password": "Trunk-pass-1234"}).status_code == 201
        assert admin.post("/api/extensions", json={"number": "101", "name": "Reception"}).status_code == 201
        assert admin.put("/api/inbound-routes/prov/any/day",
                         json={"destination": "ext:101", "music": "jazz"}).status_code == 200
        [_, listed] = admin.get("/api/music").json()
        assert listed["used_by"] == ["route prov/any/day"]
        used = admin.delete("/api/music/jazz")
        assert used.status_code == 422 and "still used by route prov/any/day" in used.json()["error"]

    # The command line lists the same and refuses with the same words.
    listed_here = _moh(api, "list")
    assert listed_here.returncode == 0, listed_here.stderr
    rows = [line.split() for line in listed_here.stdout.splitlines()[1:]]
    assert [(r[0], r[1]) for r in rows] == [("default", "built"), ("jazz", "3.0s")]
    refused_here = _moh(api, "remove", "jazz")
    assert refused_here.returncode == 1 and "still used by route prov/any/day" in refused_here.stderr
    mine = _moh(api, "upload", "default", str(jazz))
    assert mine.returncode == 0 and "music class default: 3.0 s" in mine.stdout

    with api.as_admin() as admin:
        assert admin.get("/api/music").json()[0]["built_in"] is False
        assert admin.put("/api/inbound-routes/prov/any/day",
                         json={"destination": "ext:101", "music": ""}).status_code == 200
        assert admin.delete("/api/music/jazz").status_code == 204
        assert admin.delete("/api/music/default").status_code == 204
        assert admin.get("/api/music").json()[0]["built_in"] is True
        gone = admin.delete("/api/music/jazz")
        assert gone.status_code == 404 and "does not exist" in gone.json()["error"]
        actions = [row["action"] for row in admin.get("/api/audit").json()]
        assert {"music.upload", "music.remove"} <= set(actions)
