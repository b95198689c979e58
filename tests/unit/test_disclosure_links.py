"""Disclosure control across indicators: two shares whose denominators count the same persons."""

from __future__ import annotations

from helpers import indicator_row as row
from indicators import disclosure

YEAR = "1900/01"
GRADUATES = {"P1": 3, "P2": 45, "P3": 40, "P4": 50, "P5": 60}  # 198 at the faculty
ABROAD = {"P1": 1, "P2": 6, "P3": 6, "P4": 1, "P5": 2}  # I02's numerators: 16
CIM = {"P1": 0, "P2": 6, "P3": 7, "P4": 8, "P5": 9}  # I07's awards: 30


def rows() -> list[dict]:
    made = [
        row("I02", YEAR, value=100 * 16 / 198, numerator=16, denominator=198, unit="percent"),
        row("I07", YEAR, value=30),
        row("I07", YEAR, None, "measure", "per_100_graduates", value=100 * 30 / 198, numerator=30,
            denominator=198, unit="per_100_graduates"),
    ]  # fmt: skip
    for code, graduates in GRADUATES.items():
        made += [
            row("I02", YEAR, code, value=100 * ABROAD[code] / graduates, numerator=ABROAD[code],
                denominator=graduates, unit="percent"),
            row("I07", YEAR, code, value=CIM[code]),
            row("I07", YEAR, code, "measure", "per_100_graduates", value=100 * CIM[code] / graduates,
                numerator=CIM[code], denominator=graduates, unit="per_100_graduates"),
        ]  # fmt: skip
    return made


def test_two_shares_of_the_same_graduates_hide_the_same_denominators():
    """I02 (graduates with a stay abroad) and I07 per 100 graduates divide by the same graduates.
    P1 has 3 (primary in both). I02 hides P1, and P4 and P5 for their numerators 1 and 2 (primary
    numerator), which protects P1 already; I07 hides P1, P3 (the smallest denominator, 40) and then
    P2 (its count 6, the smallest, since P3's count, tied to its numerator, was 30 - 0 - 6 - 8 - 9 = 7).
    Each alone keeps P1 in 1..4, but I02 published P2's 45 and P3's 40, I07 P4's 50 and P5's 60:
    P1 = 198 - 45 - 40 - 50 - 60 = 3 graduates. Now a programme hidden in one is hidden in the
    other: both hide P1..P5, and the two together give only 198 for the five."""
    flags = disclosure.plan(rows()).flags
    i02 = {code: flags.get(("I02", YEAR, code, None, None)) for code in GRADUATES}
    i07 = {code: flags.get(("I07", YEAR, code, "measure", "per_100_graduates")) for code in GRADUATES}
    assert i02 == {"P1": "primary", "P2": "secondary", "P3": "secondary", "P4": "primary_numerator",
                   "P5": "primary_numerator"}  # fmt: skip
    assert i07 == {
        "P1": "primary",
        "P2": "secondary",
        "P3": "secondary",
        "P4": "secondary",
        "P5": "secondary",
    }
    published = {code for code in GRADUATES if i02[code] is None or i07[code] is None}
    assert published == set()  # nothing to subtract from 198
