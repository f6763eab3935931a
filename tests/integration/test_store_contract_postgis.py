"""The store contract suite (tests/unit/test_store_contract.py) against PostgisEventStore.

The unit module stays server-free; its tests are imported here and run with a factory that
writes the contract's event table into a new PostgreSQL database (a copy of one migrated
template) with the same loader an import uses, every row at its own position.
"""

from __future__ import annotations

import pytest

from dashboard.data.store.postgis import PostgisEventStore
from tests.integration.database import database_copies, load_events
from tests.unit import test_store_contract as contract

# Every contract test but the two that scan the source tree (engine-independent, run once in unit).
STORE_TESTS = sorted(name for name in vars(contract)
                     if name.startswith("test_con") and name not in ("test_con022_code_outside_the_store_asks_only_"
                                                                     "the_protocol", "test_con023_the_scan_catches_a_reach"))
globals().update({name: getattr(contract, name) for name in STORE_TESTS})
events = contract.events
specs = contract.specs
store = contract.store


@pytest.fixture(scope="module")
def new_database():
    with database_copies() as copy:
        yield copy


@pytest.fixture(scope="module")
def factory(new_database):
    def postgis_store(frame, default_datasets):
        url = new_database()
        load_events(url, frame)
        return PostgisEventStore(url, default_datasets)

    return postgis_store


def test_pgc001_the_contract_tests_are_all_here():
    assert len(STORE_TESTS) >= 25 and "test_con001_count_and_totals_equal_pandas" in STORE_TESTS


def test_pgc002_the_store_under_test_is_the_database(store, events):
    assert isinstance(store, PostgisEventStore) and store.size == len(events)
    assert store.version.startswith("pg:")
