"""EventStore: the query engine every view goes through.

Everything above the store speaks only :class:`FilterSpec` and numpy columns, so another engine
(PostGIS, DuckDB) can replace :class:`InMemoryEventStore` without touching figures or callbacks.
Filtering uses boolean masks and allow-listed fields only: no query strings are ever built from
user input.

Scale: construction is vectorised (no per-row Python), value filters compare small integer
codes through lookup tables, text columns with few distinct values are held as categoricals,
and every result is memoised in a :class:`~dashboard.data.cache.ResultCache` under
``(version, operation, spec, arguments)``, so one filter change costs one mask and a few
``bincount``\\ s, and repeated or shared views cost a dictionary lookup.
"""

from __future__ import annotations

import math
import threading
import unicodedata
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .cache import LruResultCache, ResultCache
from .duplicates import duplicate_pairs
from .filters import FilterSpec
from .schema import EVENT_COLUMNS, PRECISE_GEO, DatePrecision, EventType, GeoPrecision

EVENT_TYPES: tuple[str, ...] = tuple(EventType)
GEO_PRECISIONS: tuple[str, ...] = tuple(GeoPrecision)
BREAKDOWN_FIELDS = ("event_type", "actor_group", "country")
SORTABLE_COLUMNS = frozenset(EVENT_COLUMNS)
TIME_UNITS = ("day", "week", "month", "year")
# Cell sizes the map's grid aggregate snaps to, so nearby zooms share cached bins.
CELL_SIZES: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
CELL_TARGET_PX = 28.0  # geometric middle of the 20–40 px a cell should cover on screen
MAP_TILE_PX = 512  # MapLibre's world is 512 px wide at zoom 0
MAX_ZOOM = 24.0  # MapLibre's deepest zoom
# Text columns with at most this share of distinct values are held as categoricals.
CATEGORICAL_MAX_SHARE = 0.5
MASK_CACHE_BYTES = 64 * 1024 * 1024
LAZY_INDEXES = 8  # per-cell-size grids and per-column sort orders kept at once
# Search text, in the order it was always joined: a query spanning two parts still matches.
SEARCH_COLUMNS = ("location", "admin1", "admin2", "summary")


@dataclass(frozen=True)
class Totals:
    """Headline numbers for a filter."""

    events: int
    fatalities: int
    kg_seized: float
    sources: int
    synthetic: int = 0  # matching events that are generated, not reported


@dataclass(frozen=True)
class PointColumns:
    """Columns for drawing points; ``row`` indexes back into the store."""

    row: np.ndarray  # int32
    latitude: np.ndarray  # float32
    longitude: np.ndarray  # float32
    type_code: np.ndarray  # int8 index into EVENT_TYPES
    precise: np.ndarray  # bool: exact/town
    geo_precision_code: np.ndarray  # int8 index into GEO_PRECISIONS
    quantity_kg: np.ndarray  # float32, NaN when unknown
    fatalities: np.ndarray  # float32, NaN when unknown
    total: int  # matching events before the limit

    @property
    def truncated(self) -> bool:
        return self.total > len(self.row)


@dataclass(frozen=True)
class Histogram:
    """Event counts per time bin, split into categories (rows) x bins (columns)."""

    unit: str  # "day" | "week" (ISO, from Monday) | "month" | "year"
    bin_starts: np.ndarray  # datetime64[D]
    categories: tuple[str, ...]
    counts: np.ndarray  # int64, shape (len(categories), len(bin_starts))


@dataclass(frozen=True)
class Breakdown:
    """Event counts per category, largest first."""

    field: str
    labels: tuple[str, ...]
    counts: np.ndarray


@dataclass(frozen=True)
class GridBins:
    """Events aggregated into square grid cells of ``cell_deg`` degrees (non-empty cells only)."""

    cell_deg: float
    latitude: np.ndarray  # cell centres
    longitude: np.ndarray
    counts: np.ndarray  # int64, sums to ``total``
    total: int = 0  # matching events (all of them are in some cell)
    type_code: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))  # commonest type


class EventStore(Protocol):
    """What the dashboard needs from a store of events."""

    size: int

    def count(self, spec: FilterSpec) -> int: ...

    def totals(self, spec: FilterSpec) -> Totals: ...

    def points(self, spec: FilterSpec, limit: int) -> PointColumns: ...

    def bins(self, spec: FilterSpec, cell_deg: float) -> GridBins: ...

    def histogram(self, spec: FilterSpec, unit: str = "auto",
                  split_by: str = "event_type") -> Histogram: ...

    def breakdown(self, spec: FilterSpec, field: str, top: int = 12) -> Breakdown: ...

    def rows(self, spec: FilterSpec, columns: tuple[str, ...], *,
             order_by: str = "event_date", descending: bool = True,
             offset: int = 0, limit: int | None = None) -> dict[str, np.ndarray]: ...

    def take(self, rows: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]: ...

    def event(self, event_id: str) -> dict[str, object] | None: ...

    def event_id_at(self, row: int) -> str | None: ...

    def distinct(self, column: str) -> list[str]: ...

    def date_extent(self) -> tuple[np.datetime64, np.datetime64] | None: ...

    def duplicates_in(self, dataset_id: str) -> int: ...


