"""A delivered file's identity, keyed: ``HMAC-SHA256(key, "file:" || sha256 of its bytes)``.

Why keyed: a one-row delta file (a header and one row) whose other values the warehouse holds is
named by its plain sha256: hash the row's text with each of the ~40 million plausible personnummer
and the one that gives the stored digest is the person's. The keyed identity needs the
pseudonymisation key, like every pseudonym. It is what ``audit.loaded_files.sha256`` holds (the
column keeps its name), what names the archive's Parquet files (``<source>/<identity>.parquet``) and
keys its manifest lines; re-delivery (the same bytes again are ``skipped``), the rejected-before map,
retention and backup compare identities. The sha256 of the file is computed in memory only.

Warehouses and archives from before hold the plain sha256 ``d``; since the identity is a function
of ``d``, they are migrated without the files: every ``d`` becomes ``HMAC(key, "file:" || d)``. Each
run does so first, under the run lock, idempotently:

1. the archive (:func:`migrate_archive`): every Parquet file of a manifest line without
   ``"file_identity"`` is hard-linked (else copied) to its new name; then the manifest is rewritten
   at once (a temporary file, fsync, rename), every line marked; only then are the old names
   removed. Killed before the rename, the old manifest still names the old files, which are all
   there (the new names are files no line names: ignored, and linked again); killed after it, the
   new manifest names the new files, and the old names left over are removed by the next run
   (:func:`remove_leftovers`). No moment names a file that is not there.
2. the warehouse (:func:`migrate_working_copy`): in the run's working copy, in one transaction, the
   digests are mapped and ``audit.warehouse_meta`` gets its ``file_identity`` row (a new warehouse
   gets it when its tables are created); then the copy is written anew, table by table, since
   DuckDB leaves an updated value's old bytes in the file's free blocks (the plain digests were
   found there). The run publishes it with the rest. Until then the
   published warehouse holds plain digests, and :meth:`Archive.sync_from` maps them before it
   compares them with the (keyed) archive.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from indicators import keycheck, private, warehouse
from indicators.faults import checkpoint
from indicators.history import _fsync
from indicators.identity import Pseudonymiser

NAME = "file_identity"  # the audit.warehouse_meta row, the manifest lines' field
FORM = "hmac-sha256(key, 'file:' || sha256)"
RECORD = "file_identity.json"  # beside the archive: when its names were migrated
_HEX64 = re.compile(r"[0-9a-f]{64}")


def marked(con) -> bool:
    """Does this warehouse hold keyed file identities (its ``file_identity`` row)?"""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' and table_name = 'warehouse_meta'"
    ).fetchone()[0]
    return bool(exists) and bool(
        con.execute("select count(*) from audit.warehouse_meta where name = ?", [NAME]).fetchone()[0]
    )


def published_keyed(path: Path) -> bool:
    """Does the published warehouse hold keyed identities (True too when it cannot be opened: the
    run says why elsewhere)?"""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return True
    try:
        return marked(con)
    finally:
        con.close()


def mark(con, run_id: str) -> None:
    con.execute(
        "insert or ignore into audit.warehouse_meta values (?, ?, ?, ?)",
        [NAME, FORM, run_id, dt.datetime.now().replace(microsecond=0)],
    )


def migrate_working_copy(work: Path, key: bytes, run_id: str, progress: Callable[[str], None]) -> int | None:
    """:func:`migrate_warehouse` on a run's working copy, which is then written anew (a file without
    the old digests' bytes); None: nothing to do."""
    con = warehouse.connect(work)
    try:
        mapped = migrate_warehouse(con, Pseudonymiser(key), run_id)
    finally:
        con.close()
    if mapped is not None:
        warehouse.rewrite(work)
        progress(f"audit.loaded_files: {mapped} files' sha256 replaced by their keyed identity (once)")
    return mapped


def migrate_warehouse(con, pseudonymiser: Pseudonymiser, run_id: str) -> int | None:
    """Map every stored plain digest to its keyed identity, once; returns the rows mapped (None: done
    before, or no warehouse yet: a new one is marked when its tables are created). One transaction:
    the rows and the marker together, or neither."""
    has_files = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' and table_name = 'loaded_files'"
    ).fetchone()[0]
    if not has_files or marked(con):
        return None
    con.execute(
        f"create table if not exists audit.warehouse_meta ({warehouse.AUDIT_TABLES['warehouse_meta']})"
    )
    con.execute("begin transaction")
    try:
        count = con.execute("select count(*) from audit.loaded_files where sha256 <> ''").fetchone()[0]
        con.execute(
            f"update audit.loaded_files set sha256 = {pseudonymiser.sql_file_identity('sha256')} "
            "where sha256 <> ''",
            pseudonymiser.sql_params,
        )
        mark(con, run_id)
        con.execute("commit")
    except BaseException:
        with contextlib.suppress(Exception):
            con.execute("rollback")
        raise
    return count


