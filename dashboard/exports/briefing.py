"""The briefing pack of a story: a PDF (one page per slide) and a PPTX (one slide per slide).

Both read every slide through :func:`dashboard.words.slide_facts.slide_facts`, so the counts and
sources on paper are the ones the presenter screen shows. No dash import.

- PDF: each slide is one A4-landscape page drawn as a plotly figure and printed by kaleido
  (text stays text, the map stays vector): the slide title, the filters in words, a column with
  the caption, the counts and the sources, the map of the slide's view, and a footer naming the
  story, the slide number, the slide's permalink and the export time. pypdf joins the pages and
  sets the document's title and language.
- PPTX (python-pptx): a 16:9 deck with the title, a PNG of the map (rendered by kaleido), the
  caption and the counts on each slide; the speaker notes hold the slide's notes, its sources
  and its permalink.

The text of the story (titles, captions, notes) is printed as written; the words around it
come from the catalogs' ``briefing.*`` keys in the pack's language.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from ..data.filters import UrlState
from ..data.store import EventStore
from ..data.stories import Slide, Story
from ..figures.geo import view_extent
from ..figures.text_metrics import escape_text, wrap_lines
from ..i18n import format_number, normalise_language, translate
from ..words.slide_facts import SlideFacts, slide_facts, sources_lines
from .captions import export_context, shorten
from .charts import build_map, export_theme, type_scale
from .render import render_figure
from .service import ReferenceLayers, permalink_for
from .spec import DEFAULT_BASE_URL, ChartKind, ChartRequest, ExportContext, ExportFormat, SizePreset


class BriefingFormat(StrEnum):
    PDF = "pdf"
    PPTX = "pptx"


BRIEFING_MEDIA_TYPES = {
    BriefingFormat.PDF: "application/pdf",
    BriefingFormat.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

# PDF page: A4 landscape (1123 x 794 CSS px, printed at 96 px per inch).
PDF_REQUEST = ChartRequest(chart=ChartKind.MAP, size=SizePreset.A4)
COLUMN_SHARE = 0.36  # of the page width: the text column left of the map
CAPTION_SIZES = (13.0, 12.0, 11.0, 10.0, 9.0)  # px; the largest at which the caption fits whole
COUNTS_SIZE = 12.0
HEADING_SIZE = 11.0
SOURCE_SIZE = 10.0
LINE_HEIGHT = 1.3  # plotly's line spacing in multi-line text, in ems
MIN_SOURCES = 3  # a smaller caption size is chosen before fewer sources than this are shown

# PPTX: 16:9 at 13.333 x 7.5 in; the map picture is rendered at 1600 x 900 px.
PPTX_MAP_PX = (1600, 900)
EMU_PER_INCH = 914_400
SLIDE_EMU = (12_192_000, 6_858_000)  # PowerPoint's own 16:9 size
SLIDE_IN = (SLIDE_EMU[0] / EMU_PER_INCH, SLIDE_EMU[1] / EMU_PER_INCH)
PPTX_FONT = "Arial"  # Liberation Sans metrics, so text_width estimates hold
CORE_PROPERTY_CHARS = 255
PPTX_CAPTION_PT = (16, 14, 13, 12, 11, 10, 9, 8)


def words(key: str, lang: str, **values: object) -> str:
    """One of the pack's own words (catalog key ``briefing.<key>``) in ``lang``, placeholders filled."""
    return translate(f"briefing.{key}", lang, **values)


def _plural(prefix: str, count: int, shown: str, lang: str) -> str:
    return words(f"{prefix}.{'one' if count == 1 else 'many'}", lang, count=shown)


def counts_line(facts: SlideFacts, lang: str) -> str:
    """``1,234 events · 56 deaths · 7,890 kg seized · 45 sources`` for a slide, in ``lang``."""
    totals, counts = facts.totals, facts.counts
    events_key = "export.events.one" if totals.events == 1 else "export.events.many"
    return " · ".join((translate(events_key, lang, count=counts["events"]),
                       _plural("deaths", totals.fatalities, counts["fatalities"], lang),
                       words("kg", lang, count=counts["kg"]),
                       _plural("sources", totals.sources, counts["sources"], lang)))


def slide_permalink(base_url: str, slide: Slide, lang: str) -> str:
    """The link that reopens the slide's view (filters, map view, language)."""
    return permalink_for(base_url, UrlState(spec=slide.spec, view=slide.view, lang=normalise_language(lang)))


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


