"""The store contract: every EventStore implementation answers like a plain pandas reference.

Each test runs once per entry of :data:`STORE_FACTORIES` over the same small event table
(:func:`contract_events`: three datasets, one of them generated, every date precision, a reported
date range, multi-region admin1 values, accents, missing kg and deaths, links and no links,
cross-dataset duplicates). Every expected value is computed here with pandas, numpy or shapely
from that table, never by asking a store, so an engine that answers differently fails.

Adding the PostGIS store
------------------------
Write a factory ``postgis_store(events, default_datasets) -> EventStore`` that loads ``events``
into a fresh schema of a test database (for example the one named by ``RUTAS_TEST_DATABASE_URL``,
skipping with ``pytest.skip`` when it is unset) and returns the store over it; then append
``pytest.param(postgis_store, id="postgis")`` to :data:`STORE_FACTORIES`. Nothing else here
changes: the tests speak only the :class:`~dashboard.data.store.EventStore` protocol.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.data.datasets import with_import_columns
from dashboard.data.facets import BREAKDOWN_FACETS, BREAKDOWN_FIELDS, FACETS, Match
from dashboard.data.filters import FilterSpec
from dashboard.data.schema import PRECISE_GEO, EventType, GeoPrecision
from dashboard.data.store import EVENT_TYPES, GEO_PRECISIONS, NEAREST_DEGREES, EventStore, InMemoryEventStore

StoreFactory = Callable[[pd.DataFrame, tuple[str, ...]], EventStore]


def in_memory_store(events: pd.DataFrame, default_datasets: tuple[str, ...]) -> EventStore:
    return InMemoryEventStore(events, default_datasets=default_datasets)


# Every store implementation; each test runs once per entry.
STORE_FACTORIES: list = [pytest.param(in_memory_store, id="memory")]

REPO = Path(__file__).resolve().parents[2]
BUNDLED, IMPORTED, GENERATED = "rutas", "acled-demo", "synth-demo"
MISSING_LINK_NAME = "ACLED"


# ---- the fixture table ------------------------------------------------------------------------
PLACES = (  # location, admin1, admin2, country, latitude, longitude
    ("Pichari", "Cusco", "La Convención", "PER", -12.52, -73.83),
    ("Kimbiri", "Cusco;Ayacucho", "La Convención", "PER", -12.61, -73.79),
    ("Abancay", "Apurímac", "Abancay", "PER", -13.63, -72.88),
    ("Satipo", "Junín", "Satipo", "PER", -11.25, -74.64),
    ("Callao", "Callao", "Callao", "PER", -12.05, -77.13),
    ("Santa Cruz de la Sierra", "Santa Cruz", "Andrés Ibáñez", "BOL", -17.78, -63.18),
    ("Antwerpen", "Antwerp", "", "BEL", 51.26, 4.40),
    ("Straße am Hafen", "Hamburg", "", "DEU", 53.54, 9.98),
)
ACTORS = (  # name, group
    ("Sendero Luminoso (Militarizado Partido Comunista del Perú)", "shining_path"),
    ("Policía Nacional del Perú", "peru_police"),
    ("Ejército del Perú", "peru_military"),
    ("Unidentified traffickers", "traffickers"),
    ("FELCN", "bolivia_authorities"),
    ("Douane", "europe_authorities"),
)
ORIGINAL = (("Battles", "Armed clash"), ("Violence against civilians", "Attack"),
            ("Strategic developments", "Arrests"), ("Strategic developments", "Looting/property destruction"),
            ("Riots", ""))
ROUTES = ("vraem-callao", "vraem-bolivia", "callao-antwerp", "")
DRUGS = ("cocaine", "cocaine_base", "marijuana", "coca_leaf")


def contract_events(seed: int = 13) -> pd.DataFrame:
    """About 170 events over three datasets; the same table on every call."""
    rng = np.random.default_rng(seed)
    rows = []
    for dataset, n in ((BUNDLED, 75), (IMPORTED, 60), (GENERATED, 30)):
        for i in range(n):
            location, admin1, admin2, country, lat, lon = PLACES[rng.integers(len(PLACES))]
            event_type = str(rng.choice(list(EventType)))
            precision = str(rng.choice(["day", "day", "day", "month", "year"]))
            day = date(2015, 1, 1) + timedelta(days=int(rng.integers(0, 6 * 365)))
            if precision == "month":
                day = day.replace(day=1)
            elif precision == "year":
                day = day.replace(month=1, day=1)
            named = sorted({int(k) for k in rng.integers(0, len(ACTORS), size=int(rng.integers(0, 3)))})
            actors = tuple(ACTORS[k][0] for k in named)
            groups = tuple(sorted({ACTORS[k][1] for k in named}))
            seizure = event_type == "drug_seizure"
            kg = float(np.round(rng.lognormal(3, 2), 1)) if seizure and rng.random() < 0.8 else math.nan
            deaths = float(rng.integers(0, 6)) if rng.random() < 0.6 else math.nan
            original, sub = ORIGINAL[rng.integers(len(ORIGINAL))] if dataset == IMPORTED else ("", "")
            if dataset == BUNDLED:
                url, source = f"https://news.example/{i // 2}", "El Comercio"
            elif dataset == IMPORTED:
                url, source = (f"https://acled.example/{i}", MISSING_LINK_NAME) if i % 3 == 0 else ("", MISSING_LINK_NAME)
            else:
                url, source = "", "Rutas synthetic generator"
            reported_end = day + timedelta(days=int(rng.integers(5, 40))) \
                if dataset == IMPORTED and precision == "day" and rng.random() < 0.3 else None
            rows.append({
                "event_id": f"{dataset}:{i:04d}", "event_date": day, "date_precision": precision,
                "event_type": event_type, "actors": actors, "actor_groups": groups, "country": country,
                "admin1": admin1, "admin2": admin2, "location": location,
                # Uniform jitter of at most 0.01°: events of one place are within 3 km of each
                # other, places are more than 5 km apart.
                "latitude": lat + float(rng.uniform(-0.01, 0.01)), "longitude": lon + float(rng.uniform(-0.01, 0.01)),
                "geo_precision": str(rng.choice(list(GeoPrecision))), "fatalities": deaths,
                "drug": str(rng.choice(DRUGS)) if seizure else "", "quantity_kg": kg, "origin": "",
                "destination": "", "route_id": str(rng.choice(ROUTES)),
                "summary": f"{'SYNTHETIC — ' if dataset == GENERATED else ''}{event_type.replace('_', ' ')} "
                           f"{'with a convoy ' if rng.random() < 0.2 else ''}near {location}",
                "source_name": source, "source_url": url, "dataset": dataset, "synthetic": dataset == GENERATED,
                "original_type": original, "original_subtype": sub, "date_end": reported_end,
            })
    # The same three reports again in the imported dataset: certain cross-dataset duplicates.
    for k in range(3):
        copy = dict(rows[k], event_id=f"{IMPORTED}:copy{k}", dataset=IMPORTED, source_url="",
                    source_name=MISSING_LINK_NAME, original_type="Strategic developments",
                    original_subtype="Arrests")
        rows.append(copy)
    return with_import_columns(pd.DataFrame(rows))


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return contract_events()


@pytest.fixture(scope="module", params=STORE_FACTORIES)
def factory(request) -> StoreFactory:
    return request.param


@pytest.fixture(scope="module")
def store(factory, events) -> EventStore:
    """A store over every dataset with no default: an empty dataset filter means all of them."""
    return factory(events, ())


# ---- the reference, written the plain way -----------------------------------------------------
def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def first_days(events: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(events["event_date"])


def last_days(events: pd.DataFrame) -> pd.Series:
    """Last day each event covers: its day, month or year, or its reported end when later."""
    start = first_days(events)
    end = start.copy()
    month, year = events["date_precision"] == "month", events["date_precision"] == "year"
    end[month] = start[month] + pd.offsets.MonthEnd(0)
    end[year] = start[year] + pd.offsets.YearEnd(0)
    reported = pd.to_datetime(events["date_end"])
    return end.where(reported.isna() | (reported < end), reported)


def reference_mask(events: pd.DataFrame, spec: FilterSpec, default_datasets: tuple[str, ...] = ()) -> np.ndarray:
    keep = np.ones(len(events), dtype=bool)
    if spec.date_from is not None:
        keep &= (last_days(events) >= pd.Timestamp(spec.date_from)).to_numpy()
    if spec.date_to is not None:
        keep &= (first_days(events) <= pd.Timestamp(spec.date_to)).to_numpy()
    for facet in FACETS:
        wanted = getattr(spec, facet.name) or (default_datasets if facet.name == "datasets" else ())
        if not wanted:
            continue
        if facet.match is Match.ACTOR:
            names = {w.casefold() for w in wanted}
            keep &= np.array([bool(names & ({a.casefold() for a in actors} | set(groups)))
                              for actors, groups in zip(events["actors"], events["actor_groups"])])
        elif facet.match is Match.REGION:
            names = {w.casefold() for w in wanted}
            keep &= np.array([any(r.strip().casefold() in names for r in value.split(";"))
                              for value in events["admin1"]])
        elif facet.column in events.columns:
            keep &= events[facet.column].isin(wanted).to_numpy()
        else:
            keep &= False
    kg = events["quantity_kg"]
    if spec.kg_min is not None:
        keep &= (kg >= spec.kg_min).to_numpy()
    if spec.kg_max is not None:
        keep &= (kg <= spec.kg_max).to_numpy()
    if spec.bbox is not None:
        west, south, east, north = spec.bbox
        keep &= (events["longitude"].between(west, east) & events["latitude"].between(south, north)).to_numpy()
    if spec.polygon is not None:
        keep &= shapely.contains_xy(shapely.Polygon(spec.polygon), events["longitude"], events["latitude"])
    if spec.text:
        needle = fold(spec.text)
        keep &= np.array([needle in fold(" ".join([a, b, c, d, " ".join(actors)])) for a, b, c, d, actors in zip(
            events["location"], events["admin1"], events["admin2"], events["summary"], events["actors"])])
    return keep


def reference_duplicates(events: pd.DataFrame) -> np.ndarray:
    """Rows with a likely twin in another dataset: same type, overlapping dates, ≤ 5 km, both real or both not."""
    start, end = first_days(events).to_numpy(), last_days(events).to_numpy()
    lat, lon = np.radians(events["latitude"].to_numpy()), np.radians(events["longitude"].to_numpy())
    dataset, kind = events["dataset"].to_numpy(), events["event_type"].to_numpy()
    synthetic = events["synthetic"].to_numpy()
    n = len(events)
    flagged = np.zeros(n, dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            if dataset[i] == dataset[j] or kind[i] != kind[j] or synthetic[i] != synthetic[j]:
                continue
            if not (start[i] <= end[j] and start[j] <= end[i]):
                continue
            h = (math.sin((lat[j] - lat[i]) / 2) ** 2
                 + math.cos(lat[i]) * math.cos(lat[j]) * math.sin((lon[j] - lon[i]) / 2) ** 2)
            if 2 * 6371.0 * math.asin(math.sqrt(h)) <= 5.0:
                flagged[i] = flagged[j] = True
    return flagged


def some_values(events: pd.DataFrame, column: str) -> tuple[str, ...]:
    values = sorted({v for v in events[column] if v})
    return (values[0], values[-1])


def facet_specs(events: pd.DataFrame) -> list[FilterSpec]:
    """One filter per facet of the registry (two values each), plus the actor and region quirks."""
    specs = []
    for facet in FACETS:
        if facet.match is Match.VALUE:
            specs.append(FilterSpec(**{facet.name: some_values(events, facet.column)}))
        elif facet.match is Match.ACTOR:
            specs += [FilterSpec(actors=("shining_path",)),  # a group key
                      FilterSpec(actors=("policía nacional del perú", "FELCN"))]  # names, any case
        else:
            specs += [FilterSpec(regions=("ayacucho",)),  # one of "Cusco;Ayacucho", any case
                      FilterSpec(regions=("Apurímac", "Hamburg"))]
    return specs


SCALAR_SPECS = (
    FilterSpec(),
    FilterSpec(date_from=date(2017, 3, 15), date_to=date(2017, 9, 30)),  # month/year events overlap
    FilterSpec(date_from=date(2019, 1, 1)),
    FilterSpec(date_to=date(2015, 12, 31)),
    FilterSpec(date_from=date(2016, 6, 15), date_to=date(2016, 6, 15)),  # one day
    FilterSpec(kg_min=20.0),
    FilterSpec(kg_max=20.0),
    FilterSpec(kg_min=5.0, kg_max=500.0),
    FilterSpec(bbox=(-75.0, -14.0, -72.0, -11.0)),
    FilterSpec(bbox=(-80.0, -20.0, -60.0, 0.0), event_types=("drug_seizure", "arrest")),
    FilterSpec(polygon=((-74.5, -13.0), (-73.0, -13.0), (-72.5, -12.0), (-74.2, -11.0))),
    FilterSpec(text="apurimac"),  # no accent finds Apurímac
    FilterSpec(text="PICHARI"),
    FilterSpec(text="strasse"),  # casefold: ß is ss
    FilterSpec(text="kimbiri cusco"),  # across location and admin1
    FilterSpec(text="with a convoy"),
    FilterSpec(text="sendero"),  # an actor's name
    FilterSpec(text="drug seizure", countries=("PER",), date_from=date(2016, 1, 1)),
    FilterSpec(datasets=(IMPORTED,), date_from=date(2018, 2, 10)),
)
NOTHING = FilterSpec(text="zz-no-such-text")


def reported_range_specs(events: pd.DataFrame) -> list[FilterSpec]:
    """Days inside reported ranges (UCDP date_end) but after their first day: the event is kept."""
    ranged = events[events["date_end"].notna()].iloc[:3]
    return [FilterSpec(date_from=start + timedelta(days=2), date_to=start + timedelta(days=3), datasets=(IMPORTED,))
            for start in ranged["event_date"]]


@pytest.fixture(scope="module")
def specs(events) -> list[FilterSpec]:
    return list(SCALAR_SPECS) + reported_range_specs(events) + facet_specs(events) + [NOTHING]


# ---- counts and totals ------------------------------------------------------------------------
def test_con001_count_and_totals_equal_pandas(store, events, specs):
    for spec in specs:
        keep = reference_mask(events, spec)
        chosen = events[keep]
        assert store.count(spec) == int(keep.sum()), spec
        totals = store.totals(spec)
        assert totals.events == int(keep.sum()), spec
        assert totals.fatalities == int(chosen["fatalities"].fillna(0).sum()), spec
        assert totals.kg_seized == pytest.approx(float(chosen["quantity_kg"].fillna(0).sum())), spec
        assert totals.synthetic == int(chosen["synthetic"].sum()), spec
        real = chosen[~chosen["synthetic"]]
        reports = {url or name for url, name in zip(real["source_url"], real["source_name"])} - {""}
        assert totals.sources == len(reports), spec


def test_con002_every_facet_narrows_and_each_filter_matches_something(store, events, specs):
    """The fixture is rich enough that no filter is trivially empty or trivially everything."""
    for spec in specs[1:-1]:
        assert 0 < store.count(spec) < len(events), spec
    assert store.count(NOTHING) == 0 and store.size == len(events)


def test_con003_facet_on_a_missing_column_matches_nothing(factory, events):
    """An older table without the source's own categories: choosing one matches no event."""
    older = factory(events.drop(columns=["original_type", "original_subtype"]), ())
    assert older.count(FilterSpec(original_types=("Battles",))) == 0
    assert older.count(FilterSpec(original_subtypes=("Attack",))) == 0
    assert older.facet_options("original_types") == [] and older.facet_options("original_subtypes") == []
    assert older.breakdown(FilterSpec(), "original_type").labels == ()
    assert older.count(FilterSpec()) == len(events)


