"""Columns as small integer codes: how the in-memory store compares text without touching it.

Internal to :mod:`dashboard.data.store`; a filter on a text column becomes a lookup table over
its distinct values, indexed by each row's code.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Text columns with at most this share of distinct values are held as categoricals.
CATEGORICAL_MAX_SHARE = 0.5
# One value per event by design: never worth encoding (and hashing a million ids costs seconds).
IDENTIFIER_COLUMNS = frozenset({"event_id", "source_event_id"})
DIRECT_COMPARISONS = 4  # a filter on at most this many values of a column compares codes directly


def is_text(series: pd.Series) -> bool:
    """True for a string column (pandas strings, or objects that are all ``str``)."""
    if isinstance(series.dtype, pd.StringDtype):
        return True
    if series.dtype != object:
        return False
    sample = series.dropna()
    return all(isinstance(v, str) for v in sample.iloc[:100]) and (
        sample.empty or isinstance(sample.iloc[-1], str))


def arrow_strings(series: pd.Series) -> pa.Array:
    """A text column as one arrow string array, missing values as ''."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        values = pa.array(series.array)
    else:
        values = pa.array(series.astype(object).to_numpy(), type=pa.large_string(), from_pandas=True)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pc.fill_null(values, "")


def small_codes(codes: np.ndarray, categories: int) -> np.ndarray:
    """Codes in the narrowest integer type that holds ``categories`` (and -1)."""
    dtype = np.int8 if categories < 127 else np.int16 if categories < 32_000 else np.int32
    return codes.astype(dtype)