def slide_extent(slide: Slide) -> tuple[float, float, float, float] | None:
    """The box the slide's saved map view shows (None: no saved view, fit the events)."""
    if slide.view is None:
        return None
    return view_extent(slide.view.lat, slide.view.lon, slide.view.zoom)


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


# ---- the PDF page's text column (pure: laid out in px, drawn later) ------------------------------
@dataclass(frozen=True)
class TextBlock:
    """Lines of one size and style, ``top`` px below the top of the column."""

    name: str
    lines: tuple[str, ...]
    size: float
    top: float
    bold: bool = False
    muted: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LINE_HEIGHT

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class ColumnLayout:
    """The caption, counts and sources of one page, placed in a column of ``width`` x ``height`` px."""

    blocks: tuple[TextBlock, ...]
    caption_size: float
    sources_shown: int
    sources_left_out: int

    @property
    def bottom(self) -> float:
        return max((block.bottom for block in self.blocks), default=0.0)


def _source_blocks(name: str, url: str, width: float) -> list[tuple[str, tuple[str, ...]]]:
    """A source as a name block and a muted URL block (each wrapped; a long URL breaks at the edge)."""
    parts = []
    if name:
        parts.append(("name", tuple(wrap_lines(name + (" —" if url else ""), width, SOURCE_SIZE))))
    if url:
        parts.append(("url", tuple(wrap_lines(url, width, SOURCE_SIZE))))
    return parts


def _source_height(parts: list[tuple[str, tuple[str, ...]]]) -> float:
    return sum(len(lines) for _, lines in parts) * SOURCE_SIZE * LINE_HEIGHT + SOURCE_SIZE * 0.45


def layout_column(caption: str, counts: str, sources: tuple[tuple[str, str, int], ...], lang: str, *,
                  width: float, height: float) -> ColumnLayout:
    """Place the caption (always whole), the counts line and as many sources as fit.

    The caption takes the largest of :data:`CAPTION_SIZES` that leaves room for at least
    :data:`MIN_SOURCES` sources (or all of them, when fewer); sources that do not fit are
    counted in one "… and K more sources" line.
    """
    source_parts = [_source_blocks(name, url, width) for name, url, _ in sources]
    more_height = SOURCE_SIZE * LINE_HEIGHT
    wanted_sources = min(MIN_SOURCES, len(sources))
    for size in CAPTION_SIZES:
        caption_lines = tuple(wrap_lines(caption, width, size))
        blocks: list[TextBlock] = []
        top = 0.0
        if caption_lines:
            blocks.append(TextBlock("caption", caption_lines, size, top))
            top = blocks[-1].bottom + size * 0.9
        counts_lines = tuple(wrap_lines(counts, width, COUNTS_SIZE, bold=True))
        blocks.append(TextBlock("counts", counts_lines, COUNTS_SIZE, top, bold=True))
        top = blocks[-1].bottom + COUNTS_SIZE * 1.1
        if sources:
            blocks.append(TextBlock("sources-heading", (words("sources", lang),), HEADING_SIZE, top, bold=True,
                                    muted=True))
            top = blocks[-1].bottom + HEADING_SIZE * 0.35
        needed = sum(_source_height(parts) for parts in source_parts[:wanted_sources])
        if wanted_sources < len(sources):
            needed += more_height
        if top + needed <= height or size == CAPTION_SIZES[-1]:
            break
    shown = 0
    for index, parts in enumerate(source_parts):
        rest_after = len(source_parts) - index - 1
        room = height - top - (more_height if rest_after else 0.0)
        if _source_height(parts) > room:
            break
        for kind, lines in parts:
            blocks.append(TextBlock(f"source-{index + 1}-{kind}", lines, SOURCE_SIZE, top, muted=kind == "url"))
            top = blocks[-1].bottom
        top += SOURCE_SIZE * 0.45
        shown += 1
    left_out = len(source_parts) - shown
    if left_out:
        more = translate("story.more_sources", lang, count=format_number(left_out, lang))
        blocks.append(TextBlock("sources-more", (more,), SOURCE_SIZE, top, muted=True))
    return ColumnLayout(blocks=tuple(blocks), caption_size=blocks[0].size if caption_lines else 0.0,
                        sources_shown=shown, sources_left_out=left_out)


