"""Person identifiers: normalisation and keyed pseudonymisation.

Every person identifier (student_id, staff_id, teacher_ids) is normalised to one canonical
form and replaced by ``HMAC-SHA256(key, canonical)`` before anything is written. Forms:

* personnummer / samordningsnummer: ``YYYYMMDD-NNNN``, ``YYMMDD-NNNN``, ``YYMMDDNNNN``,
  ``YYYYMMDDNNNN``; ``+`` instead of ``-`` marks someone who is 100 or older. Canonical:
  ``YYYYMMDDNNNN`` (12 digits); the check digit must be valid.
* Ladok T-numbers (interim identifiers, ``YYMMDD-TNNN``): canonical ``YYYYMMDDTNNN``. An optional
  crosswalk maps a T-number to the personnummer the person got later, so one person stays one.
* anything else that looks like a system UID (letters, digits, ``._@:-``) becomes ``uid:<lower>``.

Normalisation is vectorised (polars expressions); the HMAC runs once per *distinct* value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import polars as pl

INVALID = "\x00invalid"  # marker for identifiers that look like a personnummer but are not valid


def luhn_digit(nine_digits: str) -> int:
    """The personnummer check digit for ``YYMMDDNNN`` (Luhn, weights 2,1,2,...)."""
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def is_valid_personnummer(canonical12: str) -> bool:
    """True for a 12-digit canonical personnummer (or samordningsnummer) with a valid check digit."""
    if not re.fullmatch(r"\d{12}", canonical12):
        return False
    month, day = int(canonical12[4:6]), int(canonical12[6:8])
    if day > 60:  # samordningsnummer: day + 60
        day -= 60
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    return luhn_digit(canonical12[2:11]) == int(canonical12[11])


def _valid_personnummer_expr(canonical: pl.Expr) -> pl.Expr:
    """Vectorised :func:`is_valid_personnummer` for 12-digit strings (check digit, month, day)."""
    digit = [canonical.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(12)]
    total = pl.lit(0, dtype=pl.Int32)
    for position in range(9):  # YYMMDDNNN: positions 2..10, weights 2, 1, 2, ...
        product = digit[2 + position] * (2 if position % 2 == 0 else 1)
        total = total + product // 10 + product % 10
    check_ok = (10 - total % 10) % 10 == digit[11]
    month = digit[4] * 10 + digit[5]
    day = digit[6] * 10 + digit[7]
    day = pl.when(day > 60).then(day - 60).otherwise(day)  # samordningsnummer
    return check_ok & month.is_between(1, 12) & day.is_between(1, 31)


def _century_expr(yy: pl.Expr, plus: pl.Expr, pivot_year: int) -> pl.Expr:
    """Full year from two digits: the latest year not after the pivot, 100 earlier with '+'."""
    pivot_cc, pivot_yy = divmod(pivot_year, 100)
    year = pl.when(yy <= pivot_yy).then(pivot_cc * 100 + yy).otherwise((pivot_cc - 1) * 100 + yy)
    return pl.when(plus).then(year - 100).otherwise(year)


def normalise_person_ids(values: pl.Series, pivot_year: int) -> pl.Series:
    """Canonical form of every identifier; ``INVALID`` for malformed personnummer; null stays null.

    ``pivot_year`` resolves the century of two-digit years (normally the current year).
    """
    frame = pl.DataFrame({"raw": values.cast(pl.String)})
    s = pl.col("raw").str.strip_chars().str.replace_all(r"\s+", "")
    parts = s.str.extract_groups(r"^(\d{2})?(\d{2})(\d{4})([-+]?)([0-9T]\d{3})$")
    frame = frame.with_columns(s.alias("s"), parts.alias("p")).unnest("p", separator="_")
    cc, yy, mmdd, sep, tail = (pl.col(f"p_{i}") for i in range(1, 6))
    full_year = (
        pl.when(cc.is_not_null())
        .then((cc + yy).cast(pl.Int32))
        .otherwise(_century_expr(yy.cast(pl.Int32), sep == "+", pivot_year))
    )
    canonical = full_year.cast(pl.String).str.zfill(4) + mmdd + tail
    is_tnumber = tail.str.starts_with("T")
    looks_numeric = pl.col("s").str.contains(r"^[\d\-+]+$")
    uid = pl.col("s").str.contains(r"^[A-Za-z0-9._@:\-]{2,64}$")
    frame = frame.with_columns(
        pl.when(pl.col("raw").is_null() | (pl.col("s") == ""))
        .then(None)
        .when(yy.is_not_null())
        .then(canonical)
        .when(looks_numeric)
        .then(pl.lit(INVALID))
        .when(uid)
        .then(pl.lit("uid:") + pl.col("s").str.to_lowercase())
        .otherwise(pl.lit(INVALID))
        .alias("canonical"),
        is_tnumber.fill_null(False).alias("is_t"),
    )
    twelve = pl.col("canonical").str.contains(r"^\d{12}$").fill_null(False)
    frame = frame.with_columns(
        pl.when(twelve & ~_valid_personnummer_expr(pl.col("canonical")))
        .then(pl.lit(INVALID))
        .otherwise(pl.col("canonical"))
        .alias("canonical")
    )
    return frame["canonical"].alias(values.name)


class Pseudonymiser:
    """Keyed HMAC-SHA256 of canonical identifiers, with an optional T-number crosswalk."""

    def __init__(self, key: bytes, crosswalk: Mapping[str, str] | None = None, pivot_year: int = 2026):
        if len(key) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes")
        block = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        self._pivot_year = pivot_year
        self._crosswalk: dict[str, str] = {}
        for t_number, pnr in (crosswalk or {}).items():
            t_canon, p_canon = normalise_person_ids(pl.Series([t_number, pnr]), pivot_year).to_list()
            if t_canon and p_canon and INVALID not in (t_canon, p_canon):
                self._crosswalk[t_canon] = p_canon

    def digest(self, canonical: str) -> str:
        """HMAC-SHA256 (RFC 2104) with the key's inner and outer states computed once."""
        inner = self._inner.copy()
        inner.update(canonical.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def pseudonymise(self, values: pl.Series) -> pl.Series:
        """Pseudonyms for raw identifiers; ``INVALID`` stays as the marker, null stays null.

        Normalisation and hashing run once per distinct raw value, then join back to every row.
        """
        raw = values.cast(pl.String)
        distinct = raw.drop_nulls().unique()
        canonical = normalise_person_ids(distinct, self._pivot_year)
        if self._crosswalk:
            canonical = canonical.replace(self._crosswalk)
        pseudonyms = [
            None if c is None else (INVALID if c == INVALID else self.digest(c)) for c in canonical.to_list()
        ]
        mapping = pl.DataFrame(
            {"raw": distinct, "pseudonym": pl.Series(pseudonyms, dtype=pl.String)}
        )
        joined = pl.DataFrame({"raw": raw}).join(mapping, on="raw", how="left", maintain_order="left")
        return joined["pseudonym"].alias(values.name)
