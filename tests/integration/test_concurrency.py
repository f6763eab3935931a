"""Several processes on one data directory (gunicorn workers, the CLI): nothing lost, nothing frozen.

Each test starts real processes (``spawn``) that stay up for all its rounds. A round: the parent
prepares a fresh folder, then every worker is released by one barrier at the same instant and
does the same thing (add a slide at the same revision, create the same title, import the same
bytes, delete the same dataset); the parent collects what each was told and checks the files.
The clean-up test holds an import in the middle of its write with an event, not a sleep.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dashboard.data.datasets import DatasetNotFound, DatasetRepository, import_into
from dashboard.data.interprocess import owned_prefix
from dashboard.data.stories import Slide, Story, StoryRepository, story_json
from dashboard.state.story_builder import (
    StaleStory,
    add_view_slide,
    create_story,
    selection,
    story_hash,
)

PROCESSES = 4
ROUNDS = 100  # story races are short: about one round in seven overlaps without the lock
DATASET_ROUNDS = 6
TIMEOUT = 120  # seconds a worker or the parent waits at most: a hang fails, it does not freeze the suite
CSV = b"date,lat,lon,location\n2019-01-01,-12.5,-73.8,Pichari\n2019-02-01,-12.6,-73.9,Pichari\n"
SPAWN = multiprocessing.get_context("spawn")
OK = "ok"


# ---- the harness ---------------------------------------------------------------------------------
def _worker(operation: Callable[[Path, int], object], base: str, index: int, rounds: int,
            barrier, results) -> None:
    for number in range(rounds):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:  # the parent gave up (a failed round): stop quietly
            return
        try:
            outcome: tuple = (OK, operation(Path(base) / f"round-{number}", index))
        except Exception as error:  # what the worker was told, to be checked by the parent
            outcome = (type(error).__name__, str(error))
        results.put((number, index, outcome))


def race(tmp_path: Path, operation: Callable[[Path, int], object], prepare: Callable[[Path], None],
         check: Callable[[Path, list[tuple]], None], rounds: int = ROUNDS, processes: int = PROCESSES) -> None:
    """Run ``operation`` in ``processes`` processes at once, ``rounds`` times, each round in a fresh folder."""
    barrier = SPAWN.Barrier(processes + 1, timeout=TIMEOUT)
    results = SPAWN.Queue()
    workers = [SPAWN.Process(target=_worker, args=(operation, str(tmp_path), index, rounds, barrier, results))
               for index in range(processes)]
    for worker in workers:
        worker.start()
    try:
        for number in range(rounds):
            folder = tmp_path / f"round-{number}"
            folder.mkdir()
            prepare(folder)
            barrier.wait()  # every worker starts now
            outcomes = [None] * processes
            for _ in range(processes):
                got, index, outcome = results.get(timeout=TIMEOUT)
                assert got == number
                outcomes[index] = outcome
            check(folder, outcomes)
    except BaseException:
        barrier.abort()  # the workers waiting for the next round stop at once
        raise
    finally:
        for worker in workers:
            worker.join(timeout=TIMEOUT)
            if worker.is_alive():  # only after a failed round: do not leave it behind
                worker.kill()
                worker.join()


def kinds(outcomes: list[tuple]) -> list[str]:
    return sorted(outcome[0] for outcome in outcomes)


def one_winner(loser: type[Exception]) -> list[str]:
    """The outcome kinds of a race one process wins and every other loses with ``loser``."""
    return sorted([OK] + [loser.__name__] * (PROCESSES - 1))


def stories(folder: Path) -> StoryRepository:
    return StoryRepository(folder / "data", folder / "bundled")


def temporary_entries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".t*-*"))  # .tmp-* and .trash-*


# ---- stories ---------------------------------------------------------------------------------------
SHARED = Story(story_id="shared", title="Shared", slides=(Slide(title="First"),))


def prepare_shared_story(folder: Path) -> None:
    (folder / "bundled").mkdir()
    stories(folder).save(SHARED)


def add_slide_at_first_revision(folder: Path, index: int) -> int:
    """A user adds a slide to the story as their list showed it (its first revision)."""
    current = selection("shared", content_hash=story_hash(SHARED))
    story = add_view_slide(stories(folder), current, Slide(title=f"From worker {index}"), None, "en")
    return len(story.slides)


def test_con001_same_revision_edits_one_wins_the_others_are_told(tmp_path):
    def check(folder: Path, outcomes: list[tuple]) -> None:
        assert kinds(outcomes) == one_winner(StaleStory), outcomes
        [winner] = [index for index, outcome in enumerate(outcomes) if outcome[0] == OK]
        slides = stories(folder).get("shared").slides
        assert [s.title for s in slides] == ["First", f"From worker {winner}"]  # one new slide: the winner's
        assert temporary_entries(folder) == []

    race(tmp_path, add_slide_at_first_revision, prepare_shared_story, check)


def prepare_empty(folder: Path) -> None:
    (folder / "bundled").mkdir()


def create_same_title(folder: Path, index: int) -> str:
    return create_story(stories(folder), "Same title", Slide(title=f"From worker {index}"), "en").story_id


def import_same_story(folder: Path, index: int) -> str:
    story = Story(story_id="imported", title="Imported", slides=(Slide(title=f"From worker {index}"),))
    return stories(folder).import_bytes(story_json(story), "imported.json").story_id


@pytest.mark.parametrize("operation", [create_same_title, import_same_story], ids=["create", "import"])
def test_con002_same_title_at_once_gives_distinct_ids_none_overwritten(tmp_path, operation):
    def check(folder: Path, outcomes: list[tuple]) -> None:
        assert kinds(outcomes) == [OK] * PROCESSES, outcomes
        ids = [outcome[1] for outcome in outcomes]
        assert len(set(ids)) == PROCESSES, ids
        repository = stories(folder)
        for index, story_id in enumerate(ids):  # each file still holds what its creator wrote
            assert [s.title for s in repository.get(story_id).slides] == [f"From worker {index}"]
        assert len(repository.list()[0]) == PROCESSES
        assert temporary_entries(folder) == []

    race(tmp_path, operation, prepare_empty, check)


# ---- datasets --------------------------------------------------------------------------------------
def import_same_bytes_as(folder: Path, index: int, name: str) -> tuple[str, bool]:
    report = import_into(DatasetRepository(folder), CSV, f"{name}.csv", name=name)
    assert report.imported, report.summary_lines()
    return report.dataset_id, report.already_imported


def import_same_file(folder: Path, index: int) -> tuple[str, bool]:
    return import_same_bytes_as(folder, index, "Same file")


def import_same_bytes_renamed(folder: Path, index: int) -> tuple[str, bool]:
    return import_same_bytes_as(folder, index, f"Copy {index}")


def nothing(folder: Path) -> None:
    pass


@pytest.mark.parametrize("operation", [import_same_file, import_same_bytes_renamed], ids=["same-name", "renamed"])
def test_con003_same_bytes_imported_at_once_make_one_dataset(tmp_path, operation):
    def check(folder: Path, outcomes: list[tuple]) -> None:
        assert kinds(outcomes) == [OK] * PROCESSES, outcomes
        [meta] = DatasetRepository(folder).list()
        assert {outcome[1][0] for outcome in outcomes} == {meta.dataset_id}  # every report names it
        assert sorted(outcome[1][1] for outcome in outcomes) == [False] + [True] * (PROCESSES - 1)
        assert len(DatasetRepository(folder).load_events(meta.dataset_id)) == 2
        assert temporary_entries(folder) == []

    race(tmp_path, operation, nothing, check, rounds=DATASET_ROUNDS)


def prepare_dataset(folder: Path) -> None:
    report = import_into(DatasetRepository(folder), CSV, "doomed.csv", name="Doomed")
    (folder / "doomed-id").write_text(report.dataset_id)


def delete_the_dataset(folder: Path, index: int) -> int:
    return DatasetRepository(folder).delete((folder / "doomed-id").read_text()).events


def test_con004_double_delete_deletes_once_the_others_get_not_found(tmp_path):
    def check(folder: Path, outcomes: list[tuple]) -> None:
        assert kinds(outcomes) == one_winner(DatasetNotFound), outcomes
        assert DatasetRepository(folder).list() == []
        assert os.listdir(folder / "datasets") == [".lock"]  # the writers' lock, nothing else
        assert temporary_entries(folder) == []

    race(tmp_path, delete_the_dataset, prepare_dataset, check, rounds=DATASET_ROUNDS)


# ---- clean-up --------------------------------------------------------------------------------------
def slow_import(folder: str, written, go, results) -> None:
    """An import held after writing its temporary folder, until the parent says go."""
    real_write = DatasetRepository._write

    def held_write(self, temporary, events, meta):
        real_write(self, temporary, events, meta)
        written.set()
        if not go.wait(TIMEOUT):
            raise TimeoutError("never released")

    DatasetRepository._write = held_write
    try:
        report = import_into(DatasetRepository(folder), CSV, "slow.csv", name="Slow")
        results.put((OK, report.dataset_id))
    except Exception as error:
        results.put((type(error).__name__, str(error)))


def dead_pid() -> int:
    """The id of a process that has ended."""
    process = SPAWN.Process(target=int)
    process.start()
    process.join()
    return process.pid


def test_con005_clean_up_keeps_a_live_import_and_removes_dead_leftovers(tmp_path):
    gone = dead_pid()
    two_hours_ago = time.time() - 2 * 3600
    for number in range(3):
        folder = tmp_path / f"round-{number}"
        (folder / "stories").mkdir(parents=True)
        written, go, results = SPAWN.Event(), SPAWN.Event(), SPAWN.Queue()
        importer = SPAWN.Process(target=slow_import, args=(str(folder), written, go, results))
        importer.start()
        try:
            assert written.wait(TIMEOUT), "the import never reached its write"
            [live] = [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")]
            assert live.startswith(owned_prefix(".tmp-", importer.pid))
            dead_owner, alive_old, no_owner_old = (folder / f"{owned_prefix('.tmp-', gone)}{number}",
                                                   folder / f"{owned_prefix('.trash-', os.getpid())}{number}",
                                                   folder / f".tmp-{number}")
            dead_trash = folder / f"{owned_prefix('.trash-', gone)}{number}"
            host = owned_prefix("").split(".")[1].rstrip("-")
            other_host = folder / f".tmp-{gone}.{'0' * 8 if host != '0' * 8 else '1' * 8}-{number}"
            dead = [dead_owner, dead_trash, alive_old, no_owner_old]
            for path in (*dead, other_host):
                path.mkdir()
            story_dead = folder / "stories" / f"{owned_prefix('.tmp-', gone)}abc{number}.json"
            story_old = folder / "stories" / f"{owned_prefix('.tmp-')}old{number}.json"
            story_live = folder / "stories" / f"{owned_prefix('.tmp-')}new{number}.json"
            for path in (story_dead, story_old, story_live):
                path.write_text("{}")
            for path in (alive_old, no_owner_old, story_old):
                os.utime(path, (two_hours_ago, two_hours_ago))

            # what `python -m dashboard info` or a worker's start does, in another process, now
            cleaner = SPAWN.Process(target=run_clean_up, args=(str(folder),))
            cleaner.start()
            cleaner.join(TIMEOUT)
            assert cleaner.exitcode == 0

            assert (folder / live).is_dir() and story_live.is_file()  # alive and recent: kept
            assert other_host.is_dir()  # another host's process cannot be seen from here: recent, kept
            assert not any(path.exists() for path in (*dead, story_dead, story_old))  # dead or old: gone
            go.set()
            outcome = results.get(timeout=TIMEOUT)
        finally:
            go.set()
            importer.join(TIMEOUT)
        assert outcome[0] == OK, outcome  # the import finished as if no clean-up had run
        assert [m.dataset_id for m in DatasetRepository(folder).list()] == [outcome[1]]
        assert not (folder / live).exists()


def run_clean_up(folder: str) -> None:
    DatasetRepository(folder).remove_leftovers()
