"""The bundled facts: every reference row kept, with its source and precisions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dashboard.data.catalog import GEODATA_DIR
from dashboard.data.schema import is_safe_url

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "events_reference.csv"


@pytest.fixture(scope="module")
def reference_rows():
    if not REFERENCE.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    with REFERENCE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


COMPARED = ("source_url", "event_date", "date_end", "date_precision", "geo_precision", "event_type", "latitude",
            "longitude", "summary", "location", "fatalities")


def as_reference_text(column: str, value: object) -> str:
    """An event value written as the reference writes it (numbers without a trailing .0)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:g}" if column == "fatalities" else repr(value)
    return str(value)


def test_dat001_all_reference_rows_bundled_in_order_and_every_change_recorded(bundled, reference_rows):
    """Each value differs from the reference only where event_notes.csv records a correction,
    with the value it replaced (the build script's correction table, with reason and source)."""
    events = bundled.events
    assert len(events) == len(reference_rows) > 0
    corrections = {(n.event_id, n.field): n for n in bundled.reported.notes if n.kind == "correction"}
    changed = set()
    for (_, event), ref in zip(events.iterrows(), reference_rows):
        for column in COMPARED:
            ours, theirs = as_reference_text(column, event[column]), ref.get(column, "")  # no date_end there
            numeric = column in ("latitude", "longitude")
            same = float(ours) == float(theirs) if numeric else ours == theirs
            if not same:
                note = corrections.get((event["event_id"], column))
                assert note is not None, f"{event['event_id']} {column}: {theirs!r} → {ours!r} is not a recorded correction"
                assert column == "summary" or note.was == theirs, (event["event_id"], column, note.was, theirs)
                assert (float(note.now) == float(ours)) if numeric else note.now == ours, (event["event_id"], column)
                assert note.reason and note.source
                changed.add((event["event_id"], column))
    assert changed == set(corrections), set(corrections) - changed  # no recorded correction is stale


def test_dat002_counts_match_the_reference_notes_after_the_corrections(bundled):
    """The reference notes count 113 day / 33 month rows and 157 deaths in 44 rows. rutas:0066
    became a day range (18-19 Mar 2017); rutas:0015 counts 14 (official correction of 19) and
    rutas:0058 counts 7 (the attorney general's toll, not the first report's 4): 157 - 5 + 3 = 155."""
    events = bundled.events
    assert events["date_precision"].value_counts().to_dict() == {"day": 114, "month": 32, "year": 10}
    assert int(events["fatalities"].notna().sum()) == 44
    assert int(events["fatalities"].sum()) == 155
    assert events["source_url"].nunique() == 141
    ranged = events[events["date_end"].notna()]
    assert list(ranged["event_id"]) == ["rutas:0066"]
    assert (str(ranged["event_date"].iat[0]), str(ranged["date_end"].iat[0])) == ("2017-03-18", "2017-03-19")


def test_dat003_every_event_has_a_safe_source_and_stable_id(bundled):
    events = bundled.events
    assert events["source_url"].map(is_safe_url).all()
    assert events["event_id"].is_unique
    assert list(events["event_id"][:2]) == ["rutas:0001", "rutas:0002"]
    assert not events["synthetic"].any()
    assert set(events["dataset"]) == {"rutas"}


def test_dat004_routes_have_modes_evidence_and_sources(bundled):
    routes = {f["properties"]["route_id"] for f in bundled.routes["features"]}
    assert routes == {"vraem_bolivia_air", "vraem_callao_sea", "callao_europe_sea", "callao_usa_sea",
                      "bolivia_brazil", "peru_brazil_madre_de_dios"}
    modes = {f["properties"]["mode"] for f in bundled.routes["features"]}
    assert modes == {"air", "road", "river", "sea"}
    evidence = {f["properties"]["leg_id"]: f["properties"]["evidence"] for f in bundled.routes["features"]
                if f["properties"]["route_id"] == "callao_usa_sea"}
    # The reference calls the US evidence thin (the MSC Gayane was probably loaded at sea), but
    # narcodiario 2024 documents the Callao-Ensenada container route.
    assert evidence == {"sea-east": "inferred", "sea-ensenada": "documented"}


def test_dat005_vraem_area_is_marked_approximate(bundled):
    vraem = [f for f in bundled.regions["features"] if f["properties"]["kind"] == "vraem"]
    assert len(vraem) == 1 and vraem[0]["properties"]["approximate"] is True


def test_dat006_label_layers_match_places(bundled):
    import json

    from geodata.build_labels import OUTPUT_DIR, label_files

    for name, text in label_files().items():
        assert json.loads((OUTPUT_DIR / name).read_text(encoding="utf-8")) == json.loads(text), name


def test_dat007_routes_file_is_what_its_build_script_writes(bundled):
    """routes.geojson is build_routes.py's output: a hand edit would bypass its checks and CHANGES."""
    from geodata.build_routes import LEGS, build_feature, route_notes

    assert bundled.routes["features"] == [build_feature(spec) for spec in LEGS]
    assert bundled.routes["routes"] == route_notes()


def test_dat008_side_files_are_what_the_event_build_writes(reference_rows):
    """figures.csv and event_notes.csv hold exactly the build script's tables (and events.csv its
    corrected rows), so every correction and figure is traceable to its entry and reason."""
    from geodata import build_events

    def read(name):
        with (GEODATA_DIR / name).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    rows = [build_events.convert_row(i, row) for i, row in enumerate(reference_rows, start=1)]
    assert read("events.csv") == build_events.apply_corrections(rows)
    assert read("figures.csv") == build_events.figure_rows()
    assert read("event_notes.csv") == build_events.note_rows(rows)
