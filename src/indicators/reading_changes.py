"""A person identifier an earlier version of the reading took for another: its earlier rows are named.

A pseudonym is the keyed hash of the identifier as it is READ, so a change of the reading changes the
pseudonym of the same delivered text. Two changes did: a personnummer written with ``_``, ``.`` or
``:`` between its parts (``19000101_NNNN``, ``000101.NNNN``, ``19000101:NNNN``), and a T-number typed with a small ``t``
(``000101-tNNN``), were read as a system's uid (``uid:19000101_nnnn``) and are now the personnummer or
the T-number (the same person as ``19000101-NNNN``). A person delivered so last year and again this
year has last year's rows (in ``raw``, and in the append-only archive a rebuild reads) under the uid's
pseudonym and this year's under the personnummer's: one person counted twice, across years, without a
word. The warehouse holds pseudonyms only, so those rows cannot be read again; the ingest names them:
for each such identifier of a file (read in memory, never stored), the pseudonym the earlier reading
gave it is looked for in the person columns of ``raw``, and a file whose persons have earlier rows so
gets a warning naming how many persons and rows, and the fix.

A reading decided per file splits a person so too: nine digits are a personnummer whose leading zero
a spreadsheet dropped in a file of personnummer (or of fewer than five numbers), and a system's id in
a file whose numbers mostly are ids (MoveON's; :mod:`indicators.file_forms`). The same number in a
monthly delta of three rows and in the full export gets two pseudonyms: its other reading is looked
for the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import polars as pl

from indicators.identity import _NARROW, _WIDE, _WIDE_PATTERN, INVALID, Pseudonymiser
from indicators.sources import FieldSpec, SourceSpec

# the earlier reading (before the redaction rule's separators and a small t were read): one '-' or '+'
# before the last four characters, a 'T' in the serial; any other value of letters, digits and
# ._@:- (not digits and dashes alone) was a system's uid, uid:<lower case>
_EARLIER_SHAPE = r"^(\d{2})?\d{6}[-+]?[0-9T]\d{3}$"
_EARLIER_UID = r"^[A-Za-z0-9._@:\-]{2,64}$"
# only such a value can be read otherwise now: a '_', '.', ':' or 't' in it, three digits at its end
_CANDIDATE = r"[._:t].*\d{3}$"


SEPARATOR = (
    "a personnummer or T-number written with '_', '.', ':' or a small 't' (19000101_NNNN, 000101-tNNN), read as "
    "a system's id before the reading took these forms"
)
NINE_DIGITS = (
    "nine digits (a personnummer whose leading zero a spreadsheet dropped, or a system's numeric id), "
    "read as an id in a file whose numbers mostly are ids and as a personnummer in another"
)


def earlier_uids(
    frame: pl.DataFrame,
    spec: SourceSpec,
    text_of: Callable[[FieldSpec], pl.Expr],
    pseudonymiser: Pseudonymiser,
) -> dict[str, dict[str, str]]:
    """Person field → {pseudonym: why} of its identifiers' other readings: the pseudonym the earlier
    reading gave an identifier this one reads as a personnummer or T-number (:data:`SEPARATOR`), and
    that of a nine-digit number's other reading, the one a file of other numbers gives it
    (:data:`NINE_DIGITS`). A field without any is left out; ``digits_are_ids`` as decided."""
    earlier: dict[str, dict[str, str]] = {}
    for f in spec.fields:
        if f.type not in ("person_id", "person_id_list") or f.generate is not None:
            continue
        text = frame.select(text_of(f).cast(pl.String).alias("text"))["text"]
        if f.type == "person_id_list":
            text = text.str.split(";").explode()  # the earlier reading split at ';' only
        other = dict.fromkeys(_separator_uids(text, f, pseudonymiser), SEPARATOR)
        other |= dict.fromkeys(_nine_digits(text, f, pseudonymiser), NINE_DIGITS)
        if other:
            earlier[f.name] = {pseudonymiser.digest(value): why for value, why in sorted(other.items())}
    return earlier


def _separator_uids(text: pl.Series, f: FieldSpec, pseudonymiser: Pseudonymiser) -> list[str]:
    """The uids (``uid:19000101_nnnn``) the earlier reading made of identifiers read otherwise now."""
    text = text.filter(text.str.contains(r"[._:t]").fill_null(False))  # nearly none: the rest is cheap
    text = text.str.replace_all(r"\s+", "")
    text = text.filter(text.str.contains(_CANDIDATE)).unique()
    if text.is_empty():
        return []
    if text.str.contains(_WIDE_PATTERN).any():
        text = text.str.replace_many(_WIDE, _NARROW)
    was_uid = (
        text.str.contains(_EARLIER_UID)
        & ~text.str.contains(_EARLIER_SHAPE)
        & ~text.str.contains(r"^[\d\-+]+$")
    )
    text = text.filter(was_uid)
    now = pseudonymiser.canonical(text, f.digits_are_ids)
    read_so = now.is_not_null() & (now != INVALID) & ~now.str.starts_with("uid:")
    return ("uid:" + text.filter(read_so).str.to_lowercase()).unique().to_list()


def _nine_digits(text: pl.Series, f: FieldSpec, pseudonymiser: Pseudonymiser) -> list[str]:
    """The other reading of each nine-digit number that reads both as a personnummer (a zero put back)
    and as a system's id: a file of other numbers reads it so (:mod:`indicators.file_forms`)."""
    nine = text.str.strip_chars()
    nine = nine.filter(nine.str.contains(r"^\d{9}$").fill_null(False)).unique()
    if nine.is_empty():
        return []
    now = pseudonymiser.canonical(nine, f.digits_are_ids)
    other = pseudonymiser.canonical(nine, not f.digits_are_ids)
    return other.filter((now != INVALID) & (other != INVALID)).to_list()


