"""A full disk, through real processes: the child runs with a file size limit (``RLIMIT_FSIZE``, with
SIGXFSZ ignored, so a write past it fails with EFBIG as a full disk fails with ENOSPC), or with a
simulated ENOSPC at a named checkpoint (``INDICATORS_FAIL_AT``). Each time: the published file is
byte-identical, the message names the cause, ``work/`` holds no ``in-progress`` file (nor anything
but the kept copies), the outcome is in ``log/runs.jsonl`` and ``indicators status``, and the next
run with space publishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import TEST_KEY
from helpers import cli_in_process, personnummer
from indicators.disk import human, required_bytes

HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Status"


def _mobility_file(inbox: Path, name: str, ids: range) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    lines = [HEADER] + [
        f"K{i};{personnummer('19960101', 980 + i % 20)};ut;MAMED;studier;GB;2019-09-01;avslutad" for i in ids
    ]
    (inbox / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _limited(max_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # inherited across exec: writes fail with EFBIG

    return apply


def run(
    command: str, inbox: Path, warehouse: Path, limit: int | None = None, **env: str
) -> subprocess.CompletedProcess:
    """``indicators COMMAND`` on ``inbox``: with a file size ``limit``, in a process of its own (the
    limit is the process's); else by the CLI's main in this process (a simulated failure, a full
    tmpfs and the runs with space need no interpreter of their own)."""
    args = [command, "-q", "--inbox", str(inbox), "--warehouse", str(warehouse)]
    if not limit:
        return cli_in_process(*args, env={"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY, **env})
    full_env = dict(os.environ, INDICATORS_PSEUDONYMISATION_KEY=TEST_KEY, PYTHONUNBUFFERED="1", **env)
    return subprocess.run(
        [sys.executable, "-m", "indicators.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        preexec_fn=_limited(limit),
        timeout=600,
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select count(*) from raw.student_mobility").fetchone()[0]
    finally:
        con.close()


def last_record(warehouse: Path) -> dict:
    return json.loads((warehouse.parent / "log" / "runs.jsonl").read_text().splitlines()[-1])


def status_line(warehouse: Path, run_id: str) -> str:
    done = cli_in_process("status", "--warehouse", str(warehouse))
    [line] = [line for line in done.stdout.splitlines() if line.startswith(run_id)]
    return line


def assert_work_is_clean(warehouse: Path) -> None:
    work = warehouse.parent / "work"
    left = sorted(p.name for p in work.iterdir()) if work.exists() else []
    assert "in-progress.duckdb" not in left and "in-progress.duckdb.wal" not in left
    assert len([name for name in left if name.endswith(".duckdb")]) <= 1, left  # keep_failed_copies: 1
    assert set(left) <= {name for name in left if name.endswith(".duckdb")}, left


@pytest.fixture
def published(tmp_path):
    """A published warehouse with 3 stays, and 5 more waiting in the inbox."""
    inbox = tmp_path / "inbox"
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    _mobility_file(inbox, "student_mobility_1.csv", range(3))
    done = run("ingest", inbox, warehouse)
    assert done.returncode == 0, done.stdout + done.stderr
    _mobility_file(inbox, "student_mobility_2.csv", range(3, 8))
    return inbox, warehouse


def test_the_formula_and_its_units():
    # 2 MB published + 3 x 1 MB new files + 64 MB headroom
    assert required_bytes(2_000_000, 1_000_000, 64) == 69_000_000
    assert (human(69_000_000), human(1_500), human(999), human(3.2e12)) == (
        "69.0 MB",
        "1.5 KB",
        "999 B",
        "3.2 TB",
    )


def test_not_enough_free_space_is_said_before_the_copy(published):
    inbox, warehouse = published
    before = sha(warehouse)
    done = run(
        "ingest", inbox, warehouse, INDICATORS_DISK_HEADROOM_MB="1e12"
    )  # 1 EB of headroom: no disk has it
    assert done.returncode == 1
    assert "not enough free space on /" in done.stdout and "need 1000000.0 TB, have " in done.stdout, (
        done.stdout
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert sha(warehouse) == before
    assert not (warehouse.parent / "work" / "in-progress.duckdb").exists()
    record = last_record(warehouse)
    assert record["status"] == "failed" and "not enough free space" in record["message"]
    # with a failed copy kept, the message says how much it holds
    assert (
        run("ingest", inbox, warehouse, INDICATORS_FAIL_AT="ingested", INDICATORS_FAIL_ERRNO="EIO").returncode
        == 1
    )
    again = run("ingest", inbox, warehouse, INDICATORS_DISK_HEADROOM_MB="1e12")
    assert (
        "the 1 failed working copies in " in again.stdout
        and "(remove them, or lower keep_failed_copies)" in again.stdout
    )
    assert run("ingest", inbox, warehouse).returncode == 0  # with space: publishes


def test_the_disk_runs_out_at_the_copy(published):
    inbox, warehouse = published
    before = sha(warehouse)
    done = run("ingest", inbox, warehouse, limit=warehouse.stat().st_size // 2)
    assert done.returncode == 1
    assert "the disk ran out of space" in done.stdout and "File too large" in done.stdout, done.stdout
    assert "cannot rollback" not in done.stdout
    assert sha(warehouse) == before
    assert_work_is_clean(warehouse)
    record = last_record(warehouse)
    assert record["status"] == "failed" and "File too large" in record["message"]
    assert "failed" in status_line(warehouse, record["run_id"])  # not "killed"
    again = run("ingest", inbox, warehouse)
    assert again.returncode == 0, again.stdout + again.stderr
    assert count(warehouse) == 8


def test_a_rejected_file_the_disk_has_no_room_for_is_named_and_the_night_publishes(published):
    # a 6 MB export of another table delivered under the mobility name (its headers map no field),
    # with room for the working copy and the new rows but not for the rejected copy: the copy stopped
    # at the limit, the night ended "crashed: the disk ran out of space" with nothing published, and a
    # copy cut short was left in rejected/ without its note
    inbox, warehouse = published
    other = "Id;Namn\n" + "".join(f"X{i};{'text ' * 10}\n" for i in range(110_000))
    (inbox / "student_mobility_3.csv").write_text(other, encoding="utf-8")
    assert (inbox / "student_mobility_3.csv").stat().st_size > 6_000_000
    done = run("ingest", inbox, warehouse, limit=warehouse.stat().st_size + 1_000_000)
    assert done.returncode == 2, done.stdout + done.stderr
    assert count(warehouse) == 8  # the other file's 5 stays published
    [line] = [line for line in done.stdout.splitlines() if "student_mobility_3.csv:" in line]
    assert line.startswith("  rejected: student_mobility_3.csv: required column missing: ")
    assert line.endswith(
        f"(not kept: the disk ran out of space in {warehouse.parent / 'rejected'} (File too large); free "
        "space there: the file stays in the inbox, and the next run keeps it)"
    ), line
    assert "Traceback" not in done.stdout + done.stderr
    assert list((warehouse.parent / "rejected").iterdir()) == []  # nothing cut short kept
    assert (inbox / "student_mobility_3.csv").read_text(encoding="utf-8") == other
    again = run("ingest", inbox, warehouse)  # with space: kept whole, with its note
    assert again.returncode == 2, again.stdout + again.stderr
    kept = sorted((warehouse.parent / "rejected").iterdir())
    assert [p.name.endswith(("__student_mobility_3.csv", ".reason.txt")) for p in kept] == [True, True]
    assert kept[0].read_text(encoding="utf-8") == other


def test_the_disk_runs_out_mid_ingest(published):
    inbox, warehouse = published
    _mobility_file(inbox, "student_mobility_3.csv", range(8, 30_008))  # about 3 MB of rows to write
    before = sha(warehouse)
    # room for the copy of the published file, not for the new rows
    done = run("ingest", inbox, warehouse, limit=warehouse.stat().st_size + 300_000)
    assert done.returncode == 1
    assert "File too large" in done.stdout, done.stdout
    assert "cannot rollback" not in done.stdout
    log = (warehouse.parent / "log" / f"{last_record(warehouse)['run_id']}.log").read_text()
    assert "[2/3] student_mobility_2.csv: loaded 5 rows" in log  # it failed inside the ingest
    assert sha(warehouse) == before
    assert_work_is_clean(warehouse)
    assert list((warehouse.parent / "archive").rglob("*.partial")) == []
    again = run("ingest", inbox, warehouse)
    assert again.returncode == 0, again.stdout + again.stderr
    assert count(warehouse) == 30_008


def test_the_disk_runs_out_at_publish(published):
    inbox, warehouse = published
    before = sha(warehouse)
    done = run("ingest", inbox, warehouse, INDICATORS_FAIL_AT="before_publish")
    assert done.returncode == 1
    assert "No space left on device (simulated at before_publish)" in done.stdout, done.stdout
    assert sha(warehouse) == before
    assert_work_is_clean(warehouse)
    assert "failed" in status_line(warehouse, last_record(warehouse)["run_id"])
    again = run("ingest", inbox, warehouse)
    assert again.returncode == 0 and count(warehouse) == 8


def test_a_log_that_cannot_be_written_goes_to_stderr(published):
    inbox, warehouse = published
    before = sha(warehouse)
    # smaller than runs.jsonl already is: no log line can be written, nor the copy
    done = run("ingest", inbox, warehouse, limit=200)
    assert done.returncode == 1
    assert "cannot write" in done.stderr and '"status": "failed"' in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert sha(warehouse) == before
    assert_work_is_clean(warehouse)


def test_a_failed_run_keeps_only_the_newest_copies(published):
    inbox, warehouse = published
    kept = []
    for _ in range(3):  # an error that is not about space: the copy is kept for inspection
        done = run("ingest", inbox, warehouse, INDICATORS_FAIL_AT="ingested", INDICATORS_FAIL_ERRNO="EIO")
        assert done.returncode == 1
        kept.append(last_record(warehouse)["work_copy"])
    work = warehouse.parent / "work"
    assert sorted(p.name for p in work.glob("*.duckdb")) == [Path(kept[-1]).name]
    log = (warehouse.parent / "log" / f"{last_record(warehouse)['run_id']}.log").read_text()
    assert f"removed an older failed working copy {kept[-2]}" in log


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MB tmpfs where the test may mount one (as root), else None (a file size limit is used)."""
    folder = tmp_path / "small"
    folder.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)], capture_output=True
        ).returncode
        != 0
    ):
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.slow
def test_the_disk_runs_out_during_dbt(tmp_path, small_disk):
    import shutil

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "programmes.csv").write_text(
        "Programkod;Benämning;Nivå;Första läsår\nMAMED;Program A;grundnivå;2016/17\n", encoding="utf-8"
    )
    _mobility_file(inbox, "student_mobility_1.csv", range(3))
    warehouse = (small_disk or tmp_path) / "state" / "warehouse.duckdb"
    done = run("ingest", inbox, warehouse)  # raw and audit only: the next nightly builds every model
    assert done.returncode == 0, done.stdout + done.stderr
    before = sha(warehouse)
    _mobility_file(inbox, "student_mobility_2.csv", range(3, 8))
    if small_disk is not None:
        # room for the working copy and the new rows, not for the models dbt rebuilds
        size = shutil.disk_usage(small_disk).used + warehouse.stat().st_size + 1_000_000
        subprocess.run(["mount", "-o", f"remount,size={size}", "tmpfs", str(small_disk)], check=True)
        failed = run("nightly", inbox, warehouse, INDICATORS_DISK_HEADROOM_MB="0")
        cause = "No space left on device"
    else:
        # no mount allowed: the file size limit stops DuckDB writing dbt's tables (at their checkpoint)
        failed = run("nightly", inbox, warehouse, limit=warehouse.stat().st_size + 500_000)
        cause = "File too large"
    assert failed.returncode == 1
    assert cause in failed.stdout and "the disk ran out of space" in failed.stdout, failed.stdout
    log = (warehouse.parent / "log" / f"{last_record(warehouse)['run_id']}.log").read_text()
    assert "dbt build: seeds, models, tests" in log  # it got as far as dbt
    assert sha(warehouse) == before
    assert_work_is_clean(warehouse)
    assert last_record(warehouse)["status"] == "failed"
    if small_disk is not None:
        subprocess.run(["mount", "-o", "remount,size=128m", "tmpfs", str(small_disk)], check=True)
    again = run("nightly", inbox, warehouse)
    assert again.returncode in (0, 2), again.stdout + again.stderr
    assert count(warehouse) == 8
