"""Plotly constructors without per-property validation.

Plotly validates every trace property on construction, which took half of each map update on
the bundled data. The builders use these; tests/unit/test_figures.py re-validates every built
figure (``go.Figure(fig.to_dict())``), so a misspelt property still fails a test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec


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
    arrays, as plotly writes a ``go.Figure``: what plotly's ``convert_to_base64`` makes of it.

    plotly's own walk asks of every value whether it is an array (numpy, pandas, narwhals, anything
    numpy could convert): ~10 ms of a views answer at 100k events. The builders put arrays only
    as numpy arrays (or pandas), so only those are looked for, in the same places (a dict's values,
    plotly's skipped keys left alone); ``tests/unit/test_payload_compaction.py`` holds the two equal.
    """
    _arrays_to_base64(plain)
    return plain


def _arrays_to_base64(node: object) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if is_skipped_key(key):
                continue
            if isinstance(value, (np.ndarray, pd.Series, pd.Index)):
                node[key] = to_typed_array_spec(value)
            elif isinstance(value, (dict, list, tuple)):
                _arrays_to_base64(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            if isinstance(value, (dict, list, tuple)):
                _arrays_to_base64(value)
