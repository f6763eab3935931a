"""Stories in PostgreSQL: the file repository's behaviour, and the revision as an optimistic lock in SQL
(two editors — two threads, two processes — saving the same slide at once: one saved, one told)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

import dashboard.callbacks.stories as callbacks
from dashboard.data.database import engine_for
from dashboard.data.database.stories import DatabaseStoryRepository, StoryChangedElsewhere, StoryDatabaseError
from dashboard.data.stories import Story, StoryError, StoryNotFound, story_json
from dashboard.i18n import CATALOGS
from dashboard.ids import StoryIds
from dashboard.state.story_builder import (
    StaleStory,
    change_story,
    error_message,
    save_slide_edit,
    slide_from_view,
    story_hash,
)
from tests.integration.database import throwaway_database
from tests.unit.test_stories import make_story
from tests.unit.test_story_builder import BUNDLED, add, click, story_with_slides, trigger, upload

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def database_url():
    with throwaway_database() as url:
        yield url


@pytest.fixture
def bundled_dir(tmp_path):
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / "air-bridge.json").write_text(json.dumps(BUNDLED), encoding="utf-8")
    (folder / "shipped.json").write_bytes(story_json(make_story(2, "shipped")))
    return folder


@pytest.fixture
def repository(database_url, bundled_dir):
    engine = engine_for(database_url)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE stories"))
    return DatabaseStoryRepository(engine, bundled_dir, conflict=StaleStory)


@pytest.fixture
def stories(app_context, repository, monkeypatch):
    """The app's story repository is the database one (as in the shared deployment)."""
    monkeypatch.setattr(app_context, "stories", repository)
    return repository


def revision_of(repository: DatabaseStoryRepository, story_id: str) -> int | None:
    return repository.revision(story_id)


# ---- the file repository's behaviour ---------------------------------------------------------------
def test_dst001_save_get_list_delete_like_the_file_repository(repository):
    saved = repository.save(make_story(3, "mine"))
    assert repository.get("mine") == saved and not saved.bundled
    assert repository.get("shipped").bundled and repository.is_bundled("shipped")
    listings, errors = repository.list()
    assert [(s.story_id, s.slides, s.bundled) for s in listings] == \
        [("shipped", 2, True), ("air-bridge", 1, True), ("mine", 3, False)]
    assert errors == []
    assert revision_of(repository, "mine") == 1
    repository.save(make_story(2, "mine"))  # outside a unit of work: replaced, revision raised
    assert revision_of(repository, "mine") == 2 and len(repository.get("mine").slides) == 2
    repository.delete("mine")
    for missing in ("mine", "../etc/passwd", 42):
        with pytest.raises(StoryNotFound):
            repository.get(missing)
    with pytest.raises(StoryNotFound):
        repository.delete("mine")
    with pytest.raises(ValueError, match="bundled story"):
        repository.save(make_story(1, "shipped"))


def test_dst002_imports_never_overwrite_and_bad_stories_write_nothing(repository, database_url):
    data = story_json(make_story(2, "shipped"))
    first = repository.import_bytes(data, "shipped.json")
    second = repository.import_bytes(data, "shipped.json")
    assert (first.story_id, second.story_id) == ("shipped-2", "shipped-3")
    assert repository.free_id("Shipped") == "shipped-4" and repository.free_id("new one") == "new-one"
    broken = json.loads(data)
    broken["slides"][1]["filters"] = {"to": "tomorrow"}
    with pytest.raises(StoryError, match=r"slide 2, field 'filters.to'"):
        repository.import_bytes(json.dumps(broken).encode(), "broken.json")
    with engine_for(database_url).connect() as connection:
        assert sorted(connection.execute(text("SELECT story_id FROM stories")).scalars()) == ["shipped-2", "shipped-3"]
        # a row that no longer reads as a story is listed as an error, not hidden
        connection.execute(text("""INSERT INTO stories (story_id, title, body) VALUES
            ('bad', 'Bad', '{"version": 2, "title": "Bad", "slides": [{"title": ""}]}')"""))
        connection.commit()
    listings, errors = repository.list()
    assert [s.story_id for s in listings if not s.bundled] == ["shipped-2", "shipped-3"]
    assert len(errors) == 1 and "story 'bad'" in str(errors[0]) and "slide 1, field 'title'" in str(errors[0])


