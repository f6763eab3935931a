"""The briefing pack of a story: a PDF (one page per slide) and a PPTX (one slide per slide).

Both read every slide through :func:`dashboard.words.slide_facts.slide_facts`, so the counts and
sources on paper are the ones the presenter screen shows, and both draw exactly the panels the
slide shows (map, counts, timeline, breakdown, the registry's charts, the slide's indicator), the map with the
presenter's centre and zoom (:func:`figures.geo.slide_view`, :func:`presenter_extent`). No dash import.

- PDF: an A4-landscape page per slide. The page's words (title, filters, caption, counts, a
  short numbered list of the most-cited sources with short links, a footer naming the story,
  the slide, the export time and the permalink) are one plotly figure printed by kaleido; each
  panel is the export's print figure at its box's size, printed on its own and laid on the page
  with pypdf (text stays text, the map stays vector). pypdf joins the pages and sets the
  document's title and language.
- PPTX (python-pptx): a 16:9 deck with the title, the filters, the caption, the counts and one
  PNG per panel rendered at its box's shape (no blank bands); the speaker notes hold the slide's
  notes, every source and its permalink.

The text of the story (titles, captions, notes) is printed as written; the words around it
come from the catalogs' ``briefing.*`` keys in the pack's language.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlsplit

import plotly.graph_objects as go

from ..data.filters import MapView, UrlState
from ..data.indicators import IndicatorCatalog
from ..data.store import EventStore
from ..data.stories import Panel, Slide, Story
from ..figures.charts import CHART_BUILDERS
from ..figures.geo import PRESENT_MAP_PX, Box, slide_view, view_extent
from ..figures.page_frame import NotedText, Page, TypeScale, page_frame
from ..figures.print_charts import UPRIGHT_TICK_EMS, build_print_breakdown, build_print_timeline
from ..figures.print_map import build_print_map
from ..figures.text_metrics import escape_text, text_width, wrap_lines
from ..i18n import normalise_language, translate, translate_count
from ..words.slide_facts import COUNTERS, SlideFacts, slide_facts, sources_lines
from .captions import export_context, indicator_words, shorten
from .charts import EXPORT_MAX_POINTS, build_indicator_export, bundled_indicators, export_theme
from .render import render_figure
from .service import ReferenceLayers, permalink_for
from .spec import (
    DEFAULT_BASE_URL,
    PRESET_PIXELS,
    ChartKind,
    ChartRequest,
    ExportContext,
    ExportFormat,
    ExportTheme,
    SizePreset,
)


class BriefingFormat(StrEnum):
    PDF = "pdf"
    PPTX = "pptx"


BRIEFING_MEDIA_TYPES = {
    BriefingFormat.PDF: "application/pdf",
    BriefingFormat.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

# PDF page: A4 landscape, 1123 x 794 CSS px printed at 96 px per inch (0.75 pt per px).
PDF_PX = PRESET_PIXELS[SizePreset.A4]
PT_PER_PX = 0.75
PDF_PAD = 30.0  # page margin, px
PDF_GAP = 14.0  # between the page's blocks and between panels, px
PDF_PANEL_TYPE = 11.0  # body type inside the panels, px (the page's own words are sized below)
TITLE_SIZE = 22.0
SUBTITLE_SIZE = 12.0
CAPTION_SIZES = (13.0, 12.0, 11.0, 10.0, 9.0)  # px; the largest at which the caption fits its share
CAPTION_MAX_SHARE = 0.16  # of the page height: above it the caption is set smaller (never cut)
CAPTION_MAX_WIDTH = 900.0  # px: longer lines are hard to read
COUNTS_SIZE = 13.0
SOURCE_SIZE = 9.0
FOOTER_SIZE = 8.5
LINE_HEIGHT = 1.3  # plotly's line spacing in multi-line text, in ems
SOURCE_COLUMNS = 3
SOURCE_ROWS = 2  # the numbered list of sources: at most columns x rows entries (the notes hold them all)
LINK_CHARS = 34  # a short link: domain and the start of the path
MAP_SHARE = 0.64  # of the body's width: the map beside a column of charts (half beside a grid)
SIDE_GRID_FROM = 3  # charts beside the map from which they go two a row

# The legend margin of the presenter's map (state.present_view.present_map): the pack shows the ground
# the presenter's map shows, its figure (geo.PRESENT_MAP_PX) less this margin.
PRESENTER_LEGEND_PX = 273  # test pks001 holds it equal to present_map's margin

# PPTX: 16:9 at 13.333 x 7.5 in; pictures are rendered at 144 px per inch (1920 px across the slide).
EMU_PER_INCH = 914_400
SLIDE_EMU = (12_192_000, 6_858_000)  # PowerPoint's own 16:9 size
SLIDE_IN = (SLIDE_EMU[0] / EMU_PER_INCH, SLIDE_EMU[1] / EMU_PER_INCH)
PPTX_PX_PER_IN = 144
PPTX_PANEL_TYPE = 17.0  # px at 144 px per inch: ~8.5 pt, legible on a projected 1080p slide
PPTX_FONT = "Arial"  # Liberation Sans metrics, so text_width estimates hold
CORE_PROPERTY_CHARS = 255
PPTX_CAPTION_PT = (16, 14, 13, 12, 11, 10, 9, 8)
PPTX_CAPTION_MAX_IN = 1.25  # the caption's height above which it is set smaller


def words(key: str, lang: str, **values: object) -> str:
    """One of the pack's own words (catalog key ``briefing.<key>``) in ``lang``, placeholders filled."""
    return translate(f"briefing.{key}", lang, **values)


