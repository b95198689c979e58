"""The quality gate end to end: nightly with GX on, no dbt. An error-level check stops the publish."""

from __future__ import annotations

from pathlib import Path

import duckdb

from indicators import nightly

HEADER = "mobility_id,student_id,direction,programme_code,mobility_type,partner_country,start_date,end_date,status,credits_ects"


def inbox_with(tmp_path: Path, name: str, extra: list[str]) -> Path:
    """Forty stays a year in 2019/20–2021/22 (steady: no distribution check fires) plus ``extra`` rows."""
    inbox = tmp_path / name
    inbox.mkdir()
    rows = [
        f"M{year}{i:02d},uid{year}{i:02d},outgoing,MALAK,studies,DE,{year}-09-01,{year}-12-20,completed,30"
        for year in (2019, 2020, 2021)
        for i in range(40)
    ]
    (inbox / "student_mobility_2024-01-10.csv").write_text(
        "\n".join([HEADER, *rows, *extra]) + "\n", encoding="utf-8"
    )
    return inbox


def run(settings_for, inbox: Path, tmp_path: Path):
    settings = settings_for(inbox, tmp_path / "state" / inbox.name / "warehouse.duckdb")
    return settings, nightly.run(settings, with_dbt=False, with_quality=True, quiet=True)


def test_gate(settings_for, tmp_path):
    # clean: published, every GX result recorded in audit.dq_results
    settings, outcome = run(settings_for, inbox_with(tmp_path, "clean", []), tmp_path)
    assert (outcome.exit_code, outcome.published) == (0, True), outcome.errors + outcome.warnings
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    recorded = con.execute(
        "select count(*), count(*) filter (where success) from audit.dq_results where engine = 'great_expectations'"
    ).fetchone()
    con.close()
    assert recorded == (31, 31)  # every check of the student_mobility suite (2 date precisions), each passed

    # a stay of 863 days (warn): published with warnings
    long_stay = ["X1,uidx1,outgoing,MALAK,studies,DE,2019-09-01,2022-01-10,completed,30"]
    settings, outcome = run(settings_for, inbox_with(tmp_path, "warn", long_stay), tmp_path)
    assert (outcome.exit_code, outcome.published) == (2, True)
    assert any("expect_column_values_to_be_between(stay_days)" in line for line in outcome.warnings)

    # 150 ECTS, outside thresholds.yml's error-level 0-120: that row is quarantined at ingest, with
    # its file, row number and reason, and the night publishes the rest (one row never stops it)
    too_many_credits = ["X2,uidx2,outgoing,MALAK,studies,DE,2020-09-01,2020-12-20,completed,150"]
    settings, outcome = run(settings_for, inbox_with(tmp_path, "credits", too_many_credits), tmp_path)
    assert (outcome.exit_code, outcome.published) == (2, True), outcome.errors
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    quarantined = con.execute("select file_name, row_number, reason from audit.quarantine").fetchall()
    failed = con.execute("select count(*) from audit.dq_results where not success").fetchone()[0]
    con.close()
    assert quarantined == [
        (
            "student_mobility_2024-01-10.csv",
            122,  # the header, 120 stays, then X2
            "credits_ects outside 0..120 (ECTS of one stay: 0-120 (two academic years); more is a unit or "
            "parse error; expectations/thresholds.yml): '150'",
        )
    ]
    assert failed == 0

    # 2022/23, a final year, with 2 stays after 40 (0.05 of the previous year, under the error-level
    # 0.10: a truncated export), a check on the whole source that GX alone makes: nothing published,
    # the working copy kept with the results
    collapsed = [f"X{i},uidx{i},outgoing,MALAK,studies,DE,2022-09-01,2022-12-20,completed,30" for i in (3, 4)]
    settings, outcome = run(settings_for, inbox_with(tmp_path, "error", collapsed), tmp_path)
    assert (outcome.exit_code, outcome.published) == (1, False)
    assert not settings.warehouse.exists()
    assert outcome.errors == [
        "great_expectations check expect_column_values_to_be_between(latest_rows_vs_previous_year) collapse "
        "on raw.student_mobility: academic years 2022/23: 2 rows, 0.05 of 40"
    ]
    con = duckdb.connect(str(outcome.work_copy), read_only=True)
    failed = con.execute(
        "select check_name, severity, failing_count from audit.dq_results where not success order by 1"
    ).fetchall()
    con.close()
    assert failed == [
        ("expect_column_values_to_be_between(latest_rows_vs_previous_year) collapse", "error", 1),
        ("expect_column_values_to_be_between(rows_vs_previous_year) drop", "warn", 1),
    ]


def test_the_gx_worker_serves_the_next_run_of_the_process_unless_it_did_not_answer(
    settings_for, tmp_path, monkeypatch
):
    import multiprocessing

    # two nights in one process: the second is validated by the worker the first started (GX is
    # imported once), and both record the suite's 29 results
    first_settings, first = run(settings_for, inbox_with(tmp_path, "first", []), tmp_path)
    assert first.published, first.errors
    [worker] = multiprocessing.active_children()  # idle, kept
    second_settings, second = run(settings_for, inbox_with(tmp_path, "second", []), tmp_path)
    assert second.published, second.errors
    assert [p.pid for p in multiprocessing.active_children()] == [worker.pid]
    for settings in (first_settings, second_settings):
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        recorded = con.execute(
            "select count(*) from audit.dq_results where engine = 'great_expectations' and success"
        ).fetchone()
        con.close()
        assert recorded == (31,)

    # a worker that does not answer in time fails the run and is terminated, not kept busy
    monkeypatch.setenv("INDICATORS_GX_TIMEOUT_SECONDS", "0.001")
    _, late = run(settings_for, inbox_with(tmp_path, "late", []), tmp_path)
    assert not late.published and "TimeoutError" in late.message
    assert multiprocessing.active_children() == []
    # and the next run starts a new one
    monkeypatch.delenv("INDICATORS_GX_TIMEOUT_SECONDS")
    _, again = run(settings_for, inbox_with(tmp_path, "again", []), tmp_path)
    assert again.published, again.errors
    [new] = multiprocessing.active_children()
    assert new.pid != worker.pid
