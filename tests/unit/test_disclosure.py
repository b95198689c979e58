"""Disclosure control: primary and secondary suppression on hand-made cells (expected by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from helpers import indicator_row
from indicators import disclosure
from indicators.export.tables import SUPPRESSED, load

FIXTURE = Path(__file__).parents[1] / "fixtures" / "export" / "warehouse.sql"


row = indicator_row  # indicator, year, programme, then the rest by name


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0, "persons", None),
        (1, "persons", "primary"),
        (4, "persons", "primary"),
        (5, "persons", None),
        (3, "participations", "primary"),
        (2, "mobilities", "primary"),
        (3, "activities", None),
        (1, "agreements", None),
        (2, "count", None),
        (1, "milestone", None),
        (None, "persons", None),
    ],
)
def test_primary_counts(value, unit, expected):
    assert disclosure.primary_flag("I01", unit, value, None) == expected


# the catalogue's has_person_denominator false, as the exports read it from the warehouse
CATALOGUE = disclosure.Protection(non_person_shares={"I04", "I17"})


@pytest.mark.parametrize(
    ("indicator", "denominator", "expected"),
    [
        ("I02", 4, "primary"),
        ("I02", 1, "primary"),
        ("I02", 5, None),
        ("I02", 20, None),
        ("I04", 1, None),  # a programme's own yes/no: a share of programmes, not of persons
        ("I17", 3, None),  # a share of agreements
    ],
)
def test_primary_shares(indicator, denominator, expected):
    assert disclosure.primary_flag(indicator, "percent", 50.0, denominator, CATALOGUE) == expected


@pytest.mark.parametrize(("indicator", "denominator"), [("I02", 4), ("I04", 1), ("I17", 3)])
def test_without_the_catalogue_every_share_counts_persons(indicator, denominator):
    assert disclosure.primary_flag(indicator, "percent", 50.0, denominator) == "primary"
    assert disclosure.suppress(
        [row(indicator, "y", value=50.0, numerator=1, denominator=denominator, unit="percent")]
    ) == {(indicator, "y", None, None, None): "primary"}
    assert disclosure.suppress(
        [row(indicator, "y", value=50.0, numerator=1, denominator=denominator, unit="percent")], CATALOGUE
    ) == ({} if indicator != "I02" else {(indicator, "y", None, None, None): "primary"})


@pytest.mark.parametrize(
    ("indicator", "numerator", "denominator", "expected"),
    [
        ("I02", 1, 33, "primary_numerator"),  # 3.03 % of 33 graduates: one person
        ("I02", 4, 20, "primary_numerator"),
        ("I02", 0, 33, None),  # 0 is published, as a count of 0 is
        ("I02", 5, 33, None),
        ("I02", 3, 4, "primary"),  # the denominator's rule first: all three are hidden either way
        ("I07", 2, 40, "primary_numerator"),  # 5 per 100 graduates of 40: two awards, two persons
        ("I04", 1, 14, None),  # a share of programmes
        ("I17", 2, 40, None),  # a share of agreements
    ],
)
def test_a_share_of_persons_whose_numerator_counts_1_to_4_persons_is_primary(
    indicator, numerator, denominator, expected
):
    value = 100 * numerator / denominator
    assert disclosure.primary_flag(indicator, "percent", value, denominator, CATALOGUE, numerator) == expected


def test_share_without_value_is_not_flagged():
    assert disclosure.primary_flag("I02", "percent", None, 0) is None


def test_one_programme_hidden_hides_the_next_smallest():
    # faculty 30 = P1 3 + P2 10 + P3 6 + P4 11: P1 primary, P3 (6, the smallest other) secondary
    rows = [
        row("I01", "2023/24", value=30),
        row("I01", "2023/24", "P1", value=3),
        row("I01", "2023/24", "P2", value=10),
        row("I01", "2023/24", "P3", value=6),
        row("I01", "2023/24", "P4", value=11),
    ]
    assert disclosure.suppress(rows) == {
        ("I01", "2023/24", "P1", None, None): "primary",
        ("I01", "2023/24", "P3", None, None): "secondary",
    }


def test_zero_is_never_the_complement_and_two_primaries_can_still_be_too_narrow():
    # 12 = P1 2 + P2 1 + P3 0 + P4 9. With P1, P2 hidden (primary, 1..4), 12 - 0 - 9 = 3 leaves P1 and P2
    # only {1, 2} each: two values, under the protection level of 3. P3 is 0 (never hidden), so P4 (9)
    # is hidden too: P1 + P2 + P4 = 12 with P4 >= 5 gives P1, P2 in 1..4 and P4 in 12-8 .. 12-2 = 5..10.
    rows = [
        row("I01", "y", value=12),
        row("I01", "y", "P1", value=2),
        row("I01", "y", "P2", value=1),
        row("I01", "y", "P3", value=0),
        row("I01", "y", "P4", value=9),
    ]
    pattern = disclosure.plan(rows)
    assert pattern.flags == {
        ("I01", "y", "P1", None, None): "primary",
        ("I01", "y", "P2", None, None): "primary",
        ("I01", "y", "P4", None, None): "secondary",
    }
    assert pattern.intervals == {
        (("I01", "y", "P1", None, None), "value"): (1, 4),
        (("I01", "y", "P2", None, None), "value"): (1, 4),
        (("I01", "y", "P4", None, None), "value"): (5, 10),
    }


def test_total_is_the_complement_when_no_other_part_is_left():
    # 8 = P1 4 + P2 4 + P3 0: 8 - 0 leaves 8 for two cells of at most 4: both are 4. P3 is 0, so only the
    # total can protect them; hidden (secondary, so at least 5) it leaves P1, P2 in 1..4.
    rows = [
        row("I01", "y", value=8),
        row("I01", "y", "P1", value=4),
        row("I01", "y", "P2", value=4),
        row("I01", "y", "P3", value=0),
    ]
    pattern = disclosure.plan(rows)
    assert pattern.flags == {
        ("I01", "y", "P1", None, None): "primary",
        ("I01", "y", "P2", None, None): "primary",
        ("I01", "y", None, None, None): "secondary",
    }
    assert pattern.intervals[(("I01", "y", None, None, None), "value")] == (5, 8)


def test_a_sum_that_is_not_exact_is_only_a_bound():
    # 8 >= P1 3 + P2 0 (P3 has no value): the total counts persons no published part counts, so the
    # attacker knows only P1 <= 8 - 0; with 1..4 that keeps P1's four values and nothing more is hidden.
    rows = [
        row("I01", "y", value=8),
        row("I01", "y", "P1", value=3),
        row("I01", "y", "P2", value=0),
        row("I01", "y", "P3", value=None),
    ]
    pattern = disclosure.plan(rows)
    assert pattern.flags == {("I01", "y", "P1", None, None): "primary"}
    assert pattern.intervals == {(("I01", "y", "P1", None, None), "value"): (1, 4)}
    assert pattern.linked_sums() == [
        {
            "indicator_id": "I01",
            "academic_year": "y",
            "sum_over": "programmes",
            "quantity": "value",
            "relation": "total_at_least_sum",
            "share": False,
            "dimension": None,
            "dimension_value": None,
        }
    ]


def test_breakdown_against_its_headline():
    # gender: female 27, male 3 (primary) -> female secondary; the headline 30 stays
    rows = [
        row("I01", "y", value=30),
        row("I01", "y", None, "gender", "female", 27),
        row("I01", "y", None, "gender", "male", 3),
        row("I01", "y", None, "measure", "stays", 3, unit="activities"),
    ]
    assert disclosure.suppress(rows) == {
        ("I01", "y", None, "gender", "male"): "primary",
        ("I01", "y", None, "gender", "female"): "secondary",
    }


def test_measures_are_not_a_breakdown():
    # two measures of one indicator do not add up to the headline: a hidden one hides nothing else
    rows = [
        row("I19", "y", value=12, unit="mobilities"),
        row("I19", "y", None, "measure", "distinct_teachers", 4, unit="persons"),
        row("I19", "y", None, "measure", "other", 8, unit="persons"),
    ]
    assert disclosure.suppress(rows) == {("I19", "y", None, "measure", "distinct_teachers"): "primary"}


def test_secondary_suppression_cascades_through_a_grid():
    # programme x gender, with totals both ways:
    #            female  male  total
    #   P1          3      6      9
    #   P2          8      7     15
    #   faculty    11     13     24
    # P1 female is primary; P1 male hides with it (P1's breakdown), P2 female (the female column),
    # and then P2 male (P2's breakdown and the male column). The totals stay.
    rows = [
        row("I11", "y", value=24),
        row("I11", "y", None, "gender", "female", 11),
        row("I11", "y", None, "gender", "male", 13),
        row("I11", "y", "P1", value=9),
        row("I11", "y", "P1", "gender", "female", 3),
        row("I11", "y", "P1", "gender", "male", 6),
        row("I11", "y", "P2", value=15),
        row("I11", "y", "P2", "gender", "female", 8),
        row("I11", "y", "P2", "gender", "male", 7),
    ]
    assert disclosure.suppress(rows) == {
        ("I11", "y", "P1", "gender", "female"): "primary",
        ("I11", "y", "P1", "gender", "male"): "secondary",
        ("I11", "y", "P2", "gender", "female"): "secondary",
        ("I11", "y", "P2", "gender", "male"): "secondary",
    }


def test_shares_hide_the_next_smallest_denominator():
    # I02 faculty 8/20; P1 2/4 primary (denominator < 5); P2 6/16 secondary; P3 with 0 graduates has no value
    rows = [
        row("I02", "y", value=40, numerator=8, denominator=20, unit="percent"),
        row("I02", "y", "P1", value=50, numerator=2, denominator=4, unit="percent"),
        row("I02", "y", "P2", value=37.5, numerator=6, denominator=16, unit="percent"),
        row("I02", "y", "P3", value=None, numerator=0, denominator=0, unit="percent"),
    ]
    assert disclosure.suppress(rows) == {
        ("I02", "y", "P1", None, None): "primary",
        ("I02", "y", "P2", None, None): "secondary",
    }


@pytest.fixture
def warehouse(tmp_path) -> Path:
    """The hand-written warehouse of the export tests (each test its own copy)."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute(FIXTURE.read_text(encoding="utf-8"))
    con.close()
    return path


