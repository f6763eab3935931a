"""The rollups (migration 0006): written with an import, gone with a delete, and read instead of the
facts for the filters they cover, with the in-memory store's answers.

The hypothesis test of ``test_store_oracle_postgis`` draws filters of every kind; here the filters
are the ones the rollups answer, chosen where an answer could go wrong: date bounds on the first,
the last and a middle day of a month (rows of month and year precision straddle them), bounds in
the wrong order, value facets, datasets, and reports to count (the bundled dataset names some).
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from sqlalchemy import event, text

from dashboard.data.database import engine_for
from dashboard.data.database.loader import drop_dataset
from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import (
    GRID_CELL_SIZES,
    KG_BANDS,
    ROLLUP_CELL_SIZES,
    STRIP_BAND_EXPRESSION,
    cells_table,
    grids,
    like_pattern,
    rolls_up,
)
from tests.integration.database import (
    database_copies,
    database_holding,
    database_holding_undated,
    load_events,
)
from tests.integration.test_store_oracle_postgis import assert_same_result
from tests.unit.test_store_contract import BUNDLED, IMPORTED, contract_events

EVENTS = contract_events(seed=31)
DATE_BOUNDS = [(None, None), (date(2016, 3, 1), None), (None, date(2018, 6, 30)), (date(2017, 1, 15), None),
               (date(2016, 2, 29), date(2019, 11, 1)), (date(2018, 1, 1), date(2018, 1, 31)),
               (date(2019, 7, 12), date(2019, 7, 20)), (date(2020, 5, 1), date(2017, 5, 31))]
FACETS = [{}, {"event_types": ("drug_seizure", "arrest")}, {"countries": ("PER",)}, {"drugs": ("cocaine",)},
          {"datasets": (IMPORTED,)}, {"datasets": (BUNDLED,), "event_types": ("armed_clash",)}]
# Boxes: cells inside and an edge, edges on whole degrees and on cell edges, none inside, inverted,
# unbounded, the whole world.
BOXES = [(-75.0, -13.4, -72.8, -11.0), (-76.0, -14.0, -72.0, -10.0), (-74.35, -12.95, -73.1, -12.05),
         (-73.95, -12.65, -73.85, -12.55), (-70.0, -20.0, -75.0, -10.0), (-float("inf"), -15.0, -70.0, 0.0),
         (-180.0, -90.0, 180.0, 90.0), (-82.0, -20.0, -57.0, 2.0)]
SPECS = [FilterSpec(date_from=start, date_to=end, **facets) for start, end in DATE_BOUNDS for facets in FACETS] + \
    [FilterSpec(bbox=box, **extra) for box in BOXES
     for extra in ({}, {"date_from": date(2016, 3, 10), "date_to": date(2019, 8, 31)},
                   {"event_types": ("drug_seizure", "arrest", "armed_clash")})]


@pytest.fixture(scope="module")
def database():
    with database_holding(EVENTS) as url:
        yield url


class TablesRead:
    """The tables named by the statements a store sends (its engine is shared in the process)."""

    def __init__(self, url: str) -> None:
        self.statements: list[str] = []
        self.parameters: dict[str, object] = {}  # each statement's last bound parameters
        self._engine = engine_for(url)
        event.listen(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection, _cursor, statement, parameters, *_args) -> None:
        self.statements.append(statement)
        self.parameters[statement] = parameters

    def plan(self, statement: str, url: str, **settings: str) -> str:
        """EXPLAIN of a statement seen, with its parameters, under ``settings`` (e.g. enable_sort="off")."""
        with engine_for(url).connect() as connection:
            for name, value in settings.items():
                connection.exec_driver_sql(f"SET {name} = {value}")
            return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}",
                                                                            self.parameters[statement]))

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)

    def reading(self, table: str) -> list[str]:
        return [s for s in self.statements if f"FROM {table}" in s]


def assert_summed_answers(oracle, store, spec, units: tuple[str, ...], fields: tuple[str, ...]) -> None:
    """A filter change's answers (count, totals, timeline in ``units``, kg per year, breakdowns by
    ``fields``, the rollups' map cells) are the oracle's."""
    assert store.count(spec) == oracle.count(spec)
    assert_same_result(oracle.totals(spec), store.totals(spec), "totals")
    for unit in units:
        assert_same_result(oracle.histogram(spec, unit), store.histogram(spec, unit), f"histogram {unit}")
    assert_same_result(oracle.kg_by_year(spec), store.kg_by_year(spec), "kg_by_year")
    for field in fields:
        assert_same_result(oracle.breakdown(spec, field, 100), store.breakdown(spec, field, 100), field)
    for cell in ROLLUP_CELL_SIZES[1:]:
        assert_same_result(oracle.bins(spec, cell), store.bins(spec, cell), f"bins {cell}")


def assert_facts_read_only_where_groups_cannot_say(from_facts: list[str]) -> None:
    """The facts are read for the reports (the bundled dataset names some), a date bound's border
    months, a kg band a bound cuts and a box's edge (all of a box with no cell inside) only."""
    assert all("source_hash IS NOT NULL" in s or "from_next" in s or "to_next" in s or "strip_" in s
               or "kg_cut_" in s or "inner_" not in s and "box_west" in s or s.lstrip().startswith("SELECT EXISTS")
               for s in from_facts), from_facts


