"""Shapes real exports write that the sample generator does not: read through the configured contracts."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from helpers import personnummer
from indicators import normalise as module
from indicators.config import project_root
from indicators.identity import Pseudonymiser
from indicators.intake import misspelt_headers
from indicators.sources import load_sources, match_source

SPECS = {(s.name, s.profile): s for s in load_sources(project_root() / "pipelines")}
for _spec in list(SPECS.values()):
    SPECS |= {(p.name, p.profile): p for p in _spec.profiles}


def _normalise(columns: dict[str, list[str]], source: str = "student_mobility", profile: str | None = None):
    """The loaded rows, the quarantine's reasons by row number and the warnings of one read export."""
    frame = pl.DataFrame(columns, schema={name: pl.String for name in columns}).with_row_index(
        "_row_number", offset=2
    )
    result = module.normalise(
        frame, SPECS[source, profile], Pseudonymiser(b"test-key-not-for-production-0123")
    )
    return result.good_rows(), dict(result.quarantine.select("_row_number", "reason").rows()), result.warnings


def _moveon(**columns: list[str]):
    """A MoveON-style English export of one outgoing stay a row, ``columns`` given (their length the
    rows'): the loaded rows, the reasons and the warnings."""
    n = len(next(iter(columns.values())))
    export = {
        "Mobility ID": [f"M{i}" for i in range(n)],
        "Student ID": [personnummer(f"190001{i + 1:02d}", 981 + i % 19) for i in range(n)],
        "Direction": ["Outgoing"] * n,
        "Mobility type": ["Studies"] * n,
        "Host country": ["DE"] * n,
        "Start date": ["2020-09-01"] * n,
        "Status": ["Completed"] * n,
    }
    return _normalise(export | {name.replace("_", " "): values for name, values in columns.items()})


def test_moveon_dates_with_the_months_name_read():
    # MoveON's and SoleMove's English exports write a date with its month's name: 'Sep 1, 2020',
    # '1 September 2020', an Oracle-style '01-Sep-2020', a Swedish '1 okt. 2020': each row was
    # quarantined as an invalid date though anyone reads it. A day that is none (Sep 31) or a year
    # of two digits (01-SEP-20) is still invalid
    starts = ["Sep 1, 2020", "1 September 2020", "01-Sep-2020", "1 okt. 2020", "Jan 18, 2021 12:00:00 AM"]
    starts += ["Sep 31, 2020", "01-SEP-20"]
    rows, reasons, _ = _moveon(
        Start_date=starts, End_date=["Jan 31, 2021"] * len(starts), Host_country=["Czechia"] * len(starts)
    )
    assert rows.select("mobility_id", "start_date", "end_date").rows() == [
        ("M0", dt.date(2020, 9, 1), dt.date(2021, 1, 31)),
        ("M1", dt.date(2020, 9, 1), dt.date(2021, 1, 31)),
        ("M2", dt.date(2020, 9, 1), dt.date(2021, 1, 31)),
        ("M3", dt.date(2020, 10, 1), dt.date(2021, 1, 31)),
        ("M4", dt.date(2021, 1, 18), dt.date(2021, 1, 31)),
    ]
    assert rows["start_date_precision"].to_list() == ["day"] * 5
    assert reasons == {
        7: "invalid date in start_date: 'Sep 31, 2020'",
        8: "invalid date in start_date: '01-SEP-20'",
    }


def test_moveon_countries_by_their_iso_names_read():
    # MoveON and Mobility-Online list countries by ISO 3166's names: the qualifier in brackets or after a
    # comma, an article '(the)', the World Bank's 'Slovak Republic': each such row was quarantined as an
    # invalid country though its name is the country's own. 'Congo (the)' is Brazzaville, the
    # Democratic Republic's name says so; a name of no country stays invalid
    written = {
        "Iran (Islamic Republic of)": "IR",
        "Netherlands (the)": "NL",
        "Korea (the Republic of)": "KR",
        "United Kingdom of Great Britain and Northern Ireland (the)": "GB",
        "Bolivia (Plurinational State of)": "BO",
        "Congo, The Democratic Republic of the": "CD",
        "Congo (the)": "CG",
        "Taiwan, Province of China": "TW",
        "Palestine, State of": "PS",
        "Brunei Darussalam": "BN",
        "Slovak Republic": "SK",
        "Hong Kong SAR": "HK",
        "Holy See (Vatican City State)": "VA",
        "Atlantis (the)": None,
    }
    rows, reasons, _ = _moveon(Host_country=list(written), Direction=["Incoming"] * len(written))
    assert rows["partner_country"].to_list() == [code for code in written.values() if code]
    assert reasons == {len(written) + 1: "invalid country in partner_country: 'Atlantis (the)'"}


