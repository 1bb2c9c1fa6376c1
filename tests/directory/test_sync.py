"""Directory sync against a real slapd: people become extensions, changes follow, leavers go."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from firmware.brain.routing import CallFacts, GoTo, Refuse, RingExtension, Router
from firmware.directory.client import DirectoryError
from firmware.directory.config import load_config, set_config
from firmware.directory.sync import sync_directory, sync_log
from firmware.store.extensions import add_extension, get_extension, realm
from firmware.store.passwords import digest_ha1
from firmware.store.settings import set_setting
from tests.directory.conftest import use_ad, use_openldap
from tests.support.slapd import DirectoryTree, Slapd


def _dump(db: sqlite_utils.Database) -> list[str]:
    return [line for line in db.conn.iterdump()]


def _can_log_in(db: sqlite_utils.Database, number: str, password: str) -> bool:
    """What Kamailio checks: the subscriber row's ha1 for this user, realm and password."""
    row = db.execute("SELECT ha1 FROM subscriber WHERE username = ?", [number]).fetchone()
    return row is not None and row[0] == digest_ha1(number, realm(db), password)[0]


def _call(db: sqlite_utils.Database, caller: str, dialled: str) -> object:
    return Router(db).decide(CallFacts(caller=caller, dialled=dialled, auth_user=caller), {})


def _age_disabled(db: sqlite_utils.Database, number: str, days: int) -> None:
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    db.execute("UPDATE extensions SET disabled_at = ? WHERE number = ?", [when, number])


def test_first_sync_creates_extensions_with_sip_accounts(db: sqlite_utils.Database, data_dir: Path,
                                                         slapd: Slapd, tree: DirectoryTree) -> None:
    tree.add_person("jdoe", "Jane Doe", number="201", department="Sales", title="Account manager",
                    email="jane@example.com", mobile="+49 170 1234567")
    tree.add_person("bsmith", "Bob Smith", number="202", department="Support")
    use_openldap(db, slapd, tree)

    result = sync_directory(db, data_dir)

    assert result.counts["added"] == 2
    jane = get_extension(db, "201")
    assert jane is not None and (jane.name, jane.department, jane.email, jane.role) == \
        ("Jane Doe", "Sales", "jane@example.com", "user")
    accounts = {a.number: a for a in result.accounts}
    assert _can_log_in(db, "201", accounts["201"].password)
    assert _can_log_in(db, "202", accounts["202"].password)
    row = db.execute("SELECT title, mobile FROM directory_people WHERE number = '201'").fetchone()
    assert tuple(row) == ("Account manager", "+49 170 1234567")
    # Nothing changed in the directory: the next sync has nothing to do and creates no new passwords.
    again = sync_directory(db, data_dir)
    assert again.done == () and again.accounts == ()
    assert _can_log_in(db, "201", accounts["201"].password)
    log = sync_log(db)
    assert log[0].ok and log[1].counts["added"] == 2
    assert not any(a.password in line for a in accounts.values() for row in log for line in row.details)


def test_dry_run_says_what_would_change_and_changes_nothing(db: sqlite_utils.Database, data_dir: Path,
                                                             slapd: Slapd, tree: DirectoryTree) -> None:
    tree.add_person("jdoe", "Jane Doe", number="201")
    use_openldap(db, slapd, tree)
    before = _dump(db)

    result = sync_directory(db, data_dir, dry_run=True)

    assert result.dry_run and result.done == ("create 201 Jane Doe (user)",)
    assert _dump(db) == before


def test_changes_in_the_directory_arrive_at_the_next_sync(db: sqlite_utils.Database, data_dir: Path,
                                                          slapd: Slapd, tree: DirectoryTree) -> None:
    jane = tree.add_person("jdoe", "Jane Doe", number="201", department="Sales")
    admins = tree.add_group("pbx-admins", [jane])
    use_openldap(db, slapd, tree, group_source="search", admin_groups="pbx-admins", **{"rule.number": "sync"})
    sync_directory(db, data_dir)
    assert get_extension(db, "201").role == "admin"  # type: ignore[union-attr]

    tree.replace(jane, "cn", "Jane Roe")
    tree.replace(jane, "ou", "Marketing")
    tree.replace(jane, "telephoneNumber", "205")
    tree.server.add(f"dn: uid=other,{tree.ou}\nobjectClass: inetOrgPerson\nuid: other\ncn: Other\nsn: O\n")
    tree.replace(admins, "member", f"uid=other,{tree.ou}")
    result = sync_directory(db, data_dir)

    assert get_extension(db, "201") is None
    moved = get_extension(db, "205")
    assert moved is not None and (moved.name, moved.department, moved.role) == ("Jane Roe", "Marketing", "user")
    assert [a.number for a in result.accounts] == ["205"]  # a new number needs a new SIP account
    assert _can_log_in(db, "205", result.accounts[0].password)


