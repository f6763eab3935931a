"""Synthetic events for load tests: millions of plausible, clearly labelled, reproducible rows.

The rows cluster where the real trade happens (the VRAEM, the port of Callao, the air bridge
from the VRAEM to Bolivia's Beni and Santa Cruz, the European and US entry ports), with event
types, actors, drugs and quantities that fit each place, and more events in recent years. Every
row says what it is three times over: ``synthetic`` is True, the summary starts with
``SYNTHETIC —`` and the source is the generator, with no link, so a synthetic row can never
pass for a report.

Everything is drawn with numpy from one seeded generator, group by group (hotspot, then event
type), so a million rows take seconds and the same ``n`` and ``seed`` give the same frame. More
than :data:`CHUNK_ROWS` rows are drawn a chunk at a time (each chunk with its own generator), and
text is built from its distinct values, so ten million rows never hold ten million Python strings.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from .actors import group_actors
from .schema import ALL_COLUMNS, LIST_SEPARATOR, DatePrecision, Drug, EventType, GeoPrecision

DEFAULT_SEED = 20260101
SYNTHETIC_DATASET = "synthetic"
SOURCE_NAME = "Rutas synthetic generator"
SUMMARY_PREFIX = "SYNTHETIC — "
FIRST_DAY = np.datetime64("2000-01-01", "D")
LAST_DAY = np.datetime64("2025-12-31", "D")
MIN_SUMMARY_CHARS = 24  # cut summaries still keep "SYNTHETIC — <one word>"
MAX_SUMMARY_CHARS = 400
CHUNK_ROWS = 1_000_000  # rows drawn at a time; the first chunk is what one draw always gave
# Columns of the CSV :func:`write_synthetic_csv` writes: names the generic CSV reader knows
# (``event_id`` arrives as the source's id); actor groups, routes and the dataset are set on import.
CSV_COLUMNS = ("event_id", "event_date", "date_precision", "event_type", "actors", "country", "admin1",
               "admin2", "location", "latitude", "longitude", "geo_precision", "fatalities", "drug",
               "quantity_kg", "summary", "source_name", "source_url", "synthetic")

_T = EventType
VIOLENT_TYPES = (_T.ATTACK_ON_SECURITY_FORCES, _T.ARMED_CLASH, _T.ATTACK_ON_CIVILIANS)
DATE_PRECISION_MIX = {DatePrecision.DAY: 0.78, DatePrecision.MONTH: 0.16, DatePrecision.YEAR: 0.06}
# Standard deviation (degrees) of a point around its place: coarser placement, wider scatter.
JITTER_DEG = {GeoPrecision.EXACT: 0.004, GeoPrecision.TOWN: 0.015, GeoPrecision.DISTRICT: 0.05,
              GeoPrecision.PROVINCE: 0.12, GeoPrecision.REGION: 0.25, GeoPrecision.COUNTRY: 0.25}


@dataclass(frozen=True)
class Place:
    """A named point events are scattered around."""

    name: str
    country: str
    admin1: str
    admin2: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Hotspot:
    """One cluster of events and what happens there.

    ``bbox`` is (south, north, west, east); every point of the hotspot lies inside it.
    ``corridor`` (air bridge only) is the share of aircraft interdictions placed in flight, on
    the line from ``corridor_start`` to one of the places, rather than around a place.
    """

    key: str
    label: str
    weight: float
    places: tuple[Place, ...]
    bbox: tuple[float, float, float, float]
    types: Mapping[EventType, float]
    actors: Mapping[EventType, tuple[tuple[str, ...], ...]]
    geo_precision: Mapping[GeoPrecision, float]
    drugs: Mapping[Drug, float]
    kg_median: float
    kg_sigma: float
    growth: float  # yearly growth rate of the event count (0.05 = 5 % more events each year)
    corridor: float = 0.0
    corridor_start: tuple[float, float] = (0.0, 0.0)

    def contains(self, latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
        south, north, west, east = self.bbox
        return (latitude >= south) & (latitude <= north) & (longitude >= west) & (longitude <= east)


_POLICE = "National Police of Peru"
_DIRANDRO = "National Police of Peru (DIRANDRO)"
_SP = "Shining Path (MPCP)"
_COURIERS = "mochileros (backpack couriers)"
_NETWORK = "drug trafficking network"

VRAEM = Hotspot(
    key="vraem", label="VRAEM, Peru", weight=0.38,
    places=(
        Place("Pichari", "PER", "Cusco", "La Convención", -12.517, -73.833),
        Place("Kimbiri", "PER", "Cusco", "La Convención", -12.617, -73.783),
        Place("Llochegua", "PER", "Ayacucho", "Huanta", -12.410, -73.907),
        Place("Santa Rosa", "PER", "Ayacucho", "La Mar", -12.683, -73.717),
        Place("Palmapampa", "PER", "Ayacucho", "La Mar", -12.633, -73.667),
        Place("Sivia", "PER", "Ayacucho", "Huanta", -12.511, -73.861),
        Place("Vizcatán del Ene", "PER", "Junín", "Satipo", -12.217, -74.033),
        Place("Mazamari", "PER", "Junín", "Satipo", -11.327, -74.532),
        Place("Pangoa", "PER", "Junín", "Satipo", -11.427, -74.487),
        Place("Río Tambo", "PER", "Junín", "Satipo", -11.150, -74.250),
        Place("Putis", "PER", "Ayacucho", "Huanta", -12.683, -74.100),
        Place("Anco", "PER", "Ayacucho", "La Mar", -12.967, -73.850),
    ),
    bbox=(-13.9, -10.5, -75.4, -73.0),
    types={_T.DRUG_SEIZURE: 0.22, _T.LAB_DESTROYED: 0.16, _T.ARREST: 0.14, _T.COCA_ERADICATION: 0.10,
           _T.ATTACK_ON_SECURITY_FORCES: 0.12, _T.ARMED_CLASH: 0.10, _T.ATTACK_ON_CIVILIANS: 0.04,
           _T.STATE_OF_EMERGENCY: 0.02, _T.OTHER: 0.10},
    actors={
        _T.DRUG_SEIZURE: ((_DIRANDRO,), (_DIRANDRO, _COURIERS), ("Peruvian Army",), (_POLICE, _NETWORK)),
        _T.LAB_DESTROYED: ((_DIRANDRO,), ("Peruvian Armed Forces (CE-VRAEM)", _POLICE), (_DIRANDRO, _NETWORK)),
        _T.ARREST: ((_DIRANDRO, _COURIERS), (_POLICE, _NETWORK), ("Public Ministry", _POLICE)),
        _T.COCA_ERADICATION: (("CORAH (Ministry of the Interior)",),
                              ("CORAH (Ministry of the Interior)", _POLICE)),
        _T.ATTACK_ON_SECURITY_FORCES: ((_SP, "Peruvian Army"), (_SP, _POLICE),
                                       ("Shining Path (MPCP) column", "Peruvian Armed Forces (CE-VRAEM)")),
        _T.ARMED_CLASH: (("Peruvian Army", _SP), ("Comando Especial VRAEM", _SP), (_DIRANDRO, _NETWORK)),
        _T.ATTACK_ON_CIVILIANS: ((_SP,), (_SP, "coca growers")),
        _T.STATE_OF_EMERGENCY: (("Government of Peru",), ("Government of Peru", "Peruvian Armed Forces")),
        _T.OTHER: (("Peruvian Armed Forces",), ("Government of Peru",), ("coca growers",)),
    },
    geo_precision={GeoPrecision.EXACT: 0.10, GeoPrecision.TOWN: 0.35, GeoPrecision.DISTRICT: 0.33,
                   GeoPrecision.PROVINCE: 0.14, GeoPrecision.REGION: 0.08},
    drugs={Drug.COCAINE_BASE: 0.50, Drug.COCAINE: 0.30, Drug.COCA_LEAF: 0.15, Drug.MARIJUANA: 0.05},
    kg_median=40.0, kg_sigma=1.3, growth=0.04,
)

_FELCN = "Bolivian anti-narcotics force (FELCN)"
AIR_BRIDGE = Hotspot(
    key="air_bridge", label="air bridge VRAEM–Bolivia", weight=0.17,
    places=(
        Place("Echarati airstrips", "PER", "Cusco", "La Convención", -12.400, -72.600),
        Place("Pilcopata", "PER", "Cusco", "Paucartambo", -12.910, -71.410),
        Place("Mazuko", "PER", "Madre de Dios", "Tambopata", -13.100, -70.380),
        Place("Ixiamas", "BOL", "La Paz", "Abel Iturralde", -13.760, -68.140),
        Place("Rurrenabaque", "BOL", "Beni", "José Ballivián", -14.440, -67.530),
        Place("San Borja", "BOL", "Beni", "José Ballivián", -14.820, -66.750),
        Place("Santa Ana del Yacuma", "BOL", "Beni", "Yacuma", -13.740, -65.430),
        Place("San Joaquín", "BOL", "Beni", "Mamoré", -13.050, -64.660),
        Place("Trinidad", "BOL", "Beni", "Cercado", -14.830, -64.900),
        Place("Ascensión de Guarayos", "BOL", "Santa Cruz", "Guarayos", -15.890, -63.190),
        Place("Concepción", "BOL", "Santa Cruz", "Ñuflo de Chávez", -16.130, -62.030),
        Place("Santa Cruz de la Sierra", "BOL", "Santa Cruz", "Andrés Ibáñez", -17.780, -63.180),
    ),
    bbox=(-18.6, -11.5, -73.0, -61.0),
    types={_T.AIRSTRIP_DESTROYED: 0.30, _T.AIRCRAFT_INTERDICTION: 0.28, _T.DRUG_SEIZURE: 0.18,
           _T.ARREST: 0.12, _T.LAB_DESTROYED: 0.07, _T.OTHER: 0.05},
    actors={
        _T.AIRSTRIP_DESTROYED: ((_FELCN,), ("Peruvian Armed Forces", _DIRANDRO), ("Bolivian Army", _FELCN)),
        _T.AIRCRAFT_INTERDICTION: (("Peruvian Air Force", "Bolivian pilots"), (_FELCN, "Bolivian pilots"),
                                   ("Bolivian Air Force", "crews of unregistered aircraft"),
                                   (_FELCN, "Brazilian Federal Police")),
        _T.DRUG_SEIZURE: ((_FELCN,), (_FELCN, "Bolivian pilots"), (_DIRANDRO,)),
        _T.ARREST: ((_FELCN, "Bolivian pilots"), (_FELCN, _NETWORK), (_DIRANDRO, "Bolivian pilots")),
        _T.LAB_DESTROYED: ((_FELCN,), (_FELCN, _NETWORK)),
        _T.OTHER: (("Bolivian government",), (_FELCN,), ("DEA",)),
    },
    geo_precision={GeoPrecision.EXACT: 0.20, GeoPrecision.TOWN: 0.20, GeoPrecision.DISTRICT: 0.30,
                   GeoPrecision.PROVINCE: 0.20, GeoPrecision.REGION: 0.10},
    drugs={Drug.COCAINE_BASE: 0.55, Drug.COCAINE: 0.45},
    kg_median=350.0, kg_sigma=0.5, growth=0.07,
    corridor=0.6, corridor_start=(-12.5, -73.0),
)

PORT_GEO = {GeoPrecision.EXACT: 0.30, GeoPrecision.TOWN: 0.55, GeoPrecision.DISTRICT: 0.15}
CALLAO = Hotspot(
    key="callao", label="port of Callao, Peru", weight=0.15,
    places=(
        Place("Port of Callao", "PER", "Callao", "Callao", -12.050, -77.150),
        Place("Jorge Chávez International Airport", "PER", "Callao", "Callao", -12.022, -77.114),
        Place("Ventanilla", "PER", "Callao", "Ventanilla", -11.875, -77.130),
    ),
    bbox=(-12.6, -11.5, -77.7, -76.6),
    types={_T.DRUG_SEIZURE: 0.70, _T.ARREST: 0.22, _T.OTHER: 0.08},
    actors={
        _T.DRUG_SEIZURE: ((_DIRANDRO,), (_DIRANDRO, "SUNAT customs"), ("Peruvian Navy",),
                          (_DIRANDRO, "exporter front company")),
        _T.ARREST: ((_DIRANDRO, _NETWORK), (_POLICE, "airport couriers (suspects)")),
        _T.OTHER: (("SUNAT customs",), ("Public Ministry",)),
    },
    geo_precision=PORT_GEO,
    drugs={Drug.COCAINE: 0.95, Drug.MARIJUANA: 0.03, Drug.OTHER: 0.02},
    kg_median=500.0, kg_sigma=1.2, growth=0.08,
)


def _port(key: str, label: str, weight: float, place: Place, authorities: tuple[tuple[str, ...], ...],
          kg_median: float, growth: float) -> Hotspot:
    """A European or US entry port: container seizures and arrests around one place."""
    return Hotspot(
        key=key, label=label, weight=weight, places=(place,),
        bbox=(place.latitude - 1.0, place.latitude + 1.0, place.longitude - 1.0, place.longitude + 1.0),
        types={_T.DRUG_SEIZURE: 0.76, _T.ARREST: 0.20, _T.OTHER: 0.04},
        actors={
            _T.DRUG_SEIZURE: authorities + tuple(a + (_NETWORK,) for a in authorities),
            _T.ARREST: tuple(a + ("port workers (suspects)",) for a in authorities),
            _T.OTHER: authorities,
        },
        geo_precision=PORT_GEO,
        drugs={Drug.COCAINE: 0.95, Drug.MARIJUANA: 0.03, Drug.OTHER: 0.02},
        kg_median=kg_median, kg_sigma=1.3, growth=growth,
    )


PORTS = (
    _port("antwerp", "port of Antwerp", 0.06, Place("Port of Antwerp", "BEL", "Flanders", "Antwerp",
                                                    51.280, 4.330),
          (("Belgian Customs",), ("Belgian Federal Police",)), 900.0, 0.12),
    _port("rotterdam", "port of Rotterdam", 0.05, Place("Port of Rotterdam", "NLD", "South Holland",
                                                        "Rotterdam", 51.930, 4.300),
          (("Dutch Customs (Douane)",), ("Dutch police (HARC team)",)), 800.0, 0.11),
    _port("hamburg", "port of Hamburg", 0.03, Place("Port of Hamburg", "DEU", "Hamburg", "Hamburg",
                                                    53.530, 9.930),
          (("German Customs (Zoll)",),), 700.0, 0.11),
    _port("algeciras", "port of Algeciras", 0.03, Place("Port of Algeciras", "ESP", "Andalusia", "Cádiz",
                                                        36.130, -5.440),
          (("Guardia Civil",), ("Spanish National Police",)), 600.0, 0.09),
    _port("valencia", "port of Valencia", 0.02, Place("Port of Valencia", "ESP", "Valencian Community",
                                                      "Valencia", 39.440, -0.320),
          (("Guardia Civil",), ("Spanish Tax Agency (Agencia Tributaria)",)), 500.0, 0.09),
    _port("miami", "PortMiami", 0.04, Place("PortMiami", "USA", "Florida", "Miami-Dade", 25.775, -80.170),
          (("US Customs and Border Protection",), ("DEA",), ("US Coast Guard",)), 150.0, 0.03),
    _port("houston", "port of Houston", 0.025, Place("Port of Houston", "USA", "Texas", "Harris",
                                                     29.730, -95.270),
          (("US Customs and Border Protection",), ("DEA",)), 120.0, 0.03),
    _port("los_angeles", "ports of Los Angeles and Long Beach", 0.025,
          Place("Port of Los Angeles / Long Beach", "USA", "California", "Los Angeles", 33.750, -118.220),
          (("US Customs and Border Protection",), ("Homeland Security Investigations",)), 140.0, 0.03),
    _port("philadelphia", "port of Philadelphia", 0.01, Place("Port of Philadelphia", "USA", "Pennsylvania",
                                                              "Philadelphia", 39.900, -75.140),
          (("US Customs and Border Protection",), ("Homeland Security Investigations",)), 200.0, 0.03),
)
HOTSPOTS: tuple[Hotspot, ...] = (VRAEM, AIR_BRIDGE, CALLAO, *PORTS)

TYPE_PHRASES = {
    _T.DRUG_SEIZURE: "a drug seizure", _T.ATTACK_ON_SECURITY_FORCES: "an attack on a security patrol",
    _T.ARMED_CLASH: "an armed clash", _T.ATTACK_ON_CIVILIANS: "an attack on villagers",
    _T.AIRCRAFT_INTERDICTION: "the interception of a small aircraft",
    _T.AIRSTRIP_DESTROYED: "the destruction of a clandestine airstrip",
    _T.LAB_DESTROYED: "the destruction of a cocaine laboratory", _T.COCA_ERADICATION: "coca eradication",
    _T.ARREST: "arrests", _T.STATE_OF_EMERGENCY: "an extended state of emergency", _T.OTHER: "an incident",
}
FILLERS = (
    "Generated for load and scale testing of the Rutas dashboard; it describes no real operation, "
    "and its date, place, actors, quantities and casualty figures are random draws from simple "
    "distributions around a known hotspot. Do not cite, map or count it as evidence of anything. "
    "The text is padded to a random length so that tables, tooltips and exports are exercised with "
    "short and long summaries alike.",
    "Invented record: no newspaper, prosecutor or police report stands behind it. The generator "
    "places events where the real trade concentrates, gives them a plausible type and actor mix and "
    "a log-normal seizure size, and marks every row as synthetic so that filters and exports can "
    "keep it apart from researched data. Remove the synthetic dataset before any analysis.",
    "Placeholder text for testing. Names of places and institutions are used only to give the row a "
    "realistic shape; nothing here happened as written. Counts, kilograms and fatalities follow the "
    "generator's parameters rather than any source, and the same seed always gives the same rows, "
    "which keeps benchmarks comparable from one run to the next.",
)


def _choose(rng: np.random.Generator, mix: Mapping, size: int) -> np.ndarray:
    """Indices into ``list(mix)`` drawn with the mix's weights."""
    weights = np.fromiter(mix.values(), dtype=np.float64)
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def _event_days(rng: np.random.Generator, growth: float, size: int) -> np.ndarray:
    """Days since 2000-01-01 with a density growing by ``growth`` per year (inverse CDF)."""
    span = int((LAST_DAY - FIRST_DAY).astype(int)) + 1
    years = span / 365.25
    u = rng.random(size)
    if growth <= 0:
        fraction = u
    else:
        fraction = np.log1p(u * np.expm1(growth * years)) / (growth * years)
    return np.minimum((fraction * span).astype(np.int64), span - 1)


