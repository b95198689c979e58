"""The audit's linear programs (indicators.audit.lp): a bound is solved for, or read off a solution."""

from __future__ import annotations

import pytest

from indicators.audit.lp import INF, Model

highspy = pytest.importorskip("highspy")


@pytest.fixture
def runs(monkeypatch) -> list[int]:
    """The programs HiGHS solved (each ``Highs.run``)."""
    solved: list[int] = []
    real = highspy.Highs.run

    def counted(self):
        solved.append(1)
        return real(self)

    monkeypatch.setattr(highspy.Highs, "run", counted)
    return solved


def test_a_bound_that_an_optimal_solution_reached_is_not_solved_again(runs):
    # two hidden cells of 1..4 (the rule's prior) whose published total is 5: a + b = 5. By hand:
    # min a gives a = 1, b = 4 (b on its upper bound: b's largest value is 4); max a gives a = 4,
    # b = 1 (b's smallest is 1). Each is 1..4, from two programs, not four
    model = Model()
    a, b = model.var("a", 1, 4), model.var("b", 1, 4)
    model.row({a: 1.0, b: 1.0}, 5, 5)
    assert model.ranges(["a", "b"]) == {"a": (1.0, 4.0), "b": (1.0, 4.0)}
    assert len(runs) == 2


def test_a_bound_not_reached_is_still_solved(runs):
    # a + b + c = 10, each 0..6, c published as 4 (fixed): a + b = 6 with a, b in 0..6. By hand: min a
    # gives a = 0, b = 6 (b's max read off), max a gives a = 6, b = 0 (b's min read off), and c's 4..4
    # is read off the first solution (its bounds are 4 and 4): two programs for three ranges
    model = Model()
    a, b, c = model.var("a", 0, 6), model.var("b", 0, 6), model.var("c", 4, 4)
    model.row({a: 1.0, b: 1.0, c: 1.0}, 10, 10)
    assert model.ranges(["a", "b", "c"]) == {"a": (0.0, 6.0), "b": (0.0, 6.0), "c": (4.0, 4.0)}
    assert len(runs) == 2
    # an upper end no solution can sit on (no bound): solved, and unbounded
    runs.clear()
    open_ended = Model()
    x, y = open_ended.var("x", 0, INF), open_ended.var("y", 0, INF)
    open_ended.row({x: 1.0, y: -1.0}, 2, 2)  # x - y = 2: x is 2.., y is 0..
    assert open_ended.ranges(["x", "y"]) == {"x": (2.0, INF), "y": (0.0, INF)}
    assert len(runs) == 3  # min x (y = 0 read off), max x (unbounded), max y (unbounded)