# ---- PDF -----------------------------------------------------------------------------------------
def _page_context(store: EventStore, slide: Slide, request: ChartRequest, lang: str, permalink: str,
                  exported_at: datetime, dataset_names: dict[str, str] | None) -> ExportContext:
    return export_context(store, slide.spec, replace(request, title=" ".join(slide.title.split())), lang,
                          permalink=permalink, exported_at=exported_at, dataset_names=dataset_names)


def build_pdf_page(store: EventStore, layers: ReferenceLayers, story: Story, index: int, *, lang: str,
                   exported_at: datetime, dataset_names: dict[str, str] | None = None,
                   base_url: str = DEFAULT_BASE_URL):
    """The figure of one PDF page (slide ``index``, 0-based): what kaleido prints as the page.

    Returns
    -------
    plotly.graph_objects.Figure
        1123 x 794 px (A4 landscape at 96 px per inch).
    """
    facts = slide_facts(store, story, index, lang, dataset_names)
    slide = facts.slide
    permalink = slide_permalink(base_url, slide, lang)
    context = _page_context(store, slide, PDF_REQUEST, lang, permalink, exported_at, dataset_names)
    context = replace(context, source_line=footer_text(story, facts, permalink, exported_at, lang))
    width, _ = PDF_REQUEST.pixels
    scale_pad = type_scale(PDF_REQUEST).pad
    column = round(width * COLUMN_SHARE)
    figure = build_map(store, slide.spec, PDF_REQUEST, context, routes=layers.routes, regions=layers.regions,
                       extent=slide_extent(slide), left_extra=column + scale_pad, rings=_rings(store, slide))
    margin = figure.layout.margin
    plot_height = figure.layout.height - margin.t - margin.b
    layout = layout_column(" ".join(slide.caption.split()), counts_line(facts, lang), facts.sources, lang,
                           width=column, height=plot_height)
    theme = export_theme(PDF_REQUEST.theme)
    annotations = [dict(
        xref="paper", yref="paper", x=0, xanchor="left", xshift=-(margin.l - scale_pad), y=1, yanchor="top",
        yshift=-block.top, showarrow=False, align="left", borderpad=0, name=f"briefing-{block.name}",
        text="<br>".join(escape_text(line) for line in block.lines),
        font=dict(size=block.size, family=theme.font_family, weight="bold" if block.bold else "normal",
                  color=theme.muted_colour if block.muted else theme.text_colour),
    ) for block in layout.blocks]
    figure.update_layout(annotations=[*figure.layout.annotations, *annotations])
    return figure


