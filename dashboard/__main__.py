"""Command line: ``python -m dashboard info|query|export|story|import|datasets|delete|synth|db|users|indicators``.

``query`` takes the same query string a shared link carries and runs it through the same
parser and store as the app, so the numbers always match what the browser shows.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from dashboard.config import Settings, import_limits
from dashboard.data.database import DatabaseUnavailable, SchemaOutdated
from dashboard.data.datasets import DatasetNotFound, import_into
from dashboard.data.facets import BREAKDOWN_FIELDS, DEFAULT_BREAKDOWN
from dashboard.data.filters import parse_url_state
from dashboard.data.imports.detect import FORCEABLE
from dashboard.data.schema import EVENT_COLUMNS, DataFileError
from dashboard.data.stories import StoryError, StoryNotFound, StoryRepository, story_in
from dashboard.data.synth import DEFAULT_SEED, synthetic_events, write_synthetic_csv
from dashboard.exports.briefing import BriefingFormat, build_briefing
from dashboard.exports.render import ExportError
from dashboard.exports.service import DEFAULT_BASE_URL, export_view
from dashboard.exports.spec import ChartKind, ExportFormat, ExportTheme, SizePreset, request_from_controls
from dashboard.i18n import translate
from dashboard.indicators_cli import add_indicator_commands, run_indicators
from dashboard.state.context import AppContext, dataset_repository_for, load_context
from dashboard.state.views import indicator_catalog_of, json_cell
from dashboard.users_cli import add_users_parser, run_users

FORMAT_CHOICES = ("auto", *FORCEABLE)


def dataset_info(context: AppContext) -> dict[str, object]:
    """Datasets, counts, date range and the share of events with a source link."""
    store = context.store
    extent = store.date_extent()
    links = store.source_links()
    return {
        "datasets": [{"id": d.dataset_id, "events": d.events, "synthetic": d.synthetic > 0}
                     for d in store.datasets()],
        "events": store.size,
        "date_from": str(extent[0]) if extent else None,
        "date_to": str(extent[1]) if extent else None,
        "with_source": links.events_with_link,
        "share_with_source": round(links.events_with_link / store.size, 4) if store.size else 0.0,
        "sources": links.links,
        "route_legs": len(context.data.routes["features"]),
    }


def run_info(context: AppContext, as_json: bool) -> str:
    info = dataset_info(context)
    if as_json:
        return json.dumps(info, indent=2)
    lines = [f"{d['id']}: {d['events']} events{' (synthetic)' if d['synthetic'] else ''}"
             for d in info["datasets"]]
    lines += [
        f"events: {info['events']}",
        f"dates: {info['date_from']} to {info['date_to']}",
        f"with a source link: {info['with_source']} ({info['share_with_source']:.0%}), "
        f"{info['sources']} distinct reports",
    ]
    return "\n".join(lines)


def run_query(context: AppContext, query: str, output_format: str) -> tuple[str, list[str]]:
    """Events a shared view shows, as a count, CSV or JSON; also returns parameter notices."""
    state, notices = parse_url_state(query)
    messages = [f"ignored parameter {param}: {translate(message)}" for param, message in notices]
    if output_format == "count":
        return str(context.store.count(state.spec)), messages
    columns = context.store.rows(state.spec, EVENT_COLUMNS, order_by="event_date", descending=False)
    records = [{name: json_cell(columns[name][i]) for name in EVENT_COLUMNS}
               for i in range(len(columns["event_id"]))]
    if output_format == "json":
        return json.dumps(records, ensure_ascii=False, indent=1), messages
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(EVENT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue().rstrip("\n"), messages


def run_export(context: AppContext, args: argparse.Namespace) -> tuple[str, int]:
    """Write one export of a shared view; status 2 when it cannot be made or written."""
    request = request_from_controls(args.chart, args.size, args.scale, args.theme, args.title, args.credit,
                                    args.breakdown)  # the same limits as the dialog (title ≤ 200 chars)
    query = args.query.split("#", 1)[0].split("?", 1)[-1]
    notices = [f"ignored parameter {param}: {translate(message)}" for param, message in parse_url_state(query)[1]]
    out = Path(args.out)
    if not out.name or out.is_dir():
        return f"error: --out must name a file, not {args.out!r}", 2
    try:
        exported = export_view(context.store, context.data,
                               query, ExportFormat(args.format), request, lang=args.lang,
                               base_url=args.base_url or context.settings.public_url or DEFAULT_BASE_URL,
                               dataset_names=context.dataset_names(), max_rows=context.settings.max_export_rows,
                               indicators=indicator_catalog_of(context))
    except ExportError as error:
        return f"error: the chart could not be rendered: {error}", 2
    except ValueError as error:  # e.g. more rows than an Excel sheet holds
        return f"error: {error}", 2
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_bytes(exported.data)
        partial.replace(out)  # never leave a half-written file under the requested name
    except OSError as error:
        partial.unlink(missing_ok=True)
        return f"error: cannot write {out}: {error.strerror}", 2
    for notice in notices:  # as `query` does: the file was made, but not from every parameter
        print(notice, file=sys.stderr)
    lines = [f"wrote {out} ({len(exported.data):,} bytes, {exported.context.events:,} events)",
             f"title: {exported.context.title}", f"alt text: {exported.context.alt_text}",
             f"link: {exported.context.permalink}"]
    return "\n".join(lines), 0


def run_story_list(settings: Settings, as_json: bool) -> tuple[str, list[str]]:
    """Every readable story (bundled first); also one message per story file that cannot be read."""
    listings, errors = StoryRepository(Path(settings.data_dir)).list()
    messages = [f"error: cannot read story {error}" for error in errors]  # names the file and each problem
    if as_json:
        return json.dumps([listing.to_json() for listing in listings], ensure_ascii=False, indent=1), messages
    if not listings:
        return "no stories", messages
    lines = [f"{s.story_id}: {s.title} — {s.slides} slide{'s' if s.slides != 1 else ''}"
             f"{' (bundled)' if s.bundled else ''}" for s in listings]
    return "\n".join(lines), messages


def run_story_export(context: AppContext, args: argparse.Namespace) -> tuple[str, int]:
    """Write a story's briefing pack (PDF or PPTX); status 2 when it cannot be made or written."""
    out = Path(args.out)
    if not out.name or out.is_dir():
        return f"error: --out must name a file, not {args.out!r}", 2
    if not out.parent.is_dir():  # before minutes of rendering, not after
        return f"error: cannot write {out}: the folder {out.parent} does not exist", 2
    try:
        story = context.stories.get(args.story)
    except StoryNotFound:
        listings, _ = context.stories.list()
        known = ", ".join(s.story_id for s in listings) or "none"
        return f"error: no story '{args.story}' (available: {known})", 2
    except (StoryError, OSError) as error:
        return f"error: cannot read story '{args.story}': {error}", 2
    fmt = BriefingFormat(args.format)
    try:
        data = build_briefing(context.store, context.data, story_in(story, args.lang), fmt, lang=args.lang,
                              dataset_names=context.dataset_names(),
                              base_url=args.base_url or context.settings.public_url or DEFAULT_BASE_URL,
                              indicators=indicator_catalog_of(context))
    except ExportError as error:
        return f"error: the briefing pack could not be rendered: {error}", 2
    except ValueError as error:
        return f"error: {error}", 2
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(out)  # never leave a half-written file under the requested name
    except OSError as error:
        partial.unlink(missing_ok=True)
        return f"error: cannot write {out}: {error.strerror}", 2
    unit = "pages" if fmt is BriefingFormat.PDF else "slides"
    count = len(story.slides)
    return f"wrote {out} ({count} {unit if count != 1 else unit[:-1]}, {len(data):,} bytes)", 0


