"""A chart as one standalone HTML file that works offline: nothing is fetched, from anywhere.

Plotly.js, the figure and the world outlines a geo map needs are written into the page itself,
and a Content-Security-Policy in the page forbids every request, so a newsroom can host the file
or open it from disk and it shows the same chart with its source line.
"""

from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

from ..data.schema import safe_href
from ..i18n import normalise_language, translate
from .spec import ExportContext

TOPOJSON_DIR = Path(__file__).resolve().parents[2] / "assets" / "topojson"

# Everything from the page itself, nothing from anywhere else. base-uri and form-action do not
# fall back to default-src, so they are named too.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'"
)

CHART_ID = "rutas-chart"
GEO_TRACE_TYPES = frozenset({"scattergeo", "choropleth"})
# Plotly.js ships no outlines: it fetches <topojsonURL>/<name>.json unless the page already set
# window.PlotlyGeoAssets.topojson[<name>]. A data: URL here means a miss fails without a request.
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "topojsonURL": "data:,"}

_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


# The print layout's page furniture: the HTML page carries these as text around the chart.
PAGE_ANNOTATIONS = frozenset({"export-title", "export-subtitle", "export-source", "export-credit"})


def responsive_figure(figure: go.Figure) -> go.Figure:
    """A copy of a print figure that fits any page width.

    The title, subtitle, source line and credit come out (the page shows them as text), fixed
    pixel margins give way to plotly's automatic ones, and the legends move under the chart.
    """
    chart = go.Figure(figure, _validate=False)  # a copy: the caller's figure is left as it was
    chart.layout.annotations = [a for a in chart.layout.annotations if a.name not in PAGE_ANNOTATIONS]
    chart.update_layout(width=None, height=None, autosize=True,
                        margin=dict(l=10, r=10, t=10, b=10, pad=0, autoexpand=True))
    for name, x, anchor in (("legend", 0.0, "left"), ("legend2", 1.0, "right")):
        if name in chart.layout and chart.layout[name] is not None:
            chart.layout[name].update(orientation="v", x=x, xanchor=anchor, xref="paper",
                                      y=-0.02, yanchor="top", yref="paper")
    return chart


def geo_topojson_names(figure: go.Figure) -> set[str]:
    """Names of the Plotly topojson files (``world_50m``…) the figure's geo subplots will load.

    Follows plotly.js (``geo/layout_defaults.js``, ``geo/geo.js``): only subplots that hold a
    trace are drawn, and one loads ``<scope>_<resolution>m`` when one of its base layers is shown
    or one of its traces places shapes by ``locations``. Explicit layout values win over the
    figure's template, which wins over plotly.js's defaults.

    Parameters
    ----------
    figure
        Any plotly figure; one with no geo subplot needs no file.

    Returns
    -------
    set[str]
        Topojson names, e.g. ``{"world_50m"}``; empty for cartesian-only figures.
    """
    layout = figure.layout.to_plotly_json()
    template_layout = _as_dict(_as_dict(layout.get("template")).get("layout"))
    template_geo = _as_dict(template_layout.get("geo"))

    subplots: dict[str, bool] = {}  # geo id -> places shapes by locations
    for trace in figure.data:
        if trace.type in GEO_TRACE_TYPES:
            geo_id = trace.geo or "geo"
            subplots[geo_id] = subplots.get(geo_id, False) or trace.locations is not None

    names = set()
    for geo_id, by_locations in subplots.items():
        geo = _as_dict(layout.get(geo_id))
        scope, resolution, layers_shown = _resolve_geo(geo, template_geo)
        if by_locations or layers_shown:
            names.add(f"{scope.replace(' ', '-')}_{resolution}m")
    return names