KA1_PROFILE = """\
source: student_mobility
profile: ka1
patterns: ["erasmus_ka1*"]
each_row: one_person
persons_per_row: Participants
keep_rows: >-
  replace("Sending Organisation Erasmus Code", ' ', '') = replace(getvariable('home_institution_code'), ' ', '')
  or replace("Receiving Organisation Erasmus Code", ' ', '') = replace(getvariable('home_institution_code'), ' ', '')
fields:
  mobility_id: {generate: row}
  student_id: {generate: row}
  direction:
    derive: >-
      case when "Sending Organisation Erasmus Code" = getvariable('home_institution_code')
           then 'outgoing' else 'incoming' end
  partner_country:
    derive: >-
      case when "Sending Organisation Erasmus Code" = getvariable('home_institution_code')
           then "Receiving Country Code" else "Sending Country Code" end
  mobility_type: {aliases: [Activity], values: {studies: ["Student mobility for studies"]}}
  start_date: {aliases: [Mobility Start Month], formats: ["%Y-%m"]}
  status: {default: completed}
"""


def _ka1_specs(tmp_path, profile: str = KA1_PROFILE):
    import shutil

    for contract in (project_root() / "pipelines").glob("*.yml"):
        shutil.copy(contract, tmp_path / contract.name)
    (tmp_path / "student_mobility__ka1.yml").write_text(profile, encoding="utf-8")
    return load_sources(tmp_path)


KA1_HEADER = [
    "Sending Organisation Erasmus Code",
    "Sending Country Code",
    "Receiving Organisation Erasmus Code",
    "Receiving Country Code",
    "Activity",
    "Mobility Start Month",
    "Participants",
]


def _ka1_normalised(spec, rows: list[list[str]]):
    """Rows of the EC's KA1 open data (file rows 2, 3, ...) normalised by ``spec``."""
    frame = pl.DataFrame(
        {name: [row[i] for row in rows] for i, name in enumerate(KA1_HEADER)},
        schema={h: pl.String for h in KA1_HEADER},
    ).with_row_index("_row_number", offset=2)
    return module.normalise(frame, spec, Pseudonymiser(b"test-key-not-for-production-0123"))


def test_a_row_of_the_ec_ka1_data_counts_its_participants(tmp_path):
    # the EC's Erasmus+ KA1 open data is aggregated: a row is every participant of the same project,
    # months, activity, level, gender, age and institutions, 'Participants' their number. Read a row
    # as one person (all the contracts could say), a row of 3 counted 1: no way to count exactly.
    # persons_per_row: loads a kept row as many times as it says (keys -1, -2, -3); a row left out
    # by keep_rows counts once; a count that is none is quarantined once, with the reason
    [spec] = [p for s in _ka1_specs(tmp_path) for p in s.profiles if p.profile == "ka1"]
    rows = [
        ["S  LUND01", "SE", "D  BERLIN01", "DE", "Student mobility for studies", "2014-09", "1"],  # row 2
        ["S  LUND01", "SE", "G  ATHINE01", "EL", "Student mobility for studies", "2014-09", "3"],  # row 3
        ["UK LONDON010", "UK", "S  LUND01", "SE", "Student mobility for studies", "2015-01", "2"],  # row 4
        ["E  MADRID03", "ES", "F  PARIS005", "FR", "Student mobility for studies", "2014-09", "7"],  # row 5
        ["S  LUND01", "SE", "D  BERLIN01", "DE", "Student mobility for studies", "2014-09", ""],  # row 6
        ["S  LUND01", "SE", "I  ROMA01", "IT", "Student mobility for studies", "2014-13", "2"],  # row 7
    ]
    result = _ka1_normalised(spec, rows)
    loaded = result.good_rows()
    assert loaded.select("_row_number", "direction", "partner_country").rows() == [
        (2, "outgoing", "DE"),
        (3, "outgoing", "GR"),
        (3, "outgoing", "GR"),
        (3, "outgoing", "GR"),
        (4, "incoming", "GB"),
        (4, "incoming", "GB"),
    ]
    assert loaded["student_id"].n_unique() == 6 and loaded["mobility_id"].n_unique() == 6
    assert sorted(key[-2:] for key in loaded.filter(pl.col("_row_number") == 3)["mobility_id"]) == [
        "-1",
        "-2",
        "-3",
    ]
    assert (result.rows_read, result.rows_left_out, result.rows_loaded) == (6, 1, 6)
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (
            6,
            "persons_per_row: (Participants) is no whole number of persons from 1 to 10,000 "
            "(pipelines/student_mobility__ka1.yml)",
        ),
        (7, "invalid date in start_date: '2014-13'"),
        (7, "invalid date in start_date: '2014-13'"),
    ]
    assert "each row counted as the persons persons_per_row: Participants says" in " ".join(result.notes)