def run_import(settings: Settings, path: str, file_format: str, name: str, as_json: bool,
               stated_date: str = "") -> tuple[str, int]:
    """Import a file into the data directory; exit status 1 only when nothing was imported.

    ``stated_date`` dates the rows that have none (a day, month, year or first/last period).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        return f"error: cannot read {path}: {error.strerror}", 2
    repository = dataset_repository_for(settings)
    report = import_into(repository, data, Path(path).name, name=name, file_format=file_format,
                         limits=import_limits(settings), stated_date=stated_date)
    if report.dataset_id:
        report.duplicates = load_context(settings).duplicates_in(report.dataset_id)
    status = 0 if report.imported else 1
    if as_json:
        return json.dumps(report.to_dict(), ensure_ascii=False, indent=1), status
    return "\n".join(report.summary_lines()), status


def run_datasets(settings: Settings, as_json: bool) -> str:
    metas = dataset_repository_for(settings).list()
    if as_json:
        return json.dumps([m.to_json() | {"report": None} for m in metas], ensure_ascii=False, indent=1)
    if not metas:
        return "no imported datasets (the bundled data is always there as 'rutas')"
    return "\n".join(f"{m.dataset_id}: {m.name} — {m.events} events from {m.file_name} "
                     f"({m.format}, imported {m.imported_at})" for m in metas)


def run_delete(settings: Settings, dataset_id: str) -> tuple[str, int]:
    try:
        meta = dataset_repository_for(settings).delete(dataset_id)
    except DatasetNotFound:
        return f"error: no dataset '{dataset_id}' (see: python -m dashboard datasets)", 2
    return f"deleted {meta.dataset_id} ({meta.events} events from {meta.file_name})", 0


def run_synth(n: int, out: str, seed: int) -> tuple[str, int]:
    """Write ``n`` synthetic events as a CSV that ``import`` reads; status 2 when it cannot."""
    if n < 1:
        return f"error: --n must be at least 1, not {n}", 2
    try:
        write_synthetic_csv(synthetic_events(n, seed=seed), out)
    except OSError as error:
        return f"error: cannot write {out}: {error.strerror}", 2
    return f"wrote {n:,} synthetic events (seed {seed}) to {out}", 0


def run_db(settings: Settings, args: argparse.Namespace) -> tuple[str, int]:
    """The shared deployment's database: ``db upgrade`` migrates it to this version's schema;
    ``db import-files DIR`` copies an embedded deployment's datasets into it."""
    from dashboard.data.database import DatabaseUnavailable, DatabaseUrlError, SchemaOutdated, upgrade
    from dashboard.data.database.datasets import PostgisDatasetRepository, import_files
    from dashboard.data.database.migrate import require_current_schema

    try:
        if args.db_command == "upgrade":
            return f"database schema at revision {upgrade(settings.database_url)}", 0
        if args.db_command == "words":
            require_current_schema(settings.database_url)
            return run_db_words(settings.database_url, args.words_command, getattr(args, "words", ()))
        directory = Path(args.data_dir)
        if not (directory / "datasets").is_dir():
            return f"error: {directory} holds no datasets/ folder (is it a RUTAS_DATA_DIR?)", 2
        require_current_schema(settings.database_url)
        lines = import_files(PostgisDatasetRepository(settings.database_url), directory)
    except (DatabaseUrlError, DatabaseUnavailable, SchemaOutdated) as error:
        return f"error: {error}", 2
    return "\n".join(lines) or f"no datasets in {directory}", 0