def test_rules_per_field(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd, tree: DirectoryTree) -> None:
    jane = tree.add_person("jdoe", "Jane Doe", number="201", department="Sales", email="jane@example.com")
    use_openldap(db, slapd, tree, **{"rule.name": "never", "rule.department": "create", "rule.email": "sync"})
    sync_directory(db, data_dir)
    db.execute("UPDATE extensions SET name = 'Jane (front desk)' WHERE number = '201'")

    tree.replace(jane, "cn", "Jane Roe")
    tree.replace(jane, "ou", "Marketing")
    tree.replace(jane, "mail", "jane.roe@example.com")
    tree.replace(jane, "telephoneNumber", "299")  # rule.number is create by default
    sync_directory(db, data_dir)

    ext = get_extension(db, "201")
    assert ext is not None
    assert ext.name == "Jane (front desk)"  # never: the hand edit stays
    assert ext.department == "Sales"  # create: set once, then left alone
    assert ext.email == "jane.roe@example.com"  # sync: the directory wins
    assert get_extension(db, "299") is None


def test_people_without_a_number_are_skipped_or_given_the_next_free_one(
        db: sqlite_utils.Database, data_dir: Path, slapd: Slapd, tree: DirectoryTree) -> None:
    tree.add_person("a", "Ann Able")
    tree.add_person("b", "Ben Baker")
    tree.add_person("c", "Cid Cole", number="not-a-number")
    add_extension(db, "300", "Hand made")
    use_openldap(db, slapd, tree)
    skipped = sync_directory(db, data_dir)
    assert skipped.counts["added"] == 0
    assert any("Ann Able" in n and "missing_number=skip" in n for n in skipped.notes)
    assert any("'not-a-number' is not an extension number" in n for n in skipped.notes)

    set_config(db, {"missing_number": "assign", "number_range": "300-309"})
    assigned = sync_directory(db, data_dir)
    names = {a.number: a.name for a in assigned.accounts}
    assert names == {"301": "Ann Able", "302": "Ben Baker", "303": "Cid Cole"}  # 300 was taken

    tree.add_person("d", "Dan Dupe", number="301")
    tree.add_person("e", "Eve Hand", number="300")
    notes = sync_directory(db, data_dir).notes
    assert "skipped Dan Dupe: number 301 is already Ann Able's (from the directory)" in notes
    assert "skipped Eve Hand: number 300 is already an existing extension not from the directory" in notes


def test_active_directory_roles_disabled_accounts_and_coming_back(db: sqlite_utils.Database, data_dir: Path,
                                                                  slapd: Slapd, tree: DirectoryTree) -> None:
    admins = tree.ad_group_dn("PBX Admins")
    ann = tree.add_ad_user("ann", "Ann Admin", ip_phone="401", member_of=(admins,), email="ann@example.com")
    bob = tree.add_ad_user("bob", "Bob User", ip_phone="402", department="Sales")
    tree.add_ad_user("old", "Old Timer", ip_phone="403", disabled=True)
    add_extension(db, "100", "Operator")
    set_setting(db, "operator_extension", "100")
    use_ad(db, slapd, tree, admin_groups=admins)

    first = sync_directory(db, data_dir)
    password = {a.number: a.password for a in first.accounts}
    assert sorted(password) == ["401", "402"]  # a disabled account never gets an extension
    assert get_extension(db, "401").role == "admin"  # type: ignore[union-attr]
    assert get_extension(db, "402").role == "user"  # type: ignore[union-attr]

    tree.replace(bob, "userAccountControl", "514")
    tree.replace(ann, "memberOf", tree.ad_group_dn("Staff"))
    second = sync_directory(db, data_dir)
    assert "disable 402 Bob User: account disabled in the directory" in second.done
    assert not _can_log_in(db, "402", password["402"])
    assert get_extension(db, "401").role == "user"  # type: ignore[union-attr]
    # Calls to the leaver go to the operator.
    decision = _call(db, "401", "402")
    assert isinstance(decision, RingExtension) and decision.number == "100"

    tree.replace(bob, "userAccountControl", "512")
    third = sync_directory(db, data_dir)
    assert "enable 402 Bob User: back in the directory" in third.done
    assert _can_log_in(db, "402", password["402"])  # the phone works again with its old password
    assert _call(db, "401", "402") == RingExtension("402", "internal")