def test_the_fixture_warehouse_is_suppressed_as_worked_out_by_hand(warehouse):
    publication = load(warehouse, "2023/24")
    assert publication.flags == {
        ("I01", "2021/22", "P1", None, None): "primary",
        ("I01", "2021/22", "P2", None, None): "secondary",
        ("I01", "2023/24", "P1", None, None): "primary",
        ("I01", "2023/24", "P3", None, None): "secondary",
        ("I01", "2023/24", None, "gender", "male"): "primary",
        ("I01", "2023/24", None, "gender", "female"): "secondary",
        ("I02", "2023/24", "P1", None, None): "primary",
        ("I02", "2023/24", "P2", None, None): "secondary",
        ("I06", "2023/24", None, None, None): "primary",
    }
    # a change computed from a hidden value is hidden too, and so is its verdict (a word: "hidden"),
    # which beside a hidden value tells where it lies (test_verdict_disclosure)
    verdict = publication.verdict("I06", "2023/24")
    assert (
        verdict["value"] is SUPPRESSED
        and verdict["change_abs"] is SUPPRESSED
        and verdict["status"] == verdict["progress"] == "hidden"
    )
    assert publication.verdict("I01", "2023/24")["change_abs"] == 10
    # --no-suppression: nothing hidden
    assert load(warehouse, "2023/24", suppression=False).flags == {}
    # the warehouse itself keeps the true values
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute(
        "select value from marts.indicator_values where indicator_id = 'I06' and academic_year = '2023/24'"
    ).fetchone() == (2.0,)
    con.close()


