"""Event days: the events per day and type alone, written at import.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

A filter change's table asks the matching events per day (the page by date at an offset, the
bisection for blank dates): a sum over ``event_rollup``'s groups, which also split each day by
country, drug, route and the source's own types (~290k groups for 1M generated events, 50-90 ms
for one event type, the largest query of a type pick). ``event_days`` holds per dataset, day,
last day and event type the events: what a filter of datasets, types and dates asks, in a few
groups per day. Partitioned by dataset as the other rollups; existing datasets get theirs here.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Word for word the loader's DAYS_FROM_FACTS (dashboard/data/database/loader.py) as of this revision.
DAYS_FROM_FACTS = """
    INSERT INTO {days} (dataset_key, event_date, last_day, type_code, event_type, events)
    SELECT dataset_key, event_date, last_day, type_code, event_type, count(*)
    FROM {facts}
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY event_date NULLS LAST, last_day"""


def upgrade() -> None:
    op.execute("""
        CREATE TABLE event_days (
            dataset_key integer NOT NULL,
            event_date date,
            last_day date,
            events bigint NOT NULL,
            type_code smallint NOT NULL,
            event_type text NOT NULL
        ) PARTITION BY LIST (dataset_key)""")
    op.execute("CREATE INDEX event_days_event_date ON event_days USING brin (event_date)")
    connection = op.get_bind()
    keys = connection.execute(text("SELECT dataset_key FROM datasets ORDER BY dataset_key")).scalars().all()
    for key in keys:
        key = int(key)  # partition names are made from integers, never from input
        if connection.execute(text("SELECT to_regclass(:table)"), {"table": f"event_facts_{key}"}).scalar() is None:
            continue
        op.execute(f"CREATE TABLE event_days_{key} (LIKE event_days INCLUDING DEFAULTS, CHECK (dataset_key = {key}))")
        op.execute(DAYS_FROM_FACTS.format(days=f"event_days_{key}", facts=f"event_facts_{key}"))
        op.execute(f"ALTER TABLE event_days ATTACH PARTITION event_days_{key} FOR VALUES IN ({key})")
        op.execute(f"ANALYZE event_days_{key}")


def downgrade() -> None:
    op.execute("DROP TABLE event_days")  # and every partition