def test_rol001_the_rollups_hold_every_event_of_each_dataset(database):
    with engine_for(database).connect() as connection:
        stored = dict(connection.execute(text("SELECT dataset_key, events FROM datasets")).all())
        rolled = dict(connection.execute(text("SELECT dataset_key, sum(events) FROM event_rollup GROUP BY 1")).all())
        per_size = connection.execute(text("""
            SELECT cell_deg, sum(events) FROM event_cells GROUP BY 1 ORDER BY 1""")).all()
        placed = connection.execute(text("SELECT count(*) FROM event_facts WHERE latitude IS NOT NULL "
                                         "AND longitude IS NOT NULL")).scalar_one()
        gridded = connection.execute(text("SELECT cell_deg, sum(events) FROM event_grid GROUP BY 1 ORDER BY 1")).all()
        days = dict(connection.execute(text("SELECT dataset_key, sum(events) FROM event_days GROUP BY 1")).all())
        named = connection.execute(text("SELECT cell_deg, sum(events) FROM event_name_cells GROUP BY 1 ORDER BY 1")).all()
        weighed = connection.execute(text("SELECT cell_deg, sum(events) FROM event_kg_cells GROUP BY 1 ORDER BY 1")).all()
        bands = connection.execute(text("SELECT count(*) FROM event_kg_cells WHERE kg_band IS NOT NULL AND NOT kg_band "
                                        "BETWEEN 0 AND :top"), {"top": len(KG_BANDS)}).scalar_one()
    assert rolled == stored
    assert named == per_size and weighed == per_size and bands == 0
    assert per_size == [(size, sum(stored.values()) if size == 0 else placed) for size in ROLLUP_CELL_SIZES]
    assert gridded == [(size, placed) for size in GRID_CELL_SIZES]
    assert days == stored


@pytest.mark.parametrize("spec", SPECS, ids=range(len(SPECS)))
def test_rol002_rolled_up_answers_are_the_oracles(database, spec):
    assert rolls_up(spec)
    oracle = InMemoryEventStore(EVENTS)
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        reads.statements.clear()
        assert_summed_answers(oracle, store, spec, ("auto", "day", "week", "month", "year"),
                              ("event_type", "country", "original_type"))
        assert_facts_read_only_where_groups_cannot_say(reads.reading("event_facts"))
        assert reads.reading("event_cells") and (spec.bbox is not None or reads.reading("event_rollup"))
        for cell in sorted(set(GRID_CELL_SIZES) - set(ROLLUP_CELL_SIZES)):  # the grid's, or the facts'
            assert_same_result(oracle.bins(spec, cell), store.bins(spec, cell), f"bins {cell}")
    finally:
        reads.close()


def test_rol003_a_filter_the_rollups_do_not_group_by_reads_the_facts(database):
    spec = FilterSpec(event_types=("drug_seizure",), kg_min=20.0)
    assert not rolls_up(spec) and not rolls_up(FilterSpec(text="cusco")) and not rolls_up(FilterSpec(actors=("x",)))
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        reads.statements.clear()
        assert_same_result(InMemoryEventStore(EVENTS).totals(spec), store.totals(spec), "totals")
        assert reads.reading("event_facts") and not reads.reading("event_rollup")
    finally:
        reads.close()


def test_rol004_the_extent_and_options_come_from_the_rollups_and_names_and_match(database):
    oracle, store = InMemoryEventStore(EVENTS), PostgisEventStore(database)
    assert store.date_extent() == oracle.date_extent()
    assert store.date_extent((IMPORTED,)) == oracle.date_extent((IMPORTED,))
    for facet in ("event_types", "countries", "drugs", "original_types", "actors", "regions"):
        assert store.facet_options(facet) == oracle.facet_options(facet), facet


def test_rol005_deleting_a_dataset_deletes_its_rollups_and_names():
    with database_copies() as new_database:
        url = new_database()
        load_events(url, EVENTS)
        engine = engine_for(url)
        with engine.begin() as connection:
            key = connection.execute(text("SELECT dataset_key FROM datasets WHERE dataset_id = :id"),
                                     {"id": IMPORTED}).scalar_one()
            drop_dataset(connection, key)
            connection.execute(text("DELETE FROM datasets WHERE dataset_key = :key"), {"key": key})
        with engine.connect() as connection:
            for table in ("event_rollup", "event_cells", "event_grid", "event_days", "event_names",
                          "event_name_cells", "event_kg_cells"):
                left = connection.execute(text(f"SELECT count(*) FROM {table} WHERE dataset_key = :key"),
                                          {"key": key}).scalar_one()
                others = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                assert (left, others > 0) == (0, True), table
                assert connection.execute(text("SELECT to_regclass(:t)"), {"t": f"{table}_{key}"}).scalar() is None


