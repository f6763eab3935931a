"""Writing one dataset's events into PostgreSQL: the rows, the columns queries need, the duplicates.

One dataset is one partition of ``events``. :func:`write_dataset` fills a new table with COPY (CSV
built by Arrow, not a Python loop), attaches it as the dataset's partition (readers keep reading
the others meanwhile), records the likely duplicates against every other dataset and inserts the
``datasets`` row last, so the data version moves, and concurrent writers wait, only at the end.
The caller owns the transaction: nothing is visible, and nothing is left, until it commits.

The derived columns follow the in-memory store's rules exactly (the contract suite compares the
two stores): ``last_day`` is :func:`~dashboard.data.store.dates.period_ends` widened to a reported
end; ``search_text`` is the folded search parts of :mod:`dashboard.data.store.text` joined by
spaces; ``actors_folded`` and ``regions_folded`` are ``str.casefold`` of the names the actor and
region filters compare.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import Connection, text

from ..duplicates import MAX_CANDIDATES_PER_ROW, MAX_PARTNERS_PER_ROW
from ..schema import IMPORT_COLUMN_DEFAULTS, DatePrecision
from ..store.dates import days_of, period_ends
from ..store.postgis import GRID_CELL_SIZES, KG_BANDS, ROLLUP_CELL_SIZES, WORD_MIN_LENGTH, like_pattern
from ..store.protocol import EVENT_TYPES
from ..store.text import SEARCH_COLUMNS, fold_strings
from ..text import fold_text

# The events table's columns the loader writes, in COPY order (geom is generated from them).
TEXT_COLUMNS = ("event_id", "date_precision", "event_type", "country", "admin1", "admin2", "location",
                "geo_precision", "drug", "origin", "destination", "route_id", "summary", "source_name",
                "source_url", "source_event_id", "original_type", "original_subtype")
FLOAT_COLUMNS = ("latitude", "longitude", "fatalities", "quantity_kg", "fatalities_low", "fatalities_high")
BOOL_COLUMNS = ("synthetic", "geocoded")
LIST_COLUMNS = ("actors", "actor_groups")
DATE_COLUMNS = ("event_date", "date_end")
DERIVED_COLUMNS = ("last_day", "search_text", "actors_folded", "regions_folded", "twin_kind", "source_hash")
COPY_COLUMNS = ("dataset_key", "seq", *TEXT_COLUMNS, *FLOAT_COLUMNS, *BOOL_COLUMNS, *LIST_COLUMNS,
                *DATE_COLUMNS, *DERIVED_COLUMNS)
# The narrow copy the aggregates scan (migration 0003), written from a dataset's partition: type_code
# is the type's position in EVENT_TYPES (twin_kind // 2), the keys hash the names the actor and
# region filters compare, text_key the search text (event_texts holds each distinct text once).
# Read in the partition's order (dates ascending, as written). Migration 0003 holds a copy.
FACTS_FROM_EVENTS = """
    INSERT INTO {facts} (dataset_key, seq, event_date, last_day, latitude, longitude, quantity_kg, fatalities,
                         source_hash, type_code, synthetic, event_type, drug, country, geo_precision, route_id,
                         location, original_type, original_subtype, actor_keys, region_keys, text_key)
    SELECT dataset_key, seq, event_date, last_day, latitude, longitude, quantity_kg, fatalities,
           source_hash, CAST(twin_kind / 2 AS smallint), synthetic, event_type, drug, country, geo_precision, route_id,
           location, original_type, original_subtype,
           ARRAY(SELECT hashtextextended(name, 0) FROM unnest(actors_folded || actor_groups) AS name),
           ARRAY(SELECT hashtextextended(name, 0) FROM unnest(regions_folded) AS name),
           hashtextextended(search_text, 0)
    FROM {events}"""
# Each distinct text once, with its count of facts (migration 0014): the store weighs a search by it.
TEXTS_FROM_EVENTS = """
    INSERT INTO {texts} (dataset_key, text_key, search_text, facts)
    SELECT dataset_key, hashtextextended(search_text, 0), search_text, count(*) FROM {events}
    GROUP BY dataset_key, search_text"""
# The groups the store reads instead of the facts when a filter touches only datasets, dates, value
# facets and a box (migration 0006): per day and value-facet columns, and per month of the first and
# the last day, value-facet columns and grid cell at the store's ROLLUP_CELL_SIZES (0: no cell, every
# event). Migration 0006 holds a copy.
ROLLUP_FROM_FACTS = """
    INSERT INTO {rollup} (dataset_key, event_date, last_day, type_code, event_type, country, drug, route_id,
                          original_type, original_subtype, events, synthetic, fatalities, kg, kg_held, sourced)
    SELECT dataset_key, event_date, last_day, type_code, event_type, country, drug, route_id,
           original_type, original_subtype, count(*), count(*) FILTER (WHERE synthetic), sum(fatalities),
           sum(quantity_kg), sum(quantity_kg) FILTER (WHERE quantity_kg > 0), count(source_hash)
    FROM {facts}
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    ORDER BY event_date NULLS LAST, last_day"""
CELLS_FROM_FACTS = """
    INSERT INTO {cells} (dataset_key, cell_deg, first_month, last_month, type_code, event_type, country, drug,
                         route_id, original_type, original_subtype, cell_y, cell_x, events, synthetic, fatalities,
                         kg, kg_held, sourced, first_day, last_start, last_end)
    SELECT dataset_key, size, CAST(date_trunc('month', event_date) AS date),
           CAST(date_trunc('month', last_day) AS date), type_code, event_type, country, drug, route_id,
           original_type, original_subtype,
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(latitude / size) AS bigint) END,
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(longitude / size) AS bigint) END,
           count(*), count(*) FILTER (WHERE synthetic), sum(fatalities), sum(quantity_kg),
           sum(quantity_kg) FILTER (WHERE quantity_kg > 0), count(source_hash), min(event_date), max(event_date),
           max(last_day)
    FROM {facts} CROSS JOIN (SELECT CAST(:size AS float8) AS size) AS asked
    WHERE size = 0 OR latitude IS NOT NULL AND longitude IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
    ORDER BY 3"""


# The order the monthly rollups' rows are kept in (migration 0017 holds a copy): by cell size and
# year, each year's groups by cell, so a box's cells' rows lie together in each year (a B-tree on
# the cells finds them) and a date filter's in their years (the BRIN on cell size and month).
ROLLUP_ROW_ORDER = "(cell_deg, extract(year FROM first_month), cell_x, cell_y, first_month)"


def _cells_split_by(columns: tuple[str, ...], values: tuple[str, ...], *, every_size: bool = False,
                    matching: str = "") -> str:
    """CELLS_FROM_FACTS's statement with its groups split further by ``columns`` (each written from
    the facts' expression in ``values``). Kept out of CELLS_FROM_FACTS itself: migration 0006 holds
    that one word for word. ``every_size``: the sizes of ``:sizes`` at once (one read of the facts),
    not ``:size`` (written in month order); ``matching``: only the facts meeting this condition."""
    groups = ", ".join(str(number) for number in range(1, 14 + len(columns)))
    sizes = "unnest(CAST(:sizes AS float8[])) AS size" if every_size else "(SELECT CAST(:size AS float8) AS size) AS asked"
    placed = "size = 0 OR latitude IS NOT NULL AND longitude IS NOT NULL"
    order = "" if every_size else "\n    ORDER BY 3"
    return f"""
    INSERT INTO {{cells}} (dataset_key, cell_deg, first_month, last_month, type_code, event_type, country, drug,
                         route_id, original_type, original_subtype, {", ".join(columns)}, cell_y, cell_x,
                         events, synthetic, fatalities, kg, kg_held, sourced, first_day, last_start, last_end)
    SELECT dataset_key, size, CAST(date_trunc('month', event_date) AS date),
           CAST(date_trunc('month', last_day) AS date), type_code, event_type, country, drug, route_id,
           original_type, original_subtype, {", ".join(values)},
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(latitude / size) AS bigint) END,
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(longitude / size) AS bigint) END,
           count(*), count(*) FILTER (WHERE synthetic), sum(fatalities), sum(quantity_kg),
           sum(quantity_kg) FILTER (WHERE quantity_kg > 0), count(source_hash), min(event_date), max(event_date),
           max(last_day)
    FROM {{facts}} CROSS JOIN {sizes}
    WHERE {f"{matching} AND ({placed})" if matching else placed}
    GROUP BY {groups}{order}"""


# Split by the actor and region keys (migration 0011 holds a copy): an actor or region filter
# matches a group's events all or none, so it sums groups, not facts.
NAME_CELLS_FROM_FACTS = _cells_split_by(("actor_keys", "region_keys"), ("actor_keys", "region_keys"))
# Split by a band of the seized kg (migration 0012 holds a copy): a kg bound on a band's edge
# selects whole groups.
KG_CELLS_FROM_FACTS = _cells_split_by(("kg_band",), ("width_bucket(quantity_kg, CAST(:kg_bands AS float8[]))",))
# Split by a place word (migration 0019 holds a copy), of the facts whose search text holds it.
WORD_CELLS_FROM_FACTS = _cells_split_by(
    ("word",), ("CAST(:word AS text)",), every_size=True,
    matching="text_key IN (SELECT text_key FROM {texts} WHERE search_text LIKE :pattern)")
# The map's cells per type alone, at every cell size (migration 0008 holds a copy): what a filter of
# datasets, event types and a box asks of the map, without months or other facets to multiply them.
GRID_FROM_FACTS = """
    INSERT INTO {grid} (dataset_key, cell_deg, cell_x, cell_y, type_code, event_type, events)
    SELECT dataset_key, size, CAST(floor(longitude / size) AS bigint), CAST(floor(latitude / size) AS bigint),
           type_code, event_type, count(*)
    FROM {facts} CROSS JOIN unnest(CAST(:sizes AS float8[])) AS size
    WHERE latitude IS NOT NULL AND longitude IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 2, 3, 4"""
# The events per day, last day and type alone (migration 0009 holds a copy): what a table page by
# date asks of a filter of datasets, types and dates, without event_rollup's other facets.
DAYS_FROM_FACTS = """
    INSERT INTO {days} (dataset_key, event_date, last_day, type_code, event_type, events)
    SELECT dataset_key, event_date, last_day, type_code, event_type, count(*)
    FROM {facts}
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY event_date NULLS LAST, last_day"""
# Each dataset's distinct actor names and admin1 values, as written (migration 0007 holds a copy):
# what the actor and region filters offer, without reading the wide rows.
NAMES_FROM_EVENTS = """
    INSERT INTO {names} (dataset_key, kind, name)
    SELECT dataset_key, 'actor', unnest(actors) FROM {events}
    UNION
    SELECT dataset_key, 'region', admin1 FROM {events} WHERE admin1 IS NOT NULL"""
# Place words (migration 0019 holds copies): the words of a dataset's events' location, admin1 and
# admin2, folded as the search folds, of at least WORD_MIN_LENGTH characters, that at least
# WORD_MIN_EVENTS of its events carry; every dataset gets groups for each. A search for one is
# answered from event_word_cells: the groups of event_cells split by the word, of the facts whose
# search text holds it (the search's own LIKE), so exact. Other searches read their facts, ~0.7 µs
# each ("callao", 1.5M of 10M generated events: 1.5 s a change through the app from its facts,
# 0.15 s from its groups).
WORD_MIN_EVENTS = 100_000
PLACES_OF_EVENTS = "SELECT location, admin1, admin2, count(*) FROM {events} GROUP BY 1, 2, 3"
# A word's rows together, then as ROLLUP_ROW_ORDER's (migration 0019 holds a copy).
WORD_ROW_ORDER = "(word, cell_deg, extract(year FROM first_month), cell_x, cell_y, first_month)"
COPY_SLICE_ROWS = 100_000  # rows turned into CSV at a time: the copy holds one slice, not the table
# Greatest distance between twins (dashboard.data.duplicates); the box around a row is a little
# wider in degrees than this many km at its latitude, then the exact great-circle test decides.
DUPLICATE_KM = 5.0
DUPLICATE_BOX_DEGREES = 0.05  # > 5 km / 111.19 km per degree of latitude
DUPLICATE_PARTNERS = MAX_PARTNERS_PER_ROW  # twins kept per row (the flag does not depend on it)
# Rows a probe examines at most, as the in-memory finder caps them: when 100k events share one
# place and day, each row reads this many of them from the index, not all 100k (n², hours).
DUPLICATE_CANDIDATES = MAX_CANDIDATES_PER_ROW
SEQ_LOCK_KEY = 0x5275746173_02  # pg_advisory_lock key reserving a block of seq numbers
# pg_advisory_xact_lock key: imports look for twins one after the other, each seeing the datasets
# committed before it (two at once would each miss the other's rows).
TWINS_LOCK_KEY = 0x5275746173_04
# Rows are twins only of rows of the same kind: one event type, both reported or both generated.
# The segment spans a row's place and days; its n-D GiST index (migration 0001) finds the rows
# near a row in space, time and kind in one probe. Word for word the index's expression.
TWIN_SEGMENT = """ST_MakeLine(
            ST_MakePoint(longitude, latitude, event_date - DATE '1970-01-01', twin_kind),
            ST_MakePoint(longitude, latitude, last_day - DATE '1970-01-01', twin_kind))"""


@dataclass(frozen=True)
class DatasetRow:
    """The ``datasets`` row of one dataset (what :class:`~dashboard.data.datasets.DatasetMeta` holds)."""

    dataset_id: str
    name: str
    file_name: str
    sha256: str
    imported_at: str
    format: str
    report: dict
    bundled: bool = False


def partition_name(dataset_key: int) -> str:
    """The table holding one dataset's events (a name made from an integer, never from input)."""
    return f"events_{int(dataset_key)}"


