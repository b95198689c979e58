"""The range a sheet spans, checked before calamine reads it.

calamine holds a sheet as one dense range, from its first filled cell to its last: every cell of it
takes 32 bytes, filled or not. So one stray value far from the table (``XFD1048576``: Ctrl+End, a
note typed past the last column) makes it ask for 17 billion cells, 550 GB, and the process is
aborted (a Rust allocation failure is no Python exception): nothing published, every night while
the file lies in the inbox. A sheet whose range spans more cells than its unpacked size allows a
real table (one cell per 16 bytes of ``xlsx_max_unpacked_mb``: 33,554,432 cells at 512 MB; a cell
takes more than 16 bytes of XML) is rejected, naming the range.

The range is read from the sheet's ``<dimension ref="A1:D200"/>``, which every spreadsheet program
writes at the start of the sheet (its first 64 KB looked at; the sheet's XML is read once, for this,
the error cells and the merges: ``xlsx_errors.sheet_xml``); where it says more than
allowed, the filled cells themselves are read (a cell styled but empty is no part of calamine's
range); where it is missing (openpyxl's write-only mode), first a bound from the last row and the
longest column letters. A workbook crafted with a dimension that understates its cells, or with rows
and cells written without their references, is not caught.
"""

from __future__ import annotations

import re

from indicators.readers.errors import ReaderError
from indicators.readers.xlsx_errors import _column_number

HEAD = 1 << 16  # the bytes looked at for the dimension
_DIMENSION = re.compile(
    rb"""<(?:\w+:)?dimension\s+ref\s*=\s*["']([A-Za-z]{1,3})(\d+)(?::([A-Za-z]{1,3})(\d+))?["']"""
)
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData\b")
_ROW = re.compile(rb"""row r=["'](\d{1,10})""")
_THREE_LETTERS = re.compile(rb"""r=["'][A-Za-z]{3}[0-9]""")
_LETTERS = re.compile(rb"""r=["'][A-Za-z]{2,3}[0-9]""")
# a cell with a value (or an inline string), after its formula if any
_VALUE_CELL = re.compile(
    rb"""<(?:\w+:)?c\s[^>]*?\br\s*=\s*["']([A-Za-z]{1,3})(\d{1,10})["'][^>]*?(?<!/)>\s*"""
    rb"""(?:<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*)?<(?:\w+:)?(?:v|is)\b"""
)


def check_extent(xml: bytes | None, max_unpacked_mb: float) -> None:
    """Reject the sheet calamine reads (its XML, ``xlsx_errors.sheet_xml``) if its range spans more
    cells than allowed."""
    if xml is None:
        return
    allowed = int(max_unpacked_mb * 1024 * 1024) // 16
    head = xml[:HEAD]
    dimension = _DIMENSION.search(head)
    if dimension is not None:
        first, last = (
            _cell(dimension.group(1), dimension.group(2)),
            _cell(dimension.group(3) or dimension.group(1), dimension.group(4) or dimension.group(2)),
        )
        if _cells(first, last) <= allowed:
            return
    elif _SHEET_DATA.search(head) is None and len(head) < HEAD:
        return  # no cells at all
    if dimension is None and _bound(xml) <= allowed:  # no dimension (openpyxl's write-only mode)
        return
    top = left = bottom = right = 0
    for match in _VALUE_CELL.finditer(xml):  # the corners only: a large sheet's cells are not kept
        row, column = _cell(match.group(1), match.group(2))
        if not top:
            top, left, bottom, right = row, column, row, column
        top, left, bottom, right = min(top, row), min(left, column), max(bottom, row), max(right, column)
    if not top:
        return
    first, last = (top, left), (bottom, right)
    cells = _cells(first, last)
    if cells > allowed:
        raise ReaderError(
            f"the sheet's filled cells span {_name(first)}:{_name(last)}, {cells:,} cells, more than the "
            f"{allowed:,} a workbook of xlsx_max_unpacked_mb ({max_unpacked_mb:g}) can fill: a value far "
            f"from the table ({_name(last)}?); delete the rows and columns past the table and save it again"
        )


def _bound(xml: bytes) -> int:
    """More cells than the sheet's range can span, found without reading every cell: its last row
    (rows come in order) times the most columns its longest column letters allow."""
    rows = [int(number) for number in _ROW.findall(xml)]
    if not rows:  # rows without their numbers: no bound, the cells are read
        return 1 << 62
    if not _LETTERS.search(xml):  # no reference of two or three letters: columns A..Z
        return max(rows) * 26
    columns = 16_384 if _THREE_LETTERS.search(xml) else 702
    return max(rows) * columns


def _cell(letters: bytes, digits: bytes) -> tuple[int, int]:
    return int(digits), _column_number(letters)


def _cells(first: tuple[int, int], last: tuple[int, int]) -> int:
    return (abs(last[0] - first[0]) + 1) * (abs(last[1] - first[1]) + 1)


def _name(cell: tuple[int, int]) -> str:
    row, column = cell
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"
