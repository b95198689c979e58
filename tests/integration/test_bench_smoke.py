"""The benchmark keeps working: a tiny scale, the real stages, the JSON shape the docs rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import cli_in_process

pytestmark = pytest.mark.slow


def test_bench_runs_at_a_tiny_scale(tmp_path, monkeypatch):
    # the bench's own defaults for these two, set here so that they are restored after the test:
    # the bench runs by the CLI's main in this process (a process of its own imported dbt again)
    monkeypatch.setenv("INDICATORS_PSEUDONYMISATION_KEY", "benchmark-key-not-for-production-0123456789")
    monkeypatch.setenv("INDICATORS_MAX_FILE_MB", "1024")
    out = tmp_path / "bench.json"
    done = cli_in_process("bench", "--scale", "0.2", "--json", str(out), "--work-dir", str(tmp_path / "work"))
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["scale"] == 0.2
    assert result["rows"]["student_mobility"] > 0 and result["peak_rss_mb"] > 0
    assert result["peak_rss_together_mb"] > 0  # the nightly and its GX worker, sampled together
    assert (
        len(result["floor_load_seconds_before_after"]) == 2
        and min(result["floor_load_seconds_before_after"]) > 0
    )
    stages = {stage["name"]: stage for stage in result["stages"]}
    for name in (
        "ingest",
        "archive",
        "quality",
        "dbt_build",
        "publish",
        "nightly_total",
        "nightly_unchanged",
    ):
        assert stages[name]["seconds"] is not None and stages[name]["seconds"] >= 0, name
    assert stages["ingest"]["floor_seconds"] > 0 and stages["ingest"]["ratio"] > 0
    assert stages["nightly_unchanged"]["seconds"] < stages["nightly_total"]["seconds"]
    assert result["archive_mb"] > 0 and result["warehouse_mb"] > 0
    # every floor measured in the same run: the transform's floor ran each model file of the project
    # (its compiled SQL) and the data tests; the quality floor one aggregate query per suite and frame
    models = list((Path(__file__).parents[2] / "models").rglob("*.sql"))
    assert result["floor_transform"]["models"] == len(models) and result["floor_transform"]["tests"] > 0
    # and ended with a checkpoint, as the build does: counted in its seconds
    assert 0 < result["floor_transform"]["checkpoint_seconds"] < result["floor_transform"]["seconds"]
    assert result["floor_quality"]["queries"] > 0
    for name in (
        "dbt_build",
        "dbt_build_alone",
        "dbt_build_fresh",
        "quality",
        "quality_alone",
        "nightly_total",
        "nightly_total_fresh",
    ):
        assert stages[name]["floor_seconds"] > 0 and stages[name]["ratio"] > 0, name
    # the build and GX alone are measured against the same floors as their stages in the nightly
    assert stages["dbt_build_alone"]["floor_seconds"] == stages["dbt_build"]["floor_seconds"]
    assert stages["quality_alone"]["floor_seconds"] == stages["quality"]["floor_seconds"]
    assert stages["quality.wait"]["seconds"] >= 0 and stages["publish.bi"]["seconds"] > 0
    # the next night: one export delivered again into the published warehouse; it builds (its seeds
    # standing) and publishes, and the re-delivered file is gone from the inbox again
    assert stages["nightly_next"]["seconds"] > 0 and stages["next.dbt_build"]["seconds"] > 0
    assert stages["next.ingest"]["seconds"] > 0 and stages["nightly_next"]["floor_seconds"] is None
    assert not list((tmp_path / "work" / "inbox").glob("*_redelivered*"))
    assert "nightly_total" in done.stdout  # the printed table