def test_the_warehouse_catalogue_decides_which_shares_count_persons(warehouse, tmp_path):
    from indicators.export import export

    publication = load(warehouse, "2023/24")
    assert publication.protection.non_person_shares == {"I04", "I17"}
    assert not [key for key in publication.flags if key[0] == "I04"]
    # the catalogue says I04's shares count persons: its shares of 1, 3 and 4 programmes are primary
    # (denominators under 5), and no published cell is left in its 2023/24 sum to hide besides them
    # (the fixture's marts.indicator_catalogue is a view of its plan_indicator_catalogue)
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update marts.plan_indicator_catalogue set has_person_denominator = true where indicator_id = 'I04'"
    )
    con.close()
    publication = load(warehouse, "2023/24")
    assert publication.protection.non_person_shares == {"I17"}
    assert {key: flag for key, flag in publication.flags.items() if key[0] == "I04"} == {
        ("I04", "2018/19", None, None, None): "primary",
        ("I04", "2019/20", None, None, None): "primary",
        ("I04", "2023/24", None, None, None): "primary",
        # the sums 2 > 1 + 0 and 4 > 1 + 1 are listed as not exact (P3 and P4 have no row), so the
        # faculty's hidden denominator is at least P1's + P2's + 1 = 3: 3 or 4, too narrow, and no
        # published cell is left to hide: its parts are withheld (any value, 0 too)
        ("I04", "2023/24", "P1", None, None): "withheld",
        ("I04", "2023/24", "P2", None, None): "withheld",
    }
    # the metadata says which shares were not protected, for the reader and for `indicators audit`
    written = export(warehouse, tmp_path / "out", year="2023/24", lang="en", charts=False)
    meta = json.loads(next(path for path in written if path.name.endswith("metadata.json")).read_text())
    assert meta["disclosure_control"]["shares_not_of_persons"] == ["I17"]


