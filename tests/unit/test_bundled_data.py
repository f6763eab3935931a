"""The bundled facts: every reference row kept, with its source and precisions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dashboard.data.schema import is_safe_url

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "events_reference.csv"


@pytest.fixture(scope="module")
def reference_rows():
    if not REFERENCE.exists():
        pytest.skip("../shared/reference is not beside this checkout")
    with REFERENCE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_dat001_all_reference_rows_bundled_in_order(bundled, reference_rows):
    events = bundled.events
    assert len(events) == len(reference_rows) > 0
    for (_, event), ref in zip(events.iterrows(), reference_rows):
        assert event["source_url"] == ref["source_url"]
        assert str(event["event_date"]) == ref["event_date"]
        assert event["date_precision"] == ref["date_precision"]
        assert event["geo_precision"] == ref["geo_precision"]
        assert event["event_type"] == ref["event_type"]
        assert event["latitude"] == float(ref["latitude"]) and event["longitude"] == float(ref["longitude"])
        assert event["summary"] == ref["summary"]


def test_dat002_counts_match_the_reference_notes(bundled):
    events = bundled.events
    assert events["date_precision"].value_counts().to_dict() == {"day": 113, "month": 33, "year": 10}
    assert int(events["fatalities"].notna().sum()) == 44
    assert int(events["fatalities"].sum()) == 157
    assert events["source_url"].nunique() == 141


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
    evidence = {f["properties"]["route_id"]: f["properties"]["evidence"] for f in bundled.routes["features"]
                if f["properties"]["route_id"] == "callao_usa_sea"}
    assert set(evidence.values()) == {"inferred"}  # the reference calls this evidence thin


def test_dat005_vraem_area_is_marked_approximate(bundled):
    vraem = [f for f in bundled.regions["features"] if f["properties"]["kind"] == "vraem"]
    assert len(vraem) == 1 and vraem[0]["properties"]["approximate"] is True


def test_dat006_label_layers_match_places(bundled):
    import json

    from geodata.build_labels import OUTPUT_DIR, label_files

    for name, text in label_files().items():
        assert json.loads((OUTPUT_DIR / name).read_text(encoding="utf-8")) == json.loads(text), name
