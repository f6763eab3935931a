"""The page's partial plotly.js (assets/plotly-rutas.min.js) is the version plotly.py carries, so the
figures the server builds are read by the plotly.js they were made for."""

from __future__ import annotations

import re
from pathlib import Path

from plotly.offline import get_plotlyjs_version

BUNDLE = Path(__file__).resolve().parents[2] / "assets" / "plotly-rutas.min.js"
RECIPE = Path(__file__).resolve().parents[2] / "docs" / "plotlyjs" / "index-rutas.js"


def test_plj101_the_bundle_is_plotly_pys_plotlyjs_version_with_its_licence():
    header = BUNDLE.read_text(encoding="utf-8")[:400]
    version = re.search(r"plotly\.js v(\S+)", header)
    assert version and version.group(1) == get_plotlyjs_version(), header
    assert "Licensed under the MIT license" in header


def test_plj102_the_recipe_registers_the_traces_the_header_names():
    registered = re.findall(r"require\('\./(\w+)'\)", RECIPE.read_text(encoding="utf-8"))
    assert registered[0] == "core" and set(registered[1:]) == {"bar", "scattermap"}
    header = BUNDLE.read_text(encoding="utf-8")[:400]
    assert all(kind in header for kind in registered[1:])
