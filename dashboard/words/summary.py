"""The active filters in words: the one summary the app, exports, stories and the presenter share."""

from __future__ import annotations

from dashboard.data.facets import FACETS
from dashboard.data.filters import FilterSpec
from dashboard.data.schema import BUNDLED_DATASET
from dashboard.i18n import format_number, label, translate, translate_count

# Datasets are named first, on their own (a chart must say whose data it shows).
SUMMARY_FACETS = tuple(facet for facet in FACETS if facet.name != "datasets")


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
    for facet in SUMMARY_FACETS:
        values = getattr(spec, facet.name)
        if values:
            parts.append(", ".join(label(facet.label_kind, v, lang) if facet.label_kind else v for v in values))
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


def count_rule_note(rule: str, contested_events: int, lang: str) -> str:
    """How deaths and kg are counted where sources disagree, for the count line.

    "deaths and kg: latest official figures; 2 events have other reports". The number of
    contested events is left out when the filter holds none.
    """
    text = translate("count_rule.note", lang, rule=translate(f"count_rule.{rule}", lang))
    if contested_events:
        text = f"{text}; {translate_count('count_rule.contested', contested_events, lang)}"
    return text