def fold_text(text: str) -> str:
    """Lower-case and strip accents, so 'apurimac' finds 'Apurímac'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_strings(values: pa.Array) -> pa.Array:
    """:func:`fold_text` over an arrow string array (ASCII strings in C, the rest in Python)."""
    values = pc.fill_null(values, "")
    if len(values) == 0:
        return values
    ascii_only = pc.string_is_ascii(values).to_numpy(zero_copy_only=False)
    folded = pc.ascii_lower(values)  # casefold of ASCII is lower(); NFKD leaves ASCII alone
    others = np.flatnonzero(~ascii_only)
    if others.size:
        replacements = pa.array([fold_text(s) for s in values.take(others).to_pylist()], type=values.type)
        folded = pc.replace_with_mask(folded, pa.array(~ascii_only), replacements)
    return folded


def cell_size_for_zoom(zoom: float) -> float:
    """Grid cell size (degrees, one of :data:`CELL_SIZES`) about 20–40 px wide at a MapLibre zoom.

    Parameters
    ----------
    zoom
        MapLibre zoom level (a 512-px world at zoom 0).
    """
    zoom = min(MAX_ZOOM, max(0.0, float(zoom))) if math.isfinite(float(zoom)) else 0.0
    degrees_per_px = 360.0 / (MAP_TILE_PX * 2.0 ** zoom)
    ideal = CELL_TARGET_PX * degrees_per_px
    return min(CELL_SIZES, key=lambda size: (abs(math.log(size / ideal)), size))


def time_unit_for_span(days: int) -> str:
    """Histogram unit for a date range of ``days``: day ≤ 92, week ≤ 2 years, month ≤ 6, else year."""
    if days <= 92:
        return "day"
    if days <= 2 * 366:
        return "week"
    if days <= 6 * 366:
        return "month"
    return "year"


def choose_time_unit(starts: np.ndarray, spec: FilterSpec) -> str:
    """Time unit for a histogram: from the filter's date range, or the events' where it is open."""
    first = np.datetime64(spec.date_from, "D") if spec.date_from else (starts.min() if starts.size else None)
    last = np.datetime64(spec.date_to, "D") if spec.date_to else (starts.max() if starts.size else None)
    if first is None or last is None:
        return "month"
    return time_unit_for_span(int((last - first).astype(np.int64)))


def _period_end_flags(start: np.ndarray, is_month: np.ndarray, is_year: np.ndarray) -> np.ndarray:
    end = start.copy()
    if is_month.any():
        months = start[is_month].astype("datetime64[M]")
        end[is_month] = (months + 1).astype("datetime64[D]") - 1
    if is_year.any():
        years = start[is_year].astype("datetime64[Y]")
        end[is_year] = (years + 1).astype("datetime64[D]") - 1
    return end


# ---- column helpers ---------------------------------------------------------------------------
def _is_text(series: pd.Series) -> bool:
    if isinstance(series.dtype, pd.StringDtype):
        return True
    if series.dtype != object:
        return False
    sample = series.dropna()
    return all(isinstance(v, str) for v in sample.iloc[:100]) and (
        sample.empty or isinstance(sample.iloc[-1], str))


def _strings(series: pd.Series) -> pa.Array:
    """A text column as one arrow string array, missing values as ''."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        values = pa.array(series.array)
    else:
        values = pa.array(series.astype(object).to_numpy(), type=pa.large_string(), from_pandas=True)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pc.fill_null(values, "")


def _small_codes(codes: np.ndarray, categories: int) -> np.ndarray:
    dtype = np.int8 if categories < 127 else np.int16 if categories < 32_000 else np.int32
    return codes.astype(dtype)


