"""The primary rule: the levels (:class:`Protection`), which cells count persons, the rule itself
(:func:`primary_flag`) and its wording for the metadata and the report (:func:`describe`). See
:mod:`indicators.disclosure` for the rules in full."""

from __future__ import annotations

from collections.abc import Iterable
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
# a share of persons whose numerator is a count of 1 .. min_count-1 persons (its denominator is not
# small: then the share is PRIMARY); the rule, named in the files, tells a reader no more than that
PRIMARY_NUMERATOR = "primary_numerator"
SECONDARY = "secondary"
# hidden because of an earlier publish of the same numbers: it hid the cell, or it showed a part of this
# total that this publish hides (any value: see history)
KEPT = "kept"
# every part of a sum hidden, zeros too, where the hidden parts' count alone would pin a hidden total
# (a total of 3 hidden, three programmes of 1 hidden beside zeros: the total is 3 or 4): any value
WITHHELD = "withheld"

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
    numerator: float | None = None,
) -> str | None:
    """``primary`` when the cell itself is too small to publish (a count of 1-4 persons, a share of
    persons with a denominator under 5), ``primary_numerator`` for a share of persons whose
    numerator counts 1-4 persons, else None."""
    protection = protection or Protection()
    if value is None or not is_protected_kind(indicator_id, unit, denominator is not None, protection):
        return None
    if denominator is None:
        return PRIMARY if 0 < value < protection.min_count else None
    if denominator < protection.min_denominator:
        return PRIMARY
    if numerator is not None and 0 < numerator < protection.min_count:
        return PRIMARY_NUMERATOR
    return None


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
            "utom andelar av program eller avtal, och inte heller andelar av personer vars täljare är "
            f"1–{small - 1} personer ('primär (täljare)': nämnaren är då minst {denominator}); täljare och "
            "nämnare döljs med andelen. Sekundär "
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
            "värde döljs också, och status och utveckling som skulle avslöja ett dolt värde läses 'dold'. En cell som en tidigare publicering av samma tal dolde döljs igen "
            "('dold p.g.a. tidigare publicering', vilket värde den än har nu, även 0), och döljer en publicering en cell som en "
            "tidigare visade döljs också varje summa den ingår i (fakultetens värde, dess programs), så att "
            "summans ökning inte ringar in cellen (också 'dold p.g.a. tidigare publicering', och så i varje senare publicering). "
            "Där de dolda delarna av en summa "
            "genom sitt antal ringar in en dold summa döljs alla dess delar, även nollorna ('undanhållen', "
            "vilket värde som helst)."
        )
    width_en = f" and an interval of at least {pct:g} % of its upper end" if pct else ""
    return (
        f"Disclosure control by UKÄ's rule. Counts of persons from 1 to {small - 1} are suppressed "
        f"(units {units_en}; every participation or stay belongs to one person). Shares (percent, per 100 "
        f"graduates) with a denominator under {denominator} are suppressed, except shares of "
        f"programmes or agreements, and so are shares of persons whose numerator is 1 to {small - 1} "
        f"persons ('primary (numerator)': the denominator is then at least {denominator}); the numerator "
        "and denominator go with the share. Secondary "
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
        "Changes and growth rates computed from a suppressed value are suppressed too, and a status or "
        "progress that would tell a suppressed value reads 'hidden'. A cell an earlier "
        "publish of the same numbers suppressed is suppressed again ('hidden because of an earlier publish', whatever its value "
        "now, 0 too); where a publish suppresses a cell an earlier one showed, every total it is a part of "
        "(the faculty's value, its programme's) is suppressed with it, so that no total's growth pins the cell (also "
        "'hidden because of an earlier publish', and so in every later publish). Where the number of a sum's hidden parts alone "
        "would pin a hidden total, every "
        "part of that sum is suppressed, zeros too ('withheld', any value)."
    )
