"""Ingest with real files: every encoding, delimiter and format; quarantine, rejection, idempotency."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from helpers import forms, personnummer, wrong_check_digit
from indicators import nightly

FIXTURES = Path(__file__).parents[1] / "fixtures"

P1 = personnummer("19950412", 981)
P2 = personnummer("19980101", 982)
P3 = personnummer("20010630", 983)

MOBILITY_HEADER_SV = (
    "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status;ECTS;Kön"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def query(warehouse: Path, sql: str, params=None):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def files_by_status(warehouse: Path) -> dict[str, str]:
    return dict(query(warehouse, "select file_name, status from audit.loaded_files"))


# --- formats -------------------------------------------------------------------------------------


def test_csv_in_every_encoding_and_delimiter(tmp_path, ingest):
    inbox = tmp_path / "inbox"
    rows_sv = [
        f"A1;{forms(P1)['long_dash']};utresande;MAMED;Studier;UK;2019-09-01;2019-12-20;avslutad;30,0;kvinna",
        f"A2;{forms(P2)['short_dash']};inresande;MAMED;Klinisk placering;EL;01-02-2020;30-05-2020;pågående;7,5;man",
    ]
    write(
        inbox / "student_mobility_a_utf8.csv",
        "Mobility ID,Student ID,Direction,Programme code,Mobility type,Country,Start date,End date,Status,Credits,Gender\n"
        f"B1,{forms(P3)['short']},out,VGSJU,studies,SE,01.09.2021,,ongoing,15,female\n",
    )
    write(inbox / "student_mobility_b_bom.csv", "\ufeff" + MOBILITY_HEADER_SV + "\n" + rows_sv[0] + "\n")
    write(
        inbox / "student_mobility_c_cp1252.csv",
        MOBILITY_HEADER_SV + "\n" + rows_sv[1] + "\n",
        encoding="cp1252",
    )
    write(
        inbox / "programmes_sv.csv",
        "Programkod;Benämning;Name;Nivå;Första läsår;Sista läsår\n"
        "MAMED;Läkarprogrammet – 12 terminer;Medicine;avancerad nivå;LÅ2016-2017;\n"
        "VGSJU;Sjuksköterskeprogrammet, 180 hp €;Nursing;grundnivå;2016/17;2024/2025\n",
        encoding="cp1252",
    )
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 0, outcome.message
    assert set(files_by_status(warehouse).values()) == {"loaded"}
    rows = query(
        warehouse,
        "select mobility_id, direction, programme_code, mobility_type, partner_country, start_date, end_date, "
        "status, credits_ects, gender, _row_number from raw.student_mobility order by mobility_id",
    )
    assert rows == [
        (
            "A1",
            "outgoing",
            "MAMED",
            "studies",
            "GB",
            dt.date(2019, 9, 1),
            dt.date(2019, 12, 20),
            "completed",
            30.0,
            "female",
            2,
        ),
        (
            "A2",
            "incoming",
            "MAMED",
            "clinical_placement",
            "GR",
            dt.date(2020, 2, 1),
            dt.date(2020, 5, 30),
            "ongoing",
            7.5,
            "male",
            2,
        ),
        ("B1", "outgoing", "VGSJU", "studies", "SE", dt.date(2021, 9, 1), None, "ongoing", 15.0, "female", 2),
    ]
    assert query(
        warehouse,
        "select programme_code, name_sv, level, active_from, active_to from raw.programmes order by 1",
    ) == [
        ("MAMED", "Läkarprogrammet – 12 terminer", "second_cycle", "2016/17", None),
        ("VGSJU", "Sjuksköterskeprogrammet, 180 hp €", "first_cycle", "2016/17", "2024/25"),
    ]


def test_xlsx_with_excel_date_cells(tmp_path, ingest):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Personnummer", "Programkod", "Examensdatum", "Examenskod"])
    sheet.append([forms(P1)["long"], "MAMED", dt.datetime(2024, 6, 30), "LAKEX"])
    sheet.append([forms(P2)["long_dash"], "vgsju", dt.datetime(2024, 7, 1), None])
    sheet.append([int(forms(P3)["long"]), "VGSJU", "15.01.2023", "SSKEX"])  # a personnummer typed as a number
    assert sheet["C2"].is_date
    book.save(inbox / "graduates_2024.xlsx")
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 0, outcome.message
    assert query(
        warehouse, "select programme_code, degree_date, degree_code from raw.graduates order by _row_number"
    ) == [
        ("MAMED", dt.date(2024, 6, 30), "LAKEX"),
        ("VGSJU", dt.date(2024, 7, 1), None),
        ("VGSJU", dt.date(2023, 1, 15), "SSKEX"),
    ]
    assert query(warehouse, "select count(distinct student_id) from raw.graduates") == [(3,)]


def test_a_hidden_first_sheet_passed_over_is_said_in_the_files_audit_row(tmp_path, ingest):
    # a programme catalogue from a template: its drop-down lists on the hidden first sheet 'Listor', the
    # programmes on 'Program'. 'Program' was read (rightly), and the file's audit row said nothing of the
    # sheet passed over: a reader of the run could not tell which sheet the rows came from
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    book = openpyxl.Workbook()
    lists = book.active
    lists.title = "Listor"
    lists.append(["Nivå"])
    lists.append(["grundnivå"])
    lists.sheet_state = "hidden"
    sheet = book.create_sheet("Program")
    sheet.append(["Programkod", "Namn", "Nivå", "Första läsår"])
    sheet.append(["MAMED", "Masterprogram", "avancerad", "2019/20"])
    book.active = 1
    book.save(inbox / "programmes_2024.xlsx")
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 0, outcome.message
    assert query(warehouse, "select programme_code from raw.programmes") == [("MAMED",)]
    [(reason,)] = query(warehouse, "select reason from audit.loaded_files")
    assert (
        reason == "read the first visible sheet 'Program', the hidden sheets before it passed over ('Listor')"
    )


def test_two_exports_of_one_source_in_one_night_are_read_in_the_order_of_their_dates(tmp_path, ingest):
    # two exports of the registrations in one inbox, named by two people: 'registreringar_2024-03-01.csv'
    # (MAMED HT2023: 40) and 'enrolments_2024-03-04.csv' (41, three days later). Read in name order the
    # later export came first, so the older one's 40 was the latest version staging took, without a word
    inbox = tmp_path / "inbox"
    write(inbox / "registreringar_2024-03-01.csv", "Programkod;Termin;Registrerade\nMAMED;HT2023;40\n")
    write(inbox / "enrolments_2024-03-04.csv", "Programkod;Termin;Registrerade\nMAMED;HT2023;41\n")
    write(inbox / "programmes.csv", "Programkod;Namn;Nivå;Första läsår\nMAMED;Masterprogram;A;2019/20\n")
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 0, outcome.message
    assert query(warehouse, "select file_name from audit.loaded_files order by file_id") == [
        ("registreringar_2024-03-01.csv",),
        ("programmes.csv",),
        ("enrolments_2024-03-04.csv",),
    ]
    latest = """select registered_students from raw.enrolments
        qualify row_number() over (partition by programme_code, term order by _file_id desc, _row_number desc) = 1"""
    assert query(warehouse, latest) == [(41,)]  # as macros/latest_version.sql takes it


def test_an_export_dated_before_one_loaded_on_an_earlier_night_is_said(tmp_path, ingest):
    # October's registrations loaded (MAMED HT2023: 41), then March's export dropped in the inbox again
    # on a later night (40): its rows became the latest version of the key (the file loaded last), the
    # later export's 41 replaced without a word. It still loads (it may be a correction), said
    inbox = tmp_path / "inbox"
    write(inbox / "programmes.csv", "Programkod;Namn;Nivå;Första läsår\nMAMED;Masterprogram;A;2019/20\n")
    write(inbox / "enrolments_2024-10-01.csv", "Programkod;Termin;Registrerade\nMAMED;HT2023;41\n")
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 0, outcome.message
    write(inbox / "enrolments_2024-03-01.csv", "Programkod;Termin;Registrerade\nMAMED;HT2023;40\n")
    outcome, warehouse = ingest(inbox, warehouse)
    assert outcome.exit_code == 2
    assert query(
        warehouse,
        "select status, reason from audit.loaded_files where file_name = 'enrolments_2024-03-01.csv'",
    ) == [
        (
            "loaded",
            "exported 2024-03-01 (by its name), before enrolments_2024-10-01.csv (2024-10-01), loaded already: "
            "its rows replace that export's for the keys they share (if it is no correction, take it out of "
            "the inbox and deliver the newest export again)",
        )
    ]
    # a later export after an earlier one says nothing (the first night's files)
    assert query(warehouse, "select count(*) from audit.loaded_files where reason like 'exported %'") == [
        (1,)
    ]
    from indicators.report.quality_words import reason

    [(said,)] = query(warehouse, "select reason from audit.loaded_files where reason like 'exported %'")
    assert reason(said, "sv") == (
        "exporterad 2024-03-01 (enligt namnet), före enrolments_2024-10-01.csv (2024-10-01) som redan är "
        "inläst: dess rader ersätter den exportens för de nycklar de delar (är den ingen rättelse, ta bort "
        "den ur inkorgen och leverera den senaste exporten igen)",
        "sv",
    )


def test_an_export_without_a_date_over_a_dated_one_of_its_source_is_said(tmp_path, ingest):
    # one night's inbox: October's registrations (MAMED HT2023: 41, MAMED HT2024: 44) and
    # 'enrolments_senaste.csv' (MAMED HT2023: 40, MED2 HT2023: 5), a name without a date read after it in
    # name order: its 40 became the latest version of the key, October's 41 replaced without a word,
    # though nothing tells which export was taken later. It still loads, said (exit 2), counting the 1
    # row of a shared key; the dated export, read first, and the undated catalogue (no dated one beside
    # it) say nothing
    inbox = tmp_path / "inbox"
    write(inbox / "programmes.csv", "Programkod;Namn;Nivå;Första läsår\nMAMED;Masterprogram;A;2019/20\n")
    write(
        inbox / "enrolments_2024-10-01.csv",
        "Programkod;Termin;Registrerade\nMAMED;HT2023;41\nMAMED;HT2024;44\n",
    )
    write(
        inbox / "enrolments_senaste.csv", "Programkod;Termin;Registrerade\nMAMED;HT2023;40\nMED2;HT2023;5\n"
    )
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 2, outcome.message
    said = "its name holds no date, and 1 of its rows share their key with enrolments_2024-10-01.csv (2024-10-01), "
    said += (
        "loaded already: its rows replace that export's for those keys, whichever was exported later (rename "
    )
    said += "it with the date it was exported)"
    assert query(warehouse, "select file_name, status, reason from audit.loaded_files order by 1") == [
        ("enrolments_2024-10-01.csv", "loaded", None),
        ("enrolments_senaste.csv", "loaded", said),
        ("programmes.csv", "loaded", None),
    ]
    from indicators.report.quality_words import reason

    assert reason(said, "sv") == (
        "namnet har inget datum, och 1 av dess rader har samma nyckel som i enrolments_2024-10-01.csv "
        "(2024-10-01), redan inläst: dess rader ersätter den exportens för de nycklarna, vilken som än "
        "exporterades senare (byt namn med datumet den exporterades)",
        "sv",
    )


def test_ewp_iia_xml_is_read_as_agreements(tmp_path, ingest):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copyfile(FIXTURES / "ewp" / "iias_v7.xml", inbox / "agreements_ewp.xml")
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 0, outcome.message
    rows = query(
        warehouse, "select agreement_type, count(*), bool_or(staff_teaching) from raw.agreements group by 1"
    )
    assert rows == [("erasmus_iia", 3, True)]


# --- bad rows ------------------------------------------------------------------------------------


def test_every_quarantine_rule(tmp_path, ingest):
    inbox = tmp_path / "inbox"
    bad_pnr = forms(wrong_check_digit(P3))["long_dash"]
    lines = [
        MOBILITY_HEADER_SV,
        f"Q1;{P1};utresande;MAMED;studier;GB;2019-09-01;2019-12-20;avslutad;30;kvinna",  # row 2: good
        f"Q2;{P1};utresande;MAMED;studier;GB;2019-02-30;;avslutad;30;kvinna",  # row 3: bad date
        f"Q3;{P1};utresande;MAMED;studier;GB;2019-09-01;2019-08-01;avslutad;30;kvinna",  # row 4: end before start
        f"Q4;{P1};utresande;MAMED;sabbatical;GB;2019-09-01;;avslutad;30;kvinna",  # row 5: unknown enum
        f"Q5;{bad_pnr};utresande;MAMED;studier;GB;2019-09-01;;avslutad;30;kvinna",  # row 6: bad check digit
        f"Q6;{P1};;MAMED;studier;GB;2019-09-01;;avslutad;30;kvinna",  # row 7: missing required
        f"Q7;{P2};utresande;MAMED;studier;GB;2019-09-01;;avslutad;30;kvinna",  # row 8: key conflict ...
        f"Q7;{P2};utresande;MAMED;studier;FR;2019-09-01;;avslutad;30;kvinna",  # row 9: ... with row 8
        f"Q8;{P2};utresande;MAMED;studier;DE;2020-01-10;;avslutad;30;kvinna",  # row 10: identical ...
        f"Q8;{P2};utresande;MAMED;studier;DE;2020-01-10;;avslutad;30;kvinna",  # row 11: ... collapses
        # row 12: no country (a Swedish name, Sverige, now reads as SE: test_countries_written_as_exports_write_them)
        f"Q9;{P2};utresande;MAMED;studier;Atlantis;2020-01-10;;avslutad;30;kvinna",
    ]
    write(inbox / "student_mobility_2024.csv", "\n".join(lines) + "\n")
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 2  # published, with warnings
    assert query(warehouse, "select mobility_id, _row_number from raw.student_mobility order by 2") == [
        ("Q1", 2),
        ("Q8", 10),
    ]
    quarantine = query(
        warehouse, "select row_number, business_key, reason from audit.quarantine order by row_number"
    )
    assert quarantine == [
        (3, "Q2", "invalid date in start_date: '2019-02-30'"),
        (4, "Q3", "end_date before start_date"),
        (5, "Q4", "unknown value in mobility_type: 'sabbatical'"),
        (6, "Q5", "invalid person identifier in student_id"),
        (7, "Q6", "missing required value: direction"),
        (8, "Q7", "duplicate business key with different values (rows 8, 9)"),
        (9, "Q7", "duplicate business key with different values (rows 8, 9)"),
        (12, "Q9", "invalid country in partner_country: 'Atlantis'"),
    ]
    assert query(
        warehouse, "select rows_read, rows_loaded, rows_quarantined, rows_collapsed from audit.loaded_files"
    ) == [(11, 2, 8, 1)]


def test_a_personnummer_in_a_date_column_is_redacted_in_the_reason(tmp_path, ingest):
    inbox = tmp_path / "inbox"
    write(
        inbox / "student_mobility_x.csv",
        MOBILITY_HEADER_SV
        + "\n"
        + f"R1;{P1};utresande;MAMED;studier;GB;{forms(P2)['long_dash']};;avslutad;30;kvinna\n",
    )
    _, warehouse = ingest(inbox)
    assert query(warehouse, "select reason from audit.quarantine") == [
        ("invalid date in start_date: '[personnummer]'",)
    ]


# --- rejected and unmatched files ----------------------------------------------------------------


def _truncated_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.append(["Programkod", "Termin", "Registrerade"])
    book.active.append(["MAMED", "HT2019", 120])
    full = path.with_suffix(".full.xlsx")
    book.save(full)
    data = full.read_bytes()
    full.unlink()
    path.write_bytes(data[: len(data) // 2])
    return path


def _zip_not_xlsx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return path


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        (
            "graduates_missing.csv",
            lambda p: write(p, "Personnummer;Programkod\nx;MAMED\n"),
            "required column missing: degree_date",
        ),
        ("enrolments_empty.csv", lambda p: write(p, ""), "empty file"),
        (
            "enrolments_header_only.csv",
            lambda p: write(p, "Programkod;Termin;Registrerade\n"),
            "no data rows",
        ),
        ("enrolments_random.csv", lambda p: p.write_bytes(bytes(range(256)) * 40), "binary content"),
        ("enrolments_long_line.csv", lambda p: write(p, "a" * (50 << 20)), "no line break in the first MiB"),
        ("enrolments_truncated.xlsx", _truncated_xlsx, "XLSX"),
        ("enrolments_zip.xlsx", _zip_not_xlsx, "not an XLSX workbook"),
        ("enrolments_old.xls", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100), "legacy .xls"),
        ("enrolments.xml", lambda p: write(p, "<a/>"), "XML is only accepted for agreements"),
        ("agreements_bomb.xml", lambda p: shutil.copyfile(FIXTURES / "ewp" / "billion_laughs.xml", p), "DTD"),
        ("agreements_xxe.xml", lambda p: shutil.copyfile(FIXTURES / "ewp" / "xxe_passwd.xml", p), "DTD"),
    ],
)
def test_structurally_broken_files_are_rejected_and_kept(tmp_path, ingest, name, make, reason):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    make(inbox / name)
    original = (inbox / name).read_bytes()
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 2
    [(status, recorded_reason)] = query(warehouse, "select status, reason from audit.loaded_files")
    assert status == "rejected"
    assert reason in recorded_reason
    kept = [p for p in (warehouse.parent / "rejected").iterdir() if not p.name.endswith(".reason.txt")]
    assert len(kept) == 1 and kept[0].name.endswith(name) and kept[0].read_bytes() == original
    note = kept[0].with_name(kept[0].name + ".reason.txt").read_text()
    assert reason in note
    assert (inbox / name).read_bytes() == original  # the inbox is never touched


def test_a_csv_cut_short_by_a_stalled_copy_is_rejected_whole_and_the_others_load(tmp_path, ingest):
    """A copy to the inbox that stalled (a network share) left an export cut inside its 41st row:
    its 40 whole rows are not loaded as if they were the export; the other file loads."""
    inbox = tmp_path / "inbox"
    rows = "".join(f"MAMED;{term}{2000 + i};{100 + i}\n" for i in range(20) for term in ("HT", "VT"))
    write(inbox / "enrolments_2025-09-01.csv", "Programkod;Termin;Registrerade\n" + rows)
    write(inbox / "enrolments_2025-09-02.csv", "Programkod;Termin;Registrerade\n" + rows + "VGSJU;HT20")
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 2
    files = query(
        warehouse, "select file_name, status, rows_loaded, reason from audit.loaded_files order by 1"
    )
    assert files[0] == ("enrolments_2025-09-01.csv", "loaded", 40, None)
    name, status, loaded, reason = files[1]
    assert (name, status, loaded) == ("enrolments_2025-09-02.csv", "rejected", 0)
    assert reason.startswith(
        "looks cut short (a copy that stopped part-way, or is still being made?): its last line (line 42) "
        "has 2 of the header's 3 fields and no line break at its end; deliver the file again whole once it "
        "is copied (kept as "
    )
    assert query(warehouse, "select count(*) from raw.enrolments") == [(40,)]


def test_unmatched_file_is_left_in_place_and_recorded(tmp_path, ingest):
    inbox = tmp_path / "inbox"
    write(inbox / "minutes_from_board_meeting.csv", "a,b\n1,2\n")
    # an EWP IIA get-response saved under the name the EWP examples give it: no source's pattern
    write(inbox / "get-response-example.xml", '<?xml version="1.0"?><iias-get-response/>\n')
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 2
    assert files_by_status(warehouse) == {
        "minutes_from_board_meeting.csv": "unmatched",
        "get-response-example.xml": "unmatched",
    }
    assert (inbox / "minutes_from_board_meeting.csv").exists() and (
        inbox / "get-response-example.xml"
    ).exists()
    # the reason says how to have it loaded, not only that it was not
    assert query(warehouse, "select distinct reason from audit.loaded_files") == [
        (
            "file name matches no source; left in place (to load it, rename it to match a source's patterns: "
            "in pipelines/*.yml)",
        )
    ]


def test_a_name_dated_after_the_run_or_before_the_date_window_is_rejected_and_kept(
    tmp_path, ingest, monkeypatch
):
    """The extraction date in a name is its source's coverage end: a day after the run's date, or
    before date_window_start (1990-01-01), cannot be the day the file was exported. Such a file is
    rejected and kept with its reason; the night's other files load and are published."""
    monkeypatch.setenv("INDICATORS_RUN_DATE", "2024-06-30")
    inbox = tmp_path / "inbox"
    stays = {
        "student_mobility_2024-06-30.csv": "E1",  # the run's date itself: loaded
        "student_mobility_2024-07-01.csv": "E2",  # the day after it
        "student_mobility_20990101.csv": "E3",
        "student_mobility_1970_01_01.csv": "E4",  # a clock's zero
        "student_mobility_1989-12-31.csv": "E5",  # the day before date_window_start
        "student_mobility_1990-01-01.csv": "E6",  # date_window_start itself: loaded
        "student_mobility_undated.csv": "E7",
    }
    for name, stay in stays.items():
        write(
            inbox / name,
            MOBILITY_HEADER_SV + "\n" + f"{stay};{P1};ut;MAMED;studier;GB;2019-09-01;;avslutad;30;k\n",
        )
    outcome, warehouse = ingest(inbox)
    assert outcome.published and outcome.exit_code == 2, outcome.message
    assert query(
        warehouse, "select file_name, status, extraction_date from audit.loaded_files order by file_name"
    ) == [
        ("student_mobility_1970_01_01.csv", "rejected", dt.date(1970, 1, 1)),
        ("student_mobility_1989-12-31.csv", "rejected", dt.date(1989, 12, 31)),
        ("student_mobility_1990-01-01.csv", "loaded", dt.date(1990, 1, 1)),
        ("student_mobility_2024-06-30.csv", "loaded", dt.date(2024, 6, 30)),
        ("student_mobility_2024-07-01.csv", "rejected", dt.date(2024, 7, 1)),
        ("student_mobility_20990101.csv", "rejected", dt.date(2099, 1, 1)),
        ("student_mobility_undated.csv", "loaded", None),
    ]
    assert query(warehouse, "select mobility_id from raw.student_mobility order by 1") == [
        ("E1",),
        ("E6",),
        ("E7",),
    ]
    rejected = warehouse.parent / "rejected"
    notes = {
        p.name.split("__")[-1].removesuffix(".reason.txt"): p.read_text().splitlines()[-1]
        for p in rejected.glob("*.reason.txt")
    }
    assert notes == {
        "student_mobility_1970_01_01.csv": (
            "reason: its name says it was extracted on 1970-01-01, before 1990-01-01 (date_window_start, "
            "the earliest date a row may hold): rename it with the date it was exported"
        ),
        "student_mobility_1989-12-31.csv": (
            "reason: its name says it was extracted on 1989-12-31, before 1990-01-01 (date_window_start, "
            "the earliest date a row may hold): rename it with the date it was exported"
        ),
        "student_mobility_20990101.csv": (
            "reason: its name says it was extracted on 2099-01-01, after the run's date, "
            "INDICATORS_RUN_DATE (2024-06-30): rename it with the date it was exported"
        ),
        "student_mobility_2024-07-01.csv": (
            "reason: its name says it was extracted on 2024-07-01, after the run's date, "
            "INDICATORS_RUN_DATE (2024-06-30): rename it with the date it was exported"
        ),
    }
    for name in notes:  # the originals, kept as delivered; the inbox untouched
        [kept] = rejected.glob(f"*__{name}")
        assert kept.read_bytes() == (inbox / name).read_bytes()
    # a warning line of the run's summary each, naming the file and the copy kept
    [warning] = [line for line in outcome.warnings if line.startswith("student_mobility_2024-07-01.csv")]
    assert warning.startswith(
        "student_mobility_2024-07-01.csv: rejected: its name says it was extracted on 2024-07-01, after the "
        "run's date, INDICATORS_RUN_DATE (2024-06-30): rename it with the date it was exported (kept as "
    )


