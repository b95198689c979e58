"""How the nightly invokes dbt (``indicators.transform``): its arguments."""

from __future__ import annotations

from indicators import transform
from indicators.config import load_settings


def test_the_nightly_build_writes_no_json_and_leaves_the_unit_tests_to_ci(tmp_path):
    settings = load_settings().with_paths(warehouse=tmp_path / "warehouse.duckdb")
    build = transform.dbt_args("build", settings)
    assert build[0] == "build"
    assert "--no-write-json" in build and "--full-refresh" in build
    assert build[build.index("--exclude-resource-type") + 1] == "unit_test"
    # no console logger (its lines were formatted and then dropped), no file log: the run log is ours
    assert (
        build[build.index("--log-level") + 1] == "none"
        and build[build.index("--log-level-file") + 1] == "none"
    )
    # the other commands (CI's seed, run, test, docs) keep dbt's artefacts
    assert "--no-write-json" not in transform.dbt_args("run", settings)