def facts_partition_name(dataset_key: int) -> str:
    """The table holding one dataset's event facts (the narrow copy, migration 0003)."""
    return f"event_facts_{int(dataset_key)}"


def rollup_partition_name(dataset_key: int) -> str:
    """The table holding one dataset's groups per day (migration 0006)."""
    return f"event_rollup_{int(dataset_key)}"


def cells_partition_name(dataset_key: int) -> str:
    """The table holding one dataset's groups per month and grid cell (migration 0006)."""
    return f"event_cells_{int(dataset_key)}"


def grid_partition_name(dataset_key: int) -> str:
    """The table holding one dataset's events per cell and type (migration 0008)."""
    return f"event_grid_{int(dataset_key)}"


def days_partition_name(dataset_key: int) -> str:
    """The table holding one dataset's events per day and type (migration 0009)."""
    return f"event_days_{int(dataset_key)}"


def name_cells_partition_name(dataset_key: int) -> str:
    """The partition of ``event_name_cells`` holding one dataset's groups by actor and region keys."""
    return f"event_name_cells_{int(dataset_key)}"


def word_cells_partition_name(dataset_key: int) -> str:
    """The dataset's partition of ``event_word_cells`` (migration 0019)."""
    return f"event_word_cells_{int(dataset_key)}"


