"""Datasets: import an upload, show its report (also after a dropped response), choose what is shown,
delete after confirmation."""

from __future__ import annotations

import logging

from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from dashboard.callbacks.guard import page_account
from dashboard.config import import_limits
from dashboard.data.database.upload_outcomes import DatabaseUploadOutcomes
from dashboard.data.datasets import DatasetNotFound, import_into
from dashboard.data.filters import build_search, parse_url_state
from dashboard.data.imports.base import ImportRefused
from dashboard.data.imports.report import ImportReport
from dashboard.data.roles import Permission
from dashboard.data.schema import BUNDLED_DATASET
from dashboard.data.upload_outcomes import PollVerdict, UploadOutcomes, parse_upload_ticket, poll_verdict
from dashboard.i18n import format_number, translate
from dashboard.ids import DataIds, FilterIds, PageIds
from dashboard.layout.data_panel import (
    UPLOAD_POLL_MS,
    build_report,
    build_upload_missing,
    dataset_list,
    dataset_options,
)
from dashboard.layout.filters import date_bounds
from dashboard.state.context import get_context, upload_outcomes_for
from dashboard.state.interactions import show_dataset
from dashboard.state.uploads import decode_upload

log = logging.getLogger(__name__)

# Everything that lists datasets; refreshed together after an import or delete, wired by name.
# The filter options follow the datasets shown, not those held: callbacks/options.py refreshes them
# when the checklist changes, which an import (the new dataset shown) or a delete of a shown one does.
DATASET_VIEW_OUTPUTS = dict(
    dataset_options=Output(DataIds.DATASETS, "options", allow_duplicate=True),
    dataset_list=Output(DataIds.LIST, "children", allow_duplicate=True),
    first_date=Output(FilterIds.DATE_RANGE, "min_date_allowed", allow_duplicate=True),
    last_date=Output(FilterIds.DATE_RANGE, "max_date_allowed", allow_duplicate=True),
)


def _dataset_views(lang: str) -> dict:
    context = get_context()
    first, last = date_bounds(context.store)
    can_delete = page_account(context.settings).can(Permission.DELETE_DATASETS)
    return dict(dataset_options=dataset_options(context, lang), dataset_list=dataset_list(context, lang, can_delete),
                first_date=first, last_date=last)


def import_upload(contents: str | None, file_name: str | None, file_format: str = "auto",
                  stated_date: object = "") -> dict:
    """Import one upload and return its report as plain data (also for a refused upload).

    ``stated_date`` (the panel's date for undated rows) is passed on only as text; the pipeline
    refuses a malformed one with the reason.
    """
    context = get_context()
    limits = import_limits(context.settings)
    try:
        data = decode_upload(contents, limits.max_upload_bytes)
    except ImportRefused as refusal:
        return ImportReport(file_name=file_name or "upload", refused=refusal.reason).to_dict()
    report = import_into(context.repository, data, file_name or "upload", file_format=file_format or "auto",
                         limits=limits, stated_date=stated_date if isinstance(stated_date, str) else "")
    if report.dataset_id:
        report.duplicates = context.duplicates_in(report.dataset_id)
    return report.to_dict()


# A new upload gets a fresh token before it is sent, and the poll starts: the server knows the token
# before the import begins, so a page that never gets the import's response can still ask.
clientside_callback(
    """function (contents) {
        const skip = window.dash_clientside.no_update;
        if (!contents) return [skip, skip, skip, skip];
        const token = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
            : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 14);
        return [{token: token, chars: contents.length}, false, 0, ""];
    }""",
    Output(DataIds.UPLOAD_TOKEN, "data"),
    Output(DataIds.UPLOAD_POLL, "disabled"),
    Output(DataIds.UPLOAD_POLL, "n_intervals"),
    Output(DataIds.UPLOAD_OUTCOME, "children"),
    Input(DataIds.UPLOAD, "contents"),
    prevent_initial_call=True,
)

