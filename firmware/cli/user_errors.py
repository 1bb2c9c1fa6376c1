"""Errors a person can cause, printed as every `minipbx` error is: one line, exit code 1."""
from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

Handler = Callable[[argparse.Namespace], int]


def reported(*errors: type[Exception]) -> Callable[[Handler], Handler]:
    """Wrap a command so `errors` end as one line on stderr and exit code 1.

    Lets a command module bring its own errors, so registering it takes one line in main.py."""
    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(args: argparse.Namespace) -> int:
            try:
                return handler(args)
            except errors as exc:
                print(f"minipbx: error: {exc}", file=sys.stderr)
                return 1
        return run
    return wrap
