"""Two publishes of the same numbers side by side, linked through every total a hidden cell sits under
(not only the faculty's headline): the engine hides each such total's growth, the audit attacks it."""

from __future__ import annotations

from test_audit import row, write

from indicators import disclosure
from indicators.audit import audit
from indicators.disclosure.history import Kept

YEAR = "2023/24"


def stays(programme, value):
    # I01's stays per programme and for the faculty, as count_by_dimensions(measure='stays') writes them
    return row(programme, value, unit="mobilities", dimension="measure", dimension_value="stays")


def gender(programme, value, sex):
    return row(programme, value, dimension="gender", dimension_value=sex)


def key(programme=None, dimension=None, value=None):
    return ("I01", YEAR, programme, dimension, value)


def found(result) -> dict:
    return {
        (item.folder, item.programme_code, item.dimension_value): item.interval for item in result.findings
    }


def publish(tmp_path, first, second):
    """Both publishes planned as the export plans them (the second after the first's replay)."""
    kept = disclosure.kept_cells([{**item, "published_at": 1} for item in first])
    flags = disclosure.plan_after(second, kept=kept).flags
    return flags, (write(tmp_path / "run1", first, {}, linked_sums=[]), tmp_path / "run2")


def test_a_cell_hidden_later_hides_the_growth_of_its_measures_total(tmp_path):
    # I01 publish 1: persons 12 = P1 0 + P2 12, stays 14 = P1 0 + P2 14 (nothing hidden). A late delivery
    # adds one stay of a new P1 student: persons 13 = P1 1 + P2 12, stays 15 = P1 1 + P2 14. The old rule
    # hid the persons' headline (kept) with P1's two primaries and chose P2's stays as secondary (P1 + P2
    # = 15: P1 1..4, P2 11..14), leaving the faculty's stays published: 14 -> 15, so P1's stays grew by at
    # most 1 from 0 and are at least 1: 1, and P2's 15 - 1 = 14. Now the faculty's stays are hidden
    # (kept) too, P2's published: faculty stays = P1 + 14, P1 1..4, the faculty 15..18
    first = [row(value=12), row("P1", 0), row("P2", 12), stays(None, 14), stays("P1", 0), stays("P2", 14)]
    second = [row(value=13), row("P1", 1), row("P2", 12), stays(None, 15), stays("P1", 1), stays("P2", 14)]
    flags, (run1, run2) = publish(tmp_path, first, second)
    assert flags == {
        key(): "kept",
        key("P1"): "primary",
        key(None, "measure", "stays"): "kept",
        key("P1", "measure", "stays"): "primary",
    }
    result = audit([run1, write(run2, second, flags, linked_sums=[])])
    assert found(result) == {
        ("run2", None, None): (13, 16),
        ("run2", "P1", None): (1, 4),
        ("run2", None, "stays"): (15, 18),
        ("run2", "P1", "stays"): (1, 4),
    }
    assert result.ok, result.format()
    # the old pattern, audited: the faculty's stays link the publishes (the audit linked only the headline)
    old = {key(): "kept", key("P1"): "primary", key("P1", "measure", "stays"): "primary"}
    old[key("P2", "measure", "stays")] = "secondary"
    result = audit([run1, write(tmp_path / "old", second, old, linked_sums=[])])
    assert found(result)[("old", "P1", "stays")] == (1, 1)
    assert found(result)[("old", "P2", "stays")] == (14, 14)
    assert not result.ok


