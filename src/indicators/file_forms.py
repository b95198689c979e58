"""What a whole file's column says about how to read each of its values, decided before its rows are
read (per file and column, never row by row):

- the form its dates are in, where a field's forms read ``01/02/2020`` differently
  (:mod:`indicators.date_forms`); the decimal separator of its numbers, where ``1,000`` may be a
  thousand or one (:mod:`indicators.decimal_forms`);
- whether the numbers in a person column are personnummer (``YYYYMMDDNNNC``; nine digits one whose
  leading zero a spreadsheet dropped, someone born 2000-2009: ``901019901`` for ``0901019901``) or a
  system's numeric ids (MoveON's, SoleMove's person ids): read one by one, an id of eight or ten
  digits was quarantined as an invalid personnummer, and the 1 in 200 nine-digit ones that pass the
  check once a zero is put back were pseudonymised as a personnummer, one person with two identities
  across files. Where most of the column's distinct numbers are valid personnummer, or there are
  fewer than five, it is a column of them (the others stay invalid: a typo is quarantined); where
  most of five or more are not, every number is an id
  (``uid:<digits>``), but one of twelve digits (no id by chance), and the file's note says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl

from indicators.date_forms import file_date_forms
from indicators.decimal_forms import file_decimal_marks
from indicators.derive import ReadOptions
from indicators.erasmus_codes import file_code_readings
from indicators.identity import Pseudonymiser
from indicators.sources import FieldSpec, SourceSpec

FEWEST = 5  # distinct numbers that tell a column of a system's ids (fewer: read as personnummer)


def file_forms(
    frame: pl.DataFrame,
    spec: SourceSpec,
    text_of: Callable[[FieldSpec], pl.Expr],
    pseudonymiser: Pseudonymiser,
    options: ReadOptions | None = None,
) -> tuple[SourceSpec, list[str], list[str]]:
    """``spec`` as this file is to be read, the warnings to give and the notes for its audit row."""
    spec, warnings = file_date_forms(frame, spec, text_of)
    ranges = options.ranges if options is not None else ()
    spec, decimal_warnings = file_decimal_marks(frame, spec, text_of, ranges)
    warnings += decimal_warnings
    spec, code_warnings = file_code_readings(frame, spec, text_of)  # EMADRID03 read as E MADRID03
    warnings += code_warnings
    spec, notes = file_person_ids(frame, spec, text_of, pseudonymiser)
    return spec, warnings, notes


def file_person_ids(
    frame: pl.DataFrame,
    spec: SourceSpec,
    text_of: Callable[[FieldSpec], pl.Expr],
    pseudonymiser: Pseudonymiser,
) -> tuple[SourceSpec, list[str]]:
    """``spec`` with ``digits_are_ids`` on for each person field whose numbers are a system's ids."""
    fields, notes = [], []
    for f in spec.fields:
        if f.type not in ("person_id", "person_id_list") or f.generate is not None:
            fields.append(f)
            continue
        text = frame.select(text_of(f).cast(pl.String).alias("text"))["text"]
        if f.type == "person_id_list":
            text = text.str.replace_all(",", ";").str.split(";").explode()
        numbers, valid = pseudonymiser.numbers(text)
        # most are valid: personnummer typed as numbers; a few numbers are too few to tell (a typo in a
        # personnummer written without its hyphen is no id: it stays invalid, quarantined)
        if numbers < FEWEST or 2 * valid >= numbers:
            fields.append(f)
            continue
        fields.append(replace(f, digits_are_ids=True))
        notes.append(
            f"{f.name}: its numbers read as a system's ids, not as personnummer: {valid} of {numbers} distinct "
            "numbers would pass as one, by chance (nine digits with a zero put back); twelve digits still do"
        )
    return (replace(spec, fields=tuple(fields)) if notes else spec), notes
