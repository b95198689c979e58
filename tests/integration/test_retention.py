"""Retention of what is in clear, through the real ``indicators`` command: loaded exports leave the
inbox after a successful publish, rejected originals leave ``rejected/``, unmatched files stay, and a
re-delivered identical file is still skipped."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import duckdb

from conftest import TEST_KEY
from helpers import cli_in_process, ingest_args, personnummer
from indicators import cli

HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Status\n"


def stays(ids: range) -> str:
    return HEADER + "".join(
        f"K{i};{personnummer('19960101', 980 + i % 20)};ut;MAMED;studier;GB;2019-09-01;avslutad\n"
        for i in ids
    )


def ingest(inbox: Path, warehouse: Path, retention: str) -> subprocess.CompletedProcess:
    """``indicators ingest`` by the CLI's main in this process, with the retention setting given."""
    env = {"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY, "INDICATORS_INBOX_RETENTION_DAYS": retention}
    return cli_in_process(*ingest_args(inbox, warehouse), env=env)


def raw_rows(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select count(*) from raw.student_mobility").fetchone()[0]
    finally:
        con.close()


def test_with_retention_0_loaded_exports_leave_the_inbox(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    (inbox / "student_mobility_2024-01-01.csv").write_text(stays(range(3)), encoding="utf-8")
    (inbox / "student_mobility_2024-02-01.csv").write_text(stays(range(3, 5)), encoding="utf-8")
    (inbox / "student_mobility_broken.csv").write_text("Utbytes-ID;Land\nK9;GB\n", encoding="utf-8")
    (inbox / "notes_from_the_registrar.txt").write_text("no source has this name\n", encoding="utf-8")
    done = ingest(inbox, warehouse, "0")
    assert done.returncode == 2, done.stdout + done.stderr  # the rejected and the unmatched file: warnings
    assert sorted(p.name for p in inbox.iterdir()) == [
        "notes_from_the_registrar.txt",
        "student_mobility_broken.csv",
    ]
    assert (
        list((tmp_path / "state" / "rejected").iterdir()) == []
    )  # the rejected original's copy, and its note
    assert raw_rows(warehouse) == 5
    log = next((tmp_path / "state" / "log").glob("*.log")).read_text()
    assert log.count("retention: deleted") == 4  # 2 exports, 1 rejected copy and its .reason.txt
    # audit.loaded_files still knows them: a re-delivered identical file is skipped (and then deleted too)
    (inbox / "student_mobility_2024-01-01.csv").write_text(stays(range(3)), encoding="utf-8")
    again = ingest(inbox, warehouse, "0")
    assert again.returncode == 2 and "0 loaded, 1 skipped" in again.stdout, again.stdout
    assert raw_rows(warehouse) == 5
    assert not (inbox / "student_mobility_2024-01-01.csv").exists()
    assert (inbox / "notes_from_the_registrar.txt").exists()


def test_retention_counts_days_and_can_be_off(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    old, new = inbox / "student_mobility_2024-01-01.csv", inbox / "student_mobility_2024-02-01.csv"
    old.write_text(stays(range(3)), encoding="utf-8")
    new.write_text(stays(range(3, 5)), encoding="utf-8")
    month_ago = time.time() - 31 * 86_400
    os.utime(old, (month_ago, month_ago))
    done = ingest(inbox, warehouse, "off")
    assert done.returncode == 0, done.stdout + done.stderr
    assert old.exists() and new.exists()  # retention off: nothing is deleted
    done = ingest(inbox, warehouse, "30")
    assert done.returncode == 0, done.stdout + done.stderr
    assert not old.exists() and new.exists()  # 31 days old: deleted; today's: kept


def test_the_demo_never_deletes_the_bundled_sample(monkeypatch):
    monkeypatch.setenv("INDICATORS_INBOX_RETENTION_DAYS", "0")
    settings = cli._settings(cli.build_parser().parse_args(["nightly", "--demo"]))
    assert settings.inbox.name == "inbox" and settings.inbox.parent.name == "samples"
    assert settings.inbox_retention_days is None
    plain = cli._settings(cli.build_parser().parse_args(["nightly"]))
    assert plain.inbox_retention_days == 0


def test_an_export_dated_in_the_future_is_not_kept_for_ever(tmp_path):
    """A modification time in 2099 (a wrong clock, a zip's or a copy program's time): its age counts
    from the first load of its bytes, the earlier of the two, so it leaves as the others do."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    future = inbox / "student_mobility_2024-01-01.csv"
    future.write_text(stays(range(3)), encoding="utf-8")
    in_2099 = 4_070_908_800  # 2099-01-01 00:00 UTC
    os.utime(future, (in_2099, in_2099))
    done = ingest(inbox, warehouse, "30")
    assert done.returncode == 0, done.stdout + done.stderr
    assert future.exists()  # loaded today: 0 days old, not 30
    done = ingest(inbox, warehouse, "0")
    assert done.returncode == 0 and "1 skipped" in done.stdout, done.stdout + done.stderr
    assert not future.exists()  # loaded (the first time) before this run: past 0 days
    assert raw_rows(warehouse) == 3
