"""Sign-in, CSRF and roles on the served app (gunicorn, a real PostgreSQL): forged callback POSTs per
role are refused with 403 and change nothing; the same requests from the right role go through."""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import uuid
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text

from bench.run import Arm, gunicorn
from dashboard.config import Settings
from dashboard.data.database import engine_for
from dashboard.data.database.users import UserRepository
from dashboard.data.roles import Role
from dashboard.ids import DataIds, PageIds, StoryIds
from dashboard.users_cli import add_users_parser, run_users
from tests.integration.database import throwaway_database
from tests.shared_client import CSRF_COOKIE, SharedPage

SECRET = "test-secret-key-of-the-shared-deployment"
PASSWORDS = {role: f"{role}-password-123" for role in Role}
SHARED_APP = Arm("shared", "app:server", "filters-types.value", True, "timeline-graph", "map-graph",
                 "page-reset")
UPLOAD = f"{DataIds.UPLOAD_TOKEN}.data"
DELETE = f"{DataIds.CONFIRM}.submit_n_clicks"
ADD_SLIDE = f"{StoryIds.ADD}.n_clicks"


@pytest.fixture(scope="module")
def database_url():
    with throwaway_database() as url:
        yield url


@pytest.fixture(scope="module")
def users(database_url):
    repository = UserRepository(engine_for(database_url))
    for role in Role:
        repository.add(str(role), PASSWORDS[role], role)
    return repository


def serve(database_url: str, data_dir: Path, log_dir: Path, **env: str):
    return gunicorn(SHARED_APP, {"RUTAS_DATABASE_URL": database_url, "RUTAS_SECRET_KEY": SECRET,
                                 "RUTAS_DATA_DIR": str(data_dir), **env}, "", workers=1, log_dir=log_dir)


