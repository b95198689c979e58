"""Disclosure control for everything published (exports and the report), never for the warehouse.

The warehouse keeps the true values; a publication marks small cells as suppressed so that no
person can be singled out. The rules (UKÄ's, as Statistics Sweden applies them):

* **Primary, counts.** A count of persons from 1 to 4 is suppressed. Counted as persons are the
  units ``persons`` (distinct persons), ``participations`` and ``mobilities``: each participation
  or stay belongs to one person, so a count of 1-4 of them is at most 4 persons. Counts of
  activities, agreements, programmes (``count``), regions and milestones are not about persons
  and are never suppressed. A count of 0 is published.
* **Primary, shares.** A share (any row with a denominator: ``percent``, ``per_100_graduates``)
  whose denominator is under 5 is suppressed, unless its denominator counts programmes or
  agreements (a programme's own yes/no or the share of agreements is not about persons). Which
  indicators those are is the catalogue's to say (``has_person_denominator`` false in
  ``marts.indicator_catalogue``); the exports read it into :attr:`Protection.non_person_shares`,
  and without it every share counts persons. A share of persons whose numerator counts 1 to 4
  persons is suppressed too (``primary_numerator``: its numerator is such a count, and the share
  times its denominator gives it back). The numerator and denominator of a suppressed share are
  suppressed with it.
* **Secondary.** Cells that add up to a total must not give a suppressed cell away: per-programme
  cells and the faculty cell (same indicator, year and breakdown), and the values of one breakdown
  (gender, level, mobility type, partner region, partner network) and their headline. An attacker
  knows every published cell, these sums (an exact sum, or "the total is at least / at most the
  sum" where persons lack a programme or belong to several values; the metadata lists those),
  that counts are not negative, that a primary cell is 1..MIN_COUNT-1 and a secondary one at least
  MIN_COUNT. From that, each suppressed cell has a smallest and a largest possible value (its
  interval); it must keep at least :attr:`Protection.min_values` possible values and span at least
  :attr:`Protection.min_width_pct` % of its upper end. :func:`plan` computes the intervals exactly
  (bounds propagation over the sums; the groups of one indicator and year form a tree, where that
  is exact) and, while a cell is too narrow, suppresses the cheapest published cell of one of its
  sums (parts before totals, by value for counts and by denominator for shares; ties by code).
  Two share series of a year whose denominators count the same persons (I02 and I07 per 100
  graduates: equal in every scope) hide the same scopes, else one would publish what the other hid.
  The suppressions of one year depend on that year only, so every
  export and the report, of any year and kind, hide a cell the same way. :mod:`indicators.audit`
  checks the written files independently with linear programs (HiGHS). The ``measure`` rows are
  different quantities, not a breakdown, and form no group.

Suppressed cells read :data:`MARKER` (``..``, as Statistics Sweden writes it) everywhere, and the
long table says which rule hid each one (``primary`` or ``secondary``).

The package: :mod:`~indicators.disclosure.rules` (the levels, which cells count persons, the
primary rule and its wording), :mod:`~indicators.disclosure.sums` (the sums that link cells: the
groups, the ties of a count and a share, their metadata records),
:mod:`~indicators.disclosure.intervals` (:func:`plan`: the protection intervals by bounds
propagation, and secondary suppression), :mod:`~indicators.disclosure.history` (the cells earlier
publishes of the same numbers hid, hidden again: :func:`kept_cells`; and a publish that hides a cell an
earlier one published hides its total's growth with it: :func:`plan_after`).
"""

from __future__ import annotations

from indicators.disclosure.history import kept_cells, plan_after
from indicators.disclosure.intervals import (
    INF,
    Pattern,
    hidden_bounds,
    integer_interval,
    is_protected,
    plan,
    suppress,
)
from indicators.disclosure.rules import (
    KEPT,
    MARKER,
    MIN_COUNT,
    MIN_DENOMINATOR,
    NOT_A_BREAKDOWN,
    PERSON_COUNT_UNITS,
    PRIMARY,
    PRIMARY_NUMERATOR,
    SECONDARY,
    WITHHELD,
    CellKey,
    Protection,
    describe,
    is_protected_kind,
    primary_flag,
)
from indicators.disclosure.sums import (
    AT_LEAST,
    AT_MOST,
    EXACT,
    QUANTITIES_COUNT,
    QUANTITIES_SHARE,
    Group,
    GroupId,
    GroupKey,
    group_from_record,
    group_record,
    groups_of,
    quantities,
    tie_from_record,
    tie_record,
)

__all__ = [
    "AT_LEAST",
    "AT_MOST",
    "EXACT",
    "INF",
    "KEPT",
    "MARKER",
    "MIN_COUNT",
    "MIN_DENOMINATOR",
    "NOT_A_BREAKDOWN",
    "PERSON_COUNT_UNITS",
    "PRIMARY",
    "PRIMARY_NUMERATOR",
    "QUANTITIES_COUNT",
    "QUANTITIES_SHARE",
    "SECONDARY",
    "WITHHELD",
    "CellKey",
    "Group",
    "GroupId",
    "GroupKey",
    "Pattern",
    "Protection",
    "describe",
    "group_from_record",
    "group_record",
    "groups_of",
    "hidden_bounds",
    "integer_interval",
    "is_protected",
    "is_protected_kind",
    "kept_cells",
    "plan",
    "plan_after",
    "primary_flag",
    "quantities",
    "suppress",
    "tie_from_record",
    "tie_record",
]
