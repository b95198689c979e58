"""Great Expectations at the door: the raw tables a run loaded, checked against ``expectations/``.

One suite per raw source, ``expectations/raw_<source>.json`` (GX 1.x suite JSON, committed, ids
fixed in the file). Each expectation declares in its ``meta``:

* ``severity`` — ``error`` (a published number would be wrong: the run publishes nothing) or
  ``warn`` (reported; the run publishes with exit code 2);
* ``why`` — one line for the reader of ``audit.dq_results``;
* ``frame`` (optional) — the rows it is checked on: ``current`` (default), ``schema`` (column set
  and types) or ``by_year`` (distribution);
* ``label`` (optional) — tells two checks of the same kind on the same column apart.

Which rows
    Only sources loaded in this run are validated, on their *current* rows: for every business
    key, the rows of the latest file that holds the key (``_file_id = max(_file_id)`` over the key).
    That is the set the staging models publish (the latest version of each key, across the whole
    raw history), so a check that passes here passes for what is published. The uniqueness checks
    are not trivially true: two rows of one file with the same key would both be current.
    ``by_year`` is a small profile of the current rows, one row per closed academic year (1 July to
    30 June, ended before the run's date), with ``row_count``, ``rows_vs_previous_year`` (null when
    the previous year has fewer than 30 rows: small numbers say nothing) and
    ``null_programme_code_share``. Years without rows inside the span count as 0, so a missing year
    is a collapse. Distribution checks therefore compare this run's data with earlier years.

Thresholds of the distribution checks (in the suites' ``why``)
    In the bundled sample COVID-19 took student mobility in 2020/21 to 31 % of 2019/20 and staff
    mobility to 13 %. Student mobility: error below 10 % of the previous year (a truncated or
    wrong export; no real year came near it), warn below 25 %; staff mobility (about 60 a year):
    warn below 5 % only; graduates (steady): error below 10 %, warn below 50 %. The sample passes
    all of them. What they cannot see: a truncated *re-export* of years already loaded, since the
    keys it lacks stay current from the earlier export (and the published numbers stay right).

How GX runs (measured on this 2-core machine, shared, so ±30 %)
    GX 1.24 has no DuckDB dialect. Through SQLAlchemy + duckdb-engine every expectation fails
    with an empty result: SQLAlchemy rolls back when GX closes the connection, and the rollback
    discards DuckDB's pending result, which GX reads afterwards. It can be made to work without
    touching GX (``kwargs={"poolclass": StaticPool, "creator": ...}`` returning a read-only
    duckdb-engine connection whose begin/commit/rollback do nothing), but regex expectations and
    type checks still fail there (GX knows no DuckDB regex or type names), it adds two
    dependencies, and it was not faster. The student_mobility suite (21 expectations), GX already
    imported: bundled sample (8 k current rows) pandas 0.74 s, SQL 0.82 s; 1 M rows pandas
    8.4–9.1 s (of which 2 s reading through Arrow), SQL 6.5–11.8 s. So the frames are read from
    DuckDB through Arrow into pandas and validated with GX's pandas engine, which is correct.
    Numbers and dates are handed to GX as NumPy dtypes: with Arrow dtypes ``between`` calls a
    Python function per value (21 s instead of 8 s on 1 M rows). Types are checked on the
    ``schema`` frame (no rows, Arrow dtypes), so they are DuckDB's own: ``date``, ``int``,
    ``float``, ``str``, ``bool``. Date bounds are written ``2000-01-01T00:00:00`` in the suites:
    GX turns a bare ``2000-01-01`` into a ``date``, which pandas will not compare with datetime64.

GX itself is imported inside :func:`validate` only (about 5 s), with usage statistics and
progress bars off, in an ephemeral context: nothing is written to disk (no ``gx/`` folder).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indicators.config import Settings
from indicators.identity import redact_text
from indicators.sources import SourceSpec, load_sources

ENGINE = "great_expectations"
SEVERITIES = ("error", "warn")
FRAMES = ("schema", "current", "by_year")
MIN_PREVIOUS_ROWS = 30  # rows_vs_previous_year is only computed when the previous year had this many
YEAR_SPAN = (2000, 2035)  # academic years the profile looks at (dates outside are range-check failures)
SHOWN_VALUES = 5  # offending values named in ``details``
DETAILS_MAX = 300


class SuiteError(ValueError):
    """A suite file that cannot be used (the message names the file and the problem)."""


# --- suites ----------------------------------------------------------------------------------


def suites_dir(settings: Settings) -> Path:
    return settings.root / "expectations"


def suite_path(settings: Settings, source: str) -> Path:
    return suites_dir(settings) / f"raw_{source}.json"


def load_suite(path: Path) -> dict:
    """The suite JSON as a dict, with every expectation's id, severity and frame checked."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SuiteError(f"{path.name}: cannot be read ({exc})") from exc
    if not doc.get("name") or not isinstance(doc.get("expectations"), list):
        raise SuiteError(f"{path.name}: not a GX suite (needs name and expectations)")
    names = set()
    for number, expectation in enumerate(doc["expectations"], start=1):
        meta = expectation.get("meta") or {}
        where = f"{path.name}: expectation {number} ({expectation.get('type')})"
        if not expectation.get("id"):
            raise SuiteError(f"{where}: no id (ids are fixed in the file so results stay comparable)")
        if meta.get("severity") not in SEVERITIES:
            raise SuiteError(f"{where}: meta.severity must be one of {', '.join(SEVERITIES)}")
        if meta.get("frame", "current") not in FRAMES:
            raise SuiteError(f"{where}: meta.frame must be one of {', '.join(FRAMES)}")
        name = check_name(expectation)
        if name in names:
            raise SuiteError(f"{where}: check name {name!r} twice (add a meta.label)")
        names.add(name)
    return doc


