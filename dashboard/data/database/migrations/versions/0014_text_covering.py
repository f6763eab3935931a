"""The facts by search text, covering, and each distinct text's count of facts.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

A text filter names the distinct texts that match (``event_texts``, trigram index) and then the
facts holding them: a hash join over every fact, each of a filter change's queries, 8.6 s a change
for a word 1.4 % of 10M generated events hold, 14.5 s for one 15 % hold (``python -m
bench.postgis_store --n 10000000 --each``). This B-tree on ``text_key`` carries the columns the
summary, the map cells and a table page read (those of 0008's covering point index), so the facts
of the matching texts are read from it alone: 0.33 s and 0.12 s for that rare word's summary and
cells (4.4 s and 3.0 s), 3.0 s and 0.75 s for the common one (6.6 s and 3.3 s). Partitioned like
the facts: an import's partition gets it when attached (1.4 GB at 10M).

``event_texts.facts`` counts each text's facts, so the store knows before it reads them how many a
search's texts hold: a word half the events hold, in two years, is read faster through the years
(the date indexes) than through the word (6.4 s against 1.7 s), and the store reads the smaller.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The columns of 0008's covering point index, as of that revision: the facet columns a filter tests
# and what the summary, the map's cells and a table page read.
COVERED_COLUMNS = ("dataset_key", "seq", "event_date", "last_day", "longitude", "latitude", "type_code", "synthetic",
                   "quantity_kg", "fatalities", "source_hash", "event_type", "country", "drug", "route_id",
                   "original_type", "original_subtype", "geo_precision")


def upgrade() -> None:
    op.execute(f"CREATE INDEX event_facts_text_covering ON event_facts (text_key) INCLUDE ({', '.join(COVERED_COLUMNS)})")
    op.execute("ALTER TABLE event_texts ADD COLUMN facts integer NOT NULL DEFAULT 0")
    connection = op.get_bind()
    for key in connection.execute(text("SELECT dataset_key FROM datasets ORDER BY dataset_key")).scalars():
        op.execute(text("""
            UPDATE event_texts SET facts = counted.facts
            FROM (SELECT text_key, count(*) AS facts FROM event_facts WHERE dataset_key = :key GROUP BY text_key) counted
            WHERE event_texts.dataset_key = :key AND event_texts.text_key = counted.text_key""").bindparams(key=key))


def downgrade() -> None:
    op.execute("ALTER TABLE event_texts DROP COLUMN facts")
    op.execute("DROP INDEX event_facts_text_covering")