def _lookup(codes: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """``allowed[codes]`` where code -1 (missing) is never allowed."""
    return np.append(allowed, False)[codes]


def _dense_rank(labels: list[str]) -> np.ndarray:
    """Rank of each label in code-point order (equal labels share a rank)."""
    ordered = sorted(set(labels))
    position = {label: i for i, label in enumerate(ordered)}
    return np.array([position[label] for label in labels], dtype=np.float64)


def _label(value: object) -> str:
    if isinstance(value, tuple):
        return "; ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _read_only(value: object) -> object:
    """Freeze the numpy arrays of a result before it is shared through the cache."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            _read_only(getattr(value, item.name))
    return value


class _Codes:
    """A column as integer codes into its distinct values (-1 where missing)."""

    def __init__(self, codes: np.ndarray, uniques: np.ndarray) -> None:
        self.codes = codes
        self.uniques = uniques  # object array
        self.index = {value: i for i, value in enumerate(uniques.tolist())}

    @classmethod
    def of(cls, series: pd.Series) -> _Codes:
        if isinstance(series.dtype, pd.CategoricalDtype):
            categories = series.cat.categories
            return cls(series.cat.codes.to_numpy(), np.asarray(categories, dtype=object))
        codes, uniques = pd.factorize(series)
        return cls(_small_codes(codes, len(uniques)), np.asarray(uniques, dtype=object))

    def allowed(self, wanted: tuple[str, ...]) -> np.ndarray:
        table = np.zeros(len(self.uniques), dtype=bool)
        table[[self.index[w] for w in wanted if w in self.index]] = True
        return _lookup(self.codes, table)


class _SearchPart:
    """One part of the search text, folded, answering 'which rows contain this needle'.

    Few distinct values: codes plus the folded distinct values. Many: the raw arrow text, searched
    case-insensitively where it is ASCII, and a folded copy of only the non-ASCII rows.
    """

    def __init__(self, codes: np.ndarray | None = None, folded_uniques: pa.Array | None = None,
                 raw: pa.Array | None = None) -> None:
        self.codes = codes
        self.folded_uniques = folded_uniques
        self.raw = raw
        if raw is not None:
            ascii_only = pc.string_is_ascii(raw).to_numpy(zero_copy_only=False)
            self.other_rows = np.flatnonzero(~ascii_only)
            self.other_folded = fold_strings(raw.take(self.other_rows))

    @classmethod
    def of_codes(cls, codes: _Codes) -> _SearchPart:
        labels = pa.array([_label(v) for v in codes.uniques] + [""], type=pa.large_string())
        return cls(codes=np.where(codes.codes < 0, len(codes.uniques), codes.codes),
                   folded_uniques=fold_strings(labels))

    def contains(self, needle: str) -> np.ndarray:
        if self.codes is not None:
            hit = pc.match_substring(self.folded_uniques, needle).to_numpy(zero_copy_only=False)
            return hit[self.codes]
        hit = pc.match_substring(self.raw, needle, ignore_case=True).to_numpy(zero_copy_only=False).copy()
        if self.other_rows.size:
            hit[self.other_rows] = pc.match_substring(self.other_folded, needle).to_numpy(zero_copy_only=False)
        return hit

    def folded_at(self, rows: np.ndarray) -> pa.Array:
        if self.codes is not None:
            return self.folded_uniques.take(self.codes[rows])
        folded = pc.ascii_lower(self.raw.take(rows))
        position = np.searchsorted(self.other_rows, rows)
        inside = position < self.other_rows.size
        inside[inside] = self.other_rows[position[inside]] == rows[inside]
        if inside.any():
            folded = pc.replace_with_mask(folded, pa.array(inside), self.other_folded.take(position[inside]))
        return folded


def _intern(series: pd.Series) -> pd.Series:
    """Equal objects (tuples, dates) share one instance: 8 bytes a row instead of a new object."""
    if len(series) == 0:
        return series
    values = series.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    out = np.asarray(uniques, dtype=object)
    shared = np.empty(len(out) + 1, dtype=object)
    shared[:-1] = out
    result = shared[codes]
    missing = codes < 0
    result[missing] = values[missing]
    return pd.Series(result, index=series.index, name=series.name, dtype=object)


def _compact(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, _Codes]]:
    """Text with few distinct values → categorical; tuples and dates interned. Codes are kept."""
    columns: dict[str, pd.Series] = {}
    codes: dict[str, _Codes] = {}
    n = len(frame)
    for name in frame.columns:
        series = frame[name]
        if n and _is_text(series):
            column_codes = _Codes.of(series)
            if len(column_codes.uniques) <= CATEGORICAL_MAX_SHARE * n:
                categories = pd.Index(list(column_codes.uniques), dtype=series.dtype)
                series = pd.Series(pd.Categorical.from_codes(column_codes.codes, categories=categories),
                                   index=series.index, name=name)
                codes[name] = _Codes(series.cat.codes.to_numpy(), column_codes.uniques)
        elif n and series.dtype == object:
            series = _intern(series)
        columns[name] = series
    return pd.DataFrame(columns, index=frame.index), codes


def _days(series: pd.Series) -> np.ndarray:
    """A date column (dates, timestamps or text) as datetime64[D], NaT where missing."""
    if series.dtype == object and len(series):
        codes, uniques = pd.factorize(series)
        converted = pd.to_datetime(pd.Series(np.asarray(uniques, dtype=object))).to_numpy()
        converted = np.append(converted.astype("datetime64[D]"), np.datetime64("NaT", "D"))
        return converted[codes]
    return pd.to_datetime(series).to_numpy().astype("datetime64[D]")


class InMemoryEventStore:
    """Columnar in-memory store: numeric columns as numpy arrays, text kept off the hot path.

    Parameters
    ----------
    events
        Canonical event table (see :mod:`dashboard.data.schema`); the store keeps a compacted
        copy (categorical text, shared tuples), so the caller may drop its own.
    cache_size
        Most filter masks kept (filters repeat as views refresh together); fewer over very
        large tables, so masks never hold more than a few hundred megabytes.
    default_datasets
        What an empty dataset filter means; ``()`` means every dataset.
    cache
        Where results are memoised (one per process, or a shared one); a private LRU by default.
    version
        Names this data in cache keys. Stores over different data must never share a version;
        the default is unique to this instance.
    """

    def __init__(self, events: pd.DataFrame, cache_size: int = 64,
                 default_datasets: tuple[str, ...] = (), *, cache: ResultCache | None = None,
                 version: str = "") -> None:
        frame, self._codes = _compact(events.reset_index(drop=True))
        self._frame = frame
        self.size = n = len(frame)
        # The bundled facts, so a shared link keeps its meaning when someone imports data.
        self.default_datasets = tuple(default_datasets)
        self.version = version or uuid.uuid4().hex
        self._cache: ResultCache = cache if cache is not None else LruResultCache()
        self._lock = threading.Lock()
        self._masks: OrderedDict[FilterSpec, np.ndarray] = OrderedDict()
        self._mask_slots = max(4, min(cache_size, MASK_CACHE_BYTES // max(n, 1)))
        self._lazy: OrderedDict[Hashable, object] = OrderedDict()

        # Dates: each event covers [date_start, date_end] (its precision period, or a reported range).
        self.date_start = _days(frame["event_date"]) if n else np.array([], dtype="datetime64[D]")
        precision = self._text_codes("date_precision")
        self.date_end = _period_end_flags(
            self.date_start, precision.allowed((DatePrecision.MONTH,)), precision.allowed((DatePrecision.YEAR,)))
        if "date_end" in frame.columns and n:  # a reported range (UCDP date_end) reaches its last day
            reported_end = _days(frame["date_end"])
            self.date_end = np.where(np.isnat(reported_end), self.date_end,
                                     np.maximum(self.date_end, reported_end))
        self._day = self.date_start.view(np.int64)  # no copy
        self._month = self.date_start.astype("datetime64[M]").astype(np.int32)
        self._year = self.date_start.astype("datetime64[Y]").astype(np.int16)

        self.latitude = frame["latitude"].to_numpy(dtype=np.float64)
        self.longitude = frame["longitude"].to_numpy(dtype=np.float64)
        self.type_code = self._vocabulary_codes("event_type", EVENT_TYPES)
        self.geo_code = self._vocabulary_codes("geo_precision", GEO_PRECISIONS)
        self.precise = np.isin(self.geo_code, [GEO_PRECISIONS.index(g) for g in PRECISE_GEO])
        self.fatalities = frame["fatalities"].to_numpy(dtype=np.float64)
        self.quantity_kg = frame["quantity_kg"].to_numpy(dtype=np.float64)
        self.synthetic = frame["synthetic"].to_numpy(dtype=bool)
        self._fatalities0 = np.nan_to_num(self.fatalities)
        self._kg0 = np.nan_to_num(self.quantity_kg)
        # Thinning keeps the largest events, so big seizures and deadly attacks stay visible.
        self._weight = self._kg0 + 1000 * self._fatalities0
        self._value_codes = {field_name: self._text_codes(column) for field_name, column in (
            ("countries", "country"), ("routes", "route_id"), ("drugs", "drug"), ("datasets", "dataset"))}

        # Actor filter matches a group key or an exact actor name, case-insensitively: both are
        # held as codes of distinct tuples, with each name's tuples listed once.
        self._actors = self._tuple_codes("actors")
        self._groups = self._tuple_codes("actor_groups")
        self._actor_combos = self._combos_by_name(self._actors, str.casefold)
        self._group_combos = self._combos_by_name(self._groups, lambda name: name)
        pairs = [(combo, name) for combo, names in enumerate(self._groups.uniques) for name in names]
        self._group_labels = tuple(dict.fromkeys(name for _, name in pairs))
        self._group_pair_combo = np.array([c for c, _ in pairs], dtype=np.int64)
        self._group_pair_label = np.array([self._group_labels.index(g) for _, g in pairs], dtype=np.int64)
        # admin1 may list several regions ("Ayacucho;Cusco") and matches any of them.
        self._admin1 = self._text_codes("admin1")
        self._regions: dict[str, list[int]] = {}
        for code, admin1 in enumerate(self._admin1.uniques):
            for name in {r.strip().casefold() for r in str(admin1).split(";") if r.strip()}:
                self._regions.setdefault(name, []).append(code)
        self._search = [self._search_part(column) for column in SEARCH_COLUMNS]
        self._search.append(_SearchPart.of_codes(_Codes(self._actors.codes, np.array(
            [" ".join(a) for a in self._actors.uniques] or [], dtype=object))))
        self._source_code, self._source_count = self._source_codes()
        self._mark_duplicates()
        self._ids = _strings(frame["event_id"]) if n else pa.array([], type=pa.large_string())
        self._id_order = pc.sort_indices(self._ids).to_numpy().astype(np.int64)

    # ---- construction helpers --------------------------------------------------------------
    def _text_codes(self, column: str) -> _Codes:
        if column in self._codes:
            return self._codes[column]
        if column not in self._frame.columns or not self.size:
            return _Codes(np.full(self.size, -1, dtype=np.int8), np.array([], dtype=object))
        codes = _Codes.of(self._frame[column].astype(object).fillna("") if self._frame[column].dtype == object
                          else self._frame[column])
        self._codes[column] = codes
        return codes

    def _vocabulary_codes(self, column: str, vocabulary: tuple[str, ...]) -> np.ndarray:
        codes = self._text_codes(column)
        unknown = [v for v in codes.uniques if v not in vocabulary]
        if unknown:
            raise ValueError(f"{column}: unknown value(s) {unknown[:5]}")
        table = np.array([vocabulary.index(v) for v in codes.uniques] + [-1], dtype=np.int8)
        return table[codes.codes]

    def _tuple_codes(self, column: str) -> _Codes:
        if not self.size:
            return _Codes(np.zeros(0, dtype=np.int8), np.array([], dtype=object))
        codes, uniques = pd.factorize(self._frame[column].to_numpy(dtype=object))
        values = np.empty(len(uniques), dtype=object)
        values[:] = [tuple(v) if isinstance(v, (tuple, list)) else () for v in uniques]
        return _Codes(_small_codes(codes, len(uniques)), values)

    @staticmethod
    def _combos_by_name(codes: _Codes, key: Callable[[str], str]) -> dict[str, np.ndarray]:
        combos: dict[str, list[int]] = {}
        for combo, names in enumerate(codes.uniques):
            for name in {key(n) for n in names}:
                combos.setdefault(name, []).append(combo)
        return {name: np.array(found, dtype=np.int64) for name, found in combos.items()}

    def _search_part(self, column: str) -> _SearchPart:
        if column in self._codes or column not in self._frame.columns or not self.size:
            return _SearchPart.of_codes(self._text_codes(column))
        return _SearchPart(raw=_strings(self._frame[column]))

    def _source_codes(self) -> tuple[np.ndarray, int]:
        """A report is its link; imported rows often name a source without one (ACLED, UCDP)."""
        url, name = self._text_codes("source_url"), self._text_codes("source_name")
        labels = np.concatenate([url.uniques, name.uniques, np.array([""], dtype=object)])
        codes, uniques = pd.factorize(labels)
        empty = list(uniques).index("")
        codes = np.where(codes == empty, -1, codes)
        url_map, name_map = codes[:len(url.uniques)], codes[len(url.uniques):]
        has_url = _lookup(url.codes, np.asarray([u != "" for u in url.uniques], dtype=bool))
        source = np.where(has_url, url_map[np.maximum(url.codes, 0)] if len(url_map) else -1,
                          name_map[np.where(name.codes < 0, len(name.uniques), name.codes)])
        return source.astype(np.int32), len(uniques)

    def _mark_duplicates(self) -> None:
        """Fill ``duplicate_of`` (ids of likely duplicates in other datasets) for every row."""
        pairs = duplicate_pairs(self.latitude, self.longitude, self.date_start, self.date_end,
                                self.type_code, self._value_codes["datasets"].codes)
        if len(pairs):  # a generated row never "duplicates" a real report (nor the reverse)
            pairs = pairs[self.synthetic[pairs[:, 0]] == self.synthetic[pairs[:, 1]]]
        column = np.empty(self.size, dtype=object)
        column.fill(())
        self.has_duplicate = np.zeros(self.size, dtype=bool)
        if len(pairs):
            both = np.concatenate([pairs, pairs[:, ::-1]])
            both = both[np.lexsort((both[:, 1], both[:, 0]))]
            rows, starts = np.unique(both[:, 0], return_index=True)
            ids = self._frame["event_id"].take(both[:, 1]).to_numpy(dtype=object)
            for row, group in zip(rows, np.split(ids, starts[1:])):
                column[row] = tuple(group)
            self.has_duplicate[rows] = True
        self._frame["duplicate_of"] = column
        self.duplicate_count = int(len(pairs))

    @property
    def frame(self) -> pd.DataFrame:
        """The whole event table (read it, never change it: masks are cached against it).

        Text with few distinct values is categorical; compare and count it as usual.
        """
        return self._frame

    # ---- caching ---------------------------------------------------------------------------
    def _memo(self, operation: str, spec: FilterSpec, args: tuple, compute: Callable[[], object]) -> object:
        key = (self.version, operation, spec, args)
        found = self._cache.get(key)
        if found is not None:
            return found
        value = _read_only(compute())
        self._cache.set(key, value)
        return value

    def _lazy_index(self, key: Hashable, build: Callable[[], object]) -> object:
        """Structural indexes built on first use (per cell size, per sort column), a few kept."""
        with self._lock:
            found = self._lazy.get(key)
            if found is not None:
                self._lazy.move_to_end(key)
                return found
        value = build()
        with self._lock:
            self._lazy[key] = value
            while len(self._lazy) > LAZY_INDEXES:
                self._lazy.popitem(last=False)
        return value

    # ---- filtering -------------------------------------------------------------------------
    def mask(self, spec: FilterSpec) -> np.ndarray:
        """Boolean mask of the events matching ``spec`` (memoised per spec, read-only)."""
        with self._lock:
            cached = self._masks.get(spec)
            if cached is not None:
                self._masks.move_to_end(spec)
                return cached
        if spec.bbox is not None:
            # Map views and boxes change on every pan: narrow the cached mask of the rest of the
            # filter (text search, lasso) instead of evaluating it again.
            mask = self.mask(replace(spec, bbox=None)) & self.in_box(spec.bbox)
        else:
            mask = self._compute_mask(spec)
        mask.setflags(write=False)
        with self._lock:
            self._masks[spec] = mask
            while len(self._masks) > self._mask_slots:
                self._masks.popitem(last=False)
        return mask

    def in_box(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Rows inside (west, south, east, north), edges included; west > east matches nothing."""
        west, south, east, north = box
        return ((self.longitude >= west) & (self.longitude <= east)
                & (self.latitude >= south) & (self.latitude <= north))

    def _compute_mask(self, spec: FilterSpec) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        if spec.date_from is not None:
            mask &= self.date_end >= np.datetime64(spec.date_from, "D")
        if spec.date_to is not None:
            mask &= self.date_start <= np.datetime64(spec.date_to, "D")
        if spec.event_types:
            table = np.array([t in spec.event_types for t in EVENT_TYPES], dtype=bool)
            mask &= table[self.type_code]
        for field_name, codes in self._value_codes.items():
            wanted = getattr(spec, field_name)
            if field_name == "datasets" and not wanted:
                wanted = self.default_datasets
            if wanted:
                mask &= codes.allowed(wanted)
        if spec.actors:
            actors = np.zeros(len(self._actors.uniques), dtype=bool)
            groups = np.zeros(len(self._groups.uniques), dtype=bool)
            for name in spec.actors:
                actors[self._actor_combos.get(name.casefold(), [])] = True
                groups[self._group_combos.get(name.casefold(), [])] = True
            mask &= _lookup(self._actors.codes, actors) | _lookup(self._groups.codes, groups)
        if spec.regions:
            regions = np.zeros(len(self._admin1.uniques), dtype=bool)
            for name in spec.regions:
                regions[self._regions.get(name.casefold(), [])] = True
            mask &= _lookup(self._admin1.codes, regions)
        if spec.kg_min is not None:
            mask &= self.quantity_kg >= spec.kg_min  # NaN compares False: unknown kg drops out
        if spec.kg_max is not None:
            mask &= self.quantity_kg <= spec.kg_max
        if spec.polygon is not None:
            mask &= points_in_polygon(self.longitude, self.latitude, spec.polygon)
        if spec.text:
            mask &= self._text_matches(fold_text(spec.text), mask)
        return mask

    def _text_matches(self, needle: str, within: np.ndarray) -> np.ndarray:
        """Rows whose folded search text contains ``needle`` (parts joined by spaces)."""
        if " " not in needle:  # a match cannot span two parts without containing their space
            hit = np.zeros(self.size, dtype=bool)
            for part in self._search:
                hit |= part.contains(needle)
            return hit
        candidates = within.copy()
        for token in (t for t in needle.split(" ") if t):
            found = np.zeros(self.size, dtype=bool)
            for part in self._search:
                found |= part.contains(token)
            candidates &= found
        rows = np.flatnonzero(candidates)
        hit = np.zeros(self.size, dtype=bool)
        if rows.size:
            joined = pc.binary_join_element_wise(
                *(part.folded_at(rows) for part in self._search), pa.scalar(" ", pa.large_string()))
            hit[rows[pc.match_substring(joined, needle).to_numpy(zero_copy_only=False)]] = True
        return hit

    # ---- queries ---------------------------------------------------------------------------
    def count(self, spec: FilterSpec) -> int:
        return int(np.count_nonzero(self.mask(spec)))

    def totals(self, spec: FilterSpec) -> Totals:
        return self._memo("totals", spec, (), lambda: self._totals(spec))

    def _totals(self, spec: FilterSpec) -> Totals:
        mask = self.mask(spec)
        seen = np.zeros(self._source_count + 1, dtype=bool)
        # Generated rows name the generator, not a published report: they count as no source.
        seen[self._source_code[mask & ~self.synthetic]] = True
        seen[-1] = False  # code -1: no source named
        return Totals(
            events=int(np.count_nonzero(mask)),
            fatalities=int(self._fatalities0[mask].sum()),
            kg_seized=float(self._kg0[mask].sum()),
            sources=int(np.count_nonzero(seen)),
            synthetic=int(np.count_nonzero(self.synthetic[mask])),
        )

    def points(self, spec: FilterSpec, limit: int) -> PointColumns:
        return self._memo("points", spec, (int(limit),), lambda: self._points(spec, int(limit)))

    def _points(self, spec: FilterSpec, limit: int) -> PointColumns:
        rows = np.flatnonzero(self.mask(spec))
        total = len(rows)
        if total > limit:
            # The `limit` heaviest rows, ties to the earliest row (as a stable sort would pick).
            weight = self._weight[rows]
            if limit <= 0:
                rows = rows[:0]
            else:
                threshold = np.partition(weight, total - limit)[total - limit]
                keep = weight > threshold
                ties = np.flatnonzero(weight == threshold)[:limit - int(np.count_nonzero(keep))]
                keep[ties] = True
                rows = rows[keep]
        return PointColumns(
            row=rows.astype(np.int32),
            latitude=self.latitude[rows].astype(np.float32),
            longitude=self.longitude[rows].astype(np.float32),
            type_code=self.type_code[rows],
            precise=self.precise[rows],
            geo_precision_code=self.geo_code[rows],
            quantity_kg=self.quantity_kg[rows].astype(np.float32),
            fatalities=self.fatalities[rows].astype(np.float32),
            total=total,
        )

    def bins(self, spec: FilterSpec, cell_deg: float) -> GridBins:
        cell_deg = float(cell_deg)
        if not cell_deg > 0:
            raise ValueError(f"cell size must be positive, not {cell_deg}")
        return self._memo("bins", spec, (cell_deg,), lambda: self._bins(spec, cell_deg))

    def _cells(self, cell_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each row's grid cell (dense code) and each cell's centre, built once per cell size."""
        def build() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            cell_x = np.floor(self.longitude / cell_deg).astype(np.int64)
            cell_y = np.floor(self.latitude / cell_deg).astype(np.int64)
            if not self.size:
                return np.zeros(0, dtype=np.int32), np.empty(0), np.empty(0)
            x0, y0 = cell_x.min(), cell_y.min()
            width = int(cell_x.max() - x0) + 1
            keys = (cell_y - y0) * width + (cell_x - x0)
            unique, code = np.unique(keys, return_inverse=True)
            centre_lat = (unique // width + y0 + 0.5) * cell_deg
            centre_lon = (unique % width + x0 + 0.5) * cell_deg
            return code.astype(np.int32), centre_lat, centre_lon

        return self._lazy_index(("cells", cell_deg), build)

    def _bins(self, spec: FilterSpec, cell_deg: float) -> GridBins:
        mask = self.mask(spec)
        code, centre_lat, centre_lon = self._cells(cell_deg)
        cells = code[mask]
        counts = np.bincount(cells, minlength=len(centre_lat))
        used = np.flatnonzero(counts)
        compact = np.zeros(len(centre_lat), dtype=np.int64)
        compact[used] = np.arange(len(used))
        by_type = np.bincount(compact[cells] * len(EVENT_TYPES) + self.type_code[mask],
                              minlength=len(used) * len(EVENT_TYPES)).reshape(len(used), len(EVENT_TYPES))
        return GridBins(
            cell_deg=cell_deg,
            latitude=centre_lat[used],
            longitude=centre_lon[used],
            counts=counts[used].astype(np.int64),
            total=int(len(cells)),
            type_code=by_type.argmax(axis=1).astype(np.int8),
        )

    def histogram(self, spec: FilterSpec, unit: str = "auto", split_by: str = "event_type") -> Histogram:
        if split_by != "event_type":
            raise ValueError(f"unsupported split: {split_by}")
        if unit != "auto" and unit not in TIME_UNITS:
            raise ValueError(f"unsupported time unit: {unit}")
        return self._memo("histogram", spec, (unit, split_by), lambda: self._histogram(spec, unit))

    def _histogram(self, spec: FilterSpec, unit: str) -> Histogram:
        mask = self.mask(spec)
        days = self._day[mask]
        if unit == "auto":
            unit = choose_time_unit(days.view("datetime64[D]"), spec)
        if unit == "day":
            index = days
        elif unit == "week":  # 1970-01-01 was a Thursday: weeks counted from Monday 1969-12-29
            index = (days + 3) // 7
        elif unit == "month":
            index = self._month[mask].astype(np.int64)
        else:
            index = self._year[mask].astype(np.int64)
        if index.size:
            first_bin, last_bin = int(index.min()), int(index.max())
        else:
            first_bin, last_bin = 0, -1
        bins = np.arange(first_bin, last_bin + 1, dtype=np.int64)
        if unit == "day":
            starts = bins.astype("datetime64[D]")
        elif unit == "week":
            starts = (bins * 7 - 3).astype("datetime64[D]")
        else:
            starts = bins.astype("datetime64[M]" if unit == "month" else "datetime64[Y]").astype("datetime64[D]")
        flat = self.type_code[mask].astype(np.int64) * len(bins) + (index - first_bin)
        counts = np.bincount(flat, minlength=len(EVENT_TYPES) * len(bins)).reshape(len(EVENT_TYPES), len(bins))
        return Histogram(unit=unit, bin_starts=starts, categories=EVENT_TYPES, counts=counts.astype(np.int64))

    def breakdown(self, spec: FilterSpec, field: str, top: int = 12) -> Breakdown:
        if field not in BREAKDOWN_FIELDS:
            raise ValueError(f"unsupported breakdown: {field}")
        return self._memo("breakdown", spec, (field, int(top)), lambda: self._breakdown(spec, field, int(top)))

    def _breakdown(self, spec: FilterSpec, field: str, top: int) -> Breakdown:
        mask = self.mask(spec)
        if field == "event_type":
            labels, counts = EVENT_TYPES, np.bincount(self.type_code[mask], minlength=len(EVENT_TYPES))
        elif field == "country":
            codes = self._value_codes["countries"]
            selected = codes.codes[mask]
            labels = tuple(str(v) for v in codes.uniques)
            counts = np.bincount(selected[selected >= 0], minlength=len(labels))
        else:
            selected = self._groups.codes[mask]
            per_combo = np.bincount(selected[selected >= 0], minlength=len(self._groups.uniques))
            labels = self._group_labels
            counts = np.bincount(self._group_pair_label, weights=per_combo[self._group_pair_combo],
                                 minlength=len(labels)).astype(np.int64)
        order = [i for i in np.argsort(-counts, kind="stable") if counts[i] > 0][:max(top, 0)]
        return Breakdown(field=field, labels=tuple(labels[i] for i in order),
                         counts=np.asarray(counts[order], dtype=np.int64))

    # ---- rows ------------------------------------------------------------------------------
    def rows(self, spec: FilterSpec, columns: tuple[str, ...], *,
             order_by: str = "event_date", descending: bool = True,
             offset: int = 0, limit: int | None = None) -> dict[str, np.ndarray]:
        """One page of matching rows, sorted; ties keep row order, missing values sort as largest."""
        if order_by not in SORTABLE_COLUMNS:
            raise ValueError(f"cannot sort by {order_by!r}")
        unknown = [c for c in columns if c not in self._frame.columns]
        if unknown:
            raise ValueError(f"unknown columns: {unknown}")
        order = self.row_order(spec, order_by, descending)
        start = max(int(offset), 0)
        end = None if limit is None else start + max(int(limit), 0)
        return self.take(order[start:end], columns)

    def row_order(self, spec: FilterSpec, order_by: str = "event_date", descending: bool = True) -> np.ndarray:
        """Row positions of the matching events in table order (memoised per spec and sort)."""
        if order_by not in SORTABLE_COLUMNS or order_by not in self._frame.columns:
            raise ValueError(f"cannot sort by {order_by!r}")
        return self._memo("row_order", spec, (order_by, bool(descending)),
                          lambda: self._row_order(spec, order_by, bool(descending)))

    def _row_order(self, spec: FilterSpec, order_by: str, descending: bool) -> np.ndarray:
        everything = self._global_order(order_by, descending)
        mask = self.mask(spec)
        return everything[mask[everything]]

    def _global_order(self, column: str, descending: bool) -> np.ndarray:
        def build() -> np.ndarray:
            key = self._sort_key(column)
            if descending:  # missing values count as the largest, as they always have: first
                key = np.where(np.isnan(key), -np.inf, -key)
            return np.argsort(key, kind="stable").astype(np.int32)

        return self._lazy_index(("order", column, descending), build)

    def _sort_key(self, column: str) -> np.ndarray:
        """A float key per row that sorts like the column (NaN where missing)."""
        if column == "event_date":
            return np.where(np.isnat(self.date_start), np.nan, self._day.astype(np.float64))
        series = self._frame[column]
        if column in ("actors", "actor_groups"):
            codes = self._actors if column == "actors" else self._groups
        elif column in self._codes:
            codes = self._codes[column]
        elif isinstance(series.dtype, pd.StringDtype):
            values = _strings(series)
            rank = pc.rank(values, sort_keys="ascending", tiebreaker="dense").to_numpy().astype(np.float64)
            return np.where(series.isna().to_numpy(), np.nan, rank)
        elif series.dtype != object:
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            codes = _Codes.of(series)
        rank = np.append(_dense_rank([_label(v) for v in codes.uniques]), np.nan)
        return rank[np.where(codes.codes < 0, len(codes.uniques), codes.codes)]

    def take(self, rows: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Columns for the given row positions (e.g. the hover text of drawn points)."""
        rows = np.asarray(rows, dtype=np.int64)
        return {column: self._frame[column].take(rows).to_numpy() for column in columns}

    def event(self, event_id: str) -> dict[str, object] | None:
        row = self._row_of(event_id)
        return None if row is None else self._frame.iloc[row].to_dict()

    def _row_of(self, event_id: str) -> int | None:
        """Binary search over the ids in sorted order (the last row when an id repeats)."""
        low, high = 0, len(self._id_order)
        while low < high:
            middle = (low + high) // 2
            if self._ids[int(self._id_order[middle])].as_py() <= event_id:
                low = middle + 1
            else:
                high = middle
        if low and self._ids[int(self._id_order[low - 1])].as_py() == event_id:
            return int(self._id_order[low - 1])
        return None

    def event_id_at(self, row: int) -> str | None:
        return str(self._frame["event_id"].iat[row]) if 0 <= row < self.size else None

    def duplicates_in(self, dataset_id: str) -> int:
        """Rows of a dataset that may report the same event as a row of another dataset."""
        return int(np.count_nonzero(self.has_duplicate & self._value_codes["datasets"].allowed((dataset_id,))))

    # ---- facets for the filter panel -------------------------------------------------------
    def distinct(self, column: str) -> list[str]:
        """Sorted distinct non-empty values of a text or list column."""
        if column == "actors":
            values = [v for combo in self._actors.uniques for v in combo]
        elif column == "actor_groups":
            values = [v for combo in self._groups.uniques for v in combo]
        elif column == "admin1":
            values = [r for a in self._admin1.uniques for r in str(a).split(";")]
        else:
            series = self._frame[column]
            values = [v for item in pd.unique(series.dropna()) for v in
                      (item if isinstance(item, tuple) else (item,))]
        return sorted({str(v).strip() for v in values if str(v).strip()})

    def date_extent(self) -> tuple[np.datetime64, np.datetime64] | None:
        return (self.date_start.min(), self.date_end.max()) if self.size else None


def points_in_polygon(x: np.ndarray, y: np.ndarray, ring: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Even-odd rule point-in-polygon, vectorised over the points (lasso selections)."""
    inside = np.zeros(x.shape, dtype=bool)
    vertices = np.asarray(ring, dtype=np.float64)
    x0, y0 = vertices[:, 0], vertices[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    for ax, ay, bx, by in zip(x0, y0, x1, y1):
        crosses = (ay > y) != (by > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (x < x_at)
    return inside
