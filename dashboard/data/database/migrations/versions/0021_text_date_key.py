"""The facts by search text, then by date: ``event_facts_text_covering`` keyed (text_key, event_date).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

A search's table page in date order is bounded by the days of its rows (the search's summary's
counts), and is read through the covering text index (0014) when the search is narrow. That index
was keyed by ``text_key`` alone, so the page's days were a filter: every fact of every matching text
was read to keep a month's. At 10M generated events "clash" (375k facts in 6,079 texts): 78–171 ms
a page statement, four a change. Keyed (text_key, event_date), each text's facts of those days are a
range of the index: 41–57 ms (warm) for the same statement. A search with a date filter reads only
its days' facts the same way. Same columns, same name; ~25 s to build at 10M.
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# 0014's covered columns, as of that revision, event_date now in the key.
INCLUDED_COLUMNS = ("dataset_key", "seq", "last_day", "longitude", "latitude", "type_code", "synthetic",
                    "quantity_kg", "fatalities", "source_hash", "event_type", "country", "drug", "route_id",
                    "original_type", "original_subtype", "geo_precision")


def upgrade() -> None:
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # each partition's index sorted in memory
    op.execute("DROP INDEX event_facts_text_covering")
    op.execute(f"CREATE INDEX event_facts_text_covering ON event_facts (text_key, event_date) "
               f"INCLUDE ({', '.join(INCLUDED_COLUMNS)})")


def downgrade() -> None:
    op.execute("DROP INDEX event_facts_text_covering")
    op.execute(f"CREATE INDEX event_facts_text_covering ON event_facts (text_key) "
               f"INCLUDE (event_date, {', '.join(INCLUDED_COLUMNS)})")
