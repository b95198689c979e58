"""The settings' types and ranges (``indicators.config``) and the owner-only file helpers
(``indicators.private``): every bad value is one ConfigError line naming where it came from, the
setting, the value and what is allowed; the messages below are written out by hand."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from indicators import private
from indicators.config import ConfigError, Settings, load_settings, setting_names

BASE = "inbox: var/inbox\nwarehouse: var/warehouse.duckdb\nkey_file: var/key\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with its own ``pipelines/nightly.yml``, and no INDICATORS_* setting set."""
    for name in setting_names():
        monkeypatch.delenv(f"INDICATORS_{name.upper()}", raising=False)
    (tmp_path / "pipelines").mkdir()

    def write(extra: str = "") -> Path:
        (tmp_path / "pipelines" / "nightly.yml").write_text(BASE + extra, encoding="utf-8")
        return tmp_path

    return write


def error_of(root: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(root)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("INBOX_RETENTION_DAYS", "-5", "inbox_retention_days = '-5' is not allowed: it must be a finite number >= 0, or null/off"),
        ("DISCLOSURE_MIN_WIDTH_PCT", "nan", "disclosure_min_width_pct = 'nan' is not allowed: it must be a finite number from 0 to 100"),
        ("DISCLOSURE_MIN_WIDTH_PCT", "inf", "disclosure_min_width_pct = 'inf' is not allowed: it must be a finite number from 0 to 100"),
        ("DISCLOSURE_MIN_WIDTH_PCT", "100.5", "disclosure_min_width_pct = '100.5' is not allowed: it must be a finite number from 0 to 100"),
        ("DISCLOSURE_MIN_DENOMINATOR", "-3", "disclosure_min_denominator = '-3' is not allowed: it must be a whole number >= 1"),
        ("DISCLOSURE_MIN_COUNT", "few", "disclosure_min_count = 'few' is not allowed: it must be a whole number >= 1"),
        ("DISCLOSURE_MIN_VALUES", "0", "disclosure_min_values = '0' is not allowed: it must be a whole number >= 1"),
        ("KEEP_FAILED_COPIES", "-1", "keep_failed_copies = '-1' is not allowed: it must be a whole number >= 0"),
        ("DISK_HEADROOM_MB", "-64", "disk_headroom_mb = '-64' is not allowed: it must be a finite number >= 0"),
        ("UNKNOWN_PROGRAMME_ERROR_PCT", "nan", "unknown_programme_error_pct = 'nan' is not allowed: it must be a finite number from 0 to 100"),
        ("REFERENCE_DAY", "02-30", "reference_day = '02-30' is not allowed: it must be a day of the year as MM-DD (e.g. 10-15; not 02-29)"),
        ("REFERENCE_DAY", "15-10", "reference_day = '15-10' is not allowed: it must be a day of the year as MM-DD (e.g. 10-15; not 02-29)"),
        ("FIRST_YEAR", "2010/12", "first_year = '2010/12' is not allowed: it must be an academic year YYYY/YY whose second year follows the first (e.g. 2010/11), or null"),
        ("AUTO_REBUILD", "maybe", "auto_rebuild = 'maybe' is not allowed: it must be true or false"),
        ("PRIVATE_FILES", "2", "private_files = '2' is not allowed: it must be true or false"),
        ("HOME_HEI_ID", "", "home_hei_id = '' is not allowed: it must be a non-empty text"),
    ],
)  # fmt: skip
def test_a_bad_environment_value_is_one_line_naming_the_variable(project, monkeypatch, variable, value, says):
    root = project()
    monkeypatch.setenv(f"INDICATORS_{variable}", value)
    assert error_of(root) == f"environment variable INDICATORS_{variable}: {says}"


def test_a_bad_value_in_the_file_names_the_file_and_its_line(project):
    config = project("disclosure_min_width_pct: .nan\n") / "pipelines" / "nightly.yml"
    assert error_of(config.parent.parent) == (
        f"{config} line 4: disclosure_min_width_pct = nan is not allowed: it must be a finite number from 0 to 100"
    )
    project("disclosure_min_count: 5.5\n")
    assert error_of(config.parent.parent) == (
        f"{config} line 4: disclosure_min_count = 5.5 is not allowed: it must be a whole number >= 1"
    )
    project("inbox_retention_days: true\n")  # a yes/no where a number of days belongs
    assert error_of(config.parent.parent).endswith(
        "inbox_retention_days = True is not allowed: it must be a finite number >= 0, or null/off"
    )
    project("auto_rebuild: 3\n")
    assert error_of(config.parent.parent).endswith(
        "auto_rebuild = 3 is not allowed: it must be true or false"
    )
    project("rejected_dir: [a, b]\n")
    assert error_of(config.parent.parent).endswith(
        "rejected_dir = ['a', 'b'] is not allowed: it must be a path"
    )


