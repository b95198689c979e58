"""Disk space, honestly: the space a run needs, the real cause of a failed write, failed copies kept.

Free space a run needs on the working copy's file system, checked before it copies anything::

    need = published file size + NEW_FILES_FACTOR × (size of the inbox's new files) + headroom

*New* files are those whose (name, size) the published warehouse has not seen. Their rows land
twice on that file system (in the working copy and in the archive as Parquet), and DuckDB's
write-ahead log holds them once more until the checkpoint: hence the factor 3. The headroom
(``disk_headroom_mb``, default 64 MB) covers dbt's tables, the GX worker's spill files and the logs.
A rebuild starts from no published file and counts every archived file as new (its exported size).
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable
from pathlib import Path

from indicators import private

NEW_FILES_FACTOR = 3
FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
# DuckDB says a full disk as "out of memory" when it cannot spill: its temp directory's limit follows
# the free space ("failed to offload data block ... max_temp_directory_size")
FULL_TEXTS = ("no space left on device", "file too large", "disk quota exceeded", "max_temp_directory_size")


class NotEnoughSpace(Exception):
    """Raised before the copy: the message says where, how much is needed and how much is free."""


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(size) < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def mount_point(path: Path) -> Path:
    path = path.resolve()
    while not path.is_mount():
        path = path.parent
    return path


def required_bytes(base_bytes: int, new_files_bytes: int, headroom_mb: float) -> int:
    """``base_bytes``: the published file (or, for a rebuild, the archive the rows come from)."""
    return int(base_bytes + NEW_FILES_FACTOR * new_files_bytes + headroom_mb * 1_000_000)


def check_free_space(folder: Path, need: int) -> None:
    private.mkdir(folder)
    free = shutil.disk_usage(folder).free
    if free < need:
        kept = failed_copies(folder)
        hint = (
            (
                f"; the {len(kept)} failed working copies in {folder} hold {human(sum(p.stat().st_size for p in kept))} "
                "(remove them, or lower keep_failed_copies)"
            )
            if kept
            else ""
        )
        raise NotEnoughSpace(
            f"not enough free space on {mount_point(folder)} (for {folder}): need {human(need)}, have {human(free)}{hint}"
        )


def failed_copies(work_dir: Path) -> list[Path]:
    """Kept working copies of failed runs (``<run id>.duckdb``), newest first."""
    if not work_dir.is_dir():
        return []
    return sorted(
        (p for p in work_dir.glob("*.duckdb") if p.name != "in-progress.duckdb"),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )


def chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from or during, outermost first."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def disk_full(exc: BaseException) -> BaseException | None:
    """The exception in the chain that says the disk (or the file size limit) ran out, if any."""
    for item in chain(exc):
        if isinstance(item, OSError) and item.errno in FULL_ERRNOS:
            return item
        if any(text in str(item).lower() for text in FULL_TEXTS):
            return item
    return None


def out_of_memory(exc: BaseException) -> bool:
    """Whether DuckDB ran out of its memory limit anywhere in the chain (the GX worker's error comes
    back as text)."""
    return any(
        type(item).__name__ == "OutOfMemoryException" or mentions_memory(str(item)) for item in chain(exc)
    )


def mentions_memory(text: str) -> bool:
    """A message (a dbt error, say) that says DuckDB ran out of its memory limit."""
    return "out of memory error" in text.lower()


def memory_cause(limit: str, by_hand: bool) -> str:
    """The one line an out-of-memory failure ends with: the limit, who set it, and the fix."""
    if by_hand:
        return (
            f"DuckDB ran out of memory under the limit INDICATORS_DUCKDB_MEMORY_LIMIT={limit}: raise it "
            "(the bundled sample needs 200MB), or unset it and each run chooses its own from its rows"
        )
    return (
        f"DuckDB ran out of memory under the limit this run chose from its rows ({limit}): set "
        "INDICATORS_DUCKDB_MEMORY_LIMIT higher (4GiB, say), or free memory on the machine"
    )


def mentions_full(text: str) -> bool:
    """A message (a dbt error, say) that says the disk ran out."""
    return any(words in text.lower() for words in FULL_TEXTS)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:500]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def describe(exc: BaseException) -> str:
    """The real cause, in one line: a full disk wherever it hides in the chain; else the error and,
    when it was raised from or during another, that first one too (what a failed rollback hides)."""
    full = disk_full(exc)
    if full is not None:
        return _one_line(full)
    first = chain(exc)[-1]
    return _one_line(exc) if first is exc else f"{_one_line(exc)} (caused by {_one_line(first)})"


def remove_quietly(path: Path) -> bool:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        return False
    return True


def prune_failed_copies(work_dir: Path, keep: int, progress: Callable[[str], None]) -> None:
    """Keep the newest ``keep`` failed working copies (``<run id>.duckdb``); remove the older ones."""
    for old in failed_copies(work_dir)[max(keep, 0) :]:
        size = old.stat().st_size
        if remove_quietly(old):
            remove_quietly(old.with_name(old.name + ".wal"))
            progress(f"removed an older failed working copy {old} ({human(size)}; keep_failed_copies={keep})")
