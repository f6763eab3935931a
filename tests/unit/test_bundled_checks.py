"""The bundled data passes the place, leg-source, sea-line and route-id checks, and each check can fail.

Every check runs on the real files and on a copy with one planted bad value, and must name the
planted row (geodata/checks.py holds the checks and their tolerances).
"""

from __future__ import annotations

import copy
import csv

import pytest

from dashboard.data.catalog import GEODATA_DIR
from geodata import checks


@pytest.fixture(scope="module")
def events() -> list[dict]:
    with (GEODATA_DIR / "events.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def routes(bundled) -> dict:
    return bundled.routes


def planted(rows: list[dict], event_id: str, **values: str) -> list[dict]:
    """A copy of the events with one row changed."""
    return [{**row, **values} if row["event_id"] == event_id else row for row in rows]


def leg_of(collection: dict, leg_id: str) -> dict:
    return next(f for f in collection["features"] if f["properties"]["leg_id"] == leg_id)


# ---- places ----------------------------------------------------------------------------------------
def test_chk001_every_point_is_in_its_country_and_department(events):
    assert checks.place_problems(events) == []


def test_chk002_coarse_border_points_pass_within_the_stated_tolerance(events):
    """rutas:0028, 0096 (0.8 km into Cusco) and 0088 (2.2 km into Ayacucho) sit on coarse borders;
    rutas:0004 (Ventanilla) is in Natural Earth's Metropolitan Lima, checked with Callao."""
    by_id = {row["event_id"]: row for row in events}
    departments = checks.department_polygons()
    for event_id, name, low, high in (("rutas:0028", "Ayacucho", 0.5, 1.2), ("rutas:0096", "Ayacucho", 0.5, 1.2),
                                      ("rutas:0088", "Junín", 1.8, 2.6)):
        row = by_id[event_id]
        off = checks.km_outside(checks.Point(float(row["longitude"]), float(row["latitude"])),
                                departments[("PER", name)])
        assert low < off < high < checks.PLACE_TOLERANCE_KM, (event_id, off)
    assert checks.place_problems([by_id["rutas:0004"]]) == []


def test_chk003_a_point_in_another_country_is_named(events):
    """rutas:0070's first point (9-11 km inside Bolivia) is refused, naming the event and Bolivia."""
    bad = planted(events, "rutas:0070", latitude="-15.5", longitude="-69.25")
    problems = checks.place_problems(bad)
    assert len(problems) == 1 and problems[0].startswith("rutas:0070:") and "inside BOL" in problems[0]


def test_chk004_a_point_in_the_wrong_department_is_named(events):
    """rutas:0099's first point, 6 km inside Huancavelica, is beyond the 3 km tolerance."""
    problems = checks.place_problems(planted(events, "rutas:0099", latitude="-12.55", longitude="-74.45"))
    assert problems == ["rutas:0099: point (-12.55, -74.45) lies 6.1 km outside Ayacucho (tolerance 3 km)"]


def test_chk005_a_point_at_sea_must_say_so(events):
    """rutas:0125 lies 46-52 km off Piura and its location says 'Pacific waters'; the same point
    with a land location, or one put in the sea off another coast, is refused."""
    assert checks.place_problems([r for r in events if r["event_id"] == "rutas:0125"]) == []
    silent = planted(events, "rutas:0125", location="Paita")
    assert [p for p in checks.place_problems(silent) if "does not say so" in p and p.startswith("rutas:0125")]
    far = planted(events, "rutas:0125", latitude="-5.5", longitude="-90.0")
    assert [p for p in checks.place_problems(far) if "too far out at sea" in p]


def test_chk006_an_unknown_department_is_named(events):
    problems = checks.place_problems(planted(events, "rutas:0006", admin1="Ayacuchos"))
    assert problems == ["rutas:0006: no department polygon named Ayacuchos in PER"]


# ---- legs and their sources ------------------------------------------------------------------------
def test_chk010_every_documented_leg_has_its_own_sources(routes):
    assert checks.leg_source_problems(routes) == []
    documented = [f for f in routes["features"] if f["properties"]["evidence"] == "documented"]
    assert documented and all(f["properties"]["source_scope"] == "leg" for f in documented)


def test_chk011_a_documented_leg_with_route_sources_only_is_named(routes):
    bad = copy.deepcopy(routes)
    props = leg_of(bad, "air-main")["properties"]
    props["leg_sources"], props["source_scope"] = [], "route"
    assert checks.leg_source_problems(bad) == ["air-main: documented, but has no leg-level source"]


def test_chk012_a_waypoint_no_source_documents_is_named(routes):
    """The old VRAEM → Lima leg: La Oroya named, but none of its reports mentions it."""
    bad = copy.deepcopy(routes)
    props = leg_of(bad, "road-lima")["properties"]
    props["waypoints"] = ["Huancayo", "La Oroya", "Lima", "Port of Callao"]
    assert checks.leg_source_problems(bad) == ["road-lima: documented, but no leg source documents La Oroya"]


# ---- sea legs and land -----------------------------------------------------------------------------
def test_chk020_sea_legs_stay_off_land(routes):
    sea = [f for f in routes["features"] if f["properties"]["mode"] == "sea"]
    assert len(sea) >= 6
    assert checks.sea_land_problems(routes) == []


def test_chk021_a_sea_leg_across_land_is_named(routes):
    """The old Callao → Panama vertex pair (-8, -80.5) → (-2.5, -82) cut the Piura coast."""
    bad = copy.deepcopy(routes)
    line = leg_of(bad, "sea-panama")["geometry"]["coordinates"]
    line[1:3] = [[-80.5, -8.0], [-82.0, -2.5]]
    problems = checks.sea_land_problems(bad)
    assert len(problems) == 1 and problems[0].startswith("sea-panama: segment (-80.5, -8.0) → (-82.0, -2.5)")


def test_chk022_only_a_declared_waterway_may_cross_land(routes):
    """The Panama Canal crosses the land polygons; without its declaration the leg fails there."""
    bad = copy.deepcopy(routes)
    leg_of(bad, "sea-panama")["properties"]["waterways"] = []
    problems = checks.sea_land_problems(bad)
    assert problems and all(p.startswith("sea-panama: segment (-79.57, 8.95) → (-79.91, 9.35)") for p in problems)


def test_chk023_a_waterway_longer_than_the_limit_is_named(routes):
    bad = copy.deepcopy(routes)
    feature = leg_of(bad, "sea-antwerp")
    feature["geometry"]["coordinates"][-2] = [0.0, 51.45]
    feature["properties"]["waterways"][0]["from"] = [0.0, 51.45]
    assert [p for p in checks.sea_land_problems(bad) if p.startswith("sea-antwerp: waterway Western Scheldt")]


# ---- route ids -------------------------------------------------------------------------------------
def test_chk030_route_ids_on_events_have_lines_or_say_why(routes, events):
    assert checks.route_id_problems(routes, [row["route_id"] for row in events]) == []
    notes = routes["routes"]
    assert notes["vraem_internal"]["line"] is False and notes["vraem_internal"]["area"] == "vraem"
    used = {row["route_id"] for row in events}
    for route_id in ("callao_usa_sea", "peru_brazil_madre_de_dios"):  # lines kept, with no events: said so
        assert route_id not in used and "no bundled event" in notes[route_id]["note"]


def test_chk031_a_route_id_with_no_line_is_named(routes, events):
    bad = planted(events, "rutas:0006", route_id="vraem_coast")
    assert checks.route_id_problems(routes, [row["route_id"] for row in bad]) == [
        "route vraem_coast: events carry it but it has no line and no note saying why"]


def test_chk032_a_line_with_no_events_and_no_note_is_named(routes, events):
    bad = copy.deepcopy(routes)
    bad["routes"]["callao_usa_sea"]["note"] = ""
    assert checks.route_id_problems(bad, [row["route_id"] for row in events]) == [
        "route callao_usa_sea: a line with no events, and no note saying so"]
