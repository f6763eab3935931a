"""Imported datasets in PostgreSQL: the database counterpart of :class:`~dashboard.data.datasets.DatasetRepository`.

Same public methods the app and the CLI use (``version``, ``list``, ``meta``, ``save``,
``save_frame``, ``delete``, ``remove_leftovers``), same rules: one content (SHA-256) is one
dataset whoever imports it and however many times at once; a double delete deletes once.

Each save is ONE transaction (the dataset's partition, its rows by COPY, its duplicate pairs,
its ``datasets`` row) and so is each delete: a failed or killed import leaves nothing, and other
workers see the whole dataset or none of it. ``version()`` reads the data version the triggers
bump, one cheap query, once per HTTP request (:func:`read_version_once_per_request`).

The bundled events live here too, as the dataset ``rutas`` (``bundled``): :meth:`sync_bundled`
writes them when the database has none or an older copy, so one SQL query covers every dataset.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar, Token
from pathlib import Path

import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from ..datasets import (
    DATASET_ID,
    DatasetMeta,
    DatasetNotFound,
    DatasetRepository,
    _already_imported,
    generated_outcome,
    with_import_columns,
)
from ..imports.pipeline import ImportOutcome
from ..imports.report import ImportReport
from ..schema import ALL_COLUMNS, BUNDLED_DATASET
from .engine import engine_for
from .loader import DatasetRow, drop_dataset, vacuum_dataset, write_dataset

BUNDLED_LOCK_KEY = 0x5275746173_03  # pg_advisory_xact_lock key: one worker writes the bundled events
META_COLUMNS = "dataset_id, name, file_name, sha256, imported_at, format, events, report"


# The data version as this request first read it, by database URL. A filter change asks for the
# store ~15 times and each ask read the version (a query); the serving layer gives each HTTP
# request a fresh memo and removes it after, and a write of this process forgets it. Outside a
# request (the CLI, tests, other threads) there is no memo: every call reads the database.
_REQUEST_VERSIONS: ContextVar[dict[str, str] | None] = ContextVar("rutas_request_versions", default=None)


def read_version_once_per_request() -> Token:
    """Start a request's memo; pass the token to :func:`end_request_versions` when it ends."""
    return _REQUEST_VERSIONS.set({})


def end_request_versions(token: Token) -> None:
    try:
        _REQUEST_VERSIONS.reset(token)
    except ValueError:  # ended in another context than it started: no memo here either way
        _REQUEST_VERSIONS.set(None)


def data_version(connection) -> str:
    """The data version: random per database, then a counter every import and delete moves."""
    epoch, counter = connection.execute(text("SELECT epoch, version FROM data_version")).one()
    return f"pg:{epoch}:{counter}"


def _meta(row) -> DatasetMeta:
    dataset_id, name, file_name, sha256, imported_at, file_format, events, report = row
    return DatasetMeta(dataset_id=dataset_id, name=name, file_name=file_name, sha256=sha256,
                       imported_at=imported_at, format=file_format, events=int(events),
                       report=ImportReport.from_dict(report))


def bundled_sha256(events: pd.DataFrame) -> str:
    """A hash of the bundled table's every cell, so any correction to it is written again."""
    canonical = with_import_columns(events)[list(ALL_COLUMNS)]
    return hashlib.sha256(canonical.to_csv(index=False).encode("utf-8")).hexdigest()


