"""An Erasmus institution code names its country: ``E  MADRID03`` is in Spain, ``DK KOBENHA01`` in
Denmark, ``SF HELSINK01`` in Finland. A row whose ``partner_country`` is another country than its
``partner_code`` says (``E  MADRID03`` with ``FR``: a cell copied from the row above, a country picked
from a list one line off) loaded as the export said and counted in the other country and region,
without a word. Such rows still load as exported (the code may be the wrong one), and the run warns,
naming the codes, the countries and the rows.

The code's prefix is the Erasmus programme's own: one to three letters, then spaces (one or more, the
code type reads any run of them as one), the city and a number. Most prefixes are the ISO code; the
others are listed here. A partner code of another form (an EWP hei-id, ``ucm.es``) says nothing.

The list writes no space after a prefix of three letters (``IRLDUBLIN01``, ``LUXLUX-VIL01``); some
exports add one (``IRL DUBLIN01``), some lists drop the others' (``EMADRID03``). The code's letters are
fixed, only its spacing differs, so a partner code is read as the list writes it (``E MADRID03``,
``IRLDUBLIN01``: one partner however spaced) where one Erasmus country prefix alone leaves a city of
at most seven letters and the institution's number, and its rows' ``partner_country`` (where given)
is that reading's country, or names one reading's country only (``PLKRAKOW01`` in Poland:
``PL KRAKOW01``, not ``P LKRAKOW01``), decided per file, and the run says so; of two prefixes of
one country the longer is the list's (``MTMALTA01`` is ``MT MALTA01``, not ``M TMALTA01``). One that
still reads two ways (``SKARLSTA01`` in rows of ``SE`` and of ``SK``, or with no country) is kept as
written, and named; one whose rows' country is none of its readings' (``AUSYD01`` in ``AU``) is no
Erasmus code and kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import polars as pl

from indicators.countries import codes
from indicators.sources import FieldSpec, SourceSpec

# the Erasmus prefixes that are not the country's ISO 3166-1 alpha-2 code (EU usage: UK, EL as GB, GR)
PREFIXES = {"S": "SE", "D": "DE", "F": "FR", "I": "IT", "E": "ES", "A": "AT", "B": "BE", "SF": "FI"}
PREFIXES |= {"N": "NO", "G": "GR", "EL": "GR", "IRL": "IE", "P": "PT", "LUX": "LU", "M": "MT", "UK": "GB"}
ERASMUS_CODE = r"^([A-Z]{1,3}) +[A-Z][A-Z-]*\d{2,3}$"
# the prefixes of the programme's countries (a code written without its space is split on these)
ERASMUS_PREFIXES = set(PREFIXES) | {"BG", "CH", "CY", "CZ", "DK", "EE", "HR", "HU", "IS", "LI", "LT", "LV"}
ERASMUS_PREFIXES |= {"MK", "MT", "NL", "PL", "RO", "RS", "SI", "SK", "TR"}
# a prefix of three letters fills the code's prefix places: the list writes no space (IRLDUBLIN01)
_WHOLE = "IRL|LUX"
_CITY_AND_NUMBER = re.compile(r"[A-Z][A-Z-]{0,6}\d{2,3}")
_SPACED_WHOLE = re.compile(rf"({_WHOLE}) ({_CITY_AND_NUMBER.pattern})")
_SHOWN = 6
_CODE = "\x00partner_code"  # a file's codes beside its columns (no export column is named so)


def readings(code: str) -> list[str]:
    """The codes as the Erasmus list writes them that an Erasmus code (upper case, one space) can be:
    ``EMADRID03`` is ``E MADRID03``, ``IRL DUBLIN01`` is ``IRLDUBLIN01``, ``SKARLSTA01`` is two; else []."""
    if " " in code:
        whole = _SPACED_WHOLE.fullmatch(code)
        return [whole[1] + whole[2]] if whole else []
    if not code[:1].isalpha():
        return []
    found = [(p, code[len(p) :]) for p in ERASMUS_PREFIXES if code.startswith(p)]
    found = [(p, rest) for p, rest in found if _CITY_AND_NUMBER.fullmatch(rest)]
    # two prefixes of one country (M and MT, Malta): the longer is the list's (MTMALTA01, MT MALTA01)
    found = [(p, r) for p, r in found if not any(len(q) > len(p) and _same(p, q) for q, _ in found)]
    read = sorted(p + " " * (len(p) < 3) + rest for p, rest in found)
    return [code] if code in read else read  # IRLCORK01: as the list writes it (not I RLCORK01)


def _same(prefix: str, other: str) -> bool:
    """Whether two Erasmus prefixes name one country (M and MT: Malta)."""
    return PREFIXES.get(prefix, prefix) == PREFIXES.get(other, other)


def _country_of(reading: str) -> str | None:
    prefix = reading.split(" ", 1)[0] if " " in reading else reading[:3]
    return PREFIXES.get(prefix, prefix if prefix in codes() else None)


def file_code_readings(
    frame: pl.DataFrame, spec: SourceSpec, text_of: Callable[[FieldSpec], pl.Expr]
) -> tuple[SourceSpec, list[str]]:
    """``spec`` with its ``partner_code`` field's ``readings`` (each code of the file spaced otherwise
    than the Erasmus list → the code as the list writes it), and the warnings: for the codes so read,
    and for those kept as written because they read two ways and their rows' country does not tell
    which (``PLKRAKOW01``, ``P LKRAKOW01`` or ``PL KRAKOW01``, is Polish in a row of ``PL``). A code whose
    rows' country is none of its readings' (``AUSYD01`` in ``AU``: no ``A USYD01`` in Austria) is a
    system's own code, not an Erasmus one: kept as written."""
    from indicators.parsers import parse_field  # the parsers read a code through these readings

    if "partner_code" not in spec.field_names or spec.field("partner_code").type != "code":
        return spec, []
    code_field = spec.field("partner_code")
    written = frame.select(text_of(code_field).cast(pl.String).unique())  # a few hundred partners
    found = {}
    for code in written.to_series().drop_nulls().to_list():
        code = " ".join(code.split()).upper()
        if (options := readings(code)) and options != [code]:
            found[code] = options
    if not found:  # nearly always: every code spaced as the list writes it, or no Erasmus code
        return spec, []
    text = text_of(code_field).cast(pl.String).str.replace_all(r"\s+", " ")
    read = frame.select("_row_number", text.str.strip_chars().str.to_uppercase().alias("code"))
    countries: dict[str, set[str]] = {}
    if "partner_country" in spec.field_names and spec.field("partner_country").type == "country":
        country_field = spec.field("partner_country")
        country = parse_field(text_of(country_field).cast(pl.String), country_field).alias("country")
        rows = frame.with_columns(read["code"].alias(_CODE)).filter(pl.col(_CODE).is_in(list(found)))
        for code, named in rows.select(_CODE, country).unique().drop_nulls().iter_rows():
            countries.setdefault(code, set()).add(named)
    once, twice = {}, {}
    for code, options in found.items():
        if code in countries:  # the rows' country decides; one that names no reading's: no Erasmus code
            options = [r for r in options if _country_of(r) in countries[code]]  # (AUSYD01 in AU)
        if len(options) == 1:
            once[code] = options[0]
        elif options:
            twice[code] = options
    warnings = []
    for chosen, words, end in (
        (
            once,
            "spaced otherwise than the Erasmus list",
            "read as the list writes them, one partner however spaced",
        ),
        (
            twice,
            "without the space after its country prefix that reads two ways, its rows' partner_country "
            "not telling which",
            "kept as written, so not matched to the same code spaced; write the code with its space, as "
            "the Erasmus list does",
        ),
    ):
        if not chosen:
            continue
        numbers = read.filter(pl.col("code").is_in(list(chosen)))["_row_number"].sort().to_list()
        shown = [
            f"{c} read as {chosen[c]}" if chosen is once else f"{c}: {' or '.join(chosen[c])}"
            for c in sorted(chosen)[:_SHOWN]
        ]
        if chosen is once:
            shown[1:] = [item.replace(" read as ", " as ", 1) for item in shown[1:]]
        at = ", ".join(str(n) for n in numbers[:10]) + (", …" if len(numbers) > 10 else "")
        more = ", …" if len(chosen) > _SHOWN else ""
        warnings.append(
            f"partner_code: {len(numbers)} rows write an Erasmus code {words} ({', '.join(shown)}{more}: rows "
            f"{at}): {end}"
        )
    return (
        replace(spec, fields=tuple(replace(f, readings=once) if f is code_field else f for f in spec.fields))
        if once
        else spec
    ), warnings


