"""A throwaway PostgreSQL database per test module: created, migrated, dropped.

The server is named by ``RUTAS_TEST_DATABASE_URL`` (default: the local one ``make test`` starts).
When it cannot be reached, or lacks PostGIS, a test FAILS under CI (``CI=true``: the suite must
run against a real server there) and is skipped elsewhere, with the reason either way.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from dashboard.data.database import dispose_engine, driver_url, upgrade

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get("RUTAS_TEST_DATABASE_URL", "").strip() or DEFAULT_SERVER_URL


def unavailable(reason: str) -> None:
    """Fail under CI, skip elsewhere; never pass silently."""
    message = (f"PostgreSQL with PostGIS is needed: {reason} (set RUTAS_TEST_DATABASE_URL, or run "
               "`make services` to install and start the local servers)")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def throwaway_database(*, migrated: bool = True) -> Iterator[str]:
    """Yield the URL of a new database ``rutas_test_<random>`` (at the newest schema unless
    ``migrated`` is false); drop it after."""
    admin_url = driver_url(server_url())
    name = f"rutas_test_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))  # a name made here, never input
    except OperationalError as error:
        admin.dispose()
        unavailable(f"cannot reach {make_url(admin_url).render_as_string(hide_password=True)}: "
                    f"{str(error.orig).strip().splitlines()[0]}")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        try:
            if migrated:
                upgrade(url)
        except (OperationalError, ProgrammingError) as error:
            unavailable(f"the migrations failed (is postgresql-15-postgis-3 installed?): "
                        f"{str(error.orig).strip().splitlines()[0]}")
        yield url
    finally:
        dispose_engine(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def load_events(url: str, events) -> None:
    """Store a canonical event table as it is laid out: each dataset written by the loader, every
    row keeping its position (``seq``), so the store's row numbers are the table's index."""
    import numpy as np

    from dashboard.data.database.engine import engine_for
    from dashboard.data.database.loader import DatasetRow, vacuum_dataset, write_dataset

    events = events.reset_index(drop=True)
    keys = []
    with engine_for(url).begin() as connection:
        for dataset_id in dict.fromkeys(events["dataset"]):
            rows = np.flatnonzero((events["dataset"] == dataset_id).to_numpy())
            row = DatasetRow(dataset_id=str(dataset_id), name=str(dataset_id), file_name=f"{dataset_id}.csv",
                             sha256=f"test-{dataset_id}", imported_at="2026-12-03T00:00:00+00:00",
                             format="test", report={})
            keys.append(write_dataset(connection, row, events.iloc[rows], seq=rows + 1))
    for key in keys:
        vacuum_dataset(engine_for(url), key)


@contextmanager
def database_copies() -> Iterator:
    """A function making new databases at the newest schema (copies of one migrated template)."""
    with throwaway_database() as template:
        dispose_engine(template)  # a template may have no other session while it is copied
        template_name = make_url(template).database
        admin = create_engine(driver_url(server_url()), isolation_level="AUTOCOMMIT")
        made: list[str] = []

        def copy() -> str:
            name = f"rutas_test_{secrets.token_hex(6)}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
            made.append(name)
            return make_url(template).set(database=name).render_as_string(hide_password=False)

        try:
            yield copy
        finally:
            for name in made:
                dispose_engine(make_url(template).set(database=name).render_as_string(hide_password=False))
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@contextmanager
def database_holding(events) -> Iterator[str]:
    """A new database at the newest schema holding ``events`` (see :func:`load_events`)."""
    with database_copies() as new_database:
        url = new_database()
        load_events(url, events)
        yield url


@contextmanager
def database_holding_undated(events, rows) -> Iterator[tuple[str, object]]:
    """:func:`database_holding` of ``events`` with the rows at ``rows`` undated: (its URL, those
    events, for an oracle)."""
    events = events.copy()
    events.loc[list(rows), "event_date"] = None
    with database_holding(events) as url:
        yield url, events
