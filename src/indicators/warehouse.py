"""The DuckDB warehouse file: schemas, audit tables, working copies, atomic publish, the run lock.

One writer at a time builds a *working copy* of the published file; only when every error-level
check passed is the copy swapped in with ``os.replace`` (atomic on POSIX). Analysts open the
published file read-only: readers already connected keep their snapshot, new readers see the new
file, and nobody ever sees half a build.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import math
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from indicators import private
from indicators.environment import (  # MEMORY_LIMIT_ENV: defined and checked there
    MEMORY_LIMIT_ENV,
    storage_version,
)
from indicators.sources import METADATA_COLUMNS, SourceSpec

AUDIT_TABLES = {
    "loaded_files": """
        file_id bigint primary key,
        run_id varchar not null,
        file_name varchar not null,
        source varchar,
        sha256 varchar not null,
        size_bytes bigint,
        status varchar not null check (status in ('loaded', 'skipped', 'rejected', 'unmatched')),
        reason varchar,
        rows_read bigint,
        rows_loaded bigint,
        rows_quarantined bigint,
        rows_collapsed bigint,
        ignored_columns varchar,
        file_modified_at timestamp,
        loaded_at timestamp not null,
        extraction_date date
    """,
    "quarantine": """
        run_id varchar not null,
        file_id bigint not null,
        file_name varchar not null,
        source varchar not null,
        row_number bigint not null,
        business_key varchar,
        reason varchar not null,
        quarantined_at timestamp not null
    """,
    "pipeline_runs": """
        run_id varchar primary key,
        started_at timestamp not null,
        finished_at timestamp,
        status varchar not null,
        files_seen bigint,
        files_loaded bigint,
        rows_loaded bigint,
        rows_quarantined bigint,
        warnings bigint,
        errors bigint,
        message varchar,
        build_fingerprint varchar
    """,
    # what each publish published (only what changed since the previous publish): see indicators.published
    "published_values": """
        run_id varchar not null,
        published_at timestamp not null,
        indicator_id varchar not null,
        academic_year varchar not null,
        programme_code varchar,
        dimension varchar,
        dimension_value varchar,
        value double,
        numerator double,
        denominator double,
        unit varchar,
        obs_status varchar,
        is_removed boolean not null
    """,
    # facts about the warehouse itself, one row each: ``file_identity`` says that loaded_files.sha256
    # holds the keyed identity of each file, since when (indicators.fileid)
    "warehouse_meta": """
        name varchar primary key,
        value varchar not null,
        run_id varchar,
        recorded_at timestamp not null
    """,
    "dq_results": """
        run_id varchar not null,
        engine varchar not null,
        suite_name varchar not null,
        check_name varchar not null,
        table_name varchar,
        severity varchar not null,
        success boolean not null,
        observed_value varchar,
        failing_count bigint,
        details varchar,
        checked_at timestamp not null
    """,
}


RUN_MEMORY_LIMIT_ENV = "INDICATORS_DUCKDB_RUN_MEMORY_LIMIT"  # what a run chose from its raw rows
BYTES_PER_RAW_ROW = 160  # DuckDB's memory for the build, per raw row (see memory_limit_for)
MEMORY_STEP = 512 * 2**20  # the build's memory limit is a multiple of this, up to 4 GiB

# The storage format the warehouse file is written in: DuckDB 2.0's own (header version 69) is
# unreadable by every 1.x client (1.5.x reads 64-68), which is what analysts' CLIs, DBeaver's driver
# and notebooks still run. A file created with this setting keeps that format for its whole life.
# INDICATORS_STORAGE_VERSION=latest: DuckDB 2.0's own format (no 1.x client can open the file then).
READABLE_BY_1X = range(64, 69)  # the header versions DuckDB 1.5.x opens


def memory_limit() -> str:
    """DuckDB's memory limit: the one set by hand, else the one this run chose, else 4 GiB."""
    return os.environ.get(MEMORY_LIMIT_ENV) or os.environ.get(RUN_MEMORY_LIMIT_ENV) or "4GiB"


