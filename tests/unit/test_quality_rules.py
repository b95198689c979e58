"""The rules GX shares with the dbt project, and the one shape of a check's row.

The academic year and the current rows are not restated in ``indicators.quality``: its SQL renders the
dbt macros (``macros/academic_years.sql``, ``macros/latest_version.sql``) from the project itself.
These tests pin the hand-worked results of that SQL, that every staging model keys its latest version
on the business key GX uses, and that :class:`DqResult` is exactly a row of ``audit.dq_results``.
The same rows through real dbt: ``tests/integration/test_quality_current_rows.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from indicators import quality
from indicators.quality import results
from indicators.sources import load_sources
from indicators.warehouse import ensure_schema

ROOT = Path(__file__).resolve().parents[2]
MACROS = ROOT / "macros"
SPECS = {spec.name: spec for spec in load_sources(ROOT / "pipelines")}


def profile(
    dates: list[str], coverage_end: dt.date | None, today: dt.date = dt.date(2024, 1, 15)
) -> list[tuple]:
    """(academic year, rows) of the by_year profile of one stay starting on each date (one file)."""
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.student_mobility (mobility_id varchar, start_date date, _file_id bigint, _row_number bigint)"
    )
    con.executemany(
        "insert into raw.student_mobility values (?, ?, 1, ?)",
        [(f"M{n}", day, n) for n, day in enumerate(dates, start=1)],
    )
    current = quality.current_rows_sql(SPECS["student_mobility"], ["mobility_id", "start_date"], {}, MACROS)
    sql = quality.by_year_sql(current, "start_date", False, MACROS)
    return [row[:2] for row in con.execute(sql, quality.by_year_parameters(coverage_end, today)).fetchall()]


def test_the_academic_year_turns_on_1_july():
    # hand-worked: 2019-06-30 is in 2018/19; 2019-07-01 and 2020-06-30 in 2019/20; 2020-07-01 in 2020/21;
    # 2021-07-01 (2021/22) is after the coverage end's last final year, 2020/21 (ended 2021-06-30)
    dates = ["2019-06-30", "2019-07-01", "2020-06-30", "2020-07-01", "2021-07-01"]
    assert profile(dates, dt.date(2021, 7, 1)) == [("2018/19", 1), ("2019/20", 2), ("2020/21", 1)]


def test_a_year_is_final_on_its_last_day_30_june():
    dates = ["2019-06-30", "2019-07-01", "2020-07-01"]
    assert profile(dates, dt.date(2021, 6, 30)) == [("2018/19", 1), ("2019/20", 1), ("2020/21", 1)]
    assert profile(dates, dt.date(2021, 6, 29)) == [("2018/19", 1), ("2019/20", 1)]
    # the run's date caps the coverage end the same way
    assert profile(dates, dt.date(2030, 1, 1), today=dt.date(2020, 6, 30)) == [("2018/19", 1), ("2019/20", 1)]


def test_the_profile_counts_one_row_per_key_the_last_of_the_latest_file():
    # M1 in files 1 and 2 (2018/19 in file 1, 2019/20 in file 2); M2 twice in file 2 (2019/20, then
    # 2020/21): the staging rule keeps M1 of file 2 (2019/20) and M2's second row (2020/21)
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.student_mobility (mobility_id varchar, start_date date, _file_id bigint, _row_number bigint)"
    )
    con.execute("""insert into raw.student_mobility values ('M1', '2018-09-01', 1, 1), ('M1', '2019-09-01', 2, 1),
                   ('M2', '2019-10-01', 2, 2), ('M2', '2020-10-01', 2, 3), ('M3', '2021-09-01', 2, 4)""")
    spec = SPECS["student_mobility"]
    current = quality.current_rows_sql(spec, ["mobility_id", "start_date"], {}, MACROS)
    assert sorted(con.execute(current).fetchall()) == [
        ("M1", dt.date(2019, 9, 1)),
        ("M2", dt.date(2020, 10, 1)),
        ("M3", dt.date(2021, 9, 1)),
    ]
    # the uniqueness checks see M2's two rows of file 2 (and M1 of file 2 only): (_file_id, mobility_id)
    keys = quality.latest_file_rows_sql(spec, ["mobility_id", "start_date"], {}, MACROS, only=["mobility_id"])
    assert sorted(con.execute(keys).fetchall()) == [(2, "M1"), (2, "M2"), (2, "M2"), (2, "M3")]
    sql = quality.by_year_sql(current, "start_date", False, MACROS)
    rows = con.execute(sql, quality.by_year_parameters(dt.date(2022, 8, 1), dt.date(2024, 1, 15))).fetchall()
    assert [row[:2] for row in rows] == [("2019/20", 1), ("2020/21", 1), ("2021/22", 1)]


@pytest.mark.parametrize("source", sorted(SPECS))
def test_each_staging_model_takes_the_latest_version_by_the_business_key_gx_uses(source):
    readers = [
        path
        for path in (ROOT / "models" / "staging").glob("stg_*.sql")
        if f"source('raw', '{source}')" in path.read_text(encoding="utf-8")
    ]
    assert len(readers) == 1, readers  # staging is the only layer that reads raw, one model a source
    (keys,) = re.findall(r"latest_version\('source', \[([^\]]*)\]\)", readers[0].read_text(encoding="utf-8"))
    assert tuple(key.strip().strip("'") for key in keys.split(",")) == tuple(SPECS[source].business_key)


def test_a_dq_result_is_a_row_of_audit_dq_results():
    con = duckdb.connect()
    ensure_schema(con, [])
    columns = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'audit' and table_name = 'dq_results' order by ordinal_position"
    ).fetchall()
    assert [name for (name,) in columns] == [
        "run_id",
        *(f.name for f in dataclasses.fields(quality.DqResult)),
        "checked_at",
    ]
    checked = dt.datetime(2024, 1, 15, 3, 0)
    row = quality.DqResult("dbt", "dbt_build", "not_null_x", "stg_x", "error", False, None, 3, "3 rows")
    results.insert(con, "run-1", checked, [row])
    assert con.execute("select * from audit.dq_results").fetchall() == [
        ("run-1", "dbt", "dbt_build", "not_null_x", "stg_x", "error", False, None, 3, "3 rows", checked)
    ]
