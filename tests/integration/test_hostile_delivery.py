"""Hostile and unlucky deliveries (issue 19, items 3-6 and the minor ones), through the real CLI
(its main in this process; in a subprocess where a signal stops the run or another process races
it) with hand-made files: links and non-regular files, names read as globs, a lying zip
bomb, a file still arriving, names that forge log lines, UTF-16, a duplicate header, a misspelt
optional header, SIGTERM, a run refused by the lock, a torn manifest line."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import TEST_KEY
from helpers import cli_in_process, personnummer, query


def file_identity(data: bytes) -> str:
    """The identity the warehouse records for a file's bytes: keyed (indicators.fileid)."""
    digest = hashlib.sha256(data).hexdigest()
    return hmac.new(TEST_KEY.encode(), f"file:{digest}".encode(), hashlib.sha256).hexdigest()


HEADER = "Mobility ID,Student ID,Direction,Programme code,Mobility type,Country,Start date,Status,Credits"
P = [personnummer("19960101", 980 + i) for i in range(6)]


def rows(ids: list[str], credits: str = "30") -> str:
    lines = [HEADER] + [
        f"{mid},{P[i % len(P)]},out,MAMED,studies,GB,2024-09-01,completed,{credits}"
        for i, mid in enumerate(ids)
    ]
    return "\n".join(lines) + "\n"


def arguments(name: str, inbox: Path, warehouse: Path) -> list[str]:
    return [name, "-q", "--inbox", str(inbox), "--warehouse", str(warehouse)]


def command(name: str, inbox: Path, warehouse: Path) -> list[str]:
    return [sys.executable, "-m", "indicators.cli", *arguments(name, inbox, warehouse)]


def environment(**extra: str) -> dict[str, str]:
    return (
        dict(
            os.environ,
            INDICATORS_PSEUDONYMISATION_KEY=TEST_KEY,
            PYTHONUNBUFFERED="1",
            INDICATORS_SETTLE_SECONDS="0",
        )
        | extra
    )


