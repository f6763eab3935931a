"""The frame of every printed chart, laid out in px: title, subtitle, legends and the source line.

A bold title top left, a muted subtitle stating the filters, the legend (right of the plot on wide
pages, below it on tall ones), and a footer with the source line and an optional credit. Margins
are computed from the text, never left to plotly's automargin, so nothing overlaps at any size.
Type scales with the page: sizes are chosen for the width at which the page is read (a story on a
phone, a web image in an article column, A4 at full size). No dash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import plotly.graph_objects as go

from ..i18n import translate
from .text_metrics import escape_text, html_lines, text_width, wrap_lines
from .theme import Theme

READING_FONT_PX = 14.0  # body type at the width a page is usually seen at
MAX_TITLE_LINES = 3
MAX_SUBTITLE_LINES = 4


@dataclass(frozen=True)
class TypeScale:
    """Font sizes (px) for one preset."""

    base: float

    @property
    def title(self) -> float:
        return round(self.base * 1.75)

    @property
    def subtitle(self) -> float:
        return round(self.base * 1.08)

    @property
    def legend(self) -> float:
        return round(self.base * 0.92)

    @property
    def tick(self) -> float:
        return round(self.base * 0.9)

    @property
    def footer(self) -> float:
        return round(self.base * 0.8)

    @property
    def place(self) -> float:
        return round(self.base * 0.82)

    @property
    def pad(self) -> float:
        return round(self.base * 1.4)

    @property
    def legend_row(self) -> float:
        """Height of one legend entry (plotly: about 1.3 line heights, 20 px at least)."""
        return max(20.0, self.legend * 1.36 + 2)


@dataclass(frozen=True)
class Page:
    """A printed chart's size in CSS px and its type."""

    width: int
    height: int
    type: TypeScale


def print_page(width: int, height: int, reading_width: float) -> Page:
    """A ``width`` x ``height`` page whose type is 14 px when it is seen ``reading_width`` px wide."""
    base = round(READING_FONT_PX * width / reading_width, 1)
    return Page(width=width, height=height, type=TypeScale(base=base))


class PageText(Protocol):
    """The words that frame a printed chart (an export's context has them); drawn as given, escaped."""

    @property
    def title(self) -> str: ...

    @property
    def subtitle(self) -> str: ...

    @property
    def source_line(self) -> str: ...

    @property
    def credit(self) -> str: ...

    @property
    def lang(self) -> str: ...


@dataclass(frozen=True)
class NotedText:
    """A page's words with a note added to the subtitle (what the figure itself chose, e.g. its framing)."""

    title: str
    subtitle: str
    source_line: str
    credit: str
    lang: str


def with_note(text: PageText, note: str) -> NotedText:
    """``text`` with ``note`` after its subtitle (or as the subtitle when there is none)."""
    subtitle = " · ".join(part for part in (str(text.subtitle or "").strip(), note.strip()) if part)
    return NotedText(title=text.title, subtitle=subtitle, source_line=text.source_line, credit=text.credit,
                     lang=text.lang)


@dataclass(frozen=True)
class LegendBlock:
    """One legend's content, for sizing: a title and its entries' labels."""

    title: str
    labels: tuple[str, ...]
    colourbar: bool = False  # a colour scale instead of entries


@dataclass(frozen=True)
class PageFrame:
    """Where everything goes on the page, in px (plotly's margins included)."""

    width: int
    height: int
    type: TypeScale
    left: float
    right: float
    top: float
    bottom: float
    legend_below: bool
    title_lines: tuple[str, ...]
    subtitle_lines: tuple[str, ...]
    footer_lines: tuple[str, ...]
    credit_lines: tuple[str, ...]
    title_height: float
    subtitle_gap: float
    legend_top: float  # px from the top of the page where the legends start
    legend_left: tuple[float, ...]  # px from the left of the page, one per legend block
    legend_bottom: float  # px from the top of the page where the legend area ends

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


def legend_size(block: LegendBlock, scale: TypeScale) -> tuple[float, float]:
    """Estimated (width, height) in px of one legend block."""
    if block.colourbar:
        return max(text_width(block.title, scale.legend), 6 * scale.legend), scale.legend * 12
    widest = max([text_width(block.title, scale.legend)]
                 + [text_width(text, scale.legend) + 2.6 * scale.legend + 14 for text in block.labels])
    height = scale.legend_row * (len(block.labels) + (1.2 if block.title else 0)) + 10
    return widest + 12, height


