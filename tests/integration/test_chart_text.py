"""Every chart file says what it shows: an SVG's <title> and <desc>, a PNG's Title and Description.

A screen reader reading the export's ``charts/`` folder, or a board member's printout of a chart
without the report around it, gets the indicator, the years and every value in the export's
language. The files are real: the SVG parsed with ``xml.etree``, the PNG's text chunks read with
Pillow, the report's charts decoded from its data URIs. Expected texts are written out from the
fixture warehouse (``tests/fixtures/export/warehouse.sql``): I01 20, 12, 15, 30 persons in
2018/19, 2019/20, 2021/22, 2023/24 (baseline 2018/19, no target value), the COVID-19 annotation over
2019/20-2021/22; I04 25, 33.33, 50 % with a target of 100; I06 7 participations at baseline and its
2023/24 value of 2 hidden (disclosure control).
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from helpers import export_fixture_warehouse
from indicators.export import export
from indicators.report import report

SVG = "{http://www.w3.org/2000/svg}"

pytestmark = pytest.mark.xdist_group("chart_text")

I01_EN = (
    "Line chart: I01 Outgoing students, academic years 2018/19 to 2023/24. The line shows the whole "
    "faculty's value each year (persons); the dotted line is the baseline (2018/19: 20). "
    "Values: 2018/19: 20; 2019/20: 12; 2021/22: 15; 2023/24: 30. Shaded: COVID-19, 2019/20–2021/22."
)
I01_SV = (
    "Linjediagram: I01 Utresande studenter, läsåren 2018/19 till 2023/24. Linjen visar hela "
    "fakultetens värde varje läsår (personer); den prickade linjen är utgångsvärdet (2018/19: 20). "
    "Värden: 2018/19: 20; 2019/20: 12; 2021/22: 15; 2023/24: 30. Skuggat: Covid-19, 2019/20–2021/22."
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return export_fixture_warehouse(tmp_path_factory.mktemp("warehouse"))


def svg_text(root: ET.Element) -> tuple[str, str]:
    """The SVG's title and description, checked to be its first two children and named by its
    aria-labelledby, as a screen reader finds them."""
    title, desc = root[0], root[1]
    assert (title.tag, desc.tag) == (f"{SVG}title", f"{SVG}desc")
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return title.text, desc.text


@pytest.mark.parametrize(
    ("lang", "title", "desc"),
    [("en", "I01 Outgoing students", I01_EN), ("sv", "I01 Utresande studenter", I01_SV)],
)
def test_an_exported_chart_carries_its_title_and_description(warehouse, tmp_path, lang, title, desc):
    export(warehouse, tmp_path, "2023/24", lang=lang, charts=True)
    root = ET.parse(tmp_path / "charts" / f"I01_{lang}.svg").getroot()
    assert svg_text(root) == (title, desc)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    with Image.open(tmp_path / "charts" / f"I01_{lang}.png") as png:
        assert (png.text["Title"], png.text["Description"]) == (title, desc)


def test_a_target_a_share_and_a_hidden_value_are_said_too(warehouse, tmp_path):
    export(warehouse, tmp_path, "2023/24", lang="sv", charts=True)
    _, i04 = svg_text(ET.parse(tmp_path / "charts" / "I04_sv.svg").getroot())
    assert i04 == (
        "Linjediagram: I04 Program med mobilitetsfönster, läsåren 2018/19 till 2023/24. Linjen visar hela "
        "fakultetens värde varje läsår (procent); den prickade linjen är utgångsvärdet (2018/19: 25 %); "
        "den streckade linjen är målet (100 %). "
        "Värden: 2018/19: 25 %; 2019/20: 33,33 %; 2021/22: inget värde; 2023/24: 50 %. "
        "Skuggat: Covid-19, 2019/20–2021/22."
    )
    _, i06 = svg_text(ET.parse(tmp_path / "charts" / "I06_sv.svg").getroot())
    assert (
        "Värden: 2018/19: 7; 2019/20: inget värde; 2021/22: inget värde; 2023/24: dolt (röjandekontroll)."
        in i06
    )


def test_the_reports_charts_carry_them_and_every_image_has_alt_text(warehouse, tmp_path):
    html = report(warehouse, tmp_path / "r.html", kind="annual", year="2023/24", lang="sv").read_text("utf-8")
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 6
    for image in images:
        assert re.search(r' alt="Diagram: I\d\d [^"]+"', image), image
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', images[0]).group(1)
    root = ET.fromstring(base64.b64decode(uri))
    assert svg_text(root) == ("I01 Utresande studenter", I01_SV)


def test_a_final_reports_chart_says_its_provisional_year_and_follow_up_lines(warehouse, tmp_path):
    # I01's 2024/25 value (99) is provisional in the fixture; the plan's mid-term year is 2021/22
    html = report(warehouse, tmp_path / "f.html", kind="final", year="2024/25", lang="en").read_text("utf-8")
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    _, desc = svg_text(ET.fromstring(base64.b64decode(uri)))
    assert desc.endswith(
        "Values: 2018/19: 20; 2019/20: 12; 2021/22: 15; 2023/24: 30; 2024/25: 99 (p). Open markers and "
        "dashed lines: provisional (p) or incomplete (i) values. Shaded: COVID-19, 2019/20–2021/22. "
        "Vertical lines: mid-term 2021/22; final follow-up 2024/25."
    )