def test_a_ka1_row_of_more_participants_than_a_group_has_is_quarantined_not_multiplied(tmp_path):
    # a KA1 row whose 'Participants' is no count of a group (a cell shifted from another column, a
    # number typed twice: 2000000000) was loaded that many times: 2 billion rows, the night out of
    # memory for one bad row. A count above 10,000 quarantines its row once, as a count
    # of none does; 3 still loads three times
    [spec] = [p for s in _ka1_specs(tmp_path) for p in s.profiles if p.profile == "ka1"]
    too_many = "10001"  # one more than the most a row may count (derive.MAX_PERSONS_PER_ROW)
    rows = [
        ["S  LUND01", "SE", "G  ATHINE01", "EL", "Student mobility for studies", "2014-09", "3"],  # row 2
        [
            "S  LUND01",
            "SE",
            "D  BERLIN01",
            "DE",
            "Student mobility for studies",
            "2014-09",
            too_many,
        ],  # row 3
    ]
    result = _ka1_normalised(spec, rows)
    assert result.good_rows()["_row_number"].to_list() == [2, 2, 2]
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (
            3,
            "persons_per_row: (Participants) is no whole number of persons from 1 to 10,000 "
            "(pipelines/student_mobility__ka1.yml)",
        )
    ]


def test_persons_per_row_with_quotes_in_its_expression_says_its_reason(tmp_path):
    # an expression with a string in it (nullif(Participants, '?')) broke the SQL that writes the reason
    quoted = KA1_PROFILE.replace(
        "persons_per_row: Participants", "persons_per_row: \"nullif(Participants, '?')\""
    )
    [spec] = [p for s in _ka1_specs(tmp_path, quoted) for p in s.profiles if p.profile == "ka1"]
    kind = "Student mobility for studies"
    rows = [["S  LUND01", "SE", "D  BERLIN01", "DE", kind, "2014-09", count] for count in ("2", "?")]
    result = _ka1_normalised(spec, rows)
    assert result.good_rows()["_row_number"].to_list() == [2, 2]
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (
            3,
            "persons_per_row: (nullif(Participants, '?')) is no whole number of persons from 1 to 10,000 "
            "(pipelines/student_mobility__ka1.yml)",
        )
    ]


def test_persons_per_row_is_for_anonymous_microdata_only(tmp_path):
    # rows that are records (a stay, its person) are never multiplied: one line, the file and its fix
    from indicators.source_schema import ContractFileError

    records = KA1_PROFILE.replace("each_row: one_person\n", "").replace("  student_id: {generate: row}\n", "")
    with pytest.raises(
        ContractFileError, match=r"ka1\.yml:4: persons_per_row: needs each_row: one_person \(anonymous"
    ):
        _ka1_specs(tmp_path, records)


def test_a_country_the_export_does_not_know_counts_in_the_region_unknown():
    # the EC's open data writes '-' or '?' for a country it does not know, an export 'Unknown': each
    # such stay was quarantined as an invalid country, and the student abroad not counted at all. As a
    # code of no country (SW, XX) is, it now loads in the region Unknown (ISO's user-assigned ZZ) and
    # the run warns; XK (Kosovo) is a country of the seed
    from indicators.countries import unknown_codes

    written = ["-", "?", "Unknown", "XK", "--"]
    rows, reasons, _ = _moveon(Host_country=written)
    assert rows["partner_country"].to_list() == ["ZZ", "ZZ", "ZZ", "XK", "ZZ"] and reasons == {}
    assert unknown_codes(SPECS["student_mobility", None], rows) == [
        "4 rows whose partner_country is a code no country has, counted in the region Unknown (ZZ (no "
        "country known: '-', '?', 'unknown' in the export) in 4: rows 2, 3, 4, 6): correct the code in the "
        "export, or, if it is a country's, add it to seeds/country_regions.csv"
    ]