class _Tables:
    """Distinct values (actor tuples, places, summary heads) shared by many rows, built once."""

    def __init__(self) -> None:
        self.actor_sets: list[tuple[str, ...]] = []
        self._actor_index: dict[tuple[str, ...], int] = {}
        self.places: list[Place] = []

    def actor_set(self, actors: tuple[str, ...]) -> int:
        if actors not in self._actor_index:
            self._actor_index[actors] = len(self.actor_sets)
            self.actor_sets.append(actors)
        return self._actor_index[actors]

    def place(self, place: Place) -> int:
        self.places.append(place)
        return len(self.places) - 1


def _object_array(values: list) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values  # tuples stay tuples instead of becoming a 2-D array
    return array


def synthetic_events(n: int, seed: int = DEFAULT_SEED, *, categorical: bool = False) -> pd.DataFrame:
    """n synthetic events in the canonical schema, the same for the same ``n`` and ``seed``.

    Parameters
    ----------
    n
        Number of rows (0 gives an empty frame with every column).
    seed
        Seed of the numpy generator; :data:`DEFAULT_SEED` unless a run needs other rows.
    categorical
        Text columns (but the ids) as categoricals, as the store holds them: a tenth of the
        memory at ten million rows (scale benchmarks). The values are the same.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~.schema.ALL_COLUMNS` with the dtypes of the bundled events after
        ``with_import_columns`` (``actors``/``actor_groups`` tuples, ``event_date`` dates).
        ``dataset`` is ``"synthetic"``, ``synthetic`` is True, ``event_id`` is
        ``synthetic:0000001`` onwards, ``source_url`` is empty and every summary starts with
        ``SYNTHETIC —``. ``origin``, ``destination`` and ``route_id`` are blank, as after an import.
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, not {n}")
    width = max(7, len(str(n)))
    chunks = []
    for first in range(0, max(n, 1), CHUNK_ROWS):
        rng = np.random.default_rng(seed if first == 0 else [seed, first // CHUNK_ROWS])
        chunks.append(_synthetic_chunk(rng, min(CHUNK_ROWS, n - first), first, width, categorical))
    if len(chunks) == 1:
        return chunks[0]
    columns = {}
    for name in chunks[0].columns:
        parts = [chunk.pop(name) for chunk in chunks]  # each chunk's column freed as it is joined
        if isinstance(parts[0].dtype, pd.CategoricalDtype):
            columns[name] = pd.Series(union_categoricals([p.array for p in parts]), name=name)
        elif name == "source_event_id":
            columns[name] = columns["event_id"]  # the same ids: one copy
        else:
            columns[name] = pd.concat(parts, ignore_index=True)
        del parts
    return pd.DataFrame(columns, columns=list(ALL_COLUMNS))


def _synthetic_chunk(rng: np.random.Generator, n: int, first: int, width: int, categorical: bool) -> pd.DataFrame:
    """``n`` rows drawn with ``rng``, numbered from ``first + 1`` with ``width`` digits."""
    tables = _Tables()
    type_list = list(EventType)
    geo_list = list(GeoPrecision)
    drug_list = ["", *(d.value for d in Drug)]

    hotspot = _choose(rng, {h.key: h.weight for h in HOTSPOTS}, n)
    type_code = np.zeros(n, dtype=np.int8)
    place_code = np.zeros(n, dtype=np.int32)
    geo_code = np.zeros(n, dtype=np.int8)
    drug_code = np.zeros(n, dtype=np.int8)
    actor_code = np.zeros(n, dtype=np.int32)
    days = np.zeros(n, dtype=np.int64)
    latitude = np.zeros(n)
    longitude = np.zeros(n)
    quantity = np.full(n, np.nan)
    fatalities = np.full(n, np.nan)

    for h_index, spot in enumerate(HOTSPOTS):
        rows = np.flatnonzero(hotspot == h_index)
        size = len(rows)
        if not size:
            continue
        spot_types = list(spot.types)
        local_type = _choose(rng, spot.types, size)
        type_code[rows] = np.array([type_list.index(t) for t in spot_types], dtype=np.int8)[local_type]
        place_ids = np.array([tables.place(p) for p in spot.places], dtype=np.int32)
        local_place = rng.integers(len(spot.places), size=size)
        place_code[rows] = place_ids[local_place]
        spot_geo = list(spot.geo_precision)
        local_geo = np.array([geo_list.index(g) for g in spot_geo], dtype=np.int8)[
            _choose(rng, spot.geo_precision, size)]
        geo_code[rows] = local_geo
        days[rows] = _event_days(rng, spot.growth, size)

        jitter = np.array([JITTER_DEG[g] for g in geo_list])[local_geo]
        lat = np.array([p.latitude for p in spot.places])[local_place] + rng.normal(0, 1, size) * jitter
        lon = np.array([p.longitude for p in spot.places])[local_place] + rng.normal(0, 1, size) * jitter
        if spot.corridor:
            # planes caught in flight: on the line from the corridor start towards the place
            flying = (rng.random(size) < spot.corridor) & \
                (np.array(spot_types)[local_type] == _T.AIRCRAFT_INTERDICTION)
            along = rng.uniform(0.05, 0.95, size)
            start_lat, start_lon = spot.corridor_start
            lat = np.where(flying, start_lat + along * (lat - start_lat) + rng.normal(0, 0.1, size), lat)
            lon = np.where(flying, start_lon + along * (lon - start_lon) + rng.normal(0, 0.1, size), lon)
            place_code[rows] = np.where(flying, -1 - place_code[rows], place_code[rows])
            geo_code[rows] = np.where(flying, geo_list.index(GeoPrecision.REGION), geo_code[rows])
        south, north, west, east = spot.bbox
        latitude[rows] = np.clip(lat, south, north)
        longitude[rows] = np.clip(lon, west, east)

        for t_local, event_type in enumerate(spot_types):
            in_type = rows[local_type == t_local]
            count = len(in_type)
            if not count:
                continue
            choices = np.array([tables.actor_set(a) for a in spot.actors[event_type]], dtype=np.int32)
            actor_code[in_type] = choices[rng.integers(len(choices), size=count)]
            drug_code[in_type], quantity[in_type] = _drugs_and_kg(rng, spot, event_type, count, drug_list)
            fatalities[in_type] = _fatalities(rng, event_type, count)

    text = _categories if categorical else _text
    frame = _assemble(rng, n, tables, type_list, geo_list, drug_list, type_code, place_code, geo_code,
                      drug_code, actor_code, days, latitude, longitude, quantity, fatalities, text)
    frame["event_id"] = frame["source_event_id"] = _ids(first, n, width)
    return frame


def _drugs_and_kg(rng: np.random.Generator, spot: Hotspot, event_type: EventType, count: int,
                  drug_list: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Drug codes (index into ``drug_list``, 0 = none) and kilograms for one hotspot and type."""
    drug_codes = np.array([drug_list.index(d.value) for d in spot.drugs], dtype=np.int8)
    drugs = drug_codes[_choose(rng, spot.drugs, count)]
    kg = np.round(spot.kg_median * np.exp(spot.kg_sigma * rng.normal(0, 1, count)), 1)
    kg = np.clip(kg, 0.1, 20_000.0)  # the largest real single seizures are ~20 t
    none = np.zeros(count, dtype=np.int8)
    missing = np.full(count, np.nan)
    if event_type == _T.DRUG_SEIZURE:
        return drugs, np.where(rng.random(count) < 0.1, np.nan, kg)
    if event_type == _T.AIRCRAFT_INTERDICTION:  # a load is found on most intercepted planes
        carried = rng.random(count) < 0.7
        return np.where(carried, drugs, 0).astype(np.int8), np.where(carried, kg, np.nan)
    if event_type == _T.LAB_DESTROYED:
        base = np.full(count, drug_list.index(Drug.COCAINE_BASE.value), dtype=np.int8)
        return base, np.where(rng.random(count) < 0.4, np.round(kg / 4, 1) + 0.1, np.nan)
    if event_type == _T.COCA_ERADICATION:
        return np.full(count, drug_list.index(Drug.COCA_LEAF.value), dtype=np.int8), missing
    if event_type == _T.ARREST:
        carried = rng.random(count) < 0.5
        small = np.round(kg / 20, 1) + 0.1
        return np.where(carried, drugs, 0).astype(np.int8), np.where(carried, small, np.nan)
    return none, missing


