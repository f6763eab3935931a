"""The search words a shared deployment keeps groups for (``python -m dashboard db words``).

A search for a place word is summed from groups by itself (migration 0019). Any other word is read
from its facts, about 0.7 µs each: at 10M generated events "cocaine" took 0.9–1.2 s a change. An
admin whose readers search such a word often keeps groups for it, as one keeps an index: every
dataset gets the word's groups (``event_word_cells``) and row (``event_words``) in one transaction,
each later import writes them too, and the store reads them as a place word's. ``search_words``
(0020) remembers the words asked for, so they outlive the datasets that hold them.

A kept word costs what a place word costs: about a copy of ``event_cells`` for a word nearly
every event holds. :func:`word_list` shows each word's facts and groups; :func:`drop_words` drops
them (a place word comes back with the next import whose places make it one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text

from ..filters import MAX_TEXT_QUERY
from ..store.postgis import WORD_MIN_LENGTH
from ..text import fold_text
from .engine import engine_for
from .loader import TWINS_LOCK_KEY, vacuum_word_cells, word_partitions, write_word


class SearchWordError(ValueError):
    """A word that cannot be kept or dropped; the message names it."""


@dataclass(frozen=True)
class SearchWord:
    """One word with groups: kept by an admin (else a place word), the facts its search matches in
    every dataset, and its groups (rows of ``event_word_cells``)."""

    word: str
    kept: bool
    facts: int
    groups: int


def search_word(asked: str) -> str:
    """``asked`` as the store compares a search with its words: folded as the search folds, white
    space at its ends removed (the search box's text is trimmed so). A phrase ("armed clash") is one.

    Raises
    ------
    SearchWordError
        Shorter than :data:`~dashboard.data.store.postgis.WORD_MIN_LENGTH` characters, longer
        than a search keeps (:data:`~dashboard.data.filters.MAX_TEXT_QUERY`), or holding a line
        break or control character (a search box holds one line).
    """
    word = fold_text(asked).strip()
    if not WORD_MIN_LENGTH <= len(word) <= MAX_TEXT_QUERY:
        raise SearchWordError(f"{asked!r}: a search word has {WORD_MIN_LENGTH} to {MAX_TEXT_QUERY} characters")
    if any(not character.isprintable() for character in word):
        raise SearchWordError(f"{asked!r}: a search word is one line of printable characters")
    return word


def _bump_version(connection: Connection) -> None:
    """Every worker's store sees other groups: the data version moves (its triggers watch the
    datasets and events, not the words)."""
    connection.execute(text("UPDATE data_version SET version = version + 1"))


def keep_words(url: str, asked: Iterable[str]) -> list[tuple[str, int]]:
    """Keep groups for each word in every dataset, in one transaction (all of them or, on any
    error, none), under the imports' twins lock (an import at the same time waits, then writes them
    too). A word held already (kept, or a place word) is written again nowhere.

    Returns
    -------
    list[tuple[str, int]]
        Each word and the facts its groups were written for now (0: held already or matched by none).
    """
    words = sorted({search_word(word) for word in asked})
    engine = engine_for(url)
    written: list[tuple[str, int]] = []
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TWINS_LOCK_KEY})
        connection.execute(text("SET LOCAL work_mem = '256MB'"))
        partitions = word_partitions(connection)
        for word in words:
            connection.execute(text("INSERT INTO search_words (word) VALUES (:word) ON CONFLICT DO NOTHING"),
                               {"word": word})
            held = set(connection.execute(text("SELECT dataset_key FROM event_words WHERE word = :word"),
                                          {"word": word}).scalars())
            facts = sum(write_word(connection, key, partition, word) for key, partition in partitions
                        if key not in held)
            written.append((word, facts))
        _bump_version(connection)
    vacuum_word_cells(engine, [key for key, _ in partitions])
    return written


def drop_words(url: str, asked: Iterable[str]) -> list[str]:
    """Drop each word's groups and rows in every dataset, and forget it, in one transaction.

    Raises
    ------
    SearchWordError
        A word with no groups and not kept (nothing is dropped then).
    """
    words = sorted({search_word(word) for word in asked})
    with engine_for(url).begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TWINS_LOCK_KEY})
        held = set(connection.execute(text("SELECT word FROM event_words WHERE word = ANY(:words) "
                                           "UNION SELECT word FROM search_words WHERE word = ANY(:words)"),
                                      {"words": words}).scalars())
        unknown = [word for word in words if word not in held]
        if unknown:
            raise SearchWordError(f"no groups are kept for {', '.join(map(repr, unknown))} "
                                  "(python -m dashboard db words list)")
        for table in ("event_word_cells", "event_words", "search_words"):
            connection.execute(text(f"DELETE FROM {table} WHERE word = ANY(:words)"), {"words": words})
        _bump_version(connection)
    return words


def word_list(url: str) -> list[SearchWord]:
    """Every word with groups or kept, alphabetically."""
    with engine_for(url).connect() as connection:
        rows = connection.execute(text("""
            SELECT word, bool_or(kept), sum(facts), sum(groups) FROM (
                SELECT word, false AS kept, facts, 0 AS groups FROM event_words
                UNION ALL SELECT word, true, 0, 0 FROM search_words
                UNION ALL SELECT word, false, 0, count(*) FROM event_word_cells GROUP BY word) found
            GROUP BY word ORDER BY word""")).all()
    return [SearchWord(str(word), bool(kept), int(facts), int(groups)) for word, kept, facts, groups in rows]
