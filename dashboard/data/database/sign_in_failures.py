"""The sign-in cap of the shared deployment, in the database (migration 0005).

A name guessed from one address is refused after ``limit`` failures within ``window_s``, however
many workers and machines share the guesses (a per-process count let N workers take N times the
cap). argon2 already makes each guess cost ~0.3 s of CPU; this caps the guesses at one account.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable

from sqlalchemy import Engine, text

SIGN_IN_FAILURES = 10  # failed sign-ins for one name from one address …
SIGN_IN_WINDOW_S = 15 * 60  # … within this window: further attempts are refused until it has passed


def attempt_key(attempt: Hashable) -> bytes:
    """The stored key of an attempt (name, address): a digest, so the table holds neither."""
    return hashlib.sha256(repr(attempt).encode("utf-8")).digest()


class DatabaseSignInThrottle:
    """Failed sign-ins per attempt key in a sliding window, in table ``sign_in_failures``."""

    def __init__(self, engine: Engine, limit: int = SIGN_IN_FAILURES, window_s: float = SIGN_IN_WINDOW_S) -> None:
        self.engine, self.limit, self.window_s = engine, limit, float(window_s)

    def blocked(self, attempt: Hashable) -> bool:
        with self.engine.connect() as connection:
            recent = connection.execute(text("""
                SELECT count(*) FROM sign_in_failures
                WHERE attempt = :attempt AND at > clock_timestamp() - make_interval(secs => :window)"""),
                                        {"attempt": attempt_key(attempt), "window": self.window_s}).scalar_one()
        return recent >= self.limit

    def failed(self, attempt: Hashable) -> None:
        with self.engine.begin() as connection:
            connection.execute(text("INSERT INTO sign_in_failures (attempt) VALUES (:attempt)"),
                               {"attempt": attempt_key(attempt)})
            # Rows out of the window count for nothing: each failure sweeps them (an index scan).
            connection.execute(text("DELETE FROM sign_in_failures WHERE at < clock_timestamp() - "
                                    "make_interval(secs => :window)"), {"window": self.window_s})

    def succeeded(self, attempt: Hashable) -> None:
        with self.engine.begin() as connection:
            connection.execute(text("DELETE FROM sign_in_failures WHERE attempt = :attempt"),
                               {"attempt": attempt_key(attempt)})