# ---- points, bins, histogram ------------------------------------------------------------------
def test_con004_points_keep_the_heaviest_and_say_when_thinned(store, events):
    weight = events["quantity_kg"].fillna(0).to_numpy() + 1000 * events["fatalities"].fillna(0).to_numpy()
    for spec in (FilterSpec(), FilterSpec(countries=("PER",)), FilterSpec(kg_min=1.0)):
        rows = np.flatnonzero(reference_mask(events, spec))
        for limit in (0, 1, 7, len(rows), len(rows) + 10):
            points = store.points(spec, limit=limit)
            assert points.total == len(rows) and points.truncated == (limit < len(rows))
            heaviest = rows[np.argsort(-weight[rows], kind="stable")][:limit]  # ties: earliest row
            assert sorted(points.row.tolist()) == sorted(heaviest.tolist()), (spec, limit)
            drawn = events.iloc[points.row]
            assert np.array_equal(points.latitude, drawn["latitude"].to_numpy(dtype=np.float32))
            assert np.array_equal(points.longitude, drawn["longitude"].to_numpy(dtype=np.float32))
            assert [EVENT_TYPES[c] for c in points.type_code] == list(drawn["event_type"])
            assert [GEO_PRECISIONS[c] for c in points.geo_precision_code] == list(drawn["geo_precision"])
            assert list(points.precise) == [g in PRECISE_GEO for g in drawn["geo_precision"]]
            assert np.allclose(points.quantity_kg, drawn["quantity_kg"], equal_nan=True)
            assert np.allclose(points.fatalities, drawn["fatalities"], equal_nan=True)


