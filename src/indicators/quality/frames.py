"""The rows each suite is checked on, read from the working copy (DuckDB → Arrow → pandas or Parquet).

Which rows
    Only sources loaded in this run are validated, on their *current* rows: the rows the staging
    models publish, chosen by the staging models' own rule, the dbt macro
    ``macros/latest_version.sql`` (per business key, the latest file's last row) rendered here
    from the same file. So a check that passes here passes for what is published.

    The uniqueness checks are the exception: they are judged on the *latest-file rows*, the rows of
    each current row's file that hold its key (``sql/latest_file_rows.sql``). Staging would keep one
    of two rows of one file with the same key and drop the other silently; the check exists to see
    them (the ingest quarantines such rows, so a duplicate here is an ingest bug).

    ``schema``: no rows, Arrow dtypes, so GX sees DuckDB's own types (``date``, ``int``, ``float``,
    ``str``, ``bool``). ``by_year``: a small profile of the current rows, one row per final
    academic year (:func:`by_year_sql`), with ``row_count``, ``rows_vs_previous_year`` (null when the
    previous year has fewer than 30 rows: small numbers say nothing) and
    ``null_programme_code_share``. Years without rows inside the span count as 0, so a missing year
    is a collapse. The academic year is the dbt project's (``macros/academic_years.sql``), rendered
    from the same file.

Value checks
    A check of each value on its own (in a set, between, a regex, not null: :data:`VALUE_CHECKS`,
    without ``mostly`` or ``row_condition``) has the same verdict on the current rows as on their
    distinct values, so GX judges it on ``current_values`` (``sql/current_values.sql``): each checked
    column's distinct values, one column beside the other, with the number of current rows holding
    each (:func:`weight_column`). A column checked for nulls only is grouped by whether it is null.
    A column with fewer values than the longest repeats its most frequent one with weight 0, so it
    holds only values of its own and GX's verdict stands as it is; the counts GX reports are then
    weighed back into rows (``gx.weigh``). At scale 100 (1.8 M raw rows) the largest such frame has
    3,501 rows (student mobility, from about 800,000 current rows). Any other check on ``current`` (a mean, a proportion, ``mostly``) is
    judged on the current rows themselves.

The SQL is in ``sql/*.sql`` (jinja templates importing the dbt macros); identifiers are quoted,
values are query parameters.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indicators.quality.suites import columns_of, frame_of, is_uniqueness
from indicators.sources import ROWLESS_DELIVERY, SourceSpec

MIN_PREVIOUS_ROWS = 30  # rows_vs_previous_year is only computed when the previous year had this many
YEAR_SPAN = (2000, 2035)  # academic years the profile looks at (dates outside are range-check failures)
LATEST_FILE_ROWS = "latest_file_rows"  # the frame the uniqueness checks of ``current`` are judged on
VALUES = "current_values"  # the frame the value checks of ``current`` are judged on
# checks of each value on its own: the same verdict on the distinct values as on the rows
NULL_CHECKS = frozenset({"expect_column_values_to_not_be_null", "expect_column_values_to_be_null"})
VALUE_CHECKS = NULL_CHECKS | frozenset(
    {
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_not_match_regex_list",
        "expect_column_values_to_match_like_pattern",
        "expect_column_values_to_not_match_like_pattern",
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
    }
)
SQL_DIR = Path(__file__).parent / "sql"


@dataclass
class SourcePlan:
    spec: SourceSpec
    suite: dict
    frames: dict[str, Any] = field(default_factory=dict)  # frame name → pandas DataFrame or ParquetRows
    # the columns of ``current_values`` (:func:`value_columns`), once the frames are read
    value_columns: dict[str, bool] = field(default_factory=dict)

    @property
    def table_name(self) -> str:
        return (self.suite.get("meta") or {}).get("table_name") or f"raw.{self.spec.name}"


@dataclass(frozen=True)
class ParquetRows:
    """Rows written to a Parquet file for the GX worker (never held whole in memory)."""

    path: Path
    rows: int


# --- the SQL ---------------------------------------------------------------------------------


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@functools.cache
def _templates(macros_dir: Path):
    import jinja2

    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(SQL_DIR),
            jinja2.PrefixLoader({"macros": jinja2.FileSystemLoader(macros_dir)}),
        ]
    )
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False)


def render(template: str, macros_dir: Path, **values) -> str:
    """``sql/<template>``, its ``{% from 'macros/…' %}`` imports read from the dbt project's macros."""
    return _templates(Path(macros_dir).resolve()).get_template(template).render(**values)


