"""Two app servers (separate gunicorn processes, separate local data directories) on one PostgreSQL
and one Redis: two editors, one on each, save the same slide at the same moment, round after round.
Each round one is saved and the other told ("changed … try again"), and the one told saves
next from the refreshed list: no edit is ever lost or silently overwritten."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest

from bench.run import Arm, gunicorn
from dashboard.data.database import engine_for
from dashboard.data.database.stories import DatabaseStoryRepository
from dashboard.data.database.users import UserRepository
from dashboard.data.roles import Role
from dashboard.data.stories import Slide, Story
from dashboard.i18n import translate
from dashboard.ids import PageIds, StoryIds
from dashboard.state.story_builder import StaleStory, selection, story_hash
from tests.integration.database import throwaway_database
from tests.redis_process import RedisProcess
from tests.shared_client import CALLBACK_PATH, SharedPage

SHARED_APP = Arm("shared", "app:server", "filters-types.value", True, "timeline-graph", "map-graph",
                 "page-reset")
PASSWORD = "two-servers-password"
ROUNDS = 8
TIMEOUT = 60


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """One database, one Redis, two servers; an editor signed in on each."""
    folder = tmp_path_factory.mktemp("two-servers")
    redis = RedisProcess(folder / "redis").start()
    try:
        with throwaway_database() as url:
            users = UserRepository(engine_for(url))
            users.add("ana", PASSWORD, Role.EDITOR)
            users.add("ben", PASSWORD, Role.EDITOR)
            common = {"RUTAS_DATABASE_URL": url, "RUTAS_SECRET_KEY": "two-servers-secret-key-0123456789",
                      "RUTAS_REDIS_URL": redis.url}
            with gunicorn(SHARED_APP, {**common, "RUTAS_DATA_DIR": str(folder / "a")}, "", workers=1,
                          log_dir=folder) as server_a, \
                    gunicorn(SHARED_APP, {**common, "RUTAS_DATA_DIR": str(folder / "b")}, "", workers=1,
                             log_dir=folder) as server_b:
                pages = {}
                for name, server in (("ana", server_a), ("ben", server_b)):
                    page = SharedPage(server.url, timeout_s=TIMEOUT)
                    assert page.sign_in(name, PASSWORD) == (303, "/")
                    pages[name] = page
                yield url, pages
            for server in (server_a, server_b):
                log = server.log_path.read_text(errors="replace")
                assert "Traceback" not in log, log[-3000:]
    finally:
        redis.stop()


def save_edit_body(page: SharedPage, current: dict, index: int, title: str, caption: str) -> bytes:
    """The request the slide editor's Save button sends (a pattern-matching callback: built from
    its declaration, as the renderer builds it)."""
    status, raw = page.send("GET", "/_dash-dependencies")
    assert status == 200
    [dependency] = [d for d in orjson.loads(raw) if d["inputs"] and d["inputs"][0]["id"].startswith("{")
                    and json.loads(d["inputs"][0]["id"]).get("type") == StoryIds.SAVE_EDIT]
    clicked = {"index": index, "type": str(StoryIds.SAVE_EDIT)}
    values = {StoryIds.EDIT_TITLE: title, StoryIds.EDIT_CAPTION: caption, StoryIds.EDIT_NOTES: "",
              StoryIds.EDIT_PANELS: ["map", "counts"]}

    def entry(item: dict) -> object:
        if item["id"].startswith("{"):
            kind = json.loads(item["id"])["type"]
            value = 1 if kind == StoryIds.SAVE_EDIT else values[kind]
            return [{"id": {"index": index, "type": kind}, "property": item["property"], "value": value}]
        value = current if item["id"] == StoryIds.STORE else "en" if item["id"] == PageIds.LANG_STORE else None
        return {"id": item["id"], "property": item["property"], "value": value}

    parts = dependency["output"][2:-2].split("...")
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]
    return orjson.dumps({
        "output": dependency["output"], "outputs": outputs,
        "inputs": [entry(i) for i in dependency["inputs"]], "state": [entry(s) for s in dependency["state"]],
        "changedPropIds": [json.dumps(clicked, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
    })


def save(page: SharedPage, current: dict, title: str, caption: str) -> tuple[str, dict]:
    """Save slide 1 from ``page``: (the status line it shows, its story selection afterwards)."""
    status, data = page.send("POST", CALLBACK_PATH, save_edit_body(page, current, 0, title, caption))
    assert status == 200, data[:500]
    response = orjson.loads(data)["response"]
    return response[StoryIds.STATUS]["children"], response.get(StoryIds.STORE, {}).get("data", current)


def test_tws001_two_editors_on_two_servers_save_the_same_slide_at_once(deployment):
    database_url, pages = deployment
    stories = DatabaseStoryRepository(engine_for(database_url), conflict=StaleStory)
    stories.save(Story(story_id="shared", title="Shared", slides=(Slide(title="First"), Slide(title="Second"))))
    start = story_hash(stories.get("shared"))
    current = {name: selection("shared", 1, content_hash=start) for name in pages}
    stale = translate("story.stale", "en")
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    revision = stories.revision("shared")
    history = []

    def at_once(name: str, number: int) -> tuple[str, dict]:
        barrier.wait()
        return save(pages[name], current[name], f"round {number} by {name}", f"{name}'s caption {number}")

    with ThreadPoolExecutor(2) as pool:
        for number in range(ROUNDS):
            outcomes = dict(zip(pages, pool.map(at_once, pages, [number] * 2)))
            saved = [name for name, (status, _) in outcomes.items() if status != stale]
            told = [name for name, (status, _) in outcomes.items() if status == stale]
            assert len(saved) == 1 and len(told) == 1, (number, outcomes)
            [winner], [loser] = saved, told
            assert outcomes[winner][0] == translate("story.edited", "en", number=1,
                                                    slide=f"round {number} by {winner}")
            slide = stories.get("shared").slides[0]
            assert (slide.title, slide.caption) == (f"round {number} by {winner}", f"{winner}'s caption {number}")
            assert stories.revision("shared") == revision + 1  # one write, not two
            # the one told has the list refreshed (the story as it is now) and saves from it: kept too
            for name, (_, selected) in outcomes.items():
                current[name] = selected
            assert current[loser]["hash"] == story_hash(stories.get("shared"))
            status, current[loser] = save(pages[loser], current[loser], f"round {number} by {loser}",
                                          f"{loser}'s caption {number}")
            assert status == translate("story.edited", "en", number=1, slide=f"round {number} by {loser}")
            revision += 2
            assert stories.revision("shared") == revision
            # the winner's list is redrawn from the story as it now is (the panel re-reads after a change)
            current[winner] = dict(current[winner], hash=story_hash(stories.get("shared")))
            history.append(winner)
    assert [s.title for s in stories.get("shared").slides][1:] == ["Second"]  # the other slide untouched
    print(f"winners by round: {history}")
