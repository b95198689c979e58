"""Every export the project writes passes the audit: the bundled sample and samples of other seeds.

One nightly (dbt, no GX checks) per input, shared by the session (``published_warehouse`` in
conftest.py); each input's tests form one xdist group, so that the two inputs run on the two
workers and each worker builds one warehouse. Then exports of every year and kind from it,
audited from the written files.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from helpers import cli_in_process, personnummer
from indicators import nightly
from indicators.audit import audit
from indicators.config import load_settings
from indicators.export import export
from indicators.export.tables import load
from indicators.report import report

ROOT = Path(__file__).parents[2]
SEEDS = [
    pytest.param("bundled", marks=pytest.mark.xdist_group("audit_bundled")),
    pytest.param(7, marks=pytest.mark.xdist_group("audit_seed_7")),
]
EXPORT_KINDS = ("annual", "midterm", "final")  # the programme report has no export of its own


@pytest.fixture(scope="module", params=SEEDS)
def warehouse(request, published_warehouse) -> Path:
    return published_warehouse(request.param)


def years(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [
            row[0]
            for row in con.execute(
                "select distinct academic_year from marts.indicator_values order by 1"
            ).fetchall()
        ]
    finally:
        con.close()


def test_every_year_and_kind_passes_the_audit(warehouse, tmp_path):
    checked = 0
    for year in years(warehouse):
        for kind in EXPORT_KINDS:
            folder = tmp_path / f"{year.replace('/', '-')}_{kind}"
            export(warehouse, folder, year, kind=kind, lang="sv", dialect="excel-sv", charts=False)
            result = audit(folder)
            assert result.ok, result.format()
            checked += len(result.findings)
    assert checked > 0  # there is something to protect in every sample


def test_no_share_of_persons_publishes_a_numerator_of_1_to_4(warehouse, tmp_path):
    # UKÄ's rule: person counts of 1-4 are not published, and a share's numerator is one (I02: the
    # graduates with a stay abroad; a share of 3.03 % of 33 graduates is one person)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        of_persons = {
            row[0]
            for row in con.execute(
                "select indicator_id from marts.indicator_catalogue where has_person_denominator"
            ).fetchall()
        }
        # the warehouse itself keeps the true values: the sample has such numerators to hide
        small = con.execute(
            "select count(*) from marts.indicator_values where numerator between 1 and 4 "
            "and denominator >= 5 and indicator_id in (select unnest(?))",
            [sorted(of_persons)],
        ).fetchone()[0]
    finally:
        con.close()
    assert "I02" in of_persons and small > 0
    hidden = 0
    for year in years(warehouse):
        folder = tmp_path / year.replace("/", "-")
        export(warehouse, folder, year, kind="annual", lang="en", dialect="standard", charts=False)
        (values,) = folder.glob("*_values.csv")
        with values.open(encoding="utf-8", newline="") as handle:
            for line in csv.DictReader(handle):
                if line["Indicator"] not in of_persons or line["Denominator"] == "":
                    continue
                if line["Disclosure control"] == "primary (numerator)":
                    hidden += 1
                    assert (line["Value"], line["Numerator"], line["Denominator"]) == ("..", "..", ".."), line
                    continue
                numerator = line["Numerator"]
                assert numerator == ".." or not 1 <= float(numerator) <= 4, line
    assert hidden > 0


def test_every_kind_of_the_sample_validates_as_a_data_package(warehouse, tmp_path):
    # every value of the sample's marts reaches the files, also the units no hand-made fixture has
    # (I12's and I24's milestone_done rows: unit 'done', once written as it was, outside the enum)
    from frictionless import Package

    year = years(warehouse)[-2]
    for kind, lang, dialect in (
        ("annual", "sv", "excel-sv"),
        ("midterm", "en", "standard"),
        ("final", "sv", "standard"),
    ):
        folder = tmp_path / f"{kind}_{lang}_{dialect}"
        export(warehouse, folder, year, kind=kind, lang=lang, dialect=dialect, charts=False)
        report = Package(str(folder / "datapackage.json")).validate()
        errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
        assert report.valid, "\n".join(errors[:10])
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        units = {row[0] for row in con.execute("select distinct unit from marts.indicator_values").fetchall()}
    finally:
        con.close()
    assert "done" in units  # the sample has the rows this test is about


def test_both_dialects_languages_xlsx_and_the_report_together(warehouse, tmp_path):
    year = years(warehouse)[-1]
    for lang, dialect in (("sv", "standard"), ("en", "excel-sv"), ("en", "standard")):
        folder = tmp_path / f"{lang}_{dialect}"
        export(warehouse, folder, year, kind="midterm", lang=lang, dialect=dialect, charts=False)
        result = audit(folder)
        assert result.ok and result.findings, result.format()
    for lang in ("sv", "en"):
        # the workbook, the report and its metadata, published together, audited together
        folder = tmp_path / f"xlsx_{lang}"
        export(warehouse, folder, year, kind="annual", lang=lang, fmt="xlsx", charts=False)
        # without charts (images are not attacked): the whole year's publication below has them
        report(warehouse, folder / f"report_{lang}.html", kind="annual", year=year, lang=lang, charts=False)
        result = audit(folder)
        assert result.ok and result.findings, result.format()
        assert f"report_{lang}.html" in result.files and any(name.endswith(".xlsx") for name in result.files)


def test_the_report_on_its_own(warehouse, tmp_path):
    # without charts: images are not attacked (indicators.audit), and the charts are drawn (and
    # audited as published) in the tests beside this one
    for year in years(warehouse)[-1:]:
        for kind in EXPORT_KINDS:
            for lang in ("sv", "en"):
                folder = tmp_path / f"{year.replace('/', '-')}_{kind}_{lang}"
                report(warehouse, folder / "report.html", kind=kind, year=year, lang=lang, charts=False)
                assert '<img class="chart"' not in (folder / "report.html").read_text(encoding="utf-8")
                result = audit(folder)
                assert result.ok, result.format()
                # the final follow-up shows the faculty's values only, which are seldom small
                assert result.findings or kind == "final", result.format()


def test_the_programme_reports_together(warehouse, tmp_path):
    # every programme board's report of one year, published side by side, audited together
    from indicators.report import report_all_programmes

    year = years(warehouse)[-2]
    folder = tmp_path / "programmes"
    written = report_all_programmes(warehouse, folder, year=year, lang="sv", charts=False)
    assert len(written) > 1
    result = audit(folder)
    assert result.ok, result.format()


def test_the_pattern_of_a_year_does_not_depend_on_the_export(warehouse):
    all_years = years(warehouse)
    latest = load(warehouse, all_years[-1])
    for year in all_years[:-1]:
        for kind in EXPORT_KINDS:
            earlier = load(warehouse, year, kind=kind)
            assert earlier.flags == {key: flag for key, flag in latest.flags.items() if key[1] <= year}


def test_the_newest_year_is_marked_provisional(warehouse, tmp_path):
    # every sample's newest exports are dated 2025-09-01: 2025/26 is partial, its values provisional
    # (incomplete where the programme register, which holds no 2025/26 follow-up yet, is a source)
    import csv

    year = years(warehouse)[-1]
    assert year == "2025/26"
    folder = tmp_path / "newest"
    export(warehouse, folder, year, kind="annual", lang="en", dialect="standard", charts=False)
    with (folder / "indicators_2025-26_annual_en_values.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    newest = {row["Value status"] for row in rows if row["Academic year"] == "2025/26"}
    assert newest == {"provisional", "incomplete"}
    assert {row["Value status"] for row in rows if row["Academic year"] == "2024/25"} == {"final"}
    # 2025/26: I08, I12, I24 (the programme register holds no 2025/26). Student mobility reaches back
    # to 2013/14, the other event sources to 2016/17: 2013/14-2015/16 are incomplete where a source
    # covers none of them (I02 graduates, I09 activities, I23 and I24 staff mobility), and I02 and I24
    # need stays from before 2013/14 (5 and 2 years back) in 2016/17-2017/18 and 2013/14-2014/15
    # (I24 also staff mobility before 2016/17 in 2016/17-2017/18)
    assert {row["Indicator"] for row in rows if row["Value status"] == "incomplete"} == {
        "I02",
        "I08",
        "I09",
        "I12",
        "I23",
        "I24",
    }
    # the mark is in the report's tables (its charts, drawn elsewhere, are not needed for it)
    html = report(
        warehouse, folder / "report.html", kind="annual", year=year, lang="en", charts=False
    ).read_text(encoding="utf-8")
    assert '<sup class="obs">p</sup>' in html and "p = provisional" in html


def test_the_programme_reports_of_a_year_with_the_annual_files(warehouse, tmp_path):
    # a whole year's publication audited together: both dialects, the workbook, the report and every
    # programme report; each programme report's hidden cells are read (before: "0 checked")
    from indicators.report import report_all_programmes

    year = years(warehouse)[-2]
    folder = tmp_path / "year"
    for dialect in ("excel-sv", "standard"):
        export(warehouse, tmp_path / dialect, year, kind="annual", lang="sv", dialect=dialect, charts=False)
        for path in (tmp_path / dialect).iterdir():
            folder.mkdir(exist_ok=True)
            path.rename(folder / f"{dialect}_{path.name}")
    export(warehouse, folder, year, kind="annual", lang="sv", fmt="xlsx", charts=False)
    # without charts: images are not attacked (indicators.audit), and a report's table cells are the
    # same with them or without (test_a_report_without_charts_keeps_every_table_cell)
    report(warehouse, folder / "report.html", kind="annual", year=year, lang="sv", charts=False)
    programmes = report_all_programmes(warehouse, tmp_path / "programmes", year=year, lang="sv", charts=False)
    alone = audit(tmp_path / "programmes")
    assert alone.ok and alone.findings and not alone.unread, alone.format()
    for path in programmes:
        path.rename(folder / path.name)
    result = audit(folder)
    assert result.ok and not result.unread, result.format()
    # CSV, metadata, XLSX + its metadata, a datapackage.json per export, the report
    assert len(result.files) == 2 * 3 + 2 * 2 + 3 + 3 + 1 + len(programmes)


# --- two publishes of one year (issue 19, item 7) ----------------------------------------------------

LATE_STUDENT = (
    "SM-2024-009901;{pnr};utresande;VASPE;avancerad nivå;utbytesstudier;Erasmus+;I BOLOGNA01;IT;"
    "2024-09-05;2025-01-20;HT2024;avslutad;30;man"
)


@pytest.mark.xdist_group("audit_bundled")
def test_two_publishes_of_a_year_audited_together(published_warehouse, tmp_path):
    # the bundled sample's nightly, then a late outgoing student in VASPE (4 outgoing mobilities in
    # 2024/25) delivered, and a second nightly: I03 2024/25 faculty 542 -> 543, VASPE 4 -> 5, VAMIN 7
    root = tmp_path / "root"
    shutil.copytree(published_warehouse("bundled").parent, root / "state")
    inbox = tmp_path / "inbox"
    shutil.copytree(ROOT / "samples" / "inbox", inbox)
    sample = (inbox / "student_mobility_2025-09-01.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    late = LATE_STUDENT.format(pnr=f"{personnummer('19960101', 987)[:8]}-{personnummer('19960101', 987)[8:]}")
    (inbox / "student_mobility_2025-09-02.csv").write_text(f"\ufeff{sample}\n{late}\n", encoding="utf-8")
    from conftest import TEST_KEY

    os.environ["INDICATORS_PSEUDONYMISATION_KEY"] = TEST_KEY
    try:
        settings = load_settings().with_paths(inbox=inbox, warehouse=root / "state" / "warehouse.duckdb")
        assert nightly.run(settings, with_quality=False, quiet=True).published
    finally:
        os.environ.pop("INDICATORS_PSEUDONYMISATION_KEY", None)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    runs = [
        row[0]
        for row in con.execute(
            "select run_id from audit.published_values group by run_id order by max(published_at)"
        ).fetchall()
    ]
    con.close()
    assert len(runs) == 2
    folders = []
    for run in runs:
        folder = tmp_path / run
        where = ["--warehouse", str(settings.warehouse), "--year", "2024/25", "--as-of", run]
        options = ["--lang", "en", "--dialect", "standard", "--no-charts", "--out", str(folder)]
        done = cli_in_process("export", *where, *options)
        assert done.returncode == 0, done.stdout + done.stderr
        folders.append(folder)
    cells = [values(folder) for folder in folders]
    vaspe, vamin = ("I03", "2024/25", "VASPE"), ("I03", "2024/25", "VAMIN")
    assert cells[0][vaspe] == ("..", "primary") and cells[0][vamin] == ("..", "secondary")
    assert cells[0][("I03", "2024/25", "")] == ("542", "")
    assert cells[1][("I03", "2024/25", "")] == ("543", "")
    # the later publish hides them again, whatever their values (5 and 7) now
    hidden = ("..", "hidden because of an earlier publish")
    assert cells[1][vaspe] == hidden and cells[1][vamin] == hidden
    for folder in folders:
        assert audit_cli(folder).returncode == 0
    joint = audit_cli(*folders)
    assert joint.returncode == 0, joint.stdout
    # before: the later publish showed VASPE 5 and VAMIN 7 (nothing small in it), and together with the
    # earlier one (the total grew by 1: VASPE was 4 or 5, and 1..4; VAMIN 6 or 7 with VASPE + VAMIN = 11)
    # they pin the earlier hidden cells: VASPE 4..4 and VAMIN 7..7
    before = tmp_path / "before"
    before.mkdir()
    for path in folders[1].iterdir():
        if path.name.endswith(("_values.csv", "_metadata.json")):
            shutil.copy(path, before / path.name)
    values_file = next(before.glob("*_values.csv"))
    rows = list(csv.reader(values_file.open(encoding="utf-8", newline="")))
    header = rows[0]
    at = {
        name: header.index(name)
        for name in ("Indicator", "Academic year", "Programme code", "Value", "Disclosure control")
    }
    for line in rows[1:]:
        if (line[at["Indicator"]], line[at["Academic year"]], line[at["Programme code"]]) in (vaspe, vamin):
            line[at["Value"]] = "5" if line[at["Programme code"]] == "VASPE" else "7"
            line[at["Disclosure control"]] = ""
    with values_file.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    pinned = audit([folders[0], before])
    assert {
        (item.programme_code, item.interval) for item in pinned.failures if item.indicator_id == "I03"
    } == {
        ("VASPE", (4, 4)),
        ("VAMIN", (7, 7)),
    }
    assert audit(folders[0]).ok and audit(before).ok  # each alone passes


def values(folder: Path) -> dict:
    path = next(folder.glob("*_values.csv"))
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            (row["Indicator"], row["Academic year"], row["Programme code"]): (
                row["Value"],
                row["Disclosure control"],
            )
            for row in csv.DictReader(handle)
            if not row["Breakdown"]
        }


def audit_cli(*folders: Path) -> subprocess.CompletedProcess:
    return cli_in_process("audit", *map(str, folders))


# --- the charts of the reports ---------------------------------------------------------------------


@pytest.mark.xdist_group("audit_bundled")
def test_a_chart_is_drawn_once_for_what_it_shows(published_warehouse):
    # the annual and the mid-term report of one year and language show the same faculty values, so
    # the same chart; another language, or the final report's follow-up lines, make another one
    from indicators.report import charts

    warehouse = published_warehouse("bundled")
    annual = load(warehouse, "2025/26", kind="annual", lang="sv", suppression=True)
    midterm = load(warehouse, "2025/26", kind="midterm", lang="sv", suppression=True)
    english = load(warehouse, "2025/26", kind="annual", lang="en", suppression=True)
    assert charts.chart_of(annual, "I01") == charts.chart_of(midterm, "I01")
    assert charts.chart_of(annual, "I01").years[-1] == "2025/26"
    charts._svg_data_uri.cache_clear()
    first = charts.svg_data_uri(annual, "I01")
    assert charts.svg_data_uri(midterm, "I01") is first
    assert (charts._svg_data_uri.cache_info().hits, charts._svg_data_uri.cache_info().misses) == (1, 1)
    assert charts.svg_data_uri(english, "I01") != first
    followed = charts.svg_data_uri(annual, "I01", followups={"midterm": "2021/22", "final": "2025/26"})
    assert followed != first
    assert charts._svg_data_uri.cache_info().misses == 3


@pytest.mark.xdist_group("audit_bundled")
def test_a_report_without_charts_keeps_every_table_cell(published_warehouse, tmp_path):
    import re

    # the whole year's annual report, with its 27 charts (one per indicator) and without
    warehouse = published_warehouse("bundled")
    where = ["--warehouse", str(warehouse), "--year", years(warehouse)[-2]]
    pages = {}
    for name, options in (("with", []), ("without", ["--no-charts"])):
        out = tmp_path / f"{name}.html"
        done = cli_in_process("report", "--kind", "annual", *options, "--out", str(out), *where)
        assert done.returncode == 0, done.stderr
        pages[name] = out.read_text(encoding="utf-8")
    assert pages["with"].count('<img class="chart"') == 27 and '<img class="chart"' not in pages["without"]
    assert len(pages["without"]) < len(pages["with"]) / 4
    cells = {name: re.findall(r"<td[^>]*>.*?</td>", page, flags=re.S) for name, page in pages.items()}
    assert len(cells["with"]) > 100 and cells["without"] == cells["with"]
