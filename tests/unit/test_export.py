"""Exports: the dialects read back to the warehouse's numbers, safe cells, typed XLSX, the report's escaping."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from helpers import export_fixture_warehouse, programme_codes_as
from indicators.export import ExportError, export
from indicators.export.writers import format_number, safe_text
from indicators.report import report, report_all_programmes

STEM = "indicators_2023-24_annual"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return export_fixture_warehouse(tmp_path_factory.mktemp("warehouse"))


def warehouse_values(path: Path) -> dict[tuple, float | None]:
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute(
        "select indicator_id, academic_year, programme_code, dimension_value, value "
        "from marts.indicator_values where academic_year <= '2023/24'"
    ).fetchall()
    con.close()
    return {tuple(row[:4]): row[4] for row in rows}


def read_excel_sv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "excel-sv files start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))


def number_sv(text: str) -> float | None:
    return None if text in ("", "..") else float(text.replace(",", "."))


def test_excel_sv_reads_back_to_the_warehouse_numbers(warehouse, tmp_path):
    files = export(warehouse, tmp_path, "2023/24", lang="en", dialect="excel-sv", charts=False)
    names = {path.name for path in files}
    assert {
        f"{STEM}_en_scoreboard.csv",
        f"{STEM}_en_programmes.csv",
        f"{STEM}_en_values.csv",
        f"{STEM}_en_metadata.json",
        f"{STEM}_en_metadata.md",
    } <= names
    rows = read_excel_sv(tmp_path / f"{STEM}_en_values.csv")
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Indicator", "Indicator name", "Academic year", "Programme code"]
    col = {name: i for i, name in enumerate(header)}
    truth = warehouse_values(warehouse)
    assert len(body) == len(truth)
    compared = 0
    for line in body:
        key = (
            line[col["Indicator"]],
            line[col["Academic year"]],
            line[col["Programme code"]] or None,
            line[col["Breakdown value"]] or None,
        )
        if line[col["Value"]] == "..":
            assert line[col["Disclosure control"]] in ("primary", "secondary")
            continue
        assert number_sv(line[col["Value"]]) == pytest.approx(truth[key], abs=0.005)
        compared += 1
    assert compared == len(truth) - 9  # 9 cells suppressed up to 2023/24 (test_disclosure)
    # a decimal comma, never a decimal point, in a number
    i04 = next(line for line in body if line[0] == "I04" and line[2] == "2019/20")
    assert i04[col["Value"]] == "33,33"
    # 2024/25 is after the chosen year
    assert not any(line[2] == "2024/25" for line in body)


def test_standard_is_rfc4180_with_point_decimals(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="sv", dialect="standard", charts=False)
    raw = (tmp_path / f"{STEM}_sv_scoreboard.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    by_id = {row["Indikator"]: row for row in rows}
    assert [row["Indikator"] for row in rows] == ["I01", "I02", "I04", "I06", "I10", "I17"]
    assert by_id["I01"]["Utgångsvärde"] == "20" and by_id["I01"]["2023/24"] == "30"
    assert by_id["I01"]["Förändring mot utgångsår"] == "10" and by_id["I01"]["Status"] == "uppfyllt"
    assert by_id["I04"]["2019/20"] == "33.33" and by_id["I04"]["Målvärde"] == "100"
    assert by_id["I01"]["Årlig tillväxttakt (%)"] == "8.45"
    # I06's 2023/24 value (2 participations) is hidden, and so is everything computed from it, its
    # verdict too (the warehouse's not met, deterioration): a word, not a hidden number
    assert by_id["I06"]["2023/24"] == ".." and by_id["I06"]["Förändring mot utgångsår"] == ".."
    assert by_id["I06"]["Utgångsvärde"] == "7"
    assert by_id["I06"]["Status"] == by_id["I06"]["Utveckling"] == "dold (bygger på ett dolt värde)"
    assert by_id["I01"]["Målets lydelse"] == "Studenternas erfarenhet"


def test_formula_text_is_inert_in_csv(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="sv", dialect="standard", charts=False)
    rows = list(
        csv.DictReader(io.StringIO((tmp_path / f"{STEM}_sv_programmes.csv").read_text("utf-8"), newline=""))
    )
    names = {row["Programkod"]: row["Program"] for row in rows}
    assert names["P1"] == '\'=HYPERLINK("x")'
    assert names["P4"] == "'+46 Sjuksköterskeprogrammet"
    assert names["P3"] == "Läkarprogrammet"
    p1 = {row["Indikator"]: row for row in rows if row["Programkod"] == "P1"}
    assert p1["I01"]["2023/24"] == ".." and p1["I01"]["2019/20"] == "0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+46", "'+46"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Lund", "Lund"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_safe_text(text, expected):
    assert safe_text(text) == expected


@pytest.mark.parametrize(
    ("value", "decimal", "expected"),
    [
        (12.0, ",", "12"),
        (12.5, ",", "12,5"),
        (33.333333, ",", "33,33"),
        (-5.0, ".", "-5"),
        (0.004, ".", "0"),
        (7, ".", "7"),
        (2.675, ".", "2.68"),  # as Excel shows it (Python's round(): 2.67, from the binary 2.67499...)
    ],
)
def test_format_number(value, decimal, expected):
    assert format_number(value, decimal) == expected


def test_xlsx_has_typed_cells_and_string_formulas(warehouse, tmp_path):
    files = export(warehouse, tmp_path, "2023/24", kind="midterm", lang="en", fmt="xlsx", charts=False)
    path = tmp_path / "indicators_2023-24_midterm_en.xlsx"
    assert path in files
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Scoreboard",
        "Per programme",
        "All values",
        "Mid-term follow-up",
        "About the data",
    ]
    sheet = book["Scoreboard"]
    header = [cell.value for cell in sheet[1]]
    rows = {row[4].value: row for row in sheet.iter_rows(min_row=2)}
    i04 = rows["I04"]
    cell = i04[header.index("2019/20")]
    assert cell.data_type == "n" and cell.value == pytest.approx(100 / 3)
    assert (
        i04[header.index("Target value")].value == 100 and i04[header.index("Target value")].data_type == "n"
    )
    hidden = rows["I06"][header.index("2023/24")]
    assert hidden.value == ".." and hidden.data_type == "s"
    programmes = book["Per programme"]
    names = {row[0].value: row[1] for row in programmes.iter_rows(min_row=2)}
    assert names["P1"].value == '=HYPERLINK("x")' and names["P1"].data_type == "s"
    assert names["P2"].value == "<script>alert(1)</script>"
    midterm = book["Mid-term follow-up"]
    header = [cell.value for cell in midterm[1]]
    first = next(midterm.iter_rows(min_row=2))
    assert first[header.index("Indicator")].value == "I01"
    assert first[header.index("Follow-up year")].value == "2021/22"
    assert first[header.index("Mid-term value")].value == 15
    assert first[header.index("Change from baseline")].value == -5


def test_metadata_describes_run_files_annotations_and_the_rule(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="en", charts=False)
    meta = json.loads((tmp_path / f"{STEM}_en_metadata.json").read_text("utf-8"))
    assert meta["data"]["run_id"] == "run-20241015"  # the latest published run, not the failed one
    assert meta["disclosure_control"]["applied"] is True
    # no share of persons in the fixture has a numerator of 1-4 with a denominator of 5 or more
    assert meta["disclosure_control"]["cells_suppressed"] == {
        "primary": 5,
        "primary_numerator": 0,
        "secondary": 4,
    }
    assert "1 to 4" in meta["disclosure_control"]["rule"] and meta["disclosure_control"]["marker"] == ".."
    assert [s["source"] for s in meta["source_files"]] == ["activities", "student_mobility"]
    assert meta["source_files"][1]["newest_file_modified_at"].startswith("2024-10-10")
    assert [a["annotation_id"] for a in meta["annotations"]] == ["A03", "A01"]  # by first year
    assert meta["annotations"][1]["text"] == "The COVID-19 pandemic affected mobility."
    i01 = next(ind for ind in meta["indicators"] if ind["indicator_id"] == "I01")
    assert i01["definition"] == "Distinct outgoing students." and i01["unit"] == "persons"
    text = (tmp_path / f"{STEM}_en_metadata.md").read_text("utf-8")
    assert "Disclosure control" in text and "run-20241015" in text


def test_no_suppression_says_so(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="sv", dialect="standard", suppression=False, charts=False)
    meta = json.loads((tmp_path / f"{STEM}_sv_metadata.json").read_text("utf-8"))
    assert (
        meta["disclosure_control"]["applied"] is False
        and "internt bruk" in meta["disclosure_control"]["rule"]
    )
    rows = list(
        csv.DictReader(io.StringIO((tmp_path / f"{STEM}_sv_scoreboard.csv").read_text("utf-8"), newline=""))
    )
    assert next(row for row in rows if row["Indikator"] == "I06")["2023/24"] == "2"


def test_bad_arguments_are_refused(warehouse, tmp_path):
    with pytest.raises(ExportError, match="academic year"):
        export(warehouse, tmp_path, "2023", charts=False)
    with pytest.raises(ExportError, match="no indicator values"):
        export(warehouse, tmp_path, "2030/31", charts=False)
    with pytest.raises(ExportError, match="no warehouse"):
        export(tmp_path / "missing.duckdb", tmp_path, "2023/24", charts=False)
    with pytest.raises(ExportError, match="--format"):
        export(warehouse, tmp_path, "2023/24", fmt="ods", charts=False)


def test_export_opens_the_warehouse_read_only_and_closes_it(warehouse, tmp_path, monkeypatch):
    from indicators.export.tables import loading

    opened = []
    real_connect = duckdb.connect

    def spy(database, *args, **kwargs):
        con = real_connect(database, *args, **kwargs)
        opened.append((database, kwargs.get("read_only"), con))
        return con

    monkeypatch.setattr(loading.duckdb, "connect", spy)
    export(warehouse, tmp_path, "2023/24", charts=False)
    assert [(database, read_only) for database, read_only, _ in opened] == [(str(warehouse), True)]
    with pytest.raises(duckdb.ConnectionException):  # closed after the export
        opened[0][2].execute("select 1")


def test_charts_png_and_svg(warehouse, tmp_path):
    files = export(warehouse, tmp_path, "2023/24", lang="en", charts=True)
    png = tmp_path / "charts" / "I01_en.png"
    svg = tmp_path / "charts" / "I01_en.svg"
    assert png in files and svg in files
    assert png.read_bytes().startswith(b"\x89PNG")
    width, height = (
        int.from_bytes(png.read_bytes()[16:20], "big"),
        int.from_bytes(png.read_bytes()[20:24], "big"),
    )
    assert (width, height) == (1200, 675)  # 8 x 4.5 in at 150 dpi
    assert b"<svg" in svg.read_bytes()[:500]
    assert len([path for path in files if path.suffix == ".png"]) == 6


def test_report_escapes_what_it_did_not_write(warehouse, tmp_path):
    out = report(warehouse, tmp_path / "report.html", kind="midterm", year="2023/24", lang="en")
    html = out.read_text("utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;broken&lt;/b&gt;.csv" in html  # a rejected file's name
    assert "http://" not in html and "https://" not in html  # self-contained
    assert html.count('src="data:image/svg+xml;base64,') == 6
    assert "Mid-term follow-up" in html and "2021/22" in html
    assert "no header row" in html and "expect_column_values_to_not_be_null(partner_code)" in html
    assert "The COVID-19 pandemic affected mobility." in html
    assert ">..<" in html  # suppressed cells are marked in the report too


def test_each_programme_report_has_a_file_of_its_own_whatever_its_code(tmp_path):
    # a hand-kept programme register writes a track of a programme as MED/LÄK (a folder separator in
    # a file name) and another as MED:LÄK (no file name on Windows or an SMB share)
    warehouse = export_fixture_warehouse(tmp_path, *programme_codes_as({"P2": "MED/LÄK", "P3": "MED:LÄK"}))
    written = report_all_programmes(warehouse, tmp_path / "boards", year="2023/24", lang="sv", charts=False)
    # P1, P4 as they are; the others keep their letters, digits, _ and - and add the first six hex
    # digits of their code's SHA-256 (sha256sum of 'MED/LÄK' a9ac66…, of 'MED:LÄK' 2faa98…)
    assert sorted(path.name for path in written) == [
        "programme_MED_LÄK-2faa98_2023-24_sv.html",
        "programme_MED_LÄK-a9ac66_2023-24_sv.html",
        "programme_P1_2023-24_sv.html",
        "programme_P4_2023-24_sv.html",
    ]
    assert sorted(path.name for path in (tmp_path / "boards").iterdir()) == sorted(p.name for p in written)
    headings = {path.name: path.read_text("utf-8").split("<h2", 2)[1] for path in written}
    assert ">MED/LÄK " in headings["programme_MED_LÄK-a9ac66_2023-24_sv.html"]
    assert ">MED:LÄK " in headings["programme_MED_LÄK-2faa98_2023-24_sv.html"]


@pytest.mark.parametrize(
    ("descriptor", "why"),
    [
        # an analyst's own descriptor, its resources named by path only
        (
            '{"resources": ["indicators_2023-24_annual_sv_values.csv"]}',
            r"\(its resources are not a list of objects\)",
        ),
        ('{"resources": [], "sources": ["Ladok"]}', r"\(its sources are not a list of objects\)"),
        ('[{"name": "values"}]', r"\(not a JSON object\)"),
        # a descriptor cut short
        ('{"resources": [', r"is not JSON \(Expecting value: line 1 column 16 \(char 15\)\), so no tables"),
    ],
)
def test_a_datapackage_json_the_export_cannot_add_to_is_one_line_and_kept(
    warehouse, tmp_path, descriptor, why
):
    # the first three stopped the export with an AttributeError traceback after its CSV files were
    # written; the fourth was replaced without a word, and with it whatever it described
    (tmp_path / "datapackage.json").write_text(descriptor, encoding="utf-8")
    with pytest.raises(
        ExportError, match=rf"datapackage\.json .*{why}.*: move it away or export into another folder"
    ):
        export(warehouse, tmp_path, "2023/24", lang="sv", dialect="standard", charts=False)
    assert [path.name for path in tmp_path.iterdir()] == ["datapackage.json"]  # nothing written
    assert (tmp_path / "datapackage.json").read_text(encoding="utf-8") == descriptor


def test_a_warehouse_without_the_marts_is_refused_with_their_names(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "create schema marts; create schema audit; "
        "create table marts.indicator_values (indicator_id varchar, academic_year varchar)"
    )
    con.close()
    with pytest.raises(
        ExportError,
        match=r"has no marts\.indicator_progress, .*marts\.plans, .*marts\.programmes, "
        r"marts\.annotations, audit\.pipeline_runs, .*: run the nightly build",
    ):
        export(path, tmp_path / "out", "2023/24", charts=False)


def test_csv_cells_equal_in_python_are_written_by_their_own_type(tmp_path):
    # write_csv formats each distinct value once: 1, 1.0 and True are equal in Python (and written
    # alike), "1" is text, "-1" a formula start; 2.5 is a number (decimal comma) and Decimal("2.5"),
    # equal to it, is not a float or an int (written as its text); a list is unhashable
    from decimal import Decimal

    from indicators.export.tables import SUPPRESSED
    from indicators.export.tables.blocks import Column, Table
    from indicators.export.writers import DIALECTS, write_csv

    values = [1, 1.0, True, "1", "-1", -1, 2.344, 2.5, Decimal("2.5"), None, SUPPRESSED, [1, 2], "1"]
    table = Table("t", "T", [Column(f"c{i}", f"c{i}") for i in range(len(values))], rows=[values, values])
    path = write_csv(table, tmp_path / "t.csv", DIALECTS["excel-sv"])
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    expected = ["1", "1", "1", "1", "'-1", "-1", "2,34", "2,5", "2.5", "", "..", "[1, 2]", "1"]
    assert rows[1:] == [expected, expected]


def test_an_out_that_cannot_be_written_is_one_line_naming_it(warehouse, tmp_path):
    from helpers import cli_in_process

    env = {"INDICATORS_WAREHOUSE": str(warehouse), "INDICATORS_PSEUDONYMISATION_KEY": "k" * 40}
    year = ["--year", "2023/24", "--no-charts"]
    # the workbook's own name taken by a folder: xlsxwriter's FileCreateError went out as a traceback
    out = tmp_path / "out"
    (out / f"{STEM}_sv.xlsx").mkdir(parents=True)
    done = cli_in_process("export", "--out", str(out), "--format", "xlsx", *year, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == (
        f"export: cannot write --out {out} ({out / f'{STEM}_sv.xlsx'}: Is a directory): "
        "give --out a folder you can write to\n"
    )
    # --out a file, or a folder under a file
    (tmp_path / "a_file").write_text("x")
    done = cli_in_process("export", "--out", str(tmp_path / "a_file"), *year, env=env)
    assert (done.returncode, done.stderr) == (
        1,
        f"export: --out {tmp_path / 'a_file'} is a file: give --out a folder (it is created if missing)\n",
    )
    done = cli_in_process(
        "report", "--kind", "annual", "--out", str(tmp_path / "a_file" / "r.html"), *year, env=env
    )
    assert (done.returncode, done.stderr) == (
        1,
        f"report: cannot write --out {tmp_path / 'a_file' / 'r.html'} ({tmp_path / 'a_file'} is a file, "
        "where a folder is needed): give --out a file in a folder you can write to\n",
    )


def test_a_report_format_that_contradicts_its_file_name_is_one_line(warehouse, tmp_path):
    # report --out x.pdf wrote HTML into x.pdf and said "wrote x.pdf"; the format now comes from the
    # name unless given, and a given one that contradicts it is refused
    from helpers import cli_in_process

    env = {"INDICATORS_WAREHOUSE": str(warehouse), "INDICATORS_PSEUDONYMISATION_KEY": "k" * 40}
    common = ["report", "--kind", "annual", "--year", "2023/24", "--no-charts"]
    done = cli_in_process(*common, "--out", str(tmp_path / "x.pdf"), "--format", "html", env=env)
    assert (done.returncode, done.stderr) == (
        1,
        f"report: --format html but --out {tmp_path / 'x.pdf'} ends in .pdf: name the file .html, or leave "
        "--format out to take it from the name\n",
    )
    done = cli_in_process(*common, "--out", str(tmp_path / "r.html"), "--format", "pdf", env=env)
    assert done.returncode == 1 and "ends in .html: name the file .pdf" in done.stderr
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "r.html").exists()
    done = cli_in_process(*common, "--out", str(tmp_path / "r.htm"), env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.htm").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_an_out_named_for_another_kind_of_file_is_one_line(warehouse, tmp_path):
    # report --out r.docx wrote HTML into r.docx; export --out x.csv made a folder named x.csv
    from helpers import cli_in_process

    env = {"INDICATORS_WAREHOUSE": str(warehouse), "INDICATORS_PSEUDONYMISATION_KEY": "k" * 40}
    done = cli_in_process(
        "report",
        "--kind",
        "annual",
        "--year",
        "2023/24",
        "--no-charts",
        "--out",
        str(tmp_path / "r.docx"),
        env=env,
    )
    assert (done.returncode, done.stderr) == (
        1,
        f"report: --out {tmp_path / 'r.docx'} ends in .docx, but a report is HTML or PDF: name the file .html "
        "or .pdf\n",
    )
    done = cli_in_process("export", "--year", "2023/24", "--out", str(tmp_path / "x.csv"), env=env)
    assert (done.returncode, done.stderr) == (
        1,
        f"export: --out {tmp_path / 'x.csv'} names a .csv file, but an export is a folder of files (the "
        "tables, their metadata, charts): give --out a folder, e.g. exports/2023-24 (--format picks CSV or "
        "XLSX)\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_swedish_metadata_says_how_the_year_was_chosen_and_the_kind_in_swedish(warehouse, tmp_path):
    # it said "Läsår | 2023/24 (annual report of 2023/24, the latest year with final values)", "Typ | annual"
    # and target values as 100.0
    export(warehouse, tmp_path, None, lang="sv", charts=False)
    [path] = tmp_path.glob("*_sv_metadata.md")
    lines = path.read_text("utf-8").splitlines()
    year = json.loads(path.with_suffix(".json").read_text("utf-8"))["academic_year"]
    assert f"| Läsår | {year} (årsrapport för {year}, det senaste läsåret med slutliga värden) |" in lines
    assert "| Typ | årlig uppföljning (`annual`) |" in lines
    assert not any(".0 |" in line for line in lines if line.startswith("| I"))


@pytest.mark.parametrize(
    ("english", "swedish"),
    [
        (
            "annual report of 2024/25, the latest year with values (no year is final yet)",
            "årsrapport för 2024/25, det senaste läsåret med värden (inget läsår är slutligt än)",
        ),
        (
            "mid-term follow-up of 2021/22 (the plan's mid-term year)",
            "halvtidsuppföljning för 2021/22 (planens halvtidsår)",
        ),
        (
            "final follow-up of 2024/25 (the plan's final year)",
            "slutuppföljning för 2024/25 (planens slutår)",
        ),
        (
            "final follow-up of 2023/24, the latest year with final values before 2024/25",
            "slutuppföljning för 2023/24, det senaste läsåret med slutliga värden före 2024/25",
        ),
        (
            "mid-term follow-up of 2020/21, the latest year with values before 2021/22",
            "halvtidsuppföljning för 2020/21, det senaste läsåret med värden före 2021/22",
        ),
    ],
)
def test_how_the_year_was_chosen_in_swedish(english, swedish):
    from indicators.export.labels import year_note

    assert year_note(english, "sv") == swedish
    assert year_note(english, "en") == english


def test_a_half_is_rounded_as_the_xlsx_shows_it():
    """The text files, the report and the sentences round a half away from zero, as Excel and
    LibreOffice show the XLSX's number cell (format 0.0#): the bundled sample's I02 2017/18 in
    VGFYS, 26 of 64 graduates = 40.625 %, read 40,62 in the CSV and the report, 40.63 in the XLSX."""
    from indicators.export.writers import format_number

    assert format_number(100.0 * 26 / 64, ",") == "40,63"
    assert format_number(100.0 * 1 / 32) == "3.13"  # I07 per 100 graduates, 1 of 32: 3.125
    assert format_number(-9.625) == "-9.63"  # a change: away from zero, both ways
    assert format_number(9.995) == "10"  # 1999 of 20000: the double is 9.99499..., the number 9.995
    assert format_number(-0.004) == format_number(0.004) == "0"
    assert format_number(33.333333) == "33.33" and format_number(12.5) == "12.5" and format_number(7) == "7"


def test_a_large_number_is_written_whole():
    """From 1e26 up the rounding stopped the export with decimal.InvalidOperation (28 digits, the default
    precision), and a count past 2**53 was written with its last digits changed (read as a double)."""
    from indicators.export.writers import format_number

    assert format_number(1e30) == "1" + "0" * 30
    assert format_number(-1.5e300, ",") == "-15" + "0" * 299
    assert format_number(2**62) == "4611686018427387904"
    assert format_number(123456789.125) == "123456789.13"


def test_a_followup_of_a_year_without_final_values_does_not_say_final(tmp_path):
    """The plan's final year 2025/26 lies after the data and marts.plans reads 2024/25 for its final
    follow-up, a year with only provisional values (as a next plan's is when no year after its
    baseline is final): the note said "the latest year with final values before 2025/26"; it says
    "values" now, and keeps "final values" where the year read has them (2023/24)."""
    import duckdb

    from helpers import export_fixture_warehouse
    from indicators.export.read import choose_year
    from indicators.export.read import plan as read_plan

    path = export_fixture_warehouse(tmp_path, "update marts.plans set final_year = '2025/26'")
    con = duckdb.connect(str(path), read_only=True)
    try:
        plan = read_plan(con, None)
        assert choose_year(con, None, "final", plan) == (
            "2024/25",
            "final follow-up of 2024/25, the latest year with values before 2025/26",
        )
        plan["final_followup_year"] = "2023/24"
        assert choose_year(con, None, "final", plan)[1] == (
            "final follow-up of 2023/24, the latest year with final values before 2025/26"
        )
    finally:
        con.close()


def test_values_of_an_indicator_the_plan_does_not_follow_keep_its_name(tmp_path):
    """The values table holds every indicator with values, also those the plan does not follow (an
    earlier plan's, or the catalogue's beyond a next plan): their name was looked up in the plan's
    indicators only, so I10's rows read an empty 'Indicator name'. The name now comes from the whole
    catalogue."""
    warehouse = export_fixture_warehouse(
        tmp_path,
        "create table marts.whole as select * from marts.plan_indicator_catalogue",
        "drop view marts.indicator_catalogue",
        "alter table marts.whole rename to indicator_catalogue",
        "delete from marts.plan_indicator_catalogue where indicator_id = 'I10'",  # the plan leaves I10
    )
    export(warehouse, tmp_path / "out", "2023/24", lang="en", dialect="standard", charts=False)
    raw = (tmp_path / "out" / f"{STEM}_en_values.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    names = {(row["Indicator"], row["Indicator name"]) for row in rows}
    assert ("I10", "Internationalisation at home") in names and ("I01", "Outgoing students") in names
    assert all(name for _, name in names)


def test_metadata_gives_the_runs_and_the_sources_times_with_their_offset(warehouse, tmp_path):
    # the warehouse keeps UTC without a zone: the metadata JSON gave the run's and the files' times
    # as "2024-10-15 02:06:00", which a reader (or a tool) in Sweden takes for local time, two hours
    # off in October. Now ISO 8601 with the offset, as its generated_at already was. By hand from
    # the fixture: run-20241015 started 02:00 and finished 02:06 UTC; the student mobility file was
    # modified 2024-10-10 08:00 and loaded 2024-10-15 02:01 UTC.
    export(warehouse, tmp_path, "2023/24", lang="en", charts=False)
    meta = json.loads((tmp_path / f"{STEM}_en_metadata.json").read_text("utf-8"))
    assert meta["data"]["run_started_at"] == "2024-10-15T02:00:00+00:00"
    assert meta["data"]["run_finished_at"] == "2024-10-15T02:06:00+00:00"
    mobility = meta["source_files"][1]
    assert (
        mobility["oldest_file_modified_at"]
        == mobility["newest_file_modified_at"]
        == "2024-10-10T08:00:00+00:00"
    )
    assert mobility["last_loaded_at"] == "2024-10-15T02:01:00+00:00"
    assert datetime.fromisoformat(meta["generated_at"]).utcoffset() is not None


def test_the_metadatas_markdown_gives_its_times_in_swedish_time(warehouse, tmp_path):
    # the Markdown beside the JSON is read by people: it gave the export's time as ISO text
    # ("2026-12-06T04:58:31+00:00") and the run's and files' as UTC ISO text. Now the faculty's
    # clock to the minute, the zone said in the heading. By hand from the fixture: run-20241015
    # finished 02:06 UTC = 04:06 CEST; student mobility's file modified 2024-10-10 08:00 UTC = 10:00,
    # loaded 2024-10-15 02:01 UTC = 04:01.
    import re

    export(warehouse, tmp_path, "2023/24", lang="sv", charts=False)
    text = (tmp_path / f"{STEM}_sv_metadata.md").read_text("utf-8")
    assert re.search(
        r"^\| Skapad \(svensk tid, Europe/Stockholm\) \| \d{4}-\d\d-\d\d \d\d:\d\d \|$", text, re.M
    )
    assert "| run-20241015 (publicerad med varningar, 2024-10-15 04:06 svensk tid) |" in text
    assert "| student_mobility | 1 | 2024-10-10 10:00 | 2024-10-10 10:00 | 2024-10-15 04:01 | 200 |" in text
    assert "Källfiler (svensk tid, Europe/Stockholm)" in text
    assert "+00:00" not in text
