"""Through the real nightly (production settings: no example plan), on run dates set with
INDICATORS_RUN_DATE:

1. a production warehouse holds only the plans of the production seeds (seeds/plans.csv);
2. a value of a year not yet over has no verdict (status and progress ``provisional``);
3. a status that depends on the date moves with it: a night with nothing new but a run date in the
   next academic year rebuilds the marts (the same date again does not);
4. ``indicators rebuild`` after two publishes with a revision gives back the revisions, the run
   history and an ``--as-of`` export.

Student mobility, undated exports (coverage ends at the data's end, capped at the run's date):
2018/19, the baseline: S5 (M00) · 2019/20: S1, S2 outgoing (M01, M02) · 2020/21: S3 (M03) · M04 (S4) is planned to start 2021-09-01,
after the first run date 2021-03-01, so the coverage end is capped at 2021-03-01: 2020/21 is
provisional. The re-export withdraws M02: 2019/20 goes from 2 to 1 (a revision).
"""

from __future__ import annotations

import csv
import dataclasses
import json

import duckdb
import pytest

from helpers import personnummer
from indicators import nightly

pytestmark = pytest.mark.slow

S = {i: personnummer(f"1991{i:02d}20", 980 + i) for i in range(1, 6)}

PROGRAMMES = """Programkod;Benämning;Name;Nivå;Första läsår;Sista läsår
PA;Program A;Programme A;grundnivå;2016/17;
"""
HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status;ECTS\n"
FIRST = (
    HEADER
    + "\n".join(
        [
            f"M00;{S[5]};utresande;PA;studier;NL;2018-09-01;2019-01-15;avslutad;30",
            f"M01;{S[1]};utresande;PA;studier;DE;2019-09-01;2020-01-15;avslutad;30",
            f"M02;{S[2]};utresande;PA;studier;FR;2019-09-01;2020-01-15;avslutad;30",
            f"M03;{S[3]};utresande;PA;studier;ES;2020-09-01;2021-01-15;avslutad;30",
            f"M04;{S[4]};utresande;PA;studier;IT;2021-09-01;2022-01-15;antagen;30",
        ]
    )
    + "\n"
)
RE_EXPORT = HEADER + f"M02;{S[2]};utresande;PA;studier;FR;2019-09-01;2020-01-15;återbud;30\n"
# one incoming student (I11) in 2019/20, delivered to `indicators ingest` (raw only) between nightlies
INCOMING = HEADER + f"M05;{S[5]};inresande;PA;studier;NL;2019-09-01;2020-01-15;avslutad;30\n"


