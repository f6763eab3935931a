"""Stories and users: the story revision as an optimistic lock, accounts with roles.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

``stories`` holds each user story as its version-2 JSON object (what a story file holds, so an
export and an import read the same thing) with a ``revision`` that every change raises by one:
a change is written with ``UPDATE … WHERE story_id = :id AND revision = :read``, so of two editors
who read the same revision one is saved and the other finds nothing to update and is told.
Bundled stories stay in ``geodata/stories/`` (read-only, shipped with the code).

``users`` holds accounts: a lower-case name, an argon2 hash (never the password), a role
(viewer, editor, admin: ``dashboard/data/roles.py``) and a ``session_version`` that a password or
role change raises, which signs out every session made before it.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE stories (
            story_id text PRIMARY KEY CHECK (story_id ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
            title text NOT NULL,
            body jsonb NOT NULL CHECK (jsonb_typeof(body) = 'object'),
            revision bigint NOT NULL DEFAULT 1 CHECK (revision >= 1),
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("""
        CREATE TABLE users (
            user_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
            password_hash text NOT NULL CHECK (password_hash LIKE '$argon2%'),
            role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
            session_version integer NOT NULL DEFAULT 1,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE users")
    op.execute("DROP TABLE stories")