def _entry(line: str) -> dict | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("sha256"), str) else None


def _link(old: Path, new: Path) -> None:
    """``new`` becomes the file ``old`` is (a hard link; a copy where links are not possible)."""
    partial = new.with_name(new.name + ".migrating")
    partial.unlink(missing_ok=True)
    try:
        os.link(old, partial)
    except OSError:
        shutil.copyfile(old, partial)
        _fsync(partial)
    os.replace(partial, new)


def migrate_archive(archive, key: bytes, run_id: str, progress: Callable[[str], None]) -> int:
    """Give every archived file of the old form its keyed name (see the module's text); returns the
    manifest lines migrated (0: nothing to do). A torn line is kept as it is (the run reports it)."""
    pseudonymiser = Pseudonymiser(key)
    if not archive.manifest.exists():
        return 0
    lines = archive.manifest.read_bytes().decode("utf-8", errors="replace").splitlines()
    old_form = [(n, e) for n, line in enumerate(lines) if (e := _entry(line)) and e.get(NAME) != FORM]
    if not old_form:
        remove_leftovers(archive, pseudonymiser, progress)
        return 0
    keycheck.verify(archive.root, key)  # mapped under another key, nothing matches
    moves: list[tuple[Path, Path]] = []
    for number, entry in old_form:
        keyed = pseudonymiser.file_identity(entry["sha256"])
        new = entry | {"sha256": keyed, NAME: FORM}
        if isinstance(entry.get("loaded_file"), dict):
            new["loaded_file"] = entry["loaded_file"] | {"sha256": keyed}
        for part in ("rows", "quarantine"):
            item = entry.get(part)
            if item:
                path = Path(item["path"])
                new[part] = item | {"path": str(path.with_name(f"{keyed}.parquet"))}
                moves.append((archive.root / path, archive.root / new[part]["path"]))
        lines[number] = json.dumps(new, sort_keys=True, default=str)
    for old, new in moves:
        if old.exists():
            _link(old, new)
    for folder in {new.parent for _, new in moves}:
        _fsync(folder)
    checkpoint("archive_linked")  # a test stops the run here: the old manifest, both names
    partial = archive.manifest.with_name(archive.manifest.name + ".migrating")
    with private.open_file(partial, "w") as handle:
        handle.writelines(line + "\n" for line in lines)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, archive.manifest)
    _fsync(archive.root)
    checkpoint("archive_renamed")  # a test stops the run here: the new manifest, old names left over
    for old, new in moves:
        if new.exists():
            old.unlink(missing_ok=True)
    private.write_text(
        archive.root / RECORD,
        json.dumps(
            {
                "form": FORM,
                "migrated_by_run": run_id,
                "migrated_at": dt.datetime.now().replace(microsecond=0).isoformat(),
                "lines": len(old_form),
            }
        )
        + "\n",
    )
    progress(
        f"archive: {len(old_form)} files renamed to their keyed identity (the plain sha256 of an export is "
        "no longer stored); audit.loaded_files follows in this run's working copy"
    )
    return len(old_form)


def remove_leftovers(archive, pseudonymiser: Pseudonymiser, progress: Callable[[str], None]) -> int:
    """Remove the old names a migration killed after its manifest was written left behind: a Parquet
    file no manifest line names, whose name's keyed identity a line names (a file of its own there)."""
    named = {
        archive.root / entry[part]["path"]
        for entry in archive.entries().values()
        for part in ("rows", "quarantine")
        if entry.get(part)
    }
    removed = 0
    for path in sorted(archive.root.glob("*/*.parquet")) + sorted(
        archive.root.glob("_quarantine/*/*.parquet")
    ):
        if path in named or not _HEX64.fullmatch(path.stem):
            continue
        keyed = path.with_name(f"{pseudonymiser.file_identity(path.stem)}.parquet")
        if keyed in named and keyed.exists():
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        progress(
            f"archive: {removed} files left under their plain sha256 by an interrupted migration removed"
        )
    return removed
