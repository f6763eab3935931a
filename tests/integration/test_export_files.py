"""Export plumbing that needs no renderer: requests from controls, names, links, packs, descriptions."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from datetime import UTC, datetime

import pytest

from dashboard.data.filters import FilterSpec, UrlState
from dashboard.exports.described import describe_png, describe_svg, png_text
from dashboard.exports.pack import build_pack
from dashboard.exports.service import file_stem, human_size, permalink_for
from dashboard.exports.spec import (
    DEFAULT_BASE_URL,
    PRESET_PIXELS,
    ChartKind,
    ExportTheme,
    SizePreset,
    public_base_url,
    request_from_controls,
)


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_exp100_controls_become_a_request_and_junk_becomes_the_default():
    request = request_from_controls("timeline", "story", 3, "dark", "  My title ", "Graphic: A. B.", "country")
    assert (request.chart, request.size, request.scale, request.theme) == (
        ChartKind.TIMELINE, SizePreset.STORY, 3, ExportTheme.DARK)
    assert (request.title, request.credit, request.breakdown_field) == ("My title", "Graphic: A. B.", "country")
    assert request.pixels == (1080, 1920)
    junk = request_from_controls("pie", "poster", "9", "neon", None, "x" * 500, "actors; DROP")
    assert (junk.chart, junk.size, junk.scale, junk.theme) == (
        ChartKind.MAP, SizePreset.WEB, 1, ExportTheme.LIGHT)
    assert junk.title == "" and len(junk.credit) == 200 and junk.breakdown_field == "event_type"


def test_exp101_presets_are_the_issue_sizes_and_a4_is_landscape_at_96_dpi():
    assert PRESET_PIXELS[SizePreset.WEB] == (1200, 675)
    assert PRESET_PIXELS[SizePreset.SQUARE] == (1080, 1080)
    assert PRESET_PIXELS[SizePreset.STORY] == (1080, 1920)
    width, height = PRESET_PIXELS[SizePreset.A4]
    assert abs(width / 96 * 25.4 - 297) < 0.5 and abs(height / 96 * 25.4 - 210) < 0.5


def test_exp102_permalink_reopens_the_view_and_refuses_other_schemes():
    state = UrlState(spec=FilterSpec(event_types=("drug_seizure",)), lang="es")
    link = permalink_for("http://example.org:8050", state)
    assert link == "http://example.org:8050/?type=drug_seizure&lang=es"
    assert permalink_for("javascript:alert(1)", state).startswith("http://127.0.0.1:8050/?")
    assert permalink_for("https://rutas.example/app/", UrlState()) == "https://rutas.example/app/"


def test_exp104_one_base_url_rule_setting_then_request_then_local():
    assert public_base_url("https://rutas.example/app/", "http://10.0.0.5:8050/") == "https://rutas.example/app/"
    assert public_base_url("", "http://10.0.0.5:8050/", ("10.0.0.5",)) == "http://10.0.0.5:8050/"  # allowed host
    assert public_base_url(None, None) == public_base_url("") == DEFAULT_BASE_URL == "http://127.0.0.1:8050/"


def test_exp103_file_names_are_ascii_words_with_the_date():
    when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert file_stem("map", "Decomisos en Apurímac, 2019–2024", when) == \
        "rutas-map-decomisos-en-apurimac-2019-2024-20261201"
    assert file_stem("events", "../../etc/passwd", when) == "rutas-events-etc-passwd-20261201"
    assert file_stem("timeline", "¿¡!?", when) == "rutas-timeline-20261201"


def test_exp104_png_carries_title_and_alt_text_and_stays_a_valid_png():
    described = describe_png(tiny_png(), "Seizures", "Map of 12 events in Peru, 2019–2024. Ñandú.")
    assert png_text(described) == {"Title": "Seizures", "Description": "Map of 12 events in Peru, 2019–2024. Ñandú."}
    position, kinds = 8, []
    while position < len(described):  # every chunk's CRC still matches
        length, kind = struct.unpack(">I4s", described[position:position + 8])
        payload = described[position + 8:position + 8 + length]
        crc = struct.unpack(">I", described[position + 8 + length:position + 12 + length])[0]
        assert zlib.crc32(kind + payload) == crc
        kinds.append(kind)
        position += 12 + length
    assert kinds == [b"IHDR", b"iTXt", b"iTXt", b"IDAT", b"IEND"]
    with pytest.raises(ValueError):
        describe_png(b"GIF89a", "t", "d")


def test_exp105_svg_gets_title_desc_and_label_escaped():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>'
    described = describe_svg(svg, "A <b> & title", 'Alt "quoted" <text>')
    root = ET.fromstring(described)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "A <b> & title"
    assert root.find(f"{ns}desc").text == 'Alt "quoted" <text>'
    assert root.get("aria-label") == 'Alt "quoted" <text>' and root.get("role") == "img"
    assert root.find(f"{ns}rect") is not None


def test_exp106_pack_holds_the_members_in_order_and_refuses_paths():
    when = datetime(2026, 12, 1, 9, 30, 5, tzinfo=UTC)
    data = build_pack({"a.png": b"\x89PNG", "alt-text.txt": "Ñ".encode(), "permalink.txt": b"http://x/"}, when)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["a.png", "alt-text.txt", "permalink.txt"]
        assert archive.read("alt-text.txt").decode() == "Ñ"
        assert archive.getinfo("a.png").date_time == (2026, 12, 1, 9, 30, 4)  # zip keeps even seconds
    with pytest.raises(ValueError):
        build_pack({"../evil.txt": b""})


def test_exp107_sizes_read_like_a_person_wrote_them():
    assert human_size(512) == "512 bytes"
    assert human_size(2048) == "2.0 KB"
    assert human_size(3 * 1024 * 1024) == "3.0 MB"


def test_exp108_svg_description_with_control_characters_stays_well_formed():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    described = describe_svg(svg, "title\x01", "search \x00ab\x1fcd")
    root = ET.fromstring(described)  # raises on an XML-illegal character
    assert root.get("aria-label") == "search \ufffdab\ufffdcd"


def test_exp109_an_infinite_scale_from_a_crafted_request_is_the_default():
    assert request_from_controls(scale=float("inf")).scale == 1
    assert request_from_controls(scale=float("nan")).scale == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_exp126_data_exports_stop_at_the_row_limit_just_over_and_pass_just_under(store, bundled, fmt):
    from dashboard.data.filters import parse_url_state
    from dashboard.exports.service import ExportTooLargeError, export_view

    query = "type=drug_seizure&from=2019-01-01&to=2024-12-31"
    count = store.count(parse_url_state(query)[0].spec)
    layers = bundled
    request = request_from_controls()
    assert export_view(store, layers, query, fmt, request, max_rows=count).context.events == count
    with pytest.raises(ExportTooLargeError, match=f"{count:,} events .* at most {count - 1:,}"):
        export_view(store, layers, query, fmt, request, max_rows=count - 1)


def test_dfc010_pack_table_members_are_a_plain_csv_and_its_sidecar(store):
    import pandas as pd

    from dashboard.exports.pack import table_members
    from dashboard.exports.spec import ExportContext
    from dashboard.exports.tables import EXPORT_COLUMNS, export_rows

    spec = FilterSpec(event_types=("drug_seizure",))
    rows = export_rows(store, spec)
    when = datetime(2026, 5, 9, 10, 30, tzinfo=UTC)
    context = ExportContext(spec=spec, lang="en", title="Seizures", subtitle="Type: seizure", source_line="Source",
                            alt_text="", permalink="https://rutas.example/?type=drug_seizure", exported_at=when,
                            events=len(rows), sources=1)
    members = table_members("rutas-events-seizures.csv", rows, context)
    assert list(members) == ["rutas-events-seizures.csv", "rutas-events-seizures.meta.txt"]
    with zipfile.ZipFile(io.BytesIO(build_pack(members, when))) as archive:
        frame = pd.read_csv(io.BytesIO(archive.read("rutas-events-seizures.csv")))
        sidecar = archive.read("rutas-events-seizures.meta.txt").decode("utf-8")
    assert list(frame.columns) == list(EXPORT_COLUMNS) and len(frame) == len(rows) == store.count(spec)
    assert "permalink: https://rutas.example/?type=drug_seizure" in sidecar.splitlines()
    assert f"events: {len(rows)}" in sidecar.splitlines()


def test_dfc011_cli_export_csv_opens_with_pandas_defaults(app_context, tmp_path):
    import argparse

    import pandas as pd

    from dashboard.__main__ import run_export
    from dashboard.data.filters import parse_url_state

    query = "type=drug_seizure&from=2019-01-01&to=2024-12-31"
    out = tmp_path / "view.csv"
    args = argparse.Namespace(chart="map", size="web", scale=1, theme="light", title="", credit="",
                              breakdown="event_type", query=f"http://127.0.0.1:8050/?{query}", out=str(out),
                              format="csv", lang=None, base_url="")
    message, status = run_export(app_context, args)
    assert status == 0, message
    frame = pd.read_csv(out)
    count = app_context.store.count(parse_url_state(query)[0].spec)
    assert len(frame) == count and frame.columns[0] == "event_id"
    assert set(frame["event_type"]) == {"drug_seizure"}
    assert pd.to_datetime(frame["event_date"]).between("2019-01-01", "2024-12-31").all()