def check_name(expectation: dict) -> str:
    """``expect_column_values_to_be_between(credits_ects)``; a ``meta.label`` is appended."""
    kwargs = expectation.get("kwargs") or {}
    target = kwargs.get("column") or ", ".join(kwargs.get("column_list") or []) or "table"
    label = (expectation.get("meta") or {}).get("label")
    return f"{expectation['type']}({target})" + (f" {label}" if label else "")


def _columns_of(expectation: dict) -> list[str]:
    kwargs = expectation.get("kwargs") or {}
    if "column" in kwargs:
        return [kwargs["column"]]
    return list(kwargs.get("column_list") or [])


# --- frames ----------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def current_rows_sql(spec: SourceSpec, present: list[str], derived: dict[str, str]) -> str:
    """The current rows of ``raw.<source>``: per business key, the rows of the latest file holding it."""
    fields = [name for name in spec.field_names if name in present]
    key = ", ".join(_quote(k) for k in spec.business_key)
    select = ", ".join([_quote(n) for n in fields] + [f"{sql} as {_quote(name)}" for name, sql in derived.items()])
    return (
        f"select {select} from raw.{_quote(spec.name)} "
        f"qualify _file_id = max(_file_id) over (partition by {key})"
    )


def academic_year_start(day: dt.date) -> int:
    """The start year of the academic year (1 July – 30 June) ``day`` falls in."""
    return day.year - (1 if day.month < 7 else 0)


