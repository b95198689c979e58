"""The benchmark's floors: what each stage of the nightly would cost as bare DuckDB, measured in the run.

* :func:`transform_floor` — the dbt project's own compiled SQL (every model and every data test of
  the build, in the DAG's order) run straight in DuckDB on a copy of the warehouse: no dbt, no
  transactions, no contracts' ``DESCRIBE``, no events; then a checkpoint, as the build's own time
  ends with one. Seeds are read with ``read_csv`` (into scratch tables; the models read the seed
  tables the copy already holds).
* :func:`quality_floor` — the GX suites' expectations as SQL aggregates: for every suite and frame
  one ``select`` over the same rows the worker validates (the staging models' current rows, the
  latest-file rows for uniqueness, the by-year profile), and ``describe`` for the schema checks.

Neither result is used for anything but the ratio: a floor is what the same work costs without the
tool that does it, so the tool's overhead is the ratio above 1.
"""

from __future__ import annotations

import datetime as dt
import graphlib
import json
import os
import re
import shutil
import time
from pathlib import Path

from indicators.config import Settings


def _compiled_manifest(settings: Settings, database: Path, scratch: Path) -> dict:
    """``dbt compile`` against ``database`` (its own target folder): the manifest with every node's SQL."""
    from dbt.adapters.duckdb import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    from indicators.transform import dbt_args

    target = scratch / "floor-target"
    args = dbt_args("compile", settings)
    args[args.index("--target-path") + 1] = str(target)
    args[args.index("--log-path") + 1] = str(scratch / "floor-logs")
    os.environ["INDICATORS_DBT_DATABASE"] = str(database)
    try:
        outcome = dbtRunner().invoke(args)
    finally:
        DuckDBConnectionManager.close_all_connections()
    if not outcome.success:
        raise RuntimeError(f"dbt compile for the transform floor failed: {outcome.exception}")
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def transform_statements(manifest: dict, root: Path) -> list[tuple[str, str]]:
    """(kind, SQL) for every seed, model and data test of the build, in an order the DAG allows."""
    nodes = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("seed", "model", "test")
        and node["config"].get("enabled", True)
        and node["config"].get("materialized") != "ephemeral"
    }
    order = graphlib.TopologicalSorter(
        {uid: [d for d in node["depends_on"].get("nodes", []) if d in nodes] for uid, node in nodes.items()}
    ).static_order()
    statements: list[tuple[str, str]] = []
    for number, uid in enumerate(order):
        node = nodes[uid]
        kind = node["resource_type"]
        if kind == "seed":
            path = root / node["original_file_path"]
            statements.append(
                (
                    kind,
                    f"create or replace temp table floor_seed_{number} as select * from read_csv('{path}')",
                )
            )
            continue
        code = node.get("compiled_code")
        if not code:
            continue
        if kind == "test":
            statements.append((kind, f"select count(*) from ({code}) as floor_test"))
            continue
        relation = f"{_quote(node['schema'])}.{_quote(node.get('alias') or node['name'])}"
        materialized = node["config"].get("materialized", "view")
        statements.append(("schema", f"create schema if not exists {_quote(node['schema'])}"))
        if materialized == "view":
            statements.append((kind, f"create or replace view {relation} as {code}"))
        else:
            statements.append((kind, f"create or replace table {relation} as {code}"))
    return statements


def transform_floor(settings: Settings, warehouse: Path, scratch: Path) -> dict:
    """Seconds of the build's compiled SQL run straight in DuckDB on a copy of ``warehouse``."""
    copy = scratch / "floor_transform.duckdb"
    shutil.copyfile(warehouse, copy)
    try:
        manifest = _compiled_manifest(settings, copy, scratch)
        statements = transform_statements(manifest, settings.root)
        from indicators import warehouse as wh

        con = wh.connect(copy)
        try:
            clock = time.perf_counter()
            for _kind, sql in statements:
                con.execute(sql).fetchall()
            statements_done = time.perf_counter()
            # the build's time ends with its tables in the file: dbt's connections are closed inside it
            # (transform.build), and DuckDB checkpoints as the last one closes (0.39 s at scale 100).
            # The floor does the same work, so it checkpoints too (0.44-0.59 s at scale 100)
            con.execute("checkpoint")
            seconds = time.perf_counter() - clock
        finally:
            con.close()
        counted = {kind: sum(1 for k, _ in statements if k == kind) for kind in ("seed", "model", "test")}
        return {
            "seconds": seconds,
            "checkpoint_seconds": seconds - (statements_done - clock),
            **{f"{kind}s": n for kind, n in counted.items()},
        }
    finally:
        copy.unlink(missing_ok=True)
        Path(str(copy) + ".wal").unlink(missing_ok=True)


