"""Datasets in PostgreSQL: one transaction per import and per delete, seen by every process.

A real ACLED file goes through the same import pipeline as an upload; a process killed with
SIGKILL in the middle of writing a large dataset leaves nothing behind; two contexts (two workers)
on one database see each other's imports and deletes.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.config import Settings
from dashboard.data.database import SchemaOutdated, engine_for
from dashboard.data.database.datasets import PostgisDatasetRepository
from dashboard.data.database.loader import DUPLICATE_CANDIDATES, DUPLICATE_PARTNERS, DatasetRow, write_dataset
from dashboard.data.datasets import DatasetNotFound, import_into
from dashboard.data.filters import FilterSpec
from dashboard.data.schema import BUNDLED_DATASET
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from dashboard.data.synth import synthetic_events
from dashboard.state.context import build_context
from tests.integration.database import throwaway_database

REPO = Path(__file__).resolve().parents[2]
ACLED = REPO / "tests" / "fixtures" / "imports" / "acled" / "acled_2019_2022.csv"


@pytest.fixture()
def database_url():
    with throwaway_database() as url:
        yield url


def leftovers(url: str) -> dict[str, object]:
    """Everything an import writes: datasets, partitions, loose event tables, pairs, the version."""
    with engine_for(url).connect() as connection:
        return {
            "datasets": connection.execute(text("SELECT count(*) FROM datasets")).scalar_one(),
            "partitions": connection.execute(text(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass")).scalar_one(),
            "event_tables": connection.execute(text(
                "SELECT count(*) FROM pg_class WHERE relname ~ '^events_[0-9]+$'")).scalar_one(),
            "fact_tables": connection.execute(text(
                "SELECT count(*) FROM pg_class WHERE relname ~ '^event_facts_[0-9]+$'")).scalar_one(),
            "facts": connection.execute(text("SELECT count(*) FROM event_facts")).scalar_one(),
            "text_tables": connection.execute(text(
                "SELECT count(*) FROM pg_class WHERE relname ~ '^event_texts_[0-9]+$'")).scalar_one(),
            "pairs": connection.execute(text("SELECT count(*) FROM duplicate_pairs")).scalar_one(),
            "events": connection.execute(text("SELECT count(*) FROM events")).scalar_one(),
            "version": connection.execute(text("SELECT version FROM data_version")).scalar_one(),
        }


def test_dbd001_import_list_delete_like_the_file_repository(database_url):
    repository = PostgisDatasetRepository(database_url)
    before = repository.version()
    report = import_into(repository, ACLED.read_bytes(), ACLED.name)
    assert report.imported and report.dataset_id and not report.already_imported
    assert repository.version() != before
    [meta] = repository.list()
    assert (meta.dataset_id, meta.events, meta.file_name) == (report.dataset_id, report.accepted, ACLED.name)
    assert repository.meta(meta.dataset_id).report.to_dict() == report.to_dict()
    store = PostgisEventStore(database_url)
    assert store.count(FilterSpec(datasets=(meta.dataset_id,))) == meta.events
    again = import_into(repository, ACLED.read_bytes(), "renamed.csv", name="other name")
    assert again.already_imported and again.dataset_id == meta.dataset_id and len(repository.list()) == 1
    assert repository.delete(meta.dataset_id).dataset_id == meta.dataset_id
    with pytest.raises(DatasetNotFound):
        repository.delete(meta.dataset_id)  # a second delete deletes nothing
    for bad in ("../etc", "", None, "Rutas"):
        with pytest.raises(DatasetNotFound):
            repository.meta(bad)
    assert repository.list() == [] and PostgisEventStore(database_url).size == 0
    assert leftovers(database_url) | {"version": 0} == {"datasets": 0, "partitions": 0, "event_tables": 0,
                                                       "fact_tables": 0, "facts": 0, "text_tables": 0,
                                                       "pairs": 0, "events": 0, "version": 0}


def test_dbd002_a_failing_import_leaves_nothing(database_url):
    repository = PostgisDatasetRepository(database_url)
    repository.save_frame(synthetic_events(200, seed=1), name="kept", file_name="kept.csv")
    before = leftovers(database_url)
    broken = synthetic_events(500, seed=2)
    broken.loc[broken.index[-1], "event_type"] = None  # NOT NULL: the COPY fails on the last row
    with pytest.raises(Exception, match="event_type"):
        repository.save_frame(broken, name="broken", file_name="broken.csv")
    assert leftovers(database_url) == before
    assert [m.name for m in repository.list()] == ["kept"]


KILLED_IMPORT = """
import sys
from dashboard.data.database.datasets import PostgisDatasetRepository
from dashboard.data.database.loader import DUPLICATE_CANDIDATES, DUPLICATE_PARTNERS, DatasetRow, write_dataset
from dashboard.data.synth import synthetic_events
events = synthetic_events(int(sys.argv[2]), seed=5)
print("writing", flush=True)
PostgisDatasetRepository(sys.argv[1]).save_frame(events, name="killed", file_name="killed.csv")
print("saved", flush=True)
"""


def test_dbd003_kill_9_mid_import_leaves_nothing_partial(database_url):
    repository = PostgisDatasetRepository(database_url)
    repository.save_frame(synthetic_events(300, seed=1), name="kept", file_name="kept.csv")
    before = leftovers(database_url)
    worker = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, database_url, "300000"], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    database = database_url.rsplit("/", 1)[-1]
    with engine_for(database_url).connect() as connection:
        connection.execute(text("SET application_name = 'rutas-watcher'"))
        deadline, seen = time.monotonic() + 120, None
        while time.monotonic() < deadline and seen is None and worker.poll() is None:
            seen = connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :db AND application_name = 'rutas' "
                "AND state = 'active' AND query LIKE 'COPY events_%'"), {"db": database}).scalar()
            connection.rollback()
            time.sleep(0.02)
        assert seen is not None, "the import never reached its COPY: " + (worker.stderr.read() if worker.poll() else "")
        os.kill(worker.pid, signal.SIGKILL)  # in the middle of writing rows
        assert worker.wait(timeout=30) == -signal.SIGKILL
        while connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                 {"pid": seen}).scalar_one():
            connection.rollback()  # the server notices the dead client and rolls its transaction back
            assert time.monotonic() < deadline + 60, "the killed import's session never ended"
            time.sleep(0.05)
    assert leftovers(database_url) == before
    assert [m.name for m in repository.list()] == ["kept"]
    assert repository.save_frame(synthetic_events(300, seed=5), name="after", file_name="after.csv").events == 300


def test_dbd004_two_workers_on_one_database_see_each_others_changes(database_url, bundled, tmp_path):
    a = build_context(Settings(database_url=database_url, data_dir=str(tmp_path / "a")), bundled)
    b = build_context(Settings(database_url=database_url, data_dir=str(tmp_path / "b")), bundled)
    assert isinstance(a.store, PostgisEventStore) and isinstance(b.store, PostgisEventStore)
    memory = InMemoryEventStore(bundled.events, default_datasets=(BUNDLED_DATASET,))
    for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure",)), FilterSpec(text="callao")):
        assert a.store.count(spec) == b.store.count(spec) == memory.count(spec)  # the bundled events, once
    # The kg are summed in another order (per group of the rollup, then the groups): equal to 1e-9.
    shared, expected = a.store.totals(FilterSpec()), memory.totals(FilterSpec())
    assert shared.kg_seized == pytest.approx(expected.kg_seized, rel=1e-9)
    assert dataclasses.replace(shared, kg_seized=expected.kg_seized) == expected
    report = import_into(a.repository, ACLED.read_bytes(), ACLED.name)
    assert [m.dataset_id for m in b.datasets] == [report.dataset_id]  # B sees A's import at once
    assert b.store.count(FilterSpec(datasets=(report.dataset_id,))) == report.accepted
    b.repository.delete(report.dataset_id)
    assert a.datasets == [] and a.store.count(FilterSpec(datasets=(report.dataset_id,))) == 0
    assert a.store.version == b.store.version
    # A third worker starting later writes nothing: the bundled events are there already.
    assert PostgisDatasetRepository(database_url).sync_bundled(a.data.events) is False


def test_dbd005_an_old_schema_is_refused_with_the_command_that_fixes_it(bundled, tmp_path):
    with throwaway_database(migrated=False) as empty:
        with pytest.raises(SchemaOutdated, match="python -m dashboard db upgrade"):
            build_context(Settings(database_url=empty, data_dir=str(tmp_path)), bundled)


def test_dbd006_import_files_copies_a_data_directory_once(database_url, tmp_path):
    from dashboard.data.datasets import DatasetRepository

    files = DatasetRepository(tmp_path)
    report = import_into(files, ACLED.read_bytes(), ACLED.name)
    generated = files.save_frame(synthetic_events(50, seed=9), name="generated", file_name="synth.csv")
    environment = {**os.environ, "RUTAS_DATABASE_URL": database_url}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dashboard", "db", *args], cwd=REPO, env=environment,
                              capture_output=True, text=True, timeout=120)

    first = cli("import-files", str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert f"{report.dataset_id}: copied, {report.accepted} events" in first.stdout
    assert f"{generated.dataset_id}: copied, 50 events" in first.stdout
    database = PostgisDatasetRepository(database_url)
    assert [(m.dataset_id, m.sha256, m.imported_at, m.events) for m in database.list()] == \
        [(m.dataset_id, m.sha256, m.imported_at, m.events) for m in files.list()]
    again = cli("import-files", str(tmp_path))
    assert again.returncode == 0 and again.stdout.count("already in the database") == 2
    assert len(database.list()) == 2
    missing = cli("import-files", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "holds no datasets/ folder" in missing.stderr


def test_dbd007_twins_of_many_events_at_one_place_and_day_are_bounded_per_row(database_url):
    """400 generated events share one place, day and type in each of two datasets: each row of the
    second import reads at most DUPLICATE_CANDIDATES of the first's from the index (before the cap
    it read all of them: n² work when 100k events share a place) and keeps at most the listed twins."""
    rows = 400
    assert rows > DUPLICATE_CANDIDATES  # more candidates than a row examines
    frames = []
    for seed in (1, 2):
        events = synthetic_events(rows, seed=seed)
        events["latitude"], events["longitude"] = -12.05, -77.04
        events["event_date"], events["date_precision"] = pd.Timestamp("2020-03-01"), "day"
        events["event_type"], events["dataset"] = "drug_seizure", f"place-{seed}"
        frames.append(events)
    first = PostgisDatasetRepository(database_url).save_frame(frames[0], name="one place", file_name="place.csv")
    with engine_for(database_url).begin() as connection:
        first_key = connection.execute(text("SELECT dataset_key FROM datasets WHERE dataset_id = :id"),
                                       {"id": first.dataset_id}).scalar_one()
        write_dataset(connection, DatasetRow(dataset_id="place-2", name="place 2", file_name="place2.csv",
                                             sha256="test-place-2", imported_at="2026-12-04T00:00:00+00:00",
                                             format="test", report={}), frames[1])
        # Rows this transaction read from the first dataset's partition (by index or scan): the probes'.
        read = connection.execute(text("SELECT seq_tup_read + idx_tup_fetch FROM pg_stat_xact_user_tables "
                                       "WHERE relname = :table"), {"table": f"events_{first_key}"}).scalar_one()
    # Uncapped, every probe read all 400 rows of the place (rows²); capped, about DUPLICATE_CANDIDATES.
    assert rows * DUPLICATE_PARTNERS <= read < rows * rows // 2
    store = PostgisEventStore(database_url)
    # Every row of the later import is flagged (its own probe found twins); of the earlier one, at
    # least the rows those probes listed (an import probes from its own rows only).
    earlier, later = store.duplicates_in(first.dataset_id), store.duplicates_in("place-2")
    assert later == rows and DUPLICATE_PARTNERS <= earlier <= rows
    for dataset_id in (first.dataset_id, "place-2"):
        shown = store.rows(FilterSpec(datasets=(dataset_id,)), ("duplicate_of",))["duplicate_of"]
        assert max(len(twins) for twins in shown) == DUPLICATE_PARTNERS


def test_dbd008_revision_0003_copies_existing_datasets_into_the_facts_as_the_loader_writes_them(database_url):
    """A database written before revision 0003 gets its facts and texts (0003), rollups (0006) and
    names (0007) from the upgrade: the store answers alike whether the loader or the migrations
    wrote them."""
    from alembic import command

    from dashboard.data.database import head_revision, upgrade
    from dashboard.data.database.migrate import alembic_config, connect
    from tests.integration.database import load_events

    events = synthetic_events(3000, seed=7)
    events["dataset"] = np.where(np.arange(len(events)) % 3 == 0, "first", "second")
    load_events(database_url, events)
    specs = (FilterSpec(), FilterSpec(text="callao"), FilterSpec(actors=("shining_path",)),
             FilterSpec(regions=("Ayacucho",), event_types=("armed_clash",)), FilterSpec(datasets=("first",)))

    def answers() -> list:
        store = PostgisEventStore(database_url)
        found = []
        for spec in specs:
            page = store.rows(spec, ("event_id",), order_by="quantity_kg", limit=20)["event_id"]
            totals = store.totals(spec)  # kg summed group by group, in the order each writer read the rows
            found += [dataclasses.replace(totals, kg_seized=round(totals.kg_seized, 6)),
                      store.histogram(spec).counts.tolist(), store.bins(spec, 1.0).counts.tolist(), page.tolist()]
        return found + [store.facet_options("actors"), store.facet_options("regions"), store.date_extent()]

    written = answers()
    with connect(database_url) as connection:
        command.downgrade(alembic_config(connection), "0002")
        connection.commit()
        assert connection.execute(text("SELECT to_regclass('event_facts')")).scalar() is None
    assert upgrade(database_url) == head_revision()
    assert answers() == written
