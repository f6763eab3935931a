"""The standalone HTML embed: one escaped, self-contained document that can fetch nothing."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser

import plotly.graph_objects as go
import pytest

from dashboard.data.filters import FilterSpec
from dashboard.exports.embed import (
    CHART_ID,
    CONTENT_SECURITY_POLICY,
    geo_topojson_names,
    responsive_figure,
    standalone_html,
)
from dashboard.exports.spec import ExportContext

HOSTILE = "<script>alert(1)</script>"
PERMALINK = "https://rutas.example.org/?lang=en&types=seizure"


class Document(HTMLParser):
    """Every start tag with its attributes, the text inside chosen elements, and script bodies."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, str] = {}
        self.scripts: list[str] = []
        self._open: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("title", "h1", "figcaption", "details", "script", "style", "a"):
            self._open.append(tag)
            self.text.setdefault(tag, "")
            if tag == "script":
                self.scripts.append("")

    def handle_endtag(self, tag):
        if tag in self._open:
            self._open.remove(tag)

    def handle_data(self, data):
        for tag in self._open:
            self.text[tag] += data
        if "script" in self._open:
            self.scripts[-1] += data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def context(**changes: object) -> ExportContext:
    base = ExportContext(
        spec=FilterSpec(), lang="en", title="Cocaine seizures, 2015–2024",
        subtitle="Seizures · Peru and Bolivia", alt_text="Bars of seizures per year, rising after 2019.",
        source_line="Source: Rutas — 40 events from 31 published reports; exported 2025-01-31",
        permalink=PERMALINK, exported_at=datetime(2025, 1, 31, tzinfo=UTC), events=40, sources=31,
        credit="Graphic: Data Desk",
    )
    return replace(base, **changes)


def bar_figure() -> go.Figure:
    figure = go.Figure(go.Bar(x=["2019", "2020"], y=[3, 5]))
    figure.update_layout(width=1200, height=675, title_text="Cocaine seizures, 2015–2024")
    return figure


def geo_figure(resolution: int = 50, **geo: object) -> go.Figure:
    figure = go.Figure(go.Scattergeo(lon=[-73.8, 4.4], lat=[-12.5, 51.2], mode="lines+markers"))
    figure.update_geos(**({"resolution": resolution, "showcountries": True} | geo))
    return figure


def figure_json(html: str) -> dict:
    match = re.search(r"var figure = (\{.*\});\n", html)
    assert match, "the figure is not in the page"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def bar_html() -> str:
    return standalone_html(bar_figure(), context())


@pytest.fixture(scope="module")
def map_html() -> str:
    return standalone_html(geo_figure(50), context(title="Routes"))


def test_exp090_document_structure(bar_html):
    doc = Document(bar_html)
    assert bar_html.startswith("<!DOCTYPE html>")
    assert doc.find("html", lang="en")
    assert doc.find("meta", charset="utf-8")
    assert doc.text["title"] == "Cocaine seizures, 2015–2024"
    assert doc.text["h1"] == "Cocaine seizures, 2015–2024"
    chart = doc.find("div", id=CHART_ID)
    assert chart == [{"id": CHART_ID, "class": "chart", "role": "img",
                      "aria-label": "Bars of seizures per year, rising after 2019."}]
    assert [t for t, _ in doc.tags].index("figure") < [t for t, _ in doc.tags].index("figcaption")
    caption = doc.text["figcaption"]
    assert "Source: Rutas — 40 events from 31 published reports" in caption
    assert "Graphic: Data Desk" in caption
    assert "Bars of seizures per year" in doc.text["details"]
    assert doc.find("a", href=PERMALINK)
    assert doc.find("p", **{"class": "subtitle"})


