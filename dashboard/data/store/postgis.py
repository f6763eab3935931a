"""PostgisEventStore: the events in PostgreSQL/PostGIS, every question answered by one SQL query.

Implements :class:`~dashboard.data.store.protocol.EventStore` over the schema of
``dashboard/data/database/migrations`` and passes the same contract suite as the in-memory store.
A worker holds no events: it holds the list of datasets and a few numbers per dataset.

- **Filters** become one ``WHERE`` clause built from the facet registry
  (:data:`~dashboard.data.facets.FACETS`): a ``Match.VALUE`` facet compares its column with
  ``= ANY(:values)``, actors and regions compare the case-folded arrays the loader wrote. Every
  value is a bound parameter; table and column names come from this module's constants.
- **Aggregates** (counts, totals, grid cells, time bins, breakdowns, kg per year, facet options)
  are ``GROUP BY`` queries; only the groups travel, and the last step (a bin's commonest type, a
  histogram's empty bins) is numpy over those few rows.
- **Rollups** (migration 0006): when a filter touches only datasets, dates, value facets and a
  box (:func:`rolls_up`), the counts, totals, month and year timeline, value breakdowns and kg
  per year are sums over ``event_cells``' groups per month (per month and 1-degree cell with a
  box: 1, 0.5 or 0.2 degrees by its size), the map's coarse cells (:data:`ROLLUP_CELL_SIZES`) sums over its groups per month and
  cell, and a timeline by day or week sums over ``event_rollup``'s groups per day. The events a
  group cannot place (a date bound's own month, a box's edge cells) are read from the facts, so
  the answers are the facts' own (the oracle tests compare); a box's edge through the covering
  point GiST, strip by strip, index-only (migration 0008). Actor and region options come from
  ``event_names`` (migration 0007). A filter naming actors or regions, or bounding the kg, and
  otherwise what the rollups group by (:func:`cells_table`) sums the groups of
  ``event_name_cells`` (``event_cells``' split by the events' actor and region key arrays,
  migration 0011: the filter's test on those arrays is exact on a group) or ``event_kg_cells``
  (split by kg band, 0012: a bound inside a band reads that band from the facts, as a date bound's
  month). A filter of datasets, event types and a box reads its map
  cells at every size and its count from ``event_grid`` (per cell and type, 0008); one of
  datasets, types and dates its counts per day from ``event_days`` (per day and type, 0009). A
  search for a place word (0019: a word of the events' place names that many of one dataset's
  carry) or a word an admin keeps (0020, ``db words add``), with what ``event_cells`` answers
  besides, sums ``event_word_cells`` (``event_cells`` split by the word, of the facts the search
  itself matches) instead of reading its facts.
- **Under load** each process runs at most :data:`STORE_QUERY_SLOTS` store queries at once (the
  rest wait in the process; ``RUTAS_DATABASE_QUERY_SLOTS``, :func:`set_query_slots`), and the
  sessions run no parallel workers (``engine.SESSION_OPTIONS``). One request's statements may take
  both slots at once (:func:`~dashboard.data.concurrency.at_once`): a box's inner groups and its
  edge's two halves, a broad search's two halves of its texts; an answer being computed by one
  thread is waited for by another that asks for it (:meth:`PostgisEventStore._memo`).
- **Rows** are numbered ``0 … size - 1`` in table order (the database-wide ``seq``) from a few
  runs of consecutive ``seq`` per dataset, read once; pages are fetched by keyset (after the last
  row of the page before) when that page was read, by ``OFFSET`` otherwise.
- **Results** are memoised in a :class:`~dashboard.data.cache.ResultCache` under
  ``(version, operation, spec, arguments)`` like the in-memory store's; ``version`` is the
  database's data version, so a shared cache (Redis) serves every worker of one database alike.

A store is a snapshot of the datasets present when it was made: it reads only those, so a
dataset imported meanwhile appears in the next store (the process context makes one when the data
version moves) and never half-way through a page.
"""

from __future__ import annotations

import logging
import math
import os
import shlex
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sqlalchemy import Engine, text

from ..cache import LruResultCache, ResultCache
from ..concurrency import at_once
from ..database.engine import engine_for
from ..duplicates import MAX_PARTNERS_PER_ROW
from ..facets import BREAKDOWN_FACETS, FACETS, FACETS_BY_NAME, Facet, Match
from ..filters import FilterSpec
from ..schema import ALL_COLUMNS, PRECISE_GEO
from ..text import fold_text
from .codes import read_only
from .dates import choose_time_unit
from .grid import CELL_SIZES
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

log = logging.getLogger(__name__)

DUPLICATE_PARTNERS_SHOWN = MAX_PARTNERS_PER_ROW  # twins listed per row, as the in-memory store finds them
ROW_COLUMNS: tuple[str, ...] = (*ALL_COLUMNS, "duplicate_of")
LIST_COLUMNS = frozenset({"actors", "actor_groups"})
DATE_COLUMNS = frozenset({"event_date", "date_end"})
FLOAT_COLUMNS = frozenset({"latitude", "longitude", "fatalities", "quantity_kg", "fatalities_low", "fatalities_high"})
BOOL_COLUMNS = frozenset({"synthetic", "geocoded"})
# Columns stored as they are named (everything but the dataset id, held as a key, and duplicates).
STORED_COLUMNS = frozenset(ALL_COLUMNS) - {"dataset"}
PRECISE_VALUES = [str(g) for g in PRECISE_GEO]
# Columns of event_facts (migration 0003), the narrow copy the aggregates scan.
FACT_COLUMNS = frozenset({"event_date", "last_day", "latitude", "longitude", "quantity_kg", "fatalities",
                          "source_hash", "synthetic", "event_type", "drug", "country", "geo_precision", "route_id",
                          "location", "original_type", "original_subtype"})
# Value-facet columns of event_rollup and event_cells (migration 0006): the groups the loader writes.
ROLLUP_COLUMNS = frozenset({"event_type", "country", "drug", "route_id", "original_type", "original_subtype"})
# The cell sizes event_cells holds (the loader writes them): the coarse ones, asked when the matching
# events are too many to draw; finer cells come from the facts.
# 0: one cell holding every event, placed or not (the groups per month alone).
ROLLUP_CELL_SIZES: tuple[float, ...] = (0.0, *(size for size in CELL_SIZES if size >= 0.2))
# The cell sizes event_grid holds (migration 0008): events per cell and type alone, every map size.
GRID_CELL_SIZES: tuple[float, ...] = CELL_SIZES
WHOLE = 0.0  # the cell size of event_cells' groups per month alone
# Facets whose values event_name_cells' key arrays hold (the facts' actor_keys and region_keys).
NAME_MATCHES = frozenset({Match.ACTOR, Match.REGION})
# event_kg_cells' bands (migration 0012): an event's band is width_bucket(kg, KG_BANDS), the number
# of edges at or below its kg. Round figures people type (10, 50, 100, 500, 1,000 kg) are edges, so
# such a bound selects whole groups; a bound inside a band reads that band's events from the facts.
KG_BANDS = (0.0, 1.0, 10.0, 50.0, 100.0, 500.0, 1_000.0, 5_000.0, 10_000.0, 50_000.0)
# The rollups of groups per month and cell: their summaries, cells and breakdowns read alike.
MONTHLY_ROLLUPS = frozenset({"event_cells", "event_name_cells", "event_kg_cells", "event_word_cells"})
# event_cells split by the deployment's place words (migration 0019; the loader's WORD_MIN_EVENTS)
# and the words an admin keeps (0020): a search for one with no actor, region or kg filter reads
# these groups and not its facts.
WORD_CELLS = "event_word_cells"
WORD_MIN_LENGTH = 3  # the shortest word given groups (a place word, a kept one)
# A search its word's groups would answer, read from its facts this slow or slower: the log names the
# command that keeps them (an admin learns which words readers wait for; "police" at 10M: 5-6 s).
SLOW_SEARCH_S = 1.0
# The cell sizes a box's totals, timeline and breakdowns are read from (the cells inside it; the
# facts of its edge cells), coarsest first: coarse ones are fewer groups, fine ones a thinner edge.
BOX_CELLS = (1.0, 0.5, 0.2)
# The planner guesses a fixed, small share of rows for any box, so the facts' point GiST is offered
# only for boxes holding few events (event_grid's count of the cells the box touches, an upper
# bound: cells of box_estimate_cell's size, the finest of at most BOX_ESTIMATE_CELLS): aggregates
# read the GiST up to this share of the store's events (a continent-wide box + kg filter took the
# GiST: 22 s at 10M), a table page (ORDER BY … LIMIT: the date or kg
# B-tree walked with the box as a filter) up to GIST_PAGE_EVENTS (the VRAEM, 4 square degrees and
# ~380k of 1M events, took 240 ms a one-row page through the GiST; the table's bisection asks 17).
GIST_BOX_SHARE = 0.25
GIST_PAGE_EVENTS = 20_000
# 1-degree cells counted a town's view at zoom 12 in the VRAEM as the 2.7M events around it at 10M
# (no GiST: a scan of every fact for its 2,000 heaviest points, 1.1 s alone, 17–34 s under load).
BOX_ESTIMATE_CELLS = 2_500
# A box of at most this many event_grid cells of a tenth of the map's cell size has its map cells
# summed from those (an edge a tenth as wide read from the facts; VRAEM at zoom 5: 1,932).
FINE_GRID_CELLS = 20_000
BOX_PARTS = 4  # a box over at most this many map cells: each cell's part counted from the grid, not the facts
# What a summary of the facts sums in each group, named as its readers name the columns.
FACT_SUMS = """count(*) AS n, COALESCE(sum(fatalities), 0) AS fatalities, COALESCE(sum(quantity_kg), 0) AS kg_all,
                       COALESCE(sum(quantity_kg) FILTER (WHERE quantity_kg > 0), 0) AS kg_held,
                       count(*) FILTER (WHERE synthetic) AS synthetic,
                       min(event_date) - DATE '1970-01-01' AS first_date,
                       max(event_date) - DATE '1970-01-01' AS last_date"""
# A box edge's groups hashed, never sorted: the planner guesses a strip's facts 10-100 times too
# few (the VRAEM box's western edge half: 1,278 for 148,737) and then sorts them before grouping
# (~200 ms of 475 at 10M; hashed, ~260 ms whole). Its statement reads index scans alone; a search
# (a semi-join on the matching texts) planned without sorts took minutes.
HASHED_GROUPS = "enable_sort = off"
# A search's summary with every grouping set hashed: the planner guesses its facts and groups
# several times too many ("callao" at 10M: 2.5M facts and 1M groups for 786k and 28k), finds the
# hash tables over work_mem and sorts the facts twice instead, on disk (reports, drug and year).
# Planned with a larger hash budget it hashes all five: a half 1.2-1.5 -> 0.7-1.2 s, "vraem"'s
# 0.58-0.63 -> 0.46-0.50 s. A hash table larger than the budget spills to disk: the setting
# plans, it does not let memory run over.
HASHED_SETS = "hash_mem_multiplier = 8"
# The totals of a summary summed from its groups of FACT_SUMS.
GROUP_TOTALS = """CAST(sum(n) AS bigint), sum(fatalities), sum(kg_all), CAST(sum(synthetic) AS bigint),
                   min(first_date), max(last_date)"""
# event_facts' strip order (migration 0018): the facts by band of longitude, then by latitude. A
# box's edge strips read one latitude range in each band they cross (the VRAEM box's northern strip
# at 10M: 193k facts in 58 ms, 199-274 ms through the point GiST, whose pages hold them scattered).
STRIP_BAND = 0.01  # degrees of longitude
STRIP_BAND_EXPRESSION = "floor(longitude / 0.01)"  # word for word the index's expression
MAX_STRIP_BANDS = 4_000  # a wider strip reads the point GiST: each band is a descent of the B-tree
EDGE_MARGIN = 1e-9  # degrees: far above a division's rounding at |180|, far below any box anyone draws
# Store queries one process runs at once; the others wait their turn in the process (a queue). 20
# users on 2 workers had ~10 backends (and their parallel workers) share 2 cores: each query took
# the time of all, p95 35 s. The server's cores run this many per worker at full speed.
STORE_QUERY_SLOTS = 2
# A filter's facts read in parts at once (dashboard.data.concurrency), each a statement on its own
# connection in the query slots: a GROUPING SETS statement gets no parallel workers (one core). A
# box's edge is read beside its inner groups, in two halves; a search's facts, when it reads at
# least SPLIT_TEXT_FACTS, as two halves of its texts (the text keys' sign: hashes, so about even) or,
# read through the rest of a filter bounded by two dates, of its days.
SPLIT_TEXT_FACTS = 100_000
EDGE_SPLIT_CELL = 0.02  # event_grid's cells a box edge's events are weighed by, to part them in halves
GRID_ROUNDING = 1e-6  # cells: far above EDGE_MARGIN / EDGE_SPLIT_CELL, far below one cell
TEXT_HALVES = ("text_key < 0", "text_key >= 0")
# The table orders an index holds (place: 0013; date, kg: 0003, in the facts; source, event id:
# 0016, in the events), each with the same order kept off its index. A page walks the index only
# when the filter matches at least INDEX_WALK_SHARE of the store's events, else it sorts the
# matching rows: in the orders whose values run in blocks (BLOCK_ORDERS) for any filter, and in any
# of them for a text search (whose rows the planner cannot count: a subquery).
# At 10M: an actor (8.7 %) by place 3 s sorted -> 3 ms ascending, 1 s descending (the walk passes
# the places holding none of its events); a type in one year (0.86 %) 0.3 s sorted, 0.95 s walked;
# a word 1.4 % hold, newest first, 0.63 s walked, 0.11 s sorted through the text index (0014).
# Columns of few values a table page is put together from value by value (their counts come with
# the filter's summary, or its count per dataset), each value's rows in table order along an index.
VALUE_ORDERS = frozenset({"event_type", "country", "dataset"})
ORDERS_OFF_INDEX = {"location": "({key}) || ''", "event_date": "({key}) + 0", "quantity_kg": "({key}) + 0",
                    "source_name": "({key}) || ''", "event_id": "({key}) || ''"}
# Orders whose values come in blocks (a place's events, a report's, a dataset's ids): a walk along
# the index for a narrow filter passes long runs of rows holding none of its events.
BLOCK_ORDERS = frozenset({"location", "source_name", "event_id"})
INDEX_WALK_SHARE = 0.05
# A page in an order of BLOCK_ORDERS first walks at most this many rows of its index (the filter
# checked on them), unless a narrow search's rows are sorted through the text index: a filter
# whose rows are spread along the order fills its page there (at 10M, a type in one year by
# source: 0.9 s sorted, 12-47 ms walked); one whose rows sit in far blocks spends it and is sorted
# (Peru + "cocaine" by place, descending: the places of other countries first, 72 s walked whole).
WALK_BUDGET = 20_000
WALK_TRIED_SHARE = 0.5  # a walk expected to need more than this share of its budget is not tried
FACT_SORTABLE = frozenset(c for c in SORTABLE_COLUMNS if c in FACT_COLUMNS or c == "dataset")
EPOCH = date(1970, 1, 1)
# The breakdown the summary's scan also counts: the caption's, which every filter change asks
# (dashboard.exports.captions), so it costs no scan of its own.
SUMMARY_BREAKDOWN = "country"
DATES_FROM_COUNTS = 1_000  # rows of a date-order page of dates alone worked out from the counts per day


_slots_per_process = STORE_QUERY_SLOTS  # RUTAS_DATABASE_QUERY_SLOTS, once the app has read it
_query_slots = threading.BoundedSemaphore(_slots_per_process)


