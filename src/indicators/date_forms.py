"""Which of a date field's forms a file writes its dates in: decided per file and column.

A field may list forms that read the same text differently: ``%d/%m/%Y`` and ``%m/%d/%Y`` both read
``01/02/2020`` (1 February, or 2 January). Tried in order, every such date was read as the first form
says, though other rows of the same column (``13/02/2020``, ``02/13/2020``) show which form the file
writes. Among a field's forms that differ only in where the day and the month stand, per file:

- the form that reads every value of the column is the file's (the rows only it reads prove it);
- where more than one reads every value and they disagree on some, the first listed is kept and the
  run warns, naming the column, the forms and the fix (one form for that export's contract);
- where none reads every value (a file that mixes them), the form that reads the most rows is kept:
  the rows only another reads are quarantined as invalid dates, and the run warns, naming them.

Only the distinct values are read, each form once (polars over the column): a field without two such
forms costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import polars as pl

from indicators.parsers import read_form
from indicators.redact import redact_text
from indicators.source_build import EXCEL
from indicators.sources import FieldSpec, SourceSpec


def rival_forms(formats: tuple[str, ...]) -> list[list[str]]:
    """The groups of forms (two or more, in the order listed) that differ only in where the day and
    the month stand: ``%d/%m/%Y`` and ``%m/%d/%Y``, not ``%d.%m.%Y`` (its own separators)."""
    groups: dict[str, list[str]] = {}
    for fmt in dict.fromkeys(formats):
        if fmt != EXCEL and "%d" in fmt and "%m" in fmt:
            groups.setdefault(re.sub(r"%[dm]", "%?", fmt), []).append(fmt)
    return [group for group in groups.values() if len(group) > 1]


def file_date_forms(
    frame: pl.DataFrame, spec: SourceSpec, text_of: Callable[[FieldSpec], pl.Expr]
) -> tuple[SourceSpec, list[str]]:
    """``spec`` with each date field's rival forms narrowed to the one this file writes, and the
    warnings to give (ambiguous dates, mixed forms); ``text_of`` is a field's text in ``frame``."""
    fields, warnings, changed = [], [], False
    for f in spec.fields:
        groups = rival_forms(f.formats) if f.type == "date" else []
        if not groups:
            fields.append(f)
            continue
        text = frame.select(text_of(f).cast(pl.String).str.strip_chars().alias("text"))
        counts = text.filter(pl.col("text") != "")["text"].value_counts(name="rows")
        counts = counts.sort(["rows", "text"], descending=[True, False])  # the example: the commonest
        formats = list(f.formats)
        for group in groups:
            keep, warning = _decide(counts, group, f, spec)
            formats = [fmt for fmt in formats if fmt == keep or fmt not in group]
            warnings += [warning] if warning else []
        fields.append(replace(f, formats=tuple(formats)))
        changed = True
    return (replace(spec, fields=tuple(fields)) if changed else spec), warnings


def _decide(counts: pl.DataFrame, group: list[str], f: FieldSpec, spec: SourceSpec) -> tuple[str, str | None]:
    """The form of ``group`` this file writes ``f`` in, and the warning to give (None: no word)."""
    names = [f"form{i}" for i in range(len(group))]
    read = counts.select(
        "text",
        "rows",
        *[read_form(pl.col("text"), fmt).alias(n) for fmt, n in zip(group, names, strict=True)],
    )
    read = read.filter(pl.any_horizontal(pl.col(n).is_not_null() for n in names))
    complete = [i for i, n in enumerate(names) if read[n].null_count() == 0]
    where = spec.contract_file or f"pipelines/{spec.name}.yml"
    if complete:
        first = names[complete[0]]
        for i in complete[1:]:
            differ = read.filter(pl.col(names[i]) != pl.col(first))
            if differ.height:
                text, one, other = differ.select("text", first, names[i]).row(0)
                return group[complete[0]], (
                    f"{f.name}: every date of this file reads as {group[complete[0]]} and as {group[i]}, "
                    f"which differ on {differ['rows'].sum()} rows ('{redact_text(text)}': {one} or {other}): "
                    f"read as {group[complete[0]]}, the first of its formats:; if the export writes "
                    f"{group[i]}, give {f.name} formats: ['{group[i]}'] without {group[complete[0]]} in "
                    f"{where} (a profile of its own for this export if others write {group[complete[0]]})"
                )
        return group[complete[0]], None
    rows = [read.filter(pl.col(n).is_not_null())["rows"].sum() for n in names]
    best = max(range(len(group)), key=lambda i: (rows[i], -i))  # the most rows; a tie: the first listed
    lost = read.filter(pl.col(names[best]).is_null())["rows"].sum()
    counted = ", ".join(f"{fmt} reads {n} rows" for fmt, n in zip(group, rows, strict=True))
    which = (
        "the first listed of those that read the most rows"
        if rows.count(rows[best]) > 1
        else "the form of most rows"
    )
    return group[best], (
        f"{f.name}: the file writes its dates in more than one form ({counted}, none every row): read as "
        f"{group[best]}, {which}; the {lost} rows it does not read are quarantined as invalid "
        f"dates: correct them in the export (one form in a column)"
    )


