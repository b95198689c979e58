"""Writing tables: CSV in two dialects, one XLSX workbook, and safe cells.

* ``excel-sv`` — what a double-click in Swedish Excel reads right: ``;`` between fields, decimal
  comma, UTF-8 with a byte-order mark, CRLF line ends.
* ``standard`` — RFC 4180: ``,`` between fields, ``.`` decimals, UTF-8 without BOM, CRLF.
* ``xlsx`` — one sheet per table, each an Excel table (ListObject) under a header row; numbers are
  number cells, text is written as string cells (never formulas), suppressed cells are the string
  ``..``; breakdown values in the chosen language (``kvinna``, ``avancerad nivå``). Every sheet
  prints on A4 landscape, one page wide, the header row repeated on each page; the workbook's
  properties carry the title, the plan and the run id.

A code made of digits with a leading zero (programme ``0123``) is written as it is in both CSV
dialects. Excel opening an ``excel-sv`` file by double-click reads it as the number 123, and no
CSV cell can stop that but a formula (``="0123"``), which every other reader (the Data Package's
string column, Power BI, pandas, ``indicators audit``) would then read as that text; so the file
stays faithful and the export says what Excel does, naming the columns (:func:`leading_zero_codes`,
:func:`leading_zero_note`, in the metadata and on the command line). The XLSX keeps such a code as
a text cell.

An academic year whose second half reads as a month (``2000/01`` to ``2011/12``: real histories,
the EC's Erasmus statistics from ``2008/09``) is written as it is too, in a cell and as a year
column's heading; Excel opening a CSV by double-click reads ``2010/11`` as the date November 2010
(``2012/13`` and later stay text: no month 13). Any form Excel would not read so (``="2010/11"``,
``'2010/11``, another slash) is another text to every other reader, and a year no longer matches
the warehouse's, so the export names such years instead (:func:`date_like_years`,
:func:`date_like_years_note`); the XLSX writes every year as a text cell.

Text that a spreadsheet could take for a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return; OWASP's CSV-injection list) is prefixed with ``'`` in CSV files. In XLSX it is
kept as it is, in a string cell, which Excel never evaluates.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from pathlib import Path
from typing import Any

from indicators.export import labels
from indicators.export.labels import OBS_MARKS
from indicators.export.tables import SUPPRESSED, ExportError, Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DECIMALS = 2
HUNDREDTH = Decimal(1).scaleb(-DECIMALS)  # 0.01: the text files' last decimal
# digits enough for any double (up to 1.8e308) to two decimals: the default 28 raised InvalidOperation
WIDE = Context(prec=400)
A4 = 9  # the paper size code of Excel's page setup
MARGIN_INCHES = 0.4
HEADER_WIDTH = 14  # characters; a longer header wraps
TEXT_WIDTH = 32  # characters; a longer text wraps in its cell
LINE_HEIGHT = 15  # points, one line of Calibri 11
# Excel's tallest row (its specifications; the binary format's row record holds at most 8179 twips):
# a text of more lines shows its first 27 in the cell, and all of it in the formula bar
ROW_HEIGHT_MAX = 409
ABOUT_WIDTHS = (32, 110)  # characters: the about sheet's names and texts
SHEET_ROWS = 1_048_576  # an XLSX sheet's rows, its header row included
CELL_CHARACTERS = 32_767  # an XLSX cell's text


@dataclass(frozen=True)
class Dialect:
    name: str
    delimiter: str
    decimal: str
    encoding: str

    def describe(self, lang: str) -> str:
        if lang == "sv":
            return (
                f"CSV ({self.name}): fältavgränsare '{self.delimiter}', decimaltecken '{self.decimal}', "
                f"teckenkodning {self.encoding.replace('utf-8-sig', 'UTF-8 med BOM').replace('utf-8', 'UTF-8')}, "
                f"radslut CRLF; dolda celler {SUPPRESSED}"
            )
        return (
            f"CSV ({self.name}): separator '{self.delimiter}', decimal mark '{self.decimal}', encoding "
            f"{self.encoding.replace('utf-8-sig', 'UTF-8 with BOM').replace('utf-8', 'UTF-8')}, "
            f"CRLF line ends; suppressed cells {SUPPRESSED}"
        )


DIALECTS = {
    "excel-sv": Dialect("excel-sv", ";", ",", "utf-8-sig"),
    "standard": Dialect("standard", ",", ".", "utf-8"),
}


LEADING_ZERO = re.compile(r"0\d+")


def leading_zero_codes(tables: Sequence[Table]) -> dict[str, list[str]] | None:
    """The columns (their labels) whose text cells include a code of digits with a leading zero,
    each with its first such code; None when there are none."""
    found: dict[str, str] = {}
    for table in tables:
        for col, column in enumerate(table.columns):
            if column.label in found:
                continue
            for row in table.rows:
                value = row[col]
                if isinstance(value, str) and LEADING_ZERO.fullmatch(value):
                    found[column.label] = value
                    break
    if not found:
        return None
    return {"columns": list(found), "examples": list(found.values())}


def leading_zero_note(codes: dict[str, list[str]], lang: str) -> str:
    """What Excel does to those codes and what to do instead, for the metadata."""
    shown = ", ".join(
        f"{column} {code}" for column, code in zip(codes["columns"], codes["examples"], strict=True)
    )
    first = codes["examples"][0]
    if lang == "sv":
        return (
            f"koder av siffror med inledande nolla ({shown}) står som de är i CSV-filen, men Excel läser dem "
            f"som tal vid dubbelklick och tar bort nollorna ({first} blir {int(first)}): öppna XLSX-exporten "
            "(koderna som text), eller importera CSV-filen via Data > Från text/CSV med kolumnen som text"
        )
    return (
        f"codes of digits with a leading zero ({shown}) are written as they are, but Excel reads them as "
        f"numbers on a double-click and drops the zeros ({first} becomes {int(first)}): open the XLSX export "
        "(codes as text), or import the CSV through Data > From Text/CSV with the column as text"
    )


DATE_LIKE_YEAR = re.compile(r"\d{4}/(0[1-9]|1[0-2])")  # yyyy/mm to a spreadsheet
YEAR_KEYS = ("academic_year", "baseline_year", "followup_year", "midterm_year")


def date_like_years(tables: Sequence[Table]) -> list[str] | None:
    """The academic years, as a year column's heading or in a year column's cells, that Excel
    opening a CSV reads as a month (``2010/11``: November 2010), in order; None when there are none."""
    found: set[str] = set()
    for table in tables:
        for col, column in enumerate(table.columns):
            if DATE_LIKE_YEAR.fullmatch(column.label):
                found.add(column.label)
            if column.key in YEAR_KEYS:
                found.update(
                    value
                    for value in {row[col] for row in table.rows}
                    if isinstance(value, str) and DATE_LIKE_YEAR.fullmatch(value)
                )
    return sorted(found) or None


def date_like_years_note(years: list[str], lang: str) -> str:
    """What Excel does to those years and what to do instead, for the metadata."""
    from indicators.report.text import MONTHS

    shown = ", ".join(years)
    first = years[0]
    month = MONTHS[lang][int(first[5:]) - 1]
    if lang == "sv":
        return (
            f"läsåren {shown} står som de är i CSV-filen, men Excel läser dem som datum vid dubbelklick "
            f"({first} blir {month} {first[:4]}, i en cell och som kolumnrubrik): "
            "öppna XLSX-exporten (läsåren som text), eller importera CSV-filen via Data > Från text/CSV "
            "med läsårskolumnerna som text"
        )
    return (
        f"the academic years {shown} are written as they are, but Excel reads them as dates on a "
        f"double-click ({first} becomes {month} {first[:4]}, in a cell and as a "
        "column heading): open the XLSX export (years as text), or import the CSV through Data > From "
        "Text/CSV with the year columns as text"
    )


def _cell_range(rows: int, columns: int) -> str:
    """A sheet's table under its header row, as Excel names it (``A1:M9``)."""
    from xlsxwriter.utility import xl_range

    return xl_range(0, 0, max(rows, 1), columns - 1)


