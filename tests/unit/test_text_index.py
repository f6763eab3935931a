"""Multi-word search without joining the text: parts tested one by one answer like the joined text."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.data.store.codes import Codes
from dashboard.data.store.text import SearchPart, text_matches
from dashboard.data.text import fold_text

# Few letters and many spaces, so needles often span parts, start or end at a space, or repeat one.
WORDS = st.text(alphabet="ab Á", max_size=5)


def joined_reference(columns: list[list[str]], needle: str) -> list[bool]:
    """The definition: the folded parts joined by spaces contain the needle."""
    return [needle in " ".join(fold_text(column[row]) for column in columns) for row in range(len(columns[0]))]


def search_parts(columns: list[list[str]], coded: list[bool]) -> list[SearchPart]:
    parts = []
    for column, as_codes in zip(columns, coded):
        if as_codes:
            uniques = list(dict.fromkeys(column))
            codes = np.array([uniques.index(v) for v in column], dtype=np.int8)
            parts.append(SearchPart.of_codes(Codes(codes, np.array(uniques, dtype=object))))
        else:
            parts.append(SearchPart(raw=pa.array(column, type=pa.large_string())))
    return parts


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 6).flatmap(lambda rows: st.tuples(
    st.lists(st.lists(WORDS, min_size=rows, max_size=rows), min_size=1, max_size=4),
    st.lists(st.booleans(), min_size=4, max_size=4))),
    st.text(alphabet="ab Á", min_size=1, max_size=7))
def test_txi001_multi_word_search_equals_a_search_of_the_joined_text(table, query):
    columns, coded = table
    needle = fold_text(query)
    parts = search_parts(columns, coded)
    size = len(columns[0])
    found = text_matches(parts, size, needle, np.ones(size, dtype=bool))
    assert list(found) == joined_reference(columns, needle)


def test_txi002_a_needle_spanning_three_parts_matches_only_where_the_middle_part_is_whole():
    columns = [["Pichari", "Pichari", "x"], ["Cusco", "Cusco Sur", "Cusco"], ["La Convención", "La", "La"]]
    parts = search_parts(columns, [True, False, True])
    found = text_matches(parts, 3, "pichari cusco la", np.ones(3, dtype=bool))
    assert list(found) == [True, False, False]
    assert list(text_matches(parts, 3, "cusco la conv", np.ones(3, dtype=bool))) == [True, False, False]