def test_the_ec_statistics_placements_and_partners_read_as_a_person_reads_them():
    # the EC's Erasmus statistics (2008/09-2013/14) name no host institution for a placement in an
    # enterprise (HOSTINSTITUTION empty or '?'), only COUNTRYOFHOSTINSTITUTION: the profile took the
    # country from the code's prefix alone, so every such placement was quarantined as missing its
    # partner_country. And HOSTINSTITUTION read as partner_name (the alias Host institution): an
    # incoming student's partner was named 'S  LUND01', the faculty itself, without a word
    header = "HOMEINSTITUTION;COUNTRYOFHOMEINSTITUTION;GENDER;LEVELSTUDY;MOBILITYTYPE;HOSTINSTITUTION;"
    header += "COUNTRYOFHOSTINSTITUTION;STUDYSTARTDATE;PLACEMENTSTARTDATE;ECTSCREDITSSTUDY"
    lines = [
        "S  LUND01;SE;M;2;P;;DE;;10-2011;",  # row 2: a placement, no host code
        "S  LUND01;SE;F;2;P;?;EL;;11-2011;",  # row 3: a placement, host code '?', Greece as EL
        "G  ATHINE01;EL;F;1;S;S  LUND01;SE;02-2012;;30",  # row 4: incoming from Athens
        "S  LUND01;SE;F;2;S;D  HEIDELB01;DE;09-2011;;30",  # row 5: outgoing to Heidelberg
    ]
    columns = header.split(";")
    rows, reasons, _ = _normalise(
        {c: [line.split(";")[i] or None for line in lines] for i, c in enumerate(columns)},
        profile="ec",
    )
    assert reasons == {}
    assert rows.select(
        "_row_number", "direction", "mobility_type", "partner_country", "partner_name"
    ).rows() == [
        (2, "outgoing", "traineeship", "DE", None),
        (3, "outgoing", "traineeship", "GR", None),
        (4, "incoming", "studies", "GR", None),
        (5, "outgoing", "studies", "DE", None),
    ]
    # row 3's host '?' is no partner code (it loaded as the code '?', a partner of that name)
    assert rows["partner_code"].to_list() == [None, None, "G ATHINE01", "D HEIDELB01"]


EC_NO_COUNTRIES = "HOMEINSTITUTION;HOSTINSTITUTION;LEVELSTUDY;MOBILITYTYPE;STUDYSTARTDATE;PLACEMENTSTARTDATE;ECTSCREDITSSTUDY"


def _ec_statistics(lines: list[str], header: str = EC_NO_COUNTRIES):
    """The EC statistics' ``lines`` (file rows 2, 3, ...) under ``header`` read by the ec profile."""
    columns = header.split(";")
    return _normalise(
        {c: [line.split(";")[i] or None for line in lines] for i, c in enumerate(columns)}, profile="ec"
    )


def test_the_ec_statistics_without_country_columns_read_an_irish_or_luxembourg_code_as_the_list_writes_it():
    # without COUNTRYOFHOSTINSTITUTION the profile reads the partner's country from the code's prefix,
    # the letters before the spaces: the list writes no space after IRL and LUX ('IRLDUBLIN01',
    # 'LUXLUX-VIL01'), so the prefix read 'IRLDUBLIN' and 'LUXLUX', no country: every student to or
    # from Dublin or Luxembourg was quarantined. By hand: IE, LU, and DE for the spaced code
    lines = [
        "S  LUND01;IRLDUBLIN01;2;S;09-2008;;30",  # row 2
        "LUXLUX-VIL01;S  LUND01;2;S;09-2008;;30",  # row 3: incoming
        "S  LUND01;D  HEIDELB01;2;S;09-2008;;30",  # row 4
    ]
    rows, reasons, _ = _ec_statistics(lines)
    assert reasons == {}
    assert rows.select("_row_number", "direction", "partner_code", "partner_country").rows() == [
        (2, "outgoing", "IRLDUBLIN01", "IE"),
        (3, "incoming", "LUXLUX-VIL01", "LU"),
        (4, "outgoing", "D HEIDELB01", "DE"),
    ]