def test_an_unknown_key_is_a_typo_with_the_closest_known_one(project):
    root = project("disclosure_min_cout: 5\n")
    config = root / "pipelines" / "nightly.yml"
    assert error_of(root) == (
        f"{config} line 4: unknown setting 'disclosure_min_cout' (did you mean disclosure_min_count?)"
    )
    project("retention_days: 3\n")
    assert error_of(root).endswith("unknown setting 'retention_days' (did you mean inbox_retention_days?)")
    project("colour: blue\n")
    assert error_of(root).endswith("unknown setting 'colour' (the settings are listed in the README)")
    project("inbox: 'unclosed\n")
    assert error_of(root).startswith(f"{config}: cannot be read as YAML (")


def test_a_key_written_twice_names_both_lines(project):
    # YAML keeps the last one silently: the inbox on line 1 would be ignored without a word
    root = project("keep_failed_copies: 2\ninbox: elsewhere\n")
    config = root / "pipelines" / "nightly.yml"
    assert error_of(root) == f"{config} line 5: inbox: written twice in the file (first on line 1); keep one"
    project("'disk_headroom_mb': 10\ndisk_headroom_mb: 10\n")  # the same value, quoted once: still twice
    assert error_of(root) == (
        f"{config} line 5: disk_headroom_mb: written twice in the file (first on line 4); keep one"
    )


def test_the_environment_overrides_the_file_and_off_turns_retention_off(project, monkeypatch):
    root = project('inbox_retention_days: 7\nfirst_year: "2010/11"\nauto_rebuild: yes\n')
    settings = load_settings(root)
    assert (settings.inbox_retention_days, settings.first_year, settings.auto_rebuild) == (
        7.0,
        "2010/11",
        True,
    )
    assert settings.private_files is True  # the default: owner-only
    monkeypatch.setenv("INDICATORS_INBOX_RETENTION_DAYS", "off")
    monkeypatch.setenv("INDICATORS_FIRST_YEAR", "1999/00")  # the turn of the century is consistent
    monkeypatch.setenv("INDICATORS_AUTO_REBUILD", "0")
    monkeypatch.setenv("INDICATORS_PRIVATE_FILES", "false")
    settings = load_settings(root)
    assert (settings.inbox_retention_days, settings.first_year, settings.auto_rebuild) == (
        None,
        "1999/00",
        False,
    )
    assert settings.private_files is False
    assert settings.work_dir == root / "var" / "work"  # run state beside the warehouse, as before


def test_settings_built_in_code_are_checked_too(project):
    from dataclasses import replace

    settings = load_settings(project())
    with pytest.raises(ValueError, match="disclosure_min_count"):
        replace(settings, disclosure_min_count=0)
    assert isinstance(replace(settings, inbox_retention_days=None), Settings)


def test_private_helpers_make_owner_only_folders_and_files_whatever_the_umask(tmp_path):
    saved = os.umask(0o022)
    try:
        with private.files(True):
            folder = private.mkdir(tmp_path / "a" / "b")
            with private.open_file(folder / "log.txt", "a") as handle:
                handle.write("x\n")
            private.copy_file(folder / "log.txt", folder / "copy.txt")
        with private.files(False):
            open_folder = private.mkdir(tmp_path / "c")
            private.write_text(open_folder / "note.txt", "x")
    finally:
        os.umask(saved)
    mode = lambda path: stat.S_IMODE(path.stat().st_mode)  # noqa: E731
    assert [mode(tmp_path / "a"), mode(folder), mode(folder / "log.txt"), mode(folder / "copy.txt")] == [
        0o700,
        0o700,
        0o600,
        0o600,
    ]
    assert [mode(open_folder), mode(open_folder / "note.txt")] == [0o755, 0o644]  # private_files: false
    assert os.umask(0o022) == 0o022  # the umask is given back


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INDICATORS_GX_TIMEOUT_SECONDS", "soon"),
        ("INDICATORS_GX_TIMEOUT_SECONDS", "-1"),
        ("INDICATORS_STORAGE_VERSION", "1.5"),
    ],
)
def test_the_settings_read_at_their_use_are_checked_before_a_run(monkeypatch, name, value):
    from indicators.config import ConfigError, load_settings

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


