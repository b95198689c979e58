"""Every export the project writes passes the audit: the bundled sample and samples of other seeds.

One nightly (dbt, no GX checks) per seed, then exports of every year and kind from it, audited from
the written files. The audit's linear programs are cached by block content, so the many exports of
one warehouse cost little more than one.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from indicators import nightly
from indicators.audit import audit
from indicators.config import load_settings
from indicators.export import export
from indicators.export.tables import load
from indicators.report import report

ROOT = Path(__file__).parents[2]
SEEDS = ["bundled", 7]
EXPORT_KINDS = ("annual", "midterm", "final")  # the programme report has no export of its own


@pytest.fixture(scope="module", params=SEEDS)
def warehouse(request, tmp_path_factory) -> Path:
    saved = os.environ.get("INDICATORS_PSEUDONYMISATION_KEY")
    os.environ["INDICATORS_PSEUDONYMISATION_KEY"] = "audit-test-key-0123456789abcdef"
    root = tmp_path_factory.mktemp(f"audit_{request.param}")
    if request.param == "bundled":
        inbox = ROOT / "samples" / "inbox"
    else:
        from indicators.sample import generate

        inbox = root / "inbox"
        generate(inbox, scale=1, seed=request.param)
    settings = load_settings().with_paths(inbox=inbox, warehouse=root / "state" / "warehouse.duckdb")
    outcome = nightly.run(settings, with_quality=False, quiet=True)
    assert outcome.published, (outcome.message, outcome.errors)
    yield settings.warehouse
    if saved is None:
        os.environ.pop("INDICATORS_PSEUDONYMISATION_KEY", None)
    else:
        os.environ["INDICATORS_PSEUDONYMISATION_KEY"] = saved


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
        report(warehouse, folder / f"report_{lang}.html", kind="annual", year=year, lang=lang)
        result = audit(folder)
        assert result.ok and result.findings, result.format()
        assert f"report_{lang}.html" in result.files and any(name.endswith(".xlsx") for name in result.files)


def test_the_report_on_its_own(warehouse, tmp_path):
    for year in years(warehouse)[-1:]:
        for kind in EXPORT_KINDS:
            for lang in ("sv", "en"):
                folder = tmp_path / f"{year.replace('/', '-')}_{kind}_{lang}"
                report(warehouse, folder / "report.html", kind=kind, year=year, lang=lang)
                result = audit(folder)
                assert result.ok, result.format()
                # the final follow-up shows the faculty's values only, which are seldom small
                assert result.findings or kind == "final", result.format()


def test_the_programme_reports_together(warehouse, tmp_path):
    # every programme board's report of one year, published side by side, audited together
    from indicators.report import report_all_programmes

    year = years(warehouse)[-2]
    folder = tmp_path / "programmes"
    written = report_all_programmes(warehouse, folder, year=year, lang="sv")
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
    assert {row["Indicator"] for row in rows if row["Value status"] == "incomplete"} == {"I08", "I12", "I24"}
    html = report(warehouse, folder / "report.html", kind="annual", year=year, lang="en").read_text(
        encoding="utf-8"
    )
    assert '<sup class="obs">p</sup>' in html and "p = provisional" in html
