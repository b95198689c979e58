"""The severity gate on full nightly runs (real ingest, GX, dbt): errors block publishing, warnings don't.

Scenario: 2020/21 has 40 outgoing stays in programme PA. More than 5 % of a year's stays naming a
programme missing from the catalogue is an error (the faculty's numbers per programme would be
wrong); fewer is a warning, and those stays still count for the faculty, as programme ``unknown``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from helpers import personnummer
from indicators import nightly
from indicators.config import load_settings

# one worker builds the module's fixture (--dist loadgroup), not both
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("quality_gate")]

KEY = "quality-gate-test-key-0123456789"
HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status\n"
PROGRAMMES = "Programkod;Benämning;Nivå;Första läsår\nPA;Program A;grundnivå;2016/17\n"


def stays(prefix: str, count: int, programme: str, first_serial: int = 0) -> str:
    return "".join(
        f"{prefix}{i};{personnummer('19950505', (first_serial + i) % 1000)};ut;{programme};studier;GB;"
        f"2020-09-01;2021-01-15;avslutad\n"
        for i in range(count)
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    saved = os.environ.get("INDICATORS_PSEUDONYMISATION_KEY")
    os.environ["INDICATORS_PSEUDONYMISATION_KEY"] = KEY
    root = tmp_path_factory.mktemp("gate")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "programmes.csv").write_text(PROGRAMMES, encoding="utf-8")
    (inbox / "student_mobility_1.csv").write_text(HEADER + stays("A", 40, "PA"), encoding="utf-8")
    settings = load_settings().with_paths(inbox=inbox, warehouse=root / "state" / "warehouse.duckdb")
    outcome = nightly.run(settings, quiet=True)
    assert outcome.published, (outcome.message, outcome.errors)
    yield settings
    if saved is None:
        os.environ.pop("INDICATORS_PSEUDONYMISATION_KEY", None)
    else:
        os.environ["INDICATORS_PSEUDONYMISATION_KEY"] = saved


def dq_rows(database: Path, check: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select engine, severity, success, details from audit.dq_results where check_name = ? order by checked_at",
            [check],
        ).fetchall()
    finally:
        con.close()


def test_an_error_level_failure_blocks_publishing(base, tmp_path):
    settings = base
    before = sha(settings.warehouse)
    # 3 unknown of 43 stays in 2020/21 = 7 % > 5 %
    (settings.inbox / "student_mobility_2.csv").write_text(
        HEADER + stays("B", 3, "ZZUNK", 100), encoding="utf-8"
    )
    reader = duckdb.connect(str(settings.warehouse), read_only=True)  # an analyst is connected all along
    try:
        outcome = nightly.run(settings, quiet=True)
        assert reader.execute("select count(*) from raw.student_mobility").fetchone()[0] == 40
    finally:
        reader.close()
    (settings.inbox / "student_mobility_2.csv").unlink()
    assert outcome.exit_code == 1 and not outcome.published
    assert sha(settings.warehouse) == before
    [error] = [e for e in outcome.errors if "assert_unknown_programme_share_below_limit" in e]
    assert "ZZUNK" in error and "2020/21" in error
    # the failed run's record and working copy survive for inspection
    assert outcome.work_copy is not None and outcome.work_copy.exists()
    rows = dq_rows(outcome.work_copy, "assert_unknown_programme_share_below_limit")
    assert rows[-1][:3] == ("dbt", "error", False)
    summary = nightly.format_summary(outcome, settings)
    assert "ERROR" in summary and str(outcome.work_copy) in summary


def test_a_warning_publishes_with_exit_2(base):
    settings = base
    # 1 unknown of 41 stays = 2.4 %: a warning; the stay counts for the faculty as programme 'unknown'
    (settings.inbox / "student_mobility_3.csv").write_text(
        HEADER + stays("C", 1, "ZZUNK", 200), encoding="utf-8"
    )
    outcome = nightly.run(settings, quiet=True)
    assert outcome.exit_code == 2 and outcome.published, outcome.errors
    rows = dq_rows(settings.warehouse, "assert_no_unknown_programme_codes")
    assert rows[-1][:3] == ("dbt", "warn", False) and "ZZUNK" in rows[-1][3]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        faculty, unknown = con.execute(
            """
            select
                max(value) filter (where programme_code is null),
                max(value) filter (where programme_code = 'unknown')
            from marts.indicator_values
            where indicator_id = 'I01' and academic_year = '2020/21' and dimension is null
            """
        ).fetchone()
    finally:
        con.close()
    assert (faculty, unknown) == (41, 1)


def test_sigkill_during_a_full_nightly_leaves_the_published_file_intact(base, tmp_path):
    settings = base
    before = sha(settings.warehouse)
    (settings.inbox / "student_mobility_4.csv").write_text(
        HEADER + stays("D", 2, "PA", 300), encoding="utf-8"
    )
    marker = tmp_path / "paused"
    for stage in ("before_dbt", "after_dbt"):
        marker.unlink(missing_ok=True)
        env = dict(os.environ, INDICATORS_PAUSE_AT=stage, INDICATORS_PAUSE_FILE=str(marker))
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "indicators.cli",
                "nightly",
                "-q",
                "--inbox",
                str(settings.inbox),
                "--warehouse",
                str(settings.warehouse),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 240
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline, stage
            time.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert sha(settings.warehouse) == before, stage
    outcome = nightly.run(settings, quiet=True)
    assert outcome.published, outcome.errors
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert (
            con.execute("select count(*) from raw.student_mobility where mobility_id like 'D%'").fetchone()[0]
            == 2
        )
    finally:
        con.close()
