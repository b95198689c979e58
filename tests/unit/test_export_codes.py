"""A code made of digits with a leading zero (programme 0123) in the CSV (either dialect) and in the XLSX.

Excel opening a CSV by double-click reads ``0123`` as the number 123: the zero is gone, whatever
the file says. The CSV stays faithful (``0123``, no ``="0123"`` formula: every other reader, the
Data Package's string column, Power BI and ``indicators audit`` would read that text, and a
formula is what the injection protection keeps out); the export says so instead, in the metadata
(and its Markdown readme) and on the command line, naming the columns, and the XLSX keeps such a
code as a text cell. The fixture warehouse's programme P3 (Läkarprogrammet) is renamed 0123 here.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
import pytest

from helpers import export_fixture_warehouse
from indicators.export import export

STEM = "indicators_2023-24_annual_sv"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return export_fixture_warehouse(
        tmp_path_factory.mktemp("warehouse"),
        *(
            f"update marts.{table} set programme_code = '0123' where programme_code = 'P3'"
            for table in ("indicator_progress", "indicator_revisions", "indicator_values", "programmes")
        ),
    )


def rows(path: Path, encoding: str, delimiter: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding), newline=""), delimiter=delimiter))


def test_the_excel_sv_csv_keeps_the_code_as_it_is_and_says_what_excel_does(warehouse, tmp_path):
    notes: list[str] = []
    export(warehouse, tmp_path, "2023/24", lang="sv", dialect="excel-sv", charts=False, on_note=notes.append)
    programmes = rows(tmp_path / f"{STEM}_programmes.csv", "utf-8-sig", ";")
    codes = {row["Programkod"] for row in programmes if row["Program"] == "Läkarprogrammet"}
    assert codes == {"0123"}  # not 123, not ="0123", not '0123
    values = rows(tmp_path / f"{STEM}_values.csv", "utf-8-sig", ";")
    assert "0123" in {row["Programkod"] for row in values}
    meta = json.loads((tmp_path / f"{STEM}_metadata.json").read_text("utf-8"))
    assert meta["codes_with_leading_zeros"] == {"columns": ["Programkod"], "examples": ["0123"]}
    note = (
        "koder av siffror med inledande nolla (Programkod 0123) står som de är i CSV-filen, men Excel "
        "läser dem som tal vid dubbelklick och tar bort nollorna (0123 blir 123): öppna XLSX-exporten "
        "(koderna som text), eller importera CSV-filen via Data > Från text/CSV med kolumnen som text"
    )
    assert meta["format"].endswith("; " + note)
    assert note in (tmp_path / f"{STEM}_metadata.md").read_text("utf-8")
    assert notes == [
        "the excel-sv CSV holds codes of digits with a leading zero (Programkod 0123): Excel's double-click "
        "reads them as numbers and drops the zero; the metadata says so, and --format xlsx keeps them as text"
    ]


def test_without_such_codes_nothing_is_said(tmp_path):
    path = export_fixture_warehouse(tmp_path)
    notes: list[str] = []
    export(path, tmp_path / "out", "2023/24", lang="sv", charts=False, on_note=notes.append)
    meta = json.loads((tmp_path / "out" / f"{STEM}_metadata.json").read_text("utf-8"))
    assert "codes_with_leading_zeros" not in meta and "inledande nolla" not in meta["format"]
    assert notes == []


def test_the_standard_csv_keeps_the_code_and_says_what_excel_does_too(warehouse, tmp_path):
    # an English Excel, whose list separator is a comma, double-clicks the standard CSV apart and
    # reads 0123 as 123, as a Swedish one does the excel-sv CSV: said in both, as the years are
    notes: list[str] = []
    export(warehouse, tmp_path, "2023/24", lang="en", dialect="standard", charts=False, on_note=notes.append)
    programmes = rows(tmp_path / "indicators_2023-24_annual_en_programmes.csv", "utf-8", ",")
    assert {row["Programme code"] for row in programmes if row["Programme"] == "Medical programme"} == {
        "0123"
    }
    meta = json.loads((tmp_path / "indicators_2023-24_annual_en_metadata.json").read_text("utf-8"))
    assert meta["codes_with_leading_zeros"] == {"columns": ["Programme code"], "examples": ["0123"]}
    assert meta["format"].endswith(
        "; codes of digits with a leading zero (Programme code 0123) are written as they are, but Excel "
        "reads them as numbers on a double-click and drops the zeros (0123 becomes 123): open the XLSX "
        "export (codes as text), or import the CSV through Data > From Text/CSV with the column as text"
    )
    assert notes == [
        "the standard CSV holds codes of digits with a leading zero (Programme code 0123): Excel's "
        "double-click reads them as numbers and drops the zero; the metadata says so, and --format xlsx "
        "keeps them as text"
    ]


def test_the_xlsx_keeps_the_code_as_a_text_cell(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="sv", fmt="xlsx", charts=False)
    book = openpyxl.load_workbook(tmp_path / f"{STEM}.xlsx")
    sheet = book["Per program"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Programkod")
    cells = [
        row[column]
        for row in sheet.iter_rows(min_row=2)
        if row[header.index("Program")].value == "Läkarprogrammet"
    ]
    assert cells and {(cell.value, cell.data_type) for cell in cells} == {("0123", "s")}


def test_the_xlsx_marks_no_code_as_a_number_stored_as_text(warehouse, tmp_path):
    # Excel put its green "number stored as text" triangle on each 0123 cell, and its one-click fix,
    # "convert to number", turned it into 123: each table sheet now tells Excel its text cells are
    # text on purpose. By hand: the per-programme sheet is 13 columns (A-M) by a header and 8 rows
    import zipfile

    export(warehouse, tmp_path, "2023/24", lang="sv", fmt="xlsx", charts=False)
    book = openpyxl.load_workbook(tmp_path / f"{STEM}.xlsx")
    assert book.sheetnames[1] == "Per program" and book["Per program"].dimensions == "A1:M9"
    with zipfile.ZipFile(tmp_path / f"{STEM}.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet2.xml").decode("utf-8")
    assert '<ignoredErrors><ignoredError sqref="A1:M9" numberStoredAsText="1"/></ignoredErrors>' in sheet
