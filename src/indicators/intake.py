"""What the ingest decides about a delivered file as a whole, beside reading its rows: a file too
large to read (rejected unread), a name dated impossibly (rejected), headers that look misspelt (a warning), and a rejected file kept in
``rejected/`` under a name with its reason, once for the same bytes and reason."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from indicators import private
from indicators.disk import FULL_ERRNOS
from indicators.headers import closeness, closest_header
from indicators.readers import delivered as delivery
from indicators.readers.delivered import Delivered, shown, text_name
from indicators.redact import redact_text
from indicators.sources import SourceSpec, extraction_date, header_key, match_source


def oversize(size: int, max_mb: float) -> str | None:
    """Why a file of ``size`` bytes is rejected before it is read into memory (``max_file_mb``), or
    None: the ingest holds a file's bytes and the rows read from them at once, and a file of zeros or
    padding of a few GB ran the night out of memory."""
    if size <= max_mb * 1024 * 1024:
        return None
    return (
        f"file larger than {max_mb:g} MB is not accepted (max_file_mb; it has {size / 1024 / 1024:,.1f} MB), "
        "never read: deliver the export in parts, or raise max_file_mb if it really is one export"
    )


def misdated(file_name: str, run_day: dt.date, earliest: dt.date) -> str | None:
    """Why the extraction date in a file's name (as delivered) cannot be the day it was exported, or None.

    The date becomes its source's coverage end (README, "Which years"): a day after the run's date
    would stretch the coverage to the run's date, and one before ``date_window_start`` (the earliest
    date a row may hold, 1990-01-01 by default; 1970-01-01 is a clock's zero) would end it before
    any of the rows. Such a file is rejected and kept, like a broken one. A date that the redacted
    name no longer shows (part of what reads as a personnummer) is not quoted.
    """
    day = extraction_date(file_name)
    if day is None:
        return None
    if day > run_day:
        when = "today" if run_day == dt.date.today() else "the run's date, INDICATORS_RUN_DATE"
        problem = f"after {when} ({run_day})"
    elif day < earliest:
        problem = f"before {earliest} (date_window_start, the earliest date a row may hold)"
    else:
        return None
    if extraction_date(redact_text(file_name)) == day:
        said = f"its name says it was extracted on {day}"
    else:
        said = "its name carries an extraction date inside what reads as a personnummer (not shown)"
    return f"{said}, {problem}: rename it with the date it was exported"


def export_order(files: list[Delivered], specs: list[SourceSpec]) -> list[Delivered]:
    """``files`` (in name order) with the dated files of each source in the order of the dates in
    their names, each in one of the places those files held: the file read last is the source's
    latest version of a key (staging takes the highest file id), so that of two exports of one night
    the one taken last counts. In name order 'registreringar_2024-03-01.csv' came after
    'enrolments_2024-03-04.csv', and the older export's rows counted without a word. A file without a
    date keeps its place."""
    dated: dict[str, list[int]] = {}
    for place, file in enumerate(files):
        spec = match_source(file.path.name, specs)
        if spec is not None and extraction_date(file.path.name) is not None:
            dated.setdefault(spec.name, []).append(place)
    ordered = list(files)
    for places in dated.values():
        by_date = sorted(places, key=lambda p: (extraction_date(files[p].path.name), files[p].path.name))
        for place, taken in zip(places, by_date, strict=True):
            ordered[place] = files[taken]
    return ordered


def older_than_loaded(con, source: str, file_name: str) -> str | None:
    """A warning for an export whose name dates it before an export of its source already loaded
    (last March's file dropped again after October's): its rows become the latest version of every
    key the two share (staging takes the file loaded last), the later export's values replaced
    without a word. Within one night the dated files are read in date order (:func:`export_order`)."""
    day = extraction_date(file_name)
    if day is None:
        return None
    newer = con.execute(
        "select file_name, extraction_date from audit.loaded_files where source = ? and status = 'loaded' "
        "and extraction_date > ? order by extraction_date desc, file_id desc limit 1",
        [source, day],
    ).fetchone()
    if newer is None:
        return None
    return (
        f"exported {day} (by its name), before {shown(newer[0])} ({newer[1]}), loaded already: its rows "
        "replace that export's for the keys they share (if it is no correction, take it out of the inbox "
        "and deliver the newest export again)"
    )


def said_after_load(
    con, spec: SourceSpec, specs: list[SourceSpec], file_id: int, file_name: str
) -> str | None:
    """What the file just loaded (``file_id``) must say once its rows are in: rows counted twice
    (:func:`indicators.redelivery.regenerated_rows`), rows of an undated name over a dated export's."""
    from indicators.redelivery import regenerated_rows

    said = [regenerated_rows(con, spec, specs, file_id), _undated_over_dated(con, spec, file_id, file_name)]
    return "; ".join(filter(None, said)) or None