def code_country(code: pl.Expr) -> pl.Expr:
    """The country an Erasmus code (as the code type stores it: upper case, one space) names, or null."""
    prefix = pl.coalesce(
        code.str.extract(ERASMUS_CODE, 1), code.str.extract(rf"^({_WHOLE})[A-Z][A-Z-]*\d{{2,3}}$", 1)
    )
    listed = prefix.replace_strict(PREFIXES, default=None, return_dtype=pl.String)
    return pl.coalesce(listed, pl.when(prefix.is_in(sorted(codes()))).then(prefix))


def code_country_mismatches(spec: SourceSpec, rows: pl.DataFrame) -> list[str]:
    """The warning for the loaded rows whose ``partner_country`` is not the country their
    ``partner_code`` names (an Erasmus code), or none."""
    from indicators.normalise import QUARANTINED  # normalise reads countries through its parsers

    names = {f.name: f.type for f in spec.fields}
    if names.get("partner_code") != "code" or names.get("partner_country") != "country":
        return []
    # the three columns of the loaded rows (not a copy of every column), and each distinct code's
    # country read once: a file's partner codes are a few hundred, its rows up to millions
    loaded = rows.select(
        "_row_number", "partner_code", "partner_country", *[QUARANTINED] * (QUARANTINED in rows.columns)
    )
    loaded = (
        loaded.filter(~pl.col(QUARANTINED)).drop(QUARANTINED) if QUARANTINED in loaded.columns else loaded
    )
    distinct = loaded["partner_code"].drop_nulls().unique()
    named = distinct.to_frame().select(code_country(pl.col("partner_code"))).to_series()
    read = loaded.with_columns(
        pl.col("partner_code")
        .replace_strict(distinct, named, default=None, return_dtype=pl.String)
        .alias("named")
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