def counts_line(facts: SlideFacts, lang: str) -> str:
    """``1,234 events · 56 deaths · 7,890 kg seized · 45 sources``: the counters that apply to the slide."""
    totals, counts = facts.totals, facts.counts
    parts = {"events": translate_count("export.events", totals.events, lang),
             "fatalities": translate_count("briefing.deaths", totals.fatalities, lang),
             "kg": words("kg", lang, count=counts["kg"]),  # a unit: "1 kg seized", "2 kg seized"
             "sources": translate_count("briefing.sources", totals.sources, lang)}
    return " · ".join(parts[name] for name in getattr(facts, "counters", COUNTERS))


def slide_permalink(base_url: str, slide: Slide, lang: str) -> str:
    """The link that reopens the slide's view (filters, map view, indicator series, language)."""
    return permalink_for(base_url, UrlState(spec=slide.spec, view=slide.view, lang=normalise_language(lang),
                                            indicator=slide.indicator))


def _when(exported_at: datetime) -> str:
    moment = exported_at.replace(tzinfo=UTC) if exported_at.tzinfo is None else exported_at.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def footer_text(story: Story, facts: SlideFacts, permalink: str, exported_at: datetime, lang: str) -> str:
    """The page footer: story title · slide n / N · export time · permalink."""
    return " · ".join((" ".join(story.title.split()),
                       words("slide", lang, number=facts.number, count=facts.slide_count),
                       words("exported", lang, when=_when(exported_at)), permalink))


def notes_text(facts: SlideFacts, permalink: str, lang: str) -> str:
    """Speaker notes: the slide's notes, a blank line, the sources one a line, then the permalink."""
    parts = [facts.slide.notes.strip()] if facts.slide.notes.strip() else []
    sources = sources_lines(facts, lang) or [words("no_sources", lang)]
    parts.append("\n".join([words("sources_notes", lang), *sources]))
    parts.append(words("link", lang, url=permalink))
    return "\n\n".join(parts)


def _rings(store: EventStore, slide: Slide) -> tuple[tuple[float, float], ...]:
    """Where the slide's highlighted events are, for those its filters show (a ring round no dot misleads)."""
    if not slide.highlight:
        return ()
    shown = set(store.rows(slide.spec, ("event_id",))["event_id"])
    rings = []
    for event_id in slide.highlight:
        event = store.event(event_id) if event_id in shown else None
        if event is not None:
            rings.append((float(event["longitude"]), float(event["latitude"])))
    return tuple(rings)


# ---- the slide's map view: the presenter's ------------------------------------------------------
def presenter_extent(view: MapView, aspect: float) -> Box:
    """The box a map of shape ``aspect`` (width / height) shows at the presenter's centre and zoom.

    It covers as much ground as the presenter's map (the same area at the same zoom), shaped to
    the pack's box, so a page or a slide shows what the room saw, not a page-shaped crop of it.
    """
    area = (PRESENT_MAP_PX[0] - PRESENTER_LEGEND_PX) * PRESENT_MAP_PX[1]
    width = math.sqrt(area * aspect)
    return view_extent(view.lat, view.lon, view.zoom, width, area / width)


# ---- panels: which, where, drawn ----------------------------------------------------------------
@dataclass(frozen=True)
class PanelBox:
    """Where one of the slide's panels goes (page px on the PDF, inches on the PPTX)."""

    panel: Panel
    left: float
    top: float
    width: float
    height: float

    @property
    def aspect(self) -> float:
        return self.width / self.height


def drawn_panels(slide: Slide) -> tuple[Panel, ...]:
    """The slide's panels that are pictures (the counts are a line of text), map first."""
    return tuple(panel for panel in Panel if panel is not Panel.COUNTS and slide.shows(panel))