# What shows an import's outcome (the import's own response, or the poll that found its record).
UPLOAD_OUTCOME_OUTPUTS = dict(
    report=Output(DataIds.REPORT, "children", allow_duplicate=True),
    report_data=Output(DataIds.REPORT_STORE, "data", allow_duplicate=True),
    search=Output(PageIds.BODY_URL, "search", allow_duplicate=True),
    upload=Output(DataIds.UPLOAD, "contents", allow_duplicate=True),
    views=DATASET_VIEW_OUTPUTS,
    polling=Output(DataIds.UPLOAD_POLL, "disabled", allow_duplicate=True),
    status=Output(DataIds.UPLOAD_OUTCOME, "children", allow_duplicate=True),
)
_UNCHANGED = {**dict.fromkeys(UPLOAD_OUTCOME_OUTPUTS, no_update), "views": dict.fromkeys(DATASET_VIEW_OUTPUTS, no_update)}


def _outcome_outputs(report: dict, lang: str, search: str | None) -> dict:
    """Show the report and the new dataset alone, in view; stop polling.

    The new view goes to the URL; the state callback adopts it like any link, so the checklist,
    the filter store and every view follow from one write.
    """
    new_search = no_update
    if report.get("dataset_id"):
        context = get_context()
        state = show_dataset(parse_url_state(search)[0], report["dataset_id"], context.store,
                             context.settings.max_map_points)
        new_search = build_search(state)
    return dict(report=build_report(report, lang), report_data=report, search=new_search, upload=None,
                views=_dataset_views(lang), polling=True, status="")


def _outcomes() -> UploadOutcomes | DatabaseUploadOutcomes:
    return upload_outcomes_for(get_context().settings)


def _record(write, *args) -> None:
    """Write an outcome record; a failure costs only the poll's answer, never the import."""
    try:
        write(*args)
    except OSError:
        log.exception("could not write an upload's outcome record")


@callback(
    output=UPLOAD_OUTCOME_OUTPUTS,
    inputs=dict(ticket=Input(DataIds.UPLOAD_TOKEN, "data")),
    state=dict(contents=State(DataIds.UPLOAD, "contents"), file_name=State(DataIds.UPLOAD, "filename"),
               file_format=State(DataIds.FORMAT, "value"), stated_date=State(DataIds.STATED_DATE, "value"),
               lang=State(PageIds.LANG_STORE, "data"), search=State(PageIds.BODY_URL, "search")),
    prevent_initial_call=True,
)
def on_upload(ticket, contents, file_name, file_format, stated_date, lang, search):
    """Import the file named by the upload's token; its record says started, then finished."""
    if not contents:
        raise PreventUpdate
    parsed = parse_upload_ticket(ticket)
    if parsed is None:
        refused = ImportReport(file_name=file_name or "upload", refused=translate("data.bad_upload", lang))
        return _outcome_outputs(refused.to_dict(), lang, search)
    token, outcomes = parsed[0], _outcomes()
    _record(outcomes.start, token)
    try:
        report = import_upload(contents, file_name, file_format, stated_date)
    except Exception:  # never a traceback in the page; the log keeps it for us
        log.exception("import of an upload failed")
        report = ImportReport(file_name=file_name or "upload", refused=translate("data.bad_upload", lang)).to_dict()
    _record(outcomes.finish, token, report)
    return _outcome_outputs(report, lang, search)


