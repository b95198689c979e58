"""Every export folder describes itself: ``datapackage.json`` (Frictionless), validated by frictionless.

Each kind (annual, midterm, final) in both CSV dialects, and the XLSX, is validated with the
``frictionless`` package against the schema the export wrote: a number that does not parse as a
number (a decimal comma read as text, a ``..`` not declared missing) is a type error and fails.
A column an export writes without a declaration in ``datapackage.FIELDS`` fails too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from frictionless import Package

from helpers import export_fixture_warehouse
from indicators.export import datapackage, export
from indicators.export.tables import load

# one worker builds the module's fixture (--dist loadgroup), not both
pytestmark = pytest.mark.xdist_group("datapackage")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return export_fixture_warehouse(tmp_path_factory.mktemp("warehouse"))


def _validate(folder: Path) -> None:
    report = Package(str(folder / "datapackage.json")).validate()
    errors = [
        f"{task.name}: {error.type}: {error.message}" for task in report.tasks for error in task.errors
    ] + [f"{error.type}: {error.message}" for error in report.errors]
    assert report.valid, "\n".join(errors[:20])


@pytest.mark.parametrize("kind", ["annual", "midterm", "final"])
@pytest.mark.parametrize("dialect", ["excel-sv", "standard"])
def test_every_kind_and_dialect_validates_against_its_schema(warehouse, tmp_path, kind, dialect):
    lang = "sv" if dialect == "excel-sv" else "en"
    year = "2024/25" if kind == "final" else "2023/24"
    export(warehouse, tmp_path, year, kind=kind, lang=lang, dialect=dialect, charts=False)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    stem = f"indicators_{year.replace('/', '-')}_{kind}_{lang}"
    tables = {"annual": 3, "midterm": 4, "final": 4}[kind]
    assert [resource["path"] for resource in package["resources"]][:1] == [f"{stem}_scoreboard.csv"]
    assert len(package["resources"]) == tables
    values = next(resource for resource in package["resources"] if resource["name"] == f"{stem}_values")
    separator, decimal = (";", ",") if dialect == "excel-sv" else (",", ".")
    assert values["dialect"]["delimiter"] == separator
    # the IANA name the Frictionless spec asks for, not Python's utf-8-sig; excel-sv keeps its BOM
    assert {resource["encoding"] for resource in package["resources"]} == {"utf-8"}
    bom = (tmp_path / values["path"]).read_bytes().startswith(b"\xef\xbb\xbf")
    assert bom == (dialect == "excel-sv")
    schema = values["schema"]
    assert schema["missingValues"] == ["", ".."]
    fields = {field["name"]: field for field in schema["fields"]}
    value = fields["Värde" if lang == "sv" else "Value"]
    assert value["type"] == "number" and value.get("decimalChar", ".") == decimal
    flag = fields["Röjandekontroll" if lang == "sv" else "Disclosure control"]
    # the five reasons a cell is hidden; "hidden because of an earlier publish": an earlier publish of
    # the numbers hid it, or showed a part of it (a total) that this one hides;
    # "withheld": every part of a sum, zeros too, where the hidden parts' count would pin its total
    assert sorted(flag["constraints"]["enum"]) == (
        ["dold p.g.a. tidigare publicering", "primär", "primär (täljare)", "sekundär", "undanhållen"]
        if lang == "sv"
        else [
            "hidden because of an earlier publish",
            "primary",
            "primary (numerator)",
            "secondary",
            "withheld",
        ]
    )
    assert schema["primaryKey"][:2] == (
        ["Indikator", "Läsår"] if lang == "sv" else ["Indicator", "Academic year"]
    )
    assert values["sources"] == [{"title": "metadata", "path": f"{stem}_metadata.json"}]
    _validate(tmp_path)


def test_the_xlsx_workbook_validates_too(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", kind="midterm", lang="sv", fmt="xlsx", charts=False)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert {resource["dialect"]["sheetName"] for resource in package["resources"]} == {
        "Indikatorer",
        "Per program",
        "Alla värden",
        "Halvtidsuppföljning",
    }
    _validate(tmp_path)


def test_exports_into_one_folder_are_described_together(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="sv", charts=False)
    export(warehouse, tmp_path, "2023/24", lang="en", dialect="standard", charts=False)
    export(warehouse, tmp_path, "2023/24", lang="en", dialect="standard", charts=False)  # again: replaced
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert len(package["resources"]) == 6  # three tables in each language
    _validate(tmp_path)


def test_an_earlier_export_whose_file_was_removed_is_described_no_more(warehouse, tmp_path):
    # an analyst removes last year's long table from the shared folder, then exports the English
    # tables into it: the descriptor kept the removed file's resource, and frictionless (or any
    # reader of the package) failed on it: scheme-error, "[Errno 2] No such file or directory"
    export(warehouse, tmp_path, "2023/24", lang="sv", dialect="standard", charts=False)
    (tmp_path / "indicators_2023-24_annual_sv_values.csv").unlink()
    notes: list[str] = []
    export(warehouse, tmp_path, "2023/24", lang="en", dialect="standard", charts=False, on_note=notes.append)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert sorted(resource["name"] for resource in package["resources"]) == [
        "indicators_2023-24_annual_en_programmes",
        "indicators_2023-24_annual_en_scoreboard",
        "indicators_2023-24_annual_en_values",
        "indicators_2023-24_annual_sv_programmes",
        "indicators_2023-24_annual_sv_scoreboard",
    ]
    assert notes[-1] == (
        "datapackage.json: 1 table of an earlier export left out, no longer in the folder: "
        "indicators_2023-24_annual_sv_values.csv"
    )
    _validate(tmp_path)


def test_a_csv_and_an_xlsx_export_of_one_year_share_a_folder(warehouse, tmp_path):
    # the workbook's resources took the CSV files' names, and so their place: three CSV files in the
    # folder, described by nothing
    export(warehouse, tmp_path, "2023/24", lang="sv", charts=False)
    export(warehouse, tmp_path, "2023/24", lang="sv", fmt="xlsx", charts=False)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    stem = "indicators_2023-24_annual_sv"
    assert sorted((resource["name"], resource["path"]) for resource in package["resources"]) == [
        (f"{stem}_programmes", f"{stem}_programmes.csv"),
        (f"{stem}_programmes_xlsx", f"{stem}.xlsx"),
        (f"{stem}_scoreboard", f"{stem}_scoreboard.csv"),
        (f"{stem}_scoreboard_xlsx", f"{stem}.xlsx"),
        (f"{stem}_values", f"{stem}_values.csv"),
        (f"{stem}_values_xlsx", f"{stem}.xlsx"),
    ]
    _validate(tmp_path)
    # the CSV export again replaces its own three, not the workbook's
    export(warehouse, tmp_path, "2023/24", lang="sv", charts=False)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert len(package["resources"]) == 6


def test_a_wrong_type_fails_validation(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="sv", charts=False)
    path = tmp_path / "indicators_2023-24_annual_sv_values.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    cells = lines[1].split(";")
    cells[header.index("Värde")] = "tolv"  # not a number
    path.write_text("\n".join([lines[0], ";".join(cells), *lines[2:]]) + "\n", encoding="utf-8-sig")
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert not report.valid
    assert "type-error" in {error.type for task in report.tasks for error in task.errors}


def test_every_column_an_export_writes_has_a_schema(warehouse):
    for kind, year in (("annual", "2023/24"), ("midterm", "2023/24"), ("final", "2024/25")):
        for table in load(warehouse, year, kind=kind, lang="sv").tables():
            for column in table.columns:
                datapackage.field_of(column.key)  # raises UndescribedColumn


def test_a_column_without_a_declaration_is_refused():
    with pytest.raises(datapackage.UndescribedColumn, match="'new_column' has no Table Schema"):
        datapackage.field_of("new_column")
    assert datapackage.field_of("2019/20").type == "number"  # a year column


def _frictionless_cli(folder: Path) -> dict:
    """``frictionless validate --json datapackage.json``, the command a reader runs, as a process."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", "--json", "datapackage.json"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    found = json.loads(done.stdout)
    assert done.returncode == 0 and found["valid"], done.stdout[-2000:]
    return found


