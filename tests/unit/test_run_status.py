"""A run's exit code and status word are decided in one place (``nightly.run_status``): the outcome,
``log/runs.jsonl`` and ``audit.pipeline_runs`` all read them from there."""

from __future__ import annotations

import pytest

from indicators.nightly import EXIT_FAILED, EXIT_OK, EXIT_WARNINGS, RunOutcome, run_status


@pytest.mark.parametrize(
    ("published", "warnings", "expected"),
    [
        (True, [], (EXIT_OK, "published")),
        (True, ["a file was rejected"], (EXIT_WARNINGS, "published_with_warnings")),
        (False, [], (EXIT_FAILED, "failed")),
        (False, ["a file was rejected"], (EXIT_FAILED, "failed")),
    ],
)
def test_the_run_status_is_decided_in_one_place(published, warnings, expected):
    assert run_status(published, warnings) == expected
    outcome = RunOutcome("run-1", published, "why", warnings=warnings)
    assert (outcome.exit_code, outcome.status) == expected
    assert (EXIT_OK, EXIT_FAILED, EXIT_WARNINGS) == (0, 1, 2)