def by_year_sql(current_sql: str, date_column: str, has_programme: bool, coverage_end: dt.date | None,
                today: dt.date) -> str:
    """One row per *final* academic year within the data's span: a year whose last day (30 June) is
    on or before the source's coverage end (:func:`coverage_end`; None: the data's own latest date),
    never after ``today``. A provisional year (the current one, a tail cut by an export's date) is
    not profiled, so a partial year is never judged a collapse. ``latest_rows_vs_previous_year``
    repeats ``rows_vs_previous_year`` for the latest year only: a truncated export shows at its tail,
    while a year without events inside the history (COVID-19) is a drop to look at, not an error."""
    date = _quote(date_column)
    year = f"year({date}) - case when month({date}) < 7 then 1 else 0 end"
    null_programme = "count(*) filter (where programme_code is null)" if has_programme else "0"
    first, last = YEAR_SPAN
    end = f"date '{coverage_end.isoformat()}'" if coverage_end else f"(select max({date}) from current_rows)"
    return f"""
        with current_rows as ({current_sql}),
        per_year as (
            select {year} as year_start, count(*) as row_count, {null_programme} as null_programme_rows
            from current_rows
            where {date} is not null
            group by all
        ),
        bounds as (
            select min(year_start) as first_year, max(year_start) as last_year
            from per_year
            where year_start between {first} and {last}
                and make_date(year_start + 1, 6, 30) <= least({end}, date '{today.isoformat()}')
        ),
        span as (
            select unnest(range(first_year, last_year + 1)) as year_start from bounds where first_year is not null
        ),
        years as (
            select
                span.year_start,
                coalesce(per_year.row_count, 0) as row_count,
                coalesce(per_year.null_programme_rows, 0) as null_programme_rows,
                lag(coalesce(per_year.row_count, 0)) over (order by span.year_start) as previous_year_rows
            from span
            left join per_year on per_year.year_start = span.year_start
        ),
        ratios as (
            select
                *,
                case when previous_year_rows >= {MIN_PREVIOUS_ROWS} then row_count / previous_year_rows end
                    as rows_vs_previous_year
            from years
        )
        select
            cast(year_start as varchar) || '/' || lpad(cast((year_start + 1) % 100 as varchar), 2, '0')
                as academic_year,
            row_count,
            previous_year_rows,
            rows_vs_previous_year,
            case when year_start = (select max(year_start) from years) then rows_vs_previous_year end
                as latest_rows_vs_previous_year,
            {"case when row_count > 0 then null_programme_rows / row_count end" if has_programme else "null"}
                as null_programme_code_share
        from ratios
        order by year_start
    """


def coverage_end(con, source: str) -> dt.date | None:
    """How far a source's deliveries reach, as the models read it (``int_sources_bounded``): the
    latest extraction date of its dated deliveries when its newest delivery's file name gives one;
    None when it does not (the profile then uses the data's own latest date, which is never later
    than the models' data end)."""
    rows = con.execute(
        """
        select extraction_date, max(extraction_date) over ()
        from audit.loaded_files
        where source = ? and status = 'loaded'
        order by file_id desc
        limit 1
        """,
        [source],
    ).fetchall()
    if not rows or rows[0][0] is None:
        return None
    return rows[0][1]


@dataclass
class SourcePlan:
    spec: SourceSpec
    suite: dict
    frames: dict[str, Any] = field(default_factory=dict)  # frame name → pandas DataFrame

    @property
    def table_name(self) -> str:
        return (self.suite.get("meta") or {}).get("table_name") or f"raw.{self.spec.name}"


def _native(table) -> Any:
    """Arrow → pandas with NumPy dtypes where GX vectorises (``between`` maps a Python function over
    every value of any other dtype: 5x slower on 1 M rows): numbers as int64/float64 (NaN for null),
    dates as datetime64[ns]; text stays pandas' Arrow-backed ``str``."""
    frame = table.to_pandas(date_as_object=False)
    for column in frame.columns:
        if str(frame[column].dtype).startswith("datetime64"):
            frame[column] = frame[column].astype("datetime64[ns]")
    return frame


CHUNK_ROWS = 1_000_000  # GX validates the current rows this many at a time, so memory stays bounded


@dataclass(frozen=True)
class ParquetRows:
    """Rows written to a Parquet file for the GX worker (never held whole in memory)."""

    path: Path
    rows: int


