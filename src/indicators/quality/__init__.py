"""Great Expectations at the door: the raw tables a run loaded, checked against ``expectations/``.

One suite per raw source, ``expectations/raw_<source>.json`` (GX 1.x suite JSON, committed, ids
fixed in the file); each result is a row of ``audit.dq_results``. The package, one job a module:

* :mod:`~indicators.quality.suites` — the suites as data: read, checked, named;
* :mod:`~indicators.quality.frames` — the rows each suite is checked on (current rows by the staging
  models' own rule, their distinct values weighed for the value checks, the schema, the by-year
  profile), SQL in ``sql/*.sql`` over the dbt macros;
* :mod:`~indicators.quality.gx` — Great Expectations on those frames (pandas, Parquet chunks);
* :mod:`~indicators.quality.results` — :class:`DqResult`, one row of ``audit.dq_results``;
* :mod:`~indicators.quality.worker` — :func:`prepare` / :func:`execute` and the worker process.

Thresholds of the distribution checks (in the suites' ``why``)
    In the bundled sample COVID-19 took student mobility in 2020/21 to 31 % of 2019/20 and staff
    mobility to 13 %. Student mobility: error below 10 % of the previous year (a truncated or
    wrong export; no real year came near it), warn below 25 %; staff mobility (about 60 a year):
    warn below 5 % only; graduates (steady): error below 10 %, warn below 50 %. The sample passes
    all of them. What they cannot see: a truncated *re-export* of years already loaded, since the
    keys it lacks stay current from the earlier export (and the published numbers stay right).

Importing the package does not import GX (about 5 s): that happens in the worker, or in
:func:`execute`.
"""

from __future__ import annotations

from indicators.quality.frames import (
    LATEST_FILE_ROWS,
    MIN_PREVIOUS_ROWS,
    VALUES,
    YEAR_SPAN,
    ArchivedRows,
    ParquetRows,
    SourcePlan,
    by_year_parameters,
    by_year_sql,
    coverage_end,
    current_rows_sql,
    latest_file_rows_sql,
    weight_column,
)
from indicators.quality.results import ENGINE, DqResult
from indicators.quality.suites import (
    FRAMES,
    SEVERITIES,
    SuiteError,
    check_name,
    load_suite,
    suite_path,
    suites_dir,
)
from indicators.quality.worker import (
    Prepared,
    execute,
    execute_in_worker,
    preload,
    prepare,
    release,
    shutdown,
    validate,
)

__all__ = [
    "ENGINE",
    "FRAMES",
    "LATEST_FILE_ROWS",
    "MIN_PREVIOUS_ROWS",
    "SEVERITIES",
    "YEAR_SPAN",
    "ArchivedRows",
    "DqResult",
    "ParquetRows",
    "Prepared",
    "SourcePlan",
    "SuiteError",
    "VALUES",
    "by_year_parameters",
    "by_year_sql",
    "check_name",
    "coverage_end",
    "current_rows_sql",
    "execute",
    "execute_in_worker",
    "latest_file_rows_sql",
    "load_suite",
    "prepare",
    "preload",
    "release",
    "shutdown",
    "suite_path",
    "suites_dir",
    "validate",
    "weight_column",
]
