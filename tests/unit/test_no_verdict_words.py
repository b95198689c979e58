"""Why a value has no verdict, as the reports say it: which source covers how much of the year."""

from __future__ import annotations

from indicators.report.quality_words import no_verdict


def test_a_provisional_value_says_how_far_each_source_reaches():
    # the newest year delivered at two dates (int_indicator_years_covered.partly_covered)
    reason = (
        "provisional value: its sources cover only part of the year "
        "(activities to 2025-11-15, student_mobility to 2025-09-01)"
    )
    assert no_verdict(reason, "provisional", "en") == (
        "its sources cover only part of the year (activities to 2025-11-15, student_mobility to 2025-09-01)"
    )
    assert no_verdict(reason, "provisional", "sv") == (
        "källorna täcker bara en del av läsåret (activities till 2025-11-15, student_mobility till 2025-09-01)"
    )
    # a mart of before, without the sources, reads as before
    plain = "provisional value: its sources cover only part of the year"
    assert no_verdict(plain, "provisional", "sv") == "källorna täcker bara en del av läsåret"


def test_an_incomplete_value_names_the_source_that_covers_none_of_the_year():
    reason = "incomplete value: programme_register covers none of the year (its coverage ends 2025-06-30)"
    assert no_verdict(reason, "incomplete", "en") == reason
    assert no_verdict(reason, "incomplete", "sv") == (
        "ofullständigt värde: programme_register täcker inget av läsåret (dess täckning slutar 2025-06-30)"
    )
    started = (
        "incomplete value: staff_mobility covers none of the year (it starts 2025/26); "
        "no delivery of student_mobility covers the year (one ends 2013-06-30, the next starts 2016-09-05)"
    )
    assert no_verdict(started, "incomplete", "sv") == (
        "ofullständigt värde: staff_mobility täcker inget av läsåret (den börjar 2025/26); "
        "ingen leverans av student_mobility täcker läsåret (en slutar 2013-06-30, nästa börjar 2016-09-05)"
    )
