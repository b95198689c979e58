"""The nightly sequence: lock → working copy → ingest → quality → dbt build → gate → publish.

Exit codes (for cron and systemd):
  0  published, no warnings
  2  published with warnings (quarantined rows, rejected or unmatched files, warn-level checks)
  1  nothing published (an error-level check failed, the key is missing, another run holds the lock,
     or the run crashed); the published warehouse is exactly as it was
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import secrets
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indicators import disk, published, warehouse
from indicators.archive import Archive, ArchiveError
from indicators.config import ConfigError, Settings, load_crosswalk, load_key
from indicators.faults import checkpoint
from indicators.identity import Pseudonymiser
from indicators.ingest import FileResult, Ingestor, IngestSummary, inbox_files
from indicators.quality import results
from indicators.quality.results import DqResult
from indicators.sources import load_sources

EXIT_OK, EXIT_FAILED, EXIT_WARNINGS = 0, 1, 2
GX_TIMEOUT_SECONDS = float(os.environ.get("INDICATORS_GX_TIMEOUT_SECONDS", "3600"))


def new_run_id() -> str:
    return dt.datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(2)


class Reporter:
    """Progress lines to stdout (or a given stream) and to the run's log file."""

    def __init__(self, log_file: Path | None, stream=None, quiet: bool = False):
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.log = None
        self.started = time.monotonic()
        if log_file is not None:
            try:
                log_file.parent.mkdir(parents=True, exist_ok=True)
                self.log = log_file.open("a", encoding="utf-8")
            except OSError as exc:
                self._log_failed(log_file, exc)

    def __call__(self, message: str) -> None:
        line = f"[{time.monotonic() - self.started:6.1f}s] {message}"
        if not self.quiet:
            print(line, file=self.stream, flush=True)
        if self.log:
            try:
                self.log.write(f"{dt.datetime.now().isoformat(timespec='seconds')} {message}\n")
                self.log.flush()
            except OSError as exc:
                self._log_failed(Path(self.log.name), exc)
                if self.quiet:  # the line would otherwise be lost
                    print(line, file=sys.stderr, flush=True)

    def _log_failed(self, path: Path, exc: OSError) -> None:
        """A log that cannot be written (a full disk) must not stop the run: stderr instead."""
        print(f"warning: cannot write the run log {path} ({exc.strerror or exc}); "
              "the run goes on and reports to stderr", file=sys.stderr, flush=True)
        with contextlib.suppress(OSError):
            if self.log:
                self.log.close()
        self.log = None

    def close(self) -> None:
        if self.log:
            with contextlib.suppress(OSError):
                self.log.close()


@dataclass
class RunOutcome:
    run_id: str
    exit_code: int
    published: bool
    message: str
    ingest: IngestSummary | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    work_copy: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)  # peak MB of helper processes (the GX worker)
    notes: list[str] = field(default_factory=list)  # worth knowing, not a warning (provisional years, a rebuild)


def _append_run_log(settings: Settings, record: dict) -> None:
    """One line in ``log/runs.jsonl``; when it cannot be written (a full disk) the line goes to stderr."""
    line = json.dumps(record, default=str)
    try:
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        with (settings.log_dir / "runs.jsonl").open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    except OSError as exc:
        print(f"warning: cannot write {settings.log_dir / 'runs.jsonl'} ({exc.strerror or exc}); the record: {line}",
              file=sys.stderr, flush=True)