def test_con001b_count_at_most_is_the_count_up_to_a_limit(store, events, specs):
    """``count_at_most(spec, limit)`` is ``min(count, limit)`` for limits below, at and above the
    count (the map asks it with its point limit + 1)."""
    for spec in specs:
        count = int(reference_mask(events, spec).sum())
        for limit in sorted({0, 1, max(count - 1, 0), count, count + 1, 10**9}):
            assert store.count_at_most(spec, limit) == min(count, limit), (spec, limit)


def test_con005_bins_count_each_event_in_its_cell(store, events):
    for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure", "arrest")), FilterSpec(text="callao")):
        chosen = events[reference_mask(events, spec)]
        for cell in (0.05, 0.5, 2.0):
            bins = store.bins(spec, cell)
            assert int(bins.counts.sum()) == bins.total == len(chosen)
            keys = zip(np.floor(chosen["latitude"] / cell), np.floor(chosen["longitude"] / cell), chosen["event_type"])
            per_cell: dict[tuple[float, float], Counter] = {}
            for y, x, kind in keys:
                per_cell.setdefault(((y + 0.5) * cell, (x + 0.5) * cell), Counter())[kind] += 1
            got = {(round(la, 9), round(lo, 9)): (int(c), EVENT_TYPES[t])
                   for la, lo, c, t in zip(bins.latitude, bins.longitude, bins.counts, bins.type_code)}
            assert set(got) == {(round(la, 9), round(lo, 9)) for la, lo in per_cell}
            for (la, lo), kinds in per_cell.items():
                count, commonest = got[(round(la, 9), round(lo, 9))]
                assert count == sum(kinds.values()) and kinds[commonest] == max(kinds.values())
    with pytest.raises(ValueError):
        store.bins(FilterSpec(), 0.0)