def _undated_over_dated(con, spec: SourceSpec, file_id: int, file_name: str) -> str | None:
    """A warning for an export whose name holds no date (``enrolments_senaste.csv``) whose rows share
    their keys with a dated export of its source loaded before it (this night, read before it in name
    order, or an earlier night): its rows replace that export's for those keys (staging takes the file
    loaded last) without a word, though nothing tells which of the two was taken later."""
    if extraction_date(file_name) is not None:
        return None
    table = f'raw."{spec.name}"'
    key = " and ".join(f'e."{k}" is not distinct from m."{k}"' for k in spec.business_key)
    found = con.execute(
        f"select f.file_name, f.extraction_date, count(distinct m._row_number) from {table} m join {table} e "
        f"on {key} join audit.loaded_files f on f.file_id = e._file_id where m._file_id = $file and "
        "e._file_id < $file and f.extraction_date is not null group by all order by 2 desc, 1 limit 1",
        {"file": file_id},
    ).fetchone()
    if found is None:
        return None
    name, day, rows = found
    return (
        f"its name holds no date, and {rows} of its rows share their key with {shown(name)} ({day}), loaded "
        "already: its rows replace that export's for those keys, whichever was exported later (rename it "
        "with the date it was exported)"
    )


def misspelt_headers(spec: SourceSpec, headers: list[str], ignored: list[str]) -> list[str]:
    """A warning for each ignored header whose closest field (by the rule of a missing required
    column's "closest") is one no column of the file gives: most likely a misspelt header, and the
    file loads without that field. A header closest to a field the file does give is left alone."""
    if not ignored:
        return []
    lookup = spec.header_map()
    given = {lookup.get(header_key(h)) for h in headers if h not in ignored}
    fields = [f for f in spec.fields if f.from_export]
    contract = spec.contract_file or f"pipelines/{spec.name}.yml"
    lines = []
    for header in ignored:
        key = header_key(header)
        close = [f for f in fields if closest_header(f, {key: header}) is not None]
        if not close:
            continue
        meant = max(close, key=lambda f: closeness(f, key))
        if meant.name in given:
            continue
        shown_header = repr(redact_text(header))
        left = f"gets its default: {meant.default!r}" if meant.default is not None else "is empty"
        lines.append(
            f"header {shown_header} is ignored and no column gives {meant.name} (closest: {meant.name} ← "
            f"{shown_header}?), so {meant.name} {left} in every row: rename the header, or add it to "
            f"{meant.name}'s aliases: in {contract}"
        )
    return lines


NAME_MAX = 255  # bytes of one name (ext4, XFS, Btrfs, tmpfs)
NOTE = ".reason.txt"


