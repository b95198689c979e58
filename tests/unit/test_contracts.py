"""The source contract, written once: pipelines/*.yml → the dbt sources YAML and the GX suites.

The round trip (a committed generated file differs from what the generator writes now: fail), a
contract edit in a copy of the project showing up in both outputs, and the hand-kept files refused
when they no longer fit the contract. Expected values are written out from the YAML in the tests.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml

from indicators import cli, contracts, quality
from indicators.normalise import parse_field
from indicators.sources import FieldSpec

ROOT = Path(__file__).resolve().parents[2]


def test_every_generated_file_is_what_the_generator_writes_now():
    """Edit pipelines/*.yml, expectations/thresholds.yml or pipelines/warehouse_tables.yml, then run
    `indicators generate` (or `make generate`): a hand edit of a generated file fails here."""
    assert contracts.differing(ROOT) == []


def test_the_generated_suites_are_ones_the_gx_worker_reads():
    for path in sorted((ROOT / "expectations").glob("raw_*.json")):
        doc = quality.load_suite(path)  # ids, severities, frames, check names unique
        assert doc["meta"]["table_name"] == "raw." + path.stem.removeprefix("raw_")


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the generator's inputs and outputs, to edit."""
    for part in ("pipelines", "expectations"):
        shutil.copytree(ROOT / part, tmp_path / part)
    (tmp_path / contracts.DBT_SOURCES).parent.mkdir(parents=True)
    shutil.copy(ROOT / contracts.DBT_SOURCES, tmp_path / contracts.DBT_SOURCES)
    shutil.copy(ROOT / contracts.DBT_AUDIT_RECORDS, tmp_path / contracts.DBT_AUDIT_RECORDS)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def suite_of(root: Path, source: str) -> dict:
    return json.loads((root / "expectations" / f"raw_{source}.json").read_text(encoding="utf-8"))


def checks(doc: dict) -> dict[str, dict]:
    return {quality.check_name(e): e for e in doc["expectations"]}


def raw_table(root: Path, table: str) -> dict:
    doc = yaml.safe_load((root / contracts.DBT_SOURCES).read_text(encoding="utf-8"))
    (raw,) = [s for s in doc["sources"] if s["name"] == "raw"]
    (found,) = [t for t in raw["tables"] if t["name"] == table]
    return found


def test_a_contract_edit_shows_up_in_both_generated_files(project):
    before = checks(suite_of(project, "student_mobility"))
    spec = project / "pipelines" / "student_mobility.yml"
    # a new gender value, and two new fields: an optional enum and a required date
    edit(
        spec,
        'unknown: [unknown, okänt, okänd, "?"]}}',
        'unknown: [unknown, okänt, okänd, "?"], diverse: [diverse, divers]}}',
    )
    edit(
        spec,
        "\nrules:",
        "\n  funding_band: {type: enum, aliases: [Band], values: {low: [low, låg], high: [high, hög]}}"
        "\n  nominated_on: {type: date, required: true, aliases: [Nominated on, Nominerad]}\nrules:",
    )

    assert contracts.differing(project) == [
        contracts.DBT_SOURCES,
        Path("expectations/raw_student_mobility.json"),
    ]
    written, removed = contracts.write(project)
    assert (written, removed) == ([contracts.DBT_SOURCES, Path("expectations/raw_student_mobility.json")], [])
    assert contracts.differing(project) == []

    after = checks(suite_of(project, "student_mobility"))
    columns = after["expect_table_columns_to_match_set(table)"]["kwargs"]["column_set"]
    assert columns[-3:] == ["gender", "funding_band", "nominated_on"]
    assert after["expect_column_values_to_be_in_set(gender)"]["kwargs"]["value_set"] == [
        "diverse",
        "female",
        "male",
        "other",
        "unknown",
    ]
    band = after["expect_column_values_to_be_in_set(funding_band)"]
    assert (band["kwargs"]["value_set"], band["meta"]["severity"]) == (
        ["high", "low"],
        "warn",
    )  # optional: warn
    assert after["expect_column_values_to_not_be_null(nominated_on)"]["meta"]["severity"] == "error"
    assert after["expect_column_values_to_be_of_type(nominated_on)"]["kwargs"] == {
        "column": "nominated_on",
        "type_": "date",
    }
    assert len(after) == len(before) + 3  # funding_band's value set; nominated_on's type and not null
    for name in set(before) - {
        "expect_table_columns_to_match_set(table)",
        "expect_column_values_to_be_in_set(gender)",
    }:
        assert after[name] == before[name], name  # every other check as it was, its id included
    # the id is the check's: a changed check keeps it, so results stay comparable
    assert (
        after["expect_column_values_to_be_in_set(gender)"]["id"]
        == before["expect_column_values_to_be_in_set(gender)"]["id"]
    )

    table = {c["name"]: c for c in raw_table(project, "student_mobility")["columns"]}
    assert list(table)[17:] == [  # 15 fields and the two dates' precision columns
        "gender",
        "funding_band",
        "nominated_on",
        "_file_id",
        "_file_name",
        "_row_number",
        "_loaded_at",
        "_run_id",
    ]
    assert table["gender"]["description"] == (
        "Canonical field `gender` (enum). Values: female, male, other, unknown, diverse. Export headers: Kön, Gender, Sex."
    )
    assert table["funding_band"] == {
        "name": "funding_band",
        "description": "Canonical field `funding_band` (enum). Values: low, high. Export headers: Band.",
        "data_type": "varchar",
    }
    assert table["nominated_on"]["data_type"] == "date"
    assert table["nominated_on"]["description"].endswith("Export headers: Nominated on, Nominerad. Required.")


def test_the_raw_tables_end_with_the_ingests_metadata_columns():
    table = raw_table(ROOT, "enrolments")
    assert [(c["name"], c["data_type"]) for c in table["columns"]] == [
        ("programme_code", "varchar"),
        ("term", "varchar"),
        ("registered_students", "bigint"),
        ("_file_id", "bigint"),
        ("_file_name", "varchar"),
        ("_row_number", "bigint"),
        ("_loaded_at", "timestamp"),
        ("_run_id", "varchar"),
    ]
    assert table["description"].endswith("Business key: programme_code, term.")


def test_the_audit_columns_take_their_types_from_the_ddl():
    doc = yaml.safe_load((ROOT / contracts.DBT_SOURCES).read_text(encoding="utf-8"))
    (audit,) = [s for s in doc["sources"] if s["name"] == "audit"]
    types = {(t["name"], c["name"]): c["data_type"] for t in audit["tables"] for c in t["columns"]}
    assert types[("loaded_files", "file_id")] == "bigint"
    assert types[("loaded_files", "extraction_date")] == "date"
    assert types[("loaded_files", "loaded_at")] == "timestamp"
    assert types[("published_values", "is_removed")] == "boolean"
    assert types[("published_values", "value")] == "double"
    assert len([key for key in types if key[0] == "published_values"]) == 13


def test_a_renamed_field_leaves_its_hand_kept_check_refused(project):
    edit(project / "pipelines" / "cim_awards.yml", "  activities_home: {", "  activities_at_home: {")
    with pytest.raises(contracts.ContractError, match="cim_awards: check 2 .*activities_home"):
        contracts.generate(project)


def test_an_override_of_a_check_the_contract_does_not_imply_is_refused(project):
    # programmes.active_to no longer an academic year: its format check, and the override, go
    edit(
        project / "pipelines" / "programmes.yml",
        "active_to: {type: academic_year, open_end: true,",
        "active_to: {type: string,",
    )
    with pytest.raises(
        contracts.ContractError, match=r"override of 'expect_column_values_to_match_regex\(active_to\)'"
    ):
        contracts.generate(project)


ECTS_RANGE = "column: credits_ects, min_value: 0, max_value: 120, severity: error"


@pytest.mark.parametrize(
    ("edited", "says"),
    [
        (
            'column: credits_ects, min_value: 0, max_value: "120 ECTS", severity: error',
            "max_value '120 ECTS' is neither a number nor a date",
        ),
        (
            "column: credits_ects, min_value: 120, max_value: 0, severity: error",
            "min_value 120 is above max_value 0",
        ),
        (
            "column: credits_ects, min_value: 0, max_value: 120, severity: fatal",
            "severity 'fatal' is not one of error, warn",
        ),
        (
            "column: credits_ects, min_value: 0, max_value: 120, mostly: 1.5, severity: error",
            "mostly 1.5 must be a fraction above 0 and at most 1",
        ),
    ],
)
def test_a_threshold_gx_would_refuse_is_refused_by_generate_and_check_config(project, capsys, edited, says):
    # before: generate wrote it, check-config called it valid, and the nightly crashed after its
    # build (a GX ValidationError and a traceback) or, min above max, quarantined every stay with ECTS
    edit(project / "expectations" / "thresholds.yml", ECTS_RANGE, edited)
    where = "expectations/thresholds.yml: student_mobility: check 5 (expect_column_values_to_be_between(credits_ects)): "
    assert cli.main(["generate", "--root", str(project)]) == 1
    assert capsys.readouterr().err.splitlines() == [f"generate: {where}{says}" + capsys_tail(says)]
    assert cli.main(["check-config", "--root", str(project)]) == 1
    assert capsys.readouterr().err.splitlines() == [f"error: {where}{says}" + capsys_tail(says)]


def capsys_tail(says: str) -> str:
    """The rest of the line after the part the test names."""
    return (
        " (written 2000-01-01T00:00:00)"
        if "nor a date" in says
        else (" (0.95 = 95 %)" if "mostly" in says else "")
    )


def test_a_hand_edited_suite_gx_would_refuse_stops_the_nightly_before_it_begins(
    project, tmp_path, monkeypatch
):
    import os

    from helpers import cli_in_process

    suite = project / "expectations" / "raw_student_mobility.json"
    edit(suite, '"max_value": 120\n', '"max_value": "120 ECTS"\n')
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # the message and the exit code, not the process: the CLI's main in this process, with no
    # INDICATORS_* setting but these two (a new interpreter paid the CLI's imports for one line)
    for name in [name for name in os.environ if name.startswith("INDICATORS_")]:
        monkeypatch.delenv(name)
    env = {"INDICATORS_HOME": str(project), "INDICATORS_PSEUDONYMISATION_KEY": "k" * 32}
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    done = cli_in_process("nightly", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse), env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    assert first.endswith(
        ": expectations/raw_student_mobility.json: expectation 27 (expect_column_values_to_be_between): "
        "max_value '120 ECTS' is neither a number nor a date (written 2000-01-01T00:00:00). Nothing was run: "
        "correct expectations/thresholds.yml (or pipelines/) and run `indicators generate`, never edit the JSON (exit 1)"
    ), done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert not warehouse.exists() and not (warehouse.parent / "work" / "in-progress.duckdb").exists()


def test_check_names_each_differing_file_and_generate_writes_them(project, capsys):
    suite = project / "expectations" / "raw_enrolments.json"
    suite.write_text(
        suite.read_text(encoding="utf-8").replace('"min_value": 0', '"min_value": -1'), encoding="utf-8"
    )
    (project / "expectations" / "raw_retired_source.json").write_text("{}", encoding="utf-8")

    assert cli.main(["generate", "--check", "--root", str(project)]) == 1
    err = capsys.readouterr().err
    assert "expectations/raw_enrolments.json differs" in err
    assert "expectations/raw_retired_source.json differs" in err
    assert "_staging__sources.yml" not in err and "raw_graduates" not in err

    assert cli.main(["generate", "--root", str(project)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "wrote expectations/raw_enrolments.json",
        "removed expectations/raw_retired_source.json (no pipelines file for its source)",
    ]
    assert (project / "expectations" / "raw_enrolments.json").read_text() == (
        ROOT / "expectations" / "raw_enrolments.json"
    ).read_text()
    assert cli.main(["generate", "--check", "--root", str(project)]) == 0


@pytest.mark.parametrize(
    ("kind", "texts", "expected"),
    [
        ("country", ["se", " EL", "uk", "Sweden", "S1", "Atlantis"], ["SE", "GR", "GB", "SE", None, None]),
        (
            "term",
            ["ht 2019", "VT2020", "2019/2020-2/2", "2019/2021-1/2", "autumn"],
            ["HT2019", "VT2020", "VT2020", None, None],
        ),
        (
            "academic_year",
            ["2019/20", "LÅ 2019/2020", "2019-20", "2019/21", "19/20"],
            ["2019/20", "2019/20", "2019/20", None, None],
        ),
    ],
)
def test_a_types_format_check_holds_for_what_its_parser_writes(kind, texts, expected):
    """The regex the generator writes for a type is what indicators.normalise produces for it."""
    field = FieldSpec(name="x", type=kind)
    parsed = pl.DataFrame({"x": texts}).select(parse_field(pl.col("x"), field))["x"].to_list()
    assert parsed == expected
    regex, _ = contracts.TYPE_FORMATS[kind]
    assert all(re.fullmatch(regex, value) for value in parsed if value is not None)
    assert not any(re.fullmatch(regex, text) for text in ("se", "ht2019", "2019/2020"))
