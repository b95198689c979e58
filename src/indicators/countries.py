"""Countries as exports write them: the ISO 3166-1 alpha-2 code, its alpha-3 code, or the English or
Swedish name (``seeds/country_regions.csv``, the warehouse's one list of countries), read as the
alpha-2 code the marts join on. A profile's own spellings come on top (``values:`` of a country
field); anything else has no value, and its row is quarantined naming it."""

from __future__ import annotations

import csv
import functools
import unicodedata
from pathlib import Path

import polars as pl

from indicators.config import project_root
from indicators.sources import SourceSpec, value_key

SEED = Path("seeds") / "country_regions.csv"
NAMED_BY = ("country_code_alpha3", "country_name_en", "country_name_sv")
# the other names exports commonly write (the seed has CLDR's short names): official and older
# English names, the Swedish ones before CLDR's, the parts of the United Kingdom
OTHER_NAMES = {
    "GB": ["Great Britain", "UK", "England", "Scotland", "Wales", "Northern Ireland", "Skottland",
           "Nordirland", "Storbritannien och Nordirland", "United Kingdom of Great Britain and Northern Ireland"],
    "US": ["United States of America", "U.S.A.", "Förenta staterna", "Amerikas förenta stater"],
    "NL": ["Holland", "The Netherlands", "Kingdom of the Netherlands"],
    "CZ": ["Czech Republic", "Tjeckiska republiken"],
    "TR": ["Turkey", "Republic of Türkiye"],
    "KR": ["Korea", "Republic of Korea", "Korea, Republic of", "Korea (South)", "Korea, South"],
    "KP": ["Korea, Democratic People's Republic of", "Korea (North)"],
    "RU": ["Russian Federation"],
    "IR": ["Iran, Islamic Republic of"],
    "VN": ["Viet Nam"],
    "LA": ["Lao People's Democratic Republic"],
    "SY": ["Syrian Arab Republic"],
    "BO": ["Bolivia, Plurinational State of"],
    "VE": ["Venezuela, Bolivarian Republic of"],
    "TZ": ["Tanzania, United Republic of", "United Republic of Tanzania"],
    "MD": ["Moldova, Republic of", "Republic of Moldova"],
    "MK": ["Macedonia", "Former Yugoslav Republic of Macedonia", "Makedonien", "Republic of North Macedonia",
           "Macedonia, former Yugoslav Republic of"],
    "BY": ["Vitryssland", "Belorussia"],
    "MM": ["Burma"],
    "TL": ["East Timor"],
    "SZ": ["Swaziland"],
    "CI": ["Ivory Coast"],
    "CV": ["Cabo Verde"],
    "CD": ["Democratic Republic of the Congo", "Congo, Democratic Republic of the", "Kongo-Kinshasa (DR Kongo)",
           "Congo (Democratic Republic)", "DR Congo"],
    "CG": ["Republic of the Congo", "Congo"],
    "FM": ["Micronesia, Federated States of"],
    "LY": ["Libyan Arab Jamahiriya"],
    # the EU's name, with the asterisk of its footnote (the EC's Erasmus+ data, SALTO, the Programme Guide)
    "XK": ["Kosovo * UN resolution", "Kosovo*", "Kosovo *", "Kosovo (under UNSCR 1244/99)", "Kosovo under UNSCR 1244/99",
           "Kosovo * résolution de l'ONU"],
    # ISO 3166's and the World Bank's long names, as MoveON and Mobility-Online list them
    "TW": ["Taiwan, Province of China", "Chinese Taipei"],
    "PS": ["Palestine, State of", "Palestine", "State of Palestine", "Palestina"],
    "BN": ["Brunei Darussalam"],
    "SK": ["Slovak Republic"],
    "KG": ["Kyrgyz Republic"],
    "CN": ["China, People's Republic of", "People's Republic of China"],
    "HK": ["Hong Kong SAR", "Hong Kong, China", "Hong Kong SAR, China"],
    "MO": ["Macao SAR", "Macau", "Macao, China"],
    "BA": ["Bosnia-Herzegovina", "Bosnia"],
    "VA": ["Holy See", "Vatican", "Holy See (Vatican City State)", "Vatican City State"],
    "FK": ["Falkland Islands (Malvinas)"],
    "SX": ["Sint Maarten (Dutch part)"],
    "MF": ["Saint Martin (French part)"],
    "VG": ["Virgin Islands, British"],
    "VI": ["Virgin Islands, U.S."],
}  # fmt: skip


