"""Render the page body from the URL: the dashboard, the presenter screen or the speaker notes.

The body is rebuilt only when the language or the page changes; filter changes never rebuild it.
"""

from __future__ import annotations

from dash import Input, Output, State, callback
from dash.exceptions import PreventUpdate

from dashboard.data.filters import parse_url_state
from dashboard.ids import PageIds
from dashboard.layout.page import build_page
from dashboard.layout.present import build_notes, build_presenter
from dashboard.state.context import get_context
from dashboard.state.interactions import page_route


@callback(
    Output(PageIds.BODY, "children"),
    Output(PageIds.LANG_STORE, "data"),
    Output(PageIds.ROUTE_STORE, "data"),
    Input(PageIds.URL, "pathname"),
    Input(PageIds.URL, "search"),
    State(PageIds.LANG_STORE, "data"),
    State(PageIds.ROUTE_STORE, "data"),
)
def update_page_body(pathname, search, rendered_lang, rendered_route):
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
        body = build_page(context, state, notices)
    return body, state.lang, list(route)
