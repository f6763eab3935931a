"""The word a kept search word is stored as: the store's comparison with a search (pure)."""

from __future__ import annotations

import re

import pytest

from dashboard.data.database.search_words import SearchWordError, search_word
from dashboard.data.filters import MAX_TEXT_QUERY, FilterSpec
from dashboard.data.text import fold_text


@pytest.mark.parametrize("asked", ["Cocaína", "  COCAINA ", "Armed Clash", "Straße", "x" * MAX_TEXT_QUERY])
def test_swd001_a_word_is_kept_as_the_store_folds_the_same_search(asked):
    # the store looks a search up by fold_text(spec.text), spec.text trimmed by FilterSpec
    assert search_word(asked) == fold_text(FilterSpec(text=asked).text)


def test_swd002_a_phrase_keeps_its_inner_space():
    assert search_word(" Armed  Clash ") == "armed  clash"


@pytest.mark.parametrize("asked", ["", "  ", "ab", " Ab ", "x" * (MAX_TEXT_QUERY + 1), "con\nvoy", "con\tvoy"])
def test_swd003_a_word_too_short_too_long_or_not_one_line_is_refused_by_name(asked):
    with pytest.raises(SearchWordError, match="^" + re.escape(repr(asked))):
        search_word(asked)