def standalone_html(figure: go.Figure, context: ExportContext) -> str:
    """One self-contained HTML5 page: heading, the interactive chart, source line and credit.

    Parameters
    ----------
    figure
        The chart. Its fixed width and height are dropped so it fills the page's width.
    context
        Title, subtitle, source line, alt text, permalink, credit and language of the export.

    Returns
    -------
    str
        The document. It loads nothing: plotly.js and any world outlines are inline, and its
        Content-Security-Policy blocks every request.

    Raises
    ------
    ValueError
        When a geo subplot needs outlines that are not bundled (only the world files are), since
        the page could not draw them offline.
    """
    lang = normalise_language(context.lang)
    labels = {key: translate(f"export.embed.{key}", lang) for key in ("description", "permalink", "credit")}
    chart = responsive_figure(figure)
    if chart.layout.title.text == context.title:
        chart.layout.title.text = None  # the page heading carries it
    background, text, muted = _page_colours(chart)

    figure_json = _script_safe(chart.to_json(validate=False, engine="json"))
    config_json = _script_safe(json.dumps(PLOTLY_CONFIG))
    geo_assets = _geo_assets_script(geo_topojson_names(chart))

    e = _escape
    footer = [f'<p class="source">{e(context.source_line)}</p>']
    if context.credit.strip():
        footer.append(f'<p class="credit">{e(labels["credit"])}: {e(context.credit)}</p>')
    href = safe_href(context.permalink)
    if href:
        footer.append(f'<p class="permalink"><a href="{e(href)}" target="_blank" '
                      f'rel="noopener noreferrer">{e(labels["permalink"])}</a></p>')
    footer.append(f'<details><summary>{e(labels["description"])}</summary>'
                  f'<p class="alt">{e(context.alt_text)}</p></details>')
    subtitle = f'<p class="subtitle">{e(context.subtitle)}</p>\n' if context.subtitle.strip() else ""

    return f"""<!DOCTYPE html>
<html lang="{e(lang)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{e(CONTENT_SECURITY_POLICY)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(context.title)}</title>
<style>
*{{box-sizing:border-box}}
body{{margin:0;background:{background};color:{text};line-height:1.4;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}}
figure{{margin:0 auto;max-width:1400px;padding:16px clamp(12px,3vw,32px)}}
h1{{font-size:clamp(1.15rem,2.4vw,1.6rem);margin:0 0 .25rem}}
.subtitle{{margin:0 0 .5rem;color:{muted}}}
.chart{{width:100%;aspect-ratio:16/9;min-height:320px;max-height:85vh}}
figcaption{{font-size:.875rem;color:{muted};margin-top:.5rem}}
figcaption p{{margin:.25rem 0}}
.source{{color:{text}}}
a{{color:inherit}}
summary{{cursor:pointer}}
</style>
<script>window.PlotlyConfig={{MathJaxConfig:"local"}};</script>
{geo_assets}<script>{_plotly_js()}</script>
</head>
<body>
<main>
<figure>
<h1>{e(context.title)}</h1>
{subtitle}<div id="{CHART_ID}" class="chart" role="img" aria-label="{e(context.alt_text)}"></div>
<figcaption>
{chr(10).join(footer)}
</figcaption>
</figure>
</main>
<script>
(function () {{
  var figure = {figure_json};
  Plotly.newPlot("{CHART_ID}", figure.data, figure.layout, {config_json});
}})();
</script>
</body>
</html>
"""


def _as_dict(value: object) -> dict:
    if hasattr(value, "to_plotly_json"):
        value = value.to_plotly_json()
    return value if isinstance(value, dict) else {}


def _resolve_geo(geo: dict, template_geo: dict) -> tuple[str, int, bool]:
    """Scope, resolution and whether any outline layer is drawn, as plotly.js settles them."""

    def pick(key: str, default: object) -> object:
        for source in (geo, template_geo):
            if source.get(key) is not None:
                return source[key]
        return default

    projection = _as_dict(geo.get("projection")) or _as_dict(template_geo.get("projection"))
    scope = str(pick("scope", "world"))
    if projection.get("type") == "albers usa":
        scope = "usa"
    resolution = int(float(pick("resolution", 110)))
    visible = geo.get("visible", template_geo.get("visible", True)) is not False
    scoped = scope != "world"

    def shown(layer: str, default: bool) -> bool:
        explicit = geo.get(f"show{layer}")
        if explicit is not None:
            return bool(explicit)
        if not visible:  # visible=False replaces the template's show* with False
            return False
        return bool(pick(f"show{layer}", default))

    layers = [shown("coastlines", not scoped), shown("ocean", False), shown("land", False),
              shown("lakes", False), shown("rivers", False),
              shown("countries", scoped and scope != "usa")]
    if scope == "usa" or (scope == "north america" and resolution == 50):
        layers.append(shown("subunits", True))
    return scope, resolution, any(layers)


def _geo_assets_script(names: set[str]) -> str:
    if not names:
        return ""
    missing = sorted(n for n in names if not (TOPOJSON_DIR / f"{n}.json").is_file())
    if missing:
        raise ValueError(f"no bundled topojson for {', '.join(missing)}: an offline embed can only "
                         f"draw {', '.join(sorted(p.stem for p in TOPOJSON_DIR.glob('*.json')))}")
    entries = ",".join(f"{json.dumps(n)}:{_topojson_text(n)}" for n in sorted(names))
    return f"<script>window.PlotlyGeoAssets={{topojson:{{{entries}}}}};</script>\n"


@lru_cache(maxsize=4)
def _topojson_text(name: str) -> str:
    return _script_safe((TOPOJSON_DIR / f"{name}.json").read_text(encoding="utf-8").strip())


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    source = get_plotlyjs()
    if "</script" in source.lower() or "<!--" in source:
        raise ValueError("this plotly.js build cannot be inlined in a <script> element")
    return source


def _script_safe(json_text: str) -> str:
    # JSON inside <script>: "</" could end the element, "<!--" could change how it is parsed.
    return json_text.replace("</", "<\\/").replace("<!--", "<\\u0021--")


def _escape(text: str) -> str:
    return html.escape(str(text), quote=True)


def _page_colours(figure: go.Figure) -> tuple[str, str, str]:
    """Page background, text and muted text colours matching the figure's paper colour."""
    paper = figure.layout.paper_bgcolor
    if not isinstance(paper, str) or not _HEX_COLOUR.fullmatch(paper):
        return "#ffffff", "#1f2933", "#5b6570"
    digits = paper[1:] if len(paper) == 7 else "".join(c * 2 for c in paper[1:])
    red, green, blue = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    dark = 0.2126 * red + 0.7152 * green + 0.0722 * blue < 128
    return (paper, "#f1f3f5", "#b7c0c8") if dark else (paper, "#1f2933", "#5b6570")