def kg_cells_partition_name(dataset_key: int) -> str:
    """The partition of ``event_kg_cells`` holding one dataset's groups by kg band."""
    return f"event_kg_cells_{int(dataset_key)}"


def names_partition_name(dataset_key: int) -> str:
    """The table holding one dataset's distinct actor names and regions (migration 0007)."""
    return f"event_names_{int(dataset_key)}"


def texts_partition_name(dataset_key: int) -> str:
    """The table holding one dataset's distinct search texts (migration 0003)."""
    return f"event_texts_{int(dataset_key)}"


def _column(events: pd.DataFrame, name: str) -> pd.Series:
    if name in events.columns:
        return events[name]
    return pd.Series([IMPORT_COLUMN_DEFAULTS.get(name, None)] * len(events), index=events.index, dtype=object)


def _text_array(series: pd.Series) -> pa.Array:
    """Text as Arrow; missing values (None, NaN) stay null, empty text stays empty."""
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    cleaned = np.where(missing, None, values)
    return pa.array([None if v is None else str(v) for v in cleaned], type=pa.large_string())


def _array_literal(values: tuple) -> str:
    """A PostgreSQL text[] literal: each element quoted, backslashes and quotes escaped."""
    quoted = ('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def _tuples(series: pd.Series) -> tuple[np.ndarray, list[tuple]]:
    """Codes into the distinct tuples of a list column (lists, tuples or None)."""
    values = np.empty(len(series), dtype=object)
    values[:] = [tuple(v) if isinstance(v, (tuple, list, np.ndarray)) else () for v in series.to_numpy(dtype=object)]
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, list(uniques)


def _mapped(codes: np.ndarray, literals: list[str]) -> pa.Array:
    return pa.array(np.asarray(literals, dtype=object)[codes] if len(literals) else np.array([], dtype=object),
                    type=pa.large_string())


def derived_columns(events: pd.DataFrame) -> dict[str, pa.Array]:
    """Every column :data:`COPY_COLUMNS` names except ``dataset_key`` and ``seq``, as Arrow arrays."""
    count = len(events)
    arrays: dict[str, pa.Array] = {name: _text_array(_column(events, name)) for name in TEXT_COLUMNS}
    for name in FLOAT_COLUMNS:  # NaN → null: PostgreSQL's NaN sorts above every number
        arrays[name] = pa.array(pd.to_numeric(_column(events, name), errors="coerce").to_numpy(dtype=np.float64),
                                type=pa.float64(), from_pandas=True)
    for name in BOOL_COLUMNS:
        arrays[name] = pa.array(_column(events, name).fillna(False).to_numpy(dtype=bool), type=pa.bool_())
    start = days_of(_column(events, "event_date")) if count else np.array([], dtype="datetime64[D]")
    reported = days_of(_column(events, "date_end")) if count else np.array([], dtype="datetime64[D]")
    precision = _column(events, "date_precision").astype(object).to_numpy()
    last = period_ends(start, precision == DatePrecision.MONTH.value, precision == DatePrecision.YEAR.value)
    last = np.where(np.isnat(reported), last, np.maximum(last, reported))
    for name, days in (("event_date", start), ("date_end", reported), ("last_day", last)):
        arrays[name] = pa.array(days, type=pa.date32(), from_pandas=True)

    actor_codes, actor_tuples = _tuples(_column(events, "actors"))
    group_codes, group_tuples = _tuples(_column(events, "actor_groups"))
    arrays["actors"] = _mapped(actor_codes, [_array_literal(t) for t in actor_tuples])
    arrays["actor_groups"] = _mapped(group_codes, [_array_literal(t) for t in group_tuples])
    arrays["actors_folded"] = _mapped(actor_codes, [_array_literal(tuple(a.casefold() for a in t))
                                                    for t in actor_tuples])
    admin1_codes, admin1_values = pd.factorize(_column(events, "admin1").astype(object).to_numpy())
    regions = [_array_literal(tuple(sorted({r.strip().casefold() for r in str(v).split(";") if r.strip()})))
               for v in admin1_values] + ["{}"]  # the last: no admin1
    arrays["regions_folded"] = _mapped(np.where(admin1_codes < 0, len(admin1_values), admin1_codes), regions)

    kinds = {event_type: 2 * code for code, event_type in enumerate(EVENT_TYPES)}
    type_codes = np.array([kinds.get(t, 2 * len(EVENT_TYPES)) for t in _column(events, "event_type").astype(object)],
                          dtype=np.int16)
    arrays["twin_kind"] = pa.array(type_codes + arrays["synthetic"].to_numpy(zero_copy_only=False).astype(np.int16))
    arrays["source_hash"] = source_hashes(arrays["source_url"], arrays["source_name"], arrays["synthetic"])
    parts = [fold_strings(pc.fill_null(arrays[name], "")) for name in SEARCH_COLUMNS]
    actor_text = pa.array(np.asarray([" ".join(t) for t in actor_tuples] or [""], dtype=object)[actor_codes]
                          if count else np.array([], dtype=object), type=pa.large_string())
    parts.append(fold_strings(actor_text))
    arrays["search_text"] = pc.binary_join_element_wise(*parts, pa.scalar(" ", pa.large_string()))
    return arrays


def source_hashes(url: pa.Array, name: pa.Array, synthetic: pa.Array) -> pa.Array:
    """64 bits of each row's report (its link, else its source's name), null for generated rows and
    rows naming none: the totals count distinct reports on these (two reports share a hash with a
    chance of about n² / 2⁶⁵)."""
    link = pc.if_else(pc.greater(pc.utf8_length(pc.fill_null(url, "")), 0), url, name)
    report = pc.if_else(pc.or_(synthetic, pc.equal(pc.fill_null(link, ""), "")), pa.scalar(None, link.type), link)
    codes, uniques = pd.factorize(np.asarray(report.to_numpy(zero_copy_only=False), dtype=object))
    hashed = np.array([int.from_bytes(hashlib.blake2b(str(v).encode("utf-8"), digest_size=8).digest(), "little",
                                      signed=True) for v in uniques] + [0], dtype=np.int64)
    return pa.array(hashed[codes], type=pa.int64(), mask=codes < 0)


def vacuum_dataset(engine, dataset_key: int) -> None:
    """Fresh statistics and an all-visible map for a new partition (index-only scans of the
    newest-first index, plans for its row counts); outside any transaction, after the import
    committed. A dataset deleted meanwhile has nothing to vacuum."""
    _vacuum(engine, (partition_name(dataset_key), facts_partition_name(dataset_key),
                     texts_partition_name(dataset_key), rollup_partition_name(dataset_key),
                     cells_partition_name(dataset_key), grid_partition_name(dataset_key),
                     days_partition_name(dataset_key), names_partition_name(dataset_key),
                     name_cells_partition_name(dataset_key), kg_cells_partition_name(dataset_key),
                     word_cells_partition_name(dataset_key)))


def vacuum_word_cells(engine, dataset_keys: list[int]) -> None:
    """:func:`vacuum_dataset` of the datasets' word groups alone, after words were kept."""
    _vacuum(engine, tuple(word_cells_partition_name(key) for key in dataset_keys))


def _vacuum(engine, tables: tuple[str, ...]) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            if connection.execute(text("SELECT to_regclass(:table)"), {"table": table}).scalar() is not None:
                connection.execute(text(f"VACUUM (ANALYZE) {table}"))


def reserve_seq(connection: Connection, count: int) -> int:
    """The first of ``count`` consecutive table-order numbers, after every number handed out before.

    The block is taken under a session advisory lock, so two imports at once get two blocks; a
    rolled-back import leaves a gap, which costs nothing.
    """
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SEQ_LOCK_KEY})
    try:
        first = connection.execute(text("SELECT nextval('events_seq')")).scalar_one()
        if count > 1:
            connection.execute(text("SELECT setval('events_seq', :last)"), {"last": first + count - 1})
        return int(first)
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SEQ_LOCK_KEY})


