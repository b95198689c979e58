"""``indicators backup DIR``: a consistent, verified copy of the published warehouse and the archive,
taken while readers are connected and never in the middle of a publish (real processes)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from test_file_identity import files_holding, ingest, keyed, old_form

from conftest import TEST_KEY
from helpers import cli_in_process, ingest_args, ingest_command, personnummer

HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Status\n"


def write_stays(path: Path, ids: range) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        HEADER
        + "".join(
            f"K{i};{personnummer('19960101', 980 + i % 20)};ut;MAMED;studier;GB;2019-09-01;avslutad\n"
            for i in ids
        ),
        encoding="utf-8",
    )


def env(**extra: str) -> dict:
    return dict(os.environ, INDICATORS_PSEUDONYMISATION_KEY=TEST_KEY, **extra)


KEY = {"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY}  # for the commands run in this process


def cli(*args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indicators.cli", *args], env=env(**extra), capture_output=True, text=True
    )


def rows(database: Path) -> int:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("select count(*) from raw.student_mobility").fetchone()[0]
    finally:
        con.close()


def test_backup_is_consistent_verified_and_incremental(tmp_path):
    inbox, warehouse, out = tmp_path / "inbox", tmp_path / "state" / "warehouse.duckdb", tmp_path / "backup"
    write_stays(inbox / "student_mobility_1.csv", range(3))
    # in this process: only the held run and the backup that waits for it need processes of their own
    first = cli_in_process(*ingest_args(inbox, warehouse), env=KEY)
    assert first.returncode == 0, first.stdout + first.stderr
    write_stays(inbox / "student_mobility_2.csv", range(3, 8))
    # a run holds the lock for 2 s before it publishes: the backup waits for it, then copies
    marker = tmp_path / "paused"
    run = subprocess.Popen(
        ingest_command(inbox, warehouse),
        env=env(
            INDICATORS_PAUSE_AT="ingested", INDICATORS_PAUSE_SECONDS="2", INDICATORS_PAUSE_FILE=str(marker)
        ),
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert run.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    reader = duckdb.connect(str(warehouse), read_only=True)  # an analyst stays connected
    try:
        done = cli("backup", str(out), "--warehouse", str(warehouse), "--wait", "60")
        assert reader.execute("select count(*) from raw.student_mobility").fetchone()[0] == 3
    finally:
        reader.close()
    assert run.wait(timeout=60) == 0
    assert done.returncode == 0, done.stdout + done.stderr
    assert "key is not in it" in done.stdout
    copy = out / "warehouse.duckdb"
    assert rows(copy) == 8  # after the run's publish, never half of it
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == hashlib.sha256(warehouse.read_bytes()).hexdigest()
    assert (out / "archive" / "manifest.jsonl").read_text() == (
        tmp_path / "state" / "archive" / "manifest.jsonl"
    ).read_text()
    assert len(list((out / "archive" / "student_mobility").glob("*.parquet"))) == 2
    assert json.loads((out / "backup.json").read_text())["archive_files_copied"] == 2
    assert not list(out.rglob("*.key"))
    again = cli_in_process("backup", str(out), "--warehouse", str(warehouse), env=KEY)
    assert (
        again.returncode == 0 and json.loads((out / "backup.json").read_text())["archive_files_copied"] == 0
    )


def test_a_backup_taken_before_the_keyed_identity_and_again_after_it_keeps_no_plain_digest(tmp_path):
    # test_file_identity's one-row inbox in the form before the keyed identity (the archive's files
    # named by the exports' plain sha256), backed up; then the upgrade's first run, and the same backup
    inbox, state, digests = old_form(tmp_path)
    warehouse, out = state / "warehouse.duckdb", tmp_path / "backup"
    first = cli_in_process("backup", str(out), "--warehouse", str(warehouse), env=KEY)
    assert first.returncode == 0, first.stdout + first.stderr
    one, two = digests["student_mobility_2024-01-01.csv"], digests["student_mobility_2024-02-01.csv"]

    def parquet() -> list[str]:
        return sorted(str(p.relative_to(out)) for p in out.rglob("*.parquet") if "_history" not in p.parts)

    # by hand: two loaded files, the second with a quarantined row: three Parquet files
    assert parquet() == [
        f"archive/_quarantine/student_mobility/{two}.parquet",
        *sorted(f"archive/student_mobility/{d}.parquet" for d in (one, two)),
    ]
    # the backup's owner keeps other things in DIR: a Parquet file of another name in the archive's
    # folder, and one named like an archived file outside DIR/archive
    (out / "archive" / "student_mobility" / "kept_by_hand.parquet").write_bytes(b"not the archive's")
    (out / "elsewhere").mkdir()
    (out / "elsewhere" / f"{one}.parquet").write_bytes(b"not the archive's")

    upgraded = ingest(inbox, warehouse)  # renames the archive's files to their keyed identity
    assert upgraded.returncode == 2, upgraded.stdout + upgraded.stderr
    again = cli_in_process("backup", str(out), "--warehouse", str(warehouse), env=KEY)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "3 files its manifest no longer names removed" in again.stdout, again.stdout
    assert json.loads((out / "backup.json").read_text())["archive_files_removed"] == 3
    assert parquet() == sorted(
        [
            f"archive/_quarantine/student_mobility/{keyed(two)}.parquet",
            *(f"archive/student_mobility/{keyed(d)}.parquet" for d in (one, two)),
            "archive/student_mobility/kept_by_hand.parquet",
            f"elsewhere/{one}.parquet",
        ]
    )
    # the old code kept all three under their plain sha256; now only the file outside DIR/archive
    # (the owner's) names one
    assert [files_holding(out, d) for d in (one, two)] == [[str(out / "elsewhere" / f"{one}.parquet")], []]


def test_the_archive_restored_from_a_backup_still_refuses_another_key(tmp_path):
    # the archive's key check value (archive/key_check.json) was not copied: an archive restored from
    # the backup let the next night run with another key (the variable set in one shell only, a key
    # file saved again with a BOM), record that key's check value and give every re-delivered person
    # a second pseudonym without a word
    inbox, warehouse, out = tmp_path / "inbox", tmp_path / "state" / "warehouse.duckdb", tmp_path / "backup"
    write_stays(inbox / "student_mobility_1.csv", range(3))
    first = cli_in_process(*ingest_args(inbox, warehouse), env=KEY)
    assert first.returncode == 0, first.stdout + first.stderr
    done = cli_in_process("backup", str(out), "--warehouse", str(warehouse), env=KEY)
    assert done.returncode == 0, done.stdout + done.stderr
    original = tmp_path / "state" / "archive" / "key_check.json"
    assert (out / "archive" / "key_check.json").read_bytes() == original.read_bytes()
    assert TEST_KEY not in original.read_text()  # a check value, never the key
    # the archive and the warehouse put back from the backup; the next night, another key
    restored = tmp_path / "restored"
    restored.mkdir()
    (out / "archive").rename(restored / "archive")
    (out / "warehouse.duckdb").rename(restored / "warehouse.duckdb")
    write_stays(inbox / "student_mobility_2.csv", range(3, 5))
    night = cli_in_process(
        *ingest_args(inbox, restored / "warehouse.duckdb"),
        env={"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY + "-another"},
    )
    assert night.returncode == 1, night.stdout + night.stderr
    assert f"recorded {json.loads(original.read_text())['check']} in" in night.stdout + night.stderr
    assert rows(restored / "warehouse.duckdb") == 3  # nothing read, nothing published
