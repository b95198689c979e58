"""What a whole file's column says about how to read each of its values, decided before its rows are
read (per file and column, never row by row):

- the form its dates are in, where a field's forms read ``01/02/2020`` differently
  (:mod:`indicators.date_forms`);
- whether its nine-digit person ids are personnummer whose leading zero a spreadsheet dropped
  (someone born 2000-2009: ``901019901`` for ``0901019901``) or a system's numeric UIDs (MoveON's,
  SoleMove's person ids), of which about 1 in 200 passes the check digit by chance once a zero is put
  back: read row by row, those few were pseudonymised as a personnummer, and the person had two
  identities across files. Where most of the column's distinct nine-digit values are valid with the
  zero put back it is a column of personnummer (the few others stay invalid: a typo is quarantined);
  where most fail, every nine-digit value is a UID, read as it is, and the file's note says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl

from indicators.date_forms import file_date_forms
from indicators.identity import Pseudonymiser
from indicators.sources import FieldSpec, SourceSpec


def file_forms(
    frame: pl.DataFrame,
    spec: SourceSpec,
    text_of: Callable[[FieldSpec], pl.Expr],
    pseudonymiser: Pseudonymiser,
) -> tuple[SourceSpec, list[str], list[str]]:
    """``spec`` as this file is to be read, the warnings to give and the notes for its audit row."""
    spec, warnings = file_date_forms(frame, spec, text_of)
    spec, notes = file_person_ids(frame, spec, text_of, pseudonymiser)
    return spec, warnings, notes


def file_person_ids(
    frame: pl.DataFrame,
    spec: SourceSpec,
    text_of: Callable[[FieldSpec], pl.Expr],
    pseudonymiser: Pseudonymiser,
) -> tuple[SourceSpec, list[str]]:
    """``spec`` with ``restore_zero`` off for each person field whose nine-digit values are UIDs."""
    fields, notes = [], []
    for f in spec.fields:
        if f.type not in ("person_id", "person_id_list") or f.generate is not None:
            fields.append(f)
            continue
        text = frame.select(text_of(f).cast(pl.String).alias("text"))["text"]
        if f.type == "person_id_list":
            text = text.str.replace_all(",", ";").str.split(";").explode()
        nine, valid = pseudonymiser.dropped_zeros(text)
        if nine == 0 or 2 * valid >= nine:  # most are valid: personnummer that lost their zero
            fields.append(f)
            continue
        fields.append(replace(f, restore_zero=False))
        notes.append(
            f"{f.name}: its nine-digit values read as system ids, not as personnummer whose leading zero "
            f"was dropped: of {nine} distinct ones, {valid} would pass the check with a zero put back (by chance)"
        )
    return (replace(spec, fields=tuple(fields)) if notes else spec), notes
