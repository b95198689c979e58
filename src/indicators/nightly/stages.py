"""The stages of a run, one function each, in the order :mod:`indicators.nightly.sequence` calls them:
check → working copy → ingest (archive files) → quality (GX, beside) → dbt build → gate → record → publish
→ after publish (manifest, retention); or, on a failure, :func:`end_failed`. Each adds to :class:`RunState`."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from indicators import bi, build_skip, disk, fileid, history, published, warehouse
from indicators.archive import Archive
from indicators.config import Settings
from indicators.derive import ReadOptions
from indicators.faults import checkpoint
from indicators.identity import Pseudonymiser
from indicators.ingest import Ingestor, IngestSummary
from indicators.nightly import preflight
from indicators.nightly.checks import (
    QualityWorker,
    coverage_notes,
    deliveries_since_build,
    last_build,
    loaded_since_build,
    record_run,
    run_dbt,
)
from indicators.quality import preload as preload_gx
from indicators.quality.frames import archived_rows
from indicators.quality.results import DqResult
from indicators.readers.delivered import shown
from indicators.sources import SourceSpec, load_sources


@dataclass
class RunState:
    """What a run has done so far: each stage reads it and adds to it."""

    settings: Settings
    run_id: str
    started: dt.datetime
    reporter: Callable[[str], None]
    work: Path  # the working copy
    archive: Archive
    key: bytes = b""  # the pseudonymisation key (the files' identities are keyed with it too)
    specs: list[SourceSpec] = field(default_factory=list)
    restore: bool = False  # start from the archive (a rebuild, or a damaged published file)
    notes: list[str] = field(default_factory=list)  # from the check (a rebuild), warnings too
    summary: IngestSummary = field(default_factory=IngestSummary)
    staged: list[dict] = field(default_factory=list)  # this run's archive files, not yet in the manifest
    checks: list[DqResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    coverage_notes: list[str] = field(default_factory=list)
    fingerprint: str | None = None  # of the dbt project, when dbt ran or was skipped as unchanged
    timings: dict[str, float] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    clock: float = 0.0  # when the stage timed across two functions began (ingest, publish)
    builds: bool = False  # this run builds the marts (dbt), unless nothing new came and nothing changed
    checks_quality: bool = (
        False  # GX checks the rows this run builds (unbuilt); its start: GX_BESIDE_INGEST_MB
    )
    parsed: object | None = None  # transform.ParseAhead: dbt parsing, once the ingest loaded something
    parse_fingerprint: str | None = None  # the project's fingerprint as that parse started
    history: list = field(default_factory=list)  # this run's history files, not yet renamed
    archived: dict | None = None  # where the archive holds the loaded sources' rows (GX reads them there)
    marts_of: str | None = None  # dbt skipped: the run whose publish the marts (unchanged) come from
    # the sources whose rows this run builds and checks: loaded by it (restored, in a rebuild) or by
    # a run since the last build (checks.loaded_since_build)
    unbuilt: list[str] = field(default_factory=list)
    # the sources with a dated delivery without rows since the last build (checks.deliveries_since_build)
    redated: list[str] = field(default_factory=list)


def check(state: RunState, rebuild: bool) -> None:
    """Is the published file whole? the archive complete? the space there? (timing: ``check``)"""
    clock = time.monotonic()
    state.specs = load_sources(state.settings.pipelines_dir)
    _suites_usable(state.settings, state.specs)
    state.restore, state.notes = preflight.before_copy(
        state.settings, state.archive, state.reporter, rebuild, state.key, state.run_id
    )
    state.timings["check"] = time.monotonic() - clock


def _suites_usable(settings: Settings, specs: list[SourceSpec]) -> None:
    """A GX suite GX would refuse (a bound that is no number, min above max) stops the run before it
    begins, in one line, rather than as a crash after the ingest and the build."""
    from indicators.quality.suites import SuiteError, load_suite, suite_path

    for spec in specs:
        path = suite_path(settings, spec.name)
        if path.exists():
            try:
                load_suite(path)
            except SuiteError as exc:
                raise preflight.RunStopped(
                    f"expectations/{exc}. Nothing was run: correct expectations/thresholds.yml (or "
                    "pipelines/) and run `indicators generate`, never edit the JSON"
                ) from None


def working_copy(state: RunState) -> None:
    """A copy of the published file (none to start from the archive): what the run writes to."""
    state.clock = time.monotonic()  # the copy counts as ingest time
    warehouse.prepare_working_copy(None if state.restore else state.settings.warehouse, state.work)
    state.reporter(f"run {state.run_id}: working copy {state.work}")
    fileid.migrate_working_copy(state.work, state.key, state.run_id, state.reporter)  # once, if old
    checkpoint("copied")


def ingest(state: RunState, key: bytes, crosswalk: dict[str, str], rebuild: bool) -> None:
    """The archive's files (a rebuild) or the inbox's into the working copy; their archive files written."""
    settings = state.settings
    con = warehouse.connect(state.work)
    try:
        warehouse.ensure_schema(con, state.specs)
        state.summary = (
            preflight.restore(con, state.archive, state.reporter) if state.restore else IngestSummary()
        )
        if state.restore:  # the publication and run history too (indicators.history)
            restored = history.restore(con, state.archive.root)
            state.reporter(
                "rebuild: history restored from the archive ("
                + ", ".join(f"{table} {rows} rows" for table, rows in restored.items())
                + ")"
            )
        if not rebuild:
            pseudonymiser = Pseudonymiser(key, crosswalk, pivot_year=state.started.year)
            ingestor = Ingestor(
                con,
                state.specs,
                pseudonymiser,
                state.run_id,
                settings.rejected_dir,
                settings.home_hei_id,
                state.reporter,
                ReadOptions.from_settings(settings, state.started.date()),
                settle_seconds=settings.settle_seconds,
                xlsx_max_unpacked_mb=settings.xlsx_max_unpacked_mb,
                max_file_mb=settings.max_file_mb,
                on_new_file=preload_gx if _gx_beside_ingest(state) else None,
                run_day=_run_day(),
            )
            state.reporter(f"ingest: reading {settings.inbox}")
            state.summary.files.extend(ingestor.ingest_inbox(settings.inbox).files)
            state.timings.update({f"ingest.{step}": seconds for step, seconds in ingestor.seconds.items()})
            state.notes += keys_two_files_disagree_on(con, state.specs, state.run_id)
        state.timings["ingest"] = time.monotonic() - state.clock
        checkpoint("ingested")
        # DuckDB's memory for the rest of the run (the build, GX's reading), from the raw rows
        os.environ[warehouse.RUN_MEMORY_LIMIT_ENV] = warehouse.memory_limit_for(con)
        state.unbuilt = sorted(set(state.summary.sources_loaded) | set(loaded_since_build(con)))
        state.redated = [s for s in deliveries_since_build(con) if s not in state.unbuilt]
        if state.builds and state.unbuilt:
            from indicators import transform

            # dbt parses while the archive files and GX's rows are written (DuckDB's work, not the interpreter's);
            # the project as the parse reads it (dbt_build: a project changed during the run is told)
            state.parse_fingerprint = build_skip.project_fingerprint(settings)
            state.parsed = transform.ParseAhead(settings, state.work)
        written = state.archive.stage(con, run_id=state.run_id, into=state.staged)
        state.timings["archive"] = written.seconds
        if state.unbuilt:
            # GX's worker reads the loaded sources' rows from these Parquet files, beside the build
            state.archived = archived_rows(con, state.archive, state.staged, state.unbuilt)
        if written.files:
            state.reporter(
                f"archive: {written.files} files written ({disk.human(written.bytes)}, "
                f"{written.seconds:.1f}s); in the manifest once published"
            )
    finally:
        con.close()
    state.warnings = state.notes + _ingest_warnings(state.summary)


def _run_day() -> dt.date:
    """The run's date, as dbt caps the coverage at it (INDICATORS_RUN_DATE, else today): a file whose
    name is dated after it is rejected. A value that is not a date stops a run before it begins
    (config.load_settings); one set after the settings were read stops the build with one line
    (macro run_date), and the ingest takes today meanwhile."""
    from indicators.config import ConfigError
    from indicators.environment import run_date

    try:
        return run_date()
    except ConfigError:
        return dt.date.today()


# Below this much in the inbox the GX worker starts as the ingest reads its first new file, so that
# GX's import (about 2.5 s of CPU) is done before the build; above it, after the ingest. Measured
# (production nightlies, medians): the bundled sample (1.4 MB) 5.83 s when started after the
# ingest, 5.06 s when started with the first new file (five each). At scale 10 (20 MB) 7.48 s and
# 7.54 s, at scale 100 (200 MB) 26.6 s and 26.2 s (three each): the same, while the import took a
# core from the ingest (1.0 -> 1.4 s, 6.0 -> 6.9 s), so there it waits for the ingest.
GX_BESIDE_INGEST_MB = 16


def _gx_beside_ingest(state: RunState) -> bool:
    """Does GX's worker start with the ingest's first new file (a small inbox) or after the ingest?"""
    if not state.checks_quality:
        return False
    size = 0
    with contextlib.suppress(OSError), os.scandir(state.settings.inbox) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    size += entry.stat(follow_symlinks=False).st_size
    return size < GX_BESIDE_INGEST_MB * 2**20


def start_quality(state: RunState) -> QualityWorker:
    """GX on the raw tables this run loaded, in its worker process, while dbt builds the models; the
    worker reads the rows from the archive (or, when the archive lacks some, they are read here)."""
    clock = time.monotonic()
    worker = QualityWorker(state.settings, state.work, state.unbuilt, state.reporter, state.archived)
    state.timings["quality.on_path"] = time.monotonic() - clock  # the part the build waits for
    return worker


def dbt_build(state: RunState) -> None:
    """``dbt build``, unless nothing was loaded since the last build (by this run or one that only
    ingested) and the project is unchanged since it. With new rows and the project unchanged, the
    seeds (project files) and their tests are left as the last build loaded and checked them
    (:func:`indicators.build_skip.seeds_standing`): a quarter of the nodes of a small build."""

    state.fingerprint = build_skip.project_fingerprint(state.settings)
    previous = last_build(state.work)
    moved = build_skip.date_moved(state.work) if previous else None
    if moved:
        state.reporter(f"dbt build: nothing new was loaded, but {moved}: the marts are rebuilt")
    elif state.redated and not state.unbuilt:
        state.reporter(
            f"dbt build: nothing new was loaded, but a delivery without rows reaches a new date "
            f"({', '.join(state.redated)}): the marts are rebuilt"
        )
    if (
        not state.unbuilt
        and not state.redated
        and previous
        and previous[1] == state.fingerprint
        and not moved
    ):
        state.reporter(
            f"dbt build: skipped: nothing new was loaded and the project is unchanged since run "
            f"{previous[0]}; its marts and checks stand"
        )
        state.marts_of = previous[0]
        return
    clock = time.monotonic()
    standing = None
    if previous and previous[1] == state.fingerprint == state.parse_fingerprint and state.parsed is not None:
        standing = build_skip.seeds_standing(state.parsed.manifest(state.work), state.work)
    if standing:
        state.reporter(
            f"dbt build: models, tests; the {standing[0]} seeds and their {standing[1]} checks stand as "
            f"the last publish of this project (run {previous[0]}) left them, loaded and passed"
        )
    else:
        state.reporter("dbt build: seeds, models, tests")
    checkpoint("before_dbt")
    os.environ["INDICATORS_RUN_ID"] = state.run_id  # marts.indicator_revisions names the run it compares
    dbt_checks, dbt_errors = run_dbt(
        state.settings, state.work, state.reporter, state.parsed, without_seeds=bool(standing)
    )
    checkpoint("after_dbt")
    state.timings["dbt_build"] = time.monotonic() - clock
    if state.parse_fingerprint not in (None, state.fingerprint) or (
        build_skip.project_fingerprint(state.settings) != state.fingerprint
    ):
        # the project changed while the run parsed or built it: its fingerprint is not recorded, so the
        # next night builds everything, the seeds and their checks included
        state.reporter("dbt build: the project changed during the run; the next night builds it all again")
        state.fingerprint = None
    state.checks.extend(dbt_checks)
    state.errors.extend(dbt_errors)


def finish_quality(state: RunState, gx: QualityWorker) -> None:
    """GX's rows (first among the checks), its time and its peak memory."""
    clock = time.monotonic()
    state.checks[:0] = gx.result()
    state.timings["quality.wait"] = time.monotonic() - clock  # what the run waited for it after the build
    state.timings["quality"] = gx.seconds
    if gx.peak_mb is not None:
        state.memory["gx_worker_peak_mb"] = gx.peak_mb


