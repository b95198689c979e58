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


def _valid_personnummer(frame: pl.DataFrame, column: str) -> pl.Series:
    """Vectorised :func:`is_valid_personnummer` for a column of 12-digit strings (check digit, month, day)."""
    digits = frame.select(
        [((pl.col(column).cast(pl.Int64, strict=False) // 10 ** (11 - i)) % 10).alias(f"d{i}") for i in range(12)]
    )
    total = pl.lit(0, dtype=pl.Int64)
    for position in range(9):  # YYMMDDNNN: positions 2..10, weights 2, 1, 2, ...
        product = pl.col(f"d{2 + position}") * (2 if position % 2 == 0 else 1)
        total = total + product // 10 + product % 10
    month = pl.col("d4") * 10 + pl.col("d5")
    day = pl.col("d6") * 10 + pl.col("d7")
    return digits.select(
        ((10 - total % 10) % 10 == pl.col("d11"))
        & month.is_between(1, 12)
        & (day.is_between(1, 31) | day.is_between(61, 91))  # samordningsnummer: day + 60
    ).to_series()


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
    frame = frame.with_columns(pl.col("raw").str.strip_chars().str.replace_all(r"\s+", "").alias("s"))
    s = pl.col("s")
    # the personnummer shapes, matched without capture groups (they are slow): a separator '-' or '+'
    # at most once, before the last four characters; the rest digits, a 'T' allowed in the serial
    frame = frame.with_columns(
        s.str.replace_all("-", "", literal=True).str.replace_all("+", "", literal=True).alias("compact"),
        s.str.contains(r"^(\d{2})?\d{6}[-+]?[0-9T]\d{3}$").alias("shaped"),
        s.str.contains("+", literal=True).alias("plus"),
    )
    compact = pl.col("compact")
    long = compact.str.len_bytes() == 12
    frame = frame.with_columns(  # constant slices of both shapes; the shape picks one (staged: no re-evaluation)
        pl.when(long).then(compact.str.slice(2, 2)).otherwise(compact.str.slice(0, 2)).cast(pl.Int32, strict=False).alias("yy"),
        pl.when(long).then(compact.str.slice(0, 4)).cast(pl.Int32, strict=False).alias("yyyy"),
        pl.when(long).then(compact.str.slice(4)).otherwise(compact.str.slice(2)).alias("rest"),
    )
    full_year = pl.coalesce(pl.col("yyyy"), _century_expr(pl.col("yy"), pl.col("plus"), pivot_year))
    canonical = full_year.cast(pl.String).str.zfill(4) + pl.col("rest")
    shaped = pl.col("shaped")
    looks_numeric = s.str.contains(r"^[\d\-+]+$")
    uid = s.str.contains(r"^[A-Za-z0-9._@:\-]{2,64}$")
    frame = frame.with_columns(
        pl.when(pl.col("raw").is_null() | (s == ""))
        .then(None)
        .when(shaped)
        .then(canonical)
        .when(looks_numeric)
        .then(pl.lit(INVALID))
        .when(uid)
        .then(pl.lit("uid:") + s.str.to_lowercase())
        .otherwise(pl.lit(INVALID))
        .alias("canonical"),
    )
    twelve = (pl.col("canonical").str.len_bytes() == 12) & ~pl.col("canonical").str.contains("T", literal=True)
    valid = _valid_personnummer(frame, "canonical").fill_null(False)
    frame = frame.with_columns(
        pl.when(twelve.fill_null(False) & ~valid).then(pl.lit(INVALID)).otherwise(pl.col("canonical")).alias("canonical")
    )
    return frame["canonical"].alias(values.name)


class Pseudonymiser:
    """Keyed HMAC-SHA256 of canonical identifiers, with an optional T-number crosswalk."""

    def __init__(self, key: bytes, crosswalk: Mapping[str, str] | None = None, pivot_year: int = 2026):
        if len(key) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes")
        block = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
        self._ipad = bytes(b ^ 0x36 for b in block)
        self._opad = bytes(b ^ 0x5C for b in block)
        self._inner = hashlib.sha256(self._ipad)
        self._outer = hashlib.sha256(self._opad)
        self._pivot_year = pivot_year
        self._crosswalk: dict[str, str] = {}
        if crosswalk:  # both columns normalised at once, not pair by pair
            t_numbers = normalise_person_ids(pl.Series(list(crosswalk.keys()), dtype=pl.String), pivot_year)
            numbers = normalise_person_ids(pl.Series(list(crosswalk.values()), dtype=pl.String), pivot_year)
            pairs = pl.DataFrame({"t": t_numbers, "p": numbers}).filter(
                pl.col("t").is_not_null() & pl.col("p").is_not_null() & (pl.col("t") != INVALID) & (pl.col("p") != INVALID)
            )
            self._crosswalk = dict(zip(pairs["t"].to_list(), pairs["p"].to_list(), strict=True))

    def digest(self, canonical: str) -> str:
        """HMAC-SHA256 (RFC 2104) with the key's inner and outer states computed once."""
        inner = self._inner.copy()
        inner.update(canonical.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def digests(self, canonical: pl.Series) -> pl.Series:
        """:meth:`digest` of every value at once, vectorised in DuckDB (RFC 2104 over its sha256).

        Below a few thousand values starting DuckDB costs more than it saves: those are hashed here.
        """
        if canonical.len() < 5_000:
            return pl.Series(
                canonical.name, [None if v is None else self.digest(v) for v in canonical.to_list()], dtype=pl.String
            )
        import duckdb

        con = duckdb.connect()
        try:
            con.register("canonical_ids", pl.DataFrame({"value": canonical.cast(pl.String)}).to_arrow())
            table = con.sql(
                "select sha256($opad::blob || unhex(sha256($ipad::blob || encode(value)))) as digest "
                "from canonical_ids",
                params={"opad": self._opad, "ipad": self._ipad},
            ).to_arrow_table()
        finally:
            con.close()
        return pl.from_arrow(table)["digest"].alias(canonical.name)

    def pseudonymise(self, values: pl.Series) -> pl.Series:
        """Pseudonyms for raw identifiers; ``INVALID`` stays as the marker, null stays null.

        Normalisation and hashing run once per distinct raw value, then join back to every row.
        """
        raw = values.cast(pl.String)
        distinct = raw.drop_nulls().unique()
        canonical = normalise_person_ids(distinct, self._pivot_year)
        if self._crosswalk:
            canonical = canonical.replace(self._crosswalk)
        hashed = self.digests(canonical)
        pseudonyms = pl.select(
            pl.when(canonical == INVALID).then(pl.lit(INVALID)).otherwise(hashed).alias("pseudonym")
        ).to_series()
        mapping = pl.DataFrame({"raw": distinct, "pseudonym": pseudonyms})
        joined = pl.DataFrame({"raw": raw}).join(mapping, on="raw", how="left", maintain_order="left")
        return joined["pseudonym"].alias(values.name)
