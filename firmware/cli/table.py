"""Tables as the commands print them: columns padded to the widest value, no trailing spaces."""
from __future__ import annotations

from collections.abc import Sequence


def print_table(rows: Sequence[Sequence[object]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
