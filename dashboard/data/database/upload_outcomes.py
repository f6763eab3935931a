"""Upload outcomes in the database, for the shared deployment (see migration 0004).

The same interface as :class:`~dashboard.data.upload_outcomes.UploadOutcomes` (the files of one
data directory): ``start``, ``finish``, ``get``, ``remove_old``. Any server answers a poll for an
upload another server imports. While it imports, the importer holds a session advisory lock on
the token on a connection of its own; the lock goes with the connection when its process dies
(``kill -9``, a lost machine), so a poll that finds a "started" record and the lock free reports
the import interrupted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import SQLAlchemyError

from ..upload_outcomes import OUTCOME_MAX_AGE_SECONDS, OutcomeState, UploadOutcome, is_upload_token

# The token's 64-bit hash names its lock; two tokens sharing a hash would only share a lock.
LOCK_KEY = "hashtextextended(:token, 0)"


class UploadOutcomeDatabaseError(OSError):
    """The database could not record or read an outcome (an OSError: the caller treats it as a
    record that could not be written, which never stops the import itself)."""


@contextmanager
def _database() -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as error:
        raise UploadOutcomeDatabaseError(f"upload outcome: {str(error).splitlines()[0]}") from error


def _let_go(connection: Connection, token: str) -> None:
    """Release the token's lock and give the connection back. A pooled connection outlives
    ``close()`` and would keep a session lock: unlocked first, or discarded when that fails."""
    try:
        connection.execute(text("SELECT pg_advisory_unlock_all()"))
        connection.rollback()
    except SQLAlchemyError:
        connection.invalidate()
    finally:
        connection.close()


class DatabaseUploadOutcomes:
    """The outcome records of a shared deployment's uploads (table ``upload_outcomes``)."""

    def __init__(self, engine: Engine, max_age_seconds: float = OUTCOME_MAX_AGE_SECONDS) -> None:
        self.engine = engine
        self.max_age_seconds = max_age_seconds
        self._importing: dict[str, Connection] = {}  # token → the connection holding its lock
        self._lock = threading.Lock()

    @staticmethod
    def _checked(token: str) -> str:
        if not is_upload_token(token):
            raise ValueError(f"not an upload token: {token!r}")
        return token

    def start(self, token: str) -> None:
        """Record that the upload ``token`` reached this server and its import begins (and hold its
        lock until :meth:`finish`)."""
        token = self._checked(token)
        self.remove_old()
        with _database():
            connection = self.engine.connect()
            try:
                connection.execute(text(f"SELECT pg_advisory_lock({LOCK_KEY})"), {"token": token})
                connection.execute(text("""
                    INSERT INTO upload_outcomes (token, state, at, report) VALUES (:token, 'started', now(), NULL)
                    ON CONFLICT (token) DO UPDATE SET state = 'started', at = now(), report = NULL"""),
                                   {"token": token})
                connection.commit()
            except BaseException:
                _let_go(connection, token)
                raise
        with self._lock:
            previous = self._importing.pop(token, None)
            self._importing[token] = connection
        if previous is not None:
            _let_go(previous, token)

    def finish(self, token: str, report: dict) -> None:
        """Record the import's report for the upload ``token`` and release its lock."""
        token = self._checked(token)
        try:
            with _database(), self.engine.begin() as connection:
                connection.execute(text("""
                    INSERT INTO upload_outcomes (token, state, at, report) VALUES (:token, 'finished', now(), :report)
                    ON CONFLICT (token) DO UPDATE SET state = 'finished', at = now(), report = :report""")
                                   .bindparams(bindparam("report", type_=JSONB)), {"token": token, "report": report})
        finally:
            with self._lock:
                held = self._importing.pop(token, None)
            if held is not None:
                _let_go(held, token)

    def get(self, token: str) -> UploadOutcome | None:
        """The upload's record; None for an unknown or invalid token."""
        if not is_upload_token(token):
            return None
        with _database(), self.engine.begin() as connection:
            found = connection.execute(text("SELECT state, report FROM upload_outcomes WHERE token = :token"),
                                       {"token": token}).first()
            if found is None:
                return None
            state = OutcomeState(found[0])
            if state is OutcomeState.STARTED:
                # Free lock: no live importer holds it. Taken for this transaction only, so it is
                # given back at once.
                free = connection.execute(text(f"SELECT pg_try_advisory_xact_lock({LOCK_KEY})"),
                                          {"token": token}).scalar_one()
                return UploadOutcome(token=token, state=OutcomeState.INTERRUPTED if free else state)
        report = found[1]
        return UploadOutcome(token=token, state=state, report=report) if isinstance(report, dict) else None

    def remove_old(self) -> int:
        """Delete finished records, and started ones no importer holds, older than ``max_age_seconds``."""
        with _database(), self.engine.begin() as connection:
            return connection.execute(text(f"""
                DELETE FROM upload_outcomes
                WHERE at < now() - make_interval(secs => :age)
                  AND (state = 'finished' OR pg_try_advisory_xact_lock({LOCK_KEY.replace(':token', 'token')}))"""),
                                      {"age": float(self.max_age_seconds)}).rowcount