def gate(state: RunState) -> None:
    """Every failed check is an error (nothing is published) or a warning, by its severity."""
    for check in state.checks:
        if check.success:
            continue
        line = f"{check.engine} check {check.check_name} on {check.table_name or '?'}: {check.details or 'failed'}"
        (state.errors if check.severity == "error" else state.warnings).append(line)


def record(state: RunState) -> None:
    """The run, its checks and (if it will publish) its published values, in the working copy."""
    state.clock = time.monotonic()  # recording counts as publish time
    con = warehouse.connect(state.work)
    try:
        state.coverage_notes = coverage_notes(con)
        for line in state.coverage_notes:
            state.reporter(f"note: {line}")
        if not state.errors:
            # the values this publish publishes, as far as they changed (audit.published_values)
            changed = published.record(con, state.run_id, dt.datetime.now().replace(microsecond=0))
            if changed:
                state.reporter(f"published values: {changed} new or changed since the previous publish")
        record_run(
            con,
            state.run_id,
            state.started,
            state.summary,
            state.checks,
            state.warnings,
            state.errors,
            state.fingerprint,
        )
        con.execute("checkpoint")
        if not state.errors:
            try:  # the publication and run history beside the archive, renamed in place once published
                state.history = history.stage(con, state.archive.root)
            except (OSError, duckdb.Error) as exc:
                state.warnings.append(
                    f"the history could not be archived ({disk.describe(exc)}); the next publish archives it"
                )
    finally:
        con.close()