def test_exp091_hostile_text_is_escaped_everywhere():
    hostile = context(title=HOSTILE, subtitle=HOSTILE, source_line=HOSTILE, alt_text=f'"{HOSTILE}',
                      credit=HOSTILE)
    figure = bar_figure()
    figure.update_layout(title_text=HOSTILE, xaxis_title_text=HOSTILE)
    html = standalone_html(figure, hostile)
    doc = Document(html)
    # Only the page's own scripts: config, plotly.js and the plot call.
    assert html.count("<script") == html.count("</script>") == 3
    assert HOSTILE not in html
    assert doc.text["title"] == doc.text["h1"] == HOSTILE  # shown as text, never run
    assert doc.find("div", id=CHART_ID)[0]["aria-label"] == f'"{HOSTILE}'
    assert all("alert(1)" not in s for s in doc.scripts[:2])


def test_exp092_content_security_policy_forbids_every_request(bar_html):
    doc = Document(bar_html)
    (meta,) = doc.find("meta", **{"http-equiv": "Content-Security-Policy"})
    policy = {d.split()[0]: d.split()[1:] for d in meta["content"].split(";") if d.strip()}
    assert meta["content"] == CONTENT_SECURITY_POLICY
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'unsafe-inline'"]  # no 'unsafe-eval', no hosts
    assert "connect-src" not in policy  # falls back to 'none'
    # The policy is in force before any script runs.
    names = [t for t, _ in doc.tags]
    assert names.index("meta") < names.index("script")


def test_exp093_nothing_points_outside_but_the_permalink(bar_html, map_html):
    for html in (bar_html, map_html):
        doc = Document(html)
        assert not doc.find("link") and not doc.find("iframe") and not doc.find("img")
        urls = [(t, k, v) for t, a in doc.tags for k, v in a.items() if k in ("src", "href", "action")]
        assert urls == [("a", "href", PERMALINK)]
        assert "@import" not in doc.text["style"] and "url(" not in doc.text["style"]


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,hi", "/relative?x=1",
                                  "ftp://example.org/", "https://exa mple.org/", ""])
def test_exp094_unsafe_permalink_is_left_out(link):
    html = standalone_html(bar_figure(), context(permalink=link))
    doc = Document(html)
    assert doc.find("a") == []
    if link:
        assert link not in html


def test_exp097_map_inlines_only_the_outlines_it_needs(bar_html, map_html):
    assert not any(s.startswith("window.PlotlyGeoAssets=") for s in Document(bar_html).scripts)
    assert '"world_50m":{' in map_html and '"world_110m":{' not in map_html
    doc = Document(map_html)
    assets = doc.scripts.index(next(s for s in doc.scripts if s.startswith("window.PlotlyGeoAssets=")))
    plotly_js = next(i for i, s in enumerate(doc.scripts) if "plotly.js (geo - minified) v" in s[:200])
    assert assets < plotly_js  # set before plotly.js looks for it
    html_110 = standalone_html(geo_figure(110), context())
    assert '"world_110m":{' in html_110 and '"world_50m":{' not in html_110
    # The 50m outlines are about a megabyte; the bar chart carries none of it.
    assert len(doc.scripts[assets]) > 1_000_000
    assert "plotly.js (basic - minified) v" in "".join(s[:200] for s in Document(bar_html).scripts)


def test_exp098_geo_topojson_names_follow_plotly_defaults():
    assert geo_topojson_names(bar_figure()) == set()
    assert geo_topojson_names(go.Figure(go.Scattergeo(lon=[0], lat=[0]))) == {"world_110m"}
    assert geo_topojson_names(geo_figure(50)) == {"world_50m"}
    bare = dict(showcoastlines=False, showland=False, showlakes=False, showcountries=False)
    assert geo_topojson_names(geo_figure(50, **bare)) == set()
    assert geo_topojson_names(geo_figure(50, visible=False, showcountries=None)) == set()
    assert geo_topojson_names(geo_figure(50, visible=False)) == {"world_50m"}  # countries asked for
    shapes = go.Figure(go.Choropleth(locations=["PER"], z=[1]))
    shapes.update_geos(**bare)
    assert geo_topojson_names(shapes) == {"world_110m"}  # shapes come from the outlines
    assert geo_topojson_names(geo_figure(110, scope="south america")) == {"south-america_110m"}
    assert geo_topojson_names(geo_figure(110, projection_type="albers usa")) == {"usa_110m"}
    two = geo_figure(50)
    two.add_trace(go.Scattergeo(lon=[0], lat=[0], geo="geo2"))
    two.update_layout(geo2=dict(resolution=110))
    assert geo_topojson_names(two) == {"world_50m", "world_110m"}