# --- the quality floor -------------------------------------------------------------------------


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00", text):
        text = text[:10]
    return "'" + text.replace("'", "''") + "'"


def _aggregate(expectation: dict) -> str | None:
    """One expectation as a SQL aggregate over its frame (the count of rows that break it)."""
    kind, kwargs = expectation["type"], expectation.get("kwargs") or {}
    column = _quote(kwargs["column"]) if "column" in kwargs else None
    if kind == "expect_column_values_to_not_be_null":
        return f"count(*) filter (where {column} is null)"
    if kind == "expect_column_values_to_be_in_set":
        values = ", ".join(_literal(v) for v in kwargs["value_set"])
        return f"count(*) filter (where {column} is not null and {column} not in ({values}))"
    if kind == "expect_column_values_to_match_regex":
        return f"count(*) filter (where {column} is not null and not regexp_matches({column}, {_literal(kwargs['regex'])}))"
    if kind == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        parts = []
        if low is not None:
            parts.append(f"{column} < {_literal(low)}")
        if high is not None:
            parts.append(f"{column} > {_literal(high)}")
        return f"count(*) filter (where {' or '.join(parts)})" if parts else None
    if kind == "expect_column_values_to_be_unique":
        return f"count({column}) - count(distinct {column})"
    if kind == "expect_compound_columns_to_be_unique":
        columns = ", ".join(_quote(c) for c in kwargs["column_list"])
        return f"count(*) - count(distinct ({columns}))"
    return None  # schema checks: answered by ``describe``


def quality_statements(
    settings: Settings, con, sources: list[str], today: dt.date
) -> list[tuple[str, dict | None]]:
    """The SQL of the quality floor for ``sources``: per suite and frame one aggregate query."""
    from indicators.quality import frames
    from indicators.quality.suites import load_suite, suite_path
    from indicators.sources import load_sources

    macros = settings.root / "macros"
    specs = {spec.name: spec for spec in load_sources(settings.pipelines_dir)}
    statements: list[tuple[str, dict | None]] = []
    for source in sources:
        path = suite_path(settings, source)
        if source not in specs or not path.exists():
            continue
        spec, suite = specs[source], load_suite(path)
        meta = suite.get("meta") or {}
        present = [
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
                [spec.name],
            ).fetchall()
        ]
        derived = {
            name: sql
            for name, sql in (meta.get("derived_columns") or {}).items()
            if set(re.findall(r"[a-z_]+", sql)) & set(spec.field_names) <= set(present)
        }
        current = frames.current_rows_sql(spec, present, derived, macros)
        groups: dict[str, list[str]] = {}
        for expectation in suite["expectations"]:
            frame = frames.judged_on(expectation, {})  # no current_values: the floor reads the rows
            aggregate = _aggregate(expectation)
            groups.setdefault(frame, []).append(aggregate or "")
        for frame, aggregates in groups.items():
            wanted = [a for a in aggregates if a]
            if frame == "schema":
                statements.append((f"describe {current}", None))
                continue
            if not wanted:
                continue
            parameters = None
            if frame == "current":
                source_sql = current
            elif frame == frames.LATEST_FILE_ROWS:
                source_sql = frames.latest_file_rows_sql(spec, present, derived, macros)
            else:
                year_column = meta.get("year_date_column")
                if year_column not in present:
                    continue
                profile = frames.by_year_sql(current, year_column, "programme_code" in present, macros)
                parameters = frames.by_year_parameters(frames.coverage_end(con, spec.name), today)
                source_sql = profile
            statements.append((f"select {', '.join(wanted)} from ({source_sql}) as floor_rows", parameters))
    return statements


def quality_floor(
    settings: Settings, warehouse: Path, sources: list[str], today: dt.date | None = None
) -> dict:
    """Seconds of the suites' expectations as SQL aggregates on ``warehouse``'s raw rows (read-only)."""
    from indicators import warehouse as wh

    con = wh.connect(warehouse, read_only=True)
    try:
        statements = quality_statements(settings, con, sources, today or dt.date.today())
        clock = time.perf_counter()
        for sql, parameters in statements:
            con.execute(sql, parameters).fetchall() if parameters else con.execute(sql).fetchall()
        return {"seconds": time.perf_counter() - clock, "queries": len(statements)}
    finally:
        con.close()
