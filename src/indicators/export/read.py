"""Reading the published warehouse for a publication: the plan, the year, the catalogue and the marts.

What the warehouse knows is read here, not worked out again: the plan and the years its follow-ups
read (``marts.plans``), the latest year with final values (``marts.academic_years``), each plan's
indicators with their targets and goals (``marts.plan_indicator_catalogue``), programme names and
which codes are programmes of the catalogue (``marts.programmes``), the annotations
(``marts.annotations``). Only the run's own record comes from ``audit.*``: the nightly writes it
after the marts are built, so no mart can hold it. :func:`indicators.export.tables.load` calls
these with an open read-only connection and builds the protected publication.
"""

from __future__ import annotations

from typing import Any

import duckdb

FOLLOWUPS = ("midterm", "final")  # the kinds that follow a plan up at one of its years
MARTS = (
    "indicator_values",
    "indicator_progress",
    "indicator_catalogue",
    "plan_indicator_catalogue",
    "plans",
    "academic_years",
    "midterm_followup",
    "final_followup",
    "indicator_revisions",
    "programmes",
    "annotations",
)
AUDIT = ("pipeline_runs", "loaded_files", "dq_results")
PLAN = """plan_id, plan_name_sv as name_sv, plan_name_en as name_en, first_year, last_year, baseline_year,
    midterm_year, final_year, midterm_followup_year, final_followup_year, adopted_by, source_document,
    is_current, sort_order"""


class ExportError(ValueError):
    """The publication cannot be made (bad arguments, missing tables); the message says why."""


def check_tables(con: duckdb.DuckDBPyConnection, warehouse: Any) -> set[tuple[str, str]]:
    """The warehouse's tables (schema, name), when every table a publication reads is among them (a
    warehouse the nightly built); else say which are not."""
    found = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    missing = [
        f"{schema}.{table}"
        for schema, names in (("marts", MARTS), ("audit", AUDIT))
        for table in names
        if (schema, table) not in found
    ]
    if missing:
        raise ExportError(f"{warehouse} has no {', '.join(missing)}: run the nightly build (with dbt) first")
    return found


def fetch_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    row = con.execute(sql, params or []).fetchone()
    return row[0] if row else None


def pick(row: dict[str, Any], *names: str) -> Any:
    for name in names:
        if row.get(name) is not None:
            return row[name]
    return None


def plan(con, plan_id: str | None) -> dict[str, Any]:
    """The plan followed (a marts.plans row): the one named, or the current one; {} when no plan is current."""
    if plan_id:
        rows = fetch_rows(con, f"select {PLAN} from marts.plans where plan_id = ?", [plan_id])
        if not rows:
            known = ", ".join(
                r[0] for r in con.execute("select plan_id from marts.plans order by sort_order").fetchall()
            )
            raise ExportError(f"no plan {plan_id!r} (the plans: {known})")
        return rows[0]
    rows = fetch_rows(con, f"select {PLAN} from marts.plans where is_current order by sort_order limit 1")
    return rows[0] if rows else {}


def choose_year(con, year: str | None, kind: str, plan: dict[str, Any]) -> tuple[str, str | None]:
    """The year a publication reports on, and a sentence saying how it was chosen (None: as given).

    Without a year a follow-up reads the year marts.plans says it reads, an annual publication the
    latest year with final values (marts.academic_years); a year given to a follow-up stands for the
    latest year with values at or before it."""
    if kind in FOLLOWUPS:
        wanted = year or plan.get(f"{kind}_year")
        if wanted is None:
            raise ExportError(f"the plan has no {kind} follow-up year: give --year")
        if year is None:
            found = plan.get(f"{kind}_followup_year")
        else:
            found = fetch_one(
                con, "select max(academic_year) from marts.academic_years where academic_year <= ?", [year]
            )
        if found is None:
            raise ExportError(f"the warehouse has no indicator values in or before {wanted}")
        what = "mid-term follow-up" if kind == "midterm" else "final follow-up"
        if found == wanted and year is not None:
            return found, None
        if found == wanted:
            return (
                found,
                f"{what} of {found} (the plan's {'mid-term' if kind == 'midterm' else 'final'} year)",
            )
        # without --year a follow-up reads the latest year with final values (marts.plans): no verdict on a
        # partial year; a year with only provisional values where none after the baseline is final
        final = year is None and fetch_one(
            con, "select has_final_values from marts.academic_years where academic_year = ?", [found]
        )
        which = "final values" if final else "values"
        return found, f"{what} of {found}, the latest year with {which} before {wanted}"
    if year is not None:
        return year, None
    final = fetch_one(con, "select academic_year from marts.academic_years where is_latest_final_year")
    if final is not None:
        return final, f"annual report of {final}, the latest year with final values"
    latest = fetch_one(con, "select academic_year from marts.academic_years where is_latest_year")
    if latest is None:
        raise ExportError("the warehouse has no indicator values yet")
    return latest, f"annual report of {latest}, the latest year with values (no year is final yet)"


def non_person_shares(con) -> frozenset[str]:
    """The indicators whose shares count programmes or agreements, not persons: the catalogue's
    ``has_person_denominator`` false."""
    return frozenset(
        indicator_id
        for (indicator_id,) in con.execute(
            "select indicator_id from marts.indicator_catalogue where not has_person_denominator"
        ).fetchall()
    )


