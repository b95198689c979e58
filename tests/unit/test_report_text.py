"""The report's readable timestamps and chart alt texts (indicators.report.text)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from indicators.export.tables import SUPPRESSED
from indicators.report import text


def test_timestamps_read_as_dates_in_each_language() -> None:
    # shown on the faculty's clock, as the XLSX's "Om data" sheet shows them: a report read "15:25
    # UTC" beside an XLSX reading 16:25 in one export folder. December is winter time (+1)
    moment = datetime(2026, 12, 2, 15, 25, 52, tzinfo=UTC)
    assert text.when(moment, "sv") == "2 december 2026 16:25 svensk tid"
    assert text.when(moment, "en") == "2 December 2026, 16:25 Swedish time"
    # the warehouse's naive timestamps are UTC; ISO text and other zones are converted. 23:30 UTC on
    # 31 December is 00:30 on 1 January here; 23:30 UTC on 31 May (summer time, +2) 01:30 on 1 June
    assert text.when(datetime(2026, 1, 9, 7, 5), "sv") == "9 januari 2026 08:05 svensk tid"
    assert text.when(datetime(2025, 12, 31, 23, 30), "sv") == "1 januari 2026 00:30 svensk tid"
    assert text.when("2026-12-02T15:25:52+00:00", "en") == "2 December 2026, 16:25 Swedish time"
    assert text.when(datetime(2026, 6, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))), "sv") == (
        "1 juni 2026 01:30 svensk tid"
    )
    assert text.when(date(2025, 9, 1), "en") == "1 September 2025"
    assert text.when(None, "sv") == ""


def test_chart_alt_states_first_year_baseline_latest_and_verdict() -> None:
    points = [
        ("", "2016/17", 490.0, None),
        ("utgångsvärde", "2018/19", 561.0, None),
        ("", "2025/26", 12.5, "p"),
    ]
    assert text.chart_alt("sv", "I01", "Utresande studenter", "count", points, "met", "on_track") == (
        "Diagram: I01 Utresande studenter. 2016/17: 490; utgångsvärde 2018/19: 561; "
        "2025/26: 12,5 (p); bedömning: uppfyllt, i fas."
    )
    hidden = [("baseline", "2018/19", SUPPRESSED, None), ("", "2024/25", None, None)]
    share = {"target_value": 40.0, "deadline_year": "2024/25"}
    assert text.chart_alt("en", "I02", "Share", "percent", hidden, "not_met", "limited", share) == (
        "Chart: I02 Share. baseline 2018/19: hidden (disclosure control); 2024/25: no value; "
        "target: 40 %; verdict: not met, limited."
    )


def test_chart_alt_says_not_yet_met_before_the_deadline_as_the_badge_does() -> None:
    # 2021/22 read against a target of 40 % due 2024/25: the badge beside the chart says "not met yet"
    points = [("baseline", "2018/19", 20.0, None), ("", "2021/22", 30.0, None)]
    share = {"target_value": 40.0, "deadline_year": "2024/25"}
    assert text.chart_alt("en", "I02", "Share", "percent", points, "not_met", "moderate", share) == (
        "Chart: I02 Share. baseline 2018/19: 20 %; 2021/22: 30 %; target: 40 %; verdict: not met yet, moderate."
    )
    assert text.chart_alt("sv", "I02", "Andel", "percent", points, "not_met", "moderate", share).endswith(
        "mål: 40 %; bedömning: ännu ej uppfyllt, måttlig."
    )
