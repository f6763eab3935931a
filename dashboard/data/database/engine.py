"""One pooled SQLAlchemy engine per database URL, on the psycopg 3 driver.

SQLAlchemy 2 Core rather than bare psycopg: Alembic (the migrations) needs SQLAlchemy anyway, and
its ``QueuePool`` then serves the migrations, the event store and the repositories alike. Queries
are Core expressions or ``text()`` with bound parameters; no ORM.

Gunicorn forks workers after the app is built (``--preload``): a connection opened before the fork
would be shared by two processes, so the child drops (without closing) what it inherited.
"""

from __future__ import annotations

import os
import threading

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

DRIVER = "postgresql+psycopg"
# A worker thread holds one connection per request at most; 5 + 5 covers gunicorn's threads.
POOL_SIZE = 5
MAX_OVERFLOW = 5
POOL_RECYCLE_SECONDS = 1800  # under the usual idle timeouts of proxies and pgbouncer
CONNECT_TIMEOUT_SECONDS = 5  # an unreachable server says so in seconds, not after TCP's minutes
# Session settings for the store's short aggregate queries: JIT compiling costs 100-500 ms a query
# over a million rows and saves less; a day x type histogram or a grid needs more than 4 MB to hash.
# No parallel workers: a query's two helpers speed one user's scan on an idle server, but with
# several users each backend's helpers fight the others for the same cores (the store queues its
# queries instead: postgis.STORE_QUERY_SLOTS).
SESSION_OPTIONS = "-c jit=off -c work_mem=64MB -c max_parallel_workers_per_gather=0"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class DatabaseUrlError(ValueError):
    """A database URL this app cannot use; the message says why."""


def driver_url(url: str) -> str:
    """``url`` with the psycopg 3 driver: ``postgresql://`` and ``postgres://`` are accepted as written
    by operators; another database or driver is refused."""
    if not isinstance(url, str) or not url.strip():
        raise DatabaseUrlError("no database URL: set RUTAS_DATABASE_URL to postgresql://user@host/database")
    try:
        parsed = make_url(url.strip())
    except Exception as error:  # sqlalchemy raises ArgumentError for text it cannot parse
        raise DatabaseUrlError(f"cannot read the database URL: {error}") from None
    if parsed.drivername in ("postgresql", "postgres", DRIVER):
        return parsed.set(drivername=DRIVER).render_as_string(hide_password=False)
    raise DatabaseUrlError(f"the database URL must start with postgresql:// (PostgreSQL with PostGIS), "
                           f"not {parsed.drivername}://")


def engine_for(url: str) -> Engine:
    """The process's engine for ``url`` (made on first use, then shared by every caller).

    Parameters
    ----------
    url
        ``postgresql://user[:password]@host[:port]/database`` (or with ``+psycopg``).
    """
    key = driver_url(url)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = create_engine(key, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, pool_pre_ping=True,
                                   pool_recycle=POOL_RECYCLE_SECONDS,
                                   connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS,
                                                 "application_name": "rutas", "options": SESSION_OPTIONS})
            _engines[key] = engine
        return engine


def dispose_engine(url: str) -> None:
    """Close the pooled connections to one database (before it is dropped, say)."""
    with _lock:
        engine = _engines.pop(driver_url(url), None)
    if engine is not None:
        engine.dispose()


def dispose_engines() -> None:
    """Close every pooled connection (tests, and before a database is dropped)."""
    with _lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def _forget_inherited_connections() -> None:
    # close=False: the parent still owns those sockets; the child opens its own on first use.
    for engine in list(_engines.values()):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)
