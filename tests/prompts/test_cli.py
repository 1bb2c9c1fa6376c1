"""`minipbx prompt list|upload|remove|build` as a person runs them."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from firmware.prompts.catalog import NAMES
from tests.cli.conftest import Cli
from tests.prompts.conftest import audio_of, sox_make


def test_upload_list_remove_round_trip(cli: Cli, tmp_path: Path) -> None:
    assert cli.ok("prompt", "list") == "no company greetings; add one with `minipbx prompt upload NAME FILE`\n"
    source = sox_make(tmp_path / "Begrüßung.mp3", "-r 44100 -c 2", "synth 3 sine 440")
    assert cli.ok("prompt", "upload", "welcome-day", str(source)) == f"prompt welcome-day: 3.0 s from {source}\n"
    assert audio_of(cli.data_dir / "prompts" / "welcome-day.wav").rate == 8000

    listing = cli.ok("prompt", "list").splitlines()
    assert listing[0].split() == ["NAME", "SECONDS", "SOURCE", "CREATED", "(UTC)"]
    assert listing[1].split()[:3] == ["welcome-day", "3.0", "upload"]
    [entry] = json.loads(cli.ok("prompt", "list", "--json"))
    assert (entry["name"], entry["file"], entry["source"]) == ("welcome-day", "welcome-day.wav", "upload")

    assert cli.ok("prompt", "remove", "welcome-day") == "prompt welcome-day removed\n"
    assert json.loads(cli.ok("prompt", "list", "--json")) == []
    assert list((cli.data_dir / "prompts").iterdir()) == []


def test_a_refused_upload_is_one_line_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("prompt", "list")
    before = cli.snapshot()
    fake = tmp_path / "greeting.wav"
    fake.write_text("not audio")
    assert cli.fails("prompt", "upload", "welcome", str(fake)) == (
        f"minipbx: error: {fake} is not an audio file; accepted: WAV, MP3, OGG or FLAC audio")
    assert cli.fails("prompt", "upload", "bad name", str(fake)) == (
        "minipbx: error: prompt name 'bad name' is not accepted; use 1-40 letters, digits, '-' or '_' "
        "(e.g. welcome-day)")
    assert cli.fails("prompt", "remove", "welcome") == (
        "minipbx: error: prompt 'welcome' does not exist; see `minipbx prompt list`")
    assert cli.snapshot() == before
    assert not (cli.data_dir / "prompts").exists() or list((cli.data_dir / "prompts").iterdir()) == []


def test_build_regenerates_what_is_missing(cli: Cli, tmp_path: Path, all_prompts: Path) -> None:
    system = tmp_path / "system"
    shutil.copytree(all_prompts, system)
    (system / "de" / "goodbye.wav").unlink()
    result = cli("prompt", "build", "--lang", "de", env={"MINIPBX_PROMPTS": str(system)}, timeout=60)
    assert result.returncode == 0, result.stderr
    count = len(NAMES)
    assert result.stdout.startswith(f"system prompts in {system}: de 1 made, {count - 1} unchanged (")
    assert audio_of(system / "de" / "goodbye.wav").rate == 8000

    result = cli("prompt", "build", "--out", str(system), timeout=60)
    assert result.stdout.startswith(f"system prompts in {system}: en 0 made, {count} unchanged; "
                                    f"de 0 made, {count} unchanged (")
