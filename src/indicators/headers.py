"""An export's headers against its source's fields: which column gives which field (aliases
matched whatever their case, spaces and separators), and, for a header that matches none, the
field it most likely meant (the one-line reason of a missing required column, the warning of a
misspelt optional one)."""

from __future__ import annotations

import difflib
import re

import polars as pl

from indicators.derive import DERIVED, EXCEL_ERROR, LEFT_OUT, READER_REASON, export_columns
from indicators.redact import redact_text
from indicators.sources import FieldSpec, SourceSpec, header_key


class LayoutError(Exception):
    """The file's columns do not fit its source (the message is the rejection reason)."""


def map_headers(columns: list[str], spec: SourceSpec) -> dict[str, str]:
    """file column → canonical field; rejects a file missing a required column or naming one twice.

    A field that is derived, generated or has a default needs no column; the rejection of a file
    missing one says what to do: the fields, the file's own headers, the closest header for each,
    and the contract file to edit.
    """
    lookup = spec.header_map()
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for column in columns:
        if column == "_row_number" or column.startswith((DERIVED, EXCEL_ERROR)):
            continue
        canonical = lookup.get(header_key(column))
        if canonical is None:
            continue
        if canonical in seen:
            first, second = redact_text(seen[canonical]), redact_text(column)  # redacted, then quoted
            raise LayoutError(f"two columns map to {canonical}: {first!r} and {second!r}")
        seen[canonical] = column
        mapping[column] = canonical
    missing = [
        f for f in spec.fields if f.required and f.from_export and f.default is None and f.name not in seen
    ]
    if missing:
        raise LayoutError(missing_message(missing, [c for c in columns if c != "_row_number"], spec))
    return mapping


def missing_message(missing: list[FieldSpec], headers: list[str], spec: SourceSpec) -> str:
    """One line: the missing fields, the file's headers, the closest header for each, what to edit."""
    own = [
        h for h in headers if not h.startswith((DERIVED, EXCEL_ERROR)) and h not in (READER_REASON, LEFT_OUT)
    ]
    keys = {header_key(h): h for h in own}
    closest = []
    for f in missing:
        best = closest_header(f, keys)
        # redacted before repr(), which writes a character it does not show (a no-break space inside a
        # personnummer) as an escape, \\xa0, where the rule finds no separator
        shown_best = repr(redact_text(keys[best])) if best else None
        closest.append(f"{f.name} ← {shown_best}?" if best else f"{f.name} ← no close header")
    shown = ", ".join(repr(redact_text(h)) for h in own[:40]) + (" …" if len(own) > 40 else "")
    return (
        f"required column missing: {', '.join(f.name for f in missing)}; the file's headers: {shown}; "
        f"closest: {'; '.join(closest)}; edit {spec.contract_file or 'pipelines/' + spec.name + '.yml'}: "
        "add the header to the field's aliases:, or give the field derive: (SQL over these headers) or default:"
    )


def closest_header(f: FieldSpec, keys: dict[str, str]) -> str | None:
    """Of ``keys`` (headers by their header_key), the one closest to the field's name or an alias, or None."""
    best = None
    for name in (f.name, *f.aliases):
        match = difflib.get_close_matches(header_key(name), list(keys), n=1, cutoff=0.6)
        if match and (best is None or _ratio(name, match[0]) > _ratio(name, best)):
            best = match[0]
    return best


def closeness(f: FieldSpec, key: str) -> float:
    """How alike a header (its header_key) and the field's name or nearest alias are, 0 to 1."""
    return max(_ratio(name, key) for name in (f.name, *f.aliases))


def _ratio(name: str, key: str) -> float:
    return difflib.SequenceMatcher(None, header_key(name), key).ratio()


REPEATED_HEADER = "the header repeated (a report printed page by page)"


REORDERED_HEADER = (
    "the header repeated in another column order (exports joined): the rows below it read by it"
)


