"""The three worked examples of docs/sources.md, and two sentinel-date files, through the real nightly.

One nightly (`indicators nightly`, by the CLI's main in this process, dbt and GX included) over
the bundled sample plus the fixtures in tests/fixtures/sources/ and two crafted files: a stay
ending 9999-12-31 (open) and one ending 2999-01-01, and a stay starting 0001-01-01. Every expected count is worked out by hand from
the fixture rows (see the comments) and written here literally.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from conftest import TEST_KEY
from helpers import cli_in_process, query

# one worker builds the module's fixture (--dist loadgroup), not both
pytestmark = pytest.mark.xdist_group("source_examples")


ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "sources"
HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Utbytesstatus"
OPEN_END = [  # SENT-0001: open end, loaded with end_date NULL; SENT-0002: 2999 is no plausible end
    "SENT-0001;19850612-9850;utresande;MALAK;utbytesstudier;DE;2024-08-26;9999-12-31;pågående",
    "SENT-0002;19780203-9862;utresande;MALAK;utbytesstudier;FR;2024-08-26;2999-01-01;pågående",
]
YEAR_ONE = ["SENT-0003;19900519-9873;utresande;MALAK;utbytesstudier;IT;0001-01-01;2025-01-17;avslutad"]


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    base = tmp_path_factory.mktemp("examples")
    inbox = base / "inbox"
    shutil.copytree(ROOT / "samples" / "inbox", inbox)
    for name in (
        "solemove/solemove_utbyten_2025-09-01.csv",
        "ec/erasmus_mobility_statistics_2008-2009.csv",
        "handkept/lärarutbyten_manuell_2025-06-30.xlsx",
    ):
        shutil.copy(FIXTURES / name, inbox)
    (inbox / "student_mobility_open_end_2025-09-02.csv").write_text(
        "\n".join([HEADER, *OPEN_END]) + "\n", encoding="utf-8"
    )
    (inbox / "student_mobility_year_one_2025-09-02.csv").write_text(
        "\n".join([HEADER, *YEAR_ONE]) + "\n", encoding="utf-8"
    )
    warehouse = base / "state" / "warehouse.duckdb"
    done = cli_in_process(
        "nightly",
        "-q",
        "--inbox",
        str(inbox),
        "--warehouse",
        str(warehouse),
        env={"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY},
    )
    return done, warehouse


def _file(warehouse: Path, name: str) -> tuple:
    return query(
        warehouse,
        "select status, rows_read, rows_loaded, rows_quarantined, rows_collapsed, reason "
        "from audit.loaded_files where file_name = ?",
        [name],
    )[0]


def _quarantine(warehouse: Path, name: str) -> list[tuple]:
    return query(
        warehouse,
        "select row_number, reason from audit.quarantine where file_name = ? order by row_number",
        [name],
    )


def test_the_night_publishes_with_warnings(night):
    done, warehouse = night
    assert done.returncode == 2, done.stdout + done.stderr
    assert "published" in done.stdout
    assert "Traceback" not in done.stderr
    # the run summary says how many rows collapsed and why: the sample's 1, SoleMove's 1, the sheet's 1
    assert "3 rows collapsed (identical in every column of the export to an earlier row)" in done.stdout
    assert query(warehouse, "select count(*) from marts.indicator_values")[0][0] > 0


def test_solemove_export(night):
    _, warehouse = night
    name = "solemove_utbyten_2025-09-01.csv"
    # 7 rows: row 5 repeats row 4 in every column (collapsed); rows 6 and 7 share SMV-1004 and differ
    # only in the unmapped Handläggare/Kommentar: a conflict, both quarantined; 7 - 1 - 2 = 4 loaded
    status, read, loaded, quarantined, collapsed, reason = _file(warehouse, name)
    assert (status, read, loaded, quarantined, collapsed) == ("loaded", 7, 4, 2, 1)
    assert "read as profile solemove (pipelines/student_mobility__solemove.yml)" in reason
    assert "rows 5" in reason
    assert _quarantine(warehouse, name) == [
        (6, "duplicate business key with different values (rows 6, 7)"),
        (7, "duplicate business key with different values (rows 6, 7)"),
    ]
    rows = query(
        warehouse,
        "select mobility_id, partner_name, partner_country, end_date from raw.student_mobility "
        "where _file_name = ? order by mobility_id",
        [name],
    )
    assert rows == [
        ("SMV-1001", "Universität Heidelberg", "DE", dt.date(2025, 1, 17)),
        ("SMV-1002", "Université Paris Cité", "FR", dt.date(2024, 11, 22)),
        ("SMV-1003", "Sapienza Università di Roma", "IT", dt.date(2025, 6, 6)),
        ("SMV-1005", "University of Cape Town", "ZA", None),  # 9999-12-31: open
    ]


def test_ec_statistics_file(night):
    _, warehouse = night
    name = "erasmus_mobility_statistics_2008-2009.csv"
    # 8 rows: row 7 (Madrid → Paris) is not the faculty's: left out by keep_rows; row 9's 13-2008 is
    # no month: quarantined; rows 2 and 4 are identical and row 5 differs from them only in the
    # unmapped SUBJECTAREA: each row is one person, so all three load; 8 - 1 - 1 = 6 loaded
    status, read, loaded, quarantined, collapsed, reason = _file(warehouse, name)
    assert (status, read, loaded, quarantined, collapsed) == ("loaded", 8, 6, 1, 0)
    assert "1 rows left out by keep_rows: in pipelines/student_mobility__ec.yml" in reason
    assert "each row counted as one person (each_row: one_person" in reason
    assert _quarantine(warehouse, name) == [(9, "invalid date in start_date: '13-2008'")]
    rows = query(
        warehouse,
        "select _row_number, direction, partner_code, partner_country, mobility_type, level, start_date, "
        "start_date_precision, status, scheme from raw.student_mobility where _file_name = ? order by _row_number",
        [name],
    )
    d = dt.date
    assert rows == [
        (
            2,
            "outgoing",
            "D HEIDELB01",
            "DE",
            "studies",
            "second_cycle",
            d(2008, 9, 1),
            "month",
            "completed",
            "erasmus_plus",
        ),
        (
            3,
            "outgoing",
            "F PARIS005",
            "FR",
            "traineeship",
            "second_cycle",
            d(2008, 10, 1),
            "month",
            "completed",
            "erasmus_plus",
        ),
        (
            4,
            "outgoing",
            "D HEIDELB01",
            "DE",
            "studies",
            "second_cycle",
            d(2008, 9, 1),
            "month",
            "completed",
            "erasmus_plus",
        ),
        (
            5,
            "outgoing",
            "D HEIDELB01",
            "DE",
            "studies",
            "second_cycle",
            d(2008, 9, 1),
            "month",
            "completed",
            "erasmus_plus",
        ),
        (
            6,
            "incoming",
            "I ROMA01",
            "IT",
            "studies",
            "first_cycle",
            d(2009, 2, 1),
            "month",
            "completed",
            "erasmus_plus",
        ),
        (
            8,
            "outgoing",
            "UK LONDON029",
            "GB",
            "studies",
            "second_cycle",
            d(2009, 1, 1),
            "month",
            "completed",
            "erasmus_plus",
        ),
    ]
    # six persons, six stays: nothing merged
    assert query(
        warehouse,
        "select count(distinct mobility_id), count(distinct student_id) from raw.student_mobility where _file_name = ?",
        [name],
    ) == [(6, 6)]


def test_hand_kept_sheet(night):
    _, warehouse = night
    name = "lärarutbyten_manuell_2025-06-30.xlsx"
    # header on sheet row 3 (skip_rows: 2), data rows 4-9: row 7 repeats row 4 (collapsed); row 8
    # differs from row 4 only in the unmapped Anteckning: its own key, loaded; row 9 ends on serial 2
    # (1900-01-01): outside the plausible dates and before its start, quarantined; 6 - 1 - 1 = 4
    status, read, loaded, quarantined, collapsed, reason = _file(warehouse, name)
    assert (status, read, loaded, quarantined, collapsed) == ("loaded", 6, 4, 1, 1)
    assert "rows 7" in reason
    rows = query(
        warehouse,
        "select _row_number, direction, staff_category, mobility_type, partner_country, start_date, end_date, "
        "status from raw.staff_mobility where _file_name = ? order by _row_number",
        [name],
    )
    d = dt.date
    assert rows == [
        (4, "outgoing", "teacher", "teaching", "AT", d(2024, 10, 7), d(2024, 10, 11), "completed"),
        (5, "outgoing", "other", "training", "FI", d(2025, 3, 10), d(2025, 3, 14), "completed"),
        (6, "incoming", "teacher", "teaching", "CZ", d(2025, 4, 22), d(2025, 4, 25), "completed"),
        (8, "outgoing", "teacher", "teaching", "AT", d(2024, 10, 7), d(2024, 10, 11), "completed"),
    ]
    [(row, reason)] = _quarantine(warehouse, name)
    assert row == 9 and reason.startswith("end_date outside the plausible dates 1990-01-01..")


def test_sentinel_dates_are_quarantined_or_open(night):
    _, warehouse = night
    assert _file(warehouse, "student_mobility_open_end_2025-09-02.csv")[:5] == ("loaded", 2, 1, 1, 0)
    assert query(warehouse, "select end_date from raw.student_mobility where mobility_id = 'SENT-0001'") == [
        (None,)
    ]
    [(row, reason)] = _quarantine(warehouse, "student_mobility_open_end_2025-09-02.csv")
    assert row == 3 and "end_date outside the plausible dates" in reason and "'2999-01-01'" in reason
    assert _file(warehouse, "student_mobility_year_one_2025-09-02.csv")[:5] == ("loaded", 1, 0, 1, 0)
    [(row, reason)] = _quarantine(warehouse, "student_mobility_year_one_2025-09-02.csv")
    assert row == 2 and "start_date outside the plausible dates" in reason and "'0001-01-01'" in reason


def test_the_widest_date_window_still_publishes(tmp_path):
    """The settings allow dates from 1700-01-01 to 100 years ahead at most: rows that far out get
    through the ingest, and neither dbt nor GX may crash on them (pandas' nanoseconds end in 2262)."""
    inbox = tmp_path / "inbox"
    shutil.copytree(ROOT / "samples" / "inbox", inbox)
    far = [
        "EXT-0001;19850612-9850;utresande;MALAK;utbytesstudier;DE;1700-01-02;2125-06-30;avslutad",
        "EXT-0002;19780203-9862;utresande;MALAK;utbytesstudier;FR;2125-01-01;2125-06-30;nominerad",
    ]
    (inbox / "student_mobility_far_2025-09-02.csv").write_text(
        "\n".join([HEADER, *far]) + "\n", encoding="utf-8"
    )
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    env = {
        "INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY,
        "INDICATORS_DATE_WINDOW_START": "1700-01-01",
        "INDICATORS_DATE_WINDOW_YEARS_AHEAD": "100",
    }
    done = cli_in_process("nightly", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse), env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert query(warehouse, "select count(*) from raw.student_mobility where mobility_id like 'EXT-%'") == [
        (2,)
    ]
    # the suites' narrower plausible ranges (2000-01-01 .. 2035/2036-12-31) warn, they do not stop the
    # publish: 1700-01-02 and 2125-01-01 start, 2125-06-30 ends twice
    assert query(
        warehouse,
        "select check_name, severity, failing_count from audit.dq_results where not success "
        "and suite_name = 'raw_student_mobility' and check_name like 'expect_column_values_to_be_between(%_date)' "
        "order by check_name",
    ) == [
        ("expect_column_values_to_be_between(end_date)", "warn", 2),
        ("expect_column_values_to_be_between(start_date)", "warn", 2),
    ]
