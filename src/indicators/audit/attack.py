"""The attack: each suppressed quantity's smallest and largest value, by linear programs (scipy's
HiGHS) over a block's published cells and sums, and the verdict (see :mod:`indicators.audit`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from indicators import disclosure
from indicators.audit import links
from indicators.audit.findings import AuditResult, Finding, Revision
from indicators.audit.lp import Model
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
        result.revisions += _revisions(
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
        if len(present) == 1:
            i, block, relations, ties, shared = parts[0]
            ties = [tie for tie in ties if tie[0] in block and tie[1] in block]
            found = [
                (i, key, quantity, interval)
                for key, quantity, interval in block_intervals(block, relations, protection, ties, shared)
            ]
        else:
            found = _joint(parts, protection)
        for i, key, quantity, interval in found:
            known = merged[i][key]
            prior = disclosure.hidden_bounds(known.flag, quantity, protection)
            protected = interval[0] <= interval[1] and disclosure.is_protected(interval, prior, protection)
            result.findings.append(Finding(*key, quantity, known.flag, interval, protected, tags[i]))
    return result


def _revisions(
    earlier: dict[tuple[str, str], Block], later: dict[tuple[str, str], Block], folders, protection
) -> list[Revision]:
    """The person counts both publishes show whose difference is 1..min_count-1 (a count's value, a
    share's numerator and denominator)."""
    found = []
    for block_key in sorted(earlier.keys() & later.keys()):
        a, b = earlier[block_key], later[block_key]
        for key in sorted(
            a.keys() & b.keys(), key=lambda key: tuple("" if part is None else part for part in key)
        ):
            if a[key].is_share != b[key].is_share:
                continue
            for quantity in disclosure.quantities(a[key].is_share):
                if quantity == "value" and a[key].is_share:
                    continue  # a share's value is a ratio, its numerator and denominator count persons
                old, new = a[key].get(quantity), b[key].get(quantity)
                if (
                    isinstance(old, float)
                    and isinstance(new, float)
                    and 0 < abs(new - old) < protection.min_count
                ):
                    found.append(Revision(*key, quantity, old, new, folders))
    return found


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


def _joint(parts, protection):
    """One block (indicator, year) as several publishes show it, attacked together."""
    model = Model()
    checked = []
    for i, block, relations, ties, shared in parts:
        ties = [tie for tie in ties if tie[0] in block and tie[1] in block]
        checked += _add_block(model, i, block, relations, protection, ties, shared)
    for (i, earlier, *_), (j, later, *_) in zip(parts, parts[1:], strict=False):
        _growth(model, (i, earlier), (j, later), protection)
    ranges = model.ranges(checked)
    return [(i, key, quantity, _rounded(ranges[(i, key, quantity)])) for i, key, quantity in checked]


def _growth(model: Model, earlier: tuple[int, Block], later: tuple[int, Block], protection) -> None:
    """Each quantity of a later publish minus the earlier one lies between 0 and the growth of every
    total it is a part of (directly or through other totals: its programme's headline, the faculty's
    cell of its breakdown value or measure, the block's headline), where both publish that total."""
    (i, a), (j, b) = earlier, later
    above = _totals_above(b)
    for key in a.keys() & b.keys():
        if a[key].is_share != b[key].is_share:
            continue
        for total in above.get(key, ()):
            if total not in a or a[total].is_share != a[key].is_share:
                continue
            for quantity in disclosure.quantities(a[key].is_share):
                growth = [a[total].get(quantity), b[total].get(quantity)]
                if all(isinstance(value, float) for value in growth):
                    _grew_within(model, (i, a), (j, b), key, quantity, growth[1] - growth[0], protection)


def _grew_within(model: Model, earlier, later, key, quantity: str, change: float, protection) -> None:
    """0 <= later - earlier <= change (change >= 0), or change <= later - earlier <= 0."""
    terms: dict[int, float] = defaultdict(float)
    rhs = 0.0
    for tag, block, sign in ((*later, 1.0), (*earlier, -1.0)):
        position, value = _term(model, tag, block, key, quantity, protection)
        if position is None:
            rhs -= sign * value
        else:
            terms[position] += sign
    if terms:
        model.row(dict(terms), min(0.0, change) + rhs, max(0.0, change) + rhs)


def _totals_above(block: Block) -> dict[disclosure.CellKey, set[disclosure.CellKey]]:
    """Each cell's totals: those of its sums, and theirs in turn (a sum's total is of the same kind)."""
    direct: dict[disclosure.CellKey, set[disclosure.CellKey]] = defaultdict(set)
    for group in disclosure.groups_of(block, is_share=lambda known: known.is_share):
        for part in group.parts if group.total is not None else ():
            direct[part].add(group.total)
    above: dict[disclosure.CellKey, set[disclosure.CellKey]] = {}
    for key in direct:
        seen: set[disclosure.CellKey] = set()
        todo = list(direct[key])
        while todo:
            total = todo.pop()
            if total not in seen:
                seen.add(total)
                todo += direct.get(total, ())
        above[key] = seen
    return above


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
