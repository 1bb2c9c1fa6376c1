"""Extensions: create, list, change, delete; SIP and web passwords."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.access.web_passwords import set_web_password
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.apps.references import extension_uses, refuse_if_used
from firmware.store import extensions as store
from firmware.store.passwords import generate_password


class NewExtension(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(description="2-6 digits, not starting with 0", examples=["105"])
    name: str = Field(examples=["Front desk"])
    password: str | None = Field(default=None, description="SIP password; omitted = a strong one is generated")
    email: str | None = None
    department: str | None = None
    role: str = Field(default="user", description="user, admin or a custom role")


class ExtensionChange(BaseModel):
    """Fields left out are kept; '' clears the e-mail or the department."""
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    email: str | None = None
    department: str | None = None
    role: str | None = None


class ExtensionView(BaseModel):
    number: str
    name: str
    email: str | None
    department: str | None
    role: str
    device: str = Field(description="the board port this extension is ('' = a SIP phone)")
    web_login: bool = Field(description="whether a web password is set")
    changed_by: str = Field(default="", description="who made the latest change to it or its SIP password "
                                                    "('keypad 101', 'command line', 'admin'), from the audit log")
    changed_at: str = Field(default="", description="when (UTC)")


class NewSecret(BaseModel):
    """A password or key shown once; only its hash is kept."""
    secret: str
    generated: bool


class Created(BaseModel):
    extension: ExtensionView
    sip_password: NewSecret


def _last_changes(admin: Admin, number: str | None = None) -> dict[str, tuple[str, str]]:
    """number -> (who, when) of the latest extension change in the audit log: an installer who
    created or re-keyed a phone at its keypad sees it in the next `ext list`. A factory reset
    (which keeps the audit log) made every extension anew: changes before it do not count."""
    rows = admin.db.execute(
        "SELECT json_extract(detail, '$.number') AS number, who, at FROM audit_log WHERE id IN ("
        " SELECT MAX(id) FROM audit_log WHERE action LIKE 'extension.%'"
        " AND id > COALESCE((SELECT MAX(id) FROM audit_log WHERE action = 'factory_reset'), 0)"
        + (" AND json_extract(detail, '$.number') = ?" if number else "")
        + " GROUP BY json_extract(detail, '$.number'))", [number] if number else []).fetchall()
    return {str(n): (str(who), str(at)) for n, who, at in rows}


def _view(admin: Admin, extension: store.Extension, changes: dict[str, tuple[str, str]] | None = None) -> ExtensionView:
    web = admin.db.execute("SELECT 1 FROM web_passwords WHERE login = ?", [extension.number]).fetchone()
    if changes is None:
        changes = _last_changes(admin, extension.number)
    who, at = changes.get(extension.number, ("", ""))
    return ExtensionView(number=extension.number, name=extension.name, email=extension.email,
                         department=extension.department, role=extension.role, device=extension.device,
                         web_login=web is not None, changed_by=who, changed_at=at)


def _existing(admin: Admin, number: str) -> store.Extension:
    extension = store.get_extension(admin.db, number)
    if extension is None:
        raise NotFound(f"extension {number} does not exist; see `ext list`")
    return extension


def add(admin: Admin, new: NewExtension, *, keyable: bool = False) -> Created:
    """`keyable`: a generated password is digits only (keypad programming speaks it)."""
    password = store.add_extension(admin.db, new.number, new.name, password=new.password, email=new.email,
                                   department=new.department, role=new.role, keyable=keyable)
    admin.audit("extension.add", number=new.number, name=new.name.strip(), role=new.role)
    return Created(extension=_view(admin, _existing(admin, new.number)),
                   sip_password=NewSecret(secret=password, generated=new.password is None))


def list_all(admin: Admin) -> list[ExtensionView]:
    changes = _last_changes(admin)
    return [_view(admin, e, changes) for e in store.list_extensions(admin.db)]


def get(admin: Admin, number: str) -> ExtensionView:
    return _view(admin, _existing(admin, number))


def change(admin: Admin, number: str, changes: ExtensionChange) -> ExtensionView:
    _existing(admin, number)
    updated = store.update_extension(admin.db, number, name=changes.name, email=changes.email,
                                     department=changes.department, role=changes.role)
    admin.audit("extension.change", number=number, **changes.model_dump(exclude_none=True))
    return _view(admin, updated)


def remove(admin: Admin, number: str) -> None:
    account = admin.db.execute("SELECT 1 FROM subscriber WHERE username = ?", [number]).fetchone()
    if store.get_extension(admin.db, number) is None and account is None:
        raise NotFound(f"extension {number} does not exist; see `ext list`")
    # A route, menu, group, queue or door that still sends calls here would lead nowhere.
    refuse_if_used(f"ext:{number}", extension_uses(admin.db, number), f"extension {number}", store.ExtensionError)
    store.remove_extension(admin.db, number)
    admin.audit("extension.remove", number=number)


def set_sip_password(admin: Admin, number: str, password: str | None = None, *,
                     keyable: bool = False) -> NewSecret:
    _existing(admin, number)
    chosen = store.set_password(admin.db, number, password, keyable=keyable)
    admin.audit("extension.sip_password", number=number)
    return NewSecret(secret=chosen, generated=password is None)


def set_web_login(admin: Admin, number: str, password: str | None = None) -> NewSecret:
    """The extension's password for the HTTP API and web pages (not the SIP one)."""
    _existing(admin, number)
    chosen = generate_password() if password is None else password
    set_web_password(admin.db, number, chosen)
    admin.audit("extension.web_password", number=number)
    return NewSecret(secret=chosen, generated=password is None)
