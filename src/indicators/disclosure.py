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
  and without it every share counts persons. The numerator and denominator of a suppressed share
  are suppressed with it.
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
  The suppressions of one indicator and year depend on that indicator and year only, so every
  export and the report, of any year and kind, hide a cell the same way. :mod:`indicators.audit`
  checks the written files independently with linear programs (HiGHS). The ``measure`` rows are
  different quantities, not a breakdown, and form no group.

Suppressed cells read :data:`MARKER` (``..``, as Statistics Sweden writes it) everywhere, and the
long table says which rule hid each one (``primary`` or ``secondary``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

MARKER = ".."
PERSON_COUNT_UNITS = frozenset({"persons", "participations", "mobilities"})
MIN_COUNT = 5  # counts 1 .. MIN_COUNT-1 are suppressed
MIN_DENOMINATOR = 5  # shares with a denominator under this are suppressed
NOT_A_BREAKDOWN = frozenset({"measure"})


@dataclass(frozen=True)
class Protection:
    """What is protected and how much: the levels (settings ``disclosure_*`` in
    ``pipelines/nightly.yml``) and the indicators whose shares count no persons (the catalogue's)."""

    min_count: int = MIN_COUNT  # person counts 1 .. min_count-1 are primary
    min_denominator: int = MIN_DENOMINATOR  # shares with a denominator under this are primary
    min_values: int = 3  # a suppressed cell must keep at least this many possible values ...
    min_width_pct: float = 0.0  # ... and an interval at least this % of its upper end wide
    # indicators whose shares count programmes or agreements, never suppressed (catalogue column
    # has_person_denominator false); empty: every share counts persons
    non_person_shares: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "non_person_shares", frozenset(self.non_person_shares))

    @classmethod
    def from_settings(cls, settings) -> Protection:
        return cls(
            int(settings.disclosure_min_count),
            int(settings.disclosure_min_denominator),
            int(settings.disclosure_min_values),
            float(settings.disclosure_min_width_pct),
        )

    def with_catalogue(self, non_person_shares: Iterable[str]) -> Protection:
        """The same levels, with the indicators the catalogue says count no persons in their shares."""
        return replace(self, non_person_shares=frozenset(non_person_shares))

    def as_dict(self) -> dict:
        """The levels (the metadata's ``protection``; the catalogue's part is ``shares_not_of_persons``)."""
        return {
            "min_count": self.min_count,
            "min_denominator": self.min_denominator,
            "min_values": self.min_values,
            "min_width_pct": self.min_width_pct,
        }


PRIMARY = "primary"
SECONDARY = "secondary"

CellKey = tuple[str, str, str | None, str | None, str | None]
"""(indicator_id, academic_year, programme_code, dimension, dimension_value)."""


@dataclass
class _Cell:
    key: CellKey
    value: float | None
    denominator: float | None
    unit: str | None
    is_share: bool
    numerator: float | None = None
    flag: str | None = None

    def get(self, quantity: str) -> float | None:
        return getattr(self, quantity)

    @property
    def size(self) -> float:
        if self.is_share:
            return self.denominator or 0.0
        return self.value or 0.0

    @property
    def published(self) -> bool:
        return self.value is not None


def is_protected_kind(indicator_id: str, unit: str | None, is_share: bool, protection: Protection) -> bool:
    """A cell of a kind disclosure control protects: a count of persons (by its unit) or a share
    (a row with a denominator) of an indicator whose shares count persons."""
    if is_share:
        return indicator_id not in protection.non_person_shares
    return unit in PERSON_COUNT_UNITS


def primary_flag(
    indicator_id: str,
    unit: str | None,
    value: float | None,
    denominator: float | None,
    protection: Protection | None = None,
) -> str | None:
    """``primary`` when the cell itself is too small to publish, else None."""
    protection = protection or Protection()
    if value is None or not is_protected_kind(indicator_id, unit, denominator is not None, protection):
        return None
    if denominator is None:
        return PRIMARY if 0 < value < protection.min_count else None
    return PRIMARY if denominator < protection.min_denominator else None


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

    def linked_numerators(self) -> list[dict]:
        """The ties of suppressed cells, as the metadata writes them (the audit reads them back)."""
        return [
            tie_record(count, share)
            for count, share in self.ties or []
            if count in self.flags or share in self.flags
        ]

    def linked_sums(self) -> list[dict]:
        return [
            group_record(group, quantity, relation)
            for (group, quantity), relation in sorted(
                self.relations.items(), key=lambda item: _sort_key(item[0])
            )
        ]


def plan(rows: Iterable[Mapping], protection: Protection | None = None) -> Pattern:
    """Primary and secondary suppression with protection intervals (see the module docstring)."""
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
        cell = _Cell(key, value, denominator, unit, denominator is not None, _number(row.get("numerator")))
        cell.flag = primary_flag(key[0], unit, value, denominator, protection)
        cells[key] = cell

    blocks: dict[tuple[str, str], dict[CellKey, _Cell]] = defaultdict(dict)
    for key, cell in cells.items():
        blocks[(key[0], key[1])][key] = cell
    relations: dict[GroupKey, str] = {}
    intervals: dict[tuple[CellKey, str], tuple[float, float]] = {}
    all_ties: list[tuple[CellKey, CellKey]] = []
    for block in blocks.values():
        ties = _ties(block)
        all_ties += ties
        groups = [group for group in groups_of(block) if group.total is not None]
        for group in groups:
            for quantity in quantities(group.is_share):
                relation = _true_relation(block, group, quantity)
                if relation is not None and relation != EXACT:
                    relations[(group.key, quantity)] = relation
        intervals.update(_protect_block(block, groups, relations, protection, ties))
    flags = {key: cell.flag for key, cell in cells.items() if cell.flag}
    return Pattern(flags, relations, intervals, sorted(all_ties, key=lambda tie: _sort_key((tie[0], ""))))


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


