"""Fixtures shared by the whole suite: test phones and a running PBX."""
pytest_plugins = ["tests.support.fixtures", "tests.support.pbx"]
