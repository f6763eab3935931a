"""The strip order (0018) carries ``text_key``: a search's box edge is read from the index alone.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

A search in a box reads its word's groups inside the box and the facts of the box's edge strips,
each checked against the search's matching texts (``text_key``). The strip order's B-tree carried
every column a summary reads but not ``text_key``, so for a search every strip fact was fetched from
the table: one page a fact. The VRAEM box's northern strip with "ayacucho" at 10M generated events
(144k facts, 145k pages read): 705-834 ms a statement, 148-155 ms with ``text_key`` carried (the
strip read from the index alone). The load run's searches in boxes spent most of their database
time there. Same key, same name; one more column (about 6 % larger: 1,503 MB at 10M, 21 s to build).
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Copies of this revision's store constants: a migration must not change when the store does.
STRIP_BAND_EXPRESSION = "floor(longitude / 0.01)"
COVERED_COLUMNS = ("dataset_key", "seq", "event_date", "last_day", "longitude", "type_code", "synthetic",
                   "quantity_kg", "fatalities", "source_hash", "event_type", "country", "drug", "route_id",
                   "original_type", "original_subtype", "geo_precision")


def _strip_order(columns: tuple[str, ...]) -> str:
    return (f"CREATE INDEX event_facts_strip_order ON event_facts (({STRIP_BAND_EXPRESSION}), latitude) "
            f"INCLUDE ({', '.join(columns)})")


def upgrade() -> None:
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # each partition's index sorted in memory
    op.execute("DROP INDEX event_facts_strip_order")
    op.execute(_strip_order((*COVERED_COLUMNS, "text_key")))


def downgrade() -> None:
    op.execute("DROP INDEX event_facts_strip_order")
    op.execute(_strip_order(COVERED_COLUMNS))