def write_dataset(connection: Connection, row: DatasetRow, events: pd.DataFrame,
                  seq: np.ndarray | None = None) -> int:
    """Write a dataset and its events in the caller's transaction; returns its ``dataset_key``.

    Parameters
    ----------
    connection
        A connection inside a transaction the caller commits (or rolls back: then nothing stays).
    row
        The dataset's ``datasets`` row.
    events
        Canonical events (:data:`~dashboard.data.schema.ALL_COLUMNS`), in table order.
    seq
        Table-order numbers of the rows (tests lay out several datasets interleaved); by default a
        new block after every row already stored.
    """
    count = len(events)
    key = int(connection.execute(text("SELECT nextval(pg_get_serial_sequence('datasets', 'dataset_key'))"))
              .scalar_one())
    if seq is None:
        seq = reserve_seq(connection, max(count, 1)) + np.arange(count, dtype=np.int64)
    else:
        seq = np.asarray(seq, dtype=np.int64)
        connection.execute(text("SELECT setval('events_seq', GREATEST(:top, (SELECT last_value FROM events_seq)))"),
                           {"top": int(seq.max()) + 1 if count else 1})
    table, facts, texts = partition_name(key), facts_partition_name(key), texts_partition_name(key)
    connection.execute(text(f"CREATE TABLE {table} (LIKE events INCLUDING DEFAULTS INCLUDING GENERATED, "
                            f"CHECK (dataset_key = {key}))"))
    connection.execute(text(f"CREATE TABLE {facts} (LIKE event_facts INCLUDING DEFAULTS, CHECK (dataset_key = {key}))"))
    connection.execute(text(f"CREATE TABLE {texts} (LIKE event_texts, CHECK (dataset_key = {key}))"))
    _copy_rows(connection, table, key, seq, events)
    # A fresh table read by this transaction alone: its scan starts at its first page (dates ascending).
    connection.execute(text("SET LOCAL synchronize_seqscans = off"))
    connection.execute(text(FACTS_FROM_EVENTS.format(facts=facts, events=table)))
    connection.execute(text(TEXTS_FROM_EVENTS.format(texts=texts, events=table)))
    # The CHECK proves the bound, so attaching scans nothing; it builds the partition's indexes.
    connection.execute(text(f"ALTER TABLE events ATTACH PARTITION {table} FOR VALUES IN ({key})"))
    connection.execute(text(f"ALTER TABLE event_facts ATTACH PARTITION {facts} FOR VALUES IN ({key})"))
    connection.execute(text(f"ALTER TABLE event_texts ATTACH PARTITION {texts} FOR VALUES IN ({key})"))
    write_rollups(connection, key)
    names = names_partition_name(key)
    connection.execute(text(f"CREATE TABLE {names} (LIKE event_names, CHECK (dataset_key = {key}))"))
    connection.execute(text(NAMES_FROM_EVENTS.format(names=names, events=table)))
    connection.execute(text(f"ALTER TABLE event_names ATTACH PARTITION {names} FOR VALUES IN ({key})"))
    _record_duplicates(connection, key)
    write_word_cells(connection, key)
    synthetic = int(_column(events, "synthetic").fillna(False).to_numpy(dtype=bool).sum()) if count else 0
    connection.execute(text(
        "INSERT INTO datasets (dataset_key, dataset_id, bundled, name, file_name, sha256, imported_at, format, "
        "events, synthetic_events, report) OVERRIDING SYSTEM VALUE VALUES (:key, :dataset_id, :bundled, :name, "
        ":file_name, :sha256, :imported_at, :format, :events, :synthetic, CAST(:report AS jsonb))"),
        {"key": key, "dataset_id": row.dataset_id, "bundled": row.bundled, "name": row.name,
         "file_name": row.file_name, "sha256": row.sha256, "imported_at": row.imported_at, "format": row.format,
         "events": count, "synthetic": synthetic, "report": json.dumps(row.report, ensure_ascii=False)})
    return key


