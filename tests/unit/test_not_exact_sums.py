"""A sum the metadata lists as not exact is not exact: the engine and the audit read it so."""

from __future__ import annotations

from test_audit import intervals, key, row, write

from indicators import disclosure
from indicators.audit import audit

# the faculty 9 counts a person without a programme: 9 > A 2 + B 6, listed as total_at_least_sum
ROWS = [row(value=9), row("A", 2), row("B", 6)]


def test_a_total_listed_as_above_its_sum_is_above_it(tmp_path):
    """The metadata lists a sum only where it is not exact ("the total counts persons no part counts"),
    so a reader knows 9 > A + 6, not 9 >= A + 6: A (primary, 1..4) is 1 or 2, two values below the
    level of 3. The engine and the audit read the listed sum as 9 >= A + 6, kept A in 1..3 and hid
    only A. The audit now finds that pattern narrowed (1..2); the engine hides B too (the only other
    part): 9 >= A + B + 1 with B >= 5 keeps A in 1..3 and B in 5..7 (9 - 1 - 1)."""
    sums = disclosure.plan(ROWS).linked_sums()
    assert [item["relation"] for item in sums] == ["total_at_least_sum"]
    old = audit(write(tmp_path / "old", ROWS, {key("A"): "primary"}, linked_sums=sums))
    assert intervals(old) == {("A", "value"): (1, 2)} and not old.ok
    pattern = disclosure.plan(ROWS)
    assert pattern.flags == {key("A"): "primary", key("B"): "secondary"}
    assert pattern.intervals == {(key("A"), "value"): (1, 3), (key("B"), "value"): (5, 7)}
    new = audit(write(tmp_path / "new", ROWS, pattern.flags, linked_sums=pattern.linked_sums()))
    assert new.ok and intervals(new) == {("A", "value"): (1, 3), ("B", "value"): (5, 7)}
