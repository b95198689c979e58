"""Coverage between deliveries that do not meet, through the real nightly (ingest, GX, dbt).

A source covers a year when one of its deliveries reaches into it: each loaded file spans from its
first event to the later of its last event and its extraction date (an undated file: to the end of
its last event's academic year; a dated file with no rows: its date). A year between two deliveries
that no delivery reaches is no year of zeros: nobody delivered it. Inside a delivery's span a year
without events is still 0. The source's first year and its coverage end are as before.

The night runs "on" 2019-03-01 (INDICATORS_RUN_DATE) over hand-built exports; every expected value
and status below is worked out by hand from the rows written here.
"""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import forms, personnummer
from helpers import query as query_warehouse
from indicators import nightly

# one worker builds the module's fixture (--dist loadgroup), not both
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("coverage_gaps")]

RUN_DATE = "2019-03-01"

PROGRAMMES = """Programkod;Benämning;Name;Nivå;Första läsår;Sista läsår
PA;Program A;Programme A;grundnivå;2008/09;
"""

# The EC's Erasmus statistics (profile ec, pipelines/student_mobility__ec.yml), undated: one row per
# outgoing stay of the faculty (S  LUND01), its start a month. 2008/09: 2 (09-2008, 02-2009) · 2009/10:
# 1 · 2010/11: none · 2011/12: 1 · 2012/13: 1, the last in 03-2013. Undated, so the file reaches to the
# end of its last stay's year: 30 June 2013.
EC_HEADER = (
    "HOMEINSTITUTION;COUNTRYOFHOMEINSTITUTION;AGE;GENDER;NATIONALITY;SUBJECTAREA;LEVELSTUDY;MOBILITYTYPE;"
    "HOSTINSTITUTION;COUNTRYOFHOSTINSTITUTION;LENGTHSTUDYPERIOD;STUDYSTARTDATE;PLACEMENTSTARTDATE;ECTSCREDITSSTUDY"
)
EC_ROWS = [
    "S  LUND01;SE;23;F;SE;720;2;S;D  HEIDELB01;DE;5;09-2008;;30",
    "S  LUND01;SE;24;M;SE;720;2;S;F  PARIS005;FR;5;02-2009;;30",
    "S  LUND01;SE;22;F;SE;720;1;S;I  ROMA01;IT;5;09-2009;;30",
    "S  LUND01;SE;25;M;SE;720;2;S;E  MADRID05;ES;5;10-2011;;30",
    "S  LUND01;SE;23;F;SE;720;2;S;D  HEIDELB01;DE;5;03-2013;;30",
]

SOLEMOVE_HEADER = (
    "Utbytes-ID;Personnummer;Riktning;Programkod;Nivå;Utbytestyp;Utbytesprogram;Erasmuskod;Värdlärosäte;"
    "Värdland;Startdatum;Slutdatum;Termin;Status;Högskolepoäng;Kön"
)


def solemove() -> str:
    # SoleMove from 2016/17, exported on the run's date: 2016/17: 1 (5 September 2016, the export's
    # first stay) · 2017/18: 2 · 2018/19: 1 (the year is cut by the export's date: provisional)
    stays = [
        ("SMV-1", "19950101", 981, "2016-09-05", "2017-01-20", "HT2016"),
        ("SMV-2", "19950202", 982, "2017-09-04", "2018-01-19", "HT2017"),
        ("SMV-3", "19950303", 983, "2018-01-22", "2018-06-01", "VT2018"),
        ("SMV-4", "19950404", 984, "2018-09-03", "2019-01-18", "HT2018"),
    ]
    rows = [
        f"{key};{forms(personnummer(birth, serial))['long_dash']};Utresande;PA;Avancerad nivå;Utbytesstudier;"
        f"Erasmus+;D  HEIDELB01;Universität Heidelberg;DE;{start};{end};{term};Avslutad;30;Kvinna"
        for key, birth, serial, start, end, term in stays
    ]
    return "\n".join([SOLEMOVE_HEADER, *rows]) + "\n"


STAFF_HEADER = "UtbytesID;Personnummer;Riktning;Personalkategori;Typ av utbyte;Programkod;Land;Startdatum;Slutdatum;Status"


def staff(rows: list[tuple[str, int, str]]) -> str:
    lines = [
        f"{key};{personnummer(f'1970{serial - 989:02d}15', serial)};utresande;lärare;undervisning;PA;FI;"
        f"{start};{start};genomförd"
        for key, serial, start in rows
    ]
    return "\n".join([STAFF_HEADER, *lines]) + "\n"


