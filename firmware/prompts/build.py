"""Speaking the system prompts: espeak-ng text -> 8 kHz 16-bit mono WAV.

    python -m firmware.prompts.build --out build/prompts [--lang en --lang de]

writes `<out>/<lang>/<name>.wav` for every prompt of the catalog. espeak-ng writes
22050 Hz; sox resamples to the 8 kHz the call workers' bridge runs at and normalises
the level, so every prompt is equally loud. A manifest per language keeps a hash of
what made each file (text, voice, recipe): a second build only speaks what changed.
Each file is written under a temporary name and renamed when complete.

Standard library only: flash.sh runs it on the build host with the system Python.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from firmware.prompts.catalog import LANGUAGES, PROMPTS, VOICES
from firmware.prompts.library import PromptError

SAMPLE_RATE = 8000
# Peak level after normalising: headroom for the bridge's mixing.
PEAK_DBFS = -3
# Part of every file's hash: changing how prompts are made rebuilds them all.
RECIPE = f"espeak-ng | sox rate {SAMPLE_RATE} 16-bit mono norm {PEAK_DBFS}; 1"
MANIFEST = "manifest.json"
TOOL_SECONDS = 30


class PromptBuildError(PromptError):
    """The prompts cannot be made (a tool or voice is missing, a file cannot be written)."""


@dataclass
class LanguageResult:
    made: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _digest(text: str, voice: str) -> str:
    return hashlib.sha256(f"{RECIPE}\0{voice}\0{text}".encode()).hexdigest()


def check_tools(languages: Iterable[str]) -> tuple[str, str]:
    """The paths of espeak-ng and sox, once each language's voice has been found to speak."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise PromptBuildError("espeak-ng is not installed; it speaks the system prompts "
                               "(Debian package espeak-ng)")
    sox = shutil.which("sox")
    if sox is None:
        raise PromptBuildError("sox is not installed; it converts the system prompts to 8 kHz (Debian package sox)")
    for lang in languages:
        voice = VOICES[lang]
        probe = subprocess.run([espeak, "-v", voice, "-q", "a"], capture_output=True, text=True,
                               timeout=TOOL_SECONDS, check=False)
        if probe.returncode != 0:
            reason = _last_line(probe.stderr).removeprefix("Error: ") or f"exit {probe.returncode}"
            raise PromptBuildError(f"espeak-ng has no voice {voice!r} for language {lang!r} ({reason}); "
                                   "install espeak-ng-data or check `espeak-ng --voices`")
    return espeak, sox


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _speak(espeak: str, sox: str, text: str, voice: str, target: Path) -> None:
    """Write `text` spoken by `voice` to `target`, complete or not at all."""
    with tempfile.TemporaryDirectory(prefix=".speak-", dir=target.parent) as work:
        raw = Path(work) / "espeak.wav"
        part = Path(work) / "prompt.wav"
        spoken = subprocess.run([espeak, "-v", voice, "-w", str(raw), "--stdin"], input=text.encode(),
                                capture_output=True, timeout=TOOL_SECONDS, check=False)
        if spoken.returncode != 0 or not raw.is_file():
            raise PromptBuildError(f"espeak-ng could not speak {target.stem!r} with voice {voice!r}: "
                                   f"{_last_line(spoken.stderr.decode(errors='replace'))}")
        converted = subprocess.run(
            [sox, "-V1", str(raw), "-r", str(SAMPLE_RATE), "-b", "16", "-c", "1", "-e", "signed-integer",
             str(part), "rate", str(SAMPLE_RATE), "norm", str(PEAK_DBFS)],
            capture_output=True, text=True, timeout=TOOL_SECONDS, check=False)
        if converted.returncode != 0:
            raise PromptBuildError(f"sox could not convert {target.stem!r}: {_last_line(converted.stderr)}")
        _fsync(part)
        os.replace(part, target)


def _load_manifest(path: Path) -> dict[str, str]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(k): str(v) for k, v in loaded.items()}


def _write_manifest(path: Path, manifest: dict[str, str]) -> None:
    part = path.with_name(f".{path.name}.part")
    part.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")
    _fsync(part)
    os.replace(part, path)


