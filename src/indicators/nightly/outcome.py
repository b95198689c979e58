"""A run's outcome: its exit code and status word (decided in :func:`run_status` alone), and the
summary printed at its end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indicators.config import Settings
from indicators.ingest import IngestSummary
from indicators.readers.delivered import shown
from indicators.redact import redact_text

EXIT_OK, EXIT_FAILED, EXIT_WARNINGS = 0, 1, 2
LOCKED, STOPPED_BY_SIGNAL = "locked", "stopped_by_signal"  # runs that ended before their stages did
MAX_ERRORS_SHOWN = 10  # errors in the printed summary; the run log has them all
SKIPPED = ": skipped"  # how an error line of a model or check dbt did not run because of another ends


def run_status(published: bool, warnings: Sequence[str], ended: str | None = None) -> tuple[int, str]:
    """(exit code, status word) of a run: the one place they are decided. Nothing published: 1,
    ``failed`` (``locked``: refused by another run's lock; ``stopped_by_signal``: SIGTERM or SIGINT);
    published with warnings: 2, ``published_with_warnings``; else 0, ``published``."""
    if not published:
        return EXIT_FAILED, ended if ended in (LOCKED, STOPPED_BY_SIGNAL) else "failed"
    if warnings:
        return EXIT_WARNINGS, "published_with_warnings"
    return EXIT_OK, "published"


@dataclass
class RunOutcome:
    run_id: str
    published: bool
    message: str  # why: "published", or what stopped the run
    ingest: IngestSummary | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    work_copy: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)  # peak MB of helper processes (the GX worker)
    notes: list[str] = field(
        default_factory=list
    )  # worth knowing, not a warning (provisional years, a rebuild)
    ended: str | None = None  # LOCKED or STOPPED_BY_SIGNAL: how a run that published nothing ended

    @property
    def exit_code(self) -> int:
        return run_status(self.published, self.warnings, self.ended)[0]

    @property
    def status(self) -> str:
        """``failed``, ``locked``, ``stopped_by_signal``, ``published_with_warnings`` or ``published``
        (``log/runs.jsonl``, ``indicators status``)."""
        return run_status(self.published, self.warnings, self.ended)[1]


def format_summary(outcome: RunOutcome, settings: Settings) -> str:
    lines = [f"Run {outcome.run_id}: {outcome.message} (exit {outcome.exit_code})"]
    summary = outcome.ingest
    if summary is not None:
        kinds = ["loaded", "skipped", "rejected", "unmatched"]
        kinds += [s for s in ("refused", "waiting") if summary.count(s)]
        counts = ", ".join(f"{summary.count(s)} {s}" for s in kinds)
        lines.append(f"  files:  {len(summary.files)} seen: {counts}")
        lines.append(
            f"  rows:   {summary.rows_loaded} loaded, {summary.rows_quarantined} quarantined, "
            f"{summary.rows_collapsed} rows collapsed (identical in every column of the export to an earlier row)"
        )
        for f in summary.files:
            if f.status in ("rejected", "refused", "unmatched", "waiting"):
                lines.append(f"  {f.status}: {shown(f.file_name)}: {f.reason}")
            for line in f.header_warnings:
                lines.append(f"  warning: {shown(f.file_name)}: {line}")
        if summary.rows_quarantined:
            lines.append("  quarantined rows: see audit.quarantine (file, row number, reason)")
    if outcome.timings:
        stages = {k: v for k, v in outcome.timings.items() if "." not in k}
        lines.append("  time:   " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()))
    for line in outcome.notes:
        lines.append(f"  note:   {line}")
    # causes first: a failed check or model, not the models and checks dbt skipped after it (a failed
    # seed check skips a dozen, and they alone filled the ten lines shown)
    causes = [line for line in outcome.errors if not line.endswith(SKIPPED)]
    skipped = len(outcome.errors) - len(causes)
    for line in causes[:MAX_ERRORS_SHOWN]:
        lines.append(f"  ERROR: {line}")
    if len(causes) > MAX_ERRORS_SHOWN:
        lines.append(f"  ERROR: and {len(causes) - MAX_ERRORS_SHOWN} more (the run log lists them)")
    if skipped:
        lines.append(
            f"  ERROR: {skipped} models and checks not run because of the errors above (the run log lists them)"
        )
    if outcome.published:
        lines.append(f"  warehouse: {settings.warehouse}")
    elif outcome.work_copy:
        lines.append(f"  published warehouse unchanged: {settings.warehouse}")
        lines.append(f"  working copy kept for inspection: {outcome.work_copy}")
    return redact_text("\n".join(lines))  # an error's text may quote a file name or a value