# --- the T-number crosswalk: a file of personnummer in clear ----------------------------------------

T_NUMBER = "850615-T981"  # fictitious; the crosswalk maps it to the personnummer below


def crosswalk_error(project, text: str) -> str:
    from dataclasses import replace

    from indicators.crosswalk import load_crosswalk
    from indicators.redact import has_personnummer

    settings = load_settings(project())
    path = settings.root / "crosswalk.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_crosswalk(replace(settings, crosswalk_file=path))
    message = str(caught.value)
    assert "\n" not in message and not has_personnummer(message.replace(T_NUMBER, "")), message
    return message.replace(str(path), "CW")


def test_a_crosswalk_is_read_as_pairs(project):
    from dataclasses import replace

    from helpers import personnummer
    from indicators.crosswalk import load_crosswalk

    number = personnummer("19850615", 981)
    settings = load_settings(project())
    path = settings.root / "crosswalk.csv"
    path.write_text(
        f"\ufefft_number,personnummer\n{T_NUMBER},{number}\n\n", encoding="utf-8"
    )  # a BOM, a blank line
    assert load_crosswalk(replace(settings, crosswalk_file=path)) == {T_NUMBER: number}


def test_a_broken_crosswalk_is_one_line_with_its_line_and_no_value(project):
    from helpers import personnummer

    number = personnummer("19850615", 981)
    form = "it must be a UTF-8 CSV file with the header t_number,personnummer and one pair a line"
    # a quote never closed: the parser's own message would quote the personnummer
    assert crosswalk_error(project, f't_number,personnummer\n{T_NUMBER},"{number}\n') == (
        f"crosswalk_file CW line 2: not CSV (unexpected end of data): {form}"
    )
    assert crosswalk_error(project, f"t_number,personnummer\n{T_NUMBER},{number},x\n") == (
        f"crosswalk_file CW line 2: 3 fields where the header has 2: {form}"
    )
    assert crosswalk_error(project, f"t,p\n{T_NUMBER},{number}\n") == (
        f"crosswalk_file CW: its header is not t_number,personnummer: {form}"
    )
    other = personnummer("19850615", 990)
    assert crosswalk_error(project, f"t_number,personnummer\n{T_NUMBER},{number}\n{T_NUMBER},{other}\n") == (
        "crosswalk_file CW line 3: the T-number of line 2 again, with another personnummer: keep the one "
        "that is right"
    )


def test_a_missing_crosswalk_names_the_setting(project, tmp_path):
    from dataclasses import replace

    from indicators.crosswalk import load_crosswalk

    settings = replace(load_settings(project()), crosswalk_file=tmp_path / "nowhere.csv")
    with pytest.raises(ConfigError) as caught:
        load_crosswalk(settings)
    assert str(caught.value) == (
        f"crosswalk_file {tmp_path / 'nowhere.csv'} does not exist: point crosswalk_file "
        "(pipelines/nightly.yml or INDICATORS_CROSSWALK_FILE) at the T-number crosswalk, or remove the setting"
    )


MEMORY_RULE = (
    "is not a memory size DuckDB can run with: a size such as 4GiB or 512MB (units KB, MB, GB, TB, KiB, "
    "MiB, GiB, TiB) or a share of the machine's memory such as 50% (unset it for the limit each run chooses)"
)
DATE_RULE = "is not a date YYYY-MM-DD: set it as 2021-03-01, or unset it (the run's date is then today)"


@pytest.mark.parametrize(
    ("variable", "value", "rule"),
    [
        (
            "INDICATORS_DUCKDB_MEMORY_LIMIT",
            "lots",
            MEMORY_RULE,
        ),  # DuckDB: Memory must have a number (e.g. 1GB)
        ("INDICATORS_DUCKDB_MEMORY_LIMIT", "4", MEMORY_RULE),  # DuckDB: Unknown unit for memory: ''
        ("INDICATORS_DUCKDB_MEMORY_LIMIT", "4GBs", MEMORY_RULE),
        ("INDICATORS_DUCKDB_MEMORY_LIMIT", "1,5GB", MEMORY_RULE),
        ("INDICATORS_DUCKDB_MEMORY_LIMIT", "150%", MEMORY_RULE),
        ("INDICATORS_DUCKDB_MEMORY_LIMIT", "0%", MEMORY_RULE),
        ("INDICATORS_DUCKDB_MEMORY_LIMIT", "-1", MEMORY_RULE),  # DuckDB's "no limit": refused
        ("INDICATORS_DUCKDB_MEMORY_LIMIT", "none", MEMORY_RULE),
        ("INDICATORS_DUCKDB_MEMORY_LIMIT", "0GB", MEMORY_RULE),  # read by DuckDB, too little to open with
        ("INDICATORS_DUCKDB_MEMORY_LIMIT", "1KB", MEMORY_RULE),
        ("INDICATORS_RUN_DATE", "2025-13-01", DATE_RULE),
        ("INDICATORS_RUN_DATE", "2023-02-29", DATE_RULE),
        (
            "INDICATORS_RUN_DATE",
            "20250101",
            DATE_RULE,
        ),  # Python's fromisoformat reads it; the dbt macro does not
        ("INDICATORS_RUN_DATE", "2021-03-01' as date) --", DATE_RULE),
    ],
)
def test_a_bad_memory_limit_or_run_date_is_one_line_naming_the_variable(
    project, monkeypatch, variable, value, rule
):
    root = project()
    monkeypatch.setenv(variable, value)
    assert error_of(root) == f"{variable}={value!r} {rule}"