def memory_limit_for(con: duckdb.DuckDBPyConnection) -> str:
    """The memory DuckDB gets for the build: 160 bytes a raw row, rounded up to a multiple of 512 MiB,
    from 512 MiB to 4 GiB.

    DuckDB spills most operators to disk, not all: with 1.5 GB the build of 17 million raw rows ran
    out of memory (in int_student_indicators_computed: distinct persons over grouping sets), with
    3 GiB it passed. A fixed 4 GiB let DuckDB's cache grow beside the GX worker to 2.6 GB at 1.8
    million rows; there 512 MiB builds in the same time as 1 GiB (22.2 s against 22.3 s, bench scale
    100) and the nightly and its GX worker together peaked at 1,685 MB against 2,013-2,164 MB.
    Steps of 512 MiB keep the profile, and dbt's partial parse, the same from one night to the next.
    """
    rows = con.execute(
        "select coalesce(sum(estimated_size), 0) from duckdb_tables() where schema_name = 'raw'"
    ).fetchone()[0]
    return _in_steps(min(8, max(1, math.ceil(rows * BYTES_PER_RAW_ROW / MEMORY_STEP))))


def _in_steps(steps: int) -> str:
    """``steps`` times 512 MiB as DuckDB reads it: whole GiB where it is, else MiB."""
    return f"{steps // 2}GiB" if steps % 2 == 0 else f"{steps * MEMORY_STEP // 2**20}MiB"