def panel_boxes(slide: Slide, left: float, top: float, width: float, height: float,
                gap: float) -> tuple[PanelBox, ...]:
    """Lay the slide's pictures out in a box: the map on the left with the charts stacked beside it
    (as on the presenter's screen), the map alone across the box, or the charts side by side."""
    panels = drawn_panels(slide)
    charts = [panel for panel in panels if panel is not Panel.MAP]
    if Panel.MAP in panels:
        if not charts:
            return (PanelBox(Panel.MAP, left, top, width, height),)
        map_width = (width - gap) * (MAP_SHARE if len(charts) < SIDE_GRID_FROM else 0.5)
        side_left, side_width = left + map_width + gap, width - map_width - gap
        return (PanelBox(Panel.MAP, left, top, map_width, height),
                *_side_boxes(charts, side_left, top, side_width, height, gap))
    chart_width = (width - gap * (len(charts) - 1)) / max(len(charts), 1)
    return tuple(PanelBox(chart, left + i * (chart_width + gap), top, chart_width, height)
                 for i, chart in enumerate(charts))


def _side_boxes(charts: list[Panel], left: float, top: float, width: float, height: float,
                gap: float) -> list[PanelBox]:
    """Charts beside the map: stacked; from :data:`SIDE_GRID_FROM` on, two a row (a last odd one
    takes the whole row), so none gets too flat to read."""
    per_row = 1 if len(charts) < SIDE_GRID_FROM else 2
    rows = math.ceil(len(charts) / per_row)
    row_height = (height - gap * (rows - 1)) / rows
    boxes = []
    for i, chart in enumerate(charts):
        row, column = divmod(i, per_row)
        in_row = min(per_row, len(charts) - row * per_row)
        cell_width = (width - gap * (in_row - 1)) / in_row
        boxes.append(PanelBox(chart, left + column * (cell_width + gap), top + row * (row_height + gap),
                              cell_width, row_height))
    return boxes


@dataclass(frozen=True)
class PanelText:
    """A panel's frame words: none (the page or slide around it has the title, filters and sources)."""

    lang: str
    title: str = ""
    subtitle: str = ""
    source_line: str = ""
    credit: str = ""


def _trim_frame(figure: go.Figure, cut_top: float, cut_bottom: float) -> go.Figure:
    """Take the frame's empty title and footer bands off a panel: the figure gets ``cut_top`` +
    ``cut_bottom`` px shorter, its plot area and legends stay where they were on it."""
    old_height = figure.layout.height
    new_height = old_height - cut_top - cut_bottom
    for name in [key for key in figure.layout.to_plotly_json() if key.startswith("legend")]:
        legend = figure.layout[name]
        if legend.yref == "container" and legend.y is not None:
            from_top = (1 - legend.y) * old_height - cut_top
            legend.y = 1 - from_top / new_height
    margin = figure.layout.margin
    figure.update_layout(height=new_height, margin=dict(t=margin.t - cut_top, b=margin.b - cut_bottom))
    frame_words = {"export-title", "export-subtitle", "export-source", "export-credit"}
    figure.layout.annotations = [a for a in figure.layout.annotations if a.name not in frame_words or a.text]
    return figure


def build_panel(store: EventStore, layers: ReferenceLayers, slide: Slide, panel: Panel, *, width: int,
                height: int, type_px: float, lang: str, theme: ExportTheme = ExportTheme.LIGHT,
                indicators: IndicatorCatalog | None = None) -> go.Figure:
    """One panel of a slide as a ``width`` x ``height`` px figure that fills its box.

    The print figures of the exports (map with the presenter's extent and the slide's rings,
    timeline, breakdown by the slide's field, the registry's charts), with no title or footer of
    their own: their frame bands are cut off, so the plot reaches to half a pad from the edges.
    The indicator panel is the export's indicator chart of the slide's series (``indicators``; None:
    the bundled series) on the slide's dates: it keeps its title (series and unit) and its source
    line (every publisher of the values drawn), which no other part of the page gives.
    """
    if panel is Panel.INDICATOR:
        catalog = indicators or bundled_indicators()
        title, _, publishers = indicator_words(catalog, slide.indicator, slide.spec, lang)
        return build_indicator_export(catalog, slide.indicator, slide.spec, Page(width, height, TypeScale(base=type_px)),
                                      NotedText(title=title, subtitle="", source_line=publishers, credit="", lang=lang),
                                      export_theme(theme))
    scale = TypeScale(base=type_px)
    text = PanelText(lang)
    bare = page_frame(Page(width, height, scale), text)
    keep = scale.pad / 2
    cut_top = max(0.0, bare.top - keep)
    cut_bottom = float(max(0, round(bare.top - keep + bare.bottom - keep) - round(cut_top)))
    cut_top = float(round(cut_top))
    page = Page(width, height + round(cut_top + cut_bottom), scale)
    colours = export_theme(theme)
    if panel is Panel.MAP:
        extent = presenter_extent(slide_view(store, slide, EXPORT_MAX_POINTS), width / height)
        figure = build_print_map(store, slide.spec, page, text, colours, routes=layers.routes,
                                 regions=layers.regions, max_points=EXPORT_MAX_POINTS, extent=extent,
                                 rings=_rings(store, slide))
    elif panel is Panel.TIMELINE:
        figure = build_print_timeline(store, slide.spec, page, text, colours)
    elif panel is Panel.BREAKDOWN:
        figure = build_print_breakdown(store, slide.spec, page, text, colours, slide.breakdown_field)
    else:
        figure = CHART_BUILDERS[panel.value].print(store, slide.spec, page, text, colours)
    if panel is Panel.TIMELINE and slide.shows(Panel.MAP):
        # The map's key names the same type colours: the bars take the legend's room.
        figure.update_layout(showlegend=False, margin=dict(r=keep))
    if panel not in (Panel.MAP, Panel.BREAKDOWN):
        margin = figure.layout.margin
        plot_width = width - margin.l - margin.r
        _upright_ticks(figure, max(2, int(plot_width / (scale.tick * UPRIGHT_TICK_EMS))))
    return _trim_frame(figure, cut_top, cut_bottom)


