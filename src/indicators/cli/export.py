"""``indicators export``, ``report`` and ``audit``: the disclosure-controlled outputs, and the check of
an export folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indicators.cli.common import AddCommand, _settings, at_least, percent
from indicators.config import Settings, load_settings

FILE_SUFFIXES = (".csv", ".xlsx", ".xls", ".txt", ".json", ".zip", ".html", ".pdf")


def _cannot_write(command: str, out: str, exc: OSError) -> int:
    """One line for an --out that cannot be written: what, why, and what to give instead."""
    where = Path(exc.filename) if exc.filename else Path(out)
    if isinstance(exc, FileExistsError) or (where.exists() and not where.is_dir() and where != Path(out)):
        why = f"{where} is a file, where a folder is needed"
    else:
        why = f"{where}: {exc.strerror or exc}"
    target = "a folder" if command == "export" else "a file in a folder"
    print(
        f"{command}: cannot write --out {out} ({why}): give --out {target} you can write to", file=sys.stderr
    )
    return 1


def cmd_export(args: argparse.Namespace) -> int:
    from indicators.export import ExportError, export

    settings = _settings(args)
    named = Path(args.out).suffix.lower()
    if named in FILE_SUFFIXES and not Path(args.out).is_dir():
        print(
            f"export: --out {args.out} names a {named} file, but an export is a folder of files (the "
            "tables, their metadata, charts): give --out a folder, e.g. exports/2023-24 (--format picks "
            "CSV or XLSX)",
            file=sys.stderr,
        )
        return 1
    if Path(args.out).exists() and not Path(args.out).is_dir():
        print(
            f"export: --out {args.out} is a file: give --out a folder (it is created if missing)",
            file=sys.stderr,
        )
        return 1
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
    except OSError as exc:
        if _reads_warehouse(exc, settings):
            raise
        return _cannot_write("export", args.out, exc)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from indicators.report import ExportError, report, report_all_programmes

    settings = _settings(args)
    suffix = Path(args.out).suffix.lower()
    if args.format is None:
        args.format = "pdf" if suffix == ".pdf" else "html"
    elif (args.format == "pdf") != (suffix == ".pdf") and suffix in (".pdf", ".html", ".htm"):
        print(
            f"report: --format {args.format} but --out {args.out} ends in {suffix}: name the file "
            f".{args.format}, or leave --format out to take it from the name",
            file=sys.stderr,
        )
        return 1
    if (
        suffix
        and suffix not in (".pdf", ".html", ".htm")
        and not (args.kind == "programme" and args.all_programmes)
    ):
        print(
            f"report: --out {args.out} ends in {suffix}, but a report is HTML or PDF: name the file .html "
            "or .pdf",
            file=sys.stderr,
        )
        return 1
    common = dict(
        year=args.year,
        lang=args.lang,
        plan=args.plan,
        on_note=lambda note: print(f"report: {note}"),
        protection=_protection(settings),
        charts=not args.no_charts,
    )
    try:
        if args.kind == "programme" and args.all_programmes and args.format == "pdf":
            print("report: --format pdf writes one report; use --programme CODE", file=sys.stderr)
            return 1
        if args.kind == "programme" and args.all_programmes:
            paths = report_all_programmes(settings.warehouse, Path(args.out), as_of=args.as_of, **common)
            print(f"wrote {len(paths)} programme reports to {args.out}")
            return 0
        if args.kind == "programme" and not args.programme:
            print("report: --kind programme needs --programme CODE or --all-programmes", file=sys.stderr)
            return 1
        if args.format == "pdf":
            from indicators.report.pdf import report_pdf

            path = report_pdf(
                settings.warehouse,
                Path(args.out),
                kind=args.kind,
                programme=args.programme,
                as_of=args.as_of,
                **common,
            )
        else:
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
    except OSError as exc:
        if _reads_warehouse(exc, settings):
            raise
        return _cannot_write("report", args.out, exc)
    print(f"wrote {path}")
    return 0


def _reads_warehouse(exc: OSError, settings: Settings) -> bool:
    """An error reading the warehouse (not writing --out): main's own message says what to do."""
    return bool(exc.filename) and Path(exc.filename).resolve() == settings.warehouse.resolve()


def _protection(settings: Settings):
    from indicators.disclosure import Protection

    return Protection.from_settings(settings)


def cmd_audit(args: argparse.Namespace) -> int:
    from indicators.audit import audit
    from indicators.disclosure import Protection

    folders = [Path(folder) for folder in args.export_dir]
    for folder in folders:
        if not folder.is_dir():
            print(
                f"audit: no folder {folder} (give export folders, the oldest publish first)", file=sys.stderr
            )
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
    result = audit(folders, protection)
    if not result.files and not result.unread:
        shown = ", ".join(map(str, folders))
        print(f"audit: no export files (CSV, XLSX, HTML, metadata JSON) in {shown}", file=sys.stderr)
        return 1
    print(result.format())
    return 0 if result.ok else 1


def add_export(add: AddCommand) -> None:
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
    p.add_argument(
        "--kind",
        choices=["annual", "midterm", "final"],
        default="annual",
        help="annual: one year; midterm, final: the plan's follow-ups against the baseline (default annual)",
    )
    p.add_argument("--plan", help="the plan followed (a plans.plan_id; default: the current plan)")
    p.add_argument(
        "--as-of",
        help="RUN_ID or YYYY-MM-DD: the numbers as that publish (or the last one that day) published them; "
        "the current export's file names, so into a folder of its own (--out)",
    )
    p.add_argument("--lang", choices=["sv", "en"], default="sv", help="the labels' language (default sv)")
    p.add_argument(
        "--format", choices=["csv", "xlsx"], default="csv", help="CSV files or one workbook (default csv)"
    )
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


def add_report(add: AddCommand) -> None:
    p = add(
        "report",
        "write the report (one self-contained HTML file, or a PDF) from the published warehouse",
        cmd_report,
    )
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
    p.add_argument("--lang", choices=["sv", "en"], default="sv", help="the report's language (default sv)")
    p.add_argument(
        "--format",
        choices=["html", "pdf"],
        default=None,
        help="html (one self-contained file) or pdf (A4, printed by headless Chromium); "
        "default: pdf when --out ends in .pdf, else html",
    )
    p.add_argument(
        "--no-charts",
        action="store_true",
        help="leave the indicators' charts out (the tables and verdicts stay; a smaller file, written "
        "in a fraction of the time)",
    )
    p.add_argument("--warehouse", help="the published warehouse file (default: the configured one)")
    p.add_argument("--out", required=True, help="the file to write (a folder with --all-programmes)")


def add_audit(add: AddCommand) -> None:
    p = add(
        "audit",
        "check export folders: can a suppressed cell be worked out from the published files?",
        cmd_audit,
    )
    p.add_argument(
        "export_dir",
        nargs="+",
        help="the folder with the export's files (CSV, XLSX, report HTML, metadata); several folders: "
        "publishes of the same year (oldest first), attacked together assuming a count grows between "
        "two publishes by at most what the published total grew",
    )
    p.add_argument(
        "--min-values",
        type=at_least(1),
        help="protection level: possible values a hidden cell must keep "
        "(default: the export's metadata, else the settings)",
    )
    p.add_argument(
        "--min-width-pct", type=percent, help="protection level: interval width as %% of its upper end"
    )