def lookup(codes: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """``allowed[codes]`` where code -1 (missing) is never allowed."""
    return np.append(allowed, False)[codes]


def sorted_codes(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` ascending and each key's position among them, as
    ``np.unique(keys, return_inverse=True)`` gives them.

    A hash table first, then a sort of the distinct keys only: grid cells over a million events
    are tens of thousands, and sorting every key took ~200 ms at 1M (a map's first zoom to a new
    cell size waited for it).
    """
    codes, uniques = pd.factorize(keys)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return uniques[order], rank[codes]


def dense_rank(labels: list[str]) -> np.ndarray:
    """Rank of each label in code-point order (equal labels share a rank)."""
    ordered = sorted(set(labels))
    position = {label: i for i, label in enumerate(ordered)}
    return np.array([position[label] for label in labels], dtype=np.float64)


def label_of(value: object) -> str:
    """A cell as text: tuples joined with '; ', dates in ISO form."""
    if isinstance(value, tuple):
        return "; ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_only(value: object) -> object:
    """Freeze the numpy arrays of a result before it is shared through the cache."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            read_only(getattr(value, item.name))
    return value


class Codes:
    """A column as integer codes into its distinct values (-1 where missing)."""

    def __init__(self, codes: np.ndarray, uniques: np.ndarray) -> None:
        self.codes = codes
        self.uniques = uniques  # object array
        self._index: dict[object, int] | None = None

    @property
    def index(self) -> dict[object, int]:
        """Code of each distinct value, built on first use (most columns are never looked up)."""
        if self._index is None:
            self._index = {value: i for i, value in enumerate(self.uniques.tolist())}
        return self._index

    @classmethod
    def of(cls, series: pd.Series) -> Codes:
        if isinstance(series.dtype, pd.CategoricalDtype):
            categories = series.cat.categories
            return cls(series.cat.codes.to_numpy(), np.asarray(categories, dtype=object))
        if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
            # Arrow's hash table, without pandas' conversions: the same codes in first-seen order.
            # Chunk by chunk (no joined copy): arrow encodes a chunked array into one dictionary.
            encoded = pc.dictionary_encode(pa.chunked_array(pa.array(series.array)))
            last = encoded.chunk(encoded.num_chunks - 1).dictionary if encoded.num_chunks else None
            if last is not None and all(c.dictionary.equals(last) for c in encoded.chunks):
                uniques = last.to_numpy(zero_copy_only=False).astype(object)
                codes = np.concatenate([pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False)
                                        for c in encoded.chunks])
                return cls(small_codes(codes, len(uniques)), uniques)
        codes, uniques = pd.factorize(series)
        return cls(small_codes(codes, len(uniques)), np.asarray(uniques, dtype=object))

    @classmethod
    def missing(cls, size: int) -> Codes:
        """A column the data does not have: every row missing, so no value ever matches."""
        return cls(np.full(size, -1, dtype=np.int8), np.array([], dtype=object))

    def allowed(self, wanted: tuple[str, ...]) -> np.ndarray:
        """Rows whose value is one of ``wanted``.

        A few values are compared directly (a vectorised ``==`` per value, ~0.3 ms over a million
        rows); more go through a lookup table indexed by every row's code (~4 ms).
        """
        found = sorted({self.index[w] for w in wanted if w in self.index})
        if len(found) <= DIRECT_COMPARISONS:
            rows = np.zeros(len(self.codes), dtype=bool)
            for code in found:
                rows |= self.codes == code
            return rows
        table = np.zeros(len(self.uniques), dtype=bool)
        table[found] = True
        return lookup(self.codes, table)


def object_codes(series: pd.Series) -> Codes:
    """Codes of a column of objects (tuples, dates): each distinct value held once; None or NaN is -1."""
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    return Codes(small_codes(codes, len(uniques)), np.asarray(uniques, dtype=object))


def coded_objects(codes: Codes, index: pd.Index, name: str) -> pd.Series:
    """A column of objects as a categorical over its codes: a code a row instead of a pointer."""
    categories = pd.Index(codes.uniques, dtype=object, tupleize_cols=False)
    return pd.Series(pd.Categorical.from_codes(codes.codes, categories=categories, validate=False), index=index,
                     name=name)


def values_of(codes: Codes, rows: np.ndarray | None = None) -> np.ndarray:
    """The values at ``rows`` (every row when None) as objects, None where missing; equal values
    are one object."""
    return np.append(codes.uniques, None)[codes.codes if rows is None else codes.codes[rows]]


def single_chunk(series: pd.Series) -> pd.Series:
    """An arrow-backed text column as one arrow array: a take over many chunks joins them first."""
    chunked = pa.chunked_array(pa.array(series.array))
    if chunked.num_chunks <= 1:
        return series
    return pd.Series(pd.array(chunked.combine_chunks(), dtype=series.dtype), index=series.index, name=series.name)


def compact(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Codes], dict[str, Codes]]:
    """Text with few distinct values → categorical; objects (tuples, dates) → codes. Codes are kept.

    Text kept as text (ids, unique summaries) becomes one arrow array per column; two columns
    holding the same array (ids generated twice over) keep sharing it. Returns the table, the codes
    of its coded columns, and those of its object columns, whose values are read through them
    (:func:`values_of`: None where missing, as the objects were).
    """
    columns: dict[str, pd.Series] = {}
    codes: dict[str, Codes] = {}
    objects: dict[str, Codes] = {}
    joined: dict[tuple, pd.Series] = {}  # a column's arrow buffers → its single-chunk form
    n = len(frame)
    def one_array(series: pd.Series) -> pd.Series:
        chunks = pa.chunked_array(pa.array(series.array)).chunks
        key = tuple((c.buffers()[1].address, c.offset, len(c)) for c in chunks)  # the same buffers: the same text
        if key not in joined:
            joined[key] = single_chunk(series)
        return joined[key].rename(series.name)

    for name in frame.columns:
        series = frame[name]
        categorical = n and isinstance(series.dtype, pd.CategoricalDtype)
        if categorical and is_text(series.cat.categories.to_series()):
            codes[name] = Codes.of(series)  # already held as codes (read as a dictionary, or generated at scale)
        elif categorical and series.cat.categories.dtype == object:  # objects already coded (as loaded)
            codes[name] = objects[name] = Codes.of(series)
        elif n and name in IDENTIFIER_COLUMNS and isinstance(series.dtype, pd.StringDtype) \
                and series.dtype.storage == "pyarrow":
            series = one_array(series)
            twin = next((columns[other] for other in IDENTIFIER_COLUMNS if other in columns), None)
            if twin is not None and twin.equals(series):  # ids that are their own source ids: one copy
                series = twin.rename(name)
        elif n and is_text(series):
            column_codes = Codes.of(series)
            if len(column_codes.uniques) <= CATEGORICAL_MAX_SHARE * n:
                categories = pd.Index(list(column_codes.uniques), dtype=series.dtype)
                series = pd.Series(pd.Categorical.from_codes(column_codes.codes, categories=categories),
                                   index=series.index, name=name)
                codes[name] = Codes(series.cat.codes.to_numpy(), column_codes.uniques)
            elif isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
                series = one_array(series)
        elif n and series.dtype == object:
            codes[name] = objects[name] = object_codes(series)
            series = coded_objects(codes[name], series.index, name)
        columns[name] = series
    if not columns:
        return pd.DataFrame(index=frame.index), codes, objects
    # not pd.DataFrame: it would copy the columns into blocks
    return pd.concat(columns.values(), axis=1), codes, objects
