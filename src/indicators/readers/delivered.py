"""What was delivered, read safely: the inbox's entries by kind, a file's stability, its bytes.

* Only regular files are read. A symbolic link (to anything, inside the inbox or not), a FIFO, a
  device or a socket is *refused* without being opened, and so is a folder named like an export;
  every check uses ``lstat`` and every open ``O_NOFOLLOW | O_NONBLOCK`` (a FIFO swapped in after
  the scan never blocks the run, a link swapped in is never followed).
* A file is read once: its bytes are hashed and parsed from memory, never from its path (polars and
  DuckDB take ``[``, ``]``, ``*`` and ``?`` in a path as a pattern), so the rows loaded are exactly
  the bytes whose sha256 and size are recorded.
* A file still being written is left for the next run: it must have kept its size and modification
  time over ``settle_seconds`` (or be older than that), and read the same before and after.
* A file a transfer program is still writing under a temporary name (``….csv.part``, WinSCP's
  ``.filepart``, a browser's ``.crdownload``/``.download``/``.partial``, ``.tmp``) is left for the next
  run too, whatever its age: the program renames it when the copy is whole.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BLOCK = 1 << 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def shown(name: str) -> str:
    """A file name as logs and summaries show it: control characters (a newline, an ANSI escape,
    a bidirectional override) escaped, so that a name can neither forge a line nor colour a terminal;
    a byte of a name that is not UTF-8 (a path's surrogate escape) escaped too, so that no log line
    fails to be written."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), name)


def text_name(name: str) -> str:
    """A file's name as text, as every table, file and message records it. A name whose bytes are not
    UTF-8 (Windows-1252 from an old system, a Samba share or a zip: ``Malm\xf6``, which Python lists
    with a surrogate escape that no UTF-8 table or log can hold) is read as Windows-1252, as the CSV
    reader reads such text; the file itself is still opened by its own name."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("cp1252", errors="replace")
    return name


class Changed(Exception):
    """The file changed while the run read it (the message says how): leave it for the next run."""


class Unreadable(Exception):
    """The file is there but cannot be read (no permission for the run's user, an I/O error on a
    failing disk or a lost network share): the message names the cause and the fix. Waiting would
    not help: it is recorded as rejected, nothing kept (no bytes were read)."""


def _opened(path: Path) -> int:
    """:func:`_open`, its failure told apart: gone or swapped (:class:`Changed`), or unreadable."""
    try:
        return _open(path)
    except FileNotFoundError:
        raise Changed("removed since the inbox was listed") from None
    except OSError as exc:
        if isinstance(exc, PermissionError) or exc.errno == errno.EIO:
            raise Unreadable(_unreadable(exc)) from None
        raise Changed(f"could not be opened ({exc.strerror or type(exc).__name__})") from None


def _unreadable(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return (
            f"could not be read ({exc.strerror or 'permission denied'}): give the nightly's user read "
            "access to the file (or deliver it again with the inbox's permissions)"
        )
    return f"could not be read ({exc.strerror or type(exc).__name__}): deliver the file again"


@dataclass(frozen=True)
class Delivered:
    """One regular file of the inbox as the scan found it (``lstat``)."""

    path: Path
    st: os.stat_result

    @property
    def identity(self) -> tuple[int, int, int, int]:
        return identity(self.st)


def identity(st: os.stat_result) -> tuple[int, int, int, int]:
    """What must not change while a file is read: device, inode, size, modification time."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


# the temporary names transfer programs copy under (renamed when whole): never read as the export
_PARTIAL = re.compile(r"\.(part|partial|filepart|crdownload|download|opdownload|tmp|temp)$", re.IGNORECASE)


def partial_transfer(name: str) -> str | None:
    """Why a file is left alone as a copy in progress (its name ends ``.part``, say), or None."""
    match = _PARTIAL.search(name)
    if match is None:
        return None
    return (
        f"a copy in progress (.{match.group(1)}): the transfer program renames it when the copy is "
        "whole; a copy abandoned half-way: delete it and deliver the file again"
    )


def refusal(st: os.stat_result, name_matches: bool) -> str | None:
    """Why an inbox entry is refused without being opened (None: a regular file, or a folder that
    is named like no export and is left alone)."""
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link, never followed; put the file itself in the inbox"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file; never opened"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file; never opened"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file; never opened"
    if stat.S_ISDIR(mode):
        return (
            "a folder named like an export; put the files themselves in the inbox" if name_matches else None
        )
    if not stat.S_ISREG(mode):
        return "not a regular file; never opened"
    return None


def scan(
    inbox: Path, ignored: Callable[[str], bool], matches: Callable[[str], bool]
) -> tuple[list[Delivered], list[tuple[str, str]]]:
    """(regular files, (name, reason) of refused entries), both in name order; nothing is opened."""
    if not inbox.is_dir():
        raise FileNotFoundError(f"inbox {inbox} does not exist")
    files, refused = [], []
    for name in sorted(os.listdir(inbox)):
        if ignored(name):
            continue
        path = inbox / name
        try:
            st = os.lstat(path)
        except FileNotFoundError:  # gone since the listing
            continue
        reason = refusal(st, matches(name))
        if reason is not None:
            refused.append((name, reason))
        elif stat.S_ISREG(st.st_mode):
            files.append(Delivered(path, st))
    return files, refused


def settle(
    files: list[Delivered], seconds: float, now: float | None = None, sleep=time.sleep
) -> tuple[list[Delivered], list[tuple[Delivered, str]]]:
    """(stable files, (file, reason) of files still being written).

    A file modified less than ``seconds`` ago is looked at again once that long has passed since
    its modification: a changed size or modification time (or a file gone) means it is still
    arriving. One wait covers every fresh file, so a run waits at most ``seconds``.
    """
    now = time.time() if now is None else now
    fresh = [f for f in files if now - f.st.st_mtime < seconds]
    if not fresh:
        return files, []
    wait = max(seconds - (now - f.st.st_mtime) for f in fresh)
    sleep(max(0.0, min(wait, seconds)))
    waiting: list[tuple[Delivered, str]] = []
    stable = []
    for f in files:
        if f not in fresh:
            stable.append(f)
            continue
        try:
            again = os.lstat(f.path)
        except FileNotFoundError:
            continue
        if identity(again) != f.identity or not stat.S_ISREG(again.st_mode):
            waiting.append((f, f"still being written (changed within {seconds:g} s)"))
        else:
            stable.append(Delivered(f.path, again))
    return stable, waiting


def _open(path: Path) -> int:
    """A read-only descriptor of ``path``, never through a link, never blocking (a FIFO)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise Changed("no longer a regular file")
    return fd


def file_sha256(delivered: Delivered) -> str:
    """The sha256 of a regular file (streamed); raises :class:`Changed` if it is not the file scanned."""
    digest = hashlib.sha256()
    fd = _opened(delivered.path)
    try:
        if identity(os.fstat(fd)) != delivered.identity:
            raise Changed("changed since the inbox was listed")
        while block := os.read(fd, BLOCK):
            digest.update(block)
        if identity(os.fstat(fd)) != delivered.identity:
            raise Changed("changed while it was hashed")
    except OSError as exc:  # EIO: a failing disk, a lost network share
        raise Unreadable(_unreadable(exc)) from None
    finally:
        os.close(fd)
    return digest.hexdigest()


def stat_sha256(delivered: Delivered) -> str:
    """A file's identity without reading it (one too large to read): the sha256 of its device, inode,
    size and modification time, so that the same file left in the inbox is known the next night (a
    file's bytes never hash to it: it names no bytes)."""
    return hashlib.sha256(f"unread:{delivered.identity}".encode()).hexdigest()


def read_bytes(delivered: Delivered, expected_sha: str) -> bytes:
    """The file's bytes, read once through one descriptor; they must hash to ``expected_sha`` (the
    hash taken before) and the file must be the one scanned, unchanged, else :class:`Changed`."""
    fd = _opened(delivered.path)
    try:
        before = os.fstat(fd)
        if identity(before) != delivered.identity:
            raise Changed("changed after it was hashed")
        size = before.st_size
        data = os.read(fd, size) if size else b""  # one buffer: the file is held once, not twice
        while len(data) < size and (more := os.read(fd, size - len(data))):
            data += more  # a short read (over 2 GB)
        if len(data) != size or os.read(fd, 1) or identity(os.fstat(fd)) != delivered.identity:
            raise Changed("changed while it was read")
    except OSError as exc:
        raise Unreadable(_unreadable(exc)) from None
    finally:
        os.close(fd)
    if hashlib.sha256(data).hexdigest() != expected_sha:
        raise Changed("its bytes changed between the hash and the read")
    return data


def still_same(delivered: Delivered) -> bool:
    """Does the inbox name still hold the file as scanned (after its rows were parsed)?"""
    try:
        return identity(os.lstat(delivered.path)) == delivered.identity
    except OSError:
        return False


def _data_extents(fd: int, size: int):
    """(start, end) of each stretch of data in the file (``SEEK_DATA``/``SEEK_HOLE``); the whole
    file as one where the file system cannot tell."""
    if not hasattr(os, "SEEK_DATA"):
        yield 0, size
        return
    position = 0
    while position < size:
        try:
            start = os.lseek(fd, position, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # nothing but a hole after position
                return
            if position == 0:  # not supported here: read it all
                yield 0, size
                return
            raise
        end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
        yield start, end
        position = end


def keep_copy(
    data: bytes | None, original: os.stat_result, path: Path, target: Path, link: bool = True
) -> None:
    """Keep the rejected original: a hard link to the very file read when the name still holds
    it (and ``link``), else a copy of the bytes read (``data`` None: of the file as scanned, block
    by block, never held whole, a block of zeros left a hole: a sparse file of GB takes no space),
    never with looser permissions than the original (its mode bits, narrowed by the umask;
    owner-only, 0600 at most, without ``link``), never through a link."""
    if link and identity(os.lstat(path)) == identity(original):
        try:
            os.link(path, target, follow_symlinks=False)
            if identity(os.lstat(target)) == identity(original):
                return
            target.unlink()
        except OSError:
            pass
    mode = stat.S_IMODE(original.st_mode) & (0o666 if link else 0o600)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        os.fchmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) & mode)
        for offset, block in [(0, data)] if data is not None else _blocks(path, original):
            if data is None and block.count(0) == len(block):  # zeros (a sparse file's hole): left a hole
                continue
            os.lseek(fd, offset, os.SEEK_SET)
            view = memoryview(block)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        if data is None:
            os.ftruncate(fd, original.st_size)  # the holes at its end too
    except (Changed, Unreadable, OSError):  # no longer the file, unreadable, the disk full: nothing
        target.unlink()  # half-copied is kept (a copy cut at 12 MB of 27 was left, with no note)
        raise
    finally:
        os.close(fd)


def _blocks(path: Path, original: os.stat_result):
    """The file's bytes in blocks with their offsets, through one descriptor, its holes (a sparse
    file's, where the file system tells them) passed over unread; :class:`Changed` unless it is the
    file scanned (``original``) from the first block to the last."""
    fd = _opened(path)
    try:
        if identity(os.fstat(fd)) != identity(original):
            raise Changed("changed since the inbox was listed")
        for start, end in _data_extents(fd, original.st_size):
            os.lseek(fd, start, os.SEEK_SET)
            while start < end and (block := os.read(fd, min(BLOCK, end - start))):
                yield start, block
                start += len(block)
        if identity(os.fstat(fd)) != identity(original):
            raise Changed("changed while it was copied")
    except OSError as exc:  # EIO: a failing disk, a lost network share
        raise Unreadable(_unreadable(exc)) from None
    finally:
        os.close(fd)
