"""Event kg cells: event_cells' groups split by a band of the events' seized kg, written at import.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

A kg bound (``kg_min``/``kg_max``: "seizures of 100 kg or more") was answered from the facts: at
10M generated events 4.8 s a filter change (``python -m bench.postgis_store --n 10000000``).
``event_kg_cells`` holds ``event_cells``' groups (per month, value-facet columns and cell, at every
rollup cell size) split further by ``kg_band``: the events' ``width_bucket`` over the store's
``KG_BANDS`` (0, 1, 10, 50, 100, 500 … kg; unknown kg: no band). A bound on a band's edge selects
whole groups; a bound inside a band reads that band's events from the facts, as a date bound's month
is read. Seizures spread over a few bands, so the groups stay a small multiple of ``event_cells``'.

Partitioned by dataset as the other rollups; existing datasets get theirs here.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Word for word the loader's KG_CELLS_FROM_FACTS (dashboard/data/database/loader.py) and the
# store's ROLLUP_CELL_SIZES and KG_BANDS as of this revision.
KG_CELLS_FROM_FACTS = """
    INSERT INTO {cells} (dataset_key, cell_deg, first_month, last_month, type_code, event_type, country, drug,
                         route_id, original_type, original_subtype, kg_band, cell_y, cell_x,
                         events, synthetic, fatalities, kg, kg_held, sourced, first_day, last_start, last_end)
    SELECT dataset_key, size, CAST(date_trunc('month', event_date) AS date),
           CAST(date_trunc('month', last_day) AS date), type_code, event_type, country, drug, route_id,
           original_type, original_subtype, width_bucket(quantity_kg, CAST(:kg_bands AS float8[])),
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(latitude / size) AS bigint) END,
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(longitude / size) AS bigint) END,
           count(*), count(*) FILTER (WHERE synthetic), sum(fatalities), sum(quantity_kg),
           sum(quantity_kg) FILTER (WHERE quantity_kg > 0), count(source_hash), min(event_date), max(event_date),
           max(last_day)
    FROM {facts} CROSS JOIN (SELECT CAST(:size AS float8) AS size) AS asked
    WHERE size = 0 OR latitude IS NOT NULL AND longitude IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
    ORDER BY 3"""
ROLLUP_CELL_SIZES = (0.0, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
KG_BANDS = (0.0, 1.0, 10.0, 50.0, 100.0, 500.0, 1_000.0, 5_000.0, 10_000.0, 50_000.0)


def upgrade() -> None:
    op.execute("""
        CREATE TABLE event_kg_cells (
            LIKE event_cells INCLUDING DEFAULTS,  -- its columns as of 0006, then the split
            kg_band integer
        ) PARTITION BY LIST (dataset_key)""")
    # Rows are written size by size, months ascending: one size's rows are a few block ranges.
    op.execute("CREATE INDEX event_kg_cells_cell_deg ON event_kg_cells USING brin (cell_deg, first_month)")
    connection = op.get_bind()
    op.execute("SET LOCAL work_mem = '256MB'")  # the groups of 10M events hashed in memory, not spilled
    keys = connection.execute(text("SELECT dataset_key FROM datasets ORDER BY dataset_key")).scalars().all()
    for key in keys:
        key = int(key)  # partition names are made from integers, never from input
        if connection.execute(text("SELECT to_regclass(:table)"), {"table": f"event_facts_{key}"}).scalar() is None:
            continue
        op.execute(f"CREATE TABLE event_kg_cells_{key} (LIKE event_kg_cells INCLUDING DEFAULTS, "
                   f"CHECK (dataset_key = {key}))")
        for size in ROLLUP_CELL_SIZES:  # one size at a time: its groups hashed in memory, not sorted on disk
            connection.execute(text(KG_CELLS_FROM_FACTS.format(cells=f"event_kg_cells_{key}", facts=f"event_facts_{key}")),
                               {"size": size, "kg_bands": list(KG_BANDS)})
        op.execute(f"ALTER TABLE event_kg_cells ATTACH PARTITION event_kg_cells_{key} FOR VALUES IN ({key})")
        op.execute(f"ANALYZE event_kg_cells_{key}")


def downgrade() -> None:
    op.execute("DROP TABLE event_kg_cells")  # and every partition