def _fresh_query_slots() -> None:
    global _query_slots  # a forked worker starts with every slot free (none of its threads holds one)
    _query_slots = threading.BoundedSemaphore(_slots_per_process)


def set_query_slots(slots: int) -> None:
    """How many store queries this process runs at once (``RUTAS_DATABASE_QUERY_SLOTS``); set
    before the stores serve (a query holding a slot of the old count keeps it)."""
    global _slots_per_process
    if int(slots) < 1:
        raise ValueError(f"RUTAS_DATABASE_QUERY_SLOTS must be at least 1, not {slots}")
    _slots_per_process = int(slots)
    _fresh_query_slots()


os.register_at_fork(after_in_child=_fresh_query_slots)


def _check_registry() -> None:
    """Every value facet's column is a stored column: a new facet needs no edit here, or fails loudly."""
    for facet in FACETS:
        if facet.match is Match.VALUE and facet.name != "datasets" and facet.column not in STORED_COLUMNS:
            raise RuntimeError(f"facet {facet.name}: the events table has no column {facet.column!r}")
        if facet.match is Match.VALUE and facet.name != "datasets" and facet.column not in FACT_COLUMNS:
            raise RuntimeError(f"facet {facet.name}: event_facts has no column {facet.column!r} (a new migration "
                               f"adds it)")
        if facet.match is Match.VALUE and facet.name != "datasets" and facet.column not in ROLLUP_COLUMNS:
            raise RuntimeError(f"facet {facet.name}: event_rollup has no column {facet.column!r} (a new migration "
                               f"adds it and the loader's rollups group by it)")


_check_registry()


def _sort_expression(column: str) -> str:
    """SQL that sorts like the in-memory store's key for ``column``: text in code-point order
    (collation "C"), lists by their '; '-joined text, the dataset by its id (``:dataset_rank``)."""
    if column == "dataset":
        return "array_position(CAST(:dataset_rank AS integer[]), dataset_key)"
    if column in LIST_COLUMNS:
        return f"array_to_string({column}, '; ') COLLATE \"C\""
    if column in DATE_COLUMNS or column in FLOAT_COLUMNS or column in BOOL_COLUMNS:
        return column
    return f'{column} COLLATE "C"'


def rolls_up(spec: FilterSpec) -> bool:
    """Whether a filter touches only datasets, dates, value facets and a box: what the rollups
    (migration 0006) are grouped by, so they answer its counts, sums, timeline, breakdowns and
    coarse cells (a box: from the cells inside it, the rows of the cells on its edge from the facts)."""
    if spec.kg_min is not None or spec.kg_max is not None or spec.polygon is not None:
        return False
    if spec.text:
        return False
    return all(facet.match is Match.VALUE or not getattr(spec, facet.name) for facet in FACETS)


def cells_table(spec: FilterSpec) -> str | None:
    """The rollup of groups per month and cell that answers a filter's counts, sums, timeline,
    breakdowns and coarse cells, ``None`` when none does: ``event_cells`` for what
    :func:`rolls_up`; ``event_name_cells`` (migration 0011: split by the events' actor and region
    key arrays) when it also names actors or regions; ``event_kg_cells`` (0012: split by kg band)
    when it also bounds the kg. Both at once: no table groups by both."""
    named = {facet.name: () for facet in FACETS if facet.match in NAME_MATCHES}
    has_names = any(getattr(spec, name) for name in named)
    has_kg = spec.kg_min is not None or spec.kg_max is not None
    if has_names and has_kg or not rolls_up(spec.with_changes(**named, kg_min=None, kg_max=None)):
        return None
    return "event_name_cells" if has_names else "event_kg_cells" if has_kg else "event_cells"


def word_groups_could_answer(spec: FilterSpec) -> bool:
    """Whether a search's word's groups (:data:`WORD_CELLS`, split from ``event_cells``) would answer
    it, were they kept in every dataset it reads: the rest of the filter is one event_cells answers."""
    return bool(spec.text) and cells_table(spec.with_changes(text=None)) == "event_cells"


def kg_bands_kept(kg_min: float | None, kg_max: float | None) -> tuple[int, int, list[tuple[float | None, float | None]]]:
    """The kg bands (of :data:`KG_BANDS`) whose every event kg bounds keep, as (first, last; none
    when first > last), and the (low, high) kg of each band a bound cuts (``None``: unbounded).

    Band ``b`` holds the kg in [KG_BANDS[b - 1], KG_BANDS[b]): band 0 below the first edge, the
    last from the last edge up. A lower bound on an edge starts a band; any other bound cuts one.
    """
    top = len(KG_BANDS)
    first, last, cut = 0, top, []
    if kg_min is not None:
        band = bisect_right(KG_BANDS, kg_min)
        if band > 0 and KG_BANDS[band - 1] == kg_min:
            first = band
        else:
            first = band + 1
            cut.append(band)
    if kg_max is not None:  # the band holding kg_max keeps kg_max itself but not what lies above it
        band = bisect_right(KG_BANDS, kg_max)
        last = band - 1
        if band not in cut:
            cut.append(band)
    return first, last, [(KG_BANDS[b - 1] if b > 0 else None, KG_BANDS[b] if b < top else None) for b in cut]


def grids(spec: FilterSpec) -> bool:
    """Whether event_grid (migration 0008: events per cell and type) answers a filter's map cells:
    it touches only datasets, event types of the vocabulary and a box."""
    if not rolls_up(spec) or spec.date_from is not None or spec.date_to is not None:
        return False
    if not set(spec.event_types) <= set(EVENT_TYPES):  # other types share one type_code
        return False
    return all(not getattr(spec, facet.name) for facet in FACETS
               if facet.match is Match.VALUE and facet.name not in ("datasets", "event_types"))


def by_day_and_type(spec: FilterSpec) -> bool:
    """Whether event_days (migration 0009: events per day, last day and type) answers a filter's
    counts per day: it touches only datasets, event types and dates."""
    return rolls_up(spec) and spec.bbox is None and all(
        not getattr(spec, facet.name) for facet in FACETS
        if facet.match is Match.VALUE and facet.name not in ("datasets", "event_types"))


def _month_bounds(day: date) -> tuple[date, date]:
    """The first day of ``day``'s month and of the month after."""
    first = day.replace(day=1)
    return first, (first.replace(year=first.year + 1, month=1) if first.month == 12
                   else first.replace(month=first.month + 1))


def _cell_start(index: int, cell: float) -> float:
    """The least float ``x`` with ``floor(x / cell) >= index``: where cell ``index``'s events start.

    The division rounds, monotonically, so this is exact; it lies a few ulps from ``index * cell``
    (which rounds too: -61 x 0.2 is -12.200000000000001, yet -12.2 / 0.2 floors to -61).
    """
    x = index * cell
    while math.floor(x / cell) >= index:
        x = math.nextafter(x, -math.inf)
    while math.floor(x / cell) < index:
        x = math.nextafter(x, math.inf)
    return x


def _inner_span(low: float, high: float, cell: float) -> tuple[int, int]:
    """First and last cell index along one axis whose every event lies within ``low`` and ``high``
    (the events of cell k lie from its start up to, not including, cell k + 1's)."""
    first = math.floor(low / cell)
    while _cell_start(first, cell) < low:
        first += 1
    while _cell_start(first - 1, cell) >= low:
        first -= 1
    last = math.floor(high / cell)
    while math.nextafter(_cell_start(last + 1, cell), -math.inf) > high:
        last -= 1
    while math.nextafter(_cell_start(last + 2, cell), -math.inf) <= high:
        last += 1
    return first, last


def _inner_cells(box: tuple[float, float, float, float] | None, cell: float,
                 widen: float = 0.0) -> tuple[int, int, int, int] | None:
    """(first x, last x, first y, last y) of the cells of size ``cell`` (``floor(degrees / cell)``)
    whose every event is inside ``box`` widened by ``widen`` degrees each way; ``None``: no such
    cell. A cell on a box's edge can hold floats an ulp outside it (-12.200000000000001 / 0.2 is
    -61.0): widened, the cells are inside when no event lies that near outside (the caller checks)."""
    if box is None or not all(map(math.isfinite, box)):
        return None
    west, south, east, north = box
    first_x, last_x = _inner_span(west - widen, east + widen, cell)
    first_y, last_y = _inner_span(south - widen, north + widen, cell)
    return (first_x, last_x, first_y, last_y) if first_x <= last_x and first_y <= last_y else None


def _box_parts(box: tuple[float, float, float, float] | None,
               cell: float) -> list[tuple[int, int, tuple[float, float, float, float]]] | None:
    """The box cut along the edges of the cells of size ``cell`` it touches: (x, y, part) per cell,
    each part holding exactly the box's floats whose cell that is (``floor(degrees / cell)``: the
    division rounds monotonically, so a cell's floats run from its start to the next cell's). ``None``
    when it touches more than :data:`BOX_PARTS` cells or is not a finite, upright box."""
    if box is None or not all(map(math.isfinite, box)):
        return None
    west, south, east, north = box
    if west > east or south > north:
        return None
    xs = range(math.floor(west / cell), math.floor(east / cell) + 1)
    ys = range(math.floor(south / cell), math.floor(north / cell) + 1)
    if len(xs) * len(ys) > BOX_PARTS:
        return None

    def span(index: int, low: float, high: float) -> tuple[float, float]:
        return max(low, _cell_start(index, cell)), min(high, math.nextafter(_cell_start(index + 1, cell), -math.inf))

    parts = []
    for x in xs:
        part_west, part_east = span(x, west, east)
        for y in ys:
            part_south, part_north = span(y, south, north)
            parts.append((x, y, (part_west, part_south, part_east, part_north)))
    return parts


def box_estimate_cell(box: tuple[float, float, float, float]) -> float:
    """The finest event_grid size whose cells touching a finite ``box``, and a ring of cells
    around them, number at most :data:`BOX_ESTIMATE_CELLS` (the coarsest size otherwise)."""
    west, south, east, north = box
    for size in sorted(GRID_CELL_SIZES):
        columns = math.floor(east / size) - math.floor(west / size) + 3
        rows = math.floor(north / size) - math.floor(south / size) + 3
        if columns * rows <= BOX_ESTIMATE_CELLS:
            return size
    return max(GRID_CELL_SIZES)


def finer_grid_size(cell: float) -> float | None:
    """The event_grid size a box's map cells of size ``cell`` are summed from: a tenth of it (a
    fifth, a half) when the grid holds one dividing it, ``None`` else. Finer cells fit closer to
    the box's edges: fewer events left to read from the facts."""
    for parts in (10, 5, 2):
        size = next((s for s in GRID_CELL_SIZES if math.isclose(s * parts, cell, rel_tol=1e-12)), None)
        if size is not None:
            return size
    return None


def coarse_of_fine(first: int, last: int, fine: float, cell: float) -> dict[int, int | None]:
    """For each fine cell index along one axis, the cell of size ``cell`` every float of it falls
    in, ``None`` when a coarse edge cuts it (its floats' cells differ: -74.0 / 0.05 may round either
    side of -1480 while -74.0 / 0.5 is -148 exactly)."""
    found: dict[int, int | None] = {}
    for index in range(first, last + 1):
        low = math.floor(_cell_start(index, fine) / cell)
        high = math.floor(math.nextafter(_cell_start(index + 1, fine), -math.inf) / cell)
        found[index] = low if low == high else None
    return found


def cut_sliver(index: int, fine: float, cell: float) -> tuple[float, float, int]:
    """For a fine cell a coarse edge cuts: the floats on the narrow side of that edge, as [low,
    high) (a few ulps wide), and the coarse cell of all its other floats. When no event lies in
    the sliver, the fine cell's events all belong to that coarse cell."""
    start, end = _cell_start(index, fine), _cell_start(index + 1, fine)
    upper = math.floor(math.nextafter(end, -math.inf) / cell)
    edge = _cell_start(upper, cell)  # floats from here on fall in the upper coarse cell
    if edge - start <= end - edge:
        return start, edge, upper
    return edge, end, math.floor(start / cell)


def strip_bands(west: float, east: float) -> list[float] | None:
    """The bands of event_facts' strip order (:data:`STRIP_BAND_EXPRESSION`) holding the
    longitudes from ``west`` to ``east``, ``None`` when there are over :data:`MAX_STRIP_BANDS`.
    Exact: Python divides floats as PostgreSQL does (IEEE), and a correctly rounded division by a
    positive constant, then floor, never decreases as the longitude grows."""
    first, last = math.floor(west / STRIP_BAND), math.floor(east / STRIP_BAND)
    if last - first + 1 > MAX_STRIP_BANDS:
        return None
    return [float(band) for band in range(first, last + 1)]


def _strip(corners: tuple[str, str, str, str], more: str, bands: str | None = None) -> str:
    """Facts in the box of these parameters' corners (west, south, east, north), and ``more``:
    with ``bands`` (the parameter holding :func:`strip_bands`), one latitude range in each band of
    the strip order; without, the point GiST's condition."""
    west, south, east, north = corners
    if bands is None:
        inside = f"point(longitude, latitude) <@ box(point(:{west}, :{south}), point(:{east}, :{north}))"
    else:  # the GiST's box is closed: so are these bounds
        inside = (f"{STRIP_BAND_EXPRESSION} = ANY(CAST(:{bands} AS float8[])) AND latitude >= :{south} "
                  f"AND latitude <= :{north} AND longitude >= :{west} AND longitude <= :{east}")
    return inside + (f" AND {more}" if more else "")


def _hashed(name: str) -> str:
    """The hashes of the names bound as ``:name``, as event_facts' actor and region keys hold them."""
    return f"ARRAY(SELECT hashtextextended(wanted, 0) FROM unnest(CAST(:{name} AS text[])) AS wanted)"


def like_pattern(needle: str) -> str:
    """A LIKE pattern matching ``needle`` anywhere (its own % _ \\ taken literally)."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class _Edge:
    """The facts a rollup's groups cannot place: ``SELECT … FROM {source} WHERE {where}``."""

    where: str
    params: dict[str, object]
    source: str = "event_facts"
    # The same facts as two disjoint sources, the strips cut at a longitude weighed from event_grid:
    # a summary reads them at once. None: one scan (a date bound's month read with the strips).
    halves: tuple[str, str] | None = None


@dataclass(frozen=True)
class _Summary:
    """What one scan of the matching events tells: their totals, the count per (type, day) and
    the kg per (drug, year) where kg > 0."""

    kind: np.ndarray  # index into EVENT_TYPES
    day: np.ndarray  # days since 1970-01-01; -1: no date
    count: np.ndarray
    drug: tuple[str, ...]  # the (drug, year) groups holding kg > 0
    year: np.ndarray  # calendar year
    kg: np.ndarray
    totals: Totals
    first: int = -1  # first and last event_date of the matching events, days since 1970 (-1: none)
    last: int = -1
    monthly: bool = False  # ``day`` holds the first day of each group's month (event_cells)
    # The count per country (None: no country), what the caption's breakdown asks each filter change.
    countries: tuple[str | None, ...] = ()
    country_count: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # The distinct report hashes, when asked for (a part's: the parts' reports are counted once).
    source_hashes: np.ndarray | None = None

    @staticmethod
    def of_parts(parts: tuple[_Summary, ...], sources: int, monthly: bool) -> _Summary:
        """One summary of disjoint parts' events: their groups side by side (every reader sums a
        group key's rows), their totals summed; ``sources``: the distinct reports of them all."""
        dated = [p for p in parts if p.first >= 0]
        return _Summary(kind=np.concatenate([p.kind for p in parts]), day=np.concatenate([p.day for p in parts]),
                        count=np.concatenate([p.count for p in parts]), drug=sum((p.drug for p in parts), ()),
                        year=np.concatenate([p.year for p in parts]), kg=np.concatenate([p.kg for p in parts]),
                        totals=Totals(events=sum(p.totals.events for p in parts),
                                      fatalities=sum(p.totals.fatalities for p in parts),
                                      kg_seized=sum(p.totals.kg_seized for p in parts), sources=int(sources),
                                      synthetic=sum(p.totals.synthetic for p in parts)),
                        first=min((p.first for p in dated), default=-1), last=max((p.last for p in dated), default=-1),
                        monthly=monthly, countries=sum((p.countries for p in parts), ()),
                        country_count=np.concatenate([p.country_count for p in parts]))

    @staticmethod
    def of_halves(halves: list[_Summary]) -> _Summary:
        """One summary of the facts read in disjoint parts with their report hashes: a report named
        in two parts counts once."""
        return _Summary.of_parts(tuple(halves), len(np.union1d(*(h.source_hashes for h in halves))), monthly=halves[0].monthly)


