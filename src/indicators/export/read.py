"""Reading the published warehouse for a publication: the plan, the year, the catalogue and the marts.

Every function takes an open read-only connection and ``tables`` (schema, table → columns, from
:func:`tables_of`), so that an older warehouse without a newer table or column still reads.
:func:`indicators.export.tables.load` calls them and builds the protected publication.
"""

from __future__ import annotations

from typing import Any

import duckdb

FOLLOWUPS = ("midterm", "final")  # the kinds that follow a plan up at one of its years


class ExportError(ValueError):
    """The publication cannot be made (bad arguments, missing tables); the message says why."""


def plan(con, tables, plan_id: str | None) -> dict[str, Any]:
    """The plan followed: the one named, or the current one; {} in a warehouse without plans."""
    if ("reference", "plans") not in tables:
        if plan_id:
            raise ExportError("this warehouse has no plans (reference.plans): run the nightly build first")
        return {}
    if plan_id:
        rows = fetch_rows(con, "select * from reference.plans where plan_id = ?", [plan_id])
        if not rows:
            known = ", ".join(r[0] for r in con.execute("select plan_id from reference.plans order by sort_order").fetchall())
            raise ExportError(f"no plan {plan_id!r} (the plans: {known})")
        return rows[0]
    rows = fetch_rows(con, "select * from reference.plans where is_current order by sort_order limit 1")
    return rows[0] if rows else {}


def midterm_year(con, tables) -> str | None:
    """An older warehouse (no plans seed): the mid-term year its midterm_followup read."""
    if ("marts", "midterm_followup") in tables and "midterm_year" in tables[("marts", "midterm_followup")]:
        return con.execute("select max(midterm_year) from marts.midterm_followup").fetchone()[0]
    return None


def choose_year(con, year: str | None, kind: str, followup_years: dict[str, str | None],
                 has_status: bool) -> tuple[str, str | None]:
    """The year a publication reports on, and a sentence saying how it was chosen (None: as given)."""
    headline = ("from marts.indicator_values where programme_code is null and dimension is null "
                "and value is not null")
    if kind in FOLLOWUPS:
        wanted = year or followup_years.get(kind)
        if wanted is None:
            raise ExportError(f"the plan has no {kind} follow-up year: give --year")
        found = con.execute(f"select max(academic_year) {headline} and academic_year <= ?", [wanted]).fetchone()[0]
        if found is None:
            raise ExportError(f"the warehouse has no indicator values in or before {wanted}")
        what = "mid-term follow-up" if kind == "midterm" else "final follow-up"
        if found == wanted and year is not None:
            return found, None
        if found == wanted:
            return found, f"{what} of {found} (the plan's {'mid-term' if kind == 'midterm' else 'final'} year)"
        return found, f"{what} of {found}, the latest year with values before {wanted}"
    if year is not None:
        return year, None
    final = None
    if has_status:
        final = con.execute(f"select max(academic_year) {headline} and obs_status = 'final'").fetchone()[0]
    if final is not None:
        return final, f"annual report of {final}, the latest year with final values"
    latest = con.execute(f"select max(academic_year) {headline}").fetchone()[0]
    if latest is None:
        raise ExportError("the warehouse has no indicator values yet")
    return latest, f"annual report of {latest}, the latest year with values (no year is final yet)"


