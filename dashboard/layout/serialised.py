"""A layout written out as JSON once, by orjson, for an answer that carries a whole page.

Dash writes a callback's answer with plotly's ``to_json_plotly``: orjson when the answer holds
only plain values, else plotly's Python walk over every component and prop first (14 ms of the
page body's 32 ms at 100k events, 299 components). Written here with orjson, which calls
``to_plotly_json`` for each component as it meets it, and handed to Dash as an
``orjson.Fragment``, the answer is plain and takes orjson's path: 3.5 ms, the same JSON
(``tests/unit/test_serialised_layout.py``).
"""

from __future__ import annotations

import orjson
from plotly.io._json import clean_to_json_compatible, get_module
from plotly.io.json import config as plotly_json_config

# The options and optional modules plotly's orjson engine writes with (plotly/io/_json.py).
ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
PLOTLY_JSON_MODULES = {"sage_all": None, "np": get_module("numpy", should_load=False),
                       "pd": get_module("pandas", should_load=False),
                       "image": get_module("PIL.Image", should_load=False)}


def _plain(value: object) -> object:
    """A value orjson cannot write, as plotly's walk would write it: a component (or figure) as
    its JSON dict, anything else (dates, numpy scalars) through plotly's own conversion."""
    to_plotly_json = getattr(value, "to_plotly_json", None)
    if to_plotly_json is not None:
        return to_plotly_json()
    return clean_to_json_compatible(value, numpy_allowed=True, datetime_allowed=True,
                                    modules=PLOTLY_JSON_MODULES)


def as_json_fragment(tree: object) -> object:
    """``tree`` (components, lists, plain values) as one pre-written JSON fragment Dash sends as it
    is; ``tree`` itself where plotly writes with its plain-``json`` engine (no fragments there)."""
    if plotly_json_config.default_engine not in ("auto", "orjson"):
        return tree
    return orjson.Fragment(orjson.dumps(tree, default=_plain, option=ORJSON_OPTIONS))