def write_rollups(connection: Connection, key: int) -> None:
    """A dataset's groups per day, per month and cell (and by actor and region keys, and by kg
    band), per cell and type, and per day and type, from its facts, attached as its partitions of
    ``event_rollup``, ``event_cells``, ``event_name_cells``, ``event_kg_cells``, ``event_grid`` and
    ``event_days`` (in the caller's transaction, like the rows)."""
    rollup, cells, facts = rollup_partition_name(key), cells_partition_name(key), facts_partition_name(key)
    grid, days, name_cells = grid_partition_name(key), days_partition_name(key), name_cells_partition_name(key)
    kg_cells = kg_cells_partition_name(key)
    connection.execute(text(f"CREATE TABLE {rollup} (LIKE event_rollup INCLUDING DEFAULTS, "
                            f"CHECK (dataset_key = {key}))"))
    connection.execute(text(f"CREATE TABLE {cells} (LIKE event_cells INCLUDING DEFAULTS, CHECK (dataset_key = {key}))"))
    connection.execute(text(f"CREATE TABLE {grid} (LIKE event_grid INCLUDING DEFAULTS, CHECK (dataset_key = {key}))"))
    connection.execute(text(f"CREATE TABLE {days} (LIKE event_days INCLUDING DEFAULTS, CHECK (dataset_key = {key}))"))
    connection.execute(text(f"CREATE TABLE {name_cells} (LIKE event_name_cells INCLUDING DEFAULTS, "
                            f"CHECK (dataset_key = {key}))"))
    connection.execute(text(f"CREATE TABLE {kg_cells} (LIKE event_kg_cells INCLUDING DEFAULTS, "
                            f"CHECK (dataset_key = {key}))"))
    connection.execute(text("SET LOCAL work_mem = '256MB'"))  # 10M events' groups hashed in memory, not spilled
    connection.execute(text(ROLLUP_FROM_FACTS.format(rollup=rollup, facts=facts)))
    for size in ROLLUP_CELL_SIZES:  # one size at a time: its groups hashed in memory (all at once: 7 GB sorted on disk at 10M)
        connection.execute(text(CELLS_FROM_FACTS.format(cells=cells, facts=facts)), {"size": size})
        connection.execute(text(NAME_CELLS_FROM_FACTS.format(cells=name_cells, facts=facts)), {"size": size})
        connection.execute(text(KG_CELLS_FROM_FACTS.format(cells=kg_cells, facts=facts)),
                           {"size": size, "kg_bands": list(KG_BANDS)})
    for table in (cells, name_cells, kg_cells):  # year by year, each year's by cell (0017): a box's rows together
        connection.execute(text(f"CREATE INDEX {table}_row_order ON {table} {ROLLUP_ROW_ORDER}"))
        connection.execute(text(f"CLUSTER {table} USING {table}_row_order"))
    connection.execute(text(GRID_FROM_FACTS.format(grid=grid, facts=facts)), {"sizes": list(GRID_CELL_SIZES)})
    connection.execute(text(DAYS_FROM_FACTS.format(days=days, facts=facts)))
    connection.execute(text(f"ALTER TABLE event_rollup ATTACH PARTITION {rollup} FOR VALUES IN ({key})"))
    connection.execute(text(f"ALTER TABLE event_cells ATTACH PARTITION {cells} FOR VALUES IN ({key})"))
    connection.execute(text(f"ALTER TABLE event_grid ATTACH PARTITION {grid} FOR VALUES IN ({key})"))
    connection.execute(text(f"ALTER TABLE event_days ATTACH PARTITION {days} FOR VALUES IN ({key})"))
    connection.execute(text(f"ALTER TABLE event_name_cells ATTACH PARTITION {name_cells} FOR VALUES IN ({key})"))
    connection.execute(text(f"ALTER TABLE event_kg_cells ATTACH PARTITION {kg_cells} FOR VALUES IN ({key})"))