def test_a_cell_hidden_later_hides_the_growth_of_its_programmes_headline(tmp_path):
    # the reviewer's case, a programme broken down by gender (a long table may hold it; the nightly's
    # marts break down the faculty only): publish 1 P1 12 = women 0 + men 12, P2 5, faculty 17; a late
    # woman of P1: 18 = P1 13 (1 + 12) + 5. The old rule hid the faculty (kept), the women (primary) and
    # the men (secondary), leaving P1 published: 12 -> 13, so the women grew by at most 1 from 0: 1, and
    # the men 13 - 1 = 12. Now P1 is hidden (kept) with the faculty: P1 = 1..4 + 12 = 13..16, faculty
    # P1 + 5 = 18..21, women 1..4
    first = [row(value=17), row("P1", 12), row("P2", 5), gender("P1", 0, "female"), gender("P1", 12, "male")]
    second = [row(value=18), row("P1", 13), row("P2", 5), gender("P1", 1, "female"), gender("P1", 12, "male")]
    flags, (run1, run2) = publish(tmp_path, first, second)
    assert flags == {key(): "kept", key("P1"): "kept", key("P1", "gender", "female"): "primary"}
    result = audit([run1, write(run2, second, flags, linked_sums=[])])
    assert found(result) == {
        ("run2", None, None): (18, 21),
        ("run2", "P1", None): (13, 16),
        ("run2", "P1", "female"): (1, 4),
    }
    assert result.ok, result.format()
    old = {key(): "kept", key("P2"): "secondary", key("P1", "gender", "female"): "primary"}
    old[key("P1", "gender", "male")] = "secondary"
    result = audit([run1, write(tmp_path / "old", second, old, linked_sums=[])])
    assert found(result)[("old", "P1", "female")] == (1, 1)
    assert found(result)[("old", "P1", "male")] == (12, 12)
    assert not result.ok


def test_a_second_stay_of_a_person_counted_before_is_no_contradiction(tmp_path):
    # publish 1: persons 12 = P1 2 + P2 10, stays 14 = P1 2 + P2 12 (P1 primary, P2 secondary in both);
    # a late second stay of a P1 student already counted: persons still 12, stays 15 = P1 3 + P2 12, the
    # four kept. The audit bounded each stays' change by the growth of the faculty's persons (0), a
    # different quantity: the stays of both publishes could not add up to 14 and 15, no value fit, and
    # all four stays failed with an empty interval (inf, -inf). Bounded by the
    # faculty's stays (14 -> 15): run 1 P1 1..4, P2 14 - 4..14 - 1 = 10..13; run 2 each grew by 0..1 and
    # they add up to 15: P2 10..14 (at least run 1's least), P1 15 - 14..4 + 1 = 1..5
    first = [row(value=12), row("P1", 2), row("P2", 10), stays(None, 14), stays("P1", 2), stays("P2", 12)]
    second = [row(value=12), row("P1", 2), row("P2", 10), stays(None, 15), stays("P1", 3), stays("P2", 12)]
    hidden = {key("P1"), key("P2"), key("P1", "measure", "stays"), key("P2", "measure", "stays")}
    flags, (_, run2) = publish(tmp_path, first, second)
    assert flags == dict.fromkeys(hidden, "kept")
    run1 = write(tmp_path / "run1", first, disclosure.plan(first).flags, linked_sums=[])
    result = audit([run1, write(run2, second, flags, linked_sums=[])])
    assert found(result) == {
        ("run1", "P1", None): (1, 4),
        ("run1", "P2", None): (8, 11),
        ("run1", "P1", "stays"): (1, 4),
        ("run1", "P2", "stays"): (10, 13),
        ("run2", "P1", None): (1, 4),
        ("run2", "P2", None): (8, 11),
        ("run2", "P1", "stays"): (1, 5),
        ("run2", "P2", "stays"): (10, 14),
    }
    assert result.ok, result.format()


def test_the_first_hide_of_a_total_says_why_not_hidden_earlier(tmp_path):
    # publish 1 faculty 12 = P1 0 + P2 12, nothing hidden; publish 2 13 = P1 1 + P2 12: P1 is primary
    # and the faculty is hidden with it (its growth 12 -> 13 would pin P1 at 1). No publish hid the
    # faculty before, yet its word was "hidden earlier" ("dold tidigare"): it now says why it is hidden,
    # because of an earlier publish (one that showed a part this one hides). A file written before,
    # with the old word, still reads as kept (any value, 0 too)
    first = [row(value=12), row("P1", 0), row("P2", 12)]
    second = [row(value=13), row("P1", 1), row("P2", 12)]
    flags, (_, run2) = publish(tmp_path, first, second)
    assert flags == {key(): "kept", key("P1"): "primary"}
    words = {}
    for lang in ("sv", "en"):
        folder = write(run2 / lang, second, flags, lang=lang, dialect="standard", linked_sums=[])
        text = (folder / f"x_{lang}_values.csv").read_text(encoding="utf-8")
        words[lang] = next(line for line in text.splitlines() if line.startswith("I01,name,2023/24,,"))
    assert words["sv"].endswith(",dold p.g.a. tidigare publicering")
    assert words["en"].endswith(",hidden because of an earlier publish")
    old = tmp_path / "old" / "x_en_values.csv"
    old.parent.mkdir()
    old.write_text(
        (run2 / "en" / "x_en_values.csv")
        .read_text(encoding="utf-8")
        .replace("hidden because of an earlier publish", "hidden earlier"),
        encoding="utf-8",
    )
    result = audit(old.parent)
    assert {(item.programme_code, item.flag, item.interval) for item in result.findings} == {
        (None, "kept", (13, 16)),
        ("P1", "primary", (1, 4)),
    }