# --- groups --------------------------------------------------------------------------------------

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


# --- bounds, intervals and the protection level ----------------------------------------------------

INF = float("inf")


def hidden_bounds(flag: str | None, quantity: str, protection: Protection) -> tuple[float, float]:
    """What the public rule says about a suppressed quantity (``flag`` None: not known which rule)."""
    if quantity == "numerator":
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
                given_up.add((key, quantity))
                continue
            *_, chosen, group = min(candidates, key=lambda candidate: candidate[:3])
            block[chosen].flag = SECONDARY
            helped.update(group.key for group in membership[chosen])
            added = True
        if not added and not tied:
            return intervals


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
            new_total = list(total)
            if relation in (EXACT, AT_LEAST):
                new_total[0] = max(new_total[0], lo_sum)
            if relation in (EXACT, AT_MOST):
                new_total[1] = min(new_total[1], hi_sum)
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
                    lo = max(lo, total[0] - others_hi)
                if relation in (EXACT, AT_LEAST):
                    hi = min(hi, total[1] - others_lo)
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


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN reads as missing


def describe(lang: str, enabled: bool, protection: Protection | None = None) -> str:
    """The rule as applied, for the metadata and the report, in Swedish or English."""
    protection = protection or Protection()
    if not enabled:
        if lang == "sv":
            return (
                "INGEN RÖJANDEKONTROLL: filen är framtagen med --no-suppression och innehåller oskyddade "
                "små tal. Endast för internt bruk; får inte publiceras eller lämnas ut."
            )
        return (
            "NO DISCLOSURE CONTROL: produced with --no-suppression; small counts are not protected. "
            "For internal use only; not to be published or shared."
        )
    small, denominator = protection.min_count, protection.min_denominator
    values, pct = protection.min_values, protection.min_width_pct
    units_sv = "personer, deltaganden och mobiliteter (vistelser)"
    units_en = "persons, participations and mobilities (stays)"
    if lang == "sv":
        width_sv = f" och ett intervall som är minst {pct:g} % av dess övre gräns" if pct else ""
        return (
            f"Röjandekontroll enligt UKÄ:s regel. Antal personer 1–{small - 1} redovisas inte "
            f"(enheterna {units_sv}; varje deltagande eller vistelse hör till en person). Andelar "
            f"(procent, per 100 examinerade) med en nämnare under {denominator} redovisas inte, "
            "utom andelar av program eller avtal; täljare och nämnare döljs med andelen. Sekundär "
            "undertryckning med skyddsintervall: programmens värden summerar till fakultetens, och en "
            "uppdelnings värden (kön, nivå, mobilitetstyp, partnerregion, nätverk) till dess summa. Givet "
            f"alla publicerade celler, summorna, att antal inte är negativa, att en primärt dold cell är "
            f"1–{small - 1} och en sekundärt dold minst {small}, ska varje dold cell kunna ha minst "
            f"{values} olika värden{width_sv} (en dold täljare som är känd vara 0 räknas som publicerad, "
            "liksom antal 0); annars döljs fler celler (den minsta först). Samma celler "
            "döljs i varje export och i rapporten, oavsett år och slag. Där summan inte är exakt (personer "
            "utan program, eller i flera värden) anger metadata det. Kontrollera en fil med "
            f"`indicators audit`. Dolda celler visas som {MARKER} (som SCB). I den långa tabellen anger "
            "kolumnen 'Röjandekontroll' primär eller sekundär. Antal aktiviteter, avtal, program och "
            "regioner samt milstolpar omfattas inte. Förändringar och tillväxttakt som bygger på ett dolt "
            "värde döljs också."
        )
    width_en = f" and an interval of at least {pct:g} % of its upper end" if pct else ""
    return (
        f"Disclosure control by UKÄ's rule. Counts of persons from 1 to {small - 1} are suppressed "
        f"(units {units_en}; every participation or stay belongs to one person). Shares (percent, per 100 "
        f"graduates) with a denominator under {denominator} are suppressed, except shares of "
        "programmes or agreements; the numerator and denominator go with the share. Secondary "
        "suppression by protection intervals: the programmes' values add up to the faculty's, and a "
        "breakdown's values (gender, level, mobility type, partner region, network) to its total. Given "
        "every published cell, these sums, that counts are not negative, that a primary suppressed cell "
        f"is 1 to {small - 1} and a secondary one at least {small}, every suppressed cell must keep at "
        f"least {values} possible values{width_en} (a hidden numerator known to be 0 counts as published, "
        "as a count of 0 is); otherwise more cells are suppressed (the smallest "
        "first). The same cells are suppressed in every export and in the report, whatever the year and "
        "kind. Where a sum is not exact (persons without a programme, or in several values) the metadata "
        f"says so. Check a file with `indicators audit`. Suppressed cells read {MARKER} (as Statistics "
        "Sweden writes it). In the long table the column 'Disclosure control' says primary or secondary. "
        "Counts of activities, agreements, programmes and regions, and milestones, are not suppressed. "
        "Changes and growth rates computed from a suppressed value are suppressed too."
    )
