"""The result cache: bounded, least recently used first out, safe across threads."""

from __future__ import annotations

import threading

import numpy as np
import pytest

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


def test_cac003_threads_share_one_cache():
    cache = LruResultCache(max_entries=50)

    def work(offset: int) -> None:
        for i in range(2_000):
            cache.set((offset, i % 80), i)
            cache.get((offset, (i * 7) % 80))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 50


def test_cac004_is_a_result_cache_and_sizes_results():
    cache: ResultCache = LruResultCache()
    cache.set(("v", "totals", None, ()), 1)
    assert cache.get(("v", "totals", None, ())) == 1 and cache.get(("w", "totals", None, ())) is None
    assert approximate_nbytes((np.zeros(10), {"a": np.zeros(5)})) >= 120
