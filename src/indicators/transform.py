"""dbt, in-process: ``dbt build`` (seeds, models, tests, unit tests) against a working copy.

Running dbtRunner in this process saves the 3 s of interpreter and import start-up a subprocess
would cost. Afterwards every DuckDB connection dbt-duckdb kept open is closed, so the working
copy can be checkpointed and published.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from indicators import environment
from indicators.config import ConfigError, Settings
from indicators.environment import EXAMPLE_PLANS_ENV, RUN_DATE_ENV  # noqa: F401 - EXAMPLE_PLANS_ENV: importable here
from indicators.quality.results import DqResult

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DBT_VERSION_CHECK", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")


ENGINE, SUITE = "dbt", "dbt_build"  # a dbt test's row in audit.dq_results


@dataclass
class BuildResult:
    success: bool  # no model or seed failed and no error-severity test failed
    checks: list[DqResult] = field(default_factory=list)  # every dbt test, as a row of audit.dq_results
    failed_nodes: list[str] = field(default_factory=list)
    message: str | None = None
    failed_sql: dict[str, str] = field(default_factory=dict)  # a failed test's query, to show offending rows

    @property
    def warnings(self) -> list[DqResult]:
        return [c for c in self.checks if not c.success and c.severity == "warn"]

    @property
    def errors(self) -> list[DqResult]:
        return [c for c in self.checks if not c.success and c.severity == "error"]


def example_plans() -> bool:
    """The fictitious example plan beside the real ones (INDICATORS_EXAMPLE_PLANS, checked with the
    settings: a value that is neither true nor false stopped the run before it began)."""
    try:
        return environment.example_plans()
    except ConfigError:
        return False


def dbt_vars(settings: Settings) -> dict:
    return {
        "reference_day": settings.reference_day,
        "unknown_programme_error_pct": settings.unknown_programme_error_pct,
        "first_year": settings.first_year,
        "example_plans": example_plans(),
    }


def dbt_args(command: str, settings: Settings, without_seeds: bool = False) -> list[str]:
    """dbt arguments for a run; the database file comes from INDICATORS_DBT_DATABASE (see profiles.yml).

    ``without_seeds``: a build leaves the seeds and the tests on them alone (:func:`indicators.build_skip.seeds_standing`).
    """
    state = settings.work_dir.parent / "dbt"
    args = [
        command,
        "--project-dir",
        str(settings.root),
        "--profiles-dir",
        str(settings.root),
        "--target-path",
        str(state / "target"),
        "--log-path",
        str(settings.log_dir / "dbt"),
        "--vars",
        json.dumps(dbt_vars(settings)),
        # no console log at all: with --quiet alone dbt still formats every event as a line (its time
        # stamp, every environment variable searched for secrets) before dropping it below the error
        # level, about a tenth of a small build's time (2,766 lines on the bundled sample). Its
        # errors reach the run by the event callback (_Progress.errors), and failed nodes by the results
        "--quiet",
        "--log-level",
        "none",
    ]
    if command in ("build", "parse"):
        # dbt's own file log (debug level) off: a sixth of the build's Python time went to formatting
        # and writing its events; the run log is ours, and a build that fails without a failed node or check says dbt's error events
        args += ["--log-level-file", "none"]
    if command == "parse":
        args += ["--no-write-json"]  # the manifest comes back in process (partial parsing keeps its own file)
    if command == "build":
        # dbt unit tests pin the SQL logic, not the night's data: CI runs them (tests/integration/test_dbt_unit.py)
        args += ["--exclude-resource-type", "unit_test"]
        # seeds are recreated, not truncated and refilled: a seed whose columns changed (a new plan
        # column) would not load into last night's table (every model is a table or view anyway)
        args += ["--full-refresh"]
        # nothing reads target/manifest.json or run_results.json after a nightly's build (the results
        # come back in process); dbt would write the manifest between parsing and the first node
        # (0.2 s and 0.25 s of CPU on the bundled sample; partial parsing keeps its own file)
        args += ["--no-write-json"]
        if without_seeds:  # dbt's tests on a seed alone go with it (indirect selection)
            args += ["--exclude", "resource_type:seed"]
    return args


class _Progress:
    """dbt event callback: a progress line every ``every`` seconds while nodes finish."""

    def __init__(self, report, every: float = 5.0):
        self.report = report or (lambda _line: None)
        self.errors: list[str] = []  # dbt's error events: the message when nothing else explains a failure
        self.every = every
        self.done = 0
        self.total: int | None = None
        self.last = time.monotonic()

    def __call__(self, event) -> None:
        name = event.info.name
        if str(event.info.level) == "error" and event.info.msg:
            self.errors.append(str(event.info.msg).strip())
        if name == "ConcurrencyLine":  # "Concurrency: 2 threads" comes after the node count is known
            return
        if name == "FoundStats":
            self.report(f"dbt build: {event.data.stat_line}")
        elif name == "NodeFinished":
            self.done += 1
            if time.monotonic() - self.last >= self.every:
                self.last = time.monotonic()
                self.report(f"dbt build: {self.done} nodes done")


# The only debug-level event _Progress reads; dbt's other debug events (three per SQL statement:
# the query, its status, the connection) have no listener in a run: no log, and _Progress
_HEARD_DEBUG_EVENTS = frozenset({"NodeFinished"})
_EVENTS_LOCK = threading.Lock()


def _skip_unheard_debug_events() -> None:
    """dbt makes every event it fires into a protobuf message for its listeners (its time stamp, the
    node's details: about a tenth of the build's CPU on the bundled sample), also when none is
    there: the run turns dbt's logs off (:func:`dbt_args`) and listens only with :class:`_Progress`.
    A debug event is then dropped before that message is made, when dbt has no logger and every
    callback is a :class:`_Progress` (which reads no debug event but ``NodeFinished``) or dbt's own
    ``track_behavior_change_warn`` (which reads one warning); any other listener (a log, another
    callback: dbt run by hand in this process) gets every event as before.
    The events of other levels (the errors _Progress keeps, the warnings dbt may turn into errors)
    go on as dbt fires them. Installed once per process, on dbt's own event manager class."""
    from dbt.tracking import track_behavior_change_warn  # added by every dbtRunner invocation
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.event_manager import EventManager

    def deaf(callback) -> bool:
        return isinstance(callback, _Progress) or callback is track_behavior_change_warn

    with _EVENTS_LOCK:
        fire = EventManager.fire_event
        if getattr(fire, "skips_unheard_debug_events", False):
            return

        def fire_event(self, e, level=None, node=None, force_warn_or_error_handling=False):
            if (
                level is None
                and not force_warn_or_error_handling
                and not self.loggers
                and all(deaf(callback) for callback in self.callbacks)
                and type(e).__name__ not in _HEARD_DEBUG_EVENTS
                and e.level_tag() == EventLevel.DEBUG
            ):
                return None
            return fire(self, e, level, node, force_warn_or_error_handling)

        fire_event.skips_unheard_debug_events = True
        EventManager.fire_event = fire_event