def reading_memory_limit() -> str:
    """DuckDB's limit for the GX worker's reading of the archive, which runs beside the build: half
    the run's limit in steps of 512 MiB, at least 512 MiB (a limit set by hand is kept as it is).

    With the build's own 3 GiB at scale 1000 the worker peaked at 3.5 GB while the build's process
    held 5.5 GB: together 6.7 GB, above the 6 GiB the nightly must stay under. With half, the worker
    peaked at 2.0 GB and both together at 5.5 GB (bench scale 1000); its reading (current-row SQL
    written to Parquet) spills, and GX took 280 s instead of 241 s, beside a 208 s build."""
    if os.environ.get(MEMORY_LIMIT_ENV):
        return memory_limit()
    chosen = re.fullmatch(r"(\d+)(GiB|MiB)", memory_limit())
    if chosen is None:  # not a limit a run writes
        return memory_limit()
    mib = int(chosen[1]) * (1024 if chosen[2] == "GiB" else 1)
    return _in_steps(max(1, mib * 2**20 // MEMORY_STEP // 2))


def connect(path: Path, read_only: bool = False, sandbox: bool = False) -> duckdb.DuckDBPyConnection:
    """``sandbox`` (``indicators sql``): read-only, no file, network or extension access beyond the
    warehouse itself (no COPY TO, ATTACH, read_csv of another file), and no SET can undo it."""
    if (read_only or sandbox) and not path.exists():
        raise FileNotFoundError(f"no published warehouse at {path}: run `indicators nightly` first")
    config = {
        "memory_limit": memory_limit(),
        # a file created by this connection is written for 1.5.x clients (an existing file keeps its own)
        "storage_compatibility_version": storage_version(),
        "preserve_insertion_order": False,  # nothing reads raw rows in insertion order; inserts go faster
    }
    if sandbox:
        read_only = True
        # the Python objects in scope are no tables either; the lock comes last, after the rest is set
        config |= {
            "enable_external_access": False,
            "python_enable_replacements": False,
            "lock_configuration": True,
        }
    return duckdb.connect(str(path), read_only=read_only, config=config)


def ensure_schema(con: duckdb.DuckDBPyConnection, specs: list[SourceSpec]) -> None:
    """Create the raw and audit schemas and tables; add columns a newer source spec introduced."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists audit")
    fresh = not con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' and table_name = 'loaded_files'"
    ).fetchone()[0]
    for name, columns in AUDIT_TABLES.items():
        con.execute(f"create table if not exists audit.{name} ({columns})")
    con.execute("create sequence if not exists audit.file_id_seq start 1")
    con.execute("alter table audit.pipeline_runs add column if not exists build_fingerprint varchar")
    con.execute("alter table audit.loaded_files add column if not exists extraction_date date")
    if fresh:  # a new warehouse records keyed file identities from its first file: nothing to migrate
        from indicators import fileid

        fileid.mark(con, "created")
    for spec in specs:
        wanted = {f.name: f.sql_type for f in spec.fields} | METADATA_COLUMNS
        # a pseudonym is 64 random hex digits: compression cannot shrink it and analysing it for
        # compression cost a third of the load (measured at scale 100), so it is stored as is
        storage = {f.name: " using compression uncompressed" for f in spec.fields if f.personal}
        columns = ", ".join(
            f'"{name}" {sql_type}{storage.get(name, "")}' for name, sql_type in wanted.items()
        )
        con.execute(f'create table if not exists raw."{spec.name}" ({columns})')
        existing = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
                [spec.name],
            ).fetchall()
        }
        for name, sql_type in wanted.items():
            if name not in existing:
                con.execute(f'alter table raw."{spec.name}" add column "{name}" {sql_type}')


# --- working copy and publish ----------------------------------------------------------------


def prepare_working_copy(published: Path | None, work: Path) -> Path:
    """Copy the published file (if any; None: start empty) to ``work``; the copy is what a run writes to.

    A published file in DuckDB 2.0's format (from before :func:`indicators.environment.storage_version` was set) is copied
    database to database into a new file in that version instead, once: the next publish is readable
    by 1.5.x clients."""
    private.mkdir(work.parent)
    for stale in (work, work.with_name(work.name + ".wal")):
        stale.unlink(missing_ok=True)
    if published is not None and published.exists():
        if storage_version() == "latest" or storage_header(published) in READABLE_BY_1X:
            shutil.copyfile(published, work)
        else:
            _copy_into_storage_version(published, work)
    return work


def storage_header(path: Path) -> int | None:
    """The storage version number in a DuckDB file's header (after the checksum and ``DUCK``)."""
    with open(path, "rb") as handle:
        head = handle.read(20)
    if len(head) < 20 or head[8:12] != b"DUCK":
        return None
    return int.from_bytes(head[12:20], "little")


def _copy_into_storage_version(published: Path, work: Path) -> None:
    con = duckdb.connect(config={"memory_limit": memory_limit()})
    try:
        con.execute("attach ? as source (read_only)", [str(published)])
        con.execute(f"attach ? as target (storage_version '{storage_version()}')", [str(work)])
        con.execute("copy from database source to target")
        con.execute("detach target")
    finally:
        con.close()


def rewrite(path: Path) -> None:
    """Write a closed warehouse file anew, table by table: the new file holds only the live rows
    (an updated or deleted value's old bytes stay in a file's free blocks)."""
    fresh = path.with_name(path.name + ".rewrite")
    fresh.unlink(missing_ok=True)
    try:
        _copy_into_storage_version(path, fresh)
        os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)


def publish(work: Path, published: Path) -> None:
    """Atomically replace the published file by the (closed, checkpointed) working copy."""
    if work.with_name(work.name + ".wal").exists():
        raise RuntimeError(f"{work} still has a write-ahead log: close the connection before publishing")
    private.mkdir(published.parent)
    with open(work, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(work, published)
    dir_fd = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# --- one run at a time -----------------------------------------------------------------------


class LockBusy(Exception):
    """Another run holds the lock (the message names it)."""


@dataclass
class LockInfo:
    pid: int | None
    run_id: str | None
    started_at: str | None
    stale: bool  # the recorded holder is gone: a killed run left the lock file behind


def _read_lock(path: Path) -> dict:
    try:
        return json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}


def process_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return True


@contextlib.contextmanager
def run_lock(path: Path, run_id: str, wait_seconds: float = 0.0) -> Iterator[LockInfo]:
    """An exclusive ``flock`` on ``path``; the kernel drops it when the holder dies (even kill -9).

    Yields what the lock file said about the previous holder, so a run killed earlier is reported.
    """
    private.mkdir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, private.FILE_MODE)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _read_lock(path)
                    raise LockBusy(
                        f"another run is in progress (run {holder.get('run_id', '?')}, pid {holder.get('pid', '?')}, "
                        f"started {holder.get('started_at', '?')}); try again later or use --wait SECONDS"
                    ) from None
                time.sleep(0.2)
        previous = _read_lock(path)
        info = LockInfo(
            pid=previous.get("pid"),
            run_id=previous.get("run_id"),
            started_at=previous.get("started_at"),
            stale=bool(previous) and not process_alive(previous.get("pid")),
        )
        record = {"pid": os.getpid(), "run_id": run_id, "started_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        os.fsync(fd)
        yield info
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the flock


# --- is the published file whole? --------------------------------------------------------------


def check_published(path: Path) -> str | None:
    """Why the published file is damaged, or None when it opens read-only and every table reads back
    whole (every column of every row: DuckDB checks each block's checksum). On the bundled sample's
    warehouse, 4 KB overwritten at 10 %, 20 %, … 90 % of the file was found at 8 of the 9 places (the
    other was not in use); 0.07 s there, 0.35-0.4 s at scale 100."""
    if not path.exists():
        return None
    try:
        # DuckDB's defaults, as an analyst's connection: this process may hold one (a test, a notebook)
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.ConnectionException:
        return None  # open in this process with another configuration: it opened, so it is not damaged
    except duckdb.Error as exc:
        if "could not set lock" in str(exc).lower():
            raise LockBusy(
                f"the published warehouse {path} is open read-write in another process "
                f"({_first_line(exc)}); close that connection, then run again"
            ) from None
        return f"it cannot be opened read-only ({_first_line(exc)})"
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by all"
        ).fetchall()
        if not any(schema == "audit" and name == "loaded_files" for schema, name in tables):
            return "it has no audit.loaded_files table"
        reads = [f'select count(*), sum(hash(t)) from "{schema}"."{name}" as t' for schema, name in tables]
        try:  # every table in one query (DuckDB reads them side by side): 0.09 -> 0.03 s on the sample
            con.execute(" union all ".join(reads)).fetchall()
        except duckdb.Error as together:
            # which one: each alone, on a new connection (an error may end this one)
            con.close()
            con = duckdb.connect(str(path), read_only=True)
            for (schema, name), read in zip(tables, reads, strict=True):
                try:
                    con.execute(read).fetchone()
                except duckdb.Error as exc:
                    return f"{schema}.{name} cannot be read ({_first_line(exc)})"
            return f"its tables cannot be read together ({_first_line(together)})"
    except duckdb.Error as exc:
        return f"its catalogue cannot be read ({_first_line(exc)})"
    finally:
        con.close()
    return None


def refuse_if_open_read_write(path: Path) -> None:
    """Raises :class:`LockBusy` when another process holds the published file read-write (its
    writes would be lost when a new file replaces it); a damaged or missing file passes."""
    if not path.exists():
        return
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        if "could not set lock" in str(exc).lower():
            raise LockBusy(
                f"the published warehouse {path} is open read-write in another process "
                f"({_first_line(exc)}); close that connection, then run again"
            ) from None


def known_files(path: Path) -> set[tuple[str, int]]:
    """(file name, size) of every file the published warehouse has seen (to tell new inbox files)."""
    if not path.exists():
        return set()
    try:
        con = duckdb.connect(str(path), read_only=True)  # DuckDB's defaults, as in check_published
    except duckdb.ConnectionException:
        return set()  # open in this process with another configuration: every inbox file counts as new
    try:
        return {
            (name, size)
            for name, size in con.execute(
                "select file_name, size_bytes from audit.loaded_files where size_bytes is not null"
            ).fetchall()
        }
    finally:
        con.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
