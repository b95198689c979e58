"""A re-delivery of an export without ids: which rows of its earlier deliveries it no longer holds.

A key made from the whole row (``generate: row``) cannot follow a row that changed: when a sheet kept
by hand is delivered again with one row corrected, the corrected row gets a new key and the earlier
version keeps its own, so both count. Nothing can tell a corrected row from a new one, so the run
says so: a file that shares keys with earlier deliveries of the same export (it is a re-delivery) but
lacks some of theirs gets a warning naming how many rows still count from the earlier files.
"""

from __future__ import annotations

import duckdb
import polars as pl

from indicators.sources import SourceSpec, match_source


def stale_generated_rows(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, specs: list[SourceSpec], rows: pl.DataFrame
) -> str | None:
    """The warning for a file of ``spec`` about to load ``rows`` (before they are inserted), or None."""
    keys = [f.name for f in spec.fields if f.name in spec.business_key and f.generate == "row"]
    if not keys or rows.height == 0:
        return None
    names = [
        name
        for (name,) in con.execute(f'select distinct _file_name from raw."{spec.name}"').fetchall()
        if (match := match_source(name, specs)) is not None and match.contract_file == spec.contract_file
    ]
    if not names:
        return None
    key = " || '\x1f' || ".join(f"coalesce(\"{k}\", '')" for k in keys)
    incoming = rows.select(
        pl.concat_str([pl.col(k).fill_null("") for k in keys], separator="\x1f").alias("k")
    )
    con.register("_redelivered_keys", incoming.to_arrow())
    try:
        shared, missing, files = con.execute(
            f"""
            with earlier as (
                select distinct {key} as k, _file_name from raw."{spec.name}"
                where _file_name in (select unnest(?))
            )
            select
                count(distinct k) filter (where k in (select k from _redelivered_keys)),
                count(distinct k) filter (where k not in (select k from _redelivered_keys)),
                string_agg(distinct _file_name, ', ' order by _file_name)
                    filter (where k not in (select k from _redelivered_keys))
            from earlier
            """,
            [names],
        ).fetchall()[0]
    finally:
        con.unregister("_redelivered_keys")
    if not shared or not missing:  # a delivery of other rows (another year's file), or all still there
        return None
    return (
        f"{missing} rows of earlier deliveries of this export ({files}) are not in this file and still "
        f"count: its {', '.join(keys)} is generated from the whole row (generate: row in "
        f"{spec.contract_file}), so a row corrected since counts twice and a row deleted since still "
        "counts: give the export an id column (an alias of the key field) so that a corrected row "
        "replaces its earlier version"
    )