def test_a_time_zone_written_as_postgresql_or_utc_writes_it_keeps_the_swedish_date():
    # PostgreSQL writes a timestamp with its zone as '2020-08-31 22:00:00+00' (the hours alone), other
    # systems '2020-09-01 00:00:00 UTC': each row was quarantined as an invalid date, though '+00:00' and
    # 'Z' were read. 22:00 UTC on 31 August is midnight on 1 September in Sweden (summer time, +2); 23:00
    # UTC on 31 January midnight on 1 February (+1)
    starts = [
        "2020-08-31 22:00:00+00",
        "2020-09-01 00:00:00 UTC",
        "2021-01-31 23:00:00+00",
        "2020-09-01 8:00 CET",
    ]
    rows, reasons, _ = _moveon(Start_date=starts)
    assert rows.select("mobility_id", "start_date").rows() == [
        ("M0", dt.date(2020, 9, 1)),
        ("M1", dt.date(2020, 9, 1)),
        ("M2", dt.date(2021, 2, 1)),
    ]
    assert reasons == {5: "invalid date in start_date: '2020-09-01 8:00 CET'"}  # a zone's name: not guessed


def test_a_long_date_with_its_weekday_reads_when_the_weekday_is_the_dates():
    # a sheet whose date cells are formatted as Excel's long date, saved to CSV, writes the weekday
    # first: 'Tuesday, September 1, 2020', Swedish 'tisdag 1 september 2020': each row was quarantined
    # as an invalid date. A weekday that is not the date's (1 September 2020 was a Tuesday) is no date
    starts = ["Tuesday, September 1, 2020", "tisdag den 1 september 2020", "Monday, September 1, 2020"]
    rows, reasons, _ = _moveon(Start_date=starts)
    assert rows.select("mobility_id", "start_date").rows() == [
        ("M0", dt.date(2020, 9, 1)),
        ("M1", dt.date(2020, 9, 1)),
    ]
    assert reasons == {4: "invalid date in start_date: 'Monday, September 1, 2020'"}


def test_a_partner_country_that_is_not_the_country_of_its_erasmus_code_is_named():
    # MoveON and SoleMove write the Erasmus code with the country in it, spaced as the programme does
    # ('E  MADRID03', 'DK KOBENHA01', 'SF HELSINK01'). A row whose country is another ('E  MADRID03' in
    # FR: a cell copied from the row above) loaded and counted in France without a word. By hand: rows 2
    # (E -> ES, FR) and 7 (D -> DE, AT) disagree; 'E MADRID03' and 'E  MADRID03' are one code; 'G' and
    # 'UK' are Greece and the United Kingdom (EL, UK read as GR, GB); an EWP hei-id says nothing
    from indicators.erasmus_codes import code_country_mismatches

    pairs = [
        ("E  MADRID03", "FR"),  # row 2
        ("E MADRID03", "ES"),
        ("DK KOBENHA01", "Denmark"),
        ("G  ATHINE01", "EL"),
        ("UK LONDON010", "UK"),
        ("D  BERLIN01", "AT"),  # row 7
        ("SF HELSINK01", "FI"),
        ("ucm.es", "FR"),
    ]
    rows, reasons, _ = _moveon(
        Erasmus_code=[code for code, _ in pairs], Host_country=[country for _, country in pairs]
    )
    assert reasons == {}
    assert rows["partner_code"].to_list()[:2] == ["E MADRID03", "E MADRID03"]
    assert code_country_mismatches(SPECS["student_mobility", None], rows) == [
        "2 rows whose partner_country is not the country their partner_code names (D BERLIN01 (DE) in "
        "AT: 1, E MADRID03 (ES) in FR: 1: rows 2, 7): loaded with the country as exported; correct the "
        "country or the code in the export"
    ]


