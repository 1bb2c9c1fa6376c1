"""Keep sqlite_utils from loading what minipbx never uses from it.

sqlite_utils.db imports numpy whenever it is installed, only to add numpy's scalar types to
the column types it infers from values; minipbx never writes numpy values to the store.
numpy costs a process ~7 MiB (its modules and OpenBLAS's start-up), and the brain, the HTTP
API and the line host use it only for a few features that import it when they run (an
upload's loudness, an exchange line's echo canceller, a real sound card). So the first import
of sqlite_utils.db runs with numpy hidden; a later `import numpy` anywhere works as usual.

sqlite_utils.recipes imports dateutil's parser (3 MiB) for its date-parsing recipes, which
minipbx does not call: that module is loaded lazily, on its first use.

Installed by firmware/__init__.py, before any firmware module imports sqlite_utils.
"""
from __future__ import annotations

import importlib.util
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.abc alone is 1.6 MiB: the finder and loader below are duck-typed
    from collections.abc import Sequence
    from importlib.abc import Loader
    from importlib.machinery import ModuleSpec
    from types import ModuleType

_WITHOUT_NUMPY = "sqlite_utils.db"
_LAZY = "dateutil.parser"


class _WithoutNumpy:
    def __init__(self, loader: Loader) -> None:
        self.loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
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


class _Finder:
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname not in (_WITHOUT_NUMPY, _LAZY):
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    wrapped = (_WithoutNumpy(spec.loader) if fullname == _WITHOUT_NUMPY
                               else importlib.util.LazyLoader(spec.loader))
                    spec.loader = wrapped  # type: ignore[assignment]  # a Loader by duck typing
                return spec
        return None


def install() -> None:
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
