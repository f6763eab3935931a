"""Event name cells: event_cells' groups split by the events' actor and region keys, written at import.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

An actor or a region filter was answered from the facts: each of a filter change's questions (the
summary, the map's cells) read every fact of the datasets in scope, 7.5-9.6 s at 10M generated
events (``python -m bench.postgis_store --n 10000000``). ``event_name_cells`` holds
``event_cells``' groups (per month, value-facet columns and cell, at every rollup cell size) split
further by the events' ``actor_keys`` and ``region_keys`` arrays, the same arrays the facts hold.
An event matches an actor or a region filter by its arrays alone, so a group's events all match or
none does: the filter's ``actor_keys && …`` test is exact on the groups, for any number of names,
and the sums are the facts' (no event counted twice). Events of one place and type name a few
actor sets, so the groups stay a small multiple of ``event_cells``'.

Partitioned by dataset as the other rollups; existing datasets get theirs here.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Word for word the loader's NAME_CELLS_FROM_FACTS (dashboard/data/database/loader.py) and the
# store's ROLLUP_CELL_SIZES as of this revision.
NAME_CELLS_FROM_FACTS = """
    INSERT INTO {cells} (dataset_key, cell_deg, first_month, last_month, type_code, event_type, country, drug,
                         route_id, original_type, original_subtype, actor_keys, region_keys, cell_y, cell_x,
                         events, synthetic, fatalities, kg, kg_held, sourced, first_day, last_start, last_end)
    SELECT dataset_key, size, CAST(date_trunc('month', event_date) AS date),
           CAST(date_trunc('month', last_day) AS date), type_code, event_type, country, drug, route_id,
           original_type, original_subtype, actor_keys, region_keys,
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(latitude / size) AS bigint) END,
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(longitude / size) AS bigint) END,
           count(*), count(*) FILTER (WHERE synthetic), sum(fatalities), sum(quantity_kg),
           sum(quantity_kg) FILTER (WHERE quantity_kg > 0), count(source_hash), min(event_date), max(event_date),
           max(last_day)
    FROM {facts} CROSS JOIN (SELECT CAST(:size AS float8) AS size) AS asked
    WHERE size = 0 OR latitude IS NOT NULL AND longitude IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    ORDER BY 3"""
ROLLUP_CELL_SIZES = (0.0, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def upgrade() -> None:
    op.execute("""
        CREATE TABLE event_name_cells (
            LIKE event_cells INCLUDING DEFAULTS,  -- its columns as of 0006, then the split
            actor_keys bigint[] NOT NULL,
            region_keys bigint[] NOT NULL
        ) PARTITION BY LIST (dataset_key)""")
    # Rows are written size by size, months ascending: one size's rows are a few block ranges.
    op.execute("CREATE INDEX event_name_cells_cell_deg ON event_name_cells USING brin (cell_deg, first_month)")
    connection = op.get_bind()
    op.execute("SET LOCAL work_mem = '256MB'")  # the groups of 10M events hashed in memory, not spilled
    keys = connection.execute(text("SELECT dataset_key FROM datasets ORDER BY dataset_key")).scalars().all()
    for key in keys:
        key = int(key)  # partition names are made from integers, never from input
        if connection.execute(text("SELECT to_regclass(:table)"), {"table": f"event_facts_{key}"}).scalar() is None:
            continue
        op.execute(f"CREATE TABLE event_name_cells_{key} (LIKE event_name_cells INCLUDING DEFAULTS, "
                   f"CHECK (dataset_key = {key}))")
        for size in ROLLUP_CELL_SIZES:  # one size at a time: its groups hashed in memory, not sorted on disk
            connection.execute(text(NAME_CELLS_FROM_FACTS.format(cells=f"event_name_cells_{key}",
                                                                 facts=f"event_facts_{key}")), {"size": size})
        op.execute(f"ALTER TABLE event_name_cells ATTACH PARTITION event_name_cells_{key} FOR VALUES IN ({key})")
        op.execute(f"ANALYZE event_name_cells_{key}")


def downgrade() -> None:
    op.execute("DROP TABLE event_name_cells")  # and every partition
