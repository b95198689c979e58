"""The range a sheet spans, checked before calamine reads it.

calamine holds a sheet as one dense range, from its first filled cell to its last: every cell of it
takes 32 bytes, filled or not. So one stray value far from the table (``XFD1048576``: Ctrl+End, a
note typed past the last column) makes it ask for 17 billion cells, 550 GB, and the process is
aborted (a Rust allocation failure is no Python exception): nothing published, every night while
the file lies in the inbox. A sheet whose range spans more cells than its unpacked size allows a
real table (one cell per 16 bytes of ``xlsx_max_unpacked_mb``: 33,554,432 cells at 512 MB; a cell
takes more than 16 bytes of XML) is rejected, naming the range.

The sheet's ``<dimension>`` is not believed: a workbook can claim ``A1:B2`` and hold a value at
``XFD1048576``. The range is found from the cells themselves (the sheet's XML is read once, for
this, the error cells and the merges: ``xlsx_errors.sheet_xml``). Where every row and cell tag
starts with its reference (``<c r="B12"``), as spreadsheet programs write them, it is cheap: the
references in the sheet's first and last 64 KB give a bound, and two searches of the bytes (Rust's
regex, through polars) confirm that no tag is otherwise and no reference lies past the bound: 0.4 to
0.9 s for a 62 MB sheet of 2 million cells on a loaded machine (Python's regex took several times
that; the dimension alone took nothing; calamine reads the sheet in 1.5 s). Where a reference lies
past it (a format far from the table, Ctrl+End) or the bound allows more than a table can fill, the
cells holding a value are found by one extraction (a cell styled but empty is no part of calamine's
range; 3 s for that sheet). A row or cell written without its reference takes the place calamine
gives it (the row after the row before, the column after the cell before), and a tag naming ``r=``
twice the last: a sheet with such a tag is walked cell by cell (16 s for 62 MB; no program we know
writes one).
"""

from __future__ import annotations

import re

import polars as pl

from indicators.readers.errors import ReaderError
from indicators.readers.xlsx_errors import _column_number, row_number

WINDOW = 1 << 16  # the bytes at the sheet's start and end whose references give the bound
_PREFIX = rb"(?:[^\s<>/:]+:)?"  # a namespace prefix, whatever it is
_SHEET_DATA = re.compile(rb"<" + _PREFIX + rb"sheetData\b")
# an attribute, its value in either quotes (which may hold ">")
_ATTRIBUTE = rb"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
# a formula (if any) and the value (or inline string) that makes a cell part of calamine's range
_FORMULA_VALUE = (
    rb"\s*(?:<" + _PREFIX + rb"f\b(?:" + _ATTRIBUTE + rb")*\s*(?:/>|>[^<]*</" + _PREFIX + rb"f>)\s*)?"
    rb"<" + _PREFIX + rb"(?:v|is)\b"
)
# a row or cell tag that does not start with its reference (r="B12", r="12") as spreadsheet programs
# write it, or names a second r (calamine takes the last): where calamine puts its cells is counted
# (the sheet is walked); searched with Rust's regex through polars (0.2 s for 62 MB)
_ODD = (
    r"""<(?:[^ \t\r\n<>/:]+:)?(?:c|row)(?:[\t\r\n/>]| (?:[^r]|r[^=]|r=[^"]|r="[A-Za-z]*(?:[^A-Za-z0-9"]|")|"""
    r"""r="[A-Za-z]*[0-9]+[^0-9"])| r="[^"]*"[^<]*?[ \t\r\n]r[ \t\r\n]*=)"""
)
# a reference as an attribute: r="B12" (a cell), r="12" (a row)
_REFERENCE = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)(\d+)["']""")
# a cell holding a value, where every tag starts with its reference (its only r=); Rust's regex
_W = r"[ \t\r\n]"
_RUST_PREFIX = r"(?:[^ \t\r\n<>/:]+:)?"
_RUST_ATTRIBUTE = rf"""{_W}+[^ \t\r\n=/>]+{_W}*={_W}*(?:"[^"]*"|'[^']*')"""
_VALUE_CELL = (
    rf'<{_RUST_PREFIX}c r="[A-Za-z]+[0-9]+"(?:{_RUST_ATTRIBUTE})*{_W}*>{_W}*'
    rf"(?:<{_RUST_PREFIX}f(?:{_RUST_ATTRIBUTE})*{_W}*(?:/>|>[^<]*</{_RUST_PREFIX}f>){_W}*)?"
    rf"<{_RUST_PREFIX}(?:v|is)[ \t\r\n/>]"
)
# a row or cell start tag, its attributes, whether it closes itself
_TAG = re.compile(rb"<" + _PREFIX + rb"(c|row)((?:" + _ATTRIBUTE + rb")*)\s*(/?)>")
_NAMED = re.compile(rb"""\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_VALUE = re.compile(_FORMULA_VALUE)


def check_extent(xml: bytes | None, max_unpacked_mb: float) -> None:
    """Reject the sheet calamine reads (its XML, ``xlsx_errors.sheet_xml``) if its range spans more
    cells than allowed."""
    if xml is None or _SHEET_DATA.search(xml) is None:
        return  # no cells at all
    allowed = int(max_unpacked_mb * 1024 * 1024) // 16
    text = _text(xml)
    if not text.str.contains(_ODD).item():
        bottom, right = _bound(xml)
        if bottom * right <= allowed and not _past(text, bottom, right):
            return
        corners = _corners(text)
    else:  # a row or cell written without its reference: where calamine puts it is counted
        corners = _walk(xml)
    del text
    if corners is None:
        return
    first, last = corners
    cells = _cells(first, last)
    if cells > allowed:
        raise ReaderError(
            f"the sheet's filled cells span {_name(first)}:{_name(last)}, {cells:,} cells, more than the "
            f"{allowed:,} a workbook of xlsx_max_unpacked_mb ({max_unpacked_mb:g}) can fill: a value far "
            f"from the table ({_name(last)}?); delete the rows and columns past the table and save it again"
        )


def _text(xml: bytes) -> pl.Series:
    """The sheet as one polars string, for Rust's regex: no second copy in Python (a sheet not in
    UTF-8, which Excel never writes, is decoded with its odd bytes replaced: references are ASCII)."""
    try:
        return pl.Series([xml], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.PolarsError:  # not UTF-8
        return pl.Series([xml.decode("utf-8", "replace")])


def _corners(text: pl.Series) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The corners of the cells holding a value, where every tag starts with its reference (its
    only r=): found by Rust's regex (1 s for 2 million cells, Python's took 2-9 s)."""
    cells = text.str.extract_all(_VALUE_CELL).explode().drop_nulls()
    if cells.is_empty():
        return None
    parts = cells.str.extract_groups(r'^<[^ ]* r="([A-Za-z]+)0*([0-9]+)"')
    # a row of 13 digits or more (crafted) is past any sheet: its first 13 are enough to tell
    rows = parts.struct.field("2").str.slice(0, 13).cast(pl.Int64)
    columns = [_column(letters.encode()) for letters in parts.struct.field("1").unique().to_list()]
    return (int(rows.min()), min(columns)), (int(rows.max()), max(columns))


