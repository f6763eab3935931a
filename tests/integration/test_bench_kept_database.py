"""``bench run --database`` / ``bench load --database``: a kept database's dataset of n events is
measured again, not imported again (10M events take ~15 minutes to write)."""

from __future__ import annotations

from bench.__main__ import build_parser
from bench.run import database_dataset
from dashboard.data.database.search_words import word_list
from tests.integration.database import database_copies, load_events
from tests.unit.test_store_contract import contract_events


def test_bkd001_a_dataset_of_n_events_is_reused_and_none_is_imported():
    events = contract_events(seed=5)
    sizes = events["dataset"].value_counts()
    with database_copies() as new_database:
        url = new_database()
        load_events(url, events)
        said: list[str] = []
        for dataset_id, n in sizes.items():
            assert database_dataset(url, int(n), said.append) == dataset_id
        assert len(said) == len(sizes) and all("reusing" in line and "importing" not in line for line in said)


def test_bkd002_run_and_load_take_a_kept_database_name():
    parser = build_parser()
    assert parser.parse_args(["run", "--database", "rutas_bench_10m"]).database == "rutas_bench_10m"
    assert parser.parse_args(["load", "--database", "kept"]).database == "kept"
    assert parser.parse_args(["run"]).database is None


def test_bkd003_run_and_load_keep_search_words_before_measuring():
    parser = build_parser()
    assert parser.parse_args(["run", "--keep-words", "cocaine, clash,"]).keep_words == ("cocaine", "clash")
    assert parser.parse_args(["load", "--keep-words", "cocaine"]).keep_words == ("cocaine",)
    assert parser.parse_args(["run"]).keep_words == ()
    events = contract_events(seed=5)
    n = int((events["dataset"] == "acled-demo").sum())
    with database_copies() as new_database:
        url = new_database()
        load_events(url, events)
        said: list[str] = []
        assert database_dataset(url, n, said.append, ("Convoy",)) == "acled-demo"
        assert "search words kept" in said[-1] and "convoy (" in said[-1]
        assert [w.word for w in word_list(url) if w.kept] == ["convoy"]
