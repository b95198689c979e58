"""``indicators report --format pdf`` on the bundled sample, read back page by page.

The session's published bundled sample (``published_warehouse``, one nightly with dbt and no GX
checks); each report kind is printed by the real CLI (``main``, in this process: the charts a
report draws are kept for the next; headless Chromium prints) and its text read with pypdf. Every
page that carries a table header must also carry the reported year, the status column and a status
word: the year table printed whole, its header repeated on each page. Every page is A4 and
numbered ("Sida 3 av 21"); the year tables' pages are landscape. The literal values are the sample's, as the HTML report shows them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from browser import _chromium
from helpers import cli_in_process

A4 = (595, 842)  # points, portrait
STATUS_WORDS = ("uppfyllt", "ej uppfyllt", "pågår", "försenat", "otillräckliga data")

# the group of every test that reads the session's bundled warehouse (test_audit_exports too): one
# worker builds it (--dist loadgroup), not both, and the charts it draws serve the others
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("audit_bundled")]


@pytest.fixture(scope="module")
def warehouse(published_warehouse) -> Path:
    _chromium()  # skips (fails in CI) without Chromium
    return published_warehouse("bundled")


def print_pdf(warehouse: Path, out: Path, *options: str) -> list[tuple[str, float, float]]:
    """Run ``indicators report --format pdf``; (text, width, height) of every page."""
    done = cli_in_process(
        "report", *options, "--format", "pdf", "--warehouse", str(warehouse), "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    pages = []
    for page in PdfReader(out).pages:
        text = " ".join(page.extract_text().split())  # a header cell may wrap onto two lines
        pages.append((text, float(page.mediabox.width), float(page.mediabox.height)))
    return pages


def assert_a4(pages: list[tuple[str, float, float]]) -> None:
    """Every page A4 and numbered "Sida n av N" (a board's minutes cite the page; Chromium printed
    none: its own header and footer are off, and the page had no margin box)."""
    for number, (text, width, height) in enumerate(pages, start=1):
        size = tuple(sorted((round(width), round(height))))
        assert size == A4, f"page {number} is {width} x {height} pt, not A4"
        assert f"Sida {number} av {len(pages)}" in text, f"page {number} has no page number"


def table_pages(pages, header: str) -> list[tuple[int, str, float, float]]:
    return [(n, text, w, h) for n, (text, w, h) in enumerate(pages, start=1) if header in text]


def assert_each_table_page_whole(
    pages, header: str, year: str, landscape: bool = True, columns: tuple[str, ...] = ("Status", "Utveckling")
) -> int:
    found = table_pages(pages, header)
    assert found, f"no page with the table header {header!r}"
    for number, text, width, height in found:
        assert year in text, f"page {number}: the reported year {year} is not on the page"
        assert all(column in text for column in columns), f"page {number}: no {columns} column"
        assert any(word in text for word in STATUS_WORDS), f"page {number}: no status text"
        if landscape:
            assert width > height, f"page {number}: the year table is not on a landscape page"
    return len(found)


def test_annual_report_pdf_keeps_the_reported_year_target_and_status(warehouse, tmp_path):
    pages = print_pdf(warehouse, tmp_path / "annual.pdf", "--kind", "annual")
    assert_a4(pages)
    # the scoreboard's header repeats on each of its pages (G1 runs onto a second page)
    assert assert_each_table_page_whole(pages, "Indikatorns namn", "2024/25") >= 3
    first = pages[0][0]
    assert "Målvärde" in first and "Förändring" in first
    # I01 outgoing students: 451 in 2013/14 (student mobility reaches back to 2013/14; counted from the
    # export: distinct outgoing students, physical stays not withdrawn, 451, 456, 476 in 2013/14-2015/16)
    # ... 638 in 2024/25, met and on track, on one line
    assert "personer 561 451 456 476 490 528 561 533 38 330 537 603 638 – 77 uppfyllt i fas" in first
    assert "svensk tid" in first  # the readable timestamp on the faculty's clock, not ISO
    assert "T" not in first.split("Skapad ")[1].split(" svensk tid")[0]
    # the charts' pages are portrait and each chart stays on one page: the card's verdict line
    # ("Bedömning 2024/25") follows its chart on the same page
    charts = [(n, text, w, h) for n, (text, w, h) in enumerate(pages, 1) if "Bedömning 2024/25" in text]
    assert len(charts) >= 10
    assert all(h > w for _, _, w, h in charts)
    # the report's sections are the PDF's bookmarks, under its title (the h1), each indicator's card
    # under "Indikatorerna en och en"
    reader = PdfReader(tmp_path / "annual.pdf")
    marks = outline(reader)
    assert marks[0] == (1, "Internationalisering av utbildning på grund- och avancerad nivå")
    assert [title for level, title in marks if level == 2] == [
        "Indikatorer per mål",
        "Indikatorerna en och en",
        "Per program",
        "Datakvalitet",
        "Anmärkningar",
    ]
    assert (3, "I01 Utresande studenter") in marks and sum(t[:1] == "I" and lv == 3 for lv, t in marks) == 27
    assert reader.metadata.title.endswith("Årsrapport 2024/25") and reader.trailer["/Root"]["/Lang"] == "sv"


def outline(reader: PdfReader) -> list[tuple[int, str]]:
    """The PDF's bookmarks as (level, title), in order."""
    found = []

    def walk(entries, level):
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, level + 1)
            else:
                found.append((level, entry.title))

    walk(reader.outline, 1)
    return found


