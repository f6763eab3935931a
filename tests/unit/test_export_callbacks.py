"""Export dialog callbacks as plain functions."""

from __future__ import annotations

import base64

import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate

from dashboard.callbacks.exports import (
    on_export_download,
    on_toggle_export_dialog,
    update_chart_labels,
    update_export_preview,
)
from dashboard.data.charts import ChartKind
from dashboard.data.filters import FilterSpec, parse_url_state
from dashboard.exports.tables import read_events_csv
from dashboard.i18n import format_number

QUERY = "?type=drug_seizure&from=2019-01-01&to=2024-12-31"


def trigger(prop_id: str) -> None:
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": None}]))


def test_exp110_export_button_opens_and_close_hides_the_dialog():
    trigger("export-open.n_clicks")
    assert on_toggle_export_dialog(1, 0) is False
    trigger("export-close.n_clicks")
    assert on_toggle_export_dialog(1, 1) is True


def test_exp111_preview_writes_title_alt_text_and_permalink(app_context):
    with pytest.raises(PreventUpdate):
        update_export_preview(True, "map", None, None, QUERY, "en", "event_type")
    title, default, alt, link = update_export_preview(False, "map", None, None, QUERY, "es", "event_type")
    assert title == default
    count = app_context.store.count(parse_url_state(QUERY)[0].spec)
    assert title and format_number(count, "es") in alt
    assert link.startswith("http") and "type=drug_seizure" in link and "lang=es" in link


def test_exp112_csv_download_holds_the_view_and_names_the_file(app_context):
    data, status = on_export_download(1, "map", "csv", "web", 1, "light", "=HYPERLINK(\"x\")", "", "event_type",
                                      QUERY, "en")
    assert data["filename"].endswith(".csv") and data["base64"] is True
    metadata, rows = read_events_csv(base64.b64decode(data["content"]))
    spec = parse_url_state(QUERY)[0].spec
    assert len(rows) == app_context.store.count(spec)
    assert not any(value.startswith("=") for value in metadata.values())  # the title is neutralised too
    assert data["filename"] in status


def test_exp113_an_export_failure_is_a_message_not_a_traceback(app_context, monkeypatch):
    import dashboard.callbacks.exports as module

    def broken(*args, **kwargs):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(module, "export_view", broken)
    data, status = on_export_download(1, "map", "png", "web", 1, "light", "", "", "event_type", QUERY, "en")
    assert data is no_update
    assert "renderer exploded" not in status and status  # the user sees a plain message


def test_exp114_charts_are_labelled_with_their_alt_text(app_context):
    spec = FilterSpec(event_types=("drug_seizure",))
    labels = update_chart_labels(lang="en", filter_data=spec.to_store(), breakdown_field="country")
    count = format_number(app_context.store.count(spec), "en")
    # The indicator's label comes with its own chart (it describes the series, not the events).
    event_charts = set(ChartKind) - {ChartKind.INDICATOR}
    assert set(labels) == event_charts and all(count in label for label in labels.values())
    assert len(set(labels.values())) == len(event_charts)  # every chart says what it is
    assert update_chart_labels(lang="es", filter_data=spec.to_store(), breakdown_field="country") != labels


def test_exp117_permalinks_use_the_configured_public_address(app_context, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(app_context, "settings", replace(app_context.settings, public_url="https://rutas.example/app/"))
    *_, link = update_export_preview(False, "map", None, None, QUERY, "en", "event_type")
    assert link.startswith("https://rutas.example/app/?") and "type=drug_seizure" in link


def test_exp125_a_title_the_user_wrote_survives_a_change_of_chart(app_context):
    _title, map_default, *_ = update_export_preview(False, "map", None, None, "", "en", "event_type")
    kept, timeline_default, *_ = update_export_preview(False, "timeline", "My own headline", map_default, "",
                                                       "en", "event_type")
    assert kept == "My own headline" and timeline_default != map_default
    followed, *_ = update_export_preview(False, "breakdown", timeline_default, timeline_default, "", "en",
                                         "country")
    assert followed not in (timeline_default, "My own headline") and "country" in followed.lower()


def test_exp127_the_dialog_explains_a_refused_large_export(app_context, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(app_context, "settings", replace(app_context.settings, max_export_rows=3))
    data, status = on_export_download(1, "map", "csv", "web", 1, "light", "", "", "event_type", QUERY, "en")
    assert data is no_update and "RUTAS_MAX_EXPORT_ROWS" in status and "narrow the filters" in status
