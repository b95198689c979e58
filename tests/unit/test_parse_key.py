"""A kept dbt parse is reused only for the same project, vars and database name (transform.parse_key)."""

from __future__ import annotations

from pathlib import Path

from indicators import transform
from indicators.config import load_settings


def test_a_parse_is_kept_across_folders_but_not_across_vars_or_database_names(monkeypatch):
    monkeypatch.delenv("INDICATORS_RUN_DATE", raising=False)
    monkeypatch.delenv("INDICATORS_EXAMPLE_PLANS", raising=False)
    settings = load_settings()
    here = transform.parse_key(settings, Path("/srv/a/work/in-progress.duckdb"))
    # another test's (or night's) folder: no node depends on it, the parse serves
    assert transform.parse_key(settings, Path("/tmp/b/work/in-progress.duckdb")) == here
    # another database name is every node's `database`: parse again
    assert transform.parse_key(settings, Path("/srv/a/work/other.duckdb")) != here
    # a var shapes the parse (example_plans enables seeds; run_date is rendered into models)
    monkeypatch.setenv("INDICATORS_RUN_DATE", "2021-03-01")
    dated = transform.parse_key(settings, Path("/srv/a/work/in-progress.duckdb"))
    assert dated != here
    monkeypatch.setenv("INDICATORS_EXAMPLE_PLANS", "true")
    assert transform.parse_key(settings, Path("/srv/a/work/in-progress.duckdb")) not in (here, dated)
