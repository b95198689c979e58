"""Names and text a real delivery has and the sample never makes, through the CLI's ``ingest`` (its
main in this process) with hand-made files: a name whose bytes are not UTF-8 (Windows-1252 from an
old system, a Samba share or a zip) and a long name (a rejected copy's name adds the run and the
reason to it), neither of which may stop the night; and a personnummer typed in full-width digits
or with a character that shows as nothing, which must be redacted like any other."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from conftest import TEST_KEY
from helpers import cli_in_process, personnummer, query

HEADER = "Mobility ID,Student ID,Direction,Programme code,Mobility type,Country,Start date,Status,Credits"
STUDENT = personnummer("19000101", 981)


def one_stay(mobility_id: str) -> str:
    return f"{HEADER}\n{mobility_id},{STUDENT},out,MAMED,studies,GB,2024-09-01,completed,30\n"


def ingest(inbox: Path, warehouse: Path):
    env = {"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY, "INDICATORS_SETTLE_SECONDS": "0"}
    return cli_in_process("ingest", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse), env=env)


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


WIDE = str.maketrans("0123456789-", "０１２３４５６７８９－")
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\ufeff"))


def test_a_personnummer_in_full_width_digits_or_with_an_invisible_separator_is_redacted(tmp_path):
    """Full-width digits (a Chinese or Japanese input method: an incoming student's own form) and a
    soft hyphen or zero-width space (pasted from a web page or a PDF) in a file name, a header, free
    text, a code and a business key: each is redacted as its ASCII form is."""
    p = [personnummer(f"190001{day:02d}", 982) for day in range(1, 8)]

    def wide(text: str) -> str:
        return text.translate(WIDE)

    header = f"{HEADER},Partner,Handläggare {wide(p[0][:8])}-{wide(p[0][8:])}"
    stay = f"{STUDENT},out,{{programme}},studies,GB,2024-09-01,completed,30,{{partner}},x"
    lines = [
        header,
        "W-1," + stay.format(programme="MAMED", partner=f"kontakt {wide(p[1])}"),
        "W-2," + stay.format(programme="MAMED", partner=f"ring {p[2][:8]}\u00ad{p[2][8:]}"),
        "W-3," + stay.format(programme="MAMED", partner=f"ring {p[3][2:8]}-\u200b{p[3][8:]}"),
        "W-4," + stay.format(programme=wide(f"{p[4][:8]}-{p[4][8:]}"), partner="Uni"),
        *(
            f"MX-{wide(n[2:8])}{wide('-')}{wide(n[8:])}," + stay.format(programme="MAMED", partner="Uni")
            for n in p[5:]
        ),
    ]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / f"student_mobility_{wide(p[0])}.csv").write_text("\n".join(lines) + "\n")
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    result = ingest(inbox, warehouse)

    assert result.returncode == 2, result.stdout + result.stderr  # a quarantined row
    assert query(warehouse, "select file_name, ignored_columns from audit.loaded_files") == [
        ("student_mobility_[personnummer].csv", "Handläggare [personnummer]")
    ]
    loaded = query(warehouse, "select mobility_id, partner_name from raw.student_mobility order by 1")
    keys = [key for key, _ in loaded[:2]]  # two ids built from two personnummer stay two keys
    assert len(set(keys)) == 2 and all(key.startswith("MX-[personnummer:") for key in keys)
    assert loaded[2:] == [
        ("W-1", "kontakt [personnummer]"),
        ("W-2", "ring [personnummer]"),
        ("W-3", "ring [personnummer]"),
    ]
    assert query(warehouse, "select row_number, reason from audit.quarantine") == [
        (5, "invalid code in programme_code: '[personnummer]'")
    ]
    [log] = (warehouse.parent / "log").glob("*.log")
    written = [result.stdout, log.read_text(encoding="utf-8")] + [
        str(value)
        for schema in ("raw", "audit")
        for (table,) in query(
            warehouse, f"select table_name from duckdb_tables() where schema_name = '{schema}'"
        )
        for row in query(warehouse, f"select * from {schema}.{table}")
        for value in row
    ]
    for text in written:  # nowhere, in any form
        plain = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
        assert not any(f"{n[2:8]}{sep}{n[8:]}" in plain for n in p for sep in ("", "-")), text


def percent_encoded(number: str) -> list[str]:
    """A personnummer as a file name saved from a mail's link or a web page writes it: the hyphen, a
    space, a non-breaking hyphen (UTF-8: three bytes) percent-encoded."""
    return [
        f"{number[:8]}%2D{number[8:]}",
        f"{number[2:8]}%20{number[8:]}",
        f"{number[:8]}%E2%80%91{number[8:]}",
    ]


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def arabic_indic(number: str) -> list[str]:
    """A personnummer as an Arabic keyboard types it (Arabic-Indic digits), a Persian or Urdu one
    (the extended Arabic-Indic digits), long, short and with no separator."""
    return [
        f"{number[:8]}-{number[8:]}".translate(ARABIC_INDIC),
        f"{number[2:8]}-{number[8:]}".translate(PERSIAN),
        number.translate(ARABIC_INDIC),
    ]


@pytest.mark.parametrize("typed", [percent_encoded, arabic_indic])
def test_a_personnummer_percent_encoded_or_in_arabic_indic_digits_is_redacted_everywhere(tmp_path, typed):
    """A file saved from a link keeps its percent-encoding (``student_mobility_19000101%2D9801.csv``),
    and so may text copied from a URL; an incoming student's own form may hold Arabic-Indic digits
    (``١٩٠٠٠١٠١-٩٨٠١``): each is redacted as its plain form is, in the kept rejected file's name
    (rejected for the 1900-02-01 in its name), the audit, the log, the rows and the quarantine's
    reasons."""
    p = [personnummer(f"190002{day:02d}", 983) for day in range(1, 6)]
    name, header, text, other, code = (typed(n) for n in p)
    stay = f"{STUDENT},out,{{programme}},studies,GB,2024-09-01,completed,30,{{partner}},x"
    lines = [
        f"{HEADER},Partner,Handläggare {header[0]}",
        "P-1," + stay.format(programme="MAMED", partner=f"kontakt {text[0]}"),
        "P-2," + stay.format(programme="MAMED", partner=f"ring {text[1]} / {other[2]}"),
        "P-3," + stay.format(programme=code[0], partner="Uni"),
    ]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_2024-10-01.csv").write_text("\n".join(lines) + "\n")
    (inbox / f"student_mobility_{name[0]}.csv").write_text("\n".join(lines[:2]) + "\n")
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    result = ingest(inbox, warehouse)

    assert result.returncode == 2, result.stdout + result.stderr  # a rejected file, a quarantined row
    assert query(
        warehouse, "select file_name, status, ignored_columns from audit.loaded_files order by 1"
    ) == [
        ("student_mobility_2024-10-01.csv", "loaded", "Handläggare [personnummer]"),
        ("student_mobility_[personnummer].csv", "rejected", None),
    ]
    [kept, note] = sorted((warehouse.parent / "rejected").iterdir())
    assert (
        kept.name.endswith("__student_mobility_[personnummer].csv") and note.name == kept.name + ".reason.txt"
    )
    assert query(warehouse, "select mobility_id, partner_name from raw.student_mobility order by 1") == [
        ("P-1", "kontakt [personnummer]"),
        ("P-2", "ring [personnummer] / [personnummer]"),
    ]
    assert query(warehouse, "select row_number, reason from audit.quarantine") == [
        (4, "invalid code in programme_code: '[personnummer]'")
    ]
    [log] = (warehouse.parent / "log").glob("*.log")
    written = [result.stdout, log.read_text(encoding="utf-8"), note.read_text(encoding="utf-8")] + [
        str(value)
        for schema in ("raw", "audit")
        for (table,) in query(
            warehouse, f"select table_name from duckdb_tables() where schema_name = '{schema}'"
        )
        for row in query(warehouse, f"select * from {schema}.{table}")
        for value in row
    ]
    for written_text in written:  # nowhere, in any form
        assert not any(n[2:8] in written_text.translate(ASCII) for n in p), written_text
