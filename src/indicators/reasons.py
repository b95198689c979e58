"""The reasons of a file's quarantined rows, built so that their size grows with the bad rows alone.

* A business key on many rows with different values: each row's reason names the key's rows, the
  first :data:`ROWS_LISTED` of them and how many there are in all. Listing every one made the reasons
  grow with the square of the rows: an export whose id column held one value on 20,000 rows (1.3 MB)
  took 7 GB and two and a half minutes, 100,000 such rows more memory than a server has.
* Rows of one reason share its text (:class:`Reasons`, :func:`shared`): each row's own copy took a
  million short rows 263 MB, and the text as exported kept for every bad row (a view of each of its
  fields) five million bad dates more; the field checks' reasons are built a slice of the file at a
  time, beside its text, which is then released. Every row keeps its own quarantine record (its row
  number and reason: the data contract's "goes to quarantine with the file, row number and reason").
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

QUARANTINE_SLICE = 100_000  # bad rows whose reasons are built at a time
ROWS_LISTED = 10  # a conflicting key's rows named in each of its rows' reasons; the rest counted
CONFLICT = "duplicate business key with different values (rows "
REASON_ID = "_reason_id"  # a row's field checks' reason: its id in the file's Reasons


def conflict_reason(bad: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """``bad`` (the quarantined rows, ``_conflict`` flagging those of a repeated business key) with
    ``_conflict_reason``: "duplicate business key with different values (rows 6, 7)", or beyond
    :data:`ROWS_LISTED` rows "(rows 2, 3, …, 11 and 19990 more)"; null on the other rows."""
    groups = (
        bad.filter(pl.col("_conflict"))
        .group_by(key, maintain_order=True)
        .agg(
            pl.col("_row_number").head(ROWS_LISTED).cast(pl.String).str.join(", ").alias("_listed"),
            pl.len().alias("_rows"),
        )
        .select(
            *key,
            pl.lit(CONFLICT)
            .add(pl.col("_listed"))
            .add(
                pl.when(pl.col("_rows") > ROWS_LISTED)
                .then(pl.lit(" and ") + (pl.col("_rows") - ROWS_LISTED).cast(pl.String) + pl.lit(" more)"))
                .otherwise(pl.lit(")"))
            )
            .alias("_conflict_reason"),
        )
    )
    joined = bad.join(groups, on=key, how="left", nulls_equal=True, maintain_order="left")
    return joined.with_columns(
        pl.when(pl.col("_conflict")).then(pl.col("_conflict_reason")).alias("_conflict_reason")
    )


class Reasons:
    """The distinct reasons of a file's rows, and each row's id into them: 4 bytes a row, where each
    row's own text of a reason took 40 to 260 (a million short rows: 263 MB; five million bad dates
    five times what each says). A part's distinct texts are kept, not looked up against the others'
    (a text in two parts kept twice: no table of every text that grows with the rows)."""

    def __init__(self) -> None:
        self._parts: list[pl.Series] = []
        self._size = 0
        self._texts: pl.Series | None = None

    def ids(self, texts: pl.Series) -> pl.Series:
        """The ids (UInt32) of ``texts``, a reason a row (null: none), the distinct ones kept."""
        distinct = texts.drop_nulls().unique()
        lookup = pl.DataFrame(
            {
                "reason": distinct,
                "_id": pl.int_range(self._size, self._size + distinct.len(), dtype=pl.UInt32, eager=True),
            }
        )
        self._parts.append(distinct)
        self._size += distinct.len()
        self._texts = None
        return texts.to_frame("reason").join(lookup, on="reason", how="left", maintain_order="left")["_id"]

    def texts(self, ids: pl.Series) -> pl.Series:
        """The reasons of ``ids`` (null: none): each a view of the one text kept, not a copy."""
        if self._texts is None:
            self._texts = pl.concat(self._parts) if self._parts else pl.Series([], dtype=pl.String)
        return self._texts.gather(ids)


def shared(texts: pl.Series) -> pl.Series:
    """``texts`` with the rows of one text sharing its bytes (a view each): what a part holds after
    its per-row texts are dropped is each distinct text once."""
    reasons = Reasons()
    return reasons.texts(reasons.ids(texts)).alias(texts.name)


def joined(frame: pl.DataFrame, messages: list[tuple[pl.Expr, pl.Expr]]) -> pl.Series:
    """Each row's messages (flag, message), those whose flag it has, joined by '; ' in their order
    (null: none); each message evaluated on the rows it flags only (a message quoting a value,
    evaluated on every row, took most of the 17 s a million short rows took)."""
    rows = frame.with_row_index("_row")
    each = pl.concat(
        rows.filter(flagged).select("_row", pl.lit(order).alias("_order"), message.alias("reason"))
        for order, (flagged, message) in enumerate(messages)
    )
    reasons = (
        each.drop_nulls("reason").group_by("_row").agg(pl.col("reason").sort_by("_order").str.join("; "))
    )
    return rows.select("_row").join(reasons, on="_row", how="left", maintain_order="left")["reason"]


def field_reason_ids(
    frame: pl.DataFrame, checks: list[tuple[str, pl.Expr, pl.Expr]], reasons: Reasons
) -> pl.Series | None:
    """The id in ``reasons`` of each row's field checks' messages (``checks``: (flag column, _,
    message); null where none flags it), :data:`QUARANTINE_SLICE` rows at a time: the messages read
    the text as exported (``_raw_<field>``), which is then released; None when no row is flagged."""
    if not checks:
        return None
    at = frame.select(pl.any_horizontal(name for name, _, _ in checks).arg_true()).to_series()
    if not at.len():
        return None
    bad = frame[at]  # the flagged rows alone: a file of good rows pays one pass over its flags
    messages = [(pl.col(name), message) for name, _, message in checks]
    ids = pl.concat(
        reasons.ids(joined(bad.slice(offset, QUARANTINE_SLICE), messages))
        for offset in range(0, bad.height, QUARANTINE_SLICE)
    )
    return pl.repeat(None, frame.height, dtype=pl.UInt32, eager=True).scatter(at, ids)


def quarantine_records(
    typed: pl.DataFrame,
    flag: str,
    reasons: Reasons,
    checks: list[tuple[str, pl.Expr, pl.Expr]],
    key: list[str],
    business_key: pl.Expr,
    pseudonymise: Callable[[pl.DataFrame], pl.DataFrame],
) -> pl.DataFrame:
    """``_row_number``, ``business_key`` and ``reason`` of the rows ``flag`` marks in ``typed``: the
    columns the reasons read kept of them alone, :data:`QUARANTINE_SLICE` rows at a time. A row's
    reason is its field checks' (``_reason_id`` in ``reasons``, built a slice of the file at a time
    beside its text as exported), then those of ``checks`` (the rules) and of a conflicting key;
    the rows of one reason share its text (a million rows of one reason hold it once)."""
    read = {"_row_number", "_conflict", REASON_ID, *key, *business_key.meta.root_names()}
    for name, _, message in checks:
        read |= {name, *message.meta.root_names()}
    bad = typed.select(c for c in typed.columns if c in read).filter(typed[flag])
    # a row of its own for each loaded row: a row persons_per_row: multiplies shares its row number
    bad = conflict_reason(bad, key)
    field = REASON_ID in bad.columns
    messages = [(pl.col("_field_reason").is_not_null(), pl.col("_field_reason"))] if field else []
    messages += [(pl.col(name), message) for name, _, message in checks]
    messages.append((pl.col("_conflict"), pl.col("_conflict_reason")))
    parts = []
    for offset in range(0, max(bad.height, 1), QUARANTINE_SLICE):
        part = pseudonymise(bad.slice(offset, QUARANTINE_SLICE))
        if field:
            part = part.with_columns(reasons.texts(part[REASON_ID]).alias("_field_reason"))
        reason = shared(joined(part, messages).fill_null("")).alias("reason")
        parts.append(part.select("_row_number", business_key.alias("business_key")).with_columns(reason))
    return pl.concat(parts) if len(parts) > 1 else parts[0]