def q(warehouse, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def run_on(settings, day: str, monkeypatch, **kwargs):
    monkeypatch.setenv("INDICATORS_RUN_DATE", day)
    monkeypatch.delenv("INDICATORS_EXAMPLE_PLANS", raising=False)
    outcome = nightly.run(settings, **{"with_quality": False, "quiet": True, **kwargs})
    assert outcome.published, (outcome.message, outcome.errors)
    return outcome


I11 = """
    select academic_year, value from marts.indicator_values
    where indicator_id = 'I11' and programme_code is null and dimension is null and academic_year = '2019/20'
"""
I01 = """
    select academic_year, value, obs_status, status, progress, no_verdict_reason
    from marts.indicator_progress
    where indicator_id = 'I01' and programme_code is null and academic_year >= '2019/20'
    order by academic_year
"""
REVISIONS = """
    select * exclude (current_run_id) from marts.indicator_revisions
    order by indicator_id, academic_year, programme_code, dimension, dimension_value, published_at
"""


def seed_checks(warehouse, run_id: str) -> int:
    """The dbt checks a run recorded on the project's seeds (the CSV files of seeds/)."""
    from indicators.config import load_settings

    seeds = ", ".join(f"'{p.stem}'" for p in (load_settings().root / "seeds").glob("*.csv"))
    sql = f"select count(*) from audit.dq_results where run_id = '{run_id}' and engine = 'dbt' and table_name in ({seeds})"
    return q(warehouse, sql)[0][0]


def export_as_of(warehouse, run_id: str, out) -> dict[str, list[list[str]]]:
    from indicators import cli

    code = cli.main(
        # the tables are compared, not the charts (drawn from the same rows): left out, they cost
        # seconds per export
        [
            "export",
            "--warehouse",
            str(warehouse),
            "--year",
            "2020/21",
            "--as-of",
            run_id,
            "--no-charts",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    tables = {}
    for path in sorted(out.glob("*.csv")):
        if "metadata" in path.name:  # says when it was written
            continue
        with path.open(encoding="utf-8-sig") as handle:
            tables[path.name] = list(csv.reader(handle, delimiter=";"))
    assert tables
    return tables


def test_history_dates_and_plans(tmp_path, monkeypatch, module_key):
    from indicators.config import load_settings

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "programmes.csv").write_text(PROGRAMMES, encoding="utf-8")
    (inbox / "student_mobility.csv").write_text(FIRST, encoding="utf-8")
    settings = load_settings().with_paths(inbox=inbox, warehouse=tmp_path / "state" / "warehouse.duckdb")
    wh = settings.warehouse

    first = run_on(settings, "2021-03-01", monkeypatch)
    # 1. only the production seeds' plans, and no example seed in the warehouse
    with open(settings.root / "seeds" / "plans.csv", encoding="utf-8") as handle:
        seeded = sorted(row["plan_id"] for row in csv.DictReader(handle))
    assert seeded == ["MED-2019"]
    for table in (
        "plans",
        "plan_catalogue",
        "indicator_progress",
        "final_followup",
        "plan_indicator_catalogue",
    ):
        assert sorted(r[0] for r in q(wh, f"select distinct plan_id from marts.{table}")) == seeded, table
    assert q(wh, "select count(*) from information_schema.tables where table_name like 'example_%'") == [(0,)]
    # 2. 2019/20: 2 > baseline 2018/19's 1 -> met; CAGR 100 * (2 / 1 - 1) = 100 >= 1.5 -> on_track;
    #    2020/21 is cut at 2021-03-01: 1 student so far, provisional -> no verdict
    provisional = (
        "provisional",
        "provisional",
        "provisional value: its sources cover only part of the year (student_mobility to 2021-03-01)",
    )
    assert q(wh, I01) == [
        ("2019/20", 2.0, "final", "met", "on_track", None),
        ("2020/21", 1.0, "provisional", *provisional),
    ]

    (inbox / "student_mobility_reexport.csv").write_text(RE_EXPORT, encoding="utf-8")
    second = run_on(settings, "2021-03-01", monkeypatch)
    assert q(wh, I01)[0][:2] == ("2019/20", 1.0)  # M02 withdrawn: 2 -> 1
    # the project is the first night's: its seeds and their 32 checks stand as the first night left
    # them (tests/integration/test_dbt_contracts.py counts them); the plans are still all there
    assert seed_checks(wh, first.run_id) == 33 and seed_checks(wh, second.run_id) == 0
    assert sorted(r[0] for r in q(wh, "select distinct plan_id from marts.plan_catalogue")) == seeded
    # a changed project (here a var of the build: the share of unknown programme codes that is an
    # error) builds though nothing new came, and loads and checks the seeds again
    changed = run_on(dataclasses.replace(settings, unknown_programme_error_pct=6), "2021-03-01", monkeypatch)
    assert "dbt_build" in changed.timings and seed_checks(wh, changed.run_id) == 33

    # 3a. rows loaded by a run that only ingests are built (and checked by GX) by the next nightly,
    #     though it loads nothing itself: I11 2019/20 counts M05's incoming student once it has run
    (inbox / "student_mobility_incoming.csv").write_text(INCOMING, encoding="utf-8")
    before_ingest = q(wh, I11)
    run_on(settings, "2021-03-01", monkeypatch, stop_after="ingest")
    assert q(wh, I11) == before_ingest  # the ingest builds nothing
    caught_up = run_on(settings, "2021-03-01", monkeypatch, with_quality=True)
    assert "dbt_build" in caught_up.timings and q(wh, I11) == [("2019/20", 1.0)]
    assert seed_checks(wh, caught_up.run_id) == 33  # the project is the first night's again: changed
    # GX judged the rows the ingest loaded: one row per expectation of the student-mobility suite
    suite = json.loads(
        (settings.root / "expectations" / "raw_student_mobility.json").read_text(encoding="utf-8")
    )
    gx_rows = "select table_name, count(*) from audit.dq_results where run_id = ? and engine = 'great_expectations' group by 1"
    assert q(wh, gx_rows.replace("?", f"'{caught_up.run_id}'")) == [
        ("raw.student_mobility", len(suite["expectations"]))
    ]

    # 3b. nothing new, the same date: dbt is skipped; the next academic year: rebuilt
    same = run_on(settings, "2021-03-01", monkeypatch)
    assert "dbt_build" not in same.timings
    moved = run_on(settings, "2021-07-02", monkeypatch)
    assert "dbt_build" in moved.timings
    # 2020/21 is over (coverage to 2021-07-02): final, judged; 2021/22 begins: provisional, S4's planned
    # stay (M04, starting 2021-09-01) counts 1 in the year it starts
    # 2019/20 and 2020/21: 1, exactly the baseline's 1 -> not_met; CAGR 0 -> limited
    assert q(wh, I01) == [
        ("2019/20", 1.0, "final", "not_met", "limited", None),
        ("2020/21", 1.0, "final", "not_met", "limited", None),
        ("2021/22", 1.0, "provisional", *provisional[:2], provisional[2].replace("2021-03-01", "2021-07-02")),
    ]
    assert q(wh, "select distinct run_date from marts.source_coverage") == [
        (__import__("datetime").date(2021, 7, 2),)
    ]

    # 4. the history survives a rebuild
    revisions = q(wh, REVISIONS)
    # columns: indicator_id, academic_year, programme_code, dimension, dimension_value, published_run_id,
    # published_at, is_first_published, published_value, ...
    assert [(r[0], r[1], r[5], r[7], r[8]) for r in revisions if r[2] is None and r[3] is None][:1] == [
        ("I01", "2019/20", first.run_id, True, 2.0)
    ]
    runs = q(wh, "select * from audit.pipeline_runs order by run_id")
    checks = q(wh, "select * from audit.dq_results order by all")
    values = q(wh, "select * from audit.published_values order by all")
    before = export_as_of(wh, first.run_id, tmp_path / "before")
    assert {second.run_id, first.run_id} <= {r[0] for r in runs}

    rebuilt = run_on(settings, "2021-07-02", monkeypatch, rebuild=True)
    assert seed_checks(wh, rebuilt.run_id) == 33  # a rebuild starts from nothing: the seeds load again
    assert q(wh, REVISIONS) == revisions
    assert q(wh, "select * from audit.published_values order by all") == values  # nothing new to record
    assert [
        r for r in q(wh, "select * from audit.pipeline_runs order by run_id") if r[0] in {x[0] for x in runs}
    ] == runs
    assert [
        r for r in q(wh, "select * from audit.dq_results order by all") if r[0] in {x[0] for x in runs}
    ] == checks
    assert export_as_of(wh, first.run_id, tmp_path / "after") == before
