"""Finding prompt files: language fallback, custom prompts, numbers and keys, the system folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from firmware.prompts import library
from firmware.prompts.library import PromptError, PromptLibrary, find_system_dir


@pytest.fixture
def system_dir(tmp_path: Path) -> Path:
    root = tmp_path / "system"
    files = {"en": ["welcome", "only-english", "num-21", "num-0", *(f"digit-{d}" for d in range(10)),
                    "digit-star", "digit-hash"],
             "de": ["welcome", "num-21", "digit-1"]}
    for lang, names in files.items():
        (root / lang).mkdir(parents=True)
        for name in names:
            (root / lang / f"{name}.wav").write_bytes(b"RIFF")
    return root


@pytest.fixture
def prompts(system_dir: Path, tmp_path: Path) -> PromptLibrary:
    custom = tmp_path / "data" / "prompts"
    custom.mkdir(parents=True)
    (custom / "welcome-day.wav").write_bytes(b"RIFF")
    return PromptLibrary(system_dir, custom)


def test_a_prompt_comes_in_the_callers_language_else_in_english(prompts: PromptLibrary, system_dir: Path) -> None:
    assert prompts.system("welcome", "de") == system_dir / "de" / "welcome.wav"
    assert prompts.system("welcome", "en") == system_dir / "en" / "welcome.wav"
    assert prompts.system("only-english", "de") == system_dir / "en" / "only-english.wav"
    # No language chosen (a menu's '' = the system's) or an odd one: English.
    assert prompts.system("welcome", "") == system_dir / "en" / "welcome.wav"
    assert prompts.system("welcome", "../de") == system_dir / "en" / "welcome.wav"


def test_a_prompt_missing_everywhere_is_named(prompts: PromptLibrary, system_dir: Path) -> None:
    with pytest.raises(PromptError) as caught:
        prompts.system("goodbye", "de")
    assert str(caught.value) == (f"system prompt 'goodbye' is missing (looked in {system_dir / 'de'} and "
                                 f"{system_dir / 'en'})")
    with pytest.raises(PromptError, match=r"^'\.\./secret' is not a system prompt name"):
        prompts.system("../secret", "en")


def test_custom_prompts_are_found_by_name_only(prompts: PromptLibrary, tmp_path: Path) -> None:
    assert prompts.custom("welcome-day") == tmp_path / "data" / "prompts" / "welcome-day.wav"
    assert prompts.custom("welcome-night") is None
    assert prompts.custom("../prompts/welcome-day") is None
    assert prompts.custom("") is None


def test_numbers_up_to_99_are_one_word_larger_ones_digit_by_digit(prompts: PromptLibrary,
                                                                    system_dir: Path) -> None:
    assert prompts.number(21, "de") == [system_dir / "de" / "num-21.wav"]
    assert prompts.number(0, "de") == [system_dir / "en" / "num-0.wav"]
    assert prompts.number(120, "en") == [system_dir / "en" / f"digit-{d}.wav" for d in (1, 2, 0)]
    with pytest.raises(PromptError, match="cannot say the number -1"):
        prompts.number(-1, "en")


def test_digits_are_spoken_key_by_key(prompts: PromptLibrary, system_dir: Path) -> None:
    en, de = system_dir / "en", system_dir / "de"
    assert prompts.digits("+49 1*#", "de") == [en / "digit-4.wav", en / "digit-9.wav", de / "digit-1.wav",
                                               en / "digit-star.wav", en / "digit-hash.wav"]
    assert prompts.digits("", "en") == []


def test_the_system_folder_is_the_environments_then_the_checkouts_then_the_installed_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, installed = tmp_path / "repo" / "build" / "prompts", tmp_path / "usr" / "share" / "minipbx" / "prompts"
    monkeypatch.setattr(library, "REPO_DIR", repo)
    monkeypatch.setattr(library, "INSTALLED_DIR", installed)
    monkeypatch.delenv("MINIPBX_PROMPTS", raising=False)
    with pytest.raises(PromptError) as caught:
        find_system_dir()
    assert str(caught.value) == f"no system prompts found: tried {repo} and {installed}"

    installed.mkdir(parents=True)
    assert find_system_dir() == installed
    repo.mkdir(parents=True)
    assert find_system_dir() == repo
    chosen = tmp_path / "chosen"
    monkeypatch.setenv("MINIPBX_PROMPTS", str(chosen))
    with pytest.raises(PromptError) as caught:
        find_system_dir()
    assert str(caught.value) == f"no system prompts in {chosen} (set by MINIPBX_PROMPTS): not a folder"
    chosen.mkdir()
    assert find_system_dir() == chosen


def test_the_library_plays_real_built_prompts(some_prompts: Path, tmp_path: Path) -> None:
    prompts = PromptLibrary(some_prompts, tmp_path)
    assert prompts.number(21, "de") == [some_prompts / "de" / "num-21.wav"]
    assert prompts.digits("#", "de") == [some_prompts / "de" / "digit-hash.wav"]
