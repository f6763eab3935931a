"""Searches for a dataset's place words answered from ``event_word_cells`` (migration 0019): the
words the loader picks, the groups it writes, the store reading them and not the facts, and every
answer the in-memory store's."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from dashboard.data.database import engine_for, loader
from dashboard.data.filters import TABLE_COLUMNS, FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import ROLLUP_CELL_SIZES, WORD_CELLS
from tests.integration.database import database_holding
from tests.integration.test_store_oracle_postgis import assert_same_result
from tests.integration.test_store_rollups_postgis import TablesRead, assert_summed_answers
from tests.unit.test_store_contract import BUNDLED, GENERATED, IMPORTED, contract_events

EVENTS = contract_events(seed=47)
# A place word here is one at least this many events of a dataset carry (10M generated events:
# WORD_MIN_EVENTS, 100k): "cusco" (Pichari's and Kimbiri's region) and "pichari" are, in every dataset.
MIN_EVENTS = 5
VRAEM_BOX = (-74.2, -12.9, -73.5, -12.3)  # Pichari and Kimbiri inside, cells cut by its edges


def words_of(events) -> dict[str, set[str]]:
    """Each dataset's place words, worked out from the table (not the database)."""
    found = {}
    for dataset, rows in events.groupby("dataset"):
        places = rows.groupby(["location", "admin1", "admin2"], dropna=False).size()
        found[dataset] = set(loader.place_words([(*place, n) for place, n in places.items()], MIN_EVENTS))
    return found


@pytest.fixture(scope="module")
def database():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "WORD_MIN_EVENTS", MIN_EVENTS)
        with database_holding(EVENTS) as url:
            yield url


def test_wcl001_every_dataset_holds_the_deployments_place_words_and_their_groups(database):
    oracle = InMemoryEventStore(EVENTS)
    made = words_of(EVENTS)
    assert "callao" in made[BUNDLED] and "callao" not in made[GENERATED]  # made by one, held by all
    with engine_for(database).connect() as connection:
        held = connection.execute(text("SELECT d.dataset_id, w.word, w.facts FROM event_words w "
                                       "JOIN datasets d USING (dataset_key)")).all()
        sizes = connection.execute(text("""
            SELECT d.dataset_id, c.word, c.cell_deg, sum(c.events) FROM event_word_cells c
            JOIN datasets d USING (dataset_key) GROUP BY 1, 2, 3""")).all()
    every = set.union(*made.values())
    assert {(dataset, word) for dataset, word, _ in held} == {(d, w) for d in made for w in every}
    for dataset, word, facts in held:
        spec = FilterSpec(datasets=(dataset,), text=word)
        assert facts == oracle.count(spec), (dataset, word)  # the search's own matches, not the word's places
        placed = oracle.count(spec.with_changes(bbox=(-180.0, -90.0, 180.0, 90.0)))
        rows = {size: n for d, w, size, n in sizes if (d, w) == (dataset, word)}
        assert rows == ({size: facts if size == 0 else placed for size in ROLLUP_CELL_SIZES} if facts else {}), \
            (dataset, word)


SEARCHES = [
    FilterSpec(text="pichari"),
    FilterSpec(text="PICHARI"),  # folded as the search folds
    FilterSpec(text="Cusco", event_types=("arrest", "armed_clash", "drug_seizure")),
    FilterSpec(text="cusco", countries=("PER",), datasets=(BUNDLED, GENERATED)),
    FilterSpec(text="pichari", date_from=date(2016, 3, 17), date_to=date(2019, 8, 9)),  # bounds inside months
    FilterSpec(text="cusco", bbox=VRAEM_BOX),
    FilterSpec(text="cusco", bbox=VRAEM_BOX, date_from=date(2017, 1, 1), event_types=("drug_seizure",)),
    FilterSpec(text="pichari", datasets=(IMPORTED,), routes=("vraem-callao", "callao-antwerp")),
]


