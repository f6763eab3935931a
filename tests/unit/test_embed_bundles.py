"""Standalone HTML exports inline the smallest plotly.js that draws their traces."""

from __future__ import annotations

import re

import pytest
from plotly.offline import get_plotlyjs_version

from dashboard.exports.embed import (
    FULL_PLOTLYJS,
    PARTIAL_PLOTLYJS,
    PLOTLYJS_DIR,
    _plotly_js,
    plotly_bundle_for,
)


@pytest.mark.parametrize("bundle", [name for name, _types in PARTIAL_PLOTLYJS])
def test_emb001_each_partial_bundle_is_the_plotlyjs_version_plotly_py_carries(bundle):
    header = (PLOTLYJS_DIR / bundle).read_text(encoding="utf-8")[:200]
    version = re.search(r"plotly\.js \(\w+ - minified\) v(\S+)", header)
    assert version and version.group(1) == get_plotlyjs_version(), header
    assert "Licensed under the MIT license" in header


def test_emb002_the_smallest_bundle_that_draws_every_trace_is_chosen():
    assert plotly_bundle_for(["bar", "bar", "scatter"]) == "plotly-basic.min.js"
    assert plotly_bundle_for(["scattergeo", "scatter"]) == "plotly-geo.min.js"
    assert plotly_bundle_for(["choropleth"]) == "plotly-geo.min.js"
    assert plotly_bundle_for(["scattergeo", "bar"]) == FULL_PLOTLYJS  # no partial bundle has both
    assert plotly_bundle_for(["scattermap"]) == FULL_PLOTLYJS
    assert plotly_bundle_for([]) == "plotly-basic.min.js"
    sizes = {name: len(_plotly_js(name)) for name in ("plotly-basic.min.js", "plotly-geo.min.js", FULL_PLOTLYJS)}
    assert max(sizes["plotly-basic.min.js"], sizes["plotly-geo.min.js"]) < sizes[FULL_PLOTLYJS] / 3, sizes
