"""``python -m bench run|serve-memory``: Rutas against the naive Dash app, and Rutas' memory.

    python -m bench run --n 100000,1000000 [--json] [--reps 20] [--no-browser] [--arms rutas,naive]
    python -m bench serve-memory --n 1000000
"""

from __future__ import annotations

import argparse
import logging


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="server time, bytes, RSS and browser time per scenario")
    run.add_argument("--n", type=_ints, default=[100_000, 1_000_000], help="event counts, comma-separated")
    run.add_argument("--reps", type=int, default=20, help="repetitions per scenario (after 2 warm-ups)")
    run.add_argument("--browser-reps", type=int, default=5, help="repetitions per browser scenario")
    run.add_argument("--arms", default="rutas,naive", help="rutas, naive or both")
    run.add_argument("--json", action="store_true", help="also print one JSON record per (arm, n, scenario)")
    run.add_argument("--no-browser", action="store_true", help="skip the Chromium measurements")
    memory = commands.add_parser("serve-memory", help="RSS and PSS of gunicorn --preload -w 2 serving Rutas")
    memory.add_argument("--n", type=int, default=1_000_000)
    memory.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.command == "run":
        from bench.run import ARMS
        from bench.run import run as run_bench

        arms = [a for a in args.arms.split(",") if a]
        unknown = [a for a in arms if a not in ARMS]
        if unknown:
            parser.error(f"unknown arm(s): {', '.join(unknown)}")
        run_bench(args.n, args.reps, arms, not args.no_browser, args.browser_reps, args.json)
    else:
        from bench.memory import serve_memory

        serve_memory(args.n, args.workers)


if __name__ == "__main__":
    main()
