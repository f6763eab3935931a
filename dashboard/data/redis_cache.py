"""The result cache the workers share: :class:`~dashboard.data.cache.ResultCache` on Redis.

Every worker (and every machine) on one Redis reuses the others' results. A key's first part is
the data version (``(version, operation, spec, args)``), so a dataset imported or deleted on one
worker changes the version every worker computes, and no worker is served an older data set's
results; old entries simply expire (each has a TTL).

The cache is an optimisation only: any Redis failure (down, hung, refused, full, a value that does
not verify) is a miss, and after one failure the cache stays out of Redis's way for
:data:`BACKOFF_S`, so a Redis that is down costs one fast failure, not a timeout per query.

Values are pickled (results are frozen dataclasses of numpy arrays). Unpickling runs code, so each
value is signed with an HMAC of the app's secret key and its Redis key: a value written by anyone
without the key, or moved to another key, is not unpickled but read as a miss.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import pickle
import threading
import time
from collections.abc import Callable, Hashable

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..config import Settings
from .cache import LruResultCache, ResultCache
from .store.codes import read_only

log = logging.getLogger(__name__)

KEY_PREFIX = "rutas:result:"
TTL_S = 3600  # results of a data version nobody asks for any more leave within the hour
MAX_VALUE_BYTES = 8 * 1024 * 1024  # a row order over ~1M events; bigger ones cost more to ship than to compute
BACKOFF_S = 5.0  # after a failure, Redis is left alone this long (every call a miss at once)
# A healthy Redis on the LAN answers in about a millisecond; a hung one must not hold a request.
SOCKET_TIMEOUT_S = 0.25
CONNECT_TIMEOUT_S = 0.25
MAC_BYTES = hashlib.sha256().digest_size

REDIS_FAILURES = (redis.RedisError, OSError)


def redis_key(key: Hashable, prefix: str = KEY_PREFIX) -> str:
    """The Redis key of a result key: ``<prefix><version>:<sha256 of its repr>``.

    Every part of a result key is a plain value or a frozen dataclass of plain values (tuples kept
    sorted by ``FilterSpec``), so its ``repr`` is the same in every process.
    """
    version = key[0] if isinstance(key, tuple) and key and isinstance(key[0], str) else "-"
    digest = hashlib.sha256(repr(key).encode("utf-8")).hexdigest()
    return f"{prefix}{version}:{digest}"


def sign(signing_key: bytes, name: str, payload: bytes) -> bytes:
    """``payload`` preceded by its HMAC-SHA256, bound to the Redis key ``name`` it is stored under."""
    return hmac.digest(signing_key, name.encode("utf-8") + b"\0" + payload, "sha256") + payload


def verified(signing_key: bytes, name: str, stored: bytes) -> bytes | None:
    """The payload of a signed value, or None when the signature does not match."""
    mac, payload = stored[:MAC_BYTES], stored[MAC_BYTES:]
    expected = hmac.digest(signing_key, name.encode("utf-8") + b"\0" + payload, "sha256")
    return payload if len(mac) == MAC_BYTES and hmac.compare_digest(mac, expected) else None


class RedisResultCache:
    """Query results in Redis, shared by every worker; every failure is a miss.

    Parameters
    ----------
    client
        A ``redis.Redis`` (see :meth:`from_url` for one with short timeouts and no retries).
    signing_key
        Secret bytes the values are signed with (the app's secret key): every worker must share it.
    ttl_s, max_value_bytes
        Lifetime of an entry, and the largest pickled value stored (a larger one is not cached).
    backoff_s
        How long Redis is left alone after a failure.
    prefix
        Start of every Redis key (tests use their own).
    """

    def __init__(self, client: redis.Redis, signing_key: bytes, *, ttl_s: int = TTL_S,
                 max_value_bytes: int = MAX_VALUE_BYTES, backoff_s: float = BACKOFF_S,
                 prefix: str = KEY_PREFIX, clock: Callable[[], float] = time.monotonic) -> None:
        if not signing_key:
            raise ValueError("the Redis result cache needs a signing key (RUTAS_SECRET_KEY)")
        self.client = client
        self.signing_key = signing_key
        self.ttl_s = ttl_s
        self.max_value_bytes = max_value_bytes
        self.backoff_s = backoff_s
        self.prefix = prefix
        self._clock = clock
        self._down_until = 0.0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.failures = 0

    @classmethod
    def from_url(cls, url: str, signing_key: bytes, **options: object) -> RedisResultCache:
        """A cache on the Redis at ``url`` with short timeouts and no retries (a retry is a second timeout)."""
        client = redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT_S, socket_connect_timeout=CONNECT_TIMEOUT_S,
                                      retry=Retry(NoBackoff(), 0), health_check_interval=0)
        return cls(client, signing_key, **options)

    # ---- health -------------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """False while backing off after a failure."""
        return self._clock() >= self._down_until

    def ping(self) -> bool:
        """Whether Redis answers now (a failure starts the back-off)."""
        try:
            return bool(self.client.ping())
        except REDIS_FAILURES as error:
            self._failed(error)
            return False

    def _failed(self, error: Exception) -> None:
        with self._lock:
            self.failures += 1
            first = self._down_until == 0.0 or self._clock() >= self._down_until + self.backoff_s
            self._down_until = self._clock() + self.backoff_s
        if first:  # once per outage, not once per query
            log.warning("Redis result cache unavailable (%s); computing without it for %.0f s at a time",
                        type(error).__name__, self.backoff_s)

    # ---- ResultCache --------------------------------------------------------------------------
    def get(self, key: Hashable) -> object | None:
        if not self.available:
            self.misses += 1
            return None
        name = redis_key(key, self.prefix)
        try:
            stored = self.client.get(name)
        except REDIS_FAILURES as error:
            self._failed(error)
            self.misses += 1
            return None
        value = self._loaded(name, stored) if stored is not None else None
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def _loaded(self, name: str, stored: bytes) -> object | None:
        payload = verified(self.signing_key, name, stored)
        if payload is None:
            log.warning("Redis result cache: a value under %s is not signed with this app's key; ignored", name)
            return None
        try:
            return read_only(pickle.loads(payload))  # shared results are never changed in place
        except Exception:  # noqa: BLE001  (a value of another code version: a miss, recomputed and replaced)
            return None

    def set(self, key: Hashable, value: object) -> None:
        if not self.available:
            return
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return
        if len(payload) > self.max_value_bytes:
            return
        name = redis_key(key, self.prefix)
        try:
            self.client.set(name, sign(self.signing_key, name, payload), ex=self.ttl_s)
        except REDIS_FAILURES as error:
            self._failed(error)

    def clear(self) -> None:
        """Nothing: entries are keyed by data version and shared with other workers, whose data
        version may still be the old one; they expire by their TTL."""


def result_cache_for(settings: Settings) -> ResultCache:
    """The Redis cache when ``RUTAS_REDIS_URL`` is set and Redis answers at start, else this
    process's own LRU.

    Redis also needs the secret key (the values are signed with it); without one the process keeps
    its own cache and says why in the log. A Redis that goes down later costs misses, not errors.
    """
    redis_url, secret_key = settings.redis_url, settings.secret_key
    if not redis_url:
        return LruResultCache()
    if not secret_key:
        log.warning("RUTAS_REDIS_URL is set but RUTAS_SECRET_KEY is not: results are cached per process")
        return LruResultCache()
    try:
        cache = RedisResultCache.from_url(redis_url, secret_key.encode("utf-8"))
    except (ValueError, redis.RedisError) as error:  # the URL may hold a password: name the error only
        log.warning("RUTAS_REDIS_URL cannot be used (%s): results are cached per process", type(error).__name__)
        return LruResultCache()
    if not cache.ping():
        log.warning("Redis at RUTAS_REDIS_URL does not answer: results are cached per process")
        return LruResultCache()
    return cache