def build_prompts(out: Path, languages: Sequence[str] = LANGUAGES, names: Sequence[str] | None = None,
                  jobs: int | None = None) -> dict[str, LanguageResult]:
    """Make `<out>/<lang>/<name>.wav` for the catalog (or only `names`), skipping files whose
    text, voice and recipe are unchanged. A full build also deletes prompts the catalog dropped."""
    for lang in languages:
        if lang not in PROMPTS:
            raise PromptBuildError(f"language {lang!r} has no system prompts; use one of: {', '.join(LANGUAGES)}")
    if names is not None:
        unknown = [name for name in names if any(name not in PROMPTS[lang] for lang in languages)]
        if unknown:
            raise PromptBuildError(f"{', '.join(map(repr, unknown))}: not in the prompt catalog "
                                   "(firmware/prompts/catalog.py)")
    espeak, sox = check_tools(languages)
    results: dict[str, LanguageResult] = {}
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 2) as pool:
        for lang in languages:
            results[lang] = _build_language(pool, espeak, sox, out / lang, lang, names)
    return results


def _build_language(pool: ThreadPoolExecutor, espeak: str, sox: str, folder: Path, lang: str,
                    names: Sequence[str] | None) -> LanguageResult:
    texts = PROMPTS[lang]
    voice = VOICES[lang]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PromptBuildError(f"cannot write the prompts to {folder}: {exc.strerror}") from None
    for left in folder.glob(".speak-*"):
        # Work folders of a build that was killed.
        shutil.rmtree(left, ignore_errors=True)
    manifest_path = folder / MANIFEST
    manifest = _load_manifest(manifest_path)
    result = LanguageResult()
    wanted = list(names) if names is not None else list(texts)
    todo: list[str] = []
    for name in wanted:
        digest = _digest(texts[name], voice)
        if manifest.get(name) == digest and (folder / f"{name}.wav").is_file():
            result.kept.append(name)
        else:
            todo.append(name)
    futures = {name: pool.submit(_speak, espeak, sox, texts[name], voice, folder / f"{name}.wav")
               for name in todo}
    failure: BaseException | None = None
    for name, future in futures.items():
        try:
            future.result()
        except OSError as exc:
            failure = failure or PromptBuildError(f"cannot write prompt {name!r} to {folder}: {exc}")
            continue
        except (PromptBuildError, subprocess.TimeoutExpired) as exc:
            failure = failure or exc
            continue
        manifest[name] = _digest(texts[name], voice)
        result.made.append(name)
    if names is None:
        for name in sorted(set(manifest) - set(texts)):
            (folder / f"{name}.wav").unlink(missing_ok=True)
            del manifest[name]
            result.removed.append(name)
    # What was made is recorded even when something failed: the next build resumes.
    try:
        _write_manifest(manifest_path, manifest)
    except OSError as exc:
        raise PromptBuildError(f"cannot write {manifest_path}: {exc.strerror}") from None
    if failure is not None:
        if isinstance(failure, PromptBuildError):
            raise failure
        raise PromptBuildError(f"building the {lang} prompts failed: {failure}")
    return result


def summary(results: dict[str, LanguageResult], out: Path, seconds: float) -> str:
    parts = [f"{lang} {len(r.made)} made, {len(r.kept)} unchanged" + (f", {len(r.removed)} removed" if r.removed
                                                                         else "")
             for lang, r in results.items()]
    return f"system prompts in {out}: {'; '.join(parts)} ({seconds:.1f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m firmware.prompts.build",
                                     description="Speak the system prompts into 8 kHz WAV files.")
    parser.add_argument("--out", type=Path, required=True, help="folder to write <lang>/<name>.wav into")
    parser.add_argument("--lang", action="append", choices=LANGUAGES,
                        help="a language to build (repeatable; default: all)")
    parser.add_argument("--name", action="append", help="build only this prompt (repeatable)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        results = build_prompts(args.out, args.lang or LANGUAGES, args.name)
    except PromptError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    print(summary(results, args.out, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
