"""Normalise a read file to its source's canonical fields, and sort good rows from bad.

Input: a polars DataFrame of strings with the file's own headers and ``_row_number``.
Output: the rows, typed, with canonical column names and *canonical* person identifiers, which
the loader replaces by their pseudonyms in the statement that writes them
(:meth:`Pseudonymiser.sql_digest`), the bad ones flagged ``_quarantined`` (the loader leaves them
out); the bad rows as quarantine records (row number, business key with pseudonyms, reason).
Everything is a polars expression over whole columns; nothing loops over rows in Python.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import polars as pl

from indicators.date_forms import date_hint
from indicators.derive import (
    DERIVED,
    KEEP,
    READER_REASON,
    DeriveError,
    ReadOptions,
    add_derived,
    export_columns,
    leave_out,
    persons_note,
)
from indicators.file_forms import file_forms
from indicators.headers import LayoutError, header_below, map_headers, repeated_header_rows
from indicators.identity import INVALID, REFERENCE, Pseudonymiser, redact, values_repeat
from indicators.invisible import CHARACTERS, clean, cleaned_fields
from indicators.open_ends import is_open, read_open, year_of, zero_date_warnings
from indicators.parsers import date_precision_of, latest_day, parse_field
from indicators.readers.xlsx_errors import excel_error_reasons
from indicators.reading_changes import earlier_uids
from indicators.reasons import REASON_ID, Reasons, field_reason_ids, quarantine_records
from indicators.redact import MARKER
from indicators.sources import FieldSpec, SourceSpec
from indicators.text_marks import without_text_marks
from indicators.totals import totals_rows
from indicators.value_hints import value_hint

QUARANTINED = "_quarantined"  # the flag on a normalised row that goes to the quarantine, not the table
NO_CODE = r"^[-\u2010-\u2015?]+$"  # a code an export says there is none of: '-', '–', '?'


@dataclass
class Normalised:
    # canonical fields + _row_number + QUARANTINED; person identifiers canonical, NOT yet hashed. The
    # quarantined rows stay in the frame, flagged, and the loader leaves them out: filtering them out
    # here copied every column (2 GB more for a file of 5.7 million rows)
    rows: pl.DataFrame
    quarantine: pl.DataFrame  # _row_number, business_key, reason
    collapsed: int  # exact duplicate rows collapsed into one
    ignored_columns: list[str]
    rows_read: int = 0
    collapsed_rows: list[int] | None = None  # the first collapsed rows' numbers (at most 10)
    notes: list[str] | None = None  # profile, each_row, generated keys: said in the file's audit row
    rows_left_out: int = 0  # rows a keep_rows: condition, or the reader (an IIA not in effect), left out
    warnings: list[str] | None = None  # what the run must warn of (a column's dates in two forms)
    earlier: dict[str, dict[str, str]] | None = None  # field → other readings' pseudonyms, and why

    @property
    def rows_loaded(self) -> int:
        return self.rows.height - self.quarantine.height

    def good_rows(self) -> pl.DataFrame:
        """The rows to load, without the flag (a copy: for tests and small files)."""
        return self.rows.filter(~pl.col(QUARANTINED)).drop(QUARANTINED)


def _parse_columns(text: pl.DataFrame, fields: list[FieldSpec]) -> list[pl.Expr]:
    """Typed values of every field, as ``__v_<name>`` expressions to evaluate together (in parallel).

    Where values repeat (codes, dates, enums, partner names) each distinct text is parsed once and
    mapped back; a column of nearly all different values (ids, free text) is parsed row by row.
    """
    repeating = [f for f in fields if values_repeat(text[f.name])]
    distinct = text.select(pl.col(f.name).unique().implode() for f in repeating) if repeating else None
    expressions = []
    for f in fields:
        dtype = _polars_type(f)
        if f not in repeating:
            expressions.append(parse_field(pl.col(f.name), f).cast(dtype).alias(f"__v_{f.name}"))
            continue
        values = distinct[f.name][0]
        parsed = values.to_frame(f.name).select(parse_field(pl.col(f.name), f).cast(dtype)).to_series()
        expressions.append(
            pl.col(f.name)
            .replace_strict(values, parsed, default=None, return_dtype=dtype)
            .alias(f"__v_{f.name}")
        )
    return expressions


def _describe(value: pl.Expr) -> pl.Expr:
    shown = redact(value).str.slice(0, 40)  # redacted before it is cut: no half identifier shown
    return pl.lit(" '") + shown + pl.lit("'")


# rows cleaned, parsed and flagged at a time: a large file's intermediates stay bounded
SLICE_ROWS = 1_000_000


def normalise(
    frame: pl.DataFrame,
    spec: SourceSpec,
    pseudonymiser: Pseudonymiser,
    seconds: dict[str, float] | None = None,
    options: ReadOptions | None = None,
) -> Normalised:
    """Canonical, typed rows and the quarantined ones; ``seconds`` collects step times.

    The rows' person identifiers are canonical, not yet pseudonymised: write them only through
    the loader, which hashes them (the quarantine's business keys are pseudonymised here).

    Each row is cleaned, parsed and checked on its own, ``SLICE_ROWS`` rows at a time (a file of
    5.5 million rows held 5.7 GB at once); what compares rows with each other (identical rows,
    conflicting keys) then runs over the whole file's typed rows.
    """
    options = options or ReadOptions()
    try:
        mapping = map_headers(frame.columns, spec)
    except LayoutError as exc:  # a title above the header: the row that holds it, and skip_rows:
        raise LayoutError(header_below(frame, spec) or str(exc)) from None
    ignored = [c for c in export_columns(frame) if c not in mapping]
    present = {canonical: column for column, canonical in mapping.items()}
    frame = excel_error_reasons(frame, present)
    rows_read = frame.height
    # rows that are no record (a repeated header, a totals row, an IIA not in effect): left out before
    # anything is derived from them, and said in the file's note
    frame, reader_notes, reader_out = leave_out(totals_rows(repeated_header_rows(frame)))
    frame, marks = without_text_marks(frame, spec, present)  # '0123, ="0123": an export for Excel
    try:
        frame = add_derived(frame, spec, options, pseudonymiser)
    except DeriveError as exc:
        raise LayoutError(str(exc)) from None
    left_out = 0
    if KEEP in frame.columns:  # keep_rows: the rows it does not keep are left out, and counted
        kept = frame.filter(pl.col(KEEP)).drop(KEEP)
        left_out = frame.height - kept.height
        frame = kept
    spec, warnings, id_notes = file_forms(frame, spec, lambda f: _text_of(f, present), pseudonymiser, options)
    earlier = earlier_uids(frame, spec, lambda f: _text_of(f, present), pseudonymiser)
    invisible, cleaned = cleaned_fields(frame, spec, lambda f: _text_of(f, present))  # SM\u200b-0001
    field_checks, rule_checks = _checks(spec, options)
    if READER_REASON in frame.columns:  # a row the reader could not take as it is (readers.csv)
        field_checks.append(("_reader", pl.col(READER_REASON).is_not_null(), pl.col(READER_REASON)))
    # the caller passes the only reference: a file of one slice has its raw text released as soon
    # as it is cleaned; the slices of a larger one share its buffers until the last is done
    slices = deque(frame.slice(offset, SLICE_ROWS) for offset in range(0, max(frame.height, 1), SLICE_ROWS))
    del frame
    typed_parts, reasons = [], Reasons()
    while slices:
        typed_parts.append(
            _typed_slice(
                slices.popleft(),
                spec,
                present,
                pseudonymiser,
                (field_checks, rule_checks),
                reasons,
                seconds,
                invisible,
            )
        )
    # a slice without a bad row has no reason ids: their column null there
    typed = pl.concat(typed_parts, how="diagonal") if len(typed_parts) > 1 else typed_parts[0]
    del typed_parts
    checks = field_checks + rule_checks

    # 2. rows identical in every column of the export collapse to the first (anonymous microdata: never)
    collapsed_rows: list[int] = []
    if spec.each_row != "one_person":
        first = pl.col("_row_hash").is_first_distinct()
        collapsed_rows = typed.filter(~first)["_row_number"].head(10).to_list()
        before = typed.height
        typed = typed.filter(first)
        collapsed = before - typed.height
    else:
        collapsed = 0

    # 3. a business key twice with different values: every row of it is quarantined
    key = list(spec.business_key)
    # (is_duplicated counts in one hash table; a window over millions of keys built a group per key: 2 GB
    # more for 5.7 million rows)
    repeated = pl.col(key[0]).is_duplicated() if len(key) == 1 else pl.struct(key).is_duplicated()
    # a required key field left empty is quarantined as missing; an optional one is part of the key
    filled = [pl.col(k).is_not_null() for k in key if spec.field(k).required] or [pl.lit(True)]
    typed = typed.with_columns((repeated & pl.all_horizontal(filled)).alias("_conflict"))
    flags = [name for name, _, _ in checks] + ["_conflict"]
    is_bad = pl.any_horizontal(flags)
    typed = typed.with_columns(is_bad.alias(QUARANTINED))
    rows = typed.select("_row_number", *spec.field_names, QUARANTINED)

    # 4. reasons, built for the bad rows only, a slice at a time (the field checks' in each slice)
    personal = [k for k in key if spec.field(k).personal]
    quarantine = quarantine_records(
        typed,
        QUARANTINED,
        reasons,
        rule_checks,
        key,
        _business_key(spec),
        lambda part: part.with_columns(pseudonymiser.pseudonymise_canonical(part[k]) for k in personal),
    )
    return Normalised(
        rows=rows,
        quarantine=quarantine,
        collapsed=collapsed,
        ignored_columns=ignored,
        rows_read=rows_read,
        collapsed_rows=collapsed_rows,
        notes=reader_notes + id_notes + _notes(spec, left_out),
        rows_left_out=left_out + reader_out,
        warnings=marks + warnings + cleaned + zero_date_warnings(typed, spec),
        earlier=earlier,
    )


def _notes(spec: SourceSpec, left_out: int = 0) -> list[str]:
    """What the contract did to this file that a reader of the run must know (audit.loaded_files)."""
    notes = []
    if left_out:
        notes.append(f"{left_out} rows left out by keep_rows: in {spec.contract_file}")
    if spec.profile:
        notes.append(f"read as profile {spec.profile} ({spec.contract_file})")
    if spec.each_row == "one_person":
        notes.append(persons_note(spec))
    generated = [f.name for f in spec.fields if f.generate]
    if generated:
        notes.append(f"generated from the whole row: {', '.join(generated)}")
    return notes


def _checks(
    spec: SourceSpec, options: ReadOptions | None = None
) -> tuple[list[tuple[str, pl.Expr, pl.Expr]], list[tuple[str, pl.Expr, pl.Expr]]]:
    """(flag column, flag, message for flagged rows) of every field's checks, and of every rule's.

    A date outside the plausible window (``date_window_start`` .. ``date_window_years_ahead`` after
    the run) is quarantined; on an ``open_end:`` field a year-9999 date or a zero date (1900-01-01) is
    open (NULL), not bad (:mod:`indicators.open_ends`).
    """
    options = options or ReadOptions()
    field_checks: list[tuple[str, pl.Expr, pl.Expr]] = []
    for f in spec.fields:
        if f.precision_of:
            continue
        raw, value = pl.col(f.name), pl.col(f"__v_{f.name}")
        if f.personal:
            field_checks.append(
                (f"_bad_{f.name}", raw == INVALID, pl.lit(f"invalid person identifier in {f.name}"))
            )
        else:
            kind = "unknown value" if f.type == "enum" else f"invalid {f.type.replace('_', ' ')}"
            shown = pl.col(f"_raw_{f.name}")  # the text as exported, joined in for bad rows only
            message = pl.lit(f"{kind} in {f.name}:") + _describe(shown)
            hint = date_hint(shown, f, spec) if f.type == "date" else value_hint(shown, f, spec)
            message = message + hint
            field_checks.append((f"_bad_{f.name}", raw.is_not_null() & value.is_null(), message))
        if f.type in ("date", "term", "academic_year"):
            if f.type == "date":
                outside = (value < pl.lit(options.date_min)) | (value > pl.lit(options.date_max))
            else:  # a term HT2019, an academic year 2019/20: its (first) year
                year = year_of(value, f)
                outside = (year < options.date_min.year) | (year > options.date_max.year)
            if f.open_end:
                outside = outside & ~is_open(f)  # 9999-12-31, a zero date (open_ends)
            window = f"{options.date_min.isoformat()}..{options.date_max.isoformat()}"
            field_checks.append(
                (
                    f"_window_{f.name}",
                    outside,
                    pl.lit(
                        f"{f.name} outside the plausible dates {window} (date_window_start, "
                        "date_window_years_ahead):"
                    )
                    + _describe(pl.col(f"_raw_{f.name}")),
                )
            )
        for source, name, least, most, why in options.ranges:
            if source != spec.name or name != f.name or f.type not in ("integer", "decimal"):
                continue
            outside = pl.lit(False)
            if least is not None:
                outside = outside | (value < least)
            if most is not None:
                outside = outside | (value > most)
            bounds = f"{'' if least is None else f'{least:g}'}..{'' if most is None else f'{most:g}'}"
            field_checks.append(
                (
                    f"_range_{f.name}",
                    outside.fill_null(False),
                    pl.lit(f"{f.name} outside {bounds} ({why}; expectations/thresholds.yml):")
                    + _describe(pl.col(f"_raw_{f.name}")),
                )
            )
        if f.required:
            field_checks.append(
                (f"_missing_{f.name}", raw.is_null(), pl.lit(f"missing required value: {f.name}"))
            )
    rule_checks = [
        (f"_rule_{rule.field}", pl.lit(True), pl.lit(f"{rule.field} before {rule.other}"))
        for rule in spec.rules
        if rule.check == "not_before"
    ]
    return field_checks, rule_checks


def _distinct_keys(typed: pl.DataFrame, spec: SourceSpec, pseudonymiser: Pseudonymiser) -> pl.DataFrame:
    """A business key's text with a personnummer in it (an id built from one, ``MX-900101-9984``)
    has it replaced by a keyed tag (:meth:`Pseudonymiser.redact_keyed`), not by the one marker
    free text gets: two such ids must stay two rows, not become one key (within a file, a
    duplicate key to quarantine; across files, one row taken for a revision of the other)."""
    for f in spec.fields:
        if f.name not in spec.business_key or f.type != "string" or f.personal:
            continue
        # the parsed value went through the redaction rule already: the marker in it is the sign (a
        # literal search; the pattern's would cost 0.4 s a million ids)
        found = pl.col(f"__v_{f.name}").str.contains(MARKER, literal=True)
        hits = typed.select(pl.col(f.name).filter(found))[f.name].unique().to_list()  # one column, not all
        if not hits:
            continue
        keyed = {text: pseudonymiser.redact_keyed(text) for text in hits}
        typed = typed.with_columns(
            pl.when(found)
            .then(pl.col(f.name).replace_strict(keyed, default=None, return_dtype=pl.String))
            .otherwise(pl.col(f"__v_{f.name}"))
            .alias(f"__v_{f.name}")
        )
    return typed


def _typed_slice(
    frame: pl.DataFrame,
    spec: SourceSpec,
    present: dict[str, str],
    pseudonymiser: Pseudonymiser,
    checks: tuple[list[tuple[str, pl.Expr, pl.Expr]], list[tuple[str, pl.Expr, pl.Expr]]],
    reasons: Reasons,
    seconds: dict[str, float] | None,
    invisible: list[str] | None = None,
) -> pl.DataFrame:
    """One slice of a file: its rows typed, with a flag per check, and the id in ``reasons`` of each
    flagged row's field checks' reason (``_reason_id``: they quote the text as exported, released with
    the slice rather than kept for every bad row of the file)."""
    field_checks, rule_checks = checks
    fields = [f for f in spec.fields if not f.precision_of]
    names = [f.name for f in fields]
    # every column of the export trimmed, a blank value missing, once: the row's identity as exported
    own = export_columns(frame)
    # a column whose field loses its characters that show as nothing loses them here too, so that two
    # rows alike but for one ('SM\u200b-0001', 'SM-0001') are one row delivered twice, collapsed and said
    unseen = {present.get(name) for name in invisible or ()}
    frame = frame.with_columns(
        (
            pl.col(c).cast(pl.String).str.replace_many(CHARACTERS, [""] * len(CHARACTERS))
            if c in unseen
            else pl.col(c)
        )
        .cast(pl.String)
        .str.strip_chars()
        .replace("", None)
        for c in own
    )
    as_is = {f.name for f in fields if f.derive is None and f.generate is None and present.get(f.name) in own}
    # a key with a personnummer in it is stored keyed (_distinct_keys): so it joins the row's identity
    # (below), and two ids that differ only in how a reference or a link spells a character between its
    # parts ('MX-000101&#8209;98NN', 'MX-000101\u201198NN') are one row delivered twice
    keyed = [
        k
        for k in spec.business_key
        if k in as_is and spec.field(k).type == "string" and not spec.field(k).personal
    ]
    by_key = {present[name] for name in keyed}
    row_hash = frame.select(pl.col(c).is_null() if c in by_key else pl.col(c) for c in own).hash_rows()
    text = frame.select(
        pl.col("_row_number").cast(pl.Int64),
        *[_text_of(f, present) for f in fields],
        *[pl.col(READER_REASON)] * (READER_REASON in frame.columns),
    )
    # those read as is are clean, but for the characters that show as nothing (removed from their fields)
    text = clean(text, [name for name in names if name not in as_is or name in (invisible or ())], invisible)
    del frame  # the caller passes the only reference to the slice: released here
    text = text.with_columns(row_hash.alias("_row_hash"))
    del row_hash
    clock = time.perf_counter()
    text = _canonicalise(text, spec, pseudonymiser)
    if seconds is not None:
        seconds["pseudonymise"] = seconds.get("pseudonymise", 0.0) + time.perf_counter() - clock

    # typed values (each distinct text parsed once), then one boolean flag per check, over every row
    parsed = _parse_columns(text, [f for f in fields if not f.personal])
    parsed += [
        pl.when(pl.col(f.name) != INVALID).then(pl.col(f.name)).alias(f"__v_{f.name}")
        for f in fields
        if f.personal
    ]
    typed = _distinct_keys(text.with_columns(parsed), spec, pseudonymiser)
    if keyed:
        typed = typed.with_columns(
            pl.struct("_row_hash", *(f"__v_{name}" for name in keyed)).hash().alias("_row_hash")
        )
    typed = typed.with_columns(flag.fill_null(False).alias(name) for name, flag, _ in field_checks)
    # an open end (9999-12-31, a zero date 1900-01-01) is no end: NULL; the precision of each date kept
    typed = read_open(typed, fields)
    typed = typed.with_columns(
        pl.when(pl.col(f"__v_{f.precision_of}").is_not_null())
        .then(date_precision_of(typed[f.precision_of], spec.field(f.precision_of)))
        .alias(f.name)
        for f in spec.fields
        if f.precision_of
    )
    typed = typed.drop(names).rename({f"__v_{name}": name for name in names})
    # the field checks' reasons quote the text as exported: built here, the text then released
    raw = text.select(pl.col(f.name).alias(f"_raw_{f.name}") for f in fields if not f.personal)
    ids = field_reason_ids(pl.concat([typed, raw], how="horizontal"), field_checks, reasons)
    del text, raw
    typed = typed.drop(READER_REASON, strict=False)
    if ids is not None:
        typed = typed.with_columns(ids.alias(REASON_ID))
    for rule in spec.rules:  # an end exported as a month or a year (2014-09) may mean its last day
        if rule.check == "not_before":
            later, coarse = pl.col(rule.field), f"{rule.field}_precision"
            later = latest_day(later, pl.col(coarse)) if coarse in typed.columns else later
            typed = typed.with_columns(
                (later < pl.col(rule.other)).fill_null(False).alias(f"_rule_{rule.field}")
            )
    return typed


def _text_of(f: FieldSpec, present: dict[str, str]) -> pl.Expr:
    """A field's text: its export column, its derived or generated column, its default, or nothing."""
    if f.derive is not None or f.generate is not None:
        column = pl.col(DERIVED + f.name)
    elif f.name in present:
        column = pl.col(present[f.name])
    elif f.default is not None:
        column = pl.lit(f.default, dtype=pl.String)
    else:
        column = pl.lit(None, dtype=pl.String)
    return column.alias(f.name)


def _canonicalise(text: pl.DataFrame, spec: SourceSpec, pseudonymiser: Pseudonymiser) -> pl.DataFrame:
    """Person identifiers to their canonical form (``INVALID`` marks a malformed one); lists sorted; a
    code a field may lack written as a dash or '?' (an export's 'no code': a host outside the programme)
    missing, not a partner '-' that every such row shares and every agreement of '-' matches."""
    for f in spec.fields:
        if f.generate is not None:  # a key made from the row: no person identifier to check
            continue
        if f.type == "code" and not f.required:  # a required one stays as written: its row loads
            text = text.with_columns(
                pl.when(~pl.col(f.name).str.contains(NO_CODE)).then(pl.col(f.name)).alias(f.name)
            )
        elif f.type == "person_id":
            text = text.with_columns(pseudonymiser.canonical(text[f.name], f.digits_are_ids))
        elif f.type == "person_id_list":
            listed = pl.col(f.name).str.replace_all(REFERENCE, " ")  # a reference's ';' (&nbsp;): a space
            exploded = (
                text.select("_row_number", listed.str.replace_all(",", ";").str.split(";"))
                .explode(f.name)
                .with_columns(pl.col(f.name).str.strip_chars())
                .filter(pl.col(f.name).is_not_null() & (pl.col(f.name) != ""))
            )
            exploded = exploded.with_columns(pseudonymiser.canonical(exploded[f.name], f.digits_are_ids))
            joined = exploded.group_by("_row_number", maintain_order=True).agg(
                pl.when(pl.col(f.name).eq(INVALID).any())
                .then(pl.lit(INVALID))
                .otherwise(pl.col(f.name).sort().str.join(";"))
                .first()
                .alias(f.name)
            )
            text = text.drop(f.name).join(joined, on="_row_number", how="left").select(text.columns)
    return text


def _business_key(spec: SourceSpec) -> pl.Expr:
    parts = []
    for name in spec.business_key:
        column = pl.col(name).cast(pl.String)
        shown = column if spec.field(name).personal else redact(column)  # a pseudonym is shown whole
        # a required field is shown missing; an optional one (graduates' degree_code) is left out
        parts.append(
            pl.when(column.is_null()).then(pl.lit("<missing>")).otherwise(shown)
            if spec.field(name).required
            else shown
        )
    return pl.concat_str(parts, separator="|", ignore_nulls=True)


def _polars_type(field: FieldSpec) -> pl.DataType:
    types = {"DATE": pl.Date, "BIGINT": pl.Int64, "DOUBLE": pl.Float64, "BOOLEAN": pl.Boolean}
    return types.get(field.sql_type, pl.String)
