"""Schema migrations with Alembic, run from code: ``upgrade(url)`` or ``python -m dashboard db upgrade``.

No ``alembic.ini``: the configuration is built here (the scripts live in ``migrations/``), and the
connection comes from :func:`~.engine.engine_for`. Several processes may start at once (gunicorn
workers, a deploy script): an advisory lock lets one migrate while the others wait, then find the
schema current.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from .engine import engine_for

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_lock key: any fixed 64-bit number no other code in the database uses.
MIGRATION_LOCK_KEY = 0x5275746173_01  # "Rutas", 1


class DatabaseUnavailable(RuntimeError):  # noqa: N818 - reads as a sentence at call sites
    """The database server cannot be reached, or refused the login; the message says which."""


class SchemaOutdated(RuntimeError):  # noqa: N818 - reads as a sentence at call sites
    """The database's schema is not the one this code needs; the message says what to run."""


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an ini file; ``connection`` is the one env.py migrates."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in ``migrations/versions``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head


def current_revision(url: str) -> str | None:
    """The revision the database is at (``None``: never migrated)."""
    with connect(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str, revision: str = "head") -> str | None:
    """Migrate the database at ``url`` to ``revision``; returns the revision it is at afterwards.

    Safe to run from several processes at once, and a no-op when the schema is current.
    """
    with connect(url) as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            connection.commit()  # the lock is the session's; Alembic opens its own transaction
            command.upgrade(alembic_config(connection), revision)
            connection.commit()
            return MigrationContext.configure(connection).get_current_revision()
        finally:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()


def require_current_schema(url: str) -> None:
    """Raise :class:`SchemaOutdated` unless the database is at the newest revision."""
    current, head = current_revision(url), head_revision()
    if current != head:
        raise SchemaOutdated(f"the database schema is at revision {current or 'none'}, this version of Rutas "
                             f"needs {head}: run `python -m dashboard db upgrade`")


def connect(url: str) -> Connection:
    """A pooled connection, or :class:`DatabaseUnavailable` naming the server and the reason."""
    engine = engine_for(url)
    try:
        return engine.connect()
    except OperationalError as error:
        where = engine.url.render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseUnavailable(f"cannot connect to the database {where}: {reason}") from None
