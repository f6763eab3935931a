"""The export pack: one ZIP with everything a newsroom files with a chart."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime

from .spec import ExportContext
from .tables import csv_sidecar_text, events_csv, sidecar_name

# A fixed member time keeps the archive a function of its contents (same view, same bytes),
# except for the export time written inside the files themselves.
_MEMBER_TIME = (1980, 1, 1, 0, 0, 0)


def build_pack(members: dict[str, bytes], exported_at: datetime | None = None) -> bytes:
    """Zip ``members`` (archive name → bytes) in the given order.

    Parameters
    ----------
    members
        File names inside the archive (no folders) and their contents.
    exported_at
        When given, used as every member's modification time (so unzip shows the export time).
    """
    stamp = exported_at.timetuple()[:6] if exported_at is not None else _MEMBER_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if "/" in name or "\\" in name or name.startswith("."):
                raise ValueError(f"pack member names are plain file names, not {name!r}")
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def table_members(csv_name: str, rows: Sequence[Mapping[str, object]], context: ExportContext) -> dict[str, bytes]:
    """The pack's data files: the plain CSV table and, beside it, its sidecar.

    Parameters
    ----------
    csv_name
        The CSV's file name in the archive (``….csv``).
    rows
        Export rows (:func:`dashboard.exports.tables.export_rows`).
    context
        The export's context: what the sidecar records (filters, counts, permalink, time).

    Returns
    -------
    dict
        ``{csv_name: the CSV (header on line 1), "<stem>.meta.txt": its sidecar (UTF-8)}``, in
        that order, ready to merge into :func:`build_pack`'s members.
    """
    return {csv_name: events_csv(rows, context),
            sidecar_name(csv_name): csv_sidecar_text(rows, context, csv_name).encode("utf-8")}
