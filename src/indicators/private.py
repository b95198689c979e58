"""Owner-only files for what may hold personal data or its pseudonyms: ``rejected/``, the archive, the
logs, ``work/``, the warehouse and a backup (folders 0700, files 0600), unless ``private_files: false``.

One rule, two means. While a run (or a backup) works, the process's umask is 0077 (:func:`owner_only`),
so that what DuckDB, polars, dbt and GX create for it is owner-only too; and the folders and files the
code creates itself go through :func:`mkdir` and :func:`open_file`, which ask for the owner-only modes
whatever the umask. Folders and files that exist already keep their modes (the operator's choice).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

FOLDER_MODE = 0o700
FILE_MODE = 0o600
PRIVATE_UMASK = 0o077

_private = True  # the setting of the run in progress (owner-only when no run says otherwise)

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def files(enabled: bool) -> Iterator[None]:
    """Owner-only files (umask 0077 and the modes below) within, when ``enabled``."""
    global _private
    saved_flag = _private
    _private = enabled
    saved_umask = os.umask(PRIVATE_UMASK) if enabled else None
    try:
        yield
    finally:
        if saved_umask is not None:
            os.umask(saved_umask)
        _private = saved_flag


def owner_only(func: F) -> F:
    """A function whose first argument is the settings runs under :func:`files` (``private_files``)."""

    @functools.wraps(func)
    def wrapper(settings, *args, **kwargs):
        with files(bool(getattr(settings, "private_files", True))):
            return func(settings, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def active() -> bool:
    """Owner-only files now (the run's ``private_files``; true outside a run)."""
    return _private


def mkdir(path: Path) -> Path:
    """``path`` and its missing parents, each new one 0700 (when private); existing ones as they are."""
    path = Path(path)
    if not path.is_dir():
        if not path.parent.is_dir():
            mkdir(path.parent)
        path.mkdir(mode=FOLDER_MODE if _private else 0o777, exist_ok=True)
    return path


def open_file(path: Path, mode: str = "a", encoding: str | None = "utf-8") -> IO:
    """``open(path, mode)`` with a new file created 0600 (when private); its folder made by :func:`mkdir`."""
    path = Path(path)
    mkdir(path.parent)
    flags = {"w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC, "a": os.O_WRONLY | os.O_CREAT | os.O_APPEND}
    base = mode.replace("b", "").replace("+", "")
    if base not in flags:
        raise ValueError(f"open_file: mode {mode!r} (only w, a, with b or +)")
    flag = flags[base]
    if "+" in mode:
        flag = (flag & ~os.O_WRONLY) | os.O_RDWR
    fd = os.open(path, flag, FILE_MODE if _private else 0o666)
    return os.fdopen(fd, mode, encoding=None if "b" in mode else encoding)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """``path.write_text(text)`` with a new file 0600 (when private)."""
    with open_file(path, "w", encoding=encoding) as handle:
        handle.write(text)


def copy_file(source: Path, target: Path) -> None:
    """A copy of ``source`` that is new at ``target`` (0600 when private: never a link, which would share
    the original's mode)."""
    import shutil

    with open(source, "rb") as reader, open_file(target, "wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)
