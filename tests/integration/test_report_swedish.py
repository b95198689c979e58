"""A Swedish report says its data-quality notes and why a value has no verdict in Swedish.

The run writes its reasons in English (``audit.loaded_files.reason``, ``audit.dq_results``, the
run's status, ``marts.indicator_progress.no_verdict_reason``); the report read them out as they
were, so a Swedish report had English sentences in its data-quality section. Checked on the real
text of reports made from the bundled sample (``samples/inbox``: a file without a required column,
a file that matches no source, dbt's warning on unknown programme codes, a provisional 2025/26).
"""

from __future__ import annotations

import html as html_lib
import re

import pytest

from indicators.report import report
from indicators.report.quality_words import check_text, reason

pytestmark = pytest.mark.xdist_group("audit_bundled")

ENGLISH = (
    "file name matches no source",
    "left in place",
    "required column missing",
    "the file's headers",
    "no close header",
    "add the header",
    "kept as",
    "Got ",
    "configured to",
    "published_with_warnings",
    ">rejected<",
    ">unmatched<",
    ">warn<",
    "provisional value",
    "incomplete value",
)


def section(page: str, name: str) -> str:
    return re.search(rf'<section id="{name}">(.*?)</section>', page, re.S).group(1)


def text_of(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


@pytest.fixture(scope="module")
def swedish(published_warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    warehouse = published_warehouse("bundled")
    # 2024/25's page is read for its quality section and header only, which the charts leave as they
    # are (the same bytes but the time it was made): drawn without them; 2025/26's chart is read
    return {
        year: report(
            warehouse, folder / f"{year[:4]}.html", kind="annual", year=year, lang="sv", charts=charts
        ).read_text("utf-8")
        for year, charts in (("2024/25", False), ("2025/26", True))
    }


def test_the_data_quality_section_of_a_swedish_report_is_swedish(swedish):
    quality = section(swedish["2024/25"], "quality")
    for phrase in ENGLISH:
        assert phrase not in quality and phrase not in text_of(quality), phrase
    rows = [text_of(row).strip() for row in re.findall(r"<tr>(.*?)</tr>", quality, re.S)]
    readme = next(row for row in rows if row.startswith("README_from_registrar.txt"))
    assert readme == (
        "README_from_registrar.txt okänd källa filnamnet matchar ingen källa; filen ligger kvar (för att läsa "
        "in den, byt namn så att det matchar en källas patterns: i pipelines/*.yml)"
    )
    broken = next(row for row in rows if row.startswith("staff_mobility_broken.csv"))
    assert re.fullmatch(
        r"staff_mobility_broken\.csv staff_mobility avvisad obligatorisk kolumn saknas: direction; "
        r"filens rubriker: 'Mobility id', 'Staff id', .*'Status'; närmast: direction ← ingen närliggande "
        r"rubrik; ändra i pipelines/staff_mobility\.yml: lägg till rubriken under fältets aliases:, eller "
        r"ge fältet derive: \(SQL över rubrikerna\) eller default: \(sparad som \S+__staff_mobility_broken\.csv\)",
        broken,
    ), broken
    check = next(row for row in rows if "assert_no_unknown_programme_codes" in row)
    assert re.search(r" (\d+) rader hittades, varning om antalet != 0; t\.ex\. \(academic_year=", check), (
        check
    )
    assert re.search(r" varning (\d+)$", check), check
    header = text_of(re.search(r"<header.*?</header>", swedish["2024/25"], re.S).group(0))
    assert "(publicerad med varningar, " in header


def test_a_value_without_a_verdict_says_why_in_swedish(swedish):
    page = swedish["2025/26"]
    for phrase in ENGLISH:
        assert phrase not in page and phrase not in text_of(page), phrase
    cards = {
        card_id: text_of(card)
        for card_id, card in re.findall(r'<div class="card" id="(I\d\d)">(.*?)</div>', page, re.S)
    }
    # I01 outgoing students: its one source covers part of 2025/26 (to 2025-09-01): provisional, and
    # the report says how far
    assert (
        "Bedömning 2025/26: preliminärt värde, ingen bedömning (källorna täcker bara en del av läsåret "
        "(student_mobility till 2025-09-01)) ·" in (cards["I01"])
    ), cards["I01"]
    # a value of an incomplete year says so, not "provisional" alone, and names the source: the
    # sample's programme register ends with 2024/25 (I08, I12, I24)
    incomplete = [
        card_id
        for card_id, card in cards.items()
        if "(ofullständigt värde: programme_register täcker inget av läsåret (dess täckning slutar 2025-06-30))"
        in card
    ]
    assert incomplete, "the sample's 2025/26 has values whose sources cover none of the year"


@pytest.mark.parametrize(
    ("english", "swedish"),
    [
        ("empty file (kept as r1__empty-file__x.csv)", "tom fil (sparad som r1__empty-file__x.csv)"),
        (
            "a zip archive (an XLSX workbook named .csv?), not a CSV export: name it .xlsx, or save it as CSV",
            "ett zip-arkiv (en XLSX-arbetsbok med namnet .csv?), ingen CSV-export: döp om den till .xlsx, "
            "eller spara den som CSV",
        ),
        (  # a rejected file the disk had no room for (intake.not_kept)
            "empty file (not kept: the disk ran out of space in /srv/state/rejected (No space left on device); "
            "free space there: the file stays in the inbox, and the next run keeps it)",
            "tom fil (inte sparad: disken blev full i /srv/state/rejected (No space left on device); frigör "
            "utrymme där: filen ligger kvar i inkorgen, och nästa körning sparar den)",
        ),
        (
            "UTF-16 encoded; save as UTF-8 or Windows-1252 (kept as k.csv, the same bytes)",
            "UTF-16-kodad; spara som UTF-8 eller Windows-1252 (sparad som k.csv, samma byte)",
        ),
        (
            "duplicate column header 'Start date' (columns 3 and 7): rename or remove one of them",
            "kolumnrubriken 'Start date' finns två gånger (kolumn 3 och 7): byt namn på eller ta bort den ena",
        ),
        (
            "its name says it was extracted on 2099-01-01, after today (2026-12-04): rename it with the "
            "date it was exported",
            "enligt namnet togs den ut 2099-01-01, efter i dag (2026-12-04): byt namn på filen till "
            "datumet då den exporterades",
        ),
        (
            "XLSX unpacks to more than the 512 MB allowed (xlsx_max_unpacked_mb) (zip bomb?)",
            "XLSX packas upp till mer än de tillåtna 512 MB (xlsx_max_unpacked_mb) (zipbomb?)",
        ),
        (
            "not an XLSX workbook (not a zip archive): text (a CSV export named .xlsx?); name it .csv",
            "ingen XLSX-arbetsbok (inget zip-arkiv): text (en CSV-export med namnet .xlsx?); döp om den till .csv",
        ),
        (
            "no sheet named 'Data' (the workbook's sheets: 'Blad1', '[personnummer]'): set the source's sheet: "
            "in its pipelines file to the sheet that holds the rows",
            "inget blad heter 'Data' (arbetsbokens blad: 'Blad1', '[personnummer]'): sätt källans sheet: i "
            "dess pipelines-fil till bladet som har raderna",
        ),
    ],
)
def test_the_ingests_reasons_in_swedish(english, swedish):
    assert reason(english, "sv") == (swedish, "sv")
    assert reason(english, "en") == (english, "en")


def test_a_reason_no_rule_knows_is_shown_as_written_and_said_to_be_english():
    assert reason("no header row", "sv") == ("no header row", "en")
    assert check_text("2 of 40 rows unexpected (1 null, not counted)", "sv") == (
        "2 av 40 rader avviker (1 tomma, inte räknade)",
        "sv",
    )
    assert check_text("2 nulls", "sv") == ("2 nulls", "en")


def test_a_chart_without_a_verdict_says_so_once(swedish):
    # status and progress are both "provisional": the alt text said "preliminärt värde, ingen
    # bedömning, preliminärt värde, ingen bedömning"
    alt = re.search(r'alt="(Diagram: I01 [^"]*)"', swedish["2025/26"]).group(1)
    assert alt.endswith("; bedömning: preliminärt värde, ingen bedömning."), alt


def test_a_swedish_exports_about_sheet_and_metadata_say_the_runs_status_in_swedish(
    published_warehouse, tmp_path
):
    import openpyxl

    from indicators.export import export

    export(published_warehouse("bundled"), tmp_path, "2024/25", lang="sv", fmt="xlsx", charts=False)
    book = openpyxl.load_workbook(tmp_path / "indicators_2024-25_annual_sv.xlsx")
    about = {row[0].value: row[1].value for row in book["Om data"].iter_rows()}
    assert re.fullmatch(r"\S+ · publicerad med varningar", about["Körning (data)"]), about["Körning (data)"]
    markdown = (tmp_path / "indicators_2024-25_annual_sv_xlsx_metadata.md").read_text("utf-8")
    assert re.search(r"\| Körning som gav data \| \S+ \(publicerad med varningar, ", markdown)
    assert "published_with_warnings" not in markdown


@pytest.mark.parametrize(
    ("reason", "obs_status", "swedish"),
    [
        (
            "incomplete value: it needs student_mobility from 2013/14 (the value's year and the 5 academic years "
            "before it), but student_mobility starts 2016/17",
            "incomplete",
            "ofullständigt värde: den behöver student_mobility från 2013/14 (värdets läsår och de 5 läsåren före "
            "det), men student_mobility börjar 2016/17",
        ),
        (
            "incomplete value: a source it uses covers none of the year; it needs staff_mobility from 2012/13 (the "
            "value's year and the 2 academic years before it), but staff_mobility covers none of 2012/13, 2013/14",
            "incomplete",
            "ofullständigt värde: en källa som indikatorn bygger på täcker inget av läsåret; den behöver "
            "staff_mobility från 2012/13 (värdets läsår och de 2 läsåren före det), men staff_mobility täcker "
            "inget av 2012/13, 2013/14",
        ),
        (
            "baseline value not final: 2018/19 is incomplete, so no year is judged against it",
            "final",
            "utgångsvärdet är inte slutligt: 2018/19 är ofullständigt, så inget år bedöms mot det",
        ),
        (
            "provisional value: its sources cover only part of the year",
            "provisional",
            "källorna täcker bara en del av läsåret",
        ),
    ],
)
def test_why_a_value_has_no_verdict_in_swedish(reason, obs_status, swedish):
    # the report said every incomplete value's source "covers none of the year", also where the source
    # covered the year but not the five before it that I02 counts, and nothing for a baseline not final
    from indicators.report.quality_words import no_verdict

    assert no_verdict(reason, obs_status, "sv") == swedish
    assert no_verdict(reason, obs_status, "en") == (
        "its sources cover only part of the year" if obs_status == "provisional" else reason
    )


def test_every_rejection_the_readers_give_these_files_reads_in_swedish(tmp_path):
    # the Swedish words follow the ingest's English sentences pattern by pattern: a sentence changed
    # or added in a reader without its pattern showed in English in a Swedish report, unnoticed
    import io

    import openpyxl

    from indicators.readers.csv import read_csv
    from indicators.readers.errors import ReaderError
    from indicators.readers.xlsx import read_xlsx

    workbook = openpyxl.Workbook()
    workbook.active.title = "Blad1"
    workbook.active.append(["a"])
    workbook.active.append(["x"])
    workbook.create_sheet("BLAD1 ")
    twice = io.BytesIO()
    workbook.save(twice)
    del workbook["BLAD1 "]
    buffer = io.BytesIO()
    workbook.save(buffer)
    cases = [
        (read_csv, b""),
        (read_csv, b"a;b\n"),
        (read_csv, "a;b\n1;Göteborg\n".encode("utf-16-le")),
        (read_csv, b"a;b\n" + b"1;\x00\n" * 20),
        (read_csv, b"a;a\n1;2\n"),
        (read_csv, b"a;b\n" + b"\n" * 5_000_000 + b"1;2\n"),
        (read_csv, b"a;b\n1;2\n" + b";;;;;;;;x\n" * 600_000),
        (read_csv, b"a;b\n" + b"1\n" * 1_000_001),
        (read_csv, "a;b\n1;Göteborg\n".encode() + "2;Malmö\n".encode("cp1252")),
        (read_xlsx, b"id;name\n1;Lund\n"),
        (read_xlsx, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
        (read_xlsx, buffer.getvalue()[:500]),
        (lambda data: read_xlsx(data, "Data"), buffer.getvalue()),
        (lambda data: read_xlsx(data, "blad1"), twice.getvalue()),
    ]
    said = []
    for read, data in cases:
        with pytest.raises(ReaderError) as caught:
            read(data)
        said.append(str(caught.value))
    assert len(set(said)) == len(cases)
    assert [text for text in said if reason(text, "sv")[1] != "sv"] == []
