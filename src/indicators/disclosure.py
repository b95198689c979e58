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
  agreements (``NON_PERSON_SHARES``, read off the catalogue's definitions: a programme's own
  yes/no or the share of agreements is not about persons). The numerator and denominator of a
  suppressed share are suppressed with it.
* **Secondary.** Cells that add up to a total must not give a suppressed cell away: per-programme
  cells and the faculty cell (same indicator, year and breakdown), and the values of one breakdown
  (gender, level, mobility type, partner region, partner network) and their headline. Whenever
  exactly one cell of such a group is suppressed, the smallest other non-zero cell (by value for
  counts, by denominator for shares; ties by code) is suppressed too, or the total when no other
  part is left; this repeats until no group has a lone suppressed cell. The ``measure`` rows are
  different quantities, not a breakdown, and form no group.

Suppressed cells read :data:`MARKER` (``..``, as Statistics Sweden writes it) everywhere, and the
long table says which rule hid each one (``primary`` or ``secondary``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MARKER = ".."
PERSON_COUNT_UNITS = frozenset({"persons", "participations", "mobilities"})
MIN_COUNT = 5  # counts 1 .. MIN_COUNT-1 are suppressed
MIN_DENOMINATOR = 5  # shares with a denominator under this are suppressed
# Shares whose denominator counts programmes or agreements, not persons (see the catalogue).
NON_PERSON_SHARES = frozenset({"I04", "I05", "I08", "I13", "I17", "I18", "I24", "I25", "I26", "I27"})
NOT_A_BREAKDOWN = frozenset({"measure"})

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
    flag: str | None = None

    @property
    def size(self) -> float:
        if self.is_share:
            return self.denominator or 0.0
        return self.value or 0.0

    @property
    def published(self) -> bool:
        return self.value is not None


def is_person_count(indicator_id: str, unit: str | None, denominator: float | None) -> bool:
    return denominator is None and unit in PERSON_COUNT_UNITS


def is_person_share(indicator_id: str, unit: str | None, denominator: float | None) -> bool:
    return denominator is not None and indicator_id not in NON_PERSON_SHARES


def primary_flag(indicator_id: str, unit: str | None, value: float | None, denominator: float | None) -> str | None:
    """``primary`` when the cell itself is too small to publish, else None."""
    if value is None:
        return None
    if is_person_count(indicator_id, unit, denominator) and 0 < value < MIN_COUNT:
        return PRIMARY
    if is_person_share(indicator_id, unit, denominator) and denominator < MIN_DENOMINATOR:
        return PRIMARY
    return None


def suppress(rows: Iterable[Mapping]) -> dict[CellKey, str]:
    """The suppressed cells of a set of indicator values: ``{cell key: 'primary' | 'secondary'}``.

    ``rows`` are mappings with the columns of ``marts.indicator_values`` (indicator_id,
    academic_year, programme_code, dimension, dimension_value, value, denominator, unit). Pass
    every row of the years published, so that the groups are complete.
    """
    cells: dict[CellKey, _Cell] = {}
    for row in rows:
        key: CellKey = (
            row["indicator_id"], row["academic_year"], row.get("programme_code"),
            row.get("dimension"), row.get("dimension_value"),
        )
        value = _number(row.get("value"))
        denominator = _number(row.get("denominator"))
        unit = row.get("unit")
        protected = is_person_count(key[0], unit, denominator) or is_person_share(key[0], unit, denominator)
        if not protected:
            continue
        cell = _Cell(key, value, denominator, unit, denominator is not None)
        cell.flag = primary_flag(key[0], unit, value, denominator)
        cells[key] = cell

    groups = _groups(cells)
    changed = True
    while changed:
        changed = False
        for parts, total in groups:
            members = parts + ([total] if total is not None else [])
            hidden = [cell for cell in members if cell.flag]
            if len(hidden) != 1:
                continue
            complement = _complement(hidden[0], parts, total)
            if complement is not None:
                complement.flag = SECONDARY
                changed = True
    return {key: cell.flag for key, cell in cells.items() if cell.flag}


def _groups(cells: dict[CellKey, _Cell]) -> list[tuple[list[_Cell], _Cell | None]]:
    """(parts, total) groups whose parts add up to the total (the total may be absent)."""
    by_programme: dict[tuple, list[_Cell]] = defaultdict(list)
    by_breakdown: dict[tuple, list[_Cell]] = defaultdict(list)
    for key, cell in cells.items():
        indicator, year, programme, dimension, dimension_value = key
        if programme is not None:
            by_programme[(indicator, year, dimension, dimension_value, cell.is_share)].append(cell)
        if dimension is not None and dimension not in NOT_A_BREAKDOWN:
            by_breakdown[(indicator, year, programme, dimension, cell.is_share)].append(cell)
    groups: list[tuple[list[_Cell], _Cell | None]] = []
    for (indicator, year, dimension, dimension_value, is_share), parts in by_programme.items():
        total = cells.get((indicator, year, None, dimension, dimension_value))
        groups.append((_sorted(parts), total if total is not None and total.is_share == is_share else None))
    for (indicator, year, programme, _dimension, is_share), parts in by_breakdown.items():
        total = cells.get((indicator, year, programme, None, None))
        groups.append((_sorted(parts), total if total is not None and total.is_share == is_share else None))
    return groups


def _sorted(parts: list[_Cell]) -> list[_Cell]:
    return sorted(parts, key=lambda cell: tuple("" if part is None else str(part) for part in cell.key))


def _complement(hidden: _Cell, parts: list[_Cell], total: _Cell | None) -> _Cell | None:
    candidates = [cell for cell in parts if cell is not hidden and not cell.flag and cell.published and cell.size > 0]
    if candidates:
        return min(candidates, key=lambda cell: cell.size)  # stable: parts are sorted by key
    if hidden is not total and total is not None and total.published and not total.flag:
        return total
    return None


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN reads as missing


def describe(lang: str, enabled: bool) -> str:
    """The rule as applied, for the metadata and the report, in Swedish or English."""
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
    units_sv = "personer, deltaganden och mobiliteter (vistelser)"
    units_en = "persons, participations and mobilities (stays)"
    if lang == "sv":
        return (
            f"Röjandekontroll enligt UKÄ:s regel. Antal personer 1–{MIN_COUNT - 1} redovisas inte "
            f"(enheterna {units_sv}; varje deltagande eller vistelse hör till en person). Andelar "
            f"(procent, per 100 examinerade) med en nämnare under {MIN_DENOMINATOR} redovisas inte, "
            "utom andelar av program eller avtal; täljare och nämnare döljs med andelen. Sekundär "
            "undertryckning: när exakt en cell bland programmens värden och fakultetens summa, eller bland "
            "en uppdelnings värden (kön, nivå, mobilitetstyp, partnerregion, nätverk) och dess summa, är "
            "dold, döljs även den minsta andra cellen som inte är noll, så att den dolda inte kan räknas "
            f"fram. Dolda celler visas som {MARKER} (som SCB). I den långa tabellen anger kolumnen "
            "'Röjandekontroll' primär eller sekundär. Antal aktiviteter, avtal, program och regioner "
            "samt milstolpar omfattas inte. Förändringar och tillväxttakt som bygger på ett dolt värde "
            "döljs också."
        )
    return (
        f"Disclosure control by UKÄ's rule. Counts of persons from 1 to {MIN_COUNT - 1} are suppressed "
        f"(units {units_en}; every participation or stay belongs to one person). Shares (percent, per 100 "
        f"graduates) with a denominator under {MIN_DENOMINATOR} are suppressed, except shares of "
        "programmes or agreements; the numerator and denominator go with the share. Secondary "
        "suppression: when exactly one cell among the programmes' values and the faculty total, or among "
        "a breakdown's values (gender, level, mobility type, partner region, network) and its total, is "
        "suppressed, the smallest other non-zero cell is suppressed too, so that the hidden cell cannot be "
        f"worked out. Suppressed cells read {MARKER} (as Statistics Sweden writes it). In the long table "
        "the column 'Disclosure control' says primary or secondary. Counts of activities, agreements, "
        "programmes and regions, and milestones, are not suppressed. Changes and growth rates computed "
        "from a suppressed value are suppressed too."
    )
