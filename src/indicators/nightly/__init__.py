"""The nightly sequence: lock → working copy → ingest → quality → dbt build → gate → publish.

Exit codes (for cron and systemd):
  0  published, no warnings
  2  published with warnings (quarantined rows, rejected or unmatched files, warn-level checks)
  1  nothing published (an error-level check failed, the key is missing, another run holds the lock,
     or the run crashed); the published warehouse is exactly as it was

The package: :mod:`~indicators.nightly.sequence` (a run: the lock, the stages in order, the run
log), :mod:`~indicators.nightly.stages` (one function per stage), :mod:`~indicators.nightly.preflight`
(before the copy), :mod:`~indicators.nightly.checks` (GX beside dbt, dbt's tests, the run's record),
:mod:`~indicators.nightly.outcome` (the exit code and status, decided in one place; the summary).
"""

from __future__ import annotations

from indicators.nightly.outcome import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_WARNINGS,
    RunOutcome,
    format_summary,
    run_status,
)
from indicators.nightly.sequence import Reporter, new_run_id, run

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_WARNINGS",
    "Reporter",
    "RunOutcome",
    "format_summary",
    "new_run_id",
    "run",
    "run_status",
]
