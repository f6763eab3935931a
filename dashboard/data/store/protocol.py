"""The store contract: what the dashboard may ask of a store of events, and what it gets back.

Everything above the store speaks only :class:`~dashboard.data.filters.FilterSpec`, these
result dataclasses and plain numpy columns, so another engine (PostGIS, DuckDB) can replace
:class:`~dashboard.data.store.memory.InMemoryEventStore` without touching figures, views or
callbacks. ``tests/unit/test_store_contract.py`` checks every implementation against a plain
pandas reference.

Rows are addressed by position: ``PointColumns.row``, :meth:`EventStore.nearest` and
:meth:`EventStore.event_id_at` use the same dense numbering ``0 … size - 1``, stable for the
life of a store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..facets import BREAKDOWN_FIELDS
from ..filters import FilterSpec
from ..schema import EVENT_COLUMNS, EventType, GeoPrecision

__all__ = [
    "BREAKDOWN_FIELDS", "EVENT_TYPES", "GEO_PRECISIONS", "NEAREST_DEGREES", "SORTABLE_COLUMNS", "TIME_UNITS",
    "Breakdown", "DatasetCount", "EventStore", "GridBins", "Histogram", "PointColumns", "QuantitySeries",
    "SourceLinks", "Totals",
]

EVENT_TYPES: tuple[str, ...] = tuple(EventType)
GEO_PRECISIONS: tuple[str, ...] = tuple(GeoPrecision)
SORTABLE_COLUMNS = frozenset(EVENT_COLUMNS)
TIME_UNITS = ("day", "week", "month", "year")
# A clicked point is looked for this far (degrees) around where it was drawn: float32 drawing
# moves a point by well under a metre, and a box this small holds few events.
NEAREST_DEGREES = 1e-3


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
class QuantitySeries:
    """Kilograms seized per year, split by drug (rows) x years (columns); unknown kg count as 0."""

    year_starts: np.ndarray  # datetime64[D], 1 January of each year from the first to the last
    drugs: tuple[str, ...]  # the drug values that hold any kg ('' = not stated)
    kg: np.ndarray  # float64, shape (len(drugs), len(year_starts))


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


@dataclass(frozen=True)
class DatasetCount:
    """One dataset the store holds and how many of its rows are what."""

    dataset_id: str
    events: int
    synthetic: int = 0  # generated rows
    duplicates: int = 0  # rows that may report the same event as a row of another dataset


@dataclass(frozen=True)
class SourceLinks:
    """How the whole table is sourced: events with a report link, and distinct links."""

    events_with_link: int
    links: int


class EventStore(Protocol):
    """What the dashboard needs from a store of events.

    Every filtering question takes a :class:`FilterSpec`; an empty ``datasets`` filter means
    the store's default datasets (all of them unless it was built with some). Results are
    frozen and may be shared between callers (their arrays are read-only).
    """

    size: int  # rows in the store, every dataset
    default_datasets: tuple[str, ...]  # what an empty ``datasets`` filter means; ``()``: every dataset
    # True: its answers wait on a database server, so a caller asking several runs them at once
    # (dashboard.data.concurrency); False: they compute in this process, holding its interpreter.
    reads_wait_on_server: bool

    def count(self, spec: FilterSpec) -> int:
        """Events matching ``spec``."""
        ...

    def count_at_most(self, spec: FilterSpec, limit: int) -> int:
        """Events matching ``spec``, counted up to ``limit``: ``min(count(spec), limit)``. Enough to
        tell whether they fit under a limit; a store that reads rows to count stops there."""
        ...

    def totals(self, spec: FilterSpec) -> Totals:
        """Headline numbers of the matching events (unknown fatalities and kg count as 0)."""
        ...

    def points(self, spec: FilterSpec, limit: int) -> PointColumns:
        """At most ``limit`` matching events to draw: the heaviest (kg + 1000 × deaths) first."""
        ...

    def bins(self, spec: FilterSpec, cell_deg: float) -> GridBins:
        """Matching events counted per grid cell of ``cell_deg`` degrees (non-empty cells)."""
        ...

    def histogram(self, spec: FilterSpec, unit: str = "auto",
                  split_by: str = "event_type") -> Histogram:
        """Matching events per time bin (:data:`TIME_UNITS`, or chosen from the span) and type."""
        ...

    def breakdown(self, spec: FilterSpec, field: str, top: int = 12) -> Breakdown:
        """Matching events per value of a :data:`BREAKDOWN_FIELDS` choice, largest first.

        Ties keep the facet's vocabulary order (closed facets) or label order; empty values
        are left out.
        """
        ...

    def kg_by_year(self, spec: FilterSpec) -> QuantitySeries:
        """Kilograms seized per calendar year of the event date, per drug, over the matching events."""
        ...

    def rows(self, spec: FilterSpec, columns: tuple[str, ...], *,
             order_by: str = "event_date", descending: bool = True,
             offset: int = 0, limit: int | None = None) -> dict[str, np.ndarray]:
        """One page of matching rows sorted by a :data:`SORTABLE_COLUMNS` column.

        Ties keep table order; missing values sort as the largest.
        """
        ...

    def take(self, rows: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Columns of the rows at the given positions."""
        ...

    def event(self, event_id: str) -> dict[str, object] | None:
        """Every column of one event, or ``None`` when no event has that id."""
        ...

    def event_id_at(self, row: int) -> str | None:
        """The id of the event at a row position, ``None`` outside the store."""
        ...

    def nearest(self, spec: FilterSpec, latitude: float, longitude: float, *,
                event_type: str | None = None, precise: bool | None = None) -> int | None:
        """The row of the matching event drawn nearest a map point, or ``None``.

        Only events within :data:`NEAREST_DEGREES` count, measured in float32 as points are
        drawn; ``event_type`` and ``precise`` (exact or town place) narrow it to one trace. Of
        several at the same distance, the first row wins.
        """
        ...

    def facet_options(self, facet_name: str, datasets: tuple[str, ...] = ()) -> list[str]:
        """Sorted distinct non-empty values of a facet in the shown datasets.

        Actors: each actor's name; regions: each ';'-separated admin1 name. ``datasets`` reads
        like a dataset filter: the rows of those datasets, ``()`` the default datasets (every
        dataset when the store has no default), an unknown dataset none. The ``datasets`` facet
        itself always lists every dataset the store holds.
        """
        ...

    def date_extent(self, datasets: tuple[str, ...] | None = None) -> tuple[np.datetime64, np.datetime64] | None:
        """First and last day any event covers, ``None`` when none is there.

        ``datasets`` scopes it like a dataset filter (``()``: the default datasets); ``None``
        means the whole store. Playback frames span the shown data, not every dataset's years.
        """
        ...

    def datasets(self) -> tuple[DatasetCount, ...]:
        """Every dataset the store holds, by id, with its row counts."""
        ...

    def duplicates_in(self, dataset_id: str) -> int:
        """Rows of a dataset that may report the same event as a row of another dataset."""
        ...

    def source_links(self) -> SourceLinks:
        """Events with a report link, and distinct links, over the whole table."""
        ...
