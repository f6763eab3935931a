"""Plotly constructors without per-property validation.

Plotly validates every trace property on construction, which took half of each map update on
the bundled data. The builders use these; tests/unit/test_figures.py re-validates every built
figure (``go.Figure(fig.to_dict())``), so a misspelt property still fails a test.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from _plotly_utils.utils import is_skipped_key, to_typed_array_spec

# plotly.js's typed array codes, by numpy dtype (plotly's plotlyjsShortTypes).
TYPED_ARRAY_CODES = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4",
                     "uint32": "u4", "float32": "f4", "float64": "f8"}
# 64-bit integers go as the narrowest of these that holds them (plotly.js has no 64-bit arrays).
NARROWER_INTEGERS = {"i": (np.int8, np.int16, np.int32), "u": (np.uint8, np.uint16, np.uint32)}


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
            if isinstance(value, np.ndarray):
                node[key] = _typed_array(value)
            elif isinstance(value, (pd.Series, pd.Index)):
                node[key] = to_typed_array_spec(value)
            elif isinstance(value, (dict, list, tuple)):
                _arrays_to_base64(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            if isinstance(value, (dict, list, tuple)):
                _arrays_to_base64(value)


def _typed_array(array: np.ndarray) -> object:
    """What plotly's ``to_typed_array_spec`` makes of a numpy array, without its narwhals and copy
    (~1.5 ms of a page body's 32 arrays at 100k): a numeric array as base64, other dtypes its way."""
    if array.dtype.kind not in "iuf" or array.size == 0 or array.dtype.byteorder == ">":
        return to_typed_array_spec(array)
    if array.dtype.itemsize == 8 and array.dtype.kind in NARROWER_INTEGERS:
        low, high = array.min(), array.max()
        narrower = next((t for t in NARROWER_INTEGERS[array.dtype.kind]
                         if np.iinfo(t).min <= low and high <= np.iinfo(t).max), None)
        if narrower is None:
            return to_typed_array_spec(array)
        array = array.astype(narrower)
    code = TYPED_ARRAY_CODES.get(str(array.dtype))
    if code is None:  # float16, complex…
        return to_typed_array_spec(array)
    spec = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(array)).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = str(array.shape)[1:-1]
    return spec
