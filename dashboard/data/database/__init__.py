"""The shared deployment's database floor: a pooled engine per URL and Alembic migrations.

``engine_for(url)`` gives the process's SQLAlchemy engine (psycopg 3); ``upgrade(url)`` migrates a
database to the newest schema (``python -m dashboard db upgrade`` runs it). The event store
(:mod:`dashboard.data.store.postgis`) and the repositories build on these.
"""

from __future__ import annotations

from .engine import DatabaseUrlError, dispose_engine, dispose_engines, driver_url, engine_for
from .migrate import (
    DatabaseUnavailable,
    SchemaOutdated,
    current_revision,
    head_revision,
    require_current_schema,
    upgrade,
)

__all__ = [
    "DatabaseUnavailable", "DatabaseUrlError", "SchemaOutdated", "current_revision", "dispose_engine", "dispose_engines",
    "driver_url", "engine_for", "head_revision", "require_current_schema", "upgrade",
]
