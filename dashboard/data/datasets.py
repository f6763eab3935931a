"""Imported datasets on disk: one folder each, written atomically, listed, loaded and deleted.

Layout under the data directory (``RUTAS_DATA_DIR``)::

    datasets/<dataset_id>/events.parquet   GeoParquet (points in EPSG:4326), our schema
    datasets/<dataset_id>/meta.json        name, file name, SHA-256, import time, counts, report

A dataset is written into a private temporary folder beside ``datasets/`` and then renamed into
place in one step, so a crash leaves the old state or the new one, never half a dataset.
Deleting renames the folder out of ``datasets/`` first, for the same reason.

The events file is written slice by slice straight from the columns to Arrow (points as WKB built
in numpy, GeoParquet ``geo`` metadata written once), so a million rows never become a million
Python lists or shapely points; geopandas and the app's loader read it as they read a file
geopandas wrote.

Several processes share the folder (gunicorn workers, the CLI): the check "is this content
already imported?" and the rename into place, and the check "is it still there?" and the rename
out of place, each happen under one file lock (``datasets/.lock``), so the same bytes imported
twice at once make one dataset and a dataset deleted twice at once is deleted once.
"""

from __future__ import annotations

import functools
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

# How each non-text column is stored (every other column of ALL_COLUMNS is text).
LIST_COLUMNS = ("actors", "actor_groups")  # list<string> on disk, tuples in memory
DATE_COLUMNS = ("event_date", "date_end")  # timestamp[ms] on disk, datetime.date in memory
FLOAT_COLUMNS = ("latitude", "longitude", "fatalities", "quantity_kg", "fatalities_low", "fatalities_high")
BOOL_COLUMNS = ("synthetic", "geocoded")
GEOMETRY_COLUMN = "geometry"  # GeoParquet's primary column: the point of latitude/longitude
WRITE_SLICE_ROWS = 100_000  # rows turned into Arrow per row group: the write holds one slice, not the table
# Parquet's default (1 MB) gives up on a column's dictionary at a few thousand summaries a row group,
# and the loader then hashes every row's text again; 16 MB keeps repeated text as codes on disk.
DICTIONARY_PAGE_BYTES = 16 * 1024 * 1024
CRS_EPSG = 4326
# One WKB point: byte order (1 = little endian), geometry type (1 = Point), x, y; 21 bytes, unpadded.
WKB_POINT = np.dtype([("byte_order", "u1"), ("geometry_type", "<u4"), ("x", "<f8"), ("y", "<f8")])


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


def list_codes(lists) -> tuple[np.ndarray, np.ndarray]:
    """Arrow list<string> column → a code per row into an object array of its distinct tuples.

    No Python object per row: each list's names become codes (read as a dictionary, or encoded
    here), and a list's codes are packed into one integer when they fit in 62 bits, as actor
    lists do, so the lists are told apart as integers. A null list reads as (), a null name as ''.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lengths, names, dictionary = _list_names(lists)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    bits = max(len(dictionary).bit_length(), 1)  # a name is its code + 1; 0 is "no name"
    longest = int(lengths.max()) if len(lengths) else 0
    if longest * bits <= 62:
        position = np.arange(len(names)) - np.repeat(starts, lengths)
        packed = np.concatenate([[0], np.cumsum(((names + 1) << (bits * position)).astype(np.uint64))])
        keys = packed[ends] - packed[starts]  # a row's sum (wraps modulo 2**64, exact per row)
    else:  # too many names or too long a list to pack: join each list's names into one string
        offsets = pa.array(np.concatenate([[0], ends]), type=pa.int64())
        joined = pa.LargeListArray.from_arrays(offsets, pa.array(dictionary, type=pa.string()).take(names))
        keys = pc.binary_join(joined, "\x1f").to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(keys)
    first_row = np.empty(len(uniques), dtype=np.int64)
    first_row[codes[::-1]] = np.arange(len(codes))[::-1]
    distinct = np.empty(len(uniques), dtype=object)
    distinct[:] = [tuple(dictionary[i] for i in names[starts[row]:ends[row]]) for row in first_row]
    return codes, distinct


def _list_names(lists) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(each list's length, every name as a code, the distinct names) of an Arrow list column,
    chunk by chunk (no joined copy of the text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    index: dict[str, int] = {}
    lengths, names = [], []
    for chunk in lists.chunks if isinstance(lists, pa.ChunkedArray) else [lists]:
        if pa.types.is_null(chunk.type.value_type):  # a column of only empty lists is stored as list<null>
            chunk = chunk.cast(pa.list_(pa.string()))
        lengths.append(pc.fill_null(pc.list_value_length(chunk), 0).to_numpy().astype(np.int64))
        flat = chunk.flatten()  # skips null lists
        if not pa.types.is_dictionary(flat.type):
            flat = pc.dictionary_encode(flat)
        words = flat.dictionary.to_pylist() + [""]  # the last: a null name
        to_name = np.array([index.setdefault(word, len(index)) for word in words], dtype=np.int64)
        names.append(to_name[pc.fill_null(flat.indices, len(words) - 1).to_numpy()])
    if not lengths:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), []
    return np.concatenate(lengths), np.concatenate(names), list(index)


def shared_tuples(lists) -> np.ndarray:
    """Arrow list<string> column → object array of tuples, one tuple object per distinct list.

    Events repeat the same few actor lists: sharing them keeps a million rows to a few MB.
    """
    codes, distinct = list_codes(lists)
    return distinct[codes]


def date_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Arrow timestamp/date column → a code per row (-1 when missing) into its distinct ``datetime.date``."""
    import pyarrow as pa

    values = values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])
    days = values.cast(pa.timestamp("ms")).to_numpy().astype("datetime64[D]")
    codes, uniques = pd.factorize(days)  # NaT → -1
    return codes, np.asarray(uniques, dtype="datetime64[D]").astype(object)


