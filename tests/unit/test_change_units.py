"""A share's change from its baseline says it is in percentage points, and its relative change says
it is relative: 40 % -> 50 % is +10 percentage points and +25 % of the baseline value."""

from __future__ import annotations

from indicators.export import labels


def test_a_shares_change_is_in_percentage_points():
    # I04 (coverage, percent) 40 -> 50: change_abs 10, which the report's card read as "10" beside a
    # unit "percent", i.e. as 10 %, the same words as the relative change (25 %)
    assert labels.change_unit("percent", 10.0, "en") == " percentage points"
    assert labels.change_unit("percent", -2.5, "sv") == " procentenheter"
    assert labels.change_unit("persons", 10.0, "en") == ""  # a count's change is in its own unit
    assert labels.change_unit("percent", None, "en") == ""  # no change: nothing to name
    assert labels.change_unit("percent", "..", "en") == ""  # a hidden change stays the marker alone