def test_leavers_are_disabled_at_once_and_removed_after_the_grace_period(
        db: sqlite_utils.Database, data_dir: Path, slapd: Slapd, tree: DirectoryTree) -> None:
    tree.add_person("keep", "Kim Keep", number="201")
    gone = tree.add_person("gone", "Gus Gone", number="202")
    routed = tree.add_person("routed", "Rita Routed", number="203")
    use_openldap(db, slapd, tree, grace_days="7")
    sync_directory(db, data_dir)
    set_config(db, {"leaver_destination": "voicemail:201"})
    db.execute("INSERT INTO ring_groups (name, number) VALUES ('sales', '')")
    db.execute("INSERT INTO ring_group_members VALUES ('sales', '202', 1)")
    db.execute("INSERT INTO inbound_routes (trunk, did, mode, destination) VALUES ('prov', '', 'day', 'ext:203')")

    tree.server.delete(gone)
    tree.server.delete(routed)
    result = sync_directory(db, data_dir)
    assert sorted(line.split(":")[0] for line in result.done) == ["disable 202 Gus Gone", "disable 203 Rita Routed"]
    assert db.execute("SELECT 1 FROM subscriber WHERE username IN ('202', '203')").fetchone() is None
    decision = _call(db, "201", "202")
    assert isinstance(decision, GoTo) and decision.destination == "voicemail:201"

    _age_disabled(db, "202", 6)
    assert sync_directory(db, data_dir).done == ()  # still within the grace period
    _age_disabled(db, "202", 8)
    _age_disabled(db, "203", 8)
    result = sync_directory(db, data_dir)
    assert result.done == ("remove 202 Gus Gone: disabled since "
                           f"{(datetime.now(UTC) - timedelta(days=8)).date()}, grace period over",)
    assert get_extension(db, "202") is None
    assert db.execute("SELECT 1 FROM ring_group_members WHERE member = '202'").fetchone() is None
    # The only destination of a route is not left dangling: reported, kept disabled.
    assert get_extension(db, "203") is not None
    assert any("ext:203 is still used by inbound route prov/any/day" in n for n in result.notes)


def test_a_directory_that_answers_nobody_disables_nobody(db: sqlite_utils.Database, data_dir: Path,
                                                         slapd: Slapd, tree: DirectoryTree) -> None:
    tree.add_person("jdoe", "Jane Doe", number="201")
    use_openldap(db, slapd, tree)
    sync_directory(db, data_dir)
    set_config(db, {"filter": "(objectClass=nobodyHasThis)"})
    before = _dump(db)

    with pytest.raises(DirectoryError) as caught:
        sync_directory(db, data_dir)

    assert caught.value.kind == "empty"
    assert "nothing was changed" in str(caught.value)
    after = [line for line in _dump(db) if "directory_log" not in line]
    assert after == [line for line in before if "directory_log" not in line]
    assert sync_log(db)[0].error == str(caught.value)


def test_disabled_operator_is_not_a_leaver_destination(db: sqlite_utils.Database, data_dir: Path,
                                                       slapd: Slapd, tree: DirectoryTree) -> None:
    tree.add_person("op", "Olga Operator", number="201")
    gone = tree.add_person("gone", "Gus Gone", number="202")
    use_openldap(db, slapd, tree)
    sync_directory(db, data_dir)
    set_setting(db, "operator_extension", "201")
    tree.server.delete(gone)
    sync_directory(db, data_dir)
    # The operator is disabled too (by hand here): calls to a leaver must not go round in circles.
    db.execute("UPDATE extensions SET disabled_at = '2026-01-01T00:00:00+00:00' WHERE number = '201'")

    decision = _call(db, "201", "202")
    assert isinstance(decision, Refuse) and decision.code == 410
    assert load_config(db).leaver_destination == ""


def test_groups_give_custom_roles_first_match_wins(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd,
                                                   tree: DirectoryTree) -> None:
    from firmware.access.permissions import Permission, set_role
    from firmware.directory.config import DirectoryConfigError

    leads, admins = tree.ad_group_dn("Sales Leads"), tree.ad_group_dn("PBX Admins")
    tree.add_ad_user("sue", "Sue Lead", ip_phone="411", member_of=(leads, admins))
    tree.add_ad_user("amy", "Amy Admin", ip_phone="412", member_of=(admins,))
    tree.add_ad_user("tom", "Tom Staff", ip_phone="413")
    with pytest.raises(DirectoryConfigError, match=r"role 'sales-lead' .* does not exist; known roles: admin, user"):
        use_ad(db, slapd, tree, role_groups=f"{leads}=sales-lead", admin_groups=admins)
    set_role(db, "sales-lead", frozenset({Permission.REPORTS, Permission.LIVE_CALLS}))
    use_ad(db, slapd, tree, role_groups=f"{leads}=sales-lead", admin_groups=admins)
    sync_directory(db, data_dir)
    roles = {n: get_extension(db, n).role for n in ("411", "412", "413")}  # type: ignore[union-attr]
    assert roles == {"411": "sales-lead", "412": "admin", "413": "user"}
    assert load_config(db).public()["role_groups"] == [f"{leads}=sales-lead"]
