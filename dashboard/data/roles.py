"""Who may do what in a shared deployment: roles, permissions, and the checks on names, passwords,
CSRF tokens and redirect targets. Pure: no Flask, no database.

Three roles, each with everything of the one before: a **viewer** reads, exports and presents; an
**editor** also imports datasets and edits stories; an **admin** also deletes datasets and
manages users. Anyone not signed in may view only when the deployment is public
(``RUTAS_PUBLIC_READ``). The embedded default (no database) has no accounts and no checks.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


class Permission(StrEnum):
    VIEW = "view"  # read, filter, export, present
    IMPORT = "import"  # import a dataset
    EDIT_STORIES = "edit_stories"  # create, change, import and delete stories
    DELETE_DATASETS = "delete_datasets"
    MANAGE_USERS = "manage_users"


ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.VIEW}),
    Role.EDITOR: frozenset({Permission.VIEW, Permission.IMPORT, Permission.EDIT_STORIES}),
    Role.ADMIN: frozenset(Permission),
}
# The role a refusal names ("importing needs the editor role"): the first that has the permission.
WHAT_IT_DOES: Mapping[Permission, str] = {
    Permission.VIEW: "viewing",
    Permission.IMPORT: "importing data",
    Permission.EDIT_STORIES: "editing stories",
    Permission.DELETE_DATASETS: "deleting a dataset",
    Permission.MANAGE_USERS: "managing users",
}


def allows(role: Role | str | None, permission: Permission, *, public_read: bool = False) -> bool:
    """Whether someone with ``role`` (None: not signed in) may do what ``permission`` names."""
    if role is None:
        return public_read and permission == Permission.VIEW
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False  # a role this code does not know grants nothing


@dataclass(frozen=True)
class PageAccount:
    """Who a page is drawn for: their name and role (None: nobody signed in), whether this is the
    shared deployment (accounts exist at all) and what the page may offer them."""

    name: str | None = None
    role: str | None = None
    shared: bool = False
    permissions: frozenset[Permission] = frozenset(Permission)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


EMBEDDED_ACCOUNT = PageAccount()  # the embedded default: no accounts, every control


def granted_permissions(role: Role | str | None, *, shared: bool, public_read: bool = False) -> frozenset[Permission]:
    """What a page may offer: everything in the embedded default (no accounts), else what ``role``
    allows. Only what the page shows: the server checks every request (dashboard/access.py)."""
    if not shared:
        return frozenset(Permission)
    return frozenset(permission for permission in Permission if allows(role, permission, public_read=public_read))


def least_role_for(permission: Permission) -> Role:
    return next(role for role in Role if permission in ROLE_PERMISSIONS[role])


def refusal(role: Role | str | None, permission: Permission) -> str:
    """Why a request is refused, in a sentence (no detail an attacker could use)."""
    needed = least_role_for(permission)
    who = "you are not signed in" if role is None else f"you are signed in as {role}"
    return f"{WHAT_IT_DOES[permission]} needs the {needed} role ({who})"


# ---- accounts ------------------------------------------------------------------------------------
SIGN_IN_PATH = "/sign-in"
SIGN_OUT_PATH = "/sign-out"
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")  # the users table checks the same
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1_024  # argon2 hashes any length; a megabyte password would only cost CPU


class AccountError(ValueError):
    """A user name, password or role that cannot be used; the message says why."""


def checked_username(name: object) -> str:
    """The user name as stored (lower case); :class:`AccountError` for anything else."""
    text = name.strip().lower() if isinstance(name, str) else ""
    if not USERNAME.fullmatch(text):
        raise AccountError("a user name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or "
                           "digit")
    return text


def checked_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"a password may have at most {MAX_PASSWORD_CHARS} characters")
    return password


def checked_role(role: object) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(f"a role is one of {', '.join(Role)}") from None


# ---- requests ------------------------------------------------------------------------------------
CSRF_TOKEN_BYTES = 32


def new_csrf_token() -> str:
    return secrets.token_urlsafe(CSRF_TOKEN_BYTES)


def csrf_token_matches(expected: object, given: object) -> bool:
    """Whether the token a request carries is the session's (compared in constant time)."""
    if not isinstance(expected, str) or not isinstance(given, str) or not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def safe_next(target: object) -> str:
    """Where to go after signing in: a path of this site only (``/present/x?slide=2``), else ``/``.

    ``//evil.example`` and ``/\\evil.example`` are other sites to a browser; a scheme or a control
    character is never a local path.
    """
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2_000:
        return "/"
    if target.startswith(("//", "/\\")) or any(ord(c) < 32 or c in "\\" for c in target):
        return "/"
    return target
