"""A table page by source or by event id (migration 0016): along the events' index for a broad filter,
sorted for a narrow one, and either way the in-memory store's rows, page after page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import text

from dashboard.data.database import engine_for
from dashboard.data.filters import TABLE_COLUMNS, FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import INDEX_WALK_SHARE
from tests.integration.database import database_holding
from tests.integration.test_store_oracle_postgis import assert_same_result
from tests.integration.test_store_rollups_postgis import TablesRead
from tests.unit.test_store_contract import contract_events

EVENTS = contract_events(seed=53)
EVENTS.loc[EVENTS.index[::13], "source_name"] = None  # a report with no name: the largest, as in memory
BROAD = FilterSpec(event_types=("drug_seizure", "arrest"))
NARROW = FilterSpec(event_types=("arrest",), date_from=date(2018, 1, 1), date_to=date(2018, 12, 31))
ORDERS = ("source_name", "event_id")
SORT_NODE = re.compile(r"(^|->\s+)Sort\s+\(", re.MULTILINE)


@pytest.fixture(scope="module")
def database():
    with database_holding(EVENTS) as url:
        yield url


@pytest.mark.parametrize("order_by", ORDERS)
def test_sro001_pages_are_the_oracle_s_both_ways_broad_and_narrow(database, order_by):
    """Reports repeat (ties keep table order) and some events name none (the largest: first when
    descending); each page continues after the one before (the keyset)."""
    oracle = InMemoryEventStore(EVENTS)
    store = PostgisEventStore(database)
    assert oracle.count(BROAD) >= INDEX_WALK_SHARE * len(EVENTS) > oracle.count(NARROW) > 0  # one of each
    assert EVENTS.source_name.isna().any() and EVENTS.source_name.dropna().duplicated().any()
    for spec in (FilterSpec(), BROAD, NARROW, FilterSpec(text="clash"), FilterSpec(text="no such words")):
        for descending in (False, True):
            for offset in (0, 25, 50, 75):
                asked = dict(order_by=order_by, descending=descending, offset=offset, limit=25)
                assert_same_result(oracle.rows(spec, TABLE_COLUMNS, **asked)["event_id"],
                                   store.rows(spec, TABLE_COLUMNS, **asked)["event_id"], f"{spec} {asked}")


def page_plan(database: str, spec: FilterSpec, order_by: str, descending: bool) -> str:
    """The plan of the store's statement for a first page of ``spec`` in ``order_by`` order, with
    sorting priced out (so the plan shows whether an index can give the order at all)."""
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        store.rows(spec, ("event_id",), order_by=order_by, descending=descending, offset=0, limit=25)
        (sql,) = [s for s in reads.reading("events") if "ORDER BY" in s and "LIMIT" in s]
    finally:
        reads.close()
    where, params = store._where(spec, page=True)
    order = sql.split("ORDER BY", 1)[1].split("LIMIT", 1)[0]
    params.update(store_keys=store._all_keys, dataset_rank=store._dataset_rank)
    with engine_for(database).connect() as connection:
        connection.execute(text("SET enable_sort = off"))
        return "\n".join(row[0] for row in connection.execute(text(
            f"EXPLAIN SELECT seq FROM events WHERE {where} ORDER BY {order} LIMIT 25"), params))


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("order_by", ORDERS)
def test_sro002_a_broad_filter_walks_the_index_a_narrow_one_sorts(database, order_by, descending):
    plan = page_plan(database, BROAD, order_by, descending)
    assert "Index Scan" in plan and not SORT_NODE.search(plan), plan  # every partition along its index
    plan = page_plan(database, NARROW, order_by, descending)
    assert SORT_NODE.search(plan), plan  # kept off the index: its few rows sorted


def test_sro003_every_partition_holds_the_four_indexes(database):
    """Migration 0016's indexes on each dataset's partition (an import's gets them when attached)."""
    with engine_for(database).connect() as connection:
        partitions = connection.execute(text(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass")).scalar()
        for column in ORDERS:
            for order in ('COLLATE "C", seq)', 'COLLATE "C" DESC, seq)'):  # DESC's NULLS FIRST goes unsaid
                held = connection.execute(text(
                    "SELECT count(*) FROM pg_indexes WHERE tablename ~ '^events_[0-9]+$' AND indexdef LIKE :shape"),
                    {"shape": f"%({column} {order}"}).scalar()
                assert held == partitions >= 2, (column, order)