def tables_of(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in con.execute(
        "select table_schema, table_name, column_name from information_schema.columns"
    ).fetchall():
        found.setdefault((schema, table), set()).add(column)
    return found


def fetch_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def pick(row: dict[str, Any], *names: str) -> Any:
    for name in names:
        if row.get(name) is not None:
            return row[name]
    return None


def non_person_shares(con, tables) -> frozenset[str]:
    """The indicators whose shares count programmes or agreements, not persons: the catalogue's
    ``has_person_denominator`` false. A catalogue without that column (an older warehouse): none,
    so every share is protected as a share of persons."""
    for schema, table in (("marts", "indicator_catalogue"), ("reference", "indicator_catalogue")):
        if "has_person_denominator" in tables.get((schema, table), ()):
            return frozenset(indicator_id for (indicator_id,) in con.execute(
                f"select indicator_id from {schema}.{table} where not has_person_denominator").fetchall())
    return frozenset()


def catalogue(con, tables, lang: str, plan_id: str | None = None) -> list[dict[str, Any]]:
    if plan_id and ("marts", "plan_catalogue") in tables:
        # the plan's own targets, rules and numbers beside the indicators' definitions
        rows = fetch_rows(con, """
            select catalogue.indicator_id, catalogue.name_sv, catalogue.name_en, catalogue.definition_sv,
                catalogue.definition_en, catalogue.unit, catalogue.sources, catalogue.per_programme,
                plan.plan_id, plan.target_id, plan.target_kind, plan.target_text_sv, plan.target_text_en,
                plan.goal_id, goal.target_text_sv as goal_text_sv, goal.target_text_en as goal_text_en,
                plan.rule, plan.secondary_rule, plan.baseline_year, plan.target_value, plan.deadline_year,
                plan.deadline_date, plan.sort_order
            from marts.plan_catalogue as plan
            inner join reference.indicator_catalogue as catalogue on plan.indicator_id = catalogue.indicator_id
            left join marts.plan_catalogue as goal
                on plan.plan_id = goal.plan_id and plan.goal_id = goal.target_id and goal.indicator_id is null
            where plan.plan_id = ?
            qualify row_number() over (partition by plan.indicator_id order by plan.sort_order) = 1
        """, [plan_id])
    elif ("marts", "indicator_catalogue") in tables:
        rows = fetch_rows(con, "select * from marts.indicator_catalogue")
    elif ("reference", "indicator_catalogue") in tables:
        rows = fetch_rows(con, "select * from reference.indicator_catalogue")
    else:
        raise ExportError("the warehouse has no indicator catalogue (marts.indicator_catalogue)")
    plan = {}
    if ("reference", "plan_targets") in tables:
        plan = {row["target_id"]: row for row in fetch_rows(con, "select * from reference.plan_targets")}
    out = []
    for row in rows:
        target = plan.get(row.get("target_id"), {})
        goal = plan.get(row.get("goal_id"), {})
        target_value = row.get("target_value")
        try:
            target_value = float(target_value) if target_value not in (None, "") else None
        except ValueError:
            target_value = None
        out.append({
            **row,
            "name": pick(row, f"name_{lang}", "name_en", "name_sv"),
            "definition": pick(row, f"definition_{lang}", "definition_en", "definition_sv"),
            "target_text": pick(row, f"target_text_{lang}", f"target_{lang}") or target.get(f"text_{lang}"),
            "goal_text": pick(row, f"goal_text_{lang}", f"goal_{lang}") or goal.get(f"text_{lang}"),
            "target_value": target_value,
            "baseline_year": row.get("baseline_year"),
            "sort_order": int(row.get("sort_order") or 0),
        })
    out.sort(key=lambda row: (row["sort_order"], row["indicator_id"]))
    return out


def plan_filter(tables, table: tuple[str, str], plan_id: str | None) -> tuple[str, list]:
    if plan_id and "plan_id" in tables.get(table, set()):
        return " and plan_id = ?", [plan_id]
    return "", []


def progress(con, tables, year: str, plan_id: str | None = None) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    if ("marts", "indicator_progress") not in tables:
        return {}
    columns = tables[("marts", "indicator_progress")]
    where = "academic_year <= ?"
    if "dimension" in columns:
        where += " and dimension is null"
    plan_where, plan_params = plan_filter(tables, ("marts", "indicator_progress"), plan_id)
    rows = fetch_rows(con, f"select * from marts.indicator_progress where {where}{plan_where}", [year, *plan_params])
    return {(row["indicator_id"], row["academic_year"], row.get("programme_code")): row for row in rows}


def first_published(con, tables) -> dict[tuple[str, str, str | None], float | None]:
    if ("marts", "indicator_revisions") not in tables:
        return {}
    rows = con.execute("""
        select indicator_id, academic_year, programme_code, published_value
        from marts.indicator_revisions
        where is_first_published and dimension is null
    """).fetchall()
    return {(iid, year, code): value for iid, year, code, value in rows}


def final(con, tables, plan_id: str | None) -> list[dict[str, Any]]:
    if ("marts", "final_followup") not in tables or not plan_id:
        return []
    return fetch_rows(con, "select * from marts.final_followup where plan_id = ? order by sort_order", [plan_id])


def midterm(con, tables, plan_id: str | None = None) -> list[dict[str, Any]]:
    if ("marts", "midterm_followup") not in tables:
        return []
    out = []
    plan_where, plan_params = plan_filter(tables, ("marts", "midterm_followup"), plan_id)
    for row in fetch_rows(con, f"select * from marts.midterm_followup where true{plan_where}", plan_params):
        out.append({
            "indicator_id": row.get("indicator_id"),
            "followup_year": pick(row, "followup_year", "followup_academic_year", "midterm_year",
                                   "value_year", "academic_year"),
            "change_abs": pick(row, "change_abs"),
            "change_pct": pick(row, "change_pct"),
            "status": pick(row, "status"),
            "progress": pick(row, "progress"),
        })
    return out


def programme_names(con, tables, lang: str) -> dict[str, str]:
    for schema, table in (("marts", "programme_scoreboard"), ("marts", "programmes"), ("reference", "programmes"),
                          ("staging", "stg_programmes__programmes")):
        columns = tables.get((schema, table), set())
        name = next((c for c in (f"programme_name_{lang}", "programme_name", "programme_name_sv") if c in columns),
                    None)
        if "programme_code" in columns and name:
            try:
                rows = con.execute(f'select distinct programme_code, "{name}" from {schema}.{table}').fetchall()
            except duckdb.Error:
                continue
            return {code: label for code, label in rows if code is not None and label}
    return {}


def annotations(con, tables, year: str, lang: str) -> list[dict[str, Any]]:
    if ("reference", "annotations") not in tables:
        return []
    rows = fetch_rows(con, "select * from reference.annotations where academic_year_from <= ? "
                      "order by academic_year_from, annotation_id", [year])
    for row in rows:
        row["text"] = pick(row, f"text_{lang}", "text_en", "text_sv")
        row["indicator_id"] = row.get("indicator_id") or None
        row["academic_year_to"] = row.get("academic_year_to") or None
    return rows


def run(con, tables) -> dict[str, Any] | None:
    if ("audit", "pipeline_runs") not in tables:
        return None
    rows = fetch_rows(con, "select * from audit.pipeline_runs order by (status like 'published%') desc, "
                      "started_at desc limit 1")
    return rows[0] if rows else None


def source_files(con, tables) -> list[dict[str, Any]]:
    if ("audit", "loaded_files") not in tables:
        return []
    return fetch_rows(con, """
        select source, count(*) as files, max(file_modified_at) as newest_file_modified_at,
               min(file_modified_at) as oldest_file_modified_at, max(loaded_at) as last_loaded_at,
               sum(rows_loaded) as rows_loaded,
               string_agg(file_name, '; ' order by file_name) as file_names
        from audit.loaded_files where status = 'loaded'
        group by source order by source
    """)


def quality(con, tables, run: dict[str, Any] | None) -> dict[str, Any]:
    quality: dict[str, Any] = {"rejected_files": [], "quarantined_files": [], "failed_checks": []}
    run_id = run["run_id"] if run else None
    if ("audit", "loaded_files") in tables and run_id:
        quality["rejected_files"] = fetch_rows(con, """
            select file_name, source, status, reason from audit.loaded_files
            where run_id = ? and status in ('rejected', 'unmatched') order by file_name""", [run_id])
        quality["quarantined_files"] = fetch_rows(con, """
            select file_name, source, rows_read, rows_loaded, rows_quarantined from audit.loaded_files
            where run_id = ? and coalesce(rows_quarantined, 0) > 0 order by file_name""", [run_id])
    if ("audit", "dq_results") in tables and run_id:
        quality["failed_checks"] = fetch_rows(con, """
            select engine, suite_name, check_name, table_name, severity, observed_value, failing_count, details
            from audit.dq_results where run_id = ? and not success
            order by severity, suite_name, check_name""", [run_id])
    return quality
