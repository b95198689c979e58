"""Bad settings, a missing inbox, the query command and the run state's modes, through the real
``indicators`` command (its main in this process; in a subprocess where it runs in a working folder
of its own): every user's mistake is one line and exit 1, nothing is read
or deleted; ``indicators sql`` reads the warehouse and writes nothing; the run state is owner-only."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TEST_KEY
from helpers import cli_in_process, ingest_args, personnummer

ROOT = Path(__file__).resolve().parents[2]
HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Status\n"
EXPORT = "student_mobility_2024-01-01.csv"


def stays(ids: range) -> str:
    return HEADER + "".join(
        f"K{i};{personnummer('19960101', 980 + i % 20)};ut;MAMED;studier;GB;2019-09-01;avslutad\n"
        for i in ids
    )


def environment(**settings: str) -> dict[str, str]:
    """This process's environment without any INDICATORS_* setting, plus the key and ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INDICATORS_")}
    return (
        env
        | {"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY}
        | {f"INDICATORS_{k}": v for k, v in settings.items()}
    )


def indicators(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``indicators ARGS`` with ``env``'s INDICATORS_* settings and no other: the CLI's main in this
    process (the messages, exit codes and files are tested, not the process; a new interpreter paid
    the CLI's imports again for each call), in a subprocess where a working folder is given."""
    if cwd is not None:
        return subprocess.run(
            [sys.executable, "-m", "indicators.cli", *args], env=env, capture_output=True, text=True, cwd=cwd
        )

    def settings() -> list[str]:
        return [name for name in os.environ if name.startswith("INDICATORS_")]

    saved = {name: os.environ.pop(name) for name in settings()}
    try:
        return cli_in_process(*args, env={k: v for k, v in env.items() if k.startswith("INDICATORS_")})
    finally:  # as after a process: none the command set itself (a run's memory limit, its id) stays
        for name in settings():
            del os.environ[name]
        os.environ.update(saved)


def one_line(done: subprocess.CompletedProcess) -> str:
    """The command failed with exit 1 and said why in one line on stderr, nothing else."""
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and done.stdout == "", done.stdout + done.stderr
    return lines[0]


@pytest.fixture
def delivered(tmp_path):
    """An inbox with one export (an old one: any retention would delete it) and a state folder."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    export = inbox / EXPORT
    export.write_text(stays(range(3)), encoding="utf-8")
    os.utime(export, (1_000_000_000, 1_000_000_000))  # 2001: older than every retention
    return inbox, tmp_path / "state" / "warehouse.duckdb"


BAD = [
    ("INBOX_RETENTION_DAYS", "-5", "inbox_retention_days = '-5' is not allowed: it must be a finite number >= 0, or null/off"),
    ("DISCLOSURE_MIN_WIDTH_PCT", "nan", "disclosure_min_width_pct = 'nan' is not allowed: it must be a finite number from 0 to 100"),
    ("DISCLOSURE_MIN_DENOMINATOR", "-3", "disclosure_min_denominator = '-3' is not allowed: it must be a whole number >= 1"),
    ("DISCLOSURE_MIN_COUNT", "few", "disclosure_min_count = 'few' is not allowed: it must be a whole number >= 1"),
    ("KEEP_FAILED_COPIES", "-1", "keep_failed_copies = '-1' is not allowed: it must be a whole number >= 0"),
    ("DISK_HEADROOM_MB", "inf", "disk_headroom_mb = 'inf' is not allowed: it must be a finite number >= 0"),
    ("REFERENCE_DAY", "02-30", "reference_day = '02-30' is not allowed: it must be a day of the year as MM-DD (e.g. 10-15; not 02-29)"),
    ("FIRST_YEAR", "2010/12", "first_year = '2010/12' is not allowed: it must be an academic year YYYY/YY whose second year follows the first (e.g. 2010/11), or null"),
    ("AUTO_REBUILD", "maybe", "auto_rebuild = 'maybe' is not allowed: it must be true or false"),
]  # fmt: skip


@pytest.mark.parametrize(("variable", "value", "says"), BAD)
def test_a_bad_setting_stops_the_nightly_before_it_reads_anything(delivered, variable, value, says):
    inbox, warehouse = delivered
    done = indicators(
        "nightly",
        "-q",
        "--inbox",
        str(inbox),
        "--warehouse",
        str(warehouse),
        env=environment(**{variable: value}),
    )
    assert one_line(done) == f"error: environment variable INDICATORS_{variable}: {says}"
    assert [p.name for p in inbox.iterdir()] == [EXPORT]  # nothing deleted (retention -5 above all)
    assert not warehouse.parent.exists()  # nothing read, copied, logged or locked


ENVIRONMENT_ONLY = [
    ("DUCKDB_MEMORY_LIMIT", "lots", "INDICATORS_DUCKDB_MEMORY_LIMIT='lots' is not a memory size DuckDB can run with: a size such as 4GiB or 512MB (units KB, MB, GB, TB, KiB, MiB, GiB, TiB) or a share of the machine's memory such as 50% (unset it for the limit each run chooses)"),
    ("RUN_DATE", "2025-13-01", "INDICATORS_RUN_DATE='2025-13-01' is not a date YYYY-MM-DD: set it as 2021-03-01, or unset it (the run's date is then today)"),
]  # fmt: skip


@pytest.mark.parametrize(("variable", "value", "says"), ENVIRONMENT_ONLY)
def test_a_bad_memory_limit_or_run_date_stops_check_config_and_the_nightly_before_any_work(
    delivered, variable, value, says
):
    # they crashed the nightly: DuckDB's ParserException as it opened the working copy, a ValueError or a
    # failed dbt model after the ingest; now they are refused before anything is read
    inbox, warehouse = delivered
    env = environment(**{variable: value})
    assert one_line(indicators("check-config", env=env)) == f"error: {says}"
    done = indicators("nightly", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse), env=env)
    assert one_line(done) == f"error: {says}"
    assert [p.name for p in inbox.iterdir()] == [EXPORT]
    assert not warehouse.parent.exists()  # nothing read, copied, logged or locked


def test_check_config_reads_the_crosswalk_and_never_shows_its_personnummer(tmp_path):
    number = personnummer("19850615", 981)
    crosswalk = tmp_path / "crosswalk.csv"
    crosswalk.write_text(f't_number,personnummer\n850615-T981,"{number}\n', encoding="utf-8")
    done = indicators("check-config", env=environment(CROSSWALK_FILE=str(crosswalk)))
    assert one_line(done) == (
        f"error: crosswalk_file {crosswalk} line 2: not CSV (unexpected end of data): it must be a UTF-8 "
        "CSV file with the header t_number,personnummer and one pair a line"
    )
    assert number not in done.stderr and number[2:] not in done.stderr


def test_a_run_stopped_by_its_crosswalk_is_in_the_status(delivered, tmp_path):
    # a mistake in the key or the crosswalk stopped the run before it took its lock: it was in no
    # record, and `indicators status` did not list it
    import json

    inbox, warehouse = delivered
    crosswalk = tmp_path / "crosswalk.csv"
    crosswalk.write_text("t_number,personnummer\n850615-T981\n", encoding="utf-8")
    env = environment(CROSSWALK_FILE=str(crosswalk), WAREHOUSE=str(warehouse))
    done = indicators("nightly", "-q", "--inbox", str(inbox), env=env)
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    [record] = [
        json.loads(line) for line in (warehouse.parent / "log" / "runs.jsonl").read_text().splitlines()
    ]
    assert (record["status"], record["exit_code"]) == ("failed", 1)
    assert record["message"] == (
        f"crosswalk_file {crosswalk} line 2: 1 fields where the header has 2: it must be a UTF-8 CSV file "
        "with the header t_number,personnummer and one pair a line"
    )
    status = indicators("status", env=env)
    assert status.returncode == 0 and record["run_id"] in status.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["ingest"],
        ["rebuild"],
        ["sql", "select 1"],
        ["status"],
        ["export", "--out", "OUT"],
        ["report", "--kind", "annual", "--out", "OUT/r.html"],
        ["backup", "OUT"],
        ["keygen", "--out", "OUT/key"],
    ],
)
def test_every_command_refuses_a_bad_setting_in_one_line(tmp_path, command):
    command = [part.replace("OUT", str(tmp_path / "out")) for part in command]
    done = indicators(*command, env=environment(DISCLOSURE_MIN_WIDTH_PCT="nan"))
    assert one_line(done) == (
        "error: environment variable INDICATORS_DISCLOSURE_MIN_WIDTH_PCT: disclosure_min_width_pct = 'nan' "
        "is not allowed: it must be a finite number from 0 to 100"
    )
    assert not (tmp_path / "out").exists()


def copied_project(tmp_path: Path, nightly_yml: str) -> Path:
    """A project folder (INDICATORS_HOME) with the checkout's pipelines and its own nightly.yml."""
    home = tmp_path / "project"
    shutil.copytree(ROOT / "pipelines", home / "pipelines")
    (home / "pipelines" / "nightly.yml").write_text(nightly_yml, encoding="utf-8")
    return home


def test_a_typo_in_nightly_yml_names_the_file_the_line_and_the_closest_setting(delivered, tmp_path):
    inbox, warehouse = delivered
    home = copied_project(
        tmp_path, "inbox: var/inbox\nwarehouse: var/w.duckdb\nkey_file: var/key\ninbox_retension_days: 0\n"
    )
    done = indicators(
        "nightly", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse), env=environment(HOME=str(home))
    )
    assert one_line(done) == (
        f"error: {home}/pipelines/nightly.yml line 4: unknown setting 'inbox_retension_days' "
        "(did you mean inbox_retention_days?)"
    )
    assert [p.name for p in inbox.iterdir()] == [EXPORT] and not warehouse.parent.exists()


def test_a_bad_value_in_nightly_yml_names_the_file_and_the_line(delivered, tmp_path):
    inbox, warehouse = delivered
    home = copied_project(
        tmp_path, "inbox: var/inbox\nwarehouse: var/w.duckdb\n\nkey_file: var/key\nmin_denominator: 1\n"
    )
    done = indicators("nightly", "-q", "--inbox", str(inbox), env=environment(HOME=str(home)))
    assert one_line(done) == (
        f"error: {home}/pipelines/nightly.yml line 5: unknown setting 'min_denominator' "
        "(did you mean disclosure_min_denominator?)"
    )
    (home / "pipelines" / "nightly.yml").write_text(
        "inbox: var/inbox\nwarehouse: var/w.duckdb\nkey_file: var/key\ndisclosure_min_denominator: -3\n"
    )
    done = indicators("nightly", "-q", "--inbox", str(inbox), env=environment(HOME=str(home)))
    assert one_line(done) == (
        f"error: {home}/pipelines/nightly.yml line 4: disclosure_min_denominator = -3 is not allowed: "
        "it must be a whole number >= 1"
    )
    assert [p.name for p in inbox.iterdir()] == [EXPORT] and not (home / "var").exists()


def test_a_setting_written_twice_in_nightly_yml_is_one_line_with_both_lines(delivered, tmp_path):
    inbox, warehouse = delivered
    home = copied_project(
        tmp_path, f"inbox: {inbox}\nwarehouse: {warehouse}\nkey_file: var/key\ninbox: var/other\n"
    )
    says = f"error: {home}/pipelines/nightly.yml line 4: inbox: written twice in the file (first on line 1); keep one"
    assert one_line(indicators("check-config", env=environment(HOME=str(home)))) == says
    assert one_line(indicators("nightly", "-q", env=environment(HOME=str(home)))) == says
    assert [p.name for p in inbox.iterdir()] == [EXPORT] and not warehouse.parent.exists()
    assert not (home / "var").exists()


def test_a_missing_inbox_says_which_one_and_how_to_point_the_run(tmp_path):
    home = copied_project(tmp_path, "inbox: var/inbox\nwarehouse: var/w.duckdb\nkey_file: var/key\n")
    done = indicators("nightly", env=environment(HOME=str(home)))
    assert one_line(done) == (
        f"error: the inbox {home}/var/inbox does not exist; nothing was run. Point the run at the exports' "
        f"folder with --inbox DIR, INDICATORS_INBOX=DIR or `inbox:` in {home}/pipelines/nightly.yml, "
        "or load the bundled sample with --demo"
    )
    assert not (home / "var").exists()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A real warehouse: one export of 3 stays and one rejected file, through ``indicators ingest``."""
    root = tmp_path_factory.mktemp("loaded")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / EXPORT).write_text(stays(range(3)), encoding="utf-8")
    (inbox / "student_mobility_broken.csv").write_text("Utbytes-ID;Land\nK9;GB\n", encoding="utf-8")
    for path in inbox.iterdir():
        path.chmod(0o644)  # as delivered
    warehouse = root / "state" / "warehouse.duckdb"
    env = environment(INBOX_RETENTION_DAYS="off")
    saved = os.umask(0o022)  # the usual umask: the modes below come from the run, not from the test
    try:
        done = indicators(*ingest_args(inbox, warehouse), env=env)
    finally:
        os.umask(saved)
    assert done.returncode == 2, done.stdout + done.stderr  # the rejected file: a warning
    return warehouse


def sql(warehouse: Path, query: str) -> subprocess.CompletedProcess:
    return indicators("sql", query, "--warehouse", str(warehouse), env=environment())


def test_sql_reads_the_warehouse_and_writes_no_file_nor_reads_another(loaded, tmp_path):
    done = sql(loaded, "select count(*) as stays from raw.student_mobility")
    assert done.returncode == 0 and "3" in done.stdout, done.stdout + done.stderr
    done = indicators(
        "sql",
        "select count(*) as n from raw.student_mobility",
        "--csv",
        "--warehouse",
        str(loaded),
        env=environment(),
    )
    assert (done.returncode, done.stdout) == (0, "n\n3\n"), done.stderr
    target = tmp_path / "x.csv"
    manifest = loaded.parent / "archive" / "manifest.jsonl"
    before = manifest.read_bytes()
    for query, fragment in [
        (f"copy (select 1) to '{target}'", f'Permission Error: Cannot access file "{target}"'),
        (f"copy (select 1 as a) to '{manifest}' (format csv)", f'Cannot access file "{manifest}"'),
        (f"attach '{tmp_path / 'other.duckdb'}' as other", "Permission Error: Cannot access file"),
        ("select * from read_csv('/etc/passwd')", 'Permission Error: Cannot access file "/etc/passwd"'),
        ("select * from read_text('/etc/hostname')", "Permission Error"),
        (f"export database '{tmp_path / 'dump'}'", "Permission Error"),
        ("set enable_external_access = true", "the configuration has been locked"),
        ("reset lock_configuration", "the configuration has been locked"),
        ("create table raw.x (a int)", "read-only"),
    ]:
        line = one_line(sql(loaded, query))
        assert line.startswith("sql: ") and fragment in line, (query, line)
    assert (
        not target.exists() and not (tmp_path / "other.duckdb").exists() and not (tmp_path / "dump").exists()
    )
    assert manifest.read_bytes() == before


def test_a_misspelt_column_is_one_line_with_the_candidates(loaded):
    line = one_line(sql(loaded, "select file_nme from audit.loaded_files"))
    assert line.startswith(
        'sql: Binder Error: Referenced column "file_nme" not found in FROM clause! Candidate bindings: "file_name"'
    ), line


def test_an_unreadable_warehouse_or_output_folder_is_one_line(tmp_path):
    fake = tmp_path / "warehouse.duckdb"
    fake.write_text("not a database\n")
    line = one_line(sql(fake, "select 1"))
    assert line == (
        f'sql: cannot open the warehouse {fake}: IO Error: The file "{fake}" exists, but it is not a valid '
        "DuckDB database file!"
    )
    line = one_line(
        indicators("export", "--warehouse", str(fake), "--out", str(tmp_path / "out"), env=environment())
    )
    assert line == f'error: IO Error: The file "{fake}" exists, but it is not a valid DuckDB database file!'
    line = one_line(indicators("keygen", "--out", str(fake / "key"), env=environment()))
    assert line == f"error: File exists: {fake}"  # a file where the folder should be


def modes(folder: Path) -> dict[str, set[str]]:
    """Each kind of entry under ``folder`` (itself included) with the modes found."""
    found: dict[str, set[str]] = {"folders": {oct(stat.S_IMODE(folder.stat().st_mode))}, "files": set()}
    for path in folder.rglob("*"):
        found["folders" if path.is_dir() else "files"].add(oct(stat.S_IMODE(path.stat().st_mode)))
    return found


def test_the_run_state_is_owner_only_unless_private_files_is_off(loaded, tmp_path):
    state = loaded.parent
    assert {p.name for p in state.iterdir()} >= {"warehouse.duckdb", "archive", "log", "rejected", "work"}
    assert any((state / "rejected").iterdir()) and any((state / "archive").rglob("*.parquet"))
    assert modes(state) == {"folders": {"0o700"}, "files": {"0o600"}}
    # private_files: false: the modes are the umask's (0o022 here), as before
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_broken.csv").write_text("Utbytes-ID;Land\nK9;GB\n", encoding="utf-8")
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    saved = os.umask(0o022)
    try:
        env = environment(INBOX_RETENTION_DAYS="off", PRIVATE_FILES="false")
        done = indicators(*ingest_args(inbox, warehouse), env=env)
    finally:
        os.umask(saved)
    assert done.returncode == 2, done.stdout + done.stderr
    assert modes(tmp_path / "state" / "rejected") == {"folders": {"0o755"}, "files": {"0o644"}}


def test_a_wrong_argument_is_one_line_and_exit_1_not_2(tmp_path):
    # exit 2 means "published with warnings" (a success for systemd): a wrong argument must not read so
    done = indicators("sql", "select 1", "--max-rows", "-5", env=environment())
    assert (
        one_line(done)
        == "indicators sql: error: argument --max-rows: -5 is below 1 (see indicators sql --help)"
    )
    done = indicators("audit", str(tmp_path), "--min-width-pct", "nan", env=environment())
    assert one_line(done) == (
        "indicators audit: error: argument --min-width-pct: nan is not a finite number from 0 to 100 "
        "(see indicators audit --help)"
    )
    done = indicators("audit", str(tmp_path), "--min-values", "0", env=environment())
    assert one_line(done).startswith("indicators audit: error: argument --min-values: 0 is below 1")
    for argument in ("0.01", "nan", "inf", "-1"):  # the generator failed with a traceback below 0.02
        done = indicators("sample", "--out", str(tmp_path / "sample"), "--scale", argument, env=environment())
        assert one_line(done) == (
            f"indicators sample: error: argument --scale: {argument} is not a finite number from 0.02 (1 = one "
            "faculty's sample) (see indicators sample --help)"
        )
    done = indicators("bench", "--scale", "0.001", env=environment())
    assert one_line(done).startswith(
        "indicators bench: error: argument --scale: 0.001 is not a finite number"
    )
    done = indicators("nightly", "--wait", "soon", env=environment())
    assert one_line(done).startswith(
        "indicators nightly: error: argument --wait: invalid float value: 'soon'"
    )


def test_a_memory_limit_too_small_to_run_with_is_one_line_naming_it_and_the_fix(delivered):
    # DuckDB accepts 5MB when a connection opens; the run then ran out of it and ended as a crash
    # with DuckDB's message, its list of "possible solutions" and a traceback
    inbox, warehouse = delivered
    env = environment(DUCKDB_MEMORY_LIMIT="5MB")
    done = indicators("nightly", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse), env=env)
    says = (
        "DuckDB ran out of memory under the limit INDICATORS_DUCKDB_MEMORY_LIMIT=5MB: raise it (the "
        "bundled sample needs 200MB), or unset it and each run chooses its own from its rows"
    )
    assert done.returncode == 1
    assert (
        "Traceback" not in done.stdout + done.stderr and "Possible solutions" not in done.stdout + done.stderr
    )
    assert done.stdout.splitlines()[0] == f"Run {done.stdout.split()[1]} {says} (exit 1)"
    assert not warehouse.exists()  # nothing published


def test_every_option_of_every_command_says_what_it_does():
    # --max-rows, --limit, --json, --kind, --lang, --format, --seed and --quiet were listed in --help with
    # no word on what they do
    import argparse

    from indicators.cli import build_parser

    [commands] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    silent = [
        f"{name} {action.option_strings[0] if action.option_strings else action.dest}"
        for name, parser in commands.choices.items()
        for action in parser._actions
        if not action.help and action.dest != "help"
    ]
    assert silent == []
    assert len(commands.choices) >= 13  # nightly, ingest, rebuild, backup, sample, status, sql, export, ...


def test_a_personnummer_in_a_setting_or_an_argument_is_redacted_in_what_the_command_prints(tmp_path):
    """A personnummer pasted where a setting's value, an option or a path goes: the one line naming
    the cause quoted it in clear (a config error, argparse's, the report's --programme, the export's --year,
    the folder the export wrote to). Each line now shows it redacted; a query's rows are printed as
    the warehouse holds them."""
    from helpers import cli_in_process, export_fixture_warehouse

    pnr = personnummer("19000103", 994)
    typed = f"{pnr[:8]}-{pnr[8:]}"
    warehouse = export_fixture_warehouse(tmp_path)
    where = ["--warehouse", str(warehouse)]
    key = {"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY}
    out = tmp_path / "exports" / typed
    runs = [
        cli_in_process("status", *where, env=key | {"INDICATORS_REFERENCE_DAY": typed}),
        cli_in_process("status", *where, env=key | {"INDICATORS_RUN_DATE": typed}),
        cli_in_process("report", "--kind", typed, "--out", str(tmp_path / "r.html"), *where, env=key),
        cli_in_process(
            "report",
            "--kind",
            "programme",
            "--programme",
            typed,
            "--out",
            str(tmp_path / "p.html"),
            *where,
            env=key,
        ),
        cli_in_process("export", "--year", typed, "--out", str(tmp_path / "e"), *where, env=key),
        cli_in_process("export", "--no-charts", "--out", str(out), *where, env=key),
    ]
    assert [run.returncode for run in runs] == [1, 1, 1, 1, 1, 0]
    printed = [run.stdout + run.stderr for run in runs]
    assert all("[personnummer]" in text and pnr[2:8] not in text for text in printed), printed
    assert "reference_day = '[personnummer]' is not allowed" in printed[0]
    assert printed[5].endswith(f"files to {out.parent}/[personnummer]\n")
    # a query's rows as stored: a pseudonym's hex with ten digits in a row between letters is no
    # personnummer to hide
    hexed = "e1517e13c5" + pnr[2:] + "ab"
    query = cli_in_process("sql", f"select '{hexed}' as pseudonym", "--csv", *where, env=key)
    assert query.returncode == 0 and query.stdout.splitlines() == ["pseudonym", hexed]


def test_a_personnummer_with_a_no_break_space_quoted_by_repr_is_redacted(tmp_path):
    """A personnummer pasted with a no-break space or a zero-width space (from a web page or Word)
    where a setting's value or an option goes: the line quotes it with Python's repr, which writes
    the space as an escape ('19000103\\xa09940'), and that form the rule did not read."""
    from helpers import cli_in_process

    pnr = personnummer("19000103", 994)
    key = {"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY}
    where = ["--warehouse", str(tmp_path / "warehouse.duckdb")]
    runs = [
        cli_in_process("status", *where, env=key | {"INDICATORS_REFERENCE_DAY": f"{pnr[:8]}\u00a0{pnr[8:]}"}),
        cli_in_process(
            "export", "--year", f"{pnr[2:8]}\u200b-{pnr[8:]}", "--out", str(tmp_path / "e"), *where
        ),
    ]
    assert [run.returncode for run in runs] == [1, 1]
    assert "reference_day = '[personnummer]' is not allowed" in runs[0].stderr
    assert runs[1].stderr.startswith(
        "export: --year must be an academic year such as 2023/24, not '[personnummer]'"
    )