@pytest.mark.parametrize("order", [("csv", "xlsx"), ("xlsx", "csv")])
def test_a_csv_and_an_xlsx_export_of_one_stem_keep_a_metadata_file_each(warehouse, tmp_path, order):
    # both wrote <stem>_metadata.json/.md: the last one won, and the CSV files' metadata (named by
    # their datapackage resources) described the workbook, or the other way round
    for fmt in order:
        export(warehouse, tmp_path, "2023/24", lang="sv", fmt=fmt, charts=False)
    stem = "indicators_2023-24_annual_sv"
    csv_meta = json.loads((tmp_path / f"{stem}_metadata.json").read_text(encoding="utf-8"))
    xlsx_meta = json.loads((tmp_path / f"{stem}_xlsx_metadata.json").read_text(encoding="utf-8"))
    assert csv_meta["format"].startswith("CSV (excel-sv): fältavgränsare ';'")
    assert csv_meta["files"] == {
        "scoreboard": f"{stem}_scoreboard.csv",
        "programmes": f"{stem}_programmes.csv",
        "values": f"{stem}_values.csv",
    }
    assert xlsx_meta["format"].startswith("XLSX: en flik per tabell")
    assert xlsx_meta["files"] == {
        "scoreboard": f"{stem}.xlsx [Indikatorer]",
        "programmes": f"{stem}.xlsx [Per program]",
        "values": f"{stem}.xlsx [Alla värden]",
    }
    assert "CSV (excel-sv)" in (tmp_path / f"{stem}_metadata.md").read_text(encoding="utf-8")
    assert "XLSX: en flik per tabell" in (tmp_path / f"{stem}_xlsx_metadata.md").read_text(encoding="utf-8")
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    described = {(resource["path"], resource["metadata"]) for resource in package["resources"]}
    assert described == {
        (f"{stem}_scoreboard.csv", f"{stem}_metadata.json"),
        (f"{stem}_programmes.csv", f"{stem}_metadata.json"),
        (f"{stem}_values.csv", f"{stem}_metadata.json"),
        (f"{stem}.xlsx", f"{stem}_xlsx_metadata.json"),
    }
    assert sorted(source["path"] for source in package["sources"]) == [
        f"{stem}_metadata.json",
        f"{stem}_xlsx_metadata.json",
    ]
    assert _frictionless_cli(tmp_path)["stats"]["tasks"] == 6


