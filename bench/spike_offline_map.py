#!/usr/bin/env python3
"""Spike: prove that map text labels render fully offline.

Builds a minimal Dash app (one dcc.Graph, go.Scattermap traces with text, a
MapLibre style dict with no sources and a local ``glyphs`` URL, and
``layout.map.layers`` line + symbol layers fed by GeoJSON URLs under
/assets/), serves it on 127.0.0.1 (random port), opens it in headless Debian
Chromium through Playwright with every non-loopback host unresolvable, and:

* waits until the MapLibre map has drawn everything (see ``READY_JS``),
* records every request URL and every console message,
* asserts no request left 127.0.0.1, every glyph PBF came back 200, and the
  console has no errors,
* saves a screenshot (default /tmp/spike_map.png).

The test GeoJSON lives in a temporary directory (nothing is added to
assets/ except the committed assets/fonts/); a Flask route serves it at
/assets/spike/<name>, which wins over Dash's generic /assets/<path> route.

Usage::

    .venv/bin/python bench/spike_offline_map.py [--glyphs relative|absolute]
        [--screenshot /tmp/spike_map.png] [--keep-open SECONDS]

Prerequisite: assets/fonts/ built by ``geodata/build_glyphs.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import plotly.graph_objects as go
from dash import Dash, dcc, html
from flask import send_from_directory
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

RIVER_LINE = {  # a rough Río Apurímac / Ene course through the VRAEM
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Río Ene"},
            "geometry": {
                "type": "LineString",
                "coordinates": [
                    [-73.55, -13.25],
                    [-73.62, -13.05],
                    [-73.70, -12.90],
                    [-73.76, -12.75],
                    [-73.80, -12.62],
                    [-73.83, -12.50],
                    [-73.90, -12.35],
                    [-74.00, -12.20],
                ],
            },
        }
    ],
}
PLACES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Kimbiri"},
            "geometry": {"type": "Point", "coordinates": [-73.78, -12.61]},
        },
        {
            "type": "Feature",
            "properties": {"name": "Santa Rosa – “Ñuñoa”…"},
            "geometry": {"type": "Point", "coordinates": [-73.95, -12.80]},
        },
    ],
}


def glyphs_url(app: Dash, mode: str, origin: str | None) -> str | None:
    """Relative form is built from Dash's own asset URL (honours
    requests_pathname_prefix); '{fontstack}'/'{range}' stay literal."""
    rel = app.get_asset_url("fonts/") + "{fontstack}/{range}.pbf"
    if mode == "relative":
        return rel
    if mode == "none":  # probe: no glyphs key -> MapLibre draws text locally
        return None
    assert origin
    return origin + rel


def make_figure(glyphs: str | None, extra_label: str | None = None) -> go.Figure:
    fig = go.Figure()
    if extra_label:  # e.g. an NFD string, to see what an unshipped range does
        fig.add_trace(
            go.Scattermap(
                name="extra", mode="text", lat=[-12.45], lon=[-73.6], text=[extra_label]
            )
        )
    fig.add_trace(
        go.Scattermap(  # town markers + labels (Open Sans Regular)
            name="pueblos",
            mode="markers+text",
            lat=[-12.518, -12.61, -12.76],
            lon=[-73.829, -73.78, -73.58],
            text=["Pichari", "Kimbiri", "Llochegua"],
            textposition="top right",
            marker={"size": 10, "color": "#c0392b"},
            textfont={"size": 14, "color": "#222"},
        )
    )
    fig.add_trace(
        go.Scattermap(  # river label, italic (Open Sans Italic)
            name="río",
            mode="text",
            lat=[-12.9],
            lon=[-73.7],
            text=["Río Apurímac"],
            textfont={"size": 16, "color": "#1f5f8b", "style": "italic"},
        )
    )
    fig.add_trace(
        go.Scattermap(  # bold + punctuation range 8192-8447
            name="zona",
            mode="text",
            lat=[-13.1],
            lon=[-73.9],
            text=["VRAEM — «Año» ‘ñ’ … ¿qué? ¡sí!"],
            textfont={"size": 15, "color": "#333", "weight": "bold"},
        )
    )
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        height=600,
        width=900,
        showlegend=False,
        map={
            "center": {"lat": -12.78, "lon": -73.78},
            "zoom": 9,
            "style": dict(
                version=8,
                sources={},
                layers=[
                    {
                        "id": "bg",
                        "type": "background",
                        "paint": {"background-color": "#eef2f5"},
                    }
                ],
                **({"glyphs": glyphs} if glyphs else {}),
            ),
            "layers": [
                {  # river line from a GeoJSON URL under /assets/
                    "sourcetype": "geojson",
                    "source": "/assets/spike/river.geojson",
                    "type": "line",
                    "color": "#3b8fd0",
                    "line": {"width": 3},
                    "below": "traces",
                },
                {  # label along the line (default text-font stack)
                    "sourcetype": "geojson",
                    "source": "/assets/spike/river.geojson",
                    "type": "symbol",
                    "color": "#1f5f8b",
                    "symbol": {
                        "icon": "",
                        "text": "{name}",
                        "placement": "line",
                        "textfont": {"size": 13, "color": "#1f5f8b"},
                    },
                },
                {  # point labels from feature properties
                    "sourcetype": "geojson",
                    "source": "/assets/spike/places.geojson",
                    "type": "symbol",
                    "symbol": {
                        "icon": "",
                        "text": "{name}",
                        "textposition": "bottom center",
                        "textfont": {"size": 12, "color": "#555"},
                    },
                },
            ],
        },
    )
    return fig


# Ready = Plotly has added every trace and layout layer to the MapLibre map,
# the map reports loaded() (style, sources, tiles -- glyphs are part of tile
# parsing), and it is not moving.
READY_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  const m = sub && sub.map;
  if (!m) return false;
  const nTraces = gd._fullData.filter(t => t.type === 'scattermap').length;
  const nLayers = (gd._fullLayout.map.layers || []).length;
  return Object.keys(sub.traceHash).length === nTraces
      && sub.layerList.length === nLayers
      && m.isStyleLoaded() && m.loaded() && !m.isMoving();
}"""
# ...then one more full frame: resolves on the next 'idle' (nothing pending,
# all placed symbols faded in since Plotly sets no fade; see report).
IDLE_JS = """() => new Promise(res => {
  const m = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
  m.once('idle', () => res(performance.now()));
  m.triggerRepaint();
})"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--glyphs", choices=["relative", "absolute", "none"], default="relative"
    )
    ap.add_argument("--screenshot", default="/tmp/spike_map.png")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--extra-label", help="one more text label (probe; may fail)")
    ap.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="device scale factor (2 = HiDPI screenshot)",
    )
    args = ap.parse_args()

    if not (ASSETS / "fonts" / "Open Sans Regular" / "0-255.pbf").exists():
        sys.exit("assets/fonts missing: run geodata/build_glyphs.py first")

    tmp = Path(tempfile.mkdtemp(prefix="spike_geo_"))
    (tmp / "river.geojson").write_text(
        json.dumps(RIVER_LINE, ensure_ascii=False), "utf-8"
    )
    (tmp / "places.geojson").write_text(json.dumps(PLACES, ensure_ascii=False), "utf-8")

    app = Dash(__name__, assets_folder=str(ASSETS))

    @app.server.route("/assets/spike/<path:name>")
    def _spike_geo(name):  # test data from /tmp, not from the repo
        return send_from_directory(tmp, name, mimetype="application/geo+json")

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    origin = f"http://127.0.0.1:{server.server_port}"
    glyphs = glyphs_url(app, args.glyphs, origin)
    fig = make_figure(glyphs, args.extra_label)
    app.layout = html.Div(
        [dcc.Graph(id="map", figure=fig, config={"displayModeBar": False})]
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"serving {origin}  glyphs={glyphs!r}")

    requests: list[str] = []
    responses: dict[str, int] = {}
    failed: dict[str, str] = {}
    console: list[tuple[str, str]] = []
    page_errors: list[str] = []
    ok = True
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            ctx = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 920, "height": 640},
                device_scale_factor=args.scale,
            )
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            t0 = time.perf_counter()
            page.on("request", lambda r: requests.append(r.url))
            page.on(
                "requestfinished",
                lambda r: responses.__setitem__(r.url, r.response().status),
            )
            page.on(
                "requestfailed", lambda r: failed.__setitem__(r.url, r.failure or "?")
            )
            page.on(
                "console",
                lambda m: console.append(
                    (m.type, f"+{time.perf_counter() - t0:.2f}s {m.text}")
                ),
            )
            page.on("pageerror", lambda e: page_errors.append(str(e)))

            page.goto(origin + "/", wait_until="domcontentloaded")
            page.wait_for_function(READY_JS, timeout=args.timeout * 1000, polling=50)
            t_ready = time.perf_counter() - t0
            page.evaluate(IDLE_JS)
            t_idle = time.perf_counter() - t0
            # the map's own drawn layers and whether any symbol got placed
            info = page.evaluate("""() => {
              const m = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
              const feats = m.queryRenderedFeatures().filter(f => f.layer.type === 'symbol');
              return {glyphs: m.getStyle().glyphs,
                      layers: m.getStyle().layers.map(l => l.id + ':' + l.type +
                        (l.layout && l.layout['text-font'] ? ' ' + JSON.stringify(l.layout['text-font']) : '')),
                      renderedSymbols: feats.map(f => f.properties.text || f.properties.name)};
            }""")
            # where the page spent the time (ms since navigation start)
            timing = page.evaluate("""() => {
              const r = performance.getEntriesByType('resource');
              const end = f => Math.max(0, ...r.filter(f).map(e => e.responseEnd));
              return {plotlyjs_loaded: end(e => e.name.includes('plotly.min.js')),
                      last_glyph_loaded: end(e => e.name.endsWith('.pbf')),
                      now: performance.now()};
            }""")
            page.screenshot(path=args.screenshot)
            # zoomed crop centred on the "Río Apurímac" anchor (text-anchor
            # center): the label should sit centred in it.
            anchor = page.evaluate("""() => {
              const gd = document.querySelector('.js-plotly-plot');
              const m = gd._fullLayout.map._subplot.map;
              const p = m.project([-73.7, -12.9]);
              const r = m.getCanvas().getBoundingClientRect();
              return {x: r.left + p.x, y: r.top + p.y};
            }""")
            crop = str(Path(args.screenshot).with_suffix("")) + "_crop.png"
            page.screenshot(
                path=crop,
                scale="device",
                clip={
                    "x": anchor["x"] - 80,
                    "y": anchor["y"] - 20,
                    "width": 160,
                    "height": 40,
                },
            )
            ctx.close()
    finally:
        server.shutdown()

    print(
        f"\nready (traces+layers added, map.loaded()) after {t_ready:.2f}s; "
        f"idle after {t_idle:.2f}s"
    )
    print(
        "resource timing (ms since navigation):",
        {k: round(v) for k, v in timing.items()},
    )
    print("style.glyphs:", info["glyphs"])
    print("map layers:")
    for layer in info["layers"]:
        print("   ", layer)
    print("rendered symbol features:", info["renderedSymbols"])

    print(f"\n{len(requests)} requests:")
    for url in requests:
        path = unquote(urlsplit(url).path) if url.startswith("http") else url[:60]
        status = responses.get(url, failed.get(url, "pending"))
        print(f"   {status}  {path}")

    outside = [
        u for u in requests if not (u.startswith((origin + "/", "blob:", "data:")))
    ]
    glyph_reqs = [u for u in requests if u.endswith(".pbf")]
    bad_glyphs = [u for u in glyph_reqs if responses.get(u) != 200]
    errors = [t for k, t in console if k == "error"] + page_errors
    print("\nconsole:")
    for kind, text in console:
        print(f"   [{kind}] {text}")
    print("page errors:", page_errors)

    checks = {
        "no request left 127.0.0.1": not outside,
        "glyph PBFs requested": bool(glyph_reqs) or args.glyphs == "none",
        "every glyph PBF answered 200": not bad_glyphs,
        "no console errors": not errors,
        "labels placed (queryRenderedFeatures)": len(info["renderedSymbols"]) >= 5,
    }
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
        ok &= passed
    if outside:
        print("outside requests:", outside)
    if bad_glyphs:
        print("bad glyph responses:", bad_glyphs)
    print("screenshot:", args.screenshot, "+ crop around 'Río Apurímac':", crop)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
