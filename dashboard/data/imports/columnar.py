"""Per-column helpers for the streaming readers: a scalar rule applied once per distinct value.

A 1M-row export repeats a few thousand dates, a handful of codes and types, a few hundred actor
pairs. Each helper here takes Arrow string columns, runs the *same* scalar function the
row-by-row readers use on each distinct value (or each distinct combination of values) and
spreads the answers back over the rows, so the streaming path gives the row path's values and
messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"  # what float() and Arrow's cast read alike, digit for digit
PLAIN_INTEGER = r"^-?[0-9]+$"  # the same under a decimal comma, where '.' and ',' need the Python rule
FIRST_PLAIN_BYTE, LAST_PLAIN_BYTE = ord("!"), ord("~")  # printable ASCII other than a space


ANSWERS_KEPT = 65_536  # distinct arguments remembered per rule; then it starts afresh (memory stays bounded)


class Answers:
    """A scalar function's answers, remembered over a whole import (every block asks again)."""

    def __init__(self, function: Callable[..., object], kept: int = ANSWERS_KEPT) -> None:
        self.function = function
        self.kept = kept
        self.known: dict[object, object] = {}

    def __call__(self, *values: object) -> object:
        key = values[0] if len(values) == 1 else values
        if key not in self.known:
            if len(self.known) >= self.kept:
                self.known.clear()
            self.known[key] = self.function(*values)
        return self.known[key]


def object_array(values: Sequence[object]) -> np.ndarray:
    """A 1-d object array of ``values`` (tuples stay whole, unlike ``np.array``)."""
    array = np.empty(len(values), dtype=object)
    for index, value in enumerate(values):
        array[index] = value
    return array


def string_parts(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string column's value offsets (n + 1) and UTF-8 bytes, without copying."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    _, offsets, data = column.buffers()
    starts = np.frombuffer(offsets, dtype=np.int32)[column.offset:column.offset + len(column) + 1]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, dtype=np.uint8)
    return starts, (data if data.size else np.zeros(1, dtype=np.uint8))  # one byte: indexing 0 stays valid


def contains_byte(column: pa.Array, byte: int) -> bool:
    """True when some value of a string column holds ``byte`` (an ASCII character)."""
    starts, data = string_parts(column)
    return bool(starts[-1] > starts[0] and np.any(data[starts[0]:starts[-1]] == byte))


def plain_values(column: pa.Array, shortest: int) -> np.ndarray:
    """True where a value is longer than ``shortest`` bytes and starts and ends with printable ASCII.

    Such a value is no missing marker (those are ASCII and at most ``shortest`` long; a value with
    any other character cannot lower-case to one) and ``strip()`` leaves it as it is.
    """
    starts, data = string_parts(column)
    lengths = np.diff(starts)
    plain = lengths > shortest
    first = data[np.where(plain, starts[:-1], 0)]
    last = data[np.where(plain, starts[1:] - 1, 0)]
    return plain & (first >= FIRST_PLAIN_BYTE) & (first <= LAST_PLAIN_BYTE) & (last >= FIRST_PLAIN_BYTE) & (
        last <= LAST_PLAIN_BYTE)


def distinct_answers(column: pa.Array, function: Callable[[str], object]) -> tuple[list, np.ndarray]:
    """``function`` of each distinct value of ``column`` and, per row, the index of its answer."""
    encoded = pc.dictionary_encode(column)
    answers = [function(value) for value in encoded.dictionary.to_pylist()]
    return answers, encoded.indices.to_numpy(zero_copy_only=False)


def distinct_row_answers(columns: Sequence[pa.Array], function: Callable[..., object]) -> tuple[list, np.ndarray]:
    """``function(*values of one row)`` once per distinct combination, and each row's answer index."""
    codes, dictionaries = [], []
    for column in columns:
        encoded = pc.dictionary_encode(column)
        codes.append(encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64))
        dictionaries.append(encoded.dictionary.to_pylist())
    rows = np.zeros(len(codes[0]), dtype=np.int64)
    for code, dictionary in zip(codes, dictionaries):
        # one int per combination so far, renumbered each step so it never overflows
        rows, _ = pd.factorize(rows * max(len(dictionary), 1) + code)
    holder = np.zeros(rows.max() + 1 if rows.size else 0, dtype=np.int64)
    holder[rows] = np.arange(len(rows))  # a row holding each combination (any: they are alike)
    answers = [function(*(dictionary[code[row]] for code, dictionary in zip(codes, dictionaries))) for row in holder]
    return answers, rows


def spread(answers: Sequence[object], codes: np.ndarray, pick: Callable[[object], object] | None = None) -> np.ndarray:
    """Per-row object array from per-distinct ``answers`` (optionally one part of each, ``pick``)."""
    picked = answers if pick is None else [pick(answer) for answer in answers]
    return object_array(picked)[codes]


def spread_text(answers: Sequence[object], codes: np.ndarray,
                pick: Callable[[object], str] | None = None) -> pa.Array:
    """:func:`spread` for text answers, as an Arrow string column (built without Python per row)."""
    picked = answers if pick is None else [pick(answer) for answer in answers]
    if not len(codes):
        return pa.array([], pa.string())
    encoded = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(picked, pa.string()))
    return encoded.dictionary_decode()


def map_unless_plain(column: pa.Array, function: Callable[[str], str], shortest: int) -> pa.Array:
    """``function`` of each value that is not plain (see :func:`plain_values`); plain values kept.

    For long, mostly distinct texts (notes, ids, places), where calling Python on every row is
    the cost to avoid and ``function`` leaves a plain value as it is.
    """
    odd = ~plain_values(column, shortest)
    if not odd.any():
        return column
    mask = pa.array(odd)
    return pc.replace_with_mask(column, mask, spread_text(*distinct_answers(column.filter(mask), function)))


def numbers(column: pa.Array, parse: Callable[[str], object], low: float, high: float,
            decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each value as a float (NaN when blank) and the reason it is refused (None when it is not).

    Plain decimals are cast by Arrow; everything else (blanks, markers, exponents, decimal commas,
    values out of ``low..high``) goes through ``parse``, the row path's own parser, which returns a
    float, None or the report's message.
    """
    plain = pc.match_substring_regex(column, PLAIN_INTEGER if decimal_comma else PLAIN_NUMBER)
    values = pc.cast(pc.if_else(plain, column, pa.scalar("0")), pa.float64()).to_numpy(zero_copy_only=False).copy()
    odd = ~plain.to_numpy(zero_copy_only=False) | (values < low) | (values > high)
    reasons = np.full(len(values), None, dtype=object)
    if odd.any():
        answers, codes = distinct_answers(column.filter(pa.array(odd)), parse)
        values[odd] = np.array([answer if isinstance(answer, float) else np.nan for answer in answers],
                               dtype=float)[codes]
        reasons[odd] = spread(answers, codes, lambda answer: answer if isinstance(answer, str) else None)
    return values, reasons
