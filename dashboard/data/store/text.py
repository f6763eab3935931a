"""Free-text search for the in-memory store: folded text, searched a column part at a time.

The search text of an event is its location, admin1, admin2, summary and actors joined by
spaces, folded with :func:`~dashboard.data.text.fold_text`; a query matches when the folded
query is a substring of it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from itertools import combinations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..text import fold_text
from .codes import Codes, label_of, small_codes

# Search text, in the order it was always joined: a query spanning two parts still matches.
SEARCH_COLUMNS = ("location", "admin1", "admin2", "summary")


FOLD_CHUNK_BYTES = 16 * 1024 * 1024  # text folded a slice at a time, so the copies stay small
GONE = 0xFF  # never a byte of UTF-8: marks the bytes a shorter replacement leaves free


def fold_strings(values: pa.Array) -> pa.Array:
    """:func:`fold_text` over an arrow string array, vectorised; the result equals it row by row.

    Folding is a character-by-character map (case folding maps each character alone, and every
    mark NFKD reorders is dropped), so each distinct character is folded once in Python and the
    bytes are rewritten with numpy. Rows holding a character that folds to more bytes than it
    takes (Hangul syllables, some ligatures and symbols) are folded by :func:`fold_text` itself.

    Parameters
    ----------
    values
        Arrow strings (``string`` or ``large_string``); nulls count as ''.

    Returns
    -------
    pyarrow.Array
        The folded strings, of the type of ``values``.
    """
    values = pc.fill_null(values, "")
    if len(values) == 0:
        return values
    large = values.cast(pa.large_string())
    offsets = _offsets(large)
    cuts = np.searchsorted(offsets, np.arange(offsets[0], offsets[-1] + 1, FOLD_CHUNK_BYTES)[1:])
    starts = np.unique(np.concatenate([[0], cuts]))
    starts = starts[starts < len(large)]
    ends = np.append(starts[1:], len(large))
    return pa.concat_arrays([_fold_slice(large.slice(int(s), int(e - s))) for s, e in zip(starts, ends)]).cast(
        values.type)


@lru_cache(maxsize=4096)
def _folded_character(code_point: int) -> bytes:
    return fold_text(chr(code_point)).encode("utf-8")


def _offsets(values: pa.LargeStringArray) -> np.ndarray:
    return np.frombuffer(values.buffers()[1], dtype=np.int64)[values.offset:values.offset + len(values) + 1]


def _code_points(data: np.ndarray, leads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Code point and byte length of the UTF-8 characters whose lead bytes sit at ``leads``."""
    padded = np.concatenate([data, np.zeros(3, dtype=np.uint8)])
    first = padded[leads].astype(np.int32)
    b1, b2, b3 = (padded[leads + i].astype(np.int32) & 0x3F for i in (1, 2, 3))
    length = np.where(first < 0xE0, 2, np.where(first < 0xF0, 3, 4))
    point = np.where(length == 2, ((first & 0x1F) << 6) | b1,
                     np.where(length == 3, ((first & 0x0F) << 12) | (b1 << 6) | b2,
                              ((first & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3))
    return point, length


def _fold_slice(values: pa.LargeStringArray) -> pa.LargeStringArray:
    """Fold one slice: ASCII by arrow, each other character by a table of its folded bytes."""
    values = pc.ascii_lower(values)  # casefold of ASCII; NFKD leaves ASCII alone
    offsets = _offsets(values)
    data_buffer = values.buffers()[2]
    data = (np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0]:offsets[-1]] if data_buffer is not None
            else np.zeros(0, dtype=np.uint8))
    offsets = offsets - offsets[0]
    slow_rows = np.zeros(len(values), dtype=bool)
    leads = np.flatnonzero(data >= 0xC0)  # first bytes of the non-ASCII characters
    if leads.size:
        point, length = _code_points(data, leads)
        distinct, which = np.unique(point, return_inverse=True)
        folded = [_folded_character(int(p)) for p in distinct]
        folded_length = np.array([len(f) for f in folded], dtype=np.int64)
        own_length = np.array([len(chr(int(p)).encode("utf-8")) for p in distinct], dtype=np.int64)
        changed = np.array([f != chr(int(p)).encode("utf-8") for p, f in zip(distinct, folded)], dtype=bool)
        grows = folded_length > own_length
        if grows.any():
            slow_rows[np.searchsorted(offsets, leads[grows[which]], side="right") - 1] = True
        hit = (changed & ~grows)[which]
        leads, length, which = leads[hit], length[hit], which[hit]
        if leads.size:
            data = data.copy()
            size = folded_length[which]
            folded_start = np.concatenate([[0], np.cumsum(folded_length)[:-1]])
            folded_bytes = np.frombuffer(b"".join(folded), dtype=np.uint8)
            for j in range(4):  # the folded bytes over the first ones, GONE over the rest
                writes = size > j
                data[leads[writes] + j] = folded_bytes[folded_start[which[writes]] + j]
                data[leads[(length > j) & ~writes] + j] = GONE
            data = data[data != GONE]
            removed = np.concatenate([[0], np.cumsum(length - size)])
            offsets = offsets - removed[np.searchsorted(leads, offsets, side="left")]
    result = pa.LargeStringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(data))
    if slow_rows.any():
        rows = np.flatnonzero(slow_rows)
        slow = pa.array([fold_text(s) for s in values.take(rows).to_pylist()], type=pa.large_string())
        result = pc.replace_with_mask(result, pa.array(slow_rows), slow)
    return result


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
        rows = codes.codes  # the column's own codes, unless some are missing (-1 → the last label, '')
        if rows.size and rows.min() < 0:
            rows = small_codes(np.where(rows < 0, len(codes.uniques), rows.astype(np.int64)), len(codes.uniques) + 1)
        return cls(codes=rows, folded_uniques=fold_strings(labels))

    def contains(self, needle: str) -> np.ndarray | None:
        """Rows whose folded text contains ``needle`` (already folded); None when no row can."""
        return self._rows_where(pc.match_substring, needle)

    def starts_with(self, prefix: str) -> np.ndarray | None:
        """Rows whose folded text starts with ``prefix``; None when no row can."""
        return self._rows_where(pc.starts_with, prefix)

    def ends_with(self, suffix: str) -> np.ndarray | None:
        """Rows whose folded text ends with ``suffix``; None when no row can."""
        return self._rows_where(pc.ends_with, suffix)

    def equals(self, text: str) -> np.ndarray | None:
        """Rows whose folded text is ``text``; None when no row can."""
        if self.codes is not None:
            return self._by_code(pc.equal(self.folded_uniques, text).to_numpy(zero_copy_only=False))
        # ASCII rows fold to the same length; a non-ASCII row is compared folded.
        hit = pc.starts_with(self.raw, text, ignore_case=True).to_numpy(zero_copy_only=False) & (
            pc.binary_length(self.raw).to_numpy(zero_copy_only=False) == len(text.encode("utf-8")))
        if self.other_rows.size:
            hit[self.other_rows] = pc.equal(self.other_folded, text).to_numpy(zero_copy_only=False)
        return hit if hit.any() else None

    def _by_code(self, hit: np.ndarray) -> np.ndarray | None:
        # Most parts hold no value with the needle: skip reading a code per row for them.
        return hit[self.codes] if hit.any() else None

    def _rows_where(self, match: Callable[..., pa.Array], pattern: str) -> np.ndarray | None:
        """Rows where ``match(folded text, pattern)`` holds (an arrow substring matcher)."""
        if self.codes is not None:
            return self._by_code(match(self.folded_uniques, pattern).to_numpy(zero_copy_only=False))
        hit = match(self.raw, pattern, ignore_case=True).to_numpy(zero_copy_only=False).copy()
        if self.other_rows.size:
            hit[self.other_rows] = match(self.other_folded, pattern).to_numpy(zero_copy_only=False)
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


