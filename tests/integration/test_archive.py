"""The pseudonymised raw archive, ``indicators rebuild`` and a damaged published file, through the
real ``indicators`` command (its ``main`` in this process; a run that is killed, or another process
holding the file, in processes of their own).

The bundled sample has 13 files: 11 load, ``staff_mobility_broken.csv`` is rejected and
``README_from_registrar.txt`` matches no source, so the archive must hold exactly 11 files.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import TEST_KEY
from helpers import cli_in_process, ingest_command, personnummer, query
from privacy_scan import identifiers_in, scan

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "inbox"
MARTS = {
    "indicator_catalogue",
    "indicator_progress",
    "indicator_values",
    "midterm_followup",
    "programme_scoreboard",
    "final_followup",
    "plan_catalogue",
    "source_coverage",
    "indicator_revisions",
    "plans",
    "plan_indicator_catalogue",
    "programmes",
    "academic_years",
    "annotations",
}
EMPTY_AFTER_ONE_PUBLISH = {"indicator_revisions"}  # nothing published earlier to differ from
LOADED = {  # the sample's loaded files and their raw rows, as the ingest of the bundled sample reports them
    "activities_2025-09-01.csv": 675,
    "agreements_2025-09-01.csv": 110,
    "agreements_ewp_iia.xml": 4,
    "cim_awards_2025-09-01.csv": 685,
    "enrolments_2025-09-01.csv": 260,
    "graduates_2025-09-01.xlsx": 6222,  # 6,223 rows less the one without a programme code
    "programme_register_2025.xlsx": 139,
    "programmes.xlsx": 16,
    "staff_mobility_2025-09-01.csv": 490,
    # 8,266 rows in the file (2013/14-2022/23) less the two planted rows quarantined (a wrong check
    # digit, an empty country) and the one collapsed into its identical twin (sample/__init__.py)
    "student_mobility_2022-11-15.xlsx": 8263,
    "student_mobility_2025-09-01.csv": 3877,
}


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return cli_in_process(*args, env={"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY, **env})


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables(database: Path, schema: str) -> dict[str, list[tuple]]:
    """Every table of a schema, its rows sorted: two warehouses are equal when these are."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
            ).fetchall()
        ]
        return {
            name: sorted(con.execute(f'select * from {schema}."{name}"').fetchall(), key=repr)
            for name in names
        }
    finally:
        con.close()


def manifest(archive: Path) -> list[dict]:
    return [json.loads(line) for line in (archive / "manifest.jsonl").read_text().splitlines()]


@pytest.fixture
def sample_inbox(tmp_path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE, inbox)
    return inbox


def test_the_archive_holds_each_loaded_file_once_pseudonymised(tmp_path, sample_inbox):
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    archive = tmp_path / "state" / "archive"
    done = cli("ingest", "-q", "--inbox", str(sample_inbox), "--warehouse", str(warehouse))
    assert done.returncode == 2, done.stdout + done.stderr
    entries = manifest(archive)
    assert {e["file_name"]: e["row_count"] for e in entries} == LOADED
    by_name = {e["file_name"]: e for e in entries}
    assert by_name["staff_mobility_2025-09-01.csv"]["extraction_date"] == "2025-09-01"
    assert by_name["programmes.xlsx"]["extraction_date"] is None
    for entry in entries:
        parquet = archive / entry["rows"]["path"]
        assert parquet.name == f"{entry['sha256']}.parquet" and parquet.parent.name == entry["source"]
        assert sha(parquet) == entry["rows"]["sha256"]
        # named by the export's keyed identity, never its plain sha256 (indicators.fileid)
        digest = sha(sample_inbox / entry["file_name"])
        assert (
            entry["sha256"]
            == hmac.new(TEST_KEY.encode(), f"file:{digest}".encode(), hashlib.sha256).hexdigest()
        )
    # plain Parquet, readable by any engine; the same rows and metadata as raw.student_mobility
    con = duckdb.connect()
    archived = con.execute(
        f"select count(*), count(distinct _file_id), min(_row_number) from read_parquet('{archive}/student_mobility/*.parquet')"
    ).fetchone()
    assert archived == (8263 + 3877, 2, 2)
    # nothing in clear: no personnummer of the inbox, in any form, anywhere in the archive (an EWP
    # agreement's UUID, 04823572-1002-..., is not one: the shape alone said so before)
    findings = scan(archive, identifiers_in(sample_inbox))
    assert not findings, "\n".join(map(str, findings[:10]))

    # the same file again (a re-delivery under another name) adds nothing to the archive
    shutil.copyfile(sample_inbox / "programmes.xlsx", sample_inbox / "programmes_again.xlsx")
    again = cli("ingest", "-q", "--inbox", str(sample_inbox), "--warehouse", str(warehouse))
    assert again.returncode == 2 and "12 skipped" in again.stdout, again.stdout
    assert len(manifest(archive)) == 11