def test_exp099_outlines_that_are_not_bundled_are_refused():
    with pytest.raises(ValueError, match="south-america_110m"):
        standalone_html(geo_figure(110, scope="south america"), context())


def test_exp130_chart_fills_the_page_and_the_caller_keeps_its_figure():
    figure = bar_figure()
    html = standalone_html(figure, context())
    layout = figure_json(html)["layout"]
    assert "width" not in layout and "height" not in layout and layout["autosize"] is True
    assert "text" not in layout.get("title", {})  # the page heading carries the title
    assert figure.layout.width == 1200 and figure.layout.title.text == "Cocaine seizures, 2015–2024"
    assert '"responsive": true' in html and '"displaylogo": false' in html


def test_exp131_language_and_page_colours():
    doc = Document(standalone_html(bar_figure(), context(lang="es")))
    assert doc.find("html", lang="es")
    assert "Descripción del gráfico" in doc.text["details"] and "Abrir esta vista" in doc.text["a"]
    assert Document(standalone_html(bar_figure(), context(lang="xx"))).find("html", lang="en")
    dark = bar_figure().update_layout(paper_bgcolor="#101418")
    assert "background:#101418" in Document(standalone_html(dark, context())).text["style"]
    odd = go.Figure(bar_figure(), layout={"paper_bgcolor": "red}body{display:none"}, _validate=False)
    style = Document(standalone_html(odd, context())).text["style"]
    assert "display:none" not in style and "background:#ffffff" in style


def test_key020_figure_key_lists_each_shown_entry_once_in_plotly_order():
    from dashboard.exports.embed import figure_key, key_html

    figure = go.Figure([
        go.Scattergeo(lon=[1], lat=[1], mode="markers", name="Approximate place", legendrank=2000,
                      marker=dict(color="#5b6570", opacity=0.2), showlegend=True),
        go.Scattergeo(lon=[1], lat=[1], mode="markers", name="Drug seizure", legendgroup="drug_seizure",
                      marker=dict(color="#332288"), showlegend=True),
        go.Scattergeo(lon=[2], lat=[2], mode="markers", name="Drug seizure", legendgroup="drug_seizure",
                      marker=dict(color="#332288", opacity=0.5), showlegend=True),
        go.Scattergeo(lon=[1, 2], lat=[1, 2], mode="lines", name="sea (inferred)", legend="legend2",
                      line=dict(color="#1f4e79", dash="dot"), showlegend=True),
        go.Scattergeo(lon=[1], lat=[1], mode="text", name="labels-rank1", showlegend=False),
        dict(type="scattergeo", lon=[1], lat=[1], mode="markers", name=HOSTILE, showlegend=True,
             marker=dict(color="red;background:url(https://evil.example)")),
        go.Scattergeo(lon=[1], lat=[1], mode="markers", name="Arrest", marker=dict(color="rgb(221 204 119)")),
    ], _validate=False)
    figure.update_layout(legend2=dict(title=dict(text="Routes &amp; areas")))
    blocks = figure_key(figure)
    assert [[e.name for e in b.entries] for b in blocks] == [["Drug seizure", "Arrest", "Approximate place"],
                                                            ["sea (inferred)"]]
    assert blocks[1].title == "Routes & areas" and blocks[1].entries[0].dash == "dotted"
    assert blocks[0].entries[0].kind == "dot" and blocks[1].entries[0].kind == "line"
    page = key_html(blocks)
    assert "evil.example" not in page and "<script>" not in page  # colours checked, words escaped
    figure.update_layout(showlegend=False)
    assert figure_key(figure) == ()


