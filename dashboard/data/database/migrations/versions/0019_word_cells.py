"""Searches for the place names many events carry, answered from groups: ``event_word_cells``.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

A search reads the facts of its matching texts (0014): about 0.7 µs a fact, so a place name one
event in seven names at 10M generated events ("callao", 1.5M facts) took 1.2 s a change through
the app, summary and map cells; no index makes a read of 1.5M rows fast. A place's events are
few groups, though: callao's 1.5M facts are 10.9k groups of ``event_cells``' columns at 0.2
degrees. So *place words* (the words of a dataset's events' location, admin1 and admin2, folded
as the search folds, of at least three characters, that at least ``WORD_MIN_EVENTS`` of its
events carry: a place a reader searches for by name) get their own groups, those of
``event_cells`` split by the word: a group holds the facts whose search text holds the word (the
search's own test, ``LIKE '%word%'``, so the groups answer that search exactly, whatever else
the text holds).

- ``event_word_cells``: ``event_cells``' columns and ``word``; every cell size of the monthly
  rollups; kept by word, cell size, year and cell (``CLUSTER``), a B-tree on (word, cell size,
  cell) finding a word's box.
- ``event_words``: the words a dataset's groups were written for and the facts each names. The
  words are the deployment's: a word one dataset's places make one gets groups in every dataset
  (none where its facts lack it), so a search over several datasets reads groups in each; a search
  uses them when every dataset it reads has a row for its word.

Existing datasets get theirs here (their events' places read once, each word's facts once; 11 min 42 s
for 10M generated events).
"""

from __future__ import annotations

import re

from alembic import op
from sqlalchemy import text

from dashboard.data.text import fold_text

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Copies of the loader's and the store's at this revision: a migration must not change when they do.
WORD_MIN_EVENTS = 100_000
WORD_MIN_LENGTH = 3
ROLLUP_CELL_SIZES = (0.0, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
PLACES_OF_EVENTS = "SELECT location, admin1, admin2, count(*) FROM {events} GROUP BY 1, 2, 3"
WORD_CELLS_FROM_FACTS = """
    INSERT INTO {cells} (dataset_key, cell_deg, first_month, last_month, type_code, event_type, country, drug,
                         route_id, original_type, original_subtype, word, cell_y, cell_x,
                         events, synthetic, fatalities, kg, kg_held, sourced, first_day, last_start, last_end)
    SELECT dataset_key, size, CAST(date_trunc('month', event_date) AS date),
           CAST(date_trunc('month', last_day) AS date), type_code, event_type, country, drug, route_id,
           original_type, original_subtype, CAST(:word AS text),
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(latitude / size) AS bigint) END,
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(longitude / size) AS bigint) END,
           count(*), count(*) FILTER (WHERE synthetic), sum(fatalities), sum(quantity_kg),
           sum(quantity_kg) FILTER (WHERE quantity_kg > 0), count(source_hash), min(event_date), max(event_date),
           max(last_day)
    FROM {facts} CROSS JOIN unnest(CAST(:sizes AS float8[])) AS size
    WHERE text_key IN (SELECT text_key FROM {texts} WHERE search_text LIKE :pattern) AND (size = 0 OR latitude IS NOT NULL AND longitude IS NOT NULL)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14"""
WORD_ROW_ORDER = "(word, cell_deg, extract(year FROM first_month), cell_x, cell_y, first_month)"


def place_words(places, min_events: int) -> list[str]:
    counted: dict[str, int] = {}
    for *names, events in places:
        for word in set(re.findall(r"[^\W_]+", fold_text(" ".join(n for n in names if n)))):
            if len(word) >= WORD_MIN_LENGTH:
                counted[word] = counted.get(word, 0) + int(events)
    return sorted(word for word, events in counted.items() if events >= min_events)


def like_pattern(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def upgrade() -> None:
    op.execute("""
        CREATE TABLE event_word_cells (
            LIKE event_cells INCLUDING DEFAULTS,  -- its columns as of 0006, then the word
            word text NOT NULL
        ) PARTITION BY LIST (dataset_key)""")
    op.execute("CREATE INDEX event_word_cells_box ON event_word_cells (word, cell_deg, cell_x, cell_y)")
    op.execute("""
        CREATE TABLE event_words (
            dataset_key integer NOT NULL,
            word text NOT NULL,
            facts bigint NOT NULL,
            PRIMARY KEY (dataset_key, word)
        )""")
    connection = op.get_bind()
    op.execute("SET LOCAL work_mem = '256MB'")
    keys = [int(key) for key in connection.execute(text("SELECT dataset_key FROM datasets ORDER BY dataset_key")).scalars()
            if connection.execute(text("SELECT to_regclass(:table)"), {"table": f"event_facts_{int(key)}"}).scalar()]
    words: set[str] = set()  # the deployment's: a word one dataset's places make one, every dataset gets
    for key in keys:  # partition names are made from integers, never from input
        words |= set(place_words(connection.execute(text(PLACES_OF_EVENTS.format(events=f"events_{key}"))).all(),
                                 WORD_MIN_EVENTS))
    for key in keys:
        cells = f"event_word_cells_{key}"
        op.execute(f"CREATE TABLE {cells} (LIKE event_word_cells INCLUDING DEFAULTS, CHECK (dataset_key = {key}))")
        for word in sorted(words):
            pattern = like_pattern(word)
            facts = connection.execute(text(f"SELECT COALESCE(sum(facts), 0) FROM event_texts_{key} "
                                            "WHERE search_text LIKE :pattern"), {"pattern": pattern}).scalar_one()
            connection.execute(text("INSERT INTO event_words (dataset_key, word, facts) VALUES (:key, :word, :facts)"),
                               {"key": key, "word": word, "facts": int(facts)})
            if facts:
                connection.execute(text(WORD_CELLS_FROM_FACTS.format(cells=cells, facts=f"event_facts_{key}",
                                                                     texts=f"event_texts_{key}")),
                                   {"word": word, "sizes": list(ROLLUP_CELL_SIZES), "pattern": pattern})
        op.execute(f"CREATE INDEX {cells}_row_order ON {cells} {WORD_ROW_ORDER}")
        op.execute(f"CLUSTER {cells} USING {cells}_row_order")
        op.execute(f"ALTER TABLE event_word_cells ATTACH PARTITION {cells} FOR VALUES IN ({key})")
        op.execute(f"ANALYZE {cells}")


def downgrade() -> None:
    op.execute("DROP TABLE event_words")
    op.execute("DROP TABLE event_word_cells")  # and every partition
