"""The HTML report in a real browser: headless Chromium driven over the DevTools protocol
(:mod:`browser`). The test checks that every chart is drawn with a non-zero size, that the page
logs no console errors, and saves a screenshot under ``tests/artifacts/`` (git-ignored). axe-core
(the npm registry's accessibility checker, pinned in :mod:`browser`) checks the page against WCAG 2
A and AA where it installs; the HTML itself is checked for what a screen reader needs either way.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from browser import axe_script, render_in_chromium
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


def test_report_passes_axe_in_chromium(report_file: Path) -> None:
    script = axe_script()
    if script is None:
        pytest.skip("axe-core could not be installed (npm install axe-core); the HTML tests below still run")
    result = render_in_chromium(report_file, ARTIFACTS / "report_midterm_sv_axe.png", axe=script)
    assert result["axe"] == [], result["axe"]


def test_report_html_has_what_a_screen_reader_needs(report_file: Path) -> None:
    html = report_file.read_text(encoding="utf-8")
    # a skip link to the main content
    assert '<a class="skip-link" href="#main">Hoppa till innehållet</a>' in html
    assert '<main id="main">' in html
    # every table has a caption, every header cell a scope
    assert html.count("<table") == html.count("<caption") > 0
    assert len(re.findall(r"<th[ >]", html)) == html.count('<th scope="') > 0
    # a chart's alt text states its numbers: the baseline (the fixture's first year), the reported
    # year and the verdict; the target where the indicator has one (I04: 100 %), not met yet in
    # 2023/24, before its deadline 2024/25, as its badge says
    assert (
        'alt="Diagram: I01 Utresande studenter. utgångsvärde 2018/19: 20; 2023/24: 30; bedömning: uppfyllt, i fas."'
        in html
    )
    assert (
        'alt="Diagram: I04 Program med mobilitetsfönster. utgångsvärde 2018/19: 25 %; 2023/24: 50 %; '
        'mål: 100 %; bedömning: ännu ej uppfyllt, måttlig."'
    ) in html
    # the timestamp reads as a date, the machine-readable one is kept in <time datetime>
    assert re.search(
        r"Skapad <time datetime=\"\d{4}-\d{2}-\d{2}T[^\"]+\">\d{1,2} (januari|februari|mars|april|maj|"
        r"juni|juli|augusti|september|oktober|november|december) \d{4} \d{2}:\d{2} svensk tid</time>",
        html,
    )


def test_the_runs_and_the_sources_times_are_machine_readable_with_their_offset(report_file: Path) -> None:
    # the header's time of the run behind the data, and the data-quality table's times of the
    # source files, were plain text in UTC ("15 oktober 2024 02:06 UTC"); only the report's own
    # time was a <time> whose datetime a screen reader or a script reads with its offset. By hand
    # from the fixture: run-20241015 finished 2024-10-15 02:06 UTC; the student mobility file was
    # modified 2024-10-10 08:00 UTC and loaded 2024-10-15 02:01 UTC. Shown on the faculty's clock
    # (summer time in October, +2), as the XLSX's "Om data" sheet shows them
    html = report_file.read_text(encoding="utf-8")
    assert (
        '(publicerad med varningar, <time datetime="2024-10-15T02:06:00+00:00">15 oktober 2024 04:06 svensk tid'
        "</time>)" in html
    )
    assert (
        '<td><time datetime="2024-10-10T08:00:00+00:00">10 oktober 2024 10:00 svensk tid</time></td>' in html
    )
    assert (
        '<td><time datetime="2024-10-15T02:01:00+00:00">15 oktober 2024 04:01 svensk tid</time></td>' in html
    )
