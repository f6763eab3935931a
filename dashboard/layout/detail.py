"""The detail card for one event, with its source link (http/https only, new tab, noopener)."""

from __future__ import annotations

import math

from dash import html

from dashboard.data.schema import is_safe_url
from dashboard.i18n import format_number, label, translate


def _present(value: object) -> bool:
    return value is not None and value != "" and not (isinstance(value, float) and math.isnan(value))


def build_detail_card(event: dict | None, lang: str) -> list:
    """Children of the detail panel for ``event`` (an EventStore.event dict), or the hint."""
    if event is None:
        return [translate("detail.empty", lang)]
    rows = [
        ("detail.date", f"{event['event_date']} ({label('date_precision', event['date_precision'], lang)})"),
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
        rows.append(("detail.fatalities", format_number(event["fatalities"], lang)))
    if event["route_id"]:
        rows.append(("detail.route", label("route", event["route_id"], lang)))
    if event["origin"] or event["destination"]:
        rows.append(("detail.origin", f"{event['origin'] or '?'} → {event['destination'] or '?'}"))
    source_name = event["source_name"] or event["source_url"]
    if is_safe_url(event["source_url"]):
        source = html.A(translate("detail.source", lang, name=source_name), href=event["source_url"],
                        target="_blank", rel="noopener noreferrer", className="source-link")
    else:
        source = html.Span(translate("detail.no_link", lang), className="source-withheld")
    return [
        html.H3(label("event_type", event["event_type"], lang), className="detail-type"),
        html.P(event["summary"], className="detail-summary"),
        html.Dl([item for key, value in rows
                 for item in (html.Dt(translate(key, lang)), html.Dd(value))], className="detail-list"),
        html.P(source),
        html.Div(event["event_id"], className="detail-id"),
    ]
