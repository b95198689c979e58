"""Totals rows: a report (SSRS) or a sheet exported with its totals, ``Totalt;;;…;1234`` or ``Summa``
or ``Total`` in the first column (or in the second, the first left empty: ``;Totalt;;…;12``, a report
whose first column is a grouping shown once), holds no record; read as one it was quarantined as missing its values
without a word of why, or, where every field had a value (``Totalt;HT2019;1234`` in enrolments), loaded
as a programme TOTALT, counting every programme's students twice.

A row whose first column holds a totals word and nothing else, or whose first column is empty and whose
second holds one, is looked at (one look-up in each of the two columns):
- with the other columns empty or numbers, one at least empty (the sums under a report's columns), it is
  left out before anything is derived from it, and the file's note says so: it is no record, and as one
  it would only have been quarantined for its empty fields;
- any other (every field filled, or a text beside the word) may be a record whose code is a totals word:
  it is quarantined, its reason saying it was taken for a totals row, never loaded without a word.
"""

from __future__ import annotations

import polars as pl

from indicators.derive import LEFT_OUT, READER_REASON, export_columns

WORDS = ["totalt", "total", "totals", "summa", "sum", "totalsumma", "slutsumma", "delsumma", "summa totalt"]
WORDS += ["grand total", "subtotal", "sub-total", "sub total", "totalt antal"]
# the words as reports write them: a look-up of whole (trimmed) cells
FORMS = sorted(
    {f"{shown}{end}" for word in WORDS for shown in (word, word.upper(), word.capitalize(), word.title())
     for end in ("", ":")}
)  # fmt: skip
NUMBER = r"^[-+−]?\d[\d\s\u00a0.,']*%?$"  # 1234, 1 234, 12,5, 30 %


POSITIONS = ("first", "second")


def left_out_reason(word: str, position: str = "first") -> str:
    return f"a totals row ('{word}' in the {position} column)"


def quarantine_reason(word: str, position: str = "first") -> str:
    return (
        f"'{word}' in the {position} column: taken for a totals row (the other rows' sum, which would count "
        "them again); leave the totals out of the export"
    )


def totals_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its totals rows marked: left out (:data:`LEFT_OUT`) where nothing but numbers and
    empty cells stand beside the word, else to be quarantined (:data:`READER_REASON`)."""
    columns = export_columns(frame)
    if len(columns) < 2 or frame.height == 0:
        return frame
    marked = frame
    for position, word_column in zip(POSITIONS, columns[:2], strict=False):
        before = columns[: POSITIONS.index(position)]  # empty columns before the word's
        cell = pl.col(word_column).cast(pl.String).str.strip_chars()
        found = cell.is_in(FORMS)
        for c in before:
            found = found & (pl.col(c).cast(pl.String).str.strip_chars().fill_null("") == "")
        marked = _mark(marked, found, word_column, [c for c in columns if c != word_column], position)
    return marked


def _mark(frame: pl.DataFrame, found: pl.Expr, column: str, others: list[str], position: str) -> pl.DataFrame:
    """``frame`` with the rows ``found`` (a totals word in ``column``) marked: left out or quarantined."""
    candidates = frame.filter(found)  # 5 M ids: 0.1 s
    if candidates.height == 0:
        return frame
    text = [pl.col(c).cast(pl.String).str.strip_chars() for c in others]
    blank = [t.is_null() | (t == "") for t in text]
    numbers = (b | t.str.contains(NUMBER).fill_null(False) for b, t in zip(blank, text, strict=True))
    sums = pl.all_horizontal(numbers) & pl.any_horizontal(blank)
    word = pl.col(column).str.strip_chars().str.strip_chars_end(":")
    shape = candidates.select("_row_number", word, sums.alias("sums"))
    marked = []
    for flag, rows, reason in (
        (LEFT_OUT, shape.filter("sums"), left_out_reason),
        (READER_REASON, shape.filter(~pl.col("sums")), quarantine_reason),
    ):
        if rows.height == 0:
            continue
        reasons = {number: reason(word, position) for number, word, _ in rows.iter_rows()}
        mine = pl.col("_row_number").replace_strict(reasons, default=None, return_dtype=pl.String)
        before = pl.col(flag) if flag in frame.columns else pl.lit(None, dtype=pl.String)
        marked.append(pl.coalesce(before, mine).alias(flag))
    return frame.with_columns(marked)
