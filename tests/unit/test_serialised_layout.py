"""The page body written once by orjson (dashboard.layout.serialised) is the JSON Dash would write."""

from __future__ import annotations

import datetime

import numpy as np
import orjson
from dash import dcc, html
from dash._utils import to_json

from dashboard.data.filters import FilterSpec, UrlState
from dashboard.data.roles import EMBEDDED_ACCOUNT
from dashboard.layout.page import build_page
from dashboard.layout.present import build_presenter
from dashboard.layout.serialised import as_json_fragment


def dash_writes(value: object) -> object:
    return orjson.loads(to_json({"response": value}))


def test_ser001_the_page_body_is_the_json_dash_writes(app_context):
    """The dashboard (English, Spanish, filtered) and a presenter screen, as Dash's answer holds
    them: written by Dash from the components, and from the pre-written fragment."""
    bodies = [build_page(app_context, UrlState(), [], EMBEDDED_ACCOUNT),
              build_page(app_context, UrlState(spec=FilterSpec(event_types=("arrest",)), lang="es"), [],
                         EMBEDDED_ACCOUNT),
              build_presenter(app_context, "from-the-vraem-to-europe", "", "en")]
    for body in bodies:
        assert dash_writes(as_json_fragment(body)) == dash_writes(body)
        assert len(orjson.dumps(as_json_fragment(body))) > 10_000  # a whole page, not an empty shell


def test_ser002_values_orjson_cannot_write_are_written_as_plotly_writes_them():
    """Dates, numpy arrays and scalars, a figure dict and NaN inside components. (Not a numpy
    datetime64 scalar: orjson writes it with a time, as Dash's own answers do whenever nothing
    else in them needs plotly's walk; the page holds none.)"""
    tree = html.Div([dcc.Store(id="s", data={"when": datetime.date(2020, 1, 2), "n": np.int64(3),
                                             "values": np.array([1.5, np.nan]),
                                             "at": datetime.datetime(2020, 1, 2, 3, 4)}),
                     dcc.Graph(id="g", figure={"data": [{"type": "bar", "y": np.arange(3)}]}),
                     "text </script>"])
    assert dash_writes(as_json_fragment(tree)) == dash_writes(tree)
