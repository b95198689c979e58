"""Countries as exports write them: the ISO 3166-1 alpha-2 code, its alpha-3 code, or the English or
Swedish name (``seeds/country_regions.csv``, the warehouse's one list of countries), read as the
alpha-2 code the marts join on. A profile's own spellings come on top (``values:`` of a country
field); anything else has no value, and its row is quarantined naming it."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from indicators.config import project_root
from indicators.sources import value_key

SEED = Path("seeds") / "country_regions.csv"
NAMED_BY = ("country_code_alpha3", "country_name_en", "country_name_sv")


@functools.cache
def spellings(root: Path | None = None) -> dict[str, str]:
    """``value_key(spelling)`` → alpha-2 code, for every alpha-3 code and English and Swedish name
    of the seed; a spelling two countries share is left out (read as neither)."""
    path = (root or project_root()) / SEED
    if not path.is_file():  # a home of its own without the seeds: the checkout's list
        path = Path(__file__).resolve().parents[2] / SEED
    found: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for column in NAMED_BY:
                if row.get(column):
                    found.setdefault(value_key(row[column]), set()).add(row["country_code"])
    return {key: codes.pop() for key, codes in found.items() if len(codes) == 1 and len(key) > 2}
