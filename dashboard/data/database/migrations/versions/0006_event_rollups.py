"""Event rollups: counts and sums per month and grid cell, and per day, written at import.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

A filter change on the whole store, a few types, countries or a date range read every row of
``event_facts`` to count, sum and bin them: 4.8 s median at 10M events. Most such filters touch
only the dataset, the dates and the value facets of the registry (type, country, route, drug, the
source's own types), so the loader also writes, in the import's transaction, the groups those
questions need; the store reads the groups instead of the rows when a filter touches nothing else.

- ``event_cells``: per dataset, month of ``event_date``, month of ``last_day``, value-facet
  columns, cell size and cell: the events, the generated ones, the sums of fatalities, kg and
  positive kg, the rows naming a report (``source_hash`` not null; the distinct reports are
  counted from the facts when there are any), the first and last ``event_date`` and the last
  ``last_day``. Size 0 is one cell holding every event, placed or not: ~30k groups for 10M
  generated events, which answer the count, totals, month and year timeline, breakdowns by a
  value facet, kg per year, the timeline's unit, the date extent and facet options. The other
  sizes (``ROLLUP_CELL_SIZES``, the coarse ones the map asks when the events are too many to draw)
  answer the map's cells, and 1 degree a box's totals: from the cells inside it, the facts of the
  cells on its edge (``event_facts_point``, a GiST on the facts' points). Cells are
  ``floor(latitude / size)`` in double precision, as the store computes them. A date filter reads
  the months certainly inside from here and the rows of its two bounds' months from the facts
  (BRIN), so every answer stays exact.
- ``event_rollup``: per dataset, ``event_date``, ``last_day`` and value-facet columns, the same
  sums: the timeline by day and week (a filter of two years or less) without a box.
- Partitioned by dataset as the facts: an import attaches its partitions, a delete drops them.

The rows of ``event_facts`` naming a report get a partial index (the distinct-report count reads
only them). Existing datasets are rolled up here in the upgrade.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Word for word the loader's ROLLUP_FROM_FACTS and CELLS_FROM_FACTS (dashboard/data/database/loader.py)
# and the store's ROLLUP_CELL_SIZES (dashboard/data/store/postgis.py) as of this revision.
ROLLUP_FROM_FACTS = """
    INSERT INTO {rollup} (dataset_key, event_date, last_day, type_code, event_type, country, drug, route_id,
                          original_type, original_subtype, events, synthetic, fatalities, kg, kg_held, sourced)
    SELECT dataset_key, event_date, last_day, type_code, event_type, country, drug, route_id,
           original_type, original_subtype, count(*), count(*) FILTER (WHERE synthetic), sum(fatalities),
           sum(quantity_kg), sum(quantity_kg) FILTER (WHERE quantity_kg > 0), count(source_hash)
    FROM {facts}
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
    ORDER BY event_date NULLS LAST, last_day"""
CELLS_FROM_FACTS = """
    INSERT INTO {cells} (dataset_key, cell_deg, first_month, last_month, type_code, event_type, country, drug,
                         route_id, original_type, original_subtype, cell_y, cell_x, events, synthetic, fatalities,
                         kg, kg_held, sourced, first_day, last_start, last_end)
    SELECT dataset_key, size, CAST(date_trunc('month', event_date) AS date),
           CAST(date_trunc('month', last_day) AS date), type_code, event_type, country, drug, route_id,
           original_type, original_subtype,
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(latitude / size) AS bigint) END,
           CASE WHEN size = 0 THEN 0 ELSE CAST(floor(longitude / size) AS bigint) END,
           count(*), count(*) FILTER (WHERE synthetic), sum(fatalities), sum(quantity_kg),
           sum(quantity_kg) FILTER (WHERE quantity_kg > 0), count(source_hash), min(event_date), max(event_date),
           max(last_day)
    FROM {facts} CROSS JOIN (SELECT CAST(:size AS float8) AS size) AS asked
    WHERE size = 0 OR latitude IS NOT NULL AND longitude IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
    ORDER BY 3"""
# 0: one cell holding every event, placed or not (the groups per month alone).
ROLLUP_CELL_SIZES = (0.0, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def upgrade() -> None:
    op.execute("""
        CREATE TABLE event_rollup (
            dataset_key integer NOT NULL,
            event_date date,
            last_day date,
            events bigint NOT NULL,
            synthetic bigint NOT NULL,
            sourced bigint NOT NULL,
            fatalities double precision,
            kg double precision,
            kg_held double precision,
            type_code smallint NOT NULL,
            event_type text NOT NULL,
            country text,
            drug text,
            route_id text,
            original_type text,
            original_subtype text
        ) PARTITION BY LIST (dataset_key)""")
    op.execute("CREATE INDEX event_rollup_event_date ON event_rollup USING brin (event_date)")
    op.execute("""
        CREATE TABLE event_cells (
            dataset_key integer NOT NULL,
            cell_deg double precision NOT NULL,
            first_month date,
            last_month date,
            cell_y bigint NOT NULL,
            cell_x bigint NOT NULL,
            events bigint NOT NULL,
            synthetic bigint NOT NULL,
            sourced bigint NOT NULL,
            fatalities double precision,
            kg double precision,
            kg_held double precision,
            first_day date,
            last_start date,
            last_end date,
            type_code smallint NOT NULL,
            event_type text NOT NULL,
            country text,
            drug text,
            route_id text,
            original_type text,
            original_subtype text
        ) PARTITION BY LIST (dataset_key)""")
    # Rows are written size by size, months ascending: one size's rows are a few block ranges.
    op.execute("CREATE INDEX event_cells_cell_deg ON event_cells USING brin (cell_deg, first_month)")
    op.execute("CREATE INDEX event_facts_sourced ON event_facts (source_hash) WHERE source_hash IS NOT NULL")
    # A box's edge: the facts in the strips between its edges and the cells inside it.
    op.execute("CREATE INDEX event_facts_point ON event_facts USING gist (point(longitude, latitude))")
    connection = op.get_bind()
    op.execute("SET LOCAL work_mem = '256MB'")  # the groups of 10M events hashed in memory, not spilled
    keys = connection.execute(text("SELECT dataset_key FROM datasets ORDER BY dataset_key")).scalars().all()
    for key in keys:
        key = int(key)  # partition names are made from integers, never from input
        if connection.execute(text("SELECT to_regclass(:table)"), {"table": f"event_facts_{key}"}).scalar() is None:
            continue
        for table in ("event_rollup", "event_cells"):
            op.execute(f"CREATE TABLE {table}_{key} (LIKE {table} INCLUDING DEFAULTS, CHECK (dataset_key = {key}))")
        op.execute(ROLLUP_FROM_FACTS.format(rollup=f"event_rollup_{key}", facts=f"event_facts_{key}"))
        for size in ROLLUP_CELL_SIZES:  # one size at a time: its groups hashed in memory, not sorted on disk
            connection.execute(text(CELLS_FROM_FACTS.format(cells=f"event_cells_{key}", facts=f"event_facts_{key}")),
                               {"size": size})
        for table in ("event_rollup", "event_cells"):
            op.execute(f"ALTER TABLE {table} ATTACH PARTITION {table}_{key} FOR VALUES IN ({key})")
            op.execute(f"ANALYZE {table}_{key}")


def downgrade() -> None:
    op.execute("DROP INDEX event_facts_point")
    op.execute("DROP INDEX event_facts_sourced")
    op.execute("DROP TABLE event_cells")  # and every partition
    op.execute("DROP TABLE event_rollup")
