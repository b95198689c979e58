"""The pseudonymised raw archive beside the warehouse: every loaded file's rows, once, as Parquet.

Layout (``<warehouse folder>/archive/`` unless ``archive_dir`` says otherwise)::

    manifest.jsonl                          one line per archived file (append-only)
    <source>/<identity>.parquet             the file's rows exactly as in ``raw.<source>``
    _quarantine/<source>/<identity>.parquet its ``audit.quarantine`` rows, if it had any

where ``<identity>`` is the export's keyed identity (``audit.loaded_files.sha256``: an HMAC of the
sha256 of its bytes, :mod:`indicators.fileid`), never the export's plain sha256,

so that ``<source>/*.parquet`` is exactly ``raw.<source>``, for any engine that reads Parquet.

The rows are the normalised, pseudonymised rows of ``raw.<source>`` with every metadata column
(``_file_id``, ``_file_name``, ``_row_number``, ``_loaded_at``, ``_run_id``); the manifest line holds
the file's ``audit.loaded_files`` row, its extraction date (from the file name, if any), its row
numbers, and the sha256 and size of each Parquet file (plain: of pseudonymised Parquet, they name
nobody). Nothing in it is in clear: the archive needs
the warehouse's access rules, not the inbox's.

Beside them, a line ``"kind": "delivery"`` (no Parquet file) for each dated delivery without rows of
its own that the coverage counts (``ROWLESS_DELIVERY``, as ``stg_audit__deliveries`` reads them: a
loaded file's bytes delivered again under a later dated name, ``skipped``; a dated export with no
data rows, a monthly delta's empty month, ``rejected``): its ``audit.loaded_files`` row (the keyed
identity, the name as recorded, redacted where it held a personnummer), so that a rebuild gives the
same coverage end. One line per source, identity and extraction date: a file left in the inbox is
recorded ``skipped`` again each night under the same date, which adds nothing the coverage reads.
An archive written before these lines lacks them until the next nightly that finds the published
warehouse whole (``sync_from`` archives them from it).

A run *stages* its loaded files (Parquet written to a temporary name, fsynced, renamed) before it
publishes and *commits* them (the manifest lines) only after it published: a Parquet file that no
manifest line names belongs to a run that failed, is ignored by ``restore`` and is simply rewritten
by the next run that loads the same file. A file whose identity is in the manifest is never rewritten.
``restore`` rebuilds the raw and audit tables the dbt models read from the manifest alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from indicators import fileid, private
from indicators.identity import Pseudonymiser
from indicators.sources import ROWLESS_DELIVERY, extraction_date

MANIFEST = "manifest.jsonl"
TIMESTAMP_COLUMNS = ("file_modified_at", "loaded_at")
DELIVERY = "delivery"  # the "kind" of a manifest line without Parquet (a dated delivery without rows)


def _iso(value):
    """Dates and times as ISO text for the manifest (JSON); anything else as it is."""
    return value.isoformat() if isinstance(value, dt.date) else value


class ArchiveError(Exception):
    """The archive cannot be read or fails its checksums (the message names the file)."""


@dataclass
class ArchiveStats:
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    entries: list[dict] = field(default_factory=list)
    deliveries: int = 0  # lines without Parquet (ROWLESS_DELIVERY)


def delivery_key(entry: dict) -> tuple[str, str, str]:
    """What the coverage reads of a delivery: its source, identity and extraction date."""
    return (entry["source"], entry["sha256"], str(entry.get("extraction_date")))


def loaded_digests(con) -> set[str]:
    """The identity of every file a warehouse has loaded (``audit.loaded_files``, status loaded)."""
    rows = con.execute("select distinct sha256 from audit.loaded_files where status = 'loaded'").fetchall()
    return {sha for (sha,) in rows}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class Archive:
    def __init__(self, root: Path):
        self.root = root
        self.manifest = root / MANIFEST

    # --- reading ---------------------------------------------------------------------------

    def entries(self) -> dict[str, dict]:
        """Committed entries by file identity, in manifest order (a torn line is ignored: see ``torn_lines``)."""
        return self._read()[0]

    def deliveries(self) -> dict[tuple[str, str, str], dict]:
        """The committed lines of dated deliveries without rows, by :func:`delivery_key`."""
        return self._read()[2]

    def torn_lines(self) -> list[int]:
        """The numbers (from 1) of the manifest's lines that are not a whole entry (a crash while
        one was written, or a line damaged since): they are ignored, and a run reports them."""
        return self._read()[1]

    def _read(self) -> tuple[dict[str, dict], list[int], dict[tuple[str, str, str], dict]]:
        if not self.manifest.exists():
            return {}, [], {}
        found: dict[str, dict] = {}
        deliveries: dict[tuple[str, str, str], dict] = {}
        torn: list[int] = []
        text = self.manifest.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
                torn.append(number)
                continue
            if entry.get("kind") == DELIVERY:
                if isinstance(entry.get("loaded_file"), dict) and isinstance(entry.get("file_id"), int):
                    deliveries.setdefault(delivery_key(entry), entry)
                else:
                    torn.append(number)
                continue
            found.setdefault(entry["sha256"], entry)
        return found, torn, deliveries

    def verify(self) -> list[str]:
        """Problems found: a Parquet file the manifest names that is missing or fails its sha256."""
        problems = []
        for entry in self.entries().values():
            for part in ("rows", "quarantine"):
                item = entry.get(part)
                if not item:
                    continue
                path = self.root / item["path"]
                if not path.exists():
                    problems.append(f"{path}: missing")
                elif file_sha256(path) != item["sha256"]:
                    problems.append(f"{path}: checksum mismatch (expected sha256 {item['sha256']})")
        return problems

    def exported_bytes(self) -> int:
        """The archived files' size as exported (what a rebuild loads, for the free-space check)."""
        return sum(entry["loaded_file"].get("size_bytes") or 0 for entry in self.entries().values())

    # --- writing ---------------------------------------------------------------------------

    def stage(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        run_id: str | None = None,
        shas: set[str] | None = None,
        into: list[dict] | None = None,
        rename: Callable[[str], str] | None = None,
    ) -> ArchiveStats:
        """Write the Parquet files of the loaded files of ``run_id`` (or with these identities; in a
        warehouse of plain digests, those digests, with ``rename`` giving their keyed identities).

        Returns the entries to ``commit`` once the warehouse holding them is published; each is
        appended to ``into`` as soon as it is written, so that a run stopped meanwhile (a signal)
        can ``discard`` what it wrote (a file half written is removed by the write itself). With
        ``run_id``, that run's dated deliveries without rows too (:meth:`stage_deliveries`).
        """
        clock = time.perf_counter()
        stats = ArchiveStats(entries=into if into is not None else [])
        committed = self.entries()
        where, params = (
            ("run_id = ?", [run_id])
            if run_id is not None
            else ("sha256 in (select unnest(?))", [sorted(shas or ())])
        )
        cursor = con.execute(
            f"select * from audit.loaded_files where status = 'loaded' and {where} order by file_id", params
        )
        names = [column[0] for column in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            if rename is not None:
                row["sha256"] = rename(row["sha256"])
            if row["sha256"] in committed:
                continue
            entry = self._write_file(con, row)
            stats.entries.append(entry)
            stats.files += 1
            stats.bytes += entry["rows"]["bytes"] + (entry["quarantine"] or {}).get("bytes", 0)
        if run_id is not None:
            stats.deliveries = self.stage_deliveries(con, run_id=run_id, into=stats.entries)
        stats.seconds = time.perf_counter() - clock
        return stats

    def stage_deliveries(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        run_id: str | None = None,
        into: list[dict],
        rename: Callable[[str], str] | None = None,
    ) -> int:
        """Append to ``into`` a line for each dated delivery without rows (``ROWLESS_DELIVERY``) of
        ``run_id`` (else of the whole warehouse) whose source, identity and date neither the manifest
        nor ``into`` holds yet; returns how many. No file is written: they are committed with the rest."""
        committed, _, delivered = self._read()
        known = {delivery_key(entry) for entry in [*committed.values(), *into]} | set(delivered)
        where, params = ("and run_id = ?", [run_id]) if run_id is not None else ("", [])
        cursor = con.execute(
            f"select * from audit.loaded_files where {ROWLESS_DELIVERY} {where} order by file_id", params
        )
        names = [column[0] for column in cursor.description]
        added = 0
        for values in cursor.fetchall():
            row = {k: _iso(v) for k, v in zip(names, values, strict=True)}
            if rename is not None:
                row["sha256"] = rename(row["sha256"])
            entry = {
                "kind": DELIVERY,
                "sha256": row["sha256"],
                fileid.NAME: fileid.FORM,
                "source": row["source"],
                "file_name": row["file_name"],
                "file_id": int(row["file_id"]),
                "run_id": row["run_id"],
                "status": row["status"],
                "extraction_date": row["extraction_date"],
                "row_count": 0,
                "rows": None,
                "quarantine": None,
                "loaded_file": row,
            }
            if delivery_key(entry) in known:
                continue
            known.add(delivery_key(entry))
            into.append(entry)
            added += 1
        return added

    def _write_file(self, con: duckdb.DuckDBPyConnection, row: dict) -> dict:
        try:
            return self._write_parts(con, row)
        except BaseException:  # a failure or a signal: no Parquet file of this entry is left behind
            for folder in (self.root / row["source"], self.root / "_quarantine" / row["source"]):
                for name in (f"{row['sha256']}.parquet", f"{row['sha256']}.parquet.partial"):
                    with contextlib.suppress(OSError):
                        (folder / name).unlink(missing_ok=True)
            raise

    def _write_parts(self, con: duckdb.DuckDBPyConnection, row: dict) -> dict:
        source, sha, file_id = row["source"], row["sha256"], int(row["file_id"])
        folder = private.mkdir(self.root / source)
        count, first, last = con.execute(
            f'select count(*), min(_row_number), max(_row_number) from raw."{source}" where _file_id = {file_id}'
        ).fetchone()
        rows = self._copy(
            con, f'select * from raw."{source}" where _file_id = {file_id}', folder / f"{sha}.parquet"
        )
        quarantined = con.execute(
            "select count(*) from audit.quarantine where file_id = ?", [file_id]
        ).fetchone()[0]
        quarantine = None
        if quarantined:
            folder = private.mkdir(self.root / "_quarantine" / source)
            quarantine = self._copy(
                con, f"select * from audit.quarantine where file_id = {file_id}", folder / f"{sha}.parquet"
            )
        loaded_file = {k: _iso(v) for k, v in row.items()}
        return {
            "sha256": sha,
            fileid.NAME: fileid.FORM,
            "source": source,
            "file_name": row["file_name"],
            "file_id": file_id,
            "run_id": row["run_id"],
            # from the name as delivered (audit.loaded_files'); the recorded name may be redacted
            "extraction_date": _iso(row.get("extraction_date") or extraction_date(row["file_name"])),
            "row_count": count,
            "row_numbers": [first, last],
            "quarantine_count": quarantined,
            "rows": rows,
            "quarantine": quarantine,
            "loaded_file": loaded_file,
        }

    def _copy(self, con: duckdb.DuckDBPyConnection, query: str, target: Path) -> dict:
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        # zstd's fastest level: at scale 100 the archive took 1.28 s against 1.50 s at DuckDB's
        # default level (3), and its files came out 68 MB against 70 MB (three runs each, twice)
        con.execute(
            f"copy ({query}) to {_quote(partial)} (format parquet, compression zstd, compression_level 1)"
        )
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        digest = file_sha256(partial)
        os.replace(partial, target)
        _fsync_dir(target.parent)
        return {"path": str(target.relative_to(self.root)), "sha256": digest, "bytes": target.stat().st_size}

    def discard(self, entries: list[dict]) -> None:
        """Remove the files of staged entries that were never committed (their run failed)."""
        committed = self.entries()
        for entry in entries:
            if entry["sha256"] in committed:
                continue
            for part in ("rows", "quarantine"):
                if entry.get(part):
                    with contextlib.suppress(OSError):
                        (self.root / entry[part]["path"]).unlink(missing_ok=True)

    def commit(self, entries: list[dict]) -> None:
        """Append the manifest lines (after the warehouse holding these files was published)."""
        if not entries:
            return
        private.mkdir(self.root)
        committed, _, delivered = self._read()
        now = dt.datetime.now().replace(microsecond=0).isoformat()
        lines = [
            json.dumps(entry | {"archived_at": now}, sort_keys=True, default=str) + "\n"
            for entry in entries
            if (
                delivery_key(entry) not in delivered
                if entry.get("kind") == DELIVERY
                else entry["sha256"] not in committed
            )
        ]
        with private.open_file(self.manifest, "a+") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell():
                handle.seek(handle.tell() - 1)
                if handle.read(1) != "\n":  # a torn line from a crash: never glue a new line onto it
                    handle.write("\n")
            handle.writelines(lines)
            handle.flush()
            os.fsync(handle.fileno())

    def sync_from(self, published: Path, progress: Callable[[str], None], key: bytes) -> int:
        """Archive every loaded file of the published warehouse the manifest lacks (a warehouse from
        before the archive, or a run that crashed between its publish and its manifest lines). A
        warehouse of plain digests (before :mod:`indicators.fileid`) is compared by their keyed
        identities, the names its files are archived under."""
        try:
            con = duckdb.connect(str(published), read_only=True)
        except duckdb.ConnectionException as exc:  # open in this process with another configuration
            progress(f"archive: not checked against the published warehouse this time ({exc})")
            return 0
        try:
            loaded = {digest: digest for digest in loaded_digests(con)}  # by identity: as stored
            rename = None
            if not fileid.marked(con):
                rename = Pseudonymiser(key).file_identity
                loaded = {rename(digest): digest for digest in loaded}
            missing = set(loaded) - set(self.entries())
            stats = ArchiveStats()
            if missing:
                stats = self.stage(con, shas={loaded[k] for k in missing}, rename=rename)
            # an archive from before its delivery lines, or a run stopped before its manifest lines
            stats.deliveries = self.stage_deliveries(con, into=stats.entries, rename=rename)
        finally:
            con.close()
        self.commit(stats.entries)
        if stats.files:
            progress(
                f"archive: {stats.files} loaded files of the published warehouse were not archived yet; "
                f"archived now ({stats.bytes / 1e6:.1f} MB)"
            )
        if stats.deliveries:
            progress(
                f"archive: {stats.deliveries} dated deliveries without rows of their own (a re-delivery, "
                "an empty month) of the published warehouse were not archived yet; archived now"
            )
        return stats.files + stats.deliveries

    # --- rebuilding ------------------------------------------------------------------------

    def restore(self, con: duckdb.DuckDBPyConnection) -> tuple[list[dict], list[dict]]:
        """Load every committed entry into an empty warehouse (schema already created); returns the
        entries loaded and the delivery lines put back (their ``audit.loaded_files`` rows alone)."""
        entries = sorted(self.entries().values(), key=lambda e: e["file_id"])
        deliveries = sorted(self.deliveries().values(), key=lambda e: e["file_id"])
        if not entries and not deliveries:
            raise ArchiveError(f"the archive {self.root} holds no files (no {MANIFEST})")
        problems = self.verify()
        if problems:
            raise ArchiveError("the archive fails its checks: " + "; ".join(problems[:5]))
        columns = [c[0] for c in con.execute("select * from audit.loaded_files limit 0").description]

        def insert(entry: dict) -> None:
            row = dict(entry["loaded_file"])
            for name in TIMESTAMP_COLUMNS:
                if row.get(name):
                    row[name] = dt.datetime.fromisoformat(row[name])
            if row.get("extraction_date"):
                row["extraction_date"] = dt.date.fromisoformat(row["extraction_date"])
            con.execute(
                f"insert into audit.loaded_files ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})",
                [row.get(name) for name in columns],
            )

        for entry in entries:
            insert(entry)
            con.execute(
                f'insert into raw."{entry["source"]}" by name select * from read_parquet(?)',
                [str(self.root / entry["rows"]["path"])],
            )
            if entry.get("quarantine"):
                con.execute(
                    "insert into audit.quarantine by name select * from read_parquet(?)",
                    [str(self.root / entry["quarantine"]["path"])],
                )
        taken = {e["file_id"] for e in entries}
        restored = []
        for entry in deliveries:  # file ids are the warehouse's: unique unless a line was edited
            if entry["file_id"] not in taken:
                insert(entry)
                taken.add(entry["file_id"])
                restored.append(entry)
        next_id = max(taken) + 1
        con.execute("drop sequence if exists audit.file_id_seq")
        con.execute(f"create sequence audit.file_id_seq start {next_id}")
        return entries, restored
