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


def test_the_summary_shows_the_failed_check_before_what_dbt_skipped_after_it(tmp_path):
    """A failed seed check skips a dozen models and their checks; dbt lists them first, and the ten
    error lines the summary showed were all "skipped": the cause was only in the run log."""
    from indicators.config import load_settings
    from indicators.nightly import format_summary

    skipped = [f"model m{i}: skipped" for i in range(11)] + [
        f"dbt check c{i} on m{i}: skipped" for i in range(3)
    ]
    cause = "dbt check row_checks_plan_indicators on plan_indicators: Got 1 result; e.g. (rule=at_least_has_a_target_value, failing_rows=1)"
    outcome = RunOutcome("run-1", False, "error-level checks failed", errors=[*skipped, cause])
    lines = [
        line
        for line in format_summary(
            outcome, load_settings().with_paths(warehouse=tmp_path / "w.duckdb")
        ).splitlines()
        if "ERROR" in line
    ]
    assert lines == [
        f"  ERROR: {cause}",
        "  ERROR: 14 models and checks not run because of the errors above (the run log lists them)",
    ]
    many = RunOutcome("run-2", False, "failed", errors=[f"model m{i}: Runtime Error" for i in range(12)])
    shown = [line for line in format_summary(many, load_settings()).splitlines() if "ERROR" in line]
    assert len(shown) == 11 and shown[-1] == "  ERROR: and 2 more (the run log lists them)"
