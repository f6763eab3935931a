"""Exported images rendered by kaleido (Debian Chromium, offline): sizes, pixels, SVG and PDF content.

One renderer for the module (started once, like the server keeps it warm). PNGs are decoded with
zlib and numpy (no imaging library is installed).
"""

from __future__ import annotations

import io
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from datetime import UTC, datetime

import numpy as np
import pytest
from pypdf import PdfReader

from dashboard.data.filters import FilterSpec
from dashboard.exports.charts import build_export_figure
from dashboard.exports.render import render_figure, renderer_running, start_renderer, stop_renderer
from dashboard.exports.spec import (
    PRESET_PIXELS,
    ChartKind,
    ChartRequest,
    ExportContext,
    ExportFormat,
    ExportTheme,
    SizePreset,
)

TITLE = "Seizures bound for Europe, 2019–2024"
SOURCE = "Source: Rutas — 156 events from 98 published reports; filters: none; exported 2026-01-15 10:32 UTC"
SVG_NS = "{http://www.w3.org/2000/svg}"


def make_context(**changes) -> ExportContext:
    values = dict(spec=FilterSpec(), lang="en", title=TITLE, subtitle="All events · 2001–2025",
                  source_line=SOURCE, alt_text="", permalink="https://example.org/",
                  exported_at=datetime(2026, 1, 15, 10, 32, tzinfo=UTC), events=156, sources=98,
                  credit="Graphic: A. Reporter")
    return ExportContext(**(values | changes))


@pytest.fixture(scope="module", autouse=True)
def renderer():
    start_renderer()
    start_renderer()  # idempotent
    assert renderer_running()
    yield
    stop_renderer()


