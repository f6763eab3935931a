"""The bundled data in ``geodata/``: load, validate, and fail loudly with file/line/field.

Called once at start-up. Any problem raises :class:`DataFileError`, which ``app.py`` turns into
a short message and a non-zero exit instead of serving a half-loaded dashboard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .reported_figures import ReportedFigures, load_reported_figures
from .schema import (
    EVENT_COLUMNS,
    OPTIONAL_EVENT_COLUMNS,
    DataFileError,
    FieldProblem,
    check_date_end,
    check_event_row,
    is_safe_url,
    read_csv_rows,
)

GEODATA_DIR = Path(__file__).resolve().parents[2] / "geodata"
ROUTE_MODES = ("air", "road", "river", "sea")
ROUTE_EVIDENCE = ("documented", "inferred")


@dataclass(frozen=True)
class BundledData:
    """Validated bundled layers; ``events`` is one row per event in the canonical schema."""

    events: pd.DataFrame
    routes: dict
    regions: dict
    # Every figure reported for the contested events, the corrections made and the weak links.
    reported: ReportedFigures = ReportedFigures()


def load_events_csv(path: Path) -> pd.DataFrame:
    """Read and validate an events CSV in our schema; raise DataFileError naming every bad row."""
    problems: list[FieldProblem] = []
    records: list[dict[str, object]] = []
    for line, row in read_csv_rows(path, EVENT_COLUMNS):
        record, row_problems = check_event_row(row, line)
        date_end, end_problems = check_date_end(row.get("date_end"), (record or {}).get("event_date"), line)
        problems.extend(row_problems + end_problems)
        if record is not None:
            records.append({**record, "date_end": date_end})
    seen: dict[str, int] = {}
    for line, record in enumerate(records, start=2):
        if record["event_id"] in seen:
            problems.append(FieldProblem(line, "event_id", f"duplicate of line {seen[record['event_id']]}"))
        seen.setdefault(str(record["event_id"]), line)
    if problems:
        raise DataFileError(path.name, problems)
    return pd.DataFrame.from_records(records, columns=list(EVENT_COLUMNS + OPTIONAL_EVENT_COLUMNS))


def _read_geojson(path: Path) -> dict:
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataFileError(path.name, [FieldProblem(0, "-", f"cannot read GeoJSON: {error}")]) from error
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise DataFileError(path.name, [FieldProblem(0, "type", "not a GeoJSON FeatureCollection")])
    return collection


def _check_lonlat(coords: list, feature_no: int, problems: list[FieldProblem]) -> None:
    for position in coords:
        try:
            lon, lat = float(position[0]), float(position[1])
        except (TypeError, ValueError, IndexError):
            problems.append(FieldProblem(feature_no, "geometry", f"{position!r} is not a lon,lat pair"))
            return
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(FieldProblem(feature_no, "geometry", f"coordinate {lon},{lat} out of range"))
            return


def _features(collection: dict, problems: list[FieldProblem]):
    """Yield (feature number, feature, properties) for each Feature; note non-objects as problems."""
    for number, feature in enumerate(collection["features"], start=1):
        if not isinstance(feature, dict):
            problems.append(FieldProblem(number, "feature", "not a GeoJSON Feature object"))
            continue
        yield number, feature, feature.get("properties") or {}


def load_routes(path: Path) -> dict:
    """Read routes.geojson; every leg needs a mode, an evidence level and http(s) sources."""
    collection = _read_geojson(path)
    problems: list[FieldProblem] = []
    for number, feature, props in _features(collection, problems):
        geometry = feature.get("geometry") or {}
        if props.get("mode") not in ROUTE_MODES:
            problems.append(FieldProblem(number, "mode", f"must be one of {', '.join(ROUTE_MODES)}"))
        if props.get("evidence") not in ROUTE_EVIDENCE:
            problems.append(FieldProblem(number, "evidence", "must be documented or inferred"))
        if not props.get("route_id"):
            problems.append(FieldProblem(number, "route_id", "must not be empty"))
        urls = props.get("source_urls") or []
        if not urls or not all(is_safe_url(u) for u in urls):
            problems.append(FieldProblem(number, "source_urls", "needs at least one http(s) URL"))
        leg_sources = props.get("leg_sources") or []
        if not isinstance(leg_sources, list) or not all(
                isinstance(s, dict) and is_safe_url(s.get("url")) for s in leg_sources):
            problems.append(FieldProblem(number, "leg_sources", "each needs an http(s) url"))
        elif props.get("evidence") == "documented" and not leg_sources:
            problems.append(FieldProblem(number, "leg_sources", "a documented leg needs its own sources"))
        if geometry.get("type") != "LineString" or len(geometry.get("coordinates") or []) < 2:
            problems.append(FieldProblem(number, "geometry", "must be a LineString of 2+ points"))
        else:
            _check_lonlat(geometry["coordinates"], number, problems)
    if problems:
        raise DataFileError(path.name, problems, row_label="feature")
    return collection


def load_regions(path: Path) -> dict:
    """Read regions.geojson (VRAEM area, departments, Callao) and check the fields we draw."""
    collection = _read_geojson(path)
    problems: list[FieldProblem] = []
    for number, feature, props in _features(collection, problems):
        for key in ("region_id", "name", "kind"):
            if not props.get(key):
                problems.append(FieldProblem(number, key, "must not be empty"))
        if (feature.get("geometry") or {}).get("type") not in ("Polygon", "MultiPolygon"):
            problems.append(FieldProblem(number, "geometry", "must be a Polygon or MultiPolygon"))
    if problems:
        raise DataFileError(path.name, problems, row_label="feature")
    return collection


def load_bundled_data(directory: Path = GEODATA_DIR) -> BundledData:
    """Load and validate every bundled layer."""
    events = load_events_csv(directory / "events.csv")
    return BundledData(
        events=events,
        routes=load_routes(directory / "routes.geojson"),
        regions=load_regions(directory / "regions.geojson"),
        reported=load_reported_figures(directory / "figures.csv", directory / "event_notes.csv",
                                       events["event_id"]),
    )
