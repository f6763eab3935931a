"""Events and datasets: PostGIS, the partitioned event table, duplicates, the data version counter.

Revision ID: 0001
Revises:
Create Date: 2026-12-03

``events`` is partitioned by dataset (LIST on ``dataset_key``): an import fills a table of its
own and attaches it (readers are never locked out), and deleting a dataset drops its partition
instead of deleting millions of rows one by one. Every query names the datasets it reads, so the
planner skips the other partitions.

``seq`` is the table order (the in-memory store's row order): one sequence for the whole
database, a contiguous block per import, so a store numbers its rows ``0 … size - 1`` from a
handful of runs and ties in a sort keep import order.

Columns the queries need that the canonical schema lacks are written by the loader, in Python,
with the exact rule the in-memory store applies: ``last_day`` (the last day an event covers: its
month or year, or a reported end), ``search_text`` (folded location, regions, summary and actors
joined by spaces), ``actors_folded`` and ``regions_folded`` (case-folded names for the actor and
region filters). PostgreSQL's ``lower()`` is not Python's ``casefold()`` ('ß'), so SQL never folds.

Indexes (declared on the parent, so every partition gets them when attached):

- GiST on ``geom`` (geometry, SRID 4326): the map's box and lasso selections and the nearest-point
  look-up are planar tests in degrees, as the in-memory store makes them, so geometry, not
  geography.
- BRIN on ``event_date`` and ``last_day``: the loader writes a dataset's rows in date order, so each
  block range holds a narrow span of days and a date filter reads a few ranges; a BRIN index is a
  few kB per million rows where a B-tree would be tens of MB and slow every import.
- B-tree on ``event_id`` (one event's detail card) and ``event_type`` (the commonest filter).
- ``source_hash`` (64 bits of a row's report: its link, else its source's name; NULL for generated
  rows): the totals count distinct reports on a bigint instead of hashing text.
- B-tree on ``(event_date DESC NULLS FIRST, seq)``: the table's default order (newest first, ties
  in table order), so its first page and every next page (keyset) read a page of the index, not
  every match (1M rows: 350 ms → 2 ms a page).
- (Not made here, though planned: the trigram index of substring search lives on ``event_texts``
  and the n-D GiST on each row's "twin segment" — longitude, latitude, days from first to last,
  ``twin_kind`` — is made by revision 0003.)

``duplicate_pairs`` holds, for each row with a likely twin in another dataset, up to ten twins
(both directions); it is filled when a dataset is imported and loses a dataset's pairs when the
dataset is deleted.

``data_version`` is one row, bumped by a trigger in the same transaction as any change to
``datasets`` or ``events``, so a worker asks one cheap question to know whether the data changed;
its ``epoch`` is random per database, so two databases never share a version (and a result cache
shared between them never mixes their answers).
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("""
        CREATE TABLE datasets (
            dataset_key integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            dataset_id text NOT NULL UNIQUE CHECK (dataset_id ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
            bundled boolean NOT NULL DEFAULT false,
            name text NOT NULL,
            file_name text NOT NULL,
            sha256 text NOT NULL,
            imported_at text NOT NULL,
            format text NOT NULL,
            events integer NOT NULL CHECK (events >= 0),
            synthetic_events integer NOT NULL DEFAULT 0 CHECK (synthetic_events >= 0),
            report jsonb NOT NULL
        )""")
    # One content is one dataset (the file repository's rule); the bundled data stands apart.
    op.execute("CREATE UNIQUE INDEX datasets_imported_sha256 ON datasets (sha256) WHERE NOT bundled")
    op.execute("CREATE SEQUENCE events_seq AS bigint")
    op.execute("""
        CREATE TABLE events (
            dataset_key integer NOT NULL,
            seq bigint NOT NULL,
            event_id text NOT NULL,
            event_date date,
            last_day date,
            date_precision text,
            event_type text NOT NULL,
            actors text[] NOT NULL,
            actor_groups text[] NOT NULL,
            country text,
            admin1 text,
            admin2 text,
            location text,
            latitude double precision,
            longitude double precision,
            geo_precision text,
            fatalities double precision,
            drug text,
            quantity_kg double precision,
            origin text,
            destination text,
            route_id text,
            summary text,
            source_name text,
            source_url text,
            synthetic boolean NOT NULL,
            source_event_id text,
            original_type text,
            original_subtype text,
            date_end date,
            fatalities_low double precision,
            fatalities_high double precision,
            geocoded boolean NOT NULL,
            search_text text NOT NULL,
            actors_folded text[] NOT NULL,
            regions_folded text[] NOT NULL,
            twin_kind smallint NOT NULL,
            source_hash bigint,
            geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326))
                STORED,
            PRIMARY KEY (dataset_key, seq)
        ) PARTITION BY LIST (dataset_key)""")
    op.execute("CREATE INDEX events_geom ON events USING gist (geom)")
    op.execute("CREATE INDEX events_event_date ON events USING brin (event_date)")
    op.execute("CREATE INDEX events_last_day ON events USING brin (last_day)")
    op.execute("CREATE INDEX events_event_id ON events (event_id)")
    op.execute("CREATE INDEX events_event_type ON events (event_type)")
    op.execute("CREATE INDEX events_newest_first ON events (event_date DESC NULLS FIRST, seq)")
    op.execute("""
        CREATE TABLE duplicate_pairs (
            dataset_key integer NOT NULL,
            seq bigint NOT NULL,
            partner_key integer NOT NULL,
            partner_seq bigint NOT NULL,
            PRIMARY KEY (dataset_key, seq, partner_key, partner_seq)
        )""")
    op.execute("CREATE INDEX duplicate_pairs_partner ON duplicate_pairs (partner_key)")
    op.execute("""
        CREATE TABLE data_version (
            only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
            epoch uuid NOT NULL DEFAULT gen_random_uuid(),
            version bigint NOT NULL DEFAULT 0
        )""")
    op.execute("INSERT INTO data_version DEFAULT VALUES")
    op.execute("""
        CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE data_version SET version = version + 1;
            RETURN NULL;
        END $$""")
    for table in ("datasets", "events"):
        op.execute(f"CREATE TRIGGER {table}_bump_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()")


def downgrade() -> None:
    op.execute("DROP TABLE data_version")
    op.execute("DROP TABLE duplicate_pairs")
    op.execute("DROP TABLE events")  # and every partition
    op.execute("DROP SEQUENCE events_seq")
    op.execute("DROP TABLE datasets")
    op.execute("DROP FUNCTION bump_data_version()")