class ParseAhead:
    """``dbt parse`` in a thread, started while the run still has other work to do.

    Importing dbt and parsing the project take about 3.5 s of one core on the bundled sample (the
    parse alone 2.6 s when dbt's partial-parse file is missing or stale: a fresh install, a changed
    project) and need no data. Started once the ingest is done, they run beside the archive and
    the GX worker's reading of the rows, which wait on DuckDB, not on the interpreter; the build
    then starts from the parsed manifest (``dbtRunner(manifest=...)``), which is how dbt's own
    documentation reuses a parse. A parse that fails leaves the build to parse (and report) itself.

    The process's next run reuses the manifest when nothing it was parsed from changed (see
    :func:`_parse_key`): a process that runs many nightlies (the test suite: each in a new state
    folder, where dbt's partial parsing starts from nothing, since its profile check includes the
    database's path) parses once.
    """

    def __init__(self, settings: Settings, database: Path):
        os.environ["INDICATORS_DBT_DATABASE"] = str(database)  # the profile names the file
        self.args = dbt_args("parse", settings)
        self.database = database
        self.key = _parse_key(settings, database)
        self._manifest = _kept_manifest(self.key)
        self._thread = None
        if self._manifest is None:
            self._thread = threading.Thread(target=self._parse, name="dbt-parse", daemon=True)
            self._thread.start()

    def _parse(self) -> None:
        try:
            from dbt.cli.main import dbtRunner

            _skip_unheard_debug_events()
            outcome = dbtRunner().invoke(self.args)
            if outcome.success:
                self._manifest = outcome.result
                _keep(self.key, outcome.result)
        except Exception:  # noqa: BLE001 - the build parses again and reports what is wrong
            self._manifest = None

    def manifest(self, database: Path):
        """The parsed manifest (waits for the parse), or None: failed, or parsed for another file."""
        if self._thread is not None:
            self._thread.join()
        return self._manifest if database == self.database else None


