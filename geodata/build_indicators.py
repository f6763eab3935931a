"""Build ``geodata/indicators.csv`` (our schema) from the shared reference series.

Run from the repo root: ``python geodata/build_indicators.py [REFERENCE_DIR]``.
The reference (``../shared/reference/indicators/*.csv``) prints values as its sources print them:
``~20000 (approx.)``, ``>=14000``, ``62494 by 28 Oct (41,856 cocaine)``, ``6330 (PBC) / 7303 (HCl)``,
acres. Here each printed value becomes one or more rows of one series (value, bounds, approximate,
partial period, drug form), each row keeping its source, the quoted sentence and the text as
printed. Rows that are no yearly level of a series (changes, shares, single seizures, period
tolls) are left out and listed on stdout with the reason. No value is made up: the only derived
number is the 2001 acre figure in hectares, and its note says so.

The app reads only the written file, validated by ``dashboard.data.indicators``.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from the repo root: make `dashboard` importable

from dashboard.data.indicators import INDICATOR_COLUMNS, check_indicator_rows, port_names  # noqa: E402

DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "indicators"
OUTPUT = REPO / "geodata" / "indicators.csv"
HECTARES_PER_ACRE = 0.40468564224
# Peru's coca monitoring is DEVIDA-led from 2018 (with CONIDA), UNODC-led before: the first
# national value of the new method carries the break.
PERU_MONITORING_BREAK_YEAR = 2018

SERIES_UNITS = {
    "coca_area": "ha", "coca_area_us_estimate": "ha", "coca_eradication": "ha", "seizures_all_drugs": "kg",
    "seizures_cocaine": "kg", "seizures_cocaine_hcl": "kg", "seizures_cocaine_paste": "kg",
    "port_cocaine_seizures": "kg",
}
SERIES_TITLES = {
    "coca_area": "Coca cultivation (ha)",
    "coca_area_us_estimate": "Coca cultivation, US ONDCP estimate (ha)",
    "coca_eradication": "Coca eradication (ha)",
    "seizures_all_drugs": "Drug seizures, all drugs (kg)",
    "seizures_cocaine": "Cocaine seizures (kg)",
    "seizures_cocaine_hcl": "Cocaine hydrochloride seizures (kg)",
    "seizures_cocaine_paste": "Cocaine paste (PBC) seizures (kg)",
    "port_cocaine_seizures": "Cocaine seized at ports (kg)",
}
assert set(SERIES_TITLES) == set(SERIES_UNITS)

VRAEM_ZONES = {"VRAEM", "Apurimac-Ene (VRAE)", "VRAE (Devida/Correo)"}
VRAE_NOTE = ("VRAE: the Apurímac-Ene valleys as the source drew the zone then, before the Mantaro "
             "valley was added (VRAEM); not the same area as later VRAEM figures")
MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
NUMBER = r"(\d[\d,]*(?:\.\d+)?)"


def number_of(text: str) -> float:
    """A printed number: ',' groups thousands (the reference's value column never uses a decimal comma)."""
    return float(text.replace(",", ""))


def day_of(year: int, text: str) -> str:
    """``28 Oct`` of ``year`` as an ISO date."""
    day, month = text.split()
    return f"{year:04d}-{MONTHS[month.lower()[:3]]:02d}-{int(day):02d}"


def printed_value(text: str, year: int) -> dict[str, object]:
    """Value, bounds and flags of one printed value (one number with its qualifiers)."""
    text = text.strip()
    parsed: dict[str, object] = {"approximate": False, "partial_period": False, "lower": "", "upper": "",
                                 "period_start": "", "period_end": ""}
    if match := re.fullmatch(rf"~\s*{NUMBER}(?: \(approx\.\))?", text) or \
            re.fullmatch(rf"{NUMBER} \(approx\.\)", text):
        parsed.update(value=number_of(match.group(1)), approximate=True)
    elif match := re.fullmatch(rf">=?\s*{NUMBER}(?: \(to date\))?", text):
        value = number_of(match.group(1))
        parsed.update(value=value, lower=value, partial_period=text.endswith("(to date)"))
    elif match := re.fullmatch(rf"{NUMBER} \(to date\)", text):
        parsed.update(value=number_of(match.group(1)), partial_period=True)
    elif match := re.fullmatch(rf"{NUMBER} by (\d+ \w+)", text):
        parsed.update(value=number_of(match.group(1)), partial_period=True,
                      period_start=f"{year:04d}-01-01", period_end=day_of(year, match.group(2)))
    elif match := re.fullmatch(rf"{NUMBER} \(to (\d+ \w+)\)", text):
        parsed.update(value=number_of(match.group(1)), partial_period=True,
                      period_start=f"{year:04d}-01-01", period_end=day_of(year, match.group(2)))
    elif match := re.fullmatch(rf"{NUMBER} \(1 Jan-(\d+ \w+)\)", text):
        parsed.update(value=number_of(match.group(1)), partial_period=True,
                      period_start=f"{year:04d}-01-01", period_end=day_of(year, match.group(2)))
    elif match := re.fullmatch(rf"{NUMBER} \(Feb-Oct\)", text):
        parsed.update(value=number_of(match.group(1)), partial_period=True,
                      period_start=f"{year:04d}-02-01", period_end=f"{year:04d}-10-31")
    elif match := re.fullmatch(NUMBER, text):
        parsed.update(value=number_of(match.group(1)))
    else:
        raise ValueError(f"cannot read the printed value {text!r}")
    return parsed


# Printed values that hold several figures (forms, totals and parts, two sources): each part as
# (series, drug form, the part's own printed value, extra note). Keyed by (file, year, printed).
SPLITS: dict[tuple[str, str, str], list[tuple[str, str, str, str]]] = {
    ("peru_drug_seizures_and_exit_shares", "2004", "6330 (PBC) / 7303 (HCl)"): [
        ("seizures_cocaine_paste", "cocaine_paste", "6330", ""),
        ("seizures_cocaine_hcl", "cocaine_hcl", "7303", "")],
    ("peru_drug_seizures_and_exit_shares", "2005", "3199 (PBC) / 2199 (HCl)"): [
        ("seizures_cocaine_paste", "cocaine_paste", "3199", ""),
        ("seizures_cocaine_hcl", "cocaine_hcl", "2199", "")],
    ("peru_drug_seizures_and_exit_shares", "2017", "51000 (21,700 HCl; 14,700 PBC; 14,600 marijuana)"): [
        ("seizures_all_drugs", "all_drugs", "51000 (to date)", "seizures to date in late 2017"),
        ("seizures_cocaine_hcl", "cocaine_hcl", "21700 (to date)", "seizures to date in late 2017"),
        ("seizures_cocaine_paste", "cocaine_paste", "14700 (to date)", "seizures to date in late 2017")],
    ("peru_drug_seizures_and_exit_shares", "2019", "61400 (41,000 cocaine)"): [
        ("seizures_all_drugs", "all_drugs", "61400", ""),
        ("seizures_cocaine", "cocaine", "41000", "")],
    ("peru_drug_seizures_and_exit_shares", "2019", "63000"): [
        ("seizures_all_drugs", "all_drugs", "~63000", "'un total aproximado de 63 toneladas'")],
    ("peru_drug_seizures_and_exit_shares", "2020", "60700 (38,000 cocaine)"): [
        ("seizures_all_drugs", "all_drugs", "60700", ""),
        ("seizures_cocaine", "cocaine", "38000", "")],
    ("peru_drug_seizures_and_exit_shares", "2021", "62494 by 28 Oct (41,856 cocaine)"): [
        ("seizures_all_drugs", "all_drugs", "62494 by 28 Oct", ""),
        ("seizures_cocaine", "cocaine", "41856 by 28 Oct", "")],
    ("peru_drug_seizures_and_exit_shares", "2024", ">165000 (69 t PBC, >56 t marijuana, 40 t HCl)"): [
        ("seizures_all_drugs", "all_drugs", ">165000", ""),
        ("seizures_cocaine_paste", "cocaine_paste", "69000", "printed as '69' tonnes"),
        ("seizures_cocaine_hcl", "cocaine_hcl", "40000", "printed as '40' tonnes")],
    ("peru_drug_seizures_and_exit_shares", "Dec 2022-Dec 2023", "100100"): [
        ("seizures_all_drugs", "all_drugs", "100100",
         "12 months to 7 Dec 2023, not a calendar year (start date not stated)")],
    ("europe_port_cocaine_seizures_kg", "2017", "6016 (customs DAVA) / 7000 (all forces, Interior)"): [
        ("port_cocaine_seizures", "cocaine", "6016",
         "customs (Vigilancia Aduanera) only; eldiario.es gives 7,000 kg for all forces (Interior "
         "ministry), left out: its page is not in the reference")],
    ("europe_port_cocaine_seizures_kg", "2021", "~90000 (91 t per EU drug report)"): [
        ("port_cocaine_seizures", "cocaine", "~90000",
         "'knapp 90 Tonnen'; SIC Notícias (EU Drug Report 2023) gives 91 t, left out: its page is not in "
         "the reference")],
    ("europe_port_cocaine_seizures_kg", "2023", "141765 (44,000 via containers)"): [
        ("seizures_cocaine", "cocaine", "141765", "of which 44,000 kg via containers")],
    ("peru_coca_cultivation_ha", "2001", "114,160 acres (~46,200 ha)"): [
        ("coca_area", "", "46199",
         "printed in acres (114,160); converted here at 0.40468564 ha per acre")],
}
# A second source the reference names only in a note, with its page's address but not its
# sentence: kept, with the note as the quote and ``quote_verbatim`` false.
NOTED_SOURCES = [
    {"series_id": "port_cocaine_seizures", "place_kind": "port", "place_code": "Rotterdam", "country": "NLD",
     "year": 2019, "as_printed": "Rijnmond (Jan 2020) said 38,000 kg for 2019", "value": 38000.0,
     "publisher": "Rijnmond", "report": "Rijnmond (Jan 2020)",
     "source_url": "https://www.rijnmond.nl/nieuws/190645/Dubbel-zoveel-cocaine-onderschept-in-haven-van-Rotterdam",
     "quote": "Rijnmond (Jan 2020) said 38,000 kg for 2019: conflict",
     "note": "the reference's note on the NRC row; the page's own sentence was not stored",
     "reference": "europe_port_cocaine_seizures_kg.csv:15 (note)"},
]
PORTS = {"Antwerp": "Antwerp", "Rotterdam": "Rotterdam", "Valencia": "Valencia", "Algeciras": "Algeciras"}
CALLAO_PORT = "Port of Callao"


def publisher_of(report: str) -> str:
    """The outlet or body a reference row names first ("EFE via Peru.com, 2018" → "EFE")."""
    head = re.split(r" via |, | \(|; ", report, maxsplit=1)[0].strip()
    return head or report


def base_row(file: str, line: int, row: dict[str, str], year: int) -> dict[str, object]:
    report = row["publisher_report"].strip()
    return {"year": year, "publisher": publisher_of(report), "report": report, "source_url": row["source_url"].strip(),
            "quote": row["quote"].strip(), "quote_verbatim": True, "note": row.get("note", "").strip(),
            "reference": f"{file}.csv:{line}", "drug_form": "", "method_break": False}


def with_value(row: dict[str, object], printed: str, as_printed: str, extra_note: str = "") -> dict[str, object]:
    parsed = printed_value(printed, int(row["year"]))
    note = "; ".join(part for part in (extra_note, str(row.get("note", ""))) if part)
    return {**row, **parsed, "as_printed": as_printed, "note": note}


def coca_rows(file: str, rows: list[tuple[int, dict[str, str]]], skipped: list[str]) -> list[dict]:
    built = []
    for line, row in rows:
        dataset = row.get("dataset", "coca_area")
        zone, country, printed = row["zone"].strip(), row["country"].strip(), row["value"].strip()
        year = int(row["year"])
        base = base_row(file, line, row, year)
        if dataset == "coca_area" and zone == "national":
            place = {"series_id": "coca_area", "place_kind": "country", "place_code": country, "country": country}
        elif dataset == "coca_area" and zone in VRAEM_ZONES:
            place = {"series_id": "coca_area", "place_kind": "zone", "place_code": "VRAEM", "country": country}
            if zone != "VRAEM":
                base["note"] = "; ".join(p for p in (VRAE_NOTE, str(base["note"])) if p)
        elif dataset == "coca_area_ondcp":
            place = {"series_id": "coca_area_us_estimate", "place_kind": "country", "place_code": country,
                     "country": country}
        else:
            skipped.append(f"{file}.csv:{line} {dataset} {zone} {year}: no yearly level of a drawn place")
            continue
        base.update(place)
        # The break is the national monitoring's: the chart draws it for the country's zones too.
        base["method_break"] = (country == "PER" and place["series_id"] == "coca_area"
                                and place["place_kind"] == "country" and year == PERU_MONITORING_BREAK_YEAR)
        parts = SPLITS.get((file, row["year"].strip(), printed))
        if parts:
            built += [with_value({**base, "drug_form": form}, part, printed, note) for _, form, part, note in parts]
        else:
            built.append(with_value(base, printed, printed))
    return built


def eradication_rows(file: str, rows: list[tuple[int, dict[str, str]]]) -> list[dict]:
    built = []
    for line, row in rows:
        year = int(row["year"])
        base = base_row(file, line, row, year)
        base.update(series_id="coca_eradication", place_kind="country", place_code="PER", country="PER")
        scope = row["scope"].strip()
        extra = scope if scope not in ("Peru, reported eradication", "Peru, eradication") else ""
        value = with_value(base, row["value"].strip(), row["value"].strip(), extra)
        if "11 months" in scope:  # "in the 11 months through the end of 2019"
            value.update(partial_period=True, period_end=f"{year:04d}-12-31")
        built.append(value)
    return built


def seizure_rows(file: str, rows: list[tuple[int, dict[str, str]]], skipped: list[str]) -> list[dict]:
    built = []
    for line, row in rows:
        scope, printed, period = row["scope"].strip(), row["value"].strip(), row["year"].strip()
        if scope == "national":
            place = {"place_kind": "country", "place_code": "PER", "country": "PER"}
        elif scope == "Callao" and row["what"].startswith(("cocaine detected", "cocaine and cocaine base")):
            place = {"place_kind": "port", "place_code": CALLAO_PORT, "country": "PER"}
        else:
            skipped.append(f"{file}.csv:{line} {scope} {period}: {row['what']} (no yearly total)")
            continue
        if "destroyed" in printed:
            skipped.append(f"{file}.csv:{line} {period}: drugs destroyed, not seized")
            continue
        year = int(period[-4:])
        base = base_row(file, line, row, year) | place
        base["note"] = "; ".join(p for p in (row["what"].strip(), str(base["note"])) if p)
        parts = SPLITS.get((file, period, printed))
        if place["place_kind"] == "port":
            parts = [("port_cocaine_seizures", "cocaine", printed, "")]
        elif parts is None:
            parts = [("seizures_all_drugs", "all_drugs", printed, "")]
        built += [with_value({**base, "series_id": series, "drug_form": form}, part, printed, note)
                  for series, form, part, note in parts]
    return built


def port_rows(file: str, rows: list[tuple[int, dict[str, str]]]) -> list[dict]:
    built = []
    for line, row in rows:
        port, printed, year = row["port"].strip(), row["cocaine_kg"].strip(), int(row["year"])
        base = base_row(file, line, row, year) | {"drug_form": "cocaine", "country": row["country"].strip()}
        if port in PORTS:
            base.update(series_id="port_cocaine_seizures", place_kind="port", place_code=PORTS[port])
        else:  # "Spain (all)", "Netherlands (all)": national totals
            base.update(series_id="seizures_cocaine", place_kind="country", place_code=row["country"].strip())
        parts = SPLITS.get((file, row["year"].strip(), printed)) or [(base["series_id"], "cocaine", printed, "")]
        built += [with_value({**base, "series_id": series, "drug_form": form}, part, printed, note)
                  for series, form, part, note in parts]
    return built


def read_reference(path: Path) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(enumerate(csv.DictReader(handle), start=2))


def build_rows(reference: Path) -> tuple[list[dict], list[str]]:
    """Every row of our schema from the reference folder, and the reference rows left out."""
    skipped: list[str] = []
    rows = [
        *coca_rows("peru_coca_cultivation_ha", read_reference(reference / "peru_coca_cultivation_ha.csv"), skipped),
        *coca_rows("bolivia_coca_cultivation_ha", read_reference(reference / "bolivia_coca_cultivation_ha.csv"),
                   skipped),
        *eradication_rows("peru_coca_eradication_ha", read_reference(reference / "peru_coca_eradication_ha.csv")),
        *seizure_rows("peru_drug_seizures_and_exit_shares",
                      read_reference(reference / "peru_drug_seizures_and_exit_shares.csv"), skipped),
        *port_rows("europe_port_cocaine_seizures_kg", read_reference(reference / "europe_port_cocaine_seizures_kg.csv")),
    ]
    for noted in NOTED_SOURCES:
        rows.append({"approximate": False, "partial_period": False, "lower": "", "upper": "", "period_start": "",
                     "period_end": "", "drug_form": "cocaine", "method_break": False, "quote_verbatim": False,
                     **noted})
    for line, _ in read_reference(reference / "vraem_security_force_deaths_aggregates.csv"):
        skipped.append(f"vraem_security_force_deaths_aggregates.csv:{line}: a toll over a period, no yearly series")
    for row in rows:
        row["series_title"] = SERIES_TITLES[row["series_id"]]
        row["unit"] = SERIES_UNITS[row["series_id"]]
    # Peru's places first (the trade starts there), countries before zones before ports: the
    # catalog lists a series' places in file order, and so does the chart.
    kinds = {"country": 0, "zone": 1, "port": 2}
    rows.sort(key=lambda r: (r["series_id"], r["country"] != "PER", kinds[r["place_kind"]], r["place_code"],
                             r["drug_form"], r["year"], r["reference"]))
    return rows, skipped


def cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def write_rows(rows: list[dict], output: Path) -> None:
    temporary = output.with_suffix(".csv.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=INDICATOR_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: cell(row.get(column, "")) for column in INDICATOR_COLUMNS})
    temporary.replace(output)


def main(argv: list[str]) -> int:
    reference = Path(argv[1]) if len(argv) > 1 else DEFAULT_REFERENCE
    rows, skipped = build_rows(reference)
    text_rows = [{column: cell(row.get(column, "")) for column in INDICATOR_COLUMNS} for row in rows]
    _, problems = check_indicator_rows(text_rows, port_names(REPO / "geodata" / "places.csv"))
    if problems:
        for problem in problems:
            print(f"line {problem.line}, {problem.field}: {problem.message}", file=sys.stderr)
        return 1
    write_rows(rows, OUTPUT)
    print(f"wrote {len(rows)} rows of {len({r['series_id'] for r in rows})} series to {OUTPUT.relative_to(REPO)}")
    for line in skipped:
        print(f"left out: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
