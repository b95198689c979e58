"""A file named .xlsx that is no workbook: rejected with what it most likely is and the fix (it was
"not an XLSX workbook (not a zip archive)" for all of them)."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from indicators.config import project_root
from indicators.identity import Pseudonymiser
from indicators.normalise import LayoutError, normalise
from indicators.readers.errors import ReaderError
from indicators.readers.xlsx import read_xlsx
from indicators.sources import load_sources


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


# --- Excel's error cells: a failed formula is no value ------------------------------------------------

VISITS = """\
source: visits
description: Visits.
patterns: ["visits*"]
business_key: [visit_id]
fields:
  visit_id: {type: string, required: true, aliases: [Visit]}
  country: {type: country, aliases: [Land]}
"""


def _with_errors(prefix: str = "") -> bytes:
    """A sheet as Excel saves a failed lookup: columns B..D (A empty), C3 a VLOOKUP giving #N/A, D4
    a #REF! in a column no field reads; ``prefix``: the sheet's XML written with a namespace prefix
    (x:c, x:v), as some .NET exporters do."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["Visit", "Land", "Note"], ["V1", "DE", "ok"], ["V2", "#N/A", "x"], ["V3", "FR", "#REF!"]):
        sheet.append([None, *row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(
                    b'<c r="C3" t="e"><v>#N/A</v></c>',
                    b'<c r="C3" s="0" t="e"><f>VLOOKUP(B3,Codes!A:B,2,FALSE)</f><v>#N/A</v></c>',
                )
                assert b"VLOOKUP" in body
                if prefix:
                    body = re.sub(
                        rb"<(/?)(c|v|f|row|is|t|sheetData)\b", rb"<\1" + prefix.encode() + rb":\2", body
                    )
                    body = body.replace(
                        b"<worksheet xmlns=", b"<worksheet xmlns:" + prefix.encode() + b"=", 1
                    )
            target.writestr(info, body)
    return out.getvalue()


@pytest.mark.parametrize("prefix", ["", "x"], ids=["plain", "prefixed"])
def test_a_cell_holding_excels_error_is_quarantined_where_a_field_reads_it(tmp_path, prefix):
    # calamine read #N/A as an empty cell: V2 loaded without a country, without a word
    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "visits.yml").write_text(VISITS, encoding="utf-8")
    spec = load_sources(folder)[0]
    frame = read_xlsx(_with_errors(prefix))
    result = normalise(frame, spec, Pseudonymiser(b"unit-test-key-0123456789"))
    # V3's #REF! is in Note, which no field reads: V3 loads, as it did
    assert result.good_rows().select("visit_id", "country").rows() == [("V1", "DE"), ("V3", "FR")]
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (
            3,
            "cell C3 (Land) holds Excel's error #N/A, a formula that failed, not a value: correct it in "
            "the workbook (or paste the values) and deliver it again",
        )
    ]
    assert result.ignored_columns == ["Note"]  # the reader's own columns are no export header


def test_a_formula_without_its_value_is_quarantined_where_a_field_reads_it(tmp_path):
    # a workbook written by a program that does not calculate (openpyxl here, Apache POI alike) holds
    # <f>UPPER("fr")</f><v /> in B3: calamine read it as empty, so V2 loaded without a country,
    # without a word; a formula whose value is the empty text (t="str", <v></v>) is a value
    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "visits.yml").write_text(VISITS, encoding="utf-8")
    spec = load_sources(folder)[0]
    workbook = openpyxl.Workbook()
    for row in (
        ["Visit", "Land", "Note"],
        ["V1", "DE", "ok"],
        ["V2", '=UPPER("fr")', "x"],
        ["V3", "NO", "=1+1"],
    ):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = normalise(read_xlsx(buffer.getvalue()), spec, Pseudonymiser(b"unit-test-key-0123456789"))
    # V3's formula is in Note, which no field reads: V3 loads
    assert result.good_rows().select("visit_id", "country").rows() == [("V1", "DE"), ("V3", "NO")]
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (
            3,
            "cell B3 (Land) holds a formula without its value (the workbook was written by a program that "
            "does not calculate), not a value: correct it in the workbook (or paste the values) and deliver "
            "it again",
        )
    ]
    empty_text = re.sub(
        rb'<c r="B3"[^>]*>.*?</c>',
        b'<c r="B3" t="str"><f>""</f><v></v></c>',
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("xl/worksheets/sheet1.xml"),
    )
    from indicators.readers.xlsx_errors import error_columns, sheet_xml

    assert b't="str"' in empty_text
    assert error_columns(
        sheet_xml(_replaced(buffer.getvalue(), empty_text), None), ["Visit", "Land", "Note"]
    ).keys() == {"Note"}


