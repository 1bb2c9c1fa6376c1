"""Keep sqlite_utils from loading numpy.

sqlite_utils.db imports numpy whenever it is installed, only to add numpy's scalar types to
the column types it infers from values; minipbx never writes numpy values to the store.
numpy costs a process ~7 MiB (its modules and OpenBLAS's start-up), and the brain and the
HTTP API use it only to make the default hold music once and to measure an upload's
loudness (both import it when they run). So the first import of sqlite_utils.db runs with
numpy hidden; a later `import numpy` anywhere works as usual. Installed by firmware/__init__.py,
before any firmware module imports sqlite_utils.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

_MODULE = "sqlite_utils.db"


class _WithoutNumpy(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        hide = "numpy" not in sys.modules
        if hide:
            sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` raises ImportError
        try:
            self.loader.exec_module(module)
        finally:
            if hide and "numpy" in sys.modules and sys.modules["numpy"] is None:
                del sys.modules["numpy"]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != _MODULE:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _WithoutNumpy(spec.loader)
                return spec
        return None


def install() -> None:
    if _MODULE not in sys.modules and not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
