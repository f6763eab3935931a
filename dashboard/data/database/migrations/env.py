"""Alembic's environment: runs the migrations on the connection :mod:`..migrate` hands it.

Alembic runs this file; importing it as a module (the architecture test imports every module)
does nothing, since no migration context exists then.
"""

from __future__ import annotations

from alembic import context

config = getattr(context, "config", None)  # None when imported, not run by Alembic


def run_migrations_online() -> None:
    connection = config.attributes["connection"]  # set by migrate.upgrade: the pool's connection, locked
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=False,
                      compare_type=False)
    with context.begin_transaction():
        context.run_migrations()


if config is not None:
    if context.is_offline_mode():  # pragma: no cover - `alembic upgrade --sql` is not offered
        raise SystemExit("offline (--sql) migrations are not supported: run python -m dashboard db upgrade")
    run_migrations_online()
