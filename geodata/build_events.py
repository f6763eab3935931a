"""Build ``geodata/events.csv`` (our schema) from the shared reference table.

Run from the repo root: ``python geodata/build_events.py [REFERENCE_CSV]``.
The reference lives outside the repo (``../shared/reference/events_reference.csv``); the app only
ever reads the derived file written here. Ids are assigned in reference order (the reference is
sorted by date and append-only), so ``rutas:0001`` always names the same event.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from the repo root: make `dashboard` importable

from dashboard.data.actors import group_actor  # noqa: E402

DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "events_reference.csv"
OUTPUT = REPO / "geodata" / "events.csv"

OUTPUT_COLUMNS = [
    "event_id", "event_date", "date_precision", "event_type", "actors", "actor_groups",
    "country", "admin1", "admin2", "location", "latitude", "longitude", "geo_precision",
    "fatalities", "drug", "quantity_kg", "origin", "destination", "route_id", "summary",
    "source_name", "source_url", "dataset", "synthetic",
]

def convert_row(number: int, row: dict[str, str]) -> dict[str, str]:
    """Map one reference row onto our schema, keeping every fact and its source."""
    actors = [a.strip() for a in row["actors"].split(";") if a.strip()]
    groups = sorted({group_actor(a) for a in actors})
    return {
        "event_id": f"rutas:{number:04d}",
        "event_date": row["event_date"],
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


def main(reference: Path = DEFAULT_REFERENCE) -> None:
    with reference.open(encoding="utf-8", newline="") as handle:
        rows = [convert_row(i, row) for i, row in enumerate(csv.DictReader(handle), start=1)]
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OUTPUT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} events to {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REFERENCE)
