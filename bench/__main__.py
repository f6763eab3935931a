"""``python -m bench run|load|serve-memory``: Rutas against the naive Dash app, a load run, Rutas' memory.

    python -m bench run --n 100000,1000000 [--json] [--reps 20] [--no-browser] [--arms rutas,naive,postgis]
    python -m bench load --users 20 --minutes 5 --workers 2 --n 100000 [--store postgis|memory]
    python -m bench serve-memory --n 1000000
"""

from __future__ import annotations

import argparse
import logging

# --database: what 10M events cost to import (~15 min) is paid once.
KEPT_HELP = ("postgis: keep the database under this name and reuse it when it holds a dataset of --n "
             "events (imported once, never dropped)")
KEEP_HELP = ("postgis: comma-separated search words to keep groups for before the run, as an admin would "
             "(python -m dashboard db words add); a kept database keeps them after")


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def _words(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def build_parser() -> argparse.ArgumentParser:
    from bench.load import StoreKind

    parser = argparse.ArgumentParser(prog="python -m bench")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="server time, bytes, RSS and browser time per scenario")
    run.add_argument("--n", type=_ints, default=[100_000, 1_000_000], help="event counts, comma-separated")
    run.add_argument("--reps", type=int, default=20, help="repetitions per scenario (after 2 warm-ups)")
    run.add_argument("--browser-reps", type=int, default=5, help="repetitions per browser scenario")
    run.add_argument("--arms", default="rutas,naive",
                     help="comma-separated: rutas (in memory), naive, postgis (the shared deployment's store)")
    run.add_argument("--json", action="store_true", help="also print one JSON record per (arm, n, scenario)")
    run.add_argument("--no-browser", action="store_true", help="skip the Chromium measurements")
    run.add_argument("--database", help=KEPT_HELP)
    run.add_argument("--keep-words", type=_words, default=(), help=KEEP_HELP)
    load = commands.add_parser("load", help="simulated users on one server: errors, p50/p95/p99, memory")
    load.add_argument("--users", type=int, default=20, help="simulated users, one process each")
    load.add_argument("--minutes", type=float, default=5.0, help="how long the users keep acting")
    load.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    load.add_argument("--n", type=lambda text: _ints(text)[0], default=100_000, help="synthetic events")
    load.add_argument("--store", type=StoreKind, choices=list(StoreKind), default=StoreKind.POSTGIS,
                      help="postgis: the shared deployment (database, Redis); memory: the embedded default")
    load.add_argument("--seed", type=int, default=1, help="seed of the users' choices and think times")
    load.add_argument("--redis-url", default="", help="Redis to use (default: a private redis-server for the run)")
    load.add_argument("--json", action="store_true", help="also print the report as one JSON record")
    load.add_argument("--database", help=KEPT_HELP)
    load.add_argument("--keep-words", type=_words, default=(), help=KEEP_HELP)
    memory = commands.add_parser("serve-memory", help="RSS and PSS of gunicorn --preload -w 2 serving Rutas")
    memory.add_argument("--n", type=int, default=1_000_000)
    memory.add_argument("--workers", type=int, default=2)
    return parser


def main() -> None:
    parser = build_parser()
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.command == "run":
        from bench.run import ARMS
        from bench.run import run as run_bench

        arms = [a for a in args.arms.split(",") if a]
        unknown = [a for a in arms if a not in ARMS]
        if unknown:
            parser.error(f"unknown arm(s): {', '.join(unknown)}")
        run_bench(args.n, args.reps, arms, not args.no_browser, args.browser_reps, args.json, args.database,
                  args.keep_words)
    elif args.command == "load":
        from bench.load import run_load

        if args.users < 1 or args.minutes <= 0 or args.workers < 1 or args.n < 1:
            parser.error("--users, --minutes, --workers and --n must be positive")
        raise SystemExit(run_load(args.users, args.minutes, args.workers, args.n, args.store, args.seed,
                                  args.redis_url, args.json, args.database, args.keep_words))
    else:
        from bench.memory import serve_memory

        serve_memory(args.n, args.workers)


if __name__ == "__main__":
    main()
