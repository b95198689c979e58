"""GX judges exactly the rows staging publishes, in the academic years staging gives them.

One raw table, written by hand: a key in two files, a key twice in one file, stays on either side of
1 July. The staging model is built by real dbt; GX's frames are read by the real quality code (in
memory, and spilled to Parquet as the nightly does) and validated by real GX with the committed suite.
Every expected row is worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import pyarrow.parquet as pq
import pytest

from indicators import quality, transform
from indicators.config import load_settings
from indicators.sources import load_sources
from indicators.warehouse import ensure_schema

# one worker builds the module's fixture (--dist loadgroup), not both
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("quality_current_rows")]

TODAY = dt.date(2024, 1, 15)
# (mobility_id, start_date, end_date, credits_ects, _file_id, _row_number)
RAW = [
    ("MA", "2019-06-30", "2019-08-30", 200, 1, 1),  # superseded by file 2: 200 ECTS is never judged
    ("MC", "2019-07-01", "2019-12-20", 30, 1, 2),  # only in file 1: current
    ("MA", "2019-06-30", "2019-08-30", 30, 2, 1),  # current (2018/19: 30 June is the year's last day)
    ("MB", "2020-06-30", "2020-08-30", 150, 2, 2),  # MB twice in file 2: staging keeps the later row
    ("MB", "2020-07-01", "2020-12-20", 30, 2, 3),  # current (2020/21: 1 July starts the year)
    ("MD", "2021-07-01", "2021-12-20", 30, 2, 4),  # current (2021/22, not final: the rows end 2021-07-01)
]
# staging's rows, by hand: the latest file's last row of each key
PUBLISHED = [
    ("MA", dt.date(2019, 6, 30), 30.0, 2, "2018/19"),
    ("MB", dt.date(2020, 7, 1), 30.0, 2, "2020/21"),
    ("MC", dt.date(2019, 7, 1), 30.0, 1, "2019/20"),
    ("MD", dt.date(2021, 7, 1), 30.0, 2, "2021/22"),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(settings, warehouse): the raw rows above, and stg_student_mobility__mobilities built by dbt."""
    from dbt.adapters.duckdb import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    base = tmp_path_factory.mktemp("current_rows")
    settings = load_settings().with_paths(inbox=base / "inbox", warehouse=base / "warehouse.duckdb")
    con = duckdb.connect(str(settings.warehouse))
    ensure_schema(con, load_sources(settings.pipelines_dir))
    con.executemany(
        """
        insert into raw.student_mobility (mobility_id, student_id, direction, programme_code, mobility_type,
            partner_country, start_date, end_date, status, credits_ects, gender, _file_id, _file_name, _row_number,
            _loaded_at, _run_id)
        values (?, 'pseudonym-' || ?, 'outgoing', 'MALAK', 'studies', 'DE', ?, ?, 'completed', ?, 'female',
            ?, 'student_mobility_' || ? || '.csv', ?, timestamp '2024-01-10 03:00:00', 'run-' || ?)
        """,
        [(m, m, start, end, ects, file, file, row, file) for m, start, end, ects, file, row in RAW],
    )
    con.close()
    saved = os.environ.get("INDICATORS_DBT_DATABASE")
    os.environ["INDICATORS_DBT_DATABASE"] = str(settings.warehouse)
    try:
        args = transform.dbt_args("run", settings)[1:]
        assert dbtRunner().invoke(["run", "--select", "stg_student_mobility__mobilities", *args]).success
    finally:
        DuckDBConnectionManager.close_all_connections()
        if saved is None:
            os.environ.pop("INDICATORS_DBT_DATABASE", None)
        else:
            os.environ["INDICATORS_DBT_DATABASE"] = saved
    return settings, settings.warehouse


def staged(warehouse) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select mobility_id, start_date, credits_ects, file_id, academic_year "
            "from staging.stg_student_mobility__mobilities order by mobility_id"
        ).fetchall()
    finally:
        con.close()


def test_staging_publishes_the_last_row_of_each_keys_latest_file(built):
    _, warehouse = built
    assert staged(warehouse) == PUBLISHED


def weighed(frame, column: str) -> list:
    """A column of ``current_values`` as the rows it stands for: each value as often as its weight."""
    if not hasattr(frame, "columns"):  # spilled to Parquet
        frame = pq.read_table(frame.path).to_pandas()
    values = [v.date() if hasattr(v, "date") else v for v in frame[column]]
    return sorted(
        v for v, n in zip(values, frame[quality.weight_column(column)], strict=True) for _ in range(n)
    )


# the values of staging's rows (PUBLISHED) GX judges, each as often as rows hold it: 200 (superseded
# by file 2) and 150 (MB's dropped row) are not among them
PUBLISHED_STARTS = sorted(row[1] for row in PUBLISHED)
PUBLISHED_ECTS = [30.0, 30.0, 30.0, 30.0]