def test_rol006_an_event_a_hair_outside_a_box_stays_outside():
    """Cells are floor(degrees / size) after a rounded division: an event 1e-12 degrees west of a
    box on a cell edge can land in the box's first cell. The store then reads that edge from the
    facts (the oracle tests the box exactly)."""
    events = EVENTS.copy()
    # -63.00000000000001 / 0.2 rounds to -315.0: the cell whose west edge is the box's.
    events.loc[0, ["longitude", "latitude"]] = [math.nextafter(-63.0, -math.inf), -17.5]
    events.loc[1, ["longitude", "latitude"]] = [-63.0, -17.5]
    assert math.floor(events.loc[0, "longitude"] / 0.2) == -315
    spec = FilterSpec(bbox=(-63.0, -18.5, -61.0, -16.5))
    with database_copies() as new_database:
        url = new_database()
        load_events(url, events)
        oracle, store = InMemoryEventStore(events), PostgisEventStore(url)
        assert store.count(spec) == oracle.count(spec)
        assert_same_result(oracle.totals(spec), store.totals(spec), "totals")
        for cell in GRID_CELL_SIZES:
            assert_same_result(oracle.bins(spec, cell), store.bins(spec, cell), f"bins {cell}")
            assert_same_result(oracle.bins(spec.with_changes(event_types=("arrest",)), cell),
                               store.bins(spec.with_changes(event_types=("arrest",)), cell), f"bins {cell} arrests")
        assert_same_result(oracle.histogram(spec, "day"), store.histogram(spec, "day"), "histogram")