def available_columns(spec: SourceSpec, present: list[str], derived: dict[str, str]) -> dict[str, str | None]:
    """Column name → None for the spec's fields the table has, or a suite's derived column's SQL."""
    return {name: None for name in spec.field_names if name in present} | dict(derived)


def _select(columns: dict[str, str | None]) -> list[tuple[str, str | None]]:
    return [(quote(name), expression) for name, expression in columns.items()]


def current_rows_sql(spec: SourceSpec, present: list[str], derived: dict[str, str], macros_dir: Path) -> str:
    """The current rows of ``raw.<source>``: the staging models' rows (``latest_version``)."""
    return render(
        "current_rows.sql",
        macros_dir,
        table=quote(spec.name),
        keys=[quote(k) for k in spec.business_key],
        columns=_select(available_columns(spec, present, derived)),
    )


def latest_file_rows_sql(
    spec: SourceSpec,
    present: list[str],
    derived: dict[str, str],
    macros_dir: Path,
    *,
    only: list[str] | None = None,
    hashes: list[tuple[str, list[str]]] = (),
) -> str:
    """The rows of each current row's file that hold its key: ``_file_id``, the columns (``only``
    those, if given) and ``hashes``, (name, columns) pairs, each a 64-bit hash of its columns."""
    columns = available_columns(spec, present, derived)
    if only is not None:
        columns = {name: columns[name] for name in only}
    return render(
        "latest_file_rows.sql",
        macros_dir,
        table=quote(spec.name),
        keys=[quote(k) for k in spec.business_key],
        columns=_select(columns),
        hashes=[(quote(name), [quote(c) for c in hashed]) for name, hashed in hashes],
    )


def is_value_check(expectation: dict) -> bool:
    """A check of each value of one column on its own, judged on ``current_values``."""
    kwargs = expectation.get("kwargs") or {}
    return (
        frame_of(expectation) == "current"
        and expectation["type"] in VALUE_CHECKS
        and isinstance(kwargs.get("column"), str)
        and kwargs.get("mostly") is None
        and not kwargs.get("row_condition")
    )


def weight_column(column: str) -> str:
    """The column of ``current_values`` holding how many current rows have each value of ``column``."""
    return f"__rows__{column}"


def value_columns(expectations: list[dict], available) -> dict[str, bool]:
    """Column → whether its values are grouped (False: only whether they are null) in
    ``current_values``, for the value checks' columns the rows have."""
    checked: dict[str, bool] = {}
    for expectation in expectations:
        column = expectation["kwargs"]["column"]
        if column in available:
            checked[column] = checked.get(column, False) or expectation["type"] not in NULL_CHECKS
    return checked


def current_values_sql(
    spec: SourceSpec, present: list[str], derived: dict[str, str], macros_dir: Path, checked: dict[str, bool]
) -> str:
    """``current_values``: the distinct values of ``checked``'s columns in the current rows, weighed."""
    columns = available_columns(spec, present, derived)
    return render(
        "current_values.sql",
        macros_dir,
        table=quote(spec.name),
        keys=[quote(k) for k in spec.business_key],
        columns=_select({name: columns[name] for name in checked}),
        checked=[(quote(name), quote(weight_column(name)), by_value) for name, by_value in checked.items()],
    )


def by_year_sql(current_sql: str, date_column: str, has_programme: bool, macros_dir: Path) -> str:
    """One row per *final* academic year within the data's span: a year whose last day (30 June) is
    on or before the source's coverage end (parameter ``coverage_end``, :func:`coverage_end`; null:
    the data's own latest date), never after ``today``. A provisional year (the current one, a tail
    cut by an export's date) is not profiled, so a partial year is never judged a collapse.
    ``latest_rows_vs_previous_year`` repeats ``rows_vs_previous_year`` for the latest year only: a
    truncated export shows at its tail, while a year without events inside the history (COVID-19) is
    a drop to look at, not an error. Parameters: :func:`by_year_parameters`."""
    return render(
        "by_year.sql",
        macros_dir,
        current_rows=current_sql,
        date=quote(date_column),
        has_programme=has_programme,
    )


def by_year_parameters(coverage_end: dt.date | None, today: dt.date) -> dict[str, Any]:
    first, last = YEAR_SPAN
    return {
        "coverage_end": coverage_end,
        "today": today,
        "first_year": first,
        "last_year": last,
        "min_previous_rows": MIN_PREVIOUS_ROWS,
    }