def test_dst003_the_story_panel_works_on_the_database(stories):
    """The panel's own scenarios (double click, outdated list, undo) give the file repository's outcomes."""
    current = story_with_slides(stories, ["One", "Two", "Three"])
    assert current["hash"] == story_hash(stories.get(current["id"]))
    click(StoryIds.DELETE, 0)
    first, status, undo, _ = callbacks.on_slide_action([], [], [], [1, 0, 0], current, "en")
    second, refused, _, _ = callbacks.on_slide_action([], [], [], [2, 0, 0], current, "en")  # the double click
    assert [s.title for s in stories.get(current["id"]).slides] == ["Two", "Three"]
    assert refused == CATALOGS["en"]["story.stale"] and second["hash"] == first["hash"]
    # an edit from an outdated list (another tab) is refused and changes nothing
    click(StoryIds.SAVE_EDIT, 0)
    revision = revision_of(stories, current["id"])
    store, status, editing, _ = callbacks.on_save_edit([1], ["Renamed"], [""], [""], [["map"]], current, "es")
    assert status == CATALOGS["es"]["story.stale"] and editing is None
    assert revision_of(stories, current["id"]) == revision
    store = callbacks.on_save_edit([1], ["Renamed"], [""], [""], [["map"]], store, "en")[0]
    assert [s.title for s in stories.get(current["id"]).slides] == ["Renamed", "Three"]
    assert add(store, title="Four")[0]["hash"] == story_hash(stories.get(current["id"]))
    # the undo of the first delete no longer matches the story: refused, nothing overwritten
    trigger("story-undo.n_clicks")
    assert callbacks.on_undo(1, undo, store, "en")[1] == CATALOGS["en"]["story.undo_stale"]
    assert [s.title for s in stories.get(current["id"]).slides] == ["Renamed", "Three", "Four"]
    # deleting the only slide removes the row; undo puts it back, an import into the freed id blocks it
    only = story_with_slides(stories, ["Only"])
    click(StoryIds.DELETE, 0)
    only, _, undo, _ = callbacks.on_slide_action([], [], [], [1], only, "en")
    assert revision_of(stories, only["id"]) is None
    trigger("story-undo.n_clicks")
    restored = callbacks.on_undo(1, undo, only, "en")[0]
    assert [s.title for s in stories.get(restored["id"]).slides] == ["Only"]
    click(StoryIds.DELETE, 0)
    only, _, undo, _ = callbacks.on_slide_action([], [], [], [1], restored, "en")
    other = story_json(Story(story_id=only["id"], title="Imported", lang="en",
                             slides=(slide_from_view("", {}, "Theirs"),)))
    trigger("story-import.contents")
    imported = callbacks.on_import_story(upload(other), "theirs.json", only, "en")[0]
    assert imported["id"] == only["id"]
    trigger("story-undo.n_clicks")
    assert callbacks.on_undo(1, undo, imported, "en")[1] == CATALOGS["en"]["story.undo_stale"]
    assert stories.get(only["id"]).title == "Imported"


# ---- the optimistic lock -------------------------------------------------------------------------
def test_dst010_a_write_after_someone_else_saved_is_refused_and_changes_nothing(repository):
    repository.save(make_story(3, "race"))
    with repository.locked():
        mine = repository.get("race")
        theirs = DatabaseStoryRepository(repository.engine, repository.bundled_dir, conflict=StaleStory)
        theirs.save(make_story(1, "race"))  # another worker saves in between
        assert repository.get("race") == make_story(1, "race")  # a second read inside does not move the lock
        with pytest.raises(StaleStory):
            repository.save(mine.with_slides(mine.slides[:2]))
        with pytest.raises(StaleStory):
            repository.delete("race")
    assert repository.get("race") == make_story(1, "race") and revision_of(repository, "race") == 2
    # a story that appeared after it was read as absent is not overwritten either
    with repository.locked():
        with pytest.raises(StoryNotFound):
            repository.get("fresh")
        theirs.save(make_story(1, "fresh"))
        with pytest.raises(StaleStory):
            repository.save(make_story(2, "fresh"))
    assert len(repository.get("fresh").slides) == 1
    plain = DatabaseStoryRepository(repository.engine, repository.bundled_dir)
    with plain.locked():
        plain.get("fresh")
        theirs.save(make_story(2, "fresh"))
        with pytest.raises(StoryChangedElsewhere):  # the default refusal, without the state layer's
            plain.save(make_story(3, "fresh"))