def page_frame(page: Page, text: PageText, legends: tuple[LegendBlock, ...] = (), *,
               left_extra: float = 0.0, right_extra: float = 0.0, bottom_extra: float = 0.0,
               top_extra: float = 0.0) -> PageFrame:
    """Lay out the page: title and subtitle on top, footer at the bottom, legends right or below.

    Parameters
    ----------
    legends
        The legends' contents, sized from their labels.
    left_extra, right_extra, bottom_extra, top_extra
        Room the chart itself needs outside its plot area (axis labels, bar value labels).
    """
    width, height = page.width, page.height
    scale = page.type
    pad = scale.pad
    text_width_px = width - 2 * pad
    title_lines = wrap_lines(text.title, text_width_px, scale.title, bold=True, max_lines=MAX_TITLE_LINES)
    subtitle_lines = wrap_lines(text.subtitle, text_width_px, scale.subtitle, max_lines=MAX_SUBTITLE_LINES)
    credit = " ".join(str(text.credit or "").split())
    credit_lines = wrap_lines(credit, text_width_px * 0.4, scale.footer, max_lines=2) if credit else []
    credit_width = max((text_width(line, scale.footer) for line in credit_lines), default=0.0)
    source_width = text_width_px - (credit_width + 2 * scale.footer if credit_lines else 0.0)
    footer_lines = wrap_lines(text.source_line, source_width, scale.footer, max_lines=6)

    title_height = len(title_lines) * scale.title * 1.22
    subtitle_gap = 0.45 * scale.base
    subtitle_height = len(subtitle_lines) * scale.subtitle * 1.32
    top = (pad + title_height + (subtitle_gap + subtitle_height if subtitle_lines else 0) + 1.2 * scale.base
           + top_extra)
    footer_height = max(len(footer_lines), len(credit_lines)) * scale.footer * 1.35
    footer_band = pad + footer_height + 1.1 * scale.base
    bottom = footer_band + bottom_extra

    legend_below = height > 1.3 * width
    sizes = [legend_size(block, scale) for block in legends]
    gap = scale.base
    left = pad + left_extra
    if legend_below and legends:
        band = max(size[1] for size in sizes)
        legend_top = height - footer_band - band  # under the plot and its axis labels
        bottom += band + gap
        column = (width - 2 * pad) / len(legends)
        legend_left = tuple(pad + i * column for i in range(len(legends)))
        right = pad + right_extra
        legend_bottom = legend_top + band
    else:
        column_width = max((size[0] for size in sizes), default=0.0)
        right = pad + right_extra + (column_width + gap if legends else 0.0)
        legend_left = tuple(width - pad - column_width for _ in legends)
        legend_top = top
        legend_bottom = height - bottom
    return PageFrame(
        width=width, height=height, type=scale, left=left, right=right, top=top, bottom=bottom,
        legend_below=legend_below, title_lines=tuple(title_lines), subtitle_lines=tuple(subtitle_lines),
        footer_lines=tuple(footer_lines), credit_lines=tuple(credit_lines), title_height=title_height,
        subtitle_gap=subtitle_gap, legend_top=legend_top, legend_left=legend_left,
        legend_bottom=legend_bottom,
    )


def legend_layout(frame: PageFrame, theme: Theme, index: int, block: LegendBlock) -> dict:
    """Layout of legend number ``index`` (container coordinates: independent of the margins)."""
    scale = frame.type
    x = frame.legend_left[index] / frame.width
    if frame.legend_below or index == 0:
        y, anchor = 1 - frame.legend_top / frame.height, "top"
    else:  # the second legend of a right-hand column sits at its bottom
        y, anchor = 1 - frame.legend_bottom / frame.height, "bottom"
    return dict(
        xref="container", yref="container", x=x, y=y, xanchor="left", yanchor=anchor,
        orientation="v", bgcolor="rgba(0,0,0,0)", borderwidth=0, itemsizing="constant",
        itemclick=False, itemdoubleclick=False, tracegroupgap=0, traceorder="normal",
        font=dict(size=scale.legend, color=theme.text_colour, family=theme.font_family),
        title=dict(text=escape_text(block.title), side="top",
                   font=dict(size=scale.legend, color=theme.muted_colour, family=theme.font_family)),
    )


def decorate(figure: go.Figure, frame: PageFrame, theme: Theme) -> go.Figure:
    """Title, subtitle, footer (source line and credit), page size, margins and type.

    The user's text (title, credit, dataset names in the subtitle) is escaped: plotly reads
    ``<``/``>``/``&`` as markup.
    """
    scale = frame.type
    pad = scale.pad
    figure.update_layout(
        width=frame.width, height=frame.height, autosize=False,
        margin=dict(l=frame.left, r=frame.right, t=frame.top, b=frame.bottom, pad=0, autoexpand=False),
        paper_bgcolor=theme.paper_colour, plot_bgcolor=theme.paper_colour,
        font=dict(family=theme.font_family, size=scale.tick, color=theme.text_colour),
        title=None, dragmode=False, hovermode="closest",
    )
    # Annotations sit at the plot area's corners, shifted by px into the margins.
    to_left_edge = -(frame.left - pad)
    to_right_edge = frame.right - pad
    common = dict(xref="paper", yref="paper", showarrow=False, align="left", borderpad=0,
                  xanchor="left", x=0, xshift=to_left_edge)
    annotations = [dict(
        **common, name="export-title", text=html_lines(list(frame.title_lines)), y=1, yanchor="top",
        yshift=frame.top - pad, font=dict(size=scale.title, color=theme.text_colour, weight="bold",
                                          family=theme.font_family),
    )]
    if frame.subtitle_lines:
        annotations.append(dict(
            **common, name="export-subtitle", text=html_lines(list(frame.subtitle_lines)), y=1,
            yanchor="top", yshift=frame.top - pad - frame.title_height - frame.subtitle_gap,
            font=dict(size=scale.subtitle, color=theme.muted_colour, family=theme.font_family),
        ))
    footer_shift = -(frame.bottom - pad)
    annotations.append(dict(
        **common, name="export-source", text=html_lines(list(frame.footer_lines)), y=0, yanchor="bottom",
        yshift=footer_shift, font=dict(size=scale.footer, color=theme.muted_colour, family=theme.font_family),
    ))
    if frame.credit_lines:
        annotations.append(dict(
            xref="paper", yref="paper", showarrow=False, borderpad=0, name="export-credit",
            text=html_lines(list(frame.credit_lines)), x=1, xanchor="right", xshift=to_right_edge,
            align="right", y=0, yanchor="bottom", yshift=footer_shift,
            font=dict(size=scale.footer, color=theme.muted_colour, family=theme.font_family),
        ))
    figure.update_layout(annotations=[*figure.layout.annotations, *annotations])
    return figure


