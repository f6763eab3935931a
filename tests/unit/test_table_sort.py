"""The events table's order: blanks last in both directions, and the order shared in the URL (``sort``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from dash import no_update

from dashboard.data.filters import (
    TABLE_COLUMNS,
    TABLE_SORTABLE_COLUMNS,
    FilterSpec,
    TableSort,
    UrlState,
    build_search,
    parse_url_state,
)
from dashboard.i18n import translate
from dashboard.state.views import (
    DEFAULT_TABLE_SORT,
    blanks_first_count,
    blanks_last_windows,
    first_table_rows,
    sort_for_url,
    table_page,
    table_sort_key,
    table_sort_of,
)

COLUMNS = ("event_id", "event_date", "fatalities", "quantity_kg", "source_name")


def request(column: str | None, direction: str = "asc", start: int = 0, end: int = 50) -> dict:
    sort_model = [{"colId": column, "sort": direction}] if column else []
    return {"startRow": start, "endRow": end, "sortModel": sort_model}


def whole_table(store, spec: FilterSpec, column: str | None, direction: str, block: int = 37) -> list[dict]:
    """Every row of the table, read block by block as the grid reads them."""
    total = store.count(spec)
    rows: list[dict] = []
    for start in range(0, total, block):
        page = table_page(store, spec, request(column, direction, start, start + block), COLUMNS, "en")
        assert page["rowCount"] == total
        rows += page["rowData"]
    return rows


# ---- the URL parameter --------------------------------------------------------------------------------
def test_dfc020_sort_round_trips_through_the_url():
    state, notices = parse_url_state("?type=drug_seizure&sort=quantity_kg:desc&lang=es")
    assert notices == [] and state.sort == TableSort("quantity_kg", descending=True)
    assert state.spec == FilterSpec(event_types=("drug_seizure",))
    search = build_search(state)
    assert "sort=quantity_kg:desc" in search.split("&") or search.endswith("sort=quantity_kg:desc")
    assert parse_url_state(search)[0] == state
    assert "sort" not in build_search(UrlState())
    for column in TABLE_SORTABLE_COLUMNS:
        for descending in (False, True):
            shared = UrlState(sort=TableSort(column, descending))
            assert parse_url_state(build_search(shared)) == (shared, [])


@pytest.mark.parametrize("bad", ["summary:desc", "quantity_kg", "quantity_kg:down", "synthetic:asc", ":desc",
                                 "quantity_kg:desc:x", "__class__:asc", "QUANTITY_KG:desc"])
def test_dfc021_a_bad_sort_is_dropped_with_the_usual_notice(bad):
    state, notices = parse_url_state(f"?sort={bad}&type=arrest")
    assert state.sort is None and notices == [("sort", "notice.bad_sort")]
    assert state.spec == FilterSpec(event_types=("arrest",))  # the rest of the link still counts
    for lang in ("en", "es"):
        assert translate("notice.bad_sort", lang) != "notice.bad_sort"


def test_dfc022_sortable_columns_are_the_shown_table_columns_declared_once():
    assert set(TABLE_SORTABLE_COLUMNS) < set(TABLE_COLUMNS) and "synthetic" not in TABLE_SORTABLE_COLUMNS
    with pytest.raises(ValueError):
        TableSort("summary")
    assert table_sort_of(request("quantity_kg", "desc")) == TableSort("quantity_kg", True)
    assert table_sort_of(request("summary", "desc")) is None  # not a table column
    assert table_sort_of(request(None)) is None and table_sort_of(None) is None
    assert sort_for_url(DEFAULT_TABLE_SORT) is None  # the default leaves no trace in the link
    assert sort_for_url(TableSort("event_date")) == TableSort("event_date")


# ---- blanks last ---------------------------------------------------------------------------------------
def test_dfc023_windows_rotate_the_blank_block_to_the_end():
    for total in range(0, 9):
        for blanks in range(0, total + 1):
            store_order = list(range(total))  # the store: blanks (0 … blanks-1) first, then the rest
            table_order = store_order[blanks:] + store_order[:blanks]
            for start in range(0, total + 2):
                for end in range(start, total + 3):
                    read = [row for offset, limit in blanks_last_windows(start, end, total, blanks)
                            for row in store_order[offset:offset + limit]]
                    assert read == table_order[start:end], (total, blanks, start, end)


@pytest.mark.parametrize("column", ["quantity_kg", "fatalities", "event_date", "source_name"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_dfc024_blanks_come_last_in_both_directions(store, column, direction):
    spec = FilterSpec()
    rows = whole_table(store, spec, column, direction)
    values = [row[column] for row in rows]
    blank = [value is None or (isinstance(value, float) and math.isnan(value)) for value in values]
    if column in ("quantity_kg", "fatalities"):
        assert any(blank) and not all(blank)  # the bundled facts have both kinds
    first_blank = blank.index(True) if any(blank) else len(blank)
    assert all(blank[first_blank:]) and not any(blank[:first_blank])  # one block, at the end
    valued = [v for v, b in zip(values, blank) if not b]
    assert valued == sorted(valued, reverse=direction == "desc")
    assert sorted(row["event_id"] for row in rows) == sorted(
        store.rows(spec, ("event_id",), limit=None)["event_id"])  # every event once


def test_dfc025_kg_descending_starts_with_the_largest_seizure_and_matches_a_reference(store, bundled):
    spec = FilterSpec()
    rows = whole_table(store, spec, "quantity_kg", "desc", block=50)
    frame = bundled.events
    reference = frame.sort_values("quantity_kg", ascending=False, kind="stable", na_position="last")
    assert rows[0]["quantity_kg"] == frame["quantity_kg"].max()
    assert [row["event_id"] for row in rows] == reference["event_id"].tolist()  # ties and blanks in table order
    kg = pd.Series([row["quantity_kg"] for row in rows], dtype="float64")
    assert blanks_first_count(store, spec, "quantity_kg", store.count(spec)) == kg.isna().sum() > 0


def test_dfc026_a_narrow_filter_and_an_empty_one_page_cleanly(store):
    seizures = FilterSpec(event_types=("drug_seizure",))
    rows = whole_table(store, seizures, "fatalities", "desc", block=7)
    assert len(rows) == store.count(seizures)
    nothing = FilterSpec(text="zz-no-such-event")
    page = table_page(store, nothing, request("quantity_kg", "desc"), COLUMNS, "en")
    assert page == {"rowData": [], "rowCount": 0}


# ---- the page and the callback -------------------------------------------------------------------------
def test_dfc027_a_shared_link_opens_the_table_sorted(app_context):
    from dashboard.layout.page import table_column_defs

    defs = {d["field"]: d for d in table_column_defs("en", TableSort("quantity_kg", descending=True))}
    assert defs["quantity_kg"]["sort"] == "desc"
    assert [f for f, d in defs.items() if "sort" in d] == ["quantity_kg"]
    assert not defs["synthetic"]["sortable"] and defs["fatalities"]["sortable"]
    assert not any("sort" in d for d in table_column_defs("en"))


def test_dfc028_sorting_the_table_writes_the_url_and_keeps_the_rest(app_context):
    from dashboard.callbacks.views import on_table_sorted

    search = "?type=drug_seizure&lang=es&event=rutas:0001"
    written = on_table_sorted(request("quantity_kg", "desc"), search)["search"]
    state = parse_url_state(written)[0]
    assert state.sort == TableSort("quantity_kg", True)
    assert state.with_changes(sort=None) == parse_url_state(search)[0]
    assert on_table_sorted(request("quantity_kg", "desc", 50, 100), written)["search"] is no_update  # next block
    assert on_table_sorted(request(None), search)["search"] is no_update  # default order, nothing to write
    cleared = on_table_sorted(request(None), written)["search"]
    assert "sort=" not in cleared and parse_url_state(cleared)[0].sort is None
    assert parse_url_state(on_table_sorted(request("event_date", "desc"), written)["search"])[0].sort is None


def test_dfc029_table_numbers_read_as_the_language_writes_them(store):
    from dashboard.i18n import format_number
    from dashboard.layout.page import table_column_defs
    from dashboard.state.views import table_number

    page = table_page(store, FilterSpec(), request("quantity_kg", "desc", 0, 3), COLUMNS, "es")
    top = page["rowData"][0]
    assert isinstance(top["quantity_kg"], float)  # the value stays a number for the grid
    assert top["quantity_kg_label"] == format_number(top["quantity_kg"], "es") != str(int(top["quantity_kg"]))
    assert table_number(0.35, "en") == "0.35" and table_number(2202.5, "en") == "2,202.5"
    assert table_number(None, "en") == table_number(math.nan, "es") == ""
    defs = {d["field"]: d for d in table_column_defs("en")}
    for name in ("quantity_kg", "fatalities"):
        assert f"params.data.{name}_label" in defs[name]["valueFormatter"]["function"]


class CountingStore:
    """A store that counts its ``rows`` reads (the table's cost on a database store)."""

    def __init__(self, store) -> None:
        self.store, self.reads = store, 0

    def __getattr__(self, name):
        return getattr(self.store, name)

    def rows(self, *args, **kwargs):
        self.reads += 1
        return self.store.rows(*args, **kwargs)


def test_dfc041_a_sort_without_blanks_reads_one_row_to_know_it(store):
    """Newest first (the default) has no blanks: one probe, not a bisection of log2(n) reads."""
    counting = CountingStore(store)
    spec = FilterSpec()
    assert blanks_first_count(counting, spec, "event_date", store.count(spec)) == 0
    assert counting.reads == 1
    page = table_page(counting, spec, request("event_date", "desc"), COLUMNS, "en")
    assert counting.reads == 3 and [row["event_date"] for row in page["rowData"]] == sorted(
        (row["event_date"] for row in page["rowData"]), reverse=True)
    counting.reads = 0
    kg = store.rows(spec, ("quantity_kg",), order_by="quantity_kg", descending=True, offset=0,
                    limit=store.count(spec))["quantity_kg"].astype(float)
    assert blanks_first_count(counting, spec, "quantity_kg", store.count(spec)) == np.isnan(kg).sum() > 0
    assert counting.reads > 1  # blanks there: bisection


@pytest.mark.parametrize("sort", [None, DEFAULT_TABLE_SORT, TableSort("quantity_kg", descending=True),
                                  TableSort("source_name")])
def test_dfc042_the_first_rows_sent_with_the_views_are_the_grid_s_first_block(store, sort):
    """The table's first block rides with the views; the browser answers the grid's first request
    with it only when the request's order and block match. The block is the one the server would
    send for that request, and its order key reads as the browser computes it from a request."""
    spec = FilterSpec(event_types=("drug_seizure",))
    first = first_table_rows(store, spec, sort, COLUMNS, "en", None, 25)
    column = (sort or DEFAULT_TABLE_SORT).column
    descending = (sort or DEFAULT_TABLE_SORT).descending
    asked = table_page(store, spec, request(column, "desc" if descending else "asc", 0, 25), COLUMNS, "en")
    assert first["rowData"] == asked["rowData"] and first["rowCount"] == asked["rowCount"] == store.count(spec)
    assert first["endRow"] == 25 and len(first["rowData"]) == min(25, store.count(spec))
    assert first["sort"] == table_sort_key(sort)
    # The default order (asked for or not) is '', as the URL writes it; another is the URL's form.
    assert table_sort_key(sort) == ("" if sort in (None, DEFAULT_TABLE_SORT) else sort.param)
    assert table_sort_key(sort) == ("" if sort_for_url(sort) is None else build_search(
        UrlState(sort=sort)).split("sort=")[1].replace("%3A", ":"))
