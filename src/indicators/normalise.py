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

from indicators.identity import INVALID, Pseudonymiser, redact, values_repeat
from indicators.redact import contains as contains_personnummer
from indicators.sources import FieldSpec, SourceSpec, header_key

TRUE_WORDS = ["yes", "ja", "true", "1", "x", "j", "y", "sant", "sann"]
FALSE_WORDS = ["no", "nej", "false", "0", "n", "falskt", "falsk"]
COUNTRY_FIXES = {"EL": "GR", "UK": "GB"}  # EU/Erasmus usage → ISO 3166-1


QUARANTINED = "_quarantined"  # the flag on a normalised row that goes to the quarantine, not the table


class LayoutError(Exception):
    """The file's columns do not fit its source (the message is the rejection reason)."""


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

    @property
    def rows_loaded(self) -> int:
        return self.rows.height - self.quarantine.height

    def good_rows(self) -> pl.DataFrame:
        """The rows to load, without the flag (a copy: for tests and small files)."""
        return self.rows.filter(~pl.col(QUARANTINED)).drop(QUARANTINED)


def map_headers(columns: list[str], spec: SourceSpec) -> dict[str, str]:
    """file column → canonical field; rejects a file missing a required column or naming one twice."""
    lookup = spec.header_map()
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for column in columns:
        if column == "_row_number":
            continue
        canonical = lookup.get(header_key(column))
        if canonical is None:
            continue
        if canonical in seen:
            raise LayoutError(f"two columns map to {canonical}: {seen[canonical]!r} and {column!r}")
        seen[canonical] = column
        mapping[column] = canonical
    missing = [name for name in spec.required if name not in seen]
    if missing:
        raise LayoutError(f"required column missing: {', '.join(missing)}")
    return mapping


