"""A box's totals read its middle from a coarser size's groups (``PostgisEventStore._box_core``):
whole coarse cells inside the fine inner cells, the ring around them from the fine groups, the edge
from the facts. Events on the coarse cells' lines (where the division's rounding decides a cell) are
counted once, and every answer is the in-memory store's."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from tests.integration.database import database_holding
from tests.integration.test_store_oracle_postgis import assert_same_result
from tests.integration.test_store_rollups_postgis import TablesRead
from tests.unit.test_store_contract import contract_events

VRAEM = (-75.0, -13.4, -72.8, -11.0)
# Copies of contract events moved onto 1-degree and 0.2-degree lines inside VRAEM, and an ulp off
# them (fixtures of placement, not events: the copies keep the originals' facts).
ON_LINES = [(-74.0, -12.5), (-74.5, -12.0), (-74.0, -12.0), (math.nextafter(-74.0, -math.inf), -12.3),
            (-73.5, math.nextafter(-13.0, math.inf)), (-74.2, -12.4), (-73.0, -11.2), (-75.0, -13.0)]
# An ulp south of -13: in the 0.2-degree cell -65 (-13.0 / 0.2 rounds up to -65) yet the 1-degree
# cell -14, so cell -65 belongs to two whole degrees: added by test_box003, which the middle then shuns.
ON_A_SLIVER = (-74.5, math.nextafter(-13.0, -math.inf))


def events_on_lines(places: list[tuple[float, float]]) -> pd.DataFrame:
    events = contract_events(seed=59)
    placed = events[events.latitude.notna()].head(len(places)).copy()
    placed["event_id"] = [f"{event_id}~line{number}" for number, event_id in enumerate(placed.event_id)]
    placed["longitude"], placed["latitude"] = zip(*places)
    return pd.concat([events, placed], ignore_index=True)


EVENTS = events_on_lines(ON_LINES)


@pytest.fixture(scope="module")
def database():
    with database_holding(EVENTS) as url:
        yield url


def test_box003_a_fine_cell_holding_events_of_two_coarse_cells_stays_out_of_the_middle():
    events = events_on_lines([*ON_LINES, ON_A_SLIVER])
    spec = FilterSpec(bbox=VRAEM)
    with database_holding(events) as url:
        store = PostgisEventStore(url)
        size, along_x, along_y = store._box_core(VRAEM, (-375, -365, -67, -56), 0.2)
        assert size == 1.0 and along_y[:2] == (-12, -12), along_y  # -13's fine cell -65 holds a -14 event
        oracle = InMemoryEventStore(events)
        assert store.count(spec) == oracle.count(spec)
        assert_same_result(oracle.totals(spec), store.totals(spec), "totals")
        assert_same_result(oracle.breakdown(spec, "original_type", 100), store.breakdown(spec, "original_type", 100),
                           "original types")


def test_box001_the_vraem_box_reads_whole_degrees_in_its_middle(database):
    store = PostgisEventStore(database)
    size, along_x, along_y = store._box_core(VRAEM, (-375, -365, -67, -56), 0.2)
    # 1 degree: -75..-73 by -13..-11; 2 degrees holds no whole cell inside the fine ones.
    assert size == 1.0 and along_x[:2] == (-75, -74) and along_y[:2] == (-13, -12), (size, along_x, along_y)
    reads = TablesRead(database)
    try:
        store.totals(FilterSpec(bbox=VRAEM))
        summed = [s for s in reads.reading("event_cells") if "core_cell" in s]
    finally:
        reads.close()
    assert len(summed) == 1, reads.statements


@pytest.mark.parametrize("spec", [FilterSpec(bbox=VRAEM), FilterSpec(bbox=(-76.0, -14.0, -72.0, -10.0)),
                                  FilterSpec(bbox=VRAEM, date_from=date(2016, 3, 10), date_to=date(2019, 8, 31)),
                                  FilterSpec(bbox=VRAEM, event_types=("drug_seizure", "armed_clash")),
                                  FilterSpec(bbox=(-74.6, -12.6, -73.8, -11.8)),
                                  FilterSpec(bbox=(-80.0, -18.0, -68.0, -3.0), kg_min=10.0)])
def test_box002_answers_with_a_middle_are_the_oracle_s(database, spec):
    oracle, store = InMemoryEventStore(EVENTS), PostgisEventStore(database)
    assert store.count(spec) == oracle.count(spec)
    assert_same_result(oracle.totals(spec), store.totals(spec), f"{spec} totals")
    assert_same_result(oracle.histogram(spec, "month"), store.histogram(spec, "month"), f"{spec} months")
    assert_same_result(oracle.kg_by_year(spec), store.kg_by_year(spec), f"{spec} kg")
    for field in ("country", "event_type", "original_type", "original_subtype"):
        assert_same_result(oracle.breakdown(spec, field, 100), store.breakdown(spec, field, 100), f"{spec} {field}")


def test_box004_rollup_rows_lie_year_by_year_and_cell_by_cell_and_a_box_finds_them_by_cell(database):
    """Every partition of the three monthly rollups is kept in the loader's row order (migration
    0017: an import's are clustered before they are attached), and a box's groups are found through
    the B-tree on the cells, not by reading the whole cell size."""
    from sqlalchemy import text

    from dashboard.data.database import engine_for
    from dashboard.data.database.loader import ROLLUP_ROW_ORDER

    columns = ROLLUP_ROW_ORDER.strip("()")
    with engine_for(database).connect() as connection:
        for table in ("event_cells", "event_name_cells", "event_kg_cells"):
            partitions = connection.execute(text(
                "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = CAST(:t AS regclass)"),
                {"t": table}).scalars().all()
            assert len(partitions) >= 2, table
            for partition in partitions:
                stored = connection.execute(text(f"SELECT {columns} FROM {partition} ORDER BY ctid")).all()
                assert len(stored) > 10 and stored == sorted(stored, key=lambda row: tuple(
                    (value is None, value) for value in row)), partition
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(
            "EXPLAIN SELECT sum(events) FROM event_cells WHERE dataset_key = ANY(:keys) AND cell_deg = 0.2 "
            "AND cell_x BETWEEN -375 AND -365 AND cell_y BETWEEN -67 AND -56"), {"keys": [1, 2, 3]}))
    assert "cell_x_cell_y_idx" in plan and "Index Cond: ((cell_deg" in plan and "cell_x >=" in plan, plan


@pytest.mark.parametrize("box", [(-74.95, -13.35, -72.85, -11.05), (-74.6, -12.6, -73.8, -11.8)])
def test_box005_a_box_edge_s_facts_are_grouped_by_month_and_its_first_and_last_days_stay_exact(database, box):
    """The edge's facts join monthly groups, so they are grouped by month too (fewer groups to hash,
    the month taken without a time zone), in one hash table a fact: (type, month, drug, country,
    report), the totals and the distinct reports summed from its groups (not three sets, each
    summing every aggregate); the summary's first and last days (the timeline's span) are still the
    matching events' own."""
    import numpy as np

    from dashboard.data.store.postgis import HASHED_GROUPS

    spec = FilterSpec(bbox=box)
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        summary = store._summary(spec)
        edge = [s for s in reads.reading("event_facts") if "GROUP BY type_code, day, drug, country, source_hash" in s]
    finally:
        reads.close()
    assert edge and all("date_trunc('month', CAST(event_date AS timestamp))" in s and "GROUPING SETS" not in s
                        for s in edge), edge
    # hashed, never sorted (the planner guesses a strip's facts far too few and then sorts them)
    assert reads.statements.count(f"SET LOCAL {HASHED_GROUPS}") == len(edge), reads.statements
    dates = InMemoryEventStore(EVENTS).rows(spec, ("event_date",), order_by="event_date", descending=False)["event_date"]
    dates = np.array([d for d in dates if d == d and d is not None], dtype="datetime64[D]")
    assert summary.monthly and len(dates) > 10
    assert (summary.first, summary.last) == (int(dates.min().astype(np.int64)), int(dates.max().astype(np.int64)))


