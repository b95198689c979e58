"""A CSV's lines weighed on its bytes before polars builds a row of each: polars sets aside 16 bytes
a column for every line, whatever the line holds, so a header, a row and 60 million blank lines
(a 60 MB file: an export tool that pads, ``\\r\\n`` after the table) took 3.5 GB.

* The blank lines after the table (spaces, tabs, DOS's end-of-file mark and at most a row's
  separators: what the reader takes for no row) are dropped before the read; the rows' line numbers
  stay as they are, since none of them moves.
* A file that still holds more cells (lines times the header's columns) than it has bytes, and
  :data:`SPARE_CELLS` more, is rejected before the read: a row of an export holds its separators, a
  byte a cell at least, so only blank lines inside the table or rows far shorter than the header
  (each of them quarantined) reach that.
* Where a row holds a field too many (read record by record, a Python object a field), a file of
  :data:`SPARE_CELLS` more separators than the header's in all is rejected first.
* A line longer than :data:`LINE_BYTES_AT_MOST` is cut out before the read, its row quarantined; a
  quoted value that long over many lines rejects the file.
* A file of more rows a separator too few than :data:`~indicators.readers.csv.SHORT_ROWS_AT_MOST` is rejected before the
  read (:func:`check_short_rows`): 5 million lines '1234;Lund;2020' under a header of 15 columns (71 MB)
  were read into 15 columns first, 1.7 GB and 8 s, to be rejected for them.
"""

from __future__ import annotations

import io
import re

import polars as pl

from indicators.readers.errors import ReaderError

# the bytes Windows-1252 leaves undefined (Python's codec refuses them; Windows reads them as controls)
UNDEFINED_1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
UNDEFINED_REASON = (
    "a byte Windows-1252 does not define (0x81, 0x8D, 0x8F, 0x90 or 0x9D) in the line (damaged in transfer, "
    "or a value pasted in another encoding): the line is kept out; correct it and deliver the file again"
)
UNDEFINED_LINES_AT_MOST = 0.01  # such bytes on more of the lines than this (and more than 10): no cp1252
BLANK = b" \t\x0b\x0c\x1a"  # what a line of nothing may hold beside separators (as csv.BLANK)
SPARE_CELLS = 4_000_000  # cells beyond one a byte (64 MB of polars' string views at most)


def read_lines(text: bytes, skip_rows: int = 0) -> pl.DataFrame:
    """Each line of ``text`` as it is, one string column ``line`` (no quoting, no fields: a separator
    the text does not hold)."""
    return pl.read_csv(
        io.BytesIO(text),
        has_header=False,
        separator="\x1f" if b"\x1f" not in text else "\x1e",
        quote_char=None,
        new_columns=["line"],
        infer_schema=False,
        skip_rows=skip_rows,
        raise_if_empty=False,
    )


def data_start(data: bytes, skip_rows: int) -> int:
    """The offset of the first line after the header (below ``skip_rows`` title lines)."""
    start = 0
    for _ in range(skip_rows + 1):
        start = data.find(b"\n", start) + 1 or len(data)
    return start


def without_trailing_blank_lines(data: bytes, start: int, separator: str, width: int) -> bytes:
    """``data`` without the blank lines after its last row (from ``start``, the first line after the
    header); a line of more separators than the header's (``width - 1``) is a row with a field too
    many, and it and the lines above it are kept."""
    if start <= 0 or start >= len(data):
        return data
    sep = separator.encode()
    end = _content_end(data, BLANK + b"\r\n" + sep)  # after the last character of the last row
    cut = data.find(b"\n", max(end, start - 1))  # the end of that row's line (or of the header)
    if cut < 0 or cut + 1 == len(data):
        return data
    after = data.rfind(sep * width, cut + 1)
    spaces = BLANK.replace(sep, b"")  # a tab is no blank where it separates
    spaced = after < 0 and any(data.find(bytes([c]), cut + 1) >= 0 for c in spaces)
    # spaces between the separators: looked for without them first, then line by line
    if spaced and data[cut + 1 :].translate(None, spaces).find(sep * width) >= 0:
        blank = re.escape(spaces)
        too_many = re.compile(rb"(?:[" + blank + rb"\r]*" + re.escape(sep) + rb"){%d}" % width)
        last = None
        for last in too_many.finditer(data, cut + 1):  # noqa: B007 - the last one is wanted
            pass
        after = last.end() if last else -1
    if after >= 0:  # a line of too many separators: a row (quarantined), kept with what is above it
        cut = data.find(b"\n", after)
        if cut < 0:
            return data
    return data[: cut + 1]


