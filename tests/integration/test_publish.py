"""Safe publish: a killed run never corrupts the published file; one writer; readers never blocked.

These tests start the real ``indicators`` command in separate processes and kill them with SIGKILL
at named points of the run (see ``indicators.faults``).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import TEST_KEY
from helpers import cli_in_process, ingest_args, personnummer

HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Status"


def _mobility_file(inbox: Path, name: str, ids: range) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    lines = [HEADER] + [
        f"K{i};{personnummer('19960101', 980 + i % 20)};ut;MAMED;studier;GB;2019-09-01;avslutad" for i in ids
    ]
    (inbox / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _env(tmp_path: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(INDICATORS_PSEUDONYMISATION_KEY=TEST_KEY, PYTHONUNBUFFERED="1", **extra)
    return env


def _command(inbox: Path, warehouse: Path, *more: str) -> list[str]:
    # ingest only: the crash-safety machinery is the same for a full nightly, and this keeps the test fast
    return [sys.executable, "-m", "indicators.cli", *ingest_args(inbox, warehouse), *more]


def _in_process(inbox: Path, warehouse: Path):
    """The same ``indicators ingest`` by the CLI's main in this process: a run that is not killed,
    held or raced needs no process of its own."""
    return cli_in_process(*ingest_args(inbox, warehouse), env={"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY})


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select count(*) from raw.student_mobility").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def published(tmp_path):
    """A published warehouse with 3 stays, and an inbox with one more file waiting."""
    inbox = tmp_path / "inbox"
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    _mobility_file(inbox, "student_mobility_1.csv", range(3))
    done = _in_process(inbox, warehouse)
    assert done.returncode == 0, done.stdout + done.stderr
    _mobility_file(inbox, "student_mobility_2.csv", range(3, 8))
    _mobility_file(inbox, "student_mobility_3.csv", range(8, 10))
    return inbox, warehouse


def _start_paused(tmp_path: Path, inbox: Path, warehouse: Path, stage: str) -> subprocess.Popen:
    marker = tmp_path / f"paused-{stage}"
    marker.unlink(missing_ok=True)
    process = subprocess.Popen(
        _command(inbox, warehouse),
        env=_env(tmp_path, INDICATORS_PAUSE_AT=stage, INDICATORS_PAUSE_FILE=str(marker)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.stdout.read().decode()
        assert time.monotonic() < deadline, f"run never reached {stage}"
        time.sleep(0.05)
    return process


@pytest.mark.parametrize("stage", ["locked", "copied", "mid_ingest", "ingested", "before_publish"])
def test_sigkill_at_any_point_leaves_the_published_file_intact(tmp_path, published, stage):
    inbox, warehouse = published
    before = _sha(warehouse)
    process = _start_paused(tmp_path, inbox, warehouse, stage)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert _sha(warehouse) == before
    assert _count(warehouse) == 3
    # the next run detects the dead run's lock, recovers, and publishes everything
    after = _in_process(inbox, warehouse)
    assert after.returncode == 0, after.stdout + after.stderr
    assert _count(warehouse) == 10
    status = cli_in_process("status", "--warehouse", str(warehouse))
    assert "killed" in status.stdout


def test_two_runs_never_both_write(tmp_path, published):
    inbox, warehouse = published
    first = _start_paused(tmp_path, inbox, warehouse, "ingested")
    second = subprocess.run(_command(inbox, warehouse), env=_env(tmp_path), capture_output=True, text=True)
    assert second.returncode == 1
    assert "another run is in progress" in second.stdout + second.stderr
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert _count(warehouse) == 3


def test_a_second_run_can_wait_for_the_first(tmp_path, published):
    inbox, warehouse = published
    first = subprocess.Popen(
        _command(inbox, warehouse),
        env=_env(
            tmp_path,
            INDICATORS_PAUSE_AT="ingested",
            INDICATORS_PAUSE_SECONDS="2",
            INDICATORS_PAUSE_FILE=str(tmp_path / "m"),
        ),
        stdout=subprocess.DEVNULL,
    )
    while not (tmp_path / "m").exists():
        time.sleep(0.05)
    second = subprocess.run(
        _command(inbox, warehouse, "--wait", "60"), env=_env(tmp_path), capture_output=True, text=True
    )
    assert first.wait(timeout=60) == 0
    assert second.returncode == 0, second.stdout
    assert "0 loaded" in second.stdout and "skipped" in second.stdout  # the first run loaded them
    assert _count(warehouse) == 10


def test_a_reader_is_not_disturbed_and_the_run_publishes(tmp_path, published):
    inbox, warehouse = published
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert reader.execute("select count(*) from raw.student_mobility").fetchone()[0] == 3
        done = subprocess.run(_command(inbox, warehouse), env=_env(tmp_path), capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        # the old connection still reads its snapshot while the new file is in place
        assert reader.execute("select count(*) from raw.student_mobility").fetchone()[0] == 3
    finally:
        reader.close()
    assert _count(warehouse) == 10
