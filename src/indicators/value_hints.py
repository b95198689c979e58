"""Why a value was quarantined, said after it where the value shows a likely cause and its fix: a
decimal whose separator its column leaves open (:mod:`indicators.decimal_forms`), a country given as
an EWP hei-id whose domain names none (``ub.edu``, ``eui.eu``: the IIA reader passes the partner's
hei-id on as the country's text, so that a contract's ``values:`` can give it one), a number written
as a statistics table's symbol for a cell it hides or has no figure for (SCB's and UKÄ's ``..``, ``.``)."""

from __future__ import annotations

import polars as pl

from indicators.decimal_forms import decimal_hint
from indicators.sources import FieldSpec, SourceSpec

_DOMAIN = r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
_NO_FIGURE = r"^\s*\.{1,2}\s*$"  # SCB's and UKÄ's '..' (hidden: too few, too uncertain) and '.' (none)
NO_FIGURE = (
    " (a statistics table's symbol for a cell it hides or has no figure for: no number to load; "
    "deliver the figures, or leave the row out of the export)"
)


def value_hint(shown: pl.Expr, f: FieldSpec, spec: SourceSpec) -> pl.Expr:
    """The text to add to an invalid value's reason (empty where there is nothing to add)."""
    if f.type in ("integer", "decimal", "bool_or_count"):
        return (
            pl.when(shown.str.contains(_NO_FIGURE)).then(pl.lit(NO_FIGURE)).otherwise(decimal_hint(shown, f))
        )
    if f.type != "country":
        return decimal_hint(shown, f)
    contract = spec.contract_file or f"pipelines/{spec.name}.yml"
    return (
        pl.when(shown.str.contains(_DOMAIN))
        .then(
            pl.lit(
                f" (an EWP hei-id whose domain names no country: give it its country in {f.name}'s values: "
                f"in {contract}, e.g. ES: ["
            )
            + shown
            + pl.lit("])")
        )
        .otherwise(pl.lit(""))
    )
