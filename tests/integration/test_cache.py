"""The result cache: bounded, least recently used first out, safe across threads."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

import numpy as np
import pytest

from dashboard.data import cache as cache_module
from dashboard.data.cache import LruResultCache, ResultCache, approximate_nbytes


def test_cac001_bounded_by_entries_lru_first_out():
    cache = LruResultCache(max_entries=3)
    for key in "abc":
        cache.set(key, key.upper())
    assert cache.get("a") == "A"  # a is now the most recent
    cache.set("d", "D")
    assert len(cache) == 3 and cache.get("b") is None
    assert [cache.get(k) for k in "acd"] == ["A", "C", "D"]
    cache.set("a", "again")
    assert cache.get("a") == "again" and len(cache) == 3


def test_cac002_bounded_by_bytes():
    cache = LruResultCache(max_entries=100, max_bytes=3_000)
    for i in range(5):
        cache.set(i, np.zeros(100, dtype=np.float64))  # ~800 bytes each
    assert cache.nbytes <= 3_000 and len(cache) == 3 and cache.get(0) is None
    cache.set("huge", np.zeros(10_000))
    assert cache.get("huge") is None and len(cache) == 3
    with pytest.raises(ValueError):
        LruResultCache(max_entries=0)


def switch_threads() -> None:
    time.sleep(0)  # releases the GIL, so another thread runs now


class YieldingOrderedDict(OrderedDict):
    """An OrderedDict that lets other threads run before and after every call the cache makes.

    The cache touches its entries several times per ``get``, ``set`` and ``clear``; switching
    threads around each of those calls lets the others run in the middle of them, as the
    interpreter may at any moment in real use. Only the cache's lock keeps them out.
    """

    def get(self, key, default=None):
        switch_threads()
        value = super().get(key, default)
        switch_threads()
        return value

    def pop(self, key, *default):
        switch_threads()
        value = super().pop(key, *default)
        switch_threads()
        return value

    def popitem(self, last=True):
        switch_threads()
        item = super().popitem(last=last)
        switch_threads()
        return item

    def move_to_end(self, key, last=True):
        switch_threads()
        super().move_to_end(key, last=last)
        switch_threads()

    def __setitem__(self, key, value):
        switch_threads()
        super().__setitem__(key, value)
        switch_threads()

    def __len__(self):
        switch_threads()
        size = super().__len__()
        switch_threads()
        return size

    def clear(self):
        switch_threads()
        super().clear()
        switch_threads()


def test_cac003_threads_share_one_cache(monkeypatch):
    """Threads switching inside every get, set and clear still leave the cache adding up.

    Without the lock around any one of the three, this fails (a KeyError, or bytes that no entry holds).
    """
    monkeypatch.setattr(cache_module, "OrderedDict", YieldingOrderedDict)
    max_entries, keys = 4, 8  # every thread uses every key, and they do not all fit
    threads_n, phases, rounds = 8, 25, 12
    cache = LruResultCache(max_entries=max_entries)
    broken: list[str] = []

    def check() -> None:
        """Between phases, with every thread waiting: the cache must add up."""
        if not len(cache) <= max_entries or cache.nbytes != 64 * len(cache):  # an int is sized 64
            broken.append(f"{len(cache)} entries counted as {cache.nbytes} bytes")

    phase_end = threading.Barrier(threads_n, action=check, timeout=60)  # a timeout only against a hang
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            for _ in range(phases):
                for i in range(rounds):
                    cache.set((seed * 7 + i) % keys, i)
                    cache.get((seed * 11 + i * 3) % keys)
                    if i == seed:  # early in the phase, so later sets run while others clear
                        cache.clear()
                phase_end.wait()
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
            phase_end.abort()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and broken == []
    assert 0 < len(cache) <= max_entries
    assert cache.hits + cache.misses == threads_n * phases * rounds


def test_cac004_is_a_result_cache_and_sizes_results():
    cache: ResultCache = LruResultCache()
    cache.set(("v", "totals", None, ()), 1)
    assert cache.get(("v", "totals", None, ())) == 1 and cache.get(("w", "totals", None, ())) is None
    assert approximate_nbytes((np.zeros(10), {"a": np.zeros(5)})) >= 120
