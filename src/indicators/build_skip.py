"""What a night's build may leave out, and when: the whole build (nothing new was loaded and the
project is unchanged, :func:`project_fingerprint`, and the date does not move the marts,
:func:`date_moved`), or only the seeds and their tests (:func:`seeds_standing`). The nightly
decides with these (``indicators.nightly.stages.dbt_build``); :mod:`indicators.transform` runs dbt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from indicators import academic
from indicators.config import Settings
from indicators.environment import run_date
from indicators.transform import dbt_vars

PROJECT_PARTS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "seeds",
    "macros",
    "tests/dbt",
    "expectations",
    "pipelines",
)


def project_fingerprint(settings: Settings) -> str:
    """A hash of everything that shapes the marts: dbt project files, suites, source specs and vars.

    When nothing new was loaded and this is unchanged, a rebuild would give the same marts.
    """
    # the run's date is not among them (an environment variable the SQL reads when compiled): whether
    # a new date changes the marts is the nightly's own check (date_moved), else every day would rebuild.
    # the versions of what loads the seeds are: another dbt, DuckDB or agate may type a seed's columns
    # otherwise (seeds_standing)
    digest = hashlib.sha256(json.dumps(dbt_vars(settings), sort_keys=True).encode())
    digest.update(" ".join(_dbt_versions()).encode())
    for part in PROJECT_PARTS:
        base = settings.root / part
        paths = (
            [base]
            if base.is_file()
            else sorted(p for p in base.rglob("*") if p.is_file())
            if base.exists()
            else []
        )
        for path in paths:
            digest.update(str(path.relative_to(settings.root)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _dbt_versions() -> tuple[str, ...]:
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for package in ("dbt-core", "dbt-duckdb", "duckdb", "agate", "indicators"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} -")
    return tuple(versions)


def seeds_standing(manifest, database: Path) -> tuple[int, int] | None:
    """(seeds, checks): the project's seeds and the data tests on them alone, which a build may leave
    as they are in ``database`` when they were loaded and checked by a publish of the same project
    (the caller knows that: the last publish's fingerprint, :func:`project_fingerprint`, is this
    one's). None, and the build loads them as always, unless every seed's table is there, every such
    test stops a publish when it fails (severity error, no threshold: so the publish that ran it
    passed it), and
    no test reads a seed and a model or a source together (leaving the seeds out would leave it out
    too).
    """
    import duckdb

    if manifest is None:
        return None
    nodes = manifest.nodes
    seeds = {uid: node for uid, node in nodes.items() if node.resource_type == "seed"}
    if not seeds:
        return None
    checks = 0
    for node in nodes.values():
        if node.resource_type != "test":
            continue
        parents = list(node.depends_on.nodes)  # models, seeds and sources (a test reading a source too)
        on_seeds = [uid for uid in parents if uid in seeds]
        if not on_seeds:
            continue
        if len(on_seeds) != len(parents) or str(node.config.severity).lower() != "error":
            return None
        # a threshold (error_if: ">10") lets a failing test pass as a warning, and the publish with it
        if (node.config.warn_if, node.config.error_if) != ("!= 0", "!= 0"):
            return None
        checks += 1
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error:
        return None
    try:
        tables = set(con.execute("select schema_name, table_name from duckdb_tables()").fetchall())
    finally:
        con.close()
    if any((node.schema, node.alias or node.name) not in tables for node in seeds.values()):
        return None
    return len(seeds), checks


def _year_mark(day: dt.date) -> tuple[int, bool]:
    """What of a (coverage end) date the marts depend on: its academic year's start and whether it
    is that year's last day (30 June: the year is then final)."""
    start = academic.start_year(day)
    return start, day == academic.last_day(start)


def date_moved(work: Path, today: dt.date | None = None) -> str | None:
    """Why the marts built for another day would differ today (None: they would not).

    Coverage is capped at the run's date (marts.source_coverage.run_date), so when nothing new
    arrives a result can still move with the date: the run's academic year changed, or a coverage
    end capped at the build's date would now fall in another year or reach the end of its year."""
    import duckdb

    today = today or run_date()
    con = duckdb.connect(str(work), read_only=True)
    try:
        try:
            rows = con.execute(
                "select source_name, coverage_end_date, run_date from marts.source_coverage"
            ).fetchall()
        except duckdb.Error:  # marts from before the column: rebuild once to record it
            return "the marts do not record the date they were built for"
    finally:
        con.close()
    built = max((row[2] for row in rows if row[2] is not None), default=None)
    if built is None:
        return None
    if _year_mark(built)[0] != _year_mark(today)[0]:
        return f"the run's academic year moved ({built} -> {today})"
    capped = sorted(name for name, end, _ in rows if end is not None and end >= built)
    if capped and _year_mark(built) != _year_mark(today):
        return f"coverage capped at {built} moves to {today} ({', '.join(capped)})"
    return None