def test_a_misdated_name_says_today_and_never_quotes_a_date_inside_a_personnummer():
    from indicators.intake import misdated

    today, earliest = dt.date.today(), dt.date(1990, 1, 1)
    assert misdated("student_mobility_2099-01-01.csv", today, earliest) == (
        f"its name says it was extracted on 2099-01-01, after today ({today}): "
        "rename it with the date it was exported"
    )
    # 19111111-9937 reads as a personnummer: its date is checked but not shown
    assert misdated("staff_mobility_19111111-9937.csv", today, earliest) == (
        "its name carries an extraction date inside what reads as a personnummer (not shown), before "
        "1990-01-01 (date_window_start, the earliest date a row may hold): rename it with the date it was "
        "exported"
    )
    assert misdated(f"staff_mobility_{today}.csv", today, earliest) is None
    assert misdated("programme_register_2025.xlsx", today, earliest) is None  # a year is no date
    assert misdated("student_mobility_2025-02-30.csv", today, earliest) is None  # nor an impossible day


# --- nothing twice, latest kept --------------------------------------------------------------------


def test_loading_twice_changes_nothing(tmp_path, ingest):
    inbox = tmp_path / "inbox"
    write(
        inbox / "student_mobility_1.csv",
        MOBILITY_HEADER_SV + "\n" + f"I1;{P1};ut;MAMED;studier;GB;2019-09-01;;avslutad;30;k\n",
    )
    _, warehouse = ingest(inbox)
    first = query(warehouse, "select * exclude (_loaded_at, _run_id) from raw.student_mobility")
    outcome, _ = ingest(inbox, warehouse)
    assert outcome.exit_code == 0
    assert query(warehouse, "select * exclude (_loaded_at, _run_id) from raw.student_mobility") == first
    assert query(warehouse, "select status, count(*) from audit.loaded_files group by 1 order by 1") == [
        ("loaded", 1),
        ("skipped", 1),
    ]
    # the same bytes under another name are skipped too
    shutil.copyfile(inbox / "student_mobility_1.csv", inbox / "student_mobility_1_copy.csv")
    ingest(inbox, warehouse)
    assert query(warehouse, "select count(*) from raw.student_mobility") == [(1,)]


