"""A text search on the PostGIS store (migration 0014): the facts of the matching texts read from a
covering index, a narrow search's table page sorted rather than walked, and every answer the
in-memory store's."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import text

from dashboard.data.database import engine_for
from dashboard.data.filters import TABLE_COLUMNS, FilterSpec
from dashboard.data.store import InMemoryEventStore, PostgisEventStore
from dashboard.data.store.postgis import INDEX_WALK_SHARE
from tests.integration.database import database_holding, database_holding_undated
from tests.integration.test_store_oracle_postgis import assert_same_result
from tests.integration.test_store_place_order_postgis import page_plan
from tests.integration.test_store_rollups_postgis import TablesRead
from tests.unit.test_store_contract import BUNDLED, IMPORTED, contract_events

EVENTS = contract_events(seed=47)

NARROW = FilterSpec(text="arrest near pichari")  # a few events of the contract data
BROAD = FilterSpec(text="Pichari")  # a place: a good share of them
WITH_FACETS = FilterSpec(text="near", event_types=("arrest", "armed_clash"), countries=("PER",))
# A word every event's text holds, in one year: the year's rows are fewer than the word's.
BROAD_IN_A_YEAR = FilterSpec(text="near", date_from=date(2018, 1, 1), date_to=date(2018, 12, 31))
NARROW_WITH_FACETS = FilterSpec(text="arrest near pichari", countries=("PER",))


@pytest.fixture(scope="module")
def database():
    with database_holding(EVENTS) as url:
        yield url


def test_txt001_searches_answer_as_the_oracle_pages_in_every_indexed_order(database):
    oracle = InMemoryEventStore(EVENTS)
    assert oracle.count(BROAD) >= INDEX_WALK_SHARE * len(EVENTS) > oracle.count(NARROW) > 0  # one of each
    for spec in (NARROW, BROAD, WITH_FACETS, BROAD_IN_A_YEAR, FilterSpec(text="no such words")):
        store = PostgisEventStore(database)
        assert store.count(spec) == oracle.count(spec), spec
        assert_same_result(oracle.totals(spec), store.totals(spec), f"{spec} totals")
        assert_same_result(oracle.histogram(spec, unit="month"), store.histogram(spec, unit="month"), f"{spec} months")
        assert_same_result(oracle.breakdown(spec, "country"), store.breakdown(spec, "country"), f"{spec} countries")
        assert_same_result(oracle.bins(spec, 1.0), store.bins(spec, 1.0), f"{spec} cells")
        for order_by in ("event_date", "quantity_kg", "location"):
            for descending in (True, False):
                for offset in (0, 2, 4):  # short pages: the narrow search's few rows span several
                    asked = dict(order_by=order_by, descending=descending, offset=offset, limit=2)
                    assert_same_result(oracle.rows(spec, TABLE_COLUMNS, **asked)["event_id"],
                                       store.rows(spec, TABLE_COLUMNS, **asked)["event_id"], f"{spec} {asked}")


def plan_of(database: str, sql: str, params: dict, *settings: str) -> str:
    with engine_for(database).connect() as connection:
        for setting in settings:
            connection.execute(text(f"SET {setting}"))
        return "\n".join(row[0] for row in connection.execute(text("EXPLAIN " + sql), params))


def test_txt002_the_text_index_covers_every_fact_column_a_search_reads(database):
    """The summary, map-cell and page statements of a search read only columns the covering text
    index holds (every ``event_facts`` column named in their verbose plans), so PostgreSQL can
    answer them from the index alone. A column added to them and not to the index fails here."""
    reads = TablesRead(database)
    try:
        store = PostgisEventStore(database)
        store.totals(NARROW_WITH_FACETS)
        store.bins(NARROW_WITH_FACETS, 1.0)
        store.rows(NARROW_WITH_FACETS, ("event_id",), order_by="event_date", descending=True, offset=0, limit=25)
        # Not the short walk along the date index a narrow filter's page tries first (test_sro004):
        # it reads the rows that index gives, whatever their text.
        statements = [s for s in reads.reading("event_facts") if "text_key" in s and "walk_budget" not in s]
    finally:
        reads.close()
    where, params = store._where(NARROW_WITH_FACETS, facts=True, page=True)
    params.update(cell=1.0, take=25, store_keys=store._all_keys, dataset_rank=store._dataset_rank,
                  page_day=date(2020, 12, 31), page_end_day=date(2020, 1, 1))  # a page's days (test_txt007)
    with engine_for(database).connect() as connection:
        covered = set(connection.execute(text("""
            SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indexrelid = 'event_facts_text_covering'::regclass""")).scalars())
    assert {"text_key", "event_date", "latitude", "type_code"} <= covered, covered
    assert len(statements) >= 3, statements
    for sql in statements:
        plan = plan_of(database, "(VERBOSE) " + sql.replace("%(", ":").replace(")s", ""), params)
        read = set(re.findall(r"\bevent_facts(?:_\d+)?\.(\w+)", plan))
        assert read and read <= covered, (read - covered, sql)


@pytest.mark.parametrize("spec,sorted_", [(NARROW, True), (BROAD, False)])
def test_txt003_a_narrow_search_s_page_is_sorted_a_broad_one_walks_the_date_index(database, spec, sorted_):
    plan = page_plan(database, spec, "event_date", descending=True)
    assert ("Sort  (" in plan) is sorted_, plan  # sorted when kept off the index, else the index's order


def test_txt004_each_text_counts_its_facts_and_a_search_reads_the_smaller_side(database):
    """event_texts.facts is each distinct text's count of facts (written by the import); a search
    whose texts hold more facts than the rest of its filter matches reads the rest's rows and
    checks their texts (``text_key + 0``: off the text index), else it reads through the index."""
    with engine_for(database).connect() as connection:
        wrong = connection.execute(text("""
            SELECT count(*) FROM event_texts t
            WHERE t.facts <> (SELECT count(*) FROM event_facts f WHERE f.dataset_key = t.dataset_key
                                                                   AND f.text_key = t.text_key)""")).scalar()
        total = connection.execute(text("SELECT sum(facts) FROM event_texts")).scalar()
    assert wrong == 0 and total == len(EVENTS)
    for spec, through_index in ((NARROW, True), (NARROW_WITH_FACETS, True), (BROAD_IN_A_YEAR, False)):
        oracle = InMemoryEventStore(EVENTS)
        held = oracle.count(FilterSpec(text=spec.text))
        assert (held <= oracle.count(spec.with_changes(text=None))) is through_index, spec  # the case it is
        where, _ = PostgisEventStore(database)._where(spec, facts=True)
        assert ("(dataset_key, text_key) IN" in where) is through_index, where
        assert ("(dataset_key, text_key + 0) IN" in where) is not through_index, where



def test_txt005_a_broad_search_read_in_two_halves_at_once_answers_as_the_oracle(database, monkeypatch):
    """A search reading many facts is read as two statements at once on two connections: through the
    text index, one per half of its texts (by the text key's sign); through the rest of a filter
    bounded by two dates, one per half of its days. Their groups add up and a report named in both
    halves counts once. Each is planned with a larger hash budget, so every grouping set is hashed."""
    from dashboard.data.store import postgis

    monkeypatch.setattr(postgis, "SPLIT_TEXT_FACTS", 1)
    oracle = InMemoryEventStore(EVENTS)
    with engine_for(database).connect() as connection:  # reports named on both sides of the split
        both = connection.execute(text("""
            SELECT count(*) FROM (
                SELECT source_hash FROM event_facts f JOIN event_texts t USING (dataset_key, text_key)
                WHERE t.search_text LIKE '%near%' AND f.source_hash IS NOT NULL
                GROUP BY source_hash HAVING min(f.text_key) < 0 AND max(f.text_key) >= 0) shared""")).scalar()
    assert both > 0
    for spec in (BROAD, FilterSpec(text="near"), WITH_FACETS, BROAD_IN_A_YEAR):
        reads = TablesRead(database)
        try:
            store = PostgisEventStore(database)
            assert_same_result(oracle.totals(spec), store.totals(spec), f"{spec} totals")
            summaries = [s for s in reads.reading("event_facts") if "GROUPING SETS" in s]
        finally:
            reads.close()
        # each with every grouping set hashed (the planner, guessing too many groups, sorted on disk)
        assert reads.statements.count(f"SET LOCAL {postgis.HASHED_SETS}") == len(summaries), reads.statements
        if store._texts_hold_fewer(spec):  # through the text index: two halves
            assert len(summaries) == 2 and {"text_key < 0", "text_key >= 0"} == {
                half for half in ("text_key < 0", "text_key >= 0") for s in summaries if half in s}
        elif spec.date_from is not None and spec.date_to is not None:  # the rest's days in two halves
            assert spec == BROAD_IN_A_YEAR and len(summaries) == 2 and {"event_date < %(split_day)s",
                                                                        "event_date >= %(split_day)s"} == {
                half for half in ("event_date < %(split_day)s", "event_date >= %(split_day)s")
                for s in summaries if half in s}
        else:  # the rest's rows checked against the texts, no two dates to part them by: one statement
            assert spec == WITH_FACETS and len(summaries) == 1 and "text_key <" not in summaries[0]
        assert_same_result(oracle.histogram(spec, unit="month"), store.histogram(spec, unit="month"), f"{spec} months")
        assert_same_result(oracle.breakdown(spec, "country"), store.breakdown(spec, "country"), f"{spec} countries")
        assert_same_result(oracle.breakdown(spec, "event_type"), store.breakdown(spec, "event_type"), f"{spec} types")
        assert_same_result(oracle.kg_by_year(spec), store.kg_by_year(spec), f"{spec} kg")


@pytest.mark.parametrize("datasets", [(), (IMPORTED,), (BUNDLED, IMPORTED)])
def test_txt006_a_search_alone_is_counted_from_its_texts(database, datasets):
    """A search with no other filter (its datasets aside) is counted from event_texts' counts of
    facts, not by reading the facts; with another filter it still reads them. Counts are the
    oracle's either way (a word held by many texts, one by few, one by none)."""
    oracle = InMemoryEventStore(EVENTS)
    for words in ("near", "Pichari", "arrest near pichari", "no such words"):
        for spec, alone in ((FilterSpec(text=words, datasets=datasets), True),
                            (FilterSpec(text=words, datasets=datasets, countries=("PER",)), False)):
            reads = TablesRead(database)
            try:
                counted = PostgisEventStore(database).count(spec)
                facts_read = reads.reading("event_facts")
            finally:
                reads.close()
            assert counted == oracle.count(spec), spec
            assert (not facts_read) is alone, (spec, facts_read)


@pytest.fixture(scope="module")
def undated_matches():
    """The events with a few undated, two of them holding "Pichari" (first in a descending date
    order, last in an ascending one)."""
    pichari = [i for i, place in enumerate(EVENTS["location"]) if "Pichari" in str(place)]
    assert len(pichari) >= 3
    with database_holding_undated(EVENTS, [0, pichari[0], pichari[-1]]) as held:
        yield held


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("with_undated", [False, True])
def test_txt007_a_search_s_date_page_reads_only_its_rows_days(database, undated_matches, descending, with_undated):
    """A search's page in date order is bounded by the days of its first and last rows, from the
    search's summary (its counts per day), its first page too: the planner, not knowing how soon
    the date index meets a match, sorted all of "callao"'s 1.5M facts at 10M for one row. A page
    reaching the undated rows (first descending, last ascending) is read as before. Every page is
    the oracle's. A walk so bounded joins the texts hashed."""
    url, events = undated_matches if with_undated else (database, EVENTS)
    oracle = InMemoryEventStore(events)
    for spec in (BROAD, FilterSpec(text="near"), NARROW):
        reads = TablesRead(url)
        try:
            store = PostgisEventStore(url)
            for offset in (0, 1, 3, 7):
                for size in (1, 7, 25):
                    asked = dict(order_by="event_date", descending=descending, offset=offset, limit=size)
                    assert list(store.rows(spec, ("event_id", "event_date"), **asked)["event_id"]) == \
                        list(oracle.rows(spec, ("event_id", "event_date"), **asked)["event_id"]), (spec, asked)
            at = next(i for i, s in enumerate(reads.statements) if re.search(r"ORDER BY \(?event_date", s))
            first, before = reads.statements[at], reads.statements[at - 1]
            walks = not store._sorts_not_walks(spec, "event_date")
        finally:
            reads.close()
        dates = oracle.rows(spec, ("event_date",))["event_date"]
        undated = sum(1 for d in dates if d is None or d != d)
        if spec == BROAD:
            assert undated == (2 if with_undated else 0)
        # the first page asked (offset 0, one row): bounded unless it is an undated row
        bounded = not (descending and undated)
        assert ("%(page_day)s" in first and "%(page_end_day)s" in first) is bounded, (spec, first)
        # a walk bounded by days joins the texts hashed (a nested loop scanned them again each row);
        # a narrow search's page is sorted from its few facts, read by text
        assert (before == "SET LOCAL enable_nestloop = off") is (bounded and walks), (spec, before)
        assert walks is (spec != NARROW), spec



def test_txt008_a_search_in_a_box_is_counted_only_up_to_the_limit_asked(database):
    """The map asks whether a view's matches fit under its point limit: a filter whose count reads
    the facts (a search in a box) reads at most that many (a LIMIT inside the count), one the
    rollups, the grid or the texts' counts answer is counted from them; both are the oracle's."""
    oracle = InMemoryEventStore(EVENTS)
    in_box = FilterSpec(text="near", bbox=(-76.0, -14.0, -72.0, -10.0))
    for spec, reads_facts in ((in_box, True), (FilterSpec(text="near"), False),
                              (FilterSpec(event_types=("arrest",), bbox=(-76.0, -14.0, -72.0, -10.0)), False)):
        count = oracle.count(spec)
        assert count > 5, spec
        reads = TablesRead(database)
        try:
            store = PostgisEventStore(database)
            assert store.count_at_most(spec, 5) == 5 and store.count_at_most(spec, count + 1) == count, spec
            limited = [s for s in reads.reading("event_facts") if "LIMIT %(count_limit)s" in s]
        finally:
            reads.close()
        assert bool(limited) is reads_facts, (spec, reads.statements)



def test_txt009_the_text_index_is_keyed_by_text_then_date_so_a_page_s_days_are_a_range_of_it(database):
    """The text index is keyed (text_key, event_date) (migration 0021): a narrow search's page,
    bounded by its rows' days, reads each matching text's facts of those days as a range of the
    index, not all of the text's facts filtered (78–171 ms a statement for "clash" at 10M, 41–57 ms
    keyed so). These tables are too small for the planner to prefer the index; its keys are checked."""
    with engine_for(database).connect() as connection:
        keys = connection.execute(text("""
            SELECT array_agg(a.attname ORDER BY k.position) FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey[0:i.indnkeyatts - 1]) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indexrelid = 'event_facts_text_covering'::regclass""")).scalar_one()
    assert keys == ["text_key", "event_date"]
