"""The delivery's safety rules on real files: names shown escaped, a file's stability, wide
encodings, a rejected copy's mode, an XLSX member's real unpacked size."""

from __future__ import annotations

import io
import os
import stat
import time
import zipfile

import pytest

from indicators.readers import delivered
from indicators.readers.csv import read_csv
from indicators.readers.errors import ReaderError
from indicators.readers.packed import wide_encoding
from indicators.readers.xlsx import _real_size


def test_names_are_shown_with_control_characters_escaped():
    assert delivered.shown("a\nb\x1b[31mc\u202ed.csv") == "a\\nb\\x1b[31mc\\u202ed.csv"
    assert delivered.shown("Läkarprogrammet 2024.csv") == "Läkarprogrammet 2024.csv"


def test_wide_encodings_are_named_with_or_without_a_byte_order_mark():
    text = "Mobility ID;Land\nA1;SE\n"
    assert wide_encoding(text.encode("utf-16")) == "UTF-16"
    assert wide_encoding(text.encode("utf-16-be")) == "UTF-16"
    assert wide_encoding(text.encode("utf-32-le")) == "UTF-32"
    assert wide_encoding(text.encode("utf-8")) is None
    assert wide_encoding(b"A;B\n\x00\x01\x02;x\n") is None
    with pytest.raises(ReaderError, match="^UTF-16 encoded; save as UTF-8 or Windows-1252$"):
        read_csv(text.encode("utf-16-le"))


def _scan_one(path):
    [file], refused = delivered.scan(path.parent, lambda name: False, lambda name: True)
    assert refused == []
    return file


def test_an_old_file_is_stable_without_a_wait(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("x\n")
    os.utime(path, (time.time() - 60, time.time() - 60))
    waits = []
    stable, waiting = delivered.settle([_scan_one(path)], 2.0, sleep=waits.append)
    assert [f.path for f in stable] == [path] and waiting == [] and waits == []


def test_a_fresh_file_is_stable_only_when_unchanged_over_the_settle_time(tmp_path):
    path = tmp_path / "fresh.csv"
    path.write_text("x\n")
    file = _scan_one(path)
    stable, waiting = delivered.settle([file], 0.3)
    assert [f.path for f in stable] == [path] and waiting == []

    def grows(seconds):  # the sender appends while the run waits
        time.sleep(seconds)
        with path.open("a") as handle:
            handle.write("more\n")

    path.write_text("y\n")  # fresh again
    stable, waiting = delivered.settle([_scan_one(path)], 0.3, sleep=grows)
    assert stable == [] and [(f.path, why) for f, why in waiting] == [
        (path, "still being written (changed within 0.3 s)")
    ]


def test_bytes_that_changed_since_the_hash_are_not_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("abc\n")
    file = _scan_one(path)
    sha = delivered.file_sha256(file)
    assert delivered.read_bytes(file, sha) == b"abc\n"
    before = path.stat()
    path.write_text("abd\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(delivered.Changed, match="its bytes changed between the hash and the read"):
        delivered.read_bytes(file, sha)


def test_a_file_that_grows_after_the_listing_or_while_hashed_or_read_is_never_taken_whole(tmp_path):
    """An scp still copying: the file grows between the listing and the hash, while it is hashed (a
    thread appending), and between the hash and the read; each time the run leaves it for the next
    night (Changed), never reads half of it."""
    import threading

    path = tmp_path / "student_mobility_2025-01-01.csv"
    path.write_bytes(b"id;name\n" + b"1;Lund\n" * 1_000_000)  # 7 MB: hashed in a few blocks
    file = _scan_one(path)
    with path.open("ab") as handle:
        handle.write(b"2;Lu")  # the copy goes on after the listing
    with pytest.raises(delivered.Changed, match="^changed since the inbox was listed$"):
        delivered.file_sha256(file)

    file, stop, wrote = _scan_one(path), threading.Event(), threading.Event()

    def append() -> None:
        with path.open("ab", buffering=0) as handle:
            while not stop.is_set():
                handle.write(b"x")
                wrote.set()
                time.sleep(0.001)

    writer = threading.Thread(target=append)
    writer.start()
    assert wrote.wait(10)  # on a loaded machine the thread may start after a 7 MB hash is done
    try:
        with pytest.raises(
            delivered.Changed, match="^changed (since the inbox was listed|while it was hashed)$"
        ):
            delivered.file_sha256(file)
    finally:
        stop.set()
        writer.join()

    file = _scan_one(path)
    sha = delivered.file_sha256(file)
    with path.open("ab") as handle:
        handle.write(b"nd\n")
    with pytest.raises(delivered.Changed, match="^changed after it was hashed$"):
        delivered.read_bytes(file, sha)


def test_a_copy_of_a_rejected_file_is_never_looser_than_the_original(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_bytes(b"key\n")
    path.chmod(0o600)
    file = _scan_one(path)
    path.unlink()  # the name no longer holds the file read: its bytes are written, not linked
    path.write_bytes(b"other\n")
    old = os.umask(0)
    try:
        delivered.keep_copy(b"key\n", file.st, path, tmp_path / "kept.csv")
    finally:
        os.umask(old)
    assert (tmp_path / "kept.csv").read_bytes() == b"key\n"
    assert stat.S_IMODE((tmp_path / "kept.csv").stat().st_mode) == 0o600


def test_a_members_real_size_is_counted_whatever_its_header_says(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"<a>" + b" " * 3_000_000 + b"</a>")
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/big.xml")
    data[info.header_offset + 22 : info.header_offset + 26] = (10).to_bytes(4, "little")
    assert _real_size(bytes(data), info, room=10 << 20)[0] == 3_000_007
    assert _real_size(bytes(data), info, room=1 << 20)[0] > 1 << 20  # stops soon after the room
