"""The schema comes from Alembic: upgrade from nothing, repeat safely, at once from several processes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import text

from dashboard.data.database import (
    DatabaseUnavailable,
    DatabaseUrlError,
    SchemaOutdated,
    current_revision,
    driver_url,
    engine_for,
    head_revision,
    require_current_schema,
    upgrade,
)
from tests.integration.database import throwaway_database


@pytest.fixture(scope="module")
def database_url():
    with throwaway_database() as url:
        yield url


def test_dbm001_upgrade_reaches_head_and_repeats_as_a_no_op(database_url):
    assert current_revision(database_url) == head_revision()
    with engine_for(database_url).connect() as connection:
        version = connection.execute(text("SELECT epoch, version FROM data_version")).one()
    assert upgrade(database_url) == head_revision()  # once more: nothing changes
    with engine_for(database_url).connect() as connection:
        assert connection.execute(text("SELECT epoch, version FROM data_version")).one() == version
        tables = set(connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
                     .scalars())
        extensions = set(connection.execute(text("SELECT extname FROM pg_extension")).scalars())
    assert {"datasets", "events", "data_version", "alembic_version"} <= tables
    assert {"postgis", "pg_trgm"} <= extensions
    require_current_schema(database_url)


def test_dbm002_data_version_moves_with_every_change_to_datasets(database_url):
    engine = engine_for(database_url)
    with engine.begin() as connection:
        before = connection.execute(text("SELECT version FROM data_version")).scalar_one()
        connection.execute(text("INSERT INTO datasets (dataset_id, name, file_name, sha256, imported_at, format, "
                                "events, report) VALUES ('v-test', 'v', 'v.csv', 'x', 'now', 'csv', 0, '{}')"))
        inside = connection.execute(text("SELECT version FROM data_version")).scalar_one()
        connection.execute(text("DELETE FROM datasets WHERE dataset_id = 'v-test'"))
        after = connection.execute(text("SELECT version FROM data_version")).scalar_one()
    assert before < inside < after


def test_dbm003_several_processes_migrate_one_new_database_at_once():
    with throwaway_database(migrated=False) as empty:  # a new database, never migrated
        assert current_revision(empty) is None
        with pytest.raises(SchemaOutdated, match="python -m dashboard db upgrade"):
            require_current_schema(empty)
        code = "import sys; from dashboard.data.database import upgrade; print(upgrade(sys.argv[1]))"
        runs = [subprocess.Popen([sys.executable, "-c", code, empty], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(3)]
        results = [run.communicate(timeout=120) for run in runs]
        assert [(run.returncode, out.strip()) for run, (out, _) in zip(runs, results)] == \
            [(0, head_revision())] * 3, [err for _, err in results]
        assert current_revision(empty) == head_revision()


def test_dbm004_urls_are_checked_and_an_unreachable_server_is_named():
    assert driver_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert driver_url("postgres://u:p@h:5433/d") == "postgresql+psycopg://u:p@h:5433/d"
    with pytest.raises(DatabaseUrlError, match="must start with postgresql://"):
        driver_url("mysql://u@h/d")
    with pytest.raises(DatabaseUrlError, match="RUTAS_DATABASE_URL"):
        driver_url("")
    with pytest.raises(DatabaseUnavailable, match="127.0.0.1:1/nothing.*refused"):
        current_revision("postgresql://postgres@127.0.0.1:1/nothing")