def test_protection_levels_come_from_the_settings_and_the_environment(monkeypatch, tmp_path):
    from indicators.config import ConfigError, load_settings

    defaults = disclosure.Protection.from_settings(load_settings())
    assert defaults == disclosure.Protection(min_count=5, min_denominator=5, min_values=3, min_width_pct=0.0)
    monkeypatch.setenv("INDICATORS_DISCLOSURE_MIN_VALUES", "4")
    monkeypatch.setenv("INDICATORS_DISCLOSURE_MIN_WIDTH_PCT", "12.5")
    assert disclosure.Protection.from_settings(load_settings()) == disclosure.Protection(5, 5, 4, 12.5)
    monkeypatch.setenv("INDICATORS_DISCLOSURE_MIN_COUNT", "few")
    with pytest.raises(ConfigError, match="disclosure_min_count"):
        load_settings()
    # the metadata's rule says what was applied, in both languages
    levels = disclosure.Protection(min_count=4, min_values=5, min_width_pct=10)
    assert (
        "1 to 3" in disclosure.describe("en", True, levels)
        and "at least 5 possible values" in disclosure.describe("en", True, levels)
        and "10 %" in disclosure.describe("en", True, levels)
    )
    assert "1–3" in disclosure.describe("sv", True, levels) and "minst 5 olika värden" in disclosure.describe(
        "sv", True, levels
    )