def place_words(places: list[tuple], min_events: int = WORD_MIN_EVENTS) -> list[str]:
    """The place words of a dataset (see :data:`WORD_MIN_EVENTS`), sorted.

    Parameters
    ----------
    places
        ``(location, admin1, admin2, events)`` of each distinct place (``None`` for a blank name).
    min_events
        How many events must carry a word.
    """
    counted: dict[str, int] = {}
    for *names, events in places:
        # A word twice in one place's names counts its events once.
        for word in set(re.findall(r"[^\W_]+", fold_text(" ".join(name for name in names if name)))):
            if len(word) >= WORD_MIN_LENGTH:
                counted[word] = counted.get(word, 0) + int(events)
    return sorted(word for word, events in counted.items() if events >= min_events)


def write_word_cells(connection: Connection, key: int) -> None:
    """A dataset's groups per place word (``event_words``, its ``event_word_cells`` partition), in
    the caller's transaction, after its twins (under their lock: imports write words one after the
    other, each seeing the words of those committed before it).

    The place words are the deployment's: a word the new dataset's places make one gets groups in
    every dataset already stored (none in one whose facts lack it: its ``event_words`` row says it
    was looked for), and the new dataset gets groups for every word the others made and every word
    an admin keeps (``search_words``, :mod:`~dashboard.data.database.search_words`). So a search
    over several datasets (the bundled one beside a large import, say) reads groups in all of them.
    Each word's facts are read once, every cell size grouped at once.
    """
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TWINS_LOCK_KEY})  # held already: re-entrant
    cells = word_cells_partition_name(key)
    connection.execute(text(f"CREATE TABLE {cells} (LIKE event_word_cells INCLUDING DEFAULTS, "
                            f"CHECK (dataset_key = {key}))"))
    places = [tuple(row) for row in connection.execute(text(PLACES_OF_EVENTS.format(events=partition_name(key))))]
    known = set(connection.execute(text("SELECT DISTINCT word FROM event_words "
                                        "UNION SELECT word FROM search_words")).scalars())
    new_words = sorted(set(place_words(places, WORD_MIN_EVENTS)) - known)
    for word in sorted(known | set(new_words)):
        write_word(connection, key, cells, word)
    connection.execute(text(f"CREATE INDEX {cells}_row_order ON {cells} {WORD_ROW_ORDER}"))
    connection.execute(text(f"CLUSTER {cells} USING {cells}_row_order"))
    connection.execute(text(f"ALTER TABLE event_word_cells ATTACH PARTITION {cells} FOR VALUES IN ({key})"))
    for other, other_cells in word_partitions(connection, other_than=key):
        for word in new_words:
            write_word(connection, other, other_cells, word)