class PostgisDatasetRepository:
    """The datasets kept in one PostgreSQL database (schema ``0001``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = engine_for(url)

    def version(self) -> str:
        """Changes whenever a dataset is added or deleted, by any process on any machine (read
        once per request, :func:`read_version_once_per_request`)."""
        memo = _REQUEST_VERSIONS.get()
        if memo is not None and self.url in memo:
            return memo[self.url]
        with self._engine.connect() as connection:
            version = data_version(connection)
        if memo is not None:
            memo[self.url] = version
        return version

    def _forget_version(self) -> None:
        """After a write: this request reads the version it made."""
        memo = _REQUEST_VERSIONS.get()
        if memo is not None:
            memo.pop(self.url, None)

    def remove_leftovers(self) -> list[str]:
        """Nothing to remove: a crashed import's transaction left nothing behind."""
        return []

    def list(self) -> list[DatasetMeta]:
        """Imported datasets (not the bundled one), oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(text(f"SELECT {META_COLUMNS} FROM datasets WHERE NOT bundled "
                                           "ORDER BY imported_at, dataset_id")).all()
        return [_meta(row) for row in rows]

    def meta(self, dataset_id: str) -> DatasetMeta:
        if not isinstance(dataset_id, str) or not DATASET_ID.match(dataset_id):
            raise DatasetNotFound(str(dataset_id))
        with self._engine.connect() as connection:
            row = connection.execute(text(f"SELECT {META_COLUMNS} FROM datasets "
                                          "WHERE dataset_id = :id AND NOT bundled"), {"id": dataset_id}).one_or_none()
        if row is None:
            raise DatasetNotFound(dataset_id)
        return _meta(row)

    def _imported_as(self, sha256: str) -> DatasetMeta | None:
        with self._engine.connect() as connection:
            row = connection.execute(text(f"SELECT {META_COLUMNS} FROM datasets "
                                          "WHERE sha256 = :sha AND NOT bundled"), {"sha": sha256}).one_or_none()
        return None if row is None else _meta(row)

    def save(self, outcome: ImportOutcome) -> DatasetMeta:
        """Store an import's rows and report in one transaction; a dataset already there is kept.

        The same content under any name is one dataset: a second import, at once or later, from
        any process or machine, stores nothing, and its report says ``already_imported``.
        """
        report = outcome.report
        if not report.imported or not report.dataset_id or not DATASET_ID.match(report.dataset_id):
            raise ValueError("nothing to store: the import accepted no rows")
        existing = self._imported_as(outcome.sha256)  # cheap first look: skip writing a known file
        if existing is not None:
            return _already_imported(report, existing)
        meta = DatasetMeta(dataset_id=report.dataset_id, name=outcome.name, file_name=outcome.file_name,
                           sha256=outcome.sha256, imported_at=outcome.imported_at, format=report.format,
                           events=len(outcome.events), report=report)
        row = DatasetRow(dataset_id=meta.dataset_id, name=meta.name, file_name=meta.file_name, sha256=meta.sha256,
                         imported_at=meta.imported_at, format=meta.format, report=report.to_dict())
        try:
            with self._engine.begin() as connection:
                key = write_dataset(connection, row, outcome.events)
        except IntegrityError:  # another process stored the same content (or id) meanwhile
            self._forget_version()
            existing = self._imported_as(outcome.sha256)
            if existing is None:
                raise
            return _already_imported(report, existing)
        self._forget_version()
        vacuum_dataset(self._engine, key)
        return meta

    def save_frame(self, events: pd.DataFrame, *, name: str, file_name: str) -> DatasetMeta:
        """Store generated events (bench, synth) as a dataset, skipping the parsing an import does."""
        return self.save(generated_outcome(events, name=name, file_name=file_name))

    def delete(self, dataset_id: str) -> DatasetMeta:
        """Delete a dataset in one transaction; ``DatasetNotFound`` when there is none (also when
        another request deleted it a moment before)."""
        if not isinstance(dataset_id, str) or not DATASET_ID.match(dataset_id):
            raise DatasetNotFound(str(dataset_id))
        with self._engine.begin() as connection:
            row = connection.execute(text(f"DELETE FROM datasets WHERE dataset_id = :id AND NOT bundled "
                                          f"RETURNING dataset_key, {META_COLUMNS}"), {"id": dataset_id}).one_or_none()
            if row is None:
                raise DatasetNotFound(dataset_id)
            drop_dataset(connection, row[0])
        self._forget_version()
        return _meta(row[1:])

    def sync_bundled(self, events: pd.DataFrame) -> bool:
        """Write the bundled events when the database lacks them or holds another version of them.

        Returns whether it wrote. Workers starting together take turns; the first writes.
        """
        sha256 = bundled_sha256(events)
        with self._engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BUNDLED_LOCK_KEY})
            held = connection.execute(text("SELECT dataset_key, sha256 FROM datasets WHERE bundled")).all()
            if [sha for _, sha in held] == [sha256]:
                return False
            for key, _ in held:
                connection.execute(text("DELETE FROM datasets WHERE dataset_key = :key"), {"key": key})
                drop_dataset(connection, key)
            row = DatasetRow(dataset_id=BUNDLED_DATASET, name=BUNDLED_DATASET, file_name="geodata/events.csv",
                             sha256=sha256, imported_at="", format="bundled", report={}, bundled=True)
            key = write_dataset(connection, row, with_import_columns(events).assign(dataset=BUNDLED_DATASET))
        self._forget_version()
        vacuum_dataset(self._engine, key)
        return True


def import_files(repository: PostgisDatasetRepository, data_dir: Path) -> list[str]:
    """Copy the datasets of an embedded deployment's data directory into the database.

    Each keeps its id, name, file name, content hash, import time and report; one already in
    the database (the same content) is left as it is, so running it twice copies nothing twice.
    Returns one line per dataset saying what happened.
    """
    files = DatasetRepository(data_dir)
    lines = []
    for meta in files.list():
        try:
            events = files.load_events(meta.dataset_id)
        except (DatasetNotFound, OSError, ValueError) as error:
            lines.append(f"{meta.dataset_id}: not copied, its events file cannot be read ({error})")
            continue
        report = ImportReport.from_dict(meta.report.to_dict())
        report.dataset_id = meta.dataset_id
        saved = repository.save(ImportOutcome(events, report, meta.name, meta.file_name, meta.sha256,
                                              meta.imported_at))
        if report.already_imported:
            lines.append(f"{meta.dataset_id}: already in the database (as {saved.dataset_id})")
        else:
            lines.append(f"{meta.dataset_id}: copied, {saved.events} events")
    return lines
