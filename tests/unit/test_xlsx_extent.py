"""A sheet's range as calamine takes it, whatever its <dimension> says (readers/xlsx_extent.py).

The workbooks are written by hand, as a crafted or unusual program's export is: a dimension that
understates the cells, rows and cells without their r= reference (which calamine places by
counting), a cell naming r= twice (calamine takes the last). Each made calamine ask for the range
A1:XFD1048576 and the process was aborted, so they are read in a process of their own; and so is a
sheet whose merged ranges run down to the sheet's last row, which the reader filled row by row.
"""

from __future__ import annotations

import io
import zipfile

from helpers import run_limited
from indicators.readers.xlsx import read_xlsx

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}
# the table a, b / x, 1 at A1:B2, every cell with its reference
_TABLE = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2"><v>1</v></c></row>'
)


def _workbook(rows: str, dimension: str = "A1:B2", after: str = "") -> bytes:
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{_TABLE}{rows}</sheetData>'
        f"{after}</worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    return out.getvalue()


FAR = {
    # the dimension says A1:B2, one value lies at XFD1048576
    "understated": _workbook('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    # a styled empty cell at XFC1048576 (no part of the range), then a value without its reference:
    # calamine puts it in the next column, XFD
    "cell_without_r": _workbook(
        '<row r="1048576"><c r="XFC1048576" s="0"/><c><v>1</v></c></row>', dimension="A1:XFD1048576"
    ),
    # a styled cell in row 1048575, then a row without its reference (calamine numbers it 1048576)
    # holding a styled cell at XFC1 and a value without its reference: XFD1048576
    "row_without_r": _workbook(
        '<row r="1048575"><c r="A1048575" s="0"/></row><row><c r="XFC1" s="0"/><c><v>1</v></c></row>'
    ),
    # r= twice: calamine takes the last
    "r_twice": _workbook('<row r="3"><c r="A3" r="XFD1048576"><v>1</v></c></row>'),
}


def _read_apart(folder, workbooks: dict[str, bytes]) -> list[str]:
    """Each workbook read by read_xlsx in a process of its own (4 GB at most; a regression asks for
    550 GB: the allocation fails at once): its rows, or the rejection, a line each; the process must
    end well (the old code: -6, SIGABRT, at the first)."""
    paths = []
    for name, data in workbooks.items():
        paths.append(folder / f"{name}.xlsx")
        paths[-1].write_bytes(data)
    code = (
        "import sys\nfrom indicators.readers.xlsx import read_xlsx\nfor path in sys.argv[1:]:\n"
        "    try:\n        print(read_xlsx(open(path, 'rb').read()).rows())\n"
        "    except Exception as exc:\n        print(exc)\n    sys.stdout.flush()\n"
    )
    return run_limited(code, *map(str, paths), limit=4 << 30)


# 1,048,576 rows × 16,384 columns = 17,179,869,184 cells; 512 MB / 16 = 33,554,432
FAR_SAID = (
    "the sheet's filled cells span A1:XFD1048576, 17,179,869,184 cells, more than the 33,554,432 a "
    "workbook of xlsx_max_unpacked_mb (512) can fill: a value far from the table (XFD1048576?); delete "
    "the rows and columns past the table and save it again"
)


def test_a_value_far_from_the_table_is_found_whatever_the_dimension_and_references_say(tmp_path):
    assert _read_apart(tmp_path, FAR) == [FAR_SAID] * len(FAR)


def test_rows_and_cells_without_references_near_the_table_still_read():
    # a row without r= after row 2 is row 3; its cells without r= are A3, B3, C3
    data = _workbook("<row><c><v>5</v></c><c><v>6</v></c><c><v>7</v></c></row>")
    assert read_xlsx(data).rows() == [(2, "x", "1", None), (3, "5", "6", "7")]


def test_a_second_r_near_the_table_is_where_calamine_puts_it():
    # r="A3" then r="C3": the cell is C3, a third column (the header's third cell is empty)
    data = _workbook('<row r="3"><c r="A3" r="C3"><v>9</v></c></row>')
    assert read_xlsx(data).rows() == [(2, "x", "1", None), (3, None, None, "9")]


def test_ranges_merged_down_to_the_sheets_last_row_are_filled_only_where_rows_were_read(tmp_path):
    # thirty ranges A3:A1048576 (a whole column merged, a few hundred bytes of XML) under a table of
    # three rows: each listed its 1,048,573 rows to fill, 3.8 GB for the thirty, and the process
    # was aborted ("memory allocation of 125828760 bytes failed"). Row 3 is the ranges' first row,
    # no row below it was read: nothing to fill.
    merges = '<mergeCell ref="A3:A1048576"/>' * 30
    data = _workbook(
        '<row r="3"><c r="A3" t="inlineStr"><is><t>y</t></is></c><c r="B3"><v>2</v></c></row>',
        dimension="A1:B3",
        after=f'<mergeCells count="30">{merges}</mergeCells>',
    )
    assert _read_apart(tmp_path, {"merged": data}) == ["[(2, 'x', '1'), (3, 'y', '2')]"]


def _far_sheet() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        f'2006/main"><dimension ref="A1:XFD1048576"/><sheetData>{_TABLE}<row r="1048576"><c r="XFD1048576">'
        "<v>1</v></c></row></sheetData></worksheet>"
    )


def _book(changed: dict[str, str]) -> bytes:
    """The workbook of ``_PARTS`` and a far first sheet, with the parts ``changed`` replaced or added."""
    parts = {**_PARTS, "xl/worksheets/sheet1.xml": _far_sheet(), **changed}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


