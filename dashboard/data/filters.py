"""FilterSpec and the URL state: the one description of "what the user is looking at".

The query string is a public interface (documented in the README). Parsing never raises: a
malformed parameter falls back to its default and yields a notice naming the parameter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, make_dataclass, replace
from datetime import date
from urllib.parse import parse_qs, urlencode

from .count_rules import DEFAULT_COUNT_RULE, CountRule, parse_count_rule
from .facets import FACETS
from .imports.base import ImportLimits
from .indicators import SERIES_ID
from .language import DEFAULT_LANGUAGE, LANGUAGES

Notice = tuple[str, str]  # (parameter, message key in dashboard.i18n, e.g. "notice.bad_date")

# URL parameter → FilterSpec field of every list filter (from the facet registry).
LIST_PARAMS = {facet.param: facet.name for facet in FACETS}
# Parameters with a closed set of values: an unknown one is dropped with a notice, never
# silently turned into "no events".
CLOSED_VOCABULARIES = {facet.param: frozenset(facet.vocabulary) for facet in FACETS if facet.closed}
# The filter's other parameters (dates, text, quantities, space); with LIST_PARAMS, every
# parameter a FilterSpec reads and writes.
SCALAR_PARAMS = ("from", "to", "q", "kg_min", "kg_max", "bbox", "poly")
FILTER_PARAMS = frozenset({*LIST_PARAMS, *SCALAR_PARAMS})
MAX_TEXT_QUERY = 200
MAX_LIST_ITEMS = 1000
MAX_POLYGON_VERTICES = 500
# The longest event id an import makes under the default limits: the dataset id (a slug of at most
# 40 characters, "-" and 8 hex digits: imports/pipeline.py dataset_id_for), ":", the source's own
# id (one field: at most max_field_chars) and, for an id repeated in the file, "~" and the row's
# line number (at most one line per byte of the largest upload). A longer ``event`` is refused
# with a notice, never cut to another id.
MAX_DATASET_ID_CHARS = 40 + 1 + 8
MAX_EVENT_ID_CHARS = (MAX_DATASET_ID_CHARS + 1 + ImportLimits.max_field_chars
                      + 1 + len(str(ImportLimits.max_upload_bytes)))
# The events table's columns, in the order it shows them. ``synthetic`` is hidden (its rows are
# marked in the dataset column), so a link cannot sort by it; every shown column can.
TABLE_COLUMNS = ("event_date", "event_type", "location", "country", "fatalities", "quantity_kg",
                 "source_name", "dataset", "event_id", "synthetic")
TABLE_HIDDEN_COLUMNS = frozenset({"synthetic"})
TABLE_SORTABLE_COLUMNS = tuple(column for column in TABLE_COLUMNS if column not in TABLE_HIDDEN_COLUMNS)
SORT_DIRECTIONS = {"asc": False, "desc": True}  # the ``sort`` parameter's direction → descending


def _canonical(values: object) -> tuple[str, ...]:
    """Sorted, de-duplicated, stripped strings: equal filters compare and hash equal."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    return tuple(sorted({str(v).strip() for v in values if str(v).strip()}))


class _FilterSpecBehaviour:
    """What a :data:`FilterSpec` does; its fields are declared just below."""

    def __post_init__(self) -> None:
        for name in LIST_PARAMS.values():
            object.__setattr__(self, name, _canonical(getattr(self, name)))
        object.__setattr__(self, "text", str(self.text or "").strip()[:MAX_TEXT_QUERY])
        if self.bbox is not None:
            object.__setattr__(self, "bbox", tuple(float(v) for v in self.bbox))
        if self.polygon is not None:
            object.__setattr__(self, "polygon", tuple((float(x), float(y)) for x, y in self.polygon))

    @property
    def is_empty(self) -> bool:
        return self == type(self)()

    def with_changes(self, **changes: object) -> FilterSpec:
        """Return a copy with some fields replaced (values are canonicalised again)."""
        return replace(self, **changes)

    def toggled(self, field_name: str, value: str) -> FilterSpec:
        """Add ``value`` to a list field, or remove it when it is already there."""
        current = set(getattr(self, field_name))
        current.symmetric_difference_update({value})
        return replace(self, **{field_name: tuple(current)})

    # --- store (dcc.Store) form: plain JSON -------------------------------------------------
    def to_store(self) -> dict[str, object]:
        return query_params_from_filter(self)

    @classmethod
    def from_store(cls, data: dict[str, object] | None) -> FilterSpec:
        """The filter a store holds; anything but an object is no filter (a forged request)."""
        items = data.items() if isinstance(data, dict) else ()
        spec, _ = filter_from_query_params({str(k): v if isinstance(v, str) else str(v) for k, v in items})
        return spec