def test_a_primary_rule_of_3_and_a_wider_interval():
    # min_count 3: counts 1..2 are primary. 20 = A 2 + B 3 + C 15: A hidden (1..2) and B (3, no longer
    # primary) is the cheapest other: A + B = 5 with B >= 3 gives A 1..2 (all the rule allows), B 3..4:
    # two values, under min_values 3, so C is hidden too: B = 20 - A - C with C >= 3: B 3..16.
    rows = [
        row("I01", "y", value=20),
        row("I01", "y", "A", value=2),
        row("I01", "y", "B", value=3),
        row("I01", "y", "C", value=15),
    ]
    pattern = disclosure.plan(rows, disclosure.Protection(min_count=3))
    assert pattern.flags == {
        ("I01", "y", "A", None, None): "primary",
        ("I01", "y", "B", None, None): "secondary",
        ("I01", "y", "C", None, None): "secondary",
    }
    assert pattern.intervals[(("I01", "y", "B", None, None), "value")] == (3, 16)


def test_a_cell_hidden_by_an_earlier_publish_is_kept_and_protected_like_any_other():
    # an earlier publish hid A (then 4); now faculty 21 = A 5 + B 7 + C 9. A is hidden again, marked
    # 'kept' (any value, 0 too: the word does not follow the value, and a count revised down may be 0);
    # alone, A = 21 - 7 - 9 = 5, so the smallest other part B is hidden too (secondary, at least 5):
    # A + B = 12, A 0..7, B 5..12
    rows = [
        row("I03", "y", value=21, unit="mobilities"),
        row("I03", "y", "A", value=5, unit="mobilities"),
        row("I03", "y", "B", value=7, unit="mobilities"),
        row("I03", "y", "C", value=9, unit="mobilities"),
    ]
    a, b = ("I03", "y", "A", None, None), ("I03", "y", "B", None, None)
    pattern = disclosure.plan(rows, kept={a})
    assert pattern.flags == {a: "kept", b: "secondary"}
    assert pattern.intervals == {(a, "value"): (0, 7), (b, "value"): (5, 12)}
    # a kept cell that is small now is still 'kept', not 'primary'
    rows[1] = row("I03", "y", "A", value=3, unit="mobilities")
    assert disclosure.plan(rows, kept={a}).flags[a] == "kept"


def test_a_sum_withheld_with_its_zeros_is_withheld_again_in_a_later_publish():
    # faculty 3 = P1 1 + P2 1 + P3 1 + P4 0 + P5 0: the three hidden programmes pinned the faculty at 3..4,
    # so every programme is withheld (any value, 0 too). A later publish of the same numbers marked them
    # 'kept' (at least 1), a rule the zeros P4 and P5 do not keep; they stay 'withheld'
    rows = [row("I11", "y", value=3)] + [
        row("I11", "y", code, value=value)
        for code, value in (("P1", 1), ("P2", 1), ("P3", 1), ("P4", 0), ("P5", 0))
    ]
    faculty = ("I11", "y", None, None, None)
    programmes = [("I11", "y", f"P{n}", None, None) for n in range(1, 6)]
    first = disclosure.plan(rows)
    assert first.flags == {faculty: "primary", **{key: "withheld" for key in programmes}}
    assert first.intervals[(faculty, "value")] == (1, 4)
    kept = disclosure.kept_cells([{**item, "published_at": 1} for item in rows])
    assert kept == {faculty, *programmes} and kept.withheld == set(programmes)
    later = disclosure.plan(rows, kept=kept)
    assert later.flags == {faculty: "kept", **{key: "withheld" for key in programmes}}
    assert {later.intervals[(key, "value")] for key in programmes} == {(0, float("inf"))}


