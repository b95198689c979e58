"""Fields an export does not carry as a column: ``derive:`` (a DuckDB SQL expression over the
export's own columns) and ``generate: row`` (a key made from the whole exported row).

Both run in one in-memory DuckDB connection with external access off: an expression reads the
export's rows and the settings (``getvariable('home_institution_code')``, ``getvariable('home_hei_id')``,
``getvariable('file_name')``) and nothing else. The result is text, parsed afterwards like an
exported value of the field's type.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from indicators.redact import redact_text
from indicators.sources import SourceSpec, read_yaml

if TYPE_CHECKING:
    from indicators.identity import Pseudonymiser

THRESHOLDS = "expectations/thresholds.yml"

DERIVED = "__derived__"  # prefix of the columns added here (never an export's header)
# why a reader could not take a row as it is (a CSV row with more fields than the header): the
# normaliser quarantines the row with this reason
READER_REASON = "__reader_reason__"
# why a reader leaves a row out as no record of the source (an EWP IIA that is a draft, not in
# effect): the normaliser drops the row and the file's note counts it with this reason
LEFT_OUT = "__left_out__"
# prefix of a column the XLSX reader adds beside an export column holding Excel error cells (#N/A):
# the reason for each such row; the normaliser quarantines the row when a field reads that column
EXCEL_ERROR = "__excel_error__"
KEEP = "__keep__"  # keep_rows: the condition's value (rows where it is not true are left out)
PERSONS = "__persons__"  # persons_per_row: why a row's count of persons is none (else NULL)
# the most persons one row may count: a count above it is no group's (a shifted cell, a number typed
# twice: 2000000000 copies of one row ran the night out of memory), its row is quarantined once
MAX_PERSONS_PER_ROW = 10_000


@dataclass(frozen=True)
class ReadOptions:
    """What reading a file needs from the settings."""

    home_institution_code: str = "S  LUND01"
    home_hei_id: str = "lu.se"
    date_min: dt.date = dt.date(1990, 1, 1)
    date_max: dt.date = field(default_factory=lambda: _years_ahead(dt.date.today(), 10))
    file_name: str = ""
    # (source, field, least, most, why): a row whose value is outside is quarantined (row_ranges)
    ranges: tuple[tuple[str, str, float | None, float | None, str], ...] = ()

    @classmethod
    def from_settings(cls, settings, today: dt.date | None = None) -> ReadOptions:
        today = today or dt.date.today()
        start = getattr(settings, "date_window_start", "1990-01-01")
        ahead = int(getattr(settings, "date_window_years_ahead", 10))
        root = getattr(settings, "root", None)
        return cls(
            home_institution_code=getattr(settings, "home_institution_code", "S  LUND01"),
            home_hei_id=getattr(settings, "home_hei_id", "lu.se"),
            date_min=start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start)),
            date_max=_years_ahead(today, ahead),
            ranges=row_ranges(root) if root is not None else (),
        )


def row_ranges(root) -> tuple[tuple[str, str, float | None, float | None, str], ...]:
    """The error-level value ranges of single rows in ``expectations/thresholds.yml`` (a count never
    negative, ECTS of one stay 0-120): (source, field, least, most, why).

    GX checks them on what was loaded, where one bad row would stop the night's publish; the ingest
    quarantines a row outside one (with its file, row number and reason), so that it cannot. The
    checks on a frame other than the rows (by_year), on a derived column, and warn-level ones are
    GX's alone."""
    path = root / THRESHOLDS
    if not path.exists():
        return ()
    found = []
    for source, entry in ((read_yaml(path) or {}).get("sources") or {}).items():
        derived = set(((entry or {}).get("meta") or {}).get("derived_columns") or {})
        for check in (entry or {}).get("checks") or []:
            if (
                check.get("type") == "expect_column_values_to_be_between"
                and check.get("severity") == "error"
                and check.get("frame", "current") == "current"
                and check.get("column") not in derived
                and all(
                    isinstance(check.get(k), (int, float, type(None))) for k in ("min_value", "max_value")
                )
            ):
                found.append(
                    (
                        source,
                        check["column"],
                        check.get("min_value"),
                        check.get("max_value"),
                        str(check.get("why", "")),
                    )
                )
    return tuple(found)