def catalogue(con, lang: str, plan_id: str | None) -> list[dict[str, Any]]:
    """The plan's indicators, each with its target and goal, in the plan's order; without a plan the
    indicator catalogue."""
    if plan_id:
        rows = fetch_rows(
            con,
            "select * from marts.plan_indicator_catalogue where plan_id = ? "
            "order by sort_order, indicator_id",
            [plan_id],
        )
    else:
        rows = fetch_rows(con, "select * from marts.indicator_catalogue order by sort_order, indicator_id")
    return [
        {
            **row,
            "name": pick(row, f"indicator_name_{lang}", "indicator_name_en", "indicator_name_sv"),
            "definition": pick(row, f"definition_{lang}", "definition_en", "definition_sv"),
            # a plan written in one language only: its own words, as for the names
            "target_text": pick(row, f"target_text_{lang}", "target_text_en", "target_text_sv"),
            "goal_text": pick(row, f"goal_text_{lang}", "goal_text_en", "goal_text_sv"),
        }
        for row in rows
    ]


def indicator_names(con, lang: str) -> dict[str, str]:
    """Every indicator's name in ``lang`` (the whole catalogue, not only the plan's)."""
    rows = fetch_rows(con, "select * from marts.indicator_catalogue")
    return {
        row["indicator_id"]: pick(row, f"indicator_name_{lang}", "indicator_name_en", "indicator_name_sv")
        for row in rows
    }


def progress(con, year: str, plan_id: str | None) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    rows = fetch_rows(
        con,
        "select * from marts.indicator_progress where academic_year <= ? and plan_id = ?",
        [year, plan_id],
    )
    return {(row["indicator_id"], row["academic_year"], row["programme_code"]): row for row in rows}


def first_published(con) -> dict[tuple[str, str, str | None], float | None]:
    rows = con.execute("""
        select indicator_id, academic_year, programme_code, published_value
        from marts.indicator_revisions
        where is_first_published and dimension is null
    """).fetchall()
    return {(iid, year, code): value for iid, year, code, value in rows}


def final(con, plan_id: str | None) -> list[dict[str, Any]]:
    return fetch_rows(
        con, "select * from marts.final_followup where plan_id = ? order by sort_order", [plan_id]
    )


def midterm(con, plan_id: str | None) -> list[dict[str, Any]]:
    return fetch_rows(
        con,
        "select indicator_id, followup_year, change_abs, change_pct, status, progress "
        "from marts.midterm_followup where plan_id = ? order by sort_order",
        [plan_id],
    )


def programmes(con, lang: str) -> dict[str, dict[str, Any]]:
    """Every programme code of the marts: its name in ``lang`` (None for ``unknown``) and is_in_catalogue."""
    rows = fetch_rows(
        con, f"select programme_code, programme_name_{lang} as name, is_in_catalogue from marts.programmes"
    )
    return {row["programme_code"]: row for row in rows}


def annotations(con, year: str, lang: str) -> list[dict[str, Any]]:
    rows = fetch_rows(
        con,
        "select * from marts.annotations where academic_year_from <= ? "
        "order by academic_year_from, annotation_id",
        [year],
    )
    for row in rows:
        row["text"] = pick(row, f"text_{lang}", "text_en", "text_sv")
    return rows


def run(con) -> dict[str, Any] | None:
    rows = fetch_rows(
        con,
        "select * from audit.pipeline_runs order by (status like 'published%') desc, started_at desc limit 1",
    )
    return rows[0] if rows else None


def source_files(con) -> list[dict[str, Any]]:
    return fetch_rows(
        con,
        """
        select source, count(*) as files, max(file_modified_at) as newest_file_modified_at,
               min(file_modified_at) as oldest_file_modified_at, max(loaded_at) as last_loaded_at,
               sum(rows_loaded) as rows_loaded,
               string_agg(file_name, '; ' order by file_name) as file_names,
               -- how the contract read them (docs/sources.md): profiles, each_row, generated keys
               list_sort(list_distinct(flatten(list(regexp_extract_all(coalesce(reason, ''),
                   '(read as profile [^;]*|each row counted as one person [^;]*|generated from the whole row: [^;]*)'
               ))))) as reading_rules
        from audit.loaded_files where status = 'loaded'
        group by source order by source
    """,
    )


def quality(con, run: dict[str, Any] | None) -> dict[str, Any]:
    quality: dict[str, Any] = {"rejected_files": [], "quarantined_files": [], "failed_checks": []}
    if not run:
        return quality
    quality["rejected_files"] = fetch_rows(
        con,
        """
        select file_name, source, status, reason from audit.loaded_files
        where run_id = ? and status in ('rejected', 'unmatched') order by file_name""",
        [run["run_id"]],
    )
    quality["quarantined_files"] = fetch_rows(
        con,
        """
        select file_name, source, rows_read, rows_loaded, rows_quarantined from audit.loaded_files
        where run_id = ? and coalesce(rows_quarantined, 0) > 0 order by file_name""",
        [run["run_id"]],
    )
    quality["failed_checks"] = fetch_rows(
        con,
        """
        select engine, suite_name, check_name, table_name, severity, observed_value, failing_count, details
        from audit.dq_results where run_id = ? and not success
        order by severity, suite_name, check_name""",
        [run["run_id"]],
    )
    return quality