def _fatalities(rng: np.random.Generator, event_type: EventType, count: int) -> np.ndarray:
    """Deaths: often some in attacks and clashes, rarely any otherwise, often unreported."""
    u = rng.random(count)
    if event_type in VIOLENT_TYPES:
        deaths = 1.0 + rng.poisson(1.2, count)
        return np.where(u < 0.10, np.nan, np.where(u < 0.55, 0.0, deaths))
    if event_type == _T.AIRCRAFT_INTERDICTION:
        return np.where(u < 0.60, np.nan, np.where(u < 0.97, 0.0, 1.0 + rng.integers(0, 2, count)))
    return np.where(u < 0.75, np.nan, np.where(u < 0.995, 0.0, 1.0))


def _assemble(rng: np.random.Generator, n: int, tables: _Tables, type_list: list[EventType],
              geo_list: list[GeoPrecision], drug_list: list[str], type_code: np.ndarray,
              place_code: np.ndarray, geo_code: np.ndarray, drug_code: np.ndarray, actor_code: np.ndarray,
              days: np.ndarray, latitude: np.ndarray, longitude: np.ndarray, quantity: np.ndarray,
              fatalities: np.ndarray, _text: Callable) -> pd.DataFrame:
    """The frame from the drawn codes: dates, places and texts looked up from small tables.

    ``_text(values, codes)`` makes a text column (plain strings or a categorical); the ids are
    set by the caller.
    """
    precision = _choose(rng, DATE_PRECISION_MIX, n)
    start = FIRST_DAY + days
    start = np.where(precision == 1, start.astype("datetime64[M]").astype("datetime64[D]"), start)
    start = np.where(precision == 2, start.astype("datetime64[Y]").astype("datetime64[D]"), start)

    # in-flight rows carry -1 - place: they are named after the corridor and their country is
    # taken from the longitude (the Peru–Bolivia border runs near 69° W along the air bridge)
    places = tables.places
    flying = place_code < 0
    place_index = np.where(flying, -1 - place_code, place_code)
    place_key = np.where(flying, len(places) + place_index, place_index)
    names = [p.name for p in places] + [f"air corridor VRAEM–{p.name}" for p in places]
    in_flight = np.where(flying, len(places) + (longitude >= -69.0), place_index)  # then PER, BOL

    actor_sets = _object_array(tables.actor_sets)
    group_sets = _object_array([group_actors(a) for a in tables.actor_sets])
    type_values = [t.value for t in type_list]
    blank = _text([""], np.zeros(n, dtype=np.int64))
    days_seen, day_code = np.unique(start, return_inverse=True)
    dates = _object_array(list(pd.DatetimeIndex(days_seen).date))  # one date object per day
    no_ids = np.empty(n, dtype=object)
    frame = pd.DataFrame({
        "event_id": no_ids,
        "event_date": dates[day_code.reshape(-1)] if n else np.empty(0, dtype=object),
        "date_precision": _text([p.value for p in DATE_PRECISION_MIX], precision),
        "event_type": _text(type_values, type_code),
        "actors": actor_sets[actor_code] if n else np.empty(0, dtype=object),
        "actor_groups": group_sets[actor_code] if n else np.empty(0, dtype=object),
        "country": _text([p.country for p in places] + ["PER", "BOL"], in_flight),
        "admin1": _text([p.admin1 for p in places] + ["", ""], in_flight),
        "admin2": _text([p.admin2 for p in places] + ["", ""], in_flight),
        "location": _text(names, place_key),
        "latitude": np.round(latitude, 5),
        "longitude": np.round(longitude, 5),
        "geo_precision": _text([g.value for g in geo_list], geo_code),
        "fatalities": fatalities,
        "drug": _text(drug_list, drug_code),
        "quantity_kg": quantity,
        "origin": blank,
        "destination": blank,
        "route_id": blank,
        "summary": _text(*_summaries(rng, n, names, place_key, type_code, type_list)),
        "source_name": _text([SOURCE_NAME], np.zeros(n, dtype=np.int64)),
        "source_url": blank,
        "dataset": _text([SYNTHETIC_DATASET], np.zeros(n, dtype=np.int64)),
        "synthetic": np.ones(n, dtype=bool),
        "source_event_id": no_ids,
        "original_type": _text(type_values, type_code),  # what importing the CSV records
        "original_subtype": blank,
        "date_end": np.full(n, None, dtype=object),
        "fatalities_low": np.full(n, np.nan),
        "fatalities_high": np.full(n, np.nan),
        "geocoded": np.zeros(n, dtype=bool),
    }, columns=list(ALL_COLUMNS))
    return frame