def word_partitions(connection: Connection, other_than: int | None = None) -> list[tuple[int, str]]:
    """Each stored dataset (but ``other_than``) holding word groups: its key and its
    ``event_word_cells`` partition, by key."""
    found = []
    for key in connection.execute(text("SELECT dataset_key FROM datasets WHERE dataset_key IS DISTINCT FROM :other "
                                       "ORDER BY 1"), {"other": other_than}).scalars():
        partition = word_cells_partition_name(int(key))
        if connection.execute(text("SELECT to_regclass(:table)"), {"table": partition}).scalar() is not None:
            found.append((int(key), partition))
    return found


def write_word(connection: Connection, key: int, cells: str, word: str) -> int:
    """One word's ``event_words`` row and groups in one dataset (no groups when its facts lack it);
    returns the facts it names there."""
    pattern = like_pattern(word)
    texts = texts_partition_name(key)
    named = connection.execute(text(f"SELECT COALESCE(sum(facts), 0) FROM {texts} WHERE search_text LIKE :pattern"),
                               {"pattern": pattern}).scalar_one()
    connection.execute(text("INSERT INTO event_words (dataset_key, word, facts) VALUES (:key, :word, :facts)"),
                       {"key": key, "word": word, "facts": int(named)})
    if named:
        connection.execute(text(WORD_CELLS_FROM_FACTS.format(cells=cells, facts=facts_partition_name(key), texts=texts)),
                           {"word": word, "sizes": list(ROLLUP_CELL_SIZES), "pattern": pattern})
    return int(named)


