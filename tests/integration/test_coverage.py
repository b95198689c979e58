"""Coverage from deliveries, through the real nightly (ingest, GX, dbt): shapes a real export has and
the bundled sample does not.

Every expected value and status is worked out by hand from the rows below; the comments show how.
The rule (marts.source_coverage): a source covers every academic year from its first event to its
coverage end — the extraction date of its newest delivery when the file name gives one, otherwise
the data's end (the latest date indicators count by across the event sources). A value of year Y is
``final`` when every source it uses covers all of Y (to 30 June), ``provisional`` when each covers
part of it, ``incomplete`` when one covers none of it while another covers some.
"""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import personnummer
from helpers import query as query_warehouse
from indicators import cli, nightly

# one worker builds the module's fixture (--dist loadgroup), not both
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("coverage")]

PROGRAMMES = """Programkod;Benämning;Name;Nivå;Första läsår;Sista läsår
PA;Program A;Programme A;grundnivå;2009/10;
"""

MOBILITY_HEADER = (
    "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status;ECTS\n"
)


def student(k: int) -> str:
    """Student k (0..223): a fictitious personnummer, born 1990, serials 980-999."""
    return personnummer(f"1990{k // 28 + 1:02d}{k % 28 + 1:02d}", 980 + k % 20)


def teacher(k: int) -> str:
    return personnummer(f"1970{k + 1:02d}15", 990 + k)


def stays(first: int, count: int, start: str, end: str, prefix: str) -> list[str]:
    return [
        f"{prefix}{n:03d};{student(first + n)};utresande;PA;studier;DE;{start};{end};avslutad;30"
        for n in range(count)
    ]


def history_export() -> str:
    # 2010/11: 35 stays · 2011/12: none · 2012/13: 40 · 2013/14: 2, the last on 15 September 2013
    # (the export ends there: the year is partial). 2013/14's 2 after 40 would be a "collapse" (< 10 %)
    # if the partial year were judged.
    rows = (
        stays(0, 35, "2010-09-01", "2011-01-15", "H10-")
        + stays(35, 40, "2012-09-01", "2013-01-15", "H12-")
        + stays(75, 1, "2013-08-20", "2013-12-20", "H13-")
        + stays(76, 1, "2013-09-15", "2013-12-20", "H13b-")
    )
    return MOBILITY_HEADER + "\n".join(rows) + "\n"


def run_nightly(root, files: dict[str, tuple[str, str]]):
    inbox = root / "inbox"
    inbox.mkdir()
    for name, (text, encoding) in files.items():
        (inbox / name).write_text(text, encoding=encoding)
    from indicators.config import load_settings

    settings = load_settings().with_paths(inbox=inbox, warehouse=root / "state" / "warehouse.duckdb")
    outcome = nightly.run(settings, quiet=True)
    return settings, outcome


@pytest.fixture(scope="module")
def history(tmp_path_factory, module_key):
    """One undated student-mobility file whose years all lie before 2016/17, its last year partial."""
    root = tmp_path_factory.mktemp("history")
    return run_nightly(
        root,
        {
            "programmes.csv": (PROGRAMMES, "cp1252"),
            "student_mobility.csv": (history_export(), "utf-8"),
        },
    )


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    return query_warehouse(settings.warehouse, sql, params)


def faculty(settings, indicator: str) -> dict[str, tuple]:
    rows = query(
        settings,
        """
        select academic_year, value, obs_status from marts.indicator_values
        where indicator_id = ? and programme_code is null and dimension is null order by academic_year
    """,
        [indicator],
    )
    return {year: (value, status) for year, value, status in rows}


def test_history_before_the_fixed_window_is_published_with_a_partial_last_year(history):
    settings, outcome = history
    # published (warnings: a drop to 0 in 2011/12, indicators whose sources sent nothing), not blocked
    assert outcome.published and outcome.exit_code == nightly.EXIT_WARNINGS, (outcome.message, outcome.errors)
    # no events in 2011/12 inside the coverage: 0, final; 2013/14 ends 30 June 2014 after the data's
    # end (2013-09-15): provisional
    assert faculty(settings, "I01") == {
        "2010/11": (35.0, "final"),
        "2011/12": (0.0, "final"),
        "2012/13": (40.0, "final"),
        "2013/14": (2.0, "provisional"),
    }
    assert faculty(settings, "I11") == {  # no incoming stays at all: 0 every covered year
        "2010/11": (0.0, "final"),
        "2011/12": (0.0, "final"),
        "2012/13": (0.0, "final"),
        "2013/14": (0.0, "provisional"),
    }
    periods = query(
        settings,
        """
        select distinct period from marts.indicator_progress where indicator_id = 'I01' and plan_id = 'MED-2019'
    """,
    )
    assert periods == [("before_baseline",)]
    assert query(
        settings,
        """
        select source_name, first_year, newest_extraction_date, coverage_end_rule, coverage_end_date
        from marts.source_coverage where source_name = 'student_mobility'
    """,
    ) == [("student_mobility", "2010/11", None, "data_end", dt.date(2013, 9, 15))]