# The fields: dates, then one sorted tuple of chosen values per facet of the registry (so a new
# facet needs no edit here), then quantities, text and space. Every default means "no restriction".
FILTER_FIELDS: list[tuple[str, str, object]] = [
    ("date_from", "date | None", field(default=None)),
    ("date_to", "date | None", field(default=None)),
    *((facet.name, "tuple[str, ...]", field(default=())) for facet in FACETS),
    ("kg_min", "float | None", field(default=None)),
    ("kg_max", "float | None", field(default=None)),
    ("text", "str", field(default="")),
    ("bbox", "tuple[float, float, float, float] | None", field(default=None)),  # west, south, east, north
    ("polygon", "tuple[tuple[float, float], ...] | None", field(default=None)),  # (lon, lat) ring
]
FilterSpec = make_dataclass("FilterSpec", FILTER_FIELDS, bases=(_FilterSpecBehaviour,), frozen=True)
FilterSpec.__module__ = __name__  # pickles (process pools, shared caches) find it here
FilterSpec.__doc__ = """Frozen, hashable filter over events; every field's default means "no restriction".

Dates are inclusive. An event is in the date range when its precision period (day, month
or year) overlaps the range, so a month-precision event is never silently lost at an edge.
List fields (``event_types``, ``actors``, …) are the facets of :data:`dashboard.data.facets.FACETS`.
"""


@dataclass(frozen=True)
class MapView:
    """Map centre and zoom, as shared in the ``view`` parameter."""

    lat: float
    lon: float
    zoom: float


@dataclass(frozen=True)
class TableSort:
    """The events table's order, as shared in the ``sort`` parameter (``quantity_kg:desc``)."""

    column: str
    descending: bool = False

    def __post_init__(self) -> None:
        if self.column not in TABLE_SORTABLE_COLUMNS:
            raise ValueError(f"the table cannot sort by {self.column!r}")

    @property
    def param(self) -> str:
        """The URL form: ``<column>:asc`` or ``<column>:desc``."""
        return f"{self.column}:{'desc' if self.descending else 'asc'}"

    @classmethod
    def from_param(cls, text: str) -> TableSort:
        """Parse ``<column>:asc|desc``; ``ValueError`` for any other text or an unsortable column."""
        column, _, direction = text.strip().partition(":")
        if direction not in SORT_DIRECTIONS:
            raise ValueError(f"expected <column>:asc or <column>:desc, not {text!r}")
        return cls(column, SORT_DIRECTIONS[direction])


@dataclass(frozen=True)
class UrlState:
    """Everything a shared link restores: the filter, the language, the map view, the selection,
    the table's order (``None``: the table's own default, newest first), the indicator series
    drawn on the map and under the timeline (``""``: none) and how contested deaths and kg are
    counted."""

    spec: FilterSpec = field(default_factory=FilterSpec)
    lang: str = DEFAULT_LANGUAGE
    view: MapView | None = None
    selected: str = ""
    sort: TableSort | None = None
    indicator: str = ""
    count_rule: CountRule = DEFAULT_COUNT_RULE

    def with_changes(self, **changes: object) -> UrlState:
        """A copy with some fields replaced (``spec=…``, ``view=…``, ``selected=…``, ``lang=…``, ``sort=…``,
        ``indicator=…``, ``count_rule=…``)."""
        return replace(self, **changes)


def join_list_param(values: tuple[str, ...]) -> str:
    """Join list values with ',' escaping literal commas and backslashes (actor names have commas)."""
    return ",".join(v.replace("\\", "\\\\").replace(",", "\\,") for v in values)


def split_list_param(text: str) -> list[str]:
    """Inverse of :func:`join_list_param`."""
    items, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return items


def _format_number(value: float) -> str:
    # repr gives the shortest text that parses back to the same float: lossless round trip.
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _parse_finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def query_params_from_filter(spec: FilterSpec) -> dict[str, str]:
    """FilterSpec → ordered dict of non-default URL parameters."""
    params: dict[str, str] = {}
    if spec.date_from:
        params["from"] = spec.date_from.isoformat()
    if spec.date_to:
        params["to"] = spec.date_to.isoformat()
    for param, attr in LIST_PARAMS.items():
        if getattr(spec, attr):
            params[param] = join_list_param(getattr(spec, attr))
    if spec.text:
        params["q"] = spec.text
    if spec.kg_min is not None:
        params["kg_min"] = _format_number(spec.kg_min)
    if spec.kg_max is not None:
        params["kg_max"] = _format_number(spec.kg_max)
    if spec.bbox is not None:
        params["bbox"] = ",".join(_format_number(v) for v in spec.bbox)
    if spec.polygon is not None:
        params["poly"] = ";".join(f"{_format_number(x)},{_format_number(y)}" for x, y in spec.polygon)
    return params