def _copy_rows(connection: Connection, table: str, key: int, seq: np.ndarray, events: pd.DataFrame) -> None:
    """COPY the rows in date order (what makes the BRIN date indexes pay), a slice at a time: the
    derived columns and the CSV of one slice are held at once, not the table's (10M events: 11.7
    GB of Python strings when derived whole)."""
    if not len(events):
        return
    days = days_of(_column(events, "event_date")).astype(np.int64)
    order = np.argsort(np.where(days == np.iinfo(np.int64).min, np.iinfo(np.int64).max, days), kind="stable")
    raw = connection.connection.dbapi_connection  # psycopg's own connection, for COPY
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN (FORMAT csv)") as copy:
            for start in range(0, len(order), COPY_SLICE_ROWS):
                rows = order[start:start + COPY_SLICE_ROWS]
                arrays = derived_columns(events.iloc[rows])
                arrays["dataset_key"] = pa.array(np.full(len(rows), key, dtype=np.int32))
                arrays["seq"] = pa.array(seq[rows])
                buffer = io.BytesIO()
                pa_csv.write_csv(pa.table({name: arrays[name] for name in COPY_COLUMNS}), buffer,
                                 pa_csv.WriteOptions(include_header=False))
                copy.write(buffer.getvalue())


def _record_duplicates(connection: Connection, key: int) -> None:
    """Pairs of a new dataset's rows and likely twins in the other datasets, both ways.

    The rule of :mod:`dashboard.data.duplicates`: same event type, both reported or both
    generated, overlapping periods, at most 5 km apart on the sphere the in-memory store uses.
    Each row probes the twin-segment index with a box around its place, days and kind, and
    examines at most :data:`DUPLICATE_CANDIDATES` of the rows found (work bounded per row, as in
    :mod:`dashboard.data.duplicates`: a flag is never wrong; a row with more candidates than that
    may miss a twin beyond them). Of the twins, the first :data:`DUPLICATE_PARTNERS` in table
    order are kept.
    """
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TWINS_LOCK_KEY})
    others = connection.execute(text("SELECT dataset_key FROM datasets WHERE dataset_key <> :key"),
                                {"key": key}).scalars().all()
    if not others:
        return
    connection.execute(text(f"""
        CREATE TEMPORARY TABLE new_pairs ON COMMIT DROP AS
        SELECT n.dataset_key, n.seq, o.dataset_key AS partner_key, o.seq AS partner_seq
        FROM (SELECT *, LEAST(360, :box / GREATEST(cos(radians(LEAST(90, abs(latitude) + :box))), 1e-9)) AS box_x
              FROM {partition_name(key)}
              WHERE latitude IS NOT NULL AND longitude IS NOT NULL AND last_day IS NOT NULL) n
        CROSS JOIN LATERAL (
            SELECT o.dataset_key, o.seq FROM (
                -- At most DUPLICATE_CANDIDATES rows in the box, in index order: the LIMIT stops the scan.
                SELECT dataset_key, seq, event_type, synthetic, event_date, last_day, latitude, longitude
                FROM events
                WHERE dataset_key = ANY(CAST(:others AS integer[]))
                  AND {TWIN_SEGMENT}  -- unqualified names are events', the innermost FROM
                      &&& ST_MakeLine(
                          ST_MakePoint(n.longitude - n.box_x, n.latitude - :box, n.event_date - DATE '1970-01-01',
                                       n.twin_kind),
                          ST_MakePoint(n.longitude + n.box_x, n.latitude + :box, n.last_day - DATE '1970-01-01',
                                       n.twin_kind))
                LIMIT :candidates) o
            WHERE o.event_type = n.event_type AND o.synthetic = n.synthetic
              AND o.event_date <= n.last_day AND n.event_date <= o.last_day
              AND 2 * 6371.0 * asin(sqrt(LEAST(1, GREATEST(0,
                    sin((radians(o.latitude) - radians(n.latitude)) / 2) ^ 2
                    + cos(radians(n.latitude)) * cos(radians(o.latitude))
                      * sin((radians(o.longitude) - radians(n.longitude)) / 2) ^ 2)))) <= :km
            ORDER BY o.dataset_key, o.seq
            LIMIT :partners
        ) o
    """), {"box": DUPLICATE_BOX_DEGREES, "km": DUPLICATE_KM, "partners": DUPLICATE_PARTNERS,
          "candidates": DUPLICATE_CANDIDATES, "others": others})
    connection.execute(text("""
        INSERT INTO duplicate_pairs (dataset_key, seq, partner_key, partner_seq)
        SELECT dataset_key, seq, partner_key, partner_seq FROM new_pairs
        UNION
        SELECT partner_key, partner_seq, dataset_key, seq FROM new_pairs
        ON CONFLICT DO NOTHING"""))
    connection.execute(text("DROP TABLE new_pairs"))


def drop_dataset(connection: Connection, dataset_key: int) -> None:
    """Remove a dataset's events and duplicate pairs (its ``datasets`` row is the caller's)."""
    connection.execute(text("DELETE FROM duplicate_pairs WHERE dataset_key = :key OR partner_key = :key"),
                       {"key": int(dataset_key)})
    connection.execute(text(f"DROP TABLE IF EXISTS {partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {facts_partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {texts_partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {rollup_partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {cells_partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {grid_partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {days_partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {names_partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {name_cells_partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {kg_cells_partition_name(dataset_key)}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {word_cells_partition_name(dataset_key)}"))
    connection.execute(text("DELETE FROM event_words WHERE dataset_key = :key"), {"key": int(dataset_key)})