def test_the_partial_year_is_not_judged_a_collapse(history):
    settings, _ = history
    failed = query(
        settings,
        """
        select check_name, severity, details from audit.dq_results
        where not success and engine = 'great_expectations' and table_name like '%student_mobility%'
        order by check_name
    """,
    )
    # the drop to 0 in 2011/12 (after 35) is the warn-level check; 2013/14 is not final, so not profiled
    assert failed == [
        (
            "expect_column_values_to_be_between(rows_vs_previous_year) drop",
            "warn",
            "academic years 2011/12: 0 rows, 0 of 35",
        )
    ]


def test_midterm_report_without_a_year_uses_the_latest_year_before_the_midterm(history, tmp_path, capsys):
    settings, _ = history
    out = tmp_path / "midterm.html"
    code = cli.main(
        # the year it picks is in its text: the charts (seconds to draw) are left out
        [
            "report",
            "--kind",
            "midterm",
            "--no-charts",
            "--warehouse",
            str(settings.warehouse),
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    # 2013/14 is provisional (coverage to 2013-09-15): no verdict on it; 2012/13 is the latest final year
    assert "mid-term follow-up of 2012/13, the latest year with final values before 2021/22" in printed
    html = out.read_text(encoding="utf-8")
    assert "Halvtidsuppföljning av 2012/13, det senaste året med slutliga värden före 2021/22." in html
    code = cli.main(
        [
            "export",
            "--kind",
            "midterm",
            "--warehouse",
            str(settings.warehouse),
            "--no-charts",
            "--out",
            str(tmp_path / "export"),
        ]
    )
    assert code == 0
    assert (tmp_path / "export" / "indicators_2012-13_midterm_sv_midterm.csv").exists()


# --- deliveries: a dated current export, a stale one, a source that starts later -----------------


def current_mobility() -> str:
    # 2022/23: one stay · 2023/24: none · 2024/25: one · 2025/26: one on 15 August 2025 (before the export)
    rows = [
        f"D1;{student(200)};utresande;PA;studier;DE;2022-09-01;2023-01-15;avslutad;30",
        f"D2;{student(201)};utresande;PA;studier;FR;2024-09-01;2025-01-15;avslutad;30",
        f"D3;{student(202)};utresande;PA;studier;ES;2025-08-15;2025-12-20;antagen;30",
    ]
    return MOBILITY_HEADER + "\n".join(rows) + "\n"


def current_activities() -> str:
    # virtual exchange with 12 students in 2023/24 (a year with no student mobility), teacher T1 named;
    # an at-home activity in 2024/25 with teacher T2
    return (
        "Activity ID,Date,Category,Program,Title,Students,Teachers,Teacher IDs\n"
        f"V1,2023-10-01,virtual_exchange,PA,COIL week,12,1,{teacher(1)}\n"
        f"H1,2024-09-15,iah_activity,PA,Global health day,30,1,{teacher(2)}\n"
    )


def stale_staff_mobility() -> str:
    # exported 2022-03-01 and never again: T1 teaching in 2020/21, T2 in 2021/22
    return (
        "UtbytesID;Personnummer;Riktning;Personalkategori;Typ av utbyte;Programkod;Land;Startdatum;Slutdatum;Status\n"
        f"S1;{teacher(1)};utresande;lärare;undervisning;PA;FI;2020-10-01;2020-10-07;genomförd\n"
        f"S2;{teacher(2)};utresande;lärare;undervisning;PA;NO;2021-11-01;2021-11-05;genomförd\n"
    )


def stale_undated_awards() -> str:
    # one CIM award in 2022/23, in an export whose name carries no date: the data's end (2025-08-15,
    # the latest stay) would stretch it over 2023/24-2025/26 as years of no awards
    return "Intygsnummer,Personnummer,Programkod,Utfärdat\n" + f"CIM-1,{student(204)},PA,2023-05-10\n"


def future_mobility() -> str:
    # one stay in 2024/25, which no faculty value below counts: its file is rejected
    return MOBILITY_HEADER + f"F1;{student(203)};utresande;PA;studier;IT;2024-10-01;2025-01-15;avslutad;30\n"


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory, module_key):
    root = tmp_path_factory.mktemp("deliveries")
    return run_nightly(
        root,
        {
            "programmes.csv": (PROGRAMMES, "cp1252"),
            "student_mobility_2025-09-01.csv": (current_mobility(), "utf-8"),
            "activities_2025-09-01.csv": (current_activities(), "utf-8"),
            "staff_mobility_2022-03-01.csv": (stale_staff_mobility(), "utf-8"),
            "cim_awards.csv": (stale_undated_awards(), "utf-8"),
            # named with a day after the run's: rejected, never the newest delivery (see below)
            "student_mobility_2099-01-01.csv": (future_mobility(), "utf-8"),
        },
    )


def test_a_dated_export_cuts_its_tail_year(deliveries):
    settings, outcome = deliveries
    assert outcome.published, (outcome.message, outcome.errors)
    # student mobility covers 2022/23 (first stay) to 2025-09-01: 2025/26 is provisional; 2020/21 and
    # 2021/22 lie before its first stay: no value
    assert faculty(settings, "I01") == {
        "2022/23": (1.0, "final"),
        "2023/24": (0.0, "final"),
        "2024/25": (1.0, "final"),
        "2025/26": (1.0, "provisional"),
    }


def test_a_combined_indicator_keeps_a_year_with_events_from_one_source_only(deliveries):
    settings, _ = deliveries
    # I09 = virtual-exchange participations (activities) + virtual stays (student mobility).
    # 2022/23: activities (first 2023-10-01) covers none of it: incomplete, 0 · 2023/24: no student
    # mobility at all, 12 from the activity log, final · 2024/25: 0, final · 2025/26: both partial
    assert faculty(settings, "I09") == {
        "2022/23": (0.0, "incomplete"),
        "2023/24": (12.0, "final"),
        "2024/25": (0.0, "final"),
        "2025/26": (0.0, "provisional"),
    }


def test_a_stale_source_gives_no_final_value_after_its_coverage_end(deliveries):
    settings, _ = deliveries
    # I19 reads staff mobility only: 2020/21 final, 2021/22 cut by the 2022-03-01 export, then nothing
    assert faculty(settings, "I19") == {"2020/21": (1.0, "final"), "2021/22": (1.0, "provisional")}
    # I14 = teachers with a staff mobility or named in an activity: staff mobility covers 2020/21-2021/22,
    # activities 2023/24-2025/26; 2022/23 neither (no row); every other year one of them covers none
    assert faculty(settings, "I14") == {
        "2020/21": (1.0, "incomplete"),
        "2021/22": (1.0, "incomplete"),
        "2023/24": (1.0, "incomplete"),
        "2024/25": (1.0, "incomplete"),
        "2025/26": (0.0, "incomplete"),
    }
    assert query(
        settings,
        """
        select source_name, first_year, newest_file_name, newest_extraction_date, coverage_end_year
        from marts.source_coverage order by source_name
    """,
    ) == [
        ("activities", "2023/24", "activities_2025-09-01.csv", dt.date(2025, 9, 1), "2025/26"),
        # undated: the data's end (2025-08-15), but no later than the end of 2022/23, the year of
        # its own last award (30 June 2023)
        ("cim_awards", "2022/23", "cim_awards.csv", None, "2022/23"),
        ("programmes", "2009/10", "programmes.csv", None, "2025/26"),
        ("staff_mobility", "2020/21", "staff_mobility_2022-03-01.csv", dt.date(2022, 3, 1), "2021/22"),
        ("student_mobility", "2022/23", "student_mobility_2025-09-01.csv", dt.date(2025, 9, 1), "2025/26"),
    ]
    # the reporting years: from the earliest first year (2020/21, staff mobility) to the year holding
    # the latest coverage end (2025/26)
    years = query(settings, "select distinct academic_year from marts.indicator_values order by 1")
    assert [year for (year,) in years] == ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]