def _period_start(days: pd.Series, unit: str) -> pd.Series:
    if unit == "day":
        return days
    if unit == "week":
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")  # ISO weeks start on Monday
    return days.dt.to_period("M" if unit == "month" else "Y").dt.start_time


def test_con006_histogram_counts_each_event_once_in_its_period(store, events):
    offsets = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1),
               "month": pd.DateOffset(months=1), "year": pd.DateOffset(years=1)}
    for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure",)), FilterSpec(datasets=(IMPORTED,))):
        chosen = events[reference_mask(events, spec)]
        for unit in ("day", "week", "month", "year"):
            histogram = store.histogram(spec, unit=unit)
            assert histogram.unit == unit and histogram.categories == EVENT_TYPES
            assert histogram.counts.shape == (len(EVENT_TYPES), len(histogram.bin_starts))
            assert int(histogram.counts.sum()) == len(chosen)
            starts = _period_start(first_days(chosen), unit)
            expected = Counter(zip(chosen["event_type"], starts))
            got = {(EVENT_TYPES[t], pd.Timestamp(d)): int(histogram.counts[t, b])
                   for t in range(len(EVENT_TYPES)) for b, d in enumerate(histogram.bin_starts)
                   if histogram.counts[t, b]}
            assert got == dict(expected), (spec, unit)
            # Bins run without gaps from the first period to the last.
            bins = [pd.Timestamp(d) for d in histogram.bin_starts]
            assert bins[0] == starts.min() and bins[-1] == starts.max()
            assert all(b + offsets[unit] == c for b, c in zip(bins, bins[1:]))
    with pytest.raises(ValueError):
        store.histogram(FilterSpec(), unit="fortnight")