def publish(state: RunState) -> None:
    """Swap the working copy in (atomic), and the marts' BI folder with it (:mod:`indicators.bi`)."""
    target = state.settings.warehouse
    kept = bi.keep(target, state.marts_of) if state.marts_of is not None else None
    staged = False if kept else _write_bi(state)
    checkpoint("before_publish")
    warehouse.publish(state.work, target)
    state.timings["publish"] = time.monotonic() - state.clock
    state.reporter(f"published {target}")
    if kept:
        try:
            folder = bi.stamp(target, kept, state.run_id)
            state.reporter(f"bi: {folder} kept: the marts of run {state.marts_of} did not change")
        except (OSError, ValueError, KeyError) as exc:
            _bi_warning(state, f"the BI folder's manifest could not be stamped ({disk.describe(exc)})")
    elif staged:
        try:
            state.reporter(f"bi: {bi.swap(target)} now holds the marts of run {state.run_id}")
        except OSError as exc:
            _bi_warning(state, f"the BI folder could not be swapped in ({disk.describe(exc)})")
    checkpoint("published")


def _write_bi(state: RunState) -> bool:
    """The marts as Parquet and CSV in ``bi.new`` (a failure is a warning: the warehouse still publishes)."""
    try:
        written = bi.write(state.work, state.settings.warehouse, state.run_id)
    except (OSError, duckdb.Error) as exc:
        bi.discard(state.settings.warehouse)
        _bi_warning(state, f"the BI folder was not written ({disk.describe(exc)})")
        return False
    state.timings["bi"] = written.seconds
    return True