def _links(package: dict) -> dict[str, list]:
    return {
        resource["name"].rsplit("_", 1)[-1]: resource["schema"].get("foreignKeys", [])
        for resource in package["resources"]
    }


def test_the_tables_refer_to_the_scoreboard_and_a_broken_reference_fails(warehouse, tmp_path):
    # each indicator of the per-programme table and of the final follow-up is a row of the
    # scoreboard (the marts' indicator_catalogue key, bi/manifest.json's relationship): the package
    # says so, frictionless checks it, and an indicator the scoreboard does not have fails
    export(warehouse, tmp_path, "2024/25", kind="final", lang="en", dialect="standard", charts=False)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    stem = "indicators_2024-25_final_en"
    to_scoreboard = [
        {"fields": ["Indicator"], "reference": {"resource": f"{stem}_scoreboard", "fields": ["Indicator"]}}
    ]
    assert _links(package) == {
        "scoreboard": [],
        "programmes": to_scoreboard,
        "values": to_scoreboard,  # the fixture's values are all the plan's six indicators
        "final": to_scoreboard,
    }
    _validate(tmp_path)
    programmes = tmp_path / f"{stem}_programmes.csv"
    lines = programmes.read_bytes().decode("utf-8").split("\r\n")
    assert lines[1].split(",")[2] == "I01"  # programme code, name, indicator
    lines[1] = lines[1].replace(",I01,", ",I99,", 1)
    programmes.write_bytes("\r\n".join(lines).encode("utf-8"))
    report = Package(str(tmp_path / "datapackage.json")).validate()
    errors = [(task.name, error.type) for task in report.tasks for error in task.errors]
    assert not report.valid and errors == [(f"{stem}_programmes", "foreign-key")], errors


def test_values_of_an_indicator_outside_the_plan_declare_no_reference(tmp_path):
    # a real warehouse holds values of indicators the current plan does not follow (an earlier
    # plan's): the long values then do not all refer to the scoreboard, and the link is not declared
    warehouse = export_fixture_warehouse(
        tmp_path,
        "insert into marts.indicator_values select * replace ('I99' as indicator_id) "
        "from marts.indicator_values where indicator_id = 'I01'",
    )
    out = tmp_path / "out"
    export(warehouse, out, "2023/24", kind="annual", lang="en", dialect="standard", charts=False)
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    links = _links(package)
    assert links["values"] == [] and links["programmes"][0]["reference"]["fields"] == ["Indicator"]
    _validate(out)
