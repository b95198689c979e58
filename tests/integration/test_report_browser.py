"""The HTML report in a real browser: headless Chromium driven over the DevTools protocol
(:mod:`browser`). The test checks that every chart is drawn with a non-zero size, that the page
logs no console errors, and saves a screenshot under ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from browser import render_in_chromium
from indicators.report import report

FIXTURE = Path(__file__).parents[1] / "fixtures" / "export" / "warehouse.sql"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    warehouse = folder / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute(FIXTURE.read_text(encoding="utf-8"))
    con.close()
    return report(warehouse, folder / "report.html", kind="midterm", year="2023/24", lang="sv")


def test_report_renders_in_chromium(report_file: Path) -> None:
    result = render_in_chromium(report_file, ARTIFACTS / "report_midterm_sv.png")
    assert result["errors"] == [], result["errors"]
    assert len(result["charts"]) == 6  # one per indicator of the fixture (M1 is the follow-up itself)
    for chart in result["charts"]:
        assert chart["complete"] and chart["natural"] > 0
        assert chart["width"] > 100 and chart["height"] > 50
    assert result["scripts"] == 0  # the programme named <script>alert(1)</script> stayed text
    assert "2023/24" in result["title"]
    assert (ARTIFACTS / "report_midterm_sv.png").stat().st_size > 10_000
