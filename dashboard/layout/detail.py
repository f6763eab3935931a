"""The detail card for one event, with its source link (http/https only, new tab, noopener)."""

from __future__ import annotations

import math

from dash import html

from dashboard.data.count_rules import DEFAULT_COUNT_RULE, CountRule
from dashboard.data.reported_figures import (
    EventNote,
    Measure,
    NoteKind,
    ReportedFigure,
    figure_under_rule,
)
from dashboard.data.schema import BUNDLED_DATASET, is_safe_url, safe_href
from dashboard.i18n import format_number, label, translate
from dashboard.state.context import AppContext


def _present(value: object) -> bool:
    return value is not None and value != "" and not (isinstance(value, float) and math.isnan(value))


def _source(event: dict, lang: str):
    source_name = event["source_name"] or event["source_url"]
    if is_safe_url(event["source_url"]):
        return html.A(translate("detail.source", lang, name=source_name), href=event["source_url"],
                      target="_blank", rel="noopener noreferrer", className="source-link")
    if event["source_url"]:
        return html.Span(translate("detail.no_link", lang), className="source-withheld")
    return html.Span(source_name, className="source-name")


def _figure_item(figure: ReportedFigure, counted: bool, rule: CountRule, lang: str) -> html.Li:
    """One reported figure: what, how much, who said it and when, and its link when the reference has one."""
    if figure.measure is Measure.NOTE:
        amount = figure.text
    else:
        decimals = 0 if figure.value == int(figure.value) else 2
        amount = format_number(figure.value, lang, decimals)
    said = " · ".join(part for part in (
        translate(f"detail.figure_kind.{figure.kind}", lang), figure.outlet,
        str(figure.reported_on) if figure.reported_on else translate("detail.figure_undated", lang),
        figure.detail) if part)
    href = safe_href(figure.source_url)
    source = (html.A(translate("detail.figure_link", lang), href=href, target="_blank", rel="noopener noreferrer",
                     className="source-link") if href
              else html.Span(translate("detail.figure_no_address", lang, file=figure.recorded_in.rsplit("/", 1)[-1]),
                             className="source-withheld"))
    counted_mark = html.Strong(translate("detail.figure_counted", lang, rule=translate(f"count_rule.{rule}", lang)),
                               className="figure-counted") if counted else None
    return html.Li([html.Span(f"{translate(f'detail.figure_measure.{figure.measure}', lang)}: {amount}",
                              className="figure-amount"), " — ", said, " (", source, ") ", counted_mark],
                   className="reported-figure")


def _reported_figures(figures: tuple[ReportedFigure, ...], rule: CountRule, lang: str) -> html.Div | None:
    """Every figure the sources give for this event; the one the count rule counts is marked."""
    if not figures:
        return None
    items = []
    for measure in Measure:
        own = [f for f in figures if f.measure is measure]
        chosen = figure_under_rule(own, measure, rule) if measure is not Measure.NOTE else None
        marked = False
        for figure in own:
            counted = not marked and chosen is not None and figure.value == chosen
            marked = marked or counted
            items.append(_figure_item(figure, counted, rule, lang))
    return html.Div([html.H4(translate("detail.figures", lang)), html.Ul(items)], className="reported-figures")


def _corrections(notes: tuple[EventNote, ...], lang: str) -> html.Div | None:
    corrections = [n for n in notes if n.kind is NoteKind.CORRECTION]
    if not corrections:
        return None
    items = [html.Li(translate("detail.correction", lang, field=n.field.replace("_", " "), was=n.was, now=n.now))
             for n in corrections]
    reasons = list(dict.fromkeys(f"{n.reason} ({n.source})" for n in corrections))
    return html.Div([html.H4(translate("detail.corrections", lang)), html.Ul(items),
                     *(html.P(reason, className="correction-reason") for reason in reasons)],
                    className="corrections")


def _comparison(event: dict, others: list[dict], dataset_names: dict[str, str], lang: str) -> html.Div:
    """This event beside its likely duplicates from other datasets, field by field."""
    fields = (
        ("detail.dataset", lambda e: dataset_names.get(e["dataset"], e["dataset"])),
        ("detail.date", lambda e: f"{e['event_date']} ({label('date_precision', e['date_precision'], lang)})"),
        ("detail.place", lambda e: e["location"]),
        ("detail.precision", lambda e: label("geo_precision", e["geo_precision"], lang)),
        ("detail.fatalities", lambda e: format_number(e["fatalities"], lang) if _present(e["fatalities"]) else "–"),
        ("detail.actors", lambda e: "; ".join(e["actors"])),
    )
    head = html.Tr([html.Th(""), html.Th(translate("detail.this_event", lang)),
                    *(html.Th(o["event_id"]) for o in others)])
    body = [html.Tr([html.Th(translate(key, lang)), html.Td(get(event)), *(html.Td(get(o)) for o in others)])
            for key, get in fields]
    body.append(html.Tr([html.Th(""), html.Td(_source(event, lang)), *(html.Td(_source(o, lang)) for o in others)]))
    return html.Div([html.H4(translate("detail.duplicates", lang)),
                     html.Table([html.Thead(head), html.Tbody(body)], className="duplicate-table")],
                    className="duplicates")


