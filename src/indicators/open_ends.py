"""An end date a system writes for "no end": read as none (NULL), not as a date.

On an ``open_end:`` field a year-9999 date (9999-12-31, 9999/00) is open: many systems write it so,
and it is read as no end without a word. A zero date is the other form: a date column left empty in a
system that cannot store an empty date comes out as its zero, SQL Server's ``1900-01-01 00:00:00.000``
(an empty text cast to datetime), Excel's date cell holding 0 (``1899-12-31`` as calamine reads it,
1900-01-00 as Excel shows it), OLE Automation's and Access's ``1899-12-30``. On an optional date field
with ``open_end:`` it is read as no end too, and the file's warning names the rows, since it was typed
by no one; a number typed into a serial column (``2``, 1900-01-01 counted from 1899-12-30) is a slip,
no zero: still quarantined as outside the plausible dates, as any other date of 1900.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from indicators.sources import FieldSpec, SourceSpec

OPEN_END_YEAR = 9999  # 9999-12-31 and the like: "no end yet" in many systems
ZERO_DATES = (dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1900, 1, 1))
ZERO = "_zero_"  # the flag of a row whose field held a zero date (read as no end)


def year_of(value: pl.Expr, f: FieldSpec) -> pl.Expr:
    """The year of a typed date, term (HT1999) or academic year (1999/00: its first year)."""
    if f.type == "date":
        return value.dt.year()
    start = 2 if f.type == "term" else 0
    return value.str.slice(start, 4).cast(pl.Int32, strict=False)


def zero_date(f: FieldSpec) -> pl.Expr:
    """Whether the field's value (``__v_<name>``, its text ``<name>``) is a zero date read as no end."""
    if not f.open_end or f.type != "date" or f.required:
        return pl.lit(False)
    typed = pl.col(f"__v_{f.name}").is_in(ZERO_DATES)
    return (typed & ~pl.col(f.name).str.contains(r"^0*[1-9][0-9]*$")).fill_null(False)


def is_open(f: FieldSpec) -> pl.Expr:
    """Whether the field's typed value means "no end": a year-9999 date or a zero date."""
    return (year_of(pl.col(f"__v_{f.name}"), f) == OPEN_END_YEAR).fill_null(False) | zero_date(f)


def read_open(typed: pl.DataFrame, fields: list[FieldSpec]) -> pl.DataFrame:
    """Each ``open_end:`` field's open values read as no end (NULL), a zero date's row flagged."""
    ends = [f for f in fields if f.open_end]
    typed = typed.with_columns(zero_date(f).alias(ZERO + f.name) for f in ends)
    return typed.with_columns(
        pl.when(~is_open(f)).then(pl.col(f"__v_{f.name}")).alias(f"__v_{f.name}") for f in ends
    )


def zero_date_warnings(typed: pl.DataFrame, spec: SourceSpec) -> list[str]:
    """The file's warning of each field whose zero dates were read as no end, naming the rows."""
    warnings = []
    for f in spec.fields:
        if ZERO + f.name not in typed.columns:
            continue
        rows = typed.filter(pl.col(ZERO + f.name))["_row_number"]
        if rows.len() == 0:
            continue
        shown = ", ".join(str(n) for n in rows.head(10).to_list()) + (", …" if rows.len() > 10 else "")
        warnings.append(
            f"{f.name} held a zero date (1900-01-01, 1899-12-30 or 1899-12-31: what SQL Server or Excel "
            f"writes for an empty date) in {rows.len()} row{'s' if rows.len() != 1 else ''} ({shown}), read "
            "as no end: leave the end empty in the export where there is none, else give its date"
        )
    return warnings
