"""The ``bi/`` folder's CSV files are safe to open in Excel (indicators.bi).

A programme name from a source export that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) is written with a leading ``'`` in the mart's CSV, as in every export's CSV,
so that a double-click in Excel shows it as text instead of evaluating it; the Parquet file keeps
the text as it is, and numbers are never touched.
"""

from __future__ import annotations

import csv
import io
import json
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import polars as pl

from indicators import bi


def test_a_formula_in_a_marts_text_is_inert_in_its_csv_and_kept_in_its_parquet(tmp_path):
    database = tmp_path / "work.duckdb"
    con = duckdb.connect(str(database))
    con.execute(
        "create schema marts; create table marts.programmes (programme_code varchar primary key, "
        "programme_name_sv varchar, change_abs integer, share double)"
    )
    names = [
        ("P1", '=HYPERLINK("http://example.invalid";"Läkarprogrammet")', -3, -0.5),
        ("P2", "- Master's programme in Global Health", 4, 1.25),
        ("P3", "+46 Sjuksköterskeprogrammet", 0, 0.0),
        ("P4", "@SUM(A1:A9)", 1, 2.0),
        ("P5", "\tTandläkarprogrammet", 1, 2.0),
        ("P6", "Läkarprogrammet, = tre år", 1, 2.0),
        ("P7", None, None, None),
    ]
    con.executemany("insert into marts.programmes values (?, ?, ?, ?)", names)
    con.close()

    written = bi.write(database, tmp_path / "warehouse.duckdb", "20261205T040001-a1b2")

    text = (written.folder / "programmes.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["programme_code", "programme_name_sv", "change_abs", "share"]
    # written out by hand: a leading formula character gets a ', nothing else changes
    assert rows[1:] == [
        ["P1", '\'=HYPERLINK("http://example.invalid";"Läkarprogrammet")', "-3", "-0.5"],
        ["P2", "'- Master's programme in Global Health", "4", "1.25"],
        ["P3", "'+46 Sjuksköterskeprogrammet", "0", "0.0"],
        ["P4", "'@SUM(A1:A9)", "1", "2.0"],
        ["P5", "'\tTandläkarprogrammet", "1", "2.0"],
        ["P6", "Läkarprogrammet, = tre år", "1", "2.0"],
        ["P7", "", "", ""],
    ]
    parquet = duckdb.connect().execute(
        f"select * from read_parquet('{written.folder / 'programmes.parquet'}') order by 1"
    )
    assert parquet.fetchall() == names
    manifest = json.loads((written.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["csv"]["formula_prefix"] == "'"


def test_a_marts_csv_starts_with_a_byte_order_mark_that_readers_take_as_the_encoding(tmp_path):
    # Excel, opening a CSV by a double-click, reads UTF-8 only after a BOM (else Windows-1252:
    # "Lärare" shows as "LÃ¤rare"); the exports' excel-sv CSV has one, the bi/ CSVs had none
    database = tmp_path / "work.duckdb"
    con = duckdb.connect(str(database))
    con.execute(
        "create schema marts; create table marts.staff_mobility (staff_category varchar, persons integer)"
    )
    con.executemany("insert into marts.staff_mobility values (?, ?)", [("Lärare", 3), ("Doktorand", 2)])
    con.close()

    written = bi.write(database, tmp_path / "warehouse.duckdb", "20261205T040001-a1b2")

    path = written.folder / "staff_mobility.csv"
    data = path.read_bytes()
    # by hand: EF BB BF, then the header and the rows in UTF-8 ("ä" is C3 A4), LF line ends
    assert data == b"\xef\xbb\xbfstaff_category,persons\nL\xc3\xa4rare,3\nDoktorand,2\n"
    assert not list(written.folder.glob("*.body"))  # DuckDB's own output, copied behind the BOM
    # the readers named in bi/manifest.json's "bom" take the mark as the encoding's, not as a name
    assert pl.read_csv(path).columns == ["staff_category", "persons"]
    assert list(pd.read_csv(path).columns) == ["staff_category", "persons"]
    back = duckdb.connect().execute(f"select * from read_csv('{path}')")
    assert [column[0] for column in back.description] == ["staff_category", "persons"]
    assert back.fetchall() == [("Lärare", 3), ("Doktorand", 2)]
    manifest = json.loads((written.folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["csv"]["encoding"], manifest["csv"]["bom"]) == ("UTF-8", True)


def test_a_folder_an_older_code_wrote_is_not_kept_by_a_publish_without_a_build(tmp_path):
    # bi/ as the code before the BOM wrote it for run A: whole, named for A, but its CSV without the
    # BOM and its manifest without a writer_version. Run B (nothing new: dbt skipped) started from A.
    warehouse = tmp_path / "warehouse.duckdb"
    folder = bi.folder_of(warehouse)
    folder.mkdir()
    (folder / "programmes.csv").write_bytes(b"programme_code,programme_name_sv\nP1,L\xc3\xa4karprogrammet\n")
    (folder / "programmes.parquet").write_bytes(b"PAR1")
    old = {
        "run_id": "20261204T040001-a1b2",
        "written_by_run": "20261204T040001-a1b2",
        "written_at": "2026-12-04T04:03:00+00:00",
        "warehouse": "warehouse.duckdb",
        "schema": "marts",
        "csv": {"delimiter": ",", "decimal": ".", "encoding": "UTF-8", "header": True, "formula_prefix": "'"},
        "tables": [
            {"name": "programmes", "rows": 1, "parquet": "programmes.parquet", "csv": "programmes.csv"}
        ],
        "relationships": [],
    }
    (folder / "manifest.json").write_text(json.dumps(old), encoding="utf-8")
    assert bi.keep(warehouse, "20261204T040001-a1b2") is None  # written again, with the BOM
    # the same folder from this code is kept (and one from a later or earlier version is not)
    for version, kept in ((bi.WRITER_VERSION, True), (bi.WRITER_VERSION + 1, False), (1, False)):
        (folder / "manifest.json").write_text(json.dumps(old | {"writer_version": version}), encoding="utf-8")
        assert (bi.keep(warehouse, "20261204T040001-a1b2") is not None) is kept, version


def test_the_folder_describes_its_csvs_as_a_data_package_that_validates(tmp_path):
    # `frictionless validate bi` found no description and made one of its own files, the CSV and
    # the Parquet of each mart under one name ("names of the resources are not unique"). The folder
    # now holds datapackage.json: each mart's CSV with its types (a date, a time without a zone, a
    # true/false, a share, a count), its primary key and its links. By hand: two programmes, three
    # values, one of the faculty (no programme), one hidden by nothing (the marts are before
    # disclosure control) and one an empty text; every value's programme is a programme.
    from frictionless import Package

    database = tmp_path / "work.duckdb"
    con = duckdb.connect(str(database))
    con.execute(
        "create schema marts; create table marts.programmes (programme_code varchar primary key, "
        "programme_name_sv varchar, active boolean, started_on date); "
        "create table marts.indicator_values (indicator_id varchar, academic_year varchar, "
        "programme_code varchar, value double, persons integer, published_at timestamp)"
    )
    con.execute(
        "insert into marts.programmes values ('0123', '=Läkarprogrammet', true, date '2019-08-26'), "
        "('MALAK', '', false, null)"
    )
    con.execute(
        "insert into marts.indicator_values values "
        "('I01', '2010/11', null, 451, 451, timestamp '2026-12-06 04:58:20'), "
        "('I02', '2010/11', '0123', 33.333333333333336, 12, timestamp '2026-12-06 04:58:20.123456'), "
        "('I02', '2010/11', 'MALAK', 1e-07, null, null)"
    )
    con.close()

    written = bi.write(database, tmp_path / "warehouse.duckdb", "20261205T040001-a1b2")

    package = json.loads((written.folder / "datapackage.json").read_text(encoding="utf-8"))
    values, programmes = (
        next(r for r in package["resources"] if r["name"] == name)
        for name in ("indicator_values", "programmes")
    )
    assert values["path"] == "indicator_values.csv"
    # the IANA name the Frictionless spec asks for (not Python's utf-8-sig); the file keeps its BOM
    assert {r["encoding"] for r in package["resources"]} == {"utf-8"}
    assert (written.folder / "indicator_values.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert [(f["name"], f["type"]) for f in values["schema"]["fields"]] == [
        ("indicator_id", "string"),
        ("academic_year", "string"),
        ("programme_code", "string"),
        ("value", "number"),
        ("persons", "integer"),
        ("published_at", "datetime"),
    ]
    assert programmes["schema"]["primaryKey"] == ["programme_code"]
    assert values["schema"]["foreignKeys"] == [
        {"fields": ["programme_code"], "reference": {"resource": "programmes", "fields": ["programme_code"]}}
    ]
    report = Package(str(written.folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    rows = report.tasks[[task.name for task in report.tasks].index("indicator_values")].stats["rows"]
    assert rows == 3


def test_a_marts_time_is_written_with_its_zone_in_the_csv_and_the_parquet(tmp_path):
    # indicator_revisions.published_at is UTC without a zone in the warehouse; the folder wrote it so
    # ('2024-10-15 02:06:00' in the CSV, a Parquet timestamp not adjusted to UTC), only the descriptor
    # saying UTC, and Power BI reads a time without a zone as the computer's local time: 02:06 where
    # Sweden had 04:06 (summer, +2). By hand: the run published at 02:06:00 UTC on 15 October 2024,
    # a correction at 23:30:00.25 UTC on 31 December 2025 (00:30 on New Year's Day in Sweden).
    import datetime as dt

    import pyarrow.parquet as pq

    database = tmp_path / "work.duckdb"
    con = duckdb.connect(str(database))
    con.execute(
        "create schema marts; create table marts.indicator_revisions (indicator_id varchar, "
        "published_at timestamp, value double)"
    )
    con.execute(
        "insert into marts.indicator_revisions values ('I01', timestamp '2024-10-15 02:06:00', 20), "
        "('I01', timestamp '2025-12-31 23:30:00.25', 21), ('I02', null, null)"
    )
    con.close()

    written = bi.write(database, tmp_path / "warehouse.duckdb", "20261205T040001-a1b2")

    text = (written.folder / "indicator_revisions.csv").read_text(encoding="utf-8-sig")
    assert [row[1] for row in csv.reader(io.StringIO(text, newline=""))] == [
        "published_at",
        "2024-10-15T02:06:00Z",
        "2025-12-31T23:30:00.250000Z",
        "",
    ]
    schema = pq.read_schema(written.folder / "indicator_revisions.parquet")
    assert str(schema.field("published_at").type) == "timestamp[us, tz=UTC]"  # adjusted to UTC, microseconds
    frame = pl.read_parquet(written.folder / "indicator_revisions.parquet")
    assert frame["published_at"].dt.convert_time_zone("Europe/Stockholm").to_list()[:2] == [
        dt.datetime(2024, 10, 15, 4, 6, tzinfo=ZoneInfo("Europe/Stockholm")),
        dt.datetime(2026, 1, 1, 0, 30, 0, 250000, tzinfo=ZoneInfo("Europe/Stockholm")),
    ]
    manifest = json.loads((written.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables"][0]["columns"][1] == {"name": "published_at", "type": "TIMESTAMP WITH TIME ZONE"}
    from frictionless import Package

    report = Package(str(written.folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_packages_csv_dialect_names_the_line_end_the_files_have(tmp_path):
    """DuckDB ends each line of a mart's CSV with \\n alone, and the Data Package's dialect said
    nothing of it, which in Frictionless v1 means \\r\\n (the exports' RFC 4180 line end): a reader
    following the descriptor looked for line ends the files do not have. A programme name with a
    line break of its own (a register's cell "Läkarprogrammet" Alt+Enter "(330 hp)") stays inside
    its quoted field. By hand: 3 lines end in \\n (header, P1, P2), the name's own break inside the
    quotes is the fourth \\n, and no \\r."""
    database = tmp_path / "work.duckdb"
    con = duckdb.connect(str(database))
    con.execute(
        "create schema marts; create table marts.programmes (programme_code varchar, programme_name_sv varchar)"
    )
    con.executemany(
        "insert into marts.programmes values (?, ?)", [("P1", "Läkarprogrammet\n(330 hp)"), ("P2", "Röntgen")]
    )
    con.close()

    written = bi.write(database, tmp_path / "warehouse.duckdb", "20261205T040001-a1b2")

    raw = (written.folder / "programmes.csv").read_bytes()
    assert raw.count(b"\n") == 4 and b"\r" not in raw
    package = json.loads((written.folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["resources"][0]["dialect"]["lineTerminator"] == "\n"
    manifest = json.loads((written.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["csv"]["line_terminator"] == "\n"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows == [
        ["programme_code", "programme_name_sv"],
        ["P1", "Läkarprogrammet\n(330 hp)"],
        ["P2", "Röntgen"],
    ]
