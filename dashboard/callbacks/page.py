"""Render the page body from the URL; re-render only when the language changes."""

from __future__ import annotations

from dash import Input, Output, State, callback
from dash.exceptions import PreventUpdate

from dashboard.context import get_context
from dashboard.data.filters import parse_url_state
from dashboard.ids import PageIds
from dashboard.layout.page import build_page


@callback(
    Output(PageIds.BODY, "children"),
    Output(PageIds.LANG_STORE, "data"),
    Input(PageIds.URL, "search"),
    State(PageIds.LANG_STORE, "data"),
)
def update_page_body(search, rendered_lang):
    """Build the page in the URL's language; filter changes alone never rebuild it."""
    state, notices = parse_url_state(search)
    if rendered_lang == state.lang:
        raise PreventUpdate
    return build_page(get_context(), state, notices), state.lang
