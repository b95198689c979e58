"""GX at the door: suites as committed data, and validate() on real warehouses built by the real ingest.

Two small inboxes are written here by hand: a clean one, and one with a problem per check (some rows
edited in the raw table afterwards, as an ingest bug would leave them). Expected results are counted
by hand in the comments. GX (about 5 s to import) is paid once for the whole module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from indicators import quality
from indicators.config import load_settings
from indicators.sources import load_sources

TODAY = dt.date(2024, 1, 15)  # the open academic year is 2023/24; 2022/23 and earlier are closed
ROOT = Path(__file__).resolve().parents[2]
MACROS = ROOT / "macros"  # the dbt project's: the frames render its academic-year and latest-version rules
SPECS = {spec.name: spec for spec in load_sources(ROOT / "pipelines")}
MOBILITY_HEADER = (
    "mobility_id,student_id,direction,programme_code,mobility_type,partner_country,start_date,end_date,"
    "status,credits_ects,gender"
)


def suite(source: str) -> dict:
    return json.loads((ROOT / "expectations" / f"raw_{source}.json").read_text(encoding="utf-8"))


# --- the suites as data (no GX) --------------------------------------------------------------------


def test_one_suite_per_source_and_nothing_else_committed():
    files = sorted(p.name for p in (ROOT / "expectations").iterdir())
    assert files == sorted([*(f"raw_{name}.json" for name in SPECS), "thresholds.yml"])  # its hand-kept part


@pytest.mark.parametrize("source", sorted(SPECS))
def test_suite_is_well_formed(source):
    doc = quality.load_suite(ROOT / "expectations" / f"raw_{source}.json")  # ids, severities, frames, names
    assert doc["name"] == f"raw_{source}"
    assert doc["meta"]["table_name"] == f"raw.{source}"
    ids = [e["id"] for e in doc["expectations"]] + [doc["id"]]
    assert len(ids) == len(set(ids))
    assert 5 <= len(doc["expectations"]) <= 32  # moderate: the nightly stays fast


@pytest.mark.parametrize("source", sorted(SPECS))
def test_suite_follows_the_source_contract(source):
    """Column sets and enum value sets are the pipelines/*.yml ones: edit both or CI says so."""
    spec = SPECS[source]
    doc = suite(source)
    (columns,) = [e for e in doc["expectations"] if e["type"] == "expect_table_columns_to_match_set"]
    assert columns["kwargs"]["column_set"] == spec.field_names
    for expectation in doc["expectations"]:
        if expectation["type"] == "expect_column_values_to_be_in_set":
            field = spec.field(expectation["kwargs"]["column"])
            assert sorted(expectation["kwargs"]["value_set"]) == sorted(set(field.values.values())), (
                field.name
            )
    for key in spec.business_key:  # business keys: not null (an optional part may be), and unique
        if not spec.field(key).required:
            continue
        assert f"expect_column_values_to_not_be_null({key})" in {
            quality.check_name(e) for e in doc["expectations"]
        }
    unique = {  # the key's (a labelled one is a hand-kept check of other columns: same_stay)
        quality.check_name(e)
        for e in doc["expectations"]
        if "unique" in e["type"] and not e["meta"].get("label")
    }
    assert len(unique) == 1


@pytest.mark.parametrize("source", ["student_mobility", "staff_mobility"])
def test_a_stay_ending_in_a_month_or_a_year_is_measured_to_its_last_day(source):
    # the suite's stay_days (1-731 days, warn) of an end exported as a month or a year (stored as its
    # first day), both days counted as the credit-mobility rule counts them: 15 Sep 2014 to '09-2014' is
    # 16 days (15 to 30 Sep), not -14; 10 Mar 2015 to '2015' 297 (to 31 Dec), not -68; 2014-09 to
    # 2014-09 30, not 0; one to the day as it is (1 to 11 Oct: 11; 1 Sep to 30 Nov: 91, three months)
    sql = suite(source)["meta"]["derived_columns"]["stay_days"]
    rows = [
        ("2014-09-15", "2014-09-01", "month"),
        ("2015-03-10", "2015-01-01", "year"),
        ("2014-09-01", "2014-09-01", "month"),
        ("2014-10-01", "2014-10-11", "day"),
        ("2014-10-01", None, None),
        ("2014-09-01", "2014-11-30", "day"),
    ]
    con = duckdb.connect()
    con.execute("create table t (start_date date, end_date date, end_date_precision varchar)")
    con.executemany("insert into t values (?, ?, ?)", rows)
    assert [d for (d,) in con.execute(f"select {sql} from t").fetchall()] == [16, 297, 30, 11, None, 91]


def test_a_suite_without_severity_is_refused(tmp_path):
    doc = suite("enrolments")
    del doc["expectations"][2]["meta"]["severity"]
    path = tmp_path / "raw_enrolments.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(quality.SuiteError, match="severity"):
        quality.load_suite(path)


def test_importing_the_module_does_not_import_gx():
    code = "import sys, indicators.quality; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- fixtures: real warehouses from the real ingest ---------------------------------------------


def mobility_rows(counts: dict[int, int], **overrides) -> list[dict]:
    """``counts[year]`` stays starting 1 September of ``year``; ids M0001… in order."""
    rows, number = [], 1
    for year, count in counts.items():
        for i in range(count):
            rows.append(
                {
                    "mobility_id": f"M{number:04d}",
                    "student_id": f"uid{number:04d}",
                    "direction": "outgoing" if i % 2 else "incoming",
                    "programme_code": "MALAK",
                    "mobility_type": "studies",
                    "partner_country": "DE",
                    "start_date": f"{year}-09-01",
                    "end_date": f"{year}-12-20",
                    "status": "completed",
                    "credits_ects": "30",
                    "gender": "female",
                }
            )
            number += 1
    for mobility_id, changes in overrides.items():
        next(r for r in rows if r["mobility_id"] == mobility_id).update(changes)
    return rows


def write_inbox(inbox: Path, mobility: list[dict]) -> None:
    inbox.mkdir(parents=True)
    lines = [MOBILITY_HEADER] + [",".join(row[c] for c in MOBILITY_HEADER.split(",")) for row in mobility]
    (inbox / "student_mobility_2024-01-10.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (inbox / "enrolments_2024-01-10.csv").write_text(
        "programme_code,term,registered_students\nMALAK,HT2022,1350\nMALAK,VT2023,1320\nVGSJU,HT2022,960\n",
        encoding="utf-8",
    )
    (inbox / "graduates_2024-01-10.csv").write_text(
        "student_id,programme_code,degree_date,degree_code\n"
        "uid9001,MALAK,2022-06-10,LAKEX\nuid9002,VGSJU,2022-06-12,SSKEX\nuid9003,VGSJU,2023-01-20,SSKEX\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """Ingest an inbox into a fresh warehouse (real nightly ingest); returns (settings, warehouse)."""
    from indicators import nightly

    def run(name: str, mobility: list[dict]):
        base = tmp_path_factory.mktemp(name)
        write_inbox(base / "inbox", mobility)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("INDICATORS_PSEUDONYMISATION_KEY", "test-key-for-pseudonyms-0123456789")
            settings = load_settings().with_paths(inbox=base / "inbox", warehouse=base / "warehouse.duckdb")
            outcome = nightly.run(
                settings, with_dbt=False, with_quality=False, stop_after="ingest", quiet=True
            )
        assert outcome.exit_code == 0, outcome.message
        assert outcome.ingest.sources_loaded == ["enrolments", "graduates", "student_mobility"]
        return settings, settings.warehouse

    return run


LOADED = ["enrolments", "graduates", "student_mobility"]


def results(settings, warehouse, sources=LOADED) -> dict[tuple[str, str], dict]:
    rows = quality.validate(settings, warehouse, "test-run", sources, lambda message: None, today=TODAY)
    keyed = {(row.suite_name, row.check_name): row for row in rows}
    assert len(keyed) == len(rows)  # no check reported twice
    return keyed


@pytest.fixture(scope="module")
def clean(build):
    # 2019/20: 40, 2020/21: 35 (0.875), 2021/22: 40; two stays in the open year 2023/24 are not compared
    settings, warehouse = build("clean", mobility_rows({2019: 40, 2020: 35, 2021: 40, 2023: 2}))
    return settings, warehouse, results(settings, warehouse)


PROBLEMS = {
    # check → (severity, failing_count), counted by hand from the inbox and the edits below
    # M0001 in 1999: inside the ingest's date window, outside the suite's narrower range: a warning
    ("raw_student_mobility", "expect_column_values_to_be_between(start_date)"): ("warn", 1),
    ("raw_student_mobility", "expect_column_values_to_be_between(credits_ects)"): ("error", 1),  # M0002: 150
    ("raw_student_mobility", "expect_column_values_to_be_between(stay_days)"): ("warn", 1),  # M0003: 863 days
    ("raw_student_mobility", "expect_column_values_to_be_in_set(direction)"): ("error", 1),  # M0005 edited
    ("raw_student_mobility", "expect_column_values_to_match_regex(partner_country)"): (
        "error",
        1,
    ),  # M0006 edited
    ("raw_student_mobility", "expect_column_values_to_be_unique(mobility_id)"): ("error", 2),  # M0007 twice
    # ... and so the same stay (person, direction, start, end) twice: 2 of 83 rows, under 5 %: a warning
    (
        "raw_student_mobility",
        "expect_compound_columns_to_be_unique(student_id, direction, start_date, end_date) same_stay",
    ): (
        "warn",
        2,
    ),
    # 2021/22 has 3 rows after 40 in 2020/21: 0.075, below both 0.10 (error) and 0.25 (warn)
    ("raw_student_mobility", "expect_column_values_to_be_between(latest_rows_vs_previous_year) collapse"): (
        "error",
        1,
    ),
    ("raw_student_mobility", "expect_column_values_to_be_between(rows_vs_previous_year) drop"): ("warn", 1),
    # 2020/21: 10 of 40 rows without programme_code = 0.25 > 0.10
    ("raw_student_mobility", "expect_column_values_to_be_between(null_programme_code_share)"): ("warn", 1),
    (
        "raw_graduates",
        "expect_compound_columns_to_be_unique(student_id, programme_code, degree_date, degree_code)",
    ): (
        "error",
        2,
    ),
}


@pytest.fixture(scope="module")
def problems(build):
    no_programme = {f"M{n:04d}": {"programme_code": ""} for n in range(41, 51)}  # ten stays of 2020/21
    mobility = mobility_rows(
        {2019: 40, 2020: 40, 2021: 3},
        M0001={"start_date": "1999-09-01", "end_date": ""},
        M0003={"end_date": "2022-01-10"},  # 2019-09-01 → 2022-01-10: 863 days, both counted
        **no_programme,
    )
    settings, warehouse = build("problems", mobility)
    con = duckdb.connect(str(warehouse))
    try:  # what an ingest bug, or a value added to a pipelines file but not to the suite, would leave
        # (150 ECTS in the file itself is quarantined by the ingest: thresholds.yml's error-level range)
        con.execute("update raw.student_mobility set credits_ects = 150 where mobility_id = 'M0002'")
        con.execute("update raw.student_mobility set direction = 'sideways' where mobility_id = 'M0005'")
        con.execute("update raw.student_mobility set partner_country = 'Germany' where mobility_id = 'M0006'")
        con.execute(
            "insert into raw.student_mobility select * from raw.student_mobility where mobility_id = 'M0007'"
        )
        con.execute("insert into raw.graduates select * from raw.graduates where programme_code = 'MALAK'")
        pseudonym = con.execute(
            "select student_id from raw.graduates where programme_code = 'MALAK'"
        ).fetchone()[0]
    finally:
        con.close()
    return settings, warehouse, results(settings, warehouse), pseudonym


# --- validate() --------------------------------------------------------------------------------


def test_a_clean_warehouse_passes_every_check(clean):
    _, _, rows = clean
    assert [key for key, row in rows.items() if not row.success] == []
    assert {row.engine for row in rows.values()} == {"great_expectations"}


def test_every_expectation_of_a_loaded_source_gives_exactly_one_row(clean):
    _, _, rows = clean
    expected = {(f"raw_{s}", quality.check_name(e)) for s in LOADED for e in suite(s)["expectations"]}
    assert set(rows) == expected  # and no rows for the six sources not loaded
    for (suite_name, _), row in rows.items():
        assert row.table_name == "raw." + suite_name.removeprefix("raw_")
        assert row.severity in ("error", "warn")
        assert row.observed_value is None or isinstance(row.observed_value, str)


def test_severity_comes_from_the_suite(clean):
    _, _, rows = clean
    for source in LOADED:
        for expectation in suite(source)["expectations"]:
            row = rows[(f"raw_{source}", quality.check_name(expectation))]
            assert row.severity == expectation["meta"]["severity"]


def test_only_the_sources_loaded_are_validated(clean):
    settings, warehouse, _ = clean
    rows = results(settings, warehouse, sources=["enrolments"])
    assert {suite_name for suite_name, _ in rows} == {"raw_enrolments"}
    assert len(rows) == len(suite("enrolments")["expectations"])
    assert results(settings, warehouse, sources=[]) == {}


def test_each_problem_fails_its_check_with_its_severity_and_count(problems):
    _, _, rows, _ = problems
    failed = {key: (row.severity, row.failing_count) for key, row in rows.items() if not row.success}
    assert failed == PROBLEMS


def test_details_name_the_offending_values(problems):
    _, _, rows, _ = problems
    sm = "raw_student_mobility"
    assert "'sideways' (1)" in rows[(sm, "expect_column_values_to_be_in_set(direction)")].details
    assert "'Germany' (1)" in rows[(sm, "expect_column_values_to_match_regex(partner_country)")].details
    assert "'M0007' (2)" in rows[(sm, "expect_column_values_to_be_unique(mobility_id)")].details
    assert "1999-09-01" in rows[(sm, "expect_column_values_to_be_between(start_date)")].details
    collapse = rows[(sm, "expect_column_values_to_be_between(latest_rows_vs_previous_year) collapse")]
    assert collapse.details == "academic years 2021/22: 3 rows, 0.075 of 40"
    assert collapse.observed_value.startswith(
        "1 of 3 academic years unexpected"
    )  # 2019/20 has no previous year
    share = rows[(sm, "expect_column_values_to_be_between(null_programme_code_share)")]
    assert share.details == "academic years 2020/21: 0.25"


def test_no_personal_data_in_results(problems):
    _, _, rows, pseudonym = problems
    graduates = rows[
        (
            "raw_graduates",
            "expect_compound_columns_to_be_unique(student_id, programme_code, degree_date, degree_code)",
        )
    ]
    assert graduates.details == "2 rows (values not shown: personal data)"
    text = json.dumps([dataclasses.asdict(row) for row in rows.values()], default=str)
    assert pseudonym not in text
    assert "uid0" not in text and "uid9" not in text


def test_a_missing_column_fails_and_its_checks_fail_closed(clean, tmp_path):
    settings, warehouse, _ = clean
    broken = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, broken)
    con = duckdb.connect(str(broken))
    con.execute("alter table raw.student_mobility drop column gender")
    con.close()
    rows = results(settings, broken, sources=["student_mobility"])
    columns = rows[("raw_student_mobility", "expect_table_columns_to_match_set(table)")]
    assert (columns.success, columns.severity, columns.failing_count) == (False, "error", 1)
    assert columns.details == "missing columns: gender"
    gender = rows[("raw_student_mobility", "expect_column_values_to_be_in_set(gender)")]
    assert gender.success is False and gender.details.startswith("not evaluated")
    assert sum(not row.success for row in rows.values()) == 2


def _profile(rows_sql: str, coverage_end: dt.date | None, today: dt.date = TODAY) -> list[tuple]:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(  # one file; a row number each, in order
        "create table raw.student_mobility as select *, row_number() over () as _row_number from (values "
        + rows_sql
        + ") v(mobility_id, start_date, programme_code, _file_id)"
    )
    spec = SPECS["student_mobility"]
    current = quality.current_rows_sql(spec, ["mobility_id", "start_date", "programme_code"], {}, MACROS)
    profile = quality.by_year_sql(current, "start_date", True, MACROS)
    return con.execute(profile, quality.by_year_parameters(coverage_end, today)).fetchall()


FOUR_STAYS = (
    "('a', date '2019-09-01', 'X', 1), ('b', date '2020-01-10', null, 1), ('c', date '2021-08-01', 'X', 1), "
    "('d', date '2023-09-01', 'X', 1)"
)


def test_by_year_profile_counts_final_years_and_fills_gaps():
    # an export dated 2024-01-10: 2022/23 ended before it (final), 2023/24 holds it (provisional)
    rows = _profile(FOUR_STAYS, dt.date(2024, 1, 10))
    # 2019/20: a, b; 2020/21: none (a gap counts 0); 2021/22: c; 2023/24 is provisional (not profiled);
    # the span ends at the latest final year with rows (2021/22). Columns: year, rows, previous,
    # ratio (previous year under 30 rows: none), latest ratio (2021/22 only), share without programme
    assert rows == [
        ("2019/20", 2, None, None, None, 0.5),
        ("2020/21", 0, 2, None, None, None),
        ("2021/22", 1, 0, None, None, 0.0),
    ]


def test_by_year_profile_of_an_undated_export_ends_at_its_own_latest_date():
    # no extraction date: the data's own end (2023-09-01, stay d) bounds the final years, so
    # 2023/24 (partial) is left out although the run's date (2024-01-15) is later; with the
    # coverage ending 2021-06-29, 2020/21 (ends 30 June 2021) is not final either
    assert [row[0] for row in _profile(FOUR_STAYS, None)] == ["2019/20", "2020/21", "2021/22"]
    assert [row[0] for row in _profile(FOUR_STAYS, dt.date(2021, 6, 29))] == ["2019/20"]
    # the run's date caps an export dated in the future: on 2022-07-01 2021/22 is final, the stay
    # of 2023/24 (planned) is not profiled
    assert [row[0] for row in _profile(FOUR_STAYS, dt.date(2030, 1, 1), today=dt.date(2022, 7, 1))] == [
        "2019/20",
        "2020/21",
        "2021/22",
    ]
    assert [row[0] for row in _profile(FOUR_STAYS, dt.date(2030, 1, 1), today=dt.date(2022, 6, 29))] == [
        "2019/20"
    ]


def test_only_the_latest_final_year_carries_the_collapse_ratio():
    # 40 stays in 2018/19, none in 2019/20 (a year without events), 40 in 2020/21, 3 in 2021/22:
    # the drop ratio is 0 for 2019/20 and 0.075 for 2021/22; only 2021/22 carries the collapse ratio
    stays = ", ".join(
        [f"('a{n}', date '2018-09-01', 'X', 1)" for n in range(40)]
        + [f"('b{n}', date '2020-09-01', 'X', 1)" for n in range(40)]
        + [f"('c{n}', date '2021-09-01', 'X', 1)" for n in range(3)]
    )
    rows = _profile(stays, dt.date(2023, 1, 1))
    assert [(row[0], row[1], row[3], row[4]) for row in rows] == [
        ("2018/19", 40, None, None),
        ("2019/20", 0, 0.0, None),
        ("2020/21", 40, None, None),  # the previous year had 0 rows (< 30): no ratio
        ("2021/22", 3, 0.075, 0.075),
    ]


def test_the_profiles_coverage_end_counts_the_dated_deliveries_without_rows():
    # activities as monthly deltas: January's with rows, June's an empty month (header only), and
    # August's rejected for another reason (no required column: no delivery); staff mobility's
    # March export delivered again byte for byte on 31 May (skipped), then an undated export loaded
    from indicators.warehouse import AUDIT_TABLES

    con = duckdb.connect()
    con.execute("create schema audit")
    con.execute(f"create table audit.loaded_files ({AUDIT_TABLES['loaded_files']})")
    files = [
        (1, "activities", "loaded", None, "2024-01-31"),
        (
            2,
            "activities",
            "rejected",
            "no data rows (header only) (kept as r1__activities.csv)",
            "2024-06-30",
        ),
        (
            3,
            "activities",
            "rejected",
            "missing required columns: date (kept as r2__activities.csv)",
            "2024-08-31",
        ),
        (4, "staff_mobility", "loaded", None, "2024-03-01"),
        (5, "staff_mobility", "skipped", "same bytes as staff_mobility_2024-03-01.csv", "2024-05-31"),
        (6, "graduates", "loaded", None, "2024-03-01"),
        (7, "graduates", "loaded", None, None),
    ]
    for file_id, source, status, reason, day in files:
        con.execute(
            "insert into audit.loaded_files (file_id, run_id, file_name, source, sha256, status, reason, "
            "loaded_at, extraction_date) values (?, 'r', 'f', ?, ?, ?, ?, now(), ?)",
            [file_id, source, f"identity-{file_id}", status, reason, day],
        )
    # by hand, as int_sources_bounded: the latest date of the loaded and the rowless dated deliveries
    # while the newest loaded file is dated (the old query read the loaded files only: 2024-01-31 and
    # 2024-03-01, so GX left 2023/24, final in the marts, unprofiled); an undated newest: none
    assert quality.coverage_end(con, "activities") == dt.date(2024, 6, 30)
    assert quality.coverage_end(con, "staff_mobility") == dt.date(2024, 5, 31)
    assert quality.coverage_end(con, "graduates") is None
    assert quality.coverage_end(con, "cim_awards") is None