def test_key021_embed_draws_the_key_as_html_and_no_plotly_legend():
    figure = go.Figure([go.Scattergeo(lon=[1, 2], lat=[1, 2], mode="markers", name=f"Arrest {HOSTILE}",
                                      marker=dict(color="#ddcc77"), showlegend=True),
                        go.Scattergeo(lon=[1, 2], lat=[1, 2], mode="lines", name="road (documented)",
                                      line=dict(color="#8c510a"), legend="legend2", showlegend=True)])
    figure.update_layout(width=1200, height=675, margin=dict(l=0, r=200, t=0, b=0))
    context = ExportContext(spec=FilterSpec(), lang="en", title="t", subtitle="", source_line="s", alt_text="a",
                            permalink="", exported_at=datetime(2025, 1, 31, tzinfo=UTC), events=2, sources=1,
                            credit="")
    page = standalone_html(figure, context)
    document = Document(page)
    assert document.find("div", **{"class": "key"}) and len(re.findall(r"<li>", page)) == 2
    assert HOSTILE not in page.split("<main>")[1].split("<script>")[0]  # escaped in the key
    chart_json = json.loads(re.search(r"var figure = (\{.*?\});\n", page).group(1).replace("<\\/", "</"))
    assert chart_json["layout"]["showlegend"] is False  # the chart keeps all its room
    assert ".chart{aspect-ratio:1.481;min-height:0}" in page  # a map keeps its plot area's shape: 1000×675


def test_key022_print_map_size_key_becomes_html_circles(store, bundled):
    from dashboard.exports.charts import build_export_figure
    from dashboard.exports.embed import size_key_html
    from dashboard.exports.spec import ChartKind, ChartRequest

    spec = FilterSpec(event_types=("drug_seizure",))
    context = ExportContext(spec=spec, lang="es", title="t", subtitle="", source_line="s", alt_text="a",
                            permalink="", exported_at=datetime(2025, 1, 31, tzinfo=UTC), events=2, sources=1,
                            credit="")
    figure = build_export_figure(store, spec, ChartRequest(chart=ChartKind.MAP), context, routes=bundled.routes,
                                 regions=bundled.regions)
    page = standalone_html(figure, context)
    circles = re.findall(r'class="size" style="width:([0-9.]+)px;height:\1px"', page)
    summary = figure.layout.meta["rutas_map_key"]
    assert [float(c) for c in circles] == [d for row in summary["rows"] for _, d in row["steps"]]
    assert "muertes" in page and "Tamaño" in page  # in the export's language
    assert '"map-key"' not in page and "rutas_map_key" not in page  # the page draws it, not the chart
    hostile = size_key_html({"size": HOSTILE, "rows": [{"unit": "kg", "steps": [[HOSTILE, 1e9]]}]})
    assert "<script>" not in hostile and "width:64px" in hostile  # escaped, clamped
    assert size_key_html(None) == size_key_html({"rows": "x"}) == ""


def test_exp132_print_margins_give_way_to_room_for_labels_and_the_unit_above_the_plot():
    # A print chart: margins sized for its page, automargin off, the unit written above the plot
    # and shifted left over the page's tick labels.
    printed = go.Figure(go.Bar(x=[3, 1], y=["Attack on security forces", "Drug seizure"], orientation="h"))
    printed.update_layout(width=1200, height=675, margin=dict(l=240, r=40, t=120, b=80),
                          xaxis=dict(automargin=False), yaxis=dict(automargin=False))
    printed.add_annotation(text="Events per year", name="export-axis-unit", xref="paper", yref="paper", x=0, y=1,
                           xanchor="left", yanchor="bottom", xshift=-22, yshift=8, font=dict(size=14),
                           showarrow=False)
    chart = responsive_figure(printed)
    assert chart.layout.xaxis.automargin is True and chart.layout.yaxis.automargin is True
    assert chart.layout.margin.t >= 10 + 14 * 1.4 + 8  # the unit's line fits above the plot
    [unit] = chart.layout.annotations
    assert unit.xshift == 0  # not pushed past the page's left edge
    assert printed.layout.yaxis.automargin is False  # the caller's figure is left as it was