def build_detail_card(event: dict | None, lang: str, duplicates: list[dict] | tuple = (),
                      dataset_names: dict[str, str] | None = None, *,
                      figures: tuple[ReportedFigure, ...] = (), notes: tuple[EventNote, ...] = (),
                      rule: CountRule = DEFAULT_COUNT_RULE) -> list:
    """Children of the detail panel for ``event`` (an EventStore.event dict), or the hint.

    ``duplicates`` are the events of other datasets that may report the same thing; they are
    shown beside this one, never merged. ``figures`` are every toll or haul reported for the
    event (the one ``rule`` counts is marked); ``notes`` its corrections and weak source links.
    """
    if event is None:
        return [translate("detail.empty", lang)]
    dataset_names = dataset_names or {}
    date_text = f"{event['event_date']} ({label('date_precision', event['date_precision'], lang)})"
    if _present(event.get("date_end")) and str(event["date_end"]) != str(event["event_date"]):
        date_text += f" – {event['date_end']}"
    rows = [
        ("detail.date", date_text),
        ("detail.place", ", ".join(p for p in (event["location"], event["admin1"],
                                                label("country", event["country"], lang)) if p)),
        ("detail.precision", label("geo_precision", event["geo_precision"], lang)),
    ]
    if event["actors"]:
        rows.append(("detail.actors", "; ".join(event["actors"])))
    if _present(event["quantity_kg"]):
        drug = label("drug", event["drug"], lang) if event["drug"] else ""
        rows.append(("detail.quantity", f"{format_number(event['quantity_kg'], lang)} kg {drug}".strip()))
    if _present(event["fatalities"]):
        fatalities = format_number(event["fatalities"], lang)
        if _present(event.get("fatalities_low")) and _present(event.get("fatalities_high")):
            fatalities = translate("detail.fatalities_range", lang, best=fatalities,
                                   low=format_number(event["fatalities_low"], lang),
                                   high=format_number(event["fatalities_high"], lang))
        rows.append(("detail.fatalities", fatalities))
    if event["route_id"]:
        rows.append(("detail.route", label("route", event["route_id"], lang)))
    if event["origin"] or event["destination"]:
        rows.append(("detail.origin", f"{event['origin'] or '?'} → {event['destination'] or '?'}"))
    if event.get("original_type"):
        original = " / ".join(t for t in (event["original_type"], event.get("original_subtype")) if t)
        rows.append(("detail.original_type", original))
    if event["dataset"] != BUNDLED_DATASET:
        rows.append(("detail.dataset", dataset_names.get(event["dataset"], event["dataset"])))
    if event.get("source_event_id"):
        rows.append(("detail.source_id", event["source_event_id"]))
    return [
        html.P(translate("data.synthetic_badge", lang), className="synthetic-badge", role="note")
        if event.get("synthetic") else None,
        html.H3(label("event_type", event["event_type"], lang), className="detail-type"),
        html.P(event["summary"], className="detail-summary"),
        html.Dl([item for key, value in rows
                 for item in (html.Dt(translate(key, lang)), html.Dd(value))], className="detail-list"),
        html.P(translate("detail.geocoded", lang), className="geocoded-note") if event.get("geocoded") else None,
        _reported_figures(tuple(figures), rule, lang),
        html.P(_source(event, lang)),
        *(html.P(translate("detail.weak_link", lang, reason=n.reason), className="weak-link", role="note")
          for n in notes if n.kind is NoteKind.WEAK_LINK),
        _corrections(tuple(notes), lang),
        html.Div(event["event_id"], className="detail-id"),
        _comparison(event, list(duplicates), dataset_names, lang) if duplicates else None,
    ]


def detail_card_for(context: AppContext, selected: str | None, lang: str, rule: CountRule) -> list:
    """The card for the event the URL selects (``selected``), as the page draws it and as the
    detail callback redraws it: the event, its likely twins in other datasets, its reported figures
    and notes."""
    store = context.store
    event = store.event(selected) if selected else None
    duplicates = [store.event(other) for other in (event or {}).get("duplicate_of", ())]
    event_id = str(event["event_id"]) if event else ""
    reported = context.data.reported
    return build_detail_card(event, lang, [d for d in duplicates if d], context.dataset_names(),
                             figures=reported.for_event(event_id), notes=reported.notes_for(event_id), rule=rule)
