"""The checks of a run and its record: GX in its worker beside the build, dbt's tests as
``audit.dq_results`` rows, the run's row in ``audit.pipeline_runs``, the provisional years."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

from indicators import warehouse
from indicators.config import Settings
from indicators.environment import gx_timeout_seconds
from indicators.ingest import IngestSummary
from indicators.nightly.outcome import run_status
from indicators.quality import results
from indicators.quality.results import DqResult
from indicators.redact import redact_text
from indicators.sources import ROWLESS_DELIVERY


class QualityWorker:
    """Great Expectations on what this run loaded (see ``indicators.quality``), in a worker process
    beside the dbt build: once its rows are read GX needs no connection, and a process of its own
    shares no interpreter lock with dbt."""

    @staticmethod
    def spill_dir_of(work: Path) -> Path:
        """Where the frames GX checks (the current rows' distinct values, the keys' hashes) go as
        Parquet files for the worker (removed when it is done)."""
        return work.parent / "gx-rows"

    def __init__(self, settings: Settings, work: Path, sources: list[str], reporter, archived=None):
        """GX on ``sources`` (:func:`loaded_since_build`). With ``archived``
        (:func:`indicators.quality.frames.archived_rows`) the worker reads the rows from the archive's
        Parquet files beside the build; else they are read here, before it."""
        from indicators import quality

        self.reporter = reporter
        if sources:
            # here after the ingest of a large inbox, a rebuild (no file read) or a caller without
            # the nightly's ingest; with a small inbox the ingest's first new file started it
            # (stages.GX_BESIDE_INGEST_MB); the worker imports GX while the rows are written out
            quality.preload()
        # the frames go to Parquet files, validated there chunk by chunk: memory stays bounded
        self.spill_dir = self.spill_dir_of(work)
        shutil.rmtree(self.spill_dir, ignore_errors=True)
        prepared = quality.prepare(settings, work, sources, spill_dir=self.spill_dir, archived=archived)
        self.seconds = prepared.fetch_seconds  # GX's own time (reading + validating), not the wait
        self.peak_mb: float | None = None
        self._rows = prepared.rows
        self._pending = quality.execute_in_worker(prepared) if prepared.plans else None

    def result(self) -> list[DqResult]:
        if self._pending is not None:
            try:
                # a worker that dies (e.g. killed for memory) never answers: fail the run, never hang it
                self._rows, lines, self.seconds, self.peak_mb = self._pending.get(
                    timeout=gx_timeout_seconds()
                )
            finally:
                shutil.rmtree(self.spill_dir, ignore_errors=True)
            for line in lines:
                self.reporter(line)
        shutil.rmtree(self.spill_dir, ignore_errors=True)
        return self._rows


def run_dbt(
    settings: Settings, work: Path, reporter, parsed=None, without_seeds: bool = False
) -> tuple[list[DqResult], list[str]]:
    """dbt build in-process (from ``parsed``, a parse started ahead, if any; ``without_seeds``: the
    seeds and their tests left as they are); its tests as check rows, and the errors that stop
    publishing."""
    from indicators import transform

    built = transform.build(settings, work, progress=reporter, parsed=parsed, without_seeds=without_seeds)
    errors = [
        f"{line} (DuckDB's memory limit was {warehouse.memory_limit()}: set "
        f"{warehouse.MEMORY_LIMIT_ENV} higher, e.g. 6GiB)"
        if "Out of Memory Error" in line
        else line
        for line in built.failed_nodes
    ]
    if built.message:
        errors.append(built.message)
    if not built.success and not errors and not built.errors:
        errors.append("dbt build did not succeed (a check could not run; its error is in the run log)")
    examples: dict[str, str | None] = {}
    if built.failed_sql:
        con = warehouse.connect(work, read_only=True)
        try:
            examples = {
                name: transform.offending_examples(con, sql) for name, sql in built.failed_sql.items()
            }
        finally:
            con.close()
    checks = [
        dataclasses.replace(check, details=f"{check.details}; e.g. {examples[check.check_name]}")
        if examples.get(check.check_name)
        else check
        for check in built.checks
    ]
    reporter(
        f"dbt build: {sum(1 for c in built.checks if c.success)} checks passed, "
        f"{len(built.warnings)} warnings, {len(built.errors)} errors"
    )
    return checks, errors


# the last publish with a project fingerprint: a run that built the marts, or one whose build was
# skipped because nothing had changed (it records the fingerprint too)
LAST_BUILD_SQL = """
    select run_id, build_fingerprint, finished_at from audit.pipeline_runs
    where status like 'published%' and build_fingerprint is not null
    order by finished_at desc limit 1
