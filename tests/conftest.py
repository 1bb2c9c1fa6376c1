"""Fixtures shared by the whole suite: test phones, a running PBX, a SIP provider."""
from __future__ import annotations

import pytest

pytest_plugins = ["tests.support.fixtures", "tests.support.pbx", "tests.support.trunking"]

# Last of the tests that want the machine to themselves: after it the host is still writing
# back the image it built (several hundred MB), and the line echo test's audio pump slipped
# behind that once (the canceller converged a second late).
_LAST = "tests/appliance/test_image.py"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.startswith(_LAST))
