"""A table page in place order (migration 0013): along the place index for a broad filter, sorted for
a narrow one, and either way the in-memory store's rows, page after page."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.data.filters import TABLE_COLUMNS, FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import INDEX_WALK_SHARE
from tests.integration.database import database_holding
from tests.integration.test_store_oracle_postgis import assert_same_result
from tests.integration.test_store_rollups_postgis import TablesRead
from tests.unit.test_store_contract import contract_events

EVENTS = contract_events(seed=47)
BROAD = FilterSpec(event_types=("drug_seizure", "arrest"))
NARROW = FilterSpec(event_types=("arrest",), date_from=date(2018, 1, 1), date_to=date(2018, 12, 31))


@pytest.fixture(scope="module")
def database():
    with database_holding(EVENTS) as url:
        yield url


def test_pla001_place_pages_are_the_oracle_s_both_ways_broad_and_narrow(database):
    oracle = InMemoryEventStore(EVENTS)
    store = PostgisEventStore(database)
    assert oracle.count(BROAD) >= INDEX_WALK_SHARE * len(EVENTS) > oracle.count(NARROW) > 0  # one of each
    for spec in (FilterSpec(), BROAD, NARROW, FilterSpec(text="no such words")):
        for descending in (False, True):
            for offset in (0, 25, 50, 75):  # each page after the one before: the keyset's continuation
                asked = dict(order_by="location", descending=descending, offset=offset, limit=25)
                assert_same_result(oracle.rows(spec, TABLE_COLUMNS, **asked)["event_id"],
                                   store.rows(spec, TABLE_COLUMNS, **asked)["event_id"],
                                   f"{spec} {asked}")


def page_plans(database: str, spec: FilterSpec, order_by: str, descending: bool, table: str = "event_facts",
               limit: int = 25) -> list[str]:
    """The plans of the store's statements reading ``table`` for a first page of ``spec`` in
    ``order_by`` order, in the order sent, with sorting priced out (so a plan shows whether an
    index can give the order at all)."""
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        store.rows(spec, ("event_id",), order_by=order_by, descending=descending, offset=0, limit=limit)
        return [reads.plan(s, database, enable_sort="off") for s in reads.reading(table)
                if "ORDER BY" in s and "%(take)s" in s]
    finally:
        reads.close()


def page_plan(database: str, spec: FilterSpec, order_by: str, descending: bool) -> str:
    """The plan of the page's last statement: a page walked a little along the index first and then
    sorted shows the sort."""
    return page_plans(database, spec, order_by, descending)[-1]


@pytest.mark.parametrize("descending", [False, True])
def test_pla002_a_broad_filter_walks_the_place_index_a_narrow_one_sorts(database, descending):
    plan = page_plan(database, BROAD, "location", descending)
    scans = [line for line in plan.splitlines() if "Index Scan" in line]
    # Every dataset's partition along its place index (named for the column), no Sort node.
    assert scans and all("_location_seq_idx" in line for line in scans) and "Sort  (" not in plan, plan
    plan = page_plan(database, NARROW, "location", descending)
    assert "Sort  (" in plan, plan  # kept off the index: its few rows sorted


@pytest.mark.parametrize("descending", [False, True])
def test_pla003_a_broad_filter_whose_walk_spends_its_budget_is_sorted(database, monkeypatch, descending):
    """A broad filter's rows far along the place order (Peru + "cocaine" by place, descending, walked
    the other countries' places first: 72 s at 10M): the walk stops at its budget and the page is
    sorted, page after page the oracle's."""
    from dashboard.data.store import postgis

    monkeypatch.setattr(postgis, "WALK_BUDGET", 30)
    monkeypatch.setattr(postgis, "WALK_TRIED_SHARE", float("inf"))
    oracle = InMemoryEventStore(EVENTS)
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        for offset in (0, 25, 50):
            asked = dict(order_by="location", descending=descending, offset=offset, limit=25)
            assert_same_result(oracle.rows(BROAD, ("event_id",), **asked)["event_id"],
                               store.rows(BROAD, ("event_id",), **asked)["event_id"], f"{asked}")
        pages = [s for s in reads.reading("event_facts") if "ORDER BY" in s and "LIMIT" in s]
    finally:
        reads.close()
    walked = ["walk_budget" in s for s in pages]
    assert walked[:2] == [True, False] and "|| ''" in pages[1], pages  # walked 30 rows, then sorted off the index
