"""A real slapd for the whole session; each test gets its own branch of the trees and a fresh store."""
from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import sqlite_utils

from firmware.directory.config import set_config

# A fresh store per test, as the store's own tests have it.
from tests.store.conftest import data_dir, db  # noqa: F401
from tests.support.slapd import PBX_PASSWORD, SUFFIXES, DirectoryTree, Slapd

_branches = itertools.count(1)


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    server = Slapd(tmp_path_factory.mktemp("slapd"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tree(slapd: Slapd) -> DirectoryTree:
    return DirectoryTree(slapd, f"t{next(_branches)}")


def use_openldap(store: sqlite_utils.Database, slapd: Slapd, tree: DirectoryTree, **extra: str) -> None:
    """Point the store at the test's OpenLDAP branch over plain ldap:// (TLS has its own tests)."""
    set_config(store, {"url": slapd.url, "starttls": "no", "bind_dn": f"cn=pbx,{SUFFIXES[0]}",
                    "bind_password": PBX_PASSWORD, "base_dn": tree.ou, "preset": "openldap", **extra})


def use_ad(store: sqlite_utils.Database, slapd: Slapd, tree: DirectoryTree, **extra: str) -> None:
    set_config(store, {"url": slapd.url, "starttls": "no", "bind_dn": f"cn=pbx,{SUFFIXES[1]}",
                    "bind_password": PBX_PASSWORD, "base_dn": tree.ad_ou, "preset": "ad", **extra})
