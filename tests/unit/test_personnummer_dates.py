"""A personnummer's date against python-stdnum's and Skatteverket's rules (stdnum.se.personnummer
checks the date as a calendar date; Skatteverket gives samordningsnummer whose birth month or day it
could not verify as 00, the day as 60: its own test numbers hold such)."""

from __future__ import annotations

import polars as pl
import pytest

from helpers import personnummer
from indicators.identity import INVALID, is_valid_personnummer, normalise_person_ids


def _read(numbers: list[str]) -> list[str]:
    return normalise_person_ids(pl.Series("student_id", numbers), 2026).to_list()


@pytest.mark.parametrize(
    "date, valid",
    [
        ("19000060", True),  # samordningsnummer, month and day unknown (00, 00 + 60)
        ("19000160", True),  # samordningsnummer, January, day unknown
        ("19000072", True),  # samordningsnummer, month unknown, day 12
        ("19000228", True),
        ("19040229", True),  # 1904 is a leap year
        ("19000229", False),  # 1900 is none (a century year not divisible by 400)
        ("19000230", False),  # no 30 February
        ("19000431", False),  # no 31 April
        ("19000290", False),  # samordningsnummer of 30 February
        ("19000491", False),  # samordningsnummer of 31 April
        ("19000100", False),  # a personnummer's day is never unknown
        ("19000001", False),  # nor its month
    ],
)
def test_a_personnummers_date_is_a_calendar_date_a_samordningsnummers_may_be_unknown(date, valid):
    # Skatteverket gives a samordningsnummer (an incoming exchange student's, say) whose birth month or
    # day it could not verify 00 (the day 00 + 60): such a student's every row was quarantined as an
    # invalid personnummer. And a date no calendar has (30 February, 31 April, 29 February 1900: a
    # mistyped digit whose check digit happens to fit, 1 in 10) loaded as a person, where
    # stdnum.se.personnummer and Skatteverket call it invalid. By hand: each number's check digit is
    # valid (helpers.personnummer), so only the date decides
    number = personnummer(date, 982)
    assert is_valid_personnummer(number) is valid
    dash = f"{number[:8]}-{number[8:]}"
    short = f"{number[2:8]}-{number[8:]}"
    expected = number if valid else INVALID
    assert _read([number, dash]) == [expected, expected]
    assert _read([short.replace("-", "+")]) == [expected]  # ten digits, 100 or older: the same number
