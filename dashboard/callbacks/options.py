"""Filter options: over the shown datasets, and a large vocabulary searched here as the user types.

What each control is sent is chosen in :mod:`dashboard.state.options` (capped labels, values a
browser can index, the chosen values kept); these callbacks only read the controls and send it.
"""

from __future__ import annotations

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.ids import DataIds, PageIds
from dashboard.layout.filters import DROPDOWN_FACETS, PANEL_FACETS, facet_options, searched_options
from dashboard.state.context import get_context
from dashboard.state.interactions import datasets_from_control


def _shown(ticked) -> tuple[str, ...]:
    """The dataset filter the ticked datasets mean (None before the checklist exists: the default)."""
    return datasets_from_control([str(d) for d in ticked or ()])


@callback(
    output=dict(options={facet.name: Output(facet.control, "options", allow_duplicate=True)
                         for facet in PANEL_FACETS}),
    inputs=dict(ticked=Input(DataIds.DATASETS, "value")),
    state=dict(chosen={facet.name: State(facet.control, "value") for facet in PANEL_FACETS},
               lang=State(PageIds.LANG_STORE, "data")),
    prevent_initial_call=True,
)
def on_datasets_shown(ticked, chosen, lang):
    """Offer what the shown datasets hold (after ticking, a link, an import or a delete)."""
    return dict(options=facet_options(get_context().store, lang, _shown(ticked), chosen))


@callback(
    output=dict(options={facet.name: Output(facet.control, "options", allow_duplicate=True)
                         for facet in DROPDOWN_FACETS}),
    inputs=dict(queries={facet.name: Input(facet.control, "search_value") for facet in DROPDOWN_FACETS}),
    state=dict(chosen={facet.name: State(facet.control, "value") for facet in DROPDOWN_FACETS},
               ticked=State(DataIds.DATASETS, "value"), lang=State(PageIds.LANG_STORE, "data")),
    prevent_initial_call=True,
)
def on_option_search(queries, chosen, ticked, lang):
    """Send what a search finds in a large vocabulary (a small one the browser searches itself)."""
    typed = {facet.name for facet in DROPDOWN_FACETS if f"{facet.control}.search_value" in ctx.triggered_prop_ids}
    store, datasets = get_context().store, _shown(ticked)
    found = {facet.name: searched_options(facet, store, lang, datasets, chosen.get(facet.name) or (),
                                          queries.get(facet.name)) for facet in DROPDOWN_FACETS if facet.name in typed}
    if all(options is None for options in found.values()):
        raise PreventUpdate
    return dict(options={facet.name: no_update if found.get(facet.name) is None else found[facet.name]
                         for facet in DROPDOWN_FACETS})
