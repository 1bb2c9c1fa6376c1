from tests.cli.conftest import cli
from tests.support.api import api

__all__ = ["api", "cli"]
