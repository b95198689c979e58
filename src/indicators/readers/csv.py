"""CSV exports: delimiter (``,`` ``;`` or tab) and encoding (UTF-8, UTF-8 with BOM, Windows-1252) detected."""

from __future__ import annotations

import bisect
import csv
import io
import re
from pathlib import Path

import polars as pl

from indicators.derive import READER_REASON
from indicators.identity import redact_text
from indicators.readers.composed import composed, may_hold_marks
from indicators.readers.csv_lines import (
    LONG_REASON,
    UNDEFINED_1252,
    UNDEFINED_REASON,
    blank_lines_above,
    check_cells,
    check_fields,
    check_short_rows,
    cut_long,
    data_start,
    read_lines,
    too_many_short,
    undefined_lines,
    without_trailing_blank_lines,
)
from indicators.readers.cut_short import open_quote, short_last_line, zero_tail
from indicators.readers.errors import ReaderError
from indicators.readers.packed import what_it_is, wide_encoding

SNIFF_BYTES = 1 << 20  # the header line must end within the first MiB
FIELD_BYTES = 1 << 30  # the longest value the record-by-record reader takes
DELIMITERS = (";", ",", "\t", "|")
# the columns a file may have: the contracts' exports have fewer than 200; a wider file (a row of
# values read as one header, a sheet filled far to the right) is rejected before its headers are
# matched (20,000 columns took the header matching 16 s and more)
MAX_COLUMNS = 1_000
SHORT_ROWS_AT_MOST = 1_000_000  # rows a separator too few, each quarantined with its reason
# Excel's separator hint, a first line "sep=;" (some systems write it so that Excel splits the columns)
_MARK = b"\xef\xbb\xbf"  # a UTF-8 byte order mark (ï»¿ in Windows-1252): in a value it shows as nothing
_SEPARATOR_HINT = re.compile(rb"(?:\xef\xbb\xbf)?sep=([;,\t|])[ \t]*\r?\n", re.IGNORECASE)