def test_each_partner_codes_country_is_read_once_and_every_row_of_it_is_judged():
    # a large export repeats a few hundred partner codes over its rows: each distinct code's country
    # is read once and mapped back to every row. By hand: 'E MADRID03' names ES; rows 2 and 5 say FR
    # (row 4, FR too, is quarantined: not loaded, not named); 'D BERLIN01' names DE, row 6 says AT;
    # row 3 (no code) and row 7 (an EWP hei-id) say nothing
    from indicators.erasmus_codes import code_country_mismatches
    from indicators.normalise import QUARANTINED

    rows = pl.DataFrame(
        {
            "_row_number": [2, 3, 4, 5, 6, 7, 8],
            "partner_code": [
                "E MADRID03",
                None,
                "E MADRID03",
                "E MADRID03",
                "D BERLIN01",
                "ucm.es",
                "E MADRID03",
            ],
            "partner_country": ["FR", "FR", "FR", "FR", "AT", "FR", "ES"],
            QUARANTINED: [False, False, True, False, False, False, False],
        }
    )
    assert code_country_mismatches(SPECS["student_mobility", None], rows) == [
        "3 rows whose partner_country is not the country their partner_code names (E MADRID03 (ES) in "
        "FR: 2, D BERLIN01 (DE) in AT: 1: rows 2, 5, 6): loaded with the country as exported; correct the "
        "country or the code in the export"
    ]
    # no code at all: nothing to say
    assert (
        code_country_mismatches(
            SPECS["student_mobility", None], rows.with_columns(partner_code=pl.lit(None, dtype=pl.String))
        )
        == []
    )


def test_the_ec_statistics_without_country_columns_read_a_code_without_its_space_by_its_prefix():
    # without COUNTRYOFHOSTINSTITUTION the profile took the partner's country from the letters before the
    # code's spaces: a list that drops them ('EMADRID03', 'MTMALTA01', 'SFHELSINK01') gave the country
    # 'EMADRID', 'MTMALTA', 'SFHELSINK', and a Maltese code with the one-letter prefix ('M  MALTA01') 'M':
    # every such student was quarantined as 'invalid country', though the partner code itself was read
    # as the list writes it. By hand: ES, MT, MT, FI; SKARLSTA01 (Sweden or Slovakia) has no country, its
    # row quarantined as missing one and named in the warning
    lines = [
        "S  LUND01;EMADRID03;2;S;09-2008;;30",  # row 2
        "MTMALTA01;S  LUND01;2;S;09-2008;;30",  # row 3: incoming
        "S  LUND01;M  MALTA01;2;S;09-2008;;30",  # row 4
        "S  LUND01;SFHELSINK01;2;S;09-2008;;30",  # row 5
        "S  LUND01;SKARLSTA01;2;S;09-2008;;30",  # row 6
    ]
    rows, reasons, _ = _ec_statistics(lines)
    assert rows.select("_row_number", "direction", "partner_code", "partner_country").rows() == [
        (2, "outgoing", "E MADRID03", "ES"),
        (3, "incoming", "MT MALTA01", "MT"),
        (4, "outgoing", "M MALTA01", "MT"),
        (5, "outgoing", "SF HELSINK01", "FI"),
    ]
    assert reasons == {6: "missing required value: partner_country"}


KA1_2019 = [
    "Project Reference",
    "Academic Year",
    "Mobility Start Month",
    "Mobility End Month",
    "Mobility Duration",
    "Activity (mob)",
    "Field of Education",
    "Participant Nationality",
    "Education Level",
    "Participant Gender",
    "Participant Profile",
    "Special Needs",
    "Fewer Opportunities",
    "GroupLeader",
    "Participant Age",
    "Sending Country Code",
    "Sending City",
    "Sending Organization",
    "Sending Organisation Erasmus Code",
    "Receiving Country Code",
    "Receiving City",
    "Receiving Organization",
    "Receiving Organisation Erasmus Code",
    "Participants",
]