def _bi_warning(state: RunState, cause: str) -> None:
    _warn(state, f"{cause}; {bi.folder_of(state.settings.warehouse)} still holds an earlier publish's marts")


def _warn(state: RunState, line: str) -> None:
    state.reporter(f"warning: {line}")
    state.warnings.append(line)


def after_publish(state: RunState, retention: bool) -> None:
    """The archive's manifest lines, then the inbox's retention; neither can unpublish the run."""
    try:
        state.archive.commit(state.staged)
        history.commit(state.history)  # what was published, and the runs
    except (OSError, duckdb.Error) as exc:
        _warn(
            state,
            f"the archive's manifest or history could not be written ({disk.describe(exc)}); "
            "the next run archives them from the published warehouse",
        )
    if retention:
        from indicators import retention as inbox_retention

        state.warnings.extend(inbox_retention.apply(state.settings, state.reporter, key=state.key))


def end_failed(state: RunState, remove: bool = False) -> Path | None:
    """After a failure no ``in-progress`` file is left: the working copy is kept as ``<run id>.duckdb``
    (the newest ``keep_failed_copies``), or removed when the disk ran out (keeping it would keep the
    disk full) or it cannot be kept. This run's archive files, never committed, are removed too."""
    settings, work, reporter = state.settings, state.work, state.reporter
    shutil.rmtree(QualityWorker.spill_dir_of(work), ignore_errors=True)
    state.archive.discard(state.staged)
    history.discard(state.history)
    kept = None
    if work.exists() and not remove and settings.keep_failed_copies > 0:
        try:
            kept = _keep_failed_copy(work, state.run_id)
        except OSError as exc:
            reporter(f"the working copy could not be kept ({disk.describe(exc)})")
    for leftover in (work, work.with_name(work.name + ".wal")):
        if leftover.exists() and not disk.remove_quietly(leftover):
            reporter(f"warning: could not remove {leftover}")
    disk.prune_failed_copies(settings.work_dir, settings.keep_failed_copies, reporter)
    if kept is not None:
        reporter(f"nothing published; the working copy is kept for inspection: {kept}")
    else:
        reporter(
            "nothing published; no working copy is kept"
            + (" (removed to give the space back)" if remove else "")
        )
    return kept


