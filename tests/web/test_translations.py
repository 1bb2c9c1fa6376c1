"""Every word a page shows is in both languages: the keys the scripts use exist in en.json and de.json."""
from __future__ import annotations

import json
import re

from firmware.web.mount import STATIC_DIR

# t("people.add"), and keys written out in lists: "records.started"; dynamic ones: t(`mode.${m}`).
_KEY = re.compile(r'"((?:audit|callstate|live|common|dash|day|direction|disposition|fault|filter|kind|logic|mode|'
                  r'modes|nav|people|period|recordings|records|shell|signin|state|stats|settings|trunks|keys|roles|hooks|doors|vm|greet|first)\.[a-z_]+)"')
_DYNAMIC = re.compile(r"t\(`([a-z_]+)\.\$\{")


def _dictionaries() -> dict[str, dict[str, str]]:
    return {lang: json.loads((STATIC_DIR / "i18n" / f"{lang}.json").read_text()) for lang in ("en", "de")}


def test_english_and_german_hold_the_same_keys_and_every_key_the_pages_use() -> None:
    words = _dictionaries()
    assert set(words["en"]) == set(words["de"])
    scripts = "\n".join(p.read_text() for p in (STATIC_DIR / "js").rglob("*.js"))
    used = set(_KEY.findall(scripts))
    missing = sorted(used - set(words["en"]))
    assert not missing, f"keys used by the pages but not translated: {missing}"
    for prefix in set(_DYNAMIC.findall(scripts)):
        assert any(k.startswith(prefix + ".") for k in words["en"]), prefix
    # The German is German, not a copy of the English (a few words are the same in both).
    same = [k for k in words["en"] if words["en"][k] == words["de"][k] and len(words["en"][k]) > 8]
    assert not same, same


def test_every_destination_kind_and_call_state_has_a_name_in_both_languages() -> None:
    from firmware.apps.destinations import registry
    from firmware.brain.calls import CallState
    for lang, words in _dictionaries().items():
        assert not [k for k in registry() if f"kind.{k}" not in words], lang
        assert not [s.value for s in CallState if f"callstate.{s.value}" not in words], lang
