"""An Erasmus institution code names its country: ``E  MADRID03`` is in Spain, ``DK KOBENHA01`` in
Denmark, ``SF HELSINK01`` in Finland. A row whose ``partner_country`` is another country than its
``partner_code`` says (``E  MADRID03`` with ``FR``: a cell copied from the row above, a country picked
from a list one line off) loaded as the export said and counted in the other country and region,
without a word. Such rows still load as exported (the code may be the wrong one), and the run warns,
naming the codes, the countries and the rows.

The code's prefix is the Erasmus programme's own: one to three letters, then spaces (one or more, the
code type reads any run of them as one), the city and a number. Most prefixes are the ISO code; the
others are listed here. A partner code of another form (an EWP hei-id, ``ucm.es``) says nothing.
"""

from __future__ import annotations

import polars as pl

from indicators.countries import codes
from indicators.sources import SourceSpec

# the Erasmus prefixes that are not the country's ISO 3166-1 alpha-2 code (EU usage: UK, EL as GB, GR)
PREFIXES = {"S": "SE", "D": "DE", "F": "FR", "I": "IT", "E": "ES", "A": "AT", "B": "BE", "SF": "FI"}
PREFIXES |= {"N": "NO", "G": "GR", "EL": "GR", "IRL": "IE", "P": "PT", "LUX": "LU", "M": "MT", "UK": "GB"}
ERASMUS_CODE = r"^([A-Z]{1,3}) +[A-Z][A-Z-]*\d{2,3}$"


def code_country(code: pl.Expr) -> pl.Expr:
    """The country an Erasmus code (as the code type stores it: upper case, one space) names, or null."""
    prefix = code.str.extract(ERASMUS_CODE, 1)
    listed = prefix.replace_strict(PREFIXES, default=None, return_dtype=pl.String)
    return pl.coalesce(listed, pl.when(prefix.is_in(sorted(codes()))).then(prefix))


def code_country_mismatches(spec: SourceSpec, rows: pl.DataFrame) -> list[str]:
    """The warning for the loaded rows whose ``partner_country`` is not the country their
    ``partner_code`` names (an Erasmus code), or none."""
    from indicators.normalise import QUARANTINED  # normalise reads countries through its parsers

    names = {f.name: f.type for f in spec.fields}
    if names.get("partner_code") != "code" or names.get("partner_country") != "country":
        return []
    loaded = rows.filter(~pl.col(QUARANTINED)) if QUARANTINED in rows.columns else rows
    read = loaded.select(
        "_row_number", "partner_code", "partner_country", code_country(pl.col("partner_code")).alias("named")
    )
    odd = read.filter(pl.col("named").is_not_null() & (pl.col("named") != pl.col("partner_country")))
    if odd.height == 0:
        return []
    counted = odd.group_by("partner_code", "partner_country", "named").len()
    counted = counted.sort(["len", "partner_code", "partner_country"], descending=[True, False, False]).rows()
    shown = ", ".join(f"{code} ({named}) in {country}: {n}" for code, country, named, n in counted[:10])
    numbers = odd["_row_number"].sort().to_list()
    at = ", ".join(str(n) for n in numbers[:10]) + (", …" if len(numbers) > 10 else "")
    return [
        f"{odd.height} rows whose partner_country is not the country their partner_code names "
        f"({shown}{', …' * (len(counted) > 10)}: rows {at}): loaded with the country as exported; "
        "correct the country or the code in the export"
    ]