def run(
    settings: Settings,
    *,
    with_dbt: bool = True,
    with_quality: bool = True,
    wait_seconds: float = 0.0,
    quiet: bool = False,
    stream=None,
    stop_after: str | None = None,
    rebuild: bool = False,
) -> RunOutcome:
    """One nightly run. ``stop_after='ingest'`` publishes raw and audit only (``indicators ingest``);
    ``rebuild`` recreates the warehouse from the archive alone (``indicators rebuild``), not the inbox."""
    run_id = new_run_id()
    reporter = Reporter(settings.log_dir / f"{run_id}.log", stream=stream, quiet=quiet)
    started = dt.datetime.now().replace(microsecond=0)
    try:
        key = load_key(settings)
        crosswalk = load_crosswalk(settings)
    except ConfigError as exc:
        reporter(f"error: {exc}")
        return RunOutcome(run_id, EXIT_FAILED, False, str(exc))
    try:
        with warehouse.run_lock(settings.lock_file, run_id, wait_seconds) as previous:
            if previous.stale:
                reporter(
                    f"note: the previous run {previous.run_id} (pid {previous.pid}) ended without releasing "
                    "its lock (killed?); the published warehouse was not touched by it"
                )
            _append_run_log(settings, {"run_id": run_id, "status": "running", "started_at": started, "pid": os.getpid()})
            checkpoint("locked")
            outcome = _run_locked(
                settings, run_id, started, key, crosswalk, reporter, with_dbt, with_quality, stop_after, rebuild
            )
    except warehouse.LockBusy as exc:
        reporter(f"error: {exc}")
        return RunOutcome(run_id, EXIT_FAILED, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - outside the stages (the lock file, say): still a recorded failure
        reporter(f"error: the run crashed: {disk.describe(exc)}")
        outcome = RunOutcome(run_id, EXIT_FAILED, False, f"crashed: {disk.describe(exc)}")
    finally:
        reporter.close()
    _append_run_log(
        settings,
        {
            "run_id": run_id,
            "status": _status_word(outcome),
            "started_at": started,
            "finished_at": dt.datetime.now().replace(microsecond=0),
            "exit_code": outcome.exit_code,
            "message": outcome.message,
            "work_copy": str(outcome.work_copy) if outcome.work_copy else None,
            "warnings": len(outcome.warnings),
            "errors": len(outcome.errors),
        },
    )
    return outcome


def _status_word(outcome: RunOutcome) -> str:
    if not outcome.published:
        return "failed"
    return "published_with_warnings" if outcome.exit_code == EXIT_WARNINGS else "published"


def _run_locked(
    settings: Settings,
    run_id: str,
    started: dt.datetime,
    key: bytes,
    crosswalk: dict[str, str],
    reporter: Callable[[str], None],
    with_dbt: bool,
    with_quality: bool,
    stop_after: str | None,
    rebuild: bool = False,
) -> RunOutcome:
    timings: dict[str, float] = {}
    memory: dict[str, float] = {}
    # One stable name while the run works (dbt's partial parsing keys on the profile, which names the
    # file); a failed run's copy is then renamed after the run, and kept.
    work = settings.work_dir / "in-progress.duckdb"
    archive = Archive(settings.archive_dir)
    staged: list[dict] = []
    clock = time.monotonic()
    try:
        specs = load_sources(settings.pipelines_dir)
        restore, notes = _before_copy(settings, archive, reporter, rebuild)
        timings["check"] = time.monotonic() - clock  # the published file whole? the archive complete? space?
        clock = time.monotonic()
        warehouse.prepare_working_copy(None if restore else settings.warehouse, work)
        reporter(f"run {run_id}: working copy {work}")
        checkpoint("copied")
        con = warehouse.connect(work)
        try:
            warehouse.ensure_schema(con, specs)
            summary = _restore(con, archive, reporter) if restore else IngestSummary()
            if not rebuild:
                pseudonymiser = Pseudonymiser(key, crosswalk, pivot_year=started.year)
                ingestor = Ingestor(con, specs, pseudonymiser, run_id, settings.rejected_dir, settings.home_hei_id, reporter)
                reporter(f"ingest: reading {settings.inbox}")
                summary.files.extend(ingestor.ingest_inbox(settings.inbox).files)
                timings.update({f"ingest.{step}": seconds for step, seconds in ingestor.seconds.items()})
            timings["ingest"] = time.monotonic() - clock
            checkpoint("ingested")
            written = archive.stage(con, run_id=run_id)
            staged = written.entries
            timings["archive"] = written.seconds
            if written.files:
                reporter(f"archive: {written.files} files written ({disk.human(written.bytes)}, "
                         f"{written.seconds:.1f}s); in the manifest once published")
        finally:
            con.close()

        errors: list[str] = []
        warnings = notes + _ingest_warnings(summary)
        checks: list[DqResult] = []
        # GX validates the raw tables in its worker process while dbt builds the models
        gx = _QualityWorker(settings, work, summary, reporter) if with_quality and stop_after != "ingest" else None
        fingerprint = None
        if with_dbt and stop_after != "ingest" and (settings.root / "dbt_project.yml").exists():
            from indicators import transform

            fingerprint = transform.project_fingerprint(settings)
            previous = _last_build(work)
            if summary.count("loaded") == 0 and previous and previous[1] == fingerprint:
                reporter(
                    f"dbt build: skipped: nothing new was loaded and the project is unchanged since run "
                    f"{previous[0]}; its marts and checks stand"
                )
            else:
                clock = time.monotonic()
                reporter("dbt build: seeds, models, tests")
                checkpoint("before_dbt")
                os.environ["INDICATORS_RUN_ID"] = run_id  # marts.indicator_revisions names the run it compares
                dbt_checks, dbt_errors = _run_dbt(settings, work, reporter)
                checkpoint("after_dbt")
                timings["dbt_build"] = time.monotonic() - clock
                checks.extend(dbt_checks)
                errors.extend(dbt_errors)
        if gx is not None:
            checks[:0] = gx.result()
            timings["quality"] = gx.seconds
            if gx.peak_mb is not None:
                memory["gx_worker_peak_mb"] = gx.peak_mb
        for check in checks:
            if check.success:
                continue
            line = f"{check.engine} check {check.check_name} on {check.table_name or '?'}: {check.details or 'failed'}"
            (errors if check.severity == "error" else warnings).append(line)

        clock = time.monotonic()
        con = warehouse.connect(work)
        try:
            coverage_notes = _coverage_notes(con)
            for line in coverage_notes:
                reporter(f"note: {line}")
            if not errors:
                # the values this publish publishes, as far as they changed (audit.published_values)
                changed = published.record(con, run_id, dt.datetime.now().replace(microsecond=0))
                if changed:
                    reporter(f"published values: {changed} new or changed since the previous publish")
            _record_run(con, run_id, started, summary, checks, warnings, errors, fingerprint)
            con.execute("checkpoint")
        finally:
            con.close()
        if errors:
            for line in errors:
                reporter(f"error: {line}")
            full = [line for line in errors if disk.mentions_full(line)]
            message = f"the disk ran out of space: {full[0][:500]}" if full else "error-level checks failed"
            kept = _end_failed(settings, work, run_id, archive, staged, reporter, remove=bool(full))
            return RunOutcome(run_id, EXIT_FAILED, False, message, summary, errors, warnings, kept, timings)
        checkpoint("before_publish")
        warehouse.publish(work, settings.warehouse)
        timings["publish"] = time.monotonic() - clock
        reporter(f"published {settings.warehouse}")
        checkpoint("published")
        warnings.extend(_after_publish(settings, archive, staged, reporter, retention=not rebuild))
        code = EXIT_WARNINGS if warnings else EXIT_OK
        return RunOutcome(run_id, code, True, "published", summary, errors, warnings, None, timings, memory,
                          notes + coverage_notes)
    except (RunStopped, ArchiveError, disk.NotEnoughSpace, warehouse.LockBusy) as exc:
        reporter(f"error: {exc}")
        kept = _end_failed(settings, work, run_id, archive, staged, reporter)
        return RunOutcome(run_id, EXIT_FAILED, False, str(exc), work_copy=kept, timings=timings)
    except Exception as exc:  # noqa: BLE001 - the run record must say what happened
        full = disk.disk_full(exc) is not None
        cause = ("the disk ran out of space (or the file size limit was reached): " if full else "") + disk.describe(exc)
        reporter(f"error: the run crashed: {cause}")
        reporter("".join(traceback.format_exception(exc)).rstrip())
        kept = _end_failed(settings, work, run_id, archive, staged, reporter, remove=full)
        return RunOutcome(run_id, EXIT_FAILED, False, f"crashed: {cause}", work_copy=kept, timings=timings)
    finally:
        if "indicators.quality" in sys.modules:
            sys.modules["indicators.quality"].shutdown()


class RunStopped(Exception):
    """A run that must not go on (a damaged published file): the message says why and what to do."""


def _before_copy(settings: Settings, archive: Archive, reporter, rebuild: bool) -> tuple[bool, list[str]]:
    """Is the published file whole (else stop, or rebuild it when ``auto_rebuild``)? Is the archive
    complete? Is there the space the run needs? Returns (start from the archive, warnings)."""
    notes: list[str] = []
    restore = rebuild
    if not rebuild:
        damage = warehouse.check_published(settings.warehouse)
        if damage is None and not settings.warehouse.exists() and archive.entries():
            damage = f"it is missing, but the archive {archive.root} holds {len(archive.entries())} loaded files"
        if damage is not None:
            found = f"the published warehouse {settings.warehouse} is damaged: {damage}"
            if not settings.auto_rebuild:
                raise RunStopped(
                    f"{found}. Nothing was run and the file is left as it is. Remedy: `indicators rebuild` "
                    f"recreates it from the archive {archive.root} (or set auto_rebuild: true, "
                    "INDICATORS_AUTO_REBUILD=1, to let the nightly do so)"
                )
            reporter(f"{found}; auto_rebuild is on: rebuilding it from the archive {archive.root}, then the inbox")
            notes.append(f"the published warehouse was damaged ({damage}); rebuilt from the archive {archive.root}")
            restore = True
        elif settings.warehouse.exists():
            archive.sync_from(settings.warehouse, reporter)
    # a rebuild loads every archived file anew: they count as new files (by their exported size)
    known = set() if restore else warehouse.known_files(settings.warehouse)
    new_bytes = archive.exported_bytes() if restore else 0
    if not rebuild and settings.inbox.is_dir():
        new_bytes += sum(size for path in inbox_files(settings.inbox)
                         if (path.name, size := path.stat().st_size) not in known)
    base = 0 if restore or not settings.warehouse.exists() else settings.warehouse.stat().st_size
    need = disk.required_bytes(base, new_bytes, settings.disk_headroom_mb)
    disk.check_free_space(settings.work_dir, need)
    return restore, notes


def _restore(con, archive: Archive, reporter) -> IngestSummary:
    entries = archive.restore(con)
    reporter(f"rebuild: {len(entries)} files restored from the archive {archive.root} "
             f"({sum(e['row_count'] for e in entries)} rows)")
    return IngestSummary([
        FileResult(e["file_name"], e["source"], "loaded", "restored from the archive",
                   rows_read=e["loaded_file"].get("rows_read") or 0, rows_loaded=e["row_count"],
                   rows_quarantined=e["quarantine_count"], rows_collapsed=e["loaded_file"].get("rows_collapsed") or 0)
        for e in entries
    ])


def _after_publish(settings: Settings, archive: Archive, staged: list[dict], reporter, retention: bool) -> list[str]:
    """The archive's manifest lines, then the inbox's retention; neither can unpublish the run."""
    warnings = []
    try:
        archive.commit(staged)
    except OSError as exc:
        line = (f"the archive's manifest could not be written ({disk.describe(exc)}); "
                "the next run archives these files from the published warehouse")
        reporter(f"warning: {line}")
        warnings.append(line)
    if retention:
        from indicators import retention as inbox_retention

        warnings.extend(inbox_retention.apply(settings, reporter))
    return warnings


def _end_failed(settings: Settings, work: Path, run_id: str, archive: Archive, staged: list[dict], reporter,
                remove: bool = False) -> Path | None:
    """After a failure no ``in-progress`` file is left: the working copy is kept as ``<run id>.duckdb``
    (the newest ``keep_failed_copies``), or removed when the disk ran out (keeping it would keep the
    disk full) or it cannot be kept. This run's archive files, never committed, are removed too."""
    shutil.rmtree(work.parent / "gx-rows", ignore_errors=True)
    archive.discard(staged)
    kept = None
    if work.exists() and not remove and settings.keep_failed_copies > 0:
        try:
            kept = _keep_failed_copy(work, run_id)
        except OSError as exc:
            reporter(f"the working copy could not be kept ({disk.describe(exc)})")
    for leftover in (work, work.with_name(work.name + ".wal")):
        if leftover.exists() and not disk.remove_quietly(leftover):
            reporter(f"warning: could not remove {leftover}")
    disk.prune_failed_copies(settings.work_dir, settings.keep_failed_copies, reporter)
    if kept is not None:
        reporter(f"nothing published; the working copy is kept for inspection: {kept}")
    else:
        reporter("nothing published; no working copy is kept" + (" (removed to give the space back)" if remove else ""))
    return kept


def _keep_failed_copy(work: Path, run_id: str) -> Path | None:
    """Rename a failed run's working copy to ``<run id>.duckdb`` so that the next run cannot reuse it."""
    if not work.exists():
        return None
    kept = work.with_name(f"{run_id}.duckdb")
    work.with_name(work.name + ".wal").unlink(missing_ok=True)
    os.replace(work, kept)
    return kept


def _last_build(work: Path) -> tuple[str, str] | None:
    """(run id, project fingerprint) of the last published run that built the marts, if any."""
    con = warehouse.connect(work, read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()[0]
        if not exists:
            return None
        row = con.execute(
            """
            select run_id, build_fingerprint from audit.pipeline_runs
            where status like 'published%' and build_fingerprint is not null
            order by finished_at desc limit 1
            """
        ).fetchone()
        return tuple(row) if row else None
    finally:
        con.close()


def _run_dbt(settings: Settings, work: Path, reporter) -> tuple[list[DqResult], list[str]]:
    """dbt build in-process; its tests as check rows, and the errors that stop publishing."""
    from indicators import transform

    built = transform.build(settings, work, progress=reporter)
    errors = list(built.failed_nodes)
    if built.message:
        errors.append(built.message)
    if not built.success and not errors and not built.errors:
        errors.append("dbt build did not succeed (a check could not run; see the dbt log)")
    examples: dict[str, str | None] = {}
    if built.failed_sql:
        con = warehouse.connect(work, read_only=True)
        try:
            examples = {name: transform.offending_examples(con, sql) for name, sql in built.failed_sql.items()}
        finally:
            con.close()
    checks = [
        dataclasses.replace(check, details=f"{check.details}; e.g. {examples[check.check_name]}")
        if examples.get(check.check_name) else check
        for check in built.checks
    ]
    reporter(
        f"dbt build: {sum(1 for c in built.checks if c.success)} checks passed, "
        f"{len(built.warnings)} warnings, {len(built.errors)} errors"
    )
    return checks, errors


class _QualityWorker:
    """Great Expectations on what this run loaded (see ``indicators.quality``), in a worker process
    beside the dbt build: once its rows are read GX needs no connection, and a process of its own
    shares no interpreter lock with dbt."""

    def __init__(self, settings: Settings, work: Path, summary: IngestSummary, reporter):
        from indicators import quality

        self.reporter = reporter
        if summary.sources_loaded:
            # the worker process imports GX (about 5 s) while the rows are written out for it; not
            # earlier, beside the ingest, where it took a core from it (and not at all when nothing new)
            quality.preload()
        # the current rows go to Parquet files, validated there chunk by chunk: memory stays bounded
        self.spill_dir = work.parent / "gx-rows"
        shutil.rmtree(self.spill_dir, ignore_errors=True)
        prepared = quality.prepare(settings, work, summary.sources_loaded, spill_dir=self.spill_dir)
        self.seconds = prepared.fetch_seconds  # GX's own time (reading + validating), not the wait
        self.peak_mb: float | None = None
        self._rows = prepared.rows
        self._pending = quality.execute_in_worker(prepared) if prepared.plans else None

    def result(self) -> list[DqResult]:
        if self._pending is not None:
            try:
                # a worker that dies (e.g. killed for memory) never answers: fail the run, never hang it
                self._rows, lines, self.seconds, self.peak_mb = self._pending.get(timeout=GX_TIMEOUT_SECONDS)
            finally:
                shutil.rmtree(self.spill_dir, ignore_errors=True)
            for line in lines:
                self.reporter(line)
        shutil.rmtree(self.spill_dir, ignore_errors=True)
        return self._rows


def _ingest_warnings(summary: IngestSummary) -> list[str]:
    lines = []
    for f in summary.files:
        if f.status in ("rejected", "unmatched"):
            lines.append(f"{f.file_name}: {f.status}: {f.reason}")
        elif f.rows_quarantined or f.rows_collapsed:
            lines.append(f"{f.file_name}: {f.reason}")
    return lines


def _record_run(con, run_id, started, summary: IngestSummary, checks, warnings, errors, fingerprint=None) -> None:
    now = dt.datetime.now().replace(microsecond=0)
    results.insert(con, run_id, now, checks)
    status = "failed" if errors else ("published_with_warnings" if warnings else "published")
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
            "; ".join(errors)[:2000] or None,
            None if errors else fingerprint,
        ],
    )


