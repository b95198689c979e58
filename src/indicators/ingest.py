"""Ingest: every file in the inbox → detect → read → normalise → pseudonymise → load → audit.

Nothing is lost and nothing loaded twice:
* a file with the same bytes as one already loaded is ``skipped``;
* a file matching no source is left in place and recorded ``unmatched``;
* a structurally broken file is ``rejected`` whole, a copy kept in the rejected folder with its reason; so
  is a file named with an extraction date after the run's or before ``date_window_start`` (:func:`misdated`);
* a link, FIFO, device or folder named like an export is ``refused``, never opened or followed
  (recorded as rejected, nothing kept); a file still being written is left ``waiting`` for the next
  run (see :mod:`indicators.readers.delivered`);
* a bad row goes to ``audit.quarantine`` with its file, row number, business key and reason;
* a misspelt optional header (:func:`misspelt_headers`) is a warning; the file loads without that field;
* raw tables keep every version of a business key (the staging models pick the latest).
The ingest never modifies the inbox (after a publish, ``indicators.retention`` may delete loaded
exports older than ``inbox_retention_days``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from indicators import intake
from indicators.countries import unknown_codes
from indicators.derive import ReadOptions, export_columns
from indicators.erasmus_codes import code_country_mismatches
from indicators.faults import checkpoint
from indicators.identity import Pseudonymiser
from indicators.intake import export_order, kept_as, kept_before, misdated, misspelt_headers, oversize
from indicators.normalise import QUARANTINED, LayoutError, normalise
from indicators.readers import delivered as delivery
from indicators.readers.by_kind import read_file
from indicators.readers.delivered import Changed, Delivered, Unreadable, shown, text_name
from indicators.readers.errors import ReaderError
from indicators.readers.xlsx import MAX_UNPACKED_MB
from indicators.reading_changes import earlier_rows
from indicators.redact import redact_all, redact_text
from indicators.redelivery import generated_twins, stale_generated_rows
from indicators.sources import SourceSpec, extraction_date, match_source

# polars' own string layout (Arrow string views), which DuckDB reads as is: no copy of every string
ARROW_LEVEL = pl.CompatLevel.newest()
PENDING_ROWS = 1_000_000  # rows normalised and waiting to be loaded, at most
# a loaded row's file, bound once for the file (a literal column each cost 16 bytes a row and more)
FILE_COLUMNS = """$file_id::bigint as _file_id, $file_name::varchar as _file_name,
    $loaded_at::timestamp as _loaded_at, $run_id::varchar as _run_id"""
IGNORED_NAMES = re.compile(r"^(\.|~\$)|\.reason\.txt$")  # hidden files, Excel lock files, our own notes


@dataclass
class FileResult:
    file_name: str
    source: str | None
    status: str
    reason: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_collapsed: int = 0
    header_warnings: list[str] = field(default_factory=list)  # ignored headers that look misspelt


@dataclass
class IngestSummary:
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rows_collapsed(self) -> int:
        return sum(f.rows_collapsed for f in self.files)

    @property
    def sources_loaded(self) -> list[str]:
        return sorted({f.source for f in self.files if f.status == "loaded" and f.source})

    @property
    def warnings(self) -> int:
        """Rejected, refused and unmatched files, files with quarantined or collapsed rows or a
        misspelt header."""
        return sum(
            1
            for f in self.files
            if f.status in ("rejected", "refused", "unmatched")
            or f.rows_quarantined
            or f.rows_collapsed
            or f.header_warnings
        )


def _ignored(name: str) -> bool:
    return IGNORED_NAMES.search(name) is not None


def inbox_delivered(inbox: Path) -> list[Delivered]:
    """Regular files directly in the inbox (never a link), in name order, each with its ``lstat`` as
    listed (no second ``stat`` to race a copy); the ingest reads them in export order (intake)."""
    return delivery.scan(inbox, _ignored, lambda name: False)[0]


class Ingestor:
    """Loads inbox files into one open (working-copy) warehouse connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        specs: list[SourceSpec],
        pseudonymiser: Pseudonymiser,
        run_id: str,
        rejected_dir: Path,
        home_hei_id: str = "lu.se",
        progress: Callable[[str], None] | None = None,
        options: ReadOptions | None = None,
        settle_seconds: float = 0.0,
        xlsx_max_unpacked_mb: float = MAX_UNPACKED_MB,
        max_file_mb: float = 1024.0,
        on_new_file: Callable[[], None] | None = None,
        run_day: dt.date | None = None,
    ):
        self.con = con
        self.specs = specs
        self.pseudonymiser = pseudonymiser
        self.run_id = run_id
        self.rejected_dir = rejected_dir
        self.home_hei_id = home_hei_id
        self.progress = progress or (lambda message: None)
        self.options = options or ReadOptions(home_hei_id=home_hei_id)
        self.settle_seconds = settle_seconds
        self.xlsx_max_unpacked_mb = xlsx_max_unpacked_mb
        self.max_file_mb = max_file_mb  # a larger file is rejected unread (kept by a copy in blocks)
        # called once, before the first file with new bytes is read (the nightly starts its GX worker)
        self.on_new_file = on_new_file
        # the run's date (the nightly's: INDICATORS_RUN_DATE or today): a file dated after it is rejected
        self.run_day = run_day or dt.date.today()
        self.loaded_at = dt.datetime.now().replace(microsecond=0)
        # seconds spent per step over all files (the benchmark reports them)
        self.seconds = {"hash": 0.0, "read": 0.0, "normalise": 0.0, "pseudonymise": 0.0, "load": 0.0}
        self._writer: ThreadPoolExecutor | None = None
        self._pending: list[tuple[Future, int]] = []  # queued writes and their rows, oldest first
        self._rejected_before: dict[str, str] = {}  # file identity → the reason recorded (ingest_inbox)
        self._write_failed = False

    def ingest_inbox(self, folder: Path) -> IngestSummary:
        summary = IngestSummary()
        found, refused = delivery.scan(
            folder, _ignored, lambda name: match_source(name, self.specs) is not None
        )
        partial = [(f, why) for f in found if (why := delivery.partial_transfer(f.path.name))]
        found = [f for f in found if not delivery.partial_transfer(f.path.name)]
        files, unsettled = delivery.settle(export_order(found, self.specs), self.settle_seconds)
        unsettled = partial + unsettled
        for name, reason in refused:  # never opened: recorded with their reason, nothing kept
            spec = match_source(name, self.specs)
            result = FileResult(
                redact_text(text_name(name)), spec.name if spec else None, "refused", redact_text(reason)
            )
            summary.files.append(result)
            self._write(lambda name=name, result=result: self._record(folder / name, None, result))
            self.progress(f"{shown(result.file_name)}: refused ({result.reason})")  # redacted, then escaped
        for file, reason in unsettled:
            summary.files.append(self._waiting(file, reason))
        known = dict(
            self.con.execute(
                "select sha256, any_value(file_name) from audit.loaded_files where status = 'loaded' group by sha256"
            ).fetchall()
        )
        # the reasons earlier runs rejected bytes for (a file left in the inbox comes again each night)
        self._rejected_before = dict(
            self.con.execute(
                "select sha256, arg_max(reason, file_id) from audit.loaded_files "
                "where status = 'rejected' and sha256 <> '' group by sha256"
            ).fetchall()
        )
        # One writer thread loads file N while this one reads the next (DuckDB and polars work outside
        # the interpreter lock), and a hasher thread computes sha256s ahead of both (hashlib too).
        hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-hasher")
        # a file too large to read is never read to be hashed either (a sparse file of 1 TB: hours)
        unread = [oversize(file.st.st_size, self.max_file_mb) is not None for file in files]
        digests = [
            hasher.submit(delivery.stat_sha256 if u else delivery.file_sha256, f)
            for f, u in zip(files, unread, strict=True)
        ]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="warehouse-writer") as writer:
            self._writer = writer
            try:
                for number, (file, digest) in enumerate(zip(files, digests, strict=True), start=1):
                    result = self.ingest_file(file, known, digest)
                    if number == 1:
                        self._wait_for_writer()
                        checkpoint("mid_ingest")
                    summary.files.append(result)
                    detail = (
                        f"{result.rows_loaded} rows" if result.status == "loaded" else (result.reason or "")
                    )
                    self.progress(
                        f"[{number}/{len(files)}] {shown(result.file_name)}: {result.status} {detail}".rstrip()
                    )
                    for line in result.header_warnings:
                        self.progress(f"warning: {shown(result.file_name)}: {line}")
                self._wait_for_writer()
            except BaseException:
                self._write_failed = True  # a stopped run (a signal) writes nothing more
                raise
            finally:
                self._writer = None
                hasher.shutdown(cancel_futures=True)
        return summary

    def _write(self, work, rows: int = 0) -> None:
        """Queue a warehouse write for the writer thread (writes run one at a time, in order).

        This thread goes on reading and normalising the next files while the queued writes wait,
        as long as they hold at most ``PENDING_ROWS`` rows: a small file need not wait for a large
        one to load, and memory stays bounded. A file of more rows than that is loaded before the
        next is read (at scale 1000 reading the next beside it held 1.1 GB more, for 5 % of the time).
        """
        if self._writer is None:
            work()
            return
        self._pending.append((self._writer.submit(self._unless_failed, work), rows))
        while self._pending and sum(n for future, n in self._pending if not future.done()) > PENDING_ROWS:
            future, _ = self._pending.pop(0)
            future.result()  # re-raises the writer's error here

    def _unless_failed(self, work) -> None:
        if self._write_failed:  # an earlier write failed: the run fails, nothing more is written
            return
        try:
            work()
        except BaseException:
            self._write_failed = True
            raise

    def _wait_for_writer(self) -> None:
        pending, self._pending = self._pending, []
        for future, _ in pending:
            future.result()  # re-raises the writer's error here

    def _waiting(self, file: Delivered, why: str) -> FileResult:
        """A file that changed while the run looked at it: left in the inbox for the next run."""
        result = FileResult(
            redact_text(text_name(file.path.name)),
            None,
            "waiting",
            f"{why}; left in the inbox for the next run",
        )
        self.progress(f"{shown(result.file_name)}: waiting ({result.reason})")
        return result

    def _unreadable(self, file: Delivered, why: str) -> FileResult:
        """A file the run cannot read (permissions, an I/O error): recorded as rejected with the cause,
        nothing kept (no bytes were read); it stays in the inbox and is tried again the next night."""
        spec = match_source(file.path.name, self.specs)
        result = FileResult(
            redact_text(text_name(file.path.name)),
            spec.name if spec else None,
            "rejected",
            f"{why}; nothing kept",
        )
        self._write(lambda: self._record(file, None, result))
        return result

    def ingest_file(self, file: Delivered, known: dict[str, str], digest: Future | None = None) -> FileResult:
        """One file; ``digest`` is its sha256 being computed ahead (else it is computed here). The
        sha256 stays in memory: what is stored and compared is the file's keyed identity (``sha``,
        :mod:`indicators.fileid`)."""
        path = file.path
        clock = time.perf_counter()
        try:
            plain = digest.result() if digest is not None else delivery.file_sha256(file)
        except Changed as exc:
            return self._waiting(file, str(exc))
        except Unreadable as exc:
            return self._unreadable(file, str(exc))
        sha = self.pseudonymiser.file_identity(plain)
        self.seconds["hash"] += time.perf_counter() - clock  # the wait for it, when computed ahead
        checkpoint("hashed")
        spec = match_source(path.name, self.specs)
        source = spec.name if spec else None
        name = redact_text(text_name(path.name))  # the name as every table, file and message holds it
        if sha in known:
            result = FileResult(name, source, "skipped", f"same bytes as {shown(known[sha])}, already loaded")
            self._write(lambda: self._record(file, sha, result))
            return result
        if spec is None:
            why = (
                "file name matches no source; left in place (to load it, rename it to match a source's "
                "patterns: in pipelines/*.yml)"
            )
            result = FileResult(name, None, "unmatched", why)
            self._write(lambda: self._record(file, sha, result))
            return result
        if self.on_new_file is not None:
            self.on_new_file, starting = None, self.on_new_file
            starting()
        data, reason = None, oversize(file.st.st_size, self.max_file_mb)
        try:  # the bytes hashed, read once (a file too large never): parsed from memory
            data = delivery.read_bytes(file, plain) if reason is None else None
        except Changed as exc:
            return self._waiting(file, str(exc))
        except Unreadable as exc:
            return self._unreadable(file, str(exc))
        reason = reason or misdated(path.name, self.run_day, self.options.date_min)
        if reason is None:
            try:
                clock = time.perf_counter()
                frame = read_file(path, data, spec, self.home_hei_id, self.xlsx_max_unpacked_mb, said := [])
                self.seconds["read"] += time.perf_counter() - clock
                headers = export_columns(frame)
                clock = time.perf_counter()
                # normalise must get the only reference to the raw text, so that it can release it early
                holder, frame = [frame], None
                options = dataclasses.replace(self.options, file_name=name)
                normalised = normalise(holder.pop(), spec, self.pseudonymiser, self.seconds, options)
                self.seconds["normalise"] += time.perf_counter() - clock
            except (ReaderError, LayoutError) as exc:
                reason = redact_text(str(exc))  # it may quote a header or a value
            except Exception as exc:  # noqa: BLE001 - a bad file must never crash the run
                reason = f"could not be read ({type(exc).__name__})"
        if not delivery.still_same(file):  # written to again while it was parsed: not what was read
            return self._waiting(file, "changed while it was read")
        if reason is not None:
            earlier = kept_before(self._rejected_before.get(sha), reason, self.rejected_dir)
            if earlier is not None:  # read again (a contract may have changed), not kept again
                result = FileResult(
                    name, source, "rejected", f"{reason} (kept as {shown(earlier)}, the same bytes)"
                )
                self._write(lambda: self._record(file, sha, result))
                return result
            try:  # a file too large to read is copied from the inbox block by block: it may change
                kept = kept_as(file, data, reason, self.rejected_dir, self.run_id)
            except Changed as exc:
                return self._waiting(file, str(exc))
            except Unreadable as exc:
                return self._unreadable(file, str(exc))
            result = FileResult(name, source, "rejected", f"{reason} ({kept})")
            self._write(lambda: self._record(file, sha, result))
            return result
        del data
        result = FileResult(
            name,
            source,
            "loaded",
            None,
            rows_read=normalised.rows_read,
            rows_loaded=normalised.rows_loaded,
            rows_quarantined=normalised.quarantine.height,
            rows_collapsed=normalised.collapsed,
        )
        notes = said + list(normalised.notes or [])  # said: by the reader (a hidden first sheet passed over)
        if normalised.collapsed:
            rows = ", ".join(str(n) for n in normalised.collapsed_rows or [])
            more = ", …" if normalised.collapsed > len(normalised.collapsed_rows or []) else ""
            notes.append(
                f"{normalised.collapsed} rows collapsed: identical in every column of the export to an "
                f"earlier row (rows {rows}{more})"
            )
        if normalised.quarantine.height:
            notes.append(f"{normalised.quarantine.height} rows quarantined")
        result.header_warnings = misspelt_headers(spec, headers, normalised.ignored_columns)
        twins = generated_twins(spec, normalised.rows)  # a stay typed twice, once with a note: both count
        result.header_warnings += [twins] if twins else []
        result.header_warnings += unknown_codes(spec, normalised.rows)  # a typo SW for SE: region Unknown
        result.header_warnings += code_country_mismatches(spec, normalised.rows)  # E  MADRID03 in FR
        result.header_warnings += normalised.warnings or []  # a column's dates in two forms
        result.reason = "; ".join(notes + result.header_warnings) or None
        self._write(lambda: self._load(file, sha, spec, result, normalised), normalised.rows_loaded)
        known[sha] = name
        return result

    def _load(self, file: Delivered, sha: str, spec: SourceSpec, result: FileResult, normalised) -> None:
        """One file's audit row, rows and quarantine in one transaction (on the writer thread)."""
        clock = time.perf_counter()
        self.con.execute("begin transaction")
        try:
            stale = stale_generated_rows(self.con, spec, self.specs, normalised.rows)
            twice = earlier_rows(self.con, spec, self.specs, normalised.earlier, normalised.rows)
            older = intake.older_than_loaded(self.con, spec.name, result.file_name)  # October's, then March's
            for warning in filter(None, (stale, twice, older)):
                result.header_warnings.append(warning)
                result.reason = "; ".join(filter(None, (result.reason, warning)))
            file_id = self._record(file, sha, result, ignored=normalised.ignored_columns)
            self._load_rows(spec, normalised.rows, file_id, result.file_name)
            again = intake.said_after_load(self.con, spec, self.specs, file_id, result.file_name)  # twice
            if again is not None:
                result.header_warnings.append(again)
                result.reason = "; ".join(filter(None, (result.reason, again)))
                self.con.execute(
                    "update audit.loaded_files set reason = ? where file_id = ?", [result.reason, file_id]
                )
            self._load_quarantine(spec, normalised.quarantine, file_id, result.file_name)
            self.con.execute("commit")
        except Exception:
            # DuckDB has often ended a failed write's transaction itself: the write's error is the one to report
            with contextlib.suppress(duckdb.Error):
                self.con.execute("rollback")
            raise
        self.seconds["load"] += time.perf_counter() - clock

    def _record(
        self, file: Delivered | Path, sha: str | None, result: FileResult, ignored: list[str] | None = None
    ) -> int:
        """The file's row in ``audit.loaded_files``: its size and time as scanned (``lstat``); a refused
        entry (never read: no sha256, no size) is recorded as rejected with its reason."""
        path = file.path if isinstance(file, Delivered) else file
        stat = file.st if isinstance(file, Delivered) else None
        file_id = self.con.execute("select nextval('audit.file_id_seq')").fetchone()[0]
        self.con.execute(
            """
            insert into audit.loaded_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                file_id,
                self.run_id,
                result.file_name,
                result.source,
                sha or "",
                stat.st_size if stat else None,
                "rejected" if result.status == "refused" else result.status,
                f"refused: {result.reason}; nothing kept" if result.status == "refused" else result.reason,
                result.rows_read,
                result.rows_loaded,
                result.rows_quarantined,
                result.rows_collapsed,
                ", ".join(redact_all(ignored)) if ignored else None,
                dt.datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0) if stat else None,
                self.loaded_at,
                extraction_date(path.name),  # from the name as delivered
            ],
        )
        return file_id

    def _load_rows(self, spec: SourceSpec, rows: pl.DataFrame, file_id: int, file_name: str) -> None:
        if rows.height == 0:
            return
        batch = rows.to_arrow(compat_level=ARROW_LEVEL)
        # person ids arrive canonical, written only as their HMAC, by DuckDB on every core as it loads
        hashed = []
        for f in spec.fields:
            if f.personal:
                column = f'"{f.name}"'
                digest = (
                    self.pseudonymiser.sql_digest_list
                    if f.type == "person_id_list"
                    else self.pseudonymiser.sql_digest
                )
                hashed.append(f"{digest(column)} as {column}")
        replace = f" replace ({', '.join(hashed)})" if hashed else ""
        self.con.register("_incoming_rows", batch)
        try:
            self.con.execute(
                f'insert into raw."{spec.name}" by name select * exclude ({QUARANTINED}){replace}, {FILE_COLUMNS} '
                f"from _incoming_rows where not {QUARANTINED}",
                (self.pseudonymiser.sql_params if hashed else {}) | self._file_params(file_id, file_name),
            )
        finally:
            self.con.unregister("_incoming_rows")

    def _file_params(self, file_id: int, file_name: str) -> dict:
        return {
            "file_id": file_id,
            "file_name": file_name,
            "loaded_at": self.loaded_at,
            "run_id": self.run_id,
        }

    def _load_quarantine(self, spec: SourceSpec, bad: pl.DataFrame, file_id: int, file_name: str) -> None:
        if bad.height == 0:
            return
        # the file's own values bound once, not a column each in memory (5 million rows: 360 MB)
        batch = bad.select("_row_number", "business_key", "reason").to_arrow(compat_level=ARROW_LEVEL)
        self.con.register("_incoming_quarantine", batch)
        try:
            self.con.execute(
                "insert into audit.quarantine by name select $run_id as run_id, $file_id as file_id, $file_name "
                "as file_name, $source as source, _row_number as row_number, business_key, reason, "
                "$loaded_at as quarantined_at from _incoming_quarantine",
                self._file_params(file_id, file_name) | {"source": spec.name},
            )
        finally:
            self.con.unregister("_incoming_quarantine")
