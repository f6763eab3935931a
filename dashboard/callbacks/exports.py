"""Export dialog: open and close it, describe the view, make the file; charts' accessible labels."""

from __future__ import annotations

import logging

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard.callbacks.links import request_base_url
from dashboard.data.filters import FilterSpec, parse_url_state
from dashboard.exports.render import ExportError
from dashboard.exports.service import (
    data_uri,
    describe_view,
    download_data,
    export_view,
    human_size,
)
from dashboard.exports.spec import ChartKind, ExportFormat, request_from_controls
from dashboard.figures.indicator_chart import series_title
from dashboard.i18n import translate
from dashboard.ids import BreakdownIds, ExportIds, PageIds
from dashboard.layout.export_dialog import chart_options
from dashboard.state.context import get_context
from dashboard.state.interactions import next_export_title
from dashboard.state.views import chart_labels, indicator_catalog_of

log = logging.getLogger(__name__)




def _export_current_view(search: str | None, fmt: str, request, lang: str):
    """The dialog's one way to make a file: the view in the URL, with this deployment's settings."""
    context = get_context()
    return export_view(context.store, context.data, search or "", fmt, request, lang=lang, base_url=request_base_url(),
                       dataset_names=context.dataset_names(), max_rows=context.settings.max_export_rows,
                       indicators=indicator_catalog_of(context))


@callback(
    Output(ExportIds.DIALOG, "hidden"),
    Input(ExportIds.OPEN, "n_clicks"),
    Input(ExportIds.CLOSE, "n_clicks"),
    prevent_initial_call=True,
)
def on_toggle_export_dialog(_opened, _closed):
    """The Export button opens the dialog; Close hides it."""
    return ctx.triggered_id != ExportIds.OPEN


@callback(
    output=dict(options=Output(ExportIds.CHART, "options"), chart=Output(ExportIds.CHART, "value")),
    inputs=dict(hidden=Input(ExportIds.DIALOG, "hidden")),
    state=dict(chart=State(ExportIds.CHART, "value"), search=State(PageIds.BODY_URL, "search"),
               lang=State(PageIds.LANG_STORE, "data")),
    prevent_initial_call=True,
)
def update_export_charts(hidden, chart, search, lang):
    """On opening: the indicator chart is offered, named, when the view shows a series (else the map)."""
    if hidden:
        raise PreventUpdate
    shown = indicator_title_of(search, lang)
    keep = chart != ChartKind.INDICATOR.value or bool(shown)
    return dict(options=chart_options(lang, shown), chart=no_update if keep else ChartKind.MAP.value)


def indicator_title_of(search: str | None, lang: str) -> str:
    """The title of the series the view's link names (``ind``), "" when none or unknown."""
    info = indicator_catalog_of(get_context()).info(parse_url_state(search or "")[0].indicator or None)
    return series_title(info, lang) if info is not None else ""


@callback(
    Output(ExportIds.TITLE, "value"),
    Output(ExportIds.DEFAULT_TITLE, "data"),
    Output(ExportIds.ALT_TEXT, "value"),
    Output(ExportIds.PERMALINK, "value"),
    Input(ExportIds.DIALOG, "hidden"),
    Input(ExportIds.CHART, "value"),
    State(ExportIds.TITLE, "value"),
    State(ExportIds.DEFAULT_TITLE, "data"),
    State(PageIds.BODY_URL, "search"),
    State(PageIds.LANG_STORE, "data"),
    State(BreakdownIds.FIELD, "value"),
    prevent_initial_call=True,
)
def update_export_preview(hidden, chart, title, last_default, search, lang, breakdown_field):
    """Title (the default, unless the user wrote one), alt text and permalink of the view."""
    if hidden:
        raise PreventUpdate
    context = get_context()
    described = describe_view(context.store, search or "", request_from_controls(chart=chart,
                              breakdown_field=breakdown_field), lang=lang, base_url=request_base_url(),
                              dataset_names=context.dataset_names(), indicators=indicator_catalog_of(context))
    return (next_export_title(title, last_default, described.title), described.title, described.alt_text,
            described.permalink)


@callback(
    Output(ExportIds.PREVIEW, "src"),
    Output(ExportIds.PREVIEW, "alt"),
    Input(ExportIds.TITLE, "value"),
    Input(ExportIds.SIZE, "value"),
    Input(ExportIds.THEME, "value"),
    Input(ExportIds.CREDIT, "value"),
    State(ExportIds.CHART, "value"),
    State(ExportIds.DIALOG, "hidden"),
    State(BreakdownIds.FIELD, "value"),
    State(PageIds.BODY_URL, "search"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def update_export_image(title, size, theme, credit, chart, hidden, breakdown_field, search, lang):
    """A preview of the chart as it will be exported (the title written when the dialog opens triggers it)."""
    if hidden:
        raise PreventUpdate
    request = request_from_controls(chart, size, 1, theme, title, credit, breakdown_field)
    try:
        exported = _export_current_view(search, ExportFormat.PNG, request, lang)
    except Exception:  # a preview that cannot be drawn is left out; Download reports the reason
        log.exception("export preview failed")
        return "", ""
    return data_uri(exported), exported.context.alt_text


@callback(
    Output(ExportIds.DOWNLOAD, "data"),
    Output(ExportIds.STATUS, "children"),
    Input(ExportIds.DOWNLOAD_BUTTON, "n_clicks"),
    State(ExportIds.CHART, "value"),
    State(ExportIds.FORMAT, "value"),
    State(ExportIds.SIZE, "value"),
    State(ExportIds.SCALE, "value"),
    State(ExportIds.THEME, "value"),
    State(ExportIds.TITLE, "value"),
    State(ExportIds.CREDIT, "value"),
    State(BreakdownIds.FIELD, "value"),
    State(PageIds.BODY_URL, "search"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_export_download(_clicks, chart, fmt, size, scale, theme, title, credit, breakdown_field, search, lang):
    """Make the file on the server and hand it to the browser; a failure is a message, never a traceback."""
    request = request_from_controls(chart, size, scale, theme, title, credit, breakdown_field)
    try:
        exported = _export_current_view(search, fmt, request, lang)
    except (ExportError, ValueError) as error:
        log.warning("export failed: %s", error)
        return no_update, translate("export.failed", lang, reason=str(error))
    except Exception:  # an export bug costs that export, never the page
        log.exception("export failed")
        return no_update, translate("export.failed", lang, reason=translate("export.internal_error", lang))
    return download_data(exported), translate("export.done", lang, name=exported.file_name,
                                              size=human_size(len(exported.data)))


def update_chart_labels(lang, filter_data, breakdown_field):
    """Each chart's accessible label is its alt text, so a screen reader hears what the chart shows
    (by chart kind; :func:`dashboard.callbacks.views.draw_views` writes them with the views). The
    indicator chart's label is written with the chart itself (``update_indicator``), so it is left out."""
    context = get_context()
    labels = chart_labels(context.store, FilterSpec.from_store(filter_data), lang, breakdown_field,
                          context.dataset_names())
    return {kind: text for kind, text in labels.items() if kind is not ChartKind.INDICATOR}