def build_pdf(store: EventStore, layers: ReferenceLayers, story: Story, *, lang: str, exported_at: datetime,
              dataset_names: dict[str, str] | None = None, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """One A4-landscape page per slide, joined with pypdf; title, subject, language and bookmarks set."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter()
    width, height = PDF_REQUEST.pixels
    for index, slide in enumerate(story.slides):
        figure = build_pdf_page(store, layers, story, index, lang=lang, exported_at=exported_at,
                                dataset_names=dataset_names, base_url=base_url)
        page = render_figure(figure, ExportFormat.PDF, width=width, height=height)
        writer.append(PdfReader(io.BytesIO(page)))
        writer.add_outline_item(" ".join(slide.title.split()), index)
    writer.add_metadata({
        "/Title": story.title, "/Subject": story.description or words("subject", lang, count=len(story.slides)),
        "/Creator": "Rutas", "/Producer": "Rutas (plotly, kaleido, pypdf)",
    })
    writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# ---- PPTX ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SizedRequest(ChartRequest):
    """A chart request with its own page size (type scaled as for the preset's reading width)."""

    width: int = PPTX_MAP_PX[0]
    height: int = PPTX_MAP_PX[1]

    @property
    def pixels(self) -> tuple[int, int]:
        return self.width, self.height


PPTX_MAP_REQUEST = SizedRequest(chart=ChartKind.MAP, size=SizePreset.WEB)


def build_slide_map(store: EventStore, layers: ReferenceLayers, slide: Slide, *, lang: str, permalink: str,
                    exported_at: datetime, dataset_names: dict[str, str] | None = None):
    """The map picture of a PPTX slide (no title: the slide has it) and its context (alt text)."""
    context = _page_context(store, slide, PPTX_MAP_REQUEST, lang, permalink, exported_at, dataset_names)
    context = replace(context, title="")
    figure = build_map(store, slide.spec, PPTX_MAP_REQUEST, context, routes=layers.routes,
                       regions=layers.regions, extent=slide_extent(slide), rings=_rings(store, slide))
    return figure, context


def caption_points(caption: str, width_in: float, height_in: float) -> int:
    """The largest of :data:`PPTX_CAPTION_PT` at which ``caption`` fits the box (the smallest otherwise)."""
    for points in PPTX_CAPTION_PT:
        px = points * 96 / 72
        lines = wrap_lines(caption, width_in * 96 * 0.96, px)  # the text frame's insets take ~4 %
        if len(lines) * px * 1.2 <= height_in * 96 * 0.95:
            return points
    return PPTX_CAPTION_PT[-1]


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


def build_pptx(store: EventStore, layers: ReferenceLayers, story: Story, *, lang: str, exported_at: datetime,
               dataset_names: dict[str, str] | None = None, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """A 16:9 deck, one slide per story slide: title, map picture, caption, counts, notes."""
    from pptx import Presentation
    from pptx.util import Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_EMU
    layout = deck.slide_layouts[5]  # "Title Only": the title is the slide's title for readers and outlines
    margin, gap = 0.4, 0.3
    map_width = 8.2
    map_height = map_width * PPTX_MAP_PX[1] / PPTX_MAP_PX[0]
    map_top = 1.35
    column_left = margin + map_width + gap
    column_width = SLIDE_IN[0] - column_left - margin
    text_width_in = SLIDE_IN[0] - 2 * margin
    for index, story_slide in enumerate(story.slides):
        facts = slide_facts(store, story, index, lang, dataset_names)
        permalink = slide_permalink(base_url, story_slide, lang)
        figure, context = build_slide_map(store, layers, story_slide, lang=lang, permalink=permalink,
                                          exported_at=exported_at, dataset_names=dataset_names)
        png = render_figure(figure, ExportFormat.PNG, width=PPTX_MAP_PX[0], height=PPTX_MAP_PX[1])

        slide = deck.slides.add_slide(layout)
        title_text = " ".join(story_slide.title.split())
        title = slide.shapes.title
        title.left, title.top, title.width, title.height = _emu(margin), _emu(0.3), _emu(text_width_in), _emu(0.95)
        title.text_frame.word_wrap = True
        title.text_frame.text = title_text
        for paragraph in title.text_frame.paragraphs:
            paragraph.alignment = 1  # left
            for run in paragraph.runs:
                run.font.size = Pt(title_points(title_text, text_width_in))
                run.font.bold = True
                run.font.name = PPTX_FONT
        picture = slide.shapes.add_picture(io.BytesIO(png), _emu(margin), _emu(map_top), _emu(map_width),
                                           _emu(map_height))
        picture._element.nvPicPr.cNvPr.set("descr", context.alt_text)  # alt text for screen readers
        picture.name = f"Map: {title_text}"[:250]
        counts_top = map_top + map_height + 0.15
        _text_box(slide, margin, counts_top, map_width, 0.45, counts_line(facts, lang), 15, bold=True)
        _text_box(slide, margin, SLIDE_IN[1] - 0.45, text_width_in, 0.3,
                  f"{story.title} · {words('slide', lang, number=facts.number, count=facts.slide_count)}", 9,
                  colour="666666")
        caption = " ".join(story_slide.caption.split())
        caption_height = SLIDE_IN[1] - 0.6 - map_top
        if caption:
            _text_box(slide, column_left, map_top, column_width, caption_height, caption,
                      caption_points(caption, column_width, caption_height))
        slide.notes_slide.notes_text_frame.text = notes_text(facts, permalink, lang)

    properties = deck.core_properties
    # Office keeps at most 255 characters in a core property.
    properties.title = shorten(story.title, CORE_PROPERTY_CHARS)
    properties.subject = shorten(story.description or words("subject", lang, count=len(story.slides)),
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
                   dataset_names: dict[str, str] | None = None, base_url: str = DEFAULT_BASE_URL) -> bytes:
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
                 base_url=base_url)


def briefing_file_name(story: Story, fmt: BriefingFormat, exported_at: datetime) -> str:
    """``<story-id>-briefing-YYYYMMDD-HHMM.<ext>``."""
    return f"{story.story_id}-briefing-{exported_at:%Y%m%d-%H%M}.{BriefingFormat(fmt).value}"

