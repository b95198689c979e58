"""``indicators backup DIR``: a consistent copy of the published warehouse and of the archive.

The copy is taken while holding the run lock, so no nightly publishes in the middle of it (a run
that holds the lock is waited for, up to ``wait_seconds``); readers stay connected, since the
published file is only read. Then the copy is checked: it opens read-only and every raw and audit
table reads back whole, and every archive file matches its sha256 in the manifest. The archive is
append-only, so files already in DIR with the right checksum are not copied again.

``DIR/archive`` mirrors the archive: once the copy verified, a Parquet file of an earlier backup that
its manifest no longer names (``<source>/<identity>.parquet`` and ``_quarantine/…`` named by a
64-digit hex identity: the plain sha256 names the keyed file identity replaced, :mod:`indicators.fileid`)
is removed. Nothing else is: not outside ``DIR/archive``, not ``_history``, not a file of another
name, and nothing at all when ``DIR/archive`` is the archive itself.

The key is *not* copied: keep it apart from these copies (see the README, "What to back up"). Its check
value is (``key_check.json``, an HMAC of a fixed text, not the key): a rebuild from the copy with
another key stops before it reads anything, as the nightly does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from indicators import fileid, history, keycheck, private, warehouse
from indicators.archive import MANIFEST, Archive, file_sha256
from indicators.config import Settings
from indicators.disk import human

_IDENTITY = re.compile(r"[0-9a-f]{64}")


class BackupError(Exception):
    """The backup could not be made or does not verify (the message says which file)."""


def _unnamed(copy: Archive, source: Path) -> list[Path]:
    """The Parquet files of the copy ``copy`` that its manifest does not name (see the module's text)."""
    if copy.root.exists() and source.exists() and copy.root.samefile(source):
        return []
    named = {
        copy.root / entry[part]["path"]
        for entry in copy.entries().values()
        for part in ("rows", "quarantine")
        if entry.get(part)
    }
    found = [*copy.root.glob("*/*.parquet"), *copy.root.glob("_quarantine/*/*.parquet")]
    return sorted(
        path
        for path in found
        if path not in named and path.parent.name != history.FOLDER and _IDENTITY.fullmatch(path.stem)
    )


def _copy_atomic(source: Path, target: Path) -> None:
    private.mkdir(target.parent)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)


@private.owner_only
def backup(
    settings: Settings, out: Path, wait_seconds: float = 600.0, progress: Callable[[str], None] = print
) -> dict:
    if not settings.warehouse.exists():
        raise BackupError(f"no published warehouse at {settings.warehouse}")
    out = out.resolve()
    run_id = "backup-" + dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    with warehouse.run_lock(settings.lock_file, run_id, wait_seconds):
        target = out / settings.warehouse.name
        _copy_atomic(settings.warehouse, target)
        archive = Archive(settings.archive_dir)
        entries = archive.entries()
        copied = 0
        for entry in entries.values():
            for part in ("rows", "quarantine"):
                item = entry.get(part)
                if not item:
                    continue
                there = out / "archive" / item["path"]
                if (
                    there.exists()
                    and there.stat().st_size == item["bytes"]
                    and file_sha256(there) == item["sha256"]
                ):
                    continue
                _copy_atomic(archive.root / item["path"], there)
                copied += 1
        if archive.manifest.exists():
            _copy_atomic(archive.manifest, out / "archive" / MANIFEST)
        for name in (keycheck.FILE, fileid.RECORD):  # the key's check value: a rebuild from the copy
            if (archive.root / name).exists():  # refuses another key, as the nightly does
                _copy_atomic(archive.root / name, out / "archive" / name)
        for path in sorted((archive.root / history.FOLDER).glob("*/*.parquet")):  # write-once files
            there = out / "archive" / path.relative_to(archive.root)
            if not there.exists() or there.stat().st_size != path.stat().st_size:
                _copy_atomic(path, there)
    damage = warehouse.check_published(target)
    if damage is not None:
        raise BackupError(f"the copy {target} does not verify: {damage}")
    copy = Archive(out / "archive")
    problems = copy.verify()
    if problems:
        raise BackupError("the archive copy does not verify: " + "; ".join(problems[:5]))
    removed = _unnamed(copy, archive.root)
    for path in removed:  # an earlier backup's, under names the archive no longer has
        path.unlink(missing_ok=True)
    record = {
        "taken_at": dt.datetime.now().replace(microsecond=0).isoformat(),
        "warehouse": str(settings.warehouse),
        "warehouse_sha256": file_sha256(target),
        "warehouse_bytes": target.stat().st_size,
        "archive": str(archive.root),
        "archive_files": len(entries),
        "archive_files_copied": copied,
        "archive_files_removed": len(removed),
    }
    private.write_text(out / "backup.json", json.dumps(record, indent=2) + "\n")
    progress(
        f"backup: {target} ({human(record['warehouse_bytes'])}, opens read-only, every table reads back) and "
        f"{len(entries)} archived files in {out / 'archive'} ({copied} copied now, all checksums match"
        + (f"; {len(removed)} files its manifest no longer names removed" if removed else "")
        + "). "
        "The pseudonymisation key is not in it: back it up apart."
    )
    return record
