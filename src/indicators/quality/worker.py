"""Validating a run: :func:`prepare` reads the frames (needs the warehouse), :func:`execute` runs GX
on them (needs none, so it can run in a worker process beside the dbt build); the worker process."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indicators import private, warehouse
from indicators.config import Settings
from indicators.quality import gx
from indicators.quality.frames import (
    LATEST_FILE_ROWS,
    VALUES,
    ArchivedRows,
    ParquetRows,
    SourcePlan,
    fetch_archived_frames,
    fetch_frames,
    judged_on,
)
from indicators.quality.results import DqResult, expectation_row, failed
from indicators.quality.suites import frame_of, load_suite, suite_path
from indicators.sources import load_sources

NOT_BUILT = "frame not built"  # e.g. the suite's year column is missing from the table


@dataclass
class Prepared:
    """What :func:`prepare` read from the warehouse: the frames to validate, and rows already decided."""

    plans: list[SourcePlan]
    rows: list[DqResult]
    started: float
    fetch_seconds: float
    # rows still to be read, where the archive holds them (see :func:`prepare`), and how
    archived: dict[str, ArchivedRows] | None = None
    today: dt.date | None = None
    macros_dir: Path | None = None
    spill_dir: Path | None = None
    # DuckDB's memory limit for reading them, from the one the run chose (a kept worker's
    # environment is that of the run that started it)
    memory_limit: str | None = None


def validate(
    settings: Settings,
    work: Path,
    run_id: str,
    sources_loaded: list[str],
    reporter: Callable[[str], None],
    *,
    today: dt.date | None = None,
) -> list[DqResult]:
    """One result row per expectation of every loaded source's suite (see ``audit.dq_results``)."""
    return execute(prepare(settings, work, sources_loaded, today=today), reporter)


def prepare(
    settings: Settings,
    work: Path,
    sources_loaded: list[str],
    *,
    today: dt.date | None = None,
    spill_dir: Path | None = None,
    archived: dict[str, ArchivedRows] | None = None,
) -> Prepared:
    """Read the rows to validate from the warehouse (the connection is closed on return).

    With ``spill_dir`` the frames go to Parquet files there (written by DuckDB, streaming), to
    be validated chunk by chunk; otherwise they are read into memory. With ``archived`` (every
    loaded source's rows in the archive, :func:`~indicators.quality.frames.archived_rows`) nothing
    is read here: :func:`execute` reads them from the archive's Parquet files, in the worker, beside
    the build.
    """
    clock = time.monotonic()
    today = today or dt.date.today()
    specs = {spec.name: spec for spec in load_sources(settings.pipelines_dir)}
    rows: list[DqResult] = []
    plans: list[SourcePlan] = []
    for source in sources_loaded:
        path = suite_path(settings, source)
        if source not in specs:
            continue
        if not path.exists():
            rows.append(
                failed(
                    f"raw_{source}",
                    "suite file present",
                    f"raw.{source}",
                    "warn",
                    f"no suite {path.name}: raw.{source} is not checked by GX",
                )
            )
            continue
        plans.append(SourcePlan(specs[source], load_suite(path)))
    if plans and spill_dir is not None:
        private.mkdir(spill_dir)
    if plans and archived is not None:
        return Prepared(
            plans,
            rows,
            clock,
            0.0,
            archived,
            today,
            settings.root / "macros",
            spill_dir,
            warehouse.reading_memory_limit(),
        )
    if plans:
        fetch_frames(work, plans, today, settings.root / "macros", spill_dir)
    return Prepared(plans, rows, clock, time.monotonic() - clock)


def execute(prepared: Prepared, reporter: Callable[[str], None]) -> list[DqResult]:
    """Validate the prepared frames with GX; needs no warehouse connection (it can run beside dbt)."""
    plans, rows = prepared.plans, list(prepared.rows)
    if not plans:
        return rows
    if prepared.archived is not None:
        clock = time.monotonic()
        fetch_archived_frames(
            prepared.archived,
            plans,
            prepared.today,
            prepared.macros_dir,
            prepared.spill_dir,
            prepared.memory_limit or warehouse.memory_limit(),
        )
        prepared.fetch_seconds = time.monotonic() - clock
    clock = time.monotonic()
    frames = gx.Frames()  # imports GX (about 5 s) unless the worker did
    for plan in plans:
        personal = set(plan.spec.personal)
        by_frame: dict[str, list[dict]] = {}
        for expectation in plan.suite["expectations"]:
            by_frame.setdefault(frame_of(expectation), []).append(expectation)
        for frame_name, expectations in by_frame.items():
            results = _judge(frames, plan, frame_name, expectations)
            profile = plan.frames.get("by_year") if frame_name == "by_year" else None
            for expectation in expectations:
                result = results.get(expectation["id"])
                missing = result if result is NOT_BUILT else None
                rows.append(
                    expectation_row(
                        plan.suite,
                        plan.table_name,
                        expectation,
                        None if missing else result,
                        personal,
                        missing,
                        profile,
                    )
                )
    failures = [r for r in rows if not r.success]
    errors = sum(1 for r in failures if r.severity == "error")
    reporter(
        f"quality: great_expectations on {len(plans)} sources: {len(rows) - len(failures)} of {len(rows)} checks "
        f"passed, {errors} errors, {len(failures) - errors} warnings "
        f"(reading the rows {prepared.fetch_seconds:.1f}s, validating {time.monotonic() - clock:.1f}s)"
    )
    return rows


