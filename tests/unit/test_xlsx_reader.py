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
