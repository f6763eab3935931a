"""Free-text search for the in-memory store: folded text, searched a column part at a time.

The search text of an event is its location, admin1, admin2, summary and actors joined by
spaces, folded with :func:`~dashboard.data.text.fold_text`; a query matches when the folded
query is a substring of it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..text import fold_text
from .codes import Codes, label_of

# Search text, in the order it was always joined: a query spanning two parts still matches.
SEARCH_COLUMNS = ("location", "admin1", "admin2", "summary")


def fold_strings(values: pa.Array) -> pa.Array:
    """:func:`fold_text` over an arrow string array (ASCII strings in C, the rest in Python).

    Parameters
    ----------
    values
        Arrow strings; nulls count as ''.
    """
    values = pc.fill_null(values, "")
    if len(values) == 0:
        return values
    ascii_only = pc.string_is_ascii(values).to_numpy(zero_copy_only=False)
    folded = pc.ascii_lower(values)  # casefold of ASCII is lower(); NFKD leaves ASCII alone
    others = np.flatnonzero(~ascii_only)
    if others.size:
        replacements = pa.array([fold_text(s) for s in values.take(others).to_pylist()], type=values.type)
        folded = pc.replace_with_mask(folded, pa.array(~ascii_only), replacements)
    return folded


class SearchPart:
    """One part of the search text, folded, answering 'which rows contain this needle'.

    Few distinct values: codes plus the folded distinct values. Many: the raw arrow text, searched
    case-insensitively where it is ASCII, and a folded copy of only the non-ASCII rows.
    """

    def __init__(self, codes: np.ndarray | None = None, folded_uniques: pa.Array | None = None,
                 raw: pa.Array | None = None) -> None:
        self.codes = codes
        self.folded_uniques = folded_uniques
        self.raw = raw
        if raw is not None:
            ascii_only = pc.string_is_ascii(raw).to_numpy(zero_copy_only=False)
            self.other_rows = np.flatnonzero(~ascii_only)
            self.other_folded = fold_strings(raw.take(self.other_rows))

    @classmethod
    def of_codes(cls, codes: Codes) -> SearchPart:
        labels = pa.array([label_of(v) for v in codes.uniques] + [""], type=pa.large_string())
        return cls(codes=np.where(codes.codes < 0, len(codes.uniques), codes.codes),
                   folded_uniques=fold_strings(labels))

    def contains(self, needle: str) -> np.ndarray:
        """Rows whose folded text contains ``needle`` (already folded)."""
        if self.codes is not None:
            hit = pc.match_substring(self.folded_uniques, needle).to_numpy(zero_copy_only=False)
            return hit[self.codes]
        hit = pc.match_substring(self.raw, needle, ignore_case=True).to_numpy(zero_copy_only=False).copy()
        if self.other_rows.size:
            hit[self.other_rows] = pc.match_substring(self.other_folded, needle).to_numpy(zero_copy_only=False)
        return hit

    def folded_at(self, rows: np.ndarray) -> pa.Array:
        """The folded text of the given rows."""
        if self.codes is not None:
            return self.folded_uniques.take(self.codes[rows])
        folded = pc.ascii_lower(self.raw.take(rows))
        position = np.searchsorted(self.other_rows, rows)
        inside = position < self.other_rows.size
        inside[inside] = self.other_rows[position[inside]] == rows[inside]
        if inside.any():
            folded = pc.replace_with_mask(folded, pa.array(inside), self.other_folded.take(position[inside]))
        return folded


def text_matches(parts: list[SearchPart], size: int, needle: str, within: np.ndarray) -> np.ndarray:
    """Rows whose search text (the parts joined by spaces) contains the folded ``needle``.

    Parameters
    ----------
    parts
        The search text's parts, in joining order.
    size
        Rows in the store.
    needle
        The query, already folded.
    within
        Rows still in question (the rest of the filter): only they are joined for a
        multi-word needle.
    """
    if " " not in needle:  # a match cannot span two parts without containing their space
        hit = np.zeros(size, dtype=bool)
        for part in parts:
            hit |= part.contains(needle)
        return hit
    candidates = within.copy()
    for token in (t for t in needle.split(" ") if t):
        found = np.zeros(size, dtype=bool)
        for part in parts:
            found |= part.contains(token)
        candidates &= found
    rows = np.flatnonzero(candidates)
    hit = np.zeros(size, dtype=bool)
    if rows.size:
        joined = pc.binary_join_element_wise(
            *(part.folded_at(rows) for part in parts), pa.scalar(" ", pa.large_string()))
        hit[rows[pc.match_substring(joined, needle).to_numpy(zero_copy_only=False)]] = True
    return hit