def date_hint(shown: pl.Expr, f: FieldSpec, spec: SourceSpec) -> pl.Expr:
    """For a date written as a month (``MM-YYYY``, ``YYYY/MM``) or a year alone, the fix: which forms a
    field reads is its contract's choice, and a coarse one must be kept as such (``keep_precision``). For
    a term or an academic year where a date belongs (``HT1999``, ``VT2000``, ``1999/00``), what it is:
    the reason showed the value alone, and '1999/00' read like a date typed wrong."""
    own = f"pipelines/{spec.name}.yml"
    here = spec.contract_file or own
    month = r"(0?[1-9]|1[0-2])"  # 13-2008 is no month: no hint, the value is just invalid
    forms = [(r"^\d{4}$", "%Y")]
    for sep in "-/.":
        forms += [(rf"^{month}\{sep}\d{{4}}$", f"%m{sep}%Y"), (rf"^\d{{4}}\{sep}{month}$", f"%Y{sep}%m")]
    hint = pl.lit("")
    for pattern, form in forms:
        if form in f.formats:  # a form the field reads already: the value is no such date ('13-2008')
            continue
        where = f"formats: ['{form}'] in {here}"
        if not f.keep_precision:
            where += f" and keep_precision: true in {own}" if here != own else " and keep_precision: true"
        what = "a year" if form == "%Y" else "a month"
        fix = f" ({what} without a day: to read it, give {f.name} {where})"
        hint = pl.when(shown.str.contains(pattern)).then(pl.lit(fix)).otherwise(hint)
    term = shown.str.contains(r"(?i)^(?:(?:HT|VT)\s?-?\d{4}|\d{4}\s?(?:HT|VT))$")
    # an academic year's second year follows its first (1999/00, 1999-2000); 1999-13 is no such year
    # but a month 13, and 1999-05 a month: neither is told it is an academic year
    years = shown.str.extract_groups(r"^(\d{4})\s?[/\-\u2013]\s?(\d{2}(?:\d{2})?)$")
    first, second = years.struct[0].cast(pl.Int32), years.struct[1]
    follows = (
        pl.when(second.str.len_chars() == 2)
        .then(second.cast(pl.Int32) == (first + 1) % 100)
        .otherwise(second.cast(pl.Int32, strict=False) == first + 1)
    )
    not_a_day = term | follows.fill_null(False)
    fix = " (a term or an academic year, not a date: the export's column holds no day; deliver the dates)"
    hint = pl.when(not_a_day).then(pl.lit(fix)).otherwise(hint)
    if "excel" not in f.formats:  # 43629: a date cell formatted as a number (days since 1899-12-30)
        fix = (
            f" (an Excel serial number, a date cell formatted as a number: to read it, give {f.name} "
            f"formats: ['excel'] in {here}, beside its other forms)"
        )
        hint = pl.when(shown.str.contains(r"^[2-5]\d{4}(\.\d+)?$")).then(pl.lit(fix)).otherwise(hint)
    return hint
