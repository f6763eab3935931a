"""``python -m dashboard export``: every format from a shared link, in a fresh process as a user runs it."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pypdf
import pytest

from dashboard.data.filters import parse_url_state
from dashboard.exports.tables import read_events_csv

REPO = Path(__file__).resolve().parents[2]
QUERY = "?type=drug_seizure&from=2019-01-01&to=2024-12-31"


def run_cli(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard", "export", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300,
                          env={"RUTAS_DATA_DIR": str(tmp_path / "instance"), "PATH": "/usr/bin:/bin",
                               "HOME": str(tmp_path)})


@pytest.mark.parametrize("fmt", ["csv", "geojson", "xlsx"])
def test_exp115_cli_exports_data_of_a_shared_link(tmp_path, fmt, app_context):
    out = tmp_path / f"view.{fmt}"
    result = run_cli(tmp_path, f"http://127.0.0.1:8050/{QUERY}", "--format", fmt, "--out", str(out))
    assert result.returncode == 0, result.stderr
    count = app_context.store.count(parse_url_state(QUERY)[0].spec)
    assert f"{count:,} events" in result.stdout and "alt text:" in result.stdout
    data = out.read_bytes()
    if fmt == "csv":
        assert len(read_events_csv(data)[1]) == count
    elif fmt == "geojson":
        assert len(json.loads(data)["features"]) == count
    else:
        assert data[:2] == b"PK"
    assert not list(tmp_path.glob(".*.partial"))


def test_exp116_cli_refuses_an_unwritable_path(tmp_path):
    result = run_cli(tmp_path, QUERY, "--format", "csv", "--out", str(tmp_path / "missing-folder" / "x.csv"))
    assert result.returncode == 2 and "cannot write" in result.stderr


def test_exp118_cli_pack_holds_png_svg_csv_alt_text_sources_and_link(tmp_path, app_context):
    out = tmp_path / "pack.zip"
    result = run_cli(tmp_path, QUERY, "--format", "pack", "--size", "square", "--lang", "es",
                     "--title", "Decomisos 2019–2024", "--out", str(out))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        names = archive.namelist()
        assert [n.rsplit(".", 1)[-1] for n in names] == ["png", "svg", "csv", "txt", "txt", "txt", "txt"]
        assert names[3] == names[2].removesuffix(".csv") + ".meta.txt"  # the CSV's record, beside it
        png = archive.read(names[0])
        assert struct.unpack(">II", png[16:24]) == (1080, 1080)
        assert b"Decomisos 2019" in archive.read(names[1])
        count = app_context.store.count(parse_url_state(QUERY)[0].spec)
        assert len(read_events_csv(archive.read(names[2]))[1]) == count
        assert "eventos" in archive.read("alt-text.txt").decode()
        assert "http" in archive.read("sources.txt").decode()
        assert "lang=es" in archive.read("permalink.txt").decode()


def test_exp119_cli_pdf_is_one_a4_landscape_page(tmp_path):
    out = tmp_path / "map.pdf"
    result = run_cli(tmp_path, QUERY, "--format", "pdf", "--size", "a4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 842) < 3 and abs(float(box.height) - 595) < 3


def test_exp123_cli_names_ignored_parameters_and_refuses_a_folder_as_out(tmp_path):
    out = tmp_path / "view.csv"
    result = run_cli(tmp_path, "type=seizure&from=2030-13-01", "--format", "csv", "--out", str(out))
    assert result.returncode == 0 and out.exists()
    assert "ignored parameter type" in result.stderr and "ignored parameter from" in result.stderr
    result = run_cli(tmp_path, QUERY, "--format", "csv", "--out", str(tmp_path))
    assert result.returncode == 2 and "must name a file" in result.stderr
    assert "Traceback" not in result.stderr


def test_exp124_pdf_carries_title_alt_text_credit_and_language(tmp_path, app_context):
    out = tmp_path / "timeline.pdf"
    result = run_cli(tmp_path, QUERY, "--chart", "timeline", "--format", "pdf", "--lang", "es",
                     "--title", "Decomisos, 2019–2024", "--credit", "Gráfico: A. Periodista", "--out", str(out))
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(out)
    info = reader.metadata
    count = app_context.store.count(parse_url_state(QUERY)[0].spec)
    assert info.title == "Decomisos, 2019–2024" and info.author == "Gráfico: A. Periodista"
    assert str(count) in info.subject and "eventos" in info.subject
    assert reader.trailer["/Root"]["/Lang"] == "es"
    text = reader.pages[0].extract_text()
    assert "Decomisos" in text and "Fuente: Rutas" in text
