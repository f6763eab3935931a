"""A chart as one standalone HTML file that works offline: nothing is fetched, from anywhere.

Plotly.js, the figure and the world outlines a geo map needs are written into the page itself,
and a Content-Security-Policy in the page forbids every request, so a newsroom can host the file
or open it from disk and it shows the same chart with its source line.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

from ..data.schema import safe_href
from ..figures.map_key import MAP_KEY_META
from ..i18n import normalise_language, translate
from .spec import ExportContext

TOPOJSON_DIR = Path(__file__).resolve().parents[2] / "assets" / "topojson"
# plotly.js's own partial bundles (npm plotly.js-*-dist-min, the version plotly.py carries; see the
# folder's README): a page holds the smallest that draws its traces, 1.2–1.4 MB instead of 4.8 MB.
PLOTLYJS_DIR = Path(__file__).resolve().parent / "plotlyjs"
PARTIAL_PLOTLYJS = (
    ("plotly-basic.min.js", frozenset({"bar", "pie", "scatter"})),
    ("plotly-geo.min.js", frozenset({"choropleth", "scatter", "scattergeo"})),
)
FULL_PLOTLYJS = "plotly.py"

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
# Colours written into the page's CSS: hex, a colour name, rgb()/hsl() of plain numbers; nothing else.
_CSS_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3,4}){1,2}|[a-zA-Z]{3,20}"
                         r"|(?:rgb|hsl)a?\(\s*[0-9.]+%?(?:\s*[,/\s]\s*[0-9.]+%?){2,3}\s*\)")
# Below this page width the key goes under the chart; above it, beside it.
KEY_BESIDE_MIN_PX = 900
# A print map's finer place names (towns, rivers: trace names from figures/print_map.py) are hidden
# on a chart narrower than this.
NARROW_CHART_PX = 600
MINOR_LABEL_TRACES = r"^labels-(rank2|rank3|rivers)"


# The print layout's page furniture: the HTML page carries these as text around the chart.
PAGE_ANNOTATIONS = frozenset({"export-title", "export-subtitle", "export-source", "export-credit"})
MAP_KEY_ITEM = "map-key"  # the name of the print map key's shapes and annotations


@dataclass(frozen=True)
class KeyEntry:
    """One legend entry as the page draws it: words and a swatch (a dot or a line)."""

    name: str  # plain text (plotly's escaping undone)
    colour: str  # a CSS colour, checked against _CSS_COLOUR
    kind: str  # "dot" or "line"
    dash: str = "solid"  # a line's style: "solid" or "dotted"
    opacity: float = 1.0


@dataclass(frozen=True)
class KeyBlock:
    """One legend of the figure: its title and entries, in plotly's order."""

    title: str
    entries: tuple[KeyEntry, ...]


def figure_key(figure: go.Figure) -> tuple[KeyBlock, ...]:
    """The figure's legends as plain entries, for the page to draw as HTML.

    A trace is listed when plotly would list it: its ``showlegend`` is true, or unset in a figure
    of several traces; hidden traces and figures with ``showlegend=False`` list nothing. A
    legend group is listed once.
    """
    if figure.layout.showlegend is False:
        return ()
    blocks: dict[str, tuple[str, list[tuple[float, KeyEntry]]]] = {}
    groups: set[tuple[str, str]] = set()
    for trace in figure.data:
        shown = trace.showlegend if trace.showlegend is not None else len(figure.data) > 1
        if not shown or trace.visible is False or not trace.name:
            continue
        legend = getattr(trace, "legend", None) or "legend"
        group = trace.legendgroup or ""
        if group and (legend, group) in groups:
            continue
        groups.add((legend, group))
        entry = _key_entry(trace)
        if entry is None:
            continue
        if legend not in blocks:
            layout_legend = figure.layout[legend] if legend in figure.layout else None
            title = layout_legend.title.text if layout_legend is not None and layout_legend.title else None
            blocks[legend] = (html.unescape(title or ""), [])
        blocks[legend][1].append((trace.legendrank if trace.legendrank is not None else 1000, entry))
    order = sorted(blocks, key=lambda name: (name != "legend", name))
    # Plotly orders entries by legendrank, then by trace order (sorted() is stable).
    return tuple(KeyBlock(title=blocks[name][0],
                          entries=tuple(entry for _, entry in sorted(blocks[name][1], key=lambda item: item[0])))
                 for name in order)


def _key_entry(trace) -> KeyEntry | None:
    mode = getattr(trace, "mode", None) or ""
    marker, line = getattr(trace, "marker", None), getattr(trace, "line", None)
    as_line = "lines" in mode
    source = line if as_line else marker
    colour = getattr(source, "color", None) if source is not None else None
    if not isinstance(colour, str) or not _CSS_COLOUR.fullmatch(colour.strip()):
        return None
    opacity = trace.opacity if trace.opacity is not None else 1.0
    if not as_line and marker is not None and isinstance(marker.opacity, (int, float)):
        opacity *= marker.opacity
    dash = "solid" if not as_line or (line.dash or "solid") == "solid" else "dotted"
    return KeyEntry(name=html.unescape(str(trace.name)), colour=colour.strip(), kind="line" if as_line else "dot",
                    dash=dash, opacity=round(max(0.35, float(opacity)), 2))