def test_con024_kg_by_year_sums_each_drug_per_year_of_the_event_date(store, events):
    for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure",)), FilterSpec(datasets=(IMPORTED,)),
                 FilterSpec(drugs=("cocaine",))):
        chosen = events[reference_mask(events, spec)]
        chosen = chosen[chosen["quantity_kg"].fillna(0) > 0]
        series = store.kg_by_year(spec)
        expected = chosen.groupby([first_days(chosen).dt.year, chosen["drug"].fillna("")])["quantity_kg"].sum()
        got = {(pd.Timestamp(day).year, drug): float(series.kg[d, y])
               for d, drug in enumerate(series.drugs) for y, day in enumerate(series.year_starts)
               if series.kg[d, y]}
        assert got.keys() == set(expected.index), spec
        assert all(got[key] == pytest.approx(value) for key, value in expected.items()), spec
        assert series.kg.sum() == pytest.approx(store.totals(spec).kg_seized)
        if len(chosen):  # years without gaps, heaviest drug first
            years = [pd.Timestamp(d).year for d in series.year_starts]
            assert years == list(range(min(years), max(years) + 1))
            assert years[0] == first_days(chosen).dt.year.min() and years[-1] == first_days(chosen).dt.year.max()
            sums = series.kg.sum(axis=1)
            assert list(sums) == sorted(sums, reverse=True)
    assert store.kg_by_year(NOTHING).kg.size == 0


def test_con007_histogram_unit_follows_the_span(store, events):
    cases = ((FilterSpec(date_from=date(2017, 3, 1), date_to=date(2017, 5, 31)), "day"),  # 91 days
             (FilterSpec(date_from=date(2017, 1, 1), date_to=date(2018, 6, 30)), "week"),
             (FilterSpec(date_from=date(2015, 1, 1), date_to=date(2019, 12, 31)), "month"),
             (FilterSpec(date_from=date(2001, 1, 1), date_to=date(2020, 12, 31)), "year"),
             (FilterSpec(), "month"))  # open: the events' own span, 2015–2020
    starts = first_days(events)
    assert (starts.max() - starts.min()).days <= 6 * 366
    for spec, unit in cases:
        histogram = store.histogram(spec)
        assert histogram.unit == unit, spec
        assert int(histogram.counts.sum()) == int(reference_mask(events, spec).sum())


# ---- breakdowns -------------------------------------------------------------------------------
def reference_breakdown(chosen: pd.DataFrame, field: str) -> Counter:
    facet = BREAKDOWN_FACETS[field]
    if facet.match is Match.VALUE:
        return Counter(v for v in chosen[facet.column] if str(v).strip())
    return Counter(g for groups in chosen["actor_groups"] for g in groups)


@pytest.mark.parametrize("field", BREAKDOWN_FIELDS)
def test_con008_breakdown_of_every_choice_equals_pandas(store, events, field):
    facet = BREAKDOWN_FACETS[field]
    vocabulary = facet.vocabulary or ()

    def tie_rank(label: str) -> tuple:
        return (0, vocabulary.index(label), "") if label in vocabulary else (1, 0, label)

    for spec in (FilterSpec(), FilterSpec(countries=("PER",)), FilterSpec(datasets=(IMPORTED,)), NOTHING):
        expected = reference_breakdown(events[reference_mask(events, spec)], field)
        ordered = sorted(expected.items(), key=lambda item: (-item[1], tie_rank(item[0])))
        for top in (3, 100):
            breakdown = store.breakdown(spec, field, top=top)
            assert breakdown.field == field
            assert list(zip(breakdown.labels, breakdown.counts.tolist())) == ordered[:top], (spec, top)
        if facet.match is Match.VALUE:  # each event counted once, under its value
            assert sum(expected.values()) == int((events[reference_mask(events, spec)][facet.column] != "").sum())
    with pytest.raises(ValueError):
        store.breakdown(FilterSpec(), "summary")


def test_con009_breakdown_choices_are_the_registry(store):
    assert set(BREAKDOWN_FIELDS) >= {"event_type", "actor_group", "country", "original_type", "original_subtype"}
    assert store.breakdown(FilterSpec(), "original_type").labels  # the imported dataset's categories


# ---- rows and events --------------------------------------------------------------------------
SORT_COLUMNS = ("event_date", "quantity_kg", "fatalities", "location", "event_type", "country", "event_id",
                "latitude", "synthetic")


def reference_order(chosen: pd.DataFrame, column: str, descending: bool) -> list[str]:
    """Stable sort, ties in table order, missing values as the largest (first when descending)."""
    key = pd.to_datetime(chosen[column]) if column == "event_date" else chosen[column]
    frame = pd.DataFrame({"key": key.to_numpy(), "id": chosen["event_id"].to_numpy()})
    ordered = frame.sort_values("key", ascending=not descending, kind="stable",
                                na_position="first" if descending else "last")
    return list(ordered["id"])


