"""What BI tools and older DuckDB clients get from a publish: the ``bi/`` folder and a 1.5-readable file.

The session's published bundled sample (``published_warehouse``: one real nightly, dbt without GX),
copied, and a real ``indicators nightly`` on the copy (the CLI's main, in the test's process); the
``bi/`` folder is read back with DuckDB and polars and compared with the published marts, and the
published warehouse is opened by DuckDB 1.5.6 (installed into a cache folder: the newest 1.x client
on the package index).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from conftest import TEST_KEY
from helpers import cli_in_process
from indicators import warehouse as wh

# the session's published bundled sample is built by one worker for its group (--dist loadgroup)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("audit_bundled")]

ROOT = Path(__file__).parents[2]
OLD_CLIENT = "1.5.6"
CACHE = Path(os.environ.get("INDICATORS_TEST_CACHE", Path.home() / ".cache" / "indicators"))


def _nightly(inbox: Path, warehouse: Path) -> subprocess.CompletedProcess:
    return cli_in_process(
        "nightly",
        "--inbox",
        str(inbox),
        "--warehouse",
        str(warehouse),
        "-q",
        env={"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY},
    )


def _run_id(result: subprocess.CompletedProcess) -> str:
    line = next(line for line in result.stdout.splitlines() if line.startswith("Run "))
    return line.split()[1].rstrip(":")


@pytest.fixture(scope="module")
def published(published_warehouse, tmp_path_factory):
    """A copy of the session's published bundled sample (its state folder: the warehouse, ``bi/``,
    the archive and dbt's state), which a test here publishes again, and the run that published it."""
    root = tmp_path_factory.mktemp("bi")
    shutil.copytree(published_warehouse("bundled").parent, root / "state")
    warehouse = root / "state" / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        [(run_id, status)] = con.execute("select run_id, status from audit.pipeline_runs").fetchall()
    finally:
        con.close()
    assert status == "published_with_warnings"  # the sample publishes with warnings (exit 2)
    return warehouse, run_id


def _as_warehouse_keeps(rows: list[tuple]) -> list[tuple]:
    """Rows read from a Parquet file with each time (written with its zone, UTC) as the warehouse
    keeps it: UTC without a zone."""
    import datetime as dt

    def naive(value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    return [tuple(naive(value) for value in row) for row in rows]


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {name: con.execute(f'select * from marts."{name}" order by all').fetchall() for name in names}
    finally:
        con.close()


def test_each_publish_writes_every_mart_as_parquet_and_csv_with_its_run(published):
    warehouse, run_id = published
    folder = warehouse.parent / "bi"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == run_id
    marts = _marts(warehouse)
    # the 14 marts analysts query (models/marts), each as both files
    assert len(marts) == 14 and "indicator_values" in marts and "midterm_followup" in marts
    assert sorted(table["name"] for table in manifest["tables"]) == sorted(marts)
    con = duckdb.connect()
    for name, rows in marts.items():
        back = con.execute(f"select * from read_parquet('{folder / name}.parquet') order by all").fetchall()
        assert _as_warehouse_keeps(back) == rows, name
        entry = next(table for table in manifest["tables"] if table["name"] == name)
        assert entry["rows"] == len(rows)
        frame = pl.read_csv(folder / f"{name}.csv", infer_schema_length=0)  # every column as text
        assert frame.height == len(rows), name
        assert frame.columns == [column["name"] for column in entry["columns"]], name
    values = pl.read_parquet(folder / "indicator_values.parquet")
    assert values.height == len(marts["indicator_values"])
    # polars reads the same numbers: the faculty's outgoing students (I01) by year
    faculty = (
        values.filter(
            (pl.col("indicator_id") == "I01")
            & pl.col("programme_code").is_null()
            & pl.col("dimension").is_null()
        )
        .sort("academic_year")
        .select("academic_year", "value")
        .rows()
    )
    con.execute(f"attach '{warehouse}' as published (read_only)")
    truth = con.execute(
        "select academic_year, value from published.marts.indicator_values "
        "where indicator_id = 'I01' and programme_code is null and dimension is null order by 1"
    ).fetchall()
    assert faculty == truth and len(truth) == 13  # the sample's years 2013/14 .. 2025/26
    con.close()
    # the keys and the links a BI model draws (Power BI relates two tables on one column): the
    # contracts' primary keys, and every column that is another mart's whole one-column key
    keys = {table["name"]: table["key"] for table in manifest["tables"]}
    assert keys["programmes"] == ["programme_code"] and keys["final_followup"] == [
        "plan_id",
        "target_id",
        "indicator_id",
    ]
    assert keys["indicator_values"] is None  # no primary key: dbt's unique_combination test keys it
    links = {(r["from_table"], r["column"], r["to_table"]) for r in manifest["relationships"]}
    assert {
        ("indicator_values", "indicator_id", "indicator_catalogue"),
        ("indicator_values", "programme_code", "programmes"),
        ("indicator_values", "academic_year", "academic_years"),
        ("indicator_progress", "plan_id", "plans"),
        ("programme_scoreboard", "programme_code", "programmes"),
    } <= links
    assert not any(to == source for source, _, to in links)
    for source, column, to in links:  # every value of a link's column is a key of its target (or NULL)
        con = duckdb.connect(str(warehouse), read_only=True)
        orphans = con.execute(
            f'select count(*) from marts."{source}" where "{column}" is not null '
            f'and "{column}" not in (select "{column}" from marts."{to}")'
        ).fetchone()[0]
        con.close()
        assert orphans == 0, (source, column, to)
    assert not (warehouse.parent / "bi.new").exists()


def test_a_publish_without_a_build_keeps_the_folder_and_names_itself(published):
    from indicators import bi

    warehouse, first_run = published
    folder = warehouse.parent / "bi"

    def files() -> dict[str, tuple[int, int]]:
        return {
            p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir() if p.suffix != ".json"
        }

    before = files()
    assert len(before) == 28  # the 14 marts, each as Parquet and CSV
    result = _nightly(ROOT / "samples" / "inbox", warehouse)  # nothing new: dbt is skipped
    assert result.returncode in (0, 2), result.stdout + result.stderr
    second_run = _run_id(result)
    assert second_run != first_run
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    # the publish is the second run's; its marts and their files are the first run's, untouched
    assert (manifest["run_id"], manifest["written_by_run"]) == (second_run, first_run)
    assert files() == before
    leftovers = sorted(path.name for path in warehouse.parent.iterdir() if path.name.startswith("bi"))
    assert leftovers == ["bi"]
    # kept only for the publish the run started from, and only whole: else written again
    assert bi.keep(warehouse, second_run) and not bi.keep(warehouse, first_run)
    (folder / "programmes.csv").unlink()
    assert not bi.keep(warehouse, second_run)


def test_the_published_file_is_in_a_storage_version_duckdb_1_5_reads(published):
    warehouse, _ = published
    assert wh.storage_header(warehouse) == 68  # v1.5.0; DuckDB 2.0's own format is unreadable by 1.x


def _old_client() -> Path:
    target = CACHE / f"duckdb-{OLD_CLIENT}"
    if (target / "duckdb").is_dir():
        return target
    env = dict(os.environ, PIP_CONSTRAINT="")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target)]
        + [f"duckdb=={OLD_CLIENT}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.skip(
            f"duckdb=={OLD_CLIENT} could not be installed from the package index (unreachable?): "
            + (result.stderr.strip().splitlines() or ["no output"])[-1]
        )
    return target


