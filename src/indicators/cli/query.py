"""``indicators status`` and ``sql``: looking at the runs and the published warehouse, read-only."""

from __future__ import annotations

import argparse
import json

from indicators.cli.common import AddCommand, _settings


def cmd_sql(args: argparse.Namespace) -> int:
    from indicators import warehouse

    settings = _settings(args)
    con = warehouse.connect(settings.warehouse, read_only=True)
    try:
        relation = con.sql(args.query)
        if relation is None:
            return 0
        if args.csv:
            relation.write_csv("/dev/stdout")
        else:
            relation.show(max_rows=args.max_rows, max_width=200)
    finally:
        con.close()
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from indicators.status import recent_runs

    settings = _settings(args)
    runs = recent_runs(settings, limit=args.limit)
    if args.json:
        print(json.dumps(runs, indent=2, default=str))
        return 0
    if not runs:
        print("no runs recorded yet")
        return 0
    for run in runs:
        print(
            f"{run['run_id']}  {run['status']:<24} started {run.get('started_at', '?')}  "
            f"finished {run.get('finished_at') or '-'}  {run.get('message') or ''}".rstrip()
        )
        if run.get("work_copy"):
            print(f"    working copy kept: {run['work_copy']}")
    return 0


def add_status(add: AddCommand) -> None:
    p = add("status", "list recent nightly runs with their outcome", cmd_status)
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.add_argument("--warehouse", help=argparse.SUPPRESS)


def add_sql(add: AddCommand) -> None:
    p = add("sql", "run a query against the published warehouse, read-only", cmd_sql)
    p.add_argument("query", help='e.g. "select * from marts.indicator_progress limit 5"')
    p.add_argument("--warehouse", help="the warehouse file (default: the configured one)")
    p.add_argument("--csv", action="store_true", help="write CSV to stdout instead of a table")
    p.add_argument("--max-rows", type=int, default=40)
