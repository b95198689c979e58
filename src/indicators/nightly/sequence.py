"""One run: the key, the lock, the stages in order (:mod:`indicators.nightly.stages`), the outcome and
its line in ``log/runs.jsonl``; the progress lines (stdout and the run's log file)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

from indicators import disk, keycheck, private, warehouse
from indicators.archive import Archive, ArchiveError
from indicators.config import ConfigError, Settings, load_key
from indicators.crosswalk import load_crosswalk
from indicators.faults import checkpoint
from indicators.nightly import stages
from indicators.nightly.outcome import LOCKED, STOPPED_BY_SIGNAL, RunOutcome
from indicators.nightly.preflight import RunStopped
from indicators.redact import redact_text

STOPPED = (
    RunStopped,
    keycheck.KeyMismatch,
    ArchiveError,
    disk.NotEnoughSpace,
    warehouse.LockBusy,
)  # said as they are, no traceback


# control characters other than a line break and a tab, in a message from anywhere: escaped
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class StoppedBySignal(Exception):
    """SIGTERM (systemd's stop) or SIGINT arrived: the run ends like a failure, nothing published."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"stopped by signal {signal.Signals(signum).name}")


class _Signals:
    """While a run is in progress, SIGTERM and SIGINT raise :class:`StoppedBySignal` in it (the
    stages then unwind: the working copy and this run's archive files are removed); once the run
    publishes, a signal is only noted (the publish and its manifest lines are finished)."""

    NAMES = (signal.SIGTERM, signal.SIGINT)

    def __init__(self):
        self.received: int | None = None
        self.raising = True
        self._previous: dict = {}

    def _handle(self, signum, frame) -> None:
        first = self.received is None
        self.received = signum
        if self.raising and first:
            raise StoppedBySignal(signum)

    def check(self) -> None:
        """Raise now if a signal came while a library swallowed the exception."""
        if self.received is not None and self.raising:
            raise StoppedBySignal(self.received)

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for name in self.NAMES:
                self._previous[name] = signal.signal(name, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for name, handler in self._previous.items():
            signal.signal(name, handler)


def new_run_id(now: dt.datetime | None = None) -> str:
    """``YYYYmmddTHHMMSS-xxxx``, four hex digits of which the first is a letter: a time such as
    04:00:01 followed by four decimal digits (``040001-7137``) is shaped like a personnummer, and the
    redaction rule would hide the run id in every message that names it."""
    suffix = secrets.choice("abcdef") + secrets.token_hex(2)[:3]
    return (now or dt.datetime.now()).strftime("%Y%m%dT%H%M%S") + "-" + suffix


class Reporter:
    """Progress lines to stdout (or a given stream) and to the run's log file."""

    def __init__(self, log_file: Path | None, stream=None, quiet: bool = False):
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.log = None
        self.log_path = log_file  # the file object's .name is its descriptor (opened owner-only)
        self.started = time.monotonic()
        if log_file is not None:
            try:
                self.log = private.open_file(log_file, "a")
            except OSError as exc:
                self._log_failed(log_file, exc)

    def __call__(self, message: str) -> None:
        message = redact_text(message)  # a file name, a header or an error's text may hold one
        message = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), message)
        line = f"[{time.monotonic() - self.started:6.1f}s] {message}"
        if not self.quiet:
            print(line, file=self.stream, flush=True)
        if self.log:
            try:
                self.log.write(f"{dt.datetime.now().isoformat(timespec='seconds')} {message}\n")
                self.log.flush()
            except OSError as exc:
                self._log_failed(self.log_path, exc)
                if self.quiet:  # the line would otherwise be lost
                    print(line, file=sys.stderr, flush=True)

    def _log_failed(self, path: Path, exc: OSError) -> None:
        """A log that cannot be written (a full disk) must not stop the run: stderr instead."""
        print(
            f"warning: cannot write the run log {path} ({exc.strerror or exc}); "
            "the run goes on and reports to stderr",
            file=sys.stderr,
            flush=True,
        )
        with contextlib.suppress(OSError):
            if self.log:
                self.log.close()
        self.log = None

    def close(self) -> None:
        if self.log:
            with contextlib.suppress(OSError):
                self.log.close()


