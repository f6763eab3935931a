"""Plotly constructors without per-property validation.

Plotly validates every trace property on construction, which took half of each map update on
the bundled data. The builders use these; tests/unit/test_figures.py re-validates every built
figure (``go.Figure(fig.to_dict())``), so a misspelt property still fails a test.
"""

from __future__ import annotations

import plotly.graph_objects as go
from _plotly_utils.utils import convert_to_base64


def figure(data: list | object | None = None, layout: dict | None = None) -> go.Figure:
    """A figure with the small template (plotly's default adds ~7 KB to every figure sent).

    Pass the whole ``layout`` here rather than calling ``update_layout`` afterwards: that call
    validates every key path and cost ~3/4 of a linked-view update on the bundled data.
    """
    from .theme import SMALL_TEMPLATE

    return go.Figure(data, layout={"template": SMALL_TEMPLATE, **(layout or {})}, _validate=False)


def plain_figure(data: list[dict], layout: dict) -> dict:
    """A figure as a plain dict, with the small template.

    The charts redrawn on every filter change are built this way: building a ``go.Figure`` and
    writing it out as JSON cost a quarter of the views' answer. :func:`as_figure` gives the
    print and presenter paths (and the tests' validation) a ``go.Figure`` of the same dict.
    """
    from .theme import SMALL_TEMPLATE

    return {"data": data, "layout": {"template": SMALL_TEMPLATE, **layout}}


def as_figure(plain: dict) -> go.Figure:
    return go.Figure(plain, _validate=False)


def for_browser(plain: dict) -> dict:
    """``plain`` (built for this answer) with its numeric arrays as plotly.js's base64 binary
    arrays, as plotly writes a ``go.Figure``."""
    convert_to_base64(plain)
    return plain
