"""Secondary suppression: :func:`plan` (the primary rule, then the protection intervals by bounds
propagation over the sums, suppressing more cells while one is too narrow) and the protection level
(:func:`is_protected`), which :mod:`indicators.audit` applies to its linear programs too."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from indicators.disclosure.rules import (
    KEPT,
    NOT_A_BREAKDOWN,
    PRIMARY,
    PRIMARY_NUMERATOR,
    SECONDARY,
    WITHHELD,
    CellKey,
    Protection,
    _Cell,
    _number,
    is_protected_kind,
    primary_flag,
)
from indicators.disclosure.sums import (
    AT_LEAST,
    AT_MOST,
    EXACT,
    Group,
    GroupId,
    GroupKey,
    _sort_key,
    _ties,
    _true_relation,
    group_record,
    groups_of,
    quantities,
    tie_record,
)


def suppress(rows: Iterable[Mapping], protection: Protection | None = None) -> dict[CellKey, str]:
    """The suppressed cells of a set of indicator values: ``{cell key: 'primary' | 'secondary'}``.

    ``rows`` are mappings with the columns of ``marts.indicator_values`` (indicator_id,
    academic_year, programme_code, dimension, dimension_value, value, numerator, denominator,
    unit). Pass every row of the years published, so that the groups are complete.
    """
    return plan(rows, protection).flags


@dataclass
class Pattern:
    """What :func:`plan` decided: the flags, and the sums that are not exact (public, in the metadata)."""

    flags: dict[CellKey, str]
    relations: dict[GroupKey, str]  # (group, quantity) -> AT_LEAST | AT_MOST; absent: an exact sum
    intervals: dict[tuple[CellKey, str], tuple[float, float]]
    ties: list[tuple[CellKey, CellKey]] | None = None  # (count, share whose numerator is that count)
    # share series (indicator, year, dimension, dimension_value) whose denominators are the same persons
    shared: list[tuple[tuple, tuple]] | None = None

    def linked_numerators(self) -> list[dict]:
        """The ties of suppressed cells, as the metadata writes them (the audit reads them back)."""
        return [
            tie_record(count, share)
            for count, share in self.ties or []
            if count in self.flags or share in self.flags
        ]

    def shared_denominators(self) -> list[dict]:
        """The share series linked by their denominators where one hides a cell, as the metadata
        writes them (the audit attacks them together)."""
        hidden = {(key[0], key[1], key[3], key[4]) for key in self.flags}
        return [
            {
                "academic_year": first[1],
                "series": [
                    {"indicator_id": side[0], "dimension": side[2], "dimension_value": side[3]}
                    for side in (first, second)
                ],
            }
            for first, second in self.shared or []
            if first in hidden or second in hidden
        ]

    def linked_sums(self) -> list[dict]:
        return [
            group_record(group, quantity, relation)
            for (group, quantity), relation in sorted(
                self.relations.items(), key=lambda item: _sort_key(item[0])
            )
        ]


def plan(
    rows: Iterable[Mapping], protection: Protection | None = None, kept: Collection[CellKey] = ()
) -> Pattern:
    """Primary and secondary suppression with protection intervals (see the module docstring).

    ``kept``: cells an earlier publish of the same numbers hid (:mod:`indicators.disclosure.history`);
    each is hidden again, marked ``kept`` whatever its value now (a word that followed the value
    would give a crossing of the primary threshold away), and the secondary cells are chosen
    around them as around any hidden cell."""
    protection = protection or Protection()
    cells: dict[CellKey, _Cell] = {}
    for row in rows:
        key: CellKey = (
            row["indicator_id"],
            row["academic_year"],
            row.get("programme_code"),
            row.get("dimension"),
            row.get("dimension_value"),
        )
        value = _number(row.get("value"))
        denominator = _number(row.get("denominator"))
        unit = row.get("unit")
        if not is_protected_kind(key[0], unit, denominator is not None, protection):
            continue
        numerator = _number(row.get("numerator"))
        cell = _Cell(key, value, denominator, unit, denominator is not None, numerator)
        cell.flag = primary_flag(key[0], unit, value, denominator, protection, numerator)
        if key in kept and value is not None:  # withheld earlier: withheld again (it may be 0)
            cell.flag = WITHHELD if key in getattr(kept, "withheld", ()) else KEPT
        cells[key] = cell

    blocks: dict[tuple[str, str], dict[CellKey, _Cell]] = defaultdict(dict)
    for key, cell in cells.items():
        blocks[(key[0], key[1])][key] = cell
    relations: dict[GroupKey, str] = {}
    intervals: dict[tuple[CellKey, str], tuple[float, float]] = {}
    all_ties: list[tuple[CellKey, CellKey]] = []
    sums: dict[tuple[str, str], tuple[list[Group], list[tuple[CellKey, CellKey]]]] = {}
    for block_key, block in blocks.items():
        ties = _ties(block)
        all_ties += ties
        groups = [group for group in groups_of(block) if group.total is not None]
        for group in groups:
            for quantity in quantities(group.is_share):
                relation = _true_relation(block, group, quantity)
                if relation is not None and relation != EXACT:
                    relations[(group.key, quantity)] = relation
        sums[block_key] = groups, ties
        intervals.update(_protect_block(block, groups, relations, protection, ties))
    changed = _align_shared_denominators(cells)
    while changed:  # a block that hid more cells is protected again, until nothing changes
        for block_key in sorted(changed):
            groups, ties = sums[block_key]
            intervals.update(_protect_block(blocks[block_key], groups, relations, protection, ties))
        changed = _align_shared_denominators(cells)
    flags = {key: cell.flag for key, cell in cells.items() if cell.flag}
    shared = [
        tuple(
            (key[0], key[1], key[3], key[4])
            for key in (next(iter(a.values())).key, next(iter(b.values())).key)
        )
        for a, b in _shared_denominators(cells)
    ]
    return Pattern(
        flags, relations, intervals, sorted(all_ties, key=lambda tie: _sort_key((tie[0], ""))), shared
    )


def _shared_denominators(cells: Mapping[CellKey, _Cell]) -> list[list[dict]]:
    """The share series of one year that count the same persons in their denominators: a series is
    the shares of one indicator, year and measure (``dimension``, ``dimension_value``) by scope
    (faculty, programmes); two are linked when every scope both have has the same denominator (I02's
    graduates and I07's per 100 graduates), the scopes only one has a denominator of 0. Each
    publishes its denominators, so a denominator one hides and the other shows is no longer hidden:
    the other's sum over programmes gives the hidden one away (198 graduates less the other
    programmes' 45, 40, 50 and 60 is 3)."""
    series: dict[tuple, dict] = defaultdict(dict)
    for key, cell in cells.items():
        if cell.is_share and cell.denominator is not None and key[3] in (None, *NOT_A_BREAKDOWN):
            series[(key[1], key[0], key[3], key[4])][key[2]] = cell
    linked = []
    ordered = sorted(series, key=lambda item: tuple("" if part is None else str(part) for part in item))
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if first[0] != second[0]:
                continue
            a, b = series[first], series[second]
            common = a.keys() & b.keys()
            if (
                any(a[scope].denominator > 0 for scope in common)
                and all(a[scope].denominator == b[scope].denominator for scope in common)
                and all(side[scope].denominator == 0 for side in (a, b) for scope in side.keys() - common)
            ):
                linked.append([a, b])
    return linked


def _align_shared_denominators(cells: Mapping[CellKey, _Cell]) -> set[tuple[str, str]]:
    """A scope whose share is hidden in one of two linked series (:func:`_shared_denominators`) is
    hidden in the other too (secondary), so that together they give no hidden denominator away. The
    blocks (indicator, year) that hid a cell."""
    changed = set()
    for pair in _shared_denominators(cells):
        for hidden, other in (pair, pair[::-1]):
            for scope, cell in hidden.items():
                twin = other.get(scope)
                if cell.flag and twin is not None and not twin.flag and twin.published and twin.size > 0:
                    twin.flag = SECONDARY
                    changed.add((twin.key[0], twin.key[1]))
    return changed


# --- bounds, intervals and the protection level ----------------------------------------------------

INF = float("inf")


def hidden_bounds(flag: str | None, quantity: str, protection: Protection) -> tuple[float, float]:
    """What the public rule says about a suppressed quantity (``flag`` None: not known which rule)."""
    if flag == PRIMARY_NUMERATOR and quantity == "numerator":  # a share hidden for its numerator
        return 1.0, float(protection.min_count - 1)
    if flag == PRIMARY_NUMERATOR and quantity == "denominator":  # ... so its denominator is not small
        return float(protection.min_denominator), INF
    if quantity == "numerator" or flag in (WITHHELD, KEPT):  # anything, 0 too (a kept count may fall to 0)
        return 0.0, INF
    small = protection.min_count if quantity == "value" else protection.min_denominator
    if flag == PRIMARY:
        return 1.0, float(small - 1)
    if flag == SECONDARY:
        return float(small), INF  # a secondary cell is neither 0 (never hidden) nor small (primary)
    return 1.0, INF


def integer_interval(lo: float, hi: float) -> tuple[float, float]:
    """An LP interval rounded inwards to whole persons."""
    return float(math.ceil(lo - 1e-6)), (hi if hi == INF else float(math.floor(hi + 1e-6)))


def is_protected(interval: tuple[float, float], prior: tuple[float, float], protection: Protection) -> bool:
    """Wide enough: at least ``min_values`` values and ``min_width_pct`` % of the upper end, or as
    wide as the public rule alone allows (a primary cell cannot be hidden better than 1..4), or known
    to be 0 (only a share's numerator can be: the rule publishes a count of 0)."""
    lo, hi = interval
    if hi == INF:
        return True
    if hi == 0:  # known to be 0 (a hidden share's numerator): a count of 0 is published anyway
        return True
    if (lo, hi) == integer_interval(*prior):
        return True
    return hi - lo + 1 >= protection.min_values and hi - lo >= protection.min_width_pct / 100 * hi - 1e-9


def _protect_block(
    block: dict[CellKey, _Cell],
    groups: list[Group],
    relations: dict[GroupKey, str],
    protection: Protection,
    ties: list[tuple[CellKey, CellKey]] = (),
) -> dict[tuple[CellKey, str], tuple[float, float]]:
    membership: dict[CellKey, list[Group]] = defaultdict(list)
    for group in groups:
        for key in group.parts:
            membership[key].append(group)
        membership[group.total].append(group)
    given_up: set[tuple[CellKey, str]] = set()
    while True:
        tied = False
        for count, share in ties:  # one of a tie hidden: the other with it
            for hidden, other in ((count, share), (share, count)):
                if (
                    block[hidden].flag
                    and not block[other].flag
                    and block[other].published
                    and block[other].size > 0
                ):
                    block[other].flag = SECONDARY
                    tied = True
        intervals = _propagate(block, groups, relations, protection, ties)
        failing = [
            var
            for var, interval in intervals.items()
            if var not in given_up
            and not is_protected(interval, hidden_bounds(block[var[0]].flag, var[1], protection), protection)
        ]
        if not failing:
            return intervals
        helped: set[GroupId] = set()
        added = False
        for key, quantity in sorted(failing, key=lambda var: _sort_key(((var[0]), var[1]))):
            if any(group.key in helped for group in membership[key]):
                continue
            candidates = [
                (
                    candidate is group.total,
                    block[candidate].size,
                    _sort_key((candidate, "")),
                    candidate,
                    group,
                )
                for group in membership[key]
                for candidate in [*group.parts, group.total]
                if not block[candidate].flag and block[candidate].published and block[candidate].size > 0
            ]
            if not candidates:
                if _withhold(block, membership[key], membership):
                    helped.update(group.key for group in membership[key])
                    added = True
                else:
                    given_up.add((key, quantity))
                continue
            *_, chosen, group = min(candidates, key=lambda candidate: candidate[:3])
            block[chosen].flag = SECONDARY
            helped.update(group.key for group in membership[chosen])
            added = True
        if not added and not tied:
            return intervals


def _withhold(
    block: dict[CellKey, _Cell], groups: list[Group], membership: Mapping[CellKey, list[Group]]
) -> bool:
    """Every part of ``groups``, and of the breakdowns beneath each part, hidden as ``withheld`` (any
    value, 0 too; primary and secondary parts too, so that the word says nothing of a part): the last
    resort where a hidden cell is too narrow and no published cell of its sums is left to hide. The
    count of hidden parts, each at least 1, pinned it (a hidden faculty of 1..4 over three hidden
    programmes of 1 beside zeros is 3 or 4); a breakdown beneath a withheld part, left published,
    would pin the part again (a programme of 0 women and 0 men is 0). Whether anything was hidden."""
    changed = False
    todo, seen = list(groups), set()
    while todo:
        group = todo.pop()
        if group.key in seen:
            continue
        seen.add(group.key)
        for key in group.parts:
            cell = block[key]
            if cell.published and cell.flag != WITHHELD:
                cell.flag = WITHHELD
                changed = True
            todo += [beneath for beneath in membership[key] if beneath.total == key]
    return changed


def _propagate(
    block: dict[CellKey, _Cell],
    groups: list[Group],
    relations: dict[GroupKey, str],
    protection: Protection,
    ties: list[tuple[CellKey, CellKey]] = (),
) -> dict[tuple[CellKey, str], tuple[float, float]]:
    """Each hidden quantity's interval given the published cells, the sums and the public rule.

    Bounds propagation to a fixed point; exact when the sums of the block form a tree (each cell
    a part of one sum at most, as the marts are), a valid outer bound otherwise (the audit's
    linear programs are exact in every case)."""
    bounds: dict[tuple[CellKey, str], list[float]] = {}
    hidden: list[tuple[CellKey, str]] = []

    def var(key: CellKey, quantity: str) -> list[float] | None:
        found = bounds.get((key, quantity))
        if found is not None:
            return found
        cell = block[key]
        if cell.flag:
            found = list(hidden_bounds(cell.flag, quantity, protection))
            hidden.append((key, quantity))
        else:
            value = cell.get(quantity)
            if value is None:
                return None
            found = [value, value]
        bounds[(key, quantity)] = found
        return found

    constraints = []
    for group in groups:
        if not any(block[key].flag for key in [*group.parts, group.total]):
            continue
        for quantity in quantities(group.is_share):
            total = var(group.total, quantity)
            if total is None:
                continue
            parts = [found for found in (var(key, quantity) for key in group.parts) if found is not None]
            constraints.append((relations.get((group.key, quantity), EXACT), total, parts))
    for key, cell in block.items():
        if cell.flag and cell.is_share:
            numerator, denominator = var(key, "numerator"), var(key, "denominator")
            constraints.append(("le_pair", numerator, [denominator]))
    for count, share in ties:
        if block[count].flag or block[share].flag:
            value, numerator = var(count, "value"), var(share, "numerator")
            if value is not None and numerator is not None:
                constraints.append(("le_pair", value, [numerator]))
                constraints.append(("le_pair", numerator, [value]))
    for _ in range(100):
        changed = False
        for relation, total, parts in constraints:
            if relation == "le_pair":  # numerator <= denominator
                denominator = parts[0]
                if total[1] > denominator[1] + 1e-9:
                    total[1] = denominator[1]
                    changed = True
                if denominator[0] < total[0] - 1e-9:
                    denominator[0] = total[0]
                    changed = True
                continue
            lo_sum = sum(part[0] for part in parts)
            infinite = sum(1 for part in parts if part[1] == INF)
            hi_finite = sum(part[1] for part in parts if part[1] != INF)
            hi_sum = INF if infinite else hi_finite
            # a sum listed as not exact is not exact: the total is at least one above (below) the sum
            gap = 0 if relation == EXACT else 1
            new_total = list(total)
            if relation in (EXACT, AT_LEAST):
                new_total[0] = max(new_total[0], lo_sum + gap)
            if relation in (EXACT, AT_MOST):
                new_total[1] = min(new_total[1], hi_sum - gap)
            if relation == AT_MOST and parts:
                new_total[0] = max(new_total[0], max(part[0] for part in parts))
            for part in parts:
                if part[0] == part[1]:
                    continue
                others_lo = lo_sum - part[0]
                if part[1] == INF:
                    others_hi = INF if infinite > 1 else hi_finite
                else:
                    others_hi = INF if infinite else hi_finite - part[1]
                lo, hi = part
                if relation in (EXACT, AT_MOST):
                    lo = max(lo, total[0] + gap - others_hi)
                if relation in (EXACT, AT_LEAST):
                    hi = min(hi, total[1] - gap - others_lo)
                if relation == AT_MOST:
                    hi = min(hi, total[1])
                if lo > part[0] + 1e-9 or hi < part[1] - 1e-9:
                    part[0], part[1] = max(lo, part[0]), min(hi, part[1])
                    changed = True
            if new_total[0] > total[0] + 1e-9 or new_total[1] < total[1] - 1e-9:
                total[0], total[1] = new_total
                changed = True
        if not changed:
            break
    return {item: integer_interval(*bounds[item]) for item in hidden}
