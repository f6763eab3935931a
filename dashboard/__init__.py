"""Rutas: an interactive geographic dashboard of the cocaine trade that starts in Peru."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from dashboard.config import Settings
from dashboard.serving import COMPONENT_SUITES_PREFIX, file_callback_outputs, install, page_scripts

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


def create_app(settings: Settings | None = None):
    """Load and validate the bundled data, then build the Dash app.

    Raises ``DataFileError`` when a bundled file is broken (file, line and field named).
    """
    import dash

    from dashboard.state.context import load_context, set_context

    settings = settings or Settings.from_env()
    if settings.database_url:  # the shared deployment stops here without a secret key, before loading data
        from dashboard.access import check_shared_settings

        check_shared_settings(settings)
    set_context(load_context(settings))

    import dashboard.callbacks  # noqa: F401  (registers every callback)
    from dashboard.layout.page import build_shell

    class RutasDash(dash.Dash):
        # Dash's own hook for the page's HTML: the page's scripts without the babel polyfill.
        def interpolate_index(self, **kwargs):
            return super().interpolate_index(**{**kwargs, "scripts": page_scripts(kwargs["scripts"])})

    app = RutasDash(
        __name__,
        title="Rutas",
        assets_folder=str(ASSETS_DIR),
        suppress_callback_exceptions=True,  # the page body is rendered from the URL
        serve_locally=True,
        update_title=None,
    )
    app.layout = build_shell()
    # The callbacks registered with @callback join app.callback_map at the first request; until then
    # they are Dash's global map. Hash the inline scripts after every clientside callback exists.
    from dash import _callback

    callbacks = {**_callback.GLOBAL_CALLBACK_MAP, **app.callback_map}
    configure_server(app.server, settings, script_hashes=app.csp_hashes(),
                     file_outputs=file_callback_outputs(callbacks))
    # Every callback request is held against the callback map before Dash reads it (issue 19).
    from dashboard.callbacks.guard import install_callback_guard

    install_callback_guard(app.server, lambda: {**_callback.GLOBAL_CALLBACK_MAP, **app.callback_map})
    if settings.database_url:  # sign-in, sessions, CSRF and roles (the embedded default has none)
        from dashboard.access import install_access

        install_access(app.server, settings, lambda: {**_callback.GLOBAL_CALLBACK_MAP, **app.callback_map})
    return app


def configure_server(server, settings: Settings, *, script_hashes: Sequence[str] = (),
                     file_outputs: Iterable[str] = ()) -> None:
    """Flask settings: request size limits, the secret key, and what every answer carries (security
    headers, cache lifetimes, compression: dashboard.serving).

    ``script_hashes`` are the CSP hashes of the page's inline scripts; ``file_outputs`` the keys of
    the callbacks that read an upload (they may send up to the upload limit, others far less).
    """
    from dashboard.state.uploads import request_size_limit

    # Uploads arrive as base64 inside a JSON request: refuse bodies far beyond the import limit
    # before reading them; the import itself checks the decoded size exactly.
    upload_request_limit = request_size_limit(settings.max_upload_bytes)
    server.config["MAX_CONTENT_LENGTH"] = upload_request_limit
    if settings.secret_key:
        server.secret_key = settings.secret_key
    install(server, settings, script_hashes=script_hashes, file_outputs=file_outputs,
            file_request_limit=upload_request_limit, versioned=is_versioned_url)


def is_versioned_url(path: str, query: Mapping) -> bool:
    """Whether a file's URL changes with its content: Dash's fingerprinted component suites, and
    assets carrying ``?m=`` (Dash's modified time; the map style's content versions)."""
    from dash.fingerprint import check_fingerprint

    if path.startswith(COMPONENT_SUITES_PREFIX):
        return check_fingerprint(path)[1]
    return "m" in query