def no_events_note(lang: str, frame: PageFrame, theme: Theme, note: str | None = None) -> dict:
    """A centred note saying that nothing matches the filters, or ``note`` (an annotation)."""
    return dict(xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False, name="export-empty",
                text=escape_text(note or translate("map.no_events", lang)),
                font=dict(size=frame.type.subtitle, color=theme.muted_colour, family=theme.font_family),
                bgcolor=theme.paper_colour, borderpad=6)


def axis_unit(text: str, tick_width: float, scale: TypeScale, theme: Theme) -> dict:
    """The y axis's unit ("Events per year") read across above it, as in print graphics (an annotation)."""
    return dict(xref="paper", yref="paper", x=0, xanchor="left", xshift=-tick_width, y=1, yanchor="bottom",
                yshift=scale.tick * 0.6, showarrow=False, borderpad=0, name="export-axis-unit",
                text=escape_text(text), font=dict(size=scale.tick, color=theme.muted_colour, family=theme.font_family))


def show_no_events(figure: go.Figure, lang: str, frame: PageFrame, theme: Theme, note: str | None = None) -> None:
    """Axes and unit hidden, the "no events" note (or ``note``) instead: a chart of nothing says so."""
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.layout.annotations = [a for a in figure.layout.annotations if a.name != "export-axis-unit"]
    figure.add_annotation(no_events_note(lang, frame, theme, note))


def frame_stacked_bars(figure: go.Figure, page: Page, text: PageText, theme: Theme, *, peak_label: str,
                       legend_title: str, unit: str) -> PageFrame:
    """Frame vertical stacked bars for print: their legend beside, the y unit read across above the axis.

    ``peak_label`` is the widest y tick (the tallest stack, formatted); the figure's traces name the
    legend's entries. The caller adds what is its own (date axis, count ticks) and decorates.
    """
    scale = page.type
    names = tuple(trace.name for trace in figure.data)
    tick_width = text_width(peak_label, scale.tick) + scale.tick
    blocks = (LegendBlock(title=legend_title, labels=names),) if names else ()
    frame = page_frame(page, text, blocks, left_extra=tick_width, bottom_extra=scale.tick * 1.8,
                       top_extra=scale.tick * 1.8)
    figure.update_traces(marker_line_width=0, hoverlabel=dict(font_size=scale.tick))
    rim_pale_bars(figure, theme)
    figure.update_layout(
        title=None, showlegend=bool(names),
        xaxis=dict(automargin=False, ticks="outside", ticklen=4, tickcolor=theme.border_colour,
                   linecolor=theme.border_colour, showline=True, tickfont=dict(size=scale.tick, color=theme.text_colour)),
        yaxis=dict(automargin=False, gridcolor=theme.grid_colour, zeroline=False,
                   tickfont=dict(size=scale.tick, color=theme.text_colour)),
    )
    figure.add_annotation(axis_unit(unit, tick_width, scale, theme))
    if blocks:
        figure.update_layout(legend=legend_layout(frame, theme, 0, blocks[0]))
    return frame


def rim_pale_bars(figure: go.Figure, theme: Theme) -> None:
    """A 1 px rim round the bars whose colour stays under 3:1 against the page (:meth:`Theme.mark_rim`):
    the hue keeps its meaning, the rim gives the bar its edge (pale hues on the light print)."""
    for trace in figure.data:
        colours = trace.marker.color
        if isinstance(colours, str):
            rim = theme.mark_rim(colours)
            if rim:
                trace.marker.line = dict(color=rim, width=1)
        elif colours is not None and not isinstance(colours, dict):
            rims = [theme.mark_rim(colour) if isinstance(colour, str) else None for colour in colours]
            if any(rims):
                trace.marker.line = dict(color=[rim or "rgba(0,0,0,0)" for rim in rims],
                                         width=[1 if rim else 0 for rim in rims])
