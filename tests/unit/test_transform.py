"""How the nightly invokes dbt (``indicators.transform``): its arguments, and dbt imported ahead."""

from __future__ import annotations

import subprocess
import sys

from indicators import transform
from indicators.config import load_settings


def test_the_nightly_build_writes_no_json_and_leaves_the_unit_tests_to_ci(tmp_path):
    settings = load_settings().with_paths(warehouse=tmp_path / "warehouse.duckdb")
    build = transform.dbt_args("build", settings)
    assert build[0] == "build"
    assert "--no-write-json" in build and "--full-refresh" in build
    assert build[build.index("--exclude-resource-type") + 1] == "unit_test"
    # the other commands (CI's seed, run, test, docs) keep dbt's artefacts
    assert "--no-write-json" not in transform.dbt_args("run", settings)


def test_preload_imports_dbt_in_a_background_thread():
    code = (
        "import sys\n"
        "from indicators import transform\n"
        "assert 'dbt.cli.main' not in sys.modules\n"
        "transform.preload()\n"
        "assert transform._importing.name == 'dbt-import' and transform._importing.daemon\n"
        "transform._importing.join(120)\n"
        "assert 'dbt.cli.main' in sys.modules and 'dbt.adapters.duckdb' in sys.modules\n"
        "first = transform._importing\n"
        "transform.preload()\n"
        "assert transform._importing is first  # once per process\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
