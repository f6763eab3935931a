"""Upload outcomes: what became of each browser upload, readable from every server.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

The page names each upload with a random token and, when the import's answer never reaches it
(a dropped connection, a proxy's timeout), polls for the outcome. On one machine those records
are files in the data directory; behind a load balancer the poll may reach another machine, so
the shared deployment keeps them here. A record is "started" when the import begins and
"finished" with its report; an importer holds an advisory lock on its token meanwhile, so a
"started" record whose lock is free belongs to a process that died (interrupted), whichever
machine it ran on.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE upload_outcomes (
            token text PRIMARY KEY CHECK (token ~ '^[A-Za-z0-9-]{8,64}$'),
            state text NOT NULL CHECK (state IN ('started', 'finished')),
            at timestamptz NOT NULL DEFAULT now(),
            report jsonb CHECK (state = 'started' OR jsonb_typeof(report) = 'object')
        )""")
    op.execute("CREATE INDEX upload_outcomes_at ON upload_outcomes (at)")


def downgrade() -> None:
    op.execute("DROP TABLE upload_outcomes")
