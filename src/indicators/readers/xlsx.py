"""XLSX exports (calamine via fastexcel): the first visible sheet unless the source names one (a
hidden sheet, a template's drop-down lists or last year's export an analyst hid, is read only when
the source's ``sheet:`` names it).

The workbook is read from its bytes in memory (never from its path, which polars would take as a
pattern). Before calamine sees it, every member's real unpacked size is counted by inflating it in
blocks, whatever the zip's directory claims (a zip bomb can understate its sizes there): more than
``max_unpacked_mb`` in all rejects the file, and at no time is more than a block held unpacked.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import polars as pl

from indicators.derive import EXCEL_ERROR
from indicators.identity import redact_text
from indicators.readers.composed import MARK_LEAD_BYTES, composed
from indicators.readers.csv import check_duplicates, check_width
from indicators.readers.errors import ReaderError
from indicators.readers.xlsx_errors import (
    any_cell,
    error_columns,
    every_sheet_xml,
    hidden_sheets,
    sheet_xml,
    sheets_xml,
)
from indicators.readers.xlsx_extent import check_extent
from indicators.readers.xlsx_header import sheet_headers
from indicators.readers.xlsx_merged import fill_merged

MAX_UNPACKED_MB = 512  # the default of the setting xlsx_max_unpacked_mb
MAX_RATIO = 200
BLOCK = 1 << 16  # compressed bytes fed at a time
OUT_BLOCK = 1 << 20  # unpacked bytes produced at a time, at most
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header (30 bytes)
_DEDUPLICATED = re.compile(r"^(.*)_(\d+)$")
# Rust's Debug escape of a character (fastexcel quotes a workbook's text so: a no-break space \u{a0})
_RUST_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,6})\}")
# the fix of a workbook calamine cannot read (an entity its XML does not define, a cell type it does not
# know) or whose zip is damaged: written by a program, not by Excel, or changed on the way
RESAVE = ": open it in Excel and save it again as Excel Workbook (.xlsx), or deliver a new export"
# the fix of a workbook that unpacks to more than a workbook should (a zip bomb, or a very large export)
TOO_LARGE = (
    ": deliver a new export (as CSV if it is this large), or raise xlsx_max_unpacked_mb if this one is real"
)
NEW_EXPORT = ": no spreadsheet program writes one so; ask its sender for a new export"  # a crafted zip


def read_xlsx(
    data: bytes | Path, sheet: str | None = None, max_unpacked_mb: float = MAX_UNPACKED_MB, skip_rows: int = 0
) -> pl.DataFrame:
    """All columns as String (Excel date cells as ``YYYY-MM-DD``), plus ``_row_number``.

    ``skip_rows``: rows above the header (merged title rows), counted from the sheet's first row.
    """
    if isinstance(data, Path):
        data = data.read_bytes()
    marks = _check_zip(data, int(max_unpacked_mb * 1024 * 1024))
    _check_shared_strings(data)
    named = bool(sheet)  # a hidden sheet is read only when named
    sheet, hidden = (_sheet_named(data, sheet), set()) if sheet else _first_visible(data)
    xml = _checked_sheet(data, sheet, max_unpacked_mb)  # read once: its range, error cells, merged cells
    try:
        kwargs: dict = {"sheet_name": sheet} if sheet else {"sheet_id": 1}
        if skip_rows:
            kwargs["read_options"] = {"header_row": skip_rows}
        # empty rows kept until the rows are numbered: a row number is the sheet's row
        frame = pl.read_excel(
            data, engine="calamine", infer_schema_length=None, drop_empty_rows=False, **kwargs
        )
    except pl.exceptions.NoDataError:  # a sheet without a cell: no header, no rows
        raise ReaderError(
            _no_rows(data, sheet, [], "unreadable XLSX: empty Excel sheet", max_unpacked_mb, named, hidden)
        ) from None
    except Exception as exc:  # fastexcel raises its own error types for every kind of bad workbook
        message = _library_message(exc)
        raise ReaderError(f"unreadable XLSX: {message}{_empty_part(data) or RESAVE}") from None
    if frame.width == 0 or frame.height == 0:
        raise ReaderError(
            _no_rows(data, sheet, frame.columns, max_unpacked_mb=max_unpacked_mb, named=named, hidden=hidden)
        )
    check_width(frame.width)
    _check_header(data, sheet, frame.columns, skip_rows)
    frame = frame.select(_as_text(frame[name]) for name in frame.columns)
    columns = frame.columns
    errors = error_columns(xml, columns)  # Excel's #N/A, #REF!, …: read as empty cells
    frame = frame.with_row_index("_row_number", offset=2 + skip_rows).with_columns(
        pl.col("_row_number").cast(pl.Int64)
    )
    for name, reasons in errors.items():
        frame = frame.join(
            reasons.rename({"reason": EXCEL_ERROR + name}),
            on="_row_number",
            how="left",
            maintain_order="left",
        )
    # blank rows: no cell, or only text of nothing (a formula giving "" filled down a hand-kept sheet)
    cells = pl.exclude("_row_number")
    frame = frame.filter(~pl.all_horizontal(cells.is_null() | (cells.str.strip_chars() == "")))
    frame = fill_merged(frame, xml, columns, skip_rows)  # cells merged down rows: each row shows the value
    if frame.height == 0:
        columns = [c for c in frame.columns if c != "_row_number"]
        raise ReaderError(
            _no_rows(data, sheet, columns, max_unpacked_mb=max_unpacked_mb, named=named, hidden=hidden)
        )
    return composed(frame) if marks else frame  # decomposed text (NFD) as the composed text it shows


def _library_message(exc: Exception) -> str:
    """The first line of a library's error, its quoted text redacted before it is cut: Rust's escapes
    read as the characters they stand for first, so that the rule sees a personnummer's separator."""
    text = _RUST_ESCAPE.sub(_escaped_char, str(exc)).strip()
    return redact_text(text.splitlines()[0])[:200] if text else type(exc).__name__