@callback(
    output=UPLOAD_OUTCOME_OUTPUTS,
    inputs=dict(polls=Input(DataIds.UPLOAD_POLL, "n_intervals")),
    state=dict(ticket=State(DataIds.UPLOAD_TOKEN, "data"), lang=State(PageIds.LANG_STORE, "data"),
               search=State(PageIds.BODY_URL, "search")),
    prevent_initial_call=True,
)
def on_upload_poll(polls, ticket, lang, search):
    """While an upload's response is awaited, show what the server's record says became of it."""
    parsed = parse_upload_ticket(ticket)
    if parsed is None:
        return {**_UNCHANGED, "polling": True}
    outcome = _outcomes().get(parsed[0])
    verdict = poll_verdict(outcome, polls or 0, UPLOAD_POLL_MS / 1000, parsed[1])
    if verdict is PollVerdict.FINISHED:
        return _outcome_outputs(outcome.report, lang, search)
    if verdict is PollVerdict.WORKING:
        return {**_UNCHANGED, "status": translate("data.upload_working", lang)}
    if verdict is PollVerdict.MISSING:
        return {**_UNCHANGED, "report": build_upload_missing(lang), "upload": None, "polling": True, "status": ""}
    if verdict is PollVerdict.INTERRUPTED:  # the dataset list, refreshed, shows whether anything was kept
        return {**_UNCHANGED, "report": build_upload_missing(lang, "data.upload_interrupted"), "upload": None,
                "polling": True, "status": "", "views": _dataset_views(lang)}
    raise PreventUpdate


@callback(
    Output(DataIds.CONFIRM, "displayed"),
    Output(DataIds.CONFIRM, "message"),
    Output(DataIds.DELETE_TARGET, "data"),
    Input({"type": DataIds.DELETE, "index": ALL}, "n_clicks"),
    State(PageIds.LANG_STORE, "data"),
    prevent_initial_call=True,
)
def on_delete_clicked(clicks, lang):
    """Ask before deleting (the list re-renders with n_clicks=0, which is not a click)."""
    if not ctx.triggered_id or not any(clicks or ()) or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    dataset_id = ctx.triggered_id["index"]
    try:
        meta = get_context().repository.meta(dataset_id)
    except DatasetNotFound:
        raise PreventUpdate from None
    return True, translate("data.delete_confirm", lang, name=meta.name,
                           events=format_number(meta.events, lang)), dataset_id


@callback(
    output=dict(
        report=Output(DataIds.REPORT, "children", allow_duplicate=True),
        ticked=Output(DataIds.DATASETS, "value", allow_duplicate=True),
        views=DATASET_VIEW_OUTPUTS,
    ),
    inputs=dict(submit_clicks=Input(DataIds.CONFIRM, "submit_n_clicks")),
    state=dict(dataset_id=State(DataIds.DELETE_TARGET, "data"), ticked=State(DataIds.DATASETS, "value"),
               lang=State(PageIds.LANG_STORE, "data")),
    prevent_initial_call=True,
)
def on_delete_confirmed(submit_clicks, dataset_id, ticked, lang):
    """Delete the dataset and stop showing it."""
    try:
        meta = get_context().repository.delete(dataset_id or "")
        message = translate("data.deleted", lang, name=meta.name, events=format_number(meta.events, lang))
    except DatasetNotFound:
        message = translate("data.not_found", lang)
    remaining = [d for d in ticked or () if d != dataset_id] or [BUNDLED_DATASET]
    return dict(report=[message], ticked=remaining, views=_dataset_views(lang))


@callback(
    Output(DataIds.REPORT_DOWNLOAD, "data"),
    Input(DataIds.REPORT_DOWNLOAD_BUTTON, "n_clicks"),
    State(DataIds.REPORT_STORE, "data"),
    prevent_initial_call=True,
)
def on_download_report(clicks, report):
    if not clicks or not report:
        raise PreventUpdate
    stem = (report.get("dataset_id") or "import").rsplit(".", 1)[0]
    return dcc.send_string(ImportReport.from_dict(report).to_csv(), f"{stem}-report.csv", type="text/csv")


@callback(
    Output(DataIds.REPORT, "children", allow_duplicate=True),
    Input(DataIds.REPORT_CLOSE, "n_clicks"),
    prevent_initial_call=True,
)
def on_close_report(clicks):
    if not clicks:
        raise PreventUpdate
    return []
