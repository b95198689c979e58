"""The ``indicators`` command line.

Exit codes: 0 success; 2 success with warnings (published, but something needs a look);
1 failure (nothing published / the command could not do its job).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from indicators import __version__
from indicators.config import ConfigError, Settings, create_key_file, load_settings

EPILOG = """exit codes: 0 ok · 2 ok with warnings (published; see the summary) · 1 failed (nothing published)
settings: pipelines/nightly.yml, overridden by INDICATORS_<SETTING> environment variables;
the pseudonymisation key comes from INDICATORS_PSEUDONYMISATION_KEY or the configured key file.
a damaged published warehouse stops the nightly (exit 1): `indicators rebuild` recreates it from the
archive (or set auto_rebuild); back up the archive (`indicators backup DIR`) and, apart from it, the key."""


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    inbox = getattr(args, "inbox", None)
    warehouse_file = getattr(args, "warehouse", None)
    if getattr(args, "demo", False):
        settings = _demo_settings(settings)
        if inbox is None:
            inbox = settings.root / "samples" / "inbox"
    return settings.with_paths(
        inbox=Path(inbox) if inbox else None, warehouse=Path(warehouse_file) if warehouse_file else None
    )


def _demo_settings(settings: Settings) -> Settings:
    """The demo loads the bundled sample: retention is off, so that it is never deleted."""
    from dataclasses import replace

    return replace(settings, inbox_retention_days=None)


def _demo_key(settings: Settings) -> None:
    import os

    from indicators.config import KEY_ENV

    if os.environ.get(KEY_ENV):
        return
    if create_key_file(settings.key_file):
        print(
            f"demo: created a local pseudonymisation key at {settings.key_file} (outside version control; "
            "for production set INDICATORS_PSEUDONYMISATION_KEY or keep the key file safe)"
        )


def cmd_nightly(args: argparse.Namespace, stop_after: str | None = None) -> int:
    from indicators import nightly

    settings = _settings(args)
    if getattr(args, "demo", False):
        _demo_key(settings)
    outcome = nightly.run(
        settings,
        with_dbt=not getattr(args, "skip_dbt", False),
        with_quality=not getattr(args, "skip_quality", False),
        wait_seconds=getattr(args, "wait", 0.0),
        quiet=args.quiet,
        stop_after=stop_after,
    )
    print(nightly.format_summary(outcome, settings))
    return outcome.exit_code


def cmd_ingest(args: argparse.Namespace) -> int:
    return cmd_nightly(args, stop_after="ingest")


def cmd_rebuild(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from indicators import nightly

    settings = _settings(args)
    if args.archive:
        settings = replace(settings, archive_dir=Path(args.archive).resolve())
    outcome = nightly.run(settings, wait_seconds=args.wait, quiet=args.quiet, rebuild=True)
    print(nightly.format_summary(outcome, settings))
    return outcome.exit_code


def cmd_backup(args: argparse.Namespace) -> int:
    from indicators.backup import BackupError, backup
    from indicators.warehouse import LockBusy

    settings = _settings(args)
    try:
        backup(settings, Path(args.dir), wait_seconds=args.wait)
    except (BackupError, LockBusy, OSError) as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from indicators.sample import generate

    out = Path(args.out)
    files = generate(out, scale=args.scale, seed=args.seed, progress=None if args.quiet else print)
    print(f"wrote {len(files)} files to {out}")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    settings = load_settings()
    path = Path(args.out) if args.out else settings.key_file
    if create_key_file(path):
        print(f"wrote a new pseudonymisation key to {path} (mode 600); keep it out of version control")
        return 0
    print(f"{path} exists; not overwritten (a new key gives every person a new pseudonym)", file=sys.stderr)
    return 1


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


def cmd_export(args: argparse.Namespace) -> int:
    from indicators.export import ExportError, export

    settings = _settings(args)
    try:
        files = export(
            settings.warehouse,
            Path(args.out),
            args.year,
            kind=args.kind,
            lang=args.lang,
            fmt=args.format,
            dialect=args.dialect,
            suppression=not args.no_suppression,
            charts=not args.no_charts,
            on_note=lambda note: print(f"export: {note}"),
            plan=args.plan,
            protection=_protection(settings),
            as_of=args.as_of,
        )
    except ExportError as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(files)} files to {args.out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from indicators.report import ExportError, report, report_all_programmes

    settings = _settings(args)
    common = dict(
        year=args.year,
        lang=args.lang,
        plan=args.plan,
        on_note=lambda note: print(f"report: {note}"),
        protection=_protection(settings),
    )
    try:
        if args.kind == "programme" and args.all_programmes:
            paths = report_all_programmes(settings.warehouse, Path(args.out), **common)
            print(f"wrote {len(paths)} programme reports to {args.out}")
            return 0
        if args.kind == "programme" and not args.programme:
            print("report: --kind programme needs --programme CODE or --all-programmes", file=sys.stderr)
            return 1
        path = report(
            settings.warehouse,
            Path(args.out),
            kind=args.kind,
            programme=args.programme,
            as_of=args.as_of,
            **common,
        )
    except ExportError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _protection(settings: Settings):
    from indicators.disclosure import Protection

    return Protection.from_settings(settings)


def cmd_audit(args: argparse.Namespace) -> int:
    from indicators.audit import audit
    from indicators.disclosure import Protection

    folder = Path(args.export_dir)
    if not folder.is_dir():
        print(f"audit: no folder {folder}", file=sys.stderr)
        return 1
    protection = None
    if args.min_values is not None or args.min_width_pct is not None:
        settings = load_settings()
        base = Protection.from_settings(settings)
        protection = Protection(
            base.min_count,
            base.min_denominator,
            args.min_values if args.min_values is not None else base.min_values,
            args.min_width_pct if args.min_width_pct is not None else base.min_width_pct,
        )
    result = audit(folder, protection)
    if not result.files:
        print(f"audit: no export files (CSV, XLSX, HTML, metadata JSON) in {folder}", file=sys.stderr)
        return 1
    print(result.format())
    return 0 if result.ok else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from indicators import bench

    result = bench.run_bench(
        args.scale, seed=args.seed, work_dir=Path(args.work_dir) if args.work_dir else None
    )
    print(bench.format_table(result))
    if args.json:
        bench.write_json(result, Path(args.json))
        print(f"wrote {args.json}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from indicators import contracts
    from indicators.config import project_root

    root = Path(args.root).resolve() if args.root else project_root()
    try:
        if args.check:
            differing = contracts.differing(root)
            for path in differing:
                print(f"generate: {path} differs from what `indicators generate` writes", file=sys.stderr)
            return 1 if differing else 0
        written, removed = contracts.write(root)
    except contracts.ContractError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    for path in removed:
        print(f"removed {path} (no pipelines file for its source)")
    if not written and not removed:
        print("generate: every generated file is up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="indicators",
        description="The internationalisation indicator warehouse: nightly ingest, indicators, checks, exports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"indicators {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, func) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    for name, help_text, func in (
        ("nightly", "ingest the inbox, run the checks and dbt build, and publish the warehouse", cmd_nightly),
        (
            "ingest",
            "ingest the inbox into raw and audit tables and publish them (no dbt, no checks)",
            cmd_ingest,
        ),
    ):
        p = add(name, help_text, func)
        p.add_argument("--inbox", help="folder with the exports (default: the configured inbox)")
        p.add_argument("--warehouse", help="the published warehouse file (default: the configured one)")
        p.add_argument(
            "--demo",
            action="store_true",
            help="use the bundled sample exports and create a local demo key if none exists",
        )
        p.add_argument(
            "--wait",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="wait this long for another run to finish instead of refusing at once",
        )
        p.add_argument("--quiet", "-q", action="store_true", help="only the summary")
        if name == "nightly":
            p.add_argument("--skip-dbt", action="store_true", help=argparse.SUPPRESS)
            p.add_argument("--skip-quality", action="store_true", help=argparse.SUPPRESS)

    p = add(
        "rebuild",
        "recreate the warehouse from the pseudonymised archive alone (seeds, checks, dbt build, "
        "publish); the remedy for a damaged published file",
        cmd_rebuild,
    )
    p.add_argument(
        "--archive", help="the archive folder (default: the configured archive_dir, beside the warehouse)"
    )
    p.add_argument("--warehouse", help="the warehouse file to (re)create (default: the configured one)")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another run to finish instead of refusing at once",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="only the summary")

    p = add(
        "backup",
        "copy the published warehouse and the archive to a folder, consistently, and verify the copy "
        "(not the key: keep it apart)",
        cmd_backup,
    )
    p.add_argument("dir", help="the backup folder (the archive is copied incrementally)")
    p.add_argument("--warehouse", help="the published warehouse file (default: the configured one)")
    p.add_argument(
        "--wait",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="wait this long for a run that holds the lock (default 600)",
    )

    p = add("sample", "write synthetic sample exports (every source) to a folder", cmd_sample)
    p.add_argument("--out", required=True, help="folder to write the exports to")
    p.add_argument("--scale", type=float, default=1, help="1 = one faculty; 100 = about a million stays")
    p.add_argument("--seed", type=int, default=2019, help="random seed (same seed, same files)")
    p.add_argument("--quiet", "-q", action="store_true")

    p = add("status", "list recent nightly runs with their outcome", cmd_status)
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.add_argument("--warehouse", help=argparse.SUPPRESS)

    p = add("sql", "run a query against the published warehouse, read-only", cmd_sql)
    p.add_argument("query", help='e.g. "select * from marts.indicator_progress limit 5"')
    p.add_argument("--warehouse", help="the warehouse file (default: the configured one)")
    p.add_argument("--csv", action="store_true", help="write CSV to stdout instead of a table")
    p.add_argument("--max-rows", type=int, default=40)

    p = add(
        "export",
        "export the indicators (CSV or XLSX, disclosure-controlled) from the published warehouse",
        cmd_export,
    )
    p.add_argument(
        "--year",
        help="academic year, e.g. 2023/24 (default: midterm, the plan's mid-term year or the "
        "latest year before it with values; annual, the latest year with final values)",
    )
    p.add_argument("--kind", choices=["annual", "midterm", "final"], default="annual")
    p.add_argument("--plan", help="the plan followed (a plans.plan_id; default: the current plan)")
    p.add_argument(
        "--as-of",
        help="RUN_ID or YYYY-MM-DD: the numbers as that publish (or the last one that day) published them",
    )
    p.add_argument("--lang", choices=["sv", "en"], default="sv")
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument(
        "--dialect",
        choices=["excel-sv", "standard"],
        default="excel-sv",
        help="CSV: excel-sv (; separator, decimal comma, UTF-8 with BOM) or standard (RFC 4180, . decimals)",
    )
    p.add_argument(
        "--no-suppression",
        action="store_true",
        help="INTERNAL USE ONLY: no disclosure control (the metadata says so)",
    )
    p.add_argument("--no-charts", action="store_true", help="skip the PNG/SVG charts")
    p.add_argument("--warehouse", help="the published warehouse file (default: the configured one)")
    p.add_argument("--out", required=True, help="output folder")

    p = add("report", "write the self-contained HTML report from the published warehouse", cmd_report)
    p.add_argument(
        "--kind",
        choices=["annual", "midterm", "final", "programme"],
        required=True,
        help="annual; midterm or final (the plan's follow-ups); programme (one programme against "
        "the faculty, for its programme board)",
    )
    p.add_argument(
        "--year",
        help="academic year, e.g. 2023/24 (default: midterm/final, the plan's follow-up year "
        "or the latest year before it with values; otherwise the latest year with "
        "final values)",
    )
    p.add_argument("--plan", help="the plan followed (a plans.plan_id; default: the current plan)")
    p.add_argument("--programme", help="with --kind programme: the programme code")
    p.add_argument(
        "--as-of",
        help="RUN_ID or YYYY-MM-DD: the numbers as that publish (or the last one that day) published them",
    )
    p.add_argument(
        "--all-programmes",
        action="store_true",
        help="with --kind programme: one file per programme, written into the folder --out",
    )
    p.add_argument("--lang", choices=["sv", "en"], default="sv")
    p.add_argument("--warehouse", help="the published warehouse file (default: the configured one)")
    p.add_argument("--out", required=True, help="the HTML file to write (a folder with --all-programmes)")

    p = add(
        "audit",
        "check an export folder: can a suppressed cell be worked out from the published files?",
        cmd_audit,
    )
    p.add_argument("export_dir", help="the folder with the export's files (CSV, XLSX, report HTML, metadata)")
    p.add_argument(
        "--min-values",
        type=int,
        help="protection level: possible values a hidden cell must keep "
        "(default: the export's metadata, else the settings)",
    )
    p.add_argument(
        "--min-width-pct", type=float, help="protection level: interval width as %% of its upper end"
    )

    p = add("bench", "benchmark a full and an unchanged nightly against bare-DuckDB floors", cmd_bench)
    p.add_argument("--scale", type=float, default=1, help="1 = one faculty; 100 = about a million stays")
    p.add_argument("--seed", type=int, default=2019)
    p.add_argument("--json", help="also write the results as JSON to this file")
    p.add_argument(
        "--work-dir", help="keep the generated data and warehouse here (default: a temporary folder)"
    )

    p = add(
        "generate",
        "write the dbt sources YAML and the GX suites from the source contract (pipelines/*.yml)",
        cmd_generate,
    )
    p.description = (
        "Write models/staging/_staging__sources.yml and expectations/raw_<source>.json from pipelines/<source>.yml\n"
        "(fields, types, enum values, business key, required fields), merged with the hand-kept parts:\n"
        "expectations/thresholds.yml (ranges, by-year thresholds, derived columns, severities and whys that\n"
        "differ from the default) and pipelines/warehouse_tables.yml (metadata and audit columns). Edit those\n"
        "and regenerate; never edit a generated file."
    )
    p.epilog = (
        "exit codes: 0 written, or (--check) every file up to date · 1 a file differs (--check), or a "
        "hand-kept file does not fit the contract"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and name each file that differs from what would be written "
        "(for CI), exit 0 when all are up to date",
    )
    p.add_argument("--root", help="the project folder (default: INDICATORS_HOME or this checkout)")

    p = add("keygen", "create a new random pseudonymisation key file (never overwrites)", cmd_keygen)
    p.add_argument("--out", help="where to write it (default: the configured key_file)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