def shared_dates(values) -> np.ndarray:
    """Arrow timestamp/date column → object array of ``datetime.date`` (None when missing),
    one object per distinct day."""
    codes, distinct = date_codes(values)
    return np.append(distinct, None)[codes]


def coded(codes: np.ndarray, distinct: np.ndarray) -> pd.Categorical:
    """Codes into distinct values (tuples, dates) as a categorical, values kept as they are."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(distinct, dtype=object, tupleize_cols=False))


def concat_events(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Event tables one after another; a column categorical in any of them stays categorical.

    ``pd.concat`` turns categoricals with other categories into a value per row; here their
    categories are united and the codes renumbered, so the store takes them as they are.
    """
    if len(frames) == 1:
        return frames[0]
    columns = {}
    for name in frames[0].columns:
        parts = [frame[name] for frame in frames]
        if any(isinstance(part.dtype, pd.CategoricalDtype) for part in parts):
            columns[name] = pd.Series(_united_categorical(parts), name=name)
        else:
            columns[name] = pd.concat(parts, ignore_index=True)
    return pd.concat(columns.values(), axis=1)  # not pd.DataFrame: it would copy columns into blocks


def _united_categorical(parts: list[pd.Series]) -> pd.Categorical:
    from .store.codes import small_codes

    codes, distinct = [], []
    for part in parts:
        if isinstance(part.dtype, pd.CategoricalDtype):
            codes.append(part.cat.codes.to_numpy())
            distinct.append(part.cat.categories.to_numpy(dtype=object))
        else:  # a small table (the bundled events): its values coded here
            part_codes, part_distinct = pd.factorize(part.to_numpy(dtype=object))
            codes.append(part_codes)
            distinct.append(np.asarray(part_distinct, dtype=object))
    # The largest part's values first: its codes stay as they are, only the others are renumbered.
    largest = max(range(len(parts)), key=lambda i: len(codes[i]))
    order = [largest] + [i for i in range(len(parts)) if i != largest]
    renumbered, united = pd.factorize(np.concatenate([distinct[i] for i in order]))
    start = dict(zip(order, np.cumsum([0] + [len(distinct[i]) for i in order[:-1]])))
    renumber = np.append(renumbered, -1)  # the last entry: missing stays missing
    joined = np.concatenate([small_codes(c if i == largest else renumber[np.where(c < 0, len(renumbered), c + start[i])],
                                         len(united)) for i, c in enumerate(codes)])
    categories = pd.Index(np.asarray(united, dtype=object), tupleize_cols=False)  # all text: str
    return pd.Categorical.from_codes(joined, categories=categories, validate=False)  # codes made here