def test_gx_judges_exactly_the_rows_staging_publishes(built, tmp_path):
    settings, warehouse = built
    (plan,) = quality.prepare(settings, warehouse, ["student_mobility"], today=TODAY).plans
    values = plan.frames[quality.VALUES]
    assert weighed(values, "start_date") == PUBLISHED_STARTS
    assert weighed(values, "credits_ects") == PUBLISHED_ECTS
    # mobility_id is checked for nulls only: its four rows are one value, not null, of weight 4
    ids = [(v, n) for v, n in zip(values["mobility_id"], values["__rows__mobility_id"], strict=True) if n]
    assert len(ids) == 1 and ids[0][0] in {"MA", "MB", "MC", "MD"} and ids[0][1] == 4
    # spilled to Parquet, as in the nightly: the same values and weights
    (spilled,) = quality.prepare(
        settings, warehouse, ["student_mobility"], today=TODAY, spill_dir=tmp_path
    ).plans
    assert weighed(spilled.frames[quality.VALUES], "start_date") == PUBLISHED_STARTS
    assert weighed(spilled.frames[quality.VALUES], "credits_ects") == PUBLISHED_ECTS
    assert "current" not in spilled.frames  # no check needs the rows themselves
    # the uniqueness checks see MB's two rows of file 2 beside the others' one
    keys = pq.read_table(spilled.frames[quality.LATEST_FILE_ROWS].path, columns=["mobility_id", "_file_id"])
    assert sorted(tuple(row.values()) for row in keys.to_pylist()) == [
        ("MA", 2),
        ("MB", 2),
        ("MB", 2),
        ("MC", 1),
        ("MD", 2),
    ]


def test_gx_counts_academic_years_as_staging_assigns_them(built):
    settings, warehouse = built
    (plan,) = quality.prepare(settings, warehouse, ["student_mobility"], today=TODAY).plans
    profile = plan.frames["by_year"]
    # final years: those ended by the rows' latest date (2021-07-01): 2018/19 .. 2020/21, one stay each;
    # MB's dropped row (2020-06-30, 2019/20) is not counted: 2019/20 holds MC only
    assert list(zip(profile["academic_year"], profile["row_count"], strict=True)) == [
        ("2018/19", 1),
        ("2019/20", 1),
        ("2020/21", 1),
    ]
    by_staging = {
        year: sum(1 for row in staged(warehouse) if row[4] == year) for year in profile["academic_year"]
    }
    assert by_staging == dict(zip(profile["academic_year"], profile["row_count"], strict=True))


def archive_like(warehouse, folder) -> dict[str, quality.ArchivedRows]:
    """The raw rows as the archive holds them: one Parquet file per loaded file (``archive.stage``)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        files = []
        for file_id in (1, 2):
            path = folder / f"file{file_id}.parquet"
            con.execute(f"copy (select * from raw.student_mobility where _file_id = {file_id}) to '{path}'")
            files.append(str(path))
    finally:
        con.close()
    return {"student_mobility": quality.ArchivedRows(tuple(files), len(RAW), None)}


def prepared_from_archive(built, folder) -> quality.Prepared:
    """The nightly's way: nothing read before the build, the rows left to the worker's archive reading."""
    settings, warehouse = built
    return quality.prepare(
        settings,
        warehouse,
        ["student_mobility"],
        today=TODAY,
        spill_dir=folder / "spill",
        archived=archive_like(warehouse, folder),
    )


def test_gx_reads_the_same_rows_from_the_archive_beside_the_build(built, tmp_path):
    prepared = prepared_from_archive(built, tmp_path)
    assert prepared.plans[0].frames == {}  # nothing read before the build: the worker reads the archive
    rows = quality.execute(prepared, lambda line: None)
    assert weighed(prepared.plans[0].frames[quality.VALUES], "start_date") == PUBLISHED_STARTS
    assert weighed(prepared.plans[0].frames[quality.VALUES], "credits_ects") == PUBLISHED_ECTS
    profile = prepared.plans[0].frames["by_year"]
    assert list(zip(profile["academic_year"], profile["row_count"], strict=True)) == [
        ("2018/19", 1),
        ("2019/20", 1),
        ("2020/21", 1),
    ]
    failed = [(row.check_name, row.severity, row.failing_count) for row in rows if not row.success]
    assert failed == [("expect_column_values_to_be_unique(mobility_id)", "error", 2)]


@pytest.mark.parametrize("spill", [False, True], ids=["in_memory", "spilled"])
def test_only_the_duplicate_within_a_file_fails_and_superseded_values_are_not_judged(built, tmp_path, spill):
    settings, warehouse = built
    prepared = quality.prepare(
        settings, warehouse, ["student_mobility"], today=TODAY, spill_dir=tmp_path if spill else None
    )
    rows = quality.execute(prepared, lambda line: None)
    failed = [(row.check_name, row.severity, row.failing_count) for row in rows if not row.success]
    # 200 and 150 ECTS are in rows staging does not publish: the credits range check passes
    assert failed == [("expect_column_values_to_be_unique(mobility_id)", "error", 2)]
    (unique,) = [row for row in rows if not row.success]
    assert "'MB' (2)" in unique.details


def test_the_worker_counts_the_archive_reading_once(built, tmp_path):
    # The worker reads the archive's rows inside its task: the task's time already holds them, so
    # the seconds it reports can be no more than the time the whole task took.
    import time

    from indicators.quality import worker

    prepared = prepared_from_archive(built, tmp_path)
    clock = time.monotonic()
    rows, _, seconds, _ = worker._execute_quietly(prepared)
    took = time.monotonic() - clock
    assert rows and prepared.fetch_seconds > 0
    assert prepared.fetch_seconds < seconds <= took