def size_key_html(summary: object) -> str:
    """A print map's size and place key (``figures.map_key.key_summary``) as HTML: circles at the
    map's marker diameters. Anything not shaped like a summary gives nothing."""
    if not isinstance(summary, dict) or not isinstance(summary.get("rows"), list):
        return ""
    e = _escape

    def circle(diameter: object, extra: str = "") -> str:
        px = float(diameter) if isinstance(diameter, (int, float)) else 0.0
        px = min(max(px, 2.0), 64.0)
        return f'<span class="size{extra}" style="width:{px:g}px;height:{px:g}px" aria-hidden="true"></span>'

    rows = []
    for row in summary["rows"]:
        steps = "".join(f'<span class="step">{circle(d)}<span>{e(label)}</span></span>'
                        for label, d in (row.get("steps") or []))
        rows.append(f'<li class="sizes">{steps}<span>{e(row.get("unit", ""))}</span></li>')
    parts = [f'<section class="key-block"><h2 class="key-title">{e(summary.get("size", ""))}</h2>'
             f'<ul>{"".join(rows)}</ul></section>']
    if summary.get("place"):
        dot = 11.0
        approximate = (f'<span class="ring">{circle(dot, " pale")}</span>' if summary.get("ring")
                       else circle(dot, " pale"))
        parts.append(f'<section class="key-block"><h2 class="key-title">{e(summary["place"])}</h2><ul>'
                     f'<li>{circle(dot, " solid")}{e(summary.get("exact", ""))}</li>'
                     f'<li>{approximate}{e(summary.get("approximate", ""))}</li></ul></section>')
    return "\n".join(parts)


def key_html(blocks: tuple[KeyBlock, ...], sizes: str = "") -> str:
    """The legends as an HTML list that wraps with the page (no scroll box, no overlap); ``sizes``
    (from :func:`size_key_html`) goes after the first legend, the event types."""
    if not blocks and not sizes:
        return ""
    parts = ['<div class="key">']
    for position, block in enumerate(blocks):
        if position == 1 and sizes:
            parts.append(sizes)
        parts.append('<section class="key-block">')
        if block.title:
            parts.append(f'<h2 class="key-title">{_escape(block.title)}</h2>')
        parts.append("<ul>")
        for entry in block.entries:
            style = f"--c:{entry.colour};opacity:{entry.opacity:g}"
            parts.append(f'<li><span class="swatch {entry.kind} {entry.dash}" style="{_escape(style)}" '
                         f'aria-hidden="true"></span>{_escape(entry.name)}</li>')
        parts.append("</ul></section>")
    if sizes and len(blocks) < 2:
        parts.append(sizes)
    parts.append("</div>")
    return "\n".join(parts)


def chart_aspect(figure: go.Figure) -> float | None:
    """Width / height of a geo figure's plot area, so the page's chart box has the map's shape
    (a geo map keeps its own proportions: any other box leaves blank bands); None otherwise."""
    layout = figure.layout
    if not any(trace.type in GEO_TRACE_TYPES for trace in figure.data) or not layout.width or not layout.height:
        return None
    margin = layout.margin
    width = layout.width - (margin.l or 0) - (margin.r or 0)
    height = layout.height - (margin.t or 0) - (margin.b or 0)
    return round(width / height, 3) if width > 0 and height > 0 else None


