"""Before the working copy: is the published file whole (else stop, or rebuild it), is the archive
complete, is there the space the run needs; and a rebuild's restore from the archive."""

from __future__ import annotations

import html
import re
import urllib.parse
from pathlib import Path

from indicators import disk, fileid, warehouse
from indicators.archive import Archive
from indicators.config import Settings, key_file_exposed
from indicators.identity import luhn_digit
from indicators.ingest import FileResult, IngestSummary, inbox_delivered
from indicators.intake import oversize
from indicators.readers.delivered import text_name
from indicators.redact import COMPILED, narrow_digits, redact_text


class RunStopped(Exception):
    """A run that must not go on (a damaged published file): the message says why and what to do."""


def before_copy(
    settings: Settings, archive: Archive, reporter, rebuild: bool, key: bytes, run_id: str
) -> tuple[bool, list[str]]:
    """Is the published file whole (else stop, or rebuild it when ``auto_rebuild``)? Is the archive
    complete? Is there the space the run needs? Returns (start from the archive, warnings). An
    archive named by plain sha256s is first renamed to keyed identities (:mod:`indicators.fileid`)."""
    notes: list[str] = []
    restore = rebuild
    in_clear = seed_with_personnummer(settings.root)
    if in_clear:
        raise RunStopped(in_clear)
    exposed = key_file_exposed(settings)
    if exposed:
        reporter(f"warning: {exposed}")
        notes.append(exposed)
    for number in archive.torn_lines():
        line = (
            f"{archive.manifest} line {number} is torn (not a whole JSON entry) and is ignored; "
            "repair or remove that line (a loaded file it named is archived again from the warehouse)"
        )
        reporter(f"warning: {line}")
        notes.append(line)
    fileid.migrate_archive(archive, key, run_id, reporter)
    if rebuild:  # damaged or not, it is replaced: never under another process's read-write connection
        warehouse.refuse_if_open_read_write(settings.warehouse)
    else:
        damage = warehouse.check_published(settings.warehouse)
        if damage is None and not settings.warehouse.exists() and archive.entries():
            damage = (
                f"it is missing, but the archive {archive.root} holds {len(archive.entries())} loaded files"
            )
        if damage is not None:
            found = f"the published warehouse {settings.warehouse} is damaged: {damage}"
            if not settings.auto_rebuild:
                raise RunStopped(
                    f"{found}. Nothing was run and the file is left as it is. Remedy: `indicators rebuild` "
                    f"recreates it from the archive {archive.root} (or set auto_rebuild: true, "
                    "INDICATORS_AUTO_REBUILD=1, to let the nightly do so)"
                )
            reporter(
                f"{found}; auto_rebuild is on: rebuilding it from the archive {archive.root}, then the inbox"
            )
            notes.append(
                f"the published warehouse was damaged ({damage}); rebuilt from the archive {archive.root}"
            )
            restore = True
        elif settings.warehouse.exists():
            archive.sync_from(settings.warehouse, reporter, key)
    # a rebuild loads every archived file anew: they count as new files (by their exported size)
    known = set() if restore else warehouse.known_files(settings.warehouse)
    new_bytes = archive.exported_bytes() if restore else 0
    unread = 0  # a file too large to read is only kept, by a copy of its data (a sparse file's: none)
    if not rebuild and settings.inbox.is_dir():
        for file in inbox_delivered(settings.inbox):  # the sizes as listed (lstat): a file gone is no crash
            if (redact_text(text_name(file.path.name)), file.st.st_size) in known:  # as recorded
                continue
            if oversize(file.st.st_size, settings.max_file_mb) is None:
                new_bytes += file.st.st_size
            else:
                unread += file.st.st_blocks * 512
    base = 0 if restore or not settings.warehouse.exists() else settings.warehouse.stat().st_size
    if base and not fileid.published_keyed(settings.warehouse):
        base *= 2  # the one-time migration writes the working copy anew beside it (indicators.fileid)
    need = disk.required_bytes(base, new_bytes, settings.disk_headroom_mb) + unread
    disk.check_free_space(settings.work_dir, need)
    return restore, notes


def seed_with_personnummer(root: Path) -> str | None:
    """The line that stops a run whose project's seeds (``seeds/*.csv``: the plans, their targets, the
    annotations a user edits) hold something shaped like a personnummer, naming the first such line;
    None when none does. dbt loads a seed as it is written, into the warehouse's ``reference`` tables,
    the marts and the BI files: the ingest's redaction never sees it."""
    for path in sorted((root / "seeds").rglob("*.csv")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if any(_a_persons(part.group(0)) for part in COMPILED.finditer(line)):
                return (
                    f"{path.relative_to(root)} line {number} holds a personnummer ({redact_text(line)[:160]}): "
                    "a seed is published as it is written; take the number out of the file and run again. "
                    "Nothing was run; the last publish stands"
                )
    return None


def _a_persons(part: str) -> bool:
    """Whether a personnummer-shaped part of a seed's line can be a person's number: a reserve or
    T-number (a letter in its serial), or ten digits (the last of twelve) with a month, a day (a
    samordningsnummer's too) and a check digit that holds. A date followed by a count, as a note may
    write it ('2020-03-15 1500 studenter'), fails the check nine times in ten: it is text, and the
    night runs."""
    plain = narrow_digits(urllib.parse.unquote(html.unescape(html.unescape(part))))
    digits = re.sub(r"[^0-9]", "", plain)
    if re.search(r"[A-Za-z]", plain) or len(digits) < 10:
        return True
    ten = digits[-10:]
    month, day = int(ten[2:4]), int(ten[4:6])
    dated = 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)
    return dated and luhn_digit(ten[:9]) == int(ten[9])


def restore(con, archive: Archive, reporter) -> IngestSummary:
    """The archive's files back into an empty working copy (``indicators rebuild``)."""
    entries, deliveries = archive.restore(con)
    left_out = len(archive.deliveries()) - len(deliveries)
    reporter(
        f"rebuild: {len(entries)} files restored from the archive {archive.root} "
        f"({sum(e['row_count'] for e in entries)} rows), and {len(deliveries)} dated deliveries "
        "without rows of their own (their dates reach the coverage end)"
        + (
            f"; {left_out} delivery lines left out: their file id is another line's (an edited "
            f"manifest? check {archive.manifest})"
            if left_out
            else ""
        )
    )
    return IngestSummary(
        [
            FileResult(
                e["file_name"],
                e["source"],
                "loaded",
                "restored from the archive",
                rows_read=e["loaded_file"].get("rows_read") or 0,
                rows_loaded=e["row_count"],
                rows_quarantined=e["quarantine_count"],
                rows_collapsed=e["loaded_file"].get("rows_collapsed") or 0,
            )
            for e in entries
        ]
    )
