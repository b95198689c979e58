"""dbt unit tests (given rows -> expected rows) for the indicator logic, run against an empty warehouse.

The nightly leaves them out (they test SQL, not the night's data); this runs every one of them.
"""

from __future__ import annotations

import duckdb
import pytest

from indicators import transform
from indicators.config import load_settings
from indicators.sources import load_sources
from indicators.warehouse import ensure_schema

pytestmark = pytest.mark.slow


def test_every_dbt_unit_test_passes(tmp_path):
    from dbt.adapters.duckdb import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    settings = load_settings().with_paths(warehouse=tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(settings.warehouse))
    ensure_schema(con, load_sources(settings.pipelines_dir))
    con.close()

    import os

    os.environ["INDICATORS_DBT_DATABASE"] = str(settings.warehouse)
    runner = dbtRunner()
    try:
        base = transform.dbt_args("run", settings)[1:]
        # one invocation: the seeds, every model built empty (a unit test reads its parents' columns
        # from the warehouse) and the unit tests, each after its model's parents (dbt build's order;
        # the unit tests keep their given rows under --empty). Then the docs from that parse and
        # those relations: the models' SQL was compiled by the build, the docs need only the catalog
        outcome = runner.invoke(["build", "--empty", "--exclude-resource-type", "test", *base])
        docs = runner.invoke(["docs", "generate", "--no-compile", *base])
    finally:
        DuckDBConnectionManager.close_all_connections()
    built = outcome.result.results
    results = [r for r in built if str(r.node.resource_type) in ("unit_test", "NodeType.Unit")]
    failed = [(r.node.name, r.message) for r in results if str(r.status) not in ("pass", "TestStatus.Pass")]
    assert len(results) >= 12, [r.node.name for r in results]
    assert failed == []
    # a seed or model that failed to load or build (the old separate 'seed' and 'run --empty'); a
    # model whose unit test failed is skipped, with its children (named above)
    assert [r.node.name for r in built if str(r.status) not in ("success", "pass", "RunStatus.Success")] == []
    assert outcome.success
    # every model and column is documented in the YAML, and the docs site builds
    assert docs.success
    import json

    target = settings.warehouse.parent / "dbt" / "target"
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    undocumented = []
    for unique_id, node in catalog["nodes"].items():
        if not unique_id.startswith("model."):
            continue
        documented = manifest["nodes"][unique_id]
        if not documented.get("description"):
            undocumented.append(unique_id)
        for column in node["columns"]:
            described = documented["columns"].get(column) or documented["columns"].get(column.lower()) or {}
            if not described.get("description"):
                undocumented.append(f"{unique_id}.{column}")
    assert undocumented == []
