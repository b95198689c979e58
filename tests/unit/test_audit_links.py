"""The audit across indicators: two shares that divide by the same persons (I02 and I07 per 100
graduates) are attacked together, as the engine protects them (intervals worked out by hand)."""

from __future__ import annotations

import json

from test_audit import write

from helpers import indicator_row as row
from indicators import disclosure
from indicators.audit import audit

YEAR = "1900/01"
GRADUATES = {"P1": 3, "P2": 45, "P3": 40, "P4": 50, "P5": 60}  # 198 at the faculty
ABROAD = {"P1": 1, "P2": 6, "P3": 6, "P4": 5, "P5": 7}  # I02's numerators: 25
CIM = {"P1": 0, "P2": 6, "P3": 7, "P4": 8, "P5": 9}  # I07's awards: 30
PER_100 = ("measure", "per_100_graduates")


def rows() -> list[dict]:
    made = [
        row("I02", YEAR, value=100 * 25 / 198, numerator=25, denominator=198, unit="percent"),
        row("I07", YEAR, None, *PER_100, value=100 * 30 / 198, numerator=30, denominator=198,
            unit="per_100_graduates"),
    ]  # fmt: skip
    for code, graduates in GRADUATES.items():
        made += [
            row("I02", YEAR, code, value=100 * ABROAD[code] / graduates, numerator=ABROAD[code],
                denominator=graduates, unit="percent"),
            row("I07", YEAR, code, *PER_100, value=100 * CIM[code] / graduates, numerator=CIM[code],
                denominator=graduates, unit="per_100_graduates"),
        ]  # fmt: skip
    return made


def i02(code):
    return ("I02", YEAR, code, None, None)


def i07(code):
    return ("I07", YEAR, code, *PER_100)


def denominators(result) -> dict:
    return {
        (item.indicator_id, item.programme_code): item.interval
        for item in result.findings
        if item.quantity == "denominator"
    }


def test_two_shares_of_the_same_graduates_are_attacked_together(tmp_path):
    """Each series alone keeps P1 (3 graduates, primary) in 1..4: I02 hides P1 and P2 (198 - 40 -
    50 - 60 = 48 = P1 + P2, P2 >= 5: P1 1..4, P2 44..47), I07 hides P1 and P3 (198 - 45 - 50 - 60 =
    43: P1 1..4, P3 39..42). But I07 publishes P2's 45 graduates and I02 P3's 40, so P1 = 198 - 45 -
    40 - 50 - 60 = 3 in both, and P2 = 45, P3 = 40: four denominators pinned (a hand-edited export,
    the engine's link removed; no metadata). The numerators stay wide (P1's 0..3 with P2's or P3's
    4..7: 4 values)."""
    flags = {i02("P1"): "primary", i02("P2"): "secondary", i07("P1"): "primary", i07("P3"): "secondary"}
    result = audit(write(tmp_path / "unlinked", rows(), flags))
    assert denominators(result) == {
        ("I02", "P1"): (3, 3),
        ("I02", "P2"): (45, 45),
        ("I07", "P1"): (3, 3),
        ("I07", "P3"): (40, 40),
    }
    assert {(item.indicator_id, item.programme_code, item.quantity) for item in result.failures} == {
        ("I02", "P1", "denominator"),
        ("I02", "P2", "denominator"),
        ("I07", "P1", "denominator"),
        ("I07", "P3", "denominator"),
    }
    # the plainest edit: I07 shows P1's 3 graduates that I02 hides
    plain = {i02("P1"): "primary", i02("P2"): "secondary"}
    result = audit(write(tmp_path / "plain", rows(), plain))
    assert denominators(result) == {("I02", "P1"): (3, 3), ("I02", "P2"): (45, 45)}
    assert not result.ok
    # the engine hides P1 and P3 (the smallest denominator beside it, 40) in both: P1 + P3 = 198 -
    # 45 - 50 - 60 = 43 with P1 1..4: P1 1..4 and P3 39..42 in both series, joined or not
    flags = disclosure.plan(rows()).flags
    assert flags == {
        make(code): flag for make in (i02, i07) for code, flag in (("P1", "primary"), ("P3", "secondary"))
    }
    result = audit(write(tmp_path / "engine", rows(), flags))
    assert result.ok
    assert denominators(result) == {
        (indicator, code): (1, 4) if code == "P1" else (39, 42)
        for indicator in ("I02", "I07")
        for code in ("P1", "P3")
    }


def test_shares_the_metadata_links_are_attacked_together_where_no_scope_shows_both(tmp_path):
    """No scope publishes both denominators, so the numbers alone link nothing: I02 publishes the
    faculty's 198 and P2's 45, P4's 50, P5's 60 and hides P1 (3, primary) and P3 (40, secondary):
    P1 + P3 = 43, P1 1..4, P3 39..42. I07 (hand-edited) publishes only P3's 40. The metadata says
    the two divide by the same graduates: P3 = 40, so P1 = 198 - 45 - 40 - 50 - 60 = 3."""
    i07_hidden = {
        i07(code): "primary" if code == "P1" else "secondary" for code in (None, "P1", "P2", "P4", "P5")
    }
    flags = {i02("P1"): "primary", i02("P3"): "secondary", **i07_hidden}
    folder = write(tmp_path / "x", rows(), flags)
    result = audit(folder)
    assert denominators(result)[("I02", "P1")] == (1, 4)
    meta = {
        "disclosure_control": {
            "protection": disclosure.Protection().as_dict(),
            "denominators_shared": [
                {
                    "academic_year": YEAR,
                    "series": [
                        {"indicator_id": "I02", "dimension": None, "dimension_value": None},
                        {"indicator_id": "I07", "dimension": PER_100[0], "dimension_value": PER_100[1]},
                    ],
                }
            ],
        }
    }
    (folder / "x_sv_metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    result = audit(folder)
    found = denominators(result)
    assert (found[("I02", "P1")], found[("I02", "P3")], found[("I07", "P1")]) == ((3, 3), (40, 40), (3, 3))
    assert found[("I07", None)] == (198, 198)
    assert not result.ok


def test_the_engine_lists_the_shares_it_linked_for_the_metadata():
    pattern = disclosure.plan(rows())
    assert pattern.shared_denominators() == [
        {
            "academic_year": YEAR,
            "series": [
                {"indicator_id": "I02", "dimension": None, "dimension_value": None},
                {"indicator_id": "I07", "dimension": "measure", "dimension_value": "per_100_graduates"},
            ],
        }
    ]
