"""A shared deployment in a real browser: sign in, the dashboard's callbacks carry the CSRF token
Dash's renderer copies from its cookie, an editor saves a story into PostgreSQL, a viewer's
attempt is refused on the server, sign-out ends the session."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from bench.harness import PageLog, chromium_browser, settle
from bench.run import Arm, gunicorn
from dashboard.data.database import engine_for
from dashboard.data.database.users import UserRepository
from dashboard.data.roles import Role
from tests.integration.database import throwaway_database

pytestmark = pytest.mark.browser

SHARED_APP = Arm("shared", "app:server", "filters-types.value", True, "timeline-graph", "map-graph",
                 "page-reset")
PASSWORD = "browser-test-password"


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    with throwaway_database() as url:
        users = UserRepository(engine_for(url))
        users.add("ed", PASSWORD, Role.EDITOR)
        users.add("vi", PASSWORD, Role.VIEWER)
        folder = tmp_path_factory.mktemp("shared-browser")
        env = {"RUTAS_DATABASE_URL": url, "RUTAS_SECRET_KEY": "browser-test-secret-key-0123456789",
               "RUTAS_DATA_DIR": str(folder / "data")}
        with gunicorn(SHARED_APP, env, "", workers=1, log_dir=folder) as server:
            yield server.url, url


def stories_in(database_url: str) -> list[str]:
    with engine_for(database_url).connect() as connection:
        return list(connection.execute(text("SELECT title FROM stories ORDER BY title")).scalars())


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/")
    page.wait_for_url("**/sign-in?next=%2F")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")


def start_story(page, title: str) -> None:
    page.fill("#story-new-title", title)
    page.click("button[aria-label='Start a new story with this title']")
    page.wait_for_function("(t) => document.querySelector('#story-heading').textContent.includes(t)", arg=title)
    page.click("#story-add")


def test_shb001_sign_in_then_the_page_works_and_an_editor_saves_into_the_database(shared):
    base_url, database_url = shared
    with chromium_browser() as context:
        context.set_default_timeout(60_000)
        page = context.new_page()
        log = PageLog(page)
        callbacks: list[tuple[int, str | None]] = []
        refusals: list[str] = []

        def on_response(response) -> None:
            if urlsplit(response.url).path == "/_dash-update-component":
                callbacks.append((response.status, response.request.all_headers().get("x-csrftoken")))
                if response.status != 200 and response.status != 204:
                    refusals.append((response.request.post_data_json or {}).get("output"))

        page.on("response", on_response)
        sign_in(page, base_url, "ed")
        settle(page)
        token = next(c["value"] for c in context.cookies() if c["name"] == "_csrf_token")
        assert callbacks and all(status in (200, 204) for status, _ in callbacks), callbacks
        assert {header for _, header in callbacks} == {token}  # every callback carried the session's token
        start_story(page, "Signed-in story")
        page.wait_for_function("() => (document.querySelector('#story-status') || {}).textContent"
                               " && document.querySelector('#story-status').textContent.includes('Saved')")
        assert stories_in(database_url) == ["Signed-in story"]
        assert log.errors == []

        # sign out: the next visit goes to the sign-in page again
        page.goto(base_url + "/sign-out")
        page.click("button[type=submit]")
        page.wait_for_url("**/sign-in")
        page.goto(base_url + "/")
        page.wait_for_url("**/sign-in?next=%2F")

        # a viewer sees the dashboard; the server refuses their story (whatever the page shows)
        callbacks.clear()
        sign_in(page, base_url, "vi")
        settle(page)
        assert callbacks and all(status in (200, 204) for status, _ in callbacks), refusals  # viewing works
        assert log.errors == []
        # The page offers a viewer nothing the server would refuse: who they are and a way out, no
        # import, delete or story editing (the server refusing a forged request: test_access_served).
        assert page.locator("header").inner_text().count("vi (viewer)") == 1
        assert page.locator("a.account-link", has_text="Sign out").is_visible()
        assert not page.locator("#story-new-title").is_visible()
        assert not page.locator("#data-upload").is_visible()
        assert page.locator("#story-select").is_visible()  # choosing and presenting a story stay
        # A click the page could still send (a story control forced visible) is refused, with the reason.
        page.evaluate("() => document.querySelector('.story-new').hidden = false")
        page.fill("#story-new-title", "Viewer's story")
        with page.expect_response(lambda r: urlsplit(r.url).path == "/_dash-update-component"
                                  and r.status == 403) as refused:
            page.click("button[aria-label='Start a new story with this title']")
        assert refused.value.json()["reason"] == "editing stories needs the editor role (you are signed in as viewer)"
        assert stories_in(database_url) == ["Signed-in story"]
