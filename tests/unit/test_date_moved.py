"""build_skip.date_moved: when does a night with nothing new need the marts rebuilt for its date?"""

from __future__ import annotations

import datetime as dt

import duckdb

from indicators import build_skip

D = dt.date


def coverage(tmp_path, rows):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.source_coverage (source_name varchar, coverage_end_date date, run_date date)"
    )
    con.executemany("insert into marts.source_coverage values (?, ?, ?)", rows)
    con.close()
    return path


def test_nothing_capped_same_year_no_rebuild(tmp_path):
    # built 2026-03-01; every coverage end is an export's date before it: a later day changes nothing
    work = coverage(tmp_path, [("staff_mobility", D(2025, 9, 1), D(2026, 3, 1))])
    assert build_skip.date_moved(work, D(2026, 6, 30)) is None


def test_the_academic_year_moved(tmp_path):
    work = coverage(tmp_path, [("staff_mobility", D(2025, 9, 1), D(2026, 3, 1))])
    assert (
        build_skip.date_moved(work, D(2026, 7, 1))
        == "the run's academic year moved (2026-03-01 -> 2026-07-01)"
    )


def test_a_capped_coverage_end_reaches_the_end_of_its_year(tmp_path):
    # student_mobility was capped at the build's date (planned stays run past it): on 30 June its
    # year becomes final, a day before nothing changes
    work = coverage(
        tmp_path,
        [
            ("student_mobility", D(2026, 3, 1), D(2026, 3, 1)),
            ("staff_mobility", D(2025, 9, 1), D(2026, 3, 1)),
        ],
    )
    assert build_skip.date_moved(work, D(2026, 6, 29)) is None
    assert build_skip.date_moved(work, D(2026, 6, 30)) == (
        "coverage capped at 2026-03-01 moves to 2026-06-30 (student_mobility)"
    )


def test_marts_without_the_run_date_rebuild_once(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create table marts.source_coverage (source_name varchar, coverage_end_date date)")
    con.close()
    assert (
        build_skip.date_moved(path, D(2026, 3, 1)) == "the marts do not record the date they were built for"
    )
