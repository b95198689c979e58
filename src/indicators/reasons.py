"""The reasons of a file's quarantined rows, built so that their size grows with the bad rows alone.

* A business key on many rows with different values: each row's reason names the key's rows, the
  first :data:`ROWS_LISTED` of them and how many there are in all. Listing every one made the reasons
  grow with the square of the rows: an export whose id column held one value on 20,000 rows (1.3 MB)
  took 7 GB and two and a half minutes, 100,000 such rows more memory than a server has.
"""

from __future__ import annotations

import polars as pl

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
