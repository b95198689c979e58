from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
# files written by a test are fresh: no settle wait unless a test asks for one (issue 19, item 6)
os.environ.setdefault("INDICATORS_SETTLE_SECONDS", "0")

TEST_KEY = "test-key-for-pseudonyms-0123456789"


@pytest.fixture(autouse=True)
def _grouped_on_one_worker(request):
    """Fail a distributed run whose ``xdist_group`` marks are lost (``--dist loadgroup``).

    A module's shared nightly is built once only if all its tests go to one worker. pytest 9.2
    renamed the attribute pytest-xdist 3.8 writes the group into, so the groups were silently
    dropped and both workers built every module's fixture (the suite's largest cost, unseen)."""
    config = request.config
    if not config.getoption("loadgroup", default=False) or not request.node.get_closest_marker("xdist_group"):
        return
    if "@" not in request.node.nodeid:
        pytest.fail(
            "pytest-xdist did not group this test (--dist loadgroup): this pytest and pytest-xdist "
            "do not work together; install the versions in constraints.txt (make install)"
        )


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv("INDICATORS_PSEUDONYMISATION_KEY", TEST_KEY)
    return TEST_KEY


@pytest.fixture
def settings_for(key_env):
    """Settings pointing at a given inbox and a warehouse in the test's tmp folder."""
    from indicators.config import load_settings

    def make(inbox: Path, warehouse: Path):
        return load_settings().with_paths(inbox=inbox, warehouse=warehouse)

    return make


@pytest.fixture
def ingest(settings_for, tmp_path):
    """Run the real ingest (no dbt, no GX) and return (outcome, warehouse path)."""
    from indicators import nightly

    def run(inbox: Path, warehouse: Path | None = None):
        warehouse = warehouse or tmp_path / "state" / "warehouse.duckdb"
        settings = settings_for(inbox, warehouse)
        outcome = nightly.run(settings, with_dbt=False, with_quality=False, stop_after="ingest", quiet=True)
        return outcome, warehouse

    return run


@pytest.fixture(scope="module")
def module_key():
    """A pseudonymisation key for a module's shared (module-scoped) nightly; restored afterwards."""
    import os

    saved = os.environ.get("INDICATORS_PSEUDONYMISATION_KEY")
    os.environ["INDICATORS_PSEUDONYMISATION_KEY"] = TEST_KEY
    yield TEST_KEY
    if saved is None:
        os.environ.pop("INDICATORS_PSEUDONYMISATION_KEY", None)
    else:
        os.environ["INDICATORS_PSEUDONYMISATION_KEY"] = saved


@pytest.fixture(scope="session")
def published_warehouse(tmp_path_factory):
    """``published_warehouse(seed)``: the published warehouse of one input, built once per session
    (per xdist worker) by a nightly without GX and shared read-only: ``"bundled"`` is samples/inbox,
    an int the generated sample of that seed. Mark the tests of one input with one ``xdist_group``
    (``--dist loadgroup``) so that one worker builds it."""
    import os

    from indicators import nightly
    from indicators.config import load_settings
    from indicators.sample import generate

    built: dict = {}

    def get(seed):
        if seed not in built:
            root = tmp_path_factory.mktemp(f"published_{seed}")
            inbox = Path(__file__).parents[1] / "samples" / "inbox"
            if seed != "bundled":
                inbox = root / "inbox"
                generate(inbox, scale=1, seed=seed)
            saved = os.environ.get("INDICATORS_PSEUDONYMISATION_KEY")
            os.environ["INDICATORS_PSEUDONYMISATION_KEY"] = TEST_KEY
            try:
                settings = load_settings().with_paths(
                    inbox=inbox, warehouse=root / "state" / "warehouse.duckdb"
                )
                outcome = nightly.run(settings, with_quality=False, quiet=True)
            finally:
                if saved is None:
                    os.environ.pop("INDICATORS_PSEUDONYMISATION_KEY", None)
                else:
                    os.environ["INDICATORS_PSEUDONYMISATION_KEY"] = saved
            assert outcome.published, (outcome.message, outcome.errors)
            built[seed] = settings.warehouse
        return built[seed]

    return get
