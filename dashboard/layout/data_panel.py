"""The data panel (datasets shown, import, delete) and the import report."""

from __future__ import annotations

from dash import dcc, html

from dashboard.data.imports.detect import FORMAT_NAMES
from dashboard.data.imports.report import ImportReport, ProblemGroup
from dashboard.data.imports.stated_dates import MAX_STATED_DATE_CHARS as STATED_DATE_MAX_CHARS
from dashboard.data.schema import BUNDLED_DATASET
from dashboard.i18n import format_number, translate, translate_count
from dashboard.ids import DataIds
from dashboard.state.context import AppContext

REPORT_GROUPS_SHOWN = 100  # kinds of problem listed; every row is in the downloadable CSV
UPLOAD_POLL_MS = 1000  # how often the page asks what became of an upload
UPLOAD_POLL_MAX = 1800  # polls per upload (half an hour): room for a slow send and a long import


def dataset_options(context: AppContext, lang: str) -> list[dict]:
    """Checklist options: the bundled facts first, then each imported dataset, oldest first."""
    bundled = sum(d.events for d in context.store.datasets() if d.dataset_id == BUNDLED_DATASET)
    options = [{"label": translate("data.bundled", lang, events=format_number(bundled, lang)),
                "value": BUNDLED_DATASET}]
    synthetic = context.synthetic_datasets()
    options += [{"label": translate("data.imported", lang, name=meta.name, events=format_number(meta.events, lang))
                 + (f" · {translate('data.synthetic_dataset', lang).upper()}" if meta.dataset_id in synthetic else ""),
                 "value": meta.dataset_id} for meta in context.datasets]
    return options


def dataset_list(context: AppContext, lang: str, can_delete: bool = True) -> list:
    """One row per imported dataset with its delete button for those who may delete (a button
    inside a checkbox label would tick the box, so these sit in their own list)."""
    return [
        html.Li([
            html.Span(meta.name, className="dataset-name", title=f"{meta.file_name} · {meta.imported_at} · "
                                                                  f"SHA-256 {meta.sha256[:12]}…"),
            *([html.Button(translate("data.delete", lang), id={"type": DataIds.DELETE, "index": meta.dataset_id},
                           n_clicks=0, className="link-button", title=meta.dataset_id)] if can_delete else []),
        ], className="dataset-item")
        for meta in context.datasets
    ]


def format_options(lang: str) -> list[dict]:
    """Detect the format (the default), or force one when detection cannot tell."""
    return [{"label": f"{translate('data.format', lang)}: {translate('data.format_auto', lang)}", "value": "auto"}] + [
        {"label": f"{translate('data.format', lang)}: {label}", "value": kind.value} for kind, label in FORMAT_NAMES.items()]


def shown_datasets(selected: tuple[str, ...]) -> list[str]:
    """What the checklist shows for a filter: no ``dataset`` parameter means the bundled facts."""
    return list(selected) or [BUNDLED_DATASET]


def build_data_panel(context: AppContext, selected: tuple[str, ...], lang: str, *, can_import: bool = True,
                     can_delete: bool = True) -> html.Div:
    """Datasets shown, and (for those who may) the import controls and delete buttons: a viewer of a
    shared deployment sees no control the server would refuse (the import controls stay in the page,
    hidden, because callbacks name them)."""
    limit_mb = context.settings.max_upload_bytes / (1024 * 1024)
    return html.Div(id=DataIds.PANEL, className="data-panel", children=[
        html.H2(translate("data.title", lang)),
        html.Label(translate("data.datasets", lang), className="filter-label"),
        dcc.Checklist(id=DataIds.DATASETS, options=dataset_options(context, lang),
                      value=shown_datasets(selected), className="checklist"),
        html.Ul(dataset_list(context, lang, can_delete), id=DataIds.LIST, className="dataset-list"),
        html.Div(hidden=not can_import, className="import-controls", children=[
            dcc.Dropdown(id=DataIds.FORMAT, value="auto", clearable=False, searchable=False,
                         className="format-dropdown", options=format_options(lang)),
            html.Label(translate("data.stated_date", lang), htmlFor=DataIds.STATED_DATE, className="filter-label"),
            dcc.Input(id=DataIds.STATED_DATE, type="text", value="", maxLength=STATED_DATE_MAX_CHARS,
                      placeholder=translate("data.stated_date_placeholder", lang), className="stated-date",
                      name="stated-date", autoComplete="off", spellCheck=False),
            html.Div(translate("data.stated_date_hint", lang), className="upload-hint"),
            dcc.Upload(
                id=DataIds.UPLOAD, multiple=False, className="upload", max_size=context.settings.max_upload_bytes,
                children=html.Div([html.Div(translate("data.upload", lang), className="upload-title"),
                                   html.Div(translate("data.upload_formats", lang, limit=f"{limit_mb:g} MB"),
                                            className="upload-hint")]),
            ),
            # Filled by assets/upload-progress.js while a file is read and sent (size, elapsed time),
            # and at once for a file over the limit, which the upload control does not send at all.
            html.Div(id=DataIds.UPLOAD_STATUS, className="upload-status", role="status", **{
                "data-max-bytes": str(context.settings.max_upload_bytes),
                "data-sending": translate("data.sending", lang),
                "data-too-big": translate("data.too_big", lang, limit=f"{limit_mb:g} MB"),
            }),
            # While an upload's response is awaited, the page asks the server what became of it, so a
            # dropped response still ends in the real outcome (callbacks/datasets.py).
            html.Div(id=DataIds.UPLOAD_OUTCOME, className="upload-status", role="status"),
        ]),
        dcc.Store(id=DataIds.UPLOAD_TOKEN),
        dcc.Interval(id=DataIds.UPLOAD_POLL, interval=UPLOAD_POLL_MS, disabled=True, n_intervals=0,
                     max_intervals=UPLOAD_POLL_MAX),
        dcc.ConfirmDialog(id=DataIds.CONFIRM),
        dcc.Store(id=DataIds.DELETE_TARGET),
    ])