def _in_any_part(parts: list[SearchPart], size: int, needle: str) -> np.ndarray:
    """Rows where some part contains ``needle``."""
    hit = np.zeros(size, dtype=bool)
    for part in parts:
        found = part.contains(needle)
        if found is not None:
            hit |= found
    return hit


MAX_SPANNED_SPACES = 6  # a longer query with more spaces is matched on the joined text of its candidates


def text_matches(parts: list[SearchPart], size: int, needle: str, within: np.ndarray) -> np.ndarray:
    """Rows whose search text (the parts joined by spaces) contains the folded ``needle``.

    A needle with spaces may also span parts: it is then a suffix of one part, whole parts, and a
    prefix of a later one, each split at a space of the needle. Those are tested per part (on
    distinct values where a part is held as codes), so the joined text is never built.

    Parameters
    ----------
    parts
        The search text's parts, in joining order.
    size
        Rows in the store.
    needle
        The query, already folded.
    within
        Rows still in question (the rest of the filter): only they are joined when a needle has
        more than :data:`MAX_SPANNED_SPACES` spaces.
    """
    if " " not in needle:  # a match cannot span two parts without containing their space
        return _in_any_part(parts, size, needle)
    spaces = [i for i, ch in enumerate(needle) if ch == " "]
    if len(spaces) > MAX_SPANNED_SPACES:
        return _joined_matches(parts, size, needle, within)
    hit = _in_any_part(parts, size, needle)
    for first in range(len(parts)):
        for last in range(first + 1, min(len(parts), first + len(spaces) + 1)):
            for cuts in combinations(spaces, last - first):
                found = _spanning(parts[first:last + 1], needle, cuts)
                if found is not None:
                    hit |= found
    return hit


def _spanning(parts: list[SearchPart], needle: str, cuts: tuple[int, ...]) -> np.ndarray | None:
    """Rows where ``needle``, cut at the spaces ``cuts``, ends the first part, fills the middle
    ones and starts the last; None when no row does."""
    pieces = [needle[start + 1:end] for start, end in zip((-1, *cuts), (*cuts, len(needle)))]
    tests = [parts[0].ends_with(pieces[0])] + [part.equals(piece) for part, piece in
                                                zip(parts[1:-1], pieces[1:-1])]
    found = None
    for test in tests + [parts[-1].starts_with(pieces[-1])]:
        if test is None:  # no row passes this test: none spans here
            return None
        found = test if found is None else found & test
    return found


def _joined_matches(parts: list[SearchPart], size: int, needle: str, within: np.ndarray) -> np.ndarray:
    """Rows whose joined search text contains ``needle``, joining only rows holding every word."""
    candidates = within.copy()
    for token in (t for t in needle.split(" ") if t):
        candidates &= _in_any_part(parts, size, token)
    rows = np.flatnonzero(candidates)
    hit = np.zeros(size, dtype=bool)
    if rows.size:
        joined = pc.binary_join_element_wise(
            *(part.folded_at(rows) for part in parts), pa.scalar(" ", pa.large_string()))
        hit[rows[pc.match_substring(joined, needle).to_numpy(zero_copy_only=False)]] = True
    return hit
