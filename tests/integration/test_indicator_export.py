"""Issue 18, part 6: the CLI draws an indicator's chart (kaleido) with its alt text beside it."""

from __future__ import annotations

import pytest

from dashboard.data.catalog import GEODATA_DIR
from dashboard.data.indicators import load_indicator_catalog
from dashboard.exports.render import find_chart_browser


@pytest.mark.skipif(find_chart_browser() is None, reason="no Chromium for kaleido")
@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF"), ("svg", b"<svg")])
def test_ind201_cli_chart_writes_the_image_and_its_alt_text(tmp_path, monkeypatch, capsys, fmt, magic):
    from dashboard.indicators_cli import main

    monkeypatch.setenv("RUTAS_DATA_DIR", str(tmp_path / "instance"))
    out = tmp_path / f"ports.{fmt}"
    assert main(["indicators", "chart", "--series", "port_cocaine_seizures", "--query",
                 "?from=2018-01-01&to=2023-12-31&lang=es", "--format", fmt, "--out", str(out)]) == 0
    assert out.read_bytes().lstrip()[:len(magic)] == magic
    alt = (tmp_path / f"ports.{fmt}.alt.txt").read_text(encoding="utf-8")
    assert alt.startswith("Gráfico de Cocaína incautada en puertos (kg) por año, 2018–2023")
    catalog = load_indicator_catalog(GEODATA_DIR)
    shown = {v.publisher for v in catalog.series_values("port_cocaine_seizures") if 2018 <= v.year <= 2023}
    assert shown and all(name in alt for name in shown)
    assert main(["indicators", "chart", "--series", "nope", "--out", str(out)]) == 2
    assert "no series 'nope'" in capsys.readouterr().err


def test_ind050_an_open_date_range_takes_the_series_own_end():
    from datetime import date

    from dashboard.data.catalog import GEODATA_DIR
    from dashboard.data.filters import FilterSpec
    from dashboard.data.indicators import indicator_catalog
    from dashboard.exports.charts import spec_date_range

    catalog = indicator_catalog(GEODATA_DIR, None)
    info = catalog.info("coca_area")
    assert spec_date_range(FilterSpec(), catalog, "coca_area") is None
    assert spec_date_range(FilterSpec(date_from=date(2010, 1, 1)), catalog, "coca_area") == (
        date(2010, 1, 1), date(info.last_year, 12, 31))
    assert spec_date_range(FilterSpec(date_to=date(2009, 12, 31)), catalog, "coca_area") == (
        date(info.first_year, 1, 1), date(2009, 12, 31))
    both = FilterSpec(date_from=date(2013, 1, 1), date_to=date(2022, 12, 31))
    assert spec_date_range(both, catalog, "coca_area") == (date(2013, 1, 1), date(2022, 12, 31))
