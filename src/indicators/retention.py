"""Retention of what is in clear: loaded exports leave the inbox, rejected originals leave ``rejected/``.

After a successful publish, with ``inbox_retention_days`` set (default 30; ``null`` keeps them for
ever):

* an inbox file older than that whose identity (the keyed HMAC of its sha256, :mod:`indicators.fileid`)
  the published warehouse holds as ``loaded`` is
  deleted; its age counts from its modification time, or from the first load of its bytes where
  that was earlier (a modification time in the future: a wrong clock, a zip's or a copy program's
  time, never reached); its rows are in the warehouse and in the archive, pseudonymised, and
  ``audit.loaded_files`` keeps its name, size and identity, so a re-delivered identical file is still
  skipped. That covers a file recorded as ``skipped`` too (the same bytes as a loaded file);
* a kept original in ``rejected/`` (and its ``.reason.txt``) older than that, counted from the
  rejection, is deleted;
* a file that matches no source, or that was never loaded, is never deleted (one larger than
  ``max_file_mb``, never loaded, is not even hashed).
Every deletion is a line in the run's log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from indicators.config import Settings
from indicators.disk import describe
from indicators.identity import Pseudonymiser
from indicators.ingest import inbox_delivered
from indicators.intake import oversize
from indicators.readers import delivered as delivery
from indicators.readers.delivered import shown, text_name
from indicators.redact import redact_text
from indicators.sources import load_sources, match_source

DAY = 86_400


def _named(path: Path) -> str:
    """A path as a line names it: redacted, then escaped (a tab inside a personnummer is written \\t
    only after the rule has seen it as a separator)."""
    return shown(redact_text(text_name(str(path))))


def apply(
    settings: Settings, progress: Callable[[str], None], now: float | None = None, *, key: bytes
) -> list[str]:
    """Delete what retention allows; returns warnings (a file that could not be deleted). ``key``:
    the pseudonymisation key, which the files' identities are keyed with."""
    days = settings.inbox_retention_days
    if days is None:
        return []
    now = now or time.time()
    cutoff = now - days * DAY
    warnings: list[str] = []
    try:
        if settings.inbox.is_dir():
            warnings += _inbox(settings, cutoff, days, progress, now, Pseudonymiser(key).file_identity)
        if settings.rejected_dir.is_dir():
            warnings += _rejected(settings.rejected_dir, cutoff, days, progress)
    except (OSError, duckdb.Error) as exc:  # after the publish: a warning, never a crash
        line = f"retention stopped ({describe(exc)}); nothing more was deleted this time"
        progress(f"warning: {line}")
        warnings.append(line)
    return warnings


def _delete(path: Path, why: str, progress) -> str | None:
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    except OSError as exc:
        # the error's own text repeats the path by repr() (a tab as \\t): its cause alone
        cause = f"{type(exc).__name__}: {exc.strerror}" if exc.strerror else describe(exc)
        line = f"retention: could not delete {_named(path)}: {cause}"
        progress(f"warning: {line}")
        return line
    progress(f"retention: deleted {_named(path)} ({why})")
    return None


def _inbox(settings: Settings, cutoff: float, days: float, progress, now: float, identity) -> list[str]:
    specs = load_sources(settings.pipelines_dir)
    # regular files only, as listed (lstat): old by their time, or dated in the future (then their
    # first load decides)
    old = [
        file
        for file in inbox_delivered(settings.inbox)
        if ((modified := file.st.st_mtime) <= cutoff or modified > now)
        and match_source(file.path.name, specs)
        # one too large to read was never loaded: never hashed here either (a sparse 1 TB: hours)
        and oversize(file.st.st_size, settings.max_file_mb) is None
    ]
    if not old:
        return []
    try:
        con = duckdb.connect(str(settings.warehouse), read_only=True)
    except duckdb.ConnectionException as exc:  # open in this process with another configuration
        return [f"retention: skipped this time, the published warehouse could not be opened ({exc})"]
    try:
        first_loaded = dict(
            con.execute(
                "select sha256, min(loaded_at) from audit.loaded_files where status = 'loaded' group by sha256"
            ).fetchall()
        )
    finally:
        con.close()
    warnings = []
    for file in old:
        # opened as the ingest opens a file: never through a link, never blocking (a FIFO swapped in)
        try:
            loaded = first_loaded.get(identity(delivery.file_sha256(file)))
        except delivery.Changed as exc:  # swapped or removed since the listing: not the file loaded
            progress(f"retention: kept {_named(file.path)} ({exc})")
            continue
        except delivery.Unreadable as exc:
            line = f"retention: kept {_named(file.path)}: {exc}"
            progress(f"warning: {line}")
            warnings.append(line)
            continue
        if (
            loaded is not None and min(file.st.st_mtime, loaded.timestamp()) <= cutoff
        ):  # loaded_at: local time
            if not delivery.still_same(file):
                progress(f"retention: kept {_named(file.path)} (changed while it was looked at)")
                continue
            problem = _delete(
                file.path,
                f"loaded and published; older than {days:g} days; its identity stays in audit.loaded_files",
                progress,
            )
            warnings += [problem] if problem else []
    return warnings


def _rejected(folder: Path, cutoff: float, days: float, progress) -> list[str]:
    warnings = []
    for note in sorted(folder.glob("*.reason.txt")):
        try:
            if note.lstat().st_mtime > cutoff:  # the note is written when the file is rejected
                continue
        except FileNotFoundError:  # removed meanwhile (by hand)
            continue
        original = note.with_name(note.name.removesuffix(".reason.txt"))
        for path in (original, note):
            problem = _delete(path, f"rejected more than {days:g} days ago", progress)
            warnings += [problem] if problem else []
    return warnings