def test_rol007_the_migrations_write_the_groups_as_the_loader_does():
    """0006 and 0007 roll up existing datasets with copies of the loader's statements (a migration
    must not change when the loader does): the copies are the loader's own at this revision."""
    import importlib.util
    from pathlib import Path

    from dashboard.data.database import loader

    versions = Path(loader.__file__).parent / "migrations" / "versions"
    copies = {}
    for name in ("0006_event_rollups", "0007_event_names", "0008_event_grid", "0009_event_days",
                 "0011_event_name_cells", "0012_event_kg_cells", "0017_cells_by_place", "0018_strip_order",
                 "0019_word_cells"):
        spec = importlib.util.spec_from_file_location(name, versions / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        copies[name] = module
    assert copies["0006_event_rollups"].ROLLUP_FROM_FACTS == loader.ROLLUP_FROM_FACTS
    assert copies["0006_event_rollups"].CELLS_FROM_FACTS == loader.CELLS_FROM_FACTS
    assert copies["0006_event_rollups"].ROLLUP_CELL_SIZES == ROLLUP_CELL_SIZES
    assert copies["0007_event_names"].NAMES_FROM_EVENTS == loader.NAMES_FROM_EVENTS
    assert copies["0008_event_grid"].GRID_FROM_FACTS == loader.GRID_FROM_FACTS
    assert copies["0008_event_grid"].GRID_CELL_SIZES == GRID_CELL_SIZES
    assert copies["0009_event_days"].DAYS_FROM_FACTS == loader.DAYS_FROM_FACTS
    assert copies["0011_event_name_cells"].NAME_CELLS_FROM_FACTS == loader.NAME_CELLS_FROM_FACTS
    assert copies["0011_event_name_cells"].ROLLUP_CELL_SIZES == ROLLUP_CELL_SIZES
    assert copies["0012_event_kg_cells"].KG_CELLS_FROM_FACTS == loader.KG_CELLS_FROM_FACTS
    assert copies["0012_event_kg_cells"].ROLLUP_CELL_SIZES == ROLLUP_CELL_SIZES
    assert copies["0012_event_kg_cells"].KG_BANDS == KG_BANDS
    assert copies["0017_cells_by_place"].ROLLUP_ROW_ORDER == loader.ROLLUP_ROW_ORDER
    assert copies["0018_strip_order"].STRIP_BAND_EXPRESSION == STRIP_BAND_EXPRESSION
    assert set(copies["0018_strip_order"].COVERED_COLUMNS) == set(copies["0008_event_grid"].COVERED_COLUMNS) - {"latitude"}
    words = copies["0019_word_cells"]
    assert words.WORD_CELLS_FROM_FACTS == loader.WORD_CELLS_FROM_FACTS
    assert (words.WORD_ROW_ORDER, words.PLACES_OF_EVENTS) == (loader.WORD_ROW_ORDER, loader.PLACES_OF_EVENTS)
    assert (words.WORD_MIN_EVENTS, words.WORD_MIN_LENGTH) == (loader.WORD_MIN_EVENTS, loader.WORD_MIN_LENGTH)
    assert words.ROLLUP_CELL_SIZES == ROLLUP_CELL_SIZES and words.like_pattern("a_%") == like_pattern("a_%")
    places = [("Straße am Hafen", "HAMBURG", None, 9), ("La Mar", "Ayacucho", "", 4), ("San_Juan", "Lima", "Lima", 7)]
    for least in (1, 5, 9, 10):
        assert words.place_words(places, least) == loader.place_words(places, least)


@pytest.fixture(scope="module")
def undated():
    """The events with a few undated (first descending, last ascending: the table's bisection
    looks for them)."""
    with database_holding_undated(EVENTS, [3, 40, 41, 120]) as held:
        yield held


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("with_undated", [False, True])
def test_rol008_a_page_by_date_far_down_starts_at_its_day_and_matches(database, undated, descending, with_undated):
    """A page at an offset, in date order, skips whole days by event_rollup's counts (whole months
    by event_cells' and the edge facts' with a box): the table bisects for blank dates with
    one-row pages at offsets up to the row count."""
    database, events = undated if with_undated else (database, EVENTS)
    oracle = InMemoryEventStore(events)
    reads = TablesRead(database)
    try:
        for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure", "arrest")),
                     FilterSpec(date_from=date(2016, 3, 10), date_to=date(2019, 8, 31), countries=("PER",)),
                     FilterSpec(bbox=(-76.0, -14.0, -72.0, -10.0)),
                     FilterSpec(bbox=(-74.35, -12.95, -73.1, -12.05), date_from=date(2016, 3, 10))):
            store = PostgisEventStore(database)
            total = oracle.count(spec)
            for offset in sorted({1, 2, 3, 4, 5, 17, total // 2, max(total - 5, 0), max(total - 3, 0), total}):
                for size in (1, 7):
                    expected = oracle.rows(spec, ("event_id", "event_date"), order_by="event_date",
                                           descending=descending, offset=offset, limit=size)
                    got = store.rows(spec, ("event_id", "event_date"), order_by="event_date",
                                     descending=descending, offset=offset, limit=size)
                    assert list(got["event_id"]) == list(expected["event_id"]), (spec, offset, size)
        assert any("page_day" in s for s in reads.statements)
    finally:
        reads.close()


GRID_SPECS = [FilterSpec(bbox=box, **extra) for box in BOXES
              for extra in ({}, {"event_types": ("drug_seizure",)}, {"datasets": (IMPORTED,), "event_types": ("arrest",)})]


@pytest.mark.parametrize("spec", GRID_SPECS, ids=range(len(GRID_SPECS)))
def test_rol009_map_cells_of_types_and_a_box_come_from_the_grid_and_match(database, spec):
    """event_grid (migration 0008) answers the map's cells at every size and the count for a filter
    of datasets, types and a box: the cells inside from the grid, the box's edge from the facts; a
    box inside one cell is that cell, holding the box's events per type."""
    assert grids(spec) and grids(FilterSpec()) and not grids(FilterSpec(date_from=date(2017, 1, 1)))
    assert not grids(FilterSpec(countries=("PER",))) and not grids(FilterSpec(event_types=("not a type",)))
    oracle = InMemoryEventStore(EVENTS)
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        reads.statements.clear()
        assert store.count(spec) == oracle.count(spec)  # the box's events per type, from the grid
        for cell in GRID_CELL_SIZES:  # 5 and 10 degrees: most boxes lie in one cell
            assert_same_result(oracle.bins(spec, cell), store.bins(spec, cell), f"bins {cell}")
        assert reads.reading("event_grid") and not reads.reading("event_cells")
    finally:
        reads.close()


def test_rol010_a_box_edge_is_read_by_index_only_scans(database):
    """The facts on a box's edge are read through the covering point GiST (migration 0008) alone:
    with the table's scans off, an index-only scan serves every question of a box's filter change
    (an index scan, which reads the table, would mean a column the index lacks)."""
    spec = FilterSpec(bbox=(-74.937, -13.337, -72.863, -11.063), event_types=("drug_seizure", "arrest"))
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        reads.statements.clear()
        store.totals(spec)
        store.breakdown(spec, "country")
        store.bins(spec, 0.05)
        # The summary's two halves, read at once (the breakdown's too), and the cells'.
        edge = [s for s in reads.statements if "UNION ALL" in s]
        assert len(edge) == 3, reads.statements
        assert sorted("longitude < %(strip_mid)s" in s for s in edge) == [False, False, True]
        assert sorted("longitude >= %(strip_mid)s" in s for s in edge) == [False, False, True]
    finally:
        reads.close()
    with engine_for(database).connect() as connection:
        for setting in ("enable_seqscan", "enable_bitmapscan"):  # an index scan costs more than index-only
            connection.execute(text(f"SET {setting} = off"))
        for sql in edge:
            params = {**store._split(spec, "event_cells", store._total_cell(spec))[1].params, "cell": 0.05}
            plan = "\n".join(row[0] for row in connection.execute(text("EXPLAIN " + sql.replace("%(", ":").replace(
                ")s", "")), params))
            assert "Index Only Scan using event_facts_" in plan, plan
            assert "Seq Scan on event_facts_" not in plan and "Index Scan using event_facts_" not in plan, plan


@pytest.mark.parametrize("page_events", [0, 10**9])
def test_rol011_a_page_offers_the_point_gist_only_for_a_box_of_few_events(database, monkeypatch, page_events):
    """A sorted page walks its order's B-tree with the box as a filter unless the box holds few
    events (event_grid's count of the 1-degree cells it touches): the GiST then sorted read every
    event of a dense box for each one-row page. Either way the page is the oracle's."""
    import dashboard.data.store.postgis as postgis

    monkeypatch.setattr(postgis, "GIST_PAGE_EVENTS", page_events)
    spec = FilterSpec(bbox=(-76.0, -14.0, -72.0, -10.0))
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        assert 0 < store._box_events(spec.bbox) < 10**9
        reads.statements.clear()
        for offset in (0, 5):
            expected = InMemoryEventStore(EVENTS).rows(spec, ("event_id",), offset=offset, limit=3)
            assert list(store.rows(spec, ("event_id",), offset=offset, limit=3)["event_id"]) == \
                list(expected["event_id"])
        pages = [s for s in reads.reading("event_facts") if "ORDER BY" in s]
        assert pages and all(("<@ box(point(%(box_west)s" in s) == bool(page_events) for s in pages), pages
    finally:
        reads.close()


def test_rol012_a_page_of_fact_columns_is_read_from_the_facts_alone(database):
    """A page asking only columns event_facts holds (the table's bisection asks the sort column)
    is one read of the facts, no second read of the wide events; its values are the oracle's."""
    oracle = InMemoryEventStore(EVENTS)
    columns = ("event_date", "quantity_kg", "dataset", "location", "event_type")
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        reads.statements.clear()
        for spec in (FilterSpec(), FilterSpec(bbox=(-76.0, -14.0, -72.0, -10.0), event_types=("drug_seizure",))):
            for order_by, offset in (("event_date", 0), ("quantity_kg", 3), ("location", 1)):
                expected = oracle.rows(spec, columns, order_by=order_by, offset=offset, limit=9)
                got = store.rows(spec, columns, order_by=order_by, offset=offset, limit=9)
                for column in columns:
                    assert_same_result(expected[column], got[column], f"{spec} {order_by} {column}")
        assert not reads.reading("events ") and not reads.reading("events\n"), reads.statements
    finally:
        reads.close()


@pytest.mark.parametrize("spec", [FilterSpec(), FilterSpec(bbox=BOXES[0], event_types=("drug_seizure", "arrest")),
                                  FilterSpec(date_from=date(2016, 3, 10), countries=("PER",)),
                                  FilterSpec(text="cusco"), FilterSpec(bbox=BOXES[2], kg_min=1.0)],
                         ids=range(5))
def test_rol013_the_country_breakdown_comes_with_the_summary(database, spec):
    """The caption asks the country breakdown on each filter change: the summary's scan counts it
    (a grouping set), so after the totals it is no query at all, and it is the oracle's."""
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        store.totals(spec)
        reads.statements.clear()
        got = store.breakdown(spec, "country", 100)
        assert reads.statements == []
    finally:
        reads.close()
    assert_same_result(InMemoryEventStore(EVENTS).breakdown(spec, "country", 100), got, "country")


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("with_undated", [False, True])
def test_rol014_dates_in_date_order_come_from_the_counts_per_day(database, undated, descending, with_undated):
    """A page of event dates alone, in date order (the table's bisection for blank dates), is
    worked out from the counts per day (event_days', event_rollup's with other facets) for a
    filter the rollups answer without a box: no read of the facts, the oracle's dates and blanks."""
    database, events = undated if with_undated else (database, EVENTS)
    oracle = InMemoryEventStore(events)
    reads = TablesRead(database)
    try:
        for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure", "arrest")),
                     FilterSpec(date_from=date(2016, 3, 10), date_to=date(2019, 8, 31), countries=("PER",))):
            store = PostgisEventStore(database)
            total = oracle.count(spec)
            reads.statements.clear()
            for offset in sorted({0, 1, 2, 3, 4, 5, 17, total // 2, max(total - 5, 0), max(total - 1, 0), total}):
                for size in (1, 7):
                    expected = oracle.rows(spec, ("event_date",), order_by="event_date", descending=descending,
                                           offset=offset, limit=size)["event_date"]
                    got = store.rows(spec, ("event_date",), order_by="event_date", descending=descending,
                                     offset=offset, limit=size)["event_date"]
                    assert [None if v is None or v != v else np.datetime64(v, "D") for v in expected] == \
                        [None if v is None else np.datetime64(v, "D") for v in got], (spec, offset, size)
            assert not reads.reading("event_facts") and not reads.reading("events "), reads.statements
            # Days per type (migration 0009) unless another facet splits them: event_rollup's groups.
            assert reads.reading("event_days" if not spec.countries else "event_rollup"), reads.statements
    finally:
        reads.close()


@pytest.mark.parametrize("descending", [True, False])
def test_rol015_a_date_from_bounds_the_event_date_too(database, descending):
    """``last_day >= from`` implies ``event_date >= from - the store's longest span``: the bound
    goes with the filter (an oldest-first page walked every earlier year first), the rows the same."""
    with engine_for(database).connect() as connection:
        span = connection.execute(text("SELECT max(last_day - event_date) FROM event_facts")).scalar_one()
    spec = FilterSpec(date_from=date(2017, 1, 15), event_types=("drug_seizure", "arrest"))
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        assert store._longest_span() == span > 0
        expected = InMemoryEventStore(EVENTS).rows(spec, ("event_id",), descending=descending, limit=7)
        got = store.rows(spec, ("event_id",), descending=descending, limit=7)
        assert list(got["event_id"]) == list(expected["event_id"])
        assert any("event_date >= %(date_floor)s" in s for s in reads.reading("event_facts")), reads.statements
    finally:
        reads.close()


def test_rol016_the_heaviest_points_come_in_the_order_of_an_index(database):
    """Thinned points are the heaviest first (migration 0010 indexes the store's expression word
    for word): with sorting off, the points' query still needs no Sort for its LIMIT."""
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        spec = FilterSpec(event_types=("drug_seizure", "arrest"))
        reads.statements.clear()
        got = store.points(spec, 5)
        expected = InMemoryEventStore(EVENTS).points(spec, 5)
        assert list(got.row) == list(expected.row)
        (sql,) = [s for s in reads.reading("event_facts") if "LIMIT" in s]
    finally:
        reads.close()
    where, params = store._where(spec, facts=True)
    with engine_for(database).connect() as connection:
        connection.execute(text("SET enable_sort = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(
            f"EXPLAIN SELECT seq FROM event_facts WHERE {where} "
            f"ORDER BY COALESCE(quantity_kg, 0) + 1000 * COALESCE(fatalities, 0) DESC, seq LIMIT 5"), params))
    assert "COALESCE(quantity_kg, 0) + 1000 * COALESCE(fatalities, 0) DESC, seq" in sql
    assert "Index Scan using event_facts_1_expr_seq_idx" in plan and "Sort  (" not in plan, plan  # no Sort node


# Actors and regions: a group key, names in any case, several at once (an event naming two counts
# once), with dates, value facets and boxes (cells inside and an edge).
NAMED = [{"actors": ("shining_path",)}, {"actors": ("policía nacional del perú", "FELCN")},
         {"regions": ("ayacucho",)}, {"regions": ("Apurímac", "Cusco")},
         {"actors": ("peru_military", "shining_path"), "regions": ("CUSCO",)}, {"actors": ("nobody at all",)}]
NAMED_SPECS = [FilterSpec(**names) for names in NAMED] + [
    FilterSpec(date_from=date(2016, 3, 10), date_to=date(2019, 8, 31), **NAMED[0]),
    FilterSpec(event_types=("drug_seizure", "arrest"), countries=("PER", "BOL"), **NAMED[1]),
    FilterSpec(bbox=BOXES[0], **NAMED[2]), FilterSpec(bbox=BOXES[1], date_from=date(2017, 1, 15), **NAMED[4]),
    FilterSpec(datasets=(IMPORTED,), drugs=("cocaine",), **NAMED[3])]


@pytest.mark.parametrize("spec", NAMED_SPECS, ids=range(len(NAMED_SPECS)))
def test_rol017_actor_and_region_filters_come_from_the_name_cells_and_match(database, spec):
    """An actor or region filter sums event_name_cells' groups (migration 0011): the facts are
    read only where the plain rollups read them too (a date bound's month, a box's edge, reports)."""
    assert cells_table(spec) == "event_name_cells" and not rolls_up(spec)
    oracle = InMemoryEventStore(EVENTS)
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        reads.statements.clear()
        assert_summed_answers(oracle, store, spec, ("auto", "month", "year"), ("event_type", "country", "original_type"))
        assert_facts_read_only_where_groups_cannot_say(reads.reading("event_facts"))
        assert reads.reading("event_name_cells") and not reads.reading("event_cells ")
        for unit in ("day", "week"):  # groups per month cannot say: the facts do
            assert_same_result(oracle.histogram(spec, unit), store.histogram(spec, unit), f"histogram {unit}")
    finally:
        reads.close()


def test_rol018_each_filter_is_summed_from_the_table_grouped_by_what_it_touches():
    """Text and a lasso are in no groups, names and kg bounds together in no one table: the facts."""
    assert cells_table(FilterSpec()) == cells_table(FilterSpec(countries=("PER",))) == "event_cells"
    assert cells_table(FilterSpec(regions=("cusco",), date_from=date(2017, 1, 1))) == "event_name_cells"
    assert cells_table(FilterSpec(kg_max=5.0, bbox=BOXES[0])) == "event_kg_cells"
    for spec in (FilterSpec(actors=("shining_path",), text="cusco"), FilterSpec(regions=("cusco",), kg_min=1.0),
                 FilterSpec(actors=("FELCN",), polygon=((-75.0, -14.0), (-72.0, -14.0), (-73.0, -11.0))),
                 FilterSpec(kg_min=10.0, text="callao")):
        assert cells_table(spec) is None, spec


# kg bounds on a band's edge (whole bands), inside one (a band cut), both in one band, in the wrong
# order, below zero and above the last edge, with dates, facets and boxes.
WEIGHED = [{"kg_min": 100.0}, {"kg_min": 150.0}, {"kg_max": 10.0}, {"kg_max": 75.5}, {"kg_min": 10.0, "kg_max": 500.0},
           {"kg_min": 120.0, "kg_max": 130.0}, {"kg_min": 0.0}, {"kg_min": 60_000.0}, {"kg_max": -1.0},
           {"kg_min": 500.0, "kg_max": 100.0}]
WEIGHED_SPECS = [FilterSpec(**bounds) for bounds in WEIGHED] + [
    FilterSpec(date_from=date(2016, 3, 10), date_to=date(2019, 8, 31), **WEIGHED[1]),
    FilterSpec(event_types=("drug_seizure",), countries=("PER", "BEL"), drugs=("cocaine",), **WEIGHED[0]),
    FilterSpec(bbox=BOXES[0], **WEIGHED[4]), FilterSpec(bbox=BOXES[1], date_from=date(2017, 1, 15), **WEIGHED[3])]


@pytest.mark.parametrize("spec", WEIGHED_SPECS, ids=range(len(WEIGHED_SPECS)))
def test_rol019_kg_bounds_come_from_the_kg_cells_and_match(database, spec):
    """A kg bound sums event_kg_cells' groups (migration 0012); the facts are read for a band a
    bound cuts, a date bound's month, a box's edge and reports only."""
    assert cells_table(spec) == "event_kg_cells"
    oracle = InMemoryEventStore(EVENTS)
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        reads.statements.clear()
        assert_summed_answers(oracle, store, spec, ("month", "year"), ("event_type", "country", "original_subtype"))
        from_facts = reads.reading("event_facts")
        assert_facts_read_only_where_groups_cannot_say(from_facts)
        assert reads.reading("event_kg_cells") and not reads.reading("event_cells ")
        if not any("kg_cut_" in s for s in from_facts) and spec.date_from is None and spec.bbox is None:
            assert all("source_hash IS NOT NULL" in s for s in from_facts), from_facts  # whole bands: groups only
        for unit in ("auto", "day", "week"):  # a few events' span asks days or weeks: the facts say
            assert_same_result(oracle.histogram(spec, unit), store.histogram(spec, unit), f"histogram {unit}")
    finally:
        reads.close()


@pytest.fixture(scope="module")
def on_cell_edges():
    """The events with a few moved onto 0.5-degree cell edges: lat -13.0 and lon -74.0 exactly, and
    -13.000000000000002, the one float of fine row -260 (0.05 degrees) whose 0.5-degree row is -27
    while the rest of that fine row's is -26."""
    events = EVENTS.copy()
    moved = {3: (-13.000000000000002, -73.9), 4: (-13.0, -73.9), 5: (-12.4, -74.0), 6: (-13.000000000000002, -74.0)}
    for row, (lat, lon) in moved.items():
        events.loc[row, ["latitude", "longitude"]] = (lat, lon)
    with database_copies() as new_database:
        url = new_database()
        load_events(url, events)
        yield url, events


FINE_BOXES = [(-74.95, -13.35, -72.85, -11.05), (-75.0, -13.4, -72.8, -11.0), (-74.3, -13.2, -73.6, -12.1)]


@pytest.mark.parametrize("with_sliver_events", [False, True])
@pytest.mark.parametrize("box", FINE_BOXES, ids=range(len(FINE_BOXES)))
def test_rol020_a_small_boxs_map_cells_come_from_finer_grid_cells_and_match(database, on_cell_edges, box,
                                                                           with_sliver_events):
    """A box of few fine cells sums event_grid's cells a tenth of the map's size, each into its
    coarse cell, and reads from the facts only its thin edge and a fine row a coarse edge cuts
    when an event sits on the cut (index-only, like a box's edge)."""
    url, events = on_cell_edges if with_sliver_events else (database, EVENTS)
    oracle = InMemoryEventStore(events)
    seen: list[tuple[str, dict]] = []

    def keep(_connection, _cursor, statement, parameters, *_args) -> None:
        seen.append((statement, parameters))

    engine = engine_for(url)
    event.listen(engine, "before_cursor_execute", keep)
    try:
        store = PostgisEventStore(url)
        for spec in (FilterSpec(bbox=box), FilterSpec(bbox=box, event_types=("drug_seizure", "armed_clash"))):
            for cell in (0.5, 0.2, 1.0):
                assert_same_result(oracle.bins(spec, cell), store.bins(spec, cell), f"bins {cell} {spec}")
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    fine_reads = [(s, p) for s, p in seen if "FROM event_grid" in s and "fine_x0" in s]
    assert fine_reads, "the finer grid was not read"
    edges = [(s, p) for s, p in seen if "UNION ALL" in s and "fine_x0" in s]
    assert edges
    # An event on the sliver of fine row -260 makes the store read that row; none, and it need not.
    assert any("cut_s0" in params for _, params in edges) == (with_sliver_events and box[1] <= -13.0), box
    with engine.connect() as connection:
        for setting in ("enable_seqscan", "enable_bitmapscan"):
            connection.execute(text(f"SET {setting} = off"))
        for sql, params in edges:
            plan = "\n".join(row[0] for row in connection.execute(text("EXPLAIN " + sql.replace("%(", ":").replace(
                ")s", "")), params))
            assert "Seq Scan on event_facts_" not in plan and "Index Scan using event_facts_" not in plan, plan


@pytest.mark.parametrize("bounds", [(date(2016, 3, 1), date(2018, 6, 30)), (date(2018, 1, 1), date(2018, 1, 31)),
                                    (date(2017, 2, 1), None), (None, date(2019, 2, 28)), (None, date(2020, 2, 29))])
def test_rol021_dates_on_month_edges_are_summed_from_whole_months(database, bounds):
    """A date range from a month's first day to a month's last day (a brushed year, a month) selects
    whole monthly groups: no fact of a bound's month is read, and the answers are the oracle's."""
    date_from, date_to = bounds
    spec = FilterSpec(date_from=date_from, date_to=date_to, datasets=(IMPORTED,))
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        reads.statements.clear()
        oracle = InMemoryEventStore(EVENTS)
        assert_same_result(oracle.totals(spec), store.totals(spec), "totals")
        assert_same_result(oracle.histogram(spec, "month"), store.histogram(spec, "month"), "histogram")
        assert_same_result(oracle.breakdown(spec, "country", 100), store.breakdown(spec, "country", 100), "country")
        for cell in (0.5, 2.0):
            assert_same_result(oracle.bins(spec, cell), store.bins(spec, cell), f"bins {cell}")
        assert not [s for s in reads.reading("event_facts") if "from_next" in s or "to_next" in s]
    finally:
        reads.close()


# Boxes whose strips hold the contract data's cluster near (-73.8, -12.5): its west strip (in a
# wide box, a narrow one), its south strip.
@pytest.mark.parametrize("box", [(-73.9, -12.9, -72.5, -11.5), (-73.97, -12.77, -73.41, -12.33),
                                 (-74.5, -12.55, -73.0, -11.0)])
@pytest.mark.parametrize("middle", ["weighed", "west edge", "east edge", "on an edge event"])
def test_rol022_a_box_edges_two_halves_hold_its_facts_once(database, monkeypatch, box, middle):
    """The summary reads a box's edge as two halves at once, cut at a longitude weighed from
    event_grid. Wherever the cut falls (the box's own edges, exactly on the longitude of an event
    of the edge), the halves hold every fact of the edge once, and the answers are the oracle's."""
    spec = FilterSpec(bbox=box)
    oracle = InMemoryEventStore(EVENTS)

    def edge_facts(store):
        _, edge = store._split(spec, "event_cells", store._total_cell(spec))
        assert edge is not None and edge.halves is not None
        with engine_for(database).connect() as connection:
            return [[tuple(row) for row in connection.execute(
                text(f"SELECT seq, longitude FROM {source} WHERE {edge.where}"), edge.params)]
                for source in (edge.source, *edge.halves)]

    whole = edge_facts(PostgisEventStore(database))[0]
    assert len(whole) >= 3, box
    fixed = {"west edge": box[0], "east edge": box[2], "on an edge event": sorted(x for _, x in whole)[len(whole) // 2]}
    if middle in fixed:
        monkeypatch.setattr(PostgisEventStore, "_edge_middle", lambda self, box, inner: fixed[middle])
    store = PostgisEventStore(database)
    whole, west, east = edge_facts(store)
    assert len(set(whole)) == len(whole) and sorted(west + east) == sorted(whole) and not set(west) & set(east)
    if middle == "on an edge event":  # the event on the cut is in the east half, those west of it in the west
        assert west and east and all(x < fixed[middle] for _, x in west) and min(x for _, x in east) == fixed[middle]
    assert_same_result(oracle.totals(spec), store.totals(spec), f"{box} totals")
    assert_same_result(oracle.histogram(spec, "month"), store.histogram(spec, "month"), f"{box} months")
    assert_same_result(oracle.breakdown(spec, "country"), store.breakdown(spec, "country"), f"{box} countries")
    assert_same_result(oracle.kg_by_year(spec), store.kg_by_year(spec), f"{box} kg")


def test_rol023_a_dense_column_on_a_box_edge_is_cut_into_even_halves():
    """The longitude the edge's halves are cut at goes into the event_grid column holding the
    middle event, by its share of that column: when one 0.02-degree column holds most of an edge
    (a town's dense cluster on the VRAEM box's northern strip at 10M), the halves still hold about
    as many facts each, and the answers stay the oracle's. A cut at the column's side put the whole
    cluster in one half (198k and 98k facts at 10M)."""
    events = contract_events(seed=37).copy()
    rng = np.random.default_rng(37)
    cluster = rng.random(len(events)) < 0.7  # most events in one column of the box's northern strip
    events.loc[cluster, "longitude"] = np.linspace(-74.2599, -74.2401, int(cluster.sum()))  # spread evenly
    events.loc[cluster, "latitude"] = -11.19 + 0.13 * rng.random(int(cluster.sum()))
    spec = FilterSpec(bbox=(-74.95, -13.35, -72.85, -11.05))
    with database_holding(events) as url:
        store = PostgisEventStore(url)
        _, edge = store._split(spec, "event_cells", store._total_cell(spec))
        assert edge is not None and edge.halves is not None
        with engine_for(url).connect() as connection:
            whole, west, east = (connection.execute(text(f"SELECT count(*) FROM {source} WHERE {edge.where}"),
                                                    edge.params).scalar_one() for source in (edge.source, *edge.halves))
        assert whole > 80 and west + east == whole
        assert abs(west - east) <= 0.2 * whole, (west, east)
        assert_same_result(InMemoryEventStore(events).totals(spec), store.totals(spec), "totals")


@pytest.mark.parametrize("descending", [True, False])
def test_rol024_the_first_page_from_a_date_starts_at_its_first_matching_day(database, undated, descending):
    """The earliest event of a view (captions and alt text ask for it each change) is an ascending
    one-row page from the view's first date: the walk began at the longest span before it and read
    a year of facts that end too early (0.1-0.3 s at 10M), so it starts at the first matching day
    (event_rollup's counts); newest first, the walk meets a match at once and needs no bound."""
    for url, events in (undated, (database, EVENTS)):
        oracle = InMemoryEventStore(events)
        for spec in (FilterSpec(date_from=date(2017, 1, 1), date_to=date(2017, 12, 31)),
                     FilterSpec(date_from=date(2016, 3, 10), event_types=("drug_seizure", "arrest")),
                     FilterSpec(date_from=date(2018, 6, 1), bbox=(-76.0, -14.0, -72.0, -10.0))):
            reads = TablesRead(url)
            try:
                store = PostgisEventStore(url)
                for size in (1, 5):
                    expected = oracle.rows(spec, ("event_id", "event_date", "date_precision"),
                                           order_by="event_date", descending=descending, limit=size)
                    got = store.rows(spec, ("event_id", "event_date", "date_precision"), order_by="event_date",
                                     descending=descending, limit=size)
                    assert list(got["event_id"]) == list(expected["event_id"]), (spec, size)
                    assert list(got["date_precision"]) == list(expected["date_precision"]), (spec, size)
                pages = [s for s in reads.reading("event_facts") if "ORDER BY event_date" in s]
            finally:
                reads.close()
            assert pages and all(("page_day" in s) is not descending for s in pages), pages
