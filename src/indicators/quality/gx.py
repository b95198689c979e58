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

The value checks are judged on the current rows' distinct values (``current_values``, see
:mod:`indicators.quality.frames`) and their counts weighed back into rows (:func:`weigh`): at
scale 100 validating took 1.6 s instead of 5.6 s, with the same 142 result rows word for word.

GX itself is imported inside :func:`context` only (about 5 s), with usage statistics and progress
bars off, in an ephemeral context: nothing is written to disk (no ``gx/`` folder).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from indicators.quality.frames import VALUES, ParquetRows, SourcePlan, native, unique_column, weight_column
from indicators.quality.results import exception_message
from indicators.quality.suites import columns_of

# GX validates the current rows this many at a time, so memory stays bounded: at scale 100 the
# worker peaked at 1.3 GB with 1M-row chunks, 0.96 GB with 500k, 0.75 GB with 250k (its time the
# same within the noise, 10.9-12.1 s against 11.1-12.5 s)
CHUNK_ROWS = 250_000
PARTIAL_UNEXPECTED = 20  # unexpected values GX returns as examples per expectation (and chunk)


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


class Frames:
    """One GX pandas data source with one data-frame asset, made once per validation run: every frame
    validated is a batch of it. (An asset added and deleted per frame made GX write its whole project
    config as YAML twice each time: 1.7 of the bundled sample's 9 s of validation, measured.)"""

    def __init__(self):
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every batch below this many bytes (an MD5 over pandas' hash of every
        # row, a batch marker nothing here reads), twice per validation: 9.5 of the 29.5 s GX
        # took at scale 100. Frames above 1 GB it already leaves unhashed; here none are hashed.
        pandas_execution_engine.HASH_THRESHOLD = 0
        self.datasource = context().data_sources.add_pandas("raw")
        self.batches = self.datasource.add_dataframe_asset("frame").add_batch_definition_whole_dataframe(
            "all"
        )

    def forget(self) -> None:
        _forget_batches(self.datasource)


def _result_format(frame: str) -> dict:
    if frame == "by_year":  # a handful of rows: name the academic years that fail
        return {"result_format": "COMPLETE", "unexpected_index_column_names": ["academic_year"]}
    if frame == VALUES:  # distinct values: every unexpected one, to weigh it (:func:`weigh`)
        return {"result_format": "COMPLETE"}
    # BASIC, not SUMMARY: SUMMARY adds the unexpected rows' index list and a pandas query for them,
    # each a filter of the whole frame per expectation, which nothing here reads; its one field we
    # use, the counts of the first 20 unexpected values, :func:`_count_examples` makes the same way
    return {"result_format": "BASIC", "partial_unexpected_count": PARTIAL_UNEXPECTED}


def _count_examples(result) -> None:
    """``partial_unexpected_counts`` from ``partial_unexpected_list``, as GX's SUMMARY format makes it:
    the examples counted, most frequent first, then by value."""
    from collections import Counter

    data = result.result
    if not isinstance(data, dict) or "partial_unexpected_list" not in data:
        return
    if "partial_unexpected_counts" in data:  # GX counted them itself (the by-year profile's COMPLETE)
        return
    values = [
        tuple(value.values()) if isinstance(value, dict) else value
        for value in data["partial_unexpected_list"] or []
    ]
    try:
        counted = Counter(values).most_common(PARTIAL_UNEXPECTED)
    except TypeError:  # an unhashable value, as GX says then
        data["partial_unexpected_counts"] = [{"error": "partial_exception_counts requires a hashable type"}]
        return
    try:
        counted.sort(key=lambda item: (-item[1], item[0]))
    except TypeError:  # values of mixed types: by count only
        counted.sort(key=lambda item: -item[1])
    data["partial_unexpected_counts"] = [{"value": value, "count": count} for value, count in counted]


def validate_frame(
    frames: Frames, plan: SourcePlan, frame_name: str, frame, expectations: list[dict], asset: str
) -> dict:
    """GX's results (by expectation id) of ``expectations`` on one pandas frame."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    suite = ExpectationSuite(name=f"{plan.suite['name']}__{asset}", expectations=expectations)
    batch = frames.batches.get_batch(batch_parameters={"dataframe": frame})
    try:
        with _configuration_once():
            outcome = batch.validate(suite, result_format=_result_format(frame_name))
    finally:
        del batch
        frames.forget()  # GX's caches would keep the frame alive: one chunk at a time
    for result in outcome.results:
        _count_examples(result)
    return {result.expectation_config.id: result for result in outcome.results}


@contextlib.contextmanager
def _configuration_once():
    """Within one validation, each expectation's configuration is built once.

    GX 1.24 rebuilds ``Expectation.configuration`` (a pydantic dump of the expectation into a new
    ``ExpectationConfiguration``) for every keyword argument it looks up, about 110 times per
    expectation and validation: 4.7 of the 16.8 s GX took at scale 100, and a third of the bundled
    sample's. An expectation does not change while it is validated (the suite is built for this
    validation and dropped after it), and GX only reads the configurations it gets, so one per
    expectation serves every lookup. The property is restored afterwards.
    """
    from great_expectations.expectations.expectation import Expectation

    original = Expectation.__dict__["configuration"]
    built: dict[int, tuple] = {}  # id(expectation) -> (expectation, its configuration)

    def configuration(self):
        hit = built.get(id(self))
        if hit is None or hit[0] is not self:
            hit = built[id(self)] = (self, original.fget(self))
        return hit[1]

    Expectation.configuration = property(configuration)
    try:
        yield
    finally:
        Expectation.configuration = original


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


def _chunks(rows: ParquetRows):
    """A Parquet file's rows as pandas frames of at most :data:`CHUNK_ROWS` rows; one empty frame
    for a file without rows (GX still sees it, so every expectation has a result)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(rows.path)
    for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
        yield native(pa.Table.from_batches([batch]))
    if rows.rows == 0:
        yield native(parquet.schema_arrow.empty_table())