def _years_ahead(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class DeriveError(Exception):
    """A derive: that does not fit the file (the message is the rejection reason)."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def export_columns(frame: pl.DataFrame) -> list[str]:
    """The export's own columns (not the row number, not a derived column)."""
    return [
        c
        for c in frame.columns
        if c not in ("_row_number", READER_REASON, LEFT_OUT) and not c.startswith((DERIVED, EXCEL_ERROR))
    ]


def leave_out(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str], int]:
    """``frame`` without the rows a reader marked :data:`LEFT_OUT`, a note per reason (how many, and
    which: the first 10 row numbers), and how many were left out."""
    if LEFT_OUT not in frame.columns:
        return frame, [], 0
    out = frame.filter(pl.col(LEFT_OUT).is_not_null())
    notes = []
    for reason, numbers in out.group_by(LEFT_OUT, maintain_order=True).agg("_row_number").iter_rows():
        shown = ", ".join(str(n) for n in numbers[:10]) + (", …" if len(numbers) > 10 else "")
        notes.append(f"{len(numbers)} rows left out: {reason} (rows {shown})")
    return frame.filter(pl.col(LEFT_OUT).is_null()).drop(LEFT_OUT), notes, out.height


def add_derived(
    frame: pl.DataFrame, spec: SourceSpec, options: ReadOptions, pseudonymiser: Pseudonymiser
) -> pl.DataFrame:
    """``frame`` with a text column ``__derived__<field>`` for each derived or generated field (a
    generated key keyed with ``pseudonymiser``'s key)."""
    todo = [f for f in spec.fields if f.derive is not None or f.generate is not None]
    if (not todo and spec.keep_rows is None and spec.persons_per_row is None) or frame.height == 0:
        return frame
    import duckdb

    columns = export_columns(frame)
    con = duckdb.connect(config={"enable_external_access": False})
    try:
        for name, value in (
            ("home_institution_code", options.home_institution_code),
            ("home_hei_id", options.home_hei_id),
            ("file_name", options.file_name),
        ):
            con.execute(f"set variable {name} = ?", [value])
        # the export as the rest of the reading sees it: text trimmed, an empty or blank cell NULL
        con.register("_export_text", frame.select("_row_number", *columns))
        cleaned = ", ".join(f"nullif(trim(cast({_quote(c)} as varchar)), '') as {_quote(c)}" for c in columns)
        con.execute(f"create temp view export as select _row_number, {cleaned} from _export_text")
        selects = []
        if spec.persons_per_row is not None:  # a row of aggregated microdata: one row per person
            selects.append(_persons_per_row(con, spec, columns))
        for f in todo:
            if f.derive is not None:
                _bind(con, f.derive, f.name, spec, columns)
                selects.append(f"cast(({f.derive}) as varchar) as {_quote(DERIVED + f.name)}")
            else:
                key = _row_key(columns, spec.each_row, pseudonymiser)
                selects.append(f"{key} as {_quote(DERIVED + f.name)}")
        if spec.keep_rows is not None:
            _bind(con, spec.keep_rows, None, spec, columns)
            selects.append(f"coalesce(cast(({spec.keep_rows}) as boolean), false) as {KEEP}")
        sql = f"select _row_number, {', '.join(selects)} from export"
        try:
            params = pseudonymiser.sql_params if any(f.generate is not None for f in todo) else None
            derived = pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
        except duckdb.Error as exc:
            raise DeriveError(
                f"{spec.contract_file}: derive: failed on this file: {_first_line(exc)}"
            ) from None
    finally:
        con.close()
    derived = derived.with_columns(pl.col("_row_number").cast(frame["_row_number"].dtype))
    frame = frame.join(derived, on="_row_number", how="left", maintain_order="left")  # a row per person
    if PERSONS in frame.columns:  # a count that is none: the row is quarantined, with the reason
        reason = (
            pl.col(PERSONS) if READER_REASON not in frame.columns else pl.coalesce(READER_REASON, PERSONS)
        )
        frame = frame.with_columns(reason.alias(READER_REASON)).drop(PERSONS)
    return frame