def _seed_rows(root: Path | None = None) -> list[dict[str, str]]:
    path = (root or project_root()) / SEED
    if not path.is_file():  # a home of its own without the seeds: the checkout's list
        path = Path(__file__).resolve().parents[2] / SEED
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def codes(root: Path | None = None) -> frozenset[str]:
    """The alpha-2 codes of the seed: the codes the marts find a region for."""
    return frozenset(row["country_code"] for row in _seed_rows(root))


@functools.cache
def spellings(root: Path | None = None) -> dict[str, str]:
    """``value_key(spelling)`` → alpha-2 code, for every alpha-3 code and English and Swedish name
    of the seed; a spelling two countries share is left out (read as neither)."""
    found: dict[str, set[str]] = {}
    for row in _seed_rows(root):
        names = [row[column] for column in NAMED_BY if row.get(column)]
        for name in names + OTHER_NAMES.get(row["country_code"], []):
            plain = without_marks(name)  # Cote d'Ivoire, Curacao, Osterrike: as an export without them
            for spelling in {name, name.replace("’", "'"), plain, plain.replace("’", "'")}:  # straight too
                found.setdefault(value_key(spelling), set()).add(row["country_code"])
    return {key: named.pop() for key, named in found.items() if len(named) == 1 and len(key) > 2}


def iso_variant(key: pl.Expr) -> pl.Expr:
    """A country's name (lower case) as :func:`spellings` lists it where ISO 3166 writes it otherwise:
    without its article (``netherlands (the)``, ``russian federation (the)``, ``the gambia``) and with
    its qualifier after a comma (``iran (islamic republic of)``, ``korea (the republic of)``,
    ``congo, the democratic republic of the``: ``iran, islamic republic of``, …)."""
    bare = key.str.replace_all(r"\s*\(the\)", "").str.replace(r"^the\s+", "").str.replace(r",\s*the\s+", ", ")
    return bare.str.replace(r"^(.+?)\s*\((?:the\s+)?([^()]+)\)$", "$1, $2")


def without_marks(name: str) -> str:
    """``name`` without its diacritics (ô, ç, é, Ö, Å): as a system without them writes it."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def unknown_codes(spec: SourceSpec, rows: pl.DataFrame) -> list[str]:
    """A warning per country field for the loaded rows whose two letters are no code of the seed (a
    typo ``SW`` for ``SE``, ``XX``, ``EU``): such a row loads (a student abroad is abroad whatever the
    export calls the country) and counts in the region ``Unknown``, which no one would see else."""
    from indicators.normalise import QUARANTINED  # normalise reads countries through its parsers

    fields = [f.name for f in spec.fields if f.type == "country" and f.name in rows.columns]
    if not fields:
        return []
    loaded = rows.select("_row_number", *fields, *[QUARANTINED] * (QUARANTINED in rows.columns))
    loaded = loaded.filter(~pl.col(QUARANTINED)) if QUARANTINED in loaded.columns else loaded
    known = list(codes())
    warnings = []
    for name in fields:
        odd = loaded.filter(pl.col(name).is_not_null() & ~pl.col(name).is_in(known))
        if odd.height == 0:
            continue
        counted = odd.group_by(name).len().sort(["len", name], descending=[True, False]).rows()
        numbers = odd["_row_number"].sort().to_list()
        shown = ", ".join(str(n) for n in numbers[:10]) + (", …" if len(numbers) > 10 else "")
        warnings.append(
            f"{odd.height} rows whose {name} is a code no country has, counted in the region Unknown "
            f"({', '.join(f'{_shown(code)} in {n}' for code, n in counted[:10])}{', …' * (len(counted) > 10)}: rows "
            f"{shown}): correct the code in the "
            f"export, or, if it is a country's, add it to {SEED.as_posix()}"
        )
    return warnings


def _shown(code: str) -> str:
    """A code as the warning names it: ZZ is what the parser makes of a country the export says it does
    not know ('-', '?', 'unknown')."""
    return "ZZ (no country known: '-', '?', 'unknown' in the export)" if code == "ZZ" else code
