"""One entry point for every export: the dialog, the CLI and the benchmark all call ``export_view``.

The view is described by the same query string a shared link carries, so an exported chart,
its data and its permalink always show the same events.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

from ..data.filters import UrlState, build_search, parse_url_state
from ..data.indicators import IndicatorCatalog
from ..data.store import EventStore
from ..i18n import normalise_language, translate
from .captions import export_context
from .charts import build_export_figure, bundled_indicators
from .described import describe_pdf, describe_png, describe_svg
from .embed import standalone_html
from .pack import build_pack, table_members
from .render import render_figure
from .spec import (
    DATA_FORMATS,
    DEFAULT_BASE_URL,
    FILE_EXTENSIONS,
    IMAGE_FORMATS,
    MEDIA_TYPES,
    ChartKind,
    ChartRequest,
    ExportContext,
    ExportFormat,
)
from .tables import events_csv, events_geojson, events_xlsx, export_rows, sources_text

MAX_SLUG_CHARS = 60


class ExportTooLargeError(ValueError):
    """A data export over the row limit (RUTAS_MAX_EXPORT_ROWS): refused before any work."""

    def __init__(self, events: int, limit: int) -> None:
        super().__init__(f"this view has {events:,} events and a data export holds at most {limit:,} "
                         f"(RUTAS_MAX_EXPORT_ROWS): narrow the filters")
        self.events, self.limit = events, limit


class ReferenceLayers(Protocol):
    """The bundled reference geometry a map export draws besides the events (``BundledData`` has it)."""

    routes: dict
    regions: dict


@dataclass(frozen=True)
class ExportFile:
    """One finished export: what to call it, its media type, its bytes and what it records."""

    file_name: str
    media_type: str
    data: bytes
    context: ExportContext


def permalink_for(base_url: str, state: UrlState) -> str:
    """Absolute link that reopens ``state``; the base must be an http(s) URL."""
    parts = urlsplit(base_url or DEFAULT_BASE_URL)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        parts = urlsplit(DEFAULT_BASE_URL)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}{build_search(state)}"


def file_stem(kind: str, title: str, exported_at: datetime, *, variant: tuple[str, ...] = ()) -> str:
    """``rutas-<kind>-<title as ascii words>[-<variant>…]-<date>``: readable, safe on every file system.

    ``variant`` names what else tells two exports of one view apart (a chart's size and theme:
    ``("web", "dark")``), so a dark square PNG never overwrites the light web one.
    """
    words = re.sub(r"[\W_]+", " ", title)  # punctuation (an en dash too) separates words
    ascii_title = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:MAX_SLUG_CHARS].rstrip("-")
    return "-".join(part for part in ("rutas", kind, slug, *variant, exported_at.strftime("%Y%m%d")) if part)


def chart_variant(request: ChartRequest) -> tuple[str, ...]:
    """The size preset and theme of a chart export, as they go in its file name."""
    return request.size.value, request.theme.value


def describe_view(
    store: EventStore,
    query: str,
    request: ChartRequest,
    *,
    lang: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    dataset_names: dict[str, str] | None = None,
    exported_at: datetime | None = None,
    indicators: IndicatorCatalog | None = None,
) -> ExportContext:
    """Title, filters in words, source line, alt text and permalink of a view, without drawing it.
    The indicator chart draws the series the link names (``ind``) unless ``request`` names one."""
    state, _ = parse_url_state(query)
    lang = normalise_language(lang or state.lang)
    state = state.with_changes(lang=lang)
    exported_at = (exported_at or datetime.now(UTC)).replace(microsecond=0)
    return export_context(store, state.spec, with_view_indicator(request, state), lang,
                          permalink=permalink_for(base_url, state), exported_at=exported_at,
                          dataset_names=dataset_names or {}, indicators=indicators)


def with_view_indicator(request: ChartRequest, state: UrlState) -> ChartRequest:
    """``request`` drawing the view's series (the link's ``ind``) when it names none itself."""
    return request if request.indicator else replace(request, indicator=state.indicator)


def export_view(
    store: EventStore,
    layers: ReferenceLayers,
    query: str,
    fmt: ExportFormat,
    request: ChartRequest,
    *,
    lang: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    dataset_names: dict[str, str] | None = None,
    exported_at: datetime | None = None,
    max_rows: int | None = None,
    indicators: IndicatorCatalog | None = None,
) -> ExportFile:
    """Export the view that ``query`` (a shared link's query string) describes.

    Parameters
    ----------
    fmt
        Image formats draw ``request.chart``; data formats hold every matching event; ``html``
        is a standalone page of the chart; ``pack`` is a ZIP of PNG, SVG, CSV, alt text,
        sources and permalink.
    lang
        Overrides the link's language (the CLI's ``--lang``).
    max_rows
        Most events a data file (or the pack's CSV) may hold; None: no limit.
    indicators
        The series the indicator chart is drawn from (bundled and imported); None: the bundled ones.

    Raises
    ------
    ExportTooLargeError
        When a data export would hold more than ``max_rows`` events.
    ValueError
        When the indicator chart is asked of a view that names no known series.
    dashboard.exports.render.ExportError
        When the chart renderer fails; data formats never need it.
    """
    fmt = ExportFormat(fmt)
    indicators = indicators or bundled_indicators()
    request = with_view_indicator(request, parse_url_state(query)[0])
    context = describe_view(store, query, request, lang=lang, base_url=base_url, dataset_names=dataset_names,
                            exported_at=exported_at, indicators=indicators)
    if request.chart is ChartKind.INDICATOR and fmt not in DATA_FORMATS and indicators.info(request.indicator) is None:
        raise ValueError(translate("export.indicator_none", context.lang))
    exported_at = context.exported_at
    if max_rows is not None and fmt not in IMAGE_FORMATS | {ExportFormat.HTML} and context.events > max_rows:
        raise ExportTooLargeError(context.events, max_rows)
    if fmt in DATA_FORMATS:  # the same rows whatever the chart, size or theme
        stem = file_stem("events", context.title, exported_at)
    else:
        stem = file_stem(request.chart.value, context.title, exported_at, variant=chart_variant(request))
    data = _export_bytes(store, layers, fmt, request, context, stem, indicators)
    return ExportFile(file_name=f"{stem}.{FILE_EXTENSIONS[fmt]}", media_type=MEDIA_TYPES[fmt], data=data,
                      context=context)


def _render(figure: object, fmt: ExportFormat, request: ChartRequest, context: ExportContext) -> bytes:
    width, height = request.pixels
    scale = request.scale if fmt == ExportFormat.PNG else 1
    image = render_figure(figure, fmt, width=width, height=height, scale=scale)
    # The alt text travels inside the file, so a CMS or screen reader can find it later.
    if fmt == ExportFormat.PNG:
        return describe_png(image, context.title, context.alt_text)
    if fmt == ExportFormat.SVG:
        return describe_svg(image, context.title, context.alt_text)
    return describe_pdf(image, context.title, context.alt_text, author=context.credit, lang=context.lang)


def _export_bytes(store: EventStore, layers: ReferenceLayers, fmt: ExportFormat, request: ChartRequest,
                  context: ExportContext, stem: str, indicators: IndicatorCatalog | None = None) -> bytes:
    if fmt not in DATA_FORMATS:
        # One figure per export: the pack renders the same one as PNG and SVG.
        figure = build_export_figure(store, context.spec, request, context, routes=layers.routes,
                                     regions=layers.regions, indicators=indicators)
        if fmt in IMAGE_FORMATS:
            return _render(figure, fmt, request, context)
        if fmt == ExportFormat.HTML:
            return standalone_html(figure, context).encode("utf-8")
    rows = export_rows(store, context.spec)
    if fmt == ExportFormat.CSV:
        return events_csv(rows, context)
    if fmt == ExportFormat.XLSX:
        return events_xlsx(rows, context)
    if fmt == ExportFormat.GEOJSON:
        return events_geojson(rows, context)
    members = {
        f"{stem}.png": _render(figure, ExportFormat.PNG, request, context),
        f"{stem}.svg": _render(figure, ExportFormat.SVG, request, context),
        **table_members(f"{file_stem('events', context.title, context.exported_at)}.csv", rows, context),
        "alt-text.txt": (context.alt_text + "\n").encode("utf-8"),
        "sources.txt": sources_text(rows, context).encode("utf-8"),
        "permalink.txt": (context.permalink + "\n").encode("utf-8"),
    }
    return build_pack(members, context.exported_at)


def data_uri(exported: ExportFile) -> str:
    """The file as a ``data:`` URI (the dialog's preview image)."""
    return f"data:{exported.media_type};base64,{base64.b64encode(exported.data).decode('ascii')}"


def download_data(exported: ExportFile) -> dict[str, object]:
    """The file in the shape a download component sends to the browser (base64 content)."""
    return {"content": base64.b64encode(exported.data).decode("ascii"), "filename": exported.file_name,
            "type": exported.media_type, "base64": True}


def human_size(size: int) -> str:
    """1,234,567 → '1.2 MB' (for the dialog's status line)."""
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"
