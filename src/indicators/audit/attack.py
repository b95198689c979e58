"""The attack: each suppressed quantity's smallest and largest value, by linear programs (scipy's
HiGHS) over a block's published cells and sums, and the verdict (see :mod:`indicators.audit`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import product
from pathlib import Path
from typing import Any

from indicators import disclosure
from indicators.audit import links, publishes
from indicators.audit.findings import AuditResult, Finding
from indicators.audit.lp import INF, Model
from indicators.audit.read import HIDDEN, Known, read_folder

_CACHE: dict[tuple, list[tuple[disclosure.CellKey, str, tuple[float, float]]]] = {}

Block = dict[disclosure.CellKey, Known]


def audit(
    folders: Path | str | Sequence[Path | str], protection: disclosure.Protection | None = None
) -> AuditResult:
    """Audit every file in ``folders`` (see :mod:`indicators.audit`).

    Several folders are publishes of the same numbers at different times (``--as-of`` exports,
    nightly runs), oldest first: each is read on its own and they are attacked together, linked
    by the attacker's assumption that a count grows between two publishes by at most what the
    published total grew (0 <= later - earlier <= growth; a shrinking total the other way)."""
    paths = [Path(folders)] if isinstance(folders, str | Path) else [Path(folder) for folder in folders]
    readings = [read_folder(path) for path in paths]
    given = (
        protection or next((r.protection for r in readings if r.protection), None) or disclosure.Protection()
    )
    # the levels given or the files'; which shares count no persons is always the files' (their catalogue)
    protection = given.with_catalogue(frozenset().union(*(r.non_person_shares for r in readings)))
    names = [path.name for path in paths]
    tags = names if len(paths) > 1 else [None]
    result = AuditResult(
        paths[0] if len(paths) == 1 else Path(", ".join(map(str, paths))),
        [
            f"{name}/{file}" if len(paths) > 1 else file
            for name, r in zip(names, readings, strict=True)
            for file in r.files
        ],
        protection,
    )
    result.unread = [
        (f"{name}/{file}" if len(paths) > 1 else file, why)
        for name, r in zip(names, readings, strict=True)
        for file, why in r.unread
    ]
    result.hidden = sum(reading.hidden_read for reading in readings)
    per_reading: list[dict[tuple[str, str], Block]] = []
    for tag, reading in zip(tags, readings, strict=True):
        blocks: dict[tuple[str, str], Block] = defaultdict(dict)
        for key, known in reading.cells.items():
            # a programme cell of the report: the headline's unit
            if known.unit is None and known.share is None:
                known.unit = reading.cells.get((key[0], key[1], None, None, None), Known()).unit
            if known.value is None:
                continue
            if not disclosure.is_protected_kind(key[0], known.unit, known.is_share, protection):
                result.not_persons += known.value == HIDDEN
                continue
            blocks[(key[0], key[1])][key] = known
        per_reading.append(blocks)
        for key, value in sorted(reading.derived.items()):
            known = reading.cells.get(key)
            if (
                known is not None
                and known.value == HIDDEN
                and disclosure.is_protected_kind(key[0], known.unit, known.is_share, protection)
            ):
                result.findings.append(Finding(*key, "value", known.flag, (value, value), False, tag))
    for i in range(1, len(per_reading)):  # consecutive publishes, cell by cell
        result.revisions += publishes.revisions(
            per_reading[i - 1], per_reading[i], (names[i - 1], names[i]), protection
        )
    pairs = [
        links.shared_denominators(blocks.values(), reading.shared)
        for blocks, reading in zip(per_reading, readings, strict=True)
    ]
    every_block = {key for blocks in per_reading for key in blocks}
    for together in links.linked_blocks({pair for found in pairs for pair in found}, every_block):
        merged = [_merged(blocks, together) for blocks in per_reading]
        present = [i for i, block in enumerate(merged) if block]
        if not any(known.value == HIDDEN for i in present for known in merged[i].values()):
            continue
        parts = [
            (i, merged[i], readings[i].relations, readings[i].ties, _within(pairs[i], together))
            for i in present
        ]
        found, why = None, None
        if len(present) > 1:
            label = ", ".join(" ".join(block) for block in together)
            found, why = _joint(parts, protection, dict(enumerate(names)), label)
            if why:  # the publishes disagree with the model: each attacked alone, and said so
                result.disagreements.append(why)
        if found is None:
            found = [
                (i, key, quantity, interval)
                for i, block, relations, ties, shared in parts
                for key, quantity, interval in block_intervals(
                    block,
                    relations,
                    protection,
                    [tie for tie in ties if tie[0] in block and tie[1] in block],
                    shared,
                )
            ]
        for i, key, quantity, interval in found:
            known = merged[i][key]
            prior = disclosure.hidden_bounds(known.flag, quantity, protection)
            protected = interval[0] <= interval[1] and disclosure.is_protected(interval, prior, protection)
            result.findings.append(Finding(*key, quantity, known.flag, interval, protected, tags[i]))
    return result


def _merged(blocks: dict[tuple[str, str], Block], together: list[tuple[str, str]]) -> Block:
    """The cells of the blocks attacked together (each cell's key names its indicator and year)."""
    merged: Block = {}
    for block_key in together:
        merged.update(blocks.get(block_key, {}))
    return merged


def _within(pairs, together) -> list:
    return [pair for pair in pairs if (pair[0][0], pair[0][1]) in together]


def block_intervals(
    block: Block,
    relations: dict[disclosure.GroupKey, str],
    protection: disclosure.Protection,
    ties: list | None = None,
    shared: list | None = None,
) -> list[tuple[disclosure.CellKey, str, tuple[float, float]]]:
    """Each suppressed quantity's (min, max) given the block's published cells, by HiGHS; ``shared``:
    the pairs of its share series whose denominators are the same persons (:mod:`~indicators.audit.links`)."""
    signature = (
        _signature(block, relations),
        protection,
        tuple(sorted(_sig(tie) for tie in ties or [])),
        tuple(sorted(_sig(pair) for pair in shared or [])),
    )
    if signature in _CACHE:
        return _CACHE[signature]
    model = Model()
    checked = _add_block(model, 0, block, relations, protection, ties or [], shared or [])
    ranges = model.ranges(checked)
    _CACHE[signature] = found = [
        (key, quantity, _rounded(ranges[(0, key, quantity)])) for _, key, quantity in checked
    ]
    return found


def _joint(parts, protection, names: dict[int, str], label: str):
    """One block (indicator, year) as several publishes show it, attacked together, linked by the model
    of :mod:`~indicators.audit.publishes`; (found, None), or (None, why) where the publishes disagree
    with it."""
    model = Model()
    checked = []
    for i, block, relations, ties, shared in parts:
        ties = [tie for tie in ties if tie[0] in block and tie[1] in block]
        checked += _add_block(model, i, block, relations, protection, ties, shared)
    blocks = {i: block for i, block, *_ in parts}
    found_links = publishes.links([(i, block) for i, block, *_ in parts])
    classes, way, why = publishes.ways(found_links, blocks, names)
    unknown = sorted({root for root, sign in way.items() if sign is None}, key=repr)
    tried, unlinked = unknown[: publishes.MAX_UNKNOWN_WAYS], set(unknown[publishes.MAX_UNKNOWN_WAYS :])
    hull: dict = {}
    memo: dict = {}  # the connected parts no way changes are solved once
    for signs in product((1.0, -1.0), repeat=len(tried)):
        branch = model.copy()
        chosen = {**way, **dict(zip(tried, signs, strict=True))}
        for link in found_links:
            root = classes[(link.earlier, link.later, link.key, link.quantity)]
            if root not in unlinked:
                _changes_with(branch, blocks, link, chosen[root], protection)
        for name, (lo, hi) in branch.ranges(checked, memo).items():
            if lo <= hi:
                old = hull.get(name, (INF, -INF))
                hull[name] = (min(old[0], lo), max(old[1], hi))
    if len(hull) < len(checked):  # some part of the program admits no values in either way
        return None, why or publishes.disagreement(label, (names[min(blocks)], names[max(blocks)]))
    return [(i, key, quantity, _rounded(hull[(i, key, quantity)])) for i, key, quantity in checked], None


def _changes_with(model: Model, blocks, link, sign: float, protection) -> None:
    """The part's change has the total's sign and is at most as large: sign * change(part) >= 0 and
    sign * (change(total) - change(part)) >= 0."""

    def change(cell) -> tuple[dict[int, float], float]:  # later - earlier: variables and a constant
        coefficients: dict[int, float] = defaultdict(float)
        constant = 0.0
        for index, direction in ((link.later, 1.0), (link.earlier, -1.0)):
            position, value = _term(model, index, blocks[index], cell, link.quantity, protection)
            if position is None:
                constant += direction * value
            else:
                coefficients[position] += direction
        return coefficients, constant

    part, part_constant = change(link.key)
    rest, total_constant = change(link.total)
    for position, coefficient in part.items():
        rest[position] -= coefficient
    for coefficients, constant in ((part, part_constant), (rest, total_constant - part_constant)):
        model.row({position: sign * c for position, c in coefficients.items()}, -sign * constant, INF)


def _rounded(interval):
    lo, hi = interval
    if lo <= hi:
        lo, hi = disclosure.integer_interval(lo, hi)
    return lo, hi


def _signature(block: Block, relations) -> tuple:
    groups = [
        group
        for group in disclosure.groups_of(block, is_share=lambda k: k.is_share)
        if group.total is not None
    ]
    return (
        tuple(
            sorted(
                (
                    _sig(key),
                    known.is_share,
                    _sig(known.value),
                    _sig(known.numerator),
                    _sig(known.denominator),
                    known.flag or "",
                )
                for key, known in block.items()
            )
        ),
        tuple(
            sorted(
                (_sig(group.key), quantity, relations[(group.key, quantity)])
                for group in groups
                for quantity in disclosure.quantities(group.is_share)
                if (group.key, quantity) in relations
            )
        ),
    )


def _sig(value: Any) -> str:
    return repr(value)


def _term(model: Model, tag: int, block: Block, key, quantity: str, protection) -> tuple[int | None, float]:
    """(variable, 0) for an unknown quantity, (None, value) for a published one."""
    known = block[key]
    value = known.get(quantity)
    if isinstance(value, float):
        return None, value
    if value == HIDDEN:
        lo, hi = disclosure.hidden_bounds(known.flag, quantity, protection)
    else:  # not shown anywhere (e.g. a share's numerator in the report): any count
        lo, hi = 0.0, disclosure.INF
    return model.var((tag, key, quantity), lo, hi), 0.0


def _add_block(model: Model, tag: int, block: Block, relations, protection, ties, shared=()) -> list:
    """The block's sums, shares, ties and shared denominators as rows of ``model``; returns its
    hidden quantities."""
    groups = [
        group
        for group in disclosure.groups_of(block, is_share=lambda known: known.is_share)
        if group.total is not None
    ]

    def row(terms: list[tuple[float, disclosure.CellKey, str]], lo: float, hi: float) -> None:
        coefficients: dict[int, float] = defaultdict(float)
        rhs = 0.0
        for coefficient, key, quantity in terms:
            position, value = _term(model, tag, block, key, quantity, protection)
            if position is None:
                rhs -= coefficient * value
            else:
                coefficients[position] += coefficient
        model.row(dict(coefficients), lo + rhs, hi + rhs)

    inf = disclosure.INF
    for group in groups:
        members = [*group.parts, group.total]
        if not any(
            HIDDEN in (block[key].value, block[key].numerator, block[key].denominator) for key in members
        ):
            continue
        for quantity in disclosure.quantities(group.is_share):
            if block[group.total].get(quantity) is None and block[group.total].value != HIDDEN:
                continue
            relation = relations.get((group.key, quantity), disclosure.EXACT)
            parts = [(1.0, key, quantity) for key in group.parts]
            total = (-1.0, group.total, quantity)
            if relation == disclosure.EXACT:
                row([*parts, total], 0.0, 0.0)
            # listed as not exact, a sum is not exact: the total is at least 1 above (below) it
            elif relation == disclosure.AT_LEAST:  # total > sum of parts
                row([*parts, total], -inf, -1.0)
            else:  # total < sum of parts, every part <= total
                row([*parts, total], 1.0, inf)
                for key in group.parts:
                    row([(1.0, key, quantity), total], -inf, 0.0)
    for key, known in block.items():
        if known.is_share and known.value == HIDDEN:
            row([(1.0, key, "numerator"), (-1.0, key, "denominator")], -inf, 0.0)
    for count, share in ties:  # a share's numerator that is the count of the same line
        if block[share].is_share and not block[count].is_share:
            row([(1.0, count, "value"), (-1.0, share, "numerator")], 0.0, 0.0)
    for first, second in shared:  # two shares of the same persons: one denominator in every scope
        for key, known in block.items():
            twin = (second[0], second[1], key[2], second[2], second[3])
            if links.series_of(key) == first and known.is_share and twin in block and block[twin].is_share:
                row([(1.0, key, "denominator"), (-1.0, twin, "denominator")], 0.0, 0.0)
    for key, known in block.items():  # every hidden quantity is a variable, even outside any sum
        if known.value == HIDDEN:
            for quantity in disclosure.quantities(known.is_share):
                _term(model, tag, block, key, quantity, protection)
    hidden = [
        (tag, key, quantity)
        for key, known in block.items()
        for quantity in disclosure.quantities(known.is_share)
        if known.get(quantity) == HIDDEN
    ]
    return sorted(hidden, key=lambda name: model.names[name])  # in the order the rows met them
