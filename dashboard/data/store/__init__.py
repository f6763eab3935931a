"""EventStore: the query engine every view goes through.

:mod:`.protocol` is the contract (the :class:`EventStore` protocol, its result dataclasses and
constants); :mod:`.memory` the in-memory engine; :mod:`.postgis` the PostgreSQL/PostGIS engine of a
shared deployment; :mod:`.codes`, :mod:`.text` (search), :mod:`.dates`
and :mod:`.grid` its parts. Import from here: ``from dashboard.data.store import EventStore``.
Code outside this package asks a store only what :class:`EventStore` declares (a test scans for
reaches into an engine's arrays, masks or table).
"""

from __future__ import annotations

from ..text import fold_text
from .dates import choose_time_unit, time_unit_for_span
from .grid import CELL_SIZES, CELL_TARGET_PX, MAP_TILE_PX, MAX_ZOOM, cell_size_for_zoom, points_in_polygon
from .memory import InMemoryEventStore
from .postgis import PostgisEventStore
from .protocol import (
    BREAKDOWN_FIELDS,
    EVENT_TYPES,
    GEO_PRECISIONS,
    NEAREST_DEGREES,
    SORTABLE_COLUMNS,
    TIME_UNITS,
    Breakdown,
    DatasetCount,
    EventStore,
    GridBins,
    Histogram,
    PointColumns,
    QuantitySeries,
    SourceLinks,
    Totals,
)
from .text import SEARCH_COLUMNS, fold_strings

__all__ = [
    "BREAKDOWN_FIELDS", "CELL_SIZES", "CELL_TARGET_PX", "EVENT_TYPES", "GEO_PRECISIONS", "MAP_TILE_PX",
    "MAX_ZOOM", "NEAREST_DEGREES", "SEARCH_COLUMNS", "SORTABLE_COLUMNS", "TIME_UNITS",
    "Breakdown", "DatasetCount", "EventStore", "GridBins", "Histogram", "InMemoryEventStore", "PointColumns", "PostgisEventStore", "QuantitySeries",
    "SourceLinks", "Totals",
    "cell_size_for_zoom", "choose_time_unit", "fold_strings", "fold_text", "points_in_polygon",
    "time_unit_for_span",
]