def test_a_total_hidden_in_one_publish_still_links_them(tmp_path):
    """Publish A (a file written by hand, or before the kept rule): faculty F .. (kept), P1 .. (primary),
    P2 .. (secondary), P3 12. Publish B: F 20, P1 .. (primary), P2 .. (kept), P3 13.

    Each alone passes: A P1 1..4, P2 5.., F = P1 + P2 + 12 from 18 up; B P1 + P2 = 20 - 13 = 7,
    P1 1..4, P2 (any value) 3..6. The audit linked the publishes only through totals both show, and
    F is hidden in A: no link, a pass. But F is the same total in both, its change an unknown
    F_B - F_A, and P3 12 -> 13 shows which way the counts went: up. So every part grew (by at most F's
    change): P2_A <= P2_B and P1_A <= P1_B. With P2_A >= 5 (secondary): P2_B 5..6 and P1_B = 7 - P2_B
    1..2, so P2_A 5..6, P1_A 1..2 and F_A = P1_A + P2_A + 12 18..19 (at most F_B - 1: P3 grew by 1).
    Every one of them keeps fewer than 3 values.

    The engine cannot write that B: a cell A hid is hidden again in B (kept, whatever its value), so
    given A's hidden cells B hides F, P1 and P2 (all kept): then P1_B >= P1_A 1..4, P2_B >= 5 and F
    unbounded above in both, a pass."""
    first = [row(value=18), row("P1", 1), row("P2", 5), row("P3", 12)]
    second = [row(value=20), row("P1", 2), row("P2", 5), row("P3", 13)]
    run1 = write(
        tmp_path / "run1",
        first,
        {key(): "kept", key("P1"): "primary", key("P2"): "secondary"},
        linked_sums=[],
    )
    old = {key("P1"): "primary", key("P2"): "kept"}
    result = audit([run1, write(tmp_path / "run2", second, old, linked_sums=[])])
    assert found(result) == {
        ("run1", None, None): (18, 19),
        ("run1", "P1", None): (1, 2),
        ("run1", "P2", None): (5, 6),
        ("run2", "P1", None): (1, 2),
        ("run2", "P2", None): (5, 6),
    }
    assert not result.ok
    assert len(result.failures) == 5
    kept = Kept({key(), key("P1"), key("P2")})
    kept.published = {key("P3")}
    flags = disclosure.plan_after(second, kept=kept).flags
    assert flags == {key(): "kept", key("P1"): "kept", key("P2"): "kept"}
    result = audit([run1, write(tmp_path / "engine", second, flags, linked_sums=[])])
    assert found(result) == {
        ("run1", None, None): (18, disclosure.INF),
        ("run1", "P1", None): (1, 4),
        ("run1", "P2", None): (5, disclosure.INF),
        ("engine", None, None): (19, disclosure.INF),
        ("engine", "P1", None): (1, disclosure.INF),
        ("engine", "P2", None): (5, disclosure.INF),
    }
    assert result.ok, result.format()


