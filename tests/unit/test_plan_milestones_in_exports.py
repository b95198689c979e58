"""An export for a plan shows its milestones as that plan reads them (marts.indicator_progress)."""

from __future__ import annotations

import datetime as dt

from indicators.export.tables.loading import _milestones_as_the_plan_reads_them


def _values(year: str, done: dict[str, float], share: tuple[float, float]) -> list[dict]:
    rows = [
        {
            "indicator_id": "I24",
            "academic_year": year,
            "programme_code": code,
            "dimension": "measure",
            "dimension_value": "milestone_done",
            "value": value,
            "numerator": None,
            "denominator": None,
        }
        for code, value in done.items()
    ]
    numerator, denominator = share
    rows.append(
        {
            "indicator_id": "I24",
            "academic_year": year,
            "programme_code": None,
            "dimension": "measure",
            "dimension_value": "programmes_reviewed",
            "value": 100.0 * numerator / denominator,
            "numerator": numerator,
            "denominator": denominator,
        }
    )
    return rows


def test_a_next_plans_share_of_programmes_reviewed_counts_only_its_own_reviews():
    # A next plan N (from 2025/26, baseline 2024/25) with I24's secondary milestone. A reviewed its
    # portfolio 2021-03-01 (the plan before) and again 2026-02-01; B 2021-05-01 only; C never.
    # indicator_values (plan-free): A and B done from 2020/21, so 2 of 3 programmes, 66.7 %.
    values = _values("2024/25", {"A": 1.0, "B": 1.0, "C": 0.0}, (2.0, 3.0))
    values += _values("2025/26", {"A": 1.0, "B": 1.0, "C": 0.0}, (2.0, 3.0))
    dates = {"A": dt.date(2026, 2, 1), "B": None, "C": None, None: None}
    progress = {
        ("I24", year, code): {"rule": "increase", "secondary_rule": "milestone", "milestone_done_on": done_on}
        for year in ("2024/25", "2025/26")
        for code, done_on in dates.items()
    }
    _milestones_as_the_plan_reads_them(values, progress)
    read = {
        (row["academic_year"], row["programme_code"], row["dimension_value"]): (
            row["value"],
            row["numerator"],
        )
        for row in values
    }
    # Worked by hand: N counts A from 2026-02-01 (<= 30 June 2026, > 30 June 2025), B and C never.
    # 2024/25: A 0, B 0, C 0 -> 0 of 3 = 0 %; 2025/26: A 1, B 0, C 0 -> 1 of 3 = 33.33 %.
    assert read[("2024/25", "A", "milestone_done")] == (0.0, None)
    assert read[("2024/25", "B", "milestone_done")] == (0.0, None)
    assert read[("2024/25", None, "programmes_reviewed")] == (0.0, 0.0)
    assert read[("2025/26", "A", "milestone_done")] == (1.0, None)
    assert read[("2025/26", "B", "milestone_done")] == (0.0, None)
    assert read[("2025/26", "C", "milestone_done")] == (0.0, None)
    value, numerator = read[("2025/26", None, "programmes_reviewed")]
    assert numerator == 1.0
    assert abs(value - 100.0 / 3) < 1e-9


def test_a_plan_without_the_milestone_leaves_the_share_as_it_happened():
    # The example plan judges I21 only: I24's share stays indicator_values' (2 of 3 reviewed).
    values = _values("2025/26", {"A": 1.0, "B": 1.0, "C": 0.0}, (2.0, 3.0))
    _milestones_as_the_plan_reads_them(values, {})
    share = next(row for row in values if row["dimension_value"] == "programmes_reviewed")
    assert (share["numerator"], share["denominator"]) == (2.0, 3.0)