def test_a_printed_page_has_its_headings_as_bookmarks_and_its_title_and_language(tmp_path):
    # a board member's PDF reader shows the bookmarks as the navigation pane: one per heading
    # (h1 to h3 nest), the document's title rather than the file name, and the language for a
    # screen reader. Chromium printed no outline without --generate-pdf-document-outline.
    from indicators.report.pdf import html_to_pdf

    _chromium()
    html = tmp_path / "board.html"
    html.write_text(
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        "<title>Internationalisering · Årsrapport 2010/11</title></head><body>"
        "<h1>Internationalisering</h1><h2>Indikatorer per mål</h2><h3>G1</h3><p>Utresande</p>"
        "<h2>Datakvalitet</h2><h3>Avvisade filer</h3><p>inga</p><h2>Anmärkningar</h2></body></html>",
        encoding="utf-8",
    )
    reader = PdfReader(html_to_pdf(html, tmp_path / "board.pdf"))
    assert outline(reader) == [
        (1, "Internationalisering"),
        (2, "Indikatorer per mål"),
        (3, "G1"),
        (2, "Datakvalitet"),
        (3, "Avvisade filer"),
        (2, "Anmärkningar"),
    ]
    root = reader.trailer["/Root"]
    assert reader.metadata.title == "Internationalisering · Årsrapport 2010/11"
    assert root["/Lang"] == "sv"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]  # the title, not board.pdf, in the window


def test_a_next_plans_goals_are_bookmarked_by_their_ids_and_words(tmp_path):
    # a next plan's goals, as its data gives them: IDs of its own ("Mål 1"..), one more goal, whose
    # words the plan gives in Swedish only (the hand-built fixture's plan P; G1 and G2 renamed, I10
    # moved to a new goal). A board member's PDF reader lists each goal by its ID and its words; the
    # English report shows the Swedish words of a goal the plan has no English for. Printed without
    # charts (a page of text), so Chromium takes a few seconds.
    from helpers import export_fixture_warehouse
    from indicators.report import report
    from indicators.report.pdf import html_to_pdf

    _chromium()
    catalogue = "update marts.plan_indicator_catalogue set"
    path = export_fixture_warehouse(
        tmp_path,
        f"{catalogue} goal_id = 'Mål 1' where goal_id = 'G1'",
        f"{catalogue} goal_id = 'Mål 3' where goal_id = 'G2'",
        f"{catalogue} goal_id = 'Mål 2', goal_text_sv = 'Forskarnas nätverk ska stärkas', goal_text_en = null "
        "where indicator_id = 'I10'",
    )
    html = report(path, tmp_path / "next.html", "annual", "2023/24", lang="en", charts=False)
    marks = outline(PdfReader(html_to_pdf(html, tmp_path / "next.pdf")))
    goals = marks[marks.index((2, "Scoreboard by goal")) + 1 : marks.index((2, "Indicator by indicator"))]
    assert goals == [
        (3, "Mål 1 Students' experience"),
        (3, "Mål 2 Forskarnas nätverk ska stärkas"),
        (3, "Mål 3 Teachers' experience"),
    ]
    assert ">None<" not in html.read_text("utf-8")
    # no ligature in the text layer: Chromium gave a drawn "fi" the text U+FB01 ("ﬁrst", "ﬁles",
    # "deﬁnition"), so a search of the PDF for "files" found nothing; the words as they are written
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "next.pdf").pages)
    assert not [char for char in text if "\ufb00" <= char <= "\ufb06"]
    assert all(word in text for word in ("first", "files", "definition", "flag"))


