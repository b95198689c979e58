"""Which decimal separator a file writes a decimal field in: decided per file and column.

``1,000`` is a thousand in an English export and one (three decimals) in a Swedish one; ``1.000`` the
other way round. Read one by one, the comma was always taken for the decimal one: an English export's
``1,000`` loaded as 1.0 without a word. The column's other values tell which the file writes:

- a value that reads one way only (``7,5``, ``1.234,5``, ``1.000.000``: a decimal comma; ``7.5``,
  ``1,234.5``, ``1,000,000``: a decimal point) shows the file's separator, and the ``1,000``s of the
  column are read with it;
- where no value shows one, or values show both, a ``1,000`` has no value: its row is quarantined,
  the reason saying so, and the run warns, naming the column and the fix;
- where the contract says which (the field's ``decimal: ','`` or ``'.'``), it is not guessed: the
  ``1,000``s are read with it, and values that read with the other one only (``7.5`` under
  ``decimal: ','``) are read as written, the run warning that the contract and the file disagree.

Only the distinct values are read (polars over the column): a field of another type costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl

from indicators.parsers import AMBIGUOUS_DECIMAL, decimal_readings, decimal_text
from indicators.redact import redact_text
from indicators.sources import FieldSpec, SourceSpec

WHY = "a thousands separator or a decimal one: the file's column shows no single decimal separator"


def file_decimal_marks(
    frame: pl.DataFrame, spec: SourceSpec, text_of: Callable[[FieldSpec], pl.Expr], ranges: tuple = ()
) -> tuple[SourceSpec, list[str]]:
    """``spec`` with each decimal field's ``decimal_mark`` the one this file writes (where its values
    show it, or where only one reading of its 1,000s is within the field's range: ``ranges``, as
    :class:`~indicators.derive.ReadOptions` has them), and the warnings to give (values that read as a
    thousand or as one)."""
    fields, warnings, changed = [], [], False
    for f in spec.fields:
        if f.type != "decimal":
            fields.append(f)
            continue
        # each distinct text made compact once, then the rows of the texts it gives summed
        counts = (
            frame.select(text_of(f).cast(pl.String).alias("text"))
            .drop_nulls()["text"]
            .value_counts(name="rows")
        )
        counts = (
            counts.select(decimal_text(pl.col("text").str.strip_chars()), "rows")
            .group_by("text")
            .agg(pl.col("rows").sum())
        )
        comma, point = decimal_readings(pl.col("text"))
        read = counts.select(
            "text",
            "rows",
            pl.col("text").str.contains(AMBIGUOUS_DECIMAL).alias("ambiguous"),
            (comma & ~point).alias("comma"),
            (point & ~comma).alias("point"),
        )
        by_comma, by_point = read["comma"].any(), read["point"].any()
        if f.decimal_mark is not None:  # the contract's decimal: says it; values that say otherwise, a word
            fields.append(f)
            other = read.filter("point" if f.decimal_mark == "," else "comma")
            if other.height and read.filter("ambiguous").height:
                warnings.append(_contradicted(f, spec, other["text"].sort()[0], read.filter("ambiguous")))
            continue
        mark = "," if by_comma and not by_point else "." if by_point and not by_comma else None
        if mark is None and not by_comma and not by_point:  # no value shows it: the range may
            mark = _within_range(read.filter("ambiguous")["text"], spec.name, f.name, ranges)
        if mark is not None:
            fields.append(replace(f, decimal_mark=mark))
            changed = True
            continue
        fields.append(f)
        ambiguous = read.filter("ambiguous").sort(["rows", "text"], descending=[True, False])
        if ambiguous.height:
            shows = "both a decimal comma and a decimal point" if by_comma else "no decimal separator"
            warnings.append(
                f"{f.name}: {ambiguous['rows'].sum()} rows write a number like '{redact_text(ambiguous['text'][0])}', "
                f"a thousand or one, and the file's other values show {shows}: they are quarantined; "
                "correct them in the export (no thousands separator: 1000, or the decimals written: 1.0), "
                f"or say which it writes: {f.name} decimal: '.' or ',' in {spec.contract_file or 'its contract'}"
            )
    return (replace(spec, fields=tuple(fields)) if changed else spec), warnings


def _contradicted(f: FieldSpec, spec: SourceSpec, shown: str, ambiguous: pl.DataFrame) -> str:
    """The warning for a column whose contract says one separator and whose values write the other."""
    other = "point" if f.decimal_mark == "," else "comma"
    return (
        f"{f.name}: {spec.contract_file} says decimal: '{f.decimal_mark}', but the file writes a decimal "
        f"{other} ('{redact_text(shown)}'): its {ambiguous['rows'].sum()} rows like "
        f"'{redact_text(ambiguous['text'].sort()[0])}' are read with '{f.decimal_mark}' as it says; if this "
        f"export writes a decimal {other}, correct decimal: (a profile of its own for this export)"
    )


def _within_range(ambiguous: pl.Series, source: str, name: str, ranges: tuple) -> str | None:
    """The one separator with which every ``1,000`` of a column is within the field's range (credits of
    a stay, 0..120: '7,500' is 7.5, never 7500), or None (no range, none or both fit)."""
    bounds = [(least, most) for src, field, least, most, _ in ranges if (src, field) == (source, name)]
    if not bounds or ambiguous.is_empty():
        return None
    least, most = bounds[0]
    readings = {
        ",": ambiguous.str.replace_all(r"\.", "").str.replace(",", "."),  # 1,000 is 1.0, 1.000 is 1000
        ".": ambiguous.str.replace_all(",", ""),  # 1,000 is 1000, 1.000 is 1.0
    }
    fits = []
    for mark, reading in readings.items():
        value = reading.cast(pl.Float64)
        low = value >= least if least is not None else value.is_not_null()
        high = value <= most if most is not None else value.is_not_null()
        fits += [mark] if (low & high).all() else []
    return fits[0] if len(fits) == 1 else None


def decimal_hint(shown: pl.Expr, f: FieldSpec) -> pl.Expr:
    """For a decimal quarantined as ``1,000`` (its file's column shows no single separator), why."""
    if f.type != "decimal" or f.decimal_mark is not None:
        return pl.lit("")
    return (
        pl.when(decimal_text(shown).str.contains(AMBIGUOUS_DECIMAL))
        .then(pl.lit(f" ({WHY})"))
        .otherwise(pl.lit(""))
    )