def _content_end(data: bytes, blank: bytes) -> int:
    """The offset after the last byte not in ``blank``: the file's end looked at in growing pieces
    (``rstrip`` on the whole file copies all of it)."""
    size = 1 << 16
    while True:
        low = max(0, len(data) - size)
        kept = len(data[low:].rstrip(blank))
        if kept or low == 0:
            return low + kept
        size *= 8


def check_cells(data: bytes, start: int, width: int) -> None:
    """Rejects a file of more cells than its bytes can hold as rows (see the module's text)."""
    lines = data.count(b"\n", start) + (0 if start >= len(data) or data.endswith(b"\n") else 1)
    if lines * width > len(data) - start + SPARE_CELLS:
        raise ReaderError(
            f"{lines:,} lines of {width} columns in {len(data):,} bytes: far more lines than an export "
            "of its size has rows (blank lines inside the table, or rows of a value or two); delete "
            "them and deliver the file again"
        )


def check_fields(data: bytes, start: int, separator: str, width: int) -> None:
    """Rejects a file whose rows hold :data:`SPARE_CELLS` more separators than the header's in all
    (quoted ones counted too), before the record-by-record reader (taken for a row with a field too
    many) makes a Python object of every field: a line of 50 million separators took 1.4 GB, three
    million lines of a few separators too many 1.7 GB, each of them a quarantined row."""
    lines = data.count(b"\n", start) + (0 if start >= len(data) or data.endswith(b"\n") else 1)
    extra = data.count(separator.encode(), start) - lines * (width - 1)
    if extra > SPARE_CELLS:
        raise ReaderError(
            f"{extra:,} separators more than {lines:,} rows of {width} columns have: rows of far more "
            "fields than the header (a wrong separator, or lines of separators); deliver the file again "
            "with a field a column"
        )


def undefined_lines(data: bytes) -> list[int]:
    """The numbers (from 1) of the lines of a Windows-1252 file holding a byte it leaves undefined (a
    stray 0x81 in one value rejected the whole file: "neither UTF-8 nor Windows-1252"); a file with
    such bytes on many lines is in another encoding, and rejected whole as before."""
    lines: list[int] = []
    line, position, total = 1, 0, None
    for match in UNDEFINED_1252.finditer(data):
        line += data.count(b"\n", position, match.start())
        position = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
            total = total or data.count(b"\n") + 1
            if len(lines) > 10 and len(lines) > UNDEFINED_LINES_AT_MOST * total:
                raise ReaderError(
                    f"unreadable encoding: neither UTF-8 nor Windows-1252 (byte {match.start()})"
                )
    return lines


# the longest line or value a row of an export may hold: the contracts' rows are a few hundred bytes,
# and a cell Excel writes holds 32,767 characters at most. A longer one (a value pasted from elsewhere,
# an export whose line breaks were lost) was read whole and copied at every step: a line of 200 MB
# took the ingest to 4.6 GB, a quoted value of 200 MB over short lines to 2.7 GB, so the 1 GB a file
# may be (max_file_mb) would have taken the whole machine
LINE_BYTES_AT_MOST = 1 << 20
LONG_REASON = (
    f"a line longer than the {LINE_BYTES_AT_MOST // (1 << 20)} MiB a row of an export may have (a value "
    "pasted from elsewhere, or the file's line breaks lost): the line is kept out; correct it and deliver "
    "the file again"
)


def cut_long(data: bytes, start: int, separator: str, width: int) -> tuple[bytes, list[int]]:
    """``data`` (its rows from ``start``) with each line longer than :data:`LINE_BYTES_AT_MOST`
    replaced by a blank row, and those lines' numbers (from 1), for their rows to be quarantined; a
    quoted value that long over many lines rejects the file (see the functions below)."""
    _check_long_values(data, start, separator)
    return _cut_long_lines(data, start, separator, width)


def _check_long_values(data: bytes, start: int, separator: str) -> None:
    """Rejects a file with a quoted value over lines longer than :data:`LINE_BYTES_AT_MOST`: its
    lines may each be short, and it was read whole as well (a value of 200 MB: 2.7 GB). Looked at a
    window at a time (one ``rfind`` a MiB): a window without a quote after an odd number of them,
    the last one opening a field, and with a line break in it, is inside such a value. A stray quote
    inside an unquoted value can make a file look so: it is rejected, never read otherwise."""
    if data.find(b'"', start) < 0:
        return
    position, quotes = start, 0
    opening = (b"\n", b"\r", separator.encode())
    while position + LINE_BYTES_AT_MOST < len(data):
        quote = data.rfind(b'"', position, position + LINE_BYTES_AT_MOST + 1)
        if quote >= 0:
            quotes += data.count(b'"', position, quote + 1)
            position = quote + 1
            continue
        end = data.find(b'"', position)
        end = len(data) if end < 0 else end
        if quotes % 2 and data[position - 2 : position - 1] in opening and b"\n" in data[position:end]:
            line = data.count(b"\n", 0, position) + 1
            raise ReaderError(
                f"a quoted value from line {line:,} runs over {end - position:,} bytes, longer than the "
                f"{LINE_BYTES_AT_MOST // (1 << 20)} MiB a row of an export may have (a quote left open?): "
                "deliver the file again without the long value"
            )
        position = end