def run_db_words(url: str, command: str, words: Sequence[str]) -> tuple[str, int]:
    """``db words list|add|remove``: the words searches read groups for (see
    :mod:`dashboard.data.database.search_words`)."""
    from dashboard.data.database.search_words import SearchWordError, drop_words, keep_words, word_list

    try:
        if command == "add":
            started = time.perf_counter()
            written = keep_words(url, words)
            took = time.perf_counter() - started
            return "\n".join(f"{word}: kept, groups written for {facts:,} events" if facts else
                             f"{word}: kept (its groups were there already or no event holds it)"
                             for word, facts in written) + f"\n({took:.1f} s)", 0
        if command == "remove":
            return "\n".join(f"{word}: groups dropped" for word in drop_words(url, words)), 0
    except SearchWordError as error:
        return f"error: {error}", 2
    listed = word_list(url)
    if not listed:
        return "no search words have groups (python -m dashboard db words add WORD)", 0
    lines = [f"{'word':<24} {'kind':<6} {'events':>12} {'groups':>12}"]
    lines += [f"{w.word:<24} {'kept' if w.kept else 'place':<6} {w.facts:>12,} {w.groups:>12,}" for w in listed]
    return "\n".join(lines), 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    info = commands.add_parser("info", help="datasets, counts, date range, share with a source")
    info.add_argument("--json", action="store_true")
    query = commands.add_parser("query", help="events a shared view shows")
    query.add_argument("query", help='URL query string, e.g. "type=drug_seizure&from=2017-01-01"')
    query.add_argument("--format", choices=("count", "csv", "json"), default="count")
    imports = commands.add_parser("import", help="import ACLED, UCDP, CSV, GeoJSON, GeoPackage or KML/KMZ")
    imports.add_argument("file")
    imports.add_argument("--format", choices=FORMAT_CHOICES, default="auto")
    imports.add_argument("--name", default="", help="dataset name (default: the file name)")
    imports.add_argument("--json", action="store_true")
    imports.add_argument("--date", default="", metavar="PERIOD",
                         help="date for rows without one, e.g. 2021-03-15, 2021-03, 2021 or "
                              "2021-03-01/2021-03-20 (files of places with no dates, like My Maps layers)")
    datasets = commands.add_parser("datasets", help="list imported datasets")
    datasets.add_argument("--json", action="store_true")
    delete = commands.add_parser("delete", help="delete an imported dataset")
    delete.add_argument("dataset_id")
    export = commands.add_parser("export", help="export a chart (png/svg/pdf/html), the data (csv/xlsx/geojson) "
                                                "or a ZIP pack of a shared view")
    export.add_argument("query", help='URL query string, e.g. "type=drug_seizure&from=2019-01-01"')
    export.add_argument("--chart", choices=[c.value for c in ChartKind], default=ChartKind.MAP.value)
    export.add_argument("--format", choices=[f.value for f in ExportFormat], default=ExportFormat.PNG.value)
    export.add_argument("--size", choices=[s.value for s in SizePreset], default=SizePreset.WEB.value)
    export.add_argument("--scale", type=int, choices=(1, 2, 3), default=1, help="PNG pixel density")
    export.add_argument("--theme", choices=[t.value for t in ExportTheme], default=ExportTheme.LIGHT.value)
    export.add_argument("--title", default="", help="chart title (default: written from the filters)")
    export.add_argument("--credit", default="", help="credit line printed in the footer")
    export.add_argument("--lang", choices=("en", "es"), default=None, help="default: the link's language")
    export.add_argument("--breakdown", choices=BREAKDOWN_FIELDS, default=DEFAULT_BREAKDOWN,
                        help="what the breakdown chart counts")
    export.add_argument("--base-url", default="", help="where the permalink points (default: RUTAS_PUBLIC_URL, "
                                                        f"else {DEFAULT_BASE_URL})")
    export.add_argument("--out", required=True, help="file to write")
    story = commands.add_parser("story", help="list stories or export a story's briefing pack (PDF/PPTX)")
    story_commands = story.add_subparsers(dest="story_command", required=True)
    story_list = story_commands.add_parser("list", help="bundled and saved stories: id, title, slides")
    story_list.add_argument("--json", action="store_true")
    story_export = story_commands.add_parser("export", help="the briefing pack of a story: one PDF page or "
                                                             "PPTX slide per slide")
    story_export.add_argument("story", help="story id (see: python -m dashboard story list)")
    story_export.add_argument("--format", choices=[f.value for f in BriefingFormat], required=True)
    story_export.add_argument("--out", required=True, help="file to write")
    story_export.add_argument("--lang", choices=("en", "es"), default=None, help="default: the story's language")
    story_export.add_argument("--base-url", default="", help="where the permalinks point (default: "
                                                              f"RUTAS_PUBLIC_URL, else {DEFAULT_BASE_URL})")
    synth = commands.add_parser("synth", help="write synthetic events (for load tests) as an importable CSV")
    synth.add_argument("--n", type=int, required=True, help="number of events")
    synth.add_argument("--out", required=True, help="CSV file to write")
    synth.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"default {DEFAULT_SEED}")
    db = commands.add_parser("db", help="the shared deployment's database (RUTAS_DATABASE_URL)")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="create or migrate the schema to this version (safe to repeat)")
    import_files = db_commands.add_parser("import-files", help="copy the datasets of a data directory "
                                                               "(RUTAS_DATA_DIR of an embedded deployment) into it")
    import_files.add_argument("data_dir", help="the data directory, e.g. instance")
    words = db_commands.add_parser("words", help="search words answered from groups of their own (as an index: "
                                                 "fast searches, disk and import time)")
    words_commands = words.add_subparsers(dest="words_command", required=True)
    words_commands.add_parser("list", help="the place words and kept words: facts and groups")
    keep = words_commands.add_parser("add", help="keep groups for words readers search (every dataset, one transaction)")
    keep.add_argument("words", nargs="+", help="a word or phrase, as typed in the search box")
    drop = words_commands.add_parser("remove", help="drop the groups of words")
    drop.add_argument("words", nargs="+")
    add_users_parser(commands)
    add_indicator_commands(commands)
    args = parser.parse_args(argv)

    if args.command == "synth":
        text, status = run_synth(args.n, args.out, args.seed)
        print(text, file=sys.stderr if status else sys.stdout)
        return status

    try:
        settings = Settings.from_env()
        if args.command == "db":
            text, status = run_db(settings, args)
            print(text, file=sys.stderr if status else sys.stdout)
            return status
        if args.command == "users":
            text, status = run_users(settings, args)
            print(text, file=sys.stderr if status else sys.stdout)
            return status
        if args.command == "indicators":
            return run_indicators(settings, args)
        if args.command in ("import", "datasets", "delete"):
            return _run_dataset_command(settings, args)
        if args.command == "story" and args.story_command == "list":
            text, messages = run_story_list(settings, args.json)
            for message in messages:  # the other stories are still listed
                print(message, file=sys.stderr)
            print(text)
            return 0
        context = load_context(settings)
    except (DataFileError, ValueError, SchemaOutdated, DatabaseUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "info":
        print(run_info(context, args.json))
        return 0
    if args.command == "story":
        text, status = run_story_export(context, args)
        print(text, file=sys.stderr if status else sys.stdout)
        return status
    if args.command == "export":
        text, status = run_export(context, args)
        print(text, file=sys.stderr if status else sys.stdout)
        return status
    text, messages = run_query(context, args.query.split("#", 1)[0].split("?", 1)[-1], args.format)
    for message in messages:
        print(message, file=sys.stderr)
    print(text)
    return 0


def _run_dataset_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "datasets":
        print(run_datasets(settings, args.json))
        return 0
    if args.command == "delete":
        text, status = run_delete(settings, args.dataset_id)
    else:
        text, status = run_import(settings, args.file, args.format, args.name, args.json, args.date)
    print(text, file=sys.stderr if status == 2 else sys.stdout)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