def test_box006_postgresql_puts_a_longitude_in_the_band_python_lists():
    """The strip order's bands (migration 0018) are computed in PostgreSQL and listed in Python
    (``strip_bands``): the same float division and floor, so the same band for every longitude,
    on band lines and an ulp either side of them."""
    from sqlalchemy import text

    from dashboard.data.database import engine_for
    from dashboard.data.store.postgis import STRIP_BAND, STRIP_BAND_EXPRESSION

    longitudes = []
    for value in (-74.95, -74.8, -73.0, -72.85, -75.0, -0.01, 0.0, 0.07, 33.35, -180.0, 179.99, 180.0):
        below, above = value, value
        for _ in range(4):
            below, above = math.nextafter(below, -math.inf), math.nextafter(above, math.inf)
            longitudes += [below, above]
        longitudes.append(value)
    with database_holding(EVENTS.head(3)) as url, engine_for(url).connect() as connection:
        bands = connection.execute(text(f"SELECT {STRIP_BAND_EXPRESSION} FROM unnest(CAST(:x AS float8[])) "
                                        "WITH ORDINALITY AS given(longitude, n) ORDER BY n"),
                                   {"x": longitudes}).scalars().all()
    assert bands == [float(math.floor(x / STRIP_BAND)) for x in longitudes]