def _escaped_char(match: re.Match) -> str:
    code = int(match.group(1), 16)
    return match.group() if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF else chr(code)  # no surrogate


def _checked_sheet(data: bytes, sheet: str | None, max_unpacked_mb: float) -> bytes | None:
    """The XML of the sheet calamine reads (``sheet``, else the first), its range checked (a stray
    cell far away: calamine would abort the run). Where the workbook's relationships do not lead to
    it (a part calamine finds its own way), every sheet's range is checked."""
    try:
        xml = sheet_xml(data, sheet)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError):  # a damaged member: calamine says so
        xml = None
    if xml is not None:
        check_extent(xml, max_unpacked_mb)
        return xml
    for other in every_sheet_xml(data):
        check_extent(other, max_unpacked_mb)
    return None


def _no_rows(
    data: bytes,
    sheet: str | None,
    header: list[str],
    empty: str = "no data rows (empty sheet)",
    max_unpacked_mb: float = MAX_UNPACKED_MB,
    named: bool = False,
    hidden: set[str] | frozenset[str] = frozenset(),
) -> str:
    """Why a sheet without rows is rejected: an empty export ("no data rows", which a dated file's
    delivery counts as: an empty month), or, where the contract names no sheet, the sheet read (the
    first visible) holds no header of a table (one cell at most: a title) and another sheet holds
    cells, a first sheet that is not the table (a cover sheet, "Info"): the others named, a hidden one
    said so (``hidden``: the workbook's hidden sheets); ``empty``: the reason otherwise."""
    if named or len([h for h in header if not h.startswith("__UNNAMED__")]) > 1:
        return empty
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
        read = sheet if sheet is not None else names[0]
        others = [n for n in names if n != read]
        firsts = dict(sheet_headers(data, others))  # each one's first row from its XML's start, if it tells
        # a sheet whose first row tells holds cells: its whole XML is not unpacked (a hidden sheet of
        # 300,000 rows beside a cover sheet was, to find a cell its first row had shown)
        told = {name for name in others if firsts.get(name)}
        found = {
            name
            for name, xml in sheets_xml(data, [n for n in others if n not in told])
            if _holds_cells(reader, data, name, xml, max_unpacked_mb)
        }
        filled = [name for name in others if name in told or name in found]
    except Exception:  # noqa: BLE001 - a sheet that cannot be read holds no table to name
        return empty
    if not filled:
        return empty
    listed = ", ".join(
        repr(redact_text(name)) + (" (hidden)" if name in hidden else "") for name in filled[:10]
    ) + (", …" if len(filled) > 10 else "")
    first = "first visible sheet" if read != names[0] or hidden else "first sheet"
    return (
        f"the {first} {redact_text(read)!r} holds no table (a cover sheet?), the rows are on "
        f"another ({listed}): set the source's sheet: in its pipelines file to the sheet that holds them"
    )


def _first_visible(data: bytes) -> tuple[str | None, set[str]]:
    """The sheet read where the contract names none: the first that is not hidden (None: the first,
    as where the workbook's part lists none), and the hidden sheets. A workbook whose every sheet is
    hidden (a program wrote it so: Excel keeps one visible) is rejected: its first was read without a
    word, and a hidden sheet is read only when named."""
    try:
        names, hidden = hidden_sheets(data)
    except (zipfile.BadZipFile, OSError, ValueError):  # a damaged workbook: calamine's reading names it
        return None, set()
    if not names or names[0] not in hidden:
        return None, hidden
    visible = next((name for name in names if name not in hidden), None)
    if visible is None:
        listed = ", ".join(repr(redact_text(name)) for name in names[:10]) + (
            ", …" if len(names) > 10 else ""
        )
        raise ReaderError(
            f"every sheet of the workbook is hidden ({listed}): set the source's sheet: in its pipelines file "
            "to the sheet that holds the rows (a hidden sheet is read only when named)"
        )
    return visible, hidden