def test_the_memory_limits_and_run_dates_duckdb_and_dbt_read_are_taken(project, monkeypatch):
    import datetime as dt

    from indicators.environment import duckdb_memory_limit, run_date

    root = project()
    for value in ("4GiB", "512MB", "1.5 GB", "2tib", "50%", "100%", " 6GiB "):
        monkeypatch.setenv("INDICATORS_DUCKDB_MEMORY_LIMIT", value)
        load_settings(root)
        assert duckdb_memory_limit() == value.strip()
    monkeypatch.delenv("INDICATORS_DUCKDB_MEMORY_LIMIT")
    assert duckdb_memory_limit() is None  # each run chooses its own
    for value, day in (("2024-02-29", dt.date(2024, 2, 29)), (" 2021-03-01 ", dt.date(2021, 3, 1))):
        monkeypatch.setenv("INDICATORS_RUN_DATE", value)
        load_settings(root)
        assert run_date() == day
    monkeypatch.delenv("INDICATORS_RUN_DATE")
    assert run_date() == dt.date.today()


@pytest.mark.parametrize(
    ("value", "taken"),
    [("true", True), ("Yes", True), ("1", True), ("false", False), ("", False), ("off", False)],
)
def test_example_plans_is_true_or_false(project, monkeypatch, value, taken):
    from indicators import transform

    monkeypatch.setenv("INDICATORS_EXAMPLE_PLANS", value)
    load_settings(project())
    assert transform.example_plans() is taken


def test_example_plans_neither_true_nor_false_is_one_line(project, monkeypatch):
    # 'maybe' was read as false without a word
    monkeypatch.setenv("INDICATORS_EXAMPLE_PLANS", "maybe")
    assert error_of(project()) == "INDICATORS_EXAMPLE_PLANS='maybe' is not true or false (unset it for false)"


def test_a_crosswalk_pair_that_is_no_t_number_and_personnummer_names_its_line(project):
    # such a pair was dropped without a word, and its person kept two pseudonyms
    from helpers import personnummer, wrong_check_digit

    number = personnummer("19850615", 981)
    assert crosswalk_error(project, f"t_number,personnummer\n{T_NUMBER},{wrong_check_digit(number)}\n") == (
        "crosswalk_file CW line 2: personnummer is not a valid personnummer (its date or check digit)"
    )
    assert crosswalk_error(project, f"t_number,personnummer\n{T_NUMBER},{number}\n{number},{number}\n") == (
        "crosswalk_file CW line 3: t_number is not a T-number (YYMMDD-TNNN)"
    )


def test_an_unknown_indicators_variable_is_a_typo_with_the_closest_setting(project, monkeypatch):
    # INDICATORS_DISCLOSURE_MIN_COUNTT=3 was ignored without a word: the counts stayed at 5
    monkeypatch.setenv("INDICATORS_DISCLOSURE_MIN_COUNTT", "3")
    assert error_of(project()) == (
        "unknown setting INDICATORS_DISCLOSURE_MIN_COUNTT (did you mean INDICATORS_DISCLOSURE_MIN_COUNT?): "
        "rename it, or unset it; the settings are the keys of pipelines/nightly.yml as INDICATORS_<KEY>"
    )
    monkeypatch.delenv("INDICATORS_DISCLOSURE_MIN_COUNTT")
    monkeypatch.setenv("INDICATORS_RUN_DATE", "2025-01-31")  # not a key of nightly.yml, but known
    monkeypatch.setenv("INDICATORS_TEST_ANYTHING", "x")  # the tests' own dbt projects
    load_settings(project())
