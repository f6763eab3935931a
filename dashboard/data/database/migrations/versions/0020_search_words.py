"""The search words an admin keeps groups for: ``search_words``.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

Place words get groups by themselves (0019). A word of the summaries ("cocaine", "ambush") is read
from its facts, about 0.7 µs each: at 10M generated events "cocaine" took 0.9–1.2 s a change
through the app. An admin whose readers search such a word often keeps groups for it, as one keeps
an index (``python -m dashboard db words add``): every dataset gets the word's ``event_word_cells``
and ``event_words`` row at once, and each later import writes them too. This table remembers the
words asked for, so they outlive the datasets that held them. Nothing is written here: no word is
kept until an admin asks.
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE search_words (
            word text PRIMARY KEY,
            added_at timestamptz NOT NULL DEFAULT now()
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE search_words")
