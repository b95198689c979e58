"""Several publishes of one block (indicator, year) as a reader links them: the attacker's model of what
happens between two publishes, and where the publishes contradict it.

**The model.** Between two publishes every count of a sum changes the same way as its total, by at most
as much: ``0 <= later - earlier <= change of the total`` (a late delivery adds persons), or
``change <= later - earlier <= 0`` (a correction takes them away), for every total the cell is a part of,
directly or through other totals (its programme's headline, the faculty's cell of its breakdown value
or measure, the block's headline), where both publishes have that total. A total hidden in either
publish (or both) still links them: its change is then an unknown, the difference of the two totals
(the same quantity, revised or not), and which way it went is unknown too unless a cell of the same
sums shows it (a part or total both publish with different values). A way no cell shows is tried both
ways (two linear programs, each quantity's interval the hull of the two); beyond
:data:`MAX_UNKNOWN_WAYS` such sums in one block, the rest are left unlinked (the hull of both ways).

**A contradiction.** Where the publishes show a change the model does not allow (a part revised from 7
to 3 while its total stays 10, or two parts of one total moving opposite ways), or where the hidden
cells' rules and the sums leave no value that fits (the linear program is infeasible), the publishes
disagree with the model: a correction, not a late delivery. The audit says so in one line naming
the cells, and attacks each publish alone (:func:`disagreement`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from indicators import disclosure
from indicators.audit.findings import Revision
from indicators.audit.read import HIDDEN, Known

Block = dict[disclosure.CellKey, Known]
# beyond this many sums of unknown way in one block, the rest are left unlinked (2**6 programs at most)
MAX_UNKNOWN_WAYS = 6


@dataclass(frozen=True)
class Link:
    """``key``'s ``quantity`` changes between publishes ``earlier`` and ``later`` (indices of the parts)
    the same way as ``total``'s, by at most as much."""

    earlier: int
    later: int
    key: disclosure.CellKey
    total: disclosure.CellKey
    quantity: str


def links(parts: list[tuple[int, Block]]) -> list[Link]:
    """Every link between consecutive publishes (``parts``: (index, block), oldest first)."""
    found = []
    for (i, a), (j, b) in zip(parts, parts[1:], strict=False):
        above = _totals_above(b)
        for key in sorted(a.keys() & b.keys(), key=_order):
            if a[key].is_share != b[key].is_share:
                continue
            for total in sorted(above.get(key, ()), key=_order):
                if (
                    total not in a
                    or a[total].is_share != a[key].is_share
                    or b[total].is_share != b[key].is_share
                ):
                    continue
                for quantity in disclosure.quantities(a[key].is_share):
                    if all(_shown_or_hidden(block[total].get(quantity)) for block in (a, b)):
                        found.append(Link(i, j, key, total, quantity))
    return found


def ways(found: list[Link], blocks: dict[int, Block], names: dict[int, str]) -> tuple[dict, dict, str | None]:
    """The sums' ways: each cell of a link (publishes, key, quantity) by its class (the cells linked to
    one another change the same way), each class's way (+1, -1, or None where no cell shows it, or
    cells show both) and the first contradiction the published numbers show (None if none): the
    cause named where the program turns out infeasible. (A sum that is not exact, e.g. persons in
    several mobility types, may show one without being infeasible: a second type of a person counted.)"""
    parent: dict[tuple, tuple] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for link in found:
        parent[find(_node(link, link.total))] = find(_node(link, link.key))
    way: dict[tuple, float | None] = {}
    shown: dict[tuple, tuple] = {}  # a class's first visible change: (node, earlier, later)
    opposite: dict[tuple, str] = {}  # classes whose cells moved both ways: no way (both tried)
    for node in sorted(parent, key=repr):
        root = find(node)
        way.setdefault(root, None)
        i, j, key, quantity = node
        old, new = blocks[i][key].get(quantity), blocks[j][key].get(quantity)
        if isinstance(old, float) and isinstance(new, float) and old != new:
            sign = 1.0 if new > old else -1.0
            if root not in shown:
                way[root], shown[root] = sign, (node, old, new)
            elif way[root] != sign:
                opposite.setdefault(root, _opposite(shown[root], (node, old, new), names))
    why = next(iter(opposite.values()), None)
    way.update(dict.fromkeys(opposite))
    for link in found:
        change = [_change(blocks, link, cell) for cell in (link.key, link.total)]
        if why is None and None not in change and not min(0.0, change[1]) <= change[0] <= max(0.0, change[1]):
            why = _beyond(link, blocks, names)
    return {node: find(node) for node in parent}, way, why


def disagreement(label: str, folders: tuple[str, str]) -> str:
    """The one line for publishes whose hidden cells' rules admit no values under the model."""
    return (
        f"{label}: the hidden cells of {folders[0]} and {folders[1]} cannot both hold if every "
        "count changes the way of its total and by at most as much (a correction between them, not a "
        "late delivery): the publishes disagree, each audited alone"
    )


def revisions(earlier: dict, later: dict, folders, protection) -> list[Revision]:
    """The person counts both publishes show whose difference is 1..min_count-1 (a count's value, a
    share's numerator and denominator)."""
    found = []
    for block_key in sorted(earlier.keys() & later.keys()):
        a, b = earlier[block_key], later[block_key]
        for key in sorted(a.keys() & b.keys(), key=_order):
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


def _node(link: Link, key) -> tuple:
    return (link.earlier, link.later, key, link.quantity)


def _change(blocks, link: Link, key) -> float | None:
    old, new = blocks[link.earlier][key].get(link.quantity), blocks[link.later][key].get(link.quantity)
    return new - old if isinstance(old, float) and isinstance(new, float) else None


def _shown_or_hidden(value) -> bool:
    return isinstance(value, float) or value == HIDDEN


def _values(node, old, new, names) -> str:
    i, j, key, quantity = node
    return f"{_where(key)} {quantity} {old:g} in {names[i]}, {new:g} in {names[j]}"


def _opposite(first, second, names) -> str:
    key = first[0][2]
    return (
        f"{key[0]} {key[1]}: {_values(*first, names)}, but {_values(*second, names)}: two counts of one total moved "
        "opposite ways (a correction, not a late delivery): the publishes disagree, each audited alone"
    )


def _beyond(link: Link, blocks, names) -> str:
    node = (link.earlier, link.later, link.key, link.quantity)
    total = (link.earlier, link.later, link.total, link.quantity)
    old, new = (blocks[index][link.key].get(link.quantity) for index in (link.earlier, link.later))
    tot_old, tot_new = (blocks[index][link.total].get(link.quantity) for index in (link.earlier, link.later))
    return (
        f"{link.key[0]} {link.key[1]}: {_values(node, old, new, names)}, while its total {_values(total, tot_old, tot_new, names)}: "
        "a part changed more than its total (a correction, not a late delivery): the publishes disagree, "
        "each audited alone"
    )


def _where(key) -> str:
    where = key[2] or "faculty"
    return f"{where} {key[3]}={key[4]}" if key[3] else where


def _order(key) -> tuple:
    return tuple("" if part is None else str(part) for part in key)


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