def detect_encoding(sample: bytes, skipped: int = 0) -> str:
    """``utf-8-sig`` with a BOM, ``utf-8`` when the sample decodes, else ``cp1252``; a sample with
    UTF-8 characters before a byte UTF-8 cannot read is both, and rejected (:func:`mixed_encodings`)."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut by the end of the sample is still UTF-8
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
        mixed_encodings(sample, exc.start, skipped)  # the sample starts after the skipped lines
        return "cp1252"


def mixed_encodings(data: bytes, bad: int, skipped: int = 0) -> None:
    """A file with UTF-8 characters (å, ä, ö written as two bytes) before ``bad``, the first byte UTF-8
    cannot read, holds two encodings: read as Windows-1252 its UTF-8 text turns into 'Ã¥', read as
    UTF-8 the rest cannot be read. Rejected, naming the line: the export is to be saved again."""
    if data[:bad].isascii():
        return
    line = data.count(b"\n", 0, bad) + 1 + skipped
    raise ReaderError(
        f"mixed encodings: UTF-8 text, then on line {line} a byte UTF-8 cannot read (Windows-1252?); "
        "save the whole file again in one encoding (UTF-8)"
    )


def _from_utf16(data: bytes) -> bytes:
    """A file in UTF-16 with its byte order mark (Excel's "Unicode text", tab-separated; SQL Server's
    "Unicode" export) as the same text in UTF-8: it was rejected, though the mark says how to read it.
    Without a mark (or as UTF-32, or not decodable) the bytes are returned as they are: rejected below."""
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) or data.startswith(b"\xff\xfe\x00\x00"):
        return data
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeError:
        return data


def detect_delimiter(header_line: str) -> str:
    """The candidate delimiter that occurs most often in the header line (outside quotes)."""
    unquoted = "".join(part for i, part in enumerate(header_line.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes | Path, skip_rows: int = 0) -> pl.DataFrame:
    """All columns as String, plus ``_row_number`` (the line of the file: after a header on line 1,
    data starts at 2); ``skip_rows`` lines above the header (a title) are left out.

    ``data`` is the file's bytes, parsed from memory (a path is read once first): polars would take
    ``[``, ``*`` or ``?`` in a path as a pattern and read other files.
    """
    if isinstance(data, Path):
        data = data.read_bytes()
    workbook = what_it_is(data)  # a workbook or an archive, looked at as delivered
    if workbook:
        raise ReaderError(workbook)
    data = _from_utf16(data)
    cr, lf = data.find(b"\r", 0, SNIFF_BYTES), data.find(b"\n", 0, SNIFF_BYTES)
    if cr >= 0 and (lf < 0 or cr < lf - 1):
        # classic Mac line ends (Excel for Mac's "CSV (Macintosh)"): a line break is a lone CR, also
        # beside LFs (a line break typed inside a quoted value, lines added by another tool)
        data = re.sub(rb"\r(?!\n)", b"\n", data)
    if data.find(_MARK, 3) >= 0:  # exports joined (cat, copy /b): each one's mark starts a line; one
        data = data[:3] + data[3:].replace(_MARK, b"")  # pasted into a value read it as another value
    sample = data[:SNIFF_BYTES]
    if not sample.removeprefix(b"\xef\xbb\xbf").strip():  # nothing, or a byte-order mark alone
        raise ReaderError("empty file")
    hint = _SEPARATOR_HINT.match(sample)
    if hint:  # Excel's "sep=;" line above the header: it names the separator, and is no header
        skip_rows += 1
        if not sample[hint.end() :].strip():  # the hint alone: no header, no rows
            raise ReaderError("empty file")
    wide = wide_encoding(sample)
    if wide:
        raise ReaderError(f"{wide} encoded; save as UTF-8 or Windows-1252")
    cut = zero_tail(data)  # a copy that reserved the file's size and had not written its end
    if cut:
        raise ReaderError(cut)
    damaged: list[int] = []
    if b"\x00" in data:  # a NUL byte or a few in an export: those lines quarantined, the rest read
        damaged = _nul_lines(data)
        data = data.replace(b"\x00", b"")
        sample = data[:SNIFF_BYTES]
    data, blank_above = blank_lines_above(data, skip_rows)  # lines of nothing above the header
    if blank_above:  # read as title lines
        skip_rows, sample = skip_rows + blank_above, data[:SNIFF_BYTES]
    for _ in range(skip_rows):  # the header is the line after the skipped ones
        sample = sample[sample.find(b"\n") + 1 :] if b"\n" in sample else b""
    newline = sample.find(b"\n")
    if newline < 0 and len(sample) == SNIFF_BYTES:
        raise ReaderError("no line break in the first MiB: not a CSV export")
    encoding = detect_encoding(sample, skip_rows)
    header_bytes = sample[: newline if newline >= 0 else len(sample)]
    try:
        header_line = header_bytes.decode(encoding, errors="strict").lstrip("\ufeff")
    except UnicodeDecodeError:
        raise ReaderError(f"unreadable header line (not {encoding})") from None
    separator = hint.group(1).decode(encoding) if hint else detect_delimiter(header_line)
    width = duplicate_header(header_line, separator)
    start = data_start(data, skip_rows)  # blank lines after the table dropped, a cell a byte at most
    data = without_trailing_blank_lines(data, start, separator, width)
    check_cells(data, start, width)
    check_short_rows(data, start, separator, width, SHORT_ROWS_AT_MOST)  # before 15 columns of them are read
    data, long = cut_long(data, start, separator, width)  # each such line's row quarantined
    cut = open_quote(data, separator) if data.count(b'"') % 2 else None  # a copy cut inside a quote
    if cut:
        raise ReaderError(cut)

    windows = encoding == "cp1252"
    source = _transcode(data, "cp1252") if windows else io.BytesIO(data)
    try:
        frame = _read_checked(source, data, separator, skip_rows, width)
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as exc:
        if encoding == "cp1252" or not ("utf-8" in str(exc).lower() or isinstance(exc, UnicodeDecodeError)):
            cut = open_quote(data, separator)  # a cut inside a quote: polars could not parse its value
            raise ReaderError(cut or f"malformed CSV: {_first_line(exc)}") from None
        # the sample was UTF-8 but a later part is not: the file is Windows-1252, unless the part
        # before held UTF-8 characters (two encodings in one file)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            mixed_encodings(data, bad.start)  # counted from the file's first line
        try:
            windows = True
            frame = _read_checked(_transcode(data, "cp1252"), data, separator, skip_rows, width)
        except pl.exceptions.ComputeError as again:
            raise ReaderError(f"malformed CSV: {_first_line(again)}") from None
    if set(frame.columns) <= {"_row_number", READER_REASON}:  # nothing but NULs, marks, blank lines
        raise ReaderError("empty file")
    if damaged:
        frame = _mark_lines(frame, damaged, NUL_REASON)
    if long:
        frame = _mark_lines(frame, long, LONG_REASON)
    if windows and (undefined := undefined_lines(data)):  # read as U+FFFD, each such line quarantined
        frame = _mark_lines(frame, undefined, UNDEFINED_REASON)
    # a blank line is no row (as a blank row of a sheet is none): polars read it as a row of nothing
    blank = _blank(frame)
    if READER_REASON in frame.columns:  # a row with a field too many is never blank: it is quarantined
        blank = blank & frame[READER_REASON].is_null()
    if blank.any():
        frame = frame.filter(~blank)
    if frame.height == 0:
        # the reason's start is read by models/staging/stg_audit__deliveries.sql: a dated file without
        # rows is still a delivery (a monthly delta's empty month) for the years its source covers
        raise ReaderError("no data rows (header only)")
    cut = short_last_line(frame, data)  # a last line cut short: the rows above are no whole export
    if cut:
        raise ReaderError(cut)
    if may_hold_marks(data):  # decomposed text (NFD) read as the composed text it shows
        frame = composed(frame)
    return frame


def _read_checked(
    source: io.BytesIO, data: bytes, separator: str, skip_rows: int, width: int
) -> pl.DataFrame:
    """polars' read, or the record-by-record one where polars cannot number the file's lines: a row
    with more fields than the header (polars refuses the file), a quoted value with a line break in it
    (polars numbers records; the lines are counted in the file's own bytes, whose line breaks
    Windows-1252 and UTF-8 share, and only where a quote is: 5 ms a 100 MB file, the count 40 ms)."""
    try:
        frame = _read(source, separator, skip_rows)
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise
        check_fields(data, data_start(data, skip_rows), separator, width)  # a Python object a field
        return _read_records(source, separator, skip_rows)
    if frame.height and b'"' in data and frame.height != _lines(data) - 1 - skip_rows:
        return _read_records(source, separator, skip_rows)
    if frame.height and _short_rows(frame, data, separator, skip_rows):
        return _mark_short_rows(frame, source.getvalue(), separator, skip_rows)
    return frame


NUL_REASON = (
    "a NUL byte in the line (damaged in transfer, or written so by the exporting system): the line is "
    "kept out; deliver the file again"
)
NUL_LINES_AT_MOST = 0.01  # NUL bytes on more of the lines than this (and more than 10): binary content


def _nul_lines(data: bytes) -> list[int]:
    """The numbers (from 1) of the lines holding a NUL byte; a file with NULs on many lines is no
    damaged export but binary content, rejected whole; so is one of more NUL bytes than others (a
    sparse file of zeros, which polars read as a row of nothing and failed on: InvalidOperationError)."""
    if data.count(b"\x00") * 2 > len(data):
        raise ReaderError("binary content (NUL bytes): not a CSV export")
    lines, line, position = [], 1, 0
    for match in re.finditer(rb"\x00+", data):
        line += data.count(b"\n", position, match.start())
        position = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
            if len(lines) > 10 and len(lines) > NUL_LINES_AT_MOST * (data.count(b"\n") + 1):
                raise ReaderError("binary content (NUL bytes): not a CSV export")
    return lines


def _mark_lines(frame: pl.DataFrame, lines: list[int], reason: str) -> pl.DataFrame:
    """The rows read from these lines get ``reason`` (beside a reason they have already): a row spans
    the line it starts on and one more for each line break inside its quoted values."""
    start = pl.col("_row_number").cast(pl.Int64)
    hit = start.is_in(pl.Series(lines, dtype=pl.Int64).implode())
    values = [c for c in frame.columns if c not in ("_row_number", READER_REASON)]
    breaks = frame.select(
        pl.sum_horizontal(pl.col(values).str.count_matches("\n", literal=True).fill_null(0)).alias("n")
    ).to_series()
    if breaks.max():  # a line inside a quoted value that spans lines is its row's line too
        spans = frame.select(start.alias("start"), breaks.cast(pl.Int64).alias("n")).filter(pl.col("n") > 0)
        # the first damaged line after a row's start, looked up in the ascending line numbers
        inside = [
            first
            for first, n in spans.iter_rows()
            if (at := bisect.bisect_right(lines, first)) < len(lines) and lines[at] <= first + n
        ]
        hit = hit | start.is_in(pl.Series(inside, dtype=pl.Int64).implode())
    before = pl.col(READER_REASON) if READER_REASON in frame.columns else pl.lit(None, dtype=pl.String)
    return frame.with_columns(
        pl.when(hit)
        .then(pl.concat_str([before, pl.lit(reason)], separator="; ", ignore_nulls=True))
        .otherwise(before)
        .alias(READER_REASON)
    )


BLANK = " \t\x0b\x0c\x1a"  # what a line of nothing may hold: spaces, tabs, DOS's end-of-file mark


def _blank(frame: pl.DataFrame) -> pl.Series:
    """The rows that are blank lines: nothing in any field, or spaces and an end-of-file mark only
    (looked at only where a last value is missing, as such a line's is)."""
    columns = [c for c in frame.columns if c not in ("_row_number", READER_REASON)]
    blank = frame.select(pl.all_horizontal(pl.col(columns).is_null())).to_series()
    if not frame[columns[-1]].null_count():
        return blank
    empty = pl.col(columns).str.strip_chars(BLANK).fill_null("") == ""
    return frame.select(pl.all_horizontal(empty)).to_series()


def _named(frame: pl.DataFrame) -> list[str]:
    """The data columns up to the last one with a header: a header line ending in a separator (``a;b;``)
    names an empty column that rows may leave out (they were all taken for rows with a field too few)."""
    columns = [c for c in frame.columns if c not in ("_row_number", READER_REASON)]
    while len(columns) > 1 and not columns[-1].strip() and frame[columns[-1]].null_count() == frame.height:
        columns.pop()
    return columns


def _mark_short_rows(frame: pl.DataFrame, text: bytes, separator: str, skip_rows: int) -> pl.DataFrame:
    """The rows with fewer fields than the header, given a reason: every line's separators counted at
    once (the file read again as one column: 0.4 s for a 98 MB export with one such row, where the
    record-by-record reader took 9 s; a file without them pays nothing), a line with a quote parsed
    alone by the csv module. Only called where each line is one row."""
    columns = _named(frame)
    width = len(columns)
    lines = read_lines(text, skip_rows + 1)["line"]
    if lines.len() != frame.height:  # the lines do not match the rows (a control character as separator)
        return _read_records(io.BytesIO(text), separator, skip_rows)
    fields = lines.str.count_matches(separator, literal=True).fill_null(0) + 1
    open_ended = frame[columns[-1]].is_null() & ~_blank(frame)
    quoted = lines.str.contains('"', literal=True).fill_null(False)
    fields = fields.zip_with(~quoted, pl.Series([width] * len(fields)))  # a quote may hide separators: below
    for index in (open_ended & quoted).arg_true().to_list():  # a line with a quote, parsed alone
        try:
            fields[index] = len(next(csv.reader([lines[index].rstrip("\r")], delimiter=separator), []))
        except csv.Error:
            continue
    counted = pl.DataFrame({"short": open_ended & (fields < width), "fields": fields})
    short = int(counted["short"].sum())
    if not short:
        return frame
    if short > SHORT_ROWS_AT_MOST:  # each quarantined row's reason is its own text: GBs for 15M rows
        raise too_many_short(short, width, SHORT_ROWS_AT_MOST)
    # a reason for each count of fields, its rows sharing its text (a text a row: 120 MB a million rows)
    texts = {n: _too_few(n, width) for n in counted.filter("short")["fields"].unique().to_list()}
    reasons = counted.select(
        pl.when("short").then(pl.col("fields").replace_strict(texts, default=None, return_dtype=pl.String))
    ).rename({"fields": READER_REASON})
    return frame.with_columns(reasons.to_series())


def _short_rows(frame: pl.DataFrame, data: bytes, separator: str, skip_rows: int) -> bool:
    """Whether a row may have fewer fields than the header (polars pads it with missing values, and a
    separator left out moves the values after it into the wrong columns): only a row missing its last
    value can, and then the file's separators are counted (one ``bytes.count``; those inside quoted
    values where a quote is, those of lines of separators alone where a blank row is) against the
    header's width times the rows. A blank line of some separators, not all, can hide a short row."""
    columns = _named(frame)
    if not frame.select(pl.col(columns[-1]).is_null().any()).item():
        return False
    if len(columns) < frame.width - 1:  # rows with and without the unnamed last field: count line by line
        return True
    width = len(columns)
    start = 0
    for _ in range(skip_rows + 1):  # past the title lines and the header
        start = data.find(b"\n", start) + 1 or len(data)
    expected = frame.height * (width - 1)
    blank = frame.select(pl.all_horizontal(pl.col(columns).is_null()).sum()).item()
    if blank:  # a blank row's separators: all of a row's on a line of separators alone, else none
        only = re.compile(re.escape(b"\n" + separator.encode() * (width - 1)) + rb"(?=\r?\n|$)")
        expected -= (blank - len(only.findall(data, max(start - 1, 0)))) * (width - 1)
    if b'"' in data:  # separators inside quoted values end no field
        expected += frame.select(
            pl.sum_horizontal(pl.col(columns).str.count_matches(separator, literal=True).sum())
        ).item()
    return data.count(separator.encode(), start) < expected


def _lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def _read_records(source: io.BytesIO, separator: str, skip_rows: int = 0) -> pl.DataFrame:
    """The file read record by record (Python's csv module), each numbered by the line it starts on;
    a record with more fields than the header keeps its first ones and a reason in
    :data:`~indicators.derive.READER_REASON`, so that the normaliser quarantines that row alone (polars
    rejects the whole file); so does a record with fewer fields (polars pads it with missing values)."""
    text = source.getvalue().decode("utf-8-sig")
    for _ in range(skip_rows):
        text = text[text.find("\n") + 1 :] if "\n" in text else ""
    csv.field_size_limit(FIELD_BYTES)  # the module's 128 KiB; polars reads longer values
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        return _records(reader, skip_rows)
    except csv.Error as exc:
        raise ReaderError(
            f"malformed CSV on line {reader.line_num + skip_rows}: {redact_text(str(exc))}"
        ) from None


def _records(reader, skip_rows: int) -> pl.DataFrame:
    header = next(reader, [])
    width = len(header)
    named = width
    while named > 1 and not header[named - 1].strip():  # a header ending in a separator (a;b;)
        named -= 1
    cells: list[list[str | None]] = [[] for _ in header]
    numbers, reasons = [], []
    ended = reader.line_num  # the header's last line
    for record in reader:
        numbers.append(ended + 1 + skip_rows)
        ended = reader.line_num
        reasons.append(_width_reason(record, width, named))
        for column, value in zip(cells, record + [""] * (width - len(record)), strict=False):
            column.append(value if value != "" else None)
    frame = pl.DataFrame(
        {"_row_number": pl.Series(numbers, dtype=pl.UInt32)}
        | {name: pl.Series(column, dtype=pl.String) for name, column in zip(header, cells, strict=True)}
    )
    if any(reasons):
        frame = frame.with_columns(pl.Series(READER_REASON, reasons, dtype=pl.String))
    return frame


def _width_reason(record: list[str], width: int, named: int | None = None) -> str | None:
    if len(record) > width:
        return f"{len(record)} fields where the header has {width}: a separator too many in the row"
    if len(record) < (named or width) and any(field.strip(BLANK) for field in record):  # else a blank line
        return _too_few(len(record), width)
    return None


def _too_few(fields: int, width: int) -> str:
    return (
        f"{fields} fields where the header has {width}: a separator too few in the row "
        "(its values may have moved into the wrong columns)"
    )


def duplicate_header(header_line: str, separator: str) -> int:
    """Rejects a header naming a column twice (polars would rename the second one and read on);
    the header's columns."""
    try:
        names = next(csv.reader([header_line], delimiter=separator), [])
    except csv.Error as exc:
        raise ReaderError(f"malformed CSV on line 1: {redact_text(str(exc))}") from None
    check_width(len(names))
    check_duplicates(names)
    return len(names)


def check_width(columns: int) -> None:
    """Rejects a file of more than :data:`MAX_COLUMNS` columns."""
    if columns > MAX_COLUMNS:
        raise ReaderError(
            f"{columns:,} columns, more than the {MAX_COLUMNS:,} an export may have (the contracts' exports "
            "have fewer than 200): deliver the table's own columns only (a wrong separator, or values far "
            "to the right of the table?)"
        )


def check_duplicates(names: list) -> None:
    """The first header (blank ones aside) that two columns share, as a rejection."""
    seen: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        key = " ".join(str(name or "").split()).casefold()
        if not key:
            continue
        if key in seen:
            shown = redact_text(" ".join(str(name).split()))[:60]
            raise ReaderError(
                f"duplicate column header {shown!r} (columns {seen[key]} and {number}): "
                "rename or remove one of them"
            )
        seen[key] = number


def _transcode(data: bytes, encoding: str) -> io.BytesIO:
    try:
        return io.BytesIO(data.decode(encoding).encode("utf-8"))
    except UnicodeDecodeError as exc:
        if encoding == "cp1252" and UNDEFINED_1252.match(data, exc.start):  # their lines quarantined
            return io.BytesIO(data.decode(encoding, errors="replace").encode("utf-8"))
        raise ReaderError(f"unreadable encoding: neither UTF-8 nor Windows-1252 (byte {exc.start})") from None


def _read(source: Path | io.BytesIO, separator: str, skip_rows: int = 0) -> pl.DataFrame:
    try:
        return pl.read_csv(
            source,
            separator=separator,
            infer_schema=False,
            has_header=True,
            row_index_name="_row_number",
            row_index_offset=2 + skip_rows,
            skip_rows=skip_rows,
            raise_if_empty=False,
        )
    except pl.exceptions.NoDataError:
        raise ReaderError("empty file") from None
    except (pl.exceptions.ShapeError, pl.exceptions.SchemaError, pl.exceptions.DuplicateError) as exc:
        raise ReaderError(f"malformed CSV: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
