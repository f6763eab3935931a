"""Imported datasets on disk: one folder each, written atomically, listed, loaded and deleted.

Layout under the data directory (``RUTAS_DATA_DIR``)::

    datasets/<dataset_id>/events.parquet   GeoParquet (points in EPSG:4326), our schema
    datasets/<dataset_id>/meta.json        name, file name, SHA-256, import time, counts, report

A dataset is written into a private temporary folder beside ``datasets/`` and then renamed into
place in one step, so a crash leaves the old state or the new one, never half a dataset.
Deleting renames the folder out of ``datasets/`` first, for the same reason.

Several processes share the folder (gunicorn workers, the CLI): the check "is this content
already imported?" and the rename into place, and the check "is it still there?" and the rename
out of place, each happen under one file lock (``datasets/.lock``), so the same bytes imported
twice at once make one dataset and a dataset deleted twice at once is deleted once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .imports.base import ImportLimits
from .imports.pipeline import ImportOutcome, dataset_id_for, import_bytes
from .imports.report import ImportReport
from .interprocess import file_lock, owned_name
from .interprocess import remove_leftovers as remove_dead_entries
from .schema import ALL_COLUMNS, IMPORT_COLUMN_DEFAULTS
from .stories import StoryRepository

DATASET_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
EVENTS_FILE = "events.parquet"
META_FILE = "meta.json"
TEMP_PREFIX = ".tmp-"
TRASH_PREFIX = ".trash-"
LOCK_FILE = ".lock"  # in datasets/; not a dataset id, so never listed


class DatasetNotFound(KeyError):  # noqa: N818 - reads as a sentence at call sites
    pass


@dataclass(frozen=True)
class DatasetMeta:
    dataset_id: str
    name: str
    file_name: str
    sha256: str
    imported_at: str
    format: str
    events: int
    report: ImportReport

    def to_json(self) -> dict[str, object]:
        return {"dataset_id": self.dataset_id, "name": self.name, "file_name": self.file_name,
                "sha256": self.sha256, "imported_at": self.imported_at, "format": self.format,
                "events": self.events, "report": self.report.to_dict()}

    @classmethod
    def from_json(cls, data: dict) -> DatasetMeta:
        return cls(dataset_id=str(data["dataset_id"]), name=str(data["name"]),
                   file_name=str(data["file_name"]), sha256=str(data["sha256"]),
                   imported_at=str(data["imported_at"]), format=str(data["format"]),
                   events=int(data["events"]), report=ImportReport.from_dict(data["report"]))


def shared_tuples(lists) -> np.ndarray:
    """Arrow list<string> column → object array of tuples, one tuple object per distinct list.

    Events repeat the same few actor lists: sharing them keeps a million rows to a few MB.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = pa.chunked_array(lists).combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
    lists = lists.cast(pa.list_(pa.string()))  # a column of only empty lists is stored as list<null>
    keys = pc.binary_join(lists.fill_null(pa.scalar([], type=lists.type)), "\x1f")
    codes, uniques = pd.factorize(keys.to_numpy(zero_copy_only=False))
    distinct = np.empty(len(uniques), dtype=object)
    distinct[:] = [tuple(key.split("\x1f")) if key else () for key in uniques]
    return distinct[codes]


def shared_dates(values) -> np.ndarray:
    """Arrow timestamp/date column → object array of ``datetime.date`` (None when missing),
    one object per distinct day."""
    days = np.asarray(pd.to_datetime(pd.Series(values.to_numpy(zero_copy_only=False)))
                      .to_numpy().astype("datetime64[D]"))
    codes, uniques = pd.factorize(days)  # NaT → -1
    distinct = np.empty(len(uniques) + 1, dtype=object)
    distinct[:-1] = [pd.Timestamp(day).date() for day in uniques]
    distinct[-1] = None
    return distinct[codes]


