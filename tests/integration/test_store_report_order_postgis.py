"""A table page by source or by event id (migration 0016): along the events' index for a broad filter,
sorted for a narrow one, and either way the in-memory store's rows, page after page."""

from __future__ import annotations

import math
import re
from datetime import date

import pytest
from sqlalchemy import text

from dashboard.data.database import engine_for
from dashboard.data.filters import TABLE_COLUMNS, FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore, postgis
from dashboard.data.store.postgis import INDEX_WALK_SHARE, WALK_BUDGET
from tests.integration.database import database_holding
from tests.integration.test_store_oracle_postgis import assert_same_result
from tests.integration.test_store_place_order_postgis import page_plans
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


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("order_by", ORDERS)
def test_sro002_a_broad_filter_walks_the_index_a_narrow_one_walks_a_little_then_sorts(database, order_by,
                                                                                       descending):
    (plan,) = page_plans(database, BROAD, order_by, descending, "events")
    assert "Index Scan" in plan and not SORT_NODE.search(plan), plan  # every partition along its index
    # NARROW has fewer rows than a page: the walk (every row here, within the budget) comes back short,
    # so the page is sorted.
    walk, sort = page_plans(database, NARROW, order_by, descending, "events")
    assert "Index Scan" in walk and not SORT_NODE.search(walk), walk
    assert SORT_NODE.search(sort), sort


def second_row_position(oracle: InMemoryEventStore, spec: FilterSpec, order_by: str, descending: bool) -> int:
    """Where the second row of ``spec``'s first page lies among all the events in that order: a walk
    of a budget above it fills a page of two."""
    every = list(oracle.rows(FilterSpec(), ("event_id",), order_by=order_by, descending=descending)["event_id"])
    second = oracle.rows(spec, ("event_id",), order_by=order_by, descending=descending, offset=1, limit=1)
    return every.index(second["event_id"][0])


@pytest.mark.parametrize("budget_kind", ["ample", "between", "one row"])
def test_sro004_a_narrow_filter_s_page_comes_from_a_walk_within_its_budget_else_sorted(database, monkeypatch,
                                                                                         budget_kind):
    """A narrow filter asking pages of two: a page found within the walk's budget is that walk's (one
    statement), else sorted (a second); either way the oracle's rows, page after page. "between": a
    budget that some orders' first pages fit in and others' do not."""
    oracle = InMemoryEventStore(EVENTS)
    spec = FilterSpec(event_types=("arrest",), date_from=date(2018, 1, 1))
    assert 2 < oracle.count(spec) < INDEX_WALK_SHARE * len(EVENTS)
    needed = {(order_by, descending): second_row_position(oracle, spec, order_by, descending)
              for order_by in ORDERS for descending in (False, True)}
    budget = {"ample": WALK_BUDGET, "between": min(needed.values()) + 1, "one row": 1}[budget_kind]
    assert budget_kind != "between" or max(needed.values()) >= budget  # the data holds both cases
    monkeypatch.setattr(postgis, "WALK_BUDGET", budget)
    monkeypatch.setattr(postgis, "WALK_TRIED_SHARE", math.inf)  # tried however small the budget (sro005)
    for (order_by, descending), position in needed.items():
        reads = TablesRead(database)
        try:
            store = PostgisEventStore(database)
            store.totals(spec)
            for offset in range(0, oracle.count(spec) + 2, 2):
                asked = dict(order_by=order_by, descending=descending, offset=offset, limit=2)
                assert_same_result(oracle.rows(spec, ("event_id",), **asked)["event_id"],
                                   store.rows(spec, ("event_id",), **asked)["event_id"], f"{budget} {asked}")
                if offset == 0:
                    first_page = [s for s in reads.reading("events") if "%(take)s" in s]
        finally:
            reads.close()
        walked = position < budget
        assert "walk_budget" in first_page[0] and len(first_page) == (1 if walked else 2), (budget, first_page)
        assert walked or "walk_budget" not in first_page[1]


def test_sro005_a_walk_expected_to_spend_its_budget_is_not_tried(database, monkeypatch):
    """Pages of two of a filter holding 1 event in 28: were they spread evenly, a page would take 56
    rows of the walk. A budget of 111 is not tried (over half of it), one of 112 is."""
    spec = FilterSpec(event_types=("arrest",), date_from=date(2018, 1, 1))
    assert InMemoryEventStore(EVENTS).count(spec) * 28 == len(EVENTS)
    for budget, tried in ((111, False), (112, True)):
        monkeypatch.setattr(postgis, "WALK_BUDGET", budget)
        reads = TablesRead(database)
        try:
            PostgisEventStore(database).rows(spec, ("event_id",), order_by="source_name", offset=0, limit=2)
            statements = [s for s in reads.reading("events") if "%(take)s" in s]
        finally:
            reads.close()
        assert ("walk_budget" in statements[0]) is tried, (budget, statements)


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