"""


def last_build(work: Path) -> tuple[str, str] | None:
    """(run id, project fingerprint) of the last publish with a fingerprint, if the file has marts:
    a run that built them, or one whose build was skipped because nothing had changed (it records
    the fingerprint too), so that the marts are the ones this run's publish holds."""
    con = warehouse.connect(work, read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()[0]
        if not exists:
            return None
        row = con.execute(LAST_BUILD_SQL).fetchone()
        return (row[0], row[1]) if row else None
    finally:
        con.close()


def loaded_since_build(con) -> list[str]:
    """The sources with files loaded since the marts were last built, this run's included: rows
    neither dbt nor GX has seen. A run that only ingests (``indicators ingest``) publishes raw rows
    without building or checking them; the next nightly builds and checks them even when it loads
    nothing itself. With no build yet, every source with a loaded file."""
    rows = con.execute(
        f"""
        with last_build as ({LAST_BUILD_SQL}),
        seen as (  -- the runs whose files that build read: itself and every run before it
            select runs.run_id from audit.pipeline_runs as runs, last_build
            where runs.finished_at < last_build.finished_at or runs.run_id = last_build.run_id
        )
        select distinct source from audit.loaded_files
        where status = 'loaded' and source is not null and run_id not in (select run_id from seen)
        order by source
        """
    ).fetchall()
    return [source for (source,) in rows]


def deliveries_since_build(con) -> list[str]:
    """The sources with a delivery since the marts were last built that brought no rows of its own
    but a date no delivery the build read had (a month's empty delta file, a loaded export delivered
    again under a later date): it moves the source's coverage (int_source_deliveries_spanned), so
    the marts are built though nothing was loaded. A file left in the inbox, recorded each night
    under its same date, is none."""
    rows = con.execute(
        f"""
        with last_build as ({LAST_BUILD_SQL}),
        seen as (
            select runs.run_id from audit.pipeline_runs as runs, last_build
            where runs.finished_at < last_build.finished_at or runs.run_id = last_build.run_id
        ),
        dates_seen as (
            select distinct source, extraction_date from audit.loaded_files
            where run_id in (select run_id from seen)
                and (status = 'loaded' or ({ROWLESS_DELIVERY}))
        )
        select distinct files.source from audit.loaded_files as files
        where {ROWLESS_DELIVERY}
            and files.run_id not in (select run_id from seen)
            and exists (select 1 from last_build)
            and not exists (
                select 1 from dates_seen
                where dates_seen.source = files.source and dates_seen.extraction_date = files.extraction_date
            )
        order by files.source
        """
    ).fetchall()
    return [source for (source,) in rows]


def record_run(
    con, run_id, started, summary: IngestSummary, checks: list[DqResult], warnings, errors, fingerprint=None
) -> None:
    """The checks in ``audit.dq_results`` and the run in ``audit.pipeline_runs``, with the status it
    has if it publishes (its errors decide; a warning after the publish cannot be known here)."""
    now = dt.datetime.now().replace(microsecond=0)
    results.insert(con, run_id, now, checks)
    _, status = run_status(published=not errors, warnings=warnings)
    con.execute(
        """
        insert or replace into audit.pipeline_runs
        (run_id, started_at, finished_at, status, files_seen, files_loaded, rows_loaded, rows_quarantined,
         warnings, errors, message, build_fingerprint)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            run_id,
            started,
            now,
            status,
            len(summary.files),
            summary.count("loaded"),
            summary.rows_loaded,
            summary.rows_quarantined,
            len(warnings),
            len(errors),
            redact_text("; ".join(errors))[:2000] or None,
            None if errors else fingerprint,
        ],
    )


def coverage_notes(con) -> list[str]:
    """The years whose values are provisional because a source's coverage ends inside them."""
    try:
        rows = con.execute(
            """
            select coverage_end_year, string_agg(source_name || ' to ' || coverage_end_date, ', ' order by source_name)
            from marts.source_coverage
            where not is_coverage_end_year_complete
                and source_name != 'programmes'  -- the catalogue is reference data: no value's status
            group by coverage_end_year
            order by coverage_end_year
            """
        ).fetchall()
    except Exception:  # noqa: BLE001 - no marts (ingest only, or dbt skipped on a first run): nothing to say
        return []
    return [
        f"{year} is provisional: {sources} (values of that year will still change)" for year, sources in rows
    ]