def _coverage_notes(con) -> list[str]:
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
    return [f"{year} is provisional: {sources} (values of that year will still change)" for year, sources in rows]


def format_summary(outcome: RunOutcome, settings: Settings) -> str:
    lines = [f"Run {outcome.run_id}: {outcome.message} (exit {outcome.exit_code})"]
    summary = outcome.ingest
    if summary is not None:
        counts = ", ".join(f"{summary.count(s)} {s}" for s in ("loaded", "skipped", "rejected", "unmatched"))
        lines.append(f"  files:  {len(summary.files)} seen: {counts}")
        lines.append(
            f"  rows:   {summary.rows_loaded} loaded, {summary.rows_quarantined} quarantined, "
            f"{summary.rows_collapsed} identical duplicates collapsed"
        )
        for f in summary.files:
            if f.status in ("rejected", "unmatched"):
                lines.append(f"  {f.status}: {f.file_name}: {f.reason}")
        if summary.rows_quarantined:
            lines.append("  quarantined rows: see audit.quarantine (file, row number, reason)")
    if outcome.timings:
        stages = {k: v for k, v in outcome.timings.items() if "." not in k}
        lines.append("  time:   " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()))
    for line in outcome.notes:
        lines.append(f"  note:   {line}")
    for line in outcome.errors[:10]:
        lines.append(f"  ERROR: {line}")
    if outcome.published:
        lines.append(f"  warehouse: {settings.warehouse}")
    elif outcome.work_copy:
        lines.append(f"  published warehouse unchanged: {settings.warehouse}")
        lines.append(f"  working copy kept for inspection: {outcome.work_copy}")
    return "\n".join(lines)
