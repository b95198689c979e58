"""The earlier publishes of the same numbers: which cells they hid, so that later publishes hide them
again (issue 19, item 7).

Two publishes of one year side by side are a linked table: a count that grew by one between two
nightly runs, hidden in the first and published in the second, is pinned by the difference of the
faculty totals. The rule: **a cell hidden in any earlier publish stays hidden in every later one,
marked** ``kept`` **whatever its value is now** (its public rule: any value, 0 too) (a word that followed the value — primary while
1..4, secondary from 5 — would give away that it crossed the threshold), and the secondary cells
of the later publish are chosen around the kept ones as around any hidden cell. An attacker who
assumes that counts grow between publishes by at most what the published total grew
(``indicators audit`` on several folders) then learns nothing of an earlier hidden cell that the
earlier publish did not say.

:func:`kept_cells` replays ``audit.published_values`` (what each publish changed, in order):
after each publish, the blocks (indicator, year) it changed are planned again with the cells kept
so far, and the cells hidden then are kept from then on. Planned as those publishes were with the
protection levels of today.

A cell an earlier publish published (0, or 5 and more) that a later one hides (a late delivery: 0 -> 1,
primary; or a secondary chosen around it) is pinned by the growth of the published total: it grew by
at most what the total grew (faculty 20 -> 21 and A 0 -> hidden: A is 1). So the later publish hides
that growth: every total it is a part of (the faculty's cell of its breakdown value or measure, its
programme's headline, the block's headline: each sum of :func:`~indicators.disclosure.sums.groups_of`)
is hidden with it, kept from then on, and the secondary cells chosen around it (:func:`plan_after`);
a total so hidden is itself a cell published before and hidden now, so the totals above it follow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from itertools import groupby

from indicators.disclosure.intervals import plan
from indicators.disclosure.rules import WITHHELD, CellKey, Protection, _number
from indicators.disclosure.sums import groups_of


class Kept(set):
    """The cells earlier publishes hid; ``withheld``: those of them one hid as ``withheld`` (a part of a
    sum hidden with its zeros), hidden so again, so that the word does not change between publishes
    (the public rule of both words is any value, 0 too)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.withheld: set[CellKey] = set()
        # the cells the publishes so far published with their value (not hidden)
        self.published: set[CellKey] = set()


def plan_after(rows: Iterable[Mapping], protection: Protection | None = None, kept: Collection[CellKey] = ()):
    """:func:`~indicators.disclosure.intervals.plan` for a publish after those ``kept`` replays: where it
    hides a cell an earlier publish published, every total that cell is a part of (the faculty's cell of
    its breakdown value or measure, its programme's headline, the block's headline) is hidden too (as
    ``kept``), so that no total's growth between the two publishes pins the cell; planned again until
    no such total is left published."""
    rows = list(rows)
    published = getattr(kept, "published", set())
    by_key = {_key(row): row for row in rows}
    totals: dict[CellKey, set[CellKey]] = defaultdict(set)
    for group in groups_of(by_key, is_share=lambda row: _number(row.get("denominator")) is not None):
        for part in group.parts if group.total is not None else ():
            totals[part].add(group.total)
    hidden_growth: set[CellKey] = set()
    while True:
        grown = Kept(set(kept) | hidden_growth)
        grown.withheld = set(getattr(kept, "withheld", ()))
        pattern = plan(rows, protection, grown)
        above = {
            total
            for key in pattern.flags
            if key in published and key not in kept
            for total in totals.get(key, ())
        }
        above -= hidden_growth | set(pattern.flags)
        if not above:
            return pattern
        hidden_growth |= above


def _key(row: Mapping) -> CellKey:
    return (
        row["indicator_id"],
        row["academic_year"],
        row.get("programme_code"),
        row.get("dimension"),
        row.get("dimension_value"),
    )


def kept_cells(changes: Iterable[Mapping], protection: Protection | None = None) -> Kept:
    """The cells hidden by any of the publishes in ``changes``.

    ``changes``: the rows of ``audit.published_values`` (the key columns, value, numerator,
    denominator, unit, ``is_removed``, ``published_at``), ordered by ``published_at``."""
    blocks: dict[tuple[str, str], dict[CellKey, Mapping]] = defaultdict(dict)
    kept = Kept()
    for _, publish in groupby(changes, key=lambda row: row["published_at"]):
        touched: set[tuple[str, str]] = set()
        for row in publish:
            key = _key(row)
            if row.get("is_removed"):
                blocks[key[:2]].pop(key, None)
                kept.published.discard(key)
            else:
                blocks[key[:2]][key] = row
            touched.add(key[:2])
        rows = [row for block in sorted(touched) for row in blocks[block].values()]
        flags = plan_after(rows, protection, kept).flags
        kept.update(flags.keys())
        kept.withheld |= {key for key, flag in flags.items() if flag == WITHHELD}
        kept.published |= {_key(row) for row in rows} - kept
    return kept