def test_a_name_dated_after_the_run_is_rejected_and_the_coverage_stays(deliveries):
    settings, outcome = deliveries
    # student_mobility_2099-01-01.csv would have been the source's newest delivery, its coverage
    # stretched to the run's date; it is rejected, kept, and a warning, and the rest is published
    assert outcome.published and outcome.exit_code == nightly.EXIT_WARNINGS, (outcome.message, outcome.errors)
    [(status, reason)] = query(
        settings,
        "select status, reason from audit.loaded_files where file_name = 'student_mobility_2099-01-01.csv'",
    )
    assert status == "rejected"
    assert reason.startswith(
        f"its name says it was extracted on 2099-01-01, after today ({dt.date.today()}): "
        "rename it with the date it was exported (kept as "
    )
    assert [line for line in outcome.warnings if "2099-01-01" in line] == [
        f"student_mobility_2099-01-01.csv: rejected: {reason}"
    ]
    assert query(
        settings,
        "select newest_file_name, coverage_end_date from marts.source_coverage "
        "where source_name = 'student_mobility'",
    ) == [("student_mobility_2025-09-01.csv", dt.date(2025, 9, 1))]


def test_a_stale_undated_export_gives_no_year_of_zeros(deliveries):
    settings, _ = deliveries
    # I07 counts CIM awards; only its measure per 100 graduates reads the graduates (none delivered:
    # no measure row). The undated awards export covers 2022/23 only (to 30 June 2023), its one
    # award: final; the years after are no years of 0 awards, they have no value (by the data's end
    # they read 0 each)
    assert faculty(settings, "I07") == {"2022/23": (1.0, "final")}