def test_a_long_history_prints_the_year_table_with_its_status_on_the_page(tmp_path):
    # a history of 24 years (I01 from 1998/99, as a faculty's Erasmus records can reach back; the
    # hand-built fixture's 2018/19 value copied to each year before): the landscape A4's year table
    # ran past the page's right edge, status and progress cut off. On paper it shows the last 16
    # years (by hand: 1998/99..2005/06 left off, 2006/07..2023/24 shown) and says where the others are.
    import unicodedata

    import duckdb

    from helpers import export_fixture_warehouse
    from indicators.report import report
    from indicators.report.pdf import html_to_pdf

    _chromium()
    path = export_fixture_warehouse(tmp_path)
    con = duckdb.connect(str(path))
    for start in range(1998, 2018):
        year = f"{start}/{(start + 1) % 100:02d}"
        con.execute(
            f"insert into marts.indicator_values select * replace ('{year}' as academic_year) "
            "from marts.indicator_values where indicator_id = 'I01' and academic_year = '2018/19' "
            "and programme_code is null and dimension is null"
        )
        con.execute(f"insert into marts.academic_years values ('{year}', {start}, 1, 1, true, false, false)")
    con.close()
    html = report(path, tmp_path / "long.html", "annual", "2023/24", lang="sv", charts=False)
    assert "1998/99" in html.read_text("utf-8")  # the page on screen keeps every year
    reader = PdfReader(html_to_pdf(html, tmp_path / "long.pdf"))
    # NFKC: the PDF's "fi" ligature read as two letters
    pages = [unicodedata.normalize("NFKC", " ".join(page.extract_text().split())) for page in reader.pages]
    board = [text for text in pages if "Indikatorns namn" in text]
    assert board and all("Status" in text and "Utveckling" in text for text in board)
    assert "uppfyllt i fas" in board[0]  # I01's status and progress, on the page
    heading = board[0].split("Utgångsvärde ", 1)[1].split(" Målvärde", 1)[0]
    assert heading.split() == [f"{y}/{(y + 1) % 100:02d}" for y in range(2006, 2020)] + ["2021/22", "2023/24"]
    assert (
        "På papper visar tabellen läsåren från 2006/07; 1998/99–2005/06 finns i diagrammen och i exporten."
        in " ".join(pages)
    )


def test_midterm_report_pdf_keeps_the_followup_year_and_status(warehouse, tmp_path):
    pages = print_pdf(warehouse, tmp_path / "midterm.pdf", "--kind", "midterm")
    assert_a4(pages)
    assert assert_each_table_page_whole(pages, "Uppföljningsår", "2021/22") >= 1
    assert assert_each_table_page_whole(pages, "Indikatorns namn", "2021/22") >= 1


def test_final_report_pdf_keeps_the_final_year_and_status(warehouse, tmp_path):
    pages = print_pdf(warehouse, tmp_path / "final.pdf", "--kind", "final")
    assert_a4(pages)
    # one card per target: its table (baseline, mid-term, final value) and its status badge together
    cards = assert_each_table_page_whole(
        pages, "Slutvärde", "(2024/25)", landscape=False, columns=("Utgångsvärde",)
    )
    assert cards >= 10
    assert any("uppfyllt: Utresande studenter 638 2024/25 mot 561" in text for text, _, _ in pages)


def test_programme_report_pdf_keeps_the_reported_year_and_status(warehouse, tmp_path):
    pages = print_pdf(warehouse, tmp_path / "programme.pdf", "--kind", "programme", "--programme", "VGRAD")
    assert_a4(pages)
    assert assert_each_table_page_whole(pages, "Indikatorns namn", "2024/25") >= 1
    assert any("Fakultetens värde 2024/25" in text for text, _, _ in pages)