def test_a_re_export_keeps_history_with_later_file_ids(tmp_path, ingest):
    inbox = tmp_path / "inbox"
    write(
        inbox / "student_mobility_2024-01-01.csv",
        MOBILITY_HEADER_SV + "\n" + f"H1;{P1};ut;MAMED;studier;GB;2019-09-01;;antagen;30;k\n",
    )
    _, warehouse = ingest(inbox)
    write(
        inbox / "student_mobility_2024-06-01.csv",
        MOBILITY_HEADER_SV + "\n" + f"H1;{P1};ut;MAMED;studier;GB;2019-09-01;;återbud;30;k\n",
    )
    ingest(inbox, warehouse)
    assert query(warehouse, "select status, _file_name from raw.student_mobility order by _file_id") == [
        ("accepted", "student_mobility_2024-01-01.csv"),
        ("withdrawn", "student_mobility_2024-06-01.csv"),
    ]


def test_the_first_new_file_and_only_it_starts_the_quality_worker(tmp_path):
    """The nightly starts its GX worker (``on_new_file``) once, as the first file with new bytes is
    read: not for a file that matches no source, nor for one already loaded, nor on a night with
    nothing new."""
    from indicators import warehouse
    from indicators.config import project_root
    from indicators.identity import Pseudonymiser
    from indicators.ingest import Ingestor
    from indicators.sources import load_sources

    specs = load_sources(project_root() / "pipelines")
    inbox = tmp_path / "inbox"
    row = MOBILITY_HEADER_SV + "\n" + f"N1;{P1};ut;MAMED;studier;GB;2019-09-01;;avslutad;30;k\n"
    write(inbox / "a_minutes_from_board_meeting.csv", "a,b\n1,2\n")  # first by name: unmatched
    write(inbox / "student_mobility_2024-01-01.csv", row)
    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.ensure_schema(con, specs)

    def night() -> list[str]:
        events: list[str] = []
        Ingestor(
            con,
            specs,
            Pseudonymiser(b"k" * 32),
            "test",
            tmp_path / "rejected",
            progress=lambda line: events.append(line.split(": ")[1].split()[0]),
            on_new_file=lambda: events.append("worker started"),
        ).ingest_inbox(inbox)
        return events

    try:
        assert night() == ["unmatched", "worker started", "loaded"]
        write(inbox / "student_mobility_2024-06-01.csv", row.replace("N1;", "N2;"))
        # the 2024-01-01 file is skipped (loaded before), and the new one starts the worker
        assert night() == ["unmatched", "skipped", "worker started", "loaded"]
        write(inbox / "student_mobility_2024-09-01.csv", row.replace("N1;", "N3;"))
        write(inbox / "student_mobility_2024-10-01.csv", row.replace("N1;", "N4;"))
        assert night() == ["unmatched", "skipped", "skipped", "worker started", "loaded", "loaded"]
        assert night() == ["unmatched", "skipped", "skipped", "skipped", "skipped"]  # nothing new
    finally:
        con.close()


