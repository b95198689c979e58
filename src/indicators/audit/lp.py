"""One linear program per connected part of a block, each checked variable's smallest and largest
value solved in that one model, warm-started: HiGHS (highspy) keeps its basis between the
objectives, so each bound after the first costs a few simplex iterations, and a variable that an
optimal solution left on its own bound has that end without a program. Without highspy, scipy's
``linprog`` (HiGHS too) solves each bound from scratch.

Measured on the bundled sample's whole 2024/25 publication (see docs/disclosure.md): the many
small programs were dominated by building a model per bound, not by solving it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

INF = float("inf")


class Model:
    """Variables with bounds and linear rows ``lo <= sum(coefficient * variable) <= hi``."""

    def __init__(self) -> None:
        self.names: dict[Hashable, int] = {}
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def copy(self) -> Model:
        """A model with the same variables and rows, to add rows to without changing this one."""
        other = Model()
        other.names, other.lower, other.upper = dict(self.names), list(self.lower), list(self.upper)
        other.rows = list(self.rows)
        return other

    def var(self, name: Hashable, lo: float = 0.0, hi: float = INF) -> int:
        if name not in self.names:
            self.names[name] = len(self.lower)
            self.lower.append(lo)
            self.upper.append(hi)
        return self.names[name]

    def row(self, coefficients: dict[int, float], lo: float, hi: float) -> None:
        coefficients = {position: c for position, c in coefficients.items() if c}
        if coefficients:
            self.rows.append((coefficients, lo, hi))

    def ranges(self, names: list[Hashable], memo: dict | None = None) -> dict[Hashable, tuple[float, float]]:
        """Each named variable's (min, max); (INF, -INF) where the program is infeasible. ``memo``: the
        connected parts solved before, by their variables and rows (several programs that differ in a
        few rows, e.g. the ways of :mod:`indicators.audit.publishes`, solve each part that is the same
        once)."""
        parent = list(range(len(self.lower)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for coefficients, _, _ in self.rows:
            first, *rest = coefficients
            for other in rest:
                parent[find(other)] = find(first)
        parts: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.lower)):
            parts[find(i)].append(i)
        rows_of: dict[int, list[int]] = defaultdict(list)
        for r, (coefficients, _, _) in enumerate(self.rows):
            rows_of[find(next(iter(coefficients)))].append(r)
        wanted: dict[int, list[Hashable]] = defaultdict(list)
        for name in names:
            wanted[find(self.names[name])].append(name)
        found: dict[Hashable, tuple[float, float]] = {}
        for root, asked in wanted.items():
            if memo is None:
                found.update(self._solve_part(parts[root], rows_of[root], asked))
                continue
            signature = (
                tuple((c, self.lower[c], self.upper[c]) for c in parts[root]),
                tuple(
                    (tuple(self.rows[r][0].items()), self.rows[r][1], self.rows[r][2]) for r in rows_of[root]
                ),
                tuple(asked),
            )
            if signature not in memo:
                memo[signature] = self._solve_part(parts[root], rows_of[root], asked)
            found.update(memo[signature])
        return found

    def _solve_part(self, columns, rows, asked):
        local = {column: i for i, column in enumerate(columns)}
        if not rows:  # no row: each variable's own bounds
            return {name: (self.lower[self.names[name]], self.upper[self.names[name]]) for name in asked}
        try:
            import highspy  # noqa: F401
        except ImportError:
            return _scipy(self, columns, local, rows, asked)
        return _highs(self, columns, local, rows, asked)


def _highs(model, columns, local, rows, asked):
    import highspy
    import numpy as np

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf

    def clip(value: float) -> float:
        return inf if value == INF else (-inf if value == -INF else value)

    lower = np.array([clip(model.lower[c]) for c in columns], dtype=float)
    upper = np.array([clip(model.upper[c]) for c in columns], dtype=float)
    h.addVars(len(columns), lower, upper)
    for r in rows:
        coefficients, lo, hi = model.rows[r]
        index = np.array([local[c] for c in coefficients], dtype=np.int32)
        value = np.array(list(coefficients.values()), dtype=float)
        h.addRow(clip(lo), clip(hi), len(index), index, value)
    found = {}
    statuses = highspy.HighsModelStatus
    # a variable's own bound that an optimal solution of this program reached is its smallest
    # (largest) value: no program can go below (above) its bound, and a solution is there
    reached: dict[float, dict[int, float]] = {1.0: {}, -1.0: {}}
    for name in asked:
        position = local[model.names[name]]
        ends = []
        for sign in (1.0, -1.0):
            if position in reached[sign]:
                ends.append(reached[sign][position])
                continue
            h.changeColCost(position, sign)
            h.run()
            status = h.getModelStatus()
            if status == statuses.kInfeasible:
                ends = [INF, -INF]
                break
            if status in (statuses.kUnbounded, statuses.kUnboundedOrInfeasible):
                ends.append(-INF if sign > 0 else INF)
            else:
                ends.append(sign * h.getInfo().objective_function_value)
                if status == statuses.kOptimal:
                    _bounds_reached(h.getSolution().col_value, lower, upper, reached)
        h.changeColCost(position, 0.0)
        found[name] = (ends[0], ends[1])
    return found


def _bounds_reached(values, lower, upper, reached) -> None:
    """Note each variable that sits exactly on its lower (upper) bound in an optimal solution."""
    for i, value in enumerate(values):
        if value == lower[i]:
            reached[1.0][i] = float(lower[i])
        if value == upper[i]:
            reached[-1.0][i] = float(upper[i])


def _scipy(model, columns, local, rows, asked):
    import numpy as np
    from scipy.optimize import linprog

    n = len(columns)
    eq, ub = [], []  # (coefficients, rhs)
    for r in rows:
        coefficients, lo, hi = model.rows[r]
        mapped = {local[c]: v for c, v in coefficients.items()}
        if lo == hi:
            eq.append((mapped, lo))
            continue
        if hi != INF:
            ub.append((mapped, hi))
        if lo != -INF:
            ub.append(({c: -v for c, v in mapped.items()}, -lo))

    def matrix(target):
        if not target:
            return None, None
        a = np.zeros((len(target), n))
        for i, (coefficients, _) in enumerate(target):
            for c, v in coefficients.items():
                a[i, c] = v
        return a, np.array([rhs for _, rhs in target])

    a_eq, b_eq = matrix(eq)
    a_ub, b_ub = matrix(ub)
    bounds = [(model.lower[c], None if model.upper[c] == INF else model.upper[c]) for c in columns]
    found = {}
    for name in asked:
        position = local[model.names[name]]
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(n)
            c[position] = sign
            solved = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if solved.status == 2:
                ends = [INF, -INF]
                break
            ends.append((-INF if sign > 0 else INF) if solved.status == 3 else sign * solved.fun)
        found[name] = (ends[0], ends[1])
    return found