def test_a_hidden_value_without_a_baseline_has_no_hidden_change(tmp_path):
    """I06 2023/24 (2 participations) is hidden; without its 2018/19 baseline the warehouse has no
    change or growth rate (NULL). They read as none ('–'), not as the hidden marker, which said a
    change existed and was hidden ("Change from baseline .." beside "Baseline value –")."""
    from helpers import export_fixture_warehouse

    path = export_fixture_warehouse(
        tmp_path,
        "delete from marts.indicator_values where indicator_id = 'I06' and academic_year = '2018/19'",
        "update marts.indicator_progress set baseline_value = null, change_abs = null, change_pct = null, "
        "cagr_pct = null, status = 'insufficient_data', progress = 'not_available' where indicator_id = 'I06'",
    )
    verdict = load(path, "2023/24").verdict("I06", "2023/24")
    assert verdict["value"] is SUPPRESSED and verdict["baseline_value"] is None
    assert verdict["change_abs"] is verdict["change_pct"] is verdict["cagr_pct"] is None
    assert (verdict["status"], verdict["progress"]) == ("insufficient_data", "not_available")


@pytest.mark.parametrize("deadline", ["2023/24", "2023"])
def test_a_final_verdict_kept_from_a_hidden_deadline_year_is_hidden(warehouse, deadline):
    # I06 as an at_least 3 target due 2023/24, followed up in 2024/25 (9, public): the verdict is the
    # deadline year's (2 participations, hidden), so "not met by 2023/24" told that the hidden value was
    # under 3; the follow-up protected it with the 2024/25 value instead of the judged one. A deadline
    # written as the calendar year 2023 is the academic year 2023/24 (the plan's 2019-2024 are
    # 2019/20 .. 2024/25, its "end of 2021" reads 2021/22: ACTION_PLAN.md, INDICATORS.md), as the
    # marts judge it; the follow-up looked for a cell of the year '2023', found none and published
    # "not met" beside the hidden 2 participations
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update marts.plan_indicator_catalogue set rule = 'at_least', target_value = 3, "
        f"deadline_year = '{deadline}' where indicator_id = 'I06'"
    )
    con.execute(
        "insert into marts.indicator_values select indicator_id, '2024/25', programme_code, dimension, "
        "dimension_value, 9, numerator, denominator, unit, obs_status from marts.indicator_values "
        "where indicator_id = 'I06' and academic_year = '2023/24'"
    )
    con.execute("insert into marts.final_followup values ('P', 'I06', '2021/22', '2024/25', 2, null, "
                "'not_met', 'limited', null, 6)")  # fmt: skip
    con.close()
    publication = load(warehouse, "2024/25")
    assert publication.flags[("I06", "2023/24", None, None, None)] == "primary"
    row = next(row for row in publication.final_rows() if row["indicator_id"] == "I06")
    assert row["final_value"] == 9
    assert row["status"] == row["progress"] == "hidden"


def test_a_followup_as_of_an_earlier_year_reads_no_later_year(tmp_path):
    """``export --kind final --year 2021/22``: the publication shows the years up to 2021/22 and
    suppresses by their pattern, but the follow-up rows came from marts.final_followup, which reads
    2023/24 (the latest year before the plan's final year): I06's row said "follow-up year 2023/24",
    value blank, change from baseline -5 beside the baseline 7, so 7 - 5 = 2, the primary cell of
    2023/24 (2 participations), and its status. The row now reads the latest year up to the one
    published: I06 none (2018/19, the only year before 2023/24 with a value, is its baseline: no
    follow-up; test_a_followup_never_reads_its_baseline_year), I01 2021/22 (15: change 15 - 20 = -5, not met, and 0 since the mid-term 2021/22).
    ``--kind midterm --year 2019/20`` likewise read the mart's 2021/22: now 2019/20 (12, 12 - 20 = -8)."""
    from helpers import export_fixture_warehouse

    path = export_fixture_warehouse(
        tmp_path,
        "insert into marts.final_followup values "
        "('P', 'I01', '2021/22', '2023/24', 10, 15, 'met', 'on_track', null, 1), "
        "('P', 'I06', '2021/22', '2023/24', -5, null, 'not_met', 'deterioration', null, 6)",
        "insert into marts.indicator_progress (indicator_id, academic_year, programme_code, value, baseline_year, "
        "baseline_value, change_abs, change_pct, rule, status, progress) values "
        "('I01', '2019/20', null, 12, '2018/19', 20, -8, -40, 'increase', 'not_met', 'deterioration')",
    )
    assert load(path, "2023/24").flags[("I06", "2023/24", None, None, None)] == "primary"
    final = {row["indicator_id"]: row for row in load(path, "2021/22", kind="final").final_rows()}
    picked = ("followup_year", "final_value", "change_abs", "midterm_value", "change_since_midterm", "status")
    assert [final["I06"][key] for key in picked] == [None, None, None, None, None, "insufficient_data"]
    assert [final["I01"][key] for key in picked] == ["2021/22", 15, -5, 15, 0, "not_met"]
    midterm = {row["indicator_id"]: row for row in load(path, "2019/20", kind="midterm").midterm_rows()}
    assert [midterm["I01"][key] for key in ("followup_year", "followup_value", "change_abs", "status")] == [
        "2019/20",
        12,
        -8,
        "not_met",
    ]