def _upright_ticks(figure: go.Figure, most: int) -> None:
    """At most ``most`` upright x labels, as on the presenter: a narrow panel would otherwise turn
    them on end, past its bottom edge (a label per bar keeps every n-th bar's)."""
    axis = figure.layout.xaxis
    if axis.tickmode == "array" and axis.tickvals is not None and len(axis.tickvals) > most:
        step = math.ceil(len(axis.tickvals) / most)
        axis.update(tickvals=list(axis.tickvals)[::step], ticktext=list(axis.ticktext or axis.tickvals)[::step])
    figure.update_xaxes(tickangle=0, nticks=most)


def panel_context(store: EventStore, slide: Slide, panel: Panel, lang: str, permalink: str,
                  exported_at: datetime, dataset_names: dict[str, str] | None,
                  indicators: IndicatorCatalog | None = None) -> ExportContext:
    """The export words of one panel (its alt text for the PPTX picture)."""
    request = ChartRequest(chart=ChartKind(panel.value), title=" ".join(slide.title.split()),
                           breakdown_field=slide.breakdown_field, indicator=slide.indicator)
    return export_context(store, slide.spec, request, lang, permalink=permalink, exported_at=exported_at,
                          dataset_names=dataset_names, indicators=indicators)


# ---- sources: a short numbered list --------------------------------------------------------------
def short_link(url: str, limit: int = LINK_CHARS) -> str:
    """``domain/start-of-path…``: a link a reader can recognise and type (the notes hold it whole)."""
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return shorten(url.strip(), limit)
    host = parts.netloc.lower().removeprefix("www.")
    rest = parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    text = host + rest
    if len(text) <= limit:
        return text
    if len(host) >= limit - 2:
        return host
    return text[:limit - 1].rstrip("/-_.?&=") + "…"


def source_entry(number: int, name: str, url: str, width: float, size: float = SOURCE_SIZE) -> str:
    """``3. Name — domain/path…`` on one line of ``width`` px (the name is shortened first)."""
    link = short_link(url) if url else ""
    name = " ".join(name.split())
    for name_chars in (len(name), 40, 28, 18, 10):
        shown = shorten(name, name_chars) if name else ""
        text = f"{number}. " + " — ".join(part for part in (shown, link) if part)
        if text_width(text, size) <= width:
            return text
    return text


@dataclass(frozen=True)
class SourceList:
    """The pack's sources: numbered entries in columns (each a tuple of lines), and how many are left out."""

    columns: tuple[tuple[str, ...], ...]
    links: tuple[tuple[str, ...], ...]  # the full URL behind each entry ("" for none)
    shown: int
    left_out: int

    @property
    def rows(self) -> int:
        return max((len(column) for column in self.columns), default=0)


def source_list(sources: tuple[tuple[str, str, int], ...], lang: str, width: float,
                columns: int = SOURCE_COLUMNS, rows: int = SOURCE_ROWS) -> SourceList:
    """The most-cited sources, numbered, filled down ``columns`` columns of ``rows`` lines; past the
    room, the last slot says how many more there are (every source is in the notes)."""
    slots = columns * rows
    shown = len(sources) if len(sources) <= slots else slots - 1
    column_width = (width - PDF_GAP * (columns - 1)) / columns
    entries = [source_entry(i + 1, name, url, column_width) for i, (name, url, _) in enumerate(sources[:shown])]
    links = [url if urlsplit(url).scheme in ("http", "https") else "" for _, url, _ in sources[:shown]]
    left_out = len(sources) - shown
    if left_out:
        entries.append(translate_count("story.more_sources", left_out, lang))
        links.append("")
    per_column = max(1, math.ceil(len(entries) / columns)) if entries else 0
    split = [(tuple(entries[i:i + per_column]), tuple(links[i:i + per_column]))
             for i in range(0, len(entries), per_column)] if entries else []
    return SourceList(columns=tuple(c for c, _ in split), links=tuple(u for _, u in split), shown=shown,
                      left_out=left_out)


