"""Reading a figure as the browser gets it (numeric arrays as base64 binary arrays) in tests."""

from __future__ import annotations

import plotly.graph_objects as go

from bench.dash_client import decode_array


def decoded(value: object) -> object:
    """``value`` with every binary array spec (``{"dtype", "bdata"}``) as the numpy array it holds."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            return decode_array(value)
        return {name: decoded(item) for name, item in value.items()}
    if isinstance(value, list):
        return [decoded(item) for item in value]
    return value


def as_drawn(browser_figure: dict) -> go.Figure:
    """A figure sent to the browser, read back as a validated ``go.Figure``."""
    return go.Figure(decoded(browser_figure))