def fetch_frames(work: Path, plans: list[SourcePlan], today: dt.date, spill_dir: Path | None = None) -> None:
    """The frames each suite asks for, read from the (closed) working copy, read-only.

    ``schema``: no rows, Arrow dtypes, so GX sees DuckDB's own types (``date``, ``int``, ``float``,
    ``str``, ``bool``); ``current``: the current rows; ``by_year``: the per-year profile.
    """
    import duckdb
    import pandas as pd

    con = duckdb.connect(str(work), read_only=True)
    try:
        for plan in plans:
            present = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
                    [plan.spec.name],
                ).fetchall()
            ]
            meta = plan.suite.get("meta") or {}
            derived = {
                name: sql
                for name, sql in (meta.get("derived_columns") or {}).items()
                if set(re.findall(r"[a-z_]+", sql)) & set(plan.spec.field_names) <= set(present)
            }
            sql = current_rows_sql(plan.spec, present, derived)
            wanted = {(e.get("meta") or {}).get("frame", "current") for e in plan.suite["expectations"]}
            if "schema" in wanted:
                empty = con.sql(f"select * from ({sql}) as current_rows limit 0").to_arrow_table()
                plan.frames["schema"] = empty.to_pandas(types_mapper=pd.ArrowDtype)
            if "current" in wanted:
                if spill_dir is None:
                    plan.frames["current"] = _native(con.sql(sql).to_arrow_table())
                else:
                    path = spill_dir / f"{plan.spec.name}.parquet"
                    # uniqueness is checked on a 64-bit hash of the key (DuckDB's), not on the key's text:
                    # a few bytes a row instead of the whole key, for all rows at once
                    hashes = "".join(
                        f", hash({', '.join(_quote(c) for c in _columns_of(e))}) as {_quote(_unique_column(e))}"
                        for e in plan.suite["expectations"]
                        if "unique" in e["type"] and (e.get("meta") or {}).get("frame", "current") == "current"
                        and set(_columns_of(e)) <= set(present) | set(derived)
                    )
                    copy = f"copy (select *{hashes} from ({sql}) as current_rows) to '{path}'"
                    con.execute(f"{copy} (format parquet, row_group_size 122880)").fetchall()
                    rows = con.execute(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
                    plan.frames["current"] = ParquetRows(path, rows)
            year_column = meta.get("year_date_column")
            if "by_year" in wanted and year_column in present:
                end = coverage_end(con, plan.spec.name)
                profile = by_year_sql(sql, year_column, "programme_code" in present, end, today)
                plan.frames["by_year"] = _native(con.sql(profile).to_arrow_table())
    finally:
        con.close()


# --- running GX ------------------------------------------------------------------------------


def _gx_context():
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # before the import: GX reads it at import time
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _result_format(frame: str) -> dict:
    if frame == "by_year":  # a handful of rows: name the academic years that fail
        return {"result_format": "COMPLETE", "unexpected_index_column_names": ["academic_year"]}
    return {"result_format": "SUMMARY", "partial_unexpected_count": 20}


@dataclass
class Prepared:
    """What :func:`prepare` read from the warehouse: the frames to validate, and rows already decided."""

    plans: list[SourcePlan]
    rows: list[dict]
    started: float
    fetch_seconds: float


_WORKER = None  # a one-process pool (spawned, so no GIL shared with dbt) with GX already imported


def _import_gx() -> None:
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    import great_expectations  # noqa: F401


def preload() -> None:
    """Start a worker process that imports Great Expectations (about 5 s) while the caller goes on."""
    global _WORKER
    if _WORKER is None:
        import multiprocessing

        _WORKER = multiprocessing.get_context("spawn").Pool(1, initializer=_import_gx)


def execute_in_worker(prepared: Prepared):
    """:func:`execute` in the preloaded worker process; returns an ``AsyncResult`` of (rows, summary)."""
    preload()
    return _WORKER.apply_async(_execute_quietly, (prepared,))


def shutdown() -> None:
    global _WORKER
    if _WORKER is not None:
        _WORKER.close()  # no more work: let the worker finish and exit (terminate leaks its semaphores)
        _WORKER.join()
        _WORKER = None


def _execute_quietly(prepared: Prepared) -> tuple[list[dict], list[str], float, float]:
    """(rows, progress lines, seconds, the worker's peak memory in MB)."""
    lines: list[str] = []
    clock = time.monotonic()
    rows = execute(prepared, lines.append)
    return rows, lines, prepared.fetch_seconds + time.monotonic() - clock, peak_memory_mb()


def peak_memory_mb() -> float:
    """This process's peak resident memory since its program started (VmHWM; exec resets it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def validate(
    settings: Settings,
    work: Path,
    run_id: str,
    sources_loaded: list[str],
    reporter: Callable[[str], None],
    *,
    today: dt.date | None = None,
) -> list[dict]:
    """One result row per expectation of every loaded source's suite (see ``audit.dq_results``)."""
    return execute(prepare(settings, work, sources_loaded, today=today), reporter)


def prepare(
    settings: Settings,
    work: Path,
    sources_loaded: list[str],
    *,
    today: dt.date | None = None,
    spill_dir: Path | None = None,
) -> Prepared:
    """Read the rows to validate from the warehouse (the connection is closed on return).

    With ``spill_dir`` the current rows go to Parquet files there (written by DuckDB, streaming), to
    be validated chunk by chunk; otherwise they are read into memory.
    """
    clock = time.monotonic()
    today = today or dt.date.today()
    specs = {spec.name: spec for spec in load_sources(settings.pipelines_dir)}
    rows: list[dict] = []
    plans: list[SourcePlan] = []
    for source in sources_loaded:
        path = suite_path(settings, source)
        if source not in specs:
            continue
        if not path.exists():
            rows.append(_row(f"raw_{source}", "suite file present", f"raw.{source}", "warn", False,
                             None, None, f"no suite {path.name}: raw.{source} is not checked by GX"))
            continue
        plans.append(SourcePlan(specs[source], load_suite(path)))
    if plans:
        if spill_dir is not None:
            spill_dir.mkdir(parents=True, exist_ok=True)
        fetch_frames(work, plans, today, spill_dir)
    return Prepared(plans, rows, clock, time.monotonic() - clock)


def execute(prepared: Prepared, reporter: Callable[[str], None]) -> list[dict]:
    """Validate the prepared frames with GX; needs no warehouse connection (it can run beside dbt)."""
    plans, rows = prepared.plans, list(prepared.rows)
    if not plans:
        return rows
    clock = time.monotonic()
    context = _gx_context()  # imports GX (about 5 s) unless the worker already did
    datasource = context.data_sources.add_pandas("raw")
    for plan in plans:
        personal = set(plan.spec.personal)
        by_frame: dict[str, list[dict]] = {}
        for expectation in plan.suite["expectations"]:
            by_frame.setdefault((expectation.get("meta") or {}).get("frame", "current"), []).append(expectation)
        for frame_name, expectations in by_frame.items():
            frame = plan.frames.get(frame_name)
            if frame is None:  # e.g. the suite's year column is missing from the table
                for expectation in expectations:
                    rows.append(_expectation_row(plan, expectation, None, personal, "frame not built"))
                continue
            if isinstance(frame, ParquetRows):
                by_id = _validate_in_chunks(datasource, plan, frame_name, frame, expectations)
            else:
                by_id = _validate(datasource, plan, frame_name, frame, expectations, frame_name)
            for expectation in expectations:
                profile = frame if frame_name == "by_year" else None
                rows.append(_expectation_row(plan, expectation, by_id.get(expectation["id"]), personal, None, profile))
    failed = [r for r in rows if not r["success"]]
    errors = sum(1 for r in failed if r["severity"] == "error")
    reporter(
        f"quality: great_expectations on {len(plans)} sources: {len(rows) - len(failed)} of {len(rows)} checks "
        f"passed, {errors} errors, {len(failed) - errors} warnings "
        f"(reading the rows {prepared.fetch_seconds:.1f}s, validating {time.monotonic() - clock:.1f}s)"
    )
    return rows


def _validate(datasource, plan: SourcePlan, frame_name: str, frame, expectations: list[dict], asset: str) -> dict:
    from great_expectations.core.expectation_suite import ExpectationSuite

    suite = ExpectationSuite(name=f"{plan.suite['name']}__{asset}", expectations=expectations)
    name = f"{plan.spec.name}__{asset}"
    batch = (
        datasource.add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    try:
        outcome = batch.validate(suite, result_format=_result_format(frame_name))
    finally:
        del batch
        datasource.delete_asset(name)  # the asset would keep its data frame alive: one chunk at a time
        _forget_batches(datasource)
    return {result.expectation_config.id: result for result in outcome.results}


def _forget_batches(datasource) -> None:
    """Empty the caches GX's execution engine (one per data source, kept) never empties itself.

    It keeps every batch (with its data frame) and every resolved metric (a row-long boolean series
    for each column-map expectation among them), so memory grew with every chunk validated. The
    caches only save work within one validation, which is over here.
    """
    engine = datasource.get_execution_engine()
    engine.batch_manager.reset_batch_cache()  # the batches, each holding its data frame
    engine.batch_manager.batch_data_cache.clear()
    metric_cache = getattr(engine, "_metric_cache", None)  # GX 1.24: no public way to empty it
    if isinstance(metric_cache, dict):
        metric_cache.clear()


def _validate_in_chunks(datasource, plan: SourcePlan, frame_name: str, rows: ParquetRows, expectations: list[dict]) -> dict:
    """Column-map expectations chunk by chunk, their results added up; uniqueness on its own columns, whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    whole = [e for e in expectations if "unique" in e["type"]]
    chunked = [e for e in expectations if "unique" not in e["type"]]
    parquet = pq.ParquetFile(rows.path)
    results: dict[str, list] = {e["id"]: [] for e in chunked}
    for number, batch in enumerate(parquet.iter_batches(batch_size=CHUNK_ROWS)):
        frame = _native(pa.Table.from_batches([batch]))
        for expectation_id, result in _validate(datasource, plan, frame_name, frame, chunked, f"{frame_name}_{number}").items():
            results[expectation_id].append(result)
        del frame
    if rows.rows == 0:  # GX still sees the (empty) frame, so every expectation has a result
        empty = _native(parquet.schema_arrow.empty_table())
        for expectation_id, result in _validate(datasource, plan, frame_name, empty, chunked, f"{frame_name}_empty").items():
            results[expectation_id].append(result)
    merged = {expectation_id: _merge(parts) for expectation_id, parts in results.items() if parts}
    for expectation in whole:
        column = _unique_column(expectation)
        if column not in parquet.schema_arrow.names:
            continue  # the key's columns are missing: reported as not evaluated
        probe = {**expectation, "type": "expect_column_values_to_be_unique", "kwargs": {"column": column}}
        frame = _native(pq.read_table(rows.path, columns=[column]))
        result = _validate(datasource, plan, frame_name, frame, [probe], f"{frame_name}_{column}")[expectation["id"]]
        del frame
        _show_keys_for_hashes(result, rows.path, column, _columns_of(expectation))
        merged[expectation["id"]] = result
    return merged


def _unique_column(expectation: dict) -> str:
    return "__unique_" + re.sub(r"[^0-9a-z]", "", expectation["id"].lower())[:12]


def _show_keys_for_hashes(result, path: Path, column: str, key_columns: list[str]) -> None:
    """Name the duplicated keys themselves, not their hashes, in a failed uniqueness result."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    data = result.result or {}
    items = data.get("partial_unexpected_counts") or []
    if not items:
        return
    table = pq.read_table(path, columns=[*key_columns, column])
    wanted = table.filter(pc.is_in(table[column], value_set=pa_array([item["value"] for item in items])))
    keys: dict = {}
    for row in wanted.to_pylist():
        keys[row[column]] = " | ".join(str(row[c]) for c in key_columns) if len(key_columns) > 1 else row[key_columns[0]]
    data["partial_unexpected_counts"] = [{"value": keys.get(item["value"], item["value"]), "count": item["count"]} for item in items]
    data["partial_unexpected_list"] = [keys.get(value, value) for value in data.get("partial_unexpected_list") or []]


def pa_array(values: list):
    import pyarrow as pa

    return pa.array(values, type=pa.uint64())


def _merge(parts: list):
    """One GX-like result from the results of several chunks (counts added, examples pooled)."""
    from types import SimpleNamespace

    if len(parts) == 1:
        return parts[0]
    failed = [part for part in parts if _exception_message(part)]
    if failed:
        return failed[0]
    data: dict = {}
    counts: dict = {}
    for part in parts:
        result = dict(part.result or {})
        for key in ("element_count", "unexpected_count", "missing_count"):
            if key in result:
                data[key] = data.get(key, 0) + int(result[key] or 0)
        for item in result.get("partial_unexpected_counts") or []:
            counts[repr(item["value"])] = {"value": item["value"], "count": counts.get(repr(item["value"]), {}).get("count", 0) + item["count"]}
        if "observed_value" in result and "element_count" not in result:
            data["observed_value"] = result["observed_value"]
    data["partial_unexpected_counts"] = sorted(counts.values(), key=lambda item: -item["count"])
    return SimpleNamespace(
        success=all(part.success for part in parts),
        result=data,
        exception_info={},
        expectation_config=parts[0].expectation_config,
    )


# --- result rows -----------------------------------------------------------------------------


def _row(suite, name, table, severity, success, observed, failing, details) -> dict:
    return {
        "engine": ENGINE,
        "suite_name": suite,
        "check_name": name,
        "table_name": table,
        "severity": severity,
        "success": bool(success),
        "observed_value": observed,
        "failing_count": failing,
        "details": details,
    }


def _expectation_row(
    plan: SourcePlan, expectation: dict, result, personal: set[str], missing: str | None, profile=None
) -> dict:
    severity = expectation["meta"]["severity"]
    base = (plan.suite["name"], check_name(expectation), plan.table_name, severity)
    if result is None:
        return _row(*base, False, None, None, f"not evaluated: {missing or 'no result from GX'}")
    exception = _exception_message(result)
    if exception:
        return _row(*base, False, None, None, _clip(f"not evaluated: {exception}"))
    shows_personal = bool(personal & set(_columns_of(expectation)))
    data = dict(result.result or {})
    observed, failing, details = _describe(expectation, data, shows_personal, profile)
    if not data and not result.success:
        details = details or "GX returned no result"
    return _row(*base, bool(result.success), observed, failing, None if result.success else _clip(details or "failed"))


def _exception_message(result) -> str | None:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception")
    for value in info.values():  # keyed by metric when a metric failed
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "exception").splitlines()[0]
    return None


def _describe(expectation: dict, data: dict, shows_personal: bool, frame) -> tuple[str | None, int | None, str | None]:
    """(observed_value, failing_count, details) from GX's result; ``frame`` is the by-year profile if checked on it."""
    kind = expectation["type"]
    if kind == "expect_table_columns_to_match_set":
        missing = sorted((data.get("details") or {}).get("mismatched", {}).get("missing") or [])
        return (f"{len(data.get('observed_value') or [])} columns", len(missing),
                "missing columns: " + ", ".join(missing) if missing else None)
    if "element_count" not in data:  # table-level or aggregate: GX's observed value (a type, a number)
        observed = data.get("observed_value")
        shown = None if observed is None else _show(observed, quote=False)
        return shown, None, f"observed {shown}"
    failing = int(data.get("unexpected_count") or 0)
    unit = "academic years" if frame is not None else "rows"
    observed = f"{failing} of {data['element_count']} {unit} unexpected"
    if data.get("missing_count"):
        observed += f" ({data['missing_count']} null, not counted)"
    if not failing:
        return observed, 0, None
    if shows_personal:
        return observed, failing, f"{failing} {unit} (values not shown: personal data)"
    if frame is not None:  # the by-year profile: name the years
        return observed, failing, _years_detail(expectation, data, frame)
    shown = [
        f"{_show(item['value'])} ({item['count']})" for item in (data.get("partial_unexpected_counts") or [])[:SHOWN_VALUES]
    ]
    return observed, failing, f"{failing} {unit}, e.g. " + ", ".join(shown)


def _years_detail(expectation: dict, data: dict, frame) -> str:
    column = expectation["kwargs"]["column"]
    years = [item.get("academic_year") for item in data.get("unexpected_index_list") or []]
    parts = []
    for year in years[:SHOWN_VALUES]:
        row = frame[frame["academic_year"] == year].iloc[0]
        if column in ("rows_vs_previous_year", "latest_rows_vs_previous_year"):
            parts.append(f"{year}: {row['row_count']} rows, {_show(row[column])} of {int(row['previous_year_rows'])}")
        else:
            parts.append(f"{year}: {_show(row[column])}")
    return "academic years " + "; ".join(parts)


def _show(value: Any, quote: bool = True) -> str:
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, dt.datetime) and value == dt.datetime.combine(value.date(), dt.time()):
        return value.date().isoformat()  # a date held as a midnight timestamp
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v) for v in value)
    text = str(value)
    text = redact_text(text)
    return repr(text[:40]) if quote and isinstance(value, str) else text[:40]


def _clip(text: str) -> str:
    text = redact_text(text)
    return text if len(text) <= DETAILS_MAX else text[: DETAILS_MAX - 1] + "…"
