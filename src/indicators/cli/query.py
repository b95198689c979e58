"""``indicators status`` and ``sql``: looking at the runs and the published warehouse, read-only."""

from __future__ import annotations

import argparse
import json
import re
import sys

from indicators.cli.common import AddCommand, _settings, at_least, rows_as_stored


def cmd_sql(args: argparse.Namespace) -> int:
    """A query on the published warehouse, read-only and with no file access (no COPY TO, ATTACH,
    read_csv of another file; the connection's configuration locked): it reads and writes nothing else."""
    import duckdb

    from indicators import warehouse

    settings = _settings(args)
    try:
        con = warehouse.connect(settings.warehouse, sandbox=True)
    except duckdb.Error as exc:
        print(f"sql: cannot open the warehouse {settings.warehouse}: {one_line(exc)}", file=sys.stderr)
        return 1
    try:
        relation = con.sql(args.query)
        if relation is None:
            return 0
        with rows_as_stored():
            if args.csv:
                relation.pl().write_csv(
                    sys.stdout
                )  # not DuckDB's write_csv: the query connection writes no file
            else:
                relation.show(max_rows=args.max_rows, max_width=200)
    except duckdb.Error as exc:
        print(f"sql: {one_line(exc)}", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


def one_line(exc: Exception) -> str:
    """DuckDB's message in one line: its first line and the names it suggests ("Candidate bindings")."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    if "could not set lock" in lines[0].lower():  # DuckDB's names no fix
        holder = re.search(r"\(PID (\d+)\)", lines[0])
        return (
            "the warehouse is open read-write in another process"
            + (f" (PID {holder.group(1)})" if holder else "")
            + ", a DuckDB client such as a notebook, DBeaver or the duckdb CLI: close that connection, then "
            "run again (a client that opens it read-only does not stand in the way)"
        )
    return " ".join([lines[0], *(line for line in lines[1:] if line.lower().startswith("candidate"))])


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
    p.add_argument("--limit", type=at_least(1), default=10, help="the newest runs listed (default 10)")
    p.add_argument("--json", action="store_true", help="the runs as a JSON list instead of a table")
    p.add_argument("--warehouse", help=argparse.SUPPRESS)


def add_sql(add: AddCommand) -> None:
    p = add("sql", "run a query against the published warehouse, read-only", cmd_sql)
    p.add_argument("query", help='e.g. "select * from marts.indicator_progress limit 5"')
    p.add_argument("--warehouse", help="the warehouse file (default: the configured one)")
    p.add_argument("--csv", action="store_true", help="write CSV to stdout instead of a table")
    p.add_argument(
        "--max-rows",
        type=at_least(1),
        default=40,
        help="rows shown in the table (default 40; --csv writes all)",
    )
