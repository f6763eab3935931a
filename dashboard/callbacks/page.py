"""Render the page body from the URL: the dashboard, the presenter screen or the speaker notes.

The body is rebuilt only when the language or the page changes; filter changes never rebuild it,
and never even ask the server: the browser derives the page key (path and ``lang``) from the URL
and writes it only when it changes.
"""

from __future__ import annotations

from dash import Input, Output, State, callback, clientside_callback
from dash.exceptions import PreventUpdate

from dashboard.callbacks.guard import page_account
from dashboard.callbacks.views import initial_view_props
from dashboard.data.filters import parse_url_state
from dashboard.ids import PageIds
from dashboard.layout.page import build_page
from dashboard.layout.present import build_notes, build_presenter
from dashboard.layout.serialised import as_json_fragment
from dashboard.state.context import get_context
from dashboard.state.interactions import page_route

clientside_callback(
    """function (pathname, search, current) {
        const key = {path: pathname || "/", lang: new URLSearchParams(search || "").get("lang") || ""};
        const same = current && current.path === key.path && current.lang === key.lang;
        return same ? window.dash_clientside.no_update : key;
    }""",
    Output(PageIds.PAGE_KEY, "data"),
    Input(PageIds.URL, "pathname"),
    Input(PageIds.URL, "search"),
    State(PageIds.PAGE_KEY, "data"),
)


@callback(
    Output(PageIds.BODY, "children"),
    Output(PageIds.LANG_STORE, "data"),
    Output(PageIds.ROUTE_STORE, "data"),
    Input(PageIds.PAGE_KEY, "data"),
    State(PageIds.URL, "pathname"),
    State(PageIds.URL, "search"),
    State(PageIds.LANG_STORE, "data"),
    State(PageIds.ROUTE_STORE, "data"),
    prevent_initial_call=True,
)
def update_page_body(_page_key, pathname, search, rendered_lang, rendered_route):
    """Build the page the path names, in the URL's language."""
    state, notices = parse_url_state(search)
    route = page_route(pathname)
    if rendered_lang == state.lang and rendered_route == list(route):
        raise PreventUpdate
    context = get_context()
    if route[0] == "present":
        body = build_presenter(context, route[1], search or "", state.lang)
    elif route[0] == "notes":
        body = build_notes(context, route[1], search or "", state.lang)
    else:
        body = build_page(context, state, notices, page_account(context.settings),
                          view_props=initial_view_props(search or "", state.lang))
    return as_json_fragment(body), state.lang, list(route)
