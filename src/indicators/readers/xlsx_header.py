"""A sheet's header row, read from the start of its XML alone: what a hidden sheet is asked before a
rejection names it (:func:`indicators.readers.by_kind.read_file`), without loading its rows.

calamine holds a whole sheet to give its first row: a hidden sheet of 300,000 visits (7.7 MB) took
600 MB and 5 s to be found to hold the source's columns, a larger one more, on the way to a
rejection. Here the sheet's XML is inflated a block at a time up to the end of its header row (the
first row holding a value, then ``skip_rows`` more), and the shared strings up to the last one the
header uses. A workbook this cannot read so (no sheet part, a header past the first ``MOST`` bytes)
gives None: the caller reads the sheet as before.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
import zlib

from indicators.readers.xlsx_errors import _sheet_members, row_number

BLOCK = 1 << 16
MOST = 4 << 20  # unpacked bytes of a sheet or its shared strings searched for the header, at most
_P = rb"(?:[^\s<>/:]+:)?"  # a namespace prefix
_ROW = re.compile(rb"<" + _P + rb"row\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"row>)", re.S)
_CELL = re.compile(rb"<" + _P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"c>)", re.S)
_R = re.compile(rb"""\sr\s*=\s*["'][A-Za-z]*(\d+)["']""")
_TYPE = re.compile(rb"""\st\s*=\s*["']([^"']*)["']""")
_VALUE = re.compile(rb"<" + _P + rb"v>([^<]*)</" + _P + rb"v>")
_TEXT = re.compile(rb"<" + _P + rb"t(?:\s[^>]*)?>([^<]*)</" + _P + rb"t>")
_PHONETIC = re.compile(rb"<" + _P + rb"rPh\b.*?</" + _P + rb"rPh>", re.S)  # a reading aid, not the text
_ITEM = re.compile(rb"<" + _P + rb"si\b[^>]*?(?:/>|>(.*?)</" + _P + rb"si>)", re.S)
_ERRORS = (KeyError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


def sheet_header(data: bytes, sheet: str, skip_rows: int = 0) -> list[str] | None:
    """The texts of the sheet's header row (its empty cells left out), or None where it cannot tell."""
    return dict(sheet_headers(data, [sheet], skip_rows)).get(sheet)


def sheet_headers(data: bytes, sheets: list[str], skip_rows: int = 0):
    """(name, :func:`sheet_header`) of each of ``sheets`` in turn, the zip opened and the workbook's
    sheets read once for all of them (a sheet at a time opened them again: 2,000 sheets, minutes), the
    shared strings read once, as far as the headers need."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _, members = _sheet_members(archive)
            listed = set(archive.namelist())
            shared = _Shared(archive)
            for sheet in sheets:
                member = members.get(sheet)
                try:
                    cells = _header_cells(archive, member, skip_rows) if member in listed else None
                    yield sheet, None if cells is None else _texts(cells, shared)
                except _ERRORS:
                    yield sheet, None
    except _ERRORS:
        return


def _texts(cells: list[tuple[bytes, bytes]], shared: _Shared) -> list[str] | None:
    texts = []
    for kind, value in cells:
        if kind == b"s":
            text = shared.get(int(value) if value.strip().isdigit() else -1)
            if text is None:
                return None
            texts.append(text)
        else:
            texts.append(html.unescape(value.decode("utf-8", "replace")))
    return [text.strip() for text in texts if text.strip()]


def _header_cells(archive: zipfile.ZipFile, member: str, skip_rows: int) -> list[tuple[bytes, bytes]] | None:
    """(type, value) of each cell with a value in the header row, its inline text as its value."""
    first = None
    for number, body in _rows(archive, member):
        cells = [_cell(match) for match in _CELL.finditer(body or b"")]
        cells = [cell for cell in cells if cell is not None]
        if first is None and cells:
            first = number
        if first is not None and number >= first + skip_rows:
            return cells if number == first + skip_rows else []
    return None if first is None else []


def _rows(archive: zipfile.ZipFile, member: str):
    """(row number, its XML) of each row, in order, inflated a block at a time (at most ``MOST``)."""
    buffer, read, last = b"", 0, 0
    with archive.open(member) as part:
        while read < MOST:
            block = part.read(BLOCK)
            read += len(block)
            buffer += block
            end = 0
            for match in _ROW.finditer(buffer):
                reference = _R.search(match.group(1))
                last = row_number(reference.group(1)) if reference else last + 1
                end = match.end()
                yield last, match.group(2)
            buffer = buffer[end:]
            if not block:
                return


def _cell(match: re.Match) -> tuple[bytes, bytes] | None:
    kind = _TYPE.search(match.group(1))
    kind = kind.group(1) if kind else b"n"
    body = match.group(2) or b""
    if kind == b"inlineStr":
        texts = _TEXT.findall(_PHONETIC.sub(b"", body))
        return (b"inlineStr", b"".join(texts)) if texts else None
    value = _VALUE.search(body)
    return (kind, value.group(1)) if value else None


class _Shared:
    """The workbook's shared strings, read as far as asked (at most ``MOST`` bytes), once."""

    def __init__(self, archive: zipfile.ZipFile):
        member = next((n for n in archive.namelist() if n.lower().endswith("sharedstrings.xml")), None)
        self._part = archive.open(member) if member is not None else None
        self._strings: list[str] = []
        self._buffer, self._read = b"", 0

    def get(self, index: int) -> str | None:
        """The string at ``index`` ('' for none), or None where it is not within reach."""
        if index < 0:
            return ""
        while len(self._strings) <= index and self._part is not None and self._read < MOST:
            block = self._part.read(BLOCK)
            self._read += len(block)
            self._buffer += block
            end = 0
            for match in _ITEM.finditer(self._buffer):
                texts = _TEXT.findall(_PHONETIC.sub(b"", match.group(1) or b""))
                self._strings.append(html.unescape(b"".join(texts).decode("utf-8", "replace")))
                end = match.end()
            self._buffer = self._buffer[end:]
            if not block:
                break
        return self._strings[index] if index < len(self._strings) else None
