"""Event grid and a covering point index: a box's map cells and its edge read without the facts' rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

Measured at 1M generated events (``bench run``, one user): a box over the VRAEM took 4.7 s and a
map zoom 0.26 s, and under 20 users a box's median was 11.5 s. Two reads dominated:

- The map's cells finer than the rollups' (0.01-0.1 degrees, what a zoom of 8-10 asks) were
  counted from the facts in view: ~330k rows for the VRAEM. ``event_grid`` holds, per dataset,
  cell size (every size of ``CELL_SIZES``), cell and event type, the events: ~280k groups for 1M
  events, ~8k of them in the VRAEM at 0.05 degrees. The store reads it when a filter touches only
  datasets, event types and a box (a zoom, a type pick, a box); cells on a box's edge come from the
  facts, as with ``event_cells``.
- The facts on a box's edge (the strips between its edges and the cells inside it) were found
  through the point GiST and then read from the table: ~30k rows on ~19k pages (the facts are
  in date order), more than ``shared_buffers`` holds, for each of three questions. The point
  GiST now carries the columns those questions read (``INCLUDE``): an index-only scan reads the
  same rows from ~900 pages, the GiST's own spatial order. It replaces ``event_facts_point``
  (same key: every query that used it can use this one).

Partitioned by dataset as the facts: an import attaches its partition, a delete drops it.
Existing datasets get their grid here in the upgrade.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Word for word the loader's GRID_FROM_FACTS (dashboard/data/database/loader.py) and the store's
# GRID_CELL_SIZES (dashboard/data/store/postgis.py) as of this revision.
GRID_FROM_FACTS = """
    INSERT INTO {grid} (dataset_key, cell_deg, cell_x, cell_y, type_code, event_type, events)
    SELECT dataset_key, size, CAST(floor(longitude / size) AS bigint), CAST(floor(latitude / size) AS bigint),
           type_code, event_type, count(*)
    FROM {facts} CROSS JOIN unnest(CAST(:sizes AS float8[])) AS size
    WHERE latitude IS NOT NULL AND longitude IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 2, 3, 4"""
GRID_CELL_SIZES = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
# What the box questions read from the facts (filters the rollups answer, totals, timeline,
# breakdowns, cells, the heaviest points): an index-only scan needs every one.
COVERED_COLUMNS = ("dataset_key", "seq", "event_date", "last_day", "longitude", "latitude", "type_code", "synthetic",
                   "quantity_kg", "fatalities", "source_hash", "event_type", "country", "drug", "route_id",
                   "original_type", "original_subtype", "geo_precision")


def upgrade() -> None:
    op.execute("""
        CREATE TABLE event_grid (
            dataset_key integer NOT NULL,
            cell_deg double precision NOT NULL,
            cell_x bigint NOT NULL,
            cell_y bigint NOT NULL,
            events bigint NOT NULL,
            type_code smallint NOT NULL,
            event_type text NOT NULL
        ) PARTITION BY LIST (dataset_key)""")
    op.execute("CREATE INDEX event_grid_cell ON event_grid (cell_deg, cell_x, cell_y) "
               "INCLUDE (type_code, events, event_type, dataset_key)")
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the GiST sorted in memory
    op.execute(f"CREATE INDEX event_facts_point_covering ON event_facts USING gist (point(longitude, latitude)) "
               f"INCLUDE ({', '.join(COVERED_COLUMNS)})")
    op.execute("DROP INDEX event_facts_point")
    connection = op.get_bind()
    op.execute("SET LOCAL work_mem = '256MB'")  # the groups hashed in memory, not spilled
    keys = connection.execute(text("SELECT dataset_key FROM datasets ORDER BY dataset_key")).scalars().all()
    for key in keys:
        key = int(key)  # partition names are made from integers, never from input
        if connection.execute(text("SELECT to_regclass(:table)"), {"table": f"event_facts_{key}"}).scalar() is None:
            continue
        op.execute(f"CREATE TABLE event_grid_{key} (LIKE event_grid INCLUDING DEFAULTS, CHECK (dataset_key = {key}))")
        connection.execute(text(GRID_FROM_FACTS.format(grid=f"event_grid_{key}", facts=f"event_facts_{key}")),
                           {"sizes": list(GRID_CELL_SIZES)})
        op.execute(f"ALTER TABLE event_grid ATTACH PARTITION event_grid_{key} FOR VALUES IN ({key})")
        op.execute(f"ANALYZE event_grid_{key}")


def downgrade() -> None:
    op.execute("CREATE INDEX event_facts_point ON event_facts USING gist (point(longitude, latitude))")
    op.execute("DROP INDEX event_facts_point_covering")
    op.execute("DROP TABLE event_grid")  # and every partition