def _holds_cells(reader, data: bytes, name: str, xml: bytes | None, max_unpacked_mb: float) -> bool:
    """Does the sheet (its ``xml``, None where calamine finds it its own way) hold a cell? Its range
    is checked before calamine loads it (a value far away is a cell: the sheet is not loaded); a sheet
    whose XML holds no cell is not loaded either (one whose first row, read from its XML's start:
    xlsx_header, has a value is not asked: calamine held a hidden sheet of 300,000 rows whole, for
    two rows)."""
    try:
        if xml is None:
            _checked_sheet(data, name, max_unpacked_mb)
        else:
            check_extent(xml, max_unpacked_mb)
    except ReaderError:
        return True
    if xml is not None and not any_cell(xml):
        return False
    return reader.load_sheet(name, header_row=None, n_rows=2).to_polars().height > 0


def _sheet_named(data: bytes, sheet: str) -> str:
    """The workbook's sheet the contract's ``sheet:`` names: its own spelling, or the one sheet that
    differs from it only in case and spaces (``data `` for ``Data``); else a rejection naming them."""
    import fastexcel

    try:
        names = fastexcel.read_excel(data).sheet_names
    except Exception:  # noqa: BLE001 - a bad workbook: polars' read says what is wrong with it
        return sheet
    if sheet in names:
        return sheet
    close = [
        name for name in names if " ".join(name.split()).casefold() == " ".join(sheet.split()).casefold()
    ]
    if len(close) == 1:
        return close[0]
    listed = ", ".join(repr(redact_text(name)) for name in close)
    if close:
        raise ReaderError(
            f"{len(close)} sheets match sheet {sheet!r} but for case and spaces ({listed}): name one of "
            "them exactly in the source's sheet:, or rename the other"
        )
    listed = ", ".join(repr(redact_text(name)) for name in names[:10]) + (", …" if len(names) > 10 else "")
    raise ReaderError(
        f"no sheet named {sheet!r} (the workbook's sheets: {listed}): set the source's sheet: in its "
        "pipelines file to the sheet that holds the rows"
    )


def _check_header(data: bytes, sheet: str | None, columns: list[str], skip_rows: int = 0) -> None:
    """A header naming a column twice is rejected (calamine renames the second ``name_1``): when a
    column looks renamed, the header row itself is read to tell."""
    names = set(columns)
    if not any((m := _DEDUPLICATED.match(c)) and m.group(1) in names for c in columns):
        return
    import fastexcel

    reader = fastexcel.read_excel(data)
    header = reader.load_sheet(
        sheet if sheet else 0, header_row=None, skip_rows=skip_rows, n_rows=1
    ).to_polars()
    check_duplicates(list(header.row(0)) if header.height else [])


def _as_text(column: pl.Series) -> pl.Series:
    dtype = column.dtype
    if dtype == pl.Date:
        return column.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return column.dt.strftime("%Y-%m-%d")
    if dtype.is_float():
        integral = column.drop_nulls()
        if integral.len() and (integral == integral.round(0)).all() and integral.abs().max() < 1e15:
            return column.cast(pl.Int64).cast(pl.String)
    return column.cast(pl.String)