def test_gx_starts_beside_the_ingest_only_for_a_small_inbox(tmp_path):
    """Under 16 MB of regular files in the inbox GX's worker starts with the first new file; a
    larger inbox (a link to a large file does not count: it is never read) waits for the ingest."""
    from types import SimpleNamespace

    from indicators.nightly.stages import _gx_beside_ingest

    inbox = tmp_path / "inbox"
    write(inbox / "student_mobility_1.csv", MOBILITY_HEADER_SV + "\n")
    large = tmp_path / "large.csv"
    with large.open("wb") as handle:  # sparse: 17 MB long, nothing written
        handle.truncate(17 * 2**20)
    (inbox / "student_mobility_2.csv").symlink_to(large)

    def state(checks_quality=True):
        return SimpleNamespace(settings=SimpleNamespace(inbox=inbox), checks_quality=checks_quality)

    assert _gx_beside_ingest(state())
    assert not _gx_beside_ingest(state(checks_quality=False))  # `indicators ingest`: no GX at all
    (inbox / "student_mobility_2.csv").unlink()
    os.link(large, inbox / "student_mobility_2.csv")  # now a regular file of the inbox
    assert not _gx_beside_ingest(state())
    # an inbox that cannot be listed is the ingest's to report, not this choice's
    assert _gx_beside_ingest(
        SimpleNamespace(settings=SimpleNamespace(inbox=tmp_path / "gone"), checks_quality=True)
    )


