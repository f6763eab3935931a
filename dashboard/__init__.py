"""Rutas: an interactive geographic dashboard of the cocaine trade that starts in Peru."""

from __future__ import annotations

from pathlib import Path

from dashboard.config import Settings

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


def create_app(settings: Settings | None = None):
    """Load and validate the bundled data, then build the Dash app.

    Raises ``DataFileError`` when a bundled file is broken (file, line and field named).
    """
    import dash

    from dashboard.state.context import load_context, set_context

    settings = settings or Settings.from_env()
    set_context(load_context(settings))

    import dashboard.callbacks  # noqa: F401  (registers every callback)
    from dashboard.layout.page import build_shell

    app = dash.Dash(
        __name__,
        title="Rutas",
        assets_folder=str(ASSETS_DIR),
        suppress_callback_exceptions=True,  # the page body is rendered from the URL
        serve_locally=True,
        update_title=None,
    )
    app.layout = build_shell()
    configure_server(app.server, settings)
    return app


def configure_server(server, settings: Settings) -> None:
    """Flask settings: the request size limit for uploads, and the secret key."""
    from dashboard.state.uploads import request_size_limit

    # Uploads arrive as base64 inside a JSON request: refuse bodies far beyond the import limit
    # before reading them; the import itself checks the decoded size exactly.
    server.config["MAX_CONTENT_LENGTH"] = request_size_limit(settings.max_upload_bytes)
    if settings.secret_key:
        server.secret_key = settings.secret_key