def _text(values: list[str], codes: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """A ``str`` column: ``values`` themselves, or ``values[codes]`` taken without Python objects."""
    array = pd.array(values, dtype="str")
    return array if codes is None else array.take(np.asarray(codes, dtype=np.int64))


def _categories(values: list[str], codes: np.ndarray) -> pd.Categorical:
    """``values[codes]`` as a categorical of the distinct values (a value may be listed twice)."""
    remap, distinct = pd.factorize(pd.array(values, dtype="str"))
    return pd.Categorical.from_codes(remap[np.asarray(codes, dtype=np.int64)],
                                     categories=pd.Index(distinct, dtype="str"))


def _ids(first: int, n: int, width: int) -> pd.api.extensions.ExtensionArray:
    """``synthetic:0000001`` onwards (from ``first + 1``), built by arrow: no Python string per row."""
    numbers = pa.array(np.arange(first + 1, first + n + 1, dtype=np.int64)).cast(pa.string())
    return pd.array(pc.binary_join_element_wise(f"{SYNTHETIC_DATASET}:", pc.utf8_lpad(numbers, width=width,
                                                                                       padding="0"), ""), dtype="str")


def _summaries(rng: np.random.Generator, n: int, names: list[str], place_key: np.ndarray,
               type_code: np.ndarray, type_list: list[EventType]) -> tuple[list[str], np.ndarray]:
    """Summaries of 24–400 characters: a marked head naming type and place, then filler, cut.

    Returns the distinct summaries and each row's index into them (each is written once).
    """
    filler = rng.integers(len(FILLERS), size=n)
    combined = (place_key.astype(np.int64) * len(type_list) + type_code) * len(FILLERS) + filler
    codes, inverse = np.unique(combined, return_inverse=True)
    texts = []
    for code in codes.tolist():
        rest, fill = divmod(code, len(FILLERS))
        place, kind = divmod(rest, len(type_list))
        texts.append(f"{SUMMARY_PREFIX}generated record of {TYPE_PHRASES[type_list[kind]]} at "
                     f"{names[place]}. {FILLERS[fill]}")
    length = np.clip(np.rint(np.exp(rng.normal(np.log(150), 0.6, n))), MIN_SUMMARY_CHARS,
                     MAX_SUMMARY_CHARS).astype(np.int64)
    pairs, which = np.unique(inverse.reshape(-1).astype(np.int64) * (MAX_SUMMARY_CHARS + 1) + length,
                             return_inverse=True)
    out = []
    for pair in pairs.tolist():
        text_index, cut = divmod(pair, MAX_SUMMARY_CHARS + 1)
        text = texts[text_index]
        out.append(text if len(text) <= cut else text[:cut].rsplit(" ", 1)[0].rstrip(" ,;:.—") + "…")
    return out, which.reshape(-1)


def write_synthetic_csv(frame: pd.DataFrame, path: str | PathLike[str]) -> None:
    """Write events as a UTF-8 CSV that ``python -m dashboard import`` reads with the generic reader.

    Parameters
    ----------
    frame
        Events in our schema, e.g. from :func:`synthetic_events`.
    path
        Target file; overwritten.

    Notes
    -----
    Only :data:`CSV_COLUMNS` are written, under names the generic reader's aliases know;
    ``actors`` are joined with ``;``, blank numbers are empty cells and ``synthetic`` is
    ``true``/``false`` so the import keeps the mark.
    """
    out = pd.DataFrame({name: frame[name] for name in CSV_COLUMNS})
    out["actors"] = [LIST_SEPARATOR.join(actors) for actors in frame["actors"]]
    out["event_date"] = pd.to_datetime(frame["event_date"]).dt.strftime("%Y-%m-%d")
    out["synthetic"] = np.where(frame["synthetic"].to_numpy(dtype=bool), "true", "false")
    out.to_csv(path, index=False, encoding="utf-8", na_rep="", lineterminator="\n",
               quoting=csv.QUOTE_MINIMAL)