def responsive_figure(figure: go.Figure) -> go.Figure:
    """A copy of a print figure that fits any page width.

    The title, subtitle, source line and credit come out (the page shows them as text), fixed
    pixel margins give way to plotly's automatic ones, and the legends come out of the chart (the
    page draws them as HTML, under the chart on a narrow screen and beside it on a wide one: a
    legend inside a phone-sized chart took most of its room, overlapped the other and scrolled).
    """
    chart = go.Figure(figure, _validate=False)  # a copy: the caller's figure is left as it was
    # The page's furniture and the map key drawn in the page's margins go: the page shows them.
    chart.layout.annotations = [a for a in chart.layout.annotations
                                if a.name not in PAGE_ANNOTATIONS and a.name != MAP_KEY_ITEM]
    chart.layout.shapes = [shape for shape in chart.layout.shapes if shape.name != MAP_KEY_ITEM]
    chart.layout.meta = None
    # Annotations left standing above the plot (the timeline's "Events per year") need room.
    # Its shift to the left matched the print page's tick labels, not plotly's automatic margin.
    above = [a for a in chart.layout.annotations if a.yref == "paper" and a.yanchor == "bottom" and (a.y or 0) >= 1]
    for annotation in above:
        annotation.xshift = max(annotation.xshift or 0, 0)
    above = [(a.font.size or 12) * 1.4 + (a.yshift or 0) for a in above]
    chart.update_layout(width=None, height=None, autosize=True, showlegend=False,
                        margin=dict(l=10, r=10, t=10 + round(max(above, default=0)), b=10, pad=0,
                                    autoexpand=True))
    # A print chart sizes its margins for its page (automargin off); in 10 px, category names and
    # tick labels were cut. Plotly makes room for them again.
    chart.update_xaxes(automargin=True)
    chart.update_yaxes(automargin=True)
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
    meta = figure.layout.meta
    key = key_html(figure_key(figure), size_key_html(meta.get(MAP_KEY_META) if isinstance(meta, dict) else None))
    aspect = chart_aspect(figure)
    # A map keeps its proportions (no blank bands, no minimum height); other charts stretch.
    chart_shape = f".chart{{aspect-ratio:{aspect:g};min-height:0}}" if aspect else ""
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
.body{{display:grid;grid-template-columns:minmax(0,1fr);gap:.75rem}}
.chart{{width:100%;min-width:0;aspect-ratio:16/9;min-height:320px;max-height:85vh}}
@media (max-width:599px){{.chart{{aspect-ratio:1/1;min-height:280px}}}}
{chart_shape}
.key{{display:flex;flex-wrap:wrap;gap:.5rem 1.75rem;font-size:.875rem;min-width:0}}
.key-title{{font-size:.8rem;font-weight:600;color:{muted};margin:0 0 .25rem}}
.key ul{{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.2rem}}
.key li{{display:flex;align-items:center;gap:.5em;overflow-wrap:anywhere}}
.swatch{{flex:none;display:inline-block}}
.swatch.dot{{width:.75em;height:.75em;border-radius:50%;background:var(--c)}}
.swatch.line{{width:1.8em;height:0;border-top:3px solid var(--c)}}
.swatch.line.dotted{{border-top-style:dotted}}
.size{{flex:none;display:inline-block;border-radius:50%;background:{muted};opacity:.85}}
.size.solid{{background:{text};opacity:.95}}.size.pale{{background:{text};opacity:.55}}
.ring{{flex:none;display:inline-flex;align-items:center;justify-content:center;width:24px;height:24px;
border-radius:50%;background:{muted}59}}
.sizes{{flex-wrap:wrap;align-items:flex-end}}
.step{{display:inline-flex;flex-direction:column;align-items:center;gap:.15em;margin-right:.2em}}
@media (min-width:{KEY_BESIDE_MIN_PX}px){{.body.with-key{{grid-template-columns:minmax(0,1fr) minmax(11rem,16rem)}}
.key{{flex-direction:column;align-content:flex-start}}}}
figcaption{{font-size:.875rem;color:{muted};margin-top:.5rem}}
figcaption p{{margin:.25rem 0}}
.source{{color:{text}}}
a{{color:inherit}}
summary{{cursor:pointer}}
</style>
<script>window.PlotlyConfig={{MathJaxConfig:"local"}};</script>
{geo_assets}<script>{_plotly_js(plotly_bundle_for(trace.type for trace in figure.data))}</script>
</head>
<body>
<main>
<figure>
<h1>{e(context.title)}</h1>
{subtitle}<div class="body{" with-key" if key else ""}">
<div id="{CHART_ID}" class="chart" role="img" aria-label="{e(context.alt_text)}"></div>
{key}</div>
<figcaption>
{chr(10).join(footer)}
</figcaption>
</figure>
</main>
<script>
(function () {{
  var figure = {figure_json};
  var chart = document.getElementById("{CHART_ID}");
  // Names placed for the printed page crowd a phone-sized map: below {NARROW_CHART_PX} px only the
  // main places stay named.
  var minor = [];
  figure.data.forEach(function (trace, index) {{
    if (/{MINOR_LABEL_TRACES}/.test(trace.name || "")) minor.push(index);
  }});
  var narrow = null;
  function fit() {{
    var now = chart.clientWidth < {NARROW_CHART_PX};
    if (now === narrow || !minor.length) return;
    narrow = now;
    Plotly.restyle(chart, {{visible: !now}}, minor);
  }}
  Plotly.newPlot(chart, figure.data, figure.layout, {config_json}).then(fit);
  window.addEventListener("resize", fit);
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


def plotly_bundle_for(trace_types: Iterable[str]) -> str:
    """The smallest plotly.js build that draws every trace type given: a partial bundle's file name
    in PLOTLYJS_DIR, or FULL_PLOTLYJS (plotly.py's own, 4.8 MB)."""
    wanted = set(trace_types) or {"scatter"}
    return next((name for name, types in PARTIAL_PLOTLYJS if wanted <= types), FULL_PLOTLYJS)


@lru_cache(maxsize=len(PARTIAL_PLOTLYJS) + 1)
def _plotly_js(bundle: str = FULL_PLOTLYJS) -> str:
    if bundle == FULL_PLOTLYJS:
        from plotly.offline import get_plotlyjs

        source = get_plotlyjs()
    else:
        source = (PLOTLYJS_DIR / bundle).read_text(encoding="utf-8")
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