def run(name: str, inbox: Path, warehouse: Path, **extra: str) -> subprocess.CompletedProcess:
    """``indicators NAME`` by the CLI's main in this process (its messages and exit code as a
    process gives them); the runs a signal stops or that race another start processes of their own."""
    env = {"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY, "INDICATORS_SETTLE_SECONDS": "0", **extra}
    return cli_in_process(*arguments(name, inbox, warehouse), env=env)


def runs_log(warehouse: Path) -> list[dict]:
    return [json.loads(line) for line in (warehouse.parent / "log" / "runs.jsonl").read_text().splitlines()]


# --- item 3: links and non-regular files -------------------------------------------------------------


def test_links_fifos_and_folders_named_like_exports_are_refused_and_listed(tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "elsewhere"
    inbox.mkdir()
    outside.mkdir()
    (inbox / "student_mobility_real.csv").write_text(rows(["R1"]))
    secret = outside / "student_mobility_secret.csv"
    secret.write_text(rows(["S1", "S2"]))
    secret.chmod(0o600)
    (inbox / "student_mobility_outside.csv").symlink_to(secret)
    (inbox / "student_mobility_inside.csv").symlink_to(inbox / "student_mobility_real.csv")
    os.mkfifo(inbox / "student_mobility_pipe.csv")
    (inbox / "student_mobility_folder.csv").mkdir()
    (inbox / "student_mobility_folder.csv" / "student_mobility_nested.csv").write_text(rows(["N1"]))
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    result = run("ingest", inbox, warehouse)

    assert result.returncode == 2, result.stdout + result.stderr
    out = result.stdout
    assert "refused: student_mobility_outside.csv: a symbolic link, never followed" in out
    assert "refused: student_mobility_inside.csv: a symbolic link, never followed" in out
    assert "refused: student_mobility_pipe.csv: a named pipe (FIFO), not a file; never opened" in out
    assert "refused: student_mobility_folder.csv: a folder named like an export" in out
    assert "4 refused" in out
    assert query(warehouse, "select mobility_id from raw.student_mobility") == [("R1",)]
    recorded = dict(query(warehouse, "select file_name, status || ': ' || reason from audit.loaded_files"))
    assert recorded["student_mobility_outside.csv"].startswith("rejected: refused: a symbolic link")
    assert recorded["student_mobility_pipe.csv"].startswith("rejected: refused: a named pipe (FIFO)")
    assert recorded["student_mobility_folder.csv"].startswith(
        "rejected: refused: a folder named like an export"
    )
    assert not (warehouse.parent / "rejected").exists()  # nothing refused is kept, no link target copied


def test_a_refused_name_with_a_personnummer_around_a_tab_is_redacted_in_the_log(tmp_path):
    """A folder named like an export whose name holds a personnummer with a tab between its parts: the
    refusal's progress line escaped the tab (\\t, so that no name forges a line) before the run's
    reporter redacted the line, where the rule no longer saw a separator: the number stood in the run
    log and on stdout, though the summary and audit.loaded_files showed it redacted."""
    from privacy_scan import scan

    pnr = personnummer("19000101", 985)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / f"student_mobility_{pnr[:8]}\t{pnr[8:]}.csv").mkdir()
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    result = run("ingest", inbox, warehouse)
    assert result.returncode == 2, result.stdout + result.stderr
    [log] = (warehouse.parent / "log").glob("*.log")
    assert [line.split(" ", 1)[1] for line in log.read_text().splitlines() if ": refused (" in line] == [
        "student_mobility_[personnummer].csv: refused (a folder named like an export; put the files "
        "themselves in the inbox)"
    ]
    (tmp_path / "stdout.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
    found = scan([warehouse.parent, tmp_path / "stdout.txt"], [pnr])
    assert not found, "\n".join(map(str, found))


def test_a_file_the_run_may_not_read_is_recorded_as_rejected_naming_the_fix(tmp_path, monkeypatch, ingest):
    """A file delivered with a mode the nightly's user may not read (another account's umask 077)
    was "waiting" every night, recorded nowhere and no warning (exit 0), as if still being copied.
    As root chmod does not stop a read, so os.open refuses that path (EACCES), the lowest level."""
    import errno

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_readable.csv").write_text(rows(["R1"]))
    locked = inbox / "student_mobility_locked.csv"
    locked.write_text(rows(["L1"]))
    for path in inbox.iterdir():  # settled: no wait
        os.utime(path, (time.time() - 60, time.time() - 60))
    real_open = os.open

    def refusing(path, *args, **kwargs):
        if os.fspath(path) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", str(locked))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    outcome, warehouse = ingest(inbox)
    monkeypatch.undo()
    assert outcome.published and outcome.exit_code == 2, outcome.message
    assert query(warehouse, "select mobility_id from raw.student_mobility") == [("R1",)]
    assert query(
        warehouse,
        "select status, reason, size_bytes from audit.loaded_files where file_name = ?",
        [locked.name],
    ) == [
        (
            "rejected",
            "could not be read (Permission denied): give the nightly's user read access to the file (or "
            "deliver it again with the inbox's permissions); nothing kept",
            locked.stat().st_size,
        )
    ]
    assert not (warehouse.parent / "rejected").exists()  # no bytes read, none kept
    assert locked.exists()  # tried again the next night


def test_an_inbox_the_run_may_not_list_is_one_line_naming_the_fix(tmp_path, monkeypatch):
    """An inbox folder the nightly's user may not list (another account's mode 0700) crashed the run
    in its space check: "the run crashed: [Errno 13] Permission denied", a traceback in the log, the
    summary of a run. As root a folder's mode does not stop a listing, so os.listdir refuses it."""
    import errno

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_2025-01-01.csv").write_text(rows(["R1"]))
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    real_listdir = os.listdir

    def refusing(path="."):
        if os.fspath(path) == str(inbox):
            raise PermissionError(errno.EACCES, "Permission denied", str(inbox))
        return real_listdir(path)

    monkeypatch.setattr(os, "listdir", refusing)
    done = cli_in_process(*arguments("ingest", inbox, warehouse), env=environment())
    monkeypatch.undo()
    assert done.returncode == 1 and done.stdout == "", done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        f"error: the inbox {inbox} cannot be listed (Permission denied); nothing was run. Give the nightly's "
        f"user read and search access to it (chmod u+rx {inbox}, or through its group)"
    ]
    assert not warehouse.parent.exists()


def test_a_rejected_copy_across_file_systems_keeps_the_original_mode(tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs a second file system (/dev/shm) for the inbox")
    inbox = shm / f"hostile-{os.getpid()}-{tmp_path.name}"
    inbox.mkdir()
    try:
        bad = inbox / "student_mobility_broken.csv"
        bad.write_text("Mobility ID,Direction\nX1,out\n")  # required columns missing: rejected
        bad.chmod(0o600)
        warehouse = tmp_path / "state" / "warehouse.duckdb"
        result = run("ingest", inbox, warehouse)
        assert result.returncode == 2, result.stdout + result.stderr
        [kept] = [p for p in (warehouse.parent / "rejected").iterdir() if not p.name.endswith(".reason.txt")]
        assert kept.read_bytes() == b"Mobility ID,Direction\nX1,out\n"
        assert stat.S_IMODE(kept.stat().st_mode) & 0o077 == 0  # never looser than the mode-600 original
    finally:
        for path in inbox.iterdir():
            path.unlink()
        inbox.rmdir()


# --- item 4: names read as globs ----------------------------------------------------------------------


def test_a_name_with_glob_characters_loads_exactly_its_own_bytes(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_2025-09-01.csv").write_text(rows(["O1", "O2", "O3"]))
    own = rows(["G1"]).encode()
    (inbox / "student_mobility[_]2025-09-01.csv").write_bytes(own)
    (inbox / "student_mobility_*.csv").write_text(rows(["T1", "T2"]))
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    result = run("ingest", inbox, warehouse)

    assert result.returncode == 0, result.stdout + result.stderr
    assert query(
        warehouse,
        "select file_name, sha256, size_bytes, rows_loaded from audit.loaded_files "
        "where file_name = 'student_mobility[_]2025-09-01.csv'",
    ) == [("student_mobility[_]2025-09-01.csv", file_identity(own), 157, 1)]
    assert len(own) == 157
    assert query(
        warehouse,
        "select _file_name, string_agg(mobility_id, ' ' order by mobility_id) from raw.student_mobility "
        "group by all order by 1",
    ) == [
        ("student_mobility[_]2025-09-01.csv", "G1"),
        ("student_mobility_*.csv", "T1 T2"),
        ("student_mobility_2025-09-01.csv", "O1 O2 O3"),
    ]


# --- item 5: a lying zip bomb -------------------------------------------------------------------------


def _lying_xlsx(padding_mb: int) -> bytes:
    """A real workbook whose sheet is padded with spaces (valid XML) to ``padding_mb`` MB, with the
    zip directory (central and local headers) claiming the sheet unpacks to 4 KB."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(rows(["Z1"]).splitlines()[1].split(","))
    plain = io.BytesIO()
    workbook.save(plain)
    padded = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b" " * (padding_mb << 20) + b"</worksheet>")
            target.writestr(info.filename, data)
    data = bytearray(padded.getvalue())
    name = b"xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        offset = archive.getinfo(name.decode()).header_offset
    data[offset + 22 : offset + 26] = (4096).to_bytes(4, "little")  # local header: uncompressed size
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) >= 0:
        length = int.from_bytes(data[position + 28 : position + 30], "little")
        if bytes(data[position + 46 : position + 46 + length]) == name:
            data[position + 24 : position + 28] = (4096).to_bytes(4, "little")  # central: uncompressed size
        position += 4
    return bytes(data)


def test_an_xlsx_whose_zip_directory_understates_its_sizes_is_rejected(tmp_path):
    bomb = _lying_xlsx(padding_mb=24)
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert sum(i.file_size for i in archive.infolist()) < 64 << 10  # the directory claims < 64 KB
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_bomb.xlsx").write_bytes(bomb)
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    result = run("ingest", inbox, warehouse, INDICATORS_XLSX_MAX_UNPACKED_MB="8")

    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "rejected: student_mobility_bomb.xlsx: XLSX unpacks to more than the 8 MB allowed "
        "(xlsx_max_unpacked_mb), although its zip directory says less (zip bomb)"
    ) in result.stdout
    assert query(warehouse, "select status from audit.loaded_files") == [("rejected",)]
    [kept] = [p for p in (warehouse.parent / "rejected").iterdir() if p.name.endswith(".xlsx")]
    assert kept.read_bytes() == bomb


def test_a_file_larger_than_max_file_mb_is_rejected_and_kept_without_being_read(tmp_path, monkeypatch):
    # a delivered file of any size was read whole into memory (a 2 GB sparse file of zeros: about 70 s
    # and 2-3 GB held) before it could be rejected; above max_file_mb it is rejected unread (only
    # hashed, streamed), kept by a copy made block by block, and not kept again the next night
    from indicators.readers import delivered

    data = rows([f"SM-{n:06d}" for n in range(17_000)]).encode()  # 96 + 17,000 x 68 bytes: 1.1 MiB
    assert 1 << 20 < len(data) < 2 << 20
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_2024-06-30.csv").write_bytes(data)
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    read = delivered.read_bytes
    monkeypatch.setattr(delivered, "read_bytes", lambda file, sha: pytest.fail(f"{file.path} read"))

    first = run("ingest", inbox, warehouse, INDICATORS_MAX_FILE_MB="1")
    second = run("ingest", inbox, warehouse, INDICATORS_MAX_FILE_MB="1")

    reason = (
        "file larger than 1 MB is not accepted (max_file_mb; it has 1.1 MB), never read: deliver the "
        "export in parts, or raise max_file_mb if it really is one export"
    )
    assert first.returncode == 2, first.stdout + first.stderr
    assert f"rejected: student_mobility_2024-06-30.csv: {reason} (kept as " in first.stdout
    [kept] = [p for p in (warehouse.parent / "rejected").iterdir() if p.name.endswith(".csv")]
    assert kept.read_bytes() == data and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert second.returncode == 2, second.stdout + second.stderr
    assert f"(kept as {kept.name}, the same bytes)" in second.stdout
    assert len(list((warehouse.parent / "rejected").iterdir())) == 2  # the copy and its note, once
    assert (
        query(warehouse, "select status, rows_read, size_bytes from audit.loaded_files")
        == [("rejected", 0, len(data))] * 2
    )
    monkeypatch.setattr(delivered, "read_bytes", read)
    assert run("ingest", inbox, warehouse, INDICATORS_MAX_FILE_MB="2").returncode == 0  # raised: loaded


def test_a_sparse_file_larger_than_max_file_mb_is_kept_as_a_sparse_copy(tmp_path):
    # a sparse file of zeros (64 MiB here; a few GB delivered) was copied into rejected/ block by
    # block, every block written: the copy took its whole size on the disk the warehouse is on
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sparse = inbox / "student_mobility_2024-06-30.csv"
    with sparse.open("wb") as handle:
        handle.write(b"Mobility ID\n")
        handle.truncate(64 << 20)
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    result = run("ingest", inbox, warehouse, INDICATORS_MAX_FILE_MB="1")

    assert result.returncode == 2, result.stdout + result.stderr
    assert "file larger than 1 MB is not accepted (max_file_mb; it has 64.0 MB)" in result.stdout
    [kept] = [p for p in (warehouse.parent / "rejected").iterdir() if p.name.endswith(".csv")]
    assert kept.stat().st_size == 64 << 20 and kept.read_bytes() == sparse.read_bytes()
    assert kept.stat().st_blocks * 512 <= 1 << 20  # its first block only (64 MiB before)


def test_a_sparse_file_of_a_terabyte_is_rejected_at_once_and_the_night_published(tmp_path):
    # a sparse file of 1 TB (no space taken) stopped every night before it was read: the space check
    # counted three times its size ("not enough free space: need 3.3 TB"), nothing published; past
    # it, hashing and copying its zeros would have taken hours. Now it is neither hashed nor read: its
    # identity is its listing's, its copy holds its data only, and it is not kept again the next night
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sparse = inbox / "student_mobility_2024-06-30.csv"
    with sparse.open("wb") as handle:
        handle.write(b"Mobility ID\n")
        handle.seek(1 << 39)  # half way: a stretch of data between two holes
        handle.write(b"SM-1\n")
        handle.truncate(1 << 40)
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    first = run("ingest", inbox, warehouse)
    second = run("ingest", inbox, warehouse)

    assert first.returncode == 2, first.stdout + first.stderr
    assert "file larger than 1024 MB is not accepted (max_file_mb; it has 1,048,576.0 MB)" in first.stdout
    [kept] = [p for p in (warehouse.parent / "rejected").iterdir() if p.name.endswith(".csv")]
    assert kept.stat().st_size == 1 << 40 and kept.stat().st_blocks * 512 <= 1 << 20
    with kept.open("rb") as copy:
        assert copy.read(12) == b"Mobility ID\n" and copy.read(4) == bytes(4)
        copy.seek(1 << 39)
        assert copy.read(6) == b"SM-1\n\x00"
    assert second.returncode == 2 and f"(kept as {kept.name}, the same bytes)" in second.stdout


def test_retention_never_hashes_a_file_too_large_to_read(tmp_path, monkeypatch):
    # retention hashed every old inbox file after the publish to see whether it was loaded: a sparse
    # file of 1 TB would have been read for hours every night; one too large to read was never loaded
    from indicators.readers import delivered

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with (inbox / "student_mobility_2024-06-30.csv").open("wb") as handle:
        handle.truncate(1 << 40)
    hashed = delivered.file_sha256

    def small_only(file):
        assert file.st.st_size < 1 << 30, f"{file.path.name} hashed"
        return hashed(file)

    monkeypatch.setattr(delivered, "file_sha256", small_only)
    result = run(
        "ingest", inbox, tmp_path / "state" / "warehouse.duckdb", INDICATORS_INBOX_RETENTION_DAYS="0"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "max_file_mb" in result.stdout and (inbox / "student_mobility_2024-06-30.csv").exists()


# --- item 6: a file still arriving --------------------------------------------------------------------

WRITER = """
import sys, time, os
path, stop = sys.argv[1], sys.argv[2]
header, line = sys.argv[3], sys.argv[4]
n = 0
while not os.path.exists(stop):
    n += 1
    with open(path, "w") as handle:
        handle.write(header + "\\n" + "".join(line.replace("W0", f"W{i}") + "\\n" for i in range(1 + n % 3)))
    time.sleep(0.05)
"""


def test_a_file_still_being_written_is_left_for_the_next_run(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    target = inbox / "student_mobility_2025-01-01.csv"
    stop = tmp_path / "stop"
    line = rows(["W0"]).splitlines()[1]
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(stop), HEADER, line])
    try:
        while not target.exists():
            time.sleep(0.05)
        warehouse = tmp_path / "state" / "warehouse.duckdb"
        result = run("ingest", inbox, warehouse, INDICATORS_SETTLE_SECONDS="1")
    finally:
        stop.touch()
        writer.wait(timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "waiting: student_mobility_2025-01-01.csv: still being written (changed within 1 s); left in "
        "the inbox for the next run" in result.stdout
    )
    assert query(warehouse, "select count(*) from audit.loaded_files") == [(0,)]
    assert target.exists()

    target.write_text(rows(["W1", "W2", "W3"]))
    result = run("ingest", inbox, warehouse, INDICATORS_SETTLE_SECONDS="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert query(warehouse, "select file_name, rows_loaded from audit.loaded_files") == [
        ("student_mobility_2025-01-01.csv", 3)
    ]


def test_a_copy_in_progress_under_a_transfer_programs_name_waits_for_its_rename(tmp_path):
    # WinSCP, browsers and other transfer tools copy under a temporary name and rename it when
    # whole: such a file is neither read nor rejected (it was "unsupported file type .part", a warning
    # and a copy of its clear rows in rejected/), whatever its age; the whole file loads once renamed
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    whole = rows(["P1", "P2"])
    (inbox / "student_mobility_2025-03-01.csv.part").write_text(whole[: len(whole) - 20])
    (inbox / "student_mobility_2025-03-02.csv.filepart").write_text(whole)
    (inbox / "student_mobility_2025-03-03.CSV.crdownload").write_text(whole)
    old = time.time() - 3600
    for path in inbox.iterdir():
        os.utime(path, (old, old))
    warehouse = tmp_path / "state" / "warehouse.duckdb"

    result = run("ingest", inbox, warehouse)

    assert result.returncode == 0, result.stdout + result.stderr
    for name, suffix in (
        ("student_mobility_2025-03-01.csv.part", "part"),
        ("student_mobility_2025-03-02.csv.filepart", "filepart"),
        ("student_mobility_2025-03-03.CSV.crdownload", "crdownload"),
    ):
        assert (
            f"waiting: {name}: a copy in progress (.{suffix}): the transfer program renames it when the copy "
            "is whole; a copy abandoned half-way: delete it and deliver the file again; left in the inbox "
            "for the next run" in result.stdout
        ), result.stdout
    assert query(warehouse, "select count(*) from audit.loaded_files") == [(0,)]
    assert not (warehouse.parent / "rejected").exists()

    (inbox / "student_mobility_2025-03-01.csv.part").unlink()
    (inbox / "student_mobility_2025-03-02.csv.filepart").rename(inbox / "student_mobility_2025-03-02.csv")
    result = run("ingest", inbox, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    assert query(warehouse, "select file_name, rows_loaded from audit.loaded_files") == [
        ("student_mobility_2025-03-02.csv", 2)
    ]


def test_a_key_that_is_not_the_archives_stops_the_run_before_it_reads(tmp_path):
    # the key file opened and saved again by an editor (Notepad adds a byte-order mark and CRLF): the
    # same person got another pseudonym, without a word, and was counted twice across deliveries
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_2025-01-01.csv").write_text(rows(["K1"]))
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    assert run("ingest", inbox, warehouse).returncode == 0
    check = hmac.new(TEST_KEY.encode(), b"indicators key check", hashlib.sha256).hexdigest()[:16]
    recorded = json.loads((warehouse.parent / "archive" / "key_check.json").read_text())
    assert recorded["check"] == check

    (inbox / "student_mobility_2025-02-01.csv").write_text(rows(["K2"]))
    key_file = tmp_path / "secrets" / "pseudonymisation.key"
    key_file.parent.mkdir()
    key_file.write_bytes(b"\xef\xbb\xbf" + TEST_KEY.encode() + b"\r\n")
    key_file.chmod(0o600)  # owner-only, as keygen writes it (else the run warns)
    by_file = {"INDICATORS_PSEUDONYMISATION_KEY": "", "INDICATORS_KEY_FILE": str(key_file)}
    result = run("ingest", inbox, warehouse, **by_file)

    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "the pseudonymisation key is not the one the archive and the warehouse were made with"
        in result.stdout
    )
    assert f"recorded {check} in " in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert query(warehouse, "select count(*) from raw.student_mobility") == [(1,)]

    key_file.write_bytes(TEST_KEY.encode() + b"\n")  # the key as it was
    result = run("ingest", inbox, warehouse, **by_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert query(warehouse, "select count(distinct student_id) from raw.student_mobility") == [(1,)]


def test_a_file_rewritten_between_its_hash_and_its_read_is_left_for_the_next_run(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    target = inbox / "student_mobility_2025-02-01.csv"
    target.write_text(rows(["H1", "H2"], credits="30"))
    before = target.stat()
    pause = tmp_path / "paused"
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    env = environment(
        INDICATORS_PAUSE_AT="hashed", INDICATORS_PAUSE_FILE=str(pause), INDICATORS_PAUSE_SECONDS="3"
    )
    process = subprocess.Popen(
        command("ingest", inbox, warehouse),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not pause.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert pause.exists(), "the run never reached its hash"
    # same size, same modification time, other bytes (the last field cut: credits 30 -> 3 plus a space)
    target.write_text(rows(["H1", "H2"], credits="30")[:-3] + "3 \n")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, out + err
    assert "waiting: student_mobility_2025-02-01.csv: its bytes changed between the hash and the read" in out
    assert query(warehouse, "select count(*) from raw.student_mobility") == [(0,)]


# --- the minor ones -----------------------------------------------------------------------------------


def test_a_file_name_cannot_forge_log_lines_or_colour_the_terminal(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = "student_mobility_\x1b[31mred\nERROR: forged.csv"
    (inbox / name).write_text("Mobility ID\nX\n")  # rejected: its name appears in the summary and the log
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    result = run("ingest", inbox, warehouse)
    assert result.returncode == 2, result.stdout + result.stderr
    [log] = (warehouse.parent / "log").glob("*.log")
    for text in (result.stdout, log.read_text()):
        assert "\x1b" not in text
        assert not any(line.startswith("ERROR: forged") for line in text.splitlines())
    assert "student_mobility_\\x1b[31mred\\nERROR: forged.csv" in result.stdout


def test_utf16_duplicate_headers_get_their_own_reasons(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_utf16.csv").write_bytes(rows(["U1"]).encode("utf-16"))
    (inbox / "student_mobility_utf16le.csv").write_bytes(rows(["U2"]).encode("utf-16-le"))
    (inbox / "student_mobility_twice.csv").write_text(
        rows(["D1"]).replace("Credits", "Direction", 1).replace(",30\n", ",in\n")
    )
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER.split(",") + ["Credits"])
    workbook.active.append(rows(["D2"]).splitlines()[1].split(",") + ["7.5"])
    workbook.save(inbox / "student_mobility_twice.xlsx")
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    result = run("ingest", inbox, warehouse)
    assert result.returncode == 2, result.stdout + result.stderr
    reasons = dict(
        query(warehouse, "select file_name, reason from audit.loaded_files where status = 'rejected'")
    )
    assert "student_mobility_utf16.csv" not in reasons  # its byte order mark says how to read it: loaded
    assert reasons["student_mobility_utf16le.csv"].startswith("UTF-16 encoded; save as UTF-8 or Windows-1252")
    assert reasons["student_mobility_twice.csv"].startswith(
        "duplicate column header 'Direction' (columns 3 and 9): rename or remove one of them"
    )
    assert reasons["student_mobility_twice.xlsx"].startswith(
        "duplicate column header 'Credits' (columns 9 and 10): rename or remove one of them"
    )
    assert query(warehouse, "select mobility_id from raw.student_mobility") == [("U1",)]


MISSPELT_WARNING = (
    "header 'Programe code' is ignored and no column gives programme_code (closest: programme_code ← "
    "'Programe code'?), so programme_code is empty in every row: rename the header, or add it to "
    "programme_code's aliases: in pipelines/student_mobility.yml"
)


def test_a_misspelt_optional_header_is_a_warning_naming_the_field_and_the_fix(tmp_path):
    """An optional field's header misspelt: the file loads without the field, and the summary, the
    log and the file's audit row say which header, which field and what to edit."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_misspelt.csv").write_text(
        rows(["S1", "S2"]).replace("Programme code", "Programe code", 1)
    )
    # two ignored headers, neither a warning: one close to no field, one closest to a field the file
    # gives (programme_code, from "Programme code")
    lines = rows(["E1"]).splitlines()
    (inbox / "student_mobility_extra.csv").write_text(
        f"{lines[0]},Remarks,Programme code (old)\n{lines[1]},checked,MAMED\n"
    )
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    result = run("ingest", inbox, warehouse)
    assert result.returncode == 2, result.stdout + result.stderr
    assert [line for line in result.stdout.splitlines() if "warning" in line] == [
        f"  warning: student_mobility_misspelt.csv: {MISSPELT_WARNING}"
    ]
    [log] = (warehouse.parent / "log").glob("*.log")
    assert [line.split(" ", 1)[1] for line in log.read_text().splitlines() if " warning: " in line] == [
        f"warning: student_mobility_misspelt.csv: {MISSPELT_WARNING}"
    ]
    assert query(
        warehouse, "select file_name, status, ignored_columns, reason from audit.loaded_files order by 1"
    ) == [
        ("student_mobility_extra.csv", "loaded", "Remarks, Programme code (old)", None),
        ("student_mobility_misspelt.csv", "loaded", "Programe code", MISSPELT_WARNING),
    ]
    assert query(warehouse, "select mobility_id, programme_code from raw.student_mobility order by 1") == [
        ("E1", "MAMED"),
        ("S1", None),
        ("S2", None),
    ]
    assert runs_log(warehouse)[-1]["warnings"] == 1  # the misspelt file's line


def test_a_misspelt_header_names_the_closest_field_only_and_its_default():
    import dataclasses

    from indicators.intake import misspelt_headers
    from indicators.sources import load_sources

    [spec] = [
        s for s in load_sources(Path(__file__).parents[2] / "pipelines") if s.name == "student_mobility"
    ]
    headers = HEADER.split(",")
    # 'Programe code' is close to partner_code too: only the closest field is named
    misspelt = [h.replace("Programme code", "Programe code") for h in headers]
    assert misspelt_headers(spec, misspelt, ["Programe code"]) == [MISSPELT_WARNING]
    # a field with a default: gets it in every row
    fields = tuple(
        dataclasses.replace(f, default="bilateral") if f.name == "scheme" else f for f in spec.fields
    )
    assert misspelt_headers(dataclasses.replace(spec, fields=fields), [*headers, "Schme"], ["Schme"]) == [
        "header 'Schme' is ignored and no column gives scheme (closest: scheme ← 'Schme'?), so scheme gets "
        "its default: 'bilateral' in every row: rename the header, or add it to scheme's aliases: in "
        "pipelines/student_mobility.yml"
    ]
    assert misspelt_headers(spec, [*headers, "Remarks"], ["Remarks"]) == []


def test_the_closest_header_of_a_missing_column_shows_a_personnummer_in_it_redacted(tmp_path):
    """A header that holds a personnummer with a no-break space in it (text pasted from a web page or
    Word) and is the closest to a missing required column: the rejection names it as the closest
    header. repr() wrote the space as the four characters \\xa0, where no redaction finds a separator,
    so the number went in clear into the reason, the log, the summary and the note beside the kept
    file; the headers listed before it were redacted, then quoted."""
    from privacy_scan import scan

    pnr = personnummer("19000101", 982)
    header = f"Mobility direction {pnr[2:8]}\u00a0{pnr[8:]}"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_2024-09-02.csv").write_text(rows(["S1"]).replace("Direction", header, 1))
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    result = run("ingest", inbox, warehouse)
    assert result.returncode == 2, result.stdout + result.stderr
    closest = "closest: direction ← 'Mobility direction [personnummer]'?;"
    [(reason,)] = query(warehouse, "select reason from audit.loaded_files")
    assert "'Mobility direction [personnummer]', 'Programme code'" in reason and closest in reason
    assert closest in result.stdout
    (tmp_path / "stdout.txt").write_text(result.stdout + result.stderr, encoding="utf-8")
    kept = [p for p in (warehouse.parent / "rejected").iterdir() if not p.name.endswith(".reason.txt")]
    found = scan([warehouse.parent, tmp_path / "stdout.txt"], [pnr], skip=kept)
    assert not found, "\n".join(map(str, found))


def test_sigterm_ends_the_run_like_a_failure_and_is_recorded(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_2025-03-01.csv").write_text(rows(["T1", "T2"]))
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    pause = tmp_path / "paused"
    env = environment(INDICATORS_PAUSE_AT="before_dbt", INDICATORS_PAUSE_FILE=str(pause))
    process = subprocess.Popen(
        command("nightly", inbox, warehouse),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not pause.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert pause.exists(), "the run never reached its build"
    state = warehouse.parent
    assert list((state / "archive").rglob("*.parquet"))  # this run's archive files, not yet committed
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)

    assert process.returncode == 1, out + err
    assert "stopped by signal SIGTERM" in out
    assert not warehouse.exists()
    assert [p.name for p in (state / "work").iterdir() if p.suffix in (".duckdb", ".wal")] == []
    assert list((state / "archive").rglob("*.parquet*")) == []
    assert runs_log(warehouse)[-1]["status"] == "stopped_by_signal"
    assert runs_log(warehouse)[-1]["exit_code"] == 1


def test_a_run_refused_by_the_lock_is_recorded_and_shown(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    holder = os.open(warehouse.with_name("warehouse.duckdb.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        result = run("ingest", inbox, warehouse)
    finally:
        os.close(holder)
    assert result.returncode == 1
    [record] = runs_log(warehouse)
    assert record["status"] == "locked" and record["message"].startswith("another run is in progress")
    shown = cli_in_process("status", "--warehouse", str(warehouse))
    assert f"{record['run_id']}  locked" in shown.stdout


def test_a_torn_manifest_line_is_reported_not_a_crash(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_2025-04-01.csv").write_text(rows(["M1"]))
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    assert run("ingest", inbox, warehouse).returncode == 0
    manifest = warehouse.parent / "archive" / "manifest.jsonl"
    first = manifest.read_text()
    manifest.write_text('"not an entry"\n' + first + '{"sha256": "0123')  # a stray line, a torn last one
    (inbox / "student_mobility_2025-05-01.csv").write_text(rows(["M2"]))

    result = run("ingest", inbox, warehouse)

    assert result.returncode == 2, result.stdout + result.stderr
    log = next(p for p in (warehouse.parent / "log").glob("*.log") if "line 3 is torn" in p.read_text())
    assert "manifest.jsonl line 1 is torn (not a whole JSON entry) and is ignored" in log.read_text()
    assert query(warehouse, "select count(*) from raw.student_mobility") == [(2,)]


def test_a_key_file_others_may_read_is_a_warning_and_a_folder_is_one_line(tmp_path):
    # a world-readable key file ran without a word (with it and birth dates the pseudonyms can be
    # turned back into personnummer); a key_file naming a folder ended with "error: Is a directory"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "student_mobility_2025-01-01.csv").write_text(rows(["K1"]))
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    key_file = tmp_path / "secrets" / "pseudonymisation.key"
    key_file.parent.mkdir()
    key_file.write_bytes(TEST_KEY.encode() + b"\n")
    key_file.chmod(0o644)
    by_file = {"INDICATORS_PSEUDONYMISATION_KEY": "", "INDICATORS_KEY_FILE": str(key_file)}
    result = run("ingest", inbox, warehouse, **by_file)
    assert result.returncode == 2, result.stdout + result.stderr  # published, with a warning
    assert (
        f"note:   the key file {key_file} may be read by others than its owner (mode 644): with it "
        f"pseudonyms can be turned back into personnummer; make it owner-only: chmod 600 {key_file}"
    ) in result.stdout
    assert query(warehouse, "select count(*) from raw.student_mobility") == [(1,)]

    folder = {"INDICATORS_PSEUDONYMISATION_KEY": "", "INDICATORS_KEY_FILE": str(key_file.parent)}
    result = run("ingest", inbox, warehouse, **folder)
    assert result.returncode == 1
    assert (
        f"the key file {key_file.parent} could not be read (Is a directory): key_file must name a file"
        in (result.stdout + result.stderr)
    )
    assert "Traceback" not in result.stdout + result.stderr