def coverage_end(con, source: str) -> dt.date | None:
    """How far a source's deliveries reach, as the models read it (``int_sources_bounded``): the
    latest extraction date of its dated deliveries (a dated file without rows of its own too:
    ``ROWLESS_DELIVERY``, a monthly delta's empty month) when its newest loaded file's name gives
    one; None when it does not (the profile then uses the data's own latest date, which is never
    later than the models' data end)."""
    rows = con.execute(
        f"""
        select extraction_date, (
            select max(extraction_date) from audit.loaded_files
            where source = $source and (status = 'loaded' or ({ROWLESS_DELIVERY}))
        )
        from audit.loaded_files
        where source = $source and status = 'loaded'
        order by file_id desc
        limit 1
        """,
        {"source": source},
    ).fetchall()
    if not rows or rows[0][0] is None:
        return None
    return rows[0][1]


# --- reading the frames ----------------------------------------------------------------------


def native(table) -> Any:
    """Arrow → pandas with NumPy dtypes where GX vectorises (``between`` maps a Python function over
    every value of any other dtype: 5x slower on 1 M rows): numbers as int64/float64 (NaN for null),
    dates as datetime64[ns]; text stays pandas' Arrow-backed ``str``."""
    frame = table.to_pandas(date_as_object=False)
    for column in frame.columns:
        if str(frame[column].dtype).startswith("datetime64"):
            frame[column] = frame[column].astype("datetime64[ns]")
    return frame


def unique_column(expectation: dict) -> str:
    """The name of the hashed key column a uniqueness check is judged on in a Parquet file: one per
    key, so that two checks of one key (a warning for any repeat, an error above a share) share it."""
    key = "\x1f".join(columns_of(expectation))
    return "__unique_" + hashlib.sha256(key.encode()).hexdigest()[:12]


def fetch_frames(
    work: Path, plans: list[SourcePlan], today: dt.date, macros_dir: Path, spill_dir: Path | None = None
) -> None:
    """The frames each suite asks for, read from the (closed) working copy, read-only. With
    ``spill_dir`` the frames go to Parquet files there (written by DuckDB, streaming)."""
    from indicators import warehouse

    # with the warehouse's memory limit: DuckDB's default (80 % of the machine) let this step hold
    # 5.1 GB at scale 1000
    con = warehouse.connect(work, read_only=True)
    try:
        read_frames(con, plans, today, macros_dir, spill_dir, lambda source: coverage_end(con, source))
    finally:
        con.close()


@dataclass(frozen=True)
class ArchivedRows:
    """A source's raw rows as the archive holds them: its Parquet files (this run's staged ones and
    the committed ones), their row count, and the source's coverage end (:func:`coverage_end`)."""

    files: tuple[str, ...]
    rows: int
    coverage_end: dt.date | None


def archived_rows(con, archive, staged: list[dict], sources: list[str]) -> dict[str, ArchivedRows] | None:
    """Where the archive holds each of ``sources``' raw rows, so they can be read beside the build
    (in the GX worker) instead of before it; None when for any source the archive's rows are not
    exactly ``raw.<source>``'s (a warehouse from before the archive, say): then they are read from
    the working copy, before the build, as before."""
    entries = [*archive.entries().values(), *staged]
    found: dict[str, ArchivedRows] = {}
    for source in sources:
        mine = [e for e in entries if e["source"] == source and e.get("rows")]
        rows = sum(int(e["row_count"]) for e in mine)
        (raw,) = con.execute(f"select count(*) from raw.{quote(source)}").fetchone()
        files = tuple(dict.fromkeys(str(archive.root / e["rows"]["path"]) for e in mine))
        if rows != raw or not files or not all(Path(f).exists() for f in files):
            return None
        found[source] = ArchivedRows(files, rows, coverage_end(con, source))
    return found


def fetch_archived_frames(
    archived: dict[str, ArchivedRows],
    plans: list[SourcePlan],
    today: dt.date,
    macros_dir: Path,
    spill_dir: Path | None,
    memory_limit: str,
) -> None:
    """:func:`fetch_frames` from the archive's Parquet files, in an in-memory DuckDB of this process
    (the GX worker's: the working copy is dbt's while it builds) with ``memory_limit``. Same SQL, same
    rows: the archive holds every loaded row exactly as ``raw.<source>`` does (:func:`archived_rows`
    checked it)."""
    import duckdb

    config = {"memory_limit": memory_limit}
    if spill_dir is not None:  # else an in-memory DuckDB spills into ./.tmp of the working directory
        config["temp_directory"] = str(spill_dir / "duckdb.tmp")
    con = duckdb.connect(config=config)
    try:
        con.execute("create schema raw")
        for plan in plans:
            files = ", ".join("'" + f.replace("'", "''") + "'" for f in archived[plan.spec.name].files)
            con.execute(
                f"create view raw.{quote(plan.spec.name)} as "
                f"select * from read_parquet([{files}], union_by_name = true)"
            )
        read_frames(con, plans, today, macros_dir, spill_dir, lambda source: archived[source].coverage_end)
    finally:
        con.close()


