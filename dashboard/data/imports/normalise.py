"""From reader candidates to rows of our schema: validate, geocode, identify, keep provenance.

The same for every format, so an ACLED row and a KML placemark are held to one standard: a row
is kept when it has a real date and a place we can put on the map; everything doubtful but
usable is kept with a warning; everything else is rejected with its row, field and reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..actors import group_actors
from ..countries import BORDER_TOLERANCE_DEG, CountryIndex
from ..schema import ALL_COLUMNS, DatePrecision, Drug, EventType, GeoPrecision, is_safe_url
from .base import Candidate, RowProblem
from .columnar import object_array

if TYPE_CHECKING:
    from .acled_stream import CandidateBlock
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


def _str(values: np.ndarray) -> pd.Series:
    """Python strings as pandas' text column (through Arrow: faster than pandas' own check)."""
    return pd.Series(pa.array(values, pa.string()), dtype="str")


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

    def run_blocks(self, blocks: Iterable[CandidateBlock]) -> NormalisedRows:
        """:meth:`run` for candidates that come as column blocks: the same rows, rejections and
        warnings (in the same order), each rule applied to a column or once per distinct value.

        Blocks are normalised as they come, so only one block of candidates is held at a time.
        """
        parts: list[pd.DataFrame] = []
        rejected: list[RowProblem] = []
        warnings: list[tuple[int, int, str, str]] = []  # row, rank within the row, field, reason
        for block in blocks:
            part = self._block(block, rejected, warnings)
            if len(part):
                parts.append(part)
        result = NormalisedRows(frame=pd.DataFrame(columns=list(ALL_COLUMNS)), rejected=rejected)
        if parts:
            frame = pd.concat(parts, ignore_index=True)
            self._mark_repeated_ids(frame, warnings)
            result.geocoded = int(frame["geocoded"].sum())
            result.frame = frame[list(ALL_COLUMNS)]
        warnings.sort(key=lambda warning: (warning[0], warning[1]))
        result.warnings = [RowProblem(row, field_name, reason) for row, _, field_name, reason in warnings]
        return result

    def _block(self, block: CandidateBlock, rejected: list[RowProblem],
               warnings: list[tuple[int, int, str, str]]) -> pd.DataFrame:
        """One block of candidates as rows of our schema (with their file line in ``row``)."""
        values, rows = block.columns, block.rows
        for name, allowed in (("date_precision", _VALUES_OF[DatePrecision]), ("event_type", _VALUES_OF[EventType]),
                              ("geo_precision", _VALUES_OF[GeoPrecision] | {""})):
            column = values[name] if isinstance(values[name], pa.Array) else pa.array(values[name], pa.string())
            found = set(pc.unique(column).to_pylist())
            if not found <= allowed:  # the streaming reader only writes members: a bug, not a bad file
                raise ValueError(f"unexpected {name} values {sorted(found - allowed)[:3]}")
        notes: dict[int, list[tuple[int, str, str]]] = {}  # warnings of the kept rows, by position

        def warn(positions: Iterable[int], rank: int, field_name: str, reasons: Iterable[str]) -> None:
            for position, reason in zip(positions, reasons):
                notes.setdefault(int(position), []).append((rank, field_name, reason))

        event_dates = values["event_date"]
        future = np.flatnonzero(values["event_day"] > np.datetime64(self.today))
        warn(future, 0, "event_date", (f"{event_dates[i]} is in the future" for i in future))
        country_of_row, declared = pd.factorize(values["country"])
        declared = [str(country or "").strip() for country in declared]
        resolved = [self.countries.resolve(text) if text else None for text in declared]
        countries = np.array([found or "" for found in resolved], dtype=object)[country_of_row]
        unknown = np.flatnonzero(np.array([bool(text) and found is None for text, found in zip(declared, resolved)],
                                          dtype=bool)[country_of_row])
        warn(unknown, 1, "country", (f"'{declared[country_of_row[i]][:40]}' is not a country we know; taken from the "
                                     "coordinates instead" for i in unknown))

        latitudes, longitudes = values["latitude"].copy(), values["longitude"].copy()
        geo_precision = np.array(values["geo_precision"], dtype=object)
        problems: dict[int, tuple[str, str]] = {}
        half = np.flatnonzero(np.isnan(latitudes) != np.isnan(longitudes))
        for i in half:
            missing = "longitude" if np.isnan(longitudes[i]) else "latitude"
            problems[int(i)] = (missing, f"{missing} is missing while the other coordinate is given")
        geocoded = np.isnan(latitudes) & np.isnan(longitudes)
        unplaced = np.flatnonzero(geocoded)
        locations = values["location"].take(pa.array(unplaced)).to_pylist()
        admin1 = values["admin1"].take(pa.array(unplaced)).to_pylist()
        places: dict[tuple[str, str, str], object] = {}
        for i, location, region in zip(unplaced, locations, admin1):
            key = (location, countries[i], region)
            if key not in places:
                try:
                    places[key] = self._geocode(*key)
                except _RowRejected as problem:
                    places[key] = (problem.field, problem.reason)
            found = places[key]
            if isinstance(found[1], str) and isinstance(found[0], str):
                problems[int(i)] = found
            else:
                (latitudes[i], longitudes[i]), geo_precision[i] = found
        geo_precision[geo_precision == ""] = DEFAULT_GEO_PRECISION
        geo_precision = pa.array(geo_precision.astype(str), pa.string())  # enum members as their text
        zero = np.flatnonzero((latitudes == 0) & (longitudes == 0))
        warn(zero, 2, "latitude", ["coordinates are 0,0 (often a missing value)"] * len(zero))
        unsourced = np.flatnonzero(pc.equal(values["source_name"], "").to_numpy(zero_copy_only=False))
        warn(unsourced, 3, "source_name", ["no source given"] * len(unsourced))

        kept = np.ones(len(rows), dtype=bool)
        for i, (field_name, reason) in sorted(problems.items()):
            rejected.append(RowProblem(int(rows[i]), field_name, reason))
            kept[i] = False
        keep = pa.array(kept)
        for i, found in notes.items():
            if kept[i]:
                warnings.extend((int(rows[i]), rank, field_name, reason) for rank, field_name, reason in found)
        rows, latitudes, longitudes = rows[kept], latitudes[kept], longitudes[kept]
        countries, geo_precision, geocoded = countries[kept], geo_precision.filter(keep), geocoded[kept]
        filled, country_warnings = self._country_warnings(longitudes, latitudes, countries,
                                                          geo_precision.to_numpy(zero_copy_only=False), rows)
        warnings.extend((problem.row, 5, problem.field, problem.reason) for problem in country_warnings)

        def text(name: str) -> pd.Series:
            return pd.Series(values[name].filter(keep), dtype="str")

        source_ids = values["source_event_id"].filter(keep)
        own_ids = pc.if_else(pc.equal(source_ids, ""), pc.binary_join_element_wise(
            "row", pc.cast(pa.array(rows), pa.string()), ""), source_ids)
        location = text("location")
        unnamed = np.flatnonzero((location == "").to_numpy())
        if unnamed.size:
            location.iloc[unnamed] = [f"{latitudes[i]:.3f}, {longitudes[i]:.3f}" for i in unnamed]
        actors = values["actors"][kept]
        actors_of_row, distinct_actors = pd.factorize(actors)
        blank = pd.Series(pa.array(np.full(len(rows), "", dtype=object), pa.string()), dtype="str")
        nothing = np.full(len(rows), math.nan)
        return pd.DataFrame({
            "row": rows,
            "event_id": pd.Series(pc.binary_join_element_wise(f"{self.dataset_id}:", own_ids, ""), dtype="str"),
            "event_date": values["event_date"][kept],
            "date_precision": _str(values["date_precision"][kept]),
            "event_type": pd.Series(values["event_type"].filter(keep), dtype="str"),
            "actors": actors,
            "actor_groups": object_array([group_actors(a) for a in distinct_actors])[actors_of_row],
            "country": _str(filled),
            "admin1": text("admin1"),
            "admin2": text("admin2"),
            "location": location,
            "latitude": latitudes,
            "longitude": longitudes,
            "geo_precision": pd.Series(geo_precision, dtype="str"),
            "fatalities": values["fatalities"][kept],
            "drug": blank,
            "quantity_kg": nothing,
            "origin": blank,
            "destination": blank,
            "route_id": blank,
            "summary": text("summary"),
            "source_name": text("source_name"),
            "source_url": blank,
            "dataset": pd.Series(pa.array([self.dataset_id]).take(np.zeros(len(rows), dtype=np.int64)), dtype="str"),
            "synthetic": np.zeros(len(rows), dtype=bool),
            "source_event_id": pd.Series(source_ids, dtype="str"),
            "original_type": pd.Series(values["original_type"].filter(keep), dtype="str"),
            "original_subtype": pd.Series(values["original_subtype"].filter(keep), dtype="str"),
            "date_end": np.full(len(rows), None, dtype=object),
            "fatalities_low": nothing,
            "fatalities_high": nothing,
            "geocoded": geocoded,
        })

    @staticmethod
    def _mark_repeated_ids(frame: pd.DataFrame, warnings: list[tuple[int, int, str, str]]) -> None:
        """A second row with an id already used keeps its row, with the id made unique and a warning."""
        if frame["event_id"].is_unique:
            return
        repeated = frame["event_id"].duplicated(keep="first").to_numpy()
        first_rows = frame.groupby("event_id", sort=False)["row"].transform("first").to_numpy()
        at = np.flatnonzero(repeated)
        ids = frame["event_id"].to_numpy(dtype=object)
        for i in at:
            row = int(frame["row"].iat[i])
            warnings.append((row, 4, "event_id", f"id '{frame['source_event_id'].iat[i]}' also on row "
                                                 f"{first_rows[i]}; both kept"))
            ids[i] = f"{ids[i]}~{row}"
        frame["event_id"] = pd.Series(ids, dtype="str")

    def _check_countries(self, records: list[dict[str, object]], rows: list[int]) -> list[RowProblem]:
        """Fill missing countries from the coordinates and warn where a point is at sea or lies
        off its declared country (see :meth:`_country_warnings`)."""
        if not records:
            return []
        countries, warnings = self._country_warnings(
            [r["longitude"] for r in records], [r["latitude"] for r in records],
            [r["country"] for r in records], [r["geo_precision"] for r in records], rows)
        for record, country in zip(records, countries):
            record["country"] = country
        return warnings

    def _country_warnings(self, longitudes: Sequence[float], latitudes: Sequence[float], declared: Sequence[object],
                          geo_precisions: Sequence[object], rows: Sequence[int]) -> tuple[np.ndarray, list[RowProblem]]:
        """Countries (the declared one, else the one at the point) and warnings where a point is
        at sea or lies off its declared country — vectorised spatial queries over all rows.

        A point counts as in a country inside its outline or within ``BORDER_TOLERANCE_DEG`` of
        it (borders, coasts, ports); a country is filled from the coordinates only where the row
        declares none, and "at sea" means farther than the tolerance from any land.
        """
        longitudes, latitudes = np.asarray(longitudes, dtype=float), np.asarray(latitudes, dtype=float)
        declared = np.asarray(declared, dtype=object)  # "" where none is declared
        # one spatial query per distinct point: exports repeat a town's coordinates on many rows
        point_of_row, distinct = pd.factorize(longitudes + 1j * latitudes)
        located = np.array(self.countries.locate(distinct.real, distinct.imag, BORDER_TOLERANCE_DEG)
                           + [""], dtype=object)[point_of_row]
        # only a declared country the point is not located in needs the distance check
        off = np.flatnonzero((declared != "") & (declared != located))
        near_declared = np.ones(len(located), dtype=bool)
        near_declared[off] = self.countries.near([str(country) for country in declared[off]], longitudes[off],
                                                 latitudes[off], BORDER_TOLERANCE_DEG)
        warnings = []
        for i in np.flatnonzero((located == "") | ~near_declared):
            latitude, longitude, country, found = float(latitudes[i]), float(longitudes[i]), declared[i], located[i]
            if not found and geo_precisions[i] != GeoPrecision.COUNTRY:
                where = f" in {country}" if country else ""
                warnings.append(RowProblem(rows[i], "latitude", f"{latitude:g},{longitude:g} is not on land{where} "
                                                                f"(at sea, over {BORDER_TOLERANCE_DEG:g}° off any coast)"
                                                                f"{self._swap_hint(latitude, longitude, country)}"))
            elif found and country and not near_declared[i]:
                warnings.append(RowProblem(rows[i], "latitude", f"{latitude:g},{longitude:g} lies in {found}, "
                                                                f"not in {country}"
                                                                f"{self._swap_hint(latitude, longitude, country)}"))
        return np.where(declared != "", declared, located), warnings

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
