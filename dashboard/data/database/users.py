"""Accounts of a shared deployment in the ``users`` table (revision 0002): names, roles and argon2
password hashes (argon2-cffi, its recommended parameters). A password is never stored or logged.

``session_version`` rises with every password or role change: a session remembers the version it
was made at, and a session of an older version is signed out (``dashboard/access.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from ..roles import Role, checked_password, checked_role, checked_username


class UserExists(ValueError):  # noqa: N818  (reads as a sentence: "user exists")
    """A user of that name exists already."""


class UserNotFound(KeyError):  # noqa: N818
    """No user has that name."""


@dataclass(frozen=True)
class User:
    user_id: int
    username: str
    role: Role
    session_version: int


_COLUMNS = "user_id, username, role, session_version"


def _user(row) -> User:
    return User(int(row.user_id), row.username, Role(row.role), int(row.session_version))


class UserRepository:
    """Add, list, remove and authenticate users.

    Parameters
    ----------
    engine
        The shared database's engine.
    hasher
        argon2's hasher (its defaults: argon2id, RFC 9106's low-memory profile).
    """

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None) -> None:
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        # Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
        self._decoy = self.hasher.hash("not a password of anyone")

    def add(self, username: str, password: str, role: Role | str) -> User:
        name, secret, chosen = checked_username(username), checked_password(password), checked_role(role)
        try:
            with self.engine.begin() as connection:
                row = connection.execute(text(f"INSERT INTO users (username, password_hash, role) "
                                              f"VALUES (:name, :hash, :role) RETURNING {_COLUMNS}"),
                                         {"name": name, "hash": self.hasher.hash(secret), "role": str(chosen)}).one()
        except IntegrityError:
            raise UserExists(f"a user named '{name}' exists already") from None
        return _user(row)

    def list(self) -> list[User]:
        with self.engine.connect() as connection:
            rows = connection.execute(text(f"SELECT {_COLUMNS} FROM users ORDER BY username")).all()
        return [_user(row) for row in rows]

    def get(self, user_id: int) -> User | None:
        with self.engine.connect() as connection:
            row = connection.execute(text(f"SELECT {_COLUMNS} FROM users WHERE user_id = :id"),
                                     {"id": int(user_id)}).one_or_none()
        return None if row is None else _user(row)

    def remove(self, username: str) -> None:
        name = checked_username(username)
        with self.engine.begin() as connection:
            if connection.execute(text("DELETE FROM users WHERE username = :name RETURNING user_id"),
                                  {"name": name}).one_or_none() is None:
                raise UserNotFound(name)

    def set_password(self, username: str, password: str) -> User:
        """A new password; every session of the user made before it is signed out."""
        return self._change(username, "password_hash = :hash",
                            {"hash": self.hasher.hash(checked_password(password))})

    def set_role(self, username: str, role: Role | str) -> User:
        """A new role; every session of the user made before it is signed out."""
        return self._change(username, "role = :role", {"role": str(checked_role(role))})

    def _change(self, username: str, assignment: str, values: dict) -> User:
        name = checked_username(username)
        with self.engine.begin() as connection:
            row = connection.execute(text(f"UPDATE users SET {assignment}, session_version = session_version + 1, "
                                          f"updated_at = now() WHERE username = :name RETURNING {_COLUMNS}"),
                                     {"name": name, **values}).one_or_none()
        if row is None:
            raise UserNotFound(name)
        return _user(row)

    def authenticate(self, username: object, password: object) -> User | None:
        """The user when the name and password match, else None (the same for an unknown name)."""
        try:
            name = checked_username(username)
        except ValueError:
            name = ""
        secret = password if isinstance(password, str) and len(password) <= 1_024 else ""
        with self.engine.connect() as connection:
            row = connection.execute(text(f"SELECT {_COLUMNS}, password_hash FROM users WHERE username = :name"),
                                     {"name": name}).one_or_none()
        try:
            self.hasher.verify(row.password_hash if row is not None else self._decoy, secret)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not secret:
            return None
        if self.hasher.check_needs_rehash(row.password_hash):  # argon2's parameters were raised since
            with self.engine.begin() as connection:
                connection.execute(text("UPDATE users SET password_hash = :hash WHERE user_id = :id"),
                                   {"hash": self.hasher.hash(secret), "id": row.user_id})
        return _user(row)