def reordered_header_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the rows below a header repeated in another column order (two exports joined with
    ``cat``, the second's columns ordered otherwise) read by that header, up to the next header row, and
    the header row marked to be left out (:data:`LEFT_OUT`). Its rows were read by the first header: a
    value in another field's column, quarantined as a bad value, or loaded so where the two fields take
    the same values (two counts swapped) without a word. Only rows whose first named column holds
    another column's header are looked at."""
    named = [c for c in export_columns(frame) if c.strip() and not c.startswith("__UNNAMED__")]
    if len(named) < 2 or frame.height < 2:
        return frame
    shown = {c: c.strip().lstrip("\ufeff").strip() for c in named}
    candidates = frame.filter(pl.col(named[0]).str.strip_chars().is_in(list(shown.values())))
    headers = {}  # row number → the header it holds, by column (in this order, or another)
    for row in candidates.iter_rows(named=True):
        held = {c: (row[c] or "").strip() for c in named}
        if sorted(held.values()) == sorted(shown.values()):
            headers[row["_row_number"]] = held
    reordered = [n for n, held in headers.items() if held != shown]
    if not reordered:
        return frame
    bounds = sorted(headers)
    number = pl.col("_row_number")
    for start in reordered:
        end = next((b for b in bounds if b > start), None)
        below = (number > start) & (number < end) if end is not None else number > start
        source = {held: c for c, held in headers[start].items()}  # the column that holds each header
        frame = frame.with_columns(
            pl.when(below).then(pl.col(source[shown[c]])).otherwise(pl.col(c)).alias(c) for c in named
        )
    before = pl.col(LEFT_OUT) if LEFT_OUT in frame.columns else pl.lit(None, dtype=pl.String)
    marked = pl.when(number.is_in(reordered)).then(pl.lit(REORDERED_HEADER))
    return frame.with_columns(pl.coalesce(before, marked.otherwise(None)).alias(LEFT_OUT))


def repeated_header_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the rows that repeat its header marked to be left out (:data:`LEFT_OUT`): a report
    printed page by page repeats the header on every page, which read as a row of bad values. Such a row
    holds in every named column its own header or nothing, in two columns at least; only rows whose
    first named column holds its header are looked at (one look-up in one column). A header repeated
    in another column order is read first (:func:`reordered_header_rows`)."""
    frame = reordered_header_rows(frame)
    named = [c for c in export_columns(frame) if c.strip() and not c.startswith("__UNNAMED__")]
    if len(named) < 2 or frame.height < 2:
        return frame
    shown = {c: c.strip().lstrip("\ufeff").strip() for c in named}
    candidates = frame.filter(pl.col(named[0]).is_in([named[0], shown[named[0]]]))
    if candidates.height == 0:
        return frame
    same = [pl.col(c).str.strip_chars() == shown[c] for c in named]
    repeats = candidates.filter(
        pl.all_horizontal(pl.col(c).is_null() | is_same for c, is_same in zip(named, same, strict=True))
        & (pl.sum_horizontal(is_same.fill_null(False) for is_same in same) >= 2)
    )["_row_number"]
    if repeats.len() == 0:
        return frame
    before = pl.col(LEFT_OUT) if LEFT_OUT in frame.columns else pl.lit(None, dtype=pl.String)
    marked = pl.when(pl.col("_row_number").is_in(repeats.implode())).then(pl.lit(REPEATED_HEADER))
    return frame.with_columns(pl.coalesce(before, marked.otherwise(None)).alias(LEFT_OUT))


def header_below(frame: pl.DataFrame, spec: SourceSpec) -> str | None:
    """Where a file's first row is a title (a report's, a sheet kept by hand) and its header lies below
    it: the fix, as one line, naming the row of the first ten that holds the source's required columns
    (a CSV read as one column: its cells split at the separator); else None. The rejection named the
    title as the only header and asked for it to be added to the aliases."""
    own = export_columns(frame)
    for row in frame.head(10).iter_rows(named=True):
        values = [str(row[c]).strip() for c in own if row[c] is not None and str(row[c]).strip()]
        if len(values) == 1:  # a title line above a CSV's header: the columns were never split
            values = re.split(r"[;,\t|]", values[0])
        try:
            map_headers(values, spec)
        except LayoutError:
            continue
        number = row["_row_number"]
        return (
            f"required column missing: the header is on row {number}, below a title: set skip_rows: "
            f"{number - 1} in {spec.contract_file or 'pipelines/' + spec.name + '.yml'} so that it is read"
        )
    return None
