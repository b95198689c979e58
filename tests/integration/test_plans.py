"""Plans as data, through the real nightly: the demo's seeds (seeds/examples/, loaded with
INDICATORS_EXAMPLE_PLANS=true as `indicators nightly --demo` does) carry a second, clearly fictitious
plan (EXAMPLE-2025: baseline 2024/25, targets on I01 and I07 with its own target values, a milestone
on I21), added by editing seeds only. Its verdicts are worked out by hand below, beside the 2019-2024
plan's on the same values; the final follow-up and the report kinds are checked against them.

Exports dated 2026-06-30: every source covers 2024/25 and 2025/26 whole (both final).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from helpers import personnummer
from helpers import query as query_warehouse
from indicators import cli, nightly

# one worker builds the module's fixture (--dist loadgroup), not both
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("plans")]

PROGRAMMES = """Programkod;Benämning;Name;Nivå;Första läsår;Sista läsår
PA;Program A;Programme A;grundnivå;2016/17;
"""


def student(k: int) -> str:
    return personnummer(f"1995{k + 1:02d}10", 980 + k)


def mobility() -> str:
    # 2024/25: students 0-2 (3) · 2025/26: students 3-7 (5)
    header = (
        "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status;ECTS\n"
    )
    rows = [f"P{k};{student(k)};utresande;PA;studier;DE;2024-09-01;2025-01-15;avslutad;30" for k in range(3)]
    rows += [
        f"Q{k};{student(k)};utresande;PA;studier;FR;2025-09-01;2026-01-15;avslutad;30" for k in range(3, 8)
    ]
    return header + "\n".join(rows) + "\n"


def graduates() -> str:
    # 2024/25: students 0, 1 · 2025/26: students 3-6
    rows = [f"{student(k)},PA,2025-06-01" for k in (0, 1)] + [
        f"{student(k)},PA,2026-06-01" for k in (3, 4, 5, 6)
    ]
    return "Personnummer,Programkod,Examensdatum\n" + "\n".join(rows) + "\n"


def cim_awards() -> str:
    # I07, distinct students awarded: 2024/25 two (0, 1) · 2025/26 four (3-6)
    rows = [f"C{k},{student(k)},PA,2025-06-01" for k in (0, 1)] + [
        f"D{k},{student(k)},PA,2026-06-01" for k in (3, 4, 5, 6)
    ]
    return "Certifikat-ID,Personnummer,Programkod,Utfärdat\n" + "\n".join(rows) + "\n"


# the information channels (I21) were reviewed in 2024/25, the 2019-2024 plan's last year (the example
# plan's baseline year), and again under the example plan in 2025/26
REGISTER = """Läsår;Programkod;Mobilitetsfönster;Informationskanaler granskade
2024/25;PA;ja;
2024/25;FACULTY;;2024-11-15
2025/26;PA;ja;
2025/26;FACULTY;;2026-03-10
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory, module_key):
    root = tmp_path_factory.mktemp("plans")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "programmes.csv").write_text(PROGRAMMES, encoding="utf-8")
    (inbox / "student_mobility_2026-06-30.csv").write_text(mobility(), encoding="utf-8")
    (inbox / "graduates_2026-06-30.csv").write_text(graduates(), encoding="utf-8")
    (inbox / "cim_awards_2026-06-30.csv").write_text(cim_awards(), encoding="utf-8")
    (inbox / "programme_register_2026-06-30.csv").write_text(REGISTER, encoding="utf-8")
    from indicators.config import load_settings

    settings = load_settings().with_paths(inbox=inbox, warehouse=root / "state" / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("INDICATORS_EXAMPLE_PLANS", "true")  # the demo's example plan beside the real one
        outcome = nightly.run(settings, with_quality=False, quiet=True)
    assert outcome.published, (outcome.message, outcome.errors)
    return settings


def query(settings, sql: str, params: list | None = None) -> list[tuple]:
    return query_warehouse(settings.warehouse, sql, params)


def progress(settings, plan: str, indicator: str) -> dict[str, tuple]:
    rows = query(
        settings,
        """
        select academic_year, value, baseline_value, status, progress, round(cagr_pct, 4), round(required_cagr_pct, 4)
        from marts.indicator_progress
        where plan_id = ? and indicator_id = ? and programme_code is null order by academic_year
    """,
        [plan, indicator],
    )
    return {row[0]: row[1:] for row in rows}


# required CAGR from the baseline to the target over the plan's five years (2024/25 → 2029/30)
REQUIRED_I01 = round(100 * ((650 / 3) ** (1 / 5) - 1), 4)  # 193.1963 %/yr
REQUIRED_I07 = round(100 * ((120 / 2) ** (1 / 5) - 1), 4)  # 126.7933 %/yr


def test_the_plans_are_listed_from_the_seeds(built):
    rows = query(
        built,
        """
        select plan_id, is_current, baseline_year, midterm_year, final_year, count(indicator_id)
        from marts.plan_catalogue group by all order by plan_id
    """,
    )
    assert rows == [
        ("EXAMPLE-2025", False, "2024/25", "2027/28", "2029/30", 3),
        ("MED-2019", True, "2018/19", "2021/22", "2024/25", 27),
    ]


def test_the_example_plan_judges_i01_against_its_own_target(built):
    got = progress(built, "EXAMPLE-2025", "I01")
    # 2024/25 is its baseline (3): not met (3 < 650), no growth yet; 2025/26: 5 < 650, not met;
    # CAGR 100 * (5/3 - 1) = 66.6667 against 193.1963 required: ratio 0.345 -> limited
    assert got["2024/25"] == (3.0, 3.0, "not_met", "not_available", None, REQUIRED_I01)
    assert got["2025/26"] == (5.0, 3.0, "not_met", "limited", 66.6667, REQUIRED_I01)
    assert math.isclose(REQUIRED_I01, 193.1963, abs_tol=0.0001)
    # the same values under the 2019-2024 plan: no 2018/19 baseline, so no verdict
    assert progress(built, "MED-2019", "I01")["2025/26"][2] == "insufficient_data"


def test_the_example_plan_judges_i07_and_its_milestone(built):
    got = progress(built, "EXAMPLE-2025", "I07")
    # 2 -> 4: CAGR 100 % against 126.7933 required: ratio 0.789 -> moderate; 4 < 120: not met
    assert got["2025/26"] == (4.0, 2.0, "not_met", "moderate", 100.0, REQUIRED_I07)
    milestone = progress(built, "EXAMPLE-2025", "I21")
    # reviewed 2024-11-15 (before the plan: its baseline year 2024/25) and 2026-03-10, deadline 2026/27
    # (30 June 2027): the plan counts 2026-03-10 only: pending in 2024/25, met in 2025/26
    assert milestone["2024/25"][2:4] == ("pending", "not_available")
    assert milestone["2025/26"][2:4] == ("met", "target_achieved")
    # its value says the same: not done in 2024/25 (0, against a baseline of 0), done in 2025/26
    assert milestone["2024/25"][:2] == (0.0, 0.0)
    assert milestone["2025/26"][:2] == (1.0, 0.0)
    # the 2019-2024 plan (deadline 2024/25) counts 2024-11-15: met in 2024/25
    assert progress(built, "MED-2019", "I21")["2024/25"][2:4] == ("met", "target_achieved")


def test_an_export_shows_the_milestone_as_its_plan_reads_it(built):
    from indicators.export.tables import loading

    # indicator_values has I21 done (1) from 2024/25, the 2024-11-15 review; the example plan counts
    # only its own 2026-03-10 review: 0 in its baseline year 2024/25, 1 in 2025/26, as its verdicts say
    example = loading.load(built.warehouse, year="2025/26", plan="EXAMPLE-2025", suppression=False)
    assert (example.cell("I21", "2024/25"), example.cell("I21", "2025/26")) == (0.0, 1.0)
    assert example.verdict("I21", "2025/26")["baseline_value"] == 0.0
    # the 2019-2024 plan counts the 2024-11-15 review: 1 in 2024/25
    current = loading.load(built.warehouse, year="2025/26", plan="MED-2019", suppression=False)
    assert (current.cell("I21", "2024/25"), current.cell("I21", "2025/26")) == (1.0, 1.0)


def test_the_final_followup_reads_the_latest_year_before_the_final_year(built):
    rows = query(
        built,
        """
        select target_id, indicator_id, baseline_value, midterm_followup_year, midterm_value, final_year,
            followup_year, final_value, change_since_midterm, status
        from marts.final_followup where plan_id = 'EXAMPLE-2025' order by sort_order
    """,
    )
    # final year 2029/30 and mid-term 2027/28 both lie after the data: both read 2025/26
    assert rows == [
        ("EX-1", "I01", 3.0, "2025/26", 5.0, "2029/30", "2025/26", 5.0, 0.0, "not_met"),
        ("EX-2", "I07", 2.0, "2025/26", 4.0, "2029/30", "2025/26", 4.0, 0.0, "not_met"),
        # I21's value is the plan's: 0 at its baseline 2024/25 (the 2024-11-15 review is the 2019-2024
        # plan's), 1 in 2025/26 by the 2026-03-10 review, as its verdict reads it
        ("EX-3", "I21", 0.0, "2025/26", 1.0, "2029/30", "2025/26", 1.0, 0.0, "met"),
    ]


def test_final_report_of_the_example_plan_in_both_languages(built, tmp_path, capsys):
    # the baseline, 3 persons, is a small count: suppressed (..) in the sentence as everywhere else
    for lang, sentence in (
        # the plan runs to 2029/30: its first year's 5 against a target of 650 is not met yet, not failed
        ("en", "not met yet, due 2029/30: 5 outgoing students in 2025/26 against .. at baseline (2024/25)"),
        (
            "sv",
            "ännu ej uppfyllt, senast 2029/30: Utresande studenter 5 2025/26 mot .. vid utgångsläget (2024/25)",
        ),
    ):
        out = tmp_path / f"final_{lang}.html"
        code = cli.main(
            [
                "report",
                "--kind",
                "final",
                "--plan",
                "EXAMPLE-2025",
                "--lang",
                lang,
                "--warehouse",
                str(built.warehouse),
                "--out",
                str(out),
            ]
        )
        assert code == 0, capsys.readouterr()
        html = out.read_text(encoding="utf-8")
        assert sentence in html
        assert html.count('class="card final-target"') == 3
    assert (
        "final follow-up of 2025/26, the latest year with final values before 2029/30"
        in capsys.readouterr().out
    )


def test_programme_report_and_unknown_plan(built, tmp_path, capsys):
    out = tmp_path / "programme.html"
    code = cli.main(
        [
            "report",
            "--kind",
            "programme",
            "--programme",
            "PA",
            "--year",
            "2025/26",
            "--warehouse",
            str(built.warehouse),
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr()
    html = out.read_text(encoding="utf-8")
    assert 'class="programme-board"' in html and "PA Program A" in html
    code = cli.main(
        [
            "report",
            "--kind",
            "final",
            "--plan",
            "NOPE",
            "--warehouse",
            str(built.warehouse),
            "--out",
            str(tmp_path / "x.html"),
        ]
    )
    assert code == 1
    assert "no plan 'NOPE' (the plans: MED-2019, EXAMPLE-2025)" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["final", "midterm", "annual", "programme"])
def test_every_report_kind_renders_in_chromium(built, tmp_path, kind):
    from browser import render_in_chromium
    from indicators.report import report

    artifacts = Path(__file__).parents[1] / "artifacts"
    out = tmp_path / f"{kind}.html"
    if kind == "programme":
        report(built.warehouse, out, kind=kind, year="2025/26", lang="en", programme="PA")
    else:
        report(
            built.warehouse,
            out,
            kind=kind,
            plan="EXAMPLE-2025",
            lang="en",
            year=None if kind != "annual" else "2025/26",
        )
    result = render_in_chromium(out, artifacts / f"report_{kind}_example_en.png")
    assert result["errors"] == [], result["errors"]
    assert result["scripts"] == 0
    expected_charts = {"final": 3, "midterm": 3, "annual": 3, "programme": 0}[kind]
    assert len(result["charts"]) == expected_charts
    for chart in result["charts"]:
        assert chart["complete"] and chart["natural"] > 0 and chart["width"] > 100
    html = out.read_text(encoding="utf-8")
    if kind == "final":  # the verdicts worked out above: I01 not met, the I21 milestone met; I07's
        # value (4 persons) is hidden, and so is its verdict. I01's 5 in 2025/26 is short of 650 due
        # 2029/30: "not met yet", never "not met" before its deadline
        assert html.count('badge status-not_met">not met yet') == 1 and 'badge status-met">met' in html
        assert 'badge status-not_met">not met<' not in html
        assert html.count('badge status-hidden">hidden (rests on a suppressed value)') == 1
    if kind == "programme":  # PA in 2025/26: 5 outgoing students, the faculty's 5 beside them
        assert "Programme report" in result["title"] or "PA" in result["title"]
