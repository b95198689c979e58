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


def test_a_rejected_file_with_a_long_name_is_kept_under_a_name_that_fits(tmp_path):
    """A 204-byte name (an inbox allows 255): its kept copy's name adds the run and the reason (84
    bytes), and its note '.reason.txt' (11): 299 bytes, past the 255 of a name. The kept name keeps
    the start and the end (the date and suffix) with '…' between, and the night goes on."""
    name = (
        "studentutbyte_"
        + "Medicinska_fakulteten_inresande_och_utresande_studenter_läsåret_2024-25_" * 2
        + "export_från_SoleMove_kopia_2025-10-01.csv"
    )
    assert len(name.encode()) == 204  # 14 + 2 × 74 (72 letters, ä and å of two bytes) + 42 (å)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(b"Foo,Bar\n1,2\n")  # no required column: rejected and kept
    (inbox / "student_mobility_2025-10-01.csv").write_text(one_stay("L-1"))
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    result = ingest(inbox, warehouse)

    assert result.returncode == 2, result.stdout + result.stderr
    assert query(warehouse, "select mobility_id from raw.student_mobility") == [("L-1",)]
    rejected = warehouse.parent / "rejected"
    [kept] = [p for p in rejected.iterdir() if not p.name.endswith(".reason.txt")]
    note = rejected / (kept.name + ".reason.txt")
    [(run_id,)] = query(warehouse, "select run_id from audit.loaded_files where status = 'rejected'")
    # 255 - 84 - 11 - 6 (room for a number, '9999__') = 154 bytes for the name: '…' (3), the first 76
    # bytes (to 'läså') and the last 75 (from 'ande', the end of the second 'utresande')
    assert kept.name == (
        f"{run_id}__required-column-missing-mobility-id-student-id-direction-mob__"
        "studentutbyte_Medicinska_fakulteten_inresande_och_utresande_studenter_läså"
        "…ande_studenter_läsåret_2024-25_export_från_SoleMove_kopia_2025-10-01.csv"
    )
    assert len(note.name.encode()) == 84 + 154 + 11
    assert kept.read_bytes() == b"Foo,Bar\n1,2\n"
    assert f"file: {name}\n" in note.read_text(encoding="utf-8")  # the note names the whole name
    [(recorded,)] = query(warehouse, "select reason from audit.loaded_files where status = 'rejected'")
    assert recorded.endswith(f"(kept as {kept.name})")

    again = ingest(inbox, warehouse)  # left in the inbox: read again, not kept twice

    assert again.returncode == 2, again.stdout + again.stderr
    assert sorted(p.name for p in rejected.iterdir()) == [kept.name, note.name]