@pytest.fixture(scope="module")
def served(database_url, users, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("shared-data")
    with serve(database_url, data_dir, tmp_path_factory.mktemp("logs")) as server:
        yield server, data_dir
    log = server.log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


def stored(data_dir: Path, database_url: str) -> dict:
    """Everything an import, a delete or a story edit could change: files and rows."""
    files = {str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(data_dir.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}
    with engine_for(database_url).connect() as connection:
        stories = connection.execute(text("SELECT story_id, revision FROM stories ORDER BY 1")).all()
        datasets = connection.execute(text("SELECT dataset_id FROM datasets ORDER BY 1")).scalars().all()
    return {"files": files, "stories": [tuple(r) for r in stories], "datasets": datasets}


def signed_in(server, role: Role | None) -> SharedPage:
    page = SharedPage(server.url)
    if role is not None:
        status, where = page.sign_in(str(role), PASSWORDS[role])
        assert (status, where) == (303, "/"), where
    return page


def upload_values(number: int) -> dict:
    data = f"date,lat,lon,location\n2019-01-{number:02d},-12.5,-73.8,Pichari\n".encode()
    contents = "data:text/csv;base64," + base64.b64encode(data).decode("ascii")
    return {f"{DataIds.UPLOAD}.contents": contents, f"{DataIds.UPLOAD}.filename": f"events-{number}.csv",
            UPLOAD: {"token": str(uuid.uuid4()), "chars": len(contents)}, f"{PageIds.LANG_STORE}.data": "en"}


def delete_values(dataset_id: str) -> dict:
    return {DELETE: 1, f"{DataIds.DELETE_TARGET}.data": dataset_id, f"{DataIds.DATASETS}.value": [dataset_id],
            f"{PageIds.LANG_STORE}.data": "en"}


def add_slide_values(title: str) -> dict:
    return {ADD_SLIDE: 1, f"{StoryIds.STORE}.data": {"id": None, "draft": title, "revision": 1, "hash": None},
            f"{StoryIds.SLIDE_TITLE}.value": title, f"{PageIds.LANG_STORE}.data": "en"}


def test_acs001_nothing_without_signing_in(served):
    server, _ = served
    page = SharedPage(server.url)
    assert page.send("GET", "/")[0] == 303 and page.last_headers["location"] == "/sign-in?next=%2F"
    assert page.send("GET", "/present/x?slide=2")[0] == 303
    assert page.last_headers["location"] == "/sign-in?next=%2Fpresent%2Fx%3Fslide%3D2"
    assert page.send("GET", "/_dash-layout")[0] == 401
    assert page.send("GET", "/_dash-dependencies")[0] == 401
    assert page.send("GET", "/assets/style.css")[0] in (200, 404)  # static code needs no session
    page.callbacks = signed_in(server, Role.VIEWER).known_callbacks()  # a forger knows the requests' shape
    status, answer = page.post_callback(UPLOAD, upload_values(1))
    assert (status, answer["reason"]) == (403, "importing data needs the editor role (you are not signed in)")
    status, answer = page.post_callback(f"{StoryIds.SELECT}.value", {f"{StoryIds.SELECT}.value": None})
    assert (status, answer["reason"]) == (401, "sign in to use Rutas")  # viewing too, in a private deployment


def test_acs002_sign_in_sets_safe_cookies_and_refuses_a_wrong_password(served):
    server, _ = served
    page = SharedPage(server.url)
    status, answer = page.sign_in("editor", "not-the-password")
    assert status == 401 and "Wrong user name or password." in answer
    status, answer = page.sign_in("nobody-here", "not-the-password")
    assert status == 401 and "Wrong user name or password." in answer
    status, where = page.sign_in("editor", PASSWORDS[Role.EDITOR], next_path="//evil.example/")
    assert (status, where) == (303, "/")  # only a path of this site
    session_cookie = [h for h in page.set_cookie_headers if h.startswith("rutas_session=")][-1]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # RUTAS_PUBLIC_URL is not https here
    csrf_cookie = [h for h in page.set_cookie_headers if h.startswith(f"{CSRF_COOKIE}=")][-1]
    assert "HttpOnly" not in csrf_cookie and "SameSite=Strict" in csrf_cookie  # the page's script reads it
    assert page.send("GET", "/")[0] == 200
    page.initial_load()  # every callback of the page answers
    assert page.get(StoryIds.STORE, "data") is not None


def test_acs003_forged_posts_are_refused_by_role_and_change_nothing(served, database_url):
    server, data_dir = served
    viewer, editor, admin = (signed_in(server, role) for role in (Role.VIEWER, Role.EDITOR, Role.ADMIN))

    # the editor imports (so there is a dataset to delete) and starts a story
    status, answer = editor.post_callback(UPLOAD, upload_values(2))
    assert status == 200, answer
    dataset_id = answer["response"][DataIds.REPORT_STORE]["data"]["dataset_id"]
    assert editor.post_callback(ADD_SLIDE, add_slide_values("Editor's story"))[0] == 200
    before = stored(data_dir, database_url)
    assert dataset_id in str(before) and before["stories"]

    for page, key, values, reason in [
        (viewer, UPLOAD, upload_values(3), "importing data needs the editor role (you are signed in as viewer)"),
        (viewer, ADD_SLIDE, add_slide_values("Forged"), "editing stories needs the editor role (you are signed in "
                                                        "as viewer)"),
        (viewer, DELETE, delete_values(dataset_id), "deleting a dataset needs the admin role (you are signed in "
                                                    "as viewer)"),
        (editor, DELETE, delete_values(dataset_id), "deleting a dataset needs the admin role (you are signed in "
                                                    "as editor)"),
    ]:
        status, answer = page.post_callback(key, values)
        assert (status, answer.get("reason")) == (403, reason)
        assert stored(data_dir, database_url) == before, key

    status, answer = admin.post_callback(DELETE, delete_values(dataset_id))  # the same request, from an admin
    assert status == 200, answer
    assert dataset_id not in str(stored(data_dir, database_url)["files"])
    assert viewer.post_callback(f"{StoryIds.SELECT}.value", {f"{StoryIds.SELECT}.value": None})[0] in (200, 204)


def test_acs004_a_post_without_the_session_token_is_refused(served, database_url):
    server, data_dir = served
    editor = signed_in(server, Role.EDITOR)
    before = stored(data_dir, database_url)
    for header in ("", "wrong", "x" * 43):
        editor.csrf_header = header
        status, answer = editor.post_callback(ADD_SLIDE, add_slide_values("No token"))
        assert status == 403 and "CSRF" in answer["reason"]
    # a token planted in the cookie (a sibling site's cookie) is not the session's: refused too
    editor.csrf_header = None
    real = editor.cookies[CSRF_COOKIE]
    editor.cookies[CSRF_COOKIE] = "planted-token-planted-token-planted-token-1"
    assert editor.post_callback(ADD_SLIDE, add_slide_values("Planted"))[0] == 403
    assert stored(data_dir, database_url) == before
    editor.cookies[CSRF_COOKIE] = real
    assert editor.post_callback(ADD_SLIDE, add_slide_values("With the token"))[0] == 200
    # the sign-in form needs the token too (no sign-in from another site)
    page = SharedPage(server.url)
    page.send("GET", "/sign-in")
    form = f"username=editor&password={PASSWORDS[Role.EDITOR]}&csrf_token=forged".encode()
    assert page.send("POST", "/sign-in", form, "application/x-www-form-urlencoded")[0] == 403
    assert "rutas_session" not in str(page.cookies.get("rutas_session", ""))  # no session carrying a user


def test_acs005_sessions_end_with_sign_out_a_role_change_or_removal(served, users):
    server, _ = served
    editor = signed_in(server, Role.EDITOR)
    assert editor.sign_out() == 303
    assert editor.send("GET", "/")[0] == 303
    users.add("temp-editor", "temporary-password", Role.EDITOR)
    page = SharedPage(server.url)
    assert page.sign_in("temp-editor", "temporary-password")[0] == 303 and page.send("GET", "/")[0] == 200
    users.set_role("temp-editor", Role.VIEWER)  # a change signs the old session out
    assert page.send("GET", "/")[0] == 303
    assert page.sign_in("temp-editor", "temporary-password")[0] == 303
    status, answer = page.post_callback(ADD_SLIDE, add_slide_values("After demotion"))
    assert status == 403 and "signed in as viewer" in answer["reason"]
    users.remove("temp-editor")
    assert page.send("GET", "/")[0] == 303


def test_acs006_public_read_views_without_signing_in_but_changes_nothing(database_url, users, tmp_path):
    data_dir = tmp_path / "data"
    with serve(database_url, data_dir, tmp_path, RUTAS_PUBLIC_READ="true") as server:
        page = SharedPage(server.url)
        assert page.send("GET", "/")[0] == 200
        page.initial_load()  # the page and its views answer anonymous visitors
        before = stored(data_dir, database_url)
        for key, values, what in [(UPLOAD, upload_values(4), "importing data"),
                                  (ADD_SLIDE, add_slide_values("Anonymous"), "editing stories"),
                                  (DELETE, delete_values("rutas"), "deleting a dataset")]:
            status, answer = page.post_callback(key, values)
            assert status == 403 and answer["reason"].startswith(what) and "not signed in" in answer["reason"]
        assert stored(data_dir, database_url) == before
        editor = signed_in(server, Role.EDITOR)
        assert editor.post_callback(ADD_SLIDE, add_slide_values("Signed in"))[0] == 200


def test_acs007_users_command(database_url, users):
    parser = argparse.ArgumentParser()
    add_users_parser(parser.add_subparsers(dest="command"))
    settings = Settings(database_url=database_url, secret_key=SECRET)

    def run(*argv: str, stdin: str = "") -> tuple[str, int]:
        return run_users(settings, parser.parse_args(["users", *argv]), io.StringIO(stdin))

    assert run("add", "Carla", "--role", "editor", stdin="a-long-password\n") == ("added carla (editor)", 0)
    assert run("add", "carla", stdin="another-password\n")[1] == 1  # exists already
    assert run("add", "dan", stdin="short\n") == ("error: a password needs at least 12 characters", 1)
    listed, status = run("list")
    assert status == 0 and "carla\teditor" in listed.splitlines() and "dan" not in listed
    assert users.authenticate("carla", "a-long-password").role == Role.EDITOR
    assert run("password", "carla", stdin="a-newer-password\n")[1] == 0
    assert users.authenticate("carla", "a-long-password") is None
    assert run("role", "carla", "admin")[0] == "carla is now admin; their sessions are signed out"
    assert run("remove", "carla") == ("removed carla", 0)
    assert run("remove", "carla")[1] == 1
    assert run_users(Settings(), parser.parse_args(["users", "list"]))[1] == 2  # no database: says so
    with engine_for(database_url).connect() as connection:  # only hashes are stored
        hashes = connection.execute(text("SELECT password_hash FROM users")).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes) and not any("password" in h for h in hashes)


def test_acs008_sign_in_attempts_are_capped(served, users):
    server, _ = served
    users.add("guessed", "the-real-password", Role.EDITOR)
    page = SharedPage(server.url)
    for _ in range(10):
        assert page.sign_in("guessed", "a-wrong-guess")[0] == 401
    status, answer = page.sign_in("guessed", "the-real-password")  # even the right one, for now
    assert status == 429 and "Too many failed sign-ins" in answer
    assert page.send("GET", "/")[0] == 303  # not signed in
    assert signed_in(server, Role.EDITOR).send("GET", "/sign-in")[0] == 200  # other names are not held up


def test_acs009_unclicked_buttons_of_a_viewers_list_are_no_update_a_click_is_403(served, database_url):
    """A story's slide list drawn on a viewer's page reports its new buttons (no clicks): answered
    204 "no update" without running anything; a forged click on the same button is 403."""
    server, data_dir = served
    viewer = signed_in(server, Role.VIEWER)
    status, raw = viewer.send("GET", "/_dash-dependencies")
    [dependency] = [d for d in orjson.loads(raw) if d["inputs"] and d["inputs"][0]["id"].startswith("{")
                    and json.loads(d["inputs"][0]["id"]).get("type") == StoryIds.MOVE_UP]
    before = stored(data_dir, database_url)

    def press(clicks: int) -> int:
        button = {"index": 0, "type": str(StoryIds.MOVE_UP)}
        inputs = [[{"id": dict(json.loads(i["id"]), index=0), "property": i["property"],
                    "value": clicks if json.loads(i["id"])["type"] == StoryIds.MOVE_UP else 0}]
                  for i in dependency["inputs"]]
        state = [{"id": s["id"], "property": s["property"],
                  "value": {"id": "x", "revision": 1, "hash": None} if s["id"] == StoryIds.STORE else "en"}
                 for s in dependency["state"]]
        body = {"output": dependency["output"], "inputs": inputs, "state": state,
                "changedPropIds": [json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"]}
        return viewer.send("POST", "/_dash-update-component", orjson.dumps(body))[0]

    assert press(0) == 204
    assert press(1) == 403
    assert stored(data_dir, database_url) == before