def test_con010_rows_sort_both_ways_and_page(store, events):
    for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure", "armed_clash")), FilterSpec(text="cusco")):
        chosen = events[reference_mask(events, spec)]
        for column in SORT_COLUMNS:
            for descending in (False, True):
                expected = reference_order(chosen, column, descending)
                everything = store.rows(spec, ("event_id",), order_by=column, descending=descending)
                assert list(everything["event_id"]) == expected, (spec, column, descending)
                pages = [store.rows(spec, ("event_id",), order_by=column, descending=descending,
                                    offset=offset, limit=10)["event_id"] for offset in range(0, len(chosen) + 10, 10)]
                assert [e for page in pages for e in page] == expected
                assert all(len(page) == 10 for page in pages[:len(chosen) // 10])
    beyond = store.rows(FilterSpec(), ("event_id",), offset=len(events) + 5, limit=10)
    assert len(beyond["event_id"]) == 0


def test_con011_rows_refuse_unknown_sorts_and_columns(store):
    with pytest.raises(ValueError):
        store.rows(FilterSpec(), ("event_id",), order_by="summary; DROP TABLE events")
    with pytest.raises(ValueError):
        store.rows(FilterSpec(), ("event_id", "__class__"))


def test_con012_rows_and_take_return_the_table_values(store, events):
    columns = ("event_id", "event_date", "actors", "quantity_kg", "admin1", "synthetic", "original_type")
    page = store.rows(FilterSpec(datasets=(IMPORTED,)), columns, order_by="event_id", descending=False)
    expected = events[events["dataset"] == IMPORTED].sort_values("event_id", kind="stable")
    assert list(page["event_id"]) == list(expected["event_id"])
    assert [tuple(a) for a in page["actors"]] == list(expected["actors"])
    assert all(isinstance(a, tuple) for a in page["actors"])
    assert [str(d)[:10] for d in page["event_date"]] == [d.isoformat() for d in expected["event_date"]]
    assert np.allclose(page["quantity_kg"].astype(float), expected["quantity_kg"], equal_nan=True)
    assert list(page["admin1"]) == list(expected["admin1"]) and list(page["synthetic"]) == list(expected["synthetic"])
    assert list(page["original_type"]) == list(expected["original_type"])
    positions = np.array([5, 0, len(events) - 1])
    taken = store.take(positions, ("event_id", "location"))
    assert list(taken["event_id"]) == list(events["event_id"].iloc[positions])
    assert list(taken["location"]) == list(events["location"].iloc[positions])


def test_con013_event_lookup_by_id_and_row(store, events):
    for row in (0, 17, len(events) - 1):
        expected = events.iloc[row]
        event = store.event(expected["event_id"])
        assert event is not None
        for column in ("event_id", "event_type", "location", "dataset", "source_url", "original_type"):
            assert event[column] == expected[column], column
        assert tuple(event["actors"]) == expected["actors"]
        assert event["latitude"] == pytest.approx(expected["latitude"])
        assert store.event_id_at(row) == expected["event_id"]
    assert store.event("nope") is None and store.event("") is None
    assert store.event_id_at(-1) is None and store.event_id_at(len(events)) is None


def reference_nearest(events: pd.DataFrame, spec: FilterSpec, lat: float, lon: float,
                      event_type: str | None, precise: bool | None) -> int | None:
    keep = reference_mask(events, spec)
    keep &= (events["latitude"].between(lat - NEAREST_DEGREES, lat + NEAREST_DEGREES)
             & events["longitude"].between(lon - NEAREST_DEGREES, lon + NEAREST_DEGREES)).to_numpy()
    if event_type is not None:
        keep &= (events["event_type"] == event_type).to_numpy()
    if precise is not None:
        keep &= events["geo_precision"].isin(PRECISE_GEO).to_numpy() == precise
    rows = np.flatnonzero(keep)
    if not rows.size:
        return None
    distance = (np.abs(events["latitude"].to_numpy()[rows].astype(np.float32) - np.float32(lat))
                + np.abs(events["longitude"].to_numpy()[rows].astype(np.float32) - np.float32(lon)))
    return int(rows[np.argmin(distance)])


def test_con014_nearest_finds_the_drawn_event_again(store, events):
    checked = 0
    for row in range(0, len(events), 7):
        event = events.iloc[row]
        lat, lon = float(np.float32(event["latitude"])), float(np.float32(event["longitude"]))
        precise = event["geo_precision"] in PRECISE_GEO
        for spec in (FilterSpec(), FilterSpec(event_types=(event["event_type"],)), FilterSpec(datasets=(GENERATED,))):
            found = store.nearest(spec, lat, lon, event_type=event["event_type"], precise=precise)
            assert found == reference_nearest(events, spec, lat, lon, event["event_type"], precise), (row, spec)
            checked += found == row
        # The other trace of the same type (exact vs approximate place) does not hold it.
        assert store.nearest(FilterSpec(), lat, lon, event_type=event["event_type"], precise=not precise) \
            == reference_nearest(events, FilterSpec(), lat, lon, event["event_type"], not precise) != row
        # Without the trace's narrowing, the nearest of any kind.
        assert store.nearest(FilterSpec(), lat + 0.0004, lon) == reference_nearest(
            events, FilterSpec(), lat + 0.0004, lon, None, None)
    assert checked >= 20
    assert store.nearest(FilterSpec(), 0.0, 0.0) is None  # nothing there
    assert store.nearest(NOTHING, float(events["latitude"].iloc[0]), float(events["longitude"].iloc[0])) is None
    assert store.nearest(FilterSpec(), float("nan"), 0.0) is None
    row = 3
    other = next(t for t in EVENT_TYPES if t != events["event_type"].iloc[row])
    lat, lon = float(events["latitude"].iloc[row]), float(events["longitude"].iloc[row])
    found = store.nearest(FilterSpec(), lat, lon, event_type=other)
    assert found == reference_nearest(events, FilterSpec(), lat, lon, other, None) != row


# ---- the data as a whole ----------------------------------------------------------------------
def reference_facet_options(events: pd.DataFrame, facet_name: str) -> list[str]:
    """Sorted distinct non-empty values of a facet over ``events`` (actors: names; regions: admin1 names)."""
    facet = next(f for f in FACETS if f.name == facet_name)
    if facet.match is Match.ACTOR:
        expected = {a.strip() for actors in events["actors"] for a in actors}
    elif facet.match is Match.REGION:
        expected = {r.strip() for value in events["admin1"] for r in value.split(";")}
    else:
        expected = {str(v).strip() for v in events[facet.column]}
    return sorted(expected - {""})


def test_con015_facet_options_list_what_the_data_holds(store, events):
    for facet in FACETS:
        assert store.facet_options(facet.name) == reference_facet_options(events, facet.name), facet.name
    assert "Ayacucho" in store.facet_options("regions") and "Cusco;Ayacucho" not in store.facet_options("regions")
    with pytest.raises(ValueError):
        store.facet_options("summary")
    with pytest.raises(ValueError):
        store.facet_options("summary", (BUNDLED,))


@pytest.mark.parametrize("datasets", [(BUNDLED,), (IMPORTED,), (IMPORTED, GENERATED), (GENERATED, IMPORTED),
                                      (IMPORTED, "no-such-dataset"), ("no-such-dataset",)])
def test_con015b_facet_options_list_what_the_shown_datasets_hold(factory, events, datasets):
    """Options come from the shown datasets only, read like a dataset filter (() is the default)."""
    shown = events[events["dataset"].isin(datasets)]
    for default in ((), (BUNDLED,), datasets):
        scoped = factory(events, default)
        for facet in FACETS:
            got = scoped.facet_options(facet.name, datasets)
            if facet.name == "datasets":  # the dataset list itself is never scoped
                assert got == reference_facet_options(events, "datasets")
                continue
            assert got == reference_facet_options(shown, facet.name), (facet.name, datasets)
            assert scoped.facet_options(facet.name, datasets) == got  # asked again (a cache) answers the same
            default_rows = events[events["dataset"].isin(default)] if default else events
            assert scoped.facet_options(facet.name) == reference_facet_options(default_rows, facet.name)
    assert datasets == ("no-such-dataset",) or reference_facet_options(shown, "actors")  # the case means something


def test_con015c_facet_options_scoping_changes_what_is_offered(factory, events):
    """Values only one dataset holds are offered only when it is shown (not a vacuous scoping)."""
    events = events.copy()
    imported = (events["dataset"] == IMPORTED).to_numpy()
    events.loc[imported, "actors"] = pd.Series([("Solo Importado", *a) for a in events.loc[imported, "actors"]],
                                               index=events.index[imported], dtype=object)
    events.loc[imported, "admin1"] = events.loc[imported, "admin1"] + ";Región Importada"
    events.loc[imported, "country"] = "XXX"
    store = factory(events, (BUNDLED,))
    only = {"actors": "Solo Importado", "regions": "Región Importada", "countries": "XXX",
            "original_types": "Battles", "drugs": "cocaine_base"}
    for facet_name, value in only.items():
        column = next(f.column for f in FACETS if f.name == facet_name)
        held = set(events.loc[events[column].astype(str).str.contains(value, regex=False), "dataset"])
        assert held and held != {BUNDLED, IMPORTED, GENERATED}, facet_name  # some dataset lacks it
        for datasets in ((), (BUNDLED,), (GENERATED,), (IMPORTED,), (BUNDLED, IMPORTED)):
            shown = set(datasets or (BUNDLED,))
            got = store.facet_options(facet_name, datasets)
            assert got == reference_facet_options(events[events["dataset"].isin(shown)], facet_name)
            assert (value in got) == bool(shown & held), (facet_name, datasets)
    assert store.facet_options("countries", ("no-such-dataset",)) == []
    assert store.facet_options("datasets", (BUNDLED,)) == sorted({BUNDLED, IMPORTED, GENERATED})


def test_con016_datasets_counts_and_duplicates(store, events):
    duplicates = reference_duplicates(events)
    assert duplicates.sum() >= 6  # the three copied reports and their originals
    expected = tuple(
        (name, len(group), int(group["synthetic"].sum()), int(duplicates[group.index].sum()))
        for name, group in sorted(events.groupby("dataset"), key=lambda item: item[0]))
    got = tuple((d.dataset_id, d.events, d.synthetic, d.duplicates) for d in store.datasets())
    assert got == expected
    for name, _, _, flagged in expected:
        assert store.duplicates_in(name) == flagged
    assert store.duplicates_in("no-such-dataset") == 0
    copies = store.rows(FilterSpec(text="", datasets=(BUNDLED, IMPORTED)), ("event_id", "duplicate_of"))
    twins = dict(zip(copies["event_id"], copies["duplicate_of"]))
    assert all(f"{IMPORTED}:copy{k}" in twins[f"{BUNDLED}:{k:04d}"] for k in range(3))


def test_con017_default_datasets_scope_an_empty_dataset_filter(factory, events):
    scoped = factory(events, (BUNDLED,))
    assert scoped.default_datasets == (BUNDLED,)
    assert scoped.count(FilterSpec()) == int((events["dataset"] == BUNDLED).sum())
    for spec in (FilterSpec(), FilterSpec(event_types=("drug_seizure",)), FilterSpec(text="cusco")):
        assert scoped.count(spec) == int(reference_mask(events, spec, (BUNDLED,)).sum())
    chosen = FilterSpec(datasets=(IMPORTED, GENERATED))
    assert scoped.count(chosen) == int(events["dataset"].isin([IMPORTED, GENERATED]).sum())
    # The whole-table answers do not depend on the default.
    assert scoped.size == len(events) and len(scoped.datasets()) == 3
    assert scoped.facet_options("datasets") == sorted({BUNDLED, IMPORTED, GENERATED})


def test_con018_source_links_and_date_extent(store, events):
    links = store.source_links()
    urls = events["source_url"]
    assert links.events_with_link == int((urls != "").sum())
    assert links.links == urls[urls != ""].nunique()
    first, last = store.date_extent()
    assert pd.Timestamp(first) == first_days(events).min()
    assert pd.Timestamp(last) == last_days(events).max()


def test_con018b_date_extent_of_the_shown_datasets(factory, events):
    scoped = factory(events, (BUNDLED,))
    for datasets, names in (((), (BUNDLED,)), ((IMPORTED,), (IMPORTED,)),
                            ((IMPORTED, GENERATED), (IMPORTED, GENERATED))):
        shown = events[events["dataset"].isin(names)]
        first, last = scoped.date_extent(datasets)
        assert pd.Timestamp(first) == first_days(shown).min() and pd.Timestamp(last) == last_days(shown).max()
    assert scoped.date_extent(("no-such-dataset",)) is None
    whole = scoped.date_extent()
    assert pd.Timestamp(whole[0]) == first_days(events).min()  # None: every dataset, not the defaults


def test_con019_nothing_matching_gives_empty_answers(store):
    assert store.count(NOTHING) == 0
    totals = store.totals(NOTHING)
    assert (totals.events, totals.fatalities, totals.kg_seized, totals.sources, totals.synthetic) == (0, 0, 0.0, 0, 0)
    points = store.points(NOTHING, limit=100)
    assert len(points.row) == 0 and points.total == 0 and not points.truncated
    bins = store.bins(NOTHING, 0.5)
    assert len(bins.counts) == 0 and bins.total == 0
    histogram = store.histogram(NOTHING)
    assert int(histogram.counts.sum()) == 0
    assert all(store.breakdown(NOTHING, field).labels == () for field in BREAKDOWN_FIELDS)
    assert len(store.rows(NOTHING, ("event_id",))["event_id"]) == 0
    assert store.nearest(NOTHING, -12.52, -73.83) is None


def test_con020_an_empty_store_answers_zero(factory, events):
    empty = factory(events.iloc[:0], ())
    assert empty.size == 0 and empty.count(FilterSpec()) == 0
    assert empty.date_extent() is None and empty.datasets() == ()
    assert all(empty.facet_options(facet.name) == [] for facet in FACETS)
    assert int(empty.histogram(FilterSpec()).counts.sum()) == 0
    assert empty.source_links().events_with_link == 0


def test_con021_results_are_read_only(store):
    points = store.points(FilterSpec(), limit=10)
    with pytest.raises(ValueError):
        points.latitude[0] = 0.0
    with pytest.raises(ValueError):
        store.histogram(FilterSpec()).counts[0, 0] = 1


# ---- the protocol is closed ------------------------------------------------------------------
PROTOCOL = {name for name in vars(EventStore) if not name.startswith("_")} | set(EventStore.__annotations__)
# Engine benchmarks may use the engine's own switches (never its arrays or masks).
ENGINE_SWITCHES = {"bench/store.py": {"clear_masks"}}


def _named(node: ast.expr) -> str | None:
    """The last name of ``store`` or ``context.store`` (calls are skipped: ``spec.to_store()``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def store_reaches(path: Path, relative: str) -> list[str]:
    """Attributes read on a name ending in 'store' that the EventStore protocol does not declare."""
    found = []
    allowed = PROTOCOL | ENGINE_SWITCHES.get(relative, set())
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            name = _named(node.value)
            if name and name.lower().endswith("store") and node.attr not in allowed:
                found.append(f"{relative}:{node.lineno} {name}.{node.attr}")
    return found


def test_con022_code_outside_the_store_asks_only_the_protocol():
    """No module outside dashboard/data/store reaches into a store's arrays, masks or table."""
    paths = [p for p in (*(REPO / "dashboard").rglob("*.py"), *(REPO / "bench").rglob("*.py"))
             if (REPO / "dashboard" / "data" / "store") not in p.parents]
    offenders = [hit for p in paths for hit in store_reaches(p, p.relative_to(REPO).as_posix())]
    assert offenders == []
    assert len(paths) > 60


def test_con023_the_scan_catches_a_reach(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f(store, context):\n"
                     "    a = store.mask(spec) & store.in_box(box)\n"
                     "    b = context.store.frame['dataset']\n"
                     "    c = store.count(spec) + len(spec.to_store().items())\n")
    assert sorted(store_reaches(probe, "probe.py")) == [
        "probe.py:2 store.in_box", "probe.py:2 store.mask", "probe.py:3 store.frame"]
    assert {"count", "facet_options", "nearest", "datasets", "size"} <= PROTOCOL
    assert not {"mask", "in_box", "frame", "latitude", "type_code", "precise"} & PROTOCOL
