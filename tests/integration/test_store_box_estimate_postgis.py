"""A box's planning estimate (``_box_events``) from event_grid cells fitted to the box: a small view
in a dense region is read through the facts' point GiST, a wide box is not, and both answer as the
in-memory store."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import GIST_BOX_SHARE
from tests.integration.database import database_holding
from tests.integration.test_store_rollups_postgis import TablesRead
from tests.unit.test_store_contract import contract_events

EVENTS = contract_events(seed=47)
TOWN_VIEW = (-74.0, -12.6, -73.8, -12.4)  # Pichari and Kimbiri: a view zoomed in on two towns
VRAEM_BOX = (-75.0, -13.4, -72.8, -11.0)


@pytest.fixture(scope="module")
def database():
    with database_holding(EVENTS) as url:
        yield url


def events_in(box) -> int:
    west, south, east, north = box
    lon, lat = EVENTS["longitude"].astype(float), EVENTS["latitude"].astype(float)
    return int(((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)).sum())


@pytest.mark.parametrize("box,through_gist", [(TOWN_VIEW, True), (VRAEM_BOX, False)])
def test_bxe001_a_small_view_in_a_dense_region_reads_the_point_gist_a_wide_box_does_not(database, box, through_gist):
    oracle = InMemoryEventStore(EVENTS)
    spec = FilterSpec(bbox=box)
    share = GIST_BOX_SHARE * len(EVENTS)
    # the 1-degree cells around the towns hold more than the share: an estimate from them offered no GiST
    assert events_in((np.floor(box[0]) - 1, np.floor(box[1]) - 1, np.floor(box[2]) + 2, np.floor(box[3]) + 2)) > share
    assert (events_in(box) <= share) is through_gist
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        estimate = store._box_events(box)
        limit = events_in(box) - 3  # fewer than the box holds: its heaviest points
        assert list(store.points(spec, limit).row) == list(oracle.points(spec, limit).row)
        heaviest = [s for s in reads.reading("event_facts") if "heaviest" in s]
    finally:
        reads.close()
    assert estimate >= events_in(box)  # an upper bound still
    assert heaviest and ("<@ box(point(%(box_west)s" in heaviest[0]) is through_gist, heaviest


def test_bxe002_a_search_in_a_small_view_keeps_the_box_s_plain_bounds(database):
    """A search joins its matching texts; with the GiST's fixed guess of few rows the planner
    rescanned them for each fact in a nested loop (37.7 s for a town's view, two years and "callao"
    at 10M, 0.27 s without the GiST). The same view without a search reads the GiST (bxe001)."""
    oracle = InMemoryEventStore(EVENTS)
    for spec in (FilterSpec(bbox=TOWN_VIEW, text="pichari"),
                 FilterSpec(bbox=TOWN_VIEW, text="near", date_from=date(2015, 1, 1), date_to=date(2022, 12, 31))):
        reads = TablesRead(database)
        try:
            store = PostgisEventStore(database)
            limit = max(oracle.count(spec) - 2, 1)
            assert list(store.points(spec, limit).row) == list(oracle.points(spec, limit).row)
            assert store.totals(spec) == oracle.totals(spec)
            searched = [s for s in reads.reading("event_facts") if "event_texts" in s]
        finally:
            reads.close()
        assert oracle.count(spec) > 2 and searched, reads.statements
        assert not [s for s in searched if "<@ box(point(%(box_west)s" in s], searched