@pytest.fixture(scope="module")
def figure_for(store, bundled):
    def build(chart=ChartKind.MAP, size=SizePreset.WEB, theme=ExportTheme.LIGHT, context=None):
        request = ChartRequest(chart=chart, size=size, theme=theme)
        return build_export_figure(store, FilterSpec(), request, context or make_context(),
                                   routes=bundled.routes, regions=bundled.regions)
    return build


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_pixels(data: bytes) -> np.ndarray:
    """RGB(A) pixels of an 8-bit PNG, shape (height, width, channels)."""
    width, height = png_size(data)
    bit_depth, colour_type = data[24], data[25]
    assert bit_depth == 8 and colour_type in (2, 6)
    channels = 4 if colour_type == 6 else 3
    position, idat = 8, b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        if kind == b"IDAT":
            idat += data[position + 8:position + 8 + length]
        position += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, width * channels + 1)
    rows = np.zeros((height, width * channels), dtype=np.uint8)
    previous = np.zeros(width * channels, dtype=np.uint8)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if kind == 0:
            out = line
        elif kind == 1:  # Sub: running sum per channel
            out = np.cumsum(line.reshape(width, channels), axis=0).reshape(-1)
        elif kind == 2:  # Up
            out = line + previous
        else:  # Average or Paeth: byte by byte (Chromium writes Up rows; this is the fallback)
            out = np.zeros_like(line)
            for x in range(line.size):
                left = out[x - channels] if x >= channels else 0
                up = int(previous[x])
                upper_left = int(previous[x - channels]) if x >= channels else 0
                if kind == 3:
                    out[x] = (line[x] + (left + up) // 2) & 0xFF
                else:
                    p = left + up - upper_left
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                    best = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                    out[x] = (line[x] + best) & 0xFF
        rows[y] = previous = (out & 0xFF).astype(np.uint8)
    return rows.reshape(height, width, channels)


def svg_text(root: ET.Element) -> str:
    """Every text element's content (tspans joined), whitespace folded."""
    texts = [" ".join("".join(element.itertext()).split()) for element in root.iter(f"{SVG_NS}text")]
    return " ".join(" ".join(texts).split())


def folded(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("size", list(SizePreset))
def test_exp030_png_has_the_preset_size_and_is_not_blank(figure_for, size):
    width, height = PRESET_PIXELS[size]
    data = render_figure(figure_for(size=size), ExportFormat.PNG, width=width, height=height)
    assert png_size(data) == (width, height)
    pixels = png_pixels(data)[..., :3]
    colours = np.unique(pixels.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 200  # a drawn map, not an empty page
    # a blank page is ~100% white; the square page's key (types, sizes, places, routes) leaves ~63%
    assert (pixels.reshape(-1, 3) == 255).all(axis=1).mean() < 0.75


@pytest.mark.parametrize("scale", [2, 3])
def test_exp031_png_scale_multiplies_the_pixels(figure_for, scale):
    figure = figure_for(chart=ChartKind.TIMELINE)
    data = render_figure(figure, ExportFormat.PNG, width=1200, height=675, scale=scale)
    assert png_size(data) == (1200 * scale, 675 * scale)


def test_exp032_title_and_footer_are_visible_in_the_png(figure_for):
    figure = figure_for(chart=ChartKind.TIMELINE)
    with_text = png_pixels(render_figure(figure, ExportFormat.PNG, width=1200, height=675))[..., :3]
    bare = figure_for(chart=ChartKind.TIMELINE)
    bare.layout.annotations = [a for a in bare.layout.annotations
                               if a.name not in ("export-title", "export-subtitle", "export-source",
                                                 "export-credit")]
    without = png_pixels(render_figure(bare, ExportFormat.PNG, width=1200, height=675))[..., :3]
    changed = (with_text != without).any(axis=2)
    top = int(figure.layout.margin.t)
    footer = int(figure.layout.height - figure.layout.margin.b * 0.6)
    assert changed[:top].sum() > 2000  # title and subtitle
    assert changed[footer:].sum() > 500  # source line and credit
    assert changed[top:footer].sum() < 0.01 * changed[top:footer].size  # the chart itself is the same
    # The title is dark ink on the white page.
    assert (with_text[: top // 2].sum(axis=2) < 150).sum() > 500


def test_exp033_dark_theme_png_is_dark(figure_for):
    data = render_figure(figure_for(theme=ExportTheme.DARK), ExportFormat.PNG, width=1200, height=675)
    pixels = png_pixels(data)[..., :3].astype(np.float64)
    luminance = pixels @ np.array([0.2126, 0.7152, 0.0722]) / 255
    assert luminance[:10, :10].mean() < 0.15  # paper corner
    assert np.median(luminance) < 0.35
    assert (luminance[:80] > 0.8).sum() > 500  # light title text


def test_exp034_svg_parses_and_holds_title_and_source(figure_for):
    data = render_figure(figure_for(chart=ChartKind.TIMELINE), ExportFormat.SVG, width=1200, height=675)
    root = ET.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    text = svg_text(root)
    assert TITLE in text and folded(SOURCE) in text and "Graphic: A. Reporter" in text


def test_exp035_map_svg_is_vector_outlines_and_route_lines(figure_for, bundled):
    data = render_figure(figure_for(), ExportFormat.SVG, width=1200, height=675)
    root = ET.fromstring(data)
    assert not list(root.iter(f"{SVG_NS}image"))  # no embedded raster anywhere
    geo = next(g for g in root.iter(f"{SVG_NS}g") if "geo" in (g.get("class") or "").split())
    countries = next(g for g in geo.iter(f"{SVG_NS}g") if g.get("class") == "layer countries")
    outline = "".join(path.get("d") or "" for path in countries.iter(f"{SVG_NS}path"))
    assert outline.count("M") > 100  # many country outlines
    lines = [p for p in geo.iter(f"{SVG_NS}path") if "js-line" in (p.get("class") or "")]
    assert len(lines) >= len(bundled.routes["features"])  # every route leg (plus outlines) as a path
    dashed = [p for p in lines if "stroke-dasharray" in (p.get("style") or "")
              and not re.search(r"stroke-dasharray:\s*(none|0)", p.get("style") or "")]
    assert dashed  # inferred legs are dotted vector lines
    assert len(list(geo.iter(f"{SVG_NS}path"))) > 150  # event markers are paths too
    assert TITLE in svg_text(root)


def test_exp036_a4_pdf_is_one_a4_landscape_page_with_text(figure_for):
    width, height = PRESET_PIXELS[SizePreset.A4]
    data = render_figure(figure_for(size=SizePreset.A4), ExportFormat.PDF, width=width, height=height)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(841.89, abs=2)
    assert float(box.height) == pytest.approx(595.28, abs=2)
    text = folded(reader.pages[0].extract_text())
    assert TITLE in text and "Source: Rutas" in text


def test_exp037_web_pdf_page_is_the_pixel_size_at_96_dpi(figure_for):
    data = render_figure(figure_for(chart=ChartKind.BREAKDOWN), ExportFormat.PDF, width=1200, height=675)
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((900, 506.25), abs=1.5)


def test_exp038_spanish_story_renders(store, bundled):
    request = ChartRequest(chart=ChartKind.MAP, size=SizePreset.STORY, theme=ExportTheme.DARK)
    context = make_context(lang="es", title="Incautaciones con destino a Europa", source_line="Fuente: Rutas")
    figure = build_export_figure(store, FilterSpec(), request, context, routes=bundled.routes,
                                 regions=bundled.regions)
    root = ET.fromstring(render_figure(figure, ExportFormat.SVG, width=1080, height=1920))
    text = svg_text(root)
    assert "Incautaciones con destino a Europa" in text and "Incautación de droga" in text