# The manifests parsed last in this process, most recent first, with what each was parsed from
# (ParseAhead). More than one: a process that runs nightlies of a few configurations in turn (the
# test suite: another run date, the demo's example plans) would otherwise parse again at each turn.
KEPT_PARSES = 4
_KEPT: list[tuple[tuple, object]] = []
# Read when the SQL is compiled, not when it is parsed (a select expression of
# marts.indicator_revisions; the run's date in macro run_date): a new run's id or date does not make
# a parse stale
COMPILED_ONLY_ENV = ("INDICATORS_RUN_ID", RUN_DATE_ENV)


def _parse_key(settings: Settings, database: Path) -> tuple:
    """What a parse depends on beside the variables dbt records in the manifest: the project's files
    (name, size, time modified), the vars, the environment variables ``dbt_project.yml`` reads (dbt
    checks those apart), and the database's name (the nodes' ``database``), not its folder."""
    files = []
    for folder in ("models", "macros", "seeds", "tests/dbt"):
        for path in sorted((settings.root / folder).rglob("*")):
            if path.is_file():
                stat = path.stat()
                files.append((str(path), stat.st_size, stat.st_mtime_ns))
    project = settings.root / "dbt_project.yml"
    stat = project.stat()
    files.append((str(project), stat.st_size, stat.st_mtime_ns))
    read = sorted(set(re.findall(r"env_var\(\s*['\"](\w+)['\"]", project.read_text(encoding="utf-8"))))
    environment = tuple((name, os.environ.get(name)) for name in read)
    return (
        str(settings.root),
        json.dumps(dbt_vars(settings), sort_keys=True),
        database.stem,
        tuple(files),
        environment,
    )


def _keep(key: tuple, manifest) -> None:
    """Keep ``manifest`` first, and at most :data:`KEPT_PARSES` in all (the least recently used go)."""
    _KEPT[:] = [(key, manifest), *((k, m) for k, m in _KEPT if k != key)][:KEPT_PARSES]


def _kept_manifest(key: tuple):
    """A manifest this process parsed, if it was parsed from ``key`` and the environment variables
    it read then still hold the values they had (it is then the most recently used)."""
    from dbt.constants import DEFAULT_ENV_PLACEHOLDER  # what dbt records for a variable not set

    for kept, manifest in _KEPT:
        if kept != key:
            continue
        for name, value in (getattr(manifest, "env_vars", None) or {}).items():
            if name not in COMPILED_ONLY_ENV and os.environ.get(name, DEFAULT_ENV_PLACEHOLDER) != value:
                return None
        _keep(key, manifest)
        return manifest
    return None


def forget_parse() -> None:
    """Drop the kept manifest: the next run parses (the bench's production night is a new process)."""
    _KEPT.clear()


def build(
    settings: Settings,
    database: Path,
    progress=None,
    parsed: ParseAhead | None = None,
    without_seeds: bool = False,
) -> BuildResult:
    """Run ``dbt build`` against ``database``; dbt's connections are closed on return.

    With ``parsed`` (a :class:`ParseAhead` for the same file) the build starts from its manifest;
    ``without_seeds``: the seeds and their tests are left as they are (:func:`indicators.build_skip.seeds_standing`).
    """
    from dbt.adapters.duckdb import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    manifest = parsed.manifest(database) if parsed is not None else None
    os.environ["INDICATORS_DBT_DATABASE"] = str(database)
    _skip_unheard_debug_events()
    watcher = _Progress(progress)
    try:
        outcome = dbtRunner(manifest=manifest, callbacks=[watcher]).invoke(
            dbt_args("build", settings, without_seeds)
        )
    finally:
        DuckDBConnectionManager.close_all_connections()
    if outcome.exception is not None and outcome.result is None:
        return BuildResult(False, message=f"dbt could not run: {outcome.exception}")
    built = _collect(outcome.result, outcome.success)
    if not built.success and not built.failed_nodes and not built.errors and watcher.errors:
        built.message = "dbt build did not succeed: " + "; ".join(watcher.errors[:3])
    return built