def test_a_failed_run_leaves_no_archive_entry_and_a_later_run_archives_the_file(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Status\n"
    (inbox / "student_mobility_2024-01-01.csv").write_text(
        header
        + "".join(
            f"K{i};{personnummer('19960101', 980 + i)};ut;MAMED;studier;GB;2019-09-01;avslutad\n"
            for i in range(3)
        ),
        encoding="utf-8",
    )
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    archive = tmp_path / "state" / "archive"
    failed = cli(
        "ingest",
        "-q",
        "--inbox",
        str(inbox),
        "--warehouse",
        str(warehouse),
        INDICATORS_FAIL_AT="before_publish",
    )
    assert failed.returncode == 1 and "simulated" in failed.stdout, failed.stdout + failed.stderr
    assert not warehouse.exists() and not (archive / "manifest.jsonl").exists()
    assert list(archive.rglob("*.parquet")) == []  # the failed run's staged file was removed
    done = cli("ingest", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse))
    assert done.returncode == 0, done.stdout + done.stderr
    [entry] = manifest(archive)
    assert entry["row_count"] == 3 and entry["row_numbers"] == [2, 4]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        [(file_id, run_id)] = con.execute("select file_id, run_id from audit.loaded_files").fetchall()
    finally:
        con.close()
    assert (entry["file_id"], entry["run_id"]) == (
        file_id,
        run_id,
    )  # the published run's, not the failed one's


@pytest.mark.slow
@pytest.mark.xdist_group("audit_bundled")  # the worker that holds the session's published sample
def test_a_truncated_warehouse_is_recognised_and_rebuild_restores_the_marts(
    tmp_path, sample_inbox, published_warehouse
):
    # the session's nightly of the same inbox with the same key (tests/conftest.py), copied with its
    # archive and dbt state: a nightly of its own cost this test a nightly with GX, which it does not judge
    shutil.copytree(published_warehouse("bundled").parent, tmp_path / "state")
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    # that nightly published with warnings (exit 2: the sample's bad rows and files)
    assert query(warehouse, "select status from audit.pipeline_runs") == [("published_with_warnings",)]
    marts, raw = tables(warehouse, "marts"), tables(warehouse, "raw")
    assert set(marts) == MARTS and all(
        rows for name, rows in marts.items() if name not in EMPTY_AFTER_ONE_PUBLISH
    )
    assert sum(len(rows) for rows in raw.values()) == sum(LOADED.values())
    # a bad copy or a failing disk: half the file is gone
    with open(warehouse, "r+b") as handle:
        handle.truncate(warehouse.stat().st_size // 2)
    damaged = sha(warehouse)
    stopped = cli("nightly", "-q", "--inbox", str(sample_inbox), "--warehouse", str(warehouse))
    assert stopped.returncode == 1
    assert f"the published warehouse {warehouse} is damaged" in stopped.stdout
    assert "`indicators rebuild`" in stopped.stdout
    assert "Traceback" not in stopped.stdout + stopped.stderr
    assert sha(warehouse) == damaged  # left as it is
    rebuilt = cli("rebuild", "-q", "--warehouse", str(warehouse))
    assert rebuilt.returncode in (0, 2), rebuilt.stdout + rebuilt.stderr
    assert tables(warehouse, "marts") == marts  # every mart, row for row
    assert tables(warehouse, "raw") == raw
    # and the next nightly goes on from it: every sample file is skipped by its sha256
    after = cli("nightly", "-q", "--inbox", str(sample_inbox), "--warehouse", str(warehouse))
    assert after.returncode == 2 and "0 loaded, 11 skipped" in after.stdout, after.stdout
    status = cli("status", "--warehouse", str(warehouse))
    assert "damaged" in status.stdout


def test_auto_rebuild_rebuilds_from_the_archive_and_says_so(tmp_path, sample_inbox):
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    done = cli("ingest", "-q", "--inbox", str(sample_inbox), "--warehouse", str(warehouse))
    assert done.returncode == 2, done.stdout + done.stderr
    raw = tables(warehouse, "raw")
    with open(warehouse, "r+b") as handle:
        handle.truncate(warehouse.stat().st_size // 2)
    again = cli(
        "ingest",
        "-q",
        "--inbox",
        str(sample_inbox),
        "--warehouse",
        str(warehouse),
        INDICATORS_AUTO_REBUILD="1",
    )
    assert again.returncode == 2, again.stdout + again.stderr
    assert (
        "note:   the published warehouse was damaged" in again.stdout
        and "rebuilt from the archive" in again.stdout
    )
    assert "11 skipped" in again.stdout  # the inbox's files are all in the rebuilt warehouse already
    assert tables(warehouse, "raw") == raw


def test_a_writer_holding_the_published_file_is_not_called_damage(tmp_path, sample_inbox):
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    assert cli("ingest", "-q", "--inbox", str(sample_inbox), "--warehouse", str(warehouse)).returncode == 2
    before = sha(warehouse)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(warehouse)!r}); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        done = cli("ingest", "-q", "--inbox", str(sample_inbox), "--warehouse", str(warehouse))
        # a rebuild replaces the file too (it published under the writer, whose writes were then lost)
        rebuilt = cli("rebuild", "-q", "--warehouse", str(warehouse))
        # reading commands said DuckDB's "Could not set lock on file" and named no fix
        exported = cli("export", "--warehouse", str(warehouse), "--out", str(tmp_path / "out"))
        queried = cli("sql", "--warehouse", str(warehouse), "select 1")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert "is open read-write in another process" in done.stdout and "damaged" not in done.stdout, (
        done.stdout
    )
    assert rebuilt.returncode == 1, rebuilt.stdout + rebuilt.stderr
    assert "is open read-write in another process" in rebuilt.stdout, rebuilt.stdout
    assert sha(warehouse) == before
    fix = (
        f"the warehouse is open read-write in another process (PID {holder.pid}), a DuckDB client such as "
        "a notebook, DBeaver or the duckdb CLI: close that connection, then run again"
    )
    assert exported.returncode == 1 and exported.stderr.startswith(f"error: {fix}"), exported.stderr
    assert queried.returncode == 1 and fix in queried.stderr, queried.stderr
    assert "Traceback" not in exported.stderr + queried.stderr