def _still_counting(spec: SourceSpec, held: str, replaced: list[str]) -> str:
    """SQL: pseudonym → the rows of raw.<spec> holding it in ``held`` (a person column) that still count:
    the latest version of their key (the highest file, then row, as staging's latest_version), and,
    given the ``replaced`` key fields, not one whose key is in ``_replaced_keys`` (the incoming file's).
    The rows holding one of the few pseudonyms are found first: a window over every key cost seconds
    for millions of rows."""
    keys = ", ".join(f'"{k}"' for k in spec.business_key)
    same = " and ".join(f'r."{k}" is not distinct from h."{k}"' for k in spec.business_key)
    newer = "r._file_id > h._file_id or (r._file_id = h._file_id and r._row_number > h._row_number)"
    sql = f"""
        with hit as (
            select {keys}, _file_id, _row_number, p
            from (select *, {held} as p from raw."{spec.name}")
            where p in (select unnest(?))
        )
        select p, count(*) from hit as h
        where not exists (select 1 from raw."{spec.name}" as r where {same} and ({newer}))
    """
    if replaced:
        again = " and ".join(f'x."{k}" is not distinct from h."{k}"' for k in replaced)
        sql += f" and not exists (select 1 from _replaced_keys as x where {again})"
    return sql + " group by p"


def earlier_rows(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    specs: list[SourceSpec],
    earlier: dict[str, dict[str, str]] | None,
    incoming: pl.DataFrame,
) -> str | None:
    """The warning for a file of ``spec`` about to load ``incoming`` (its normalised rows, before they
    are inserted) whose persons have rows in ``raw`` under their earlier pseudonym, or None. Only the
    rows that count are named: the latest version of each business key (as staging reads it), and
    not one this file replaces (a key with a person in it is another key under another pseudonym)."""
    if not earlier:
        return None
    from indicators.normalise import QUARANTINED  # normalise reads earlier_uids from here

    wanted = sorted({p for pseudonyms in earlier.values() for p in pseudonyms})
    why = {p: reason for pseudonyms in earlier.values() for p, reason in pseudonyms.items()}
    found: set[str] = set()
    rows: dict[str, int] = {}
    tables = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    replaced = list(spec.business_key)
    if any(spec.field(k).personal for k in replaced):
        replaced = []
    kept = incoming.filter(~pl.col(QUARANTINED)).select(replaced) if replaced else None
    con.register("_replaced_keys", (kept if kept is not None else pl.DataFrame({"k": []})).to_arrow())
    try:
        for other in specs:
            if other.name not in tables:
                continue
            for f in other.fields:
                if f.type == "person_id":
                    held = f'"{f.name}"'
                elif f.type == "person_id_list":
                    held = f"unnest(string_split(\"{f.name}\", ';'))"
                else:
                    continue
                sql = _still_counting(
                    other, held, replaced if other.name == spec.name and kept is not None else []
                )
                hits = con.execute(sql, [wanted]).fetchall()
                for pseudonym, count in hits:
                    found.add(pseudonym)
                    rows[f"raw.{other.name}"] = rows.get(f"raw.{other.name}", 0) + count
    finally:
        con.unregister("_replaced_keys")
    if not found:
        return None
    fields = ", ".join(name for name, pseudonyms in earlier.items() if found & set(pseudonyms))
    where = ", ".join(f"{table} {count}" for table, count in sorted(rows.items()))
    reasons = "; ".join(dict.fromkeys(why[p] for p in sorted(found, key=lambda p: why[p] != SEPARATOR)))
    return (
        f"{fields}: {len(found)} persons of this file are read otherwise than earlier deliveries read the "
        f"same text ({reasons}): their {sum(rows.values())} earlier rows ({where}) keep that other "
        "pseudonym, so where the text means one person it counts twice across the files; deliver a new "
        "export of those earlier rows (a re-export replaces each row by its key)"
    )
