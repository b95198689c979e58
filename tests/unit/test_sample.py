"""The synthetic sample inbox: complete, deterministic, and shaped like the real exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from indicators.identity import INVALID, normalise_person_ids
from indicators.sample import generate

SOURCES = [
    "programmes",
    "student_mobility",
    "agreements",
    "staff_mobility",
    "cim_awards",
    "graduates",
    "enrolments",
    "programme_register",
    "activities",
]
EWP_NS = (
    "https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd"
)
# Scale 1: (600 outgoing + 400 incoming) stays x the year factors of 2013/14 ... 2024/25 (0.8, 0.83, 0.85,
# then 0.88 ... 1.16: 2.48 + 7.92 = 10.4) ~ 10,400, plus a few hundred second stays; COVID years far fewer.
STAYS_SCALE_1 = (10000, 11200)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inbox")
    generate(out, scale=1, seed=2019)
    return out


def _csv_rows(path: Path, encoding: str, sep: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode(encoding)), delimiter=sep))


def _xlsx_rows(path: Path) -> list[dict[str, object]]:
    return pl.read_excel(path).to_dicts()


def _canonical(values: list[str]) -> list[str]:
    return normalise_person_ids(pl.Series("id", values), pivot_year=2026).to_list()


def test_every_source_and_the_two_odd_files_are_there(inbox: Path):
    names = sorted(p.name for p in inbox.iterdir())
    for source in SOURCES:
        assert any(n.startswith(source) for n in names), source
    assert len([n for n in names if n.startswith("student_mobility_2")]) == 2
    assert "agreements_ewp_iia.xml" in names
    assert "staff_mobility_broken.csv" in names
    assert "README_from_registrar.txt" in names
    assert len(names) == 13


def test_same_seed_gives_the_same_bytes(inbox: Path, tmp_path: Path):
    generate(tmp_path, scale=1, seed=2019)
    for path in inbox.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_personnummer_have_valid_check_digits_and_test_serials(inbox: Path):
    new = _csv_rows(inbox / "student_mobility_2025-09-01.csv", "utf-8-sig", ";")
    staff = _csv_rows(inbox / "staff_mobility_2025-09-01.csv", "cp1252", ";")
    cim = _csv_rows(inbox / "cim_awards_2025-09-01.csv", "utf-8", ",")
    acts = _csv_rows(inbox / "activities_2025-09-01.csv", "utf-8", ",")
    graduates = _xlsx_rows(inbox / "graduates_2025-09-01.xlsx")
    old = _xlsx_rows(inbox / "student_mobility_2022-11-15.xlsx")
    teacher_ids = [t for r in acts if r["Teacher IDs"] for t in r["Teacher IDs"].split(";")]
    clean = (
        [r["Personnummer"] for r in new]
        + [r["Personnummer"] for r in staff]
        + [r["Personnummer"] for r in cim]
        + [str(r["Personnummer"]) for r in graduates]
        + teacher_ids
    )
    canon = _canonical(clean)
    assert INVALID not in canon
    digits = [c for c in canon if re.fullmatch(r"\d{12}", c)]
    assert len(digits) > 7000
    assert all(980 <= int(c[8:11]) <= 999 for c in digits)
    assert all(1955 <= int(c[:4]) <= 2004 for c in digits)
    # All four personnummer forms occur in the re-export, and T-numbers and UIDs for incoming students.
    ids = [r["Personnummer"] for r in new]
    for pattern in (r"\d{8}-\d{4}", r"\d{6}-\d{4}", r"\d{10}", r"\d{12}", r"\d{6}-T\d{3}", r"moveon-\d{9}"):
        assert any(re.fullmatch(pattern, i) for i in ids), pattern
    # The old export holds exactly one planted wrong check digit.
    assert _canonical([str(r["Student ID"]) for r in old]).count(INVALID) == 1


def test_the_cp1252_file_really_is_cp1252(inbox: Path):
    data = (inbox / "staff_mobility_2025-09-01.csv").read_bytes()
    text = data.decode("cp1252")
    assert "Lärosäte" in text.splitlines()[0]
    assert "återbud" in text and "övrig personal" in text
    assert "\r\n" in text
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_bom_and_separators(inbox: Path):
    assert (inbox / "student_mobility_2025-09-01.csv").read_bytes().startswith(b"\xef\xbb\xbfUtbytes-ID;")
    assert (inbox / "enrolments_2025-09-01.csv").read_bytes().startswith(b"\xef\xbb\xbfProgramkod;Termin;")
    assert (inbox / "activities_2025-09-01.csv").read_bytes().startswith(b"Activity ID,Date,")


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("student_mobility_2022-11-15.xlsx", "Start date"),
        ("graduates_2025-09-01.xlsx", "Examensdatum"),
        ("programme_register_2025.xlsx", "Integration granskad"),
    ],
)
def test_xlsx_dates_are_real_date_cells(inbox: Path, name: str, column: str):
    sheet = openpyxl.load_workbook(inbox / name, read_only=True).worksheets[0]
    rows = sheet.iter_rows(max_row=300)
    col = [c.value for c in next(rows)].index(column)
    filled = [row[col] for row in rows if row[col].value is not None]
    assert filled and all(c.is_date for c in filled)


def test_stays_per_scale(inbox: Path, tmp_path: Path):
    old = {r["Mobility ID"] for r in _xlsx_rows(inbox / "student_mobility_2022-11-15.xlsx")}
    new = {r["Utbytes-ID"] for r in _csv_rows(inbox / "student_mobility_2025-09-01.csv", "utf-8-sig", ";")}
    one = len(old | new)
    assert STAYS_SCALE_1[0] <= one <= STAYS_SCALE_1[1]
    generate(tmp_path, scale=2, seed=2019)
    frames = [
        pl.read_csv(tmp_path / f"student_mobility_{d}.csv", infer_schema=False)
        for d in ("2022-11-15", "2025-09-01")
    ]
    two = pl.concat([f.select("mobility_id") for f in frames])["mobility_id"].n_unique()
    assert 1.9 <= two / one <= 2.1
    # Large sources are plain comma CSV with canonical headers at scale 2.
    assert frames[1].columns[:3] == ["mobility_id", "student_id", "direction"]
    programmes = _xlsx_rows(tmp_path / "programmes.xlsx")
    assert len(programmes) == 32


def test_student_mobility_reaches_five_years_before_the_baseline(inbox: Path):
    # I02 counts a stay in the degree year or the 5 academic years before it: the 2018/19 baseline
    # needs stays from 2013/14 (1 July 2013), three years before the other exports' first, 2016/17
    old = _xlsx_rows(inbox / "student_mobility_2022-11-15.xlsx")
    starts = [r["Start date"] for r in old if r["Start date"] is not None]
    assert dt.date(2013, 7, 1) <= min(starts) < dt.date(2014, 7, 1)
    assert {int(r["Mobility ID"].split("-")[1]) for r in old} == set(range(2013, 2023))
    degrees = [r["Examensdatum"] for r in _xlsx_rows(inbox / "graduates_2025-09-01.xlsx")]
    assert dt.date(2016, 7, 1) <= min(degrees) < dt.date(2017, 7, 1)


def test_covid_dip_and_recovery(inbox: Path):
    old = _xlsx_rows(inbox / "student_mobility_2022-11-15.xlsx")
    new = _csv_rows(inbox / "student_mobility_2025-09-01.csv", "utf-8-sig", ";")

    def year(mid: str) -> int:
        return int(mid.split("-")[1])

    counted: dict[int, set[str]] = {}
    for r in old:
        if r["Direction"] == "outgoing" and r["Status"] != "withdrawn" and year(r["Mobility ID"]) < 2021:
            counted.setdefault(year(r["Mobility ID"]), set()).add(r["Mobility ID"])
    for r in new:
        if r["Riktning"] == "utresande" and r["Utbytesstatus"] != "återbud":
            counted.setdefault(year(r["Utbytes-ID"]), set()).add(r["Utbytes-ID"])
    n = {y: len(v) for y, v in counted.items()}
    assert n[2020] < 0.4 * n[2018]
    assert n[2019] < n[2018]
    assert n[2020] < n[2021] < n[2022] < n[2024]
    assert n[2024] > n[2018]


def test_latest_export_changes_statuses(inbox: Path):
    old = {r["Mobility ID"]: r["Status"] for r in _xlsx_rows(inbox / "student_mobility_2022-11-15.xlsx")}
    new = {
        r["Utbytes-ID"]: r["Utbytesstatus"]
        for r in _csv_rows(inbox / "student_mobility_2025-09-01.csv", "utf-8-sig", ";")
    }
    both = old.keys() & new.keys()
    assert len(both) > 300
    assert any(old[k] == "accepted" and new[k] == "återbud" for k in both)
    assert any(old[k] == "ongoing" and new[k] == "avslutad" for k in both)


def test_planted_bad_rows_are_few_and_present(inbox: Path):
    new = _csv_rows(inbox / "student_mobility_2025-09-01.csv", "utf-8-sig", ";")
    assert sum(r["Startdatum"] == "2023-02-30" for r in new) == 1
    assert sum(r["Typ av utbyte"] == "forskningsvistelse" for r in new) == 1
    assert sum(r["Slutdatum"] < r["Startdatum"] for r in new if r["Startdatum"] != "2023-02-30") == 1
    ids = [r["Utbytes-ID"] for r in new]
    assert len(ids) - len(set(ids)) == 1
    old = _xlsx_rows(inbox / "student_mobility_2022-11-15.xlsx")
    assert len(old) - len({tuple(r.items()) for r in old}) == 1
    assert sum(r["Country"] is None for r in old) == 1
    staff = (inbox / "staff_mobility_2025-09-01.csv").read_bytes().decode("cp1252")
    assert staff.count(";31.11.2021;") == 1
    assert (inbox / "activities_2025-09-01.csv").read_text(encoding="utf-8").count(",konferens,") == 1
    assert sum(r["Programkod"] is None for r in _xlsx_rows(inbox / "graduates_2025-09-01.xlsx")) == 1
    header = (inbox / "staff_mobility_broken.csv").read_text(encoding="utf-8").splitlines()[0].lower()
    assert "direction" not in header and "riktning" not in header
    unknown = sum(r["Programkod"] in {"VGSJ2", "MAMED", "VGLOG"} for r in new)
    assert 0 < unknown < 0.05 * len(new)


def test_ewp_iia_file(inbox: Path):
    root = ET.parse(inbox / "agreements_ewp_iia.xml").getroot()
    assert root.tag == f"{{{EWP_NS}}}iias-get-response"
    iias = root.findall(f"{{{EWP_NS}}}iia")
    assert 3 <= len(iias) <= 6
    for iia in iias:
        heis = [p.findtext(f"{{{EWP_NS}}}hei-id") for p in iia.findall(f"{{{EWP_NS}}}partner")]
        assert heis[0] == "lu.se" and len(heis) == 2
        spec = iia.find(f"{{{EWP_NS}}}cooperation-conditions/{{{EWP_NS}}}student-studies-mobility-spec")
        first = spec.findtext(f"{{{EWP_NS}}}receiving-first-academic-year-id")
        assert re.fullmatch(r"20\d\d/20\d\d", first)


@pytest.mark.parametrize("seed", [1, 7, 2019])
def test_the_smallest_scale_writes_every_source(tmp_path: Path, seed: int):
    # indicators sample/bench --scale 0.05 stopped with polars' "'is_in' cannot check for Object values":
    # a year with no incoming staff left the programme codes an array of objects. 0.02 is the smallest
    # scale the command takes (cli.common.SMALLEST_SCALE): every source still has rows there
    from indicators.cli.common import SMALLEST_SCALE

    files = generate(tmp_path, scale=SMALLEST_SCALE, seed=seed)
    assert len(files) == 13
    files = generate(tmp_path / "five", scale=0.05, seed=seed)
    assert len(files) == 13
