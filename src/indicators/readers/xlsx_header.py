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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _, members = _sheet_members(archive)
            member = members.get(sheet)
            if member is None or member not in archive.namelist():
                return None
            cells = _header_cells(archive, member, skip_rows)
            if cells is None:
                return None
            wanted = [int(v) for t, v in cells if t == b"s" and v.strip().isdigit()]
            shared = _shared_strings(archive, max(wanted)) if wanted else []
            if shared is None:
                return None
    except _ERRORS:
        return None
    texts = []
    for kind, value in cells:
        if kind == b"s":
            index = int(value) if value.strip().isdigit() else -1
            texts.append(shared[index] if 0 <= index < len(shared) else "")
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


def _shared_strings(archive: zipfile.ZipFile, last: int) -> list[str] | None:
    """The workbook's shared strings up to index ``last`` (None: not found within ``MOST`` bytes)."""
    member = next((n for n in archive.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    if member is None:
        return None
    strings: list[str] = []
    buffer, read = b"", 0
    with archive.open(member) as part:
        while read < MOST and len(strings) <= last:
            block = part.read(BLOCK)
            read += len(block)
            buffer += block
            end = 0
            for match in _ITEM.finditer(buffer):
                texts = _TEXT.findall(_PHONETIC.sub(b"", match.group(1) or b""))
                strings.append(html.unescape(b"".join(texts).decode("utf-8", "replace")))
                end = match.end()
            buffer = buffer[end:]
            if not block:
                break
    return strings if len(strings) > last else None