def read_frames(
    con, plans: list[SourcePlan], today: dt.date, macros_dir: Path, spill_dir, coverage_of
) -> None:
    """The frames of :func:`fetch_frames` on an open connection whose ``raw`` schema holds the tables;
    ``coverage_of(source)`` gives a source's coverage end."""
    import pandas as pd

    for plan in plans:
        spec, meta = plan.spec, plan.suite.get("meta") or {}
        present = [
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
                [spec.name],
            ).fetchall()
        ]
        derived = {
            name: sql
            for name, sql in (meta.get("derived_columns") or {}).items()
            if set(re.findall(r"[a-z_]+", sql)) & set(spec.field_names) <= set(present)
        }
        sql = current_rows_sql(spec, present, derived, macros_dir)
        expectations = plan.suite["expectations"]
        checked = value_columns(
            [e for e in expectations if is_value_check(e)], available_columns(spec, present, derived)
        )
        wanted = {judged_on(e, checked) for e in expectations}
        unique = [e for e in expectations if judged_on(e, checked) == LATEST_FILE_ROWS]
        plan.value_columns = checked
        if checked:
            values_sql = current_values_sql(spec, present, derived, macros_dir, checked)
            plan.frames[VALUES] = (
                native(con.sql(values_sql).to_arrow_table())
                if spill_dir is None
                else _spill(con, values_sql, spill_dir / f"{spec.name}__values.parquet")
            )
        if "schema" in wanted:
            plan.frames["schema"] = (
                con.sql(sql).limit(0).to_arrow_table().to_pandas(types_mapper=pd.ArrowDtype)
            )
        if "current" in wanted:
            plan.frames["current"] = (
                native(con.sql(sql).to_arrow_table())
                if spill_dir is None
                else _spill(con, sql, spill_dir / f"{spec.name}.parquet")
            )
        if unique:
            if spill_dir is None:
                rows_sql = latest_file_rows_sql(spec, present, derived, macros_dir)
                plan.frames[LATEST_FILE_ROWS] = native(con.sql(rows_sql).to_arrow_table())
            else:
                # uniqueness is checked on a 64-bit hash of the key (DuckDB's), not on the key's text:
                # a few bytes a row instead of the whole key, for all rows at once; the keys themselves
                # are kept beside it, to name the duplicated ones
                available = available_columns(spec, present, derived)
                hashed = [e for e in unique if set(columns_of(e)) <= set(available)]
                keys = list(dict.fromkeys(c for e in hashed for c in columns_of(e)))
                hashes = list({unique_column(e): columns_of(e) for e in hashed}.items())  # one per key
                rows_sql = latest_file_rows_sql(spec, present, derived, macros_dir, only=keys, hashes=hashes)
                plan.frames[LATEST_FILE_ROWS] = _spill(
                    con, rows_sql, spill_dir / f"{spec.name}__keys.parquet"
                )
        year_column = meta.get("year_date_column")
        if "by_year" in wanted and year_column in present:
            profile = by_year_sql(sql, year_column, "programme_code" in present, macros_dir)
            parameters = by_year_parameters(coverage_of(spec.name), today)
            plan.frames["by_year"] = native(con.sql(profile, params=parameters).to_arrow_table())


def judged_on(expectation: dict, checked: dict[str, bool]) -> str:
    """The frame a check is judged on: the one its suite names, except on ``current``, where a
    uniqueness check is judged on the latest-file rows and a value check whose column is in
    ``current_values`` (``checked``, :func:`value_columns`) on those values."""
    frame = frame_of(expectation)
    if frame != "current":
        return frame
    if is_uniqueness(expectation):
        return LATEST_FILE_ROWS
    if is_value_check(expectation) and expectation["kwargs"]["column"] in checked:
        return VALUES
    return "current"


def _spill(con, sql: str, path: Path) -> ParquetRows:
    import pyarrow.parquet as pq

    con.sql(sql).write_parquet(str(path), row_group_size=122880)
    return ParquetRows(path, pq.ParquetFile(path).metadata.num_rows)
