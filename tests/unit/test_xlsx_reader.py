"""A file named .xlsx that is no workbook: rejected with what it most likely is and the fix (it was
"not an XLSX workbook (not a zip archive)" for all of them)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from indicators.readers.errors import ReaderError
from indicators.readers.xlsx import read_xlsx


def _workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["a", "b"])
    workbook.active.append(["x", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CASES = [
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024),  # the OLE header an encrypted workbook has
        "a password-protected workbook or a legacy .xls renamed; save it from Excel without a password as "
        "Excel Workbook (.xlsx)",
    ),
    (_workbook()[:700], "a damaged or incomplete zip (still being copied?); deliver the file again"),
    (
        b"<html><body><table><tr><td>a</td></tr></table></body></html>",
        "an HTML or XML page named .xlsx (some systems export so); save it from Excel as .xlsx",
    ),
    ("id;partner_name\n1;Malmö\n".encode("cp1252"), "text (a CSV export named .xlsx?); name it .csv"),
]


@pytest.mark.parametrize(("data", "says"), CASES, ids=["encrypted", "truncated", "html", "csv"])
def test_a_file_named_xlsx_that_is_no_workbook_says_what_it_is(data, says):
    with pytest.raises(ReaderError) as caught:
        read_xlsx(data)
    assert str(caught.value) == f"not an XLSX workbook (not a zip archive): {says}"


def test_a_workbook_still_reads():
    assert read_xlsx(_workbook()).rows() == [(2, "x", "1")]


def _sheets(*names: str) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.title = names[0]
    for name in names[1:]:
        workbook.create_sheet(name)
    for sheet in workbook.worksheets:
        sheet.append(["a", "b"])
        sheet.append([sheet.title, "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_contracts_sheet_is_found_whatever_its_case_and_spaces():
    # sheet: Data, the export's sheet 'DATA ' (the rows were "unreadable XLSX: no matching sheet found")
    assert read_xlsx(_sheets("Info", "DATA "), "Data").rows() == [(2, "DATA ", "1")]


def test_a_missing_sheet_names_the_sheets_there_are_and_hides_a_personnummer():
    from helpers import personnummer

    number = personnummer("19900101", 998)
    with pytest.raises(ReaderError) as caught:
        read_xlsx(_sheets("Blad1", number), "Data")
    assert str(caught.value) == (
        "no sheet named 'Data' (the workbook's sheets: 'Blad1', '[personnummer]'): set the source's sheet: "
        "in its pipelines file to the sheet that holds the rows"
    )


def test_two_sheets_that_match_but_for_case_say_so():
    with pytest.raises(ReaderError) as caught:
        read_xlsx(_sheets("DATA", "data "), "Data")
    assert str(caught.value) == (
        "2 sheets match sheet 'Data' but for case and spaces ('DATA', 'data '): name one of them exactly in "
        "the source's sheet:, or rename the other"
    )