def _clean(text: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Surrounding white space (Unicode, no-break space included) stripped; a blank value is missing."""
    text = text.with_columns(pl.col(c).cast(pl.String).str.strip_chars() for c in columns)
    # readers give an empty cell as null already: only the few columns with a blank value need a pass
    blank = text.select((pl.col(c) == "").any() for c in columns).row(0)
    return text.with_columns(
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c, b in zip(columns, blank, strict=True) if b
    )


def _parse_date(text: pl.Expr) -> pl.Expr:
    day = text.str.slice(0, 10)  # an Excel date-time "2019-09-01 00:00:00" keeps its date
    formats = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d")  # the commonest first
    candidates = [day.str.strptime(pl.Date, fmt, strict=False) for fmt in formats]
    whole = (text.str.len_chars() <= 10) | text.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")
    return pl.when(whole).then(pl.coalesce(candidates))


def _parse_academic_year(text: pl.Expr) -> pl.Expr:
    compact = text.str.to_uppercase().str.replace_all(r"\s+", "")
    groups = compact.str.extract_groups(r"^(?:LÅ|LA|HT)?(\d{4})[/\-](\d{2}|\d{4})$")
    first = groups.struct.field("1").cast(pl.Int32)
    second = groups.struct.field("2")
    second_full = (
        pl.when(second.str.len_chars() == 2)
        .then(
            (first // 100) * 100
            + second.cast(pl.Int32)
            + pl.when(second.cast(pl.Int32) < first % 100).then(100).otherwise(0)
        )
        .otherwise(second.cast(pl.Int32))
    )
    label = first.cast(pl.String) + "/" + (first + 1).mod(100).cast(pl.String).str.zfill(2)
    return pl.when(second_full == first + 1).then(label)


def _parse_term(text: pl.Expr) -> pl.Expr:
    compact = text.str.to_uppercase().str.replace_all(r"\s+", "")
    ladok = compact.str.extract_groups(r"^(HT|VT)(\d{4})$")
    ewp = compact.str.extract_groups(r"^(\d{4})/(\d{4})-([12])/2$")
    ewp_first = ewp.struct.field("1").cast(pl.Int32)
    ewp_second = ewp.struct.field("2").cast(pl.Int32)
    ewp_term = (
        pl.when(ewp_second != ewp_first + 1)
        .then(None)
        .when(ewp.struct.field("3") == "1")
        .then(pl.lit("HT") + ewp_first.cast(pl.String))
        .otherwise(pl.lit("VT") + ewp_second.cast(pl.String))
    )
    return pl.coalesce(ladok.struct.field("1") + ladok.struct.field("2"), ewp_term)


def _parse_integer(text: pl.Expr) -> pl.Expr:
    compact = text.str.replace_all(r"[\s\u00a0]", "").str.replace(r"[.,]0+$", "")
    return pl.when(compact.str.contains(r"^-?\d{1,15}$")).then(compact.cast(pl.Int64, strict=False))


def _parse_decimal(text: pl.Expr) -> pl.Expr:
    compact = text.str.replace_all(r"[\s\u00a0]", "").str.replace(",", ".")
    return pl.when(compact.str.contains(r"^-?\d+(\.\d+)?$")).then(compact.cast(pl.Float64, strict=False))


def _parse_bool(text: pl.Expr) -> pl.Expr:
    word = text.str.to_lowercase()
    return pl.when(word.is_in(TRUE_WORDS)).then(True).when(word.is_in(FALSE_WORDS)).then(False)


def _parse_code(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"\s+", " ").str.to_uppercase()


def _parse_code_list(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_all(",", ";")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().str.replace_all(r"\s+", " ").str.to_uppercase())
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.join(";")
    )


def _parse_country(text: pl.Expr) -> pl.Expr:
    code = text.str.to_uppercase().replace(COUNTRY_FIXES)
    return pl.when(code.str.contains(r"^[A-Z]{2}$")).then(code)


def _parse_enum(text: pl.Expr, field: FieldSpec) -> pl.Expr:
    key = text.str.replace_all(r"\s+", " ").str.to_lowercase()
    return key.replace_strict(field.values, default=None, return_dtype=pl.String)


def parse_field(text: pl.Expr, field: FieldSpec) -> pl.Expr:
    """The typed value of one canonical field from its text (null where it does not parse).

    Free text (``string``) is redacted; any other field with a personnummer in it (typed into a code,
    a date, a number) has no value: its row is quarantined, the reason showing the marker.
    """
    text = text.str.strip_chars()
    parsed = _parse(text, field)
    if field.type != "string":
        parsed = pl.when(contains_personnummer(text)).then(None).otherwise(parsed)
    return parsed.alias(field.name)


def _parse(text: pl.Expr, field: FieldSpec) -> pl.Expr:
    match field.type:
        case "string":
            return redact(text)
        case "code":
            return _parse_code(text)
        case "code_list":
            return _parse_code_list(text)
        case "country":
            return _parse_country(text)
        case "enum":
            return _parse_enum(text, field)
        case "term":
            return _parse_term(text)
        case "academic_year":
            return _parse_academic_year(text)
        case "date":
            return _parse_date(text)
        case "integer":
            return _parse_integer(text)
        case "decimal":
            return _parse_decimal(text)
        case "bool":
            return _parse_bool(text)
        case "bool_or_count":
            return pl.coalesce(_parse_bool(text), _parse_integer(text) > 0)
    raise ValueError(f"no parser for type {field.type}")


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


SLICE_ROWS = (
    1_000_000  # rows cleaned, parsed and flagged at a time: a large file's intermediates stay bounded
)


def normalise(
    frame: pl.DataFrame,
    spec: SourceSpec,
    pseudonymiser: Pseudonymiser,
    seconds: dict[str, float] | None = None,
) -> Normalised:
    """Canonical, typed rows and the quarantined ones; ``seconds`` collects step times.

    The rows' person identifiers are canonical, not yet pseudonymised: write them only through
    the loader, which hashes them (the quarantine's business keys are pseudonymised here).

    Each row is cleaned, parsed and checked on its own, ``SLICE_ROWS`` rows at a time (a file of
    5.5 million rows held 5.7 GB at once); what compares rows with each other (identical rows,
    conflicting keys) then runs over the whole file's typed rows.
    """
    mapping = map_headers(frame.columns, spec)
    ignored = [c for c in frame.columns if c not in mapping and c != "_row_number"]
    present = {canonical: column for column, canonical in mapping.items()}
    rows_read = frame.height
    field_checks, rule_checks = _checks(spec)
    # the caller passes the only reference: a file of one slice has its raw text released as soon
    # as it is cleaned; the slices of a larger one share its buffers until the last is done
    slices = deque(frame.slice(offset, SLICE_ROWS) for offset in range(0, max(frame.height, 1), SLICE_ROWS))
    del frame
    typed_parts, raw_parts = [], []
    while slices:
        typed, raw_text = _typed_slice(
            slices.popleft(), spec, present, pseudonymiser, field_checks, rule_checks, seconds
        )
        typed_parts.append(typed)
        raw_parts.append(raw_text)
    typed = pl.concat(typed_parts) if len(typed_parts) > 1 else typed_parts[0]
    raw_text = pl.concat(raw_parts) if len(raw_parts) > 1 else raw_parts[0]
    del typed_parts, raw_parts
    checks = field_checks + rule_checks

    # 2. rows identical in every field (as exported) collapse to one, the first; the count is reported
    before = typed.height
    typed = typed.filter(pl.col("_row_hash").is_first_distinct())
    collapsed = before - typed.height

    # 3. a business key twice with different values: every row of it is quarantined
    key = list(spec.business_key)
    # (is_duplicated counts in one hash table; a window over millions of keys built a group per key: 2 GB
    # more for 5.7 million rows)
    repeated = pl.col(key[0]).is_duplicated() if len(key) == 1 else pl.struct(key).is_duplicated()
    typed = typed.with_columns(
        (repeated & pl.all_horizontal(pl.col(k).is_not_null() for k in key)).alias("_conflict")
    )
    flags = [name for name, _, _ in checks] + ["_conflict"]
    is_bad = pl.any_horizontal(flags)
    typed = typed.with_columns(is_bad.alias(QUARANTINED))
    rows = typed.select("_row_number", *spec.field_names, QUARANTINED)

    # 4. reasons, built for the (few) bad rows only; raw text comes from before parsing
    bad = typed.filter(pl.col(QUARANTINED))
    bad = bad.join(raw_text, on="_row_number", how="left", maintain_order="left")
    messages = [pl.when(pl.col(name)).then(message) for name, _, message in checks]
    rows_with_key = pl.col("_row_number").cast(pl.String).implode().over(key).list.join(", ")
    messages.append(
        pl.when(pl.col("_conflict")).then(
            pl.lit("duplicate business key with different values (rows ") + rows_with_key + pl.lit(")")
        )
    )
    bad = bad.with_columns(
        pseudonymiser.pseudonymise_canonical(bad[k]) for k in key if spec.field(k).personal
    )
    quarantine = bad.select(
        "_row_number",
        _business_key(spec).alias("business_key"),
        pl.concat_list(messages).list.drop_nulls().list.join("; ").alias("reason"),
    )
    return Normalised(
        rows=rows, quarantine=quarantine, collapsed=collapsed, ignored_columns=ignored, rows_read=rows_read
    )


def _checks(
    spec: SourceSpec,
) -> tuple[list[tuple[str, pl.Expr, pl.Expr]], list[tuple[str, pl.Expr, pl.Expr]]]:
    """(flag column, flag, message for flagged rows) of every field's checks, and of every rule's."""
    field_checks: list[tuple[str, pl.Expr, pl.Expr]] = []
    for f in spec.fields:
        raw, value = pl.col(f.name), pl.col(f"__v_{f.name}")
        if f.personal:
            field_checks.append(
                (f"_bad_{f.name}", raw == INVALID, pl.lit(f"invalid person identifier in {f.name}"))
            )
        else:
            kind = "unknown value" if f.type == "enum" else f"invalid {f.type.replace('_', ' ')}"
            shown = pl.col(f"_raw_{f.name}")  # the text as exported, joined in for bad rows only
            field_checks.append(
                (
                    f"_bad_{f.name}",
                    raw.is_not_null() & value.is_null(),
                    pl.lit(f"{kind} in {f.name}:") + _describe(shown),
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


def _typed_slice(
    frame: pl.DataFrame,
    spec: SourceSpec,
    present: dict[str, str],
    pseudonymiser: Pseudonymiser,
    field_checks: list[tuple[str, pl.Expr, pl.Expr]],
    rule_checks: list[tuple[str, pl.Expr, pl.Expr]],
    seconds: dict[str, float] | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One slice of a file: its rows typed, with a flag per check, and the exported text of the
    flagged ones (their reasons quote it)."""
    text = frame.select(
        pl.col("_row_number").cast(pl.Int64),
        *[
            (pl.col(present[f.name]) if f.name in present else pl.lit(None, dtype=pl.String)).alias(f.name)
            for f in spec.fields
        ],
    )
    text = _clean(text, spec.field_names)
    del frame  # the caller passes the only reference to the slice: released here
    # identity of the row as exported, before any parsing or pseudonymisation
    text = text.with_columns(text.select(spec.field_names).hash_rows().alias("_row_hash"))
    clock = time.perf_counter()
    text = _canonicalise(text, spec, pseudonymiser)
    if seconds is not None:
        seconds["pseudonymise"] = seconds.get("pseudonymise", 0.0) + time.perf_counter() - clock

    # typed values (each distinct text parsed once), then one boolean flag per check, over every row
    parsed = _parse_columns(text, [f for f in spec.fields if not f.personal])
    parsed += [
        pl.when(pl.col(f.name) != INVALID).then(pl.col(f.name)).alias(f"__v_{f.name}")
        for f in spec.fields
        if f.personal
    ]
    typed = text.with_columns(parsed)
    typed = typed.with_columns(flag.fill_null(False).alias(name) for name, flag, _ in field_checks)
    typed = typed.drop(spec.field_names).rename({f"__v_{name}": name for name in spec.field_names})
    # the text as exported, kept for flagged rows only; the rest is released
    field_flags = [name for name, _, _ in field_checks]
    raw_text = text.filter(
        pl.col("_row_number").is_in(typed.filter(pl.any_horizontal(field_flags))["_row_number"].implode())
    )
    raw_text = raw_text.select(
        "_row_number", *[pl.col(f.name).alias(f"_raw_{f.name}") for f in spec.fields if not f.personal]
    )
    del text
    for rule in spec.rules:
        if rule.check == "not_before":
            typed = typed.with_columns(
                (pl.col(rule.field) < pl.col(rule.other)).fill_null(False).alias(f"_rule_{rule.field}")
            )
    return typed, raw_text


def _canonicalise(text: pl.DataFrame, spec: SourceSpec, pseudonymiser: Pseudonymiser) -> pl.DataFrame:
    """Person identifiers to their canonical form (``INVALID`` marks a malformed one); lists sorted."""
    for f in spec.fields:
        if f.type == "person_id":
            text = text.with_columns(pseudonymiser.canonical(text[f.name]))
        elif f.type == "person_id_list":
            exploded = (
                text.select("_row_number", pl.col(f.name).str.replace_all(",", ";").str.split(";"))
                .explode(f.name)
                .with_columns(pl.col(f.name).str.strip_chars())
                .filter(pl.col(f.name).is_not_null() & (pl.col(f.name) != ""))
            )
            exploded = exploded.with_columns(pseudonymiser.canonical(exploded[f.name]))
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
        parts.append(pl.when(column.is_null()).then(pl.lit("<missing>")).otherwise(shown))
    return pl.concat_str(parts, separator="|")


def _polars_type(field: FieldSpec) -> pl.DataType:
    return {
        "DATE": pl.Date,
        "BIGINT": pl.Int64,
        "DOUBLE": pl.Float64,
        "BOOLEAN": pl.Boolean,
    }.get(field.sql_type, pl.String)