def test_without_a_key_nothing_runs(tmp_path, settings_for, monkeypatch):
    from indicators import nightly

    monkeypatch.delenv("INDICATORS_PSEUDONYMISATION_KEY")
    monkeypatch.setenv("INDICATORS_KEY_FILE", str(tmp_path / "no-such.key"))
    inbox = tmp_path / "inbox"
    write(inbox / "programmes.csv", "Programkod;Benämning;Nivå;Första läsår\nMAMED;Läkare;A;2016/17\n")
    from indicators.config import load_settings

    settings = load_settings().with_paths(inbox=inbox, warehouse=tmp_path / "w.duckdb")
    outcome = nightly.run(settings, with_dbt=False, with_quality=False, quiet=True)
    assert outcome.exit_code == 1
    assert "no pseudonymisation key" in outcome.message
    assert not (tmp_path / "w.duckdb").exists()


# --- privacy ---------------------------------------------------------------------------------------


def _hmac(canonical: str) -> str:
    import hashlib
    import hmac

    from conftest import TEST_KEY

    return hmac.new(TEST_KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def test_stored_pseudonyms_are_the_standard_hmac_of_the_canonical_form(tmp_path, ingest):
    # the loader hashes in DuckDB SQL; the expected values come from Python's hmac module
    inbox = tmp_path / "inbox"
    write(
        inbox / "student_mobility_h.csv",
        "Mobility ID,Student ID,Direction,Programme code,Mobility type,Country,Start date,Status\n"
        f"H1,{forms(P1)['short_dash']},out,MAMED,studies,GB,2019-09-01,completed\n"
        f"H2,{forms(P1)['long']},out,MAMED,studies,GB,2020-09-01,completed\n"
        f"H3, Student.UID-77 ,in,MAMED,studies,GB,2020-09-01,completed\n",
    )
    write(
        inbox / "activities_h.csv",
        "Activity ID,Date,Category,Title,Teacher IDs\n"
        f'T1,2020-03-01,iah,Seminar,"{forms(P3)["short"]}; {P2}"\n'
        "T2,2020-03-02,iah,Seminar,\n",
    )
    write(
        inbox / "graduates_h.csv",
        "Personnummer;Programkod;Examensdatum\n"
        f"{P2};MAMED;2020-06-05\n"
        f"{P2};MAMED;2020-06-05\n"  # identical: collapses
        f"{P1};MAMED;2020-06-05\n"
        f"{forms(P1)['short_dash']};MAMED;2020-06-05\n",  # the same person and key as the row above, once more
    )
    outcome, warehouse = ingest(inbox)
    assert outcome.published
    assert query(warehouse, "select mobility_id, student_id from raw.student_mobility order by 1") == [
        ("H1", _hmac(P1)),
        ("H2", _hmac(P1)),
        ("H3", _hmac("uid:student.uid-77")),
    ]
    teachers = ";".join(sorted([_hmac(P2), _hmac(P3)]))
    assert query(warehouse, "select activity_id, teacher_ids from raw.activities order by 1") == [
        ("T1", teachers),
        ("T2", None),
    ]
    assert query(warehouse, "select student_id from raw.graduates") == [(_hmac(P2),)]
    # rows 4 and 5 share a business key but differ as exported: both quarantined, the pseudonym shown whole
    key = f"{_hmac(P1)}|MAMED|2020-06-05"
    assert query(
        warehouse,
        "select row_number, business_key from audit.quarantine where source = 'graduates' order by 1",
    ) == [(4, key), (5, key)]


def test_no_personnummer_in_clear_anywhere(tmp_path, ingest):
    people = [personnummer(f"19{70 + i:02d}0{1 + i % 9}1{i % 10}", 980 + i) for i in range(12)]
    variants = [v for p in people for v in forms(p).values()]
    inbox = tmp_path / "inbox"
    mobility = [MOBILITY_HEADER_SV] + [
        f"P{i};{v};utresande;MAMED;studier;GB;2019-09-01;;avslutad;30;kvinna" for i, v in enumerate(variants)
    ]
    mobility.append(
        f"PX;{forms(wrong_check_digit(people[0]))['long_dash']};ut;MAMED;studier;GB;2019-09-01;;avslutad;30;k"
    )
    mobility.append(f"PY;{people[1]};ut;MAMED;studier;GB;{forms(people[2])['short_dash']};;avslutad;30;k")
    write(inbox / "student_mobility_p.csv", "\n".join(mobility) + "\n", encoding="cp1252")
    write(
        inbox / "activities_p.csv",
        "Aktivitets-ID,Datum,Kategori,Titel,Lärar-ID\n"
        f'X1,2020-03-01,iah,Seminar for {forms(people[3])["long_dash"]},"{people[4]};{forms(people[5])["short"]}"\n',
    )
    write(inbox / "graduates_rejected.csv", f"Personnummer;Programkod\n{people[6]};MAMED\n")
    outcome, warehouse = ingest(inbox)
    assert outcome.published

    needles = {v for p in people for v in forms(p).values()} | {wrong_check_digit(people[0])[2:]}
    # every text value of every table
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            values = con.execute(f'select distinct "{column}" from "{schema}"."{table}"').fetchall()
            for (value,) in values:
                if value is None:
                    continue
                digits = value.replace("-", "").replace("+", "")
                assert not any(n in value or n.replace("-", "") in digits for n in needles), (
                    schema,
                    table,
                    column,
                )
    finally:
        con.close()
    assert query(warehouse, "select count(*) from raw.student_mobility") == [
        (len(variants),)
    ]  # PX (check digit) and PY (date) are quarantined
    assert query(warehouse, "select count(distinct student_id) from raw.student_mobility") == [(len(people),)]
    # every byte of every file the run wrote; the rejected folder keeps untouched originals only
    inbox_shas = {p.read_bytes() for p in inbox.iterdir()}
    written = [p for p in warehouse.parent.rglob("*") if p.is_file()]
    assert any(p.suffix == ".log" for p in written)
    for path in written:
        data = path.read_bytes()
        if data in inbox_shas and path.parent.name == "rejected":
            continue
        for needle in needles:
            assert needle.encode() not in data, path.name
    assert os.path.getsize(warehouse) > 0


def test_one_key_with_different_values_in_two_files_of_one_date_is_a_warning(tmp_path, ingest):
    # two undated exports of one source in one run (MoveON and SoleMove): BK-1 in both with other
    # values, BK-2 in both alike, BK-3 in one. Staging takes the file loaded last: for files of one
    # date that is the order of their names, not a revision, and it was taken without a word
    inbox = tmp_path / "inbox"
    first = [
        f"BK-1;{P1};ut;MALAK;studier;GB;2020-09-01;2021-01-15;avslutad;30;kvinna",
        f"BK-2;{P2};ut;MALAK;studier;DE;2020-09-01;2021-01-15;avslutad;30;man",
    ]
    second = [
        f"BK-1;{P3};in;VGSJU;studier;FR;2021-09-01;2022-01-15;avslutad;15;man",
        f"BK-2;{P2};ut;MALAK;studier;DE;2020-09-01;2021-01-15;avslutad;30;man",
        f"BK-3;{P1};ut;MALAK;studier;NO;2022-09-01;2023-01-15;avslutad;30;kvinna",
    ]
    write(inbox / "student_mobility_moveon_export.csv", "\n".join([MOBILITY_HEADER_SV, *first]) + "\n")
    write(inbox / "student_mobility_solemove_export.csv", "\n".join([MOBILITY_HEADER_SV, *second]) + "\n")
    outcome, warehouse = ingest(inbox)
    assert outcome.published and outcome.exit_code == 2
    assert outcome.warnings == [
        "student_mobility: 1 keys with different values in files of one extraction date loaded together "
        "(student_mobility_moveon_export.csv, student_mobility_solemove_export.csv), e.g. BK-1: the file "
        "loaded last (the last by name) was taken for each; deliver one file, or name each with the date "
        "it was exported"
    ]
    # the same two files dated apart: the later export revises the earlier one, no warning
    dated = tmp_path / "dated"
    write(dated / "student_mobility_2024-01-10.csv", "\n".join([MOBILITY_HEADER_SV, *first]) + "\n")
    write(dated / "student_mobility_2024-02-10.csv", "\n".join([MOBILITY_HEADER_SV, *second]) + "\n")
    outcome, _ = ingest(dated, tmp_path / "dated_state" / "warehouse.duckdb")
    assert (outcome.published, outcome.exit_code, outcome.warnings) == (True, 0, [])


def test_a_country_code_no_country_has_loads_with_a_warning(tmp_path, ingest, settings_for):
    # a typo SW for Sweden's SE (twice) and XX: any two letters were taken for a country, so the stays
    # counted in the region Unknown, exit 0 without a word; EL and UK (Erasmus usage) are Greece and the
    # United Kingdom, and XK, Kosovo, the code the EU and Erasmus use, is a country the seed lacked
    people = [personnummer("19000101", 980 + n) for n in range(7)]
    countries = ["SE", "SW", "XX", "EL", "sw", "XK", "UK"]  # file rows 2-8
    lines = [MOBILITY_HEADER_SV] + [
        f"M{n};{person};Utresande;MAMED;Studier;{country};2024-09-02;2024-12-20;Avslutad;30;kvinna"
        for n, (person, country) in enumerate(zip(people, countries, strict=True))
    ]
    name = "student_mobility_2025-01-31.csv"
    write(tmp_path / "inbox" / name, "\n".join(lines) + "\n")
    outcome, warehouse = ingest(tmp_path / "inbox")
    loaded = query(warehouse, "select partner_country from raw.student_mobility order by mobility_id")
    assert [country for (country,) in loaded] == ["SE", "SW", "XX", "GR", "SW", "XK", "GB"]  # all count
    warning = (
        "3 rows whose partner_country is a code no country has, counted in the region Unknown (SW in 2, "
        "XX in 1: rows 3, 4, 6): correct the code in the export, or, if it is a country's, add it to "
        "seeds/country_regions.csv"
    )
    assert (outcome.exit_code, outcome.warnings) == (2, [f"{name}: {warning}"])
    summary = nightly.format_summary(outcome, settings_for(tmp_path / "inbox", warehouse))
    assert f"  warning: {name}: {warning}" in summary.splitlines()


def test_rows_a_generated_key_keeps_apart_though_every_field_is_the_same_are_a_warning(tmp_path, ingest):
    # a sheet kept by hand without stay ids (generate: row): teacher A's stay typed again with a note
    # (line 5), and once more in other words (line 7: 'utresande', 'Österrike', '07.10.2024') loaded as
    # three stays of A, exit 0 without a word
    teacher_a, teacher_b = personnummer("19000101", 981), personnummer("19000102", 982)
    lines = [
        "Lärarutbyten;;;;;;;;;",  # two title lines (skip_rows: 2 in the profile)
        "Internationella kansliet;;;;;;;;;",
        "Personnummer;Riktning;Kategori;Aktivitet;Partner;Land;Från;Till;Antal dagar;Anteckning",
        f"{teacher_a};Utresande;Lärare;Undervisning;Universität Wien;AT;2024-10-07;2024-10-11;5;",
        f"{teacher_a};Utresande;Lärare;Undervisning;Universität Wien;AT;2024-10-07;2024-10-11;5;dubbelbokad?",
        f"{teacher_b};Utresande;Lärare;Undervisning;Universität Wien;AT;2024-10-07;2024-10-11;5;",
        f"{teacher_a};utresande;lärare;undervisning;Universität Wien;Österrike;07.10.2024;2024-10-11;5;",
    ]
    name = "lärarutbyten_manuell_2025-06-30.csv"
    write(tmp_path / "inbox" / name, "\n".join(lines) + "\n")
    outcome, warehouse = ingest(tmp_path / "inbox")
    assert query(warehouse, "select count(*), count(distinct mobility_id) from raw.staff_mobility") == [
        (4, 4)
    ]
    assert outcome.exit_code == 2
    [warning] = outcome.warnings  # the file's line: its notes, then this
    assert warning.startswith(f"{name}: read as profile handkept")
    assert warning.endswith(
        "; rows the same in every field loaded, different only in columns no field reads or in how a value "
        "is written, each counted (1 sets: rows 4, 5, 7): their mobility_id is generated from the whole row "
        "(generate: row in pipelines/staff_mobility__handkept.yml); if such rows are one record, keep one of "
        "them in the export"
    )


def test_a_re_delivery_with_a_column_added_is_a_warning_when_its_rows_would_count_twice(tmp_path, ingest):
    # the EC's statistics of 2008/09 published again with one more column (empty): every key made from
    # the whole row changed, none was shared, and the 3 students loaded again beside the first
    # delivery's 3, 6 in all, exit 0 without a word
    header = "HOMEINSTITUTION;HOSTINSTITUTION;LEVELSTUDY;MOBILITYTYPE;STUDYSTARTDATE;PLACEMENTSTARTDATE;ECTSCREDITSSTUDY"
    rows = [
        "S  LUND01;D  HEIDELB01;2;S;09-2008;;30",
        "S  LUND01;D  HEIDELB01;2;S;09-2008;;30",  # a second student: each row is one person
        "I  ROMA01;S  LUND01;1;S;02-2009;;30",
    ]
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    first = "erasmus_mobility_statistics_2008-2009_2024-01-10.csv"
    write(tmp_path / "in1" / first, "\n".join([header, *rows]) + "\n")
    outcome, _ = ingest(tmp_path / "in1", warehouse)
    assert (outcome.exit_code, outcome.warnings) == (0, [])
    again = "erasmus_mobility_statistics_2008-2009_2024-03-01.csv"
    write(tmp_path / "in2" / again, "\n".join([header + ";SUBJECTAREA", *(r + ";" for r in rows)]) + "\n")
    outcome, _ = ingest(tmp_path / "in2", warehouse)
    assert outcome.exit_code == 2
    [warning] = outcome.warnings
    assert warning.endswith(
        f"; 3 rows are the same in every field loaded as rows of earlier deliveries of this export ({first}) "
        "but none has its key: their mobility_id is generated from the whole row (generate: row in "
        "pipelines/student_mobility__ec.yml) and a column was added, removed or renamed since (or values "
        "written otherwise), so each such row counts twice, once from each file; deliver the export with "
        "the columns it had, or give it an id column (an alias of the key field)"
    )
    # the next year's statistics share no row with them: no warning
    other = ["S  LUND01;F  PARIS005;2;S;09-2009;;30", "I  ROMA01;S  LUND01;1;S;02-2010;;30"]
    write(tmp_path / "in3" / "erasmus_mobility_statistics_2009-2010.csv", "\n".join([header, *other]) + "\n")
    outcome, _ = ingest(tmp_path / "in3", warehouse)
    assert (outcome.exit_code, outcome.warnings) == (0, [])
    assert query(warehouse, "select count(*) from raw.student_mobility") == [(8,)]


def test_a_rejected_file_left_in_the_inbox_is_read_again_but_kept_once(tmp_path, ingest):
    # every night re-read it (a contract fixed meanwhile would load it) and made another full copy
    inbox = tmp_path / "inbox"
    write(inbox / "enrolments_ragged.csv", "Programkod;Termin\nMALAK;HT2022\n")  # no Registrerade
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    for _night in range(3):
        outcome, _ = ingest(inbox, warehouse)
        assert outcome.exit_code == 2
    kept = sorted(
        p.name for p in (warehouse.parent / "rejected").iterdir() if not p.name.endswith(".reason.txt")
    )
    assert len(kept) == 1
    reasons = [row[0] for row in query(warehouse, "select reason from audit.loaded_files order by file_id")]
    assert len(reasons) == 3 and reasons[0].endswith(f"(kept as {kept[0]})")
    assert reasons[1] == reasons[2] == reasons[0].removesuffix(")") + ", the same bytes)"
    # once the copy is gone (retention), the next night keeps one again
    (warehouse.parent / "rejected" / kept[0]).unlink()
    outcome, _ = ingest(inbox, warehouse)
    again = [p for p in (warehouse.parent / "rejected").iterdir() if not p.name.endswith(".reason.txt")]
    assert len(again) == 1 and again[0].name != kept[0]


def test_a_file_named_after_the_run_left_in_the_inbox_is_kept_once_across_days(tmp_path, ingest, monkeypatch):
    # its reason names the run's date, which moves every night: a new copy was made every night
    inbox = tmp_path / "inbox"
    write(inbox / "enrolments_2099-01-01.csv", "Programkod;Termin;Registrerade\nMALAK;HT2022;1350\n")
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
        monkeypatch.setenv("INDICATORS_RUN_DATE", day)
        outcome, _ = ingest(inbox, warehouse)
        assert outcome.exit_code == 2
    kept = [p for p in (warehouse.parent / "rejected").iterdir() if not p.name.endswith(".reason.txt")]
    assert len(kept) == 1
    reasons = [row[0] for row in query(warehouse, "select reason from audit.loaded_files order by file_id")]
    assert [("2026-12-0" + str(n)) in reason for n, reason in zip((1, 2, 3), reasons, strict=True)] == [
        True
    ] * 3
    assert reasons[2].endswith(f"(kept as {kept[0].name}, the same bytes)")


def test_two_degrees_of_one_student_on_one_day_are_two_rows(tmp_path, ingest):
    # a läkarexamen and the medicine kandidatexamen applied for together: one student, one programme,
    # one day, two degree codes. The key was (student, programme, day): both rows were quarantined as
    # "duplicate business key with different values" and the graduate was in no count
    inbox = tmp_path / "inbox"
    write(
        inbox / "graduates_2024.csv",
        "Personnummer;Programkod;Examensdatum;Examenskod\n"
        f"{P1};LAKAR;2024-06-14;LAK\n"
        f"{P1};LAKAR;2024-06-14;MKAND\n"
        f"{P2};LAKAR;2024-06-14;\n"  # no code: keyed by the other three
        f"{P2};LAKAR;2024-06-14;\n"  # the same row again: collapsed, not a conflict
        f"{P3};LAKAR;2024-06-14;LAK\n"
        f"{forms(P3)['short_dash']};LAKAR;2024-06-14;LAK\n",  # P3's key again, written otherwise: a conflict
    )
    outcome, warehouse = ingest(inbox)
    assert outcome.published
    assert query(
        warehouse, "select student_id, degree_code from raw.graduates order by 2 nulls first, 1"
    ) == [
        (_hmac(P2), None),
        (_hmac(P1), "LAK"),
        (_hmac(P1), "MKAND"),
    ]
    assert query(
        warehouse, "select row_number, reason from audit.quarantine where source = 'graduates' order by 1"
    ) == [
        (6, "duplicate business key with different values (rows 6, 7)"),
        (7, "duplicate business key with different values (rows 6, 7)"),
    ]


def test_a_country_that_is_not_its_erasmus_codes_loads_with_a_warning(tmp_path, ingest):
    # a SoleMove export's Erasmuskod names the country ('E  MADRID03': Spain); row 3's Land is FR, a
    # cell copied from the row above: it loaded and counted in France, exit 0 without a word. It still
    # loads as exported (the code may be the wrong one), and the run names it
    people = [personnummer("19000101", 980 + n) for n in range(3)]
    pairs = [("F  PARIS001", "FR"), ("E  MADRID03", "FR"), ("DK KOBENHA01", "DK")]  # file rows 2-4
    lines = [MOBILITY_HEADER_SV + ";Erasmuskod"] + [
        f"M{n};{person};Utresande;MAMED;Studier;{country};2024-09-02;2024-12-20;Avslutad;30;kvinna;{code}"
        for n, (person, (code, country)) in enumerate(zip(people, pairs, strict=True))
    ]
    name = "student_mobility_2025-01-31.csv"
    write(tmp_path / "inbox" / name, "\n".join(lines) + "\n")
    outcome, warehouse = ingest(tmp_path / "inbox")
    loaded = query(warehouse, "select partner_code, partner_country from raw.student_mobility order by 1")
    assert loaded == [("DK KOBENHA01", "DK"), ("E MADRID03", "FR"), ("F PARIS001", "FR")]
    warning = (
        "1 rows whose partner_country is not the country their partner_code names (E MADRID03 (ES) in FR: 1: "
        "rows 3): loaded with the country as exported; correct the country or the code in the export"
    )
    assert (outcome.exit_code, outcome.warnings) == (2, [f"{name}: {warning}"])


def test_a_nine_digit_id_read_as_a_personnummer_in_a_small_delta_is_named(tmp_path, ingest):
    # MoveON's full export: six numeric student ids, five no personnummer (month 9x with a zero put back),
    # so all are ids, 802159913 too (uid:802159913). A month's delta of one row writes 802159913 again:
    # too few numbers to tell, it is read as the personnummer 200802159913 (a zero put back, check digit
    # 3): another pseudonym, the student counted twice without a word. By hand: 1 person, 1 earlier row
    header = "Mobility ID;Student ID;Direction;Mobility type;Country;Start date;Status"
    ids = ["802159913", *[f"59{n:07d}" for n in range(5)]]
    full = [header] + [f"M{n};{sid};Incoming;Studies;DE;2024-09-02;Completed" for n, sid in enumerate(ids)]
    write(tmp_path / "full" / "student_mobility_2025-01-31.csv", "\n".join(full) + "\n")
    outcome, warehouse = ingest(tmp_path / "full")
    assert outcome.exit_code == 0, outcome.warnings
    delta = [header, "M9;802159913;Incoming;Studies;DE;2025-01-13;Ongoing"]
    name = "student_mobility_2025-02-28.csv"
    write(tmp_path / "delta" / name, "\n".join(delta) + "\n")
    outcome, _ = ingest(tmp_path / "delta", warehouse)
    assert outcome.exit_code == 2
    assert outcome.warnings == [
        f"{name}: student_id: 1 persons of this file are read otherwise than earlier deliveries read the same "
        "text (nine digits (a personnummer whose leading zero a spreadsheet dropped, or a system's numeric "
        "id), read as an id in a file whose numbers mostly are ids and as a personnummer in another): their "
        "1 earlier rows (raw.student_mobility 1) keep that other pseudonym, so where the text means one "
        "person it counts twice across the files; deliver a new export of those earlier rows (a re-export "
        "replaces each row by its key)"
    ]


def test_a_files_own_values_are_bound_once_not_written_into_every_row(tmp_path, ingest, monkeypatch):
    """The loader made a column of each of a file's own values (its run, id, name, source, time) for
    every row and every quarantined row before DuckDB read them: five million bad rows, 360 MB more
    at the night's peak. They are bound once in the statement now; the tables read as before."""
    import polars as pl

    batches = []
    to_arrow = pl.DataFrame.to_arrow

    def recording(frame, *args, **kwargs):
        batches.append(frame.columns)
        return to_arrow(frame, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "to_arrow", recording)
    inbox = tmp_path / "inbox"
    rows = "".join(f"MAMED;HT{2000 + i};{100 + i}\n" for i in range(10))
    write(inbox / "enrolments_2025-09-01.csv", "Programkod;Termin;Registrerade\n" + rows + "MAMED;HT20x9;5\n")
    outcome, warehouse = ingest(inbox)
    assert outcome.exit_code == 2
    assert ["_row_number", "business_key", "reason"] in batches
    assert not [columns for columns in batches if "_file_name" in columns or "file_name" in columns]
    [(run_id, file_id, name)] = query(warehouse, "select run_id, file_id, file_name from audit.loaded_files")
    assert query(
        warehouse, "select distinct _run_id, _file_id, _file_name, _loaded_at is not null from raw.enrolments"
    ) == [(run_id, file_id, name, True)]
    assert query(
        warehouse,
        "select run_id, file_id, file_name, source, row_number, quarantined_at is not null from audit.quarantine",
    ) == [(run_id, file_id, name, "enrolments", 12, True)]