def test_a_workbook_without_error_cells_adds_no_column():
    assert read_xlsx(_workbook()).columns == ["_row_number", "a", "b"]


def test_an_error_cell_in_a_sheet_starting_below_row_one_marks_its_own_row():
    # the sheet's first rows are empty (the table starts at row 3): the frame's rows are numbered from
    # the first filled row, the error cell (B5, row 2 of the table) by the sheet's; its row loaded
    # without its country, and the reason went to a row number no row had (or to another row)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row, values in enumerate([("id", "country"), ("1", "SE"), ("2", "#N/A"), ("3", "NO")], start=3):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as book:
        assert b'<c r="B5" t="e">' in book.read("xl/worksheets/sheet1.xml")
    frame = read_xlsx(buffer.getvalue())
    marked = frame.filter(frame["__excel_error__country"].is_not_null())
    assert marked.select("id", "country").rows() == [("2", None)]
    assert (
        marked["__excel_error__country"].str.starts_with("cell B5 (country) holds Excel's error #N/A").all()
    )


def test_a_cover_sheet_before_the_table_says_which_sheets_hold_rows():
    # the first sheet 'Info' holds a line of text and the table is on 'Data': it was "no data rows
    # (empty sheet)", the reason of an empty export (a dated one counts as an empty month's delivery)
    workbook = openpyxl.Workbook()
    workbook.active.title = "Info"
    workbook.active.append(["Export från SoleMove 2025-10-01"])
    workbook.create_sheet("Tom")  # an empty sheet is not named
    workbook.create_sheet("Data").append(["a", "b"])
    workbook["Data"].append(["x", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ReaderError) as caught:
        read_xlsx(buffer.getvalue())
    assert str(caught.value) == (
        "the first sheet 'Info' holds no table (a cover sheet?), the rows are on another ('Data'): set the "
        "source's sheet: in its pipelines file to the sheet that holds them"
    )
    assert read_xlsx(buffer.getvalue(), "Data").rows() == [(2, "x", "1")]
    from indicators.report.quality_words import reason

    assert reason(str(caught.value), "sv") == (  # the Swedish report says it in Swedish
        "första bladet 'Info' har ingen tabell (ett försättsblad?), raderna finns på ett annat ('Data'): "
        "sätt källans sheet: i dess pipelines-fil till bladet som har dem",
        "sv",
    )


def test_an_empty_export_beside_other_sheets_is_still_no_data_rows():
    workbook = openpyxl.Workbook()
    workbook.active.append(["a", "b"])  # the header alone: an export of no rows (an empty month)
    workbook.create_sheet("Blad2")
    workbook.create_sheet("Koder").append(["code", "name"])  # a sheet of codes beside it
    workbook["Koder"].append(["x", "y"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ReaderError, match=r"^no data rows \(empty sheet\)$"):
        read_xlsx(buffer.getvalue())


def test_an_empty_first_sheet_before_the_table_says_which_sheets_hold_rows():
    # Excel's "Sheet" left empty, the rows on 'Data': it was "unreadable XLSX: empty Excel sheet"
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Data").append(["a", "b"])
    workbook["Data"].append(["x", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ReaderError) as caught:
        read_xlsx(buffer.getvalue())
    assert str(caught.value).startswith("the first sheet 'Sheet' holds no table (a cover sheet?), the rows")
    alone = openpyxl.Workbook()  # one empty sheet: as it was
    buffer = io.BytesIO()
    alone.save(buffer)
    with pytest.raises(ReaderError, match=r"^unreadable XLSX: empty Excel sheet$"):
        read_xlsx(buffer.getvalue())


# --- a value far from the table: calamine holds the whole range ------------------------------------


def _replaced(data: bytes, sheet: bytes) -> bytes:
    """``data`` with its first sheet's XML replaced by ``sheet``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info.filename)
            target.writestr(info, body)
    return out.getvalue()


def _far(cell_value: bool) -> bytes:
    """The table A1:B2 and a cell at XFD1048576, Excel's last: a value, or a format alone."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["a", "b"])
    workbook.active.append(["x", "1"])
    far = workbook.active.cell(row=1_048_576, column=16_384)
    if cell_value:
        far.value = "note"
    else:
        far.font = openpyxl.styles.Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_value_far_from_the_table_is_rejected_before_calamine_asks_for_its_range(tmp_path):
    # calamine asked for 1,048,576 × 16,384 cells of 32 bytes (550 GB): the process was aborted, so
    # the night stopped with nothing published. Read in a process of its own, so that a regression
    # fails this test instead of aborting the suite.
    import subprocess
    import sys

    far = _far(cell_value=True)
    # the same sheet without its <dimension> (openpyxl's write-only mode writes none)
    sheet = zipfile.ZipFile(io.BytesIO(far)).read("xl/worksheets/sheet1.xml")
    undimensioned = _replaced(far, re.sub(rb"<dimension [^>]*/>", b"", sheet))
    paths = [tmp_path / "far.xlsx", tmp_path / "far_undimensioned.xlsx"]
    for path, data in zip(paths, (far, undimensioned), strict=True):
        path.write_bytes(data)
    code = (
        "import sys\nfrom indicators.readers.xlsx import read_xlsx\nfor path in sys.argv[1:]:\n"
        "    try:\n        read_xlsx(open(path, 'rb').read())\n    except Exception as exc:\n        print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-300:]
    # 1,048,576 rows × 16,384 columns = 17,179,869,184 cells; 512 MB / 16 = 33,554,432
    said = (
        "the sheet's filled cells span A1:XFD1048576, 17,179,869,184 cells, more than the 33,554,432 a "
        "workbook of xlsx_max_unpacked_mb (512) can fill: a value far from the table (XFD1048576?); delete "
        "the rows and columns past the table and save it again"
    )
    assert result.stdout.splitlines() == [said, said]


def test_a_format_far_from_the_table_is_no_part_of_its_range():
    # the sheet's dimension says A1:XFD1048576, but a formatted empty cell takes no room in calamine
    assert read_xlsx(_far(cell_value=False)).rows() == [(2, "x", "1")]


def test_a_sheet_written_decomposed_reads_composed():
    # a header 'Värdland' and a value 'Österrike' typed decomposed (NFD) matched neither the alias nor
    # the country's name, which look the same
    import unicodedata

    workbook = openpyxl.Workbook()
    workbook.active.append([unicodedata.normalize("NFD", "Värdland"), "Startdatum"])
    workbook.active.append([unicodedata.normalize("NFD", "Österrike"), "2024-08-26"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    frame = read_xlsx(buffer.getvalue())
    assert frame.columns == ["_row_number", "Värdland", "Startdatum"]
    assert frame["Värdland"].to_list() == ["Österrike"]


def test_a_cell_merged_down_rows_reads_on_every_row_it_spans():
    # a sheet kept by hand: two merged title rows, the header on row 3, a programme code merged down
    # rows 4-6 and a country down rows 6-7. calamine gives such a value on the range's first row only:
    # rows 5 and 6 loaded without a programme (an optional field, without a word), row 7 quarantined
    # as missing its country. A range merged across columns (E7:F7) shows its value once: F7 stays empty
    from helpers import personnummer

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Lärarutbyten 2024"])
    sheet.append(["Förd av internationella kansliet"])
    sheet.append(["Personnummer", "Riktning", "Programkod", "Land", "Från", "Anteckning"])
    sheet.append([personnummer("19000101", 981), "Utresande", "MALAK", "AT", "2024-10-07", "första"])
    sheet.append([personnummer("19000102", 982), "Utresande", None, "AT", "2024-10-08", None])
    sheet.append([personnummer("19000103", 983), "Inresande", None, "DE", "2024-10-09", None])
    sheet.append([personnummer("19000104", 984), "Inresande", "VGSJU", None, "2024-10-10", None])
    for cells in ("A1:F1", "A2:F2", "C4:C6", "D6:D7", "E7:F7"):
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    frame = read_xlsx(buffer.getvalue(), skip_rows=2)
    assert frame.select("_row_number", "Programkod", "Land", "Från", "Anteckning").rows() == [
        (4, "MALAK", "AT", "2024-10-07", "första"),
        (5, "MALAK", "AT", "2024-10-08", None),
        (6, "MALAK", "DE", "2024-10-09", None),
        (7, "VGSJU", "DE", "2024-10-10", None),
    ]


def test_rows_of_formulas_giving_empty_text_are_blank_rows():
    """A hand-kept sheet whose formulas are filled down below its table (=IF(B2="";"";…) to row 1000)
    holds a cell of empty text in each: Excel shows nothing there, calamine reads "" for them, and each
    such row was read as a row (then quarantined for its missing values, 998 rows of nothing). A row of
    nothing but empty text is now a blank row; a row with a value beside them is a row."""
    book = openpyxl.Workbook()
    book.active.append(["id", "country", "name"])
    book.active.append(["1", "GB", "Oxford"])
    book.active.append(["2", "DE", "Bonn"])
    saved = io.BytesIO()
    book.save(saved)

    def empty(cell: str) -> str:  # a formula whose computed value is empty text, as Excel saves it
        return f'<c r="{cell}" t="str"><f>IF(1,"","")</f><v></v></c>'

    rows = "".join(f'<row r="{r}">{empty(f"A{r}")}{empty(f"B{r}")}{empty(f"C{r}")}</row>' for r in (4, 5, 6))
    rows += f'<row r="7"><c r="A7" t="inlineStr"><is><t>3</t></is></c>{empty("B7")}{empty("C7")}</row>'
    rows += "".join(f'<row r="{r}">{empty(f"A{r}")}{empty(f"B{r}")}{empty(f"C{r}")}</row>' for r in (8, 9))
    source, patched = zipfile.ZipFile(saved), io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C9"', data)
            target.writestr(item, data)
    frame = read_xlsx(patched.getvalue())
    assert [row[:2] for row in frame.rows()] == [(2, "1"), (3, "2"), (7, "3")]


def test_a_library_error_quoting_a_personnummer_in_rusts_escapes_is_redacted():
    # a hand-made workbook whose cell type names a personnummer with a no-break space: calamine quotes
    # it by Rust's Debug, the space as \u{a0}, where the ingest's redaction found no separator, and
    # the reason (log, summary, audit.loaded_files, the kept file's note) held the number in clear
    from helpers import personnummer
    from indicators.redact import redact_text

    pnr = personnummer("19000101", 988)
    data = _workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    cell = re.search(r'<c r="B2".*?</c>', sheet).group()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        cell, f'<c r="B2" t="x{pnr[:8]}\u00a0{pnr[8:]}"><v>1</v></c>', 1
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
    with pytest.raises(ReaderError) as caught:
        read_xlsx(buffer.getvalue())
    assert redact_text(str(caught.value)) == (
        "unreadable XLSX: calamine error: Xlsx error: Unknown cell 't' attribute: \"x[personnummer]\": open it "
        "in Excel and save it again as Excel Workbook (.xlsx), or deliver a new export"
    )


def test_a_cover_sheet_before_many_sheets_opens_the_workbook_once(monkeypatch):
    # an export of one sheet a programme (300 here, most of them empty) behind a cover sheet: each sheet
    # was looked for by opening the zip and reading the workbook's sheets before it again, so the time
    # grew with the square of the sheets: 2,000 empty sheets (830 KB) took 93 s, 10,000 (4 MB) about
    # 40 minutes of the night. The zip is now opened once for all of them (10,000: 7.6 s)
    from indicators.readers import xlsx_errors

    workbook = openpyxl.Workbook()
    workbook.active.title = "Info"
    workbook.active.append(["Export per program"])
    for number in range(300):
        sheet = workbook.create_sheet(f"P{number}")
        if number in (7, 250):
            sheet.append(["a", "b"])
            sheet.append(["x", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    opened = []
    real = zipfile.ZipFile

    def counted(*args, **kwargs):
        opened.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(xlsx_errors.zipfile, "ZipFile", counted)
    with pytest.raises(ReaderError) as caught:
        read_xlsx(buffer.getvalue())
    assert str(caught.value) == (
        "the first sheet 'Info' holds no table (a cover sheet?), the rows are on another ('P7', 'P250'): "
        "set the source's sheet: in its pipelines file to the sheet that holds them"
    )
    assert len(opened) <= 6, len(opened)  # not one a sheet (one more for all first rows: xlsx_header)


def test_a_workbook_with_an_empty_part_names_the_part():
    # a workbook whose shared strings were written as 0 bytes (the exporting program stopped part-way):
    # "unreadable XLSX: calamine error: Cannot detect file format", naming neither the cause nor a fix
    workbook = openpyxl.Workbook()
    workbook.active.append(["a", "b"])
    workbook.active.append(["x", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parts = zipfile.ZipFile(buffer)
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as out:
        for info in parts.infolist():
            out.writestr(info, parts.read(info))
        out.writestr("xl/sharedStrings.xml", b"")
    with pytest.raises(ReaderError) as caught:
        read_xlsx(damaged.getvalue())
    assert str(caught.value).endswith(
        ": its part xl/sharedStrings.xml is empty (written only in part); save it again from Excel, or "
        "deliver it again"
    ), str(caught.value)
    assert str(caught.value).startswith("unreadable XLSX: ")


# --- a hidden sheet: the drop-down lists of an Excel template, or last year's export hidden ----------


def _with_hidden(
    hidden: dict[str, list[list[str]]], visible: dict[str, list[list[str]]], state="hidden"
) -> bytes:
    """A workbook of the ``hidden`` sheets (of ``state``) and then the ``visible`` ones, each sheet's
    rows as given."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheets, sheet_state in ((hidden, state), (visible, "visible")):
        for name, rows in sheets.items():
            sheet = workbook.create_sheet(name)
            for row in rows:
                sheet.append(row)
            sheet.sheet_state = sheet_state
    workbook.active = workbook.sheetnames.index(next(iter(visible)))  # Excel opens on a visible sheet
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


EXPORT = [["id", "country"], ["1", "SE"], ["2", "NO"]]


def test_a_hidden_first_sheet_of_drop_down_lists_is_passed_over_for_the_visible_export():
    # a template's hidden 'lists' (code, name) first, the export on 'Export': 'lists' was read, and the
    # file rejected with "required column missing" naming the headers code and name, which no one sees
    data = _with_hidden({"lists": [["code", "name"], ["SE", "Sverige"]]}, {"Export": EXPORT})
    assert read_xlsx(data).rows() == [(2, "1", "SE"), (3, "2", "NO")]


def test_last_years_export_hidden_before_this_years_is_not_loaded_as_the_delivery():
    # an analyst hid last year's sheet (the same headers) before this year's: last year's rows loaded
    # as this delivery without a word
    last_year = [["id", "country"], ["1", "DK"]]
    data = _with_hidden({"Export 2024": last_year}, {"Export 2025": EXPORT})
    assert read_xlsx(data).rows() == [(2, "1", "SE"), (3, "2", "NO")]
    very = _with_hidden({"Export 2024": last_year}, {"Export 2025": EXPORT}, "veryHidden")  # by a macro
    assert read_xlsx(very).rows() == [(2, "1", "SE"), (3, "2", "NO")]


def test_a_hidden_sheet_the_contract_names_is_read():
    data = _with_hidden({"lists": [["code", "name"], ["SE", "Sverige"]]}, {"Export": EXPORT})
    assert read_xlsx(data, "lists").rows() == [(2, "SE", "Sverige")]


def test_a_hidden_data_sheet_behind_a_visible_cover_sheet_is_named():
    # the visible cover sheet 'Info' first, the rows on the hidden 'Data', a hidden 'lists' before both
    data = _with_hidden(
        {"lists": [["code", "name"], ["SE", "Sverige"]]},
        {"Info": [["Export från SoleMove 2025-10-01"]]},
    )
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.create_sheet("Data")
    for row in EXPORT:
        sheet.append(row)
    sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ReaderError) as caught:
        read_xlsx(buffer.getvalue())
    assert str(caught.value) == (
        "the first visible sheet 'Info' holds no table (a cover sheet?), the rows are on another ('lists' "
        "(hidden), 'Data' (hidden)): set the source's sheet: in its pipelines file to the sheet that holds them"
    )
    from indicators.report.quality_words import reason

    assert reason(str(caught.value), "sv") == (
        "första synliga bladet 'Info' har ingen tabell (ett försättsblad?), raderna finns på ett annat "
        "('lists' (dolt), 'Data' (dolt)): sätt källans sheet: i dess pipelines-fil till bladet som har dem",
        "sv",
    )


def test_a_cover_sheet_beside_a_hidden_data_sheet_is_named_without_unpacking_the_data_sheet(monkeypatch):
    # the visible cover 'Info' and the rows on the hidden 'Data' (a real export: 300,000 rows, 7.7 MB
    # of XML): the rejection names 'Data' from its first row, read from its XML's start; the whole
    # XML was then unpacked too (held in memory to look for a cell the first row had shown already)
    data = _with_hidden({"Data": EXPORT}, {"Info": [["Export från SoleMove 2025-10-01"]]})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # in order: 'Data' is sheet1, the cover sheet2
        assert b"SoleMove" in archive.read("xl/worksheets/sheet2.xml")
    unpacked = []
    read = zipfile.ZipFile.read
    monkeypatch.setattr(
        zipfile.ZipFile, "read", lambda self, name, pwd=None: unpacked.append(name) or read(self, name, pwd)
    )
    with pytest.raises(ReaderError) as caught:
        read_xlsx(data)
    assert str(caught.value) == (
        "the first visible sheet 'Info' holds no table (a cover sheet?), the rows are on another ('Data' "
        "(hidden)): set the source's sheet: in its pipelines file to the sheet that holds them"
    )
    assert "xl/worksheets/sheet1.xml" not in unpacked, unpacked


def test_a_visible_sheet_without_the_sources_columns_names_the_hidden_sheet_that_has_them(tmp_path):
    # the visible 'Översikt' (Land, Antal) and the visits on the hidden 'Data': the rejection was
    # "required column missing: visit_id; the file's headers: 'Land', 'Antal'", naming no hidden sheet
    # (which the user cannot see). A hidden sheet is still not loaded unnamed: it may be last year's copy
    from pathlib import Path

    from indicators.readers.by_kind import read_file

    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "visits.yml").write_text(VISITS, encoding="utf-8")
    spec = load_sources(folder)[0]
    data = _with_hidden(
        {"Koder": [["code", "name"], ["DE", "Tyskland"]], "Data": [["Visit", "Land"], ["V1", "DE"]]},
        {"Översikt": [["Land", "Antal"], ["DE", "1"]]},
    )
    with pytest.raises(ReaderError) as caught:
        read_file(Path("visits_2025.xlsx"), data, spec, "ki.se")
    assert str(caught.value) == (
        "the first visible sheet 'Översikt' lacks the source's required columns, the hidden sheet 'Data' "
        "has them: set the source's sheet: in its pipelines file to 'Data' if it holds this delivery (a "
        "hidden sheet is read only when named)"
    )
    from indicators.report.quality_words import reason

    assert reason(str(caught.value), "sv") == (
        "första synliga bladet 'Översikt' saknar källans obligatoriska kolumner, det dolda bladet 'Data' har "
        "dem: sätt källans sheet: i dess pipelines-fil till 'Data' om det har denna leverans (ett dolt blad "
        "läses bara när det är namngivet)",
        "sv",
    )
    visible = _with_hidden({"Koder": [["code", "name"]]}, {"Översikt": [["Visit", "Land"], ["V2", "SE"]]})
    assert read_file(Path("visits_2025.xlsx"), visible, spec, "ki.se").rows() == [(2, "V2", "SE")]


def test_a_title_above_the_header_names_the_header_row_and_skip_rows():
    """A report's export with its title on row 1 (merged over the columns), a blank row, the header on
    row 3: the rejection took the title for the only header and said "add the header to the field's
    aliases:", a fix that cannot work. By hand: the header is on row 3, so skip_rows: 2; a CSV with one
    title line has its header on line 2 (skip_rows: 1), though it was read as one column."""
    from indicators.readers.csv import read_csv

    [spec] = [s for s in load_sources(project_root() / "pipelines") if s.name == "enrolments"]
    workbook = openpyxl.Workbook()
    for row in (
        ["Registreringar HT1999"],
        [],
        ["Programkod", "Termin", "Registrerade"],
        ["MED1", "HT1999", 40],
    ):
        workbook.active.append(row)
    workbook.active.merge_cells("A1:C1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    pseudonymiser = Pseudonymiser(b"test-key-not-for-production-0123")
    with pytest.raises(LayoutError) as caught:
        normalise(read_xlsx(buffer.getvalue()), spec, pseudonymiser)
    assert str(caught.value) == (
        "required column missing: the header is on row 3, below a title: set skip_rows: 2 in "
        "pipelines/enrolments.yml so that it is read"
    )
    from indicators.report.quality_words import reason

    assert reason(str(caught.value), "sv") == (
        "obligatorisk kolumn saknas: rubrikraden är rad 3, under en titel: sätt skip_rows: 2 i "
        "pipelines/enrolments.yml så att den läses",
        "sv",
    )
    text = b"Registreringar HT1999\nProgramkod;Termin;Registrerade\nMED1;HT1999;40\n"
    with pytest.raises(
        LayoutError, match="^required column missing: the header is on row 2, below a title: "
    ):
        normalise(read_csv(text), spec, pseudonymiser)
    assert read_csv(text, skip_rows=1).columns == ["_row_number", "Programkod", "Termin", "Registrerade"]


def _rewritten(data: bytes, member: str, change) -> bytes:
    """The workbook ``data`` with its part ``member`` changed by ``change`` (bytes to bytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[member] = change(parts[member])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
    return buffer.getvalue()


def _shared(sheets: dict[str, list[list[str]]], hidden: tuple[str, ...] = ()) -> bytes:
    """A workbook as Excel writes text (shared strings, which openpyxl does not write), ``hidden`` hidden."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for number, row in enumerate(rows):
            sheet.write_row(number, 0, row)
        if name in hidden:
            sheet.hide()
    workbook.close()
    return buffer.getvalue()


def test_a_workbook_whose_every_sheet_is_hidden_is_rejected_naming_them():
    # a program's export (Excel keeps one sheet visible) with 'Koder' and 'Data' both hidden: the first,
    # 'Koder', was read as the delivery without a word, though a hidden sheet is read only when named
    data = _shared({"Koder": [["code", "name"], ["SE", "Sverige"]], "Data": EXPORT})
    data = _rewritten(data, "xl/workbook.xml", lambda xml: xml.replace(b"<sheet ", b'<sheet state="hidden" '))
    buffer = io.BytesIO(data)
    with pytest.raises(ReaderError) as caught:
        read_xlsx(buffer.getvalue())
    assert str(caught.value) == (
        "every sheet of the workbook is hidden ('Koder', 'Data'): set the source's sheet: in its pipelines "
        "file to the sheet that holds the rows (a hidden sheet is read only when named)"
    )
    from indicators.report.quality_words import reason

    assert reason(str(caught.value), "sv") == (
        "varje blad i arbetsboken är dolt ('Koder', 'Data'): sätt källans sheet: i dess pipelines-fil till "
        "bladet som har raderna (ett dolt blad läses bara när det är namngivet)",
        "sv",
    )
    assert read_xlsx(buffer.getvalue(), "Data").rows() == [(2, "1", "SE"), (3, "2", "NO")]  # when named


def test_a_workbook_calamine_cannot_read_says_the_fix():
    # a sheet's XML with an entity it does not define (a program writing '&nbsp;' into XML): the reason
    # named calamine's cause and no fix
    data = _shared({"Blad1": [["id", "country"], ["1", "SE"]]})
    cell = b'<c r="A2" t="inlineStr"><is><t>1&nbsp;</t></is>'
    damaged = _rewritten(
        data, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'<c r="A2" t="s"><v>2</v>', cell)
    )
    with pytest.raises(ReaderError) as caught:
        read_xlsx(damaged)
    said = str(caught.value)
    assert said.startswith("unreadable XLSX: ") and "entity" in said, said
    assert said.endswith(
        ": open it in Excel and save it again as Excel Workbook (.xlsx), or deliver a new export"
    ), said
    from indicators.report.quality_words import reason

    swedish, lang = reason(said, "sv")
    assert lang == "sv" and swedish.startswith("oläsbar XLSX: ")
    assert swedish.endswith(
        ": öppna den i Excel och spara den igen som Excel-arbetsbok (.xlsx), eller leverera en ny export"
    )


def test_a_workbook_that_unpacks_to_too_much_says_the_fix():
    # "XLSX unpacks to more than the 0 MB allowed (xlsx_max_unpacked_mb) (zip bomb?)" named a cause and
    # no fix: a real export this large is delivered as CSV, or the setting raised
    data = _shared({"Blad1": [["id", "country"]] + [[str(n), "SE"] for n in range(2000)]})
    with pytest.raises(ReaderError) as caught:
        read_xlsx(data, max_unpacked_mb=0.01)
    assert str(caught.value) == (
        "XLSX unpacks to more than the 0 MB allowed (xlsx_max_unpacked_mb) (zip bomb?): deliver a new export "
        "(as CSV if it is this large), or raise xlsx_max_unpacked_mb if this one is real"
    )
    from indicators.report.quality_words import reason

    assert reason(str(caught.value), "sv") == (
        "XLSX packas upp till mer än de tillåtna 0 MB (xlsx_max_unpacked_mb) (zipbomb?): leverera en ny export "
        "(som CSV om den är så stor), eller höj xlsx_max_unpacked_mb om denna är äkta",
        "sv",
    )


def test_a_hidden_first_sheet_passed_over_is_said_in_the_files_notes(tmp_path):
    # a template's hidden 'Koder' and 'Listor' before the visits on 'Besök': the visits were read, and
    # nothing in the file's audit row said that two sheets before them were passed over
    from pathlib import Path

    from indicators.readers.by_kind import read_file

    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "visits.yml").write_text(VISITS, encoding="utf-8")
    spec = load_sources(folder)[0]
    data = _with_hidden(
        {"Koder": [["code"], ["DE"]], "Listor": [["x"]]}, {"Besök": [["Visit", "Land"], ["V1", "DE"]]}
    )
    notes: list[str] = []
    assert read_file(Path("visits_2025.xlsx"), data, spec, "ki.se", notes=notes).rows() == [(2, "V1", "DE")]
    assert notes == [
        "read the first visible sheet 'Besök', the hidden sheets before it passed over ('Koder', 'Listor')"
    ]
    visible_first = _with_hidden({}, {"Besök": [["Visit", "Land"], ["V1", "DE"]]})
    notes = []
    read_file(Path("visits_2025.xlsx"), visible_first, spec, "ki.se", notes=notes)
    assert notes == []


def test_a_hidden_sheet_is_asked_for_its_header_row_only(tmp_path, monkeypatch):
    # the visible summary and 2,000 visits on the hidden 'Data' (shared strings, as Excel writes text, a
    # title row above the header): the hidden sheet was loaded in full by calamine to learn its headers
    # on the way to a rejection (300,000 rows: 600 MB, 5 s). Now only its XML's start is read
    from pathlib import Path

    from indicators.readers import by_kind
    from indicators.readers.xlsx_header import sheet_header

    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "visits.yml").write_text(VISITS + "skip_rows: 1\n", encoding="utf-8")
    spec = load_sources(folder)[0]
    rows = [["Besök 2025"], ["Visit", "Land"]] + [[f"V{n}", "DE"] for n in range(2000)]
    data = _shared({"Översikt": [["Rubrik"], ["Land", "Antal"], ["DE", "1"]], "Data": rows}, hidden=("Data",))
    assert sheet_header(data, "Data", 1) == ["Visit", "Land"]
    assert sheet_header(data, "Data", 0) == ["Besök 2025"]
    assert sheet_header(data, "Översikt", 1) == ["Land", "Antal"]
    loaded = []
    real = by_kind.read_xlsx

    def counted(data, sheet=None, *args, **kwargs):
        loaded.append(sheet)
        return real(data, sheet, *args, **kwargs)

    monkeypatch.setattr(by_kind, "read_xlsx", counted)
    with pytest.raises(ReaderError, match="the hidden sheet 'Data' has them"):
        by_kind.read_file(Path("visits_2025.xlsx"), data, spec, "ki.se")
    assert loaded == [None]  # the visible sheet only


def test_a_cover_sheet_before_a_hidden_data_sheet_is_named_without_loading_the_data_sheet(monkeypatch):
    # the visible cover sheet 'Info' and 2,000 visits on the hidden 'Data' (shared strings): to learn
    # that 'Data' holds cells, calamine loaded it whole (300,000 rows: 7.4 s) for two rows, on the way to
    # a rejection naming it. Its first row is now read from its XML's start
    import fastexcel

    rows = [["Visit", "Land"]] + [[f"V{n}", "DE"] for n in range(2000)]
    data = _shared({"Info": [["Export från SoleMove 2025-10-01"]], "Data": rows}, hidden=("Data",))
    loaded = []
    real = fastexcel.read_excel

    class Counted:
        def __init__(self, reader):
            self._reader = reader

        def __getattr__(self, name):
            return getattr(self._reader, name)

        def load_sheet(self, name, *args, **kwargs):
            loaded.append(name)
            return self._reader.load_sheet(name, *args, **kwargs)

    monkeypatch.setattr(fastexcel, "read_excel", lambda data: Counted(real(data)))
    with pytest.raises(ReaderError) as caught:
        read_xlsx(data)
    assert str(caught.value) == (
        "the first visible sheet 'Info' holds no table (a cover sheet?), the rows are on another ('Data' "
        "(hidden)): set the source's sheet: in its pipelines file to the sheet that holds them"
    )
    assert "Data" not in loaded
