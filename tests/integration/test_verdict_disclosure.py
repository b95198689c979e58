"""A verdict must not tell a suppressed count, through the real nightly, export, report and audit.

Two programmes, outgoing students (I01, rule increase, MED-2019: baseline 2018/19):

    2018/19  PA 100  PB 10  faculty 110   (the baseline; every cell published)
    2019/20  PA 101  PB  3  faculty 104

PB's 3 is a primary cell (1-4); the faculty's 104 is published, so PA is hidden with it (104 - PB).
The attacker knows PA = 104 - PB with PB in 1..4: PA in 100..103, four values. PA's verdict was
published beside its ``..``: "met, moderate". Moderate is a CAGR from 0.5 to 1.5 %/yr over the one
year since the baseline of 100, so PA in [100.5, 101.5): PA = 101 and PB = 104 - 101 = 3, the
primary cell pinned. "met" alone (PA > 100) already narrows PA to 101..103. So a hidden value has
no verdict beside it: status and progress read "hidden", in every export and the report.

Exports dated 2020-06-30: both years are final.
"""

from __future__ import annotations

import csv

import pytest

from helpers import cli_in_process, personnummer
from indicators import nightly

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("verdict_disclosure")]

PROGRAMMES = """Programkod;Benämning;Name;Nivå;Första läsår;Sista läsår
PA;Program A;Programme A;grundnivå;2016/17;
PB;Program B;Programme B;grundnivå;2016/17;
"""

COUNTS = {2018: {"PA": 100, "PB": 10}, 2019: {"PA": 101, "PB": 3}}


def student(k: int) -> str:
    return personnummer(f"1995{1 + k // 560 % 12:02d}{1 + k // 20 % 28:02d}", 980 + k % 20)


def mobility() -> str:
    rows = ["Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status;ECTS"]
    k = 0
    for year, counts in COUNTS.items():
        for programme, n in counts.items():
            for _ in range(n):
                rows.append(
                    f"M{k};{student(k)};utresande;{programme};studier;DE;{year}-09-01;{year + 1}-01-15;avslutad;30"
                )
                k += 1
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory, module_key):
    from indicators.config import load_settings

    root = tmp_path_factory.mktemp("verdict_disclosure")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "programmes.csv").write_text(PROGRAMMES, encoding="utf-8")
    (inbox / "student_mobility_2020-06-30.csv").write_text(mobility(), encoding="utf-8")
    settings = load_settings().with_paths(inbox=inbox, warehouse=root / "state" / "warehouse.duckdb")
    outcome = nightly.run(settings, with_quality=False, quiet=True)
    assert outcome.published, (outcome.message, outcome.errors)
    return settings


def test_the_warehouse_keeps_the_true_verdicts(built):
    from helpers import query

    rows = query(
        built.warehouse,
        """select programme_code, value, status, progress from marts.indicator_progress
           where indicator_id = 'I01' and academic_year = '2019/20' order by programme_code nulls first""",
    )
    # CAGR over one year: faculty 104/110 - 1 = -5.45 %, PA 101/100 - 1 = 1 %, PB 3/10 - 1 = -70 %
    assert rows == [
        (None, 104.0, "not_met", "deterioration"),
        ("PA", 101.0, "met", "moderate"),
        ("PB", 3.0, "not_met", "deterioration"),
    ]


@pytest.mark.parametrize(
    "lang, hidden",
    [("en", "hidden (rests on a suppressed value)"), ("sv", "dold (bygger på ett dolt värde)")],
)
def test_no_verdict_beside_a_hidden_programme_value(built, tmp_path, lang, hidden):
    out = tmp_path / "csv"
    done = cli_in_process(
        "export", "--year", "2019/20", "--lang", lang, "--dialect", "standard", "--no-charts",
        "--warehouse", str(built.warehouse), "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (programmes,) = out.glob("*_programmes.csv")
    with programmes.open(encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if row[2] == "I01"]
    # code, name, indicator, indicator name, unit, baseline, 2018/19, 2019/20, value status, status, progress
    assert [(row[0], row[7], row[9], row[10]) for row in rows] == [
        ("PA", "..", hidden, hidden),
        ("PB", "..", hidden, hidden),
    ]
    # the faculty's own value is published, and so is its verdict
    (scoreboard,) = out.glob("*_scoreboard.csv")
    faculty = next(row for row in csv.reader(scoreboard.open(encoding="utf-8")) if row[4] == "I01")
    assert "104" in faculty and hidden not in faculty
    audited = cli_in_process("audit", str(out))
    assert audited.returncode == 0, audited.stdout + audited.stderr


def test_the_programme_report_shows_no_verdict_for_the_hidden_value(built, tmp_path):
    out = tmp_path / "pa.html"
    done = cli_in_process(
        "report", "--kind", "programme", "--programme", "PA", "--year", "2019/20", "--lang", "en",
        "--no-charts", "--warehouse", str(built.warehouse), "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    i01 = html[html.index("I01") :]
    i01 = i01[: i01.index("</tr>")]
    assert "moderate" not in i01 and ">met<" not in i01
    assert i01.count("hidden (rests on a suppressed value)") == 2