def validate_chunks(
    frames: Frames, plan: SourcePlan, frame_name: str, rows: ParquetRows, expectations: list[dict]
) -> dict:
    """Column-map expectations on a Parquet file, chunk by chunk, their results added up."""
    results: dict[str, list] = {e["id"]: [] for e in expectations}
    for number, frame in enumerate(_chunks(rows)):
        for expectation_id, result in validate_frame(
            frames, plan, frame_name, frame, expectations, f"{frame_name}_{number}"
        ).items():
            results[expectation_id].append(result)
        del frame
    return {expectation_id: _merge(parts) for expectation_id, parts in results.items() if parts}


def validate_values(frames: Frames, plan: SourcePlan, rows, expectations: list[dict]) -> dict:
    """The value checks on ``current_values`` (a pandas frame, or Parquet validated chunk by chunk),
    each result weighed back into rows (:func:`weigh`), the chunks' results added up."""
    results: dict[str, list] = {e["id"]: [] for e in expectations}
    columns = {e["id"]: e["kwargs"]["column"] for e in expectations}
    chunks = _chunks(rows) if isinstance(rows, ParquetRows) else [rows]
    for number, frame in enumerate(chunks):
        for expectation_id, result in validate_frame(
            frames, plan, VALUES, frame, expectations, f"{VALUES}_{number}"
        ).items():
            results[expectation_id].append(weigh(result, frame, columns[expectation_id]))
        del frame
    return {expectation_id: _merge(parts) for expectation_id, parts in results.items() if parts}


def weigh(result, frame, column: str):
    """GX's result on distinct values (``current_values``) as counts of rows: each value counts as
    many times as its weight (rows holding it); a repeat with weight 0 (padding) not at all.

    GX's verdict is kept as it is: the frame holds exactly the column's values (with or without
    repeats), and a value check passes on rows exactly when it passes on their distinct values.
    The counts (checked, null, unexpected and their shares) and the examples (the unexpected values,
    most rows first, then by value) are made from the weights."""
    import numpy as np

    data = result.result
    if not isinstance(data, dict) or "element_count" not in data or column not in frame.columns:
        return result  # not evaluated (an exception): nothing to weigh
    weights = frame[weight_column(column)].to_numpy(dtype=np.int64)
    positions = frame.index.get_indexer(list(data.get("unexpected_index_list") or []))
    positions = positions[positions >= 0]
    values = list(data.get("unexpected_list") or [])
    if len(values) != len(positions):  # GX's list shortened: the values at those rows of the frame
        values = frame[column].iloc[positions].tolist()
    total = int(weights.sum())
    unexpected = int(weights[positions].sum())
    weighed: dict = {"element_count": total, "unexpected_count": unexpected}
    if "missing_count" in data:  # nulls are not judged: shares of the rows that are not null
        missing = int(weights[frame[column].isna().to_numpy()].sum())
        judged = total - missing
        weighed |= {
            "unexpected_percent": 100 * unexpected / judged if judged else None,
            "missing_count": missing,
            "missing_percent": 100 * missing / total if total else None,
            "unexpected_percent_total": 100 * unexpected / total if total else None,
            "unexpected_percent_nonmissing": 100 * unexpected / judged if judged else None,
        }
    else:
        weighed["unexpected_percent"] = 100 * unexpected / total if total else None
    examples = [
        (value, int(weight)) for value, weight in zip(values, weights[positions], strict=True) if weight
    ]
    try:
        examples.sort(key=lambda item: (-item[1], item[0]))
    except TypeError:  # values that do not compare (NaN with text, mixed types): by rows only
        examples.sort(key=lambda item: -item[1])
    examples = examples[:PARTIAL_UNEXPECTED]
    weighed["partial_unexpected_list"] = [value for value, _ in examples]
    weighed["partial_unexpected_counts"] = [{"value": value, "count": count} for value, count in examples]
    result.result = weighed
    return result


def validate_unique(
    frames: Frames, plan: SourcePlan, frame_name: str, rows: ParquetRows, expectations: list[dict]
) -> dict:
    """Uniqueness expectations on a Parquet file, whole, each on its hashed key column."""
    import pyarrow.parquet as pq

    names = pq.ParquetFile(rows.path).schema_arrow.names
    by_column: dict[str, list[dict]] = {}  # the checks of one key share its hash column
    for expectation in expectations:
        column = unique_column(expectation)
        if column in names:  # else the key's columns are missing: reported as not evaluated
            by_column.setdefault(column, []).append(expectation)
    merged = {}
    for column, checks in by_column.items():
        # the hash column in place of the key's columns; the rest of each check (its mostly) as
        # written; validated together, GX counts the repeated hashes once for all of them
        probes = [
            {
                **expectation,
                "type": "expect_column_values_to_be_unique",
                "kwargs": {
                    **{
                        k: v
                        for k, v in expectation.get("kwargs", {}).items()
                        if k not in ("column", "column_list")
                    },
                    "column": column,
                },
            }
            for expectation in checks
        ]
        frame = native(pq.read_table(rows.path, columns=[column]))
        results = validate_frame(frames, plan, frame_name, frame, probes, f"{frame_name}_{column}")
        del frame
        for expectation in checks:
            result = results[expectation["id"]]
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
