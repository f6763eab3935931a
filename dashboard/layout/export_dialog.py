"""The export dialog: chart, format, size, theme, title, credit, alt text, permalink, download."""

from __future__ import annotations

from dash import dcc, html

from dashboard.exports.spec import PNG_SCALES, ChartKind, ExportFormat, ExportTheme, SizePreset
from dashboard.i18n import translate
from dashboard.ids import ExportIds


def _field(label_key: str, control: object, lang: str, control_id: str) -> html.Div:
    return html.Div([html.Label(translate(label_key, lang), htmlFor=control_id), control], className="export-field")


def _radio(control_id: str, values: list[str], prefix: str, lang: str, default: str) -> dcc.RadioItems:
    return dcc.RadioItems(id=control_id, value=default, inline=True, className="radio",
                          options=[{"label": translate(f"{prefix}.{v}", lang), "value": v} for v in values])


def chart_options(lang: str, indicator_title: str = "") -> list[dict[str, object]]:
    """The chart choices; the indicator is offered (named) only when the view shows a series."""
    options = []
    for kind in ChartKind:
        option: dict[str, object] = {"label": translate(f"export.chart.{kind}", lang), "value": kind.value}
        if kind is ChartKind.INDICATOR:
            option["disabled"] = not indicator_title
            if indicator_title:
                option["label"] = translate("story.indicator", lang, title=indicator_title)
        options.append(option)
    return options


def build_export_dialog(lang: str) -> html.Div:
    """A modal dialog, hidden until the header's Export button opens it."""
    form = html.Div([
        html.Div([
            html.H2(translate("export.dialog_title", lang), id=ExportIds.HEADING),
            html.Button(translate("export.close", lang), id=ExportIds.CLOSE, n_clicks=0, className="small-button"),
        ], className="export-header"),
        _field("export.chart", dcc.RadioItems(id=ExportIds.CHART, value=ChartKind.MAP.value, inline=True,
                                              className="radio", options=chart_options(lang)), lang, ExportIds.CHART),
        _field("export.format", _radio(ExportIds.FORMAT, [f.value for f in ExportFormat], "export.format", lang,
                                       ExportFormat.PNG.value), lang, ExportIds.FORMAT),
        _field("export.size", _radio(ExportIds.SIZE, [s.value for s in SizePreset], "export.size", lang,
                                     SizePreset.WEB.value), lang, ExportIds.SIZE),
        html.Div([
            _field("export.scale", dcc.RadioItems(
                id=ExportIds.SCALE, value=2, inline=True, className="radio",
                options=[{"label": f"{scale}×", "value": scale} for scale in PNG_SCALES]), lang, ExportIds.SCALE),
            _field("export.theme", _radio(ExportIds.THEME, [t.value for t in ExportTheme], "export.theme", lang,
                                          ExportTheme.LIGHT.value), lang, ExportIds.THEME),
        ], className="export-row"),
        dcc.Loading(html.Img(id=ExportIds.PREVIEW, className="export-preview", alt=""), type="circle",
                    delay_show=300),
        _field("export.title", dcc.Input(id=ExportIds.TITLE, type="text", debounce=True, maxLength=200,
                                         className="export-input"), lang, ExportIds.TITLE),
        _field("export.credit", dcc.Input(id=ExportIds.CREDIT, type="text", debounce=True, maxLength=200,
                                          placeholder=translate("export.credit_placeholder", lang),
                                          className="export-input"), lang, ExportIds.CREDIT),
        _field("export.alt_text", dcc.Textarea(id=ExportIds.ALT_TEXT, readOnly=True, className="export-alt"),
               lang, ExportIds.ALT_TEXT),
        _field("export.permalink", html.Div([
            dcc.Input(id=ExportIds.PERMALINK, type="text", readOnly=True, className="export-input"),
            dcc.Clipboard(target_id=ExportIds.PERMALINK, id=ExportIds.COPY, title=translate("export.copy", lang),
                          className="export-copy"),
        ], className="export-link"), lang, ExportIds.PERMALINK),
        html.P(translate("export.data_note", lang), className="panel-help"),
        html.Div([
            html.Button(translate("export.download", lang), id=ExportIds.DOWNLOAD_BUTTON, n_clicks=0,
                        className="button primary"),
            dcc.Loading(html.Div(id=ExportIds.STATUS, className="export-status", role="status"),
                        type="dot", delay_show=300),
        ], className="export-actions"),
        dcc.Download(id=ExportIds.DOWNLOAD),
        dcc.Store(id=ExportIds.DEFAULT_TITLE),
    ], className="export-dialog", role="dialog", **{"aria-modal": "true", "aria-labelledby": ExportIds.HEADING})
    return html.Div(form, id=ExportIds.DIALOG, className="export-backdrop", hidden=True)
