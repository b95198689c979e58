"""The follow-up's generated sentence says "not met by <deadline>" once the deadline has come."""

from __future__ import annotations

from indicators.export import labels

ROW = {
    "indicator_name": "Outgoing students",
    "unit": "persons",
    "baseline_year": "2018/19",
    "baseline_value": 118.0,
    "final_value": 180.0,
    "final_obs_status": "final",
    "status": "not_met",
    "deadline_year": "2022/23",
}


def test_not_met_at_or_after_the_deadline_names_it():
    for year in ("2022/23", "2024/25"):
        row = ROW | {"followup_year": year}
        assert labels.verdict_sentence(row, "en") == (
            f"not met by 2022/23: 180 outgoing students in {year} against 118 at baseline (2018/19)"
        )
        assert labels.verdict_sentence(row, "sv") == (
            f"ej uppfyllt senast 2022/23: Outgoing students 180 {year} mot 118 vid utgångsläget (2018/19)"
        )


def test_before_the_deadline_a_target_not_reached_is_not_yet_met():
    # 180 against a target due 2022/23, read in 2021/22: the plan has a year to go, so the sentence
    # does not call it failed ("not met: 180 ..." read as the plan's verdict)
    before = ROW | {"followup_year": "2021/22"}
    assert labels.verdict_sentence(before, "en") == (
        "not met yet, due 2022/23: 180 outgoing students in 2021/22 against 118 at baseline (2018/19)"
    )
    assert labels.verdict_sentence(before, "sv") == (
        "ännu ej uppfyllt, senast 2022/23: Outgoing students 180 2021/22 mot 118 vid utgångsläget (2018/19)"
    )
    met = ROW | {"followup_year": "2022/23", "status": "met"}
    assert labels.verdict_sentence(met, "en").startswith("met: 180 ")


def test_a_partial_year_reads_no_verdict():
    row = ROW | {"followup_year": "2025/26", "status": "provisional", "final_obs_status": "provisional"}
    assert labels.verdict_sentence(row, "en").startswith("provisional value, no verdict: 180 (p) ")


def test_the_status_word_is_not_yet_met_before_the_deadline():
    # the report's badge beside the sentence: the same words
    assert labels.status_word("not_met", "2021/22", "2022/23", "en") == "not met yet"
    assert labels.status_word("not_met", "2021/22", "2022/23", "sv") == "ännu ej uppfyllt"
    assert labels.status_word("not_met", "2022/23", "2022/23", "en") == "not met"
    assert labels.status_word("not_met", "2021/22", None, "en") == "not met"
    assert labels.status_word("met", "2021/22", "2022/23", "sv") == "uppfyllt"