def test_duckdb_1_5_opens_the_published_warehouse_read_only(published):
    warehouse, run_id = published
    client = _old_client()
    script = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(duckdb.__version__)\n"
        "print(con.execute('select count(*) from marts.indicator_values').fetchone()[0])\n"
        "print(con.execute(\"select count(*) from marts.midterm_followup where plan_id = 'MED-2019'\").fetchone()[0])\n"
        "print(con.execute('select max(run_id) from audit.pipeline_runs').fetchone()[0])\n"
    )
    env = dict(os.environ, PYTHONPATH=str(client))
    result = subprocess.run(
        [sys.executable, "-c", script, str(warehouse)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    version, values, midterm, latest = result.stdout.split()
    marts = _marts(warehouse)
    assert version == OLD_CLIENT
    assert int(values) == len(marts["indicator_values"])
    assert int(midterm) == 27  # the plan MED-2019: 27 indicators (seeds/plan_indicators.csv)
    assert latest >= run_id


def test_a_published_file_in_duckdb_2_format_is_rewritten_for_1_5_by_the_next_working_copy(tmp_path):
    published = tmp_path / "old.duckdb"
    con = duckdb.connect(str(published))  # DuckDB 2.0's own format, as before this change
    con.execute("create schema audit")
    con.execute("create sequence audit.file_id_seq start 1")
    con.execute("select nextval('audit.file_id_seq'), nextval('audit.file_id_seq')")
    con.execute("create table audit.loaded_files as select 1 as file_id, 'a.csv' as file_name")
    con.close()
    assert wh.storage_header(published) not in wh.READABLE_BY_1X
    work = wh.prepare_working_copy(published, tmp_path / "work" / "in-progress.duckdb")
    assert wh.storage_header(work) == 68
    con = duckdb.connect(str(work))
    assert con.execute("select * from audit.loaded_files").fetchall() == [(1, "a.csv")]
    assert con.execute("select nextval('audit.file_id_seq')").fetchone()[0] == 3  # the sequence goes on
    con.close()