def test_dst011_two_editors_at_once_in_two_threads_one_saved_one_told(repository):
    repository.save(make_story(2, "both"))
    expected = story_hash(repository.get("both"))
    both_read = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def editor(name: str) -> None:
        def change(story: Story) -> Story:
            both_read.wait()  # each has read the story at the same revision before either writes
            return story.with_slides((story.slides[0].__class__(title=f"by {name}"), *story.slides[1:]))
        try:
            outcomes[name] = change_story(repository, "both", change, expected).slides[0].title
        except StaleStory as error:
            outcomes[name] = error

    threads = [threading.Thread(target=editor, args=(name,)) for name in ("ana", "ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    saved = [value for value in outcomes.values() if isinstance(value, str)]
    told = [value for value in outcomes.values() if isinstance(value, StaleStory)]
    assert len(saved) == 1 and len(told) == 1, outcomes
    assert repository.get("both").slides[0].title == saved[0] and revision_of(repository, "both") == 2
    assert error_message(told[0], "en") == CATALOGS["en"]["story.stale"]


EDITOR_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dashboard.data.database import engine_for
    from dashboard.data.database.stories import DatabaseStoryRepository
    from dashboard.state.story_builder import StaleStory, save_slide_edit

    url, bundled, barrier, name, expected = sys.argv[1:6]

    class WaitingRepository(DatabaseStoryRepository):
        def save(self, story):
            # Both processes have read the story (and checked its revision) before either writes.
            Path(barrier, name).touch()
            deadline = time.monotonic() + 60
            while len(list(Path(barrier).iterdir())) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            return super().save(story)

    repository = WaitingRepository(engine_for(url), bundled, conflict=StaleStory)
    try:
        save_slide_edit(repository, "shared", 0, f"title by {name}", f"caption by {name}", "", ["map"], expected, "en")
        print("saved")
    except StaleStory:
        print("told")
""")


def test_dst012_two_editors_in_two_processes_save_the_same_slide_at_once(repository, database_url, tmp_path):
    repository.save(make_story(2, "shared"))
    expected = story_hash(repository.get("shared"))
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    runs = {name: subprocess.Popen([sys.executable, "-c", EDITOR_SCRIPT, database_url, str(repository.bundled_dir),
                                    str(barrier), name, expected], cwd=REPO, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
            for name in ("ana", "ben")}
    results = {name: run.communicate(timeout=120) for name, run in runs.items()}
    outcomes = {name: out.strip() for name, (out, _) in results.items()}
    assert sorted(outcomes.values()) == ["saved", "told"], results
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    slide = repository.get("shared").slides[0]
    assert (slide.title, slide.caption) == (f"title by {winner}", f"caption by {winner}")  # one edit, whole
    assert revision_of(repository, "shared") == 2
    # the editor who was told reloads (the panel reads the hash afresh) and saves: nothing is lost
    loser = next(name for name in outcomes if name != winner)
    save_slide_edit(repository, "shared", 0, f"title by {loser}", "", "", ["map"],
                    story_hash(repository.get("shared")), "en")
    assert repository.get("shared").slides[0].title == f"title by {loser}"


def test_dst013_a_database_that_is_down_is_a_message_not_a_traceback(bundled_dir):
    repository = DatabaseStoryRepository(engine_for("postgresql://postgres@127.0.0.1:1/nothing"), bundled_dir,
                                         conflict=StaleStory)
    assert repository.get("shipped").bundled  # bundled stories need no database
    with pytest.raises(StoryDatabaseError) as caught:
        repository.get("mine")
    message = error_message(caught.value, "en")
    assert "story database" in message and "Traceback" not in message
    with pytest.raises(OSError):
        save_slide_edit(repository, "mine", 0, "t", "", "", ["map"], None, "en")