def persons_note(spec: SourceSpec) -> str:
    """How a file of anonymous microdata counts its persons, for its audit row."""
    if spec.persons_per_row is None:
        return f"each row counted as one person (each_row: one_person in {spec.contract_file})"
    return (
        f"each row counted as the persons persons_per_row: {spec.persons_per_row} says, loaded once "
        f"for each (each_row: one_person in {spec.contract_file})"
    )


def _persons_per_row(con, spec: SourceSpec, columns: list[str]) -> str:
    """The view ``export`` with each kept row as many times as ``persons_per_row:`` says; the select
    of the reason for a row whose count is no whole number from 1 to :data:`MAX_PERSONS_PER_ROW` (kept
    once)."""
    _bind(con, spec.persons_per_row, None, spec, columns, "persons_per_row:")
    count = f"try_cast(trim(cast(({spec.persons_per_row}) as varchar)) as bigint)"
    counted = f"{count} between 1 and {MAX_PERSONS_PER_ROW}"
    copies = f"case when {counted} then {count} else 1 end"
    if spec.keep_rows is not None:  # a row left out is counted once
        copies = f"case when coalesce(cast(({spec.keep_rows}) as boolean), false) then {copies} else 1 end"
    con.execute("alter view export rename to export_rows")
    con.execute(
        "create temp view export as select * exclude (__copy__) from "
        f"(select *, unnest(range({copies})) as __copy__ from export_rows)"
    )
    said = (
        f"persons_per_row: ({spec.persons_per_row}) is no whole number of persons from 1 to "
        f"{MAX_PERSONS_PER_ROW:,} ({spec.contract_file})"
    )
    quoted = said.replace("'", "''")  # the expression's own quotes, inside a string
    return f"case when not coalesce({counted}, false) then '{quoted}' end as {PERSONS}"


def _bind(
    con, expression: str, name: str | None, spec: SourceSpec, columns: list[str], key: str = "keep_rows:"
) -> None:
    """Bind the expression against the file's columns (no rows read): one line when it does not fit."""
    import duckdb

    try:
        con.sql(f"select ({expression}) from export limit 0").fetchall()
    except duckdb.Error as exc:
        where = f":{spec.field(name).line}: field {name}: derive:" if name else f": {key}"
        # each redacted before repr(), which writes a character it does not show as an escape (a
        # no-break space inside a personnummer as \\xa0, where the rule finds no separator)
        shown = ", ".join(repr(redact_text(c)) for c in columns[:40]) + (" …" if len(columns) > 40 else "")
        raise DeriveError(
            f"{spec.contract_file}{where} does not fit this file "
            f"({_first_line(exc)}); the file's headers: {shown}"
        ) from None


def _row_key(columns: list[str], each_row: str, pseudonymiser: Pseudonymiser) -> str:
    """A key from the whole row: an HMAC-SHA256 with the pseudonymisation key of every column (by
    header name, trimmed), 20 letters a..p.

    Keyed, because the row may hold a personnummer (the hand-kept sheet's ``Personnummer`` column),
    and the rest of the row lies in raw and the archive: a plain SHA-256 of it could be recomputed
    for every possible personnummer, naming the person without the key. Under its own prefix, so
    that it is no person's pseudonym. The same row delivered again gets the same key; with
    ``each_row: one_person`` identical rows are distinct persons and get ``-1``, ``-2``, … in the
    order of the file.
    """
    parts = ", ".join(f"coalesce({_quote(c)}, chr(0))" for c in sorted(columns, key=str.casefold))
    keyed = pseudonymiser.sql_digest(f"'generate-row:' || concat_ws(chr(31), {parts})")
    # hex digits written as letters g..p: a key of letters a..p is never taken for a personnummer
    digest = f"translate(left({keyed}, 20), '0123456789', 'ghijklmnop')"
    if each_row == "one_person":
        return (
            f"'row-' || {digest} || '-' || "
            f"cast(row_number() over (partition by {digest} order by _row_number) as varchar)"
        )
    return f"'row-' || {digest}"


def _first_line(exc: Exception) -> str:
    """DuckDB's first line, redacted before it is cut (it may quote a value: no half identifier shown)."""
    text = str(exc).strip()
    return redact_text(text.splitlines()[0])[:300] if text else type(exc).__name__
