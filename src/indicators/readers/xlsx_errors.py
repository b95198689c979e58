"""Excel's error cells (``#N/A``, ``#REF!``, ``#VALUE!``, …): a formula that failed, not a value.

calamine reads such a cell as empty, so a failed lookup in a hand-kept sheet loaded as a missing
value without a word (an optional field) or as "missing required value" (a required one, naming no
cause). The sheet's XML says which cells they are (``<c r="B4" t="e"><f>…</f><v>#N/A</v></c>``):
:func:`error_columns` gives, for each column of the frame that holds one, the reason of each such
row, and the normaliser quarantines a row whose error lies in a column a field reads (an error in a
column no field reads loses nothing). Found only where the sheet's XML holds ``t="e"`` at all: a
workbook without error cells pays one search of its sheet's bytes.

A formula without a computed value is the same loss: a workbook written by a program that does not
calculate (Apache POI, openpyxl: ``<c r="I2"><f>B2*3</f></c>`` or ``<v/>``) holds the formula and no
value, which calamine also reads as empty. Such a cell marks its row the same way (a formula whose
value is the empty text, ``t="str"`` with ``<v></v>``, is a value). Looked for only where a formula
cell is followed by no value: a sheet without formulas pays one fast search, Excel's own workbooks
(whose formulas hold their values) one over their formulas.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib

import polars as pl

from indicators.derive import EXCEL_ERROR, READER_REASON
from indicators.redact import redact_text

# a tag's attributes in either quotes, whose values may hold ">" (a sheet named "a>b")
_TAG_ATTRIBUTES = rb"""((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*/?>"""
_SHEET = re.compile(rb"<(?:[^\s<>/:]+:)?sheet" + _TAG_ATTRIBUTES)
_ATTRIBUTE = re.compile(rb"""\s([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_RELATIONSHIP = re.compile(rb"<(?:[^\s<>/:]+:)?Relationship" + _TAG_ATTRIBUTES)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)  # a tag in a comment is none
_ERROR_TYPE = re.compile(rb"""\st\s*=\s*["']e["']""")
_REFERENCE = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,3})(\d+)["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_FILLED = re.compile(rb"""<(?:\w+:)?c\s[^>]*?\br\s*=\s*["']([A-Za-z]{1,3})(\d+)["'][^>]*?(?<!/)>""")
# a formula's end (</f>, </x:f>) with no value after it: an empty <v/>, or the cell's end (searched
# from the literal "f>": 0.02 s for a 69 MB sheet without formulas)
_UNCALCULATED = re.compile(rb"f>\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>|</(?:\w+:)?c>)")
_STRING_TYPE = re.compile(rb"""\st\s*=\s*["']str["']""")


def _attributes(tag: bytes) -> dict[str, str]:
    return {
        name.decode("utf-8", "replace"): html.unescape((double or single).decode("utf-8", "replace"))
        for name, double, single in _ATTRIBUTE.findall(tag)
    }


def _sheet_member(archive: zipfile.ZipFile, sheet: str | None) -> str | None:
    """The zip member holding the sheet calamine reads (the named one, else the first)."""
    first, members = _sheet_members(archive)
    return first if sheet is None else members.get(sheet)


def _sheet_members(archive: zipfile.ZipFile) -> tuple[str | None, dict[str, str | None]]:
    """(the first sheet's zip member, each sheet's member by its name): the workbook's sheets and
    relationships read once."""
    try:
        workbook = _COMMENT.sub(b"", archive.read("xl/workbook.xml"))
        relations = _COMMENT.sub(b"", archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return None, {}
    targets: dict[str, str] = {}
    for match in _RELATIONSHIP.finditer(relations):
        found = _attributes(match.group(1))
        if "Id" in found and "Target" in found:
            path = found["Target"]
            targets.setdefault(found["Id"], path.lstrip("/") if path.startswith("/") else f"xl/{path}")
    first, members = None, {}
    for number, match in enumerate(_SHEET.finditer(workbook)):
        found = _attributes(match.group(1))
        rid = next((value for name, value in found.items() if name.endswith(":id")), None)
        member = targets.get(rid) if rid is not None else None
        first = member if number == 0 else first
        if "name" in found:
            members.setdefault(found["name"], member)
    return first, members


def hidden_sheets(data: bytes) -> tuple[list[str], set[str]]:
    """(the workbook's sheets in order, those hidden: ``state="hidden"`` or ``"veryHidden"``, as Excel
    writes a sheet its user hid or a template's macro did), from the workbook's part alone (fastexcel
    tells a sheet's visibility only once the sheet is loaded)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # its unpacked size was checked (_check_zip)
        try:
            workbook = _COMMENT.sub(b"", archive.read("xl/workbook.xml"))
        except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            return [], set()
    names, hidden = [], set()
    for match in _SHEET.finditer(workbook):
        found = _attributes(match.group(1))
        if "name" in found:
            names.append(found["name"])
            if found.get("state", "visible").strip().casefold() in ("hidden", "veryhidden"):
                hidden.add(found["name"])
    return names, hidden


def sheets_xml(data: bytes, names: list[str]):
    """(name, the sheet's XML, or None where the relationships lead to none) of each sheet ``names``
    lists, in turn, the zip opened and the workbook's sheets read once (:func:`sheet_xml` a sheet
    opened the zip and read every sheet before it again: an empty first sheet beside 2,000 empty ones,
    an 830 KB workbook, took minutes to be found empty, 10,000 hours)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # its unpacked size was checked (_check_zip)
        _, members = _sheet_members(archive)
        listed = set(archive.namelist())
        for name in names:
            member = members.get(name)
            try:
                xml = archive.read(member) if member in listed else None
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
                xml = None
            yield name, xml


def any_cell(xml: bytes) -> bool:
    """Does the sheet's XML hold a cell with something in it?"""
    return _FILLED.search(xml) is not None


ROW_DIGITS = 13  # a row of more digits (crafted) lies past any sheet: its first 13 tell as much


def row_number(digits: bytes) -> int:
    """A cell reference's row, read as far as it matters: without its leading zeros, its first 13
    digits (Python reads no number of more than 4,300 digits: ``r="A999…"`` raised ValueError)."""
    return int(digits.lstrip(b"0")[:ROW_DIGITS] or b"0")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


def sheet_xml(data: bytes, sheet: str | None) -> bytes | None:
    """The XML of the sheet calamine reads (the named one, else the first), or None."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # its unpacked size was checked (_check_zip)
        member = _sheet_member(archive, sheet)
        if member is None or member not in archive.namelist():
            return None
        return archive.read(member)


def every_sheet_xml(data: bytes):
    """The XML of every member that holds a sheet's cells (``<sheetData``), each in turn; a damaged
    member is left out (calamine's reading names it)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # its unpacked size was checked (_check_zip)
        for member in archive.namelist():
            try:
                xml = archive.read(member)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
                continue
            if re.search(rb"<(?:[^\s<>/:]+:)?sheetData\b", xml):
                yield xml


def origin(xml: bytes) -> tuple[int, int]:
    """(the number of the first column holding a cell, the rows above the first row holding one): the
    range calamine reads starts there (rows come in order), and the frame's rows are numbered as if
    that row were the sheet's first."""
    first = min((_column_number(m.group(1)) for m in _FILLED.finditer(xml)), default=1)
    top = _FILLED.search(xml)
    return first, row_number(top.group(2)) - 1 if top else 0


def error_columns(xml: bytes | None, columns: list[str]) -> dict[str, pl.DataFrame]:
    """For each frame column (``columns``, in sheet order) holding an error cell: ``_row_number`` (the
    sheet's row) and ``reason`` of each such cell; empty for a sheet without error cells."""
    if xml is None:
        return {}
    has_errors, uncalculated = _ERROR_TYPE.search(xml) is not None, _UNCALCULATED.search(xml) is not None
    if not has_errors and not uncalculated:
        return {}
    cells: dict[int, list[tuple[int, str, str]]] = {}  # column number → (row, cell, reason)
    for match in _ERROR_TYPE.finditer(xml) if has_errors else ():
        start, end = xml.rfind(b"<", 0, match.start()), xml.find(b">", match.end())
        tag = xml[start : end + 1]
        reference = _REFERENCE.search(tag)
        if not re.match(rb"<(?:\w+:)?c\s", tag) or reference is None:
            continue
        close = xml.find(b"c>", end)  # the cell's end tag (</c> or </x:c>)
        value = _VALUE.search(xml, end, close if close > 0 else len(xml))
        letters, row = reference.group(1).decode().upper(), row_number(reference.group(2))
        shown = value.group(1).decode("utf-8", "replace") if value else "(no text)"
        why = f"holds Excel's error {redact_text(shown)}, a formula that failed, not a value"
        cells.setdefault(_column_number(reference.group(1)), []).append((row, f"{letters}{row}", why))
    for match in _UNCALCULATED.finditer(xml) if uncalculated else ():
        start = max(xml.rfind(b"<c ", 0, match.start()), xml.rfind(b":c ", 0, match.start()))
        tag = xml[start : xml.find(b">", start) + 1]
        reference = _REFERENCE.search(tag)
        if start < 0 or reference is None or _STRING_TYPE.search(tag):  # t="str": an empty text result
            continue
        letters, row = reference.group(1).decode().upper(), row_number(reference.group(2))
        why = (
            "holds a formula without its value (the workbook was written by a program that does not "
            "calculate), not a value"
        )
        cells.setdefault(_column_number(reference.group(1)), []).append((row, f"{letters}{row}", why))
    first, above = origin(xml)
    found = {}
    for column, errors in sorted(cells.items()):
        if not 0 <= column - first < len(columns):
            continue
        name = columns[column - first]
        found[name] = pl.DataFrame(
            {
                "_row_number": [row - above for row, _, _ in errors],
                "reason": [
                    f"cell {cell} ({redact_text(name)}) {why}: correct it in the workbook (or paste the "
                    "values) and deliver it again"
                    for _, cell, why in errors
                ],
            },
            schema={"_row_number": pl.Int64, "reason": pl.String},
        )
    return found


def excel_error_reasons(frame: pl.DataFrame, present: dict[str, str]) -> pl.DataFrame:
    """A row with an Excel error cell (#N/A) in a column a field reads gets its reason (the XLSX
    reader's ``EXCEL_ERROR`` columns) as the reader's reason; the columns are dropped."""
    columns = [c for c in frame.columns if c.startswith(EXCEL_ERROR)]
    if not columns:
        return frame
    used = [EXCEL_ERROR + column for column in present.values() if EXCEL_ERROR + column in columns]
    if used:
        parts = [pl.col(READER_REASON)] if READER_REASON in frame.columns else []
        reason = pl.concat_str(parts + [pl.col(c) for c in used], separator="; ", ignore_nulls=True)
        frame = frame.with_columns(pl.when(reason != "").then(reason).alias(READER_REASON))
    return frame.drop(columns)
