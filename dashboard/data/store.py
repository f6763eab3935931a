"""EventStore: the query engine every view goes through.

Everything above the store speaks only :class:`FilterSpec` and numpy columns, so another engine
(PostGIS, DuckDB) can replace :class:`InMemoryEventStore` without touching figures or callbacks.
Filtering uses boolean masks and allow-listed fields only: no query strings are ever built from
user input.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from .duplicates import duplicate_pairs, duplicates_by_row
from .filters import FilterSpec
from .schema import EVENT_COLUMNS, PRECISE_GEO, DatePrecision, EventType, GeoPrecision

EVENT_TYPES: tuple[str, ...] = tuple(EventType)
GEO_PRECISIONS: tuple[str, ...] = tuple(GeoPrecision)
BREAKDOWN_FIELDS = ("event_type", "actor_group", "country")
SORTABLE_COLUMNS = frozenset(EVENT_COLUMNS)


@dataclass(frozen=True)
class Totals:
    """Headline numbers for a filter."""

    events: int
    fatalities: int
    kg_seized: float
    sources: int


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

    unit: str  # "month" | "year"
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
    """Events aggregated into square grid cells of ``cell_deg`` degrees."""

    cell_deg: float
    latitude: np.ndarray  # cell centres
    longitude: np.ndarray
    counts: np.ndarray


class EventStore(Protocol):
    """What the dashboard needs from a store of events."""

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


def fold_text(text: str) -> str:
    """Lower-case and strip accents, so 'apurimac' finds 'Apurímac'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _period_end(start: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """Last day covered by each event's date, given its precision."""
    months = start.astype("datetime64[M]")
    years = start.astype("datetime64[Y]")
    month_end = (months + 1).astype("datetime64[D]") - 1
    year_end = (years + 1).astype("datetime64[D]") - 1
    return np.where(precision == DatePrecision.MONTH, month_end,
                    np.where(precision == DatePrecision.YEAR, year_end, start))


class InMemoryEventStore:
    """Columnar in-memory store: numeric columns as numpy arrays, text kept off the hot path.

    Parameters
    ----------
    events
        Canonical event table (see :mod:`dashboard.data.schema`).
    cache_size
        How many filter masks to keep (filters repeat as views refresh together).
    """

    def __init__(self, events: pd.DataFrame, cache_size: int = 64,
                 default_datasets: tuple[str, ...] = ()) -> None:
        self._frame = events.reset_index(drop=True)
        frame = self._frame
        self.size = len(frame)
        # What an empty dataset filter means (the bundled facts, so a shared link keeps its
        # meaning when someone imports data); () means every dataset.
        self.default_datasets = tuple(default_datasets)
        self._index_of_id = {eid: i for i, eid in enumerate(frame["event_id"])}
        self.date_start = pd.to_datetime(frame["event_date"]).to_numpy().astype("datetime64[D]")
        precision = frame["date_precision"].to_numpy(dtype=str)
        self.date_end = _period_end(self.date_start, precision)
        if "date_end" in frame.columns:  # a reported range (UCDP date_end) reaches to its last day
            reported_end = pd.to_datetime(frame["date_end"]).to_numpy().astype("datetime64[D]")
            self.date_end = np.where(np.isnat(reported_end), self.date_end,
                                     np.maximum(self.date_end, reported_end))
        self.latitude = frame["latitude"].to_numpy(dtype=np.float64)
        self.longitude = frame["longitude"].to_numpy(dtype=np.float64)
        self.type_code = np.array([EVENT_TYPES.index(t) for t in frame["event_type"]], dtype=np.int8)
        self.geo_code = np.array([GEO_PRECISIONS.index(g) for g in frame["geo_precision"]], dtype=np.int8)
        self.precise = np.isin(frame["geo_precision"].to_numpy(dtype=str), list(PRECISE_GEO))
        self.fatalities = frame["fatalities"].to_numpy(dtype=np.float64)
        self.quantity_kg = frame["quantity_kg"].to_numpy(dtype=np.float64)
        self.synthetic = frame["synthetic"].to_numpy(dtype=bool)
        self._value_columns = {
            "event_types": frame["event_type"].to_numpy(dtype=str),
            "countries": frame["country"].to_numpy(dtype=str),
            "routes": frame["route_id"].to_numpy(dtype=str),
            "drugs": frame["drug"].to_numpy(dtype=str),
            "datasets": frame["dataset"].to_numpy(dtype=str),
        }
        # Actor filter matches a group key or an exact actor name, case-insensitively; admin1
        # may list several regions ("Ayacucho;Cusco") and matches any of them.
        self._actor_rows: dict[str, list[int]] = {}
        for row, (actors, groups) in enumerate(zip(frame["actors"], frame["actor_groups"])):
            for name in {*(a.casefold() for a in actors), *groups}:
                self._actor_rows.setdefault(name, []).append(row)
        self._region_rows: dict[str, list[int]] = {}
        for row, admin1 in enumerate(frame["admin1"]):
            for name in {r.strip().casefold() for r in admin1.split(";") if r.strip()}:
                self._region_rows.setdefault(name, []).append(row)
        self._search_text = pd.Series(
            [fold_text(" ".join([loc, a1, a2, summ, " ".join(actors)]))
             for loc, a1, a2, summ, actors in zip(frame["location"], frame["admin1"], frame["admin2"],
                                                  frame["summary"], frame["actors"])],
            dtype=str,
        )
        # A report is its link; imported rows often name a source without one (ACLED, UCDP).
        self.source_key = np.where(frame["source_url"].to_numpy(dtype=str) != "",
                                   frame["source_url"].to_numpy(dtype=str),
                                   frame["source_name"].to_numpy(dtype=str))
        self._mark_duplicates()
        self._masks: OrderedDict[FilterSpec, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    def _mark_duplicates(self) -> None:
        """Fill ``duplicate_of`` (ids of likely duplicates in other datasets) for every row."""
        datasets = self._value_columns["datasets"]
        _, dataset_code = np.unique(datasets, return_inverse=True)
        pairs = duplicate_pairs(self.latitude, self.longitude, self.date_start, self.date_end,
                                self.type_code, dataset_code)
        ids = self._frame["event_id"].to_numpy(dtype=object)
        self._frame["duplicate_of"] = [tuple(ids[list(o)]) for o in duplicates_by_row(pairs, self.size)]
        self.duplicate_count = int(len(pairs))

    @property
    def frame(self) -> pd.DataFrame:
        """The whole event table (read it, never change it: masks are cached against it)."""
        return self._frame

    # ---- filtering -------------------------------------------------------------------------
    def mask(self, spec: FilterSpec) -> np.ndarray:
        """Boolean mask of the events matching ``spec`` (memoised per spec)."""
        cached = self._masks.get(spec)
        if cached is not None:
            self._masks.move_to_end(spec)
            return cached
        mask = self._compute_mask(spec)
        mask.setflags(write=False)
        self._masks[spec] = mask
        if len(self._masks) > self._cache_size:
            self._masks.popitem(last=False)
        return mask

    def _compute_mask(self, spec: FilterSpec) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        if spec.date_from is not None:
            mask &= self.date_end >= np.datetime64(spec.date_from, "D")
        if spec.date_to is not None:
            mask &= self.date_start <= np.datetime64(spec.date_to, "D")
        for field, column in self._value_columns.items():
            wanted = getattr(spec, field)
            if field == "datasets" and not wanted:
                wanted = self.default_datasets
            if wanted:
                mask &= np.isin(column, list(wanted))
        for wanted, rows_of in ((spec.actors, self._actor_rows), (spec.regions, self._region_rows)):
            if wanted:
                member = np.zeros(self.size, dtype=bool)
                for name in wanted:
                    member[rows_of.get(name.casefold(), [])] = True
                mask &= member
        if spec.kg_min is not None:
            mask &= self.quantity_kg >= spec.kg_min  # NaN compares False: unknown kg drops out
        if spec.kg_max is not None:
            mask &= self.quantity_kg <= spec.kg_max
        if spec.bbox is not None:
            west, south, east, north = spec.bbox
            mask &= (self.longitude >= west) & (self.longitude <= east)
            mask &= (self.latitude >= south) & (self.latitude <= north)
        if spec.polygon is not None:
            mask &= points_in_polygon(self.longitude, self.latitude, spec.polygon)
        if spec.text:
            needle = fold_text(spec.text)
            mask &= self._search_text.str.contains(needle, regex=False).to_numpy(dtype=bool)
        return mask

    # ---- queries ---------------------------------------------------------------------------
    def count(self, spec: FilterSpec) -> int:
        return int(self.mask(spec).sum())

    def totals(self, spec: FilterSpec) -> Totals:
        mask = self.mask(spec)
        return Totals(
            events=int(mask.sum()),
            fatalities=int(np.nansum(self.fatalities[mask])),
            kg_seized=float(np.nansum(self.quantity_kg[mask])),
            sources=len(set(self.source_key[mask]) - {""}),
        )

    def points(self, spec: FilterSpec, limit: int) -> PointColumns:
        rows = np.flatnonzero(self.mask(spec))
        total = len(rows)
        if total > limit:
            # Keep the largest events when thinning, so big seizures and deadly attacks stay visible.
            weight = np.nan_to_num(self.quantity_kg[rows]) + 1000 * np.nan_to_num(self.fatalities[rows])
            rows = np.sort(rows[np.argsort(-weight, kind="stable")[:limit]])
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
        mask = self.mask(spec)
        cell_x = np.floor(self.longitude[mask] / cell_deg).astype(np.int64)
        cell_y = np.floor(self.latitude[mask] / cell_deg).astype(np.int64)
        keys, counts = np.unique(np.stack([cell_y, cell_x]), axis=1, return_counts=True)
        return GridBins(
            cell_deg=cell_deg,
            latitude=(keys[0] + 0.5) * cell_deg if keys.size else np.empty(0),
            longitude=(keys[1] + 0.5) * cell_deg if keys.size else np.empty(0),
            counts=counts.astype(np.int64),
        )

    def histogram(self, spec: FilterSpec, unit: str = "auto", split_by: str = "event_type") -> Histogram:
        if split_by != "event_type":
            raise ValueError(f"unsupported split: {split_by}")
        mask = self.mask(spec)
        starts = self.date_start[mask]
        if unit == "auto":
            unit = choose_time_unit(starts, spec)
        step = "M" if unit == "month" else "Y"
        if starts.size:
            bins = starts.astype(f"datetime64[{step}]")
            first, last = bins.min(), bins.max()
            edges = np.arange(first, last + 1)
            positions = (bins - first).astype(np.int64)
        else:
            edges = np.array([], dtype=f"datetime64[{step}]")
            positions = np.array([], dtype=np.int64)
        counts = np.zeros((len(EVENT_TYPES), len(edges)), dtype=np.int64)
        np.add.at(counts, (self.type_code[mask].astype(np.int64), positions), 1)
        return Histogram(unit=unit, bin_starts=edges.astype("datetime64[D]"),
                         categories=EVENT_TYPES, counts=counts)

    def breakdown(self, spec: FilterSpec, field: str, top: int = 12) -> Breakdown:
        mask = self.mask(spec)
        if field == "event_type":
            values = pd.Series(self._value_columns["event_types"][mask])
        elif field == "country":
            values = pd.Series(self._value_columns["countries"][mask])
        elif field == "actor_group":
            values = self._frame.loc[mask, "actor_groups"].explode().dropna()
        else:
            raise ValueError(f"unsupported breakdown: {field}")
        counted = values.value_counts().head(top)
        return Breakdown(field=field, labels=tuple(str(v) for v in counted.index),
                         counts=counted.to_numpy(dtype=np.int64))

    def rows(self, spec: FilterSpec, columns: tuple[str, ...], *,
             order_by: str = "event_date", descending: bool = True,
             offset: int = 0, limit: int | None = None) -> dict[str, np.ndarray]:
        if order_by not in SORTABLE_COLUMNS:
            raise ValueError(f"cannot sort by {order_by!r}")
        unknown = [c for c in columns if c not in self._frame.columns]
        if unknown:
            raise ValueError(f"unknown columns: {unknown}")
        selected = self._frame.loc[self.mask(spec)]
        key = selected[order_by]
        if key.dtype == object:  # lists (actors) sort by their text
            key = key.map(lambda v: "; ".join(v) if isinstance(v, tuple) else str(v))
        order = np.argsort(key.to_numpy(), kind="stable")
        order = order[::-1] if descending else order
        end = None if limit is None else offset + limit
        page = selected.iloc[order[offset:end]]
        return {column: page[column].to_numpy() for column in columns}

    def take(self, rows: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Columns for the given row positions (e.g. the hover text of drawn points)."""
        page = self._frame.iloc[np.asarray(rows, dtype=np.int64)]
        return {column: page[column].to_numpy() for column in columns}

    def event(self, event_id: str) -> dict[str, object] | None:
        row = self._index_of_id.get(event_id)
        return None if row is None else self._frame.iloc[row].to_dict()

    def event_id_at(self, row: int) -> str | None:
        return str(self._frame.at[row, "event_id"]) if 0 <= row < self.size else None

    # ---- facets for the filter panel -------------------------------------------------------
    def distinct(self, column: str) -> list[str]:
        """Sorted distinct non-empty values of a text or list column."""
        series = self._frame[column]
        if column == "admin1":
            series = series.str.split(";")
        if series.dtype == object and len(series) and isinstance(series.iloc[0], tuple):
            series = series.explode()
        return sorted({str(v).strip() for v in series.explode().dropna() if str(v).strip()})

    def date_extent(self) -> tuple[np.datetime64, np.datetime64] | None:
        return (self.date_start.min(), self.date_end.max()) if self.size else None


def choose_time_unit(starts: np.ndarray, spec: FilterSpec) -> str:
    """Monthly bins for ranges up to six years, yearly beyond (keeps bars readable)."""
    if starts.size == 0:
        return "month"
    first = np.datetime64(spec.date_from, "D") if spec.date_from else starts.min()
    last = np.datetime64(spec.date_to, "D") if spec.date_to else starts.max()
    return "month" if (last - first).astype(int) <= 6 * 366 else "year"


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
