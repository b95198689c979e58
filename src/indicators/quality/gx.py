"""Great Expectations on the frames: an ephemeral context, GX's pandas engine, Parquet chunk by chunk.

How GX runs (measured on this 2-core machine, shared, so ±30 %)
    GX 1.24 has no DuckDB dialect. Through SQLAlchemy + duckdb-engine every expectation fails
    with an empty result: SQLAlchemy rolls back when GX closes the connection, and the rollback
    discards DuckDB's pending result, which GX reads afterwards. It can be made to work without
    touching GX (``kwargs={"poolclass": StaticPool, "creator": ...}`` returning a read-only
    duckdb-engine connection whose begin/commit/rollback do nothing), but regex expectations and
    type checks still fail there (GX knows no DuckDB regex or type names), it adds two
    dependencies, and it was not faster. The student_mobility suite (21 expectations), GX already
    imported: bundled sample (8 k current rows) pandas 0.74 s, SQL 0.82 s; 1 M rows pandas
    8.4–9.1 s (of which 2 s reading through Arrow), SQL 6.5–11.8 s. So the frames are read from
    DuckDB through Arrow into pandas and validated with GX's pandas engine, which is correct.
    Numbers and dates are handed to GX as NumPy dtypes: with Arrow dtypes ``between`` calls a
    Python function per value (21 s instead of 8 s on 1 M rows). Types are checked on the
    ``schema`` frame (no rows, Arrow dtypes), so they are DuckDB's own: ``date``, ``int``,
    ``float``, ``str``, ``bool``. Date bounds are written ``2000-01-01T00:00:00`` in the suites:
    GX turns a bare ``2000-01-01`` into a ``date``, which pandas will not compare with datetime64.

GX itself is imported inside :func:`context` only (about 5 s), with usage statistics and progress
bars off, in an ephemeral context: nothing is written to disk (no ``gx/`` folder).
"""

from __future__ import annotations

import os
from pathlib import Path

from indicators.quality.frames import ParquetRows, SourcePlan, native, unique_column
from indicators.quality.results import exception_message
from indicators.quality.suites import columns_of

# GX validates the current rows this many at a time, so memory stays bounded: at scale 100 the
# worker peaked at 1.3 GB with 1M-row chunks, 0.96 GB with 500k, 0.75 GB with 250k (its time the
# same within the noise, 10.9-12.1 s against 11.1-12.5 s)
CHUNK_ROWS = 250_000


def context():
    os.environ["GX_ANALYTICS_ENABLED"] = "False"  # before the import: GX reads it at import time
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _result_format(frame: str) -> dict:
    if frame == "by_year":  # a handful of rows: name the academic years that fail
        return {"result_format": "COMPLETE", "unexpected_index_column_names": ["academic_year"]}
    return {"result_format": "SUMMARY", "partial_unexpected_count": 20}


def validate_frame(
    datasource, plan: SourcePlan, frame_name: str, frame, expectations: list[dict], asset: str
) -> dict:
    """GX's results (by expectation id) of ``expectations`` on one pandas frame."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    suite = ExpectationSuite(name=f"{plan.suite['name']}__{asset}", expectations=expectations)
    name = f"{plan.spec.name}__{asset}"
    batch = (
        datasource.add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    try:
        outcome = batch.validate(suite, result_format=_result_format(frame_name))
    finally:
        del batch
        datasource.delete_asset(name)  # the asset would keep its data frame alive: one chunk at a time
        _forget_batches(datasource)
    return {result.expectation_config.id: result for result in outcome.results}


def _forget_batches(datasource) -> None:
    """Empty the caches GX's execution engine (one per data source, kept) never empties itself.

    It keeps every batch (with its data frame) and every resolved metric (a row-long boolean series
    for each column-map expectation among them), so memory grew with every chunk validated. The
    caches only save work within one validation, which is over here.
    """
    engine = datasource.get_execution_engine()
    engine.batch_manager.reset_batch_cache()  # the batches, each holding its data frame
    engine.batch_manager.batch_data_cache.clear()
    metric_cache = getattr(engine, "_metric_cache", None)  # GX 1.24: no public way to empty it
    if isinstance(metric_cache, dict):
        metric_cache.clear()


def validate_chunks(
    datasource, plan: SourcePlan, frame_name: str, rows: ParquetRows, expectations: list[dict]
) -> dict:
    """Column-map expectations on a Parquet file, chunk by chunk, their results added up."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(rows.path)
    results: dict[str, list] = {e["id"]: [] for e in expectations}
    for number, batch in enumerate(parquet.iter_batches(batch_size=CHUNK_ROWS)):
        frame = native(pa.Table.from_batches([batch]))
        for expectation_id, result in validate_frame(
            datasource, plan, frame_name, frame, expectations, f"{frame_name}_{number}"
        ).items():
            results[expectation_id].append(result)
        del frame
    if rows.rows == 0:  # GX still sees the (empty) frame, so every expectation has a result
        empty = native(parquet.schema_arrow.empty_table())
        for expectation_id, result in validate_frame(
            datasource, plan, frame_name, empty, expectations, f"{frame_name}_empty"
        ).items():
            results[expectation_id].append(result)
    return {expectation_id: _merge(parts) for expectation_id, parts in results.items() if parts}


