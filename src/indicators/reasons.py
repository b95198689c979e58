"""The reasons of a file's quarantined rows, built so that their size grows with the bad rows alone.

* A business key on many rows with different values: each row's reason names the key's rows, the
  first :data:`ROWS_LISTED` of them and how many there are in all. Listing every one made the reasons
  grow with the square of the rows: an export whose id column held one value on 20,000 rows (1.3 MB)
  took 7 GB and two and a half minutes, 100,000 such rows more memory than a server has.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

QUARANTINE_SLICE = 100_000  # bad rows whose reasons are built at a time
ROWS_LISTED = 10  # a conflicting key's rows named in each of its rows' reasons; the rest counted
CONFLICT = "duplicate business key with different values (rows "


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


def quarantine_records(
    typed: pl.DataFrame,
    flag: str,
    raw_text: pl.DataFrame,
    checks: list[tuple[str, pl.Expr, pl.Expr]],
    key: list[str],
    business_key: pl.Expr,
    pseudonymise: Callable[[pl.DataFrame], pl.DataFrame],
) -> pl.DataFrame:
    """``_row_number``, ``business_key`` and ``reason`` of the rows ``flag`` marks in ``typed``: the
    columns the reasons read kept of them alone, :data:`QUARANTINE_SLICE` rows at a time, each check's
    message built for the rows it flags only (``raw_text`` the exported text of the flagged rows,
    ``checks`` each (flag, _, message): a message quoting a value, evaluated on every row, took most
    of the 17 s a million short rows took)."""
    read = {"_row_number", "_conflict", *key, *business_key.meta.root_names()}
    for name, _, message in checks:
        read |= {name, *message.meta.root_names()}
    quoted = set(raw_text.columns) - {"_row_number"}  # joined in a slice at a time
    bad = typed.select(c for c in typed.columns if c in read and c not in quoted).filter(typed[flag])
    # a row of its own for each loaded row: a row persons_per_row: multiplies shares its row number
    bad = conflict_reason(bad, key).with_row_index("_bad_row")
    messages = [*((pl.col(name), message) for name, _, message in checks)]
    messages.append((pl.col("_conflict"), pl.col("_conflict_reason")))
    parts = []
    for offset in range(0, max(bad.height, 1), QUARANTINE_SLICE):
        part = bad.slice(offset, QUARANTINE_SLICE)
        part = pseudonymise(part.join(raw_text, on="_row_number", how="left", maintain_order="left"))
        each = pl.concat(
            part.filter(flagged).select("_bad_row", pl.lit(order).alias("_order"), message.alias("reason"))
            for order, (flagged, message) in enumerate(messages)
        )
        reasons = (
            each.drop_nulls("reason")
            .group_by("_bad_row")
            .agg(pl.col("reason").sort_by("_order").str.join("; "))
        )
        part = part.select("_bad_row", "_row_number", business_key.alias("business_key"))
        part = part.join(reasons, on="_bad_row", how="left", maintain_order="left").drop("_bad_row")
        parts.append(part.with_columns(pl.col("reason").fill_null("")))
    return pl.concat(parts) if len(parts) > 1 else parts[0]
