"""The attack: each suppressed quantity's smallest and largest value, by linear programs (scipy's
HiGHS) over a block's published cells and sums, and the verdict (see :mod:`indicators.audit`)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from indicators import disclosure
from indicators.audit.findings import AuditResult, Finding
from indicators.audit.read import HIDDEN, Known, read_folder

_CACHE: dict[tuple, list[tuple[disclosure.CellKey, str, tuple[float, float]]]] = {}


def audit(folder: Path, protection: disclosure.Protection | None = None) -> AuditResult:
    """Audit every file in ``folder`` (see :mod:`indicators.audit`)."""
    reading = read_folder(Path(folder))
    # the levels given or the files'; which shares count no persons is always the files' (their catalogue)
    protection = (protection or reading.protection or disclosure.Protection()).with_catalogue(
        reading.non_person_shares
    )
    result = AuditResult(Path(folder), reading.files, protection)
    blocks: dict[tuple[str, str], dict[disclosure.CellKey, Known]] = defaultdict(dict)
    for key, known in reading.cells.items():
        if known.unit is None and known.share is None:  # a programme cell of the report: the headline's unit
            known.unit = reading.cells.get((key[0], key[1], None, None, None), Known()).unit
        if (
            not disclosure.is_protected_kind(key[0], known.unit, known.is_share, protection)
            or known.value is None
        ):
            continue
        blocks[(key[0], key[1])][key] = known
    for key, value in sorted(reading.derived.items()):
        known = reading.cells.get(key)
        if (
            known is not None
            and known.value == HIDDEN
            and disclosure.is_protected_kind(key[0], known.unit, known.is_share, protection)
        ):
            result.findings.append(Finding(*key, "value", known.flag, (value, value), False))
    for block_key in sorted(blocks):
        block = blocks[block_key]
        if not any(known.value == HIDDEN for known in block.values()):
            continue
        ties = [tie for tie in reading.ties if tie[0] in block and tie[1] in block]
        for key, quantity, interval in block_intervals(block, reading.relations, protection, ties):
            known = block[key]
            prior = disclosure.hidden_bounds(known.flag, quantity, protection)
            protected = interval[0] <= interval[1] and disclosure.is_protected(interval, prior, protection)
            result.findings.append(Finding(*key, quantity, known.flag, interval, protected))
    return result


def block_intervals(
    block: dict[disclosure.CellKey, Known],
    relations: dict[disclosure.GroupKey, str],
    protection: disclosure.Protection,
    ties: list | None = None,
) -> list[tuple[disclosure.CellKey, str, tuple[float, float]]]:
    """Each suppressed quantity's (min, max) given the block's published cells, by HiGHS."""
    groups = [
        group
        for group in disclosure.groups_of(block, is_share=lambda known: known.is_share)
        if group.total is not None
    ]
    signature = (
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
        protection,
        tuple(sorted(_sig(tie) for tie in ties or [])),
    )
    if signature in _CACHE:
        return _CACHE[signature]
    _CACHE[signature] = found = _solve(block, groups, relations, protection, ties or [])
    return found


def _sig(value: Any) -> str:
    return repr(value)


def _solve(block, groups, relations, protection, ties):
    import numpy as np
    from scipy.optimize import linprog

    index: dict[tuple[disclosure.CellKey, str], int] = {}
    bounds: list[tuple[float, float | None]] = []
    checked: list[tuple[disclosure.CellKey, str]] = []

    def term(key: disclosure.CellKey, quantity: str) -> tuple[int | None, float]:
        """(variable index, None) for an unknown quantity, (None, value) for a published one."""
        known = block[key]
        value = known.get(quantity)
        if isinstance(value, float):
            return None, value
        if (key, quantity) not in index:
            index[(key, quantity)] = len(bounds)
            if value == HIDDEN:
                lo, hi = disclosure.hidden_bounds(known.flag, quantity, protection)
                checked.append((key, quantity))
            else:  # not shown anywhere (e.g. a share's numerator in the report): any count
                lo, hi = 0.0, disclosure.INF
            bounds.append((lo, None if hi == disclosure.INF else hi))
        return index[(key, quantity)], 0.0

    eq_rows: list[tuple[dict[int, float], float]] = []
    ub_rows: list[tuple[dict[int, float], float]] = []

    def row(terms: list[tuple[float, disclosure.CellKey, str]], target: list, rhs: float = 0.0) -> None:
        coefficients: dict[int, float] = defaultdict(float)
        for coefficient, key, quantity in terms:
            position, value = term(key, quantity)
            if position is None:
                rhs -= coefficient * value
            else:
                coefficients[position] += coefficient
        if coefficients:
            target.append((dict(coefficients), rhs))

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
                row([*parts, total], eq_rows)
            elif relation == disclosure.AT_LEAST:  # total >= sum of parts
                row([*parts, total], ub_rows)
            else:  # total <= sum of parts, every part <= total
                row([(-1.0, key, quantity) for key in group.parts] + [(1.0, group.total, quantity)], ub_rows)
                for key in group.parts:
                    row([(1.0, key, quantity), total], ub_rows)
    for key, known in block.items():
        if known.is_share and known.value == HIDDEN:
            row([(1.0, key, "numerator"), (-1.0, key, "denominator")], ub_rows)
    for count, share in ties:  # a share's numerator that is the count of the same line
        if block[share].is_share and not block[count].is_share:
            row([(1.0, count, "value"), (-1.0, share, "numerator")], eq_rows)
    for key, known in block.items():  # every hidden quantity is a variable, even outside any sum
        if known.value == HIDDEN:
            for quantity in disclosure.quantities(known.is_share):
                term(key, quantity)

    n = len(bounds)

    def matrix(rows):
        if not rows:
            return None, None
        a = np.zeros((len(rows), n))
        for r, (coefficients, _) in enumerate(rows):
            for position, coefficient in coefficients.items():
                a[r, position] = coefficient
        return a, np.array([rhs for _, rhs in rows])

    a_eq, b_eq = matrix(eq_rows)
    a_ub, b_ub = matrix(ub_rows)
    found = []
    for key, quantity in checked:
        position = index[(key, quantity)]
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(n)
            c[position] = sign
            solved = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if solved.status == 2:  # infeasible: the published numbers contradict the sums
                ends = [disclosure.INF, -disclosure.INF]
                break
            if solved.status == 3:
                ends.append(-disclosure.INF if sign > 0 else disclosure.INF)
            else:
                ends.append(sign * solved.fun)
        lo, hi = ends
        if lo <= hi:
            lo, hi = disclosure.integer_interval(lo, hi)
        found.append((key, quantity, (lo, hi)))
    return found
