"""An export without ids (``generate: row``): which rows of its earlier deliveries a re-delivery no
longer holds, and which rows of one file its keys keep apart although every field loaded is the same.

A key made from the whole row (``generate: row``) cannot follow a row that changed: when a sheet kept
by hand is delivered again with one row corrected, the corrected row gets a new key and the earlier
version keeps its own, so both count. Nothing can tell a corrected row from a new one, so the run
says so: a file that shares keys with earlier deliveries of the same export (it is a re-delivery) but
lacks some of theirs gets a warning naming how many rows still count from the earlier files.
"""

from __future__ import annotations

import duckdb
import polars as pl

from indicators.normalise import QUARANTINED
from indicators.sources import SourceSpec, match_source


def stale_generated_rows(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, specs: list[SourceSpec], rows: pl.DataFrame
) -> str | None:
    """The warning for a file of ``spec`` about to load ``rows`` (before they are inserted), or None."""
    keys = [f.name for f in spec.fields if f.name in spec.business_key and f.generate == "row"]
    if not keys or rows.height == 0:
        return None
    names = _same_export(con, spec, specs)
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


def generated_twins(spec: SourceSpec, rows: pl.DataFrame) -> str | None:
    """The warning for loaded rows of one file that are the same in every field but their generated
    key (a stay typed twice, once with a note of its own): the key, made from every column, tells
    them apart, so each counts. Not for anonymous microdata, whose identical rows are persons."""
    generated = [f.name for f in spec.fields if f.generate is not None]
    if not any(name in spec.business_key for name in generated) or spec.each_row == "one_person":
        return None
    fields = [name for name in spec.field_names if name not in generated]
    loaded = rows.filter(~pl.col(QUARANTINED)) if QUARANTINED in rows.columns else rows
    sets = (
        loaded.group_by(fields)
        .agg(pl.col("_row_number").sort())
        .filter(pl.col("_row_number").list.len() > 1)
        .sort(pl.col("_row_number").list.first())
    )["_row_number"].to_list()
    if not sets:
        return None
    shown = "; ".join(", ".join(str(n) for n in numbers) for numbers in sets[:5]) + (
        "; …" if len(sets) > 5 else ""
    )
    return (
        f"rows the same in every field loaded, different only in columns no field reads or in how a value "
        f"is written, each counted ({len(sets)} sets: rows {shown}): their {', '.join(generated)} is "
        f"generated from the whole row (generate: row in {spec.contract_file}); if such rows are one "
        "record, keep one of them in the export"
    )


def _same_export(con: duckdb.DuckDBPyConnection, spec: SourceSpec, specs: list[SourceSpec]) -> list[str]:
    """The names of the files of ``spec``'s source loaded so far through ``spec``'s own contract file."""
    return [
        name
        for (name,) in con.execute(f'select distinct _file_name from raw."{spec.name}"').fetchall()
        if (match := match_source(name, specs)) is not None and match.contract_file == spec.contract_file
    ]


def regenerated_rows(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, specs: list[SourceSpec], file_id: int
) -> str | None:
    """The warning for a file of ``spec`` just inserted (``file_id``) that shares no generated key with
    the earlier deliveries of its export although rows of it are the same in every field loaded as
    theirs: a column added, removed or renamed since (an empty one too) changes every key made from
    the whole row, so each such row counts twice, once from each file."""
    generated = [f.name for f in spec.fields if f.generate is not None]
    keys = [name for name in generated if name in spec.business_key]
    if not keys:
        return None
    names = _same_export(con, spec, specs)
    if not names:
        return None
    table = f'raw."{spec.name}"'
    key = " and ".join(f'e."{k}" = m."{k}"' for k in keys)
    same = " and ".join(
        f'm."{n}" is not distinct from e."{n}"' for n in spec.field_names if n not in generated
    )
    earlier = "e._file_id < $file and e._file_name in (select unnest($names))"
    params = {"file": file_id, "names": names}
    shared = con.execute(
        f"select count(*) from {table} m where m._file_id = $file and exists "
        f"(select 1 from {table} e where {earlier} and {key})",
        params,
    ).fetchall()[0][0]
    if shared:  # a re-delivery whose columns kept their keys (stale_generated_rows), or a revision
        return None
    again, files = con.execute(
        f"select count(distinct m._row_number), string_agg(distinct e._file_name, ', ' order by e._file_name) "
        f"from {table} m join {table} e on {same} where m._file_id = $file and {earlier}",
        params,
    ).fetchall()[0]
    if not again:  # a delivery of other rows (another year's file)
        return None
    return (
        f"{again} rows are the same in every field loaded as rows of earlier deliveries of this export "
        f"({files}) but none has its key: their {', '.join(keys)} is generated from the whole row "
        f"(generate: row in {spec.contract_file}) and a column was added, removed or renamed since (or "
        "values written otherwise), so each such row counts twice, once from each file; deliver the "
        "export with the columns it had, or give it an id column (an alias of the key field)"
    )