def test_a_run_killed_between_its_publish_and_its_manifest_lines_is_archived_by_the_next(tmp_path):
    import signal
    import time

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Status\n"
    (inbox / "student_mobility_2024-01-01.csv").write_text(
        header
        + "".join(
            f"K{i};{personnummer('19960101', 980 + i)};ut;MAMED;studier;GB;2019-09-01;avslutad\n"
            for i in range(4)
        ),
        encoding="utf-8",
    )
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    archive = tmp_path / "state" / "archive"
    marker = tmp_path / "paused"
    process = subprocess.Popen(
        ingest_command(inbox, warehouse),
        env=dict(
            os.environ,
            INDICATORS_PSEUDONYMISATION_KEY=TEST_KEY,
            INDICATORS_PAUSE_AT="published",
            INDICATORS_PAUSE_FILE=str(marker),
        ),
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert (
        warehouse.exists() and not (archive / "manifest.jsonl").exists()
    )  # published, not yet in the manifest
    done = cli("ingest", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse))
    assert done.returncode == 0 and "1 skipped" in done.stdout, done.stdout + done.stderr
    [entry] = manifest(archive)
    assert entry["file_name"] == "student_mobility_2024-01-01.csv" and entry["row_count"] == 4
    assert sha(archive / entry["rows"]["path"]) == entry["rows"]["sha256"]


def test_a_rebuild_does_not_record_its_key_for_the_archive(tmp_path, sample_inbox, monkeypatch):
    # an archive from before the key check (no key_check.json) rebuilt in a shell with another key set:
    # the rebuild pseudonymises nothing, yet its publish recorded that key's check value, so the next
    # nightly with the archive's own key was refused (and one with the wrong key let through). The
    # rebuild runs without its dbt build, which has nothing to do with the key (it made the test 12 s)
    from indicators import nightly
    from indicators.config import load_settings

    warehouse = tmp_path / "state" / "warehouse.duckdb"
    done = cli("ingest", "-q", "--inbox", str(sample_inbox), "--warehouse", str(warehouse))
    assert done.returncode == 2, done.stdout + done.stderr
    check = warehouse.parent / "archive" / "key_check.json"
    check.unlink()  # an archive from before the check
    monkeypatch.setenv("INDICATORS_PSEUDONYMISATION_KEY", "another-key-set-in-this-shell-0123456789")
    settings = load_settings().with_paths(inbox=tmp_path / "no-inbox", warehouse=warehouse)
    rebuilt = nightly.run(
        settings, with_dbt=False, with_quality=False, stop_after="ingest", quiet=True, rebuild=True
    )
    assert rebuilt.published, (rebuilt.message, rebuilt.errors)
    assert not check.exists()
    again = cli("ingest", "-q", "--inbox", str(sample_inbox), "--warehouse", str(warehouse))
    assert again.returncode == 2 and "0 loaded, 11 skipped" in again.stdout, again.stdout
