"""What each process of an idle PBX loads: the memory budget of a small box (bench/idle.py).

numpy, ldap3 and httpx are loaded by the features that use them (an upload, an exchange-line
call, a directory sync, a webhook), not by a process starting; a SIP agent loads neither the
store nor asyncio. Each case imports a process's entry module in a fresh interpreter.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

# (entry module, packages it must not load at start)
_PROCESSES = [
    ("firmware.brain.supervisor", ["numpy", "ldap3", "httpx"]),
    ("firmware.api.app", ["numpy", "ldap3", "httpx"]),
    ("firmware.gateway.host", ["numpy", "ldap3", "httpx", "pjsua2"]),
    ("firmware.gateway.agent", ["numpy", "sqlite_utils", "asyncio"]),
    ("firmware.worker.service", ["numpy", "sqlite_utils", "asyncio"]),
]


def _loaded(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60)
    # A lazily loaded module (importlib.util.LazyLoader) is in sys.modules but not run yet.
    return {name.split(".")[0] for name in json.loads(out.stdout.strip().splitlines()[-1])}


@pytest.mark.parametrize(("module", "absent"), _PROCESSES, ids=[m for m, _ in _PROCESSES])
def test_a_process_starts_without_what_only_a_feature_needs(module: str, absent: list[str]) -> None:
    loaded = _loaded(module)
    assert not loaded & set(absent), f"{module} loads {sorted(loaded & set(absent))} at start"


def test_the_store_still_works_and_numpy_still_imports_after_it() -> None:
    code = ("import firmware, sqlite_utils, sys; db = sqlite_utils.Database(memory=True); "
            "db['t'].insert({'n': 1, 'x': 2.5}); assert 'numpy' not in sys.modules; "
            "import numpy; db['t'].insert({'n': int(numpy.int64(2)), 'x': 0.5}); "
            "from sqlite_utils import recipes; "
            "print(sorted(r['n'] for r in db['t'].rows), recipes.parsedate('2024-01-02'))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["[1,", "2]", "2024-01-02"]
