"""Shares of different indicators that divide by the same persons (I02, graduates with a stay
abroad, and I07 per 100 graduates: the year's graduates in every scope), as a reader finds them in
the files: the engine hides the same scopes in both (:mod:`indicators.disclosure`), and the audit
attacks such series together, each scope's two denominators one unknown, so that a denominator one
hides and the other publishes, or one the two series' sums pin only together, is found.

A reader knows both definitions; the files show it too. Two share series of a year (an indicator's
shares in one measure, by scope: the faculty and its programmes) are linked when the metadata says
so (``denominators_shared``) or when every scope where both publish a denominator has the same one,
at least one such denominator not 0 (the engine links series the same way, on the true numbers)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from indicators import disclosure

# (indicator, year, dimension, dimension value): the shares of one measure, by scope
Series = tuple[str, str, str | None, str | None]


def series_of(key: disclosure.CellKey) -> Series:
    return (key[0], key[1], key[3], key[4])


def shared_denominators(
    block_cells: Iterable[Mapping[disclosure.CellKey, object]], listed: Iterable[tuple[Series, Series]] = ()
) -> list[tuple[Series, Series]]:
    """The linked pairs among the share series of ``block_cells`` (the audited cells, by block):
    those ``listed`` (the metadata's) that are there, and those whose published denominators agree."""
    series: dict[Series, dict[str | None, object]] = defaultdict(dict)
    for cells in block_cells:
        for key, known in cells.items():
            if known.is_share and key[3] in (None, *disclosure.NOT_A_BREAKDOWN):
                series[series_of(key)][key[2]] = known
    found = {tuple(sorted(pair, key=_order)) for pair in listed if all(side in series for side in pair)}
    ordered = sorted(series, key=_order)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if first[1] != second[1]:
                continue
            shown = [
                (a, b)
                for scope in series[first].keys() & series[second].keys()
                for a, b in [(series[first][scope].denominator, series[second][scope].denominator)]
                if isinstance(a, float) and isinstance(b, float)
            ]
            if any(a > 0 for a, _ in shown) and all(a == b for a, b in shown):
                found.add((first, second))
    return sorted(found, key=lambda pair: (_order(pair[0]), _order(pair[1])))


def linked_blocks(pairs: Iterable[tuple[Series, Series]], blocks: Iterable[tuple[str, str]]) -> list[list]:
    """The blocks (indicator, year) to attack together: those the pairs link, each alone otherwise."""
    parent: dict[tuple[str, str], tuple[str, str]] = {block: block for block in blocks}

    def find(block):
        while parent[block] != block:
            parent[block] = parent[parent[block]]
            block = parent[block]
        return block

    for a, b in pairs:
        first, second = (a[0], a[1]), (b[0], b[1])
        if first in parent and second in parent:
            parent[find(first)] = find(second)
    together: dict[tuple[str, str], list] = defaultdict(list)
    for block in parent:
        together[find(block)].append(block)
    return sorted((sorted(members) for members in together.values()), key=lambda members: members[0])


def _order(series: Series) -> tuple[str, ...]:
    return tuple("" if part is None else str(part) for part in series)
