"""Search words an admin keeps groups for (``python -m dashboard db words``, migration 0020): kept
in every dataset at once and by later imports, read by the store as a place word's, answering as
the in-memory store, dropped again; bad words refused with nothing written."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest
from sqlalchemy import text

from dashboard.__main__ import main
from dashboard.data.database import engine_for, loader
from dashboard.data.database.search_words import SearchWordError, drop_words, keep_words, word_list
from dashboard.data.filters import FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import WORD_CELLS
from tests.integration.database import database_copies
from tests.integration.test_store_rollups_postgis import TablesRead, assert_summed_answers
from tests.unit.test_store_contract import BUNDLED, GENERATED, IMPORTED, contract_events

EVENTS = contract_events(seed=47)
VRAEM_BOX = (-74.2, -12.9, -73.5, -12.3)
# Words of the summaries, not of the places: without a kept word's groups a search for them reads its facts.
SEARCHES = [
    FilterSpec(text="convoy"),
    FilterSpec(text="CONVOY", event_types=("arrest", "armed_clash", "drug_seizure")),
    FilterSpec(text="armed clash", datasets=(BUNDLED, IMPORTED)),  # a phrase is kept as typed
    FilterSpec(text="convoy", date_from=date(2016, 3, 17), date_to=date(2019, 8, 9)),
    FilterSpec(text="convoy", bbox=VRAEM_BOX),
]


def write_datasets(url: str, dataset_ids: tuple[str, ...]) -> None:
    """The loader's import of these datasets of EVENTS, each row at its place in the table (the
    oracle's row numbers), one transaction a dataset."""
    for dataset_id in dataset_ids:
        rows = np.flatnonzero((EVENTS["dataset"] == dataset_id).to_numpy())
        row = loader.DatasetRow(dataset_id=dataset_id, name=dataset_id, file_name=f"{dataset_id}.csv",
                                sha256=f"test-{dataset_id}", imported_at="2026-12-07T00:00:00+00:00",
                                format="test", report={})
        with engine_for(url).begin() as connection:
            key = loader.write_dataset(connection, row, EVENTS.iloc[rows], seq=rows + 1)
        loader.vacuum_dataset(engine_for(url), key)


def held_words(url: str) -> set[tuple[str, str, int]]:
    with engine_for(url).connect() as connection:
        return {(str(d), str(w), int(f)) for d, w, f in connection.execute(text(
            "SELECT d.dataset_id, w.word, w.facts FROM event_words w JOIN datasets d USING (dataset_key)"))}


def answers_reading(url: str, oracle: InMemoryEventStore, spec: FilterSpec) -> list[str]:
    """The store's answers to ``spec`` checked against the oracle's; the tables its statements read."""
    seen = TablesRead(url)
    try:
        assert_summed_answers(oracle, PostgisEventStore(url), spec, units=("month", "year"),
                              fields=("event_type", "country"))
    finally:
        seen.close()
    return seen.reading(WORD_CELLS)


@pytest.fixture
def database():
    with database_copies() as new_database:
        yield new_database()


def test_sw001_a_kept_word_is_searched_in_its_groups_in_every_dataset_until_dropped(database):
    write_datasets(database, (BUNDLED, GENERATED, IMPORTED))
    oracle = InMemoryEventStore(EVENTS)
    for spec in SEARCHES:
        assert oracle.count(spec) > 0, spec
        assert not answers_reading(database, oracle, spec), spec  # no groups yet: the facts
    before = PostgisEventStore(database).version

    written = dict(keep_words(database, ["Convoy", " armed clash "]))

    assert written == {"convoy": oracle.count(FilterSpec(text="convoy")),
                       "armed clash": oracle.count(FilterSpec(text="armed clash"))}
    assert PostgisEventStore(database).version != before  # every worker's store reads again
    for word in ("convoy", "armed clash"):
        assert {(d, f) for d, w, f in held_words(database) if w == word} == \
            {(d, oracle.count(FilterSpec(text=word, datasets=(d,)))) for d in (BUNDLED, GENERATED, IMPORTED)}
    for spec in SEARCHES:
        assert answers_reading(database, oracle, spec), spec
    listed = {w.word: w for w in word_list(database)}
    assert listed["convoy"].kept and listed["convoy"].facts == 23 and listed["convoy"].groups > 0
    assert keep_words(database, ["convoy"]) == [("convoy", 0)]  # held already: nothing written twice

    assert drop_words(database, ["CONVOY", "armed clash"]) == ["armed clash", "convoy"]

    assert not {w for _, w, _ in held_words(database)} & {"convoy", "armed clash"}
    assert "convoy" not in {w.word for w in word_list(database)}
    for spec in SEARCHES:
        assert not answers_reading(database, oracle, spec), spec


