"""Event facts: a narrow copy of the columns the aggregates read, beside the wide events table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

Every aggregate (counts, totals, timeline, breakdowns, grid cells, the heaviest points, a table
page's order) scanned ``events``, whose rows average ~940 bytes (summary, folded search text,
actor arrays, geometry): at 1M events a cold filter change took 1.3-2.9 s, almost all of it reading
rows. ``event_facts`` holds, per event, only what those queries filter, group or sort on, ~100
bytes a row, under the same column names, so the filter → SQL generation serves both tables.
``events`` stays the record: detail cards, table cells, the text search, the actor-group breakdown
and facet options, the nearest-point look-up (GiST).

- ``type_code`` is the event type's position in ``EVENT_TYPES`` (``twin_kind // 2``, which the
  loader already writes from the same list): grouping on a smallint, not text.
- ``actor_keys`` and ``region_keys`` are 64-bit hashes (``hashtextextended``, stable across
  PostgreSQL versions: hash partitioning relies on it) of the names the actor filter compares
  (folded actor names and actor group keys) and of the folded region names: the filters compare
  hashes of the wanted names with ``&&``, ~40 bytes a row instead of the ~150 of the text arrays
  (two names share a hash with a chance of about n² / 2⁶⁵, as the reports' ``source_hash``).
- ``text_key`` is the hash of the row's ``search_text``; ``event_texts`` holds each dataset's
  distinct search texts once with a trigram index: a text search reads the distinct texts (38k
  for 1M generated events) and keeps the facts whose key is among the matches, instead of reading
  every wide row.
- Partitioned by dataset like ``events``: an import attaches its partitions, a delete drops them.
- BRIN on the dates (rows are written in date order) and the table's default order and the
  heaviest first as B-trees, so a date filter reads a few block ranges and the first table page
  reads one index page.

Existing datasets are copied here in the upgrade.

Two indexes the docstring of 0001 describes were lost from its code when a covering index was
backed out before release, and come back here: the twin-segment GiST (without it each row of an
import scans the other datasets for twins) and the trigram index, now on ``event_texts``.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Word for word the loader's FACTS_FROM_EVENTS (dashboard/data/database/loader.py) as of this revision.
FACTS_FROM_EVENTS = """
    INSERT INTO {facts} (dataset_key, seq, event_date, last_day, latitude, longitude, quantity_kg, fatalities,
                         source_hash, type_code, synthetic, event_type, drug, country, geo_precision, route_id,
                         location, original_type, original_subtype, actor_keys, region_keys, text_key)
    SELECT dataset_key, seq, event_date, last_day, latitude, longitude, quantity_kg, fatalities,
           source_hash, CAST(twin_kind / 2 AS smallint), synthetic, event_type, drug, country, geo_precision, route_id,
           location, original_type, original_subtype,
           ARRAY(SELECT hashtextextended(name, 0) FROM unnest(actors_folded || actor_groups) AS name),
           ARRAY(SELECT hashtextextended(name, 0) FROM unnest(regions_folded) AS name),
           hashtextextended(search_text, 0)
    FROM {events}"""
TEXTS_FROM_EVENTS = """
    INSERT INTO {texts} (dataset_key, text_key, search_text)
    SELECT DISTINCT dataset_key, hashtextextended(search_text, 0), search_text FROM {events}"""


def upgrade() -> None:
    # Fixed-width columns first (aligned, and read without walking past any text), text last.
    op.execute("""
        CREATE TABLE event_facts (
            dataset_key integer NOT NULL,
            seq bigint NOT NULL,
            event_date date,
            last_day date,
            latitude double precision,
            longitude double precision,
            quantity_kg double precision,
            fatalities double precision,
            source_hash bigint,
            text_key bigint NOT NULL,
            type_code smallint NOT NULL,
            synthetic boolean NOT NULL,
            event_type text NOT NULL,
            drug text,
            country text,
            geo_precision text,
            route_id text,
            location text,
            original_type text,
            original_subtype text,
            actor_keys bigint[] NOT NULL,
            region_keys bigint[] NOT NULL,
            PRIMARY KEY (dataset_key, seq)
        ) PARTITION BY LIST (dataset_key)""")
    op.execute("CREATE INDEX event_facts_event_date ON event_facts USING brin (event_date)")
    op.execute("CREATE INDEX event_facts_last_day ON event_facts USING brin (last_day)")
    op.execute("CREATE INDEX event_facts_newest_first ON event_facts (event_date DESC NULLS FIRST, seq)")
    # Largest seizures first, the table's other common order (1M: a page 200 -> 10 ms CPU); oldest
    # first needs none: the newest-first index read backwards, ties sorted by seq (incremental sort).
    op.execute("CREATE INDEX event_facts_heaviest_first ON event_facts (quantity_kg DESC NULLS FIRST, seq)")
    op.execute("""
        CREATE TABLE event_texts (
            dataset_key integer NOT NULL,
            text_key bigint NOT NULL,
            search_text text NOT NULL
        ) PARTITION BY LIST (dataset_key)""")
    op.execute("CREATE INDEX event_texts_search_text ON event_texts USING gin (search_text gin_trgm_ops)")
    # The expression is loader.TWIN_SEGMENT, word for word (a query uses the index only then).
    op.execute("""
        CREATE INDEX events_twin_segment ON events USING gist ((ST_MakeLine(
            ST_MakePoint(longitude, latitude, event_date - DATE '1970-01-01', twin_kind),
            ST_MakePoint(longitude, latitude, last_day - DATE '1970-01-01', twin_kind))) gist_geometry_ops_nd)""")
    connection = op.get_bind()
    keys = connection.execute(text("SELECT dataset_key FROM datasets ORDER BY dataset_key")).scalars().all()
    for key in keys:
        key = int(key)  # partition names are made from integers, never from input
        if connection.execute(text("SELECT to_regclass(:table)"), {"table": f"events_{key}"}).scalar() is None:
            continue
        op.execute(f"CREATE TABLE event_facts_{key} (LIKE event_facts INCLUDING DEFAULTS, "
                   f"CHECK (dataset_key = {key}))")
        op.execute(FACTS_FROM_EVENTS.format(facts=f"event_facts_{key}", events=f"events_{key}")
                   + " ORDER BY event_date NULLS LAST, seq")
        op.execute(f"ALTER TABLE event_facts ATTACH PARTITION event_facts_{key} FOR VALUES IN ({key})")
        op.execute(f"CREATE TABLE event_texts_{key} (LIKE event_texts, CHECK (dataset_key = {key}))")
        op.execute(TEXTS_FROM_EVENTS.format(texts=f"event_texts_{key}", events=f"events_{key}"))
        op.execute(f"ALTER TABLE event_texts ATTACH PARTITION event_texts_{key} FOR VALUES IN ({key})")
        op.execute(f"ANALYZE event_facts_{key}")
        op.execute(f"ANALYZE event_texts_{key}")


def downgrade() -> None:
    op.execute("DROP INDEX events_twin_segment")
    op.execute("DROP TABLE event_texts")  # and every partition
    op.execute("DROP TABLE event_facts")