def _empty_part(data: bytes) -> str:
    """The first XML part of the workbook that holds nothing (0 bytes: a workbook cut short by the
    program that wrote it; calamine says "Cannot detect file format"), as the reason's end, or ""."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a zip: checked before (_check_zip)
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return ""
    empty = next((i.filename for i in infos if i.filename.endswith(".xml") and not i.file_size), None)
    if empty is None:
        return ""
    return (
        f": its part {redact_text(empty)[:100]} is empty (written only in part); save it again from Excel, "
        "or deliver it again"
    )


def _what_it_is(data: bytes) -> str:
    """What a file named .xlsx that is no zip archive most likely is, and the fix."""
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE compound file
        return (
            ": a password-protected workbook or a legacy .xls renamed; save it from Excel without a "
            "password as Excel Workbook (.xlsx)"
        )
    if data.startswith(b"PK"):
        return ": a damaged or incomplete zip (still being copied?); deliver the file again"
    head = data[:4096]
    if head and b"\x00" not in head and head.lstrip().startswith((b"<!", b"<html", b"<HTML", b"<?xml")):
        return ": an HTML or XML page named .xlsx (some systems export so); save it from Excel as .xlsx"
    if head and b"\x00" not in head:
        return ": text (a CSV export named .xlsx?); name it .csv"
    return ""


def _check_zip(data: bytes, cap: int) -> bool:
    """Rejects a file that is no workbook or unpacks to more than ``cap`` bytes; returns whether its
    unpacked members may hold a combining mark (decomposed text, :mod:`indicators.readers.composed`)."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ReaderError(f"not an XLSX workbook (not a zip archive){_what_it_is(data)}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReaderError(f"unreadable XLSX: {exc}{RESAVE}") from None
    if not any(info.filename.startswith("xl/") for info in infos):
        raise ReaderError("not an XLSX workbook (no xl/ part)")
    limit = f"more than the {cap // (1024 * 1024)} MB allowed (xlsx_max_unpacked_mb)"
    if sum(info.file_size for info in infos) > cap:
        raise ReaderError(f"XLSX unpacks to {limit} (zip bomb?){TOO_LARGE}")
    unpacked, marks = 0, False
    for info in infos:
        size, marked = _real_size(data, info, cap - unpacked)
        unpacked, marks = unpacked + size, marks or marked
        if unpacked > cap:
            raise ReaderError(
                f"XLSX unpacks to {limit}, although its zip directory says less (zip bomb){NEW_EXPORT}"
            )
    if unpacked / max(len(data), 1) > MAX_RATIO:
        raise ReaderError(f"XLSX unpacks to an implausible size (zip bomb?){NEW_EXPORT}")
    return marks


_UNIQUE_COUNT = re.compile(rb"""<(?:[^\s<>/:]+:)?sst\b[^>]*?\suniqueCount\s*=\s*["']\s*(\d+)""")
SMALLEST_STRING = 5  # bytes of the shortest shared string, <si/>


def _check_shared_strings(data: bytes) -> None:
    """Rejects a shared-strings part whose ``uniqueCount`` claims more strings than its bytes can
    hold: calamine sets aside room for that many before it reads one (24 bytes each), and a count
    of 4,000,000,000 in a 300-byte part asked for 96 GB and aborted the process."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # its sizes were checked (_check_zip)
        for info in archive.infolist():
            if info.is_dir() or not info.filename.lower().endswith(".xml"):
                continue
            try:
                with archive.open(info) as member:
                    head = member.read(BLOCK)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
                continue  # a damaged member: calamine's reading names it
            found = _UNIQUE_COUNT.search(head)
            if found is None:
                continue
            # a count of more than 13 digits claims more than any part holds (and Python reads no number
            # of more than 4,300 digits)
            digits = found.group(1).lstrip(b"0") or b"0"
            claim = int(digits) if len(digits) <= 13 else None
            size = max(info.file_size, len(head))
            if claim is None or claim > size // SMALLEST_STRING:
                said = f"{claim:,}" if claim is not None else f"a number of {len(digits):,} digits"
                raise ReaderError(
                    f"unreadable XLSX: its shared strings claim {said} (uniqueCount), more than its {size:,} "
                    "bytes can hold (a damaged or crafted workbook); save it again from Excel"
                )


def _real_size(data: bytes, info: zipfile.ZipInfo, room: int) -> tuple[int, bool]:
    """The bytes a member really unpacks to (inflated block by block; stops once past ``room``), and
    whether they may hold a combining mark."""
    offset = info.header_offset
    try:
        header = _LOCAL_HEADER.unpack_from(data, offset)
    except struct.error:
        raise ReaderError(f"unreadable XLSX: a member's header lies outside the file{RESAVE}") from None
    if header[0] != b"PK\x03\x04":
        raise ReaderError(f"unreadable XLSX: a member's header is damaged{RESAVE}")
    start = offset + _LOCAL_HEADER.size + header[10] + header[11]
    if info.compress_type == zipfile.ZIP_STORED:
        size = max(0, min(info.compress_size, len(data) - start))  # stored: no larger than the file
        return size, _marked(data[start : start + size])
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise ReaderError(f"unreadable XLSX: a member uses a compression method Excel does not write{RESAVE}")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total, marks = 0, False
    position = start
    try:
        while not inflater.eof and position < len(data):
            chunk = data[position : position + BLOCK]
            position += len(chunk)
            while chunk and not inflater.eof:
                out = inflater.decompress(chunk, OUT_BLOCK)
                total, marks = total + len(out), marks or _marked(out)
                if total > room:
                    return total, marks
                chunk = inflater.unconsumed_tail
    except zlib.error:
        raise ReaderError(f"unreadable XLSX: a member's compressed data is damaged{RESAVE}") from None
    return total, marks


def _marked(unpacked: bytes) -> bool:
    return any(lead in unpacked for lead in MARK_LEAD_BYTES)