def test_sw002_a_kept_word_outlives_its_datasets_and_a_later_import_writes_its_groups(database):
    write_datasets(database, (BUNDLED,))
    keep_words(database, ["convoy"])
    with engine_for(database).begin() as connection:  # every dataset deleted, as the app deletes one
        for key in connection.execute(text("SELECT dataset_key FROM datasets")).scalars().all():
            loader.drop_dataset(connection, key)
            connection.execute(text("DELETE FROM datasets WHERE dataset_key = :key"), {"key": key})
    assert held_words(database) == set() and [w.word for w in word_list(database)] == ["convoy"]

    write_datasets(database, (IMPORTED, GENERATED))

    later = EVENTS[EVENTS["dataset"].isin([IMPORTED, GENERATED])]
    assert {(d, w) for d, w, _ in held_words(database)} == {(IMPORTED, "convoy"), (GENERATED, "convoy")}
    oracle = InMemoryEventStore(EVENTS)  # rows keep their places; the bundled ones are filtered out
    spec = FilterSpec(text="convoy", datasets=(IMPORTED, GENERATED))
    assert oracle.count(spec) == int(later["summary"].str.contains("convoy", case=False).sum()) > 0
    assert answers_reading(database, oracle, spec)


def test_sw003_bad_words_are_refused_by_name_and_nothing_is_written(database):
    write_datasets(database, (IMPORTED,))
    for asked, named in ((["convoy", "ab"], "'ab'"), (["x" * 201], "'xxx"), (["con\nvoy"], "'con\\nvoy'")):
        with pytest.raises(SearchWordError, match=re.escape(named)):
            keep_words(database, asked)
    assert held_words(database) == set() and word_list(database) == []
    with pytest.raises(SearchWordError, match="'convoy'"):
        drop_words(database, ["convoy"])  # never kept


def test_sw004_the_command_keeps_lists_and_removes_words(database, monkeypatch, capsys):
    write_datasets(database, (IMPORTED,))
    monkeypatch.setenv("RUTAS_DATABASE_URL", database)
    oracle_facts = InMemoryEventStore(EVENTS).count(FilterSpec(text="convoy", datasets=(IMPORTED,)))

    assert main(["db", "words", "add", "Convoy"]) == 0
    assert f"convoy: kept, groups written for {oracle_facts:,} events" in capsys.readouterr().out
    assert main(["db", "words", "list"]) == 0
    listed = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["convoy", "kept", f"{oracle_facts:,}"] == listed[[row[0] for row in listed].index("convoy")][:3]
    assert main(["db", "words", "add", "no"]) == 2
    assert "'no': a search word has 3 to 200 characters" in capsys.readouterr().err
    assert main(["db", "words", "remove", "convoy"]) == 0
    assert "convoy: groups dropped" in capsys.readouterr().out
    assert main(["db", "words", "remove", "convoy"]) == 2
    assert "no groups are kept for 'convoy'" in capsys.readouterr().err


def test_sw005_a_slow_search_its_groups_would_answer_names_the_command_in_the_log(database, monkeypatch, caplog):
    """An admin learns which words readers wait for: a search read from its facts for at least
    SLOW_SEARCH_S, which a kept word's groups would answer, is logged once with the command that
    keeps it; not a search no groups could answer (an actor named), nor one its groups answer."""
    from dashboard.data.store import postgis

    write_datasets(database, (BUNDLED, GENERATED, IMPORTED))
    monkeypatch.setattr(postgis, "SLOW_SEARCH_S", 0.0)  # every read is "slow": the rule, not the clock
    store = PostgisEventStore(database)
    actor = next(names for names in EVENTS["actors"] if len(names))[0]
    with caplog.at_level("WARNING", logger=postgis.__name__):
        store.totals(FilterSpec(text="armed clash", actors=(actor,)))  # names: no word groups could answer
        store.totals(FilterSpec(text="Armed Clash"))
        store.totals(FilterSpec(text="armed clash", event_types=("armed_clash",)))  # the same word: once
    hints = [r.getMessage() for r in caplog.records if "db words add" in r.getMessage()]
    assert len(hints) == 1 and hints[0].startswith("a search for 'armed clash' read its facts in ") and \
        hints[0].endswith(" s; its groups would answer it: python -m dashboard db words add 'armed clash'"), hints

    keep_words(database, ["convoy"])
    caplog.clear()
    with caplog.at_level("WARNING", logger=postgis.__name__):
        PostgisEventStore(database).totals(FilterSpec(text="convoy"))  # its groups answer: nothing to say
    assert not [r for r in caplog.records if "db words add" in r.getMessage()]