def _judge(frames: gx.Frames, plan: SourcePlan, frame_name: str, expectations: list[dict]) -> dict[str, Any]:
    """GX's result for each expectation (by id), :data:`NOT_BUILT` where its frame is missing; each
    is judged on the frame :func:`~indicators.quality.frames.judged_on` names."""
    parts: dict[str, list[dict]] = {}
    for expectation in expectations:
        parts.setdefault(judged_on(expectation, plan.value_columns), []).append(expectation)
    results: dict[str, Any] = {}
    for name, chosen in parts.items():
        frame = plan.frames.get(name)
        if frame is None:
            results.update(dict.fromkeys((e["id"] for e in chosen), NOT_BUILT))
        elif name == VALUES:
            results.update(gx.validate_values(frames, plan, frame, chosen))
        elif isinstance(frame, ParquetRows) and name == LATEST_FILE_ROWS:
            results.update(gx.validate_unique(frames, plan, name, frame, chosen))
        elif isinstance(frame, ParquetRows):
            results.update(gx.validate_chunks(frames, plan, name, frame, chosen))
        else:
            results.update(gx.validate_frame(frames, plan, name, frame, chosen, name))
    return results


# --- the worker process ----------------------------------------------------------------------

# A one-process pool (spawned, so no GIL shared with dbt) with GX already imported. It is kept for
# the process's next nightly (importing GX costs about 4 s of CPU each time: the test suite runs
# dozens of nightlies in one process) and shut down when the process exits; a worker that did not
# answer in time is terminated. Everything a validation needs comes with its task (Prepared): the
# worker reads no setting from its environment, which is that of the run that started it.
_WORKER = None
_PENDING = None  # the AsyncResult of the last task given to it


def _import_gx() -> None:
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    import great_expectations  # noqa: F401

    # the worker's results went back through the pool's pipe; what is left at its exit is tearing
    # down GX, pandas and numpy module by module, which the run waited for (shutdown: 0.40-0.44 s of
    # the bundled sample's nightly). Registered last, this runs first at the worker's exit, after
    # multiprocessing's own exit function (in Process._bootstrap)
    atexit.register(_exit_now)


def _exit_now() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def preload() -> None:
    """Start the worker process, which imports Great Expectations (about 5 s) while the caller goes
    on; nothing when this process already has one."""
    global _WORKER
    if _WORKER is None:
        import multiprocessing

        _WORKER = multiprocessing.get_context("spawn").Pool(1, initializer=_import_gx)
        atexit.unregister(shutdown)  # once, however many workers this process starts
        atexit.register(shutdown)


def execute_in_worker(prepared: Prepared):
    """:func:`execute` in the preloaded worker process; returns an ``AsyncResult`` of
    (rows, progress lines, seconds, the worker's peak memory in MB during this task)."""
    global _PENDING
    preload()
    _PENDING = _WORKER.apply_async(_execute_quietly, (prepared,))
    return _PENDING


def release() -> None:
    """A run is over: keep an idle worker for this process's next run; terminate one still busy with
    the run's task (the run ended without its result: a failure, a signal, a timeout, a dead worker)."""
    if _WORKER is not None and _PENDING is not None and not _PENDING.ready():
        discard()


def shutdown() -> None:
    """Let the worker finish and exit (``close``: ``terminate`` leaks its semaphores)."""
    global _WORKER, _PENDING
    if _WORKER is not None:
        _WORKER.close()
        _WORKER.join()
        _WORKER = _PENDING = None


def discard() -> None:
    """Terminate the worker (hung, dead or still busy): the next run starts a new one."""
    global _WORKER, _PENDING
    if _WORKER is not None:
        _WORKER.terminate()
        _WORKER.join()
        _WORKER = _PENDING = None


def _execute_quietly(prepared: Prepared) -> tuple[list[DqResult], list[str], float, float]:
    reset_peak_memory()  # the peak of this task, not of an earlier run's in the same worker
    lines: list[str] = []
    # the rows read before the task (from the working copy) count too; rows read from the archive
    # are read here, inside the task's own time (counting them again doubled them: 7 s at scale 100)
    before = prepared.fetch_seconds if prepared.archived is None else 0.0
    clock = time.monotonic()
    rows = execute(prepared, lines.append)
    return rows, lines, before + time.monotonic() - clock, peak_memory_mb()


def reset_peak_memory() -> None:
    """Start this process's peak resident memory (VmHWM) again from its current size (Linux 4.0+)."""
    # not Linux, or not allowed: the peak is then the process's whole life's
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def peak_memory_mb() -> float:
    """This process's peak resident memory since its program started or :func:`reset_peak_memory`
    (VmHWM; exec resets it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
