"""The publication history beside the raw archive, so that a rebuild gives it back.

The raw archive (:mod:`indicators.archive`) holds what was loaded; the history of what was
*published* lives only in the warehouse: ``audit.published_values`` (the values each publish
published, behind ``marts.indicator_revisions`` and ``--as-of``), ``audit.pipeline_runs`` and
``audit.dq_results`` (the run history). After each publish every run of these tables the archive
lacks is written as Parquet to ``<archive>/_history/<table>/<run id>.parquet`` (a temporary name,
fsync, rename; a file once written is never rewritten), so a crash between the publish and this
step is made good by the next publish (the files are written from the working copy before the
publish, under temporary names, and renamed after it). ``indicators rebuild`` loads them back into the empty working
copy before it builds, so the rebuilt warehouse has the revisions and the runs it had.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from indicators import private

FOLDER = "_history"
TABLES = ("published_values", "pipeline_runs", "dq_results")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def stage(con: duckdb.DuckDBPyConnection, archive_root: Path) -> list[tuple[Path, Path]]:
    """Write every run of the history tables the archive lacks, from the working copy about to be
    published, under temporary names; :func:`commit` renames them once the publish is done."""
    staged = []
    for table in TABLES:
        folder = archive_root / FOLDER / table
        have = {path.stem for path in folder.glob("*.parquet")} if folder.exists() else set()
        runs = {row[0] for row in con.execute(f"select distinct run_id from audit.{table}").fetchall()}
        for run_id in sorted(runs - have):
            private.mkdir(folder)
            temporary = folder / f".{run_id}.parquet.tmp"
            con.execute(
                f"copy (select * from audit.{table} where run_id = {_literal(run_id)}) "
                f"to {_literal(str(temporary))} (format parquet)"
            )
            _fsync(temporary)
            staged.append((temporary, folder / f"{run_id}.parquet"))
    return staged


def commit(staged: list[tuple[Path, Path]]) -> int:
    """Rename the staged files into place (after the publish); returns the files committed."""
    for temporary, target in staged:
        os.replace(temporary, target)
    for folder in {target.parent for _, target in staged}:
        _fsync(folder)
    return len(staged)


def discard(staged: list[tuple[Path, Path]]) -> None:
    """A run that did not publish leaves no history file."""
    for temporary, _ in staged:
        temporary.unlink(missing_ok=True)


def restore(con: duckdb.DuckDBPyConnection, archive_root: Path) -> dict[str, int]:
    """Load the archived history into the (empty) audit tables; returns the rows per table."""
    counts = {}
    for table in TABLES:
        files = sorted((archive_root / FOLDER / table).glob("*.parquet"))
        if not files:
            counts[table] = 0
            continue
        listed = ", ".join(_literal(str(path)) for path in files)
        before = con.execute(f"select count(*) from audit.{table}").fetchone()[0]
        con.execute(
            f"insert into audit.{table} by name select * from read_parquet([{listed}], union_by_name = true)"
        )
        counts[table] = con.execute(f"select count(*) from audit.{table}").fetchone()[0] - before
    return counts