# ---- the PDF page --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TextBlock:
    """Lines of one size and style at (``left``, ``top``) px on the page."""

    name: str
    lines: tuple[str, ...]
    size: float
    top: float
    left: float = PDF_PAD
    bold: bool = False
    muted: bool = False
    links: tuple[str, ...] = ()  # one URL per line ("" for none): the line is a link to it

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LINE_HEIGHT

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class PageLayout:
    """Everything on one PDF page: the text blocks and the panels' boxes, in page px."""

    blocks: tuple[TextBlock, ...]
    panels: tuple[PanelBox, ...]
    caption_size: float
    sources: SourceList


def layout_page(slide: Slide, *, subtitle: str, counts: str, sources: tuple[tuple[str, str, int], ...],
                footer: str, lang: str, size: tuple[int, int] = PDF_PX) -> PageLayout:
    """Lay a slide out on a page: title, filters, caption (always whole), counts (when the slide
    shows them), the panels, a short numbered list of sources and the footer."""
    width, height = size
    text_width_px = width - 2 * PDF_PAD
    blocks: list[TextBlock] = []
    top = PDF_PAD

    def add(name: str, lines: list[str], font: float, *, gap: float, **style) -> None:
        nonlocal top
        if lines:
            blocks.append(TextBlock(name, tuple(lines), font, top, **style))
            top = blocks[-1].bottom + gap

    add("title", wrap_lines(" ".join(slide.title.split()), text_width_px, TITLE_SIZE, bold=True, max_lines=2),
        TITLE_SIZE, gap=4, bold=True)
    add("subtitle", wrap_lines(subtitle, text_width_px, SUBTITLE_SIZE, max_lines=2), SUBTITLE_SIZE, gap=10,
        muted=True)
    caption = " ".join(slide.caption.split())
    caption_width = min(text_width_px, CAPTION_MAX_WIDTH)
    caption_size = CAPTION_SIZES[-1]
    for caption_size in CAPTION_SIZES:
        lines = wrap_lines(caption, caption_width, caption_size)
        if len(lines) * caption_size * LINE_HEIGHT <= height * CAPTION_MAX_SHARE:
            break
    add("caption", wrap_lines(caption, caption_width, caption_size), caption_size, gap=8)
    if slide.shows(Panel.COUNTS):
        add("counts", wrap_lines(counts, text_width_px, COUNTS_SIZE, bold=True), COUNTS_SIZE, gap=0, bold=True)
    body_top = top + PDF_GAP - (8 if not slide.shows(Panel.COUNTS) and caption else 0)

    footer_lines = tuple(wrap_lines(footer, text_width_px, FOOTER_SIZE, max_lines=2))
    footer_top = height - PDF_PAD - len(footer_lines) * FOOTER_SIZE * LINE_HEIGHT
    listed = source_list(sources, lang, text_width_px)
    bottom = footer_top - PDF_GAP * 0.6
    tail: list[TextBlock] = []
    if listed.rows:
        list_top = bottom - listed.rows * SOURCE_SIZE * LINE_HEIGHT
        column_width = (text_width_px - PDF_GAP * (SOURCE_COLUMNS - 1)) / SOURCE_COLUMNS
        tail.append(TextBlock("sources-heading", (words("sources", lang),), SOURCE_SIZE,
                              list_top - SOURCE_SIZE * LINE_HEIGHT, bold=True, muted=True))
        tail.extend(TextBlock(f"sources-{i + 1}", lines, SOURCE_SIZE, list_top,
                              left=PDF_PAD + i * (column_width + PDF_GAP), muted=True, links=links)
                    for i, (lines, links) in enumerate(zip(listed.columns, listed.links)))
        bottom = tail[0].top - PDF_GAP * 0.6
    tail.append(TextBlock("footer", footer_lines, FOOTER_SIZE, footer_top, muted=True))
    boxes = panel_boxes(slide, PDF_PAD, body_top, text_width_px, bottom - body_top, PDF_GAP)
    return PageLayout(blocks=(*blocks, *tail), panels=boxes, caption_size=caption_size, sources=listed)


def build_page_words(layout: PageLayout, theme: ExportTheme = ExportTheme.LIGHT,
                     size: tuple[int, int] = PDF_PX) -> go.Figure:
    """The page's words as a figure of annotations (no axes): printed under the panels' pictures."""
    width, height = size
    colours = export_theme(theme)
    figure = go.Figure()
    figure.update_layout(
        width=width, height=height, autosize=False, margin=dict(l=0, r=0, t=0, b=0, pad=0, autoexpand=False),
        paper_bgcolor=colours.paper_colour, plot_bgcolor=colours.paper_colour, showlegend=False,
        xaxis=dict(visible=False, range=[0, 1]), yaxis=dict(visible=False, range=[0, 1]),
        annotations=[dict(
            xref="paper", yref="paper", x=block.left / width, xanchor="left", y=1 - block.top / height,
            yanchor="top", showarrow=False, align="left", borderpad=0, name=f"briefing-{block.name}",
            text="<br>".join(escape_text(line) for line in block.lines),
            font=dict(size=block.size, family=colours.font_family, weight="bold" if block.bold else "normal",
                      color=colours.muted_colour if block.muted else colours.text_colour),
        ) for block in layout.blocks],
    )
    return figure


