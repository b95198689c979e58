"""File names a real delivery has and the sample never makes, through the CLI's ``ingest`` (its main
in this process) with hand-made files: a name whose bytes are not UTF-8 (Windows-1252 from an old
system, a Samba share or a zip), and a long name (a rejected copy's name adds the run and the
reason to it). Neither may stop the night: every other file loads and the run publishes."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from conftest import TEST_KEY
from helpers import cli_in_process, personnummer

HEADER = "Mobility ID,Student ID,Direction,Programme code,Mobility type,Country,Start date,Status,Credits"
STUDENT = personnummer("19000101", 981)


def one_stay(mobility_id: str) -> str:
    return f"{HEADER}\n{mobility_id},{STUDENT},out,MAMED,studies,GB,2024-09-01,completed,30\n"


def ingest(inbox: Path, warehouse: Path):
    env = {"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY, "INDICATORS_SETTLE_SECONDS": "0"}
    return cli_in_process("ingest", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse), env=env)


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_name_that_is_not_utf8_is_recorded_as_windows_1252_and_the_run_publishes(tmp_path):
    """'Malmö' and 'Lundå' written in Windows-1252 (0xF6, 0xE5: no UTF-8), as Python lists them
    (a surrogate escape): each name is recorded as the text it was written in."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    loaded = inbox / os.fsdecode(b"studentutbyte_Malm\xf6_2025-10-01.csv")
    loaded.write_text(one_stay("W-1"))
    rejected = inbox / os.fsdecode(b"student_mobility_Lund\xe5.csv")
    rejected.write_bytes(b"Foo,Bar\n1,2\n")  # no required column: rejected and kept
    (inbox / os.fsdecode(b"anteckningar_\xe5.txt")).write_text("matches no source\n")
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    result = ingest(inbox, warehouse)

    assert result.returncode == 2, result.stdout + result.stderr  # published, with warnings
    assert query(warehouse, "select file_name, status from audit.loaded_files order by file_name") == [
        ("anteckningar_å.txt", "unmatched"),
        ("student_mobility_Lundå.csv", "rejected"),
        ("studentutbyte_Malmö_2025-10-01.csv", "loaded"),
    ]
    assert query(warehouse, "select mobility_id, _file_name from raw.student_mobility") == [
        ("W-1", "studentutbyte_Malmö_2025-10-01.csv")
    ]
    [kept] = [p for p in (warehouse.parent / "rejected").iterdir() if not p.name.endswith(".reason.txt")]
    assert kept.name.endswith("__student_mobility_Lundå.csv")
    assert kept.read_bytes() == b"Foo,Bar\n1,2\n"
    [log] = (warehouse.parent / "log").glob("*.log")
    assert "unmatched: anteckningar_å.txt" in result.stdout
    assert "studentutbyte_Malmö_2025-10-01.csv: loaded 1 rows" in log.read_text(encoding="utf-8")