def test_the_ec_ka1_open_data_as_published_reads_the_facultys_students():
    # the EC's Erasmus+ KA1 open data as data.europa.eu publishes it ('Erasmus-KA1-Mobility-Data-2019',
    # the real header, fictitious rows) matched no source: the night said 'file name matches no source'
    # and left it in the inbox. The ka1 profile reads it: a row counts its Participants, staff rows
    # ('Staff') and other institutions' rows are left out, EL and UK are GR and GB, a traineeship's
    # host without an Erasmus code ('-') has none; 'Academic Year' and 'Mobility Duration' are not
    # warned as misspelt term and status. By hand: row 2 twice (2 participants), 3 once, 4 three times
    # (incoming), 5 (staff) and 6 (Berlin to Paris) left out, 7 once (incoming from Kosovo, XK)
    [spec] = [p for p in SPECS.values() if p.profile == "ka1"]
    assert match_source("Erasmus-KA1-Mobility-Data-2019.csv", list(SPECS.values())) is spec
    studies, traineeship = (
        f"Student mobility for {a} between Programme Countries" for a in ("studies", "traineeships")
    )
    master, bachelor = (
        "Second cycle / Master’s or equivalent level (EQF-7)",
        "First cycle / Bachelor’s or equivalent level (EQF-6)",
    )
    rows = [  # the 2019 file's columns, in its order
        ["P1", "2019-20", "2019-09", "2020-01", "140", studies, "Medicine", "SE", master, "Female", "Learner", "No",
         "No", "No", "23", "SE", "Lund", "Lunds universitet", "S  LUND01", "EL", "Athina", "Panepistimio A", "G  ATHINE01", "2"],
        ["P1", "2019-20", "2020-01", "2020-06", "150", traineeship, "Medicine", "SE", master, "Male", "Learner", "No",
         "No", "No", "25", "SE", "Lund", "Lunds universitet", "S  LUND01", "UK", "London", "Hospital Trust B", "-", "1"],
        ["P2", "2019-20", "2019-10", "2020-02", "120", studies, "Medicine", "EL", bachelor, "Undefined", "Learner", "No",
         "No", "No", "22", "EL", "Athina", "Panepistimio A", "G  ATHINE01", "SE", "Lund", "Lunds universitet", "S  LUND01", "3"],
        ["P1", "2019-20", "2019-11", "2019-11", "5", "Staff mobility for teaching between Programme Countries",
         "Medicine", "SE", "", "Female", "Staff", "No", "No", "No", "45", "SE", "Lund", "Lunds universitet",
         "S  LUND01", "DE", "Berlin", "Klinikum C", "D  BERLIN01", "1"],
        ["P3", "2019-20", "2019-09", "2020-01", "130", studies, "Law", "DE", master, "Male", "Learner", "No", "No",
         "No", "24", "DE", "Berlin", "Universität D", "D  BERLIN01", "FR", "Paris", "Université E", "F  PARIS004", "4"],
        ["P4", "2019-20", "2020-02", "2020-06", "120", studies.replace("Programme Countries", "Programme and Partner Countries"),
         "Medicine", "XK", "Third cycle / Doctoral or equivalent level (EQF-8)", "Female", "Learner", "No", "Yes", "No",
         "29", "XK", "Prishtina", "University F", "-", "SE", "Lund", "Lunds universitet", "S  LUND01", "1"],
    ]  # fmt: skip
    frame = pl.DataFrame(
        {name: [row[i] or None for row in rows] for i, name in enumerate(KA1_2019)},
        schema={name: pl.String for name in KA1_2019},
    ).with_row_index("_row_number", offset=2)
    result = module.normalise(frame, spec, Pseudonymiser(b"test-key-not-for-production-0123"))
    assert result.quarantine.height == 0
    assert result.good_rows().select(
        "_row_number",
        "direction",
        "partner_code",
        "partner_country",
        "mobility_type",
        "level",
        "start_date",
        "gender",
    ).rows() == [
        (2, "outgoing", "G ATHINE01", "GR", "studies", "second_cycle", dt.date(2019, 9, 1), "female"),
        (2, "outgoing", "G ATHINE01", "GR", "studies", "second_cycle", dt.date(2019, 9, 1), "female"),
        (3, "outgoing", None, "GB", "traineeship", "second_cycle", dt.date(2020, 1, 1), "male"),
        *[(4, "incoming", "G ATHINE01", "GR", "studies", "first_cycle", dt.date(2019, 10, 1), "unknown")] * 3,
        (7, "incoming", None, "XK", "studies", "third_cycle", dt.date(2020, 2, 1), "female"),
    ]
    assert misspelt_headers(spec, KA1_2019, result.ignored_columns) == []


def test_a_solemove_export_naming_the_type_mobilitetstyp_loads():
    # SoleMove's and MoveON's Swedish exports head the stay's type 'Mobilitetstyp': no alias of
    # mobility_type, so the whole file was rejected ('required column missing: mobility_type', closest
    # 'Utbytes-ID'?) and none of its stays counted. By hand: Studier → studies, Praktik → traineeship
    columns = {
        "Utbytes-ID": ["1001", "1002"],
        "Personnummer": [personnummer("19000101", 981), personnummer("19000102", 982)],
        "Riktning": ["Utresande", "Inresande"],
        "Mobilitetstyp": ["Studier", "Praktik"],
        "Värdland": ["Storbritannien", "Tjeckien"],
        "Startdatum": ["2024-08-26", "2025-01-20"],
        "Status": ["Genomförd", "Antagen"],
    }
    rows, reasons, _ = _normalise(columns, profile="solemove")
    assert reasons == {}
    assert rows.select("_row_number", "mobility_type", "partner_country").rows() == [
        (2, "studies", "GB"),
        (3, "traineeship", "CZ"),
    ]