def safe_text(text: str) -> str:
    """Text a spreadsheet will show as text: a leading formula character gets a ``'`` in front."""
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def format_number(value: float | int, decimal: str = ".") -> str:
    """At most two decimals, no thousands separator, no trailing zeros: 12, 12.5, 33.33.

    A half is rounded away from zero on the number as written (its shortest decimal form), as Excel
    and LibreOffice show the XLSX's number cell: 26 of 64 graduates, 40.625 %, reads 40.63 in every
    file. Python's round() gave 40.62 (a tie to even), and 9.995 (a binary 9.99499...) 9.99."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    exact = Decimal(value) if isinstance(value, int) else Decimal(repr(float(value)))  # a count as it is
    rounded = exact.quantize(HUNDREDTH, ROUND_HALF_UP, context=WIDE).normalize(context=WIDE)
    text = f"{rounded:f}"
    if text == "-0":
        text = "0"
    return text.replace(".", decimal)


def csv_cell(value: Any, dialect: Dialect) -> str:
    if value is None:
        return ""
    if value is SUPPRESSED:
        return str(SUPPRESSED)
    if isinstance(value, int | float):
        return format_number(value, dialect.decimal)
    return safe_text(str(value))


def write_csv(table: Table, path: Path, dialect: Dialect) -> Path:
    # a table repeats its codes, years, words and small numbers: each distinct value (of its type:
    # 1 and 1.0 and True may be written alike, "1" not) is formatted once
    texts: dict[tuple[type, Any], str] = {}

    def cell(value: Any) -> str:
        key = (value.__class__, value)
        try:
            text = texts.get(key)
        except TypeError:  # an unhashable value: formatted as it comes
            return csv_cell(value, dialect)
        if text is None:
            text = texts[key] = csv_cell(value, dialect)
        return text

    with open(path, "w", encoding=dialect.encoding, newline="") as handle:
        writer = csv.writer(
            handle, delimiter=dialect.delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
        )
        writer.writerow([safe_text(column.label) for column in table.columns])
        writer.writerows([cell(value) for value in row] for row in table.rows)
    return path


def write_xlsx(
    tables: Sequence[Table],
    path: Path,
    about: list[tuple[str, str | datetime]] | None = None,
    about_title: str = "About",
    lang: str = "en",
    properties: dict[str, str] | None = None,
) -> Path:
    import xlsxwriter

    _check_fits(tables, about or [], about_title)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        if properties:
            _set_properties(workbook, properties)
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        whole = workbook.add_format({"num_format": "0", "valign": "top"})
        fraction = workbook.add_format({"num_format": "0.0#", "valign": "top"})
        hidden = workbook.add_format({"align": "right", "valign": "top"})
        top = workbook.add_format({"valign": "top"})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        # a value that is not final stays a number, shown with its mark ("12 p") in italics
        marked = {
            (status, is_whole): workbook.add_format(
                {"num_format": f'{"0" if is_whole else "0.0#"}" {mark}"', "italic": True, "valign": "top"}
            )
            for status, mark in OBS_MARKS.items()
            for is_whole in (True, False)
        }
        title = (properties or {}).get("title", "")
        for number, table in enumerate(tables, start=1):
            sheet = workbook.add_worksheet(_sheet_name(table.title))
            # narrow columns for paper: a header wraps at HEADER_WIDTH, a long text at TEXT_WIDTH
            widths = [min(max(len(column.label), 6), HEADER_WIDTH) for column in table.columns]
            shown = [_cell_words(column.key, lang) for column in table.columns]
            for r, row in enumerate(table.rows, start=1):
                lines = 1  # a wrapped text's lines: the row's height (LibreOffice does not work it out)
                for col, value in enumerate(row):
                    if value is None:
                        continue
                    if value is SUPPRESSED:
                        sheet.write_string(r, col, str(SUPPRESSED), hidden)
                    elif isinstance(value, int | float) and not isinstance(value, bool):
                        if isinstance(value, float) and not math.isfinite(value):
                            continue
                        # whole as the CSV writes it (to two decimals): 300 of 2,501, 11.9952 %,
                        # is 12 there, and "0.0#" showed 12.0 beside it
                        is_whole = "." not in format_number(value)
                        status = table.marks.get((r - 1, col))
                        style = (
                            marked[(status, is_whole)]
                            if status in OBS_MARKS
                            else whole
                            if is_whole
                            else fraction
                        )
                        sheet.write_number(r, col, value, style)
                    else:
                        text = shown[col](str(value))
                        # a line break of the text's own (a name from a source cell) shows only in
                        # a wrapped cell: unwrapped, Excel prints "Läkarprogrammet(330 hp)"
                        long = len(text) > TEXT_WIDTH or "\n" in text
                        sheet.write_string(r, col, text, wrap if long else top)
                        widest = max(len(line) for line in text.split("\n"))
                        widths[col] = min(max(widths[col], widest), TEXT_WIDTH)
                        lines = max(lines, _lines(text, TEXT_WIDTH))
                if lines > 1:
                    sheet.set_row(r, min(LINE_HEIGHT * lines, ROW_HEIGHT_MAX))
            # the table as an Excel table: its header row, filter buttons and banded rows
            sheet.add_table(
                0,
                0,
                max(len(table.rows), 1),
                len(table.columns) - 1,
                {
                    "name": f"t_{table.name}",
                    "style": "Table Style Light 1",
                    "columns": _table_headers(table, bold),
                },
            )
            for col, width in enumerate(widths):
                sheet.set_column(col, col, width + 2)
            sheet.set_row(
                0,
                min(
                    LINE_HEIGHT * max(_lines(column.label, HEADER_WIDTH) for column in table.columns),
                    ROW_HEIGHT_MAX,
                ),
            )
            sheet.freeze_panes(1, 0)
            # every text cell is text on purpose (a code 0123, a year): no "number stored as text"
            # triangle on it, whose "convert to number" would drop the code's zero
            sheet.ignore_errors({"number_stored_as_text": _cell_range(len(table.rows), len(table.columns))})
            _page_setup(sheet, f"{title} – {table.title}" if title else table.title, number, lang)
        if about:
            sheet = workbook.add_worksheet(_sheet_name(about_title))
            sheet.set_column(0, 0, ABOUT_WIDTHS[0])
            sheet.set_column(1, 1, ABOUT_WIDTHS[1])
            moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "align": "left", "valign": "top"})
            for r, (key, text) in enumerate(about):
                sheet.write_string(r, 0, key, bold)
                if isinstance(text, datetime):  # a date-time cell Excel sorts, filters and reformats
                    sheet.write_datetime(r, 1, text, moment)
                else:
                    sheet.write_string(r, 1, text, wrap)
                # the row as tall as its wrapped texts, as a table sheet's (LibreOffice does not work
                # it out): the disclosure rule's 2,000 characters showed and printed their first line
                lines = max(
                    _lines(key, ABOUT_WIDTHS[0]),
                    _lines(text, ABOUT_WIDTHS[1]) if isinstance(text, str) else 1,
                )
                if lines > 1:
                    sheet.set_row(r, min(LINE_HEIGHT * lines, ROW_HEIGHT_MAX))
            _page_setup(sheet, about_title, len(tables) + 1, lang, repeat_header=False)
    finally:
        try:
            workbook.close()
        except xlsxwriter.exceptions.FileCreateError as exc:  # the OSError it wraps: one line (cli)
            raise (
                exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
            ) from None
    return path


def _check_fits(tables: Sequence[Table], about: list[tuple[str, str | datetime]], about_title: str) -> None:
    """An :class:`ExportError` (one line) for a table longer than a sheet or a text longer than a cell,
    before the workbook is begun: xlsxwriter leaves out the rows past the sheet's last (and the whole
    Excel table) and cuts such a text, without a word."""
    fix = "export it as CSV (--format csv), which has no such limits"
    for table in tables:
        if len(table.rows) > SHEET_ROWS - 1:
            raise ExportError(
                f"the table {table.title!r} has {len(table.rows):,} rows, more than an XLSX sheet holds "
                f"under its header ({SHEET_ROWS - 1:,}): {fix}"
            )
        for r, row in enumerate(table.rows, start=2):
            for col, value in enumerate(row):
                if isinstance(value, str) and len(value) > CELL_CHARACTERS:
                    raise ExportError(
                        f"the table {table.title!r}, row {r}, column {table.columns[col].label!r} holds "
                        f"{len(value):,} characters, more than an XLSX cell holds ({CELL_CHARACTERS:,}): {fix}"
                    )
    for r, (key, text) in enumerate(about, start=1):
        if isinstance(text, str) and len(text) > CELL_CHARACTERS:
            raise ExportError(
                f"the sheet {about_title!r}, row {r} ({key}) holds {len(text):,} characters, more than an "
                f"XLSX cell holds ({CELL_CHARACTERS:,}): {fix}"
            )


def _lines(text: str, width: int) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (word by word), each of
    its own lines (a line break in the text) on a new one."""
    total = 0
    for line in text.split("\n"):
        lines, used = 1, 0
        for word in line.split():
            if used and used + 1 + len(word) > width:
                lines, used = lines + 1, len(word)
            else:
                used += (1 if used else 0) + len(word)
        total += lines
    return total


