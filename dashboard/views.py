"""Pure helpers that shape store results for the views. No dash import."""

from __future__ import annotations

import math

import numpy as np

from dashboard.config import Basemap
from dashboard.data.filters import FilterSpec
from dashboard.data.schema import BUNDLED_DATASET
from dashboard.data.store import EventStore
from dashboard.figures.event_map import offline_layers, offline_style
from dashboard.i18n import format_number, label, translate

ONLINE_STYLE = "carto-positron"


def basemap_for(basemap: Basemap) -> tuple[str | dict, list[dict]]:
    """Map style and base layers for the configured base map."""
    if basemap == Basemap.ONLINE:
        return ONLINE_STYLE, []
    return offline_style(), offline_layers()


def highlight_position(store: EventStore, event_id: str | None) -> tuple[float, float] | None:
    event = store.event(event_id) if event_id else None
    return None if event is None else (float(event["latitude"]), float(event["longitude"]))


def json_cell(value: object) -> object:
    """JSON-friendly cell: NaN → None, dates → ISO text, tuples → '; '-joined text."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, tuple):
        return "; ".join(value)
    if isinstance(value, np.generic):
        return json_cell(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def table_records(columns: dict[str, np.ndarray], lang: str) -> list[dict]:
    """Column arrays → grid rows, with a translated label beside each coded event type."""
    names = list(columns)
    records = [{name: json_cell(value) for name, value in zip(names, values)}
               for values in zip(*(columns[n] for n in names))]
    for record in records:
        if "event_type" in record:
            record["event_type_label"] = label("event_type", record["event_type"], lang)
    return records


def filter_summary(spec: FilterSpec, lang: str, dataset_names: dict[str, str] | None = None) -> str:
    """The active filters in words (also the subtitle of exported charts later).

    Datasets other than the bundled facts are named first: a chart must say whose data it shows.
    """
    if spec.is_empty:
        return translate("filters.none", lang)
    parts: list[str] = []
    if spec.datasets:
        names = dataset_names or {}
        parts.append(translate("filters.datasets", lang, names=" + ".join(
            translate("data.bundled_short", lang) if d == BUNDLED_DATASET else names.get(d, d)
            for d in spec.datasets)))
    if spec.date_from or spec.date_to:
        parts.append(f"{spec.date_from or '…'} – {spec.date_to or '…'}")
    for field, kind in (("event_types", "event_type"), ("routes", "route"), ("drugs", "drug"),
                        ("countries", "country")):
        values = getattr(spec, field)
        if values:
            parts.append(", ".join(label(kind, v, lang) for v in values))
    if spec.actors:
        parts.append(", ".join(label("actor_group", a, lang) for a in spec.actors))
    if spec.regions:
        parts.append(", ".join(spec.regions))
    if spec.kg_min is not None or spec.kg_max is not None:
        low = format_number(spec.kg_min, lang) if spec.kg_min is not None else "0"
        high = format_number(spec.kg_max, lang) if spec.kg_max is not None else "…"
        parts.append(f"{low}–{high} kg")
    if spec.text:
        parts.append(f"“{spec.text}”")
    if spec.bbox is not None:
        parts.append(translate("filters.spatial_box", lang))
    if spec.polygon is not None:
        parts.append(translate("filters.spatial_lasso", lang))
    return " · ".join(parts)