def filter_from_query_params(params: dict[str, str]) -> tuple[FilterSpec, list[Notice]]:
    """URL parameters → FilterSpec; malformed values are dropped with a notice each."""
    notices: list[Notice] = []
    values: dict[str, object] = {}

    for param, attr in (("from", "date_from"), ("to", "date_to")):
        if params.get(param):
            try:
                values[attr] = date.fromisoformat(params[param])
            except ValueError:
                notices.append((param, "notice.bad_date"))
    if "date_from" in values and "date_to" in values and values["date_from"] > values["date_to"]:
        notices.append(("from", "notice.date_order"))
        del values["date_from"], values["date_to"]

    for param, attr in LIST_PARAMS.items():
        if params.get(param):
            items = _canonical(split_list_param(params[param]))
            known = CLOSED_VOCABULARIES.get(param)
            if known is not None and not set(items) <= known:
                notices.append((param, "notice.unknown_value"))
                items = tuple(item for item in items if item in known)
            if len(items) > MAX_LIST_ITEMS:
                notices.append((param, "notice.too_many"))
            elif items:
                values[attr] = items

    if params.get("q"):
        values["text"] = params["q"]

    for param in ("kg_min", "kg_max"):
        if params.get(param):
            try:
                number = _parse_finite(params[param])
                if number < 0:
                    raise ValueError(number)
                values[param] = number
            except ValueError:
                notices.append((param, "notice.bad_number"))
    if values.get("kg_min") is not None and values.get("kg_max") is not None \
            and values["kg_min"] > values["kg_max"]:
        notices.append(("kg_min", "notice.kg_order"))
        values.pop("kg_min"), values.pop("kg_max")

    if params.get("bbox"):
        try:
            west, south, east, north = (_parse_finite(v) for v in params["bbox"].split(","))
            if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
                raise ValueError("out of range")
            values["bbox"] = (west, south, east, north)
        except ValueError:
            notices.append(("bbox", "notice.bad_bbox"))

    if params.get("poly"):
        try:
            ring = tuple(
                (_parse_finite(x), _parse_finite(y))
                for x, y in (pair.split(",") for pair in params["poly"].split(";"))
            )
            if not 3 <= len(ring) <= MAX_POLYGON_VERTICES or not all(
                -180 <= x <= 180 and -90 <= y <= 90 for x, y in ring
            ):
                raise ValueError("bad ring")
            values["polygon"] = ring
        except ValueError:
            notices.append(("poly", "notice.bad_poly"))

    return FilterSpec(**values), notices


def parse_url_state(search: str | None) -> tuple[UrlState, list[Notice]]:
    """Parse ``location.search`` (with or without '?') into a UrlState and notices.

    Unknown parameters are ignored; a repeated parameter keeps its last value.
    """
    raw = parse_qs(search.lstrip("?") if isinstance(search, str) else "", keep_blank_values=False)
    params = {key: values[-1] for key, values in raw.items()}
    spec, notices = filter_from_query_params(params)

    lang = params.get("lang", DEFAULT_LANGUAGE)
    if lang not in LANGUAGES:
        notices.append(("lang", "notice.bad_lang"))
        lang = DEFAULT_LANGUAGE

    view = None
    if params.get("view"):
        try:
            lat, lon, zoom = (_parse_finite(v) for v in params["view"].split(","))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 <= zoom <= 22):
                raise ValueError("out of range")
            view = MapView(lat, lon, zoom)
        except ValueError:
            notices.append(("view", "notice.bad_view"))

    selected = params.get("event", "")
    if len(selected) > MAX_EVENT_ID_CHARS:
        notices.append(("event", "notice.unknown_value"))  # no import makes such an id
        selected = ""

    sort = None
    if params.get("sort"):
        try:
            sort = TableSort.from_param(params["sort"])
        except ValueError:
            notices.append(("sort", "notice.bad_sort"))
    indicator = params.get("ind", "")
    if indicator and not SERIES_ID.fullmatch(indicator):
        notices.append(("ind", "notice.unknown_value"))  # no series has such an id
        indicator = ""
    count_text = params.get("count", "")
    count_rule = parse_count_rule(count_text)
    if count_text and count_text != count_rule:
        notices.append(("count", "notice.unknown_value"))
    return UrlState(spec=spec, lang=lang, view=view, selected=selected, sort=sort, indicator=indicator,
                    count_rule=count_rule), notices


def build_search(state: UrlState) -> str:
    """UrlState → ``?a=b&…`` (empty string when everything is at its default)."""
    params = query_params_from_filter(state.spec)
    if state.lang != DEFAULT_LANGUAGE:
        params["lang"] = state.lang
    if state.view is not None:
        params["view"] = ",".join(
            _format_number(round(v, 4)) for v in (state.view.lat, state.view.lon, state.view.zoom)
        )
    if state.selected:
        params["event"] = state.selected
    if state.sort is not None:
        params["sort"] = state.sort.param
    if state.indicator:
        params["ind"] = state.indicator
    if state.count_rule is not DEFAULT_COUNT_RULE:
        params["count"] = state.count_rule.value
    return "?" + urlencode(params, safe=",;:") if params else ""

