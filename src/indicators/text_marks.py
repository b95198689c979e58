"""A spreadsheet's text marks around a value: read without them, and said.

An export meant to be opened in Excel keeps a code's leading zeros (``0123``), a personnummer or a
date as text by writing it with Excel's text prefix, a leading apostrophe (``'0123``), or as a
formula that gives the text (``="0123"``). Excel shows the value; a CSV reader reads the mark too:
``'0123`` loaded as a programme code of its own beside ``0123`` without a word, and ``'40`` in a count,
``'HT2024`` in a term or ``'`` before a personnummer had their rows quarantined. The marks are taken
off every value of a field that is no free text (a code, a number, a date, a term, an identifier, a
string key), before the row's identity is taken (``'0123`` and ``0123`` in rows otherwise alike are one
row delivered twice), and the file's warning counts them. Free text keeps its apostrophe
(``'s-Hertogenbosch``).
"""

from __future__ import annotations

import polars as pl

from indicators.redact import redact_text
from indicators.sources import SourceSpec

_FORMULA = r'^="(?:[^"]|"")*"$'  # ="0123", a quote inside doubled (="a""b")


def _marked(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars()
    apostrophe = value.str.starts_with("'") & (value.str.len_chars() > 1)
    return (apostrophe | value.str.contains(_FORMULA)).fill_null(False)


# a value that may have a mark: its first character but spaces an apostrophe or an equals sign
_MAYBE_MARKED = r"^\s*['=]"


def _counts(frame: pl.DataFrame, columns, maybe: str | None) -> dict[str, int]:
    """The count of each column's values with a mark (that may have one, by ``maybe``), the columns
    with none left out."""
    counted = frame.select(
        (pl.col(c).str.contains(maybe).fill_null(False) if maybe else _marked(c)).sum() for c in columns
    )
    return {c: n for c, n in counted.row(0, named=True).items() if n}


def _unmarked(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars()
    inner = value.str.slice(2, value.str.len_chars() - 3).str.replace_all('""', '"', literal=True)
    return (
        pl.when(~_marked(column))
        .then(pl.col(column))
        .when(value.str.starts_with("'"))
        .then(value.str.slice(1))
        .otherwise(inner)
        .alias(column)
    )


def without_text_marks(
    frame: pl.DataFrame, spec: SourceSpec, present: dict[str, str]
) -> tuple[pl.DataFrame, list[str]]:
    """``frame`` with the text marks taken off the columns of the fields that are no free text, and
    the file's warning (none where no value had one)."""
    columns = {
        present[f.name]: f.name
        for f in spec.fields
        if f.name in present
        and f.derive is None
        and f.generate is None
        and (f.type != "string" or f.name in spec.business_key)
        and frame.schema.get(present[f.name]) == pl.String
    }
    if not columns or frame.height == 0:
        return frame, []
    counts = _counts(frame, columns, _MAYBE_MARKED)  # an anchored search first: no copy of a column
    counts = _counts(frame, counts, None) if counts else {}
    if not counts:
        return frame, []
    first = next(iter(counts))
    example = frame.filter(_marked(first))[first][0].strip()
    frame = frame.with_columns(_unmarked(c) for c in counts)
    total = sum(counts.values())
    listed = ", ".join(f"{columns[c]} {n}" for c, n in counts.items())
    return frame, [
        f"{total} value{'s' if total != 1 else ''} began with a spreadsheet's text mark (a leading "
        f'apostrophe \'0123, or a formula ="0123"), read without it ({listed}; the first: '
        f"{redact_text(example)[:40]!r}): export the values without it"
    ]