@dataclass(frozen=True)
class PdfPage:
    """One page of the pack before printing: its words and its panels' figures with their boxes."""

    words: go.Figure
    panels: tuple[tuple[PanelBox, go.Figure], ...]
    layout: PageLayout


def build_pdf_page(store: EventStore, layers: ReferenceLayers, story: Story, index: int, *, lang: str,
                   exported_at: datetime, dataset_names: dict[str, str] | None = None,
                   base_url: str = DEFAULT_BASE_URL, indicators: IndicatorCatalog | None = None) -> PdfPage:
    """Slide ``index`` (0-based) as a page: the words and one figure per panel the slide shows."""
    facts = slide_facts(store, story, index, lang, dataset_names)
    slide = facts.slide
    permalink = slide_permalink(base_url, slide, lang)
    context = panel_context(store, slide, Panel.MAP, lang, permalink, exported_at, dataset_names)
    layout = layout_page(slide, subtitle=context.subtitle, counts=counts_line(facts, lang), sources=facts.sources,
                         footer=footer_text(story, facts, permalink, exported_at, lang), lang=lang)
    panels = tuple((box, build_panel(store, layers, slide, box.panel, width=round(box.width),
                                     height=round(box.height), type_px=PDF_PANEL_TYPE, lang=lang,
                                     indicators=indicators))
                   for box in layout.panels)
    return PdfPage(words=build_page_words(layout), panels=panels, layout=layout)


def print_page(page: PdfPage, writer) -> None:
    """Print the page into ``writer`` (a ``pypdf.PdfWriter``): its words, then each panel's own PDF
    laid on its box (vectors stay vectors, text stays text)."""
    from pypdf import PdfReader, Transformation
    from pypdf.annotations import Link

    width, height = PDF_PX
    words_pdf = render_figure(page.words, ExportFormat.PDF, width=width, height=height)
    printed = writer.add_page(PdfReader(io.BytesIO(words_pdf)).pages[0])
    for box, figure in page.panels:
        drawn = PdfReader(io.BytesIO(render_figure(figure, ExportFormat.PDF, width=round(box.width),
                                                   height=round(box.height)))).pages[0]
        origin = drawn.mediabox
        move = Transformation().translate(box.left * PT_PER_PX - float(origin.left),
                                          (height - box.top - box.height) * PT_PER_PX - float(origin.bottom))
        printed.merge_transformed_page(drawn, move)
    for rect, url in link_areas(page.layout, height):
        writer.add_annotation(printed, Link(rect=rect, url=url, border=[0, 0, 0]))


def link_areas(layout: PageLayout, page_height: float) -> list[tuple[tuple[float, float, float, float], str]]:
    """PDF link rectangles (pt, from the page's foot) over each source line that names a web link:
    the printed text is short, the click opens the whole URL (a plotly link does not survive print)."""
    areas = []
    for block in layout.blocks:
        for index, (line, url) in enumerate(zip(block.lines, block.links)):
            if not url:
                continue
            top = block.top + index * block.size * LINE_HEIGHT
            left = block.left
            areas.append(((left * PT_PER_PX, (page_height - top - block.size * LINE_HEIGHT) * PT_PER_PX,
                           (left + text_width(line, block.size)) * PT_PER_PX, (page_height - top) * PT_PER_PX), url))
    return areas