def test_pdf_without_chromium_is_one_line(warehouse, tmp_path):
    env = {"CHROMIUM": str(tmp_path / "no-chromium"), "PATH": str(tmp_path)}
    done = cli_in_process(
        "report",
        "--kind",
        "annual",
        "--format",
        "pdf",
        "--warehouse",
        str(warehouse),
        "--out",
        str(tmp_path / "r.pdf"),
        env=env,
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "needs Chromium" in done.stderr, done.stderr
    assert not (tmp_path / "r.pdf").exists()


@pytest.fixture(scope="module")
def final_fixture_pdf(tmp_path_factory) -> tuple[Path, Path]:
    """The hand-built fixture's final follow-up (plan "Planen"), without charts: (HTML, PDF)."""
    from helpers import export_fixture_warehouse
    from indicators.report import report
    from indicators.report.pdf import html_to_pdf

    _chromium()
    folder = tmp_path_factory.mktemp("final")
    html = report(export_fixture_warehouse(folder), folder / "final.html", "final", lang="sv", charts=False)
    return html, html_to_pdf(html, folder / "final.pdf")


def test_the_final_follow_ups_goals_are_bookmarked_under_its_heading(final_fixture_pdf):
    # the final follow-up of the hand-built fixture (plan "Planen", goals G1 and G2): each goal sat
    # beside "Slutuppföljning: Planen" in the PDF's bookmarks (both an h2), each target one level
    # under the goal, so the navigation pane showed the follow-up's heading as an empty section.
    # Now the goals nest under it and the targets under their goal, as the headings of the other
    # reports do (worked out from the fixture's plan: G1 holds I01, I02, I04, I06, I10; G2 I17).
    marks = outline(PdfReader(final_fixture_pdf[1]))
    start = marks.index((2, "Slutuppföljning: Planen"))
    assert marks[start + 1 : marks.index((2, "Datakvalitet"))] == [
        (3, "G1 Studenternas erfarenhet"),
        (4, "E1.1 · I01 Utresande studenter"),
        (4, "E1.1 · I02 Andel examinerade med utlandsvistelse"),
        (4, "D1.1.1 · I04 Program med mobilitetsfönster"),
        (4, "D1.1.3 · I06 Studenters internationella engagemang"),
        (4, "D1.2.3 · I10 Internationalisering på hemmaplan"),
        (3, "G2 Lärarnas erfarenhet"),
        (4, "D2.2.1 · I17 Avtal med lärarmobilitet"),
    ]


def test_a_heading_that_wraps_keeps_its_spaces_in_the_bookmarks(final_fixture_pdf):
    # the final follow-up's title (its h1) wraps on the portrait page after "avancerad": Chromium
    # wrote the bookmark as the lines joined without the space ("... grund- och avanceradnivå"),
    # and so any heading that wraps (a goal's words). Every bookmark is now its heading's text.
    import re
    from html import unescape

    html, pdf = final_fixture_pdf
    headings = [
        " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
        for text in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html.read_text("utf-8"))
    ]
    marks = outline(PdfReader(pdf))
    assert marks[0] == (1, "Internationalisering av utbildning på grund- och avancerad nivå")
    assert [title for _, title in marks] == headings


def test_a_charts_words_print_without_ligatures(tmp_path):
    # the report's charts are SVG with their words as text, drawn by the page's font inside an
    # <img>, where the page's stylesheet does not reach: printed, the bundled sample's I07 title read
    # "Utfärdade Certiﬁcate of International Merits" (U+FB01) to pypdf and a PDF reader's search
    from indicators.report.charts import Chart, _svg_data_uri
    from indicators.report.pdf import html_to_pdf

    _chromium()
    years = ("2018/19", "2019/20", "2020/21")
    chart = Chart(
        lang="sv",
        title="I07 Utfärdade Certificate of International Merits (CIM)",
        unit="persons",
        baseline_year="2018/19",
        target_value=None,
        years=years,
        cells=(12.0, 15.0, 19.0),
        not_final=frozenset(),
        ticks=years,
        shades=(),
        followups=(),
        indicator_id="I07",
        indicator_name="Utfärdade Certificate of International Merits (CIM)",
    )
    html = tmp_path / "chart.html"
    html.write_text(
        '<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>I07</title></head><body>'
        f'<img src="{_svg_data_uri(chart)}" width="800" height="450" alt="I07"></body></html>',
        encoding="utf-8",
    )
    text = PdfReader(html_to_pdf(html, tmp_path / "chart.pdf")).pages[0].extract_text()
    assert "Certificate" in text and not [char for char in text if "\ufb00" <= char <= "\ufb06"]
