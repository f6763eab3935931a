"""Event names: each dataset's distinct actor names and region values, written at import.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

The actor and region filters offer the names the shown datasets hold. They were read with a
``DISTINCT`` over the wide ``events`` table (every actor array, every ``admin1``), which at 10M
events is a scan of the whole table when the page is first drawn after an import. ``event_names``
holds each dataset's distinct names once (``kind`` 'actor': an actor's name as written; 'region':
an ``admin1`` value as written, which the store splits on ';' as before). Partitioned by dataset
like the events: an import attaches its partition, a delete drops it. Existing datasets are read
here in the upgrade.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Word for word the loader's NAMES_FROM_EVENTS (dashboard/data/database/loader.py) as of this revision.
NAMES_FROM_EVENTS = """
    INSERT INTO {names} (dataset_key, kind, name)
    SELECT dataset_key, 'actor', unnest(actors) FROM {events}
    UNION
    SELECT dataset_key, 'region', admin1 FROM {events} WHERE admin1 IS NOT NULL"""


def upgrade() -> None:
    op.execute("""
        CREATE TABLE event_names (
            dataset_key integer NOT NULL,
            kind text NOT NULL,
            name text NOT NULL
        ) PARTITION BY LIST (dataset_key)""")
    connection = op.get_bind()
    keys = connection.execute(text("SELECT dataset_key FROM datasets ORDER BY dataset_key")).scalars().all()
    for key in keys:
        key = int(key)  # partition names are made from integers, never from input
        if connection.execute(text("SELECT to_regclass(:table)"), {"table": f"events_{key}"}).scalar() is None:
            continue
        op.execute(f"CREATE TABLE event_names_{key} (LIKE event_names, CHECK (dataset_key = {key}))")
        op.execute(NAMES_FROM_EVENTS.format(names=f"event_names_{key}", events=f"events_{key}"))
        op.execute(f"ALTER TABLE event_names ATTACH PARTITION event_names_{key} FOR VALUES IN ({key})")


def downgrade() -> None:
    op.execute("DROP TABLE event_names")  # and every partition