# Boxes whose edges cross the events moved onto lines (ON_LINES), on them, an ulp either side.
EDGE_BOXES = [(-74.2, -12.4, -73.0, -11.2), (math.nextafter(-74.2, math.inf), -12.5, math.nextafter(-73.0, -math.inf), -11.2),
              (-74.95, -13.35, -72.85, -11.05), (-75.0, -13.0, -74.0, -12.0)]


@pytest.mark.parametrize("box", EDGE_BOXES)
def test_box007_a_box_edge_is_read_along_the_strip_order_and_answers_as_the_oracle(database, box):
    """The strips between a box's edges and its inner cells name the strip order's bands (so the
    B-tree of migration 0018 can read them: one latitude range a band), and whatever band an edge
    event falls in, every answer is the in-memory store's."""
    from tests.integration.test_store_rollups_postgis import assert_summed_answers

    spec = FilterSpec(bbox=box)
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        assert_summed_answers(InMemoryEventStore(EVENTS), store, spec, ("month", "year"),
                              ("event_type", "country", "original_type"))
        edges = [s for s in reads.reading("event_facts") if "floor(longitude / 0.01) = ANY" in s]
        plan = reads.plan(edges[0], database, enable_seqscan="off", enable_bitmapscan="off") if edges else ""
    finally:
        reads.close()
    assert edges and all("<@ box(point(%(strip_" not in s for s in edges), reads.statements
    assert "Index Only Scan using event_facts_" in plan and \
        "Index Cond: (((floor((longitude / '0.01'::double precision))) = ANY" in plan, plan


def test_box008_a_strip_over_too_many_bands_reads_the_point_gist_and_answers_the_same(database):
    """A box wider than MAX_STRIP_BANDS bands: its northern and southern strips are read through
    the point GiST as before, its western and eastern ones along the bands."""
    from tests.integration.test_store_rollups_postgis import assert_summed_answers

    spec = FilterSpec(bbox=(-170.5, -60.5, 170.5, 60.5))
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        assert_summed_answers(InMemoryEventStore(EVENTS), store, spec, ("year",), ("event_type",))
        edges = [s for s in reads.reading("event_facts") if "<@ box(point(%(strip_" in s]
    finally:
        reads.close()
    assert edges and all("floor(longitude / 0.01) = ANY" in s for s in edges), reads.statements


def test_box009_a_search_s_box_edge_is_read_from_the_strip_order_alone():
    """A search in a box: the word's groups inside, the edge strips' facts checked against the
    matching texts. The strip order carries ``text_key`` (migration 0022), so each strip is read
    from the index alone; without it every strip fact was fetched from the table, one page a fact
    (the VRAEM box's northern strip with "ayacucho" at 10M: 0.7-0.8 s a statement, 0.15 s with it)."""
    from dashboard.data.database.search_words import keep_words
    from dashboard.data.store.postgis import WORD_CELLS
    from tests.integration.test_store_rollups_postgis import assert_summed_answers

    spec = FilterSpec(bbox=(-74.95, -13.35, -72.85, -11.05), text="near")  # every summary says "near"
    with database_holding(EVENTS) as database:
        keep_words(database, [spec.text])  # the word's groups: a search the box's cells answer
        reads = TablesRead(database)
        try:
            store = PostgisEventStore(database)
            assert store._cells_table(spec) == WORD_CELLS
            assert_summed_answers(InMemoryEventStore(EVENTS), store, spec, ("month",), ("event_type",))
            edges = [s for s in reads.reading("event_facts")
                     if "floor(longitude / 0.01) = ANY" in s and "event_texts" in s]
            plan = reads.plan(edges[0], database, enable_seqscan="off", enable_bitmapscan="off") if edges else ""
        finally:
            reads.close()
    lines = plan.splitlines()
    strip_scans = [line for line, below in zip(lines, lines[1:])
                   if "Scan using event_facts_" in line and "floor((longitude / '0.01'" in below]
    assert strip_scans and all("Index Only Scan" in line for line in strip_scans), plan