def build_report_area(lang: str) -> html.Div:
    """Where an import's report appears (full width, under the header)."""
    return html.Div([
        # delay_show: an upload's short polls (which may write the report) do not flash the overlay.
        dcc.Loading(html.Div(id=DataIds.REPORT, role="status"), type="dot", delay_show=300,
                    overlay_style={"visibility": "visible", "opacity": 0.5}),
        dcc.Store(id=DataIds.REPORT_STORE),
        dcc.Download(id=DataIds.REPORT_DOWNLOAD),
    ], className="report-area")


def build_upload_missing(lang: str, key: str = "data.upload_missing") -> list:
    """Said in the report area when an upload never reached the server (or its import was cut off)."""
    return [html.P(translate(key, lang), className="report-bad")]


def _group_cells(group: ProblemGroup, lang: str) -> list:
    """Count, first rows, field and the example reason of one group of alike problems."""
    if group.whole_file:
        rows = translate("data.whole_file", lang)
    else:
        rows = ", ".join(format_number(row, lang) for row in group.rows)
        rows += ", …" if group.count > len(group.rows) else ""
    reason = group.example.reason if group.alike else translate(
        "data.report_example", lang, row=format_number(group.example.row, lang), reason=group.example.reason)
    return [html.Td(format_number(group.count, lang)), html.Td(rows), html.Td(group.field), html.Td(reason)]


def _problem_table(title_key: str, groups: list[ProblemGroup], total: int, lang: str, css: str) -> html.Details:
    """Problems grouped by field and reason: one line per kind of problem, never one per row."""
    head = html.Tr([html.Th(translate(f"data.col_{c}", lang)) for c in ("count", "first_rows", "field", "reason")])
    body = [html.Tr(_group_cells(group, lang)) for group in groups[:REPORT_GROUPS_SHOWN]]
    more = len(groups) - REPORT_GROUPS_SHOWN
    return html.Details([
        html.Summary(f"{translate(title_key, lang)} ({format_number(total, lang)})"),
        html.Table([html.Thead(head), html.Tbody(body)], className=f"problem-table {css}"),
        html.P(translate_count("data.more", more, lang)) if more > 0 else None,
    ], open=True, className="problem-details")


def build_report(report: dict | None, lang: str) -> list:
    """The report of one import: summary, what happens next, rejected rows and warnings."""
    if not report:
        return []
    parsed = ImportReport.from_dict(report)
    if report.get("refused"):
        outcome = html.P(translate("data.report_refused", lang, reason=report["refused"]), className="report-bad")
        summary = None
    else:
        summary = html.P(translate(
            "data.report_summary", lang, format=report.get("format", "").upper(),
            read=format_number(report["read"], lang), accepted=format_number(report["accepted"], lang),
            rejected=format_number(report["rejected"], lang),
            warnings=format_number(len(report["warnings"]), lang),
            geocoded=format_number(report.get("geocoded", 0), lang)))
        if report.get("duplicates"):
            summary = html.Div([summary, html.P(translate_count("data.report_duplicates", report["duplicates"], lang))])
        if report.get("dataset_id"):
            key = "data.report_already" if report.get("already_imported") else "data.report_selected"
            outcome = html.P(translate(key, lang, dataset=report["name"] or report["dataset_id"]),
                             className="report-good")
        elif parsed.empty_cause is not None:  # always say why nothing was kept, even with no row-level reason
            outcome = html.P(translate(f"data.report_none_{parsed.empty_cause}", lang,
                                       read=format_number(parsed.read, lang)), className="report-bad")
        else:  # rows were kept but not stored (an import that was never saved)
            outcome = None
    tables = [
        _problem_table("data.rejected", parsed.rejected_groups(), len(parsed.rejected), lang, "rejected")
        if parsed.rejected else None,
        _problem_table("data.warnings", parsed.warning_groups(), len(parsed.warnings), lang, "warnings")
        if parsed.warnings else None,
    ]
    return [html.Div([
        html.Div([
            html.H2(translate("data.report_title", lang, file=report.get("file_name", ""))),
            html.Button(translate("data.download_report", lang), id=DataIds.REPORT_DOWNLOAD_BUTTON,
                        n_clicks=0, className="small-button"),
            html.Button(translate("data.close", lang), id=DataIds.REPORT_CLOSE, n_clicks=0,
                        className="small-button"),
        ], className="panel-header"),
        summary, outcome, *tables,
    ], className="panel import-report")]