def _collect(execution, success: bool) -> BuildResult:
    checks: list[DqResult] = []
    failed_nodes: list[str] = []
    failed_sql: dict[str, str] = {}
    for result in getattr(execution, "results", []) or []:
        node = result.node
        status = str(result.status.value if hasattr(result.status, "value") else result.status)
        if node.resource_type in ("test", "unit_test"):
            severity = str(getattr(node.config, "severity", "error")).lower()
            passed = status == "pass"
            if status == "warn":
                severity = "warn"
            checks.append(
                DqResult(
                    engine=ENGINE,
                    suite_name=SUITE,
                    check_name=node.name,
                    table_name=_tested_table(node),
                    severity="warn" if severity == "warn" else "error",
                    success=passed,
                    observed_value=None,
                    failing_count=getattr(result, "failures", None),
                    details=None if passed else (result.message or status),
                )
            )
            if not passed and getattr(node, "compiled_code", None):
                failed_sql[node.name] = node.compiled_code
        elif (contract := _contract_check(node, status, result.message)) is not None:
            checks.append(contract)
            if (
                not contract.success
                and (violations := _violations_sql(node))
                and "Constraint Error" in (result.message or "")
            ):
                failed_sql[contract.check_name] = violations
        elif status in ("error", "skipped") and node.resource_type in ("model", "seed", "snapshot"):
            failed_nodes.append(f"{node.resource_type} {node.name}: {result.message or status}")
    errors = [c for c in checks if not c.success and c.severity == "error"]
    ok = success and not failed_nodes and not errors  # dbt says success=False when a check could not even run
    return BuildResult(ok, checks, failed_nodes, failed_sql=failed_sql)


def _contract_check(node, status: str, message: str | None) -> DqResult | None:
    """A model's enforced contract as one check: passed when its table was built (DuckDB enforced
    every constraint while inserting), failed when a constraint or the column contract stopped it.

    None for a model without a contract, and for one that was skipped or failed otherwise: those
    stay failed nodes. A failed constraint carries a query for the rows that break it, so the run
    can show a few of them, as it does for a failed test.
    """
    contract = getattr(node.config, "contract", None)
    if node.resource_type != "model" or not (contract and contract.enforced):
        return None
    broken = (
        status == "error"
        and bool(message)
        and ("Constraint Error" in message or "enforced contract" in message)
    )
    if status != "success" and not broken:
        return None
    return DqResult(
        engine=ENGINE,
        suite_name=SUITE,
        check_name=f"contract_{node.name}",
        table_name=node.name,
        severity="error",
        success=not broken,
        observed_value=None,
        failing_count=None,
        details=message if broken else None,
    )


def _violations_sql(node) -> str | None:
    """The rows of a model's own query that break one of its contract's constraints."""
    conditions: list[str] = []
    keys: list[list[str]] = []

    def add(kind: str, columns: list[str], expression: str | None) -> None:
        if kind == "not_null":
            conditions.extend(f"{column} is null" for column in columns)
        elif kind == "check" and expression:
            conditions.append(f"not ({expression})")
        elif kind in ("primary_key", "unique"):
            keys.append(columns)
            if kind == "primary_key":
                conditions.extend(f"{column} is null" for column in columns)

    for constraint in getattr(node, "constraints", None) or []:
        add(str(constraint.type.value), list(constraint.columns or []), constraint.expression)
    for name, column in (getattr(node, "columns", None) or {}).items():
        for constraint in column.constraints or []:
            add(str(constraint.type.value), [name], constraint.expression)
    conditions.extend(f"count(*) over (partition by {', '.join(key)}) > 1" for key in keys)
    code = getattr(node, "compiled_code", None)
    if not conditions or not code:
        return None
    clause = "qualify" if keys else "where"  # duplicates need a window; qualify needs one
    return f"select * from ({code}) as model_rows {clause} " + " or ".join(f"({c})" for c in conditions)


def _tested_table(node) -> str | None:
    attached = getattr(node, "attached_node", None)
    if attached:
        return attached.split(".")[-1]
    refs = getattr(node, "refs", None) or []
    if refs:
        first = refs[0]
        return getattr(first, "name", None) or (first[0] if isinstance(first, list | tuple) else str(first))
    return None


def offending_examples(con, sql: str, limit: int = 5) -> str | None:
    """A few rows a failed test returned, as ``col=value`` text; columns holding pseudonyms are left out.
    The first rows by value (every column, in order): any ``limit`` rows would be DuckDB's choice,
    another on each run of the same rows."""
    try:
        cursor = con.execute(f"select * from ({sql}) as failing order by all limit {limit}")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    except Exception:  # noqa: BLE001 - examples are a courtesy; the check's result stands without them
        return None
    shown = []
    for row in rows:
        pairs = [
            f"{name}={value}"
            for name, value in zip(names, row, strict=True)
            if not (
                isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
            )
            and not name.endswith(("student_id", "staff_id", "teacher_ids", "person_id"))
        ]
        shown.append(", ".join(pairs))
    return "; ".join(f"({row})" for row in shown) or None
