"""The sums that link cells: the groups (parts that add up to a total, exactly or not), the ties of
a count and the share whose numerator it is, and both as the metadata writes them (and
:mod:`indicators.audit` reads them back)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from indicators.disclosure.rules import NOT_A_BREAKDOWN, CellKey, _Cell

EXACT = "exact"
AT_LEAST = "total_at_least_sum"  # the total counts persons no part counts (e.g. without a programme)
AT_MOST = "total_at_most_sum"  # a person can be in several parts (e.g. two mobility types)
QUANTITIES_COUNT = ("value",)
QUANTITIES_SHARE = ("numerator", "denominator")

GroupId = tuple
GroupKey = tuple[GroupId, str]


@dataclass
class Group:
    """Parts that add up to a total: ``key`` is ('programmes', indicator, year, dimension,
    dimension_value, is_share) or ('breakdown', indicator, year, programme, dimension, is_share)."""

    key: GroupId
    parts: list[CellKey]
    total: CellKey | None
    is_share: bool


def quantities(is_share: bool) -> tuple[str, ...]:
    return QUANTITIES_SHARE if is_share else QUANTITIES_COUNT


def groups_of(cells: Mapping[CellKey, object], is_share=lambda cell: cell.is_share) -> list[Group]:
    """The groups of one set of cells (any mapping from cell keys to objects with ``is_share``)."""
    by_programme: dict[tuple, list[CellKey]] = defaultdict(list)
    by_breakdown: dict[tuple, list[CellKey]] = defaultdict(list)
    for key, cell in cells.items():
        indicator, year, programme, dimension, dimension_value = key
        share = is_share(cell)
        if programme is not None:
            by_programme[(indicator, year, dimension, dimension_value, share)].append(key)
        if dimension is not None and dimension not in NOT_A_BREAKDOWN:
            by_breakdown[(indicator, year, programme, dimension, share)].append(key)

    def group(key: GroupId, parts: list[CellKey], total: CellKey) -> Group:
        """The parts and their total: the cell at ``total`` when there is one of the same kind (count or share)."""
        share = key[-1]
        found = cells.get(total)
        return Group(
            key, _sorted_keys(parts), total if found is not None and is_share(found) == share else None, share
        )

    return [
        *(
            group(
                ("programmes", indicator, year, dimension, dimension_value, share),
                parts,
                (indicator, year, None, dimension, dimension_value),
            )
            for (indicator, year, dimension, dimension_value, share), parts in by_programme.items()
        ),
        *(
            group(
                ("breakdown", indicator, year, programme, dimension, share),
                parts,
                (indicator, year, programme, None, None),
            )
            for (indicator, year, programme, dimension, share), parts in by_breakdown.items()
        ),
    ]


def group_record(group: GroupId, quantity: str, relation: str) -> dict:
    """A group as the metadata writes it (and :mod:`indicators.audit` reads it back)."""
    kind, indicator, year, a, b, share = group
    record = {
        "indicator_id": indicator,
        "academic_year": year,
        "sum_over": kind,
        "quantity": quantity,
        "relation": relation,
        "share": share,
    }
    if kind == "programmes":
        record.update(dimension=a, dimension_value=b)
    else:
        record.update(programme_code=a, dimension=b)
    return record


def group_from_record(record: Mapping) -> GroupKey:
    if record["sum_over"] == "programmes":
        group = (
            "programmes",
            record["indicator_id"],
            record["academic_year"],
            record.get("dimension"),
            record.get("dimension_value"),
            bool(record.get("share")),
        )
    else:
        group = (
            "breakdown",
            record["indicator_id"],
            record["academic_year"],
            record.get("programme_code"),
            record.get("dimension"),
            bool(record.get("share")),
        )
    return group, record["quantity"]


def _sort_key(group: GroupKey) -> tuple:
    return tuple("" if part is None else str(part) for part in (*group[0], group[1]))


def _sorted_keys(keys: list[CellKey]) -> list[CellKey]:
    return sorted(keys, key=lambda key: tuple("" if part is None else str(part) for part in key))


def _true_relation(block: dict[CellKey, _Cell], group: Group, quantity: str) -> str | None:
    total = block[group.total].get(quantity)
    parts = [block[key].get(quantity) for key in group.parts]
    if total is None:
        return None
    known = sum(part for part in parts if part is not None)
    if abs(known - total) < 1e-9:
        return EXACT
    return AT_LEAST if total > known else AT_MOST


def _ties(block: dict[CellKey, _Cell]) -> list[tuple[CellKey, CellKey]]:
    """A share among the ``measure`` rows whose numerator is the count of the same line (I07: graduates
    with a stay abroad, and the same per 100 graduates): publishing one gives the other away."""
    shares: dict[str | None, list[tuple[CellKey, _Cell]]] = defaultdict(list)
    for key, cell in block.items():
        if cell.is_share and key[3] in NOT_A_BREAKDOWN and cell.numerator is not None:
            shares[key[2]].append((key, cell))
    ties = []
    for key, cell in block.items():
        if cell.is_share or key[3] is not None or cell.value is None:
            continue
        ties += [
            (key, other_key)
            for other_key, other in shares.get(key[2], ())
            if abs(other.numerator - cell.value) < 1e-9
        ]
    return ties


def tie_record(count: CellKey, share: CellKey) -> dict:
    return {
        "indicator_id": count[0],
        "academic_year": count[1],
        "programme_code": count[2],
        "share_dimension": share[3],
        "share_dimension_value": share[4],
    }


def tie_from_record(record: Mapping) -> tuple[CellKey, CellKey]:
    line = (record["indicator_id"], record["academic_year"], record.get("programme_code"))
    return (*line, None, None), (*line, record["share_dimension"], record["share_dimension_value"])