def build_pdf(store: EventStore, layers: ReferenceLayers, story: Story, *, lang: str, exported_at: datetime,
              dataset_names: dict[str, str] | None = None, base_url: str = DEFAULT_BASE_URL,
              indicators: IndicatorCatalog | None = None) -> bytes:
    """One A4-landscape page per slide; title, subject, language and bookmarks set."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter()
    for index, slide in enumerate(story.slides):
        page = build_pdf_page(store, layers, story, index, lang=lang, exported_at=exported_at,
                              dataset_names=dataset_names, base_url=base_url, indicators=indicators)
        print_page(page, writer)
        writer.add_outline_item(title=" ".join(slide.title.split()), page_number=index)
    writer.add_metadata({
        "/Title": story.title, "/Subject": story.description or translate_count("briefing.subject", len(story.slides), lang),
        "/Creator": "Rutas", "/Producer": "Rutas (plotly, kaleido, pypdf)",
    })
    writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# ---- PPTX ----------------------------------------------------------------------------------------
def caption_points(caption: str, width_in: float, height_in: float) -> int:
    """The largest of :data:`PPTX_CAPTION_PT` at which ``caption`` fits the box (the smallest otherwise)."""
    for points in PPTX_CAPTION_PT:
        if _caption_height(caption, width_in, points) <= height_in * 0.95:
            return points
    return PPTX_CAPTION_PT[-1]


def _caption_height(caption: str, width_in: float, points: float) -> float:
    px = points * 96 / 72
    lines = wrap_lines(caption, width_in * 96 * 0.96, px)  # the text frame's insets take ~4 %
    return len(lines) * px * 1.2 / 96


def title_points(title: str, width_in: float) -> int:
    """28 pt, smaller for a title that would not fit on two lines."""
    for points in (28, 24, 20, 18):
        if len(wrap_lines(title, width_in * 96 * 0.96, points * 96 / 72, bold=True)) <= 2:
            return points
    return 18


def _emu(inches: float) -> int:
    return round(inches * EMU_PER_INCH)


def _text_box(slide, left: float, top: float, width: float, height: float, text: str, points: float, *,
              bold: bool = False, colour: str = "1A1A1A"):
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Pt

    shape = slide.shapes.add_textbox(_emu(left), _emu(top), _emu(width), _emu(height))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size = Pt(points)
    run.font.bold = bold
    run.font.name = PPTX_FONT
    run.font.color.rgb = RGBColor.from_string(colour)
    return shape


@dataclass(frozen=True)
class SlideLayout:
    """Where the words and pictures of one PPTX slide go, in inches."""

    title_points: int
    subtitle_top: float
    caption_top: float
    caption_height: float
    caption_points: int
    counts_top: float | None
    panels: tuple[PanelBox, ...]


PPTX_MARGIN = 0.4
PPTX_GAP = 0.2
PPTX_FOOTER_TOP = SLIDE_IN[1] - 0.42
PPTX_TITLE_TOP = 0.25
PPTX_SUBTITLE_IN = 0.34  # one line of 12 pt filters under the title


def layout_slide(slide: Slide) -> SlideLayout:
    """Title and filters on top, then the caption (sized to fit), the counts, the pictures."""
    width = SLIDE_IN[0] - 2 * PPTX_MARGIN
    title = " ".join(slide.title.split())
    title_size = title_points(title, width)
    title_lines = max(1, len(wrap_lines(title, width * 96 * 0.96, title_size * 96 / 72, bold=True)))
    subtitle_top = PPTX_TITLE_TOP + title_lines * title_size * 1.2 / 72 + 0.12
    caption = " ".join(slide.caption.split())
    top = subtitle_top + PPTX_SUBTITLE_IN
    points = caption_points(caption, width, PPTX_CAPTION_MAX_IN) if caption else PPTX_CAPTION_PT[0]
    height = _caption_height(caption, width, points) + 0.12 if caption else 0.0
    caption_top = top
    top += height + (0.05 if caption else 0.0)
    counts_top = None
    if slide.shows(Panel.COUNTS):
        counts_top = top
        top += 0.42
    body_bottom = PPTX_FOOTER_TOP - 0.08
    boxes = panel_boxes(slide, PPTX_MARGIN, top + 0.05, width, body_bottom - top - 0.05, PPTX_GAP)
    return SlideLayout(title_points=title_size, subtitle_top=subtitle_top, caption_top=caption_top, caption_height=height, caption_points=points,
                       counts_top=counts_top, panels=boxes)


def build_pptx(store: EventStore, layers: ReferenceLayers, story: Story, *, lang: str, exported_at: datetime,
               dataset_names: dict[str, str] | None = None, base_url: str = DEFAULT_BASE_URL,
               indicators: IndicatorCatalog | None = None) -> bytes:
    """A 16:9 deck, one slide per story slide: title, filters, caption, counts, one picture per panel, notes."""
    from pptx import Presentation
    from pptx.util import Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_EMU
    layout = deck.slide_layouts[5]  # "Title Only": the title is the slide's title for readers and outlines
    text_width_in = SLIDE_IN[0] - 2 * PPTX_MARGIN
    for index, story_slide in enumerate(story.slides):
        facts = slide_facts(store, story, index, lang, dataset_names)
        permalink = slide_permalink(base_url, story_slide, lang)
        placed = layout_slide(story_slide)

        slide = deck.slides.add_slide(layout)
        title_text = " ".join(story_slide.title.split())
        title = slide.shapes.title
        title.left, title.top, title.width, title.height = (_emu(PPTX_MARGIN), _emu(PPTX_TITLE_TOP),
                                                            _emu(text_width_in),
                                                            _emu(placed.subtitle_top - PPTX_TITLE_TOP))
        title.text_frame.word_wrap = True
        title.text_frame.text = title_text
        for paragraph in title.text_frame.paragraphs:
            paragraph.alignment = 1  # left
            for run in paragraph.runs:
                run.font.size = Pt(placed.title_points)
                run.font.bold = True
                run.font.name = PPTX_FONT
        context = panel_context(store, story_slide, Panel.MAP, lang, permalink, exported_at, dataset_names)
        _text_box(slide, PPTX_MARGIN, placed.subtitle_top, text_width_in, PPTX_SUBTITLE_IN - 0.02,
                  shorten(context.subtitle, 160), 12, colour="555555")
        caption = " ".join(story_slide.caption.split())
        if caption:
            _text_box(slide, PPTX_MARGIN, placed.caption_top, text_width_in, placed.caption_height, caption,
                      placed.caption_points)
        if placed.counts_top is not None:
            _text_box(slide, PPTX_MARGIN, placed.counts_top, text_width_in, 0.4, counts_line(facts, lang), 15,
                      bold=True)
        for box in placed.panels:
            width_px, height_px = round(box.width * PPTX_PX_PER_IN), round(box.height * PPTX_PX_PER_IN)
            figure = build_panel(store, layers, story_slide, box.panel, width=width_px, height=height_px,
                                 type_px=PPTX_PANEL_TYPE, lang=lang, indicators=indicators)
            png = render_figure(figure, ExportFormat.PNG, width=width_px, height=height_px)
            picture = slide.shapes.add_picture(io.BytesIO(png), _emu(box.left), _emu(box.top), _emu(box.width),
                                               _emu(box.height))
            alt = panel_context(store, story_slide, box.panel, lang, permalink, exported_at, dataset_names,
                                indicators).alt_text
            picture._element.nvPicPr.cNvPr.set("descr", alt)  # alt text for screen readers
            picture.name = f"{box.panel.value}: {title_text}"[:250]
        _text_box(slide, PPTX_MARGIN, PPTX_FOOTER_TOP, text_width_in, 0.3,
                  f"{story.title} · {words('slide', lang, number=facts.number, count=facts.slide_count)}", 9,
                  colour="666666")
        slide.notes_slide.notes_text_frame.text = notes_text(facts, permalink, lang)

    properties = deck.core_properties
    # Office keeps at most 255 characters in a core property.
    properties.title = shorten(story.title, CORE_PROPERTY_CHARS)
    properties.subject = shorten(story.description or translate_count("briefing.subject", len(story.slides), lang),
                                 CORE_PROPERTY_CHARS)
    properties.language = lang
    properties.author = "Rutas"
    properties.last_modified_by = "Rutas"
    moment = exported_at.astimezone(UTC).replace(tzinfo=None) if exported_at.tzinfo else exported_at
    properties.created = properties.modified = moment
    properties.revision = 1
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


# ---- the interface the story panel and the CLI call ----------------------------------------------
def build_briefing(store: EventStore, layers: ReferenceLayers, story: Story, fmt: BriefingFormat, *,
                   lang: str | None = None, exported_at: datetime | None = None,
                   dataset_names: dict[str, str] | None = None, base_url: str = DEFAULT_BASE_URL,
                   indicators: IndicatorCatalog | None = None) -> bytes:
    """The pack of ``story`` as PDF or PPTX bytes (``lang`` defaults to the story's language).

    Parameters
    ----------
    store, layers
        The events and the reference layers (routes, regions) the maps draw.
    story
        At least one slide; each becomes exactly one page (PDF) or slide (PPTX).
    fmt
        ``pdf`` or ``pptx``.
    lang
        Language of the pack's own words (``en`` or ``es``); the story's text is printed as written.
    exported_at
        Printed in the footer and recorded as the PPTX's creation time (default: now, UTC).
    dataset_names
        Display names of imported datasets, named in the filters.
    base_url
        Where each slide's permalink points.
    indicators
        The indicator series a slide's indicator panel draws (bundled and imported); None: the bundled ones.

    Raises
    ------
    ValueError
        For a story without slides or an unknown format.
    dashboard.exports.render.ExportError
        When the renderer cannot draw a page or a map.
    """
    fmt = BriefingFormat(fmt)
    if not story.slides:
        raise ValueError(f"story '{story.story_id}' has no slides")
    lang = normalise_language(lang or story.lang)
    exported_at = (exported_at or datetime.now(UTC)).replace(microsecond=0)
    build = build_pdf if fmt is BriefingFormat.PDF else build_pptx
    return build(store, layers, story, lang=lang, exported_at=exported_at, dataset_names=dataset_names,
                 base_url=base_url, indicators=indicators)


def briefing_file_name(story: Story, fmt: BriefingFormat, exported_at: datetime) -> str:
    """``<story-id>-briefing-YYYYMMDD-HHMM.<ext>``."""
    return f"{story.story_id}-briefing-{exported_at:%Y%m%d-%H%M}.{BriefingFormat(fmt).value}"

