"""Result caches for the event store: one interface, an in-process LRU behind it.

The store memoises what it computes for a filter (totals, histogram, bins, row order ...) under
keys like ``(version, operation, spec, args)``. :class:`ResultCache` is the whole contract, so a
shared cache can replace :class:`LruResultCache` when several workers should reuse each other's
results: a Redis implementation would turn a key into text with ``repr`` (or a hash of it; every
part of a key is a plain value or a frozen :class:`~dashboard.data.filters.FilterSpec`) and store
values with ``pickle`` (results are frozen dataclasses of numpy arrays). ``version`` names the
data a result came from, so entries of an older data set are never served after a rebuild.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import fields, is_dataclass
from typing import Protocol

import numpy as np

# Bounded by memory first: results are bytes (a histogram) to megabytes (a full row order), so a
# count of entries says little. The entry cap only stops a flood of tiny results.
DEFAULT_MAX_ENTRIES = 16_384
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


class ResultCache(Protocol):
    """A key-value cache of query results (``None`` means "not cached")."""

    def get(self, key: Hashable) -> object | None: ...

    def set(self, key: Hashable, value: object) -> None: ...


def approximate_nbytes(value: object) -> int:
    """Rough memory held by a result: its numpy arrays, plus a little for everything else."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(approximate_nbytes(getattr(value, f.name)) for f in fields(value))
    if isinstance(value, (tuple, list)):
        return 64 + sum(approximate_nbytes(v) for v in value)
    if isinstance(value, dict):
        return 64 + sum(approximate_nbytes(v) for v in value.values())
    return 64


class LruResultCache:
    """Thread-safe least-recently-used cache, bounded by approximate bytes (and by entry count).

    Parameters
    ----------
    max_entries
        Most results kept; the least recently used one is dropped first.
    max_bytes
        Most memory kept, as estimated by :func:`approximate_nbytes` (row orders over millions
        of events are megabytes each); a single larger value is not cached at all.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def set(self, key: Hashable, value: object) -> None:
        size = approximate_nbytes(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.max_bytes:
                return
            self._entries[key] = (value, size)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