def _append_run_log(settings: Settings, record: dict) -> None:
    """One line in ``log/runs.jsonl``; when it cannot be written (a full disk) the line goes to stderr."""
    line = json.dumps(
        {k: redact_text(v) if isinstance(v, str) else v for k, v in record.items()}, default=str
    )
    try:
        with private.open_file(settings.log_dir / "runs.jsonl", "a") as handle:
            handle.write(line + "\n")
    except OSError as exc:
        print(
            f"warning: cannot write {settings.log_dir / 'runs.jsonl'} ({exc.strerror or exc}); the record: {line}",
            file=sys.stderr,
            flush=True,
        )


@private.owner_only
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
    except ConfigError as exc:  # recorded too: `indicators status` shows the run and why it stopped
        reporter(f"error: {exc}")
        reporter.close()
        outcome = RunOutcome(run_id, False, str(exc))
        _record_end(settings, run_id, started, outcome)
        return outcome
    signals = _Signals()
    try:
        with signals, warehouse.run_lock(settings.lock_file, run_id, wait_seconds) as previous:
            if previous.stale:
                reporter(
                    f"note: the previous run {previous.run_id} (pid {previous.pid}) ended without releasing "
                    "its lock (killed?); the published warehouse was not touched by it"
                )
            _append_run_log(
                settings, {"run_id": run_id, "status": "running", "started_at": started, "pid": os.getpid()}
            )
            checkpoint("locked")
            # One stable name while the run works (dbt's partial parsing keys on the profile, which names
            # the file); a failed run's copy is then renamed after the run, and kept.
            state = stages.RunState(
                settings,
                run_id,
                started,
                reporter,
                settings.work_dir / "in-progress.duckdb",
                Archive(settings.archive_dir),
            )
            outcome = _run_locked(state, key, crosswalk, with_dbt, with_quality, stop_after, rebuild, signals)
    except warehouse.LockBusy as exc:  # recorded too: `indicators status` shows the refused run
        reporter(f"error: {exc}")
        outcome = RunOutcome(run_id, False, str(exc), ended=LOCKED)
    except StoppedBySignal as exc:  # before the stages began (waiting for the lock, say)
        reporter(f"error: {exc}; nothing was published")
        outcome = RunOutcome(run_id, False, f"{exc}; nothing published", ended=STOPPED_BY_SIGNAL)
    except Exception as exc:  # noqa: BLE001 - outside the stages (the lock file, say): still a recorded failure
        reporter(f"error: the run crashed: {disk.describe(exc)}")
        outcome = RunOutcome(run_id, False, f"crashed: {disk.describe(exc)}")
    finally:
        reporter.close()
    _record_end(settings, run_id, started, outcome)
    return outcome


def _record_end(settings: Settings, run_id: str, started: dt.datetime, outcome: RunOutcome) -> None:
    _append_run_log(
        settings,
        {
            "run_id": run_id,
            "status": outcome.status,
            "started_at": started,
            "finished_at": dt.datetime.now().replace(microsecond=0),
            "exit_code": outcome.exit_code,
            "message": outcome.message,
            "work_copy": str(outcome.work_copy) if outcome.work_copy else None,
            "warnings": len(outcome.warnings),
            "errors": len(outcome.errors),
        },
    )