ACTIVITIES_HEADER = "Activity ID,Date,Category,Program,Title,Students"


def activities(*rows: str) -> str:
    return "\n".join([ACTIVITIES_HEADER, *rows]) + "\n"


FILES = {
    "programmes.csv": (PROGRAMMES, "cp1252"),
    "erasmus_mobility_statistics_2008-2013.csv": ("\n".join([EC_HEADER, *EC_ROWS]) + "\n", "utf-8"),
    "solemove_utbyten_2019-03-01.csv": (solemove(), "utf-8"),
    # staff mobility: an old system exported on 2014-03-01 (a stay in 2012/13 and one in 2013/14), a
    # new one from 2016/17 exported on the run's date (one stay a year). The old export reaches into
    # 2013/14 only to 1 March 2014, and nothing reaches 2014/15: 2013/14 is covered in part
    "staff_mobility_2014-03-01.csv": (staff([("S1", 990, "2012-10-01"), ("S2", 991, "2013-10-01")]), "utf-8"),
    "staff_mobility_2019-03-01.csv": (
        staff([("S3", 992, "2016-10-03"), ("S4", 993, "2017-10-02"), ("S5", 994, "2018-10-01")]),
        "utf-8",
    ),
    # the activity log as monthly deltas: each file only the activities new since the one before; a
    # month with none is a file with the header alone, its date in the name (both bytes alike)
    "activities_2014-10-01.csv": (activities("V1,2014-09-20,virtual_exchange,PA,COIL week,12"), "utf-8"),
    "activities_2015-09-01.csv": (activities(), "utf-8"),
    "activities_2016-03-01.csv": (activities(), "utf-8"),
    "activities_2016-10-01.csv": (activities("H1,2016-09-15,iah_activity,PA,Global health day,30"), "utf-8"),
    "activities_2019-03-01.csv": (
        activities(
            "H2,2017-11-15,iah_activity,PA,Global health day,25",
            "H3,2018-11-15,iah_activity,PA,Global health day,20",
        ),
        "utf-8",
    ),
}