def test_a_count_headed_antal_as_ladok_and_ukas_tables_head_it_loads():
    # Ladok's statistics reports and UKÄ's tables head a count 'Antal': no alias of registered_students,
    # so the whole registrations file was rejected ('required column missing: registered_students') and
    # no programme had registrations. By hand: '1\u00a0234' (a thousands separator) is 1234, '..' (a
    # suppressed cell) is no count, its row quarantined naming it
    columns = {
        "Programkod": ["MALAK", "MAMED"],
        "Termin": ["HT2024", "HT2024"],
        "Antal": ["1\u00a0234", ".."],
    }
    rows, reasons, _ = _normalise(columns, source="enrolments")
    assert rows.select("programme_code", "term", "registered_students").rows() == [("MALAK", "HT2024", 1234)]
    assert list(reasons) == [3]
    assert reasons[3].startswith("invalid integer in registered_students: '..' (a statistics table's symbol")


def test_a_statistics_tables_symbol_for_a_hidden_cell_says_what_it_is():
    # UKÄ's and SCB's tables write '..' for a cell they hide (too few, too uncertain) and '.' for one
    # with no figure: the row was quarantined as "invalid integer in registered_students: '..'", as if
    # the number were mistyped, and no one reading it learnt it is a hidden cell nor what to do. By
    # hand: rows 2 and 3 say why; row 4's '1.2.3' is a mistyped number, said as before
    columns = {
        "Programkod": ["MALAK", "MAMED", "MASJU"],
        "Termin": ["HT2024"] * 3,
        "Antal": ["..", " . ", "1.2.3"],
    }
    _, reasons, _ = _normalise(columns, source="enrolments")
    why = (
        " (a statistics table's symbol for a cell it hides or has no figure for: no number to load; deliver "
        "the figures, or leave the row out of the export)"
    )
    assert reasons == {
        2: "invalid integer in registered_students: '..'" + why,
        3: "invalid integer in registered_students: '.'" + why,  # as the file shows it, trimmed
        4: "invalid integer in registered_students: '1.2.3'",
    }


def test_a_stay_whose_export_writes_a_dash_for_no_partner_code_has_none():
    # MoveON and the EC's open data write '-' (or '?', '–') where a host has no Erasmus code (an
    # enterprise, a partner outside the programme): it loaded as the partner code '-', one partner of
    # every such stay, and an agreement exported with the code '-' counted as used (I24) by any of
    # them, without a word. By hand: rows 2-4 have no partner code, row 5 keeps its own
    rows, reasons, _ = _moveon(Erasmus_code=["-", "?", "\u2013", "D  BERLIN01"])
    assert reasons == {}
    assert rows["partner_code"].to_list() == [None, None, None, "D BERLIN01"]


def test_kosovo_as_the_eus_data_name_it_is_xk():
    # the EC's Erasmus+ data and the lists taken from it (SALTO, MoveON's) name Kosovo with the asterisk
    # of the EU's footnote, 'Kosovo * UN resolution' (upper case in some files), or 'Kosovo*': every such
    # stay was quarantined as an invalid country. By hand: all four XK
    names = ["Kosovo * UN resolution", "KOSOVO * UN RESOLUTION", "Kosovo*", "Kosovo (under UNSCR 1244/99)"]
    rows, reasons, _ = _moveon(Host_country=names)
    assert reasons == {}
    assert rows["partner_country"].to_list() == ["XK"] * 4


def test_a_stays_type_as_the_erasmus_actions_name_it_reads():
    # exports of Erasmus+ stays (MoveON, Mobility-Online, the EC's data) name the type by the
    # programme's actions: 'Student mobility for studies', 'Student mobility for traineeships',
    # 'Short-term doctoral mobility' (2021-27, 5-30 days): each such stay was quarantined as 'unknown
    # value in mobility_type'. By hand: studies, traineeship, short_term
    names = [
        "Student mobility for studies",
        "student mobility for traineeships",
        "Short-term doctoral mobility",
    ]
    rows, reasons, _ = _moveon(Mobility_type=names)
    assert reasons == {}
    assert rows["mobility_type"].to_list() == ["studies", "traineeship", "short_term"]
