"""The ``INDICATORS_*`` variables that are no key of ``pipelines/nightly.yml``: read where they are
used (the run's date, DuckDB's memory, GX's timeout, the storage version, the example plans), and
the check that every ``INDICATORS_`` variable names something. :func:`check` runs with
:func:`indicators.config.load_settings`, so a bad value stops a command before it reads anything."""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re

from indicators.config import (
    CONFIG_FILE,
    ENV_PREFIX,
    ConfigError,
    env_name,
    environment_value,
    environment_variables,
    setting_names,
)

# INDICATORS_* variables that are no setting of nightly.yml: read where they are used (the key, the
# run's date, DuckDB's memory, ...), set by a run for dbt (the database, the run id, its memory), or
# the test hooks of indicators.faults; INDICATORS_TEST_* belong to the tests' own dbt projects
OTHER_ENV = frozenset(
    {
        "INDICATORS_PSEUDONYMISATION_KEY",
        "INDICATORS_HOME",
        "INDICATORS_RUN_DATE",
        "INDICATORS_DUCKDB_MEMORY_LIMIT",
        "INDICATORS_DUCKDB_RUN_MEMORY_LIMIT",
        "INDICATORS_GX_TIMEOUT_SECONDS",
        "INDICATORS_STORAGE_VERSION",
        "INDICATORS_EXAMPLE_PLANS",
        "INDICATORS_DBT_DATABASE",
        "INDICATORS_RUN_ID",
        "INDICATORS_PAUSE_AT",
        "INDICATORS_PAUSE_FILE",
        "INDICATORS_PAUSE_SECONDS",
        "INDICATORS_FAIL_AT",
        "INDICATORS_FAIL_ERRNO",
    }
)


def unknown_variables() -> None:
    """An INDICATORS_ variable that names nothing (a typo: INDICATORS_DISCLOSURE_MIN_COUNTT) was
    ignored without a word, the setting it meant left as it was."""
    known = {env_name(name) for name in setting_names()} | OTHER_ENV
    for variable in environment_variables():
        if (
            variable.startswith(ENV_PREFIX)
            and variable not in known
            and not variable.startswith("INDICATORS_TEST_")
        ):
            close = difflib.get_close_matches(variable, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError(
                f"unknown setting {variable}{hint}: rename it, or unset it; the settings are the keys of "
                f"{CONFIG_FILE} as INDICATORS_<KEY>"
            )


def gx_timeout_seconds() -> float:
    """INDICATORS_GX_TIMEOUT_SECONDS: how long the nightly waits for the GX worker (default 3600)."""
    raw = environment_value("INDICATORS_GX_TIMEOUT_SECONDS", "3600")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(
            f"INDICATORS_GX_TIMEOUT_SECONDS={raw!r} is not a number of seconds above 0 (unset it for 3600)"
        )
    return value


def storage_version() -> str:
    """INDICATORS_STORAGE_VERSION: the warehouse file's DuckDB storage format, vX.Y.Z or latest."""
    raw = environment_value("INDICATORS_STORAGE_VERSION") or "v1.5.0"
    if not re.fullmatch(r"latest|v\d+\.\d+\.\d+", raw):
        raise ConfigError(
            f"INDICATORS_STORAGE_VERSION={raw!r} is not a DuckDB storage version (v1.5.0, the default, or latest)"
        )
    return raw


MEMORY_LIMIT_ENV = "INDICATORS_DUCKDB_MEMORY_LIMIT"  # set by hand: DuckDB's limit, in every run
# DuckDB's own units (1000^i and 1024^i); a share of the machine's memory is DuckDB's too (0 < p <= 100)
_MEMORY_SIZE = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)\s*(?:[KMGT]B|[KMGT]iB)", re.IGNORECASE)
_MEMORY_SHARE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*%")


def duckdb_memory_limit() -> str | None:
    """INDICATORS_DUCKDB_MEMORY_LIMIT: DuckDB's memory set by hand (unset: each run chooses its own),
    a size such as 4GiB or 512MB, or a share of the machine's memory such as 50%. DuckDB's "no limit"
    spellings (-1, none) are refused: the limit is what keeps the nightly and its GX worker in bounds.
    DuckDB opens a database with it here, so a value it cannot start with (100KB) is refused too."""
    raw = environment_value(MEMORY_LIMIT_ENV)
    if not raw:
        return None
    text = raw.strip()
    share = _MEMORY_SHARE.fullmatch(text)
    fits = bool(_MEMORY_SIZE.fullmatch(text)) or (share is not None and 0 < float(share[1]) <= 100)
    if fits:
        import duckdb

        try:
            con = duckdb.connect(config={"memory_limit": text})
            con.execute("select count(*) from range(1000)").fetchone()
            con.close()
        except duckdb.Error:
            fits = False
    if not fits:
        raise ConfigError(
            f"{MEMORY_LIMIT_ENV}={raw!r} is not a memory size DuckDB can run with: a size such as 4GiB or "
            "512MB (units KB, MB, GB, TB, KiB, MiB, GiB, TiB) or a share of the machine's memory such as 50% "
            "(unset it for the limit each run chooses)"
        )
    return text


EXAMPLE_PLANS_ENV = "INDICATORS_EXAMPLE_PLANS"  # "true": the demo's fictitious example plan too
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def example_plans() -> bool:
    """INDICATORS_EXAMPLE_PLANS: the fictitious example plan beside the real ones (the demo sets it)."""
    raw = environment_value(EXAMPLE_PLANS_ENV)
    value = raw.strip().lower()
    if value not in _TRUE + _FALSE:
        raise ConfigError(f"{EXAMPLE_PLANS_ENV}={raw!r} is not true or false (unset it for false)")
    return value in _TRUE


RUN_DATE_ENV = "INDICATORS_RUN_DATE"  # YYYY-MM-DD: the run's date (tests); unset: today


def run_date() -> dt.date:
    """The run's date: ``INDICATORS_RUN_DATE`` (YYYY-MM-DD) when set, else today. Coverage never
    reaches past it (dbt macro run_date, which reads the same variable when the SQL is compiled)."""
    given = environment_value(RUN_DATE_ENV).strip()
    if not given:
        return dt.date.today()
    try:  # the form the dbt macro run_date pastes into SQL (fromisoformat alone takes 20210301 too)
        day = dt.date.fromisoformat(given) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", given) else None
    except ValueError:  # 2025-13-01, 2023-02-29
        day = None
    if day is None:
        raise ConfigError(
            f"{RUN_DATE_ENV}={given!r} is not a date YYYY-MM-DD: set it as 2021-03-01, or unset it "
            "(the run's date is then today)"
        )
    return day


def check() -> None:
    """Every variable read at its use, as it will be read: a bad one is a ConfigError now."""
    gx_timeout_seconds(), storage_version(), duckdb_memory_limit(), run_date(), example_plans()
