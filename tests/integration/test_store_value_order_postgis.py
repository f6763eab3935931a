"""A table page in the order of a column of few values (type, country), put together value by value
from the filter's counts per value: every page the in-memory store's, both ways, missing values
counted as the largest, ties in table order."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest

from dashboard.data.filters import TABLE_COLUMNS, FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import VALUE_ORDERS
from tests.integration.database import database_holding
from tests.integration.test_store_oracle_postgis import assert_same_result
from tests.integration.test_store_rollups_postgis import TablesRead
from tests.unit.test_store_contract import contract_events


def events_some_without_country():
    events = contract_events(seed=53).copy()
    events.loc[events.index[::7], "country"] = None  # every seventh: missing values sort as the largest
    return events


EVENTS = events_some_without_country()
SPECS = [FilterSpec(), FilterSpec(event_types=("drug_seizure", "arrest", "armed_clash")),
         FilterSpec(date_from=date(2017, 1, 1), date_to=date(2019, 6, 30)), FilterSpec(text="near"),
         FilterSpec(bbox=(-75.0, -13.4, -72.8, -11.0)), FilterSpec(countries=("BOL",)),
         FilterSpec(text="no such words")]


@pytest.fixture(scope="module")
def database():
    with database_holding(EVENTS) as url:
        yield url


@pytest.mark.parametrize("order_by", sorted(VALUE_ORDERS))
def test_vor001_pages_by_a_column_of_few_values_are_the_oracle_s(database, order_by):
    assert EVENTS.country.isna().sum() >= 10 and EVENTS.event_type.nunique() >= 8
    oracle = InMemoryEventStore(EVENTS)
    store = PostgisEventStore(database)
    for spec in SPECS:
        total = oracle.count(spec)
        for descending in (False, True):
            for offset, limit in ((0, 25), (10, 7), (25, 25), (max(total - 5, 0), 25), (total + 3, 10)):
                asked = dict(order_by=order_by, descending=descending, offset=offset, limit=limit)
                want, got = oracle.rows(spec, TABLE_COLUMNS, **asked), store.rows(spec, TABLE_COLUMNS, **asked)
                assert_same_result(want["event_id"], got["event_id"], f"{spec} {asked}")
            everything = store.rows(spec, ("event_id",), order_by=order_by, descending=descending, offset=0,
                                    limit=total + 1)["event_id"]
            assert_same_result(oracle.rows(spec, ("event_id",), order_by=order_by, descending=descending)["event_id"],
                               everything, f"{spec} all rows")


def test_vor002_a_page_reads_only_the_values_it_spans_in_table_order(database):
    """The first page by country, descending, begins with the events without a country and goes on
    with the largest code: one statement, a part per value the page spans, each in table order."""
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        store.totals(FilterSpec())  # the filter's summary, which every filter change asks first
        reads.statements.clear()
        page = store.rows(FilterSpec(), ("country",), order_by="country", descending=True, offset=0, limit=25)
        statements = [s for s in reads.reading("event_facts")]
    finally:
        reads.close()
    missing = int(EVENTS.country.isna().sum())
    assert list(page["country"][:missing]) == [None] * missing and page["country"][missing] == max(
        EVENTS.country.dropna())
    assert len(statements) == 1 and statements[0].count("ORDER BY seq LIMIT") == 2
    assert "GROUP BY" not in statements[0] and not np.any(page["country"][missing:] == None)  # noqa: E711


def test_vor003_each_import_gets_the_value_indexes_and_a_rare_value_walks_one(database):
    """Migration 0015's indexes on every partition (an import's, attached), and a page's part for a
    value is an index scan of its column's index, not a scan of every fact."""
    from sqlalchemy import text

    from dashboard.data.database import engine_for

    with engine_for(database).connect() as connection:
        partitions = connection.execute(text(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'event_facts'::regclass")).scalar()
        for columns in ("(type_code, seq)", "(country, seq)"):
            held = connection.execute(text("SELECT count(*) FROM pg_indexes WHERE tablename LIKE 'event_facts_%' "
                                           "AND indexdef LIKE :columns"), {"columns": f"%{columns}"}).scalar()
            assert held == partitions >= 2, columns
        connection.execute(text("SET enable_seqscan = off"))  # the tiny test data would be scanned whole
        plan = "\n".join(row[0] for row in connection.execute(text(
            "EXPLAIN SELECT seq FROM event_facts WHERE dataset_key = ANY(:keys) AND country = 'BEL' "
            "ORDER BY seq LIMIT 5"), {"keys": [1, 2, 3]}))
    assert "country_seq_idx" in plan and not re.search(r"(^|->\s+)Sort\s+\(", plan, re.MULTILINE), plan


@pytest.mark.parametrize("descending", [False, True])
def test_vor004_scrolling_down_continues_after_the_page_before(database, descending):
    """Block after block (the grid scrolling down), a block's first value's rows follow the last
    row of the block before along the index (no OFFSET walking them again), and every block is the
    oracle's."""
    oracle = InMemoryEventStore(EVENTS)
    spec = FilterSpec(event_types=("drug_seizure", "arrest", "armed_clash", "state_of_emergency"))
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        for start in range(0, oracle.count(spec) + 7, 7):
            asked = dict(order_by="country", descending=descending, offset=start, limit=7)
            assert_same_result(oracle.rows(spec, ("event_id",), **asked)["event_id"],
                               store.rows(spec, ("event_id",), **asked)["event_id"], f"{asked}")
        continued = [s for s in reads.reading("event_facts") if "after_seq" in s]
    finally:
        reads.close()
    assert len(continued) >= 4  # most blocks start inside a value the block before reached


@pytest.mark.parametrize("descending", [False, True])
def test_vor005_pages_by_deaths_walk_their_index_and_are_the_oracle_s(database, descending):
    """Deaths both ways (migration 0015's two indexes, word for word the page's order): unknown
    counts as the largest, ties (many events with none) in table order, page after page."""
    from sqlalchemy import text

    from dashboard.data.database import engine_for

    oracle = InMemoryEventStore(EVENTS)
    store = PostgisEventStore(database)
    assert EVENTS.fatalities.isna().any() and (EVENTS.fatalities == 0).sum() >= 10
    for spec in SPECS:
        for offset in (0, 25, 50, 75, 100, 125, 150):
            asked = dict(order_by="fatalities", descending=descending, offset=offset, limit=25)
            assert_same_result(oracle.rows(spec, ("event_id",), **asked)["event_id"],
                               store.rows(spec, ("event_id",), **asked)["event_id"], f"{spec} {asked}")
    order = "DESC NULLS FIRST" if descending else "ASC NULLS LAST"
    with engine_for(database).connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(row[0] for row in connection.execute(text(
            f"EXPLAIN SELECT seq FROM event_facts WHERE dataset_key = ANY(:keys) ORDER BY fatalities {order}, seq "
            "LIMIT 5"), {"keys": [1, 2, 3]}))
    assert "fatalities_seq_idx" in plan and not re.search(r"(^|->\s+)Sort\s+\(", plan, re.MULTILINE), plan
