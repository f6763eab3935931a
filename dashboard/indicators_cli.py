"""``python -m dashboard indicators list | import FILE | export``: the indicator series on the command line.

``list`` names every series (bundled and imported) with its unit, years, places and publishers;
``import`` checks a CSV in the columns of ``geodata/indicators.csv`` (see geodata/README.md),
keeps the good rows in the data directory and names every bad one (file, line, field);
``export`` writes the values (one series or all) as CSV in the same columns, each with its source;
``chart`` draws one series as PNG/SVG/PDF (unit in the title, every publisher on the source line)
with its alt text in a file beside it.
Also runnable on its own: ``python -m dashboard.indicators_cli …``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from dashboard.config import Settings
from dashboard.data.catalog import GEODATA_DIR
from dashboard.data.filters import parse_url_state
from dashboard.data.indicators import (
    IndicatorCatalog,
    import_indicators,
    indicators_csv_text,
    load_indicator_catalog,
)
from dashboard.data.schema import DataFileError
from dashboard.i18n import translate


def add_indicator_commands(commands) -> None:
    """The ``indicators`` command and its subcommands, on ``python -m dashboard``'s parser."""
    indicators = commands.add_parser("indicators", help="list, import or export indicator series (coca area, "
                                                        "seizures…)")
    actions = indicators.add_subparsers(dest="indicator_command", required=True)
    listing = actions.add_parser("list", help="every series: id, unit, years, places, values, publishers")
    listing.add_argument("--json", action="store_true")
    imported = actions.add_parser("import", help="add the good rows of a CSV of series (columns as "
                                                 "geodata/indicators.csv); bad rows are named")
    imported.add_argument("file")
    imported.add_argument("--json", action="store_true")
    export = actions.add_parser("export", help="the values of one series or all, with their sources, as CSV")
    export.add_argument("--series", default="", help="series id (default: every series)")
    export.add_argument("--out", default="-", help="file to write (default: standard output)")
    chart = actions.add_parser("chart", help="one series' chart as PNG, SVG or PDF: unit in the title, every "
                                             "publisher on the source line, alt text beside it (<out>.alt.txt)")
    chart.add_argument("--series", required=True, help="series id (see: indicators list)")
    chart.add_argument("--query", default="", help='a shared link\'s query for its dates, e.g. "from=2010-01-01&to=2020-12-31"')
    chart.add_argument("--format", choices=CHART_FORMATS, default="png")
    chart.add_argument("--width", type=int, default=1000, help="pixels (the height follows the places)")
    chart.add_argument("--lang", choices=("en", "es"), default=None, help="default: the link's language")
    chart.add_argument("--out", required=True, help="file to write")


CHART_FORMATS = ("png", "svg", "pdf")
CHART_HEIGHT_PX, PANEL_HEIGHT_PX = 260, 150  # a chart's title and footer, and each place's small multiple
MIN_CHART_WIDTH, MAX_CHART_WIDTH = 400, 4000


def _geodata(settings: Settings) -> Path:
    return Path(settings.geodata_dir) if settings.geodata_dir else GEODATA_DIR


def series_listing(catalog: IndicatorCatalog) -> list[dict[str, object]]:
    """One line of facts per series, for ``list``."""
    return [{"series_id": info.series_id, "title": info.title, "unit": info.unit,
             "years": f"{info.first_year}-{info.last_year}", "places": len(info.panels),
             "values": len(catalog.series_values(info.series_id)), "publishers": len(info.publishers)}
            for info in catalog.series()]


def run_indicators(settings: Settings, args: argparse.Namespace) -> int:
    """Run one ``indicators`` subcommand; messages to stderr, results to stdout; the exit status."""
    try:
        if args.indicator_command == "import":
            outcome = import_indicators(Path(args.file), _geodata(settings), Path(settings.data_dir))
            name = Path(args.file).name
            problems = [problem.describe(name) for problem in outcome.problems]
            if args.json:
                print(json.dumps({"kept": len(outcome.kept), "problems": problems}))
            else:
                for line in problems:
                    print(line, file=sys.stderr)
                print(f"kept {len(outcome.kept)} value(s) of {len({v.series_id for v in outcome.kept})} series; "
                      f"{len(problems)} problem(s)")
            return 0 if outcome.kept else 2
        catalog = load_indicator_catalog(_geodata(settings), Path(settings.data_dir))
    except DataFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.indicator_command == "list":
        rows = series_listing(catalog)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False))
        else:
            for row in rows:
                print(f"{row['series_id']}\t{row['unit']}\t{row['years']}\t{row['places']} place(s)\t"
                      f"{row['values']} value(s)\t{row['publishers']} publisher(s)\t{row['title']}")
        return 0
    if args.indicator_command == "chart":
        return run_chart(catalog, args)
    if args.series and catalog.info(args.series) is None:
        print(f"error: no series {args.series!r} (see: python -m dashboard indicators list)", file=sys.stderr)
        return 2
    values = catalog.series_values(args.series) if args.series else list(catalog.values)
    text = indicators_csv_text(values)
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"error: cannot write {args.out}: {error.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {len(values)} value(s) to {args.out}")
    return 0


def run_chart(catalog: IndicatorCatalog, args: argparse.Namespace) -> int:
    """Write one series' chart (every publisher named) and its alt text beside it."""
    from dashboard.exports.captions import indicator_words
    from dashboard.exports.charts import build_indicator_export
    from dashboard.exports.render import ExportError, render_figure
    from dashboard.exports.spec import ExportFormat
    from dashboard.figures.page_frame import NotedText, print_page
    from dashboard.figures.theme import EXPORT_LIGHT

    if catalog.info(args.series) is None:
        print(f"error: no series {args.series!r} (see: python -m dashboard indicators list)", file=sys.stderr)
        return 2
    if not MIN_CHART_WIDTH <= args.width <= MAX_CHART_WIDTH:
        print(f"error: --width must be from {MIN_CHART_WIDTH} to {MAX_CHART_WIDTH}", file=sys.stderr)
        return 2
    state, notices = parse_url_state(args.query.split("#", 1)[0].split("?", 1)[-1])
    for parameter, message in notices:
        print(f"warning: {parameter}: {translate(message)}", file=sys.stderr)
    lang = args.lang or state.lang
    # The export dialog's figure and words (exports/charts.py, exports/captions.py); taller with more places.
    title, alt, publishers = indicator_words(catalog, args.series, state.spec, lang)
    height = CHART_HEIGHT_PX + PANEL_HEIGHT_PX * len(catalog.info(args.series).panels)
    figure = build_indicator_export(catalog, args.series, state.spec, print_page(args.width, height, args.width),
                                    NotedText(title=title, subtitle="", source_line=publishers, credit="", lang=lang),
                                    EXPORT_LIGHT)
    figure.update_layout(meta={"alt": alt})
    out = Path(args.out)
    try:
        image = render_figure(figure, ExportFormat(args.format), width=args.width, height=int(figure.layout.height))
        out.write_bytes(image)
        out.with_name(out.name + ".alt.txt").write_text(alt + "\n", encoding="utf-8")
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot write {out}: {error.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {out} and {out.name}.alt.txt")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.indicators_cli", description=__doc__)
    add_indicator_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return run_indicators(settings, args)


if __name__ == "__main__":
    sys.exit(main())