@pytest.mark.parametrize("spec", SEARCHES, ids=range(len(SEARCHES)))
def test_wcl002_a_place_word_is_searched_in_its_groups_and_answers_as_the_oracle(database, spec):
    oracle = InMemoryEventStore(EVENTS)
    assert oracle.count(spec) > 0, spec
    store = PostgisEventStore(database)
    seen = TablesRead(database)
    try:
        assert_summed_answers(oracle, store, spec, units=("month", "year"), fields=("event_type", "country", "original_type"))
        for order_by in ("event_date", "quantity_kg"):
            for descending in (True, False):
                asked = dict(order_by=order_by, descending=descending, offset=3, limit=4)
                assert_same_result(oracle.rows(spec, TABLE_COLUMNS, **asked)["event_id"],
                                   store.rows(spec, TABLE_COLUMNS, **asked)["event_id"], f"{spec} {asked}")
    finally:
        seen.close()
    assert seen.reading(WORD_CELLS), spec
    # The facts are not summarised whole (a search's summary: GROUPING SETS over them), only where
    # groups cannot say: reports, a date bound's month, a box's edge; and a page's rows.
    summarised = [s for s in seen.reading("event_facts") if "GROUPING SETS" in s]
    assert not summarised, summarised


@pytest.mark.parametrize("spec", [
    FilterSpec(text="near pichari"),  # two words: not a place word
    FilterSpec(text="pichari", actors=("peru_police",)),  # a name filter: event_name_cells has no words
    FilterSpec(text="pichari", kg_min=10.0),
    FilterSpec(text="convoy"),  # a word of the summaries, not of the places
], ids=range(4))
def test_wcl003_other_searches_read_the_facts_and_answer_as_the_oracle(database, spec):
    oracle = InMemoryEventStore(EVENTS)
    store = PostgisEventStore(database)
    seen = TablesRead(database)
    try:
        assert_summed_answers(oracle, store, spec, units=("month",), fields=("event_type", "country"))
    finally:
        seen.close()
    assert not seen.reading(WORD_CELLS), spec


def test_wcl004_a_word_a_later_import_makes_gets_groups_in_those_before_and_they_outlive_it():
    events = EVENTS[EVENTS["dataset"].isin([BUNDLED, IMPORTED])].reset_index(drop=True)
    made = words_of(events)
    word = sorted(made[IMPORTED] - made[BUNDLED])[0]  # "junin": Satipo's region, imported second
    spec = FilterSpec(text=word)
    oracle = InMemoryEventStore(events)
    assert oracle.count(spec.with_changes(datasets=(BUNDLED,))) > 0  # the bundled dataset's groups are not empty
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "WORD_MIN_EVENTS", MIN_EVENTS)
        with database_holding(events) as url:  # the bundled dataset first, then the imported one
            seen = TablesRead(url)
            try:
                assert_summed_answers(oracle, PostgisEventStore(url), spec, units=("month",), fields=("event_type",))
            finally:
                seen.close()
            assert seen.reading(WORD_CELLS) and not [s for s in seen.reading("event_facts") if "GROUPING SETS" in s]
            with engine_for(url).begin() as connection:
                key = connection.execute(text("SELECT dataset_key FROM datasets WHERE dataset_id = :id"),
                                         {"id": IMPORTED}).scalar_one()
                loader.drop_dataset(connection, key)
                connection.execute(text("DELETE FROM datasets WHERE dataset_key = :key"), {"key": key})
            with engine_for(url).connect() as connection:
                left = connection.execute(text("SELECT dataset_key, count(*) FROM event_words GROUP BY 1")).all()
                partition = connection.execute(text("SELECT to_regclass(:name)"),
                                               {"name": loader.word_cells_partition_name(key)}).scalar()
            assert partition is None and [k for k, _ in left] != [] and key not in [k for k, _ in left]
            remaining = events[events["dataset"] == BUNDLED].reset_index(drop=True)
            assert_summed_answers(InMemoryEventStore(remaining), PostgisEventStore(url), spec, units=("month",),
                                  fields=("event_type",))