def with_import_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the import-only columns with their defaults where a table lacks them."""
    frame = frame.copy(deep=False)  # copy on write: the caller's table never changes
    for column, default in IMPORT_COLUMN_DEFAULTS.items():
        if column not in frame.columns:
            frame[column] = [default] * len(frame)
    return frame[list(ALL_COLUMNS)]


def point_wkb(longitude: np.ndarray, latitude: np.ndarray):
    """Arrow binary array of 2D WKB points, built in numpy (no geometry objects).

    A missing coordinate gives NaN in the point, as shapely writes ``POINT (NaN NaN)``.
    """
    import pyarrow as pa

    count = len(longitude)
    points = np.empty(count, dtype=WKB_POINT)
    points["byte_order"] = 1
    points["geometry_type"] = 1
    points["x"] = longitude
    points["y"] = latitude
    # int32 offsets: callers pass one slice (WRITE_SLICE_ROWS), far under 2 GB of points
    offsets = np.arange(0, (count + 1) * WKB_POINT.itemsize, WKB_POINT.itemsize, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), count, [None, pa.py_buffer(offsets),
                                                      pa.py_buffer(points.view(np.uint8))])


@functools.cache
def _crs_projjson() -> dict:
    import pyproj  # geopandas' own CRS library; its PROJJSON is what geopandas reads back

    return pyproj.CRS.from_epsg(CRS_EPSG).to_json_dict()


def geoparquet_metadata(longitude: np.ndarray, latitude: np.ndarray) -> dict:
    """GeoParquet 1.1 ``geo`` metadata for points in EPSG:4326, with the bounding box of them all."""
    column: dict[str, object] = {"encoding": "WKB", "crs": _crs_projjson(), "geometry_types": ["Point"]}
    placed = np.isfinite(longitude) & np.isfinite(latitude)
    if placed.any():  # no bbox rather than NaN (not JSON) when no row has a place
        x, y = longitude[placed], latitude[placed]
        column["bbox"] = [float(x.min()), float(y.min()), float(x.max()), float(y.max())]
    return {"primary_column": GEOMETRY_COLUMN, "columns": {GEOMETRY_COLUMN: column}, "version": "1.1.0",
            "creator": {"library": "rutas"}}


def stored_schema(geo: dict):
    """The Arrow schema of an events file: ALL_COLUMNS in order, then the WKB geometry."""
    import pyarrow as pa

    def kind(name: str):
        if name in LIST_COLUMNS:
            return pa.list_(pa.string())
        if name in DATE_COLUMNS:
            return pa.timestamp("ms")
        if name in FLOAT_COLUMNS:
            return pa.float64()
        if name in BOOL_COLUMNS:
            return pa.bool_()
        return pa.large_string()  # pandas' str columns are large_string in Arrow

    # the geoarrow extension name lets Arrow-native readers see points without reading ``geo``
    geometry = pa.field(GEOMETRY_COLUMN, pa.binary(), metadata={
        "ARROW:extension:name": "geoarrow.wkb",
        "ARROW:extension:metadata": json.dumps({"crs": geo["columns"][GEOMETRY_COLUMN]["crs"]})})
    return pa.schema([pa.field(name, kind(name)) for name in ALL_COLUMNS] + [geometry],
                     metadata={"geo": json.dumps(geo)})


def _distinct_lists(values: np.ndarray) -> tuple[np.ndarray, object]:
    """Codes into an Arrow list<string> array of the distinct lists of an object column.

    The readers share one tuple per distinct actor list, so a million rows hold a few lists:
    factorised by value, only those few are converted.
    """
    import pyarrow as pa

    try:
        codes, distinct = pd.factorize(values, use_na_sentinel=False)
    except TypeError:  # lists or arrays (unhashable) from a caller that did not make tuples
        as_tuples = np.empty(len(values), dtype=object)
        as_tuples[:] = [() if v is None else tuple(v) for v in values]
        codes, distinct = pd.factorize(as_tuples, use_na_sentinel=False)
    return codes, pa.array([() if v is None else v for v in distinct], type=pa.list_(pa.string()))


def _write_events(path: Path, events: pd.DataFrame) -> None:
    """Write canonical events as GeoParquet, WRITE_SLICE_ROWS rows per row group."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    count = len(events)

    def column(name: str, rows: slice = slice(None)) -> pd.Series | list:
        if name in events.columns:
            return events[name].iloc[rows]
        return [IMPORT_COLUMN_DEFAULTS[name]] * len(range(count)[rows])  # an import-only column absent

    longitude = events["longitude"].to_numpy(dtype=np.float64)
    latitude = events["latitude"].to_numpy(dtype=np.float64)
    schema = stored_schema(geoparquet_metadata(longitude, latitude))
    lists = {name: _distinct_lists(np.asarray(column(name), dtype=object)) for name in LIST_COLUMNS}
    dates = {name: np.asarray(pd.to_datetime(pd.Series(column(name))), dtype="datetime64[ms]")
             for name in DATE_COLUMNS}
    with pq.ParquetWriter(path, schema, compression="snappy", dictionary_pagesize_limit=DICTIONARY_PAGE_BYTES) as writer:
        for start in range(0, max(count, 1), WRITE_SLICE_ROWS):
            rows = slice(start, start + WRITE_SLICE_ROWS)
            arrays = []
            for field in schema:
                if field.name == GEOMETRY_COLUMN:
                    arrays.append(point_wkb(longitude[rows], latitude[rows]))
                elif field.name in lists:
                    codes, distinct = lists[field.name]
                    arrays.append(distinct.take(codes[rows]))
                elif field.name in dates:
                    arrays.append(pa.array(dates[field.name][rows], type=field.type))
                else:  # NaN and None become nulls, as pandas' own to_parquet writes them
                    arrays.append(pa.array(column(field.name, rows), type=field.type, from_pandas=True))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))


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
        if not isinstance(dataset_id, str) or not DATASET_ID.match(dataset_id):
            raise DatasetNotFound(str(dataset_id))
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
        """A dataset's events: text as text, lists as tuples, dates as ``datetime.date`` (None if missing)."""
        return self._read_events(dataset_id, as_codes=False)

    def _read_events(self, dataset_id: str, *, as_codes: bool) -> pd.DataFrame:
        """Read an events file; ``as_codes``: every column but the numbers, flags and ids as a
        categorical (what the store keeps: nothing is hashed twice, no object per row)."""
        path = self.folder(dataset_id) / EVENTS_FILE
        if not path.is_file():
            raise DatasetNotFound(dataset_id)
        import pyarrow as pa
        import pyarrow.parquet as pq

        from .store.codes import CATEGORICAL_MAX_SHARE, IDENTIFIER_COLUMNS

        # The GeoParquet geometry repeats latitude/longitude: not read (a million shapely points
        # would cost seconds and hundreds of MB).
        columns = [name for name in pq.read_schema(path).names if name != GEOMETRY_COLUMN]
        text = [name for name in columns if name not in LIST_COLUMNS + DATE_COLUMNS + FLOAT_COLUMNS + BOOL_COLUMNS
                and name not in IDENTIFIER_COLUMNS]
        # Few distinct values a column: read as Arrow dictionaries, they arrive as categoricals.
        names = [f"{name}.list.element" for name in LIST_COLUMNS]  # actor names: codes, never a row's text
        table = pq.read_table(path, columns=columns, read_dictionary=names + (text if as_codes else []))
        if as_codes:  # a column of nearly a value a row stays text, as the store would keep it
            table = table.unify_dictionaries()
            for name in text:
                column = table.column(name)
                if column.num_chunks and len(column.chunk(0).dictionary) > CATEGORICAL_MAX_SHARE * len(table):
                    table = table.set_column(table.schema.get_field_index(name), name, column.cast(pa.large_string()))
        lists = {column: list_codes(table.column(column)) for column in LIST_COLUMNS}
        dates = {column: date_codes(table.column(column)) for column in DATE_COLUMNS
                 if column in columns}  # date_end: files written before it existed lack it
        rest = table.drop_columns([c for c in LIST_COLUMNS + DATE_COLUMNS if c in columns])
        del table
        # Each Arrow column given back as it is converted: the whole table and the whole frame
        # at once made a loading peak of about twice the store's resident size.
        frame = rest.to_pandas(split_blocks=True, self_destruct=True)
        del rest
        for column, (codes, distinct) in lists.items():
            frame[column] = coded(codes, distinct) if as_codes else distinct[codes]
        for column, (codes, distinct) in dates.items():
            frame[column] = coded(codes, distinct) if as_codes else np.append(distinct, None)[codes]
        return with_import_columns(frame)

    def load_all(self, *, as_codes: bool = False) -> pd.DataFrame:
        """Every dataset's events, one after another.

        ``as_codes``: coded for the store (see :meth:`_read_events`); join the result to other
        tables with :func:`concat_events`, which keeps the codes (``pd.concat`` would spell every
        row's value out again, a slower start and a higher peak than reading plain values).
        """
        frames = []
        for meta in self.list():
            try:
                frames.append(self._read_events(meta.dataset_id, as_codes=as_codes))
            except (DatasetNotFound, OSError, ValueError):
                continue
        if not frames:
            return pd.DataFrame(columns=list(ALL_COLUMNS))
        return concat_events(frames)

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
        return self.save(generated_outcome(events, name=name, file_name=file_name))

    def _write(self, folder: Path, events: pd.DataFrame, meta: DatasetMeta) -> None:
        events_path = folder / EVENTS_FILE
        _write_events(events_path, events)
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


def generated_outcome(events: pd.DataFrame, *, name: str, file_name: str) -> ImportOutcome:
    """Generated events (bench, synth) as an import's outcome, so any repository saves them.

    The content hash covers ids, places, kg and dates: another seed is another dataset.
    """
    content = hashlib.sha256()
    content.update("\n".join(map(str, events["event_id"])).encode())
    for column in ("latitude", "longitude", "quantity_kg"):
        content.update(np.ascontiguousarray(events[column].to_numpy(dtype=np.float64)).tobytes())
    content.update("\n".join(map(str, events["event_date"])).encode())
    sha256 = content.hexdigest()
    dataset_id = dataset_id_for(name, sha256)
    report = ImportReport(file_name=file_name, format="generated", dataset_id=dataset_id, name=name,
                          read=len(events), accepted=len(events))
    return ImportOutcome(events.assign(dataset=dataset_id), report, name, file_name, sha256,
                         datetime.now(UTC).isoformat(timespec="seconds"))


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
