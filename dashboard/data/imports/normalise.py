"""From reader candidates to rows of our schema: validate, geocode, identify, keep provenance.

The same for every format, so an ACLED row and a KML placemark are held to one standard: a row
is kept when it has a real date and a place we can put on the map; everything doubtful but
usable is kept with a warning; everything else is rejected with its row, field and reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from ..actors import group_actors
from ..countries import BORDER_TOLERANCE_DEG, CountryIndex
from ..schema import ALL_COLUMNS, DatePrecision, Drug, EventType, GeoPrecision, is_safe_url
from .base import Candidate, RowProblem

if TYPE_CHECKING:
    from .geocode import Gazetteer

TEXT_FIELDS = ("admin1", "admin2", "location", "summary", "source_name", "original_type",
               "original_subtype")
GEOCODED_PRECISION = {"port": GeoPrecision.TOWN, "town": GeoPrecision.TOWN, "city": GeoPrecision.TOWN}
# Without a stated precision a coordinate is taken to place the event in or near a town:
# finer than that would claim more than the source does.
DEFAULT_GEO_PRECISION = GeoPrecision.TOWN


@dataclass
class NormalisedRows:
    frame: pd.DataFrame
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    geocoded: int = 0


class _RowRejected(Exception):  # noqa: N818 - control flow inside the normaliser
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


_VALUES_OF = {enum: frozenset(m.value for m in enum) for enum in (DatePrecision, Drug, EventType, GeoPrecision)}


def _member(value: object, enum: type, field_name: str, default: object) -> str:
    text = str(value or "").strip()
    if not text:
        return str(default)
    if text not in _VALUES_OF[enum]:
        raise _RowRejected(field_name, f"'{text[:40]}' is not one of {', '.join(m.value for m in enum)}")
    return text


def _number(values: dict, name: str) -> float:
    value = values.get(name)
    if value is None or value == "":
        return math.nan
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise _RowRejected(name, f"{value} must be a finite number ≥ 0")
    return value


def _coordinates(values: dict) -> tuple[float, float] | None:
    latitude, longitude = values.get("latitude"), values.get("longitude")
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        missing = "longitude" if longitude is None else "latitude"
        raise _RowRejected(missing, f"{missing} is missing while the other coordinate is given")
    latitude, longitude = float(latitude), float(longitude)
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise _RowRejected("latitude", "coordinates must be finite numbers")
    if not -90 <= latitude <= 90:
        hint = " — are latitude and longitude swapped?" if -90 <= longitude <= 90 else ""
        raise _RowRejected("latitude", f"{latitude:g} is outside -90..90{hint}")
    if not -180 <= longitude <= 180:
        raise _RowRejected("longitude", f"{longitude:g} is outside -180..180")
    return latitude, longitude


class Normaliser:
    """Turns candidates into canonical rows for one dataset.

    Parameters
    ----------
    dataset_id
        Written to every row's ``dataset`` column and used as the event-id prefix.
    gazetteer, countries
        Offline place names and country outlines.
    today
        Dates after it are kept with a warning.
    """

    def __init__(self, dataset_id: str, gazetteer: Gazetteer, countries: CountryIndex, today: date) -> None:
        self.dataset_id = dataset_id
        self.gazetteer = gazetteer
        self.countries = countries
        self.today = today

    def run(self, candidates: list[Candidate]) -> NormalisedRows:
        result = NormalisedRows(frame=pd.DataFrame(columns=list(ALL_COLUMNS)))
        records: list[dict[str, object]] = []
        rows: list[int] = []
        rows_of_id: dict[str, int] = {}
        for candidate in candidates:
            warnings: list[RowProblem] = []
            try:
                record = self._row(candidate, warnings)
            except _RowRejected as problem:
                result.rejected.append(RowProblem(candidate.row, problem.field, problem.reason))
                continue
            first_row = rows_of_id.setdefault(str(record["event_id"]), candidate.row)
            if first_row != candidate.row:
                warnings.append(RowProblem(candidate.row, "event_id",
                                           f"id '{record['source_event_id']}' also on row {first_row}; "
                                           "both kept"))
                record["event_id"] = f"{record['event_id']}~{candidate.row}"
            result.geocoded += bool(record["geocoded"])
            result.warnings.extend(warnings)
            records.append(record)
            rows.append(candidate.row)
        result.warnings.extend(self._check_countries(records, rows))
        result.warnings.sort(key=lambda problem: problem.row)
        if records:
            result.frame = pd.DataFrame.from_records(records, columns=list(ALL_COLUMNS))
        return result

    def _check_countries(self, records: list[dict[str, object]], rows: list[int]) -> list[RowProblem]:
        """Fill missing countries from the coordinates and warn where a point is at sea or lies
        off its declared country — vectorised spatial queries over all rows, not one per row.

        A point counts as in a country inside its outline or within ``BORDER_TOLERANCE_DEG`` of
        it (borders, coasts, ports); a country is filled from the coordinates only where the row
        declares none, and "at sea" means farther than the tolerance from any land.
        """
        if not records:
            return []
        longitudes = [r["longitude"] for r in records]
        latitudes = [r["latitude"] for r in records]
        located = self.countries.locate(longitudes, latitudes, BORDER_TOLERANCE_DEG)
        # only a declared country the point is not located in needs the distance check
        off = [i for i, (r, found) in enumerate(zip(records, located)) if r["country"] and r["country"] != found]
        near_declared = [True] * len(records)
        for i, near in zip(off, self.countries.near([str(records[i]["country"]) for i in off],
                                                    [longitudes[i] for i in off], [latitudes[i] for i in off],
                                                    BORDER_TOLERANCE_DEG)):
            near_declared[i] = near
        warnings = []
        for record, row, found, near in zip(records, rows, located, near_declared):
            latitude, longitude, country = record["latitude"], record["longitude"], record["country"]
            if not found and record["geo_precision"] != GeoPrecision.COUNTRY:
                where = f" in {country}" if country else ""
                warnings.append(RowProblem(row, "latitude", f"{latitude:g},{longitude:g} is not on land{where} "
                                                            f"(at sea, over {BORDER_TOLERANCE_DEG:g}° off any coast)"
                                                            f"{self._swap_hint(latitude, longitude, country)}"))
            elif found and country and not near:
                warnings.append(RowProblem(row, "latitude", f"{latitude:g},{longitude:g} lies in {found}, "
                                                            f"not in {country}"
                                                            f"{self._swap_hint(latitude, longitude, country)}"))
            if not country:
                record["country"] = found
        return warnings

    def _swap_hint(self, latitude: float, longitude: float, declared: object = "") -> str:
        """A hint when exchanging latitude and longitude would put the point where it belongs:
        in (or within the tolerance of) the declared country, or, with none declared, on land."""
        if not -90 <= longitude <= 90:
            return ""
        if declared:
            fits = self.countries.near([str(declared)], [latitude], [longitude], BORDER_TOLERANCE_DEG)[0]
            swapped = str(declared) if fits and str(declared) in self.countries.codes else ""
        else:
            swapped = self.countries.locate([latitude], [longitude], tolerance=0.0)[0]
        return f" — with latitude and longitude swapped it would be in {swapped}" if swapped else ""

    def _row(self, candidate: Candidate, warnings: list[RowProblem]) -> dict[str, object]:
        values = candidate.values
        row = candidate.row
        event_date = values.get("event_date")
        if not isinstance(event_date, date):
            raise _RowRejected("event_date", "no date")
        if event_date > self.today:
            warnings.append(RowProblem(row, "event_date", f"{event_date} is in the future"))
        date_end = values.get("date_end")
        if isinstance(date_end, date) and date_end < event_date:
            raise _RowRejected("date_end", f"{date_end} is before the start date {event_date}")
        date_precision = _member(values.get("date_precision"), DatePrecision, "date_precision",
                                 DatePrecision.DAY)
        event_type = _member(values.get("event_type"), EventType, "event_type", EventType.OTHER)
        drug = _member(values.get("drug"), Drug, "drug", "")
        geo_precision = _member(values.get("geo_precision"), GeoPrecision, "geo_precision", "")

        text = {name: str(values.get(name) or "").strip() for name in TEXT_FIELDS}
        declared = str(values.get("country") or "").strip()
        country = self.countries.resolve(declared) if declared else None
        if declared and country is None:
            warnings.append(RowProblem(row, "country", f"'{declared[:40]}' is not a country we know; "
                                                       "taken from the coordinates instead"))

        geocoded = False
        position = _coordinates(values)
        if position is None:
            position, geo_precision = self._geocode(text["location"], country or "", text["admin1"])
            geocoded = True
        latitude, longitude = position
        if not geo_precision:
            geo_precision = DEFAULT_GEO_PRECISION
        if latitude == 0 and longitude == 0:
            warnings.append(RowProblem(row, "latitude", "coordinates are 0,0 (often a missing value)"))

        source_url = str(values.get("source_url") or "").strip()
        if source_url and not is_safe_url(source_url):
            warnings.append(RowProblem(row, "source_url", "not an http(s) link; left out"))
            source_url = ""
        if not source_url and not text["source_name"]:
            warnings.append(RowProblem(row, "source_name", "no source given"))

        actors = tuple(str(a).strip() for a in values.get("actors") or () if str(a).strip())
        source_id = str(values.get("source_event_id") or "").strip()
        return {
            "event_id": f"{self.dataset_id}:{source_id or f'row{row}'}",
            "event_date": event_date,
            "date_precision": date_precision,
            "event_type": event_type,
            "actors": actors,
            "actor_groups": group_actors(actors),
            "country": country or "",  # filled from the coordinates in _check_countries
            "admin1": text["admin1"],
            "admin2": text["admin2"],
            "location": text["location"] or f"{latitude:.3f}, {longitude:.3f}",
            "latitude": latitude,
            "longitude": longitude,
            "geo_precision": geo_precision,
            "fatalities": _number(values, "fatalities"),
            "drug": drug,
            "quantity_kg": _number(values, "quantity_kg"),
            "origin": "",
            "destination": "",
            "route_id": "",
            "summary": text["summary"],
            "source_name": text["source_name"],
            "source_url": source_url,
            "dataset": self.dataset_id,
            "synthetic": values.get("synthetic") is True,  # only a file's own yes marks a row
            "source_event_id": source_id,
            "original_type": text["original_type"],
            "original_subtype": text["original_subtype"],
            "date_end": date_end if isinstance(date_end, date) else None,
            "fatalities_low": _number(values, "fatalities_low"),
            "fatalities_high": _number(values, "fatalities_high"),
            "geocoded": geocoded,
        }

    def _geocode(self, location: str, country: str, admin1: str) -> tuple[tuple[float, float], str]:
        if not location:
            raise _RowRejected("location", "no coordinates and no place name to geocode")
        found = self.gazetteer.lookup(location, country=country, admin1=admin1)
        if found.ambiguous:
            raise _RowRejected("location", f"'{location[:60]}' is ambiguous; it could be "
                                           f"{found.describe_candidates()} — add latitude/longitude "
                                           "or a country/admin1 column")
        if found.place is None:
            raise _RowRejected("location", f"no coordinates, and '{location[:60]}' is not in the "
                                           "offline gazetteer")
        place = found.place
        precision = GEOCODED_PRECISION.get(place.kind, GeoPrecision.DISTRICT)
        return (place.latitude, place.longitude), precision
