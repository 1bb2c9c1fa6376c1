"""Finding the audio file of a prompt.

System prompts live in `<system_dir>/<lang>/<name>.wav` (made by `firmware.prompts.build`);
company greetings and other custom prompts in `<custom_dir>/<name>.wav` (see `upload`).
Every file is 8 kHz 16-bit mono WAV, what the call workers' conference bridge plays
without resampling.

Standard library only: flash.sh imports this module (through `build`) on the build host.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

ENV_VAR = "MINIPBX_PROMPTS"
INSTALLED_DIR = Path("/usr/share/minipbx/prompts")
# `make prompts` writes here in a checkout; on the box this path does not exist.
REPO_DIR = Path(__file__).resolve().parents[2] / "build" / "prompts"
FALLBACK_LANGUAGE = "en"

# System prompt names (catalog) and language codes: nothing that could leave the folder.
_SYSTEM_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
# Custom prompt names, as `upload` accepts them.
CUSTOM_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
# A dot is said too: addresses and version numbers (keypad programming) are spoken with it.
_KEY_NAMES = {"*": "star", "#": "hash", ".": "dot"}


class PromptError(ValueError):
    """A prompt that is missing or cannot be stored; the message names it and what is accepted."""


def find_system_dir() -> Path:
    """The folder of system prompts: $MINIPBX_PROMPTS if set, else the checkout's
    build/prompts if it exists, else /usr/share/minipbx/prompts (the appliance)."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        path = Path(configured)
        if path.is_dir():
            return path
        raise PromptError(f"no system prompts in {path} (set by {ENV_VAR}): not a folder")
    for candidate in (REPO_DIR, INSTALLED_DIR):
        if candidate.is_dir():
            return candidate
    raise PromptError(f"no system prompts found: tried {REPO_DIR} and {INSTALLED_DIR}")


class PromptLibrary:
    """The prompt files of one PBX: system prompts per language and its custom prompts."""

    def __init__(self, system_dir: Path, custom_dir: Path) -> None:
        self.system_dir = system_dir
        self.custom_dir = custom_dir

    def system(self, name: str, lang: str) -> Path:
        """The file of system prompt `name` in `lang`, else in English; PromptError if neither has it."""
        if not _SYSTEM_NAME.fullmatch(name):
            raise PromptError(f"{name!r} is not a system prompt name (lower-case letters, digits and '-')")
        languages = [lang] if _LANGUAGE.fullmatch(lang) else []
        if FALLBACK_LANGUAGE not in languages:
            languages.append(FALLBACK_LANGUAGE)
        for language in languages:
            path = self.system_dir / language / f"{name}.wav"
            if path.is_file():
                return path
        looked = " and ".join(str(self.system_dir / language) for language in languages)
        raise PromptError(f"system prompt {name!r} is missing (looked in {looked})")

    def custom(self, name: str) -> Path | None:
        """The file of custom prompt `name` (a company greeting), or None if there is none."""
        if not CUSTOM_NAME.fullmatch(name):
            return None
        path = self.custom_dir / f"{name}.wav"
        return path if path.is_file() else None

    def number(self, n: int, lang: str) -> list[Path]:
        """`n` spoken as a number: 0-99 as one word ("twenty-one"), larger ones digit by digit."""
        if n < 0:
            raise PromptError(f"cannot say the number {n}; numbers from 0 up are spoken")
        if n < 100:
            return [self.system(f"num-{n}", lang)]
        return self.digits(str(n), lang)

    def digits(self, text: str, lang: str) -> list[Path]:
        """`text` spoken key by key (0-9, *, # and .); other characters (+, spaces, dashes) are skipped."""
        names = [f"digit-{ch}" if ch in "0123456789" else f"digit-{_KEY_NAMES[ch]}"
                 for ch in text if ch in "0123456789" or ch in _KEY_NAMES]
        return [self.system(name, lang) for name in names]
