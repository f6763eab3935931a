"""Stories in the database: :class:`DatabaseStoryRepository`, the shared deployment's story repository.

The same public interface as :class:`~dashboard.data.stories.StoryRepository` (the story panel,
the presenter and the CLI call ``get``, ``list``, ``save``, ``create``, ``delete``, ``locked`` …),
over the ``stories`` table (revision 0002). Bundled stories are still read from
``geodata/stories/`` and stay read-only.

The revision is an optimistic lock in SQL. The file repository holds a lock across "is the story
still the one the user acted on?" and the save; across workers and machines no lock is held.
Instead, inside :meth:`locked` the repository remembers the revision each story had when it was
first read, and writes with ``UPDATE … WHERE story_id = :id AND revision = :read`` (a delete with
the same condition, a story that was absent with ``INSERT … ON CONFLICT DO NOTHING``). When
another editor saved in between, nothing matches, nothing is written, and ``conflict`` is raised —
the state layer's ``StaleStory``, so the editor gets the message the file repository gives
("changed in another window … try again") and the list is read again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError

from ..stories import (
    BUNDLED_STORIES_DIR,
    STORY_ID,
    Story,
    StoryError,
    StoryListing,
    StoryNotFound,
    StoryProblem,
    known_series,
    parse_story,
    slugify,
    story_from_dict,
    story_to_dict,
)

MAX_CREATE_ATTEMPTS = 20  # ids taken by concurrent creators before this one gives up


class StoryChangedElsewhere(ValueError):  # noqa: N818  (a refusal, like StoryNotFound)
    """The story changed (or appeared, or went) since this request read it; nothing was written."""


class StoryDatabaseError(OSError):
    """The database could not be reached or refused the statement (an OSError: callers already say
    "could not be saved" for those)."""


@contextmanager
def _database() -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise StoryDatabaseError(0, f"the story database did not take it ({reason})") from None


_JSON_BODY = bindparam("body", type_=JSONB)  # the story object, sent as JSON
_BODY = text("SELECT body, revision FROM stories WHERE story_id = :id")
_UPDATE = text("""
    UPDATE stories SET body = :body, title = :title, revision = revision + 1, updated_at = now()
    WHERE story_id = :id AND revision = :expected RETURNING revision""").bindparams(_JSON_BODY)
_INSERT = text("""
    INSERT INTO stories (story_id, title, body) VALUES (:id, :title, :body)
    ON CONFLICT (story_id) DO NOTHING RETURNING revision""").bindparams(_JSON_BODY)
_UPSERT = text("""
    INSERT INTO stories (story_id, title, body) VALUES (:id, :title, :body)
    ON CONFLICT (story_id) DO UPDATE SET body = excluded.body, title = excluded.title,
        revision = stories.revision + 1, updated_at = now()
    RETURNING revision""").bindparams(_JSON_BODY)
_DELETE = text("DELETE FROM stories WHERE story_id = :id RETURNING revision")
_DELETE_AT = text("DELETE FROM stories WHERE story_id = :id AND revision = :expected RETURNING revision")


class DatabaseStoryRepository:
    """Bundled stories (read-only files) and the users' stories in the ``stories`` table.

    Parameters
    ----------
    engine
        The pooled engine of the shared database (``engine_for(settings.database_url)``).
    bundled_dir
        Where the bundled stories are.
    conflict
        The exception raised when a write finds the story changed since it was read (the state
        layer passes its ``StaleStory``, whose message and refresh the story panel already gives).
    """

    def __init__(self, engine: Engine, bundled_dir: Path | str = BUNDLED_STORIES_DIR, *,
                 conflict: type[Exception] = StoryChangedElsewhere, data_dir: Path | str | None = None) -> None:
        self.engine = engine
        self.bundled_dir = Path(bundled_dir)
        self.data_dir = None if data_dir is None else Path(data_dir)  # where imported indicator series are
        self.conflict = conflict
        self._local = threading.local()

    def series(self) -> frozenset[str]:
        """The indicator series a slide may name (the bundled ones and those imported into data_dir)."""
        return known_series(self.data_dir)

    # ---- the optimistic lock --------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        """A unit of work in this thread: each story's revision is remembered when first read, and
        every write inside is made only if the story is still at that revision. Re-entrant."""
        outer = getattr(self._local, "reads", None) is None
        if outer:
            self._local.reads = {}
        try:
            yield
        finally:
            if outer:
                self._local.reads = None

    def _reads(self) -> dict[str, int | None] | None:
        return getattr(self._local, "reads", None)

    def _remember(self, story_id: str, revision: int | None) -> None:
        reads = self._reads()
        if reads is not None:
            reads.setdefault(story_id, revision)

    # ---- reading ----------------------------------------------------------------------------------
    def _checked_id(self, story_id: object) -> str:
        if not isinstance(story_id, str) or not STORY_ID.fullmatch(story_id):
            raise StoryNotFound(str(story_id))
        return story_id

    def _bundled_path(self, story_id: str) -> Path:
        return self.bundled_dir / f"{self._checked_id(story_id)}.json"

    def _read_bundled(self, path: Path) -> Story:
        story = parse_story(path.read_bytes(), source=path.name, bundled=True, series=self.series())
        return replace(story, story_id=path.stem)

    def is_bundled(self, story_id: str) -> bool:
        return self._bundled_path(story_id).is_file()

    def get(self, story_id: str) -> Story:
        """The story with this id; a bundled story wins over a user story that took its id."""
        path = self._bundled_path(story_id)
        if path.is_file():
            return self._read_bundled(path)
        with _database(), self.engine.connect() as connection:
            row = connection.execute(_BODY, {"id": story_id}).one_or_none()
        if row is None:
            self._remember(story_id, None)
            raise StoryNotFound(story_id)
        self._remember(story_id, int(row.revision))
        story = story_from_dict(row.body, source=f"story '{story_id}'", series=self.series())
        return replace(story, story_id=story_id)

    def revision(self, story_id: str) -> int | None:
        """The story's revision in the table now (None: no such user story)."""
        with _database(), self.engine.connect() as connection:
            row = connection.execute(_BODY, {"id": self._checked_id(story_id)}).one_or_none()
        return None if row is None else int(row.revision)

    def list(self) -> tuple[list[StoryListing], list[StoryError]]:
        """Every readable story (bundled first, then the users' by title) and those that were not."""
        listings: list[StoryListing] = []
        errors: list[StoryError] = []
        bundled = []
        for path in sorted(self.bundled_dir.glob("*.json")) if self.bundled_dir.is_dir() else []:
            if not STORY_ID.fullmatch(path.stem):
                continue
            try:
                bundled.append(self._read_bundled(path))
            except (StoryError, OSError) as error:
                errors.append(error if isinstance(error, StoryError)
                              else StoryError([StoryProblem(None, "file", str(error))], path.name))
        with _database(), self.engine.connect() as connection:
            rows = connection.execute(text("SELECT story_id, body FROM stories")).all()
        bundled_ids = {story.story_id for story in bundled}
        users = []
        series = self.series()  # read once for every row
        for row in rows:
            source = f"story '{row.story_id}'"
            if row.story_id in bundled_ids:
                errors.append(StoryError([StoryProblem(None, "id", "a bundled story has this id")], source))
                continue
            try:
                users.append(replace(story_from_dict(row.body, source=source, series=series), story_id=row.story_id))
            except StoryError as error:
                errors.append(error)
        for group in (bundled, users):
            found = [StoryListing(story.story_id, story.title, len(story.slides), story.bundled,
                                  tuple((t.lang, t.title) for t in story.translations if t.title))
                     for story in group]
            listings.extend(sorted(found, key=lambda s: (s.title.lower(), s.story_id)))
        return listings, errors

    def free_id(self, wanted: str) -> str:
        """``wanted`` if no story has it, else ``wanted-2``, ``wanted-3``…"""
        base = slugify(wanted)[:60].strip("-") or "story"
        with _database(), self.engine.connect() as connection:
            # A slug holds only [a-z0-9-], so it is safe inside a LIKE pattern.
            taken = set(connection.execute(text("SELECT story_id FROM stories WHERE story_id = :base "
                                                "OR story_id LIKE :pattern"),
                                           {"base": base, "pattern": f"{base}-%"}).scalars())
        candidate, number = base, 1
        while candidate in taken or self._bundled_path(candidate).exists():
            number += 1
            candidate = f"{base}-{number}"
        return candidate

    # ---- writing ----------------------------------------------------------------------------------
    def _checked_for_saving(self, story: Story) -> dict[str, object]:
        if self.is_bundled(story.story_id):
            raise ValueError(f"'{story.story_id}' is a bundled story; save a copy under another id")
        body = story_to_dict(story)
        story_from_dict(body, series=self.series())  # never write what could not be read back
        return {"id": story.story_id, "title": story.title, "body": body}

    def save(self, story: Story) -> Story:
        """Write a user story. Inside :meth:`locked`, only if it is still at the revision read there
        (else ``conflict``); outside, whatever it holds is replaced."""
        values = self._checked_for_saving(story)
        reads = self._reads()
        with _database(), self.engine.begin() as connection:
            if reads is not None and story.story_id in reads:
                expected = reads[story.story_id]
                if expected is None:
                    revision = connection.execute(_INSERT, values).scalar_one_or_none()
                else:
                    revision = connection.execute(_UPDATE,
                                                  {**values, "expected": expected}).scalar_one_or_none()
                if revision is None:
                    raise self.conflict(story.story_id)
                reads[story.story_id] = int(revision)
            else:
                connection.execute(_UPSERT, values)
        return replace(story, bundled=False)

    def create(self, story: Story) -> Story:
        """Save a new user story under a free id made from its id (``wanted``, ``wanted-2``…), never
        overwriting: an id another process took meanwhile is skipped."""
        for _ in range(MAX_CREATE_ATTEMPTS):
            candidate = replace(story, story_id=self.free_id(story.story_id), bundled=False)
            values = self._checked_for_saving(candidate)
            with _database(), self.engine.begin() as connection:
                revision = connection.execute(_INSERT, values).scalar_one_or_none()
            if revision is not None:
                reads = self._reads()
                if reads is not None:
                    reads[candidate.story_id] = int(revision)
                return candidate
        raise self.conflict(story.story_id)

    def delete(self, story_id: str) -> None:
        """Delete a user story; ``StoryNotFound`` when there is none. Inside :meth:`locked`, only if
        it is still at the revision read there (else ``conflict``)."""
        self._checked_id(story_id)
        reads = self._reads()
        expected = reads.get(story_id) if reads is not None else None
        with _database(), self.engine.begin() as connection:
            if expected is None:
                gone = connection.execute(_DELETE, {"id": story_id}).scalar_one_or_none()
            else:
                gone = connection.execute(_DELETE_AT, {"id": story_id, "expected": expected}).scalar_one_or_none()
                if gone is None and connection.execute(_BODY, {"id": story_id}).one_or_none() is not None:
                    raise self.conflict(story_id)
        if gone is None:
            raise StoryNotFound(story_id)
        if reads is not None:
            reads[story_id] = None

    def import_bytes(self, data: bytes, file_name: str = "") -> Story:
        """Validate a story file and keep it under a free id (an import never overwrites)."""
        return self.create(parse_story(data, source=file_name, series=self.series()))

    def remove_leftovers(self) -> list[str]:
        """Nothing to clean: a write is one transaction, never a half-written file."""
        return []