@dataclass(frozen=True)
class _Runs:
    """Row positions ↔ (dataset_key, seq): consecutive ``seq`` runs, in table order."""

    seq_start: np.ndarray  # int64, ascending
    position_start: np.ndarray  # int64: position of each run's first row
    length: np.ndarray
    key: np.ndarray  # dataset_key of each run

    @classmethod
    def of(cls, runs: list[tuple[int, int, int]]) -> _Runs:
        runs = sorted(runs)
        seq = np.array([r[0] for r in runs], dtype=np.int64)
        length = np.array([r[1] for r in runs], dtype=np.int64)
        key = np.array([r[2] for r in runs], dtype=np.int64)
        position = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64) if len(runs) else length
        return cls(seq, position, length, key)

    def positions(self, seq: np.ndarray) -> np.ndarray:
        run = np.searchsorted(self.seq_start, seq, side="right") - 1
        return self.position_start[run] + (seq - self.seq_start[run])

    def locate(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dataset_key, seq) of each position (positions already checked to be in range)."""
        run = np.searchsorted(self.position_start, positions, side="right") - 1
        return self.key[run], self.seq_start[run] + (positions - self.position_start[run])


class PostgisEventStore:
    """The events of a PostGIS database (schema ``0001``), as an :class:`EventStore`.

    Parameters
    ----------
    url
        ``postgresql://…`` of the database (its pooled engine is shared in the process).
    default_datasets
        What an empty dataset filter means; ``()`` means every dataset.
    cache
        Where results are memoised (one per process, or a shared one); a private LRU by default.
    """

    reads_wait_on_server = True

    def __init__(self, url: str, default_datasets: tuple[str, ...] = (), *,
                 cache: ResultCache | None = None) -> None:
        self._engine: Engine = engine_for(url)
        self.default_datasets = tuple(default_datasets)
        self._cache: ResultCache = cache if cache is not None else LruResultCache()
        self._computing: dict[Hashable, Future] = {}  # answers being computed, by memo key
        self._computing_lock = threading.Lock()
        self._hinted: set[str] = set()  # searches whose slowness the log has named (_hint_keeping)
        with self._engine.connect() as connection:
            # One snapshot: the version and the datasets it names, read together.
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            epoch, counter = connection.execute(text("SELECT epoch, version FROM data_version")).one()
            rows = connection.execute(text("""
                SELECT d.dataset_key, d.dataset_id, d.events, d.synthetic_events,
                       (SELECT min(seq) FROM events e WHERE e.dataset_key = d.dataset_key),
                       (SELECT max(seq) FROM events e WHERE e.dataset_key = d.dataset_key)
                FROM datasets d ORDER BY d.dataset_key""")).all()
            runs: list[tuple[int, int, int]] = []
            for key, _, events, _, first, last in rows:
                if not events:
                    continue
                if last - first + 1 == events:  # an import: one block
                    runs.append((int(first), int(events), int(key)))
                else:  # rows laid out between another dataset's (tests do): its runs of consecutive seq
                    runs += [(int(s), int(n), int(key)) for s, n in connection.execute(text("""
                        SELECT min(seq), count(*) FROM (
                            SELECT seq, seq - row_number() OVER (ORDER BY seq) AS run
                            FROM events WHERE dataset_key = :key) numbered
                        GROUP BY run"""), {"key": key})]
            duplicates = dict(connection.execute(text("""
                SELECT dataset_key, count(DISTINCT seq) FROM duplicate_pairs GROUP BY dataset_key""")).all())
            words: dict[int, set[str]] = {}
            for key, word in connection.execute(text("SELECT dataset_key, word FROM event_words")):
                words.setdefault(int(key), set()).add(str(word))
            connection.rollback()
        self.version = f"pg:{epoch}:{counter}"
        self._key_of = {str(dataset_id): int(key) for key, dataset_id, *_ in rows}
        self._id_of = {key: dataset_id for dataset_id, key in self._key_of.items()}
        self._all_keys = sorted(self._key_of.values())
        # The dataset column sorts by id: each key's rank in id order, bound as an array.
        self._dataset_rank = [self._key_of[d] for d in sorted(self._key_of)]
        self._datasets = tuple(
            DatasetCount(str(dataset_id), int(events), int(synthetic), int(duplicates.get(key, 0)))
            for key, dataset_id, events, synthetic, *_ in sorted(rows, key=lambda r: str(r[1]))
            if events and str(dataset_id).strip())
        self._words = {key: frozenset(held) for key, held in words.items()}  # the words each has groups for
        self._runs = _Runs.of(runs)
        self.size = int(sum(r[1] for r in runs))

    # ---- plumbing ---------------------------------------------------------------------------
    def _all(self, sql: str, params: dict | None = None, planner: str = "") -> list[tuple]:
        """``planner``: a setting for this statement alone (SET LOCAL: the transaction's)."""
        with _query_slots, self._engine.connect() as connection:
            if planner:
                connection.execute(text(f"SET LOCAL {planner}"))
            return [tuple(row) for row in connection.execute(text(sql), params or {}).all()]

    def _memo(self, operation: str, spec: FilterSpec | None, args: tuple, compute: Callable[[], object]) -> object:
        """The cached answer, else ``compute()``'s, computed once in the process: a thread asking
        for an answer another is computing (the map and the timeline drawn at once both ask for
        the filter's summary) waits for it rather than send the same statements again."""
        key: Hashable = (self.version, operation, spec, args)
        found = self._cache.get(key)
        if found is not None:
            return found
        with self._computing_lock:
            computing = self._computing.get(key)
            mine = computing is None
            if mine:
                computing = self._computing[key] = Future()
        if not mine:
            return computing.result()  # the other thread's error is raised here too
        try:
            value = compute()
            if isinstance(value, dict):
                for array in value.values():
                    read_only(array)
            else:
                value = read_only(value)
            self._cache.set(key, value)
            computing.set_result(value)
            return value
        except BaseException as error:
            computing.set_exception(error)
            raise
        finally:
            with self._computing_lock:
                del self._computing[key]

    def _keys(self, datasets: Iterable[str]) -> list[int]:
        return sorted({self._key_of[d] for d in datasets if d in self._key_of})

    def _scope(self, datasets: tuple[str, ...]) -> list[int]:
        """Dataset keys a dataset filter reads: the named ones, else the defaults, else all."""
        wanted = datasets or self.default_datasets
        return self._keys(wanted) if wanted else list(self._all_keys)

    def _cells_table(self, spec: FilterSpec) -> str | None:
        """:func:`cells_table`, or :data:`WORD_CELLS` for a search event_cells would answer but for
        its text, when every dataset it reads has groups for the text's word."""
        table = cells_table(spec)
        if table is None and word_groups_could_answer(spec):
            word = fold_text(spec.text)
            if all(word in self._words.get(key, ()) for key in self._scope(spec.datasets)):
                return WORD_CELLS
        return table

    def _where(self, spec: FilterSpec, facts: bool = False, page: bool = False,
               texts: str = "", gist: bool = True) -> tuple[str, dict[str, object]]:
        """The WHERE clause of a filter and its bound parameters (never a value in the SQL text).

        ``facts``: the clause is for ``event_facts``; actors and regions compare the hashes of
        their names, the search text the hashes of the matching distinct texts (migration 0003),
        and the geometry prefilters (``events``' GiST) are left to the plain longitude/latitude
        tests, and the facts' point GiST is offered to boxes holding few events (``page``: for a
        sorted page, fewer still; see :data:`GIST_BOX_SHARE`). ``texts``: a further condition on the
        matching texts (:data:`TEXT_HALVES`). ``gist``: false for the facts of a box's edge strips,
        which their own index (the strip order, 0018) reads; the GiST condition would be offered
        to the planner there too, and it took it.
        """
        conditions = ["dataset_key = ANY(:dataset_keys)"]
        params: dict[str, object] = {"dataset_keys": self._scope(spec.datasets)}
        if spec.date_from is not None:
            conditions.append("last_day >= :date_from")
            params["date_from"] = spec.date_from
            span = self._longest_span()
            if span is not None:  # the same rows; bounds the date index's scan from below too
                conditions.append("event_date >= :date_floor")
                params["date_floor"] = spec.date_from - timedelta(days=span)
        if spec.date_to is not None:
            conditions.append("event_date <= :date_to")
            params["date_to"] = spec.date_to
        for facet in FACETS:
            wanted = getattr(spec, facet.name)
            if facet.name == "datasets" or not wanted:
                continue
            name = f"facet_{facet.name}"
            if facet.match is Match.VALUE:
                conditions.append(f"{facet.column} = ANY(:{name})")
                params[name] = list(wanted)
            elif facet.match is Match.ACTOR:  # a name (any case) or a group key
                conditions.append(f"actor_keys && {_hashed(name)}" if facts else
                                  f"(actors_folded && CAST(:{name} AS text[]) "
                                  f"OR actor_groups && CAST(:{name} AS text[]))")
                params[name] = sorted({w.casefold() for w in wanted})
            else:
                conditions.append(f"region_keys && {_hashed(name)}" if facts else
                                  f"regions_folded && CAST(:{name} AS text[])")
                params[name] = sorted({w.casefold() for w in wanted})
        if spec.kg_min is not None:
            conditions.append("quantity_kg >= :kg_min")  # unknown kg (NULL) drops out
            params["kg_min"] = float(spec.kg_min)
        if spec.kg_max is not None:
            conditions.append("quantity_kg <= :kg_max")
            params["kg_max"] = float(spec.kg_max)
        if spec.bbox is not None:
            west, south, east, north = spec.bbox
            conditions.append("longitude >= :box_west AND longitude <= :box_east "
                              "AND latitude >= :box_south AND latitude <= :box_north")
            params.update(box_west=west, box_south=south, box_east=east, box_north=north)
            if not (all(map(math.isfinite, spec.bbox)) and west <= east and south <= north):
                pass
            elif not facts:
                conditions.append("geom && ST_MakeEnvelope(:box_west, :box_south, :box_east, :box_north, 4326)")
            elif spec.text or not gist:  # a search's texts joined: the GiST's fixed guess of few rows made the
                pass  # planner rescan them for each fact (a town's view, 2 years, "callao" at 10M: 37.7 s, 0.27 s without)
            elif self._box_events(spec.bbox) <= (GIST_PAGE_EVENTS if page else GIST_BOX_SHARE * self.size):
                conditions.append("point(longitude, latitude) <@ box(point(:box_west, :box_south), "
                                  "point(:box_east, :box_north))")
        if spec.polygon is not None:
            conditions.append(self._polygon_condition(spec.polygon, params, prefilter=not facts))
        if spec.text:
            params["text_pattern"] = like_pattern(fold_text(spec.text))
            if facts:  # the distinct texts that match (a trigram index), then the facts holding them:
                # through the text index (0014), or, when the rest of the filter matches fewer
                # facts than the texts hold, the rest's rows checked against the texts (a hash)
                through = "text_key" if self._texts_hold_fewer(spec) else "text_key + 0"
                conditions.append(f"(dataset_key, {through}) IN (SELECT dataset_key, text_key FROM event_texts "
                                  "WHERE dataset_key = ANY(:dataset_keys) AND search_text LIKE :text_pattern"
                                  f"{f' AND {texts}' if texts else ''})")
            else:
                conditions.append("search_text LIKE :text_pattern")
        return " AND ".join(conditions), params

    @staticmethod
    def _polygon_condition(ring: tuple[tuple[float, float], ...], params: dict[str, object],
                           prefilter: bool = True) -> str:
        """Even-odd rule, edge by edge as :func:`~dashboard.data.store.grid.points_in_polygon`
        computes it (same float operations), after the ring's bounding box (GiST)."""
        x0 = [float(x) for x, _ in ring]
        y0 = [float(y) for _, y in ring]
        params.update(edge_ax=x0, edge_ay=y0, edge_bx=x0[1:] + x0[:1], edge_by=y0[1:] + y0[:1])
        crossings = """(SELECT count(*) FROM unnest(CAST(:edge_ax AS float8[]), CAST(:edge_ay AS float8[]),
                                                    CAST(:edge_bx AS float8[]), CAST(:edge_by AS float8[]))
                                         AS edge(ax, ay, bx, by)
                        WHERE CASE WHEN (edge.ay > latitude) <> (edge.by > latitude)
                                   THEN longitude < edge.ax + (latitude - edge.ay) * (edge.bx - edge.ax)
                                                             / (edge.by - edge.ay)
                                   ELSE false END) % 2 = 1"""
        if all(map(math.isfinite, x0 + y0)):
            params.update(ring_west=min(x0), ring_south=min(y0), ring_east=max(x0), ring_north=max(y0))
            if prefilter:
                return ("geom && ST_MakeEnvelope(:ring_west, :ring_south, :ring_east, :ring_north, 4326) AND "
                        + crossings)
            return ("longitude >= :ring_west AND longitude <= :ring_east AND latitude >= :ring_south "
                    "AND latitude <= :ring_north AND " + crossings)
        return crossings

    # ---- counts and totals ------------------------------------------------------------------
    def count(self, spec: FilterSpec) -> int:
        return self._memo("count", spec, (), lambda: self._count(spec))

    def count_at_most(self, spec: FilterSpec, limit: int) -> int:
        limit = int(limit)
        known = self._cache.get((self.version, "count", spec, ()))
        if known is not None or not self._count_reads_facts(spec):
            return min(int(known) if known is not None else self.count(spec), limit)
        # The first ``limit`` matching facts, not all: whether a search's matches in the map's view
        # fit under its point limit ("callao" at 10M: 0.37 s counted whole).
        where, params = self._where(spec, facts=True)
        return int(self._memo("count_at_most", spec, (limit,), lambda: self._all(
            f"SELECT count(*) FROM (SELECT 1 FROM event_facts WHERE {where} LIMIT :count_limit) AS found",
            {**params, "count_limit": limit})[0][0]))

    def _count_reads_facts(self, spec: FilterSpec) -> bool:
        """Whether :meth:`count` reads the matching facts: no grid, rollup or text counts answer it."""
        return not ((grids(spec) and spec.bbox is not None) or self._cells_table(spec) is not None
                    or self._search_alone(spec))

    @staticmethod
    def _search_alone(spec: FilterSpec) -> bool:
        """A search with no other filter than its datasets: its texts' counts of facts count it."""
        return bool(spec.text) and spec.with_changes(text=None) == FilterSpec(datasets=spec.datasets)

    def _count(self, spec: FilterSpec) -> int:
        if grids(spec) and spec.bbox is not None:  # the box's events per type (event_grid)
            return int(self._box_types(spec).sum())
        if self._cells_table(spec) is not None and (spec.bbox is not None or not rolls_up(spec)):  # the summary, asked anyway
            return self._summary(spec).totals.events
        if self._search_alone(spec):  # its texts' counts of facts (event_texts), not a read of the facts
            # ("vraem" at 10M generated events: 0.28 s counted from the facts)
            return self._text_facts(spec)
        if rolls_up(spec):
            (rolled, rolled_params), rest = self._split(spec, "event_cells", self._total_cell(spec), core=True)
            count = int(self._all(f"SELECT COALESCE(sum(events), 0) FROM event_cells WHERE {rolled}",
                                  rolled_params)[0][0])
            if rest is not None:
                count += int(self._all(f"SELECT count(*) FROM {rest.source} WHERE {rest.where}", rest.params)[0][0])
            return count
        where, params = self._where(spec, facts=True)
        return int(self._all(f"SELECT count(*) FROM event_facts WHERE {where}", params)[0][0])

    @staticmethod
    def _total_cell(spec: FilterSpec) -> float:
        """The event_cells size a filter's totals come from: the groups per month alone, or per
        cell and month when it has a box: the coarsest of :data:`BOX_CELLS` spanning the box ten
        times each way (fewer groups), else the finest (a thinner edge)."""
        if spec.bbox is None:
            return WHOLE
        west, south, east, north = spec.bbox
        return next((size for size in BOX_CELLS if east - west >= 10 * size and north - south >= 10 * size),
                    BOX_CELLS[-1])

    @staticmethod
    def _grid_cell(spec: FilterSpec) -> float:
        """The event_grid size a box's events per type are read from: the coarsest spanning the box
        ten times each way (fewer groups), else the finest (a thinner edge)."""
        west, south, east, north = spec.bbox
        return next((size for size in reversed(GRID_CELL_SIZES)
                     if east - west >= 10 * size and north - south >= 10 * size), GRID_CELL_SIZES[0])

    def _box_types(self, spec: FilterSpec) -> np.ndarray:
        """The events in a filter's box per type (index into EVENT_TYPES), for a filter
        :func:`grids` answers: event_grid's cells inside the box, the facts of its edge."""
        def compute() -> np.ndarray:
            found = self._rollup_cells(spec, self._grid_cell(spec), "event_grid")
            return np.bincount(np.array([r[2] for r in found], dtype=np.int64),
                               weights=np.array([r[3] for r in found], dtype=np.float64),
                               minlength=len(EVENT_TYPES)).astype(np.int64)
        return self._memo("box_types", spec, (), compute)

    def _longest_span(self) -> int | None:
        """The most days between an event's date and its last day in the store (event_days):
        ``last_day >= d`` implies ``event_date >= d - span``, a bound the date B-tree and BRIN
        can use (an oldest-first page of 2019 walked 18 years of rows first: 1 s at 10M)."""
        return self._memo("longest_span", None, (), lambda: self._all(
            "SELECT max(last_day - event_date) FROM event_days WHERE dataset_key = ANY(:keys)",
            {"keys": list(self._all_keys)})[0][0])

    def _box_events(self, box: tuple[float, float, float, float]) -> int:
        """At least as many events as ``box`` holds: those of the cells it touches and a ring of
        cells around them (:func:`box_estimate_cell`), all datasets (event_grid; a planning hint, so
        datasets and other filters are left out)."""
        def compute() -> int:
            west, south, east, north = box
            cell = box_estimate_cell(box)
            return int(self._all("""
                SELECT COALESCE(sum(events), 0) FROM event_grid WHERE dataset_key = ANY(:keys) AND cell_deg = :cell
                AND cell_x BETWEEN :x0 AND :x1 AND cell_y BETWEEN :y0 AND :y1""",
                {"keys": list(self._all_keys), "cell": cell,
                 "x0": math.floor(west / cell) - 1, "x1": math.floor(east / cell) + 1,
                 "y0": math.floor(south / cell) - 1, "y1": math.floor(north / cell) + 1})[0][0])
        return self._memo("box_events", None, (box,), compute)

    def _edge_middle(self, box: tuple[float, float, float, float], inner: tuple[float, float, float, float]) -> float:
        """A longitude parting the events between ``box``'s edges and the ``inner`` span (west, east,
        south, north) about evenly: event_grid's cells of :data:`EDGE_SPLIT_CELL` there, every
        dataset (a weight for the two halves, not an answer: any longitude parts them exactly)."""
        def compute() -> float:
            west, south, east, north = box
            inner_west, inner_east, inner_south, inner_north = inner
            cell = EDGE_SPLIT_CELL
            columns = self._all("""
                SELECT cell_x, sum(events) FROM event_grid WHERE dataset_key = ANY(:keys) AND cell_deg = :cell
                AND cell_x BETWEEN :x0 AND :x1 AND cell_y BETWEEN :y0 AND :y1
                AND NOT (cell_x BETWEEN :ix0 AND :ix1 AND cell_y BETWEEN :iy0 AND :iy1)
                GROUP BY 1 ORDER BY 1""", {
                "keys": list(self._all_keys), "cell": cell,
                "x0": math.floor(west / cell), "x1": math.floor(east / cell),
                "y0": math.floor(south / cell), "y1": math.floor(north / cell),
                # The inner span's bounds lie EDGE_MARGIN inside cell edges: rounded to those edges,
                # else the ring counted a row of inner cells on each side (the VRAEM box's halves
                # held 198k and 98k facts).
                "ix0": math.ceil(inner_west / cell - GRID_ROUNDING), "ix1": math.floor(inner_east / cell + GRID_ROUNDING) - 1,
                "iy0": math.ceil(inner_south / cell - GRID_ROUNDING),
                "iy1": math.floor(inner_north / cell + GRID_ROUNDING) - 1})
            weights = np.array([int(n) for _, n in columns], dtype=np.float64)
            counts = np.cumsum(weights)
            if not len(counts):
                return (west + east) / 2
            # Into the column holding the middle event, by its share of that column: one column can
            # hold a third of an edge (the VRAEM box's northern strip, 102k of 300k facts in 0.02
            # degrees), and a cut at its side left halves of 198k and 98k.
            number = int(np.searchsorted(counts, counts[-1] / 2))
            share = (counts[-1] / 2 - (counts[number - 1] if number else 0)) / weights[number]
            return min(max((int(columns[number][0]) + share) * cell, west), east)
        return float(self._memo("edge_middle", None, (box, inner), compute))

    def _near_box_edge(self, box: tuple[float, float, float, float]) -> bool:
        """Whether an event lies outside ``box`` but within :data:`EDGE_MARGIN` of it (the GiST)."""
        return bool(self._memo("near_box_edge", None, (box,), lambda: self._all("""
            SELECT EXISTS (SELECT 1 FROM event_facts WHERE dataset_key = ANY(:keys)
                AND (point(longitude, latitude) <@ box(point(:west - :m, :south - :m), point(:west, :north + :m))
                     OR point(longitude, latitude) <@ box(point(:east, :south - :m), point(:east + :m, :north + :m))
                     OR point(longitude, latitude) <@ box(point(:west - :m, :south - :m), point(:east + :m, :south))
                     OR point(longitude, latitude) <@ box(point(:west - :m, :north), point(:east + :m, :north + :m)))
                AND NOT (longitude >= :west AND longitude <= :east AND latitude >= :south AND latitude <= :north))""",
            dict(zip(("west", "south", "east", "north"), box), m=EDGE_MARGIN, keys=list(self._all_keys)))[0][0]))

    def _box_core(self, box: tuple[float, float, float, float], inner: tuple[int, int, int, int],
                  cell: float) -> tuple[float, tuple[int, int, int, int], tuple[int, int, int, int]] | None:
        """The middle of a box's inner cells of size ``cell`` as whole cells of a coarser rollup size
        (a multiple of ``cell``): (that size, (first x, last x, first fine x, last fine x), the same
        in y) for the size whose middle is largest, ``None`` when none has a whole cell inside. The
        VRAEM box's 0.2-degree groups (218k at 10M, 0.4 s summed) are 46k this way, 1 degree inside."""
        first_x, last_x, first_y, last_y = inner
        best, best_area = None, 0.0
        for size in sorted((s for s in ROLLUP_CELL_SIZES if s > cell), reverse=True):
            if not math.isclose(size / cell, round(size / cell), rel_tol=1e-9):
                continue  # its edges would cut the fine cells
            along_x = self._core_span(first_x, last_x, cell, size, "longitude", box)
            along_y = self._core_span(first_y, last_y, cell, size, "latitude", box)
            if along_x is None or along_y is None:
                continue
            area = (along_x[1] - along_x[0] + 1) * (along_y[1] - along_y[0] + 1) * size * size
            if area > best_area * (1 + 1e-9):
                best, best_area = (size, along_x, along_y), area
        return best

    def _coarse_of_fine_in_box(self, first: int, last: int, fine: float, cell: float, axis: str,
                               box: tuple[float, float, float, float]) -> dict[int, int | None]:
        """:func:`coarse_of_fine` within ``box``: a fine cell a coarse edge cuts counts as the
        coarse cell of its larger side when no event of the box lies on the sliver, else ``None``."""
        found = coarse_of_fine(first, last, fine, cell)
        for index in [i for i, coarse in found.items() if coarse is None]:
            low, high, coarse = cut_sliver(index, fine, cell)
            if not self._events_between(axis, low, high, box):
                found[index] = coarse  # nothing on the sliver: the rest is one cell's
        return found

    def _core_span(self, first: int, last: int, cell: float, size: float, axis: str,
                   box: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
        """Along one axis, the longest run of cells of ``size`` each of whose floats lies in fine
        cells ``first``..``last`` (of ``cell``) holding events of that coarse cell alone: (first
        coarse, last coarse, first fine, last fine), ``None``: no such cell. A fine cell a coarse
        edge cuts counts as the coarse cell of its larger side when no event lies on the sliver."""
        fine_of = self._coarse_of_fine_in_box(first, last, cell, size, axis, box)
        runs: list[tuple[int, int, int, int]] = []
        for coarse in range(math.floor(_cell_start(first, cell) / size),
                            math.floor(_cell_start(last + 1, cell) / size) + 1):
            low = math.floor(_cell_start(coarse, size) / cell)  # the fine cells its floats fall in
            high = math.floor(math.nextafter(_cell_start(coarse + 1, size), -math.inf) / cell)
            if not (first <= low and high <= last and all(fine_of[i] == coarse for i in range(low, high + 1))):
                continue
            if runs and runs[-1][1] == coarse - 1:
                runs[-1] = (runs[-1][0], coarse, runs[-1][2], high)
            else:
                runs.append((coarse, coarse, low, high))
        return max(runs, key=lambda run: run[1] - run[0], default=None)

    def _split(self, spec: FilterSpec, table: str, cell: float,
               core: bool = False) -> tuple[tuple[str, dict], _Edge | None]:
        """A filter the rollups answer, as (WHERE over ``table``'s groups certainly matching, its
        parameters) and the facts matching but outside those groups, ``None`` when no fact can be.

        Dates: ``event_rollup`` holds the days, so its groups match a date filter exactly;
        ``event_cells`` holds months, so the groups of a bound's own month are read from the
        facts (BRIN). A box: the groups of the cells of size ``cell`` inside it (``event_cells``
        or ``event_grid``), the facts of the other cells it touches: the strips between the box's
        edges and the inner cells', each an index-only scan of the covering point GiST (migration
        0008), unless a date bound's month is read too (then one scan of both, OR'ed). ``core``
        (totals, counts, breakdowns: no map cells asked): the inner cells' middle read from a
        coarser size's groups (:meth:`_box_core`), the ring around it from ``cell``'s.
        """
        monthly = table in MONTHLY_ROLLUPS
        rolled = spec.with_changes(bbox=None, kg_min=None, kg_max=None,
                                   **({"date_from": None, "date_to": None} if monthly else {}),
                                   **({"text": None} if table == WORD_CELLS else {}))  # the word's groups instead
        where, params = self._where(rolled, facts=True)
        if table == WORD_CELLS:
            where += " AND word = :rolled_word"
            params["rolled_word"] = fold_text(spec.text)
        conditions, outside, strips = [where], [], []
        halves: tuple[list[str], list[str]] = ([], [])  # the strips cut in two at a weighed longitude
        if monthly and spec.date_from is not None:  # last_day >= date_from: certain after its month
            params["from_month"], params["from_next"] = _month_bounds(spec.date_from)
            if spec.date_from == params["from_month"]:  # from a month's first day: all that month is in
                conditions.append("last_month >= :from_month")
            else:
                conditions.append("last_month > :from_month")
                outside.append("last_day >= :from_month AND last_day < :from_next")
        if monthly and spec.date_to is not None:  # event_date <= date_to: certain before its month
            params["to_month"], params["to_next"] = _month_bounds(spec.date_to)
            if spec.date_to == params["to_next"] - timedelta(days=1):  # to a month's last day: all of it
                conditions.append("first_month <= :to_month")
            else:
                conditions.append("first_month < :to_month")
                outside.append("event_date >= :to_month AND event_date < :to_next")
        if spec.kg_min is not None or spec.kg_max is not None:  # whole bands, and the facts of a cut one
            if table != "event_kg_cells":
                raise ValueError(f"{table} has no kg bands")
            params["kg_first"], params["kg_last"], cut = kg_bands_kept(spec.kg_min, spec.kg_max)
            conditions.append("kg_band BETWEEN :kg_first AND :kg_last")
            for number, (low, high) in enumerate(cut):
                params.update({f"kg_cut_low_{number}": low, f"kg_cut_high_{number}": high})
                bounds = ([f"quantity_kg >= :kg_cut_low_{number}"] if low is not None else []) + \
                         ([f"quantity_kg < :kg_cut_high_{number}"] if high is not None else [])
                outside.append(" AND ".join(bounds) or "true")
        beyond, middle = None, None
        if spec.bbox is not None:
            inner = _inner_cells(spec.bbox, cell, widen=EDGE_MARGIN)
            if inner != _inner_cells(spec.bbox, cell) and self._near_box_edge(spec.bbox):
                inner = _inner_cells(spec.bbox, cell)  # an event just outside sits in an edge cell
            if inner is None:  # no cell inside: every matching event is a fact to read
                conditions.append("false")
                outside.append("true")
            else:
                first_x, last_x, first_y, last_y = inner
                params.update(inner_cell=cell, inner_x0=first_x, inner_x1=last_x, inner_y0=first_y, inner_y1=last_y)
                middle = self._box_core(spec.bbox, inner, cell) if core and table in MONTHLY_ROLLUPS else None
                if middle is None:
                    conditions.append("cell_x BETWEEN :inner_x0 AND :inner_x1 AND cell_y BETWEEN :inner_y0 AND :inner_y1")
                else:  # the middle's coarse groups, and the fine ones of the ring around it
                    core_cell, (core_x0, core_x1, fine_x0, fine_x1), (core_y0, core_y1, fine_y0, fine_y1) = middle
                    params.update(core_cell=core_cell, core_x0=core_x0, core_x1=core_x1, core_y0=core_y0,
                                  core_y1=core_y1, core_fx0=fine_x0, core_fx1=fine_x1, core_fy0=fine_y0,
                                  core_fy1=fine_y1)
                    conditions.append(
                        "(cell_deg = :cell AND cell_x BETWEEN :inner_x0 AND :inner_x1 "
                        "AND cell_y BETWEEN :inner_y0 AND :inner_y1 "
                        "AND NOT (cell_x BETWEEN :core_fx0 AND :core_fx1 AND cell_y BETWEEN :core_fy0 AND :core_fy1) "
                        "OR cell_deg = :core_cell AND cell_x BETWEEN :core_x0 AND :core_x1 "
                        "AND cell_y BETWEEN :core_y0 AND :core_y1)")
                beyond = ("NOT (floor(longitude / :inner_cell) BETWEEN :inner_x0 AND :inner_x1 "
                          "AND floor(latitude / :inner_cell) BETWEEN :inner_y0 AND :inner_y1)")
                # The strips between the box's edges and the inner cells' (a little wider: the
                # division rounds); the exact test above decides. West and east run the box's
                # height, south and north lie between them: no event is in two.
                params.update(strip_x0=first_x * cell + EDGE_MARGIN, strip_x1=(last_x + 1) * cell - EDGE_MARGIN,
                              strip_y0=first_y * cell + EDGE_MARGIN, strip_y1=(last_y + 1) * cell - EDGE_MARGIN)
                between = "longitude > :strip_x0 AND longitude < :strip_x1"
                west, south, east, north = spec.bbox
                x0, x1, y0, y1 = (params[name] for name in ("strip_x0", "strip_x1", "strip_y0", "strip_y1"))
                # Each strip whole, and cut at a longitude parting their events about evenly, each
                # piece's box scanned only to it (an empty piece left out); the side's test makes
                # the halves disjoint.
                mid = params["strip_mid"] = self._edge_middle(spec.bbox, (x0, x1, y0, y1))
                for number, ((a_west, a_south, a_east, a_north), more) in enumerate((
                        ((west, south, x0, north), ""), ((x1, south, east, north), ""),
                        ((west, south, east, y0), between), ((west, y1, east, north), between))):
                    for side, (low, high, test) in enumerate(((a_west, a_east, ""),
                                                              (a_west, min(a_east, mid), "longitude < :strip_mid"),
                                                              (max(a_west, mid), a_east, "longitude >= :strip_mid"))):
                        if side == 0 or low <= high:  # a whole strip as before; an empty piece left out
                            names = tuple(f"strip_{number}{side}_{corner}" for corner in "wsen")
                            params.update(zip(names, (low, a_south, high, a_north)))
                            bands = strip_bands(low, high)
                            if bands is not None:
                                params[f"strip_{number}{side}_bands"] = bands
                            piece = _strip(names, " AND ".join(t for t in (more, test) if t),
                                           None if bands is None else f"strip_{number}{side}_bands")
                            (strips if side == 0 else halves[side - 1]).append(piece)
        if table in MONTHLY_ROLLUPS or table == "event_grid":
            if middle is None:  # a middle's condition names the two sizes itself
                conditions.append("cell_deg = :cell")
            params["cell"] = cell
        if not outside and not strips:
            return (" AND ".join(conditions), params), None
        exact, exact_params = self._where(spec, facts=True, gist=bool(outside))
        exact_params.update({k: v for k, v in params.items()
                             if k.startswith(("from_", "to_", "inner_", "strip_", "kg_cut_"))})
        if outside:  # a date bound's month (and maybe strips): one scan, OR'ed
            parts = outside + [f"{beyond} AND {strip}" for strip in strips]
            edge = _Edge(f"{exact} AND ({' OR '.join(f'({part})' for part in parts)})", exact_params)
        else:  # strips alone: each its own index-only scan, the facts' columns read from the GiST
            def union(parts: list[str]) -> str:
                return "({}) AS event_facts".format(" UNION ALL ".join(f"SELECT * FROM event_facts WHERE {part}"
                                                                       for part in parts))
            edge = _Edge(f"{exact} AND {beyond}", exact_params, union(strips),
                         (union(halves[0]), union(halves[1])) if all(halves) else None)
        return (" AND ".join(conditions), params), edge

    def totals(self, spec: FilterSpec) -> Totals:
        return self._memo("totals", spec, (), lambda: self._totals(spec))

    def _totals(self, spec: FilterSpec) -> Totals:
        totals = self._summary(spec).totals
        self._cache.set((self.version, "count", spec, ()), totals.events)  # the count comes with it
        return totals

    # ---- points, bins, histogram ------------------------------------------------------------
    def points(self, spec: FilterSpec, limit: int) -> PointColumns:
        return self._memo("points", spec, (int(limit),), lambda: self._points(spec, int(limit)))

    def _points(self, spec: FilterSpec, limit: int) -> PointColumns:
        total = self.count(spec)
        where, params = self._where(spec, facts=True)
        columns = "seq, latitude, longitude, type_code, geo_precision, quantity_kg, fatalities"
        if total > limit:
            # The heaviest (kg + 1000 × deaths), ties to the earliest row; drawn in table order.
            found = self._all(f"""
                SELECT * FROM (
                    SELECT {columns} FROM event_facts WHERE {where}
                    ORDER BY COALESCE(quantity_kg, 0) + 1000 * COALESCE(fatalities, 0) DESC, seq
                    LIMIT :limit) heaviest ORDER BY seq""", {**params, "limit": max(limit, 0)})
        else:
            found = self._all(f"SELECT {columns} FROM event_facts WHERE {where} ORDER BY seq", params)
        seq = np.array([r[0] for r in found], dtype=np.int64)
        type_code = np.array([r[3] for r in found], dtype=np.int8)
        geo_code = np.array([GEO_PRECISIONS.index(r[4]) if r[4] in GEO_PRECISIONS else -1 for r in found],
                            dtype=np.int8)
        return PointColumns(
            row=self._runs.positions(seq).astype(np.int32),
            latitude=np.array([r[1] for r in found], dtype=np.float64).astype(np.float32),
            longitude=np.array([r[2] for r in found], dtype=np.float64).astype(np.float32),
            type_code=type_code,
            precise=np.array([r[4] in PRECISE_VALUES for r in found], dtype=bool),
            geo_precision_code=geo_code,
            quantity_kg=np.array([np.nan if r[5] is None else r[5] for r in found], dtype=np.float32),
            fatalities=np.array([np.nan if r[6] is None else r[6] for r in found], dtype=np.float32),
            total=total,
        )

    def bins(self, spec: FilterSpec, cell_deg: float) -> GridBins:
        cell_deg = float(cell_deg)
        if not cell_deg > 0:
            raise ValueError(f"cell size must be positive, not {cell_deg}")
        return self._memo("bins", spec, (cell_deg,), lambda: self._bins(spec, cell_deg))

    def _fact_cells(self, where: str, params: dict[str, object], cell_deg: float,
                    source: str = "event_facts") -> list[tuple]:
        """(cell_y, cell_x, type_code, events) of the facts matching ``where``."""
        return self._all(f"""
            SELECT CAST(floor(latitude / :cell) AS bigint), CAST(floor(longitude / :cell) AS bigint),
                   type_code, count(*)
            FROM {source} WHERE {where} AND latitude IS NOT NULL AND longitude IS NOT NULL
            GROUP BY 1, 2, 3""", {**params, "cell": cell_deg})

    def _rollup_cells(self, spec: FilterSpec, cell_deg: float, table: str = "event_cells") -> list[tuple]:
        """The cells from ``table``'s groups certainly matching, and from the facts the rest."""
        (rolled, params), rest = self._split(spec, table, cell_deg)
        found = self._all(f"""
            SELECT cell_y, cell_x, type_code, CAST(sum(events) AS bigint) FROM {table}
            WHERE {rolled} GROUP BY 1, 2, 3""", params)
        if rest is not None:
            found += self._fact_cells(rest.where, rest.params, cell_deg, rest.source)
        return found

    def _events_between(self, axis: str, low: float, high: float, box: tuple[float, float, float, float]) -> bool:
        """Whether an event of any dataset has ``low <= axis < high`` within ``box``'s span of the
        other axis (the GiST; a sliver of a few ulps is a short probe)."""
        west, south, east, north = box
        corners = (low, south, high, north) if axis == "longitude" else (west, low, east, high)
        return bool(self._memo("events_between", None, (axis, low, high, box), lambda: self._all(f"""
            SELECT EXISTS (SELECT 1 FROM event_facts WHERE dataset_key = ANY(:keys)
                AND point(longitude, latitude) <@ box(point(:w, :s), point(:e, :n))
                AND {axis} >= :low AND {axis} < :high)""",
            dict(zip(("w", "s", "e", "n"), corners), low=low, high=high, keys=list(self._all_keys)))[0][0]))

    def _fine_grid_cells(self, spec: FilterSpec, cell_deg: float) -> list[tuple] | None:
        """A box's cells of size ``cell_deg`` summed from event_grid's finer cells inside the box
        (:func:`finer_grid_size`), each fine cell into the coarse cell holding all its floats; the
        facts of the box's thin edge and of fine cells a coarse edge cuts read as rows. ``None``
        when no finer size divides ``cell_deg`` or no fine cell lies inside the box."""
        fine = finer_grid_size(cell_deg)
        west, south, east, north = spec.bbox
        if fine is None or not (east - west) * (north - south) <= FINE_GRID_CELLS * fine * fine:
            return None  # a wide box: its edge is little of it, and its fine cells many
        inner = _inner_cells(spec.bbox, fine, widen=EDGE_MARGIN)
        if inner != _inner_cells(spec.bbox, fine) and self._near_box_edge(spec.bbox):
            inner = _inner_cells(spec.bbox, fine)  # an event just outside sits in an edge cell
        if inner is None:
            return None
        first_x, last_x, first_y, last_y = inner
        column = self._coarse_of_fine_in_box(first_x, last_x, fine, cell_deg, "longitude", spec.bbox)
        row = self._coarse_of_fine_in_box(first_y, last_y, fine, cell_deg, "latitude", spec.bbox)
        where, params = self._where(spec.with_changes(bbox=None), facts=True)  # datasets and types
        params.update(fine=fine, fine_x0=first_x, fine_x1=last_x, fine_y0=first_y, fine_y1=last_y)
        found: dict[tuple[int, int, int], int] = {}
        for x, y, kind, events in self._all(f"""
                SELECT cell_x, cell_y, type_code, events FROM event_grid WHERE {where} AND cell_deg = :fine
                AND cell_x BETWEEN :fine_x0 AND :fine_x1 AND cell_y BETWEEN :fine_y0 AND :fine_y1""", params):
            coarse_x, coarse_y = column[int(x)], row[int(y)]
            if coarse_x is not None and coarse_y is not None:
                key = (coarse_y, coarse_x, int(kind))
                found[key] = found.get(key, 0) + int(events)
        # The rest: the strips between the box's edges and the fine cells inside, and the fine
        # columns and rows a coarse edge cuts (a little wider: the division rounds; the exact test
        # decides), laid out so no event is in two (rows between the west and east strips, cut
        # cells between the rows, a cut row beside the cut columns): each strip its own index-only
        # scan of the covering point GiST, as a box's edge in :meth:`_split`.
        exact, exact_params = self._where(spec, facts=True, gist=False)
        cut_x = [x for x, coarse in column.items() if coarse is None]
        cut_y = [y for y, coarse in row.items() if coarse is None]
        exact_params.update(fine=fine, fine_x0=first_x, fine_x1=last_x, fine_y0=first_y, fine_y1=last_y,
                            cut_x=cut_x, cut_y=cut_y, strip_x0=first_x * fine + EDGE_MARGIN,
                            strip_x1=(last_x + 1) * fine - EDGE_MARGIN, strip_y0=first_y * fine + EDGE_MARGIN,
                            strip_y1=(last_y + 1) * fine - EDGE_MARGIN)
        between_x = "longitude > :strip_x0 AND longitude < :strip_x1"
        between_y = "latitude > :strip_y0 AND latitude < :strip_y1"
        strips = ["point(longitude, latitude) <@ box(point(:box_west, :box_south), point(:strip_x0, :box_north))",
                  "point(longitude, latitude) <@ box(point(:strip_x1, :box_south), point(:box_east, :box_north))",
                  f"point(longitude, latitude) <@ box(point(:box_west, :box_south), point(:box_east, :strip_y0)) "
                  f"AND {between_x}",
                  f"point(longitude, latitude) <@ box(point(:box_west, :strip_y1), point(:box_east, :box_north)) "
                  f"AND {between_x}"]
        beside_cut_columns = []
        for number, x in enumerate(cut_x):
            exact_params.update({f"cut_w{number}": x * fine - EDGE_MARGIN, f"cut_e{number}": (x + 1) * fine + EDGE_MARGIN})
            strips.append(f"point(longitude, latitude) <@ box(point(:cut_w{number}, :box_south), "
                          f"point(:cut_e{number}, :box_north)) AND {between_x} AND {between_y}")
            beside_cut_columns.append(f"NOT longitude BETWEEN :cut_w{number} AND :cut_e{number}")
        for number, y in enumerate(cut_y):
            exact_params.update({f"cut_s{number}": y * fine - EDGE_MARGIN, f"cut_n{number}": (y + 1) * fine + EDGE_MARGIN})
            strips.append(" AND ".join([f"point(longitude, latitude) <@ box(point(:box_west, :cut_s{number}), "
                                        f"point(:box_east, :cut_n{number}))", between_x, between_y,
                                        *beside_cut_columns]))
        source = " UNION ALL ".join(f"SELECT * FROM event_facts WHERE {strip}" for strip in strips)
        placed = ("floor(longitude / :fine) BETWEEN :fine_x0 AND :fine_x1 "
                  "AND floor(latitude / :fine) BETWEEN :fine_y0 AND :fine_y1 "
                  "AND NOT floor(longitude / :fine) = ANY(CAST(:cut_x AS float8[])) "
                  "AND NOT floor(latitude / :fine) = ANY(CAST(:cut_y AS float8[]))")
        rest = self._fact_cells(f"{exact} AND NOT ({placed})", exact_params, cell_deg, f"({source}) AS event_facts")
        for y, x, kind, events in rest:
            key = (int(y), int(x), int(kind))
            found[key] = found.get(key, 0) + int(events)
        return [(y, x, kind, events) for (y, x, kind), events in found.items()]

    def _bins(self, spec: FilterSpec, cell_deg: float) -> GridBins:
        parts = _box_parts(spec.bbox, cell_deg) if grids(spec) else None
        if parts is not None:  # a box over a few cells: each cell's part of it, counted per type
            found = [(y, x, kind, int(n)) for x, y, part in parts
                     for kind, n in enumerate(self._box_types(spec.with_changes(bbox=part))) if n]
        elif grids(spec) and spec.bbox is not None and (fine := self._fine_grid_cells(spec, cell_deg)) is not None:
            found = fine
        elif grids(spec) and cell_deg in GRID_CELL_SIZES:  # per cell and type: the fewest groups
            found = self._rollup_cells(spec, cell_deg, "event_grid")
        elif self._cells_table(spec) is not None and cell_deg in ROLLUP_CELL_SIZES and cell_deg != WHOLE:
            found = self._rollup_cells(spec, cell_deg, self._cells_table(spec))
        else:
            found = self._fact_cells(*self._where(spec, facts=True), cell_deg)
        if not found:
            empty = np.empty(0)
            return GridBins(cell_deg=cell_deg, latitude=empty, longitude=empty.copy(),
                            counts=np.zeros(0, dtype=np.int64), total=0)
        cell_y = np.array([r[0] for r in found], dtype=np.int64)
        cell_x = np.array([r[1] for r in found], dtype=np.int64)
        kind = np.array([r[2] for r in found], dtype=np.int64)
        counts = np.array([r[3] for r in found], dtype=np.int64)
        cells, cell = np.unique(np.stack([cell_y, cell_x], axis=1), axis=0, return_inverse=True)
        cell = cell.ravel()
        by_type = np.zeros((len(cells), len(EVENT_TYPES)), dtype=np.int64)
        np.add.at(by_type, (cell, kind), counts)
        per_cell = by_type.sum(axis=1)
        return GridBins(
            cell_deg=cell_deg,
            latitude=(cells[:, 0] + 0.5) * cell_deg,
            longitude=(cells[:, 1] + 0.5) * cell_deg,
            counts=per_cell,
            total=int(per_cell.sum()),
            type_code=by_type.argmax(axis=1).astype(np.int8),  # ties: the first type in EVENT_TYPES
        )

    def histogram(self, spec: FilterSpec, unit: str = "auto", split_by: str = "event_type") -> Histogram:
        if split_by != "event_type":
            raise ValueError(f"unsupported split: {split_by}")
        if unit != "auto" and unit not in TIME_UNITS:
            raise ValueError(f"unsupported time unit: {unit}")
        return self._memo("histogram", spec, (unit, split_by), lambda: self._histogram(spec, unit))

    def _summary(self, spec: FilterSpec) -> _Summary:
        """One scan of the facts answers the totals, the count, the histogram in every unit, the
        event-type breakdown and the kg per year (a filter change asks all of them)."""
        return self._memo("summary", spec, (), lambda: self._scan_summary(spec))

    def _scan_summary(self, spec: FilterSpec) -> _Summary:
        table = self._cells_table(spec)
        if table is not None:
            return self._rollup_summary(spec, table)
        started = time.perf_counter()
        halves = self._search_halves(spec)
        if halves is not None:
            summary = _Summary.of_halves(at_once(*(lambda half=half: self._facts_summary(*half, list_sources=True)
                                                   for half in halves)))
        else:
            summary = self._facts_summary(*self._where(spec, facts=True))
        self._hint_keeping(spec, time.perf_counter() - started)
        return summary

    def _hint_keeping(self, spec: FilterSpec, seconds: float) -> None:
        """Log a slow search that a kept word's groups would answer, once a store (a process makes one a
        data version)."""
        word = fold_text(spec.text or "").strip()
        if (seconds < SLOW_SEARCH_S or len(word) < WORD_MIN_LENGTH or word in self._hinted
                or not word_groups_could_answer(spec)):
            return
        self._hinted.add(word)
        log.warning("a search for %r read its facts in %.1f s; its groups would answer it: "
                    "python -m dashboard db words add %s", word, seconds, shlex.quote(word))

    def _search_halves(self, spec: FilterSpec) -> list[tuple[str, dict[str, object]]] | None:
        """A search's facts as two disjoint halves to read at once, when it reads at least
        :data:`SPLIT_TEXT_FACTS`: through the text index, two halves of its texts; through the
        rest of a filter bounded by two dates, the two halves of its days. ``None``: one read."""
        if not spec.text:
            return None
        if self._texts_hold_fewer(spec):
            if self._text_facts(spec) < SPLIT_TEXT_FACTS:
                return None
            return [self._where(spec, facts=True, texts=half) for half in TEXT_HALVES]
        if spec.date_from is None or spec.date_to is None or spec.date_to <= spec.date_from or \
                self.count(spec.with_changes(text=None)) < SPLIT_TEXT_FACTS:
            return None
        where, params = self._where(spec, facts=True)
        params["split_day"] = spec.date_from + (spec.date_to - spec.date_from) / 2
        return [(f"{where} AND {test}", params)  # the date bound holds no NULL date
                for test in ("event_date < :split_day", "event_date >= :split_day")]

    def _day_summary(self, spec: FilterSpec) -> _Summary:
        """The summary with groups per day (a timeline by day or week): event_rollup's for a filter
        the rollups answer without a box, else the facts'."""
        def compute() -> _Summary:
            if rolls_up(spec) and spec.bbox is None:
                return self._group_summary("event_rollup", *self._where(spec, facts=True))
            return self._facts_summary(*self._where(spec, facts=True))
        return self._memo("day_summary", spec, (), compute)

    def _facts_summary(self, where: str, params: dict[str, object], source: str = "event_facts",
                       list_sources: bool = False) -> _Summary:
        """``list_sources``: also the distinct report hashes (``source_hashes``). Groups per type
        and day (:meth:`_edge_summary`: per month)."""
        # GROUPING SETS: the hash tables filled in one pass; grouping() tells the sets apart (a bit
        # per argument left out of the row's set, the first argument the highest bit). The groups
        # travel as one row of arrays: ~75k (type, day) groups as rows cost 250 ms in Python.
        by_day, by_drug = "WHERE grouping_set = 7", "WHERE grouping_set = 11 AND drug IS NOT NULL AND year IS NOT NULL"
        listed = ("array_agg(source_hash) FILTER (WHERE grouping_set = 13 AND source_hash IS NOT NULL)"
                  if list_sources else "NULL")
        (kinds, days, counts, drugs, years, kgs, sources, hashes, countries, country_counts,
         events, fatalities, kg, synthetic, first_date, last_date) = self._all(f"""
            WITH groups AS (
                SELECT grouping(type_code, drug, source_hash, country) AS grouping_set,
                       type_code, day, drug, year, source_hash, country, {FACT_SUMS}
                FROM (SELECT type_code, COALESCE(event_date - DATE '1970-01-01', -1) AS day, event_date,
                             CASE WHEN quantity_kg > 0 THEN COALESCE(drug, '') END AS drug,
                             CASE WHEN quantity_kg > 0 THEN CAST(date_part('year', event_date) AS integer) END AS year,
                             source_hash, country, fatalities, quantity_kg, synthetic
                      FROM {source} WHERE {where}) matching
                GROUP BY GROUPING SETS ((type_code, day), (drug, year), (source_hash), (country), ()))
            SELECT array_agg(type_code) FILTER ({by_day}), array_agg(day) FILTER ({by_day}),
                   array_agg(n) FILTER ({by_day}), array_agg(drug) FILTER ({by_drug}),
                   array_agg(year) FILTER ({by_drug}), array_agg(kg_held) FILTER ({by_drug}),
                   count(source_hash) FILTER (WHERE grouping_set = 13), {listed},
                   array_agg(country) FILTER (WHERE grouping_set = 14), array_agg(n) FILTER (WHERE grouping_set = 14),
                   -- the totals from the grand total (one sum in scan order), not a sum of sums
                   max(n) FILTER (WHERE grouping_set = 15), max(fatalities) FILTER (WHERE grouping_set = 15),
                   max(kg_all) FILTER (WHERE grouping_set = 15), max(synthetic) FILTER (WHERE grouping_set = 15),
                   max(first_date) FILTER (WHERE grouping_set = 15), max(last_date) FILTER (WHERE grouping_set = 15)
            FROM groups""", params, planner=HASHED_SETS)[0]
        return _Summary(kind=np.array(kinds or [], dtype=np.int64), day=np.array(days or [], dtype=np.int64),
                        count=np.array(counts or [], dtype=np.int64), drug=tuple(drugs or ()),
                        year=np.array(years or [], dtype=np.int64), kg=np.array(kgs or [], dtype=np.float64),
                        totals=Totals(events=int(events or 0), fatalities=int(fatalities or 0),
                                      kg_seized=float(kg or 0), sources=int(sources), synthetic=int(synthetic or 0)),
                        first=-1 if first_date is None else int(first_date),
                        last=-1 if last_date is None else int(last_date),
                        countries=tuple(countries or ()), country_count=np.array(country_counts or [], dtype=np.int64),
                        source_hashes=np.array(hashes or [], dtype=np.int64) if list_sources else None)

    def _edge_summary(self, where: str, params: dict[str, object], source: str,
                      list_sources: bool = False) -> _Summary:
        """:meth:`_facts_summary` of the facts a rollup's groups cannot place (a box's edge, a date
        bound's month), its groups per type and month for a summary of monthly groups. One hash
        table a fact: the facts grouped by (type, month, drug of a seizure with kg, country,
        report), and the sets the summary holds summed from those groups (each reader sums a key's
        rows), the totals and the distinct reports too. The VRAEM box's northern edge at 10M (193k
        facts), four hash tables a fact 312-322 ms, three 243-254 ms."""
        # The month without a time zone: date_trunc of a date casts it to timestamptz (the
        # session's zone, converted twice), ~2.5 times the cost of a plain timestamp's.
        listed = "array_agg(DISTINCT source_hash) FILTER (WHERE source_hash IS NOT NULL)" if list_sources else "NULL"
        (kinds, days, counts, drugs, kgs, countries, sources, hashes,
         events, fatalities, kg, synthetic, first_date, last_date) = self._all(f"""
            WITH groups AS (
                SELECT type_code, day, drug, source_hash, country, {FACT_SUMS}
                FROM (SELECT type_code,
                             COALESCE(CAST(date_trunc('month', CAST(event_date AS timestamp)) AS date) - DATE '1970-01-01', -1)
                                 AS day, event_date, CASE WHEN quantity_kg > 0 THEN COALESCE(drug, '') END AS drug,
                             source_hash, country, fatalities, quantity_kg, synthetic
                      FROM {source} WHERE {where}) matching
                GROUP BY type_code, day, drug, country, source_hash)
            SELECT array_agg(type_code), array_agg(day), array_agg(n), array_agg(drug), array_agg(kg_held),
                   array_agg(country), count(DISTINCT source_hash), {listed},
                   {GROUP_TOTALS}
            FROM groups""", params, planner=HASHED_GROUPS)[0]
        day = np.array(days or [], dtype=np.int64)
        drug = list(drugs or [])
        seized = np.array([d is not None for d in drug], dtype=bool) & (day >= 0)  # kg held, and a year
        years = day[seized].astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        return _Summary(kind=np.array(kinds or [], dtype=np.int64), day=day,
                        count=np.array(counts or [], dtype=np.int64),
                        drug=tuple(d for d, held in zip(drug, seized) if held), year=years,
                        kg=np.array(kgs or [], dtype=np.float64)[seized],
                        totals=Totals(events=int(events or 0), fatalities=int(fatalities or 0),
                                      kg_seized=float(kg or 0), sources=int(sources), synthetic=int(synthetic or 0)),
                        first=-1 if first_date is None else int(first_date),
                        last=-1 if last_date is None else int(last_date), monthly=True,
                        countries=tuple(countries or ()), country_count=np.array(counts or [], dtype=np.int64),
                        source_hashes=np.array(hashes or [], dtype=np.int64) if list_sources else None)

    def _rollup_summary(self, spec: FilterSpec, table: str = "event_cells") -> _Summary:
        """The summary from ``table``'s groups per month (the same grouping sets, over sums) and
        the facts outside them (a date bound's month, a box's edge cells). The distinct reports come
        from the facts naming one (a partial index), when any matches."""
        (where, params), rest = self._split(spec, table, self._total_cell(spec), core=True)
        if rest is None:
            rolled = self._group_summary(table, where, params)
            if not rolled.totals.sources:
                return rolled
            edge = None
        elif rest.halves is None:  # the edge's facts read beside the groups (another core)
            rolled, edge = at_once(lambda: self._group_summary(table, where, params),
                                    lambda: self._edge_summary(rest.where, rest.params, rest.source))
        else:  # the edge's two halves beside the groups
            rolled, *halves = at_once(lambda: self._group_summary(table, where, params),
                                      *(lambda half=half: self._edge_summary(rest.where, rest.params, half, list_sources=True)
                                        for half in rest.halves))
            edge = _Summary.of_halves(halves)
        sources = edge.totals.sources if edge is not None else 0
        if rolled.totals.sources:  # reports named inside and maybe on the edge too: count them once
            exact, exact_params = self._where(spec, facts=True)
            sources = self._all(f"SELECT count(DISTINCT source_hash) FROM event_facts WHERE {exact} "
                                f"AND source_hash IS NOT NULL", exact_params)[0][0]
        return _Summary.of_parts((rolled,) if edge is None else (rolled, edge), sources, monthly=True)

    def _group_summary(self, table: str, where: str, params: dict[str, object]) -> _Summary:
        """The summary of a rollup's groups: event_rollup's per day, event_cells' per month (its
        ``day``: the month's first day). ``totals.sources``: the rows naming a report, not distinct."""
        monthly = table in MONTHLY_ROLLUPS
        day, first, last = ("first_month", "first_day", "last_start") if monthly else ("event_date",) * 3
        by_day, by_drug = "WHERE grouping_set = 3", "WHERE grouping_set = 5 AND drug IS NOT NULL AND year IS NOT NULL"
        (kinds, days, counts, drugs, years, kgs, countries, country_counts, events, fatalities, kg, synthetic, sourced,
         first_day, last_day) = self._all(f"""
            WITH groups AS (
                SELECT grouping(type_code, drug, country) AS grouping_set, type_code, day, drug, year, country,
                       CAST(sum(events) AS bigint) AS n, COALESCE(sum(fatalities), 0) AS fatalities,
                       COALESCE(sum(kg), 0) AS kg_all, COALESCE(sum(kg_held), 0) AS kg_held,
                       CAST(sum(synthetic) AS bigint) AS synthetic, CAST(sum(sourced) AS bigint) AS sourced,
                       min(first_day) AS first_day, max(last_day) AS last_day
                FROM (SELECT type_code, COALESCE({day} - DATE '1970-01-01', -1) AS day,
                             CASE WHEN kg_held > 0 THEN COALESCE(drug, '') END AS drug,
                             CASE WHEN kg_held > 0 THEN CAST(date_part('year', {day}) AS integer) END AS year,
                             country, events, fatalities, kg, kg_held, synthetic, sourced,
                             {first} - DATE '1970-01-01' AS first_day, {last} - DATE '1970-01-01' AS last_day
                      FROM {table} WHERE {where}) matching
                GROUP BY GROUPING SETS ((type_code, day), (drug, year), (country), ()))
            SELECT array_agg(type_code) FILTER ({by_day}), array_agg(day) FILTER ({by_day}),
                   array_agg(n) FILTER ({by_day}), array_agg(drug) FILTER ({by_drug}),
                   array_agg(year) FILTER ({by_drug}), array_agg(kg_held) FILTER ({by_drug}),
                   array_agg(country) FILTER (WHERE grouping_set = 6), array_agg(n) FILTER (WHERE grouping_set = 6),
                   max(n) FILTER (WHERE grouping_set = 7), max(fatalities) FILTER (WHERE grouping_set = 7),
                   max(kg_all) FILTER (WHERE grouping_set = 7), max(synthetic) FILTER (WHERE grouping_set = 7),
                   max(sourced) FILTER (WHERE grouping_set = 7), max(first_day) FILTER (WHERE grouping_set = 7),
                   max(last_day) FILTER (WHERE grouping_set = 7)
            FROM groups""", params)[0]
        return _Summary(kind=np.array(kinds or [], dtype=np.int64), day=np.array(days or [], dtype=np.int64),
                        count=np.array(counts or [], dtype=np.int64), drug=tuple(drugs or ()),
                        year=np.array(years or [], dtype=np.int64), kg=np.array(kgs or [], dtype=np.float64),
                        totals=Totals(events=int(events or 0), fatalities=int(fatalities or 0),
                                      kg_seized=float(kg or 0), sources=int(sourced or 0),
                                      synthetic=int(synthetic or 0)),
                        first=-1 if first_day is None else int(first_day),
                        last=-1 if last_day is None else int(last_day), monthly=monthly,
                        countries=tuple(countries or ()), country_count=np.array(country_counts or [], dtype=np.int64))

    def _histogram(self, spec: FilterSpec, unit: str) -> Histogram:
        groups = self._summary(spec)
        if unit == "auto":
            span = np.array([groups.first, groups.last] if groups.first >= 0 else [], dtype="datetime64[D]")
            unit = choose_time_unit(span, spec)
        if groups.monthly and unit in ("day", "week"):
            groups = self._day_summary(spec)
        dated = groups.day >= 0
        kind, days, weight = groups.kind[dated], groups.day[dated], groups.count[dated]
        month = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        index = {"day": days, "week": (days + 3) // 7, "month": month, "year": month // 12}[unit]
        first_bin, last_bin = (int(index.min()), int(index.max())) if index.size else (0, -1)
        bins = np.arange(first_bin, last_bin + 1, dtype=np.int64)
        if unit == "day":
            starts = bins.astype("datetime64[D]")
        elif unit == "week":  # 1970-01-01 was a Thursday: weeks counted from Monday 1969-12-29
            starts = (bins * 7 - 3).astype("datetime64[D]")
        else:
            starts = bins.astype("datetime64[M]" if unit == "month" else "datetime64[Y]").astype("datetime64[D]")
        counts = np.bincount(kind * len(bins) + (index - first_bin), weights=weight,
                             minlength=len(EVENT_TYPES) * len(bins)).reshape(len(EVENT_TYPES), len(bins))
        return Histogram(unit=unit, bin_starts=starts, categories=EVENT_TYPES, counts=counts.astype(np.int64))

    def kg_by_year(self, spec: FilterSpec) -> QuantitySeries:
        return self._memo("kg_by_year", spec, (), lambda: self._kg_by_year(spec))

    def _kg_by_year(self, spec: FilterSpec) -> QuantitySeries:
        groups = self._summary(spec)
        held = groups.kg > 0
        if not held.any():
            return QuantitySeries(year_starts=np.array([], dtype="datetime64[D]"), drugs=(),
                                  kg=np.zeros((0, 0), dtype=np.float64))
        years = groups.year[held] - 1970
        drugs = [groups.drug[i].strip() for i in np.flatnonzero(held)]
        labels = sorted(set(drugs))
        first, last = int(years.min()), int(years.max())
        kg = np.zeros((len(labels), last - first + 1), dtype=np.float64)
        np.add.at(kg, (np.array([labels.index(d) for d in drugs], dtype=np.int64), years - first), groups.kg[held])
        order = sorted((i for i in range(len(labels)) if kg[i].sum() > 0),
                       key=lambda i: (-kg[i].sum(), labels[i]))  # heaviest first
        starts = np.arange(first, last + 1).astype("datetime64[Y]").astype("datetime64[D]")
        return QuantitySeries(year_starts=starts, drugs=tuple(labels[i] for i in order), kg=kg[order])

    # ---- breakdowns -------------------------------------------------------------------------
    def breakdown(self, spec: FilterSpec, field: str, top: int = 12) -> Breakdown:
        if field not in BREAKDOWN_FACETS:
            raise ValueError(f"unsupported breakdown: {field}")
        return self._memo("breakdown", spec, (field, int(top)), lambda: self._breakdown(spec, field, int(top)))

    def _breakdown(self, spec: FilterSpec, field: str, top: int) -> Breakdown:
        facet = BREAKDOWN_FACETS[field]
        if facet.column in ("event_type", SUMMARY_BREAKDOWN):  # the summary's scan counted them
            found = [(label, n) for label, n in self._value_counts(spec, facet.column).items() if label is not None]
        elif facet.match is Match.VALUE and self._cells_table(spec) is not None:  # groups inside, facts on the edge
            table = self._cells_table(spec)
            (where, params), rest = self._split(spec, table, self._total_cell(spec), core=True)
            found = self._all(f"SELECT {facet.column}, CAST(sum(events) AS bigint) FROM {table} WHERE {where} "
                              f"AND {facet.column} IS NOT NULL GROUP BY 1", params)
            if rest is not None:
                summed: dict[str, int] = {}
                for label, n in found + self._all(f"SELECT {facet.column}, count(*) FROM {rest.source} "
                                                  f"WHERE {rest.where} AND {facet.column} IS NOT NULL GROUP BY 1",
                                                  rest.params):
                    summed[label] = summed.get(label, 0) + int(n)
                found = list(summed.items())
        elif facet.match is Match.VALUE:
            where, params = self._where(spec, facts=True)
            found = self._all(f"SELECT {facet.column}, count(*) FROM event_facts WHERE {where} "
                              f"AND {facet.column} IS NOT NULL GROUP BY 1", params)
        else:  # actor groups: an event counts once for each group it names
            where, params = self._where(spec)
            found = self._all(f"SELECT named, count(*) FROM events, unnest(actor_groups) AS named "
                              f"WHERE {where} GROUP BY 1", params)
        vocabulary = facet.vocabulary or ()
        shown = [(str(label), int(n)) for label, n in found if str(label).strip() and n > 0]
        # Ties in the vocabulary's order (closed facets) or the labels' code-point order.
        shown.sort(key=lambda item: (-item[1], (0, vocabulary.index(item[0]), "") if item[0] in vocabulary
                                     else (1, 0, item[0])))
        shown = shown[:max(top, 0)]
        return Breakdown(field=field, labels=tuple(label for label, _ in shown),
                         counts=np.array([n for _, n in shown], dtype=np.int64))

    # ---- rows and events --------------------------------------------------------------------
    def nearest(self, spec: FilterSpec, latitude: float, longitude: float, *,
                event_type: str | None = None, precise: bool | None = None) -> int | None:
        """The row of the matching event drawn nearest a map point (see the protocol)."""
        lat, lon = float(latitude), float(longitude)
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return None
        if event_type is not None and event_type not in EVENT_TYPES:
            return None
        where, params = self._where(spec)
        params.update(near_west=lon - NEAREST_DEGREES, near_east=lon + NEAREST_DEGREES,
                      near_south=lat - NEAREST_DEGREES, near_north=lat + NEAREST_DEGREES)
        conditions = [where, "geom && ST_MakeEnvelope(:near_west, :near_south, :near_east, :near_north, 4326)",
                      "longitude >= :near_west AND longitude <= :near_east",
                      "latitude >= :near_south AND latitude <= :near_north"]
        if event_type is not None:
            conditions.append("event_type = :near_type")
            params["near_type"] = event_type
        if precise is not None:
            conditions.append(("" if precise else "NOT ") + "COALESCE(geo_precision = ANY(:precise_values), false)")
            params["precise_values"] = PRECISE_VALUES
        found = self._all(f"SELECT seq, latitude, longitude FROM events WHERE {' AND '.join(conditions)} "
                          f"ORDER BY seq", params)
        if not found:
            return None
        # Points are drawn in float32: measure there, so the drawn point itself is at distance 0.
        distance = (np.abs(np.array([r[1] for r in found], dtype=np.float64).astype(np.float32) - np.float32(lat))
                    + np.abs(np.array([r[2] for r in found], dtype=np.float64).astype(np.float32)
                             - np.float32(lon)))
        return int(self._runs.positions(np.array([found[int(np.argmin(distance))][0]], dtype=np.int64))[0])

    def _select_list(self, columns: tuple[str, ...]) -> str:
        selected = []
        for column in columns:
            if column == "dataset":
                selected.append("dataset_key")
            elif column == "duplicate_of":
                selected.append(f"""ARRAY(SELECT twin.event_id FROM duplicate_pairs pair
                        JOIN events twin ON twin.dataset_key = pair.partner_key AND twin.seq = pair.partner_seq
                        WHERE pair.dataset_key = events.dataset_key AND pair.seq = events.seq
                          AND pair.partner_key = ANY(:store_keys)
                        ORDER BY pair.partner_key, pair.partner_seq LIMIT {DUPLICATE_PARTNERS_SHOWN})""")
            else:
                selected.append(column)
        return ", ".join(selected)

    def _columns_of(self, found: list[tuple], columns: tuple[str, ...], offset: int = 0) -> dict[str, np.ndarray]:
        """Result rows → one numpy array per column, typed as the in-memory store's."""
        out: dict[str, np.ndarray] = {}
        for i, column in enumerate(columns, start=offset):
            values = [r[i] for r in found]
            if column in FLOAT_COLUMNS:
                out[column] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            elif column in BOOL_COLUMNS:
                out[column] = np.array(values, dtype=bool)
            else:
                array = np.empty(len(values), dtype=object)
                if column == "dataset":
                    array[:] = [self._id_of[int(v)] for v in values]
                elif column in LIST_COLUMNS or column == "duplicate_of":
                    array[:] = [tuple(v or ()) for v in values]
                else:
                    array[:] = values
                out[column] = array
        return out

    def _check_columns(self, columns: tuple[str, ...]) -> None:
        unknown = [c for c in columns if c not in ROW_COLUMNS]
        if unknown:
            raise ValueError(f"unknown columns: {unknown}")

    def rows(self, spec: FilterSpec, columns: tuple[str, ...], *,
             order_by: str = "event_date", descending: bool = True,
             offset: int = 0, limit: int | None = None) -> dict[str, np.ndarray]:
        """One page of matching rows, sorted; ties keep table order, missing values sort as largest."""
        if order_by not in SORTABLE_COLUMNS:
            raise ValueError(f"cannot sort by {order_by!r}")
        columns = tuple(columns)
        self._check_columns(columns)
        start = max(int(offset), 0)
        end = None if limit is None else start + max(int(limit), 0)
        return self._memo("rows", spec, (columns, order_by, bool(descending), start, end),
                          lambda: self._rows(spec, columns, order_by, bool(descending), start, end))

    def _rows(self, spec: FilterSpec, columns: tuple[str, ...], order_by: str, descending: bool,
              start: int, end: int | None) -> dict[str, np.ndarray]:
        if end is not None and end <= start:
            return self._columns_of([], columns)
        if (columns == ("event_date",) and order_by == "event_date" and spec.bbox is None and rolls_up(spec)
                and end is not None and end - start <= DATES_FROM_COUNTS):
            return {"event_date": self._dates_at(spec, descending, start, end)}
        if order_by in VALUE_ORDERS and end is not None:
            return self._value_page(spec, columns, order_by, descending, start, end)
        facts = order_by in FACT_SORTABLE  # the page's order from the narrow copy, its cells from events
        where, params = self._where(spec, facts=facts, page=True)
        params.update(store_keys=self._all_keys, dataset_rank=self._dataset_rank)
        boundary = self._cache.get((self.version, "page_boundary", spec, (order_by, descending, start)))
        sort = self._sorts_not_walks(spec, order_by)
        found = None
        if order_by in BLOCK_ORDERS and end is not None and not (sort and spec.text):
            # Rows walked, were the filter's rows spread evenly along the order, before the page is
            # full; a walk expected to need more than a share of its budget is not tried.
            wanted = (end - start if boundary is not None else end) * self.size / max(self.count(spec), 1)
            if wanted <= WALK_TRIED_SHARE * WALK_BUDGET:
                found = self._page_of(spec, columns, order_by, descending, start, end, where, params, boundary,
                                      walk_budget=WALK_BUDGET)
                if len(found) < end - start:  # the budget spent (or the rows ran out): the rows sorted
                    found, sort = None, True
        if found is None:
            found = self._page_of(spec, columns, order_by, descending, start, end, where, params, boundary,
                                  sort=sort)
        if end is not None and found:
            self._cache.set((self.version, "page_boundary", spec, (order_by, descending, start + len(found))),
                            (found[-1][0], found[-1][1]))
        return self._columns_of(found, columns, offset=2)

    def _page_of(self, spec: FilterSpec, columns: tuple[str, ...], order_by: str, descending: bool, start: int,
                 end: int | None, where: str, params: dict[str, object], boundary: tuple | None, *,
                 sort: bool = False, walk_budget: int | None = None) -> list[tuple]:
        """Rows ``start`` to ``end`` as (sort key, seq, cells…): along the order's index, the filter
        checked on the way, or (``sort``) every matching row sorted. ``walk_budget``: along the index
        for at most that many rows of the filter's datasets, the filter checked on those; a walk
        that spends it returns fewer rows than asked (the caller sorts instead)."""
        facts = order_by in FACT_SORTABLE
        table = "event_facts" if facts else "events"
        key = _sort_expression(order_by)
        if sort:
            key = ORDERS_OFF_INDEX[order_by].format(key=key)  # the same order; the rows sorted
        # Missing values count as the largest, as in the memory store: first when descending.
        order = f"{key} {'DESC NULLS FIRST' if descending else 'ASC NULLS LAST'}, seq"
        params = dict(params)
        source = table
        begin = "true"  # where in the order the page's rows begin
        days_bounded = False  # the page's rows' days bound it (a search's summary counted them)
        if boundary is not None:  # keyset: continue after the last row of the page before
            last_key, last_seq = boundary
            begin = self._after(key, last_key, descending)
            params.update(last_key=last_key, last_seq=last_seq)
            skip = ""
        else:
            skip = " OFFSET :skip" if start else ""
            params["skip"] = start
            # A search's first page too: its rows' days bound the walk (the planner, not knowing how
            # soon the date index meets a matching row, sorted every match for "callao" at 10M). And
            # an ascending first page from a date: the walk starts at the longest span before it, and
            # passed a year of facts ending too early to meet 2019's first row (0.2-0.3 s at 10M).
            asked_from_day = order_by == "event_date" and (
                start or spec.text or (not descending and spec.date_from is not None))
            day = self._day_at(spec, start, end, descending) if asked_from_day else None
            if day is not None:  # skip the days before the one holding row ``start`` (the B-tree), not rows
                begin = f"event_date {'<=' if descending else '>='} :page_day"
                params.update(page_day=day[0], skip=day[1])
                if day[2] is not None:  # and stop after the day holding the page's last row
                    begin += f" AND event_date {'>=' if descending else '<='} :page_end_day"
                    params["page_end_day"] = day[2]
                    days_bounded = True
        where += f" AND {begin}"
        if walk_budget is not None:  # the index's first rows from where the page begins, the filter over them
            params["walk_budget"] = walk_budget
            # The page before's last key bounds the index's range (the OR of ``begin`` does not): the
            # walk starts at that key, not at the index's first row.
            start_at = "true"
            if boundary is not None and (boundary[0] is not None or not descending):
                start_at = (f"({key}) IS NULL" if boundary[0] is None
                            else f"({key}) {'<=' if descending else '>='} :last_key")
            source = (f"(SELECT * FROM {table} WHERE dataset_key = ANY(:dataset_keys) AND {start_at} AND {begin} "
                      f"ORDER BY {order} LIMIT :walk_budget) AS {table}")
        limit = "" if end is None else " LIMIT :take"
        params["take"] = None if end is None else end - start
        # The planner cannot count the walk's rows that pass the filter (a subquery's): it guessed
        # one, and joined a search's texts in a nested loop, scanning them again for each row walked
        # (7-96 s at 10M; a day's 12.8k facts against "callao"'s 4k texts 3.2 s); hashed once
        # instead (12 ms). Not for a narrow search's sorted page: it reads its few facts by text.
        hashed = walk_budget is not None or (days_bounded and not sort)
        planner = "enable_nestloop = off" if hashed and spec.text else ""
        if facts and set(columns) <= FACT_COLUMNS | {"dataset"}:  # the page's cells are facts too (the bisection's)
            return self._all(f"SELECT {key}, seq, {self._select_list(columns)} FROM {source} WHERE {where} "
                             f"ORDER BY {order}{limit}{skip}", params, planner)
        if facts:
            page = self._all(f"SELECT {key}, seq, dataset_key FROM {source} WHERE {where} "
                             f"ORDER BY {order}{limit}{skip}", params, planner)
            cells = self._cells(np.array([r[2] for r in page], dtype=np.int64),
                                np.array([r[1] for r in page], dtype=np.int64), columns)
            return [page_row[:2] + cell_row for page_row, cell_row in zip(page, cells)]
        return self._all(f"SELECT {key}, seq, {self._select_list(columns)} FROM {source} WHERE {where} "
                         f"ORDER BY {order}{limit}{skip}", params, planner)

    def _value_counts(self, spec: FilterSpec, column: str) -> dict[str | None, int]:
        """The matching events per value of a :data:`VALUE_ORDERS` column (``None``: no value), as
        the filter's summary counted them (the datasets: the filter's count in each)."""
        if column == "dataset":
            return {self._id_of[key]: n for key in self._scope(spec.datasets)
                    if (n := self.count(spec.with_changes(datasets=(self._id_of[key],)))) > 0}
        groups = self._summary(spec)
        if column == "event_type":
            per_type = np.bincount(groups.kind, weights=groups.count, minlength=len(EVENT_TYPES))
            return {label: int(n) for label, n in zip(EVENT_TYPES, per_type) if n > 0}
        counts: dict[str | None, int] = {}
        for label, n in zip(groups.countries, groups.country_count.tolist()):
            counts[label] = counts.get(label, 0) + int(n)
        return {label: n for label, n in counts.items() if n > 0}

    def _value_page(self, spec: FilterSpec, columns: tuple[str, ...], order_by: str, descending: bool,
                    start: int, end: int) -> dict[str, np.ndarray]:
        """Rows ``start`` to ``end`` in the order of a column of few values: the values' counts (the
        summary's) say which values the page spans and from which of each value's rows, and each
        value's rows come in table order along the column's index (migration 0015), one index for
        both directions. Sorting every matching row took 1.7-4.2 s a page at 10M."""
        values = sorted(self._value_counts(spec, order_by).items(),
                        key=lambda item: (item[0] is None, item[0] or ""), reverse=descending)
        where, params = self._where(spec, facts=True, page=True)
        # The page before ended at (value, seq): this one's first rows of that value follow it along
        # the index, where an OFFSET would walk every row before them again (scrolling down).
        boundary = self._cache.get((self.version, "value_boundary", spec, (order_by, descending, start)))
        parts, position, last_value = [], 0, None
        for value, count in values:
            first, last = max(start, position), min(end, position + count)
            if first < last:
                number = len(parts)
                if value is None:
                    test = f"{order_by} IS NULL"
                elif order_by == "event_type":  # its index holds the code (migration 0015)
                    test = f"type_code = :value_{number}"
                    params[f"value_{number}"] = EVENT_TYPES.index(value)
                elif order_by == "dataset":  # a dataset is a partition: its primary key is in seq order
                    test = f"dataset_key = :value_{number}"
                    params[f"value_{number}"] = self._key_of[value]
                else:
                    test = f"{order_by} = :value_{number}"
                    params[f"value_{number}"] = str(value)
                params.update({f"take_{number}": last - first, f"skip_{number}": first - position})
                if number == 0 and boundary is not None and boundary[0] == value:  # after the page before's last
                    test += " AND seq > :after_seq"
                    params.update(after_seq=boundary[1], skip_0=0)
                parts.append(f"(SELECT {number} AS part, seq, dataset_key FROM event_facts WHERE {where} AND {test} "
                             f"ORDER BY seq LIMIT :take_{number} OFFSET :skip_{number})")
                last_value = value
            position += count
        if not parts:
            return self._columns_of([], columns)
        page = self._all(f"SELECT seq, dataset_key FROM ({' UNION ALL '.join(parts)}) AS page ORDER BY part, seq",
                         params)
        if page:
            self._cache.set((self.version, "value_boundary", spec, (order_by, descending, start + len(page))),
                            (last_value, int(page[-1][0])))
        return self._columns_of(self._cells(np.array([r[1] for r in page], dtype=np.int64),
                                            np.array([r[0] for r in page], dtype=np.int64), columns), columns)

    def _texts_hold_fewer(self, spec: FilterSpec) -> bool:
        """Whether a search's matching texts hold no more facts (``event_texts.facts``, 0014) than
        the rest of its filter matches: then its facts are read through the text index."""
        return bool(self._memo("texts_hold_fewer", spec, (), lambda: self._text_facts(spec)
                               <= self.count(spec.with_changes(text=None))))

    def _text_facts(self, spec: FilterSpec) -> int:
        """The facts a search's matching texts hold, in the filter's datasets (``event_texts.facts``)."""
        return int(self._memo("text_facts", spec, (), lambda: int(self._all(
            "SELECT COALESCE(sum(facts), 0) FROM event_texts WHERE dataset_key = ANY(:keys) "
            "AND search_text LIKE :pattern",
            {"keys": self._scope(spec.datasets), "pattern": like_pattern(fold_text(spec.text))})[0][0])))

    def _sorts_not_walks(self, spec: FilterSpec, order_by: str) -> bool:
        """Whether a page sorts the filter's rows rather than walk its order's index (see
        :data:`ORDERS_OFF_INDEX`): a narrow filter in an order of :data:`BLOCK_ORDERS`, a narrow
        text search in any."""
        if order_by not in ORDERS_OFF_INDEX or not (order_by in BLOCK_ORDERS or spec.text):
            return False
        return self.count(spec) < INDEX_WALK_SHARE * self.size

    def _dates_at(self, spec: FilterSpec, descending: bool, start: int, end: int) -> np.ndarray:
        """The event_date of rows ``start:end`` in date order, from event_rollup's counts per day
        (a filter the rollups answer, without a box): the table's bisection for blank dates asks
        ~17 such one-row pages each filter change, each a query waiting its turn under load."""
        firsts, _, counts = self._memo("date_counts", spec, (), lambda: self._date_counts(spec))
        undated = int(counts[-1]) if len(firsts) and firsts[-1] < 0 else 0
        days, per_day = firsts[:len(firsts) - (1 if undated else 0)], counts[:len(counts) - (1 if undated else 0)]
        if descending:  # the undated first, then the newest day first
            days, per_day = days[::-1], per_day[::-1]
        dated = int(per_day.sum())
        positions = np.arange(start, min(end, dated + undated))
        ranks = positions - undated if descending else positions  # place among the dated rows
        valued = (ranks >= 0) & (ranks < dated)
        out = np.full(len(positions), None, dtype=object)
        out[valued] = [EPOCH + timedelta(days=int(day))
                       for day in days[np.searchsorted(np.cumsum(per_day), ranks[valued], side="right")]]
        return out

    def _day_at(self, spec: FilterSpec, start: int, end: int | None,
                descending: bool) -> tuple[date, int, date | None] | None:
        """For a page of a filter the rollups answer, or of a search, in event_date order: the last
        (descending) or first day of the day or month holding row ``start``, the row's place among
        the rows from there on, and the other end of the day or month holding row ``end - 1``
        (``None``: the page has no end), by the rollups' counts per day (event_rollup) or per month
        (event_cells and a box's edge facts), a search's by its summary's per day; ``None`` when
        the page reaches the undated rows (or the filter is of another kind): then the page is read
        with OFFSET."""
        if not (rolls_up(spec) or spec.text):
            return None
        firsts, lasts, counts = self._memo("date_counts", spec, (), lambda: self._date_counts(spec))
        undated = int(counts[-1]) if len(firsts) and firsts[-1] < 0 else 0
        dated = len(firsts) - (1 if undated else 0)
        if descending:
            bounds, ends, counts = lasts[:dated][::-1], firsts[:dated][::-1], counts[:dated][::-1]
        else:
            bounds, ends, counts = firsts[:dated], lasts[:dated], counts[:dated]
        position = start - undated if descending else start  # undated rows: first descending, last ascending
        total = int(counts.sum())
        if position < 0 or position >= total or (not descending and (end is None or end > total)):
            return None
        reached = np.cumsum(counts)
        index = int(np.searchsorted(reached, position, side="right"))
        before = int(reached[index - 1]) if index else 0
        end_day = None
        if end is not None:  # the page's last row, or the last dated one (descending, the undated first)
            last = int(np.searchsorted(reached, min(position + end - start, total) - 1, side="right"))
            end_day = EPOCH + timedelta(days=int(ends[last]))
        return EPOCH + timedelta(days=int(bounds[index])), position - before, end_day

    def _date_counts(self, spec: FilterSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Matching events per day (per month with a box): first and last day of each, and the
        count, ascending; the undated last (first day -1). A search's from its summary's groups,
        per day."""
        if spec.bbox is None and rolls_up(spec):
            where, params = self._where(spec, facts=True)
            table = "event_days" if by_day_and_type(spec) else "event_rollup"  # the fewer groups
            found = self._all(f"""
                SELECT COALESCE(event_date - DATE '1970-01-01', -1), CAST(sum(events) AS bigint)
                FROM {table} WHERE {where} GROUP BY 1""", params)
            found = sorted(((day, day, n) for day, n in found), key=lambda r: (r[0] < 0, r[0]))
        else:  # the summary's groups per (type, month or day), summed per month or day: no read of its own
            groups = self._summary(spec)
            dated = groups.day >= 0
            unit = "datetime64[M]" if groups.monthly else "datetime64[D]"
            periods, counts = np.unique(groups.day[dated].astype("datetime64[D]").astype(unit), return_inverse=True)
            summed = np.bincount(counts.ravel(), weights=groups.count[dated], minlength=len(periods))
            firsts = periods.astype("datetime64[D]").astype(np.int64)
            lasts = ((periods + 1).astype("datetime64[D]") - 1).astype(np.int64)
            found = [(int(f), int(last), int(n)) for f, last, n in zip(firsts, lasts, summed) if n > 0]
            undated = int(groups.count[~dated].sum())
            if undated:
                found.append((-1, -1, undated))
        return (np.array([r[0] for r in found], dtype=np.int64), np.array([r[1] for r in found], dtype=np.int64),
                np.array([r[2] for r in found], dtype=np.int64))

    @staticmethod
    def _after(key: str, last_key: object, descending: bool) -> str:
        """Rows after (last_key, last_seq) in ``key`` order, NULLs last ascending and first descending."""
        if descending:
            if last_key is None:
                return f"(({key}) IS NULL AND seq > :last_seq OR ({key}) IS NOT NULL)"
            return f"(({key}) < :last_key OR ({key}) = :last_key AND seq > :last_seq)"
        if last_key is None:
            return f"(({key}) IS NULL AND seq > :last_seq)"
        return f"(({key}) > :last_key OR ({key}) = :last_key AND seq > :last_seq OR ({key}) IS NULL)"

    def take(self, rows: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Columns for the given row positions (e.g. the hover text of drawn points)."""
        columns = tuple(columns)
        self._check_columns(columns)
        positions = np.asarray(rows, dtype=np.int64).ravel()
        if positions.size and (positions.min() < -self.size or positions.max() >= self.size):
            raise IndexError(f"row positions outside 0 … {self.size - 1}")
        positions = np.where(positions < 0, positions + self.size, positions)
        if not positions.size:
            return self._columns_of([], columns)
        keys, seqs = self._runs.locate(positions)
        return self._columns_of(self._cells(keys, seqs, columns), columns)

    def _cells(self, keys: np.ndarray, seqs: np.ndarray, columns: tuple[str, ...]) -> list[tuple]:
        """The ``columns`` of the rows (dataset_key, seq), one tuple per row in the order asked."""
        if not len(seqs) or not columns:
            return [() for _ in seqs]
        found = self._all(f"""
            SELECT events.seq, {self._select_list(columns)}
            FROM events JOIN unnest(CAST(:keys AS integer[]), CAST(:seqs AS bigint[])) AS wanted(key, seq)
              ON events.dataset_key = wanted.key AND events.seq = wanted.seq
            WHERE events.dataset_key = ANY(:store_keys)""",
                          {"keys": keys.tolist(), "seqs": seqs.tolist(), "store_keys": self._all_keys})
        by_seq = {int(r[0]): r[1:] for r in found}
        return [by_seq[int(s)] for s in seqs]

    def event(self, event_id: str) -> dict[str, object] | None:
        if not isinstance(event_id, str) or not event_id:
            return None
        found = self._all(f"""
            SELECT {self._select_list(ROW_COLUMNS)} FROM events
            WHERE event_id = :event_id AND dataset_key = ANY(:store_keys)
            ORDER BY seq DESC LIMIT 1""", {"event_id": event_id, "store_keys": self._all_keys})
        if not found:
            return None
        columns = self._columns_of(found, ROW_COLUMNS)
        return {column: values[0] for column, values in columns.items()}

    def event_id_at(self, row: int) -> str | None:
        if not 0 <= row < self.size:
            return None
        keys, seqs = self._runs.locate(np.array([row], dtype=np.int64))
        found = self._all("SELECT event_id FROM events WHERE dataset_key = :key AND seq = :seq",
                          {"key": int(keys[0]), "seq": int(seqs[0])})
        return str(found[0][0]) if found else None

    # ---- the data as a whole ----------------------------------------------------------------
    def datasets(self) -> tuple[DatasetCount, ...]:
        """Every dataset the store holds, by id, with its row counts (read when the store was made)."""
        return self._datasets

    def duplicates_in(self, dataset_id: str) -> int:
        """Rows of a dataset that may report the same event as a row of another dataset."""
        return next((d.duplicates for d in self._datasets if d.dataset_id == dataset_id), 0)

    def source_links(self) -> SourceLinks:
        """Events with a report link, and distinct links, over the whole table."""
        return self._memo("source_links", None, (), self._source_links)

    def _source_links(self) -> SourceLinks:
        events, links = self._all("""
            SELECT count(*) FILTER (WHERE source_url <> ''), count(DISTINCT NULLIF(source_url, ''))
            FROM events WHERE dataset_key = ANY(:keys)""", {"keys": self._all_keys})[0]
        return SourceLinks(events_with_link=int(events), links=int(links))

    def date_extent(self, datasets: tuple[str, ...] | None = None) -> tuple[np.datetime64, np.datetime64] | None:
        """First and last day of the events in ``datasets`` (``None``: the whole store)."""
        scope = None if datasets is None else tuple(sorted(set(datasets)))
        return self._memo("date_extent", None, (scope,), lambda: self._date_extent(scope))

    def _date_extent(self, datasets: tuple[str, ...] | None) -> tuple[np.datetime64, np.datetime64] | None:
        keys = list(self._all_keys) if datasets is None else self._scope(datasets)
        first, last = self._all("SELECT min(first_day), max(last_end) FROM event_cells WHERE cell_deg = 0 "
                                "AND dataset_key = ANY(:keys)", {"keys": keys})[0]
        if first is None or last is None:
            return None
        return np.datetime64(first, "D"), np.datetime64(last, "D")

    def facet_options(self, facet_name: str, datasets: tuple[str, ...] = ()) -> list[str]:
        """Sorted distinct non-empty values of a facet in the shown datasets (see the protocol)."""
        facet = FACETS_BY_NAME.get(facet_name)
        if facet is None:
            raise ValueError(f"unknown facet: {facet_name!r}")
        scope = () if facet.name == "datasets" else tuple(sorted(set(datasets))) or self.default_datasets
        return list(self._memo("facet_options", None, (facet_name, scope), lambda: self._options(facet, scope)))

    def _options(self, facet: Facet, scope: tuple[str, ...]) -> tuple[str, ...]:
        if facet.name == "datasets":
            return tuple(sorted(d.dataset_id.strip() for d in self._datasets))
        params = {"keys": self._keys(scope) if scope else list(self._all_keys)}
        if facet.match is Match.ACTOR:  # each dataset's distinct names (migration 0007)
            found = self._all("SELECT DISTINCT name FROM event_names WHERE dataset_key = ANY(:keys) "
                              "AND kind = 'actor'", params)
            names = (str(v) for (v,) in found)
        elif facet.match is Match.REGION:
            found = self._all("SELECT DISTINCT name FROM event_names WHERE dataset_key = ANY(:keys) "
                              "AND kind = 'region'", params)
            names = (region for (value,) in found for region in str(value).split(";"))
        else:
            found = self._all(f"SELECT DISTINCT {facet.column} FROM event_cells WHERE cell_deg = 0 "
                              f"AND dataset_key = ANY(:keys) AND {facet.column} IS NOT NULL", params)
            names = (str(v) for (v,) in found)
        return tuple(sorted({name.strip() for name in names if name.strip()}))