def _fitted(name: str, room: int) -> str:
    """``name`` in at most ``room`` bytes of UTF-8: its start and its end (the export's date and
    suffix), with ``…`` between them where the middle is left out."""
    data = name.encode()
    if len(data) <= room:
        return name
    keep = room - len("…".encode())
    head = data[: keep - keep // 2].decode(errors="ignore")  # a character cut in two is left out
    tail = data[len(data) - keep // 2 :].decode(errors="ignore")
    return f"{head}…{tail}"


def _reason_slug(reason: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-")[:60] or "rejected"


def kept_before(recorded: str | None, reason: str, rejected_dir: Path) -> str | None:
    """The name of the copy an earlier run kept of these bytes, rejected for this same reason, while
    it is still in ``rejected_dir`` (retention removes it): the bytes need no second copy."""
    shown_reason = redact_text(reason)

    def undated(text: str) -> str:  # a reason may name the run's date (a file named after it)
        return re.sub(r"\d{4}-\d{2}-\d{2}", "DATE", text)

    if not recorded or not undated(recorded).startswith(f"{undated(shown_reason)} (kept as "):
        return None
    name = (
        recorded[len(shown_reason) + len(" (kept as ") :].removesuffix(")").removesuffix(", the same bytes")
    )
    return name if name and "/" not in name and (rejected_dir / name).is_file() else None


def not_kept(exc: OSError, rejected_dir: Path) -> str:
    """Why a rejected file has no copy: the disk (or the file size limit) too small for it, and the fix."""
    return (
        f"not kept: the disk ran out of space in {rejected_dir} ({exc.strerror or exc}); free space there: "
        "the file stays in the inbox, and the next run keeps it"
    )


def kept_as(file: Delivered, data: bytes | None, reason: str, rejected_dir: Path, run_id: str) -> str:
    """ "kept as <name>" (:func:`keep_rejected`), or where the disk (or the file size limit) has no room
    for the copy, nothing kept and why (:func:`not_kept`): the night goes on without the copy, the file
    stays in the inbox (a copy stopped at the limit ended the night, nothing published)."""
    try:
        return f"kept as {shown(keep_rejected(file, data, reason, rejected_dir, run_id).name)}"
    except OSError as exc:
        if exc.errno not in FULL_ERRNOS:
            raise
        return not_kept(exc, rejected_dir)


def keep_rejected(file: Delivered, data: bytes | None, reason: str, rejected_dir: Path, run_id: str) -> Path:
    """Keep a rejected file under a name with its reason: ``<run>__<reason>__<name>``, plus ``….reason.txt``.

    The kept file is the untouched original (a hard link to the file read where the file system
    allows, else a copy of the bytes read (of the file itself, block by block, where ``data`` is None:
    a file too large to read), with the original's mode bits at most); with
    ``private_files`` (the default) always an owner-only copy (0600 at most), since a hard link keeps
    the inbox file's mode. It may hold personal data exactly as the inbox does. The reason note never
    holds personal data.
    """
    path = file.path
    private.mkdir(rejected_dir)
    # the name never holds a personnummer (the bytes, kept as delivered, may): two names that redact
    # alike get a number, so that neither original is lost
    stem = redact_text(f"{run_id}__{_reason_slug(redact_text(reason))}__")
    name = redact_text(text_name(path.name))
    # the longest name kept is the note's, ``<stem><number>__<name>.reason.txt``: it must fit a file
    # system's 255 bytes, so a long name (an inbox name may have 255) is shortened in its middle
    short = _fitted(name, NAME_MAX - len(f"{stem}9999__{NOTE}".encode()))
    target = rejected_dir / f"{stem}{short}"
    number = 1
    while target.exists() or target.with_name(target.name + NOTE).exists():
        number += 1
        target = rejected_dir / f"{stem}{number}__{short}"
    delivery.keep_copy(data, file.st, path, target, link=not private.active())
    try:
        private.write_text(
            target.with_name(target.name + NOTE),
            f"file: {shown(name)}\nrejected by run: {run_id}\nreason: {redact_text(reason)}\n",
        )
    except OSError:  # no copy without its note
        target.unlink()
        target.with_name(target.name + NOTE).unlink(missing_ok=True)
        raise
    return target
