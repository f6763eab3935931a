"""The app as a shared deployment serves it, for served tests: ``gunicorn tests.shared_app:server``.

Settings come from the environment (``RUTAS_DATABASE_URL``, ``RUTAS_SECRET_KEY`` …). Two pieces
of wiring live in files other helpers own and are applied by the lead (see the H2 report): the
access checks in ``create_app`` and the database story repository in the process context. Until
they are, they are put in place here; once they are, both steps find them there and do nothing.
"""

from __future__ import annotations

from dash import _callback

from dashboard import create_app
from dashboard.access import install_access
from dashboard.config import Settings
from dashboard.data.database import engine_for
from dashboard.data.database.stories import DatabaseStoryRepository
from dashboard.state.context import get_context
from dashboard.state.story_builder import StaleStory

settings = Settings.from_env()
app = create_app(settings)
install_access(app.server, settings, lambda: {**_callback.GLOBAL_CALLBACK_MAP, **app.callback_map})
context = get_context()
if not isinstance(context.stories, DatabaseStoryRepository):
    context.stories = DatabaseStoryRepository(engine_for(settings.database_url), context.stories.bundled_dir,
                                              conflict=StaleStory)
server = app.server
