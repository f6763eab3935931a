"""Failed sign-ins, counted for every server of the deployment.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Each failed sign-in is a row: the attempt's key (a SHA-256 of the lower-case name and the client's
address, so neither is kept) and its time. Ten in fifteen minutes refuse that name from that
address, whichever worker or machine the guesses reach. Rows older than the window are deleted
as new ones come.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE sign_in_failures (
            attempt bytea NOT NULL CHECK (octet_length(attempt) = 32),
            at timestamptz NOT NULL DEFAULT clock_timestamp()
        )""")
    op.execute("CREATE INDEX sign_in_failures_attempt ON sign_in_failures (attempt, at)")
    op.execute("CREATE INDEX sign_in_failures_at ON sign_in_failures (at)")


def downgrade() -> None:
    op.execute("DROP TABLE sign_in_failures")
