"""checks.deliveries_since_build: a night that loads nothing still builds the marts when a delivery
without rows of its own reaches a date no delivery the last build read had (a monthly delta's empty
month, a loaded export delivered again under a later date): it moves the source's coverage."""

from __future__ import annotations

import datetime as dt

import duckdb

from indicators.nightly.checks import deliveries_since_build

D = dt.date
BUILT = dt.datetime(2024, 2, 1, 3, 0)


def audit(runs, files):
    con = duckdb.connect()
    con.execute("create schema audit")
    con.execute(
        "create table audit.pipeline_runs "
        "(run_id varchar, status varchar, build_fingerprint varchar, finished_at timestamp)"
    )
    con.execute(
        "create table audit.loaded_files "
        "(run_id varchar, source varchar, status varchar, reason varchar, extraction_date date)"
    )
    con.executemany("insert into audit.pipeline_runs values (?, ?, ?, ?)", runs)
    con.executemany("insert into audit.loaded_files values (?, ?, ?, ?, ?)", files)
    return con


# R1 built the marts; it read student mobility of 2024-01-01 (loaded) and activities' empty January
BUILD = [("R1", "published", "f1", BUILT)]
READ_BY_THE_BUILD = [
    ("R1", "student_mobility", "loaded", None, D(2024, 1, 1)),
    ("R1", "activities", "rejected", "no data rows (header only)", D(2024, 1, 1)),
]


def test_a_new_date_without_rows_builds_and_a_file_left_in_the_inbox_does_not():
    tonight = [  # R2, this run (not yet in pipeline_runs)
        ("R2", "student_mobility", "skipped", "same bytes as …, already loaded", D(2024, 1, 1)),  # left there
        ("R2", "activities", "rejected", "no data rows (header only)", D(2024, 1, 1)),  # January again
        ("R2", "activities", "rejected", "no data rows (header only)", D(2024, 2, 1)),  # February: empty
        ("R2", "cim_awards", "skipped", "same bytes as …, already loaded", D(2024, 3, 1)),  # a later date
        (
            "R2",
            "staff_mobility",
            "rejected",
            "required column missing: direction",
            D(2024, 2, 1),
        ),  # no delivery
        ("R2", "graduates", "rejected", "no data rows (empty sheet)", None),  # undated: reaches no date
        ("R2", None, "unmatched", "file name matches no source; left in place", D(2024, 2, 1)),
    ]
    con = audit(BUILD, READ_BY_THE_BUILD + tonight)
    assert deliveries_since_build(con) == ["activities", "cim_awards"]


def test_a_date_a_later_build_read_is_none():
    # R2 (after R1) built too and read February's empty file: a third night with it again builds nothing
    runs = [*BUILD, ("R2", "published_with_warnings", "f1", BUILT + dt.timedelta(days=1))]
    files = [
        *READ_BY_THE_BUILD,
        ("R2", "activities", "rejected", "no data rows (header only)", D(2024, 2, 1)),
        ("R3", "activities", "rejected", "no data rows (header only)", D(2024, 2, 1)),
    ]
    assert deliveries_since_build(audit(runs, files)) == []


def test_with_no_build_yet_the_build_runs_anyway():
    files = [("R1", "activities", "rejected", "no data rows (header only)", D(2024, 2, 1))]
    assert deliveries_since_build(audit([("R0", "failed", None, BUILT)], files)) == []