def _run_locked(
    state: stages.RunState,
    key: bytes,
    crosswalk: dict[str, str],
    with_dbt: bool,
    with_quality: bool,
    stop_after: str | None,
    rebuild: bool,
    signals: _Signals | None = None,
) -> RunOutcome:
    """The stages in order; the first failure ends the run with the working copy kept (or removed).
    A signal ends it like a failure, the working copy removed (a stop must be quick)."""
    signals = signals or _Signals()
    state.key = key
    checks = stop_after != "ingest"
    state.builds = with_dbt and checks and (state.settings.root / "dbt_project.yml").exists()
    state.checks_quality = with_quality and checks
    try:
        if not rebuild:  # a rebuild pseudonymises nothing
            keycheck.verify(state.archive.root, key)
        stages.check(state, rebuild)
        stages.working_copy(state)
        stages.ingest(state, key, crosswalk, rebuild)
        gx = stages.start_quality(state) if with_quality and checks else None  # runs beside the dbt build
        if state.builds:
            stages.dbt_build(state)
        if gx is not None:
            stages.finish_quality(state, gx)
        stages.gate(state)
        stages.record(state)
        signals.check()
        if state.errors:
            return _checks_failed(state)
        signals.raising = False  # from here on the run publishes and finishes: a signal waits for it
        stages.publish(state)
        stages.after_publish(state, retention=not rebuild)
        try:
            if not rebuild:  # a rebuild pseudonymised nothing: its key is no evidence of the archive's
                keycheck.record(state.archive.root, key, state.run_id)
        except OSError as exc:
            line = f"the key's check value could not be written beside the archive ({disk.describe(exc)})"
            state.reporter(f"warning: {line}")
            state.warnings.append(line)
        return RunOutcome(
            state.run_id,
            True,
            "published",
            state.summary,
            state.errors,
            state.warnings,
            None,
            state.timings,
            state.memory,
            state.notes + state.coverage_notes,
        )
    except StoppedBySignal as exc:
        return _stopped(state, exc)
    except STOPPED as exc:
        state.reporter(f"error: {exc}")
        return RunOutcome(
            state.run_id, False, str(exc), work_copy=stages.end_failed(state), timings=state.timings
        )
    except Exception as exc:  # noqa: BLE001 - the run record must say what happened
        if signals.received is not None and signals.raising:  # a library wrapped the signal's exception
            return _stopped(state, StoppedBySignal(signals.received))
        full = disk.disk_full(exc) is not None
        if not full and disk.out_of_memory(exc):  # a setting the user can change: one line, no traceback
            cause = _memory_cause()
            state.reporter(f"error: {cause}")
            kept = stages.end_failed(state)
            return RunOutcome(state.run_id, False, cause, work_copy=kept, timings=state.timings)
        cause = (
            "the disk ran out of space (or the file size limit was reached): " if full else ""
        ) + disk.describe(exc)
        state.reporter(f"error: the run crashed: {cause}")
        state.reporter("".join(traceback.format_exception(exc)).rstrip())
        kept = stages.end_failed(state, remove=full)
        return RunOutcome(state.run_id, False, f"crashed: {cause}", work_copy=kept, timings=state.timings)
    finally:
        if state.parsed is not None:  # a run that failed before its build: no parse outlives it
            state.parsed.manifest(state.work)
        if "indicators.quality" in sys.modules:  # the GX worker: kept for the next run when idle
            sys.modules["indicators.quality"].release()


def _stopped(state: stages.RunState, exc: StoppedBySignal) -> RunOutcome:
    """A signal: nothing published, the working copy and this run's archive files removed."""
    state.reporter(f"error: {exc}; nothing published")
    stages.end_failed(state, remove=True)
    return RunOutcome(
        state.run_id,
        False,
        f"{exc}; nothing published, the working copy removed",
        state.summary,
        timings=state.timings,
        ended=STOPPED_BY_SIGNAL,
    )


def _memory_cause() -> str:
    by_hand = os.environ.get(warehouse.MEMORY_LIMIT_ENV)
    return disk.memory_cause(by_hand or warehouse.memory_limit(), bool(by_hand))


def _checks_failed(state: stages.RunState) -> RunOutcome:
    """An error-level check failed (or dbt could not build): nothing is published."""
    for line in state.errors:
        state.reporter(f"error: {line}")
    full = [line for line in state.errors if disk.mentions_full(line)]
    message = f"the disk ran out of space: {full[0][:500]}" if full else "error-level checks failed"
    if not full and any(disk.mentions_memory(line) for line in state.errors):
        message = _memory_cause()
        state.reporter(f"error: {message}")
    kept = stages.end_failed(state, remove=bool(full))
    return RunOutcome(
        state.run_id, False, message, state.summary, state.errors, state.warnings, kept, state.timings
    )
