"""``indicators export``: the published warehouse as CSV or XLSX files, protected, with metadata.

Read-only against the published file. Writes, into ``out_dir``, for ``--year 2023/24 --kind
annual --lang sv`` (stem ``indicators_2023-24_annual_sv``):

* ``<stem>_scoreboard.csv`` — one row per indicator: goal and target, baseline, every year up to
  the chosen one, change, status and progress;
* ``<stem>_programmes.csv`` — the per-programme indicators, one row per programme and indicator;
* ``<stem>_values.csv`` — the long values behind them (every breakdown);
* ``<stem>_midterm.csv`` — with ``--kind midterm``: every indicator's mid-term value against baseline;
* ``<stem>_final.csv`` — with ``--kind final``: every target's baseline, mid-term and final value, verdict
  and a generated sentence (the plan's final follow-up, *slutuppföljning*);
* or, with ``--format xlsx``, ``<stem>.xlsx`` holding those tables as sheets plus an "about" sheet;
* ``<stem>_metadata.json`` and ``<stem>_metadata.md`` (``<stem>_xlsx_metadata.*`` for the XLSX, so
  that a CSV and an XLSX export of one stem in one folder keep each its own) — definitions and
  units, the format, the run and time of the data, the source files' dates, the annotations and
  the disclosure rule applied;
* ``datapackage.json`` — the folder's files as a Frictionless Data Package (Table Schema: each column's
  type, allowed values, missing values, the dialect, the primary key; :mod:`.datapackage`), to which
  each export into the folder adds its own;
* ``charts/<indicator>_<lang>.png`` and ``.svg`` — one chart per indicator (unless ``charts=False``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from indicators import disclosure
from indicators.export import datapackage, labels
from indicators.export.folder import check_one_publish
from indicators.export.tables import SUPPRESSED, ExportError, Publication, load
from indicators.export.writers import (
    DIALECTS,
    date_like_years,
    date_like_years_note,
    leading_zero_codes,
    leading_zero_note,
    write_csv,
    write_xlsx,
)

__all__ = ["export", "ExportError", "FORMATS", "DIALECTS", "metadata"]

FORMATS = ("csv", "xlsx")


def export(
    warehouse: Path,
    out_dir: Path,
    year: str | None = None,
    kind: str = "annual",
    lang: str = "sv",
    fmt: str = "csv",
    dialect: str = "excel-sv",
    suppression: bool = True,
    charts: bool = True,
    on_note: Callable[[str], None] | None = None,
    plan: str | None = None,
    protection: disclosure.Protection | None = None,
    as_of: str | None = None,
) -> list[Path]:
    """Write the export files for ``year`` into ``out_dir``; returns the paths written. Without a year the
    mid-term follow-up reads the plan's mid-term rule, the annual export the latest final year; ``on_note``
    is told which year was used."""
    if fmt not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if dialect not in DIALECTS:
        raise ExportError(f"--dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}")
    if kind == "programme":
        raise ExportError(
            "--kind programme is a report (indicators report --kind programme); export its "
            "numbers with --kind annual (the per-programme table)"
        )
    publication = load(
        Path(warehouse),
        year,
        kind=kind,
        lang=lang,
        suppression=suppression,
        plan=plan,
        protection=protection,
        as_of=as_of,
    )
    if on_note and publication.year_note:
        on_note(publication.year_note)
    out_dir = Path(out_dir)
    check_one_publish(out_dir, publication.as_of)  # an --as-of export beside another publish's: refused
    out_dir.mkdir(parents=True, exist_ok=True)
    existing = _existing_package(out_dir / datapackage.FILE)  # before a file is written
    tables = publication.tables()
    written: list[Path] = []
    if fmt == "csv":
        for table in tables:
            written.append(
                write_csv(table, out_dir / f"{publication.stem}_{table.name}.csv", DIALECTS[dialect])
            )
        files = {table.name: f"{publication.stem}_{table.name}.csv" for table in tables}
    else:
        path = out_dir / f"{publication.stem}.xlsx"
        files = {table.name: f"{path.name} [{table.title}]" for table in tables}
    meta = metadata(publication, files, fmt, dialect)
    # Excel's double-click drops their zeros, in either dialect (the standard one in an Excel whose
    # list separator is a comma): said, not worked around (writers.py)
    codes = leading_zero_codes(tables) if fmt == "csv" else None
    if codes:
        meta = _with_format_note(meta, "codes_with_leading_zeros", codes, leading_zero_note(codes, lang))
        if on_note:
            shown = ", ".join(f"{c} {x}" for c, x in zip(codes["columns"], codes["examples"], strict=True))
            on_note(
                f"the {dialect} CSV holds codes of digits with a leading zero ({shown}): Excel's double-click "
                "reads them as numbers and drops the zero; the metadata says so, and --format xlsx keeps them as text"
            )
    # 2010/11: November 2010 to Excel's double-click, of either dialect (a comma-separated file in an
    # Excel whose list separator is a comma): said, as the codes are (writers.py)
    years = date_like_years(tables) if fmt == "csv" else None
    if years:
        meta = _with_format_note(meta, "years_read_as_dates", years, date_like_years_note(years, lang))
        if on_note:
            on_note(
                f"the {dialect} CSV holds academic years Excel's double-click reads as dates ({', '.join(years)}): "
                "the metadata says so, and --format xlsx keeps them as text"
            )
    if fmt == "xlsx":
        title = labels.TABLE_TITLES["metadata"][lang]
        written.append(
            write_xlsx(
                tables,
                path,
                about=_about_rows(meta, lang),
                about_title=title,
                lang=lang,
                properties=_properties(meta),
            )
        )
    # one metadata file per format: a CSV and an XLSX export of one stem can share a folder, and
    # each one's files must keep the metadata that describes them (the CSV's keeps its old name)
    sidecar = f"{publication.stem}{'' if fmt == 'csv' else '_xlsx'}_metadata"
    json_path = out_dir / f"{sidecar}.json"
    json_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    md_path = out_dir / f"{sidecar}.md"
    md_path.write_text(
        _environment()
        .get_template("metadata.md.j2")
        .render(
            meta=meta,
            lang=lang,
            run_status=labels.text(labels.RUN_STATUS, meta["data"]["run_status"], lang),
            kind_text=labels.text(labels.KINDS, meta["kind"], lang),
            zone=labels.LOCAL_TIME[lang],
        ),
        encoding="utf-8",
    )
    written += [json_path, md_path]
    written.append(
        _write_datapackage(
            out_dir,
            tables,
            files,
            publication.stem,
            meta,
            json_path.name,
            DIALECTS[dialect] if fmt == "csv" else None,
            existing,
            on_note,
        )
    )
    if charts:
        from indicators.report.charts import write_charts

        written += write_charts(publication, out_dir / "charts")
    return written


def _with_format_note(meta: dict[str, Any], name: str, found: Any, note: str) -> dict[str, Any]:
    """The metadata with what Excel would change (``found``, as ``name``) after ``format``, whose
    text says so too (``note``)."""
    described = {}
    for key, value in meta.items():
        described[key] = value
        if key == "format":
            described["format"] = f"{value}; {note}"
            described[name] = found
    return described


def _write_datapackage(
    out_dir: Path,
    tables: list,
    files: dict[str, str],
    stem: str,
    meta: dict[str, Any],
    metadata_file: str,
    dialect: Any,
    existing: dict[str, Any] | None,
    on_note: Callable[[str], None] | None = None,
) -> Path:
    """``datapackage.json`` (Frictionless): this export's tables added to what the folder's file
    described (``existing``, :func:`_existing_package`), less an earlier export's table whose file is no
    longer in the folder (removed by hand: a reader of the package fails on it), which ``on_note`` is told."""
    path = out_dir / datapackage.FILE
    if existing:
        gone = [
            resource
            for resource in existing.get("resources", [])
            if isinstance(resource.get("path"), str)
            and "://" not in resource["path"]
            and not (out_dir / resource["path"]).is_file()
        ]
        if gone:
            existing = dict(existing, resources=[r for r in existing["resources"] if r not in gone])
            if on_note:
                removed = ", ".join(sorted({resource["path"] for resource in gone}))
                count = "1 table" if len(gone) == 1 else f"{len(gone)} tables"
                on_note(
                    f"{datapackage.FILE}: {count} of an earlier export left out, no longer in the folder: "
                    f"{removed}"
                )
    package = datapackage.describe(
        tables, files, stem, meta["language"], metadata_file, meta["title"], dialect, existing
    )
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _existing_package(path: Path) -> dict[str, Any] | None:
    """The folder's Data Package, which the export adds its tables to; None when there is none. A
    ``datapackage.json`` the export cannot add to (not JSON, or not a package of resources: one an
    analyst wrote by hand, another tool's) is an :class:`ExportError`, one line: rewritten, it was
    lost without a word (or the export stopped with a traceback)."""
    if not path.exists():
        return None
    fix = "move it away or export into another folder (--out)"
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"cannot read {path}: {exc}: {fix}") from None
    except ValueError as exc:
        raise ExportError(f"{path} is not JSON ({exc}), so no tables can be added to it: {fix}") from None
    why = "not a JSON object" if not isinstance(package, dict) else None
    for name in ("resources", "sources"):
        items = package.get(name, []) if why is None else []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            why = f"its {name} are not a list of objects"
    if why:
        raise ExportError(f"{path} is not a Data Package the export can add its tables to ({why}): {fix}")
    return package


def metadata(
    publication: Publication, files: dict[str, str], fmt: str = "csv", dialect: str = "excel-sv"
) -> dict[str, Any]:
    """Everything a reader needs beside the numbers, in the publication's language."""
    lang = publication.lang
    run = publication.run or {}
    counts = {"primary": 0, "primary_numerator": 0, "secondary": 0}
    for flag in publication.flags.values():
        counts[flag] = counts.get(flag, 0) + 1  # and "kept": hidden by an earlier publish
    if fmt == "csv":
        format_text = DIALECTS[dialect].describe(lang)
    else:
        format_text = (
            "XLSX: en flik per tabell, tal som talceller, text som textceller"
            if lang == "sv"
            else "XLSX: one sheet per table, numbers as number cells, text as string cells"
        )
    return {
        "title": {"sv": "Internationaliseringsindikatorer", "en": "Internationalisation indicators"}[lang]
        + f" {publication.year} – {labels.text(labels.KINDS, publication.kind, lang)}",
        "academic_year": publication.year,
        "academic_year_chosen": labels.year_note(publication.year_note, lang),
        # the publish shown (None: the latest), its time in ISO 8601 with its offset as every time here
        "as_of": (
            {**publication.as_of, "published_at": labels.utc_iso(publication.as_of.get("published_at"))}
            if publication.as_of
            else None
        ),
        "plan": {
            key: publication.plan.get(key)
            for key in (
                "plan_id",
                f"name_{lang}",
                "first_year",
                "last_year",
                "baseline_year",
                "midterm_year",
                "final_year",
                "adopted_by",
                "source_document",
            )
        }
        if publication.plan
        else None,
        "kind": publication.kind,
        "language": lang,
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "warehouse": publication.warehouse.name,
        "format": format_text,
        "data": {
            "run_id": run.get("run_id"),
            "run_status": run.get("status"),
            "run_started_at": labels.utc_iso(run.get("started_at")),
            "run_finished_at": labels.utc_iso(run.get("finished_at")),
        },
        "source_files": [
            {
                key: labels.utc_iso(row.get(key)) if key.endswith("_at") else row.get(key)
                for key in (
                    "source",
                    "files",
                    "oldest_file_modified_at",
                    "newest_file_modified_at",
                    "last_loaded_at",
                    "rows_loaded",
                    "file_names",
                    "reading_rules",
                )
            }
            for row in publication.source_files
        ],
        "disclosure_control": {
            "applied": publication.suppression,
            "rule": disclosure.describe(lang, publication.suppression, publication.protection),
            "marker": disclosure.MARKER,
            "person_count_units": sorted(disclosure.PERSON_COUNT_UNITS),
            "suppressed_counts": f"1-{publication.protection.min_count - 1}",
            "share_min_denominator": publication.protection.min_denominator,
            "protection": publication.protection.as_dict(),
            "linked_sums_not_exact": publication.linked_sums,
            "numerators_equal_to_counts": publication.linked_numerators,
            "denominators_shared": publication.shared_denominators,
            "shares_not_of_persons": sorted(publication.protection.non_person_shares),
            "cells_suppressed": counts,
        },
        "files": files,
        "tables": [
            {
                "name": table.name,
                "title": table.title,
                "file": files.get(table.name),
                "columns": [column.label for column in table.columns],
            }
            for table in publication.tables()
        ],
        "indicators": [
            {
                "indicator_id": ind["indicator_id"],
                "target_id": ind.get("target_id"),
                "goal_id": ind.get("goal_id"),
                "name": ind["name"],
                "definition": ind["definition"],
                "unit": labels.text(labels.UNITS, ind.get("unit"), lang),
                "rule": labels.text(labels.RULES, ind.get("rule"), lang),
                "sources": ind.get("sources"),
                "baseline_year": ind.get("baseline_year"),
                "target_value": ind.get("target_value"),
                "deadline_year": ind.get("deadline_year"),
                "per_programme": ind.get("per_programme"),
            }
            for ind in publication.catalogue
        ],
        "annotations": [
            {
                key: row.get(key)
                for key in (
                    "annotation_id",
                    "academic_year_from",
                    "academic_year_to",
                    "indicator_id",
                    "kind",
                    "text",
                )
            }
            for row in publication.annotations
        ],
        "value_status": {
            "column": labels.header("obs_status", lang),
            "legend": {key: value[lang] for key, value in labels.OBS_LEGEND.items()},
            "marks": dict(labels.OBS_MARKS),
            "years_not_final": sorted(
                {
                    row["academic_year"]
                    for row in publication.values
                    if row.get("obs_status") not in (None, "final")
                }
            ),
        },
        "words": {
            "status": {key: value[lang] for key, value in labels.STATUS.items()},
            "progress": {key: value[lang] for key, value in labels.PROGRESS.items()},
            "suppressed": str(SUPPRESSED),
        },
    }


def _properties(meta: dict[str, Any]) -> dict[str, str]:
    """The workbook's document properties: title, the plan as subject, the run id (also a custom property)."""
    plan = meta.get("plan") or {}
    lang = meta["language"]
    run_id = meta["data"]["run_id"] or ""
    return {
        "title": meta["title"],
        "subject": plan.get(f"name_{lang}") or plan.get("plan_id") or "",
        "plan": plan.get("plan_id") or "",
        "run_id": run_id,
        "keywords": ", ".join(part for part in (plan.get("plan_id"), run_id, meta["kind"]) if part),
        "comments": meta["disclosure_control"]["rule"],
    }


def _about_rows(meta: dict[str, Any], lang: str) -> list[tuple[str, str | datetime]]:
    """The workbook's last sheet; the export's and the run's times as date-time cells of the
    faculty's clock (Excel shows ISO text as it is, ``2026-12-06T04:12:33+00:00``, and a UTC time
    an hour or two early), the zone said in words in the row's name."""
    sv = lang == "sv"
    data = meta["data"]
    zone = labels.LOCAL_TIME[lang]

    def shown(value: Any) -> str:
        return labels.local_text(value) or "-"

    finished = labels.local_time(data["run_finished_at"] or data["run_started_at"])
    rows: list[tuple[str, str | datetime | None]] = [
        ("Titel" if sv else "Title", meta["title"]),
        ("Läsår" if sv else "Academic year", meta["academic_year"]),
        (f"{'Skapad' if sv else 'Generated'} ({zone})", labels.local_time(meta["generated_at"])),
        (
            "Körning (data)" if sv else "Run (data)",
            f"{data['run_id'] or '-'} · {labels.text(labels.RUN_STATUS, data['run_status'], lang) or '-'}",
        ),
        (f"{'Körningen klar' if sv else 'Run finished'} ({zone})", finished or "-"),
        ("Röjandekontroll" if sv else "Disclosure control", meta["disclosure_control"]["rule"]),
        (meta["value_status"]["column"], " · ".join(meta["value_status"]["legend"].values())),
        ("Format", meta["format"]),
    ]
    for source in meta["source_files"]:
        rows.append(
            (
                f"{'Källa' if sv else 'Source'}: {source['source']}",
                f"{source['files']} {'filer' if sv else 'files'}; "
                f"{'nyaste fil' if sv else 'newest file'} {shown(source['newest_file_modified_at'])}; "
                f"{'inläst' if sv else 'loaded'} {shown(source['last_loaded_at'])} ({zone})",
            )
        )
    for note in meta["annotations"]:
        years = note["academic_year_from"] + (
            f"–{note['academic_year_to']}" if note["academic_year_to"] else ""
        )
        rows.append(
            (f"{note['annotation_id']} {years} {note['indicator_id'] or ''}".strip(), note["text"] or "")
        )
    for ind in meta["indicators"]:
        rows.append(
            (f"{ind['indicator_id']} {ind['name']}", f"{ind['definition']} [{ind['unit']}; {ind['rule']}]")
        )
    return [
        (str(key), text if isinstance(text, datetime) else "" if text is None else str(text))
        for key, text in rows
    ]


@functools.cache
def _environment() -> Environment:
    # Markdown, not HTML: no autoescape; the template escapes table pipes itself. One per process:
    # jinja compiles the template once per environment (56 ms), and a process may write many exports
    environment = Environment(
        loader=PackageLoader("indicators.export", "templates"),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["local"] = labels.local_text  # a time as the faculty's clock showed it
    return environment