def test_a_correction_under_a_level_total_is_a_disagreement_not_an_empty_interval(tmp_path):
    """Publish A: faculty 20 = P1 7 + P2 3 (primary) + P3 10 (secondary): P2 1..4, P3 9..12.
    Publish B corrects two persons from P1 to P3, the faculty stays 20: P1 5 + P2 .. + P3 .. (both kept).
    Linked through the faculty (change 0), no part may change: P2 + P3 is 13 in A and 15 in B, no value
    fits, and every hidden cell failed with an empty interval ("infeasible"). A correction is outside
    the model (counts change the way of their total, by at most as much): one warning naming it, each
    publish attacked alone: A P2 1..4, P3 9..12; B P2 + P3 = 15, each 0..15 (kept: any value). A pass.

    Hidden alone: B corrects P1 from 7 to 3 (primary, hidden) and P2, P3 kept: through the level
    faculty P1 stays 7, which its rule (1..4) forbids; no published cell shows it, so the warning says
    that the hidden cells of A and B cannot both hold; B alone: P1 1..4, P2 + P3 = 20 - P1 (16..19), so
    P2 and P3 each 0..19 (kept: any value)."""
    first = [row(value=20), row("P1", 7), row("P2", 3), row("P3", 10)]
    run1 = write(tmp_path / "run1", first, {key("P2"): "primary", key("P3"): "secondary"}, linked_sums=[])
    second = [row(value=20), row("P1", 5), row("P2", 3), row("P3", 12)]
    run2 = write(tmp_path / "run2", second, {key("P2"): "kept", key("P3"): "kept"}, linked_sums=[])
    result = audit([run1, run2])
    assert result.disagreements == [
        "I01 2023/24: P1 value 7 in run1, 5 in run2, while its total faculty value 20 in run1, 20 in run2: "
        "a part changed more than its total (a correction, not a late delivery): the publishes disagree, "
        "each audited alone"
    ]
    assert found(result) == {
        ("run1", "P2", None): (1, 4),
        ("run1", "P3", None): (9, 12),
        ("run2", "P2", None): (0, 15),
        ("run2", "P3", None): (0, 15),
    }
    assert result.ok, result.format()
    assert "warning: I01 2023/24: P1 value 7 in run1, 5 in run2" in result.format()
    second = [row(value=20), row("P1", 3), row("P2", 5), row("P3", 12)]
    flags = {key("P1"): "primary", key("P2"): "kept", key("P3"): "kept"}
    result = audit([run1, write(tmp_path / "hidden", second, flags, linked_sums=[])])
    assert result.disagreements == [
        "I01 2023/24: the hidden cells of run1 and hidden cannot both hold if every count changes the way "
        "of its total and by at most as much (a correction between them, not a late delivery): the "
        "publishes disagree, each audited alone"
    ]
    assert found(result) == {
        ("run1", "P2", None): (1, 4),
        ("run1", "P3", None): (9, 12),
        ("hidden", "P1", None): (1, 4),
        ("hidden", "P2", None): (0, 19),
        ("hidden", "P3", None): (0, 19),
    }
    assert result.ok, result.format()


def test_a_second_mobility_type_of_a_person_counted_is_no_correction(tmp_path):
    """Faculty 20 = P1 3 (primary) + P2 7 (secondary) + P3 10, by mobility type exchange 12 +
    internship 9 (21: one person has both; the metadata lists the sum as above its total). Publish 2:
    a P3 exchange student already counted adds an internship: internship 10, the faculty and the
    programmes as before, P1 and P2 kept. The internship grew by 1 while its total stayed: outside the
    model, but a sum that is not exact allows it and no hidden cell depends on it: no warning of a
    correction (a change the files show only names the cause where the program is infeasible), the
    publishes attacked together. Linked through the level faculty, P1 and P2 stay: run 1 P1 1..4,
    P2 10 - P1 6..9, and run 2 the same."""
    types = [("exchange", 12), ("internship", 9)]
    first = [row(value=20), row("P1", 3), row("P2", 7), row("P3", 10)]
    first += [row(value=count, dimension="mobility_type", dimension_value=kind) for kind, count in types]
    second = [dict(item) for item in first]
    second[-1]["value"] = 10
    relation = disclosure.group_record(
        ("breakdown", "I01", YEAR, None, "mobility_type", False), "value", disclosure.AT_MOST
    )
    hidden = {key("P1"): "primary", key("P2"): "secondary"}
    run1 = write(tmp_path / "run1", first, hidden, linked_sums=[relation])
    run2 = write(tmp_path / "run2", second, dict.fromkeys(hidden, "kept"), linked_sums=[relation])
    result = audit([run1, run2])
    assert result.disagreements == []
    assert found(result) == {
        ("run1", "P1", None): (1, 4),
        ("run1", "P2", None): (6, 9),
        ("run2", "P1", None): (1, 4),
        ("run2", "P2", None): (6, 9),
    }
    assert result.ok, result.format()