def _cut_long_lines(data: bytes, start: int, separator: str, width: int) -> tuple[bytes, list[int]]:
    """``data`` with each line after ``start`` longer than :data:`LINE_BYTES_AT_MOST` replaced by a
    blank row (the header's separators), and those lines' numbers (from 1). The file is looked at a
    window at a time (one ``rfind`` a MiB), never line by line. A long line holding an odd number of
    quotes opens or closes a quoted value: cutting it would read the rest of the file otherwise, so
    the file is rejected."""
    pieces, lines, kept = [], [], 0
    position = start
    while position + LINE_BYTES_AT_MOST < len(data):
        newline = data.rfind(b"\n", position, position + LINE_BYTES_AT_MOST + 1)
        if newline >= 0:  # the lines starting up to it end within the window: none is long
            position = newline + 1
            continue
        end = data.find(b"\n", position)
        end = len(data) if end < 0 else end
        line = data.count(b"\n", 0, position) + 1
        if data.count(b'"', position, end) % 2:
            raise ReaderError(
                f"line {line:,} is {end - position:,} bytes long, longer than the "
                f"{LINE_BYTES_AT_MOST // (1 << 20)} MiB a row of an export may have, and opens or closes "
                "a quoted value: deliver the file again with its line breaks and without the long value"
            )
        pieces += [data[kept:position], separator.encode() * (width - 1)]
        lines.append(line)
        kept = position = end
    if not lines:
        return data, []
    pieces.append(data[kept:])
    return b"".join(pieces), lines


_NOTHING = b" \t\x0b\x0c\x1a;,|\r"  # what a line above the header holds when it holds nothing
_BLANK_LINE = re.compile(rb"[" + re.escape(_NOTHING) + rb"]*\n")
_SOMETHING = re.compile(rb"[^" + re.escape(_NOTHING) + rb"\n]")


def blank_lines_above(data: bytes, skip_rows: int) -> tuple[bytes, int]:
    """``data`` with each line of nothing (spaces, separators) where the header should be (below
    ``skip_rows`` title lines) written as a title line, ``-``, and how many there were: polars skips
    such lines on its own, so the header was read from the blank line (``\\nid;name``: one column
    named 'id;name', its rows a line short; ``\\r \\n``: a frame without columns, an IndexError)."""
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    for _ in range(skip_rows):
        start = data.find(b"\n", start) + 1 or len(data)
    position, count = start, 0
    while (line := _BLANK_LINE.match(data, position)) and _SOMETHING.search(data, line.end()):
        position, count = line.end(), count + 1
    if not count:
        return data, 0
    return data[:start] + b"-\n" * count + data[position:], count


def too_many_short(short: int, width: int, most: int) -> ReaderError:
    return ReaderError(
        f"{short:,} rows with fewer fields than the header's {width}, more than the {most:,} a "
        "file may quarantine: deliver the export again whole, with its separators (cut short or padded by "
        "the tool that wrote it?)"
    )


def check_short_rows(data: bytes, start: int, separator: str, width: int, most: int) -> None:
    """Rejects, before the read, a file of more than ``most`` lines with fewer fields than the header.
    A short row lacks a separator at least: where the file lacks no more than ``most`` in all (one
    ``bytes.count``), nothing more is done; else the lines are read as one column and their separators
    counted (a line of nothing, or with a quote, which may hide separators or a line break, counted as
    no short row: the rows then read count them exactly)."""
    lines = data.count(b"\n", start) + (0 if start >= len(data) or data.endswith(b"\n") else 1)
    if width < 2 or lines * (width - 1) - data.count(separator.encode(), start) <= most:
        return
    text = data[start:]
    line = read_lines(text).lazy()
    del text
    nothing = (BLANK + b"\r" + separator.encode()).decode("latin-1")
    short = (
        line.select(
            (
                (pl.col("line").str.count_matches(separator, literal=True) + 1 < width)
                & ~pl.col("line").str.contains('"', literal=True)
                & (pl.col("line").str.strip_chars(nothing) != "")
            ).sum()
        )
        .collect()
        .item()
    )
    if short > most:
        raise too_many_short(short, width, most)