def _bound(xml: bytes) -> tuple[int, int]:
    """(a row, a column) that every reference of a table lies within: the largest of those in the
    sheet's first and last ``WINDOW`` bytes (rows come in order; a table's first row is as wide as it)."""
    bottom = right = 1
    for window in (xml[:WINDOW], xml[-WINDOW:]):
        for letters, digits in _REFERENCE.findall(window):
            bottom = max(bottom, row_number(digits))
            right = max(right, _column(letters) if letters else 1)
    return bottom, right


def _past(text: pl.Series, bottom: int, right: int) -> bool:
    """Does a reference (``r="…"``, as every tag starts) name a row below ``bottom`` or a column
    right of ``right``? One search of the sheet, no reference kept (an attribute ending in r,
    ``header="2"``, may match: the cells are then read)."""
    past = (
        """r="(?:(?:"""
        + _letters_after(_name((1, right))[:-1])
        + """)[0-9]|[A-Za-z]*0*(?:"""
        + _digits_after(str(bottom))
        + """)")"""
    )
    return bool(text.str.contains(past).item())


def _letters_after(letters: str) -> str:
    """A pattern for the column letters (either case) that come after ``letters`` (``C``: ``D``..``Z``,
    ``AA``.., ``AAA``..)."""
    choices = [f"[A-Za-z]{{{len(letters) + 1},}}"]
    for at, letter in enumerate(letters):
        if letter != "Z":
            prefix = "".join(f"[{c}{c.lower()}]" for c in letters[:at])
            following = chr(ord(letter) + 1)
            choices.append(f"{prefix}[{following}-Z{following.lower()}-z][A-Za-z]{{{len(letters) - at - 1}}}")
    return "|".join(choices)


def _digits_after(number: str) -> str:
    """A pattern for the numbers (no leading zero) greater than ``number``."""
    choices = [f"[1-9][0-9]{{{len(number)},}}"]
    for at, digit in enumerate(number):
        if digit != "9":
            choices.append(f"{number[:at]}[{int(digit) + 1}-9][0-9]{{{len(number) - at - 1}}}")
    return "|".join(choices)


def _walk(xml: bytes) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The corners of the cells holding a value, each where calamine puts it: a cell at its
    reference, else the column after the cell before it, in its row; a row at its reference, else
    the row after the row before. None: no cell holds a value."""
    row = column = 0
    top = left = bottom = right = 0
    for tag in _TAG.finditer(xml):
        reference = _reference(tag.group(2))
        if tag.group(1) == b"row":
            row, column = (row_number(reference) if reference and reference.isdigit() else row + 1), 0
            continue
        cell_row, column = row, column + 1
        parsed = re.fullmatch(rb"([A-Za-z]+)(\d+)", reference) if reference else None
        if parsed is not None:
            cell_row, column = row_number(parsed.group(2)), _column(parsed.group(1))
        if tag.group(3) or _VALUE.match(xml, tag.end()) is None:
            continue  # styled, empty: no part of the range
        cell_row = max(cell_row, 1)
        if not top:
            top, left, bottom, right = cell_row, column, cell_row, column
        top, left = min(top, cell_row), min(left, column)
        bottom, right = max(bottom, cell_row), max(right, column)
    return ((top, left), (bottom, right)) if top else None


def _reference(attributes: bytes) -> bytes | None:
    """The tag's r= (the last, as calamine takes it), or None."""
    found = None
    for name, double, single in _NAMED.findall(attributes):
        if name == b"r":
            found = (double or single).strip()
    return found


def _column(letters: bytes) -> int:
    """A reference's column; one of more than four letters (crafted) is past any sheet (XFD is its
    last), read as its first four: a number of thousands of digits is neither counted nor named."""
    return _column_number(letters[:4])


def _cells(first: tuple[int, int], last: tuple[int, int]) -> int:
    return (abs(last[0] - first[0]) + 1) * (abs(last[1] - first[1]) + 1)


def _name(cell: tuple[int, int]) -> str:
    row, column = cell
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"
