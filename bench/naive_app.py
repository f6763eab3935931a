"""The textbook Dash app, as the comparison arm: no aggregation, the figure as State.

A global DataFrame read from ``NAIVE_EVENTS`` (the parquet Rutas stores for the same dataset), a
dropdown of event types, a brushable timeline (``px.histogram`` of every row's date; zooming the
x axis filters), ``px.scatter_map`` of every filtered row with hover data, a box select on the map
filters, the map view kept through ``relayoutData`` and the map figure as State, a click shows
the event's details, a reset button. Serve with ``gunicorn bench.naive_app:server``.

The base map is a plain background style (no layers, no text) so it works offline; that is
lighter than Rutas' bundled vector layers, which favours this arm a little.
"""

from __future__ import annotations

import os

import pandas as pd
import plotly.express as px
from dash import Dash, Input, Output, State, callback, ctx, dcc, html

COLUMNS = ["event_date", "event_type", "location", "latitude", "longitude", "quantity_kg", "fatalities"]
HOVER = ["event_date", "location", "event_type", "quantity_kg", "fatalities"]
OFFLINE_STYLE = {"version": 8, "sources": {},
                 "layers": [{"id": "background", "type": "background", "paint": {"background-color": "#eef0ec"}}]}
START = {"center": {"lat": -12.0, "lon": -70.0}, "zoom": 3.2}

df = pd.read_parquet(os.environ["NAIVE_EVENTS"], columns=COLUMNS)
df["event_date"] = pd.to_datetime(df["event_date"])

app = Dash(__name__, title="Naive", serve_locally=True)
server = app.server
app.layout = html.Div([
    dcc.Dropdown(id="naive-type", options=sorted(df["event_type"].unique()), value=None,
                 placeholder="All event types"),
    html.Button("Reset", id="naive-reset", n_clicks=0),
    dcc.Graph(id="naive-timeline", style={"height": "260px"}),
    dcc.Graph(id="naive-map", style={"height": "600px"}),
    html.Div(id="naive-detail"),
])


@callback(
    Output("naive-map", "figure"),
    Output("naive-timeline", "figure"),
    Output("naive-type", "value"),
    Input("naive-type", "value"),
    Input("naive-timeline", "relayoutData"),
    Input("naive-map", "selectedData"),
    Input("naive-map", "relayoutData"),
    Input("naive-reset", "n_clicks"),
    State("naive-map", "figure"),
)
def update(event_type, timeline_relayout, map_selection, map_relayout, _, map_figure):
    if ctx.triggered_id == "naive-reset":
        event_type = timeline_relayout = map_selection = map_relayout = None
    dff = df
    if event_type:
        dff = dff[dff["event_type"] == event_type]
    if timeline_relayout and "xaxis.range[0]" in timeline_relayout:
        start, end = pd.Timestamp(timeline_relayout["xaxis.range[0]"]), pd.Timestamp(timeline_relayout["xaxis.range[1]"])
        dff = dff[(dff["event_date"] >= start) & (dff["event_date"] <= end)]
    if map_selection and "range" in map_selection:
        (x0, y0), (x1, y1) = map_selection["range"]["map"]
        dff = dff[dff["longitude"].between(min(x0, x1), max(x0, x1))
                  & dff["latitude"].between(min(y0, y1), max(y0, y1))]
    view = dict(START)
    if map_figure and ctx.triggered_id != "naive-reset":  # keep the user's view
        old = map_figure.get("layout", {}).get("map", {})
        view = {"center": old.get("center", view["center"]), "zoom": old.get("zoom", view["zoom"])}
    if map_relayout and "map.center" in map_relayout:
        view = {"center": map_relayout["map.center"], "zoom": map_relayout.get("map.zoom", view["zoom"])}
    map_fig = px.scatter_map(dff, lat="latitude", lon="longitude", color="event_type", hover_data=HOVER,
                             center=view["center"], zoom=view["zoom"])
    map_fig.update_layout(map_style=OFFLINE_STYLE, margin=dict(l=0, r=0, t=0, b=0), dragmode="select")
    timeline = px.histogram(dff, x="event_date", color="event_type")
    return map_fig, timeline, event_type


@callback(
    Output("naive-detail", "children"),
    Input("naive-map", "clickData"),
    State("naive-map", "figure"),
)
def show_detail(click, map_figure):
    if not click:
        return "Click an event"
    point = click["points"][0]
    row = map_figure["data"][point["curveNumber"]]["customdata"][point["pointIndex"]]
    return f"{row[0]} · {row[1]} · {row[2]} · {row[3]} kg · {row[4]} dead"