@pytest.fixture(scope="module")
def night(tmp_path_factory, module_key):
    root = tmp_path_factory.mktemp("gaps")
    inbox = root / "inbox"
    inbox.mkdir()
    for name, (text, encoding) in FILES.items():
        (inbox / name).write_text(text, encoding=encoding)
    from indicators.config import load_settings

    settings = load_settings().with_paths(inbox=inbox, warehouse=root / "state" / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INDICATORS_RUN_DATE", RUN_DATE)
        patch.delenv("INDICATORS_EXAMPLE_PLANS", raising=False)
        outcome = nightly.run(settings, quiet=True)
    return settings, outcome


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


def test_the_night_is_published(night):
    settings, outcome = night
    # warnings: the two header-only activity files are rejected (no data rows), and drops to 0
    assert outcome.published, (outcome.message, outcome.errors)
    assert query(settings, "select count(*) from audit.loaded_files where status = 'loaded'") == [(8,)]


def test_years_between_two_deliveries_that_do_not_meet_are_not_covered(night):
    settings, _ = night
    # EC to 30 June 2013, SoleMove from 5 September 2016: 2013/14-2015/16 lie between, covered by
    # no delivery, so I01 (student mobility alone) has no value for them (not 0). 2010/11 lies inside
    # the EC file's span without a stay: 0, final; so does 2016/17-2017/18 inside SoleMove's
    assert faculty(settings, "I01") == {
        "2008/09": (2.0, "final"),
        "2009/10": (1.0, "final"),
        "2010/11": (0.0, "final"),
        "2011/12": (1.0, "final"),
        "2012/13": (1.0, "final"),
        "2016/17": (1.0, "final"),
        "2017/18": (2.0, "final"),
        "2018/19": (1.0, "provisional"),
    }
    # the source's first year and coverage end are as for one delivery; the years between, named
    assert query(
        settings,
        """
        select first_year, newest_file_name, coverage_end_date, coverage_end_year, years_without_delivery
        from marts.source_coverage where source_name = 'student_mobility'
    """,
    ) == [
        (
            "2008/09",
            "solemove_utbyten_2019-03-01.csv",
            dt.date(2019, 3, 1),
            "2018/19",
            "2013/14, 2014/15, 2015/16",
        )
    ]


def test_a_combined_indicator_in_a_year_no_delivery_covers_is_incomplete_with_the_reason(night):
    settings, _ = night
    # I09 = virtual-exchange participations (activities, from 20 September 2014) + virtual stays (student
    # mobility: none). 2008/09-2012/13: activities covers none: incomplete, 0 · 2013/14: neither covers
    # it: no value · 2014/15: 12 from the log, student mobility delivered by nobody: incomplete (it read
    # final before) · 2015/16: the same, 0 · 2016/17-2017/18: both, final · 2018/19: both partial
    assert faculty(settings, "I09") == {
        "2008/09": (0.0, "incomplete"),
        "2009/10": (0.0, "incomplete"),
        "2010/11": (0.0, "incomplete"),
        "2011/12": (0.0, "incomplete"),
        "2012/13": (0.0, "incomplete"),
        "2014/15": (12.0, "incomplete"),
        "2015/16": (0.0, "incomplete"),
        "2016/17": (0.0, "final"),
        "2017/18": (0.0, "final"),
        "2018/19": (0.0, "provisional"),
    }
    rows = query(
        settings,
        """
        select academic_year, status, progress, no_verdict_reason from marts.indicator_progress
        where plan_id = 'MED-2019' and indicator_id = 'I09' and programme_code is null
            and academic_year in ('2012/13', '2014/15', '2015/16') order by academic_year
    """,
    )
    gap = (
        "incomplete value: no delivery of student_mobility covers the year "
        "(one ends 2013-06-30, the next starts 2016-09-05)"
    )
    assert rows == [
        (
            "2012/13",
            "provisional",
            "provisional",
            # the activity log starts 2014-09-20: the reason names it and its first year
            "incomplete value: activities covers none of the year (it starts 2014/15)",
        ),
        ("2014/15", "provisional", "provisional", gap),
        ("2015/16", "provisional", "provisional", gap),
    ]


def test_a_delivery_that_ends_inside_a_year_before_a_gap_covers_only_part_of_it(night):
    settings, _ = night
    # staff mobility: 2012/13 final (1) · 2013/14: the old export reaches to 1 March 2014 and no
    # delivery after it reaches 2014/15: provisional (1) · 2014/15-2015/16: no delivery, no value ·
    # 2016/17, 2017/18 final (1 each) · 2018/19 cut by the export's date (1)
    assert faculty(settings, "I19") == {
        "2012/13": (1.0, "final"),
        "2013/14": (1.0, "provisional"),
        "2016/17": (1.0, "final"),
        "2017/18": (1.0, "final"),
        "2018/19": (1.0, "provisional"),
    }
    assert query(
        settings,
        """
        select academic_year, covered_through_date, is_complete from intermediate.int_source_years_covered
        where source_name = 'staff_mobility' and academic_year in ('2012/13', '2013/14', '2016/17')
        order by academic_year
    """,
    ) == [
        ("2012/13", dt.date(2013, 6, 30), True),
        ("2013/14", dt.date(2014, 3, 1), False),
        ("2016/17", dt.date(2017, 6, 30), True),
    ]
    assert query(
        settings,
        "select years_without_delivery from marts.source_coverage where source_name = 'staff_mobility'",
    ) == [("2014/15, 2015/16",)]


def test_monthly_deltas_with_empty_months_open_no_gap(night):
    settings, _ = night
    # activities as deltas: 2014/15 has V1 (virtual exchange, not I10's); 2015/16 has no activity at all,
    # delivered as two header-only files dated 2015-09-01 and 2016-03-01: they are no rows, but their
    # dates say the log was delivered then, so 2015/16 is covered: 0, final (not a gap). 2016/17: H1,
    # 2017/18: H2 (both inside the delta of 2019-03-01, whose span runs from 15 November 2017),
    # 2018/19: H3, cut by the run's date
    assert faculty(settings, "I10") == {
        "2014/15": (0.0, "final"),
        "2015/16": (0.0, "final"),
        "2016/17": (1.0, "final"),
        "2017/18": (1.0, "final"),
        "2018/19": (1.0, "provisional"),
    }
    assert query(
        settings,
        "select status, count(*) from audit.loaded_files where source = 'activities' group by status order by 1",
    ) == [("loaded", 3), ("rejected", 2)]
    assert query(
        settings,
        "select first_year, coverage_end_date, years_without_delivery from marts.source_coverage "
        "where source_name = 'activities'",
    ) == [("2014/15", dt.date(2019, 3, 1), None)]
