"""InMemoryEventStore: the event table held in this process as numpy columns.

Filtering uses boolean masks and allow-listed fields only: no query strings are ever built from
user input. List filters come from the facet registry (:data:`~dashboard.data.facets.FACETS`):
a ``Match.VALUE`` facet compares the category codes of its column, so a new one needs no change
here.

Scale: construction is vectorised (no per-row Python), value filters compare small integer
codes through lookup tables, text columns with few distinct values are held as categoricals,
and every result is memoised in a :class:`~dashboard.data.cache.ResultCache` under
``(version, operation, spec, arguments)``, so one filter change costs one mask and a few
``bincount``\\ s, and repeated or shared views cost a dictionary lookup.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..cache import LruResultCache, ResultCache
from ..duplicates import Duplicates, find_duplicates
from ..facets import BREAKDOWN_FACETS, FACETS, FACETS_BY_NAME, Facet, Match
from ..filters import FilterSpec
from ..schema import PRECISE_GEO, DatePrecision
from ..text import fold_text
from .codes import (
    Codes,
    arrow_strings,
    coded_objects,
    compact,
    dense_rank,
    label_of,
    lookup,
    read_only,
    small_codes,
    sorted_codes,
    values_of,
)
from .dates import choose_time_unit, days_of, period_ends, time_unit_for_span
from .grid import points_in_polygon
from .protocol import (
    EVENT_TYPES,
    GEO_PRECISIONS,
    NEAREST_DEGREES,
    SORTABLE_COLUMNS,
    TIME_UNITS,
    Breakdown,
    DatasetCount,
    GridBins,
    Histogram,
    PointColumns,
    QuantitySeries,
    SourceLinks,
    Totals,
)
from .text import SEARCH_COLUMNS, SearchPart, text_matches

MASK_CACHE_BYTES = 32 * 1024 * 1024  # of packed masks: one bit a row
LAZY_INDEXES = 8  # per-column sort orders kept at once
SMALL_MATCH_SHARE = 1 / 32  # a filter matching fewer rows sorts them alone, not the whole table
CHUNK_ROWS = 1 << 16  # positions read a slice at a time (a float64 column slice: 512 kB)
DENSE_CELL_BINS = 1 << 20  # (cell, type) counters a grid query may hold densely (8 MB)
PAGE_BLOCK = 4096  # rows of the sorted table counted together, so a deep page skips to its block
NARROW_REST = 4  # a box over a filter matching under a quarter of the rows compares only those rows
RECENT_FILTERS = 3  # unpacked masks and match positions kept (n bytes + 4 per match each)
TOP_ROWS_READ = 1 << 16  # rows of the sorted table read for a page near its top before counting blocks
FILTER_INDEXES = 32  # per filter and order: matches per block (n / 512 bytes), narrow filters' sorted rows
WHOLE_TABLE_ANSWERS = 256  # dataset lists, date extents per dataset choice ...
OPTION_LISTS = 64  # facet option lists kept, per facet and shown datasets (a link may name any)
COMPUTED_FLOATS = ("latitude", "longitude", "fatalities", "quantity_kg")  # read as arrays by the store
VALUE_FACETS: tuple[Facet, ...] = tuple(facet for facet in FACETS if facet.match is Match.VALUE)


@dataclass(frozen=True)
class PackedMask:
    """A memoised filter mask, one bit a row (a bool array is eight times larger), and its count."""

    bits: np.ndarray
    count: int

    @classmethod
    def of(cls, mask: np.ndarray) -> PackedMask:
        return cls(np.packbits(mask), int(np.count_nonzero(mask)))

    def unpack(self, size: int) -> np.ndarray:
        mask = np.unpackbits(self.bits, count=size).view(bool)
        mask.setflags(write=False)
        return mask


@dataclass(frozen=True)
class TypeMonthKey:
    """Per row ``type_code * months + (month - first_month)``, months counted since 1970."""

    key: np.ndarray
    first_month: int
    months: int


def counted_densely(counters: int, matches: int) -> bool:
    """Whether a grid query counts its (cell, type) pairs in one array over their whole extent
    (at most :data:`DENSE_CELL_BINS` counters, or twice the matches) rather than numbering the
    cells that hold matches first."""
    return counters <= max(2 * matches, DENSE_CELL_BINS)


def masked_sum(values: np.ndarray, mask: np.ndarray) -> float:
    """Sum of the known (non-NaN) ``values`` where ``mask`` holds (a boolean mask, or row positions).

    Taken by position: numpy's boolean indexing and ``where=`` reductions cost ~8 ms over a
    million rows, the positions ~1 ms.
    """
    rows = np.flatnonzero(mask) if mask.dtype == bool else mask
    total = 0.0
    for part in chunks(rows):
        picked = values.take(part)  # a copy: unknown values become 0 in place, as np.nansum would
        picked[np.isnan(picked)] = 0
        total += float(picked.sum())
    return total


def chunks(rows: np.ndarray) -> Iterator[np.ndarray]:
    """``rows`` a slice of :data:`CHUNK_ROWS` at a time. Columns read at a slice's positions are
    under a megabyte, so they reuse the heap instead of mapping fresh pages (a worker maps every
    block of 1 MB or more: gunicorn.conf.py), and stay in cache while they are worked on."""
    for start in range(0, len(rows), CHUNK_ROWS):
        yield rows[start:start + CHUNK_ROWS]


class InMemoryEventStore:
    """Columnar in-memory store: numeric columns as numpy arrays, text kept off the hot path.

    Implements :class:`~dashboard.data.store.protocol.EventStore`. Its arrays (``latitude``,
    ``type_code``, ``precise`` ...), :meth:`mask` and :attr:`frame` are this engine's own:
    code outside the store package asks through the protocol.

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

    reads_wait_on_server = False  # numpy in this process: running calls at once gains nothing

    def __init__(self, events: pd.DataFrame, cache_size: int = 64,
                 default_datasets: tuple[str, ...] = (), *, cache: ResultCache | None = None,
                 version: str = "") -> None:
        # Columns of objects (dates, actor lists, duplicates) are held as codes and read through
        # ``self._objects``: a code a row instead of a pointer.
        frame, self._codes, self._objects = compact(events.reset_index(drop=True))
        for name in frame.columns:  # a payload float no row fills (UCDP's fatalities_low ...): held sparse
            if name not in COMPUTED_FLOATS and frame[name].dtype == np.float64 and len(frame) \
                    and frame[name].isna().all():
                frame[name] = pd.arrays.SparseArray(frame[name].to_numpy(), fill_value=np.nan)
        self._frame = frame
        self.size = n = len(frame)
        # The bundled facts, so a shared link keeps its meaning when someone imports data.
        self.default_datasets = tuple(default_datasets)
        self.version = version or uuid.uuid4().hex
        self._cache: ResultCache = cache if cache is not None else LruResultCache()
        self._lock = threading.Lock()
        self._masks: OrderedDict[FilterSpec, PackedMask] = OrderedDict()
        self._mask_slots = max(4, min(cache_size, MASK_CACHE_BYTES // max(n // 8, 1)))
        self._whole: OrderedDict[Hashable, object] = OrderedDict()  # answers about the whole table
        self._lazy: OrderedDict[Hashable, object] = OrderedDict()
        self._filter_indexes: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._recent: OrderedDict[FilterSpec, list] = OrderedDict()
        self._options: OrderedDict[tuple[str, tuple[str, ...]], list[str]] = OrderedDict()

        # Dates: each event covers [date_start, date_end] (its precision period, or a reported range).
        self.date_start = self._days("event_date") if n else np.array([], dtype="datetime64[D]")
        precision = self._text_codes("date_precision")
        self.date_end = period_ends(
            self.date_start, precision.allowed((DatePrecision.MONTH,)), precision.allowed((DatePrecision.YEAR,)))
        if "date_end" in frame.columns and n:  # a reported range (UCDP date_end) reaches its last day
            reported_end = self._days("date_end")
            self.date_end = np.where(np.isnat(reported_end), self.date_end,
                                     np.maximum(self.date_end, reported_end))
        self._day = self.date_start.view(np.int64)  # no copy
        # Months since 1970 (int16 reaches ±2,700 years); a year is a month // 12. Converting days
        # to months takes numpy's calendar, too slow to repeat per histogram.
        self._month = (self.date_start.astype("datetime64[M]").astype(np.int64).astype(np.int16) if n
                       else np.zeros(0, dtype=np.int16))

        self.latitude = frame["latitude"].to_numpy(dtype=np.float64)
        self.longitude = frame["longitude"].to_numpy(dtype=np.float64)
        self.type_code = self._vocabulary_codes("event_type", EVENT_TYPES)
        self._type_month = self._type_month_key()
        if self._type_month is not None:  # the month is in the (type, month) code: not held twice
            del self._month
        self.geo_code = self._vocabulary_codes("geo_precision", GEO_PRECISIONS)
        self.precise = np.isin(self.geo_code, [GEO_PRECISIONS.index(g) for g in PRECISE_GEO])
        self.fatalities = frame["fatalities"].to_numpy(dtype=np.float64)
        self.quantity_kg = frame["quantity_kg"].to_numpy(dtype=np.float64)
        self.synthetic = frame["synthetic"].to_numpy(dtype=bool)
        # Every exact-value facet of the registry, by FilterSpec field; a column the data lacks
        # has no values, so choosing any matches nothing.
        self._facet_codes: dict[str, Codes] = {facet.name: self._text_codes(facet.column) for facet in VALUE_FACETS}

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
        self._search.append(SearchPart.of_codes(Codes(self._actors.codes, np.array(
            [" ".join(a) for a in self._actors.uniques] or [], dtype=object))))
        self._source_code, self._source_count = self._source_codes()
        self._mark_duplicates()
        self._ids = arrow_strings(frame["event_id"]) if n else pa.array([], type=pa.large_string())
        self._id_order = pc.sort_indices(self._ids).to_numpy().astype(np.int32)

    # ---- construction helpers --------------------------------------------------------------
    def _text_codes(self, column: str) -> Codes:
        if column in self._codes:
            return self._codes[column]
        if column not in self._frame.columns or not self.size:
            return Codes.missing(self.size)
        codes = Codes.of(self._frame[column].astype(object).fillna("") if self._frame[column].dtype == object
                         else self._frame[column])
        self._codes[column] = codes
        return codes

    def _days(self, column: str) -> np.ndarray:
        """A date column as datetime64[D]; each distinct day converted once when it is held as codes."""
        found = self._codes.get(column)
        if found is None:
            return days_of(self._frame[column])
        days = days_of(pd.Series(found.uniques, dtype=object)) if len(found.uniques) else np.array(
            [], dtype="datetime64[D]")
        return np.append(days, np.datetime64("NaT", "D"))[found.codes]

    def _vocabulary_codes(self, column: str, vocabulary: tuple[str, ...]) -> np.ndarray:
        codes = self._text_codes(column)
        unknown = [v for v in codes.uniques if v not in vocabulary]
        if unknown:
            raise ValueError(f"{column}: unknown value(s) {unknown[:5]}")
        table = np.array([vocabulary.index(v) for v in codes.uniques] + [-1], dtype=np.int8)
        return table[codes.codes]

    def _type_month_key(self) -> TypeMonthKey | None:
        """Each row's (event type, month) as one small code: one ``bincount`` of it over the
        matches is a monthly or yearly histogram. None where some row lacks a date or a type."""
        if not self.size or np.isnat(self.date_start).any() or (self.type_code < 0).any():
            return None
        first = int(self._month.min())
        months = int(self._month.max()) - first + 1
        key = self.type_code.astype(np.int32) * months + (self._month.astype(np.int32) - first)
        return TypeMonthKey(small_codes(key, len(EVENT_TYPES) * months), first, months)

    def _tuple_codes(self, column: str) -> Codes:
        if not self.size:
            return Codes(np.zeros(0, dtype=np.int8), np.array([], dtype=object))
        if column in self._codes:  # loaded as codes: the distinct lists are already tuples
            codes, uniques = self._codes[column].codes, self._codes[column].uniques
        else:
            codes, uniques = pd.factorize(self._frame[column].to_numpy(dtype=object))
        values = np.empty(len(uniques), dtype=object)
        values[:] = [tuple(v) if isinstance(v, (tuple, list)) else () for v in uniques]
        return Codes(small_codes(codes, len(uniques)), values)

    @staticmethod
    def _combos_by_name(codes: Codes, key: Callable[[str], str]) -> dict[str, np.ndarray]:
        combos: dict[str, list[int]] = {}
        for combo, names in enumerate(codes.uniques):
            for name in {key(n) for n in names}:
                combos.setdefault(name, []).append(combo)
        return {name: np.array(found, dtype=np.int64) for name, found in combos.items()}

    def _search_part(self, column: str) -> SearchPart:
        if column in self._codes or column not in self._frame.columns or not self.size:
            return SearchPart.of_codes(self._text_codes(column))
        return SearchPart(raw=arrow_strings(self._frame[column]))

    def _source_codes(self) -> tuple[np.ndarray, int]:
        """A report is its link; imported rows often name a source without one (ACLED, UCDP)."""
        url, name = self._text_codes("source_url"), self._text_codes("source_name")
        labels = np.concatenate([url.uniques, name.uniques, np.array([""], dtype=object)])
        codes, uniques = pd.factorize(labels)
        empty = list(uniques).index("")
        codes = np.where(codes == empty, -1, codes)
        url_map, name_map = codes[:len(url.uniques)], codes[len(url.uniques):]
        has_url = lookup(url.codes, np.asarray([u != "" for u in url.uniques], dtype=bool))
        source = np.where(has_url, url_map[np.maximum(url.codes, 0)] if len(url_map) else -1,
                          name_map[np.where(name.codes < 0, len(name.uniques), name.codes)])
        return small_codes(source, len(uniques)), len(uniques)

    def _mark_duplicates(self) -> None:
        """Fill ``has_duplicate`` and ``duplicate_of`` (ids of a few likely duplicates in other datasets).

        Bounded whatever the data (see :mod:`dashboard.data.duplicates`): a row lists at most
        ``MAX_PARTNERS_PER_ROW`` twins; the flag, and so every count, does not depend on that cap.
        """
        # A generated row never "duplicates" a real report (nor the reverse): compare within each,
        # and only where that kind of row comes from two datasets or more (one big synthetic
        # dataset beside the bundled one has nothing to compare with).
        dataset = self._facet_codes["datasets"].codes
        flagged = np.zeros(self.size, dtype=bool)
        partners = [np.empty((0, 2), dtype=np.int64)]
        for generated in (False, True):
            rows = np.flatnonzero(self.synthetic == generated)
            if len(np.unique(dataset[rows])) < 2:
                continue
            part = find_duplicates(self.latitude[rows], self.longitude[rows], self.date_start[rows],
                                   self.date_end[rows], self.type_code[rows], dataset[rows])
            flagged[rows[part.flagged]] = True
            partners.append(rows[part.partners])
        pairs = np.concatenate(partners)
        found = Duplicates(flagged, pairs[np.argsort(pairs[:, 0], kind="stable")])
        self.has_duplicate = found.flagged
        partners = np.empty(1, dtype=object)
        partners[0] = ()
        code = np.zeros(self.size, dtype=np.int64)
        if len(found.partners):
            rows, starts = np.unique(found.partners[:, 0], return_index=True)
            ids = self._frame["event_id"].take(found.partners[:, 1]).to_numpy(dtype=object)
            groups = np.empty(len(rows), dtype=object)
            groups[:] = [tuple(group) for group in np.split(ids, starts[1:])]
            group_code, distinct = pd.factorize(groups)
            partners = np.concatenate([partners, np.asarray(distinct, dtype=object)])
            code[rows] = group_code + 1
        self._objects["duplicate_of"] = Codes(small_codes(code, len(partners)), partners)
        self._frame["duplicate_of"] = coded_objects(self._objects["duplicate_of"], self._frame.index, "duplicate_of")

    @property
    def frame(self) -> pd.DataFrame:
        """The whole event table (read it, never change it: masks are cached against it).

        This engine's own: not part of the store protocol. Text with few distinct values is
        categorical; compare and count it as usual.
        """
        return self._frame

    # ---- caching ---------------------------------------------------------------------------
    def _memo(self, operation: str, spec: FilterSpec, args: tuple, compute: Callable[[], object]) -> object:
        key = (self.version, operation, spec, args)
        found = self._cache.get(key)
        if found is not None:
            return found
        value = read_only(compute())
        self._cache.set(key, value)
        return value

    def _lazy_index(self, key: Hashable, build: Callable[[], object]) -> object:
        """Structural indexes built on first use (per sort column and direction), a few kept."""
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

    def _per_filter(self, key: Hashable, build: Callable[[], np.ndarray]) -> np.ndarray:
        """Small indexes of one filter that only this store reads (where its table pages start),
        kept beside its masks rather than in the shared result cache; the last few are kept."""
        with self._lock:
            found = self._filter_indexes.get(key)
            if found is not None:
                self._filter_indexes.move_to_end(key)
                return found
        value = read_only(build())
        with self._lock:
            self._filter_indexes[key] = value
            while len(self._filter_indexes) > FILTER_INDEXES:
                self._filter_indexes.popitem(last=False)
        return value

    def _has_lazy(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._lazy

    def clear_masks(self) -> None:
        """Forget the memoised filter masks and what was derived from them (a benchmark times a
        filter from scratch)."""
        with self._lock:
            self._masks.clear()
            self._recent.clear()
            self._filter_indexes.clear()

    # ---- filtering -------------------------------------------------------------------------
    def mask(self, spec: FilterSpec) -> np.ndarray:
        """Boolean mask of the events matching ``spec`` (memoised per spec as bits, read-only)."""
        found = self._recent_filter(spec)
        if found is not None:
            return found[0]
        with self._lock:
            cached = self._masks.get(spec)
            if cached is not None:
                self._masks.move_to_end(spec)
        mask = cached.unpack(self.size) if cached is not None else self._compute_and_keep(spec)[0]
        with self._lock:
            self._recent[spec] = [mask, None]
            while len(self._recent) > RECENT_FILTERS:
                self._recent.popitem(last=False)
        return mask

    def _recent_filter(self, spec: FilterSpec) -> list | None:
        """``[mask, positions or None]`` of a filter of the last few asked, unpacked: one view
        update reads its filter's mask some thirty times (each aggregate, each table page)."""
        with self._lock:
            found = self._recent.get(spec)
            if found is not None:
                self._recent.move_to_end(spec)
            return found

    def _compute_and_keep(self, spec: FilterSpec) -> tuple[np.ndarray, PackedMask]:
        if spec.bbox is not None:
            # Map views and boxes change on every pan: narrow the cached mask of the rest of the
            # filter (text search, lasso) instead of evaluating it again; when that rest is narrow
            # (one event type), only its rows' coordinates are compared.
            rest = replace(spec, bbox=None)
            if self.count(rest) * NARROW_REST < self.size:
                rows = self._rows(rest)
                mask = np.zeros(self.size, dtype=bool)
                mask[rows[self._inside(self.longitude.take(rows), self.latitude.take(rows), spec.bbox)]] = True
            else:
                mask = self.mask(rest) & self.in_box(spec.bbox)
        else:
            mask = self._compute_mask(spec)
        mask.setflags(write=False)
        packed = PackedMask.of(mask)
        with self._lock:
            self._masks[spec] = packed
            while len(self._masks) > self._mask_slots:
                self._masks.popitem(last=False)
        return mask, packed

    def in_box(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Rows inside (west, south, east, north), edges included; west > east matches nothing."""
        return self._inside(self.longitude, self.latitude, box)

    @staticmethod
    def _inside(longitude: np.ndarray, latitude: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        west, south, east, north = box
        return (longitude >= west) & (longitude <= east) & (latitude >= south) & (latitude <= north)

    def _compute_mask(self, spec: FilterSpec) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        if spec.date_from is not None:
            mask &= self.date_end >= np.datetime64(spec.date_from, "D")
        if spec.date_to is not None:
            mask &= self.date_start <= np.datetime64(spec.date_to, "D")
        for facet in FACETS:
            wanted = getattr(spec, facet.name)
            if facet.name == "datasets" and not wanted:
                wanted = self.default_datasets
            if not wanted:
                continue
            if facet.match is Match.VALUE:
                mask &= self._facet_codes[facet.name].allowed(wanted)
            elif facet.match is Match.ACTOR:
                mask &= self._actor_mask(wanted)
            else:
                mask &= self._region_mask(wanted)
        if spec.kg_min is not None:
            mask &= self.quantity_kg >= spec.kg_min  # NaN compares False: unknown kg drops out
        if spec.kg_max is not None:
            mask &= self.quantity_kg <= spec.kg_max
        if spec.polygon is not None:
            mask &= points_in_polygon(self.longitude, self.latitude, spec.polygon)
        if spec.text:
            mask &= text_matches(self._search, self.size, fold_text(spec.text), mask)
        return mask

    def _actor_mask(self, names: tuple[str, ...]) -> np.ndarray:
        """Rows naming one of ``names`` as an actor (any case) or as an actor group key."""
        actors = np.zeros(len(self._actors.uniques), dtype=bool)
        groups = np.zeros(len(self._groups.uniques), dtype=bool)
        for name in names:
            actors[self._actor_combos.get(name.casefold(), [])] = True
            groups[self._group_combos.get(name.casefold(), [])] = True
        return lookup(self._actors.codes, actors) | lookup(self._groups.codes, groups)

    def _region_mask(self, names: tuple[str, ...]) -> np.ndarray:
        """Rows whose admin1 lists one of ``names`` (any case)."""
        regions = np.zeros(len(self._admin1.uniques), dtype=bool)
        for name in names:
            regions[self._regions.get(name.casefold(), [])] = True
        return lookup(self._admin1.codes, regions)

    # ---- queries ---------------------------------------------------------------------------
    def count(self, spec: FilterSpec) -> int:
        with self._lock:
            cached = self._masks.get(spec)
        return cached.count if cached is not None else self._compute_and_keep(spec)[1].count

    def count_at_most(self, spec: FilterSpec, limit: int) -> int:
        return min(self.count(spec), int(limit))  # the mask counts every match at once

    def totals(self, spec: FilterSpec) -> Totals:
        return self._memo("totals", spec, (), lambda: self._totals(spec))

    def _totals(self, spec: FilterSpec) -> Totals:
        if self.size and self.count(spec) == self.size:  # every row: the table's own totals, summed once
            return self._once("totals of every row",
                              lambda: self._totals_of(np.arange(self.size, dtype=np.int64)))
        return self._totals_of(self._rows(spec))

    def _totals_of(self, rows: np.ndarray) -> Totals:
        """Totals of the rows at positions ``rows``."""
        events, reported = len(rows), 0
        seen = np.zeros(self._source_count + 1, dtype=bool)
        for part in chunks(rows):
            # Generated rows name the generator, not a published report: they count as no source.
            named = part[~self.synthetic.take(part)]
            reported += len(named)
            seen[self._source_code.take(named)] = True
        seen[-1] = False  # code -1: no source named
        return Totals(
            events=events,
            fatalities=int(masked_sum(self.fatalities, rows)),
            kg_seized=float(masked_sum(self.quantity_kg, rows)),
            sources=int(np.count_nonzero(seen)),
            synthetic=events - reported,
        )

    def points(self, spec: FilterSpec, limit: int) -> PointColumns:
        return self._memo("points", spec, (int(limit),), lambda: self._points(spec, int(limit)))

    def _points(self, spec: FilterSpec, limit: int) -> PointColumns:
        total = self.count(spec)
        if total <= limit:
            rows = self._rows(spec)
        elif limit <= 0:
            rows = np.zeros(0, dtype=np.int32)
        else:
            # The `limit` heaviest rows, ties to the earliest row (as a stable sort would pick).
            # The largest events stay, so big seizures and deadly attacks stay visible.
            rows = np.sort(self._first_matches(self._heaviest_first(), spec, limit))
        return PointColumns(
            row=rows.astype(np.int32),
            latitude=self.latitude.take(rows).astype(np.float32),
            longitude=self.longitude.take(rows).astype(np.float32),
            type_code=self.type_code.take(rows),
            precise=self.precise.take(rows),
            geo_precision_code=self.geo_code.take(rows),
            quantity_kg=self.quantity_kg.take(rows).astype(np.float32),
            fatalities=self.fatalities.take(rows).astype(np.float32),
            total=total,
        )

    def _heaviest_first(self) -> np.ndarray:
        """Every row by weight (kg, plus 1000 per death; unknown counts 0), heaviest first, equal
        weights in row order: the points a crowded map keeps are the first matches in it. Built
        once (the weights of most events are 0: only the others are sorted)."""
        def build() -> np.ndarray:
            weight = np.nan_to_num(self.quantity_kg) + 1000 * np.nan_to_num(self.fatalities)
            weighed = np.flatnonzero(weight != 0).astype(np.int32)
            weighed = weighed[np.argsort(-weight[weighed], kind="stable")]
            heavy = weight[weighed] > 0
            zero = np.flatnonzero(weight == 0).astype(np.int32)
            return read_only(np.concatenate([weighed[heavy], zero, weighed[~heavy]]))

        return self._once("heaviest first", build)

    def _first_matches(self, order: np.ndarray, spec: FilterSpec, limit: int) -> np.ndarray:
        """The first ``limit`` rows of ``order`` (positions) that match ``spec``, in that order;
        read a slice at a time, sized from the share of rows that match."""
        mask, total = self.mask(spec), self.count(spec)
        found, matched, position = [], 0, 0
        step = max(PAGE_BLOCK, int(1.25 * limit * len(order) / max(total, 1)))
        while matched < limit and position < len(order):
            part = order[position:position + step]
            hits = part[mask[part]]
            found.append(hits)
            matched += len(hits)
            position += step
            step *= 2
        return np.concatenate(found)[:limit] if found else np.zeros(0, dtype=np.int32)

    def bins(self, spec: FilterSpec, cell_deg: float) -> GridBins:
        cell_deg = float(cell_deg)
        if not cell_deg > 0:
            raise ValueError(f"cell size must be positive, not {cell_deg}")
        return self._memo("bins", spec, (cell_deg,), lambda: self._bins(spec, cell_deg))

    def _bins(self, spec: FilterSpec, cell_deg: float) -> GridBins:
        """The matches counted per grid cell and type, from their own coordinates.

        A map asks for cells of the box it shows, about a thousand of them at any zoom: the
        matches' cells are numbered within their own extent and counted with one ``bincount``
        (or, over an extent of more cells than matches, numbered by a hash table). No index per
        cell size is kept, so a zoom to a new cell size costs no pass over the whole table
        (~200 ms at 1M) and no memory. The coordinates are read a slice of :data:`CHUNK_ROWS`
        at a time (ten million matches: no column-sized temporaries).
        """
        kinds = len(EVENT_TYPES) + 1  # a row without a type (code -1) counts in its cell with no type of its own
        if self.count(spec) == self.size:
            total = self.size
            parts: list = [slice(start, start + CHUNK_ROWS) for start in range(0, total, CHUNK_ROWS)]

            def read(part: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
                return self.longitude[part], self.latitude[part], self.type_code[part]
        else:
            rows = self._rows(spec)
            total, parts = len(rows), list(chunks(rows))

            def read(part: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
                return self.longitude.take(part), self.latitude.take(part), self.type_code.take(part)
        if not total:
            return GridBins(cell_deg=cell_deg, latitude=np.empty(0), longitude=np.empty(0),
                            counts=np.zeros(0, dtype=np.int64), total=0, type_code=np.zeros(0, dtype=np.int8))
        # The matches' extent in cells: floor(min / size) is the least floor(value / size) (both
        # monotone), so the cells are numbered without holding every match's cell first.
        low_x = low_y = math.inf
        high_x = high_y = -math.inf
        for part in parts:
            longitude, latitude, _ = read(part)
            low_x, high_x = min(low_x, float(longitude.min())), max(high_x, float(longitude.max()))
            low_y, high_y = min(low_y, float(latitude.min())), max(high_y, float(latitude.max()))
        x0, y0 = math.floor(low_x / cell_deg), math.floor(low_y / cell_deg)
        width = math.floor(high_x / cell_deg) - x0 + 1
        height = math.floor(high_y / cell_deg) - y0 + 1
        # Each match's (cell, type) as one number, a slice at a time, in floats holding whole
        # numbers (exact below 2**53); cells row-major: they come out by latitude, then longitude.
        keys = np.empty(total, dtype=np.int64)
        done = 0
        for part in parts:
            longitude, latitude, type_code = read(part)
            key = latitude / cell_deg
            np.floor(key, out=key)
            key -= y0
            key *= width
            cell_x = longitude / cell_deg
            np.floor(cell_x, out=cell_x)
            key += cell_x
            key -= x0
            key *= kinds
            key += type_code
            key += 1
            keys[done:done + len(key)] = key
            done += len(key)
        if counted_densely(width * height * kinds, total):
            by_cell_type = np.bincount(keys, minlength=width * height * kinds).reshape(width * height, kinds)
            cells = np.flatnonzero(by_cell_type.any(axis=1))
            by_cell_type = by_cell_type[cells]
        else:
            cells, code = sorted_codes(keys // kinds)
            by_cell_type = np.bincount(code * kinds + keys % kinds, minlength=len(cells) * kinds).reshape(
                len(cells), kinds)
        counts = by_cell_type.sum(axis=1)
        return GridBins(
            cell_deg=cell_deg,
            latitude=(cells // width + y0 + 0.5) * cell_deg,
            longitude=(cells % width + x0 + 0.5) * cell_deg,
            counts=counts.astype(np.int64),
            total=int(counts.sum()),
            type_code=by_cell_type[:, 1:].argmax(axis=1).astype(np.int8),
        )

    def histogram(self, spec: FilterSpec, unit: str = "auto", split_by: str = "event_type") -> Histogram:
        if split_by != "event_type":
            raise ValueError(f"unsupported split: {split_by}")
        if unit != "auto" and unit not in TIME_UNITS:
            raise ValueError(f"unsupported time unit: {unit}")
        return self._memo("histogram", spec, (unit, split_by), lambda: self._histogram(spec, unit))

    def _rows(self, spec: FilterSpec) -> np.ndarray:
        """Positions of the matching rows, ascending (int32; kept with the recent masks). Columns
        are read at them with ``take``: over a million rows ~10x faster than by the boolean mask."""
        mask = self.mask(spec)
        found = self._recent_filter(spec)
        if found is not None and found[1] is not None:
            return found[1]
        rows = np.flatnonzero(mask).astype(np.int32)
        rows.setflags(write=False)
        if found is not None:
            found[1] = rows  # computed alike by any thread: no lock needed
        return rows

    def _matching(self, values: np.ndarray, spec: FilterSpec) -> np.ndarray:
        """``values`` of the matching rows (the array itself, no copy, when every row matches)."""
        return values if self.count(spec) == self.size else values.take(self._rows(spec))

    def _histogram(self, spec: FilterSpec, unit: str) -> Histogram:
        if unit in ("auto", "month", "year") and self._type_month is not None:
            found = self._histogram_by_month(spec, unit)
            if found is not None:
                return found
        return self._histogram_by_row(spec, unit)

    def _histogram_by_month(self, spec: FilterSpec, unit: str) -> Histogram | None:
        """A monthly or yearly histogram from one count of the (type, month) codes of the matches.

        None when the matches' dates call for days or weeks.
        """
        tm = self._type_month
        counts = self._type_month_counts(spec)
        held = np.flatnonzero(counts.any(axis=0))
        if not held.size:
            return None  # nothing matches: the row path answers an empty histogram
        if unit == "auto":
            unit = self._unit_of_months(spec, tm.first_month + int(held[0]), tm.first_month + int(held[-1]))
            if unit is None:
                return None
        if unit not in ("month", "year"):
            return None
        counts = counts[:, held[0]:held[-1] + 1]
        months = np.arange(tm.first_month + held[0], tm.first_month + held[-1] + 1, dtype=np.int64)
        if unit == "month":
            starts = months.astype("datetime64[M]").astype("datetime64[D]")
        else:
            years = months // 12
            first_year = int(years[0])
            counts = np.add.reduceat(counts, np.flatnonzero(np.diff(years, prepend=first_year - 1)), axis=1)
            starts = np.arange(first_year, int(years[-1]) + 1).astype("datetime64[Y]").astype("datetime64[D]")
        return Histogram(unit=unit, bin_starts=starts, categories=EVENT_TYPES, counts=counts.astype(np.int64))

    def _type_month_counts(self, spec: FilterSpec) -> np.ndarray:
        """Matching events per (type, month): the histogram and the breakdown by type share it."""
        def count() -> np.ndarray:
            tm = self._type_month
            return np.bincount(self._matching(tm.key, spec), minlength=len(EVENT_TYPES) * tm.months).reshape(
                len(EVENT_TYPES), tm.months)

        return self._memo("type_month_counts", spec, (), count)

    def _months_at(self, rows: np.ndarray) -> np.ndarray:
        """Months since 1970 of the rows at positions ``rows``, as int64."""
        tm = self._type_month
        if tm is None:
            return self._month.take(rows).astype(np.int64)
        return tm.key.take(rows).astype(np.int64) % tm.months + tm.first_month

    def _years_at(self, rows: np.ndarray) -> np.ndarray:
        """Years since 1970 of the rows at positions ``rows``, as int64: read from the (type,
        month) code through a table of its few thousand values, one gather."""
        tm = self._type_month
        if tm is None:
            return self._months_at(rows) // 12
        year_of_key = (np.arange(len(EVENT_TYPES) * tm.months, dtype=np.int64) % tm.months + tm.first_month) // 12
        return year_of_key.take(tm.key.take(rows))

    def _unit_of_months(self, spec: FilterSpec, first_month: int, last_month: int) -> str | None:
        """The automatic unit when the matches start in ``first_month`` and end in ``last_month``:
        from the months alone when every span they allow gives the same unit, else from the days."""
        first_days = np.array([first_month, first_month + 1]).astype("datetime64[M]").astype("datetime64[D]")
        last_days = np.array([last_month, last_month + 1]).astype("datetime64[M]").astype("datetime64[D]")
        # The earliest and latest first day the matches can have, and likewise their last day.
        first = [np.datetime64(spec.date_from, "D")] * 2 if spec.date_from else [first_days[0], first_days[1] - 1]
        last = [np.datetime64(spec.date_to, "D")] * 2 if spec.date_to else [last_days[0], last_days[1] - 1]
        shortest = time_unit_for_span(int((last[0] - first[1]).astype(np.int64)))
        longest = time_unit_for_span(int((last[1] - first[0]).astype(np.int64)))
        if shortest == longest:
            return shortest
        mask = self.mask(spec)
        days = self._day
        low = int(np.min(days, where=mask, initial=np.iinfo(np.int64).max))
        high = int(np.max(days, where=mask, initial=np.iinfo(np.int64).min))
        return choose_time_unit(np.array([low, high], dtype="datetime64[D]"), spec)

    def _histogram_by_row(self, spec: FilterSpec, unit: str) -> Histogram:
        rows = self._rows(spec)  # row numbers: one scan of the mask for three columns
        days = self._day.take(rows)
        if unit == "auto":
            unit = choose_time_unit(days.view("datetime64[D]"), spec)
        if unit == "day":
            index = days
        elif unit == "week":  # 1970-01-01 was a Thursday: weeks counted from Monday 1969-12-29
            index = (days + 3) // 7
        elif unit == "month":
            index = self._months_at(rows)
        else:
            index = self._years_at(rows)
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
        flat = self.type_code.take(rows).astype(np.int64) * len(bins) + (index - first_bin)
        counts = np.bincount(flat, minlength=len(EVENT_TYPES) * len(bins)).reshape(len(EVENT_TYPES), len(bins))
        return Histogram(unit=unit, bin_starts=starts, categories=EVENT_TYPES, counts=counts.astype(np.int64))

    def kg_by_year(self, spec: FilterSpec) -> QuantitySeries:
        return self._memo("kg_by_year", spec, (), lambda: self._kg_by_year(spec))

    def _kg_by_year(self, spec: FilterSpec) -> QuantitySeries:
        rows = self._rows(spec)
        kg = self.quantity_kg.take(rows)
        stated = kg > 0  # NaN compares False: no kg stated
        rows, kg = rows[stated], kg[stated]
        years = self._years_at(rows)
        if not years.size:
            return QuantitySeries(year_starts=np.array([], dtype="datetime64[D]"), drugs=(),
                                  kg=np.zeros((0, 0), dtype=np.float64))
        first, last = int(years.min()), int(years.max())
        codes = self._facet_codes["drugs"]
        drug = codes.codes.take(rows).astype(np.int64)
        labels = [str(v).strip() for v in codes.uniques]
        if "" not in labels:
            labels.append("")
        drug = np.where(drug < 0, labels.index(""), drug)  # code -1 or "": no drug stated
        width = last - first + 1
        kg = np.bincount(drug * width + (years - first), weights=kg,
                         minlength=len(labels) * width).reshape(len(labels), width)
        held = kg.sum(axis=1) > 0
        order = sorted(np.flatnonzero(held), key=lambda i: (-kg[i].sum(), labels[i]))  # heaviest first
        starts = np.arange(first, last + 1).astype("datetime64[Y]").astype("datetime64[D]")
        return QuantitySeries(year_starts=starts, drugs=tuple(labels[i] for i in order), kg=kg[order])

    def breakdown(self, spec: FilterSpec, field: str, top: int = 12) -> Breakdown:
        if field not in BREAKDOWN_FACETS:
            raise ValueError(f"unsupported breakdown: {field}")
        return self._memo("breakdown", spec, (field, int(top)), lambda: self._breakdown(spec, field, int(top)))

    def _breakdown(self, spec: FilterSpec, field: str, top: int) -> Breakdown:
        facet = BREAKDOWN_FACETS[field]
        if facet.match is Match.VALUE:
            codes = self._facet_codes[facet.name]
            labels = tuple(str(v) for v in codes.uniques)
            if facet.column == "event_type" and self._type_month is not None:  # counted with the histogram
                per_type = self._type_month_counts(spec).sum(axis=1)
                counts = per_type[[EVENT_TYPES.index(label) for label in labels]]
            else:
                counts = self._code_counts(codes.codes, spec, len(labels))
        else:  # actor groups: an event counts once for each group it names
            per_combo = self._code_counts(self._groups.codes, spec, len(self._groups.uniques))
            labels = self._group_labels
            counts = np.bincount(self._group_pair_label, weights=per_combo[self._group_pair_combo],
                                 minlength=len(labels)).astype(np.int64)
        # Ties in the vocabulary's order (closed facets) or the labels', so every engine agrees.
        vocabulary = facet.vocabulary or ()
        rank = dense_rank(list(labels)) + len(vocabulary)
        rank = np.array([vocabulary.index(v) if v in vocabulary else r for v, r in zip(labels, rank)],
                        dtype=np.float64)
        shown = np.array([bool(v.strip()) for v in labels], dtype=bool) & (counts > 0)
        order = [i for i in np.lexsort((rank, -counts)) if shown[i]][:max(top, 0)]
        return Breakdown(field=field, labels=tuple(labels[i] for i in order),
                         counts=np.asarray(counts[order], dtype=np.int64))

    def _code_counts(self, codes: np.ndarray, spec: FilterSpec, size: int) -> np.ndarray:
        """Matching rows per code (code -1, missing, not counted)."""
        return np.bincount(self._matching(codes, spec) + 1, minlength=size + 1)[1:]  # +1: -1 counts at 0

    def nearest(self, spec: FilterSpec, latitude: float, longitude: float, *,
                event_type: str | None = None, precise: bool | None = None) -> int | None:
        """The row of the matching event drawn nearest a map point (see the protocol)."""
        lat, lon = float(latitude), float(longitude)
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        if event_type is not None and event_type not in EVENT_TYPES:
            return None
        near = self.mask(spec) & self.in_box(
            (lon - NEAREST_DEGREES, lat - NEAREST_DEGREES, lon + NEAREST_DEGREES, lat + NEAREST_DEGREES))
        rows = np.flatnonzero(near)
        if event_type is not None:
            rows = rows[self.type_code[rows] == EVENT_TYPES.index(event_type)]
        if precise is not None:
            rows = rows[self.precise[rows] == bool(precise)]
        if rows.size == 0:
            return None
        # Points are drawn in float32: measure there, so the drawn point itself is at distance 0.
        distance = (np.abs(self.latitude[rows].astype(np.float32) - np.float32(lat))
                    + np.abs(self.longitude[rows].astype(np.float32) - np.float32(lon)))
        return int(rows[np.argmin(distance)])

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
        start = max(int(offset), 0)
        end = None if limit is None else start + max(int(limit), 0)
        if end is None:
            return self.take(self.row_order(spec, order_by, descending)[start:], columns)
        page = self._memo("page", spec, (order_by, bool(descending), start, end),
                          lambda: self._page(spec, order_by, bool(descending), start, end))
        return self.take(page, columns)

    def _page(self, spec: FilterSpec, order_by: str, descending: bool, start: int, end: int) -> np.ndarray:
        """Rows ``start:end`` of the sorted matches, reading only the blocks of the sorted table
        that hold them (:meth:`_matches_before_blocks`); a narrow filter sorts its own rows (see
        :meth:`_sorted_matches`).

        Where a filter's rows sit deep in the table's order (a year long ago, newest first) the
        page does not walk the rows before them: the table's first page, the bisection for its
        blank rows and the first and last dates of the chart captions each read a block or two.
        A page near the top is first looked for in the order's first :data:`TOP_ROWS_READ` rows
        (one event type: the first few hundred), which spares counting the whole order.
        """
        if end <= start:
            return np.zeros(0, dtype=np.int32)
        alone = self._sorted_matches(spec, order_by, descending)
        if alone is not None:
            return alone[start:end]
        everything = self._global_order(order_by, descending)
        counted = ("matches_before_blocks", spec, order_by, descending)
        if end <= PAGE_BLOCK and not self._has_filter_index(counted):  # near the top: often in its first rows
            found = self._first_matches(everything[:TOP_ROWS_READ], spec, end)
            if len(found) == end:
                return found[start:end]
        before = self._matches_before_blocks(spec, order_by, descending)
        first = int(np.searchsorted(before, start, side="right")) - 1  # the block holding match `start`
        last = int(np.searchsorted(before, end, side="left"))  # blocks before it hold match `end - 1`
        part = everything[first * PAGE_BLOCK:last * PAGE_BLOCK]
        skipped = int(before[first])
        return part[self.mask(spec)[part]][start - skipped:end - skipped]

    def _matches_before_blocks(self, spec: FilterSpec, column: str, descending: bool) -> np.ndarray:
        """How many matches come before each block of :data:`PAGE_BLOCK` rows of the table sorted
        by ``column`` (and, last, the number of matches): one read of the mask in that order,
        memoised per filter and order, so every later page reads only its own blocks."""
        def count() -> np.ndarray:
            if self.count(spec) * 2 < self.size:  # few matches: each one's block, counted
                blocks = self._blocks_of_rows(column, descending)
                per_block = np.bincount(blocks.take(self._rows(spec)), minlength=-(-self.size // PAGE_BLOCK))
            else:  # the mask read in the table's order, summed a block at a time
                hits = self.mask(spec)[self._global_order(column, descending)]
                per_block = np.add.reduceat(hits, np.arange(0, len(hits), PAGE_BLOCK), dtype=np.int64) \
                    if len(hits) else np.zeros(0, dtype=np.int64)
            return np.concatenate([[0], np.cumsum(per_block)])

        return self._per_filter(("matches_before_blocks", spec, column, descending), count)

    def _has_filter_index(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._filter_indexes

    def _sorted_matches(self, spec: FilterSpec, column: str, descending: bool) -> np.ndarray | None:
        """The matches in table order, sorted alone when they are few and the table's order by
        ``column`` is not built yet (a narrow filter never builds it); else None. Memoised: the
        table asks for several pages of one order."""
        if self.count(spec) > self.size * SMALL_MATCH_SHARE or self._has_lazy(("order", column, descending)):
            return None

        def sort() -> np.ndarray:
            rows = self._rows(spec)
            return rows[np.argsort(self._order_key(column, descending, rows), kind="stable")]

        return self._per_filter(("sorted_matches", spec, column, descending), sort)

    def row_order(self, spec: FilterSpec, order_by: str = "event_date", descending: bool = True) -> np.ndarray:
        """Row positions of the matching events in table order (memoised per spec and sort)."""
        if order_by not in SORTABLE_COLUMNS or order_by not in self._frame.columns:
            raise ValueError(f"cannot sort by {order_by!r}")
        return self._memo("row_order", spec, (order_by, bool(descending)),
                          lambda: self._row_order(spec, order_by, bool(descending)))

    def _row_order(self, spec: FilterSpec, order_by: str, descending: bool) -> np.ndarray:
        alone = self._sorted_matches(spec, order_by, descending)
        if alone is not None:
            return alone
        everything = self._global_order(order_by, descending)
        mask = self.mask(spec)
        return everything[mask[everything]]

    def _blocks_of_rows(self, column: str, descending: bool) -> np.ndarray:
        """Each row's block of :data:`PAGE_BLOCK` rows in the table sorted by ``column`` (int16 up
        to 134M rows): a filter's matches per block, without reading every row's mask."""
        def build() -> np.ndarray:
            order = self._global_order(column, descending)
            blocks = np.empty(len(order), dtype=np.int16 if len(order) // PAGE_BLOCK < 32_000 else np.int32)
            blocks[order] = np.arange(len(order)) // PAGE_BLOCK
            return read_only(blocks)

        return self._lazy_index(("blocks", column, descending, PAGE_BLOCK), build)

    def _global_order(self, column: str, descending: bool) -> np.ndarray:
        def build() -> np.ndarray:
            key = self._order_key(column, descending)
            if key.dtype != np.float64:
                return np.argsort(key, kind="stable").astype(np.int32)
            # Rows without a value hold one key (-inf descending, NaN ascending) and keep row order:
            # only the others are sorted, at the end of the order ascending, at its start descending.
            alike = np.isneginf(key) if descending else np.isnan(key)
            others = np.flatnonzero(~alike).astype(np.int32)
            ordered = others[np.argsort(key[others], kind="stable")]
            rest = np.flatnonzero(alike).astype(np.int32)
            return np.concatenate([rest, ordered] if descending else [ordered, rest])

        return self._lazy_index(("order", column, descending), build)

    def _order_key(self, column: str, descending: bool, rows: np.ndarray | None = None) -> np.ndarray:
        """A key for ``rows`` (every row when None) whose stable ascending sort is the table order.

        Missing values count as the largest, as they always have (first when descending). A
        column held as codes gives the rank of each row's value, narrow integers that numpy
        sorts by radix; others give floats.
        """
        ranked = self._ranks(column)
        if ranked is not None:
            codes, rank = ranked
            rank = np.append(rank, np.nan)  # code -1: missing
            missing = np.isnan(rank)
            top = int(np.nanmax(rank)) + 1 if not missing.all() else 0
            table = np.where(missing, -1 if descending else top, (top - 1 - rank) if descending else rank)
            table = table.astype(np.int16 if top < 32_000 else np.int32)
            return table[codes if rows is None else codes[rows]]
        key = self._sort_key(column, rows)
        return np.where(np.isnan(key), -np.inf, -key) if descending else key

    def _ranks(self, column: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Codes of a column held as codes, and each distinct value's rank (NaN: missing)."""
        if column == "event_date":
            found = self._codes.get(column)
            if found is None:
                return None
            days = days_of(pd.Series(found.uniques, dtype=object)).view(np.int64) if len(found.uniques) else \
                np.zeros(0, dtype=np.int64)
            known = days != np.iinfo(np.int64).min  # NaT
            rank = np.full(len(days), np.nan)
            rank[known] = np.unique(days[known], return_inverse=True)[1].reshape(-1)
            return found.codes, rank
        if column in ("actors", "actor_groups"):
            codes = self._actors if column == "actors" else self._groups
        elif column in self._codes:
            codes = self._codes[column]
        else:
            return None
        return codes.codes, dense_rank([label_of(v) for v in codes.uniques])

    def _sort_key(self, column: str, rows: np.ndarray | None = None) -> np.ndarray:
        """A float key for ``rows`` (every row when None) that sorts like the column (NaN where missing)."""
        if column == "event_date":
            days = self.date_start if rows is None else self.date_start[rows]
            return np.where(np.isnat(days), np.nan, days.view(np.int64).astype(np.float64))
        if column in COMPUTED_FLOATS:  # the store's own array: no copy of the column
            values = getattr(self, column)
            return values if rows is None else values[rows]
        key = self._sort_key_of_frame(column)
        return key if rows is None else key[rows]

    def _sort_key_of_frame(self, column: str) -> np.ndarray:
        series = self._frame[column]
        if isinstance(series.dtype, pd.StringDtype):
            values = arrow_strings(series)
            rank = pc.rank(values, sort_keys="ascending", tiebreaker="dense").to_numpy().astype(np.float64)
            return np.where(series.isna().to_numpy(), np.nan, rank)
        if series.dtype != object:
            return series.to_numpy(dtype=np.float64, na_value=np.nan)
        codes = Codes.of(series)
        rank = np.append(dense_rank([label_of(v) for v in codes.uniques]), np.nan)
        return rank[np.where(codes.codes < 0, len(codes.uniques), codes.codes)]

    def take(self, rows: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Columns for the given row positions (e.g. the hover text of drawn points)."""
        rows = np.asarray(rows, dtype=np.int64)
        return {column: self._column_at(column, rows) for column in columns}

    def _column_at(self, column: str, rows: np.ndarray) -> np.ndarray:
        """One column at ``rows``, as pandas' ``take(rows).to_numpy()`` gives it; text held as
        codes is read through them (pandas costs ~0.4 ms a column even for one row: a table
        page reads ten columns, the chart captions two columns four times)."""
        if column in self._objects:
            return values_of(self._objects[column], rows)
        series = self._frame[column]
        codes = self._codes.get(column)
        if codes is None or not isinstance(series.dtype, pd.CategoricalDtype):
            return series.take(rows).to_numpy()
        at = codes.codes[rows]
        values = codes.uniques.take(np.maximum(at, 0)) if len(codes.uniques) else np.empty(len(at), dtype=object)
        missing = at < 0
        if missing.any():  # as pandas reads a missing category: NaN, or NA for its string dtypes
            categories = series.cat.categories.dtype
            values[missing] = categories.na_value if isinstance(categories, pd.StringDtype) else np.nan
        return values

    def event(self, event_id: str) -> dict[str, object] | None:
        row = self._row_of(event_id)
        if row is None:
            return None
        event = self._frame.iloc[row].to_dict()
        for column, codes in self._objects.items():
            event[column] = values_of(codes, np.array([row]))[0]
        return event

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

    # ---- the data as a whole ---------------------------------------------------------------
    def _once(self, key: Hashable, compute: Callable[[], object]) -> object:
        """An answer about the whole table: the data never changes, so it is computed once."""
        with self._lock:
            if key in self._whole:
                self._whole.move_to_end(key)
                return self._whole[key]
        value = compute()
        with self._lock:
            value = self._whole.setdefault(key, value)
            while len(self._whole) > WHOLE_TABLE_ANSWERS:  # a link may name any datasets
                self._whole.popitem(last=False)
        return value

    def datasets(self) -> tuple[DatasetCount, ...]:
        """Every dataset the store holds, by id, with its row counts (computed once)."""
        return self._once("datasets", self._datasets)

    def _datasets(self) -> tuple[DatasetCount, ...]:
        codes = self._facet_codes["datasets"]
        present = codes.codes >= 0

        def per_dataset(rows: np.ndarray) -> np.ndarray:
            return np.bincount(codes.codes[rows & present], minlength=len(codes.uniques))

        events = per_dataset(np.ones(self.size, dtype=bool))
        synthetic, duplicates = per_dataset(self.synthetic), per_dataset(self.has_duplicate)
        found = sorted((str(name), i) for i, name in enumerate(codes.uniques) if events[i] and str(name).strip())
        return tuple(DatasetCount(name, int(events[i]), int(synthetic[i]), int(duplicates[i])) for name, i in found)

    def duplicates_in(self, dataset_id: str) -> int:
        """Rows of a dataset that may report the same event as a row of another dataset."""
        return self._once(("duplicates_in", dataset_id), lambda: self._duplicates_in(dataset_id))

    def _duplicates_in(self, dataset_id: str) -> int:
        return int(np.count_nonzero(self.has_duplicate & self._facet_codes["datasets"].allowed((dataset_id,))))

    def source_links(self) -> SourceLinks:
        """Events with a report link, and distinct links, over the whole table (computed once)."""
        return self._once("source_links", self._source_links)

    def _source_links(self) -> SourceLinks:
        url = self._text_codes("source_url")
        used = np.bincount(url.codes[url.codes >= 0], minlength=len(url.uniques))
        linked = np.array([str(u) != "" for u in url.uniques], dtype=bool)
        return SourceLinks(events_with_link=int(used[linked].sum()),
                           links=int(np.count_nonzero(linked & (used > 0))))

    def date_extent(self, datasets: tuple[str, ...] | None = None) -> tuple[np.datetime64, np.datetime64] | None:
        """First and last day of the events in ``datasets`` (computed once per dataset list)."""
        key = ("date_extent", None if datasets is None else tuple(sorted(set(datasets))))
        return self._once(key, lambda: self._date_extent(datasets))

    def _date_extent(self, datasets: tuple[str, ...] | None) -> tuple[np.datetime64, np.datetime64] | None:
        if datasets is None:
            return (self.date_start.min(), self.date_end.max()) if self.size else None
        wanted = tuple(datasets) or self.default_datasets
        shown = self._facet_codes["datasets"].allowed(wanted) if wanted else np.ones(self.size, dtype=bool)
        if not shown.any():
            return None
        return self.date_start[shown].min(), self.date_end[shown].max()

    # ---- facets for the filter panel -------------------------------------------------------
    def facet_options(self, facet_name: str, datasets: tuple[str, ...] = ()) -> list[str]:
        """Sorted distinct non-empty values of a facet in the shown datasets.

        Actors: names; regions: admin1 names. ``datasets`` reads like a dataset filter (``()``:
        the default datasets); the datasets facet itself always lists every dataset.
        """
        facet = FACETS_BY_NAME.get(facet_name)
        if facet is None:
            raise ValueError(f"unknown facet: {facet_name!r}")
        scope = () if facet.name == "datasets" else tuple(sorted(set(datasets))) or self.default_datasets
        key = (facet_name, scope)
        with self._lock:
            found = self._options.get(key)
            if found is not None:
                self._options.move_to_end(key)
                return list(found)
        rows = self._facet_codes["datasets"].allowed(scope) if scope else None
        if facet.match is Match.ACTOR:
            options = self._names_in(self._actors, rows, lambda combo: combo)
        elif facet.match is Match.REGION:
            options = self._names_in(self._admin1, rows, lambda value: str(value).split(";"))
        else:
            options = self._names_in(self._facet_codes[facet.name], rows, lambda value: (value,))
        with self._lock:
            self._options[key] = options
            while len(self._options) > OPTION_LISTS:
                self._options.popitem(last=False)
        return list(options)

    @staticmethod
    def _names_in(codes: Codes, rows: np.ndarray | None, names: Callable[[object], tuple | list]) -> list[str]:
        """Sorted distinct non-empty names in the values ``rows`` (every row when ``None``) hold.

        Only values some row holds: a categorical may carry unused categories.
        """
        held = codes.codes if rows is None else codes.codes[rows]
        used = np.bincount(held[held >= 0], minlength=len(codes.uniques)) > 0
        return sorted({str(name).strip() for value, is_used in zip(codes.uniques, used) if is_used
                       for name in names(value) if str(name).strip()})

    def distinct(self, column: str) -> list[str]:
        """Sorted distinct non-empty values of a text or list column (prefer :meth:`facet_options`)."""
        if column == "actors":
            values = [v for combo in self._actors.uniques for v in combo]
        elif column == "actor_groups":
            values = [v for combo in self._groups.uniques for v in combo]
        elif column == "admin1":
            values = [r for a in self._admin1.uniques for r in str(a).split(";")]
        elif column not in self._frame.columns:  # an older table without the column: no values
            values = []
        else:
            series = self._frame[column]
            values = [v for item in pd.unique(series.dropna()) for v in
                      (item if isinstance(item, tuple) else (item,))]
        return sorted({str(v).strip() for v in values if str(v).strip()})
