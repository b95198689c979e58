"""The XLSX as Excel and a printer see it: page setup, Excel tables, document properties, Swedish words.

The workbook is reopened with openpyxl (what Excel reads from the file), and, where LibreOffice is
installed, printed to PDF by it (``soffice --headless --convert-to pdf``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from helpers import export_fixture_warehouse
from indicators.export import export

SHEETS_SV = ["Indikatorer", "Per program", "Alla värden", "Halvtidsuppföljning", "Om data"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return export_fixture_warehouse(tmp_path_factory.mktemp("warehouse"))


@pytest.fixture(scope="module")
def workbook_sv(warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("xlsx_sv")
    export(warehouse, out, "2023/24", kind="midterm", lang="sv", fmt="xlsx", charts=False)
    return out / "indicators_2023-24_midterm_sv.xlsx"


def test_every_sheet_prints_on_a4_landscape_one_page_wide_with_the_header_row_repeated(workbook_sv):
    book = openpyxl.load_workbook(workbook_sv)
    assert book.sheetnames == SHEETS_SV
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.paperSize == 9, sheet.title  # A4
        assert setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # one page wide (fitToWidth left out of the file means 1, OOXML's default), as tall as needed
        assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), sheet.title
        assert "&P" in sheet.oddFooter.right.text  # page numbers
    for name in SHEETS_SV[:4]:
        assert book[name].print_title_rows == "$1:$1", name  # print titles: row 1 on every page


def test_each_table_is_an_excel_table_over_its_rows(workbook_sv):
    book = openpyxl.load_workbook(workbook_sv)
    refs = {}
    for sheet in book.worksheets[:4]:
        assert len(sheet.tables) == 1, sheet.title
        name, ref = next(iter(sheet.tables.items()))
        refs[name] = ref
        table = sheet.tables[name]
        assert [column.name for column in table.tableColumns] == [cell.value for cell in sheet[1]]
    # scoreboard: 22 columns (10 + the fixture's four years with values 2018/19, 2019/20, 2021/22,
    # 2023/24 + 8), a header row and one row per indicator of the catalogue (I01-I06)
    assert refs["t_scoreboard"] == "A1:V7"
    assert refs["t_midterm"].startswith("A1:")
    # the long values: 13 columns, a header row and one row per value up to 2023/24
    values = book["Alla värden"]
    assert refs["t_values"] == f"A1:M{values.max_row}"


def test_document_properties_carry_the_title_plan_and_run(workbook_sv):
    book = openpyxl.load_workbook(workbook_sv)
    props = book.properties
    assert props.title == "Internationaliseringsindikatorer 2023/24 – halvtidsuppföljning"
    assert props.subject == "Planen"
    assert "run-20241015" in props.keywords and "P" in props.keywords.split(", ")
    custom = {prop.name: prop.value for prop in book.custom_doc_props.props}
    assert custom == {"plan": "P", "run_id": "run-20241015"}


def test_swedish_workbook_has_breakdown_values_and_title_in_swedish(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="sv", fmt="xlsx", charts=False)
    book = openpyxl.load_workbook(tmp_path / "indicators_2023-24_annual_sv.xlsx")
    assert book.properties.title == "Internationaliseringsindikatorer 2023/24 – årlig uppföljning"
    sheet = book["Alla värden"]
    header = [cell.value for cell in sheet[1]]
    breakdowns = {
        (row[header.index("Uppdelning")], row[header.index("Värde för uppdelning")])
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if row[header.index("Indikator")] == "I01" and row[header.index("Läsår")] == "2023/24"
    }
    # the fixture's I01 2023/24: the whole faculty, gender female and male, measure stays
    assert breakdowns == {(None, None), ("kön", "kvinna"), ("kön", "man"), ("mått", "vistelser")}
    about = {row[0]: row[1] for row in book["Om data"].iter_rows(values_only=True)}
    assert "(annual)" not in about["Titel"] and "annual" not in about["Titel"]


def test_english_workbook_keeps_english_breakdown_words(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="en", fmt="xlsx", charts=False)
    book = openpyxl.load_workbook(tmp_path / "indicators_2023-24_annual_en.xlsx")
    sheet = book["All values"]
    header = [cell.value for cell in sheet[1]]
    words = {row[header.index("Breakdown value")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"female", "male", "stays"} <= words
    assert book.properties.title == "Internationalisation indicators 2023/24 – annual follow-up"


def _pdf_pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_prints_each_small_sheet_on_one_page(workbook_sv, tmp_path):
    profile = tmp_path / "lo-profile"
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(workbook_sv),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "indicators_2023-24_midterm_sv.pdf"
    assert pdf.exists(), result.stderr
    # five sheets, each of the fixture's few rows fitted to one page wide: five pages (not one page per
    # column, as before the page setup)
    assert _pdf_pages(pdf) == 5


def test_a_row_number_is_the_sheets_row_across_empty_rows():
    # rows 3 and 5 empty (row 3 not even in the sheet's XML): the rows keep their sheet numbers, which
    # the quarantine and its reasons name (polars dropped the empty rows before they were numbered)
    import io

    import openpyxl

    from indicators.readers.xlsx import read_xlsx

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row, values in {1: ("a", "b"), 2: ("x", "1"), 4: ("y", "2"), 6: ("z", None)}.items():
        for column, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row, column, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    frame = read_xlsx(buffer.getvalue())
    assert frame.rows() == [(2, "x", "1"), (4, "y", "2"), (6, "z", None)]


def test_a_table_or_a_text_larger_than_xlsx_holds_is_refused_not_cut(tmp_path):
    # xlsxwriter left out the rows past a sheet's last (1,048,576 with the header: 1,048,575 data
    # rows) and the Excel table with them, and cut a text to a cell's 32,767 characters, without a word
    from indicators.export import ExportError
    from indicators.export.tables import Column, Table
    from indicators.export.writers import write_xlsx

    columns = [Column("indicator_id", "Indikator"), Column("value", "Värde", "number")]
    tall = Table("values", "Alla värden", columns, rows=[["I01", 1]] * 1_048_576)
    with pytest.raises(
        ExportError,
        match=r"^the table 'Alla värden' has 1,048,576 rows, more than an XLSX sheet holds under its "
        r"header \(1,048,575\): export it as CSV \(--format csv\), which has no such limits$",
    ):
        write_xlsx([tall], tmp_path / "tall.xlsx")
    long = Table("values", "Alla värden", columns, rows=[["I01", 1], ["x" * 32_768, 2]])
    with pytest.raises(
        ExportError,
        match=r"^the table 'Alla värden', row 3, column 'Indikator' holds 32,768 characters, more than "
        r"an XLSX cell holds \(32,767\): export it as CSV",
    ):
        write_xlsx([long], tmp_path / "long.xlsx")
    about = [("Titel", "Indikatorer"), ("Röjandekontroll", "y" * 40_000)]
    with pytest.raises(ExportError, match=r"^the sheet 'Om data', row 2 \(Röjandekontroll\) holds 40,000 "):
        write_xlsx([], tmp_path / "about.xlsx", about=about, about_title="Om data")
    assert not list(tmp_path.iterdir())  # no workbook begun
    # at the limits, the workbook holds every character
    fits = Table("values", "Alla värden", columns, rows=[["x" * 32_767, 2]])
    book = openpyxl.load_workbook(write_xlsx([fits], tmp_path / "fits.xlsx"))
    assert len(book.worksheets[0]["A2"].value) == 32_767


def test_a_line_break_in_a_text_shows_in_its_wrapped_cell_on_a_row_tall_enough(tmp_path):
    # a programme register's cell "Läkarprogrammet" Alt+Enter "(330 hp)": short, so the cell was not
    # wrapped and Excel showed and printed "Läkarprogrammet(330 hp)" on one line; a long one with a
    # break got the height of its words only, its own lines uncounted
    from indicators.export.tables import Column, Table
    from indicators.export.writers import write_xlsx

    columns = [Column("programme_code", "Programkod"), Column("programme_name", "Program")]
    rows = [
        ["MALAK", "Läkarprogrammet\n(330 hp)"],
        ["VGSSK", "Sjuksköterskeprogrammet\n(180 hp)\nbörjar varje termin"],
        # 34 characters wrap at 32 into two lines (13 | 19), then one of its own: three lines
        ["VGBMA", "Biomedicinska analytikerprogrammet\nlaboratoriemedicin"],
        ["VGRAD", "Röntgensjuksköterskeprogrammet"],
    ]
    table = Table("programmes", "Per program", columns, rows=rows)
    sheet = openpyxl.load_workbook(write_xlsx([table], tmp_path / "names.xlsx")).worksheets[0]
    # by hand: lines x 15 points (one line of Calibri 11); one line keeps the default height
    assert [(sheet.cell(r, 2).alignment.wrap_text, sheet.row_dimensions[r].height) for r in range(2, 6)] == [
        (True, 30),
        (True, 45),
        (True, 45),
        (None, None),
    ]
    assert sheet["B2"].value == "Läkarprogrammet\n(330 hp)"  # the text as it is
    # the column as wide as the longest line, "Läkarprogrammet" (15 characters, + 2), not the whole text (24)
    alone = Table("programmes", "Per program", columns, rows=rows[:1])
    sheet = openpyxl.load_workbook(write_xlsx([alone], tmp_path / "one.xlsx")).worksheets[0]
    assert sheet.column_dimensions["B"].width == pytest.approx(
        15 + 2 + 0.71, abs=0.01
    )  # xlsxwriter pads 0.71


def test_a_row_of_a_long_text_is_no_taller_than_excel_allows(tmp_path):
    # a final follow-up's sentence or an annotation of 40 lines asked for a row of 600 points; Excel's
    # rows stop at 409 (its specifications), which the row gets, the text kept whole in its cell
    from indicators.export.tables import Column, Table
    from indicators.export.writers import write_xlsx

    columns = [Column("indicator_id", "Indikator"), Column("sentence", "Sammanfattning")]
    long = "\n".join(f"Rad {n}" for n in range(1, 41))  # 40 lines by hand: 40 x 15 = 600 points
    short = "\n".join(f"Rad {n}" for n in range(1, 28))  # 27 lines: 405 points, under the limit
    table = Table("final", "Slutuppföljning", columns, rows=[["I01", long], ["I02", short]])
    sheet = openpyxl.load_workbook(write_xlsx([table], tmp_path / "long.xlsx")).worksheets[0]
    # xlsxwriter keeps whole pixels (0.75 point): 409 points are 545 pixels, 408.75 points
    assert (sheet.row_dimensions[2].height, sheet.row_dimensions[3].height) == (408.75, 405)
    assert sheet["B2"].value == long


def test_the_about_sheets_times_are_date_time_cells_of_swedish_time(tmp_path):
    # the warehouse keeps UTC without a zone. The sheet showed the export's time as ISO text
    # ("2026-12-06T04:12:33+00:00", which Excel neither sorts nor reformats) and the run's as
    # "2024-12-15 23:30:00", an hour early to a reader in Sweden, the day before. Now both are
    # date-time cells of the faculty's clock, the zone said in the row's name. By hand: the fixture's
    # run finished 2024-12-15 23:30 UTC = 2024-12-16 00:30 CET (winter, +1); its student mobility
    # file was modified 2024-10-10 08:00 UTC and loaded 02:01 UTC = 10:00 and 04:01 CEST (summer, +2).
    import datetime as dt
    from zoneinfo import ZoneInfo

    warehouse = export_fixture_warehouse(
        tmp_path,
        "update audit.pipeline_runs set finished_at = '2024-12-15 23:30:00' where run_id = 'run-20241015'",
    )
    for lang, generated, finished in (
        ("sv", "Skapad (svensk tid, Europe/Stockholm)", "Körningen klar (svensk tid, Europe/Stockholm)"),
        ("en", "Generated (Swedish time, Europe/Stockholm)", "Run finished (Swedish time, Europe/Stockholm)"),
    ):
        export(warehouse, tmp_path / lang, "2023/24", lang=lang, fmt="xlsx", charts=False)
        sheet = openpyxl.load_workbook(tmp_path / lang / f"indicators_2023-24_annual_{lang}.xlsx").worksheets[
            -1
        ]
        cells = {row[0].value: row[1] for row in sheet.iter_rows()}
        now = dt.datetime.now(ZoneInfo("Europe/Stockholm")).replace(tzinfo=None)
        assert cells[generated].is_date and cells[generated].number_format == "yyyy-mm-dd hh:mm"
        assert abs(cells[generated].value - now) < dt.timedelta(minutes=2)
        assert cells[finished].is_date and cells[finished].value == dt.datetime(2024, 12, 16, 0, 30)
        assert cells[finished].number_format == "yyyy-mm-dd hh:mm"
    assert cells["Run (data)"].value == "run-20241015 · published with warnings"
    assert cells["Source: student_mobility"].value == (
        "1 files; newest file 2024-10-10 10:00; loaded 2024-10-15 04:01 (Swedish time, Europe/Stockholm)"
    )


def test_the_about_sheets_rows_are_as_tall_as_their_wrapped_texts(tmp_path):
    # the about sheet's texts wrap in a column 110 characters wide, but their rows kept one line's
    # height: LibreOffice showed and printed the first line of the disclosure rule (2,000 characters)
    # and of each long definition. By hand: 60 words of 4 letters are 22 a line (22 * 5 - 1 = 109),
    # 3 lines, 45 points; a name of 37 characters wraps in 32 to 2 lines, 30 points; a short row 1.
    from indicators.export.writers import write_xlsx

    about = [
        ("Röjandekontroll", " ".join(["ordn"] * 60)),
        ("Skapad (svensk tid, Europe/Stockholm)", "kort"),
        ("Läsår", "2023/24"),
    ]
    path = write_xlsx([], tmp_path / "about.xlsx", about=about, about_title="Om data", lang="sv")
    sheet = openpyxl.load_workbook(path)["Om data"]
    assert [sheet.row_dimensions[row].height for row in (1, 2, 3)] == [45, 30, None]


def test_a_share_that_rounds_to_a_whole_number_shows_as_the_csv_writes_it(tmp_path):
    """A share was formatted "0.0#" whenever it was not a whole number in binary: 300 of 2,501
    graduates, 11.9952 %, showed 12.0 in Excel where the CSV writes 12 (two decimals, trailing zeros
    dropped), and 0.004 showed 0.0 beside the CSV's 0. By hand: 11.9952 → 12 and 0.004 → 0 take the
    whole format "0" (the mark's too: "0 p"), 12.5 and 33.3333 the fraction's "0.0#" (12.5, 33.33)."""
    from indicators.export.tables import Column, Table
    from indicators.export.writers import DIALECTS, csv_cell, write_xlsx

    columns = [Column("indicator_id", "Indikator"), Column("value", "Värde", "number")]
    values = [300 / 2501 * 100, 0.004, 12.5, 100 / 3, 12, 300 / 2501 * 100]
    table = Table("values", "Alla värden", columns, rows=[[f"I{n}", v] for n, v in enumerate(values)])
    table.marks[(5, 1)] = "provisional"
    sheet = openpyxl.load_workbook(write_xlsx([table], tmp_path / "shares.xlsx")).worksheets[0]
    assert [sheet.cell(r, 2).number_format for r in range(2, 8)] == ["0", "0", "0.0#", "0.0#", "0", '0" p"']
    assert [csv_cell(v, DIALECTS["standard"]) for v in values] == ["12", "0", "12.5", "33.33", "12", "12"]
    assert sheet["B2"].value == pytest.approx(11.9952, abs=1e-4)  # the number itself, unrounded