def _cell_words(key: str, lang: str):
    """How a text cell of column ``key`` is shown in the XLSX: breakdown values as words."""
    if key == "dimension_value":
        return lambda value: labels.text(labels.DIMENSION_VALUES, value, lang)
    return lambda value: value


def _table_headers(table: Table, style) -> list[dict[str, Any]]:
    """The Excel table's column headers: unique, as Excel requires (a repeated label gets " (2)")."""
    seen: dict[str, int] = {}
    headers = []
    for column in table.columns:
        label = column.label.replace("\n", " ")[:255]
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} ({seen[label]})"
        headers.append({"header": label, "header_format": style})
    return headers


def _page_setup(sheet, title: str, number: int, lang: str, repeat_header: bool = True) -> None:
    """A4 landscape, one page wide (as many pages tall as needed), the header row on every page."""
    sheet.set_paper(A4)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=MARGIN_INCHES, right=MARGIN_INCHES, top=0.6, bottom=0.6)
    if repeat_header:
        sheet.repeat_rows(0)
    page = "Sida &P av &N" if lang == "sv" else "Page &P of &N"
    sheet.set_header(f"&L&8{_header_text(title)}")
    sheet.set_footer(f"&L&8&A&R&8{page}")


def _header_text(text: str) -> str:
    # '&' starts a control code in Excel's header text
    return text.replace("&", "&&")[:200]


def _set_properties(workbook, properties: dict[str, str]) -> None:
    workbook.set_properties(
        {key: properties[key] for key in ("title", "subject", "keywords", "comments") if properties.get(key)}
    )
    for key in ("plan", "run_id"):
        if properties.get(key):
            workbook.set_custom_property(key, properties[key])


def _sheet_name(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31]