def with_import_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the import-only columns with their defaults where a table lacks them."""
    frame = frame.copy()
    for column, default in IMPORT_COLUMN_DEFAULTS.items():
        if column not in frame.columns:
            frame[column] = [default] * len(frame)
    return frame[list(ALL_COLUMNS)]


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class DatasetRepository:
    """The datasets kept in one data directory."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.datasets_dir = self.root / "datasets"
        self.lock_path = self.datasets_dir / LOCK_FILE

    def _ensure(self) -> None:
        self.datasets_dir.mkdir(parents=True, exist_ok=True)

    def folder(self, dataset_id: str) -> Path:
        if not DATASET_ID.match(dataset_id or ""):
            raise DatasetNotFound(dataset_id)
        return self.datasets_dir / dataset_id

    def remove_leftovers(self) -> list[str]:
        """Delete what a crashed import, delete or story save left in the data directory.

        Only dead entries go: a temporary or trash folder (or a story's temporary file) whose
        process is gone or that is older than ``LEFTOVER_AGE_SECONDS``; another process's import
        in progress is kept.
        """
        removed = remove_dead_entries(self.root, (TEMP_PREFIX, TRASH_PREFIX))
        return removed + StoryRepository(self.root).remove_leftovers()

    def version(self) -> tuple[str, ...]:
        """Changes whenever a dataset is added or deleted (cheap: one directory listing)."""
        try:
            return tuple(sorted(n for n in os.listdir(self.datasets_dir) if DATASET_ID.match(n)))
        except FileNotFoundError:
            return ()

    def list(self) -> list[DatasetMeta]:
        metas = []
        for dataset_id in self.version():
            try:
                metas.append(self.meta(dataset_id))
            except (DatasetNotFound, OSError, ValueError, KeyError):
                continue  # a folder that is not a complete dataset is not listed
        return sorted(metas, key=lambda m: (m.imported_at, m.dataset_id))

    def meta(self, dataset_id: str) -> DatasetMeta:
        path = self.folder(dataset_id) / META_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):  # deleted meanwhile, too
            raise DatasetNotFound(dataset_id) from None
        return DatasetMeta.from_json(json.loads(text))

    def _imported_as(self, sha256: str) -> DatasetMeta | None:
        """The dataset already holding this content, if any."""
        return next((meta for meta in self.list() if meta.sha256 == sha256), None)

    def load_events(self, dataset_id: str) -> pd.DataFrame:
        path = self.folder(dataset_id) / EVENTS_FILE
        if not path.is_file():
            raise DatasetNotFound(dataset_id)
        import pyarrow.parquet as pq

        # The GeoParquet geometry repeats latitude/longitude: not read (a million shapely points
        # would cost seconds and hundreds of MB).
        columns = [name for name in pq.read_schema(path).names if name != "geometry"]
        table = pq.read_table(path, columns=columns)
        frame = table.drop_columns([c for c in ("actors", "actor_groups", "event_date", "date_end")
                                    if c in columns]).to_pandas()
        for column in ("actors", "actor_groups"):
            frame[column] = shared_tuples(table.column(column))
        frame["event_date"] = shared_dates(table.column("event_date"))
        if "date_end" in columns:
            frame["date_end"] = shared_dates(table.column("date_end"))
        return with_import_columns(frame)

    def load_all(self) -> pd.DataFrame:
        frames = []
        for meta in self.list():
            try:
                frames.append(self.load_events(meta.dataset_id))
            except (DatasetNotFound, OSError, ValueError):
                continue
        if not frames:
            return pd.DataFrame(columns=list(ALL_COLUMNS))
        return pd.concat(frames, ignore_index=True)

    def save(self, outcome: ImportOutcome) -> DatasetMeta:
        """Store an import's rows and report atomically; a dataset already there is kept as is.

        The same content (SHA-256) under any name is one dataset: the second import, at once or
        later, from any process, stores nothing, and its report says ``already_imported`` and
        names the dataset that holds it.
        """
        report = outcome.report
        if not report.imported or not report.dataset_id:
            raise ValueError("nothing to store: the import accepted no rows")
        existing = self._imported_as(outcome.sha256)  # cheap first look: skip writing a known file
        if existing is not None:
            return _already_imported(report, existing)
        target = self.folder(report.dataset_id)
        meta = DatasetMeta(dataset_id=report.dataset_id, name=outcome.name, file_name=outcome.file_name,
                           sha256=outcome.sha256, imported_at=outcome.imported_at, format=report.format,
                           events=len(outcome.events), report=report)
        self._ensure()
        temporary = self.root / owned_name(TEMP_PREFIX)
        temporary.mkdir()
        try:
            self._write(temporary, outcome.events, meta)  # the slow part, outside the lock
            with file_lock(self.lock_path):
                existing = self._imported_as(outcome.sha256)  # another process may have won meanwhile
                if existing is None:
                    os.rename(temporary, target)
                    _fsync_dir(self.datasets_dir)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)  # gone already when it was renamed
        return meta if existing is None else _already_imported(report, existing)

    def save_frame(self, events: pd.DataFrame, *, name: str, file_name: str) -> DatasetMeta:
        """Store generated events (bench, synth) as a dataset, skipping the parsing an import does.

        ``events`` is a canonical event table; its ``dataset`` column is set to the new id, which
        follows the import scheme (name slug + content hash).
        """
        content = hashlib.sha256()  # ids, places and dates: another seed is another dataset
        content.update("\n".join(map(str, events["event_id"])).encode())
        for column in ("latitude", "longitude", "quantity_kg"):
            content.update(np.ascontiguousarray(events[column].to_numpy(dtype=np.float64)).tobytes())
        content.update("\n".join(map(str, events["event_date"])).encode())
        sha256 = content.hexdigest()
        dataset_id = dataset_id_for(name, sha256)
        report = ImportReport(file_name=file_name, format="generated", dataset_id=dataset_id, name=name,
                              read=len(events), accepted=len(events))
        outcome = ImportOutcome(events.assign(dataset=dataset_id), report, name, file_name, sha256,
                                datetime.now(UTC).isoformat(timespec="seconds"))
        return self.save(outcome)

    def _write(self, folder: Path, events: pd.DataFrame, meta: DatasetMeta) -> None:
        import geopandas as gpd  # heavy; only needed when a dataset is read or written

        frame = with_import_columns(events)
        frame["actors"] = [list(a) for a in frame["actors"]]
        frame["actor_groups"] = [list(a) for a in frame["actor_groups"]]
        frame["event_date"] = pd.to_datetime(frame["event_date"]).astype("datetime64[ms]")
        frame["date_end"] = pd.to_datetime(frame["date_end"]).astype("datetime64[ms]")
        for column in ("fatalities", "quantity_kg", "fatalities_low", "fatalities_high"):
            frame[column] = frame[column].astype(np.float64)
        points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
                                  crs="EPSG:4326")
        events_path = folder / EVENTS_FILE
        points.to_parquet(events_path, index=False)
        _fsync_file(events_path)
        meta_path = folder / META_FILE
        meta_path.write_text(json.dumps(meta.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync_file(meta_path)
        _fsync_dir(folder)

    def delete(self, dataset_id: str) -> DatasetMeta:
        """Delete a dataset; ``DatasetNotFound`` when there is none (also when another request or
        process deleted it a moment before: a double delete deletes once)."""
        folder = self.folder(dataset_id)
        trash = self.root / owned_name(TRASH_PREFIX)
        with file_lock(self.lock_path):
            meta = self.meta(dataset_id)
            try:
                os.rename(folder, trash)
            except FileNotFoundError:  # a writer that does not take the lock removed it
                raise DatasetNotFound(dataset_id) from None
            _fsync_dir(self.datasets_dir)
        shutil.rmtree(trash, ignore_errors=True)
        return meta


def _already_imported(report: ImportReport, existing: DatasetMeta) -> DatasetMeta:
    """Point an import's report at the dataset that already holds its content."""
    report.already_imported = True
    report.dataset_id, report.name = existing.dataset_id, existing.name
    return existing


def import_into(repository: DatasetRepository, data: bytes, file_name: str, *, name: str = "",
                file_format: str = "auto", limits: ImportLimits | None = None,
                stated_date: str = "") -> ImportReport:
    """Import one file and keep its accepted rows; the report says what was kept and why not.

    Nothing is written unless at least one row was accepted, and then atomically.
    ``stated_date`` dates the rows without a date (see ``imports.stated_dates``).
    """
    outcome = import_bytes(data, file_name, name=name, file_format=file_format, limits=limits,
                           stated_date=stated_date)
    if outcome.report.imported:
        repository.save(outcome)
    return outcome.report