def test_a_followup_as_of_an_earlier_year_lists_no_milestone_done_later(tmp_path):
    """``export --kind final --year 2021/22`` listed the mart's milestone dates, read to the end of the
    data: P2's review of 2022-07-01 (2022/23) stood beside a follow-up as of 2021/22. A date after the
    last day of the year the row reads (2021/22: 30 June 2022) now reads '-', as not done by then:
    P1's 2020-11-09 and P4's 2022-06-30 stay, P2's 2022-07-01 and P3's 2024-05-30 go. As of 2024/25
    (the mart's own year, read as it is) every date stays."""
    from helpers import export_fixture_warehouse

    done = "P1 2020-11-09; P2 2022-07-01; P3 2024-05-30; P4 2022-06-30; unknown -"
    path = export_fixture_warehouse(
        tmp_path,
        "insert into marts.final_followup values "
        f"('P', 'I01', '2021/22', '2023/24', 10, 15, 'met', 'on_track', '{done}', 1)",
    )
    final = {row["indicator_id"]: row for row in load(path, "2021/22", kind="final").final_rows()}
    assert final["I01"]["followup_year"] == "2021/22"
    assert final["I01"]["programmes_done_on"] == "P1 2020-11-09; P2 -; P3 -; P4 2022-06-30; unknown -"
    final = {row["indicator_id"]: row for row in load(path, "2024/25", kind="final").final_rows()}
    assert final["I01"]["followup_year"] == "2023/24"
    assert (
        final["I01"]["programmes_done_on"]
        == "P1 2020-11-09; P2 2022-07-01; P3 2024-05-30; P4 2022-06-30; unknown -"
    )


def test_a_followup_never_reads_its_baseline_year(tmp_path):
    """``export --kind final --year 2018/19`` (a follow-up as of the plan's baseline year, as a next
    plan's is before its years have data) read the baseline year as its final value: I01's 20 in
    2018/19 against 20 at baseline, 'not met' (20 > 20 is false), a verdict on a plan not yet begun.
    A follow-up reads a year after the baseline: none here, no value, insufficient_data."""
    from helpers import export_fixture_warehouse

    path = export_fixture_warehouse(
        tmp_path,
        "insert into marts.final_followup values "
        "('P', 'I01', '2021/22', '2023/24', 10, 15, 'met', 'on_track', null, 1)",
        "insert into marts.indicator_progress (indicator_id, academic_year, programme_code, value, baseline_year, "
        "baseline_value, change_abs, change_pct, rule, status, progress) values "
        "('I01', '2018/19', null, 20, '2018/19', 20, 0, 0, 'increase', 'not_met', 'not_available')",
    )
    final = {row["indicator_id"]: row for row in load(path, "2018/19", kind="final").final_rows()}
    picked = ("followup_year", "final_value", "change_abs", "status")
    assert [final["I01"][key] for key in picked] == [None, None, None, "insufficient_data"]
