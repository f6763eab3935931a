"""The events by report and by event id, both ways: the last two table orders that sorted every row.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

A table page sorted by source or by event id (``PostgisEventStore._rows``: ``ORDER BY source_name
COLLATE "C" ASC NULLS LAST, seq`` or ``DESC NULLS FIRST, seq``; the same for ``event_id``) sorted
every matching row of the wide events table: 6-23 s a page at 10M generated events for a broad
filter. Two indexes a column, word for word those orders (a tie keeps table order both ways, which
one index walked backwards would not), give a broad filter's page along the index, the filter
checked on the way; a narrow filter's rows are sorted as before (``INDEX_WALK_SHARE``), since
reports and ids run in blocks (one dataset, one period) a walk would pass. The existing
``events_event_id`` stays: it serves a detail card's lookup in the database's own collation.
Partitioned like the events: an import's partition gets all four when attached.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ORDERS = {"source": "source_name", "id": "event_id"}


def upgrade() -> None:
    for name, column in ORDERS.items():
        op.execute(f'CREATE INDEX events_{name}_first ON events (({column} COLLATE "C") ASC NULLS LAST, seq)')
        op.execute(f'CREATE INDEX events_{name}_last ON events (({column} COLLATE "C") DESC NULLS FIRST, seq)')


def downgrade() -> None:
    for name in reversed(ORDERS):
        op.execute(f"DROP INDEX events_{name}_last")
        op.execute(f"DROP INDEX events_{name}_first")
