"""What an export is: the chart, the format, the size, and what every exported file records.

Shared by the renderers (charts, tables, embed, pack), the CLI and the export dialog, so the
three always agree on names, sizes and file types.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from ..data.charts import ChartKind
from ..data.facets import DEFAULT_BREAKDOWN, breakdown_or_default
from ..data.filters import FilterSpec
from ..data.indicators import SERIES_ID

# Where permalinks point when neither the deployment nor the request says (a local run).
DEFAULT_BASE_URL = "http://127.0.0.1:8050/"


def public_base_url(configured: str | None, request_url: str | None = None,
                    allowed_hosts: Collection[str] = (), default: str = DEFAULT_BASE_URL) -> str:
    """The one rule for the address permalinks point at.

    Parameters
    ----------
    configured
        The ``RUTAS_PUBLIC_URL`` setting (or the CLI's ``--base-url``): used when set.
    request_url
        Else the address the current request came to (``flask.request.host_url``), but only
        when its host is one of ``allowed_hosts``: the Host header is whatever the client sent,
        so an unlisted one (``evil.example``) never reaches a permalink.
    allowed_hosts
        ``host`` or ``host:port`` entries (``RUTAS_ALLOWED_HOSTS``); an IPv6 address in brackets
        (``[::1]:8050``). An entry without a port allows any port; case does not matter.
    default
        Else this address (a local run: ``http://127.0.0.1:<port>/``).
    """
    if configured:
        return configured
    if request_url and is_allowed_host(request_url, allowed_hosts):
        return request_url
    return default


def _host_port(netloc: str) -> tuple[str, int | None] | None:
    """``(lower-case host, port or None)`` of ``host[:port]`` (IPv6 in brackets); None if malformed."""
    try:
        parts = urlsplit(f"//{netloc}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return host.rstrip("."), port


def _allowed_entry(entry: str) -> tuple[str, int | None] | None:
    entry = entry.strip()
    if entry.count(":") > 1 and not entry.startswith("["):
        entry = f"[{entry}]"  # a bare IPv6 address: no port
    return _host_port(entry)


def is_allowed_host(url: str, allowed_hosts: Collection[str]) -> bool:
    """Whether the host (and port) of an http(s) ``url`` is one of ``allowed_hosts``.

    Parameters
    ----------
    url
        An address such as ``http://127.0.0.1:8050/`` (a request's ``host_url``).
    allowed_hosts
        ``host`` or ``host:port`` entries; see :func:`public_base_url`.

    Returns
    -------
    bool
        True when some entry names the same host (case-insensitive, a trailing dot ignored)
        and either no port or the URL's port (80 / 443 when the URL gives none).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    found = _host_port(parts.netloc)
    if found is None:
        return False
    host, port = found
    port = port or (443 if parts.scheme == "https" else 80)
    for entry in allowed_hosts:
        allowed = _allowed_entry(entry)
        if allowed is not None and allowed[0] == host and allowed[1] in (None, port):
            return True
    return False


class ExportFormat(StrEnum):
    PNG = "png"
    SVG = "svg"
    PDF = "pdf"
    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"
    HTML = "html"
    PACK = "pack"  # ZIP: PNG + SVG + CSV + alt text + sources + permalink


IMAGE_FORMATS = frozenset({ExportFormat.PNG, ExportFormat.SVG, ExportFormat.PDF})
DATA_FORMATS = frozenset({ExportFormat.CSV, ExportFormat.XLSX, ExportFormat.GEOJSON})

MEDIA_TYPES: dict[ExportFormat, str] = {
    ExportFormat.PNG: "image/png",
    ExportFormat.SVG: "image/svg+xml",
    ExportFormat.PDF: "application/pdf",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.GEOJSON: "application/geo+json",
    ExportFormat.HTML: "text/html; charset=utf-8",
    ExportFormat.PACK: "application/zip",
}
FILE_EXTENSIONS: dict[ExportFormat, str] = {fmt: fmt.value for fmt in ExportFormat} | {
    ExportFormat.PACK: "zip",
}


class SizePreset(StrEnum):
    WEB = "web"
    SQUARE = "square"
    STORY = "story"
    A4 = "a4"


# CSS pixels. A4 landscape is 297 x 210 mm at 96 px per inch, so the PDF page is A4.
PRESET_PIXELS: dict[SizePreset, tuple[int, int]] = {
    SizePreset.WEB: (1200, 675),
    SizePreset.SQUARE: (1080, 1080),
    SizePreset.STORY: (1080, 1920),
    SizePreset.A4: (1123, 794),
}
PNG_SCALES = (1, 2, 3)


class ExportTheme(StrEnum):
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True)
class ChartRequest:
    """How to draw one exported chart (what the dialog's controls and the CLI flags hold)."""

    chart: ChartKind = ChartKind.MAP
    size: SizePreset = SizePreset.WEB
    scale: int = 1  # PNG only: 1, 2 or 3 device pixels per CSS pixel
    theme: ExportTheme = ExportTheme.LIGHT
    title: str = ""  # empty: the default title written from the filters
    credit: str = ""  # optional byline / credit, printed in the footer
    breakdown_field: str = DEFAULT_BREAKDOWN  # one of the facet registry's BREAKDOWN_FIELDS
    indicator: str = ""  # the series the indicator chart draws (the view's ``ind``); "" for none

    @property
    def pixels(self) -> tuple[int, int]:
        return PRESET_PIXELS[self.size]


@dataclass(frozen=True)
class ExportContext:
    """What every exported file records about the view it came from."""

    spec: FilterSpec
    lang: str
    title: str  # the chart title actually used (user's or default)
    subtitle: str  # the filters in words the title does not already state (all of them under a user's title)
    source_line: str  # "Source: Rutas — N events from M published reports; filters …; exported …"
    alt_text: str  # plain-language description of the chart in ``lang``
    permalink: str  # absolute URL that reopens this view
    exported_at: datetime  # UTC, timezone-aware
    events: int
    sources: int
    credit: str = ""
    dataset_names: dict[str, str] = field(default_factory=dict)  # dataset id -> display name
    filters: str = ""  # every filter in words (the data files' record); "" from older callers: use subtitle


def _member(enum: type[StrEnum], value: object, default: StrEnum) -> StrEnum:
    try:
        return enum(str(value))
    except ValueError:
        return default


def request_from_controls(chart: object = None, size: object = None, scale: object = None,
                          theme: object = None, title: object = None, credit: object = None,
                          breakdown_field: object = None, indicator: object = None) -> ChartRequest:
    """A ChartRequest from untrusted control values (dialog or URL): anything unknown is the default.

    Title and credit are cut to 200 characters; they are printed, never interpreted. ``indicator``
    is kept only when it has the form of a series id (the catalog decides whether it exists).
    """
    try:
        scale_value = int(scale) if int(scale) in PNG_SCALES else 1  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        scale_value = 1
    return ChartRequest(
        chart=_member(ChartKind, chart, ChartKind.MAP),
        size=_member(SizePreset, size, SizePreset.WEB),
        scale=scale_value,
        theme=_member(ExportTheme, theme, ExportTheme.LIGHT),
        title=str(title or "").strip()[:200],
        credit=str(credit or "").strip()[:200],
        breakdown_field=breakdown_or_default(breakdown_field),
        indicator=indicator if isinstance(indicator, str) and SERIES_ID.fullmatch(indicator) else "",
    )
