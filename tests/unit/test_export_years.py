"""Academic years Excel takes for a month (2000/01 to 2011/12) in the excel-sv CSV and in the XLSX.

Excel opening a CSV by double-click reads ``2010/11`` as November 2010, in a cell and as a year
column's heading; ``2012/13`` and later stay text (there is no month 13), so the bundled sample
(from 2013/14) never shows it, while real histories do (the EC's Erasmus statistics start in
2008/09). The CSV stays faithful (every other reader, the Data Package's year pattern, Power BI,
pandas and ``indicators audit``, reads the year as it is); the export names the years instead, in
the metadata (and its Markdown readme) and on the command line, and the XLSX writes each year as a
text cell. The fixture warehouse's years are moved ten years back here: 2018/19 → 2008/09,
2019/20 → 2009/10, 2021/22 → 2011/12, 2023/24 → 2013/14, 2024/25 → 2014/15.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import openpyxl
import pytest

from helpers import export_fixture_warehouse
from indicators.export import export

STEM = "indicators_2013-14_annual_sv"
SHIFTED = r"""(left({c}, 4)::int - 10)::varchar || '/' || lpad(((right({c}, 2)::int + 90) % 100)::varchar, 2, '0')"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = export_fixture_warehouse(tmp_path_factory.mktemp("warehouse"))
    con = duckdb.connect(str(path))
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            "join information_schema.tables using (table_schema, table_name) "
            "where table_type = 'BASE TABLE' and table_schema in ('marts', 'audit')"
        ).fetchall()
        for schema, table, column, kind in columns:
            name = f'{schema}."{table}"'
            if kind == "VARCHAR":
                quoted = f'"{column}"'
                con.execute(
                    f"update {name} set {quoted} = {SHIFTED.format(c=quoted)} "
                    f"where regexp_full_match({quoted}, '\\d{{4}}/\\d{{2}}')"
                )
            elif column == "academic_year_start":
                con.execute(f'update {name} set "{column}" = "{column}" - 10')
    finally:
        con.close()
    return path


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline=""), delimiter=";"))


def test_the_excel_sv_csv_keeps_the_years_and_names_those_excel_reads_as_dates(warehouse, tmp_path):
    notes: list[str] = []
    export(warehouse, tmp_path, "2013/14", lang="sv", dialect="excel-sv", charts=False, on_note=notes.append)
    scoreboard = rows(tmp_path / f"{STEM}_scoreboard.csv")
    header = scoreboard[0]
    # the year columns' headings as they are: the fixture's years with values up to 2013/14
    assert [label for label in header if "/" in label] == ["2008/09", "2009/10", "2011/12", "2013/14"]
    assert {row[header.index("Utgångsår")] for row in scoreboard[1:]} == {"2008/09"}
    values = rows(tmp_path / f"{STEM}_values.csv")
    assert {row[values[0].index("Läsår")] for row in values[1:]} == {
        "2008/09",
        "2009/10",
        "2011/12",
        "2013/14",
    }
    meta = json.loads((tmp_path / f"{STEM}_metadata.json").read_text("utf-8"))
    # by hand: 2008/09 is September 2008, 2009/10 October 2009, 2011/12 December 2011; 2013/14 is no date
    assert meta["years_read_as_dates"] == ["2008/09", "2009/10", "2011/12"]
    note = (
        "läsåren 2008/09, 2009/10, 2011/12 står som de är i CSV-filen, men Excel läser dem som datum vid "
        "dubbelklick (2008/09 blir september 2008, i en cell och som kolumnrubrik): öppna XLSX-exporten "
        "(läsåren som text), eller importera CSV-filen via Data > Från text/CSV med läsårskolumnerna som text"
    )
    assert meta["format"].endswith("; " + note)
    assert note in (tmp_path / f"{STEM}_metadata.md").read_text("utf-8")
    assert notes == [
        "the excel-sv CSV holds academic years Excel's double-click reads as dates (2008/09, 2009/10, "
        "2011/12): the metadata says so, and --format xlsx keeps them as text"
    ]


def test_the_xlsx_writes_the_years_as_text_cells(warehouse, tmp_path):
    export(warehouse, tmp_path, "2013/14", lang="sv", fmt="xlsx", charts=False)
    book = openpyxl.load_workbook(tmp_path / f"{STEM}.xlsx")
    scoreboard = book[book.sheetnames[0]]
    header = {cell.value: cell for cell in scoreboard[1]}
    assert [header[year].data_type for year in ("2008/09", "2009/10", "2011/12")] == ["s", "s", "s"]
    baseline = [row[list(header).index("Utgångsår")] for row in scoreboard.iter_rows(min_row=2)]
    assert baseline and {(cell.value, cell.data_type) for cell in baseline} == {("2008/09", "s")}
    values = next(book[name] for name in book.sheetnames if "Läsår" in [c.value for c in book[name][1]])
    column = [c.value for c in values[1]].index("Läsår")
    years = {(row[column].value, row[column].data_type) for row in values.iter_rows(min_row=2)}
    assert ("2011/12", "s") in years and all(kind == "s" for _, kind in years)


def test_the_standard_csv_names_the_years_excel_reads_as_dates_too(warehouse, tmp_path):
    """An English Excel, whose list separator is a comma, double-clicks the standard CSV apart just
    as a Swedish one does the excel-sv CSV: ``2009/10`` becomes October 2009 there too."""
    notes: list[str] = []
    export(warehouse, tmp_path, "2013/14", lang="en", dialect="standard", charts=False, on_note=notes.append)
    stem = "indicators_2013-14_annual_en"
    values = list(
        csv.DictReader(io.StringIO((tmp_path / f"{stem}_values.csv").read_text("utf-8"), newline=""))
    )
    assert {row["Academic year"] for row in values} == {"2008/09", "2009/10", "2011/12", "2013/14"}
    meta = json.loads((tmp_path / f"{stem}_metadata.json").read_text("utf-8"))
    # by hand, as for excel-sv: 2008/09 September 2008, 2009/10 October 2009, 2011/12 December 2011
    assert meta["years_read_as_dates"] == ["2008/09", "2009/10", "2011/12"]
    note = (
        "the academic years 2008/09, 2009/10, 2011/12 are written as they are, but Excel reads them as "
        "dates on a double-click (2008/09 becomes September 2008, in a cell and as a column heading): open "
        "the XLSX export (years as text), or import the CSV through Data > From Text/CSV with the year "
        "columns as text"
    )
    assert meta["format"].startswith("CSV (standard): separator ','") and meta["format"].endswith("; " + note)
    assert note in (tmp_path / f"{stem}_metadata.md").read_text("utf-8")
    assert notes == [
        "the standard CSV holds academic years Excel's double-click reads as dates (2008/09, 2009/10, "
        "2011/12): the metadata says so, and --format xlsx keeps them as text"
    ]
