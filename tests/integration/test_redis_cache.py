"""The shared result cache on a real redis-server (our own, on a free port): hits and misses, data
versions, signed values, limits, and Redis killed or hung mid-run (answers stay correct and fast)."""

from __future__ import annotations

import pickle
import time
from dataclasses import fields

import numpy as np
import pytest
import redis

from dashboard.config import Settings
from dashboard.data.cache import LruResultCache
from dashboard.data.filters import FilterSpec
from dashboard.data.redis_cache import (
    CONNECT_TIMEOUT_S,
    SOCKET_TIMEOUT_S,
    RedisResultCache,
    redis_key,
    result_cache_for,
    sign,
)
from dashboard.data.store import InMemoryEventStore
from dashboard.data.synth import synthetic_events
from tests.redis_process import RedisProcess, free_port

KEY = b"test signing key"


@pytest.fixture(scope="module")
def shared_redis(tmp_path_factory):
    server = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def own_redis(tmp_path):
    """A server this test may kill or hang."""
    server = RedisProcess(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def events():
    return synthetic_events(3_000)


class Clock:
    """A clock the test moves (the back-off is read from it)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def answers(store, specs) -> list:
    """What the views ask a store for, as plain values to compare."""
    out = []
    for spec in specs:
        histogram = store.histogram(spec, "year")
        breakdown = store.breakdown(spec, "event_type")
        out.append((store.count(spec), store.totals(spec), histogram.bin_starts.tolist(), histogram.counts.tolist(),
                    [getattr(breakdown, f.name).tolist() if isinstance(getattr(breakdown, f.name), np.ndarray)
                     else getattr(breakdown, f.name) for f in fields(breakdown)]))
    return out


SPECS = [FilterSpec(), FilterSpec(event_types=("armed_clash",)), FilterSpec(event_types=("drug_seizure",)),
         FilterSpec(kg_min=100.0), FilterSpec(text="port")]


def test_rds001_hit_miss_round_trip(shared_redis, events, request):
    cache = RedisResultCache.from_url(shared_redis.url, KEY, prefix=f"{request.node.name}:")
    key = ("v1", "histogram", FilterSpec(event_types=("drug_seizure",)), ("year", "event_type"))
    assert cache.get(key) is None and cache.misses == 1
    value = InMemoryEventStore(events).histogram(FilterSpec(event_types=("drug_seizure",)), "year")
    cache.set(key, value)
    found = cache.get(key)
    assert cache.hits == 1 and found.unit == value.unit and np.array_equal(found.counts, value.counts)
    assert not found.counts.flags.writeable  # a shared result is never changed in place
    # an equal key built anew (another process builds its own spec) finds it; another spec does not
    assert cache.get(("v1", "histogram", FilterSpec(event_types=("drug_seizure",)), ("year", "event_type")))
    assert cache.get(("v1", "histogram", FilterSpec(event_types=("armed_clash",)), ("year", "event_type"))) is None


def test_rds002_keys_carry_the_data_version(shared_redis, events, request):
    """Two workers with the same data share results; a store over other data (a new version) never
    reads them."""
    prefix = f"{request.node.name}:"
    worker_a = InMemoryEventStore(events, version="data-1",
                                  cache=RedisResultCache.from_url(shared_redis.url, KEY, prefix=prefix))
    cache_b = RedisResultCache.from_url(shared_redis.url, KEY, prefix=prefix)
    worker_b = InMemoryEventStore(events, version="data-1", cache=cache_b)
    expected = answers(InMemoryEventStore(events, version="alone"), SPECS)
    assert answers(worker_a, SPECS) == expected
    misses = cache_b.misses
    assert answers(worker_b, SPECS) == expected
    assert cache_b.hits >= len(SPECS) * 3 and cache_b.misses == misses  # every answer came from A's results

    fewer = events.iloc[:1_000]
    # A store reuses some of its own results (the per-month counts serve the histogram and the
    # breakdown): the hits of the same questions on a cache of its own are the only ones allowed.
    own_cache = RedisResultCache.from_url(shared_redis.url, KEY, prefix=f"own-{prefix}")
    answers(InMemoryEventStore(fewer, version="data-2", cache=own_cache), SPECS)
    cache_c = RedisResultCache.from_url(shared_redis.url, KEY, prefix=prefix)
    rebuilt = InMemoryEventStore(fewer, version="data-2", cache=cache_c)
    assert answers(rebuilt, SPECS) == answers(InMemoryEventStore(fewer, version="alone"), SPECS)
    assert cache_c.hits == own_cache.hits  # none of data-1's results was read (each would be a hit more)
    names = {name.decode() for name in redis.Redis.from_url(shared_redis.url).scan_iter(f"{prefix}*")}
    assert {name.split(":")[1] for name in names} == {"data-1", "data-2"}
    assert redis_key(("data-2", "totals", FilterSpec(), ()), prefix).startswith(f"{prefix}data-2:")


def test_rds003_a_value_not_signed_with_the_key_is_never_unpickled(shared_redis, tmp_path, request):
    prefix = f"{request.node.name}:"
    cache = RedisResultCache.from_url(shared_redis.url, KEY, prefix=prefix)
    client = redis.Redis.from_url(shared_redis.url)
    key = ("v1", "totals", FilterSpec(), ())
    name = redis_key(key, prefix)
    marker = tmp_path / "ran"

    class Payload:  # unpickling it would write the marker file
        def __reduce__(self):
            return (marker.write_text, ("unpickled",))

    client.set(name, pickle.dumps(Payload()))  # unsigned
    assert cache.get(key) is None
    client.set(name, sign(b"another key", name, pickle.dumps(Payload())))  # signed with another key
    assert cache.get(key) is None
    other = redis_key(("v1", "totals", FilterSpec(text="x"), ()), prefix)
    client.set(name, sign(KEY, other, pickle.dumps(Payload())))  # a signed value moved to another key
    assert cache.get(key) is None
    assert not marker.exists() and cache.hits == 0
    cache.set(key, 42)
    assert cache.get(key) == 42


def test_rds004_entries_expire_and_big_values_stay_out(shared_redis, request):
    prefix = f"{request.node.name}:"
    cache = RedisResultCache.from_url(shared_redis.url, KEY, prefix=prefix, ttl_s=120, max_value_bytes=10_000)
    client = redis.Redis.from_url(shared_redis.url)
    cache.set(("v1", "small"), np.zeros(1_000, dtype=np.uint8))  # ~1.2 kB pickled
    cache.set(("v1", "big"), np.zeros(20_000, dtype=np.uint8))  # ~20 kB: over the cap
    assert 0 < client.ttl(redis_key(("v1", "small"), prefix)) <= 120
    assert not client.exists(redis_key(("v1", "big"), prefix))
    assert cache.get(("v1", "big")) is None and cache.get(("v1", "small")) is not None
    cache.set(("v1", "unpicklable"), lambda: None)  # not cached, no error
    assert cache.get(("v1", "unpicklable")) is None


def test_rds005_redis_killed_mid_run_answers_stay_correct_and_fast(own_redis, events):
    clock = Clock()
    cache = RedisResultCache.from_url(own_redis.url, KEY, clock=clock)
    store = InMemoryEventStore(events, version="data-1", cache=cache)
    expected = answers(InMemoryEventStore(events, version="alone"), SPECS)
    assert answers(store, SPECS) == expected  # fills Redis
    assert answers(store, SPECS) == expected and cache.hits > 0

    own_redis.stop()
    fresh = InMemoryEventStore(events, version="data-1", cache=cache)  # nothing in its own memory
    started = time.perf_counter()
    assert answers(fresh, SPECS) == expected
    assert cache.failures == 1  # the first call failed fast, the rest never went to Redis
    many = [FilterSpec(text=f"q{i}") for i in range(40)]
    assert [fresh.totals(spec) for spec in many] == [InMemoryEventStore(events).totals(spec) for spec in many]
    assert cache.failures == 1
    assert time.perf_counter() - started < 5.0

    own_redis.start()  # same port: after the back-off, the cache is used again
    clock.now += cache.backoff_s + 0.1
    assert answers(fresh, SPECS) == expected
    hits = cache.hits
    assert answers(InMemoryEventStore(events, version="data-1", cache=cache), SPECS) == expected
    assert cache.hits > hits


def test_rds006_a_hung_redis_costs_one_short_timeout(own_redis, events):
    cache = RedisResultCache.from_url(own_redis.url, KEY)
    store = InMemoryEventStore(events, version="data-1", cache=cache)
    assert cache.ping()
    own_redis.pause()
    try:
        started = time.perf_counter()
        counts = [store.totals(FilterSpec(text=f"hang{i}")).events for i in range(20)]
        elapsed = time.perf_counter() - started
    finally:
        own_redis.resume()
    assert counts == [InMemoryEventStore(events).count(FilterSpec(text=f"hang{i}")) for i in range(20)]
    assert cache.failures == 1
    assert elapsed < 1.0 + 2 * max(SOCKET_TIMEOUT_S, CONNECT_TIMEOUT_S)  # one timeout, not twenty


def test_rds007_result_cache_for_picks_redis_only_when_usable(shared_redis):
    assert isinstance(result_cache_for(Settings()), LruResultCache)
    assert isinstance(result_cache_for(Settings(redis_url=shared_redis.url)), LruResultCache)  # no secret key
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    started = time.perf_counter()
    assert isinstance(result_cache_for(Settings(redis_url=unreachable, secret_key="s")), LruResultCache)
    assert time.perf_counter() - started < 2.0
    assert isinstance(result_cache_for(Settings(redis_url="http://not-redis", secret_key="s")), LruResultCache)
    chosen = result_cache_for(Settings(redis_url=shared_redis.url, secret_key="s"))
    assert isinstance(chosen, RedisResultCache) and chosen.signing_key == b"s"
    with pytest.raises(ValueError, match="RUTAS_SECRET_KEY"):
        RedisResultCache(redis.Redis.from_url(shared_redis.url), b"")
