"""What each publish published, so that a figure can be traced across reports.

At every publish the run appends to ``audit.published_values`` the indicator values (one row per
indicator, year, scope and breakdown, with ``obs_status``) that differ from what the previous
publishes left: the first publish writes every value, later ones only the changed, the new and
(``is_removed``) the vanished ones. The table lives in the working copy and is published with it,
atomically, so it never holds a value that was not published.

``values_as_of`` reads back what was published at a run (or a day): the latest version of every
value up to it. ``marts.indicator_revisions`` (dbt) lists every current value that differs from
an earlier published one.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb

KEY = ("indicator_id", "academic_year", "programme_code", "dimension", "dimension_value")
_JOIN = " and ".join(f"current.{k} is not distinct from latest.{k}" for k in KEY)

_LATEST = """
    select *
    from audit.published_values
    where published_at <= ?
    qualify row_number() over (
        partition by indicator_id, academic_year, programme_code, dimension, dimension_value
        order by published_at desc, run_id desc
    ) = 1
"""

RUN_ID = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{4}$")


class AsOfError(ValueError):
    """An --as-of that names no publish (the message says which exist)."""


def record(con: duckdb.DuckDBPyConnection, run_id: str, published_at: dt.datetime) -> int:
    """Append this publish's changes to audit.published_values; returns the rows written."""
    if not con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'indicator_values'"
    ).fetchone()[0]:
        return 0
    before = con.execute("select count(*) from audit.published_values").fetchone()[0]
    keys = ", ".join(f"current.{k}" for k in KEY)
    con.execute(
        f"""
        insert into audit.published_values
        with latest as ({_LATEST}),
        current as (select * from marts.indicator_values)
        select ?, ?, {keys}, current.value, current.numerator, current.denominator, current.unit,
            current.obs_status, false
        from current
        left join latest on {_JOIN}
        where latest.indicator_id is null
            or latest.is_removed
            or latest.value is distinct from current.value
            or latest.numerator is distinct from current.numerator
            or latest.denominator is distinct from current.denominator
            or latest.obs_status is distinct from current.obs_status
        union all
        select ?, ?, {", ".join(f"latest.{k}" for k in KEY)}, null, null, null, latest.unit, null, true
        from latest
        anti join current on {_JOIN}
        where not latest.is_removed
        """,
        [published_at, run_id, published_at, run_id, published_at],
    )
    return con.execute("select count(*) from audit.published_values").fetchone()[0] - before


def resolve_as_of(con: duckdb.DuckDBPyConnection, as_of: str) -> tuple[str, dt.datetime]:
    """The publish an --as-of names: a run id, or a day (YYYY-MM-DD: the last publish on or before it)."""
    runs = con.execute(
        "select run_id, max(published_at) from audit.published_values group by run_id order by 2"
    ).fetchall()
    if not runs:
        raise AsOfError("the warehouse has no published values yet (audit.published_values is empty)")
    if RUN_ID.match(as_of):
        for run_id, at in runs:
            if run_id == as_of:
                return run_id, at
        raise AsOfError(
            f"no publish by run {as_of}; publishes that changed values: "
            + ", ".join(run for run, _ in runs[-10:])
        )
    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError as exc:
        raise AsOfError(
            f"--as-of takes a run id (e.g. {runs[-1][0]}) or a day (YYYY-MM-DD), not {as_of!r}"
        ) from exc
    earlier = [(run, at) for run, at in runs if at.date() <= day]
    if not earlier:
        raise AsOfError(
            f"nothing was published on or before {day} (the first publish: {runs[0][1]:%Y-%m-%d})"
        )
    return earlier[-1]


def values_as_of(con: duckdb.DuckDBPyConnection, published_at: dt.datetime, up_to_year: str) -> list[dict]:
    """The indicator values as published at ``published_at`` (their latest versions, removals left out)."""
    cursor = con.execute(
        f"""
        select {", ".join(KEY)}, value, numerator, denominator, unit, obs_status
        from ({_LATEST}) as latest
        where not is_removed and academic_year <= ?
        order by indicator_id, academic_year, programme_code nulls first, dimension nulls first,
            dimension_value nulls first
        """,
        [published_at, up_to_year],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