def _keep_failed_copy(work: Path, run_id: str) -> Path | None:
    """Rename a failed run's working copy to ``<run id>.duckdb`` so that the next run cannot reuse it."""
    if not work.exists():
        return None
    kept = work.with_name(f"{run_id}.duckdb")
    work.with_name(work.name + ".wal").unlink(missing_ok=True)
    os.replace(work, kept)
    return kept


def keys_two_files_disagree_on(con, specs: list[SourceSpec], run_id: str) -> list[str]:
    """A warning per source where files this run loaded, of one extraction date (or none), give one
    business key different values: the staging models take the file loaded last (latest_version),
    which for two such files is the order of their names, not a revision. Within one file such a key
    is quarantined; across files it was taken without a word. Only a source with two such files is
    read (the usual night loads one file a source, or files of different dates)."""
    from indicators.quality.frames import quote
    from indicators.redact import redact_text

    # the extraction dates as recorded, from the names as delivered (a name is shown redacted)
    twice = {
        source
        for (source,) in con.execute(
            "select source from audit.loaded_files where run_id = ? and status = 'loaded' "
            "group by source, extraction_date having count(*) > 1",
            [run_id],
        ).fetchall()
    }
    warnings = []
    for spec in specs:  # a profile loads into its source's table: checked with it
        if spec.name not in twice:
            continue
        table = f"raw.{quote(spec.name)}"
        keys = ", ".join(f"r.{quote(k)}" for k in spec.business_key)
        values = ", ".join(f"r.{quote(f)}" for f in spec.field_names)
        shown_key = " || ' ' || ".join(
            "'(pseudonymised)'" if spec.field(k).personal else f"coalesce(r.{quote(k)}::varchar, '')"
            for k in spec.business_key
        )
        rows = con.execute(
            f"""
            select {shown_key} as shown, list(distinct r._file_name order by r._file_name) as files
            from {table} r join audit.loaded_files f on f.file_id = r._file_id
            where r._run_id = ?
            group by {keys}
            having count(distinct r._file_id) > 1 and count(distinct hash({values})) > 1
                and count(distinct coalesce(f.extraction_date::varchar, '-')) = 1
            order by 1
            """,
            [run_id],
        ).fetchall()
        if not rows:
            continue
        files = sorted({name for _, names in rows for name in names})
        examples = ", ".join(redact_text(key) for key, _ in rows[:3]) + (", …" if len(rows) > 3 else "")
        warnings.append(
            f"{spec.name}: {len(rows)} keys with different values in files of one extraction date loaded "
            f"together ({', '.join(shown(name) for name in files)}), e.g. {examples}: the file loaded last "
            "(the last by name) was taken for each; deliver one file, or name each with the date it was exported"
        )
    return warnings


def _ingest_warnings(summary: IngestSummary) -> list[str]:
    lines = []
    for f in summary.files:
        if f.status in ("rejected", "refused", "unmatched"):
            lines.append(f"{shown(f.file_name)}: {f.status}: {f.reason}")
        elif f.rows_quarantined or f.rows_collapsed or f.header_warnings:
            lines.append(f"{shown(f.file_name)}: {f.reason}")  # a misspelt header's warning is in it
    return lines