def validate_unique(
    datasource, plan: SourcePlan, frame_name: str, rows: ParquetRows, expectations: list[dict]
) -> dict:
    """Uniqueness expectations on a Parquet file, whole, each on its hashed key column."""
    import pyarrow.parquet as pq

    names = pq.ParquetFile(rows.path).schema_arrow.names
    merged = {}
    for expectation in expectations:
        column = unique_column(expectation)
        if column not in names:
            continue  # the key's columns are missing: reported as not evaluated
        probe = {**expectation, "type": "expect_column_values_to_be_unique", "kwargs": {"column": column}}
        frame = native(pq.read_table(rows.path, columns=[column]))
        result = validate_frame(datasource, plan, frame_name, frame, [probe], f"{frame_name}_{column}")[
            expectation["id"]
        ]
        del frame
        show_keys_for_hashes(result, rows.path, column, columns_of(expectation))
        merged[expectation["id"]] = result
    return merged


def show_keys_for_hashes(result, path: Path, column: str, key_columns: list[str]) -> None:
    """Name the duplicated keys themselves, not their hashes, in a failed uniqueness result."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    data = result.result or {}
    items = data.get("partial_unexpected_counts") or []
    if not items:
        return
    table = pq.read_table(path, columns=[*key_columns, column])
    hashes = pa.array([item["value"] for item in items], type=pa.uint64())
    wanted = table.filter(pc.is_in(table[column], value_set=hashes))
    keys: dict = {}
    for row in wanted.to_pylist():
        keys[row[column]] = (
            " | ".join(str(row[c]) for c in key_columns) if len(key_columns) > 1 else row[key_columns[0]]
        )
    data["partial_unexpected_counts"] = [
        {"value": keys.get(item["value"], item["value"]), "count": item["count"]} for item in items
    ]
    data["partial_unexpected_list"] = [
        keys.get(value, value) for value in data.get("partial_unexpected_list") or []
    ]


def _merge(parts: list):
    """One GX-like result from the results of several chunks (counts added, examples pooled)."""
    from types import SimpleNamespace

    if len(parts) == 1:
        return parts[0]
    failed = [part for part in parts if exception_message(part)]
    if failed:
        return failed[0]
    data: dict = {}
    counts: dict = {}
    for part in parts:
        result = dict(part.result or {})
        for key in ("element_count", "unexpected_count", "missing_count"):
            if key in result:
                data[key] = data.get(key, 0) + int(result[key] or 0)
        for item in result.get("partial_unexpected_counts") or []:
            counts[repr(item["value"])] = {
                "value": item["value"],
                "count": counts.get(repr(item["value"]), {}).get("count", 0) + item["count"],
            }
        if "observed_value" in result and "element_count" not in result:
            data["observed_value"] = result["observed_value"]
    data["partial_unexpected_counts"] = sorted(counts.values(), key=lambda item: -item["count"])
    return SimpleNamespace(
        success=all(part.success for part in parts),
        result=data,
        exception_info={},
        expectation_config=parts[0].expectation_config,
    )
