"""Kilograms seized per year, stacked by drug: the scale behind the seizure points. No dash.

Summed over the events of the view that state a quantity (an event without one adds nothing, so
a year with no stated quantity is a gap of 0 kg, said in the hover), by the year of the event
date. Coca leaf and cocaine are different goods: each drug is its own colour and legend entry.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ..data.filters import FilterSpec
from ..data.language import DEFAULT_LANGUAGE
from ..data.store import EventStore, QuantitySeries
from ..i18n import format_number, label, translate
from . import unchecked
from .page_frame import (
    Page,
    PageText,
    decorate,
    frame_stacked_bars,
    show_no_events,
)
from .text_metrics import left_label_margin, top_tick_label
from .theme import SCREEN, Theme

# Tol's muted palette, in the legend order of schema.Drug; not stated is grey.
DRUG_COLOURS = {"cocaine": "#332288", "cocaine_base": "#88CCEE", "coca_leaf": "#117733",
                "marijuana": "#999933", "other": "#AA4499", "": "#BBBBBB"}


def _drug_name(drug: str, lang: str) -> str:
    return label("drug", drug, lang) if drug else translate("chart.kg_by_year.no_drug", lang)


# The height under the plot that the year labels and one row of the key take (measured: 64 px with
# the key's type at 11 px), in ems of the key's type.
KEY_ROW_BOTTOM_EMS = 5.82


def _tallest_stack(series: QuantitySeries) -> float:
    kg = np.asarray(series.kg, dtype=np.float64)
    return float(np.nansum(np.clip(kg, 0, None), axis=0).max()) if kg.size else 0.0


def series_figure(series: QuantitySeries, lang: str, theme: Theme) -> go.Figure:
    """:func:`series_plain` as a ``go.Figure`` (print)."""
    return unchecked.as_figure(series_plain(series, lang, theme))


def series_plain(series: QuantitySeries, lang: str, theme: Theme) -> dict:
    """Stacked bars of kg per year, one trace per drug, heaviest drug at the bottom (a plain figure)."""
    years = [str(day)[:4] for day in series.year_starts]
    hover = "%{x}: %{y:,.0f} kg<extra>%{fullData.name}</extra>"
    traces = [dict(type="bar", x=years, y=np.round(series.kg[row], 1), name=_drug_name(drug, lang), hovertemplate=hover,
                            marker=dict(color=theme.colour(DRUG_COLOURS.get(drug, DRUG_COLOURS["other"]))))
              for row, drug in enumerate(series.drugs)]
    return unchecked.plain_figure(traces, layout=dict(
        barmode="stack", bargap=0.15,
        # the kg axis's labels, and one row of the key under the bars, as plotly.js's automargin
        # would push them (a push redraws the chart: text_metrics.left_label_margin)
        margin=dict(l=left_label_margin([top_tick_label(_tallest_stack(series), lang)], theme.font_size - 1, 50),
                    r=10, t=28, b=math.ceil(KEY_ROW_BOTTOM_EMS * (theme.font_size - 2))),
        title=dict(text=translate("chart.kg_by_year.unit", lang), font=dict(size=theme.font_size), x=0.01, y=0.98),
        legend=dict(orientation="h", y=-0.15, x=0, traceorder="normal", font=dict(size=theme.font_size - 2)),
        paper_bgcolor=theme.paper_colour, plot_bgcolor=theme.paper_colour,
        font=dict(family=theme.font_family, size=theme.font_size - 1, color=theme.text_colour),
        # at most 8 upright year labels: with all 25 years Plotly turned them on end, clipped to "20"
        xaxis=dict(type="category", showgrid=False, fixedrange=True, nticks=8, tickangle=0),
        yaxis=dict(gridcolor="#e6e8eb", rangemode="tozero", fixedrange=True, tickformat=",.0f"),
        separators=translate("number.decimal_separator", lang) + translate("number.group_separator", lang),
    ))


def build_kg_by_year(store: EventStore, spec: FilterSpec, *, lang: str = DEFAULT_LANGUAGE,
                     theme: Theme = SCREEN) -> go.Figure:
    """:func:`kg_by_year_figure` as a ``go.Figure``."""
    return unchecked.as_figure(kg_by_year_figure(store, spec, lang=lang, theme=theme))


def kg_by_year_figure(store: EventStore, spec: FilterSpec, *, lang: str = DEFAULT_LANGUAGE,
                      theme: Theme = SCREEN) -> dict:
    """The screen chart: kg seized per year by drug for the view (an empty one says why), as a
    plain figure."""
    series = store.kg_by_year(spec)
    figure = series_plain(series, lang, theme)
    if not series.drugs:
        note = translate("chart.kg_by_year.no_kg" if store.count(spec) else "map.no_events", lang)
        layout = figure["layout"]
        layout["annotations"] = [dict(text=note, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                                      name="chart-empty", font=dict(color=theme.muted_colour))]
        layout["xaxis"] = {**layout["xaxis"], "visible": False}
        layout["yaxis"] = {**layout["yaxis"], "visible": False}
    return figure


def build_print_kg_by_year(store: EventStore, spec: FilterSpec, page: Page, text: PageText,
                           theme: Theme) -> go.Figure:
    """The same bars framed as a page for export, with the drug legend beside them."""
    lang = text.lang
    series = store.kg_by_year(spec)
    figure = series_figure(series, lang, theme)
    peak = float(series.kg.sum(axis=0).max()) if series.kg.size else 0.0
    frame = frame_stacked_bars(figure, page, text, theme, peak_label=format_number(peak, lang),
                               legend_title=translate("chart.kg_by_year.legend", lang),
                               unit=translate("chart.kg_by_year.unit", lang))
    if not series.kg.size:
        # Events without a stated quantity are not "no events": say which it is.
        note = translate("chart.kg_by_year.no_kg", lang) if store.count(spec) else None
        show_no_events(figure, lang, frame, theme, note)
    return decorate(figure, frame, theme)
