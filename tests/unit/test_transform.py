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


def test_dbt_makes_no_message_of_a_debug_event_that_only_the_progress_callback_would_get():
    """dbt turned every event into a protobuf message for its listeners, also the three debug
    events per SQL statement that nobody in a run hears (its logs are off, _Progress reads only
    NodeFinished); they are now dropped first. Anyone else still gets every event."""
    from dbt.adapters.events.types import SQLQuery
    from dbt.events.types import MainEncounteredError, NodeFinished
    from dbt.tracking import track_behavior_change_warn
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.event_manager import EventManager
    from dbt_common.events.types import Note

    transform._skip_unheard_debug_events()

    class Heard(transform._Progress):
        def __init__(self):
            super().__init__(None)
            self.names = []

        def __call__(self, event):
            self.names.append(event.info.name)
            super().__call__(event)

    query = SQLQuery(conn_name="model.indicators.academic_years", sql="select 1", node_info={})
    ours, manager = Heard(), EventManager()
    manager.add_callback(ours)
    manager.add_callback(track_behavior_change_warn)  # as every dbtRunner invocation adds it
    manager.fire_event(query)  # debug: dropped
    manager.fire_event(NodeFinished(node_info={}, run_result={}))  # debug, counted by _Progress
    manager.fire_event(MainEncounteredError(exc="boom"))  # an error: _Progress keeps its message
    manager.fire_event(Note(msg="a note"))  # info
    manager.fire_event(query, level=EventLevel.INFO)  # a level given: dbt's choice stands
    assert ours.names == ["NodeFinished", "MainEncounteredError", "Note", "SQLQuery"]
    assert ours.done == 1 and ours.errors == ["Encountered an error:\nboom"]

    # another listener beside ours (dbt run by hand in this process) gets every event, as before
    anyone: list[str] = []
    manager.add_callback(lambda event: anyone.append(event.info.name))
    manager.fire_event(query)
    assert anyone == ["SQLQuery"] and ours.names[-1] == "SQLQuery"


def test_a_failed_checks_examples_are_its_first_rows_by_value_so_two_nights_name_the_same():
    """The examples after "e.g." were any five rows of the failed test's: two nightlies of the same
    inbox named different programme codes for assert_no_unknown_programme_codes."""
    import duckdb

    con = duckdb.connect()
    sql = (
        "select * from (values ('VGSJ2', '2022/23', 12), ('MAMED', '2018/19', 6), ('VGLOG', '2013/14', 6), "
        "('MAMED', '2013/14', 6)) as t(source_programme_code, academic_year, mobilities)"
    )
    assert transform.offending_examples(con, sql, limit=2) == (
        "(source_programme_code=MAMED, academic_year=2013/14, mobilities=6); "
        "(source_programme_code=MAMED, academic_year=2018/19, mobilities=6)"
    )