_SHEET_1 = '<sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
_RELATION = (
    '<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet{n}.xml"/>'
)
_WORKBOOK = _PARTS["xl/workbook.xml"]
SHEET_NOT_FOUND = {
    # the workbook's attributes in single quotes: the sheet's part was not found, its range not checked
    "single_quotes": _book({"xl/workbook.xml": _WORKBOOK.replace(_SHEET_1, _SHEET_1.replace('"', "'"))}),
    # a sheet in a comment before the real one: the comment's was looked for
    "commented_sheet": _book(
        {
            "xl/workbook.xml": _WORKBOOK.replace(
                _SHEET_1, '<!-- <sheet name="Old" sheetId="9" r:id="rId9"/> -->' + _SHEET_1
            )
        }
    ),
    # a sheet named with ">" (Excel allows it): its r:id after the name was not read
    "named_with_gt": _book({"xl/workbook.xml": _WORKBOOK.replace('name="Sheet1"', 'name="In > out"')}),
    # an empty cover sheet first: the other sheets were loaded whole to name those holding rows
    "cover_sheet": _book(
        {
            "xl/workbook.xml": _WORKBOOK.replace(
                _SHEET_1,
                '<sheet name="Cover" sheetId="1" r:id="rId1"/><sheet name="Data" sheetId="2" r:id="rId2"/>',
            ),
            "xl/_rels/workbook.xml.rels": _PARTS["xl/_rels/workbook.xml.rels"].replace(
                "</Relationships>", _RELATION.format(n=2) + "</Relationships>"
            ),
            "xl/worksheets/sheet1.xml": (
                '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                'spreadsheetml/2006/main"><sheetData/></worksheet>'
            ),
            "xl/worksheets/sheet2.xml": _far_sheet(),
        }
    ),
}


def test_the_range_of_every_sheet_calamine_loads_is_checked_however_the_workbook_names_it(tmp_path):
    cover = (
        "the first sheet 'Cover' holds no table (a cover sheet?), the rows are on another ('Data'): set the "
        "source's sheet: in its pipelines file to the sheet that holds them"
    )
    assert _read_apart(tmp_path, SHEET_NOT_FOUND) == [FAR_SAID, FAR_SAID, FAR_SAID, cover]


def test_shared_strings_claiming_more_than_their_bytes_hold_are_rejected_before_calamine(tmp_path):
    # calamine sets aside room for uniqueCount strings (24 bytes each) before it reads one: four
    # billion asked for 96 GB and the process was aborted. 146 bytes hold at most 29 strings of 5.
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
        'uniqueCount="4000000000"><si><t>a</t></si><si><t>b</t></si></sst>'
    )
    assert len(shared) == 146
    table = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v>'
        '</c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row></sheetData></worksheet>'
    )
    relation = (
        '<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    data = _book(
        {
            "xl/worksheets/sheet1.xml": table,
            "xl/sharedStrings.xml": shared,
            "xl/_rels/workbook.xml.rels": _PARTS["xl/_rels/workbook.xml.rels"].replace(
                "</Relationships>", relation
            ),
        }
    )
    assert _read_apart(tmp_path, {"shared": data}) == [
        "unreadable XLSX: its shared strings claim 4,000,000,000 (uniqueCount), more than its 146 bytes can "
        "hold (a damaged or crafted workbook); save it again from Excel"
    ]
    # the same strings counted truly read
    honest = _book(
        {
            "xl/worksheets/sheet1.xml": table,
            "xl/sharedStrings.xml": shared.replace('uniqueCount="4000000000"', 'uniqueCount="2"'),
            "xl/_rels/workbook.xml.rels": _PARTS["xl/_rels/workbook.xml.rels"].replace(
                "</Relationships>", relation
            ),
        }
    )
    assert read_xlsx(honest).rows() == [(2, "1", "2")]


def test_a_reference_of_thousands_of_digits_is_rejected_or_read_naming_its_range(tmp_path):
    # Python reads no number of more than 4,300 digits: a row reference of 5,000 nines (a crafted
    # workbook) raised ValueError in the range check and in the merged-cell filling, and a uniqueCount
    # of 5,000 digits in the shared-strings check, so the file was rejected as "could not be read
    # (ValueError)", neither cause nor fix. A row of more than 13 digits lies past any sheet: the
    # range A1:B9999999999999 (the table's B, the first 13 nines) is 9,999,999,999,999 × 2 cells.
    nines = "9" * 5000
    said = (
        "the sheet's filled cells span A1:B9999999999999, 19,999,999,999,998 cells, more than the 33,554,432 "
        "a workbook of xlsx_max_unpacked_mb (512) can fill: a value far from the table (B9999999999999?); "
        "delete the rows and columns past the table and save it again"
    )
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
        f'uniqueCount="{nines}"><si><t>a</t></si><si><t>b</t></si></sst>'
    )
    assert len(shared) == 5136
    workbooks = {
        "referenced": _workbook(f'<row r="3"><c r="A{nines}"><v>1</v></c></row>'),
        "row_tag": _workbook(f'<row r="{nines}"><c><v>1</v></c></row>'),  # a cell without r=: walked
        # a merge down to that row under three rows: filled down to the last row read, row 3 (none)
        "merged": _workbook(
            '<row r="3"><c r="A3" t="inlineStr"><is><t>y</t></is></c><c r="B3"><v>2</v></c></row>',
            dimension="A1:B3",
            after=f'<mergeCells count="1"><mergeCell ref="A3:A{nines}"/></mergeCells>',
        ),
        "shared": _book({"xl/sharedStrings.xml": shared}),
    }
    assert _read_apart(tmp_path, workbooks) == [
        said,
        said,
        "[(2, 'x', '1'), (3, 'y', '2')]",
        "unreadable XLSX: its shared strings claim a number of 5,000 digits (uniqueCount), more than its "
        "5,136 bytes can hold (a damaged or crafted workbook); save it again from Excel",
    ]
