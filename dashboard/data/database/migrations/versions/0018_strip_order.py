"""The facts in strip order: by band of longitude, then by latitude, for a box's edge.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

A box's totals, timeline and breakdowns read the facts of its edge: the strips between the box's
edges and its inner cells (``PostgisEventStore._split``), read through the covering point GiST
(0008). On dense places that GiST's pages hold a strip's points scattered: the VRAEM box's northern
strip at 10M generated events (193k facts, 0.71 x 0.15 degrees) took 199-274 ms to count. A B-tree
on (band of 0.01 degrees of longitude, latitude), carrying the same columns, reads a strip as one
latitude range in each band it crosses (an array of bands: one descent each): 58-60 ms. The
expression is word for word the store's ``STRIP_BAND_EXPRESSION``. Partitioned like the facts: an
import's partition gets it when attached.
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Copies of this revision's store constants: a migration must not change when the store does.
STRIP_BAND_EXPRESSION = "floor(longitude / 0.01)"
COVERED_COLUMNS = ("dataset_key", "seq", "event_date", "last_day", "longitude", "type_code", "synthetic",
                   "quantity_kg", "fatalities", "source_hash", "event_type", "country", "drug", "route_id",
                   "original_type", "original_subtype", "geo_precision")


def upgrade() -> None:
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # each partition's index sorted in memory
    op.execute(f"CREATE INDEX event_facts_strip_order ON event_facts (({STRIP_BAND_EXPRESSION}), latitude) "
               f"INCLUDE ({', '.join(COVERED_COLUMNS)})")


def downgrade() -> None:
    op.execute("DROP INDEX event_facts_strip_order")
