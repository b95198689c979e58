"""Person identifiers: normalisation and keyed pseudonymisation.

Every person identifier (student_id, staff_id, teacher_ids) is normalised to one canonical
form and replaced by ``HMAC-SHA256(key, canonical)`` before anything is written. Forms:

* personnummer / samordningsnummer: ``YYYYMMDD-NNNN``, ``YYMMDD-NNNN``, ``YYMMDDNNNN``,
  ``YYYYMMDDNNNN``; ``+`` instead of ``-`` marks someone who is 100 or older. Between the parts
  any separator the redaction rule reads (:mod:`indicators.redact`: a no-break space, ``&nbsp;``,
  an en dash between spaces, ``--``, a minus sign, a wave dash ``〜``, ``:``, a mark of
  writing direction, ...). Canonical: ``YYYYMMDDNNNN`` (12 digits); the check digit must be valid.
* Ladok T-numbers (interim identifiers, ``YYMMDD-TNNN``): canonical ``YYYYMMDDTNNN``. An optional
  crosswalk maps a T-number to the personnummer the person got later, so one person stays one.
* nine digits are a short personnummer whose leading zero a spreadsheet dropped (someone born
  2000-2009, typed as a number into Excel): read with the zero put back, the check digit deciding;
  but in a column whose numbers mostly are no personnummer (a system's numeric ids, MoveON's, of
  which about 1 in 200 nine-digit ones passes by chance) every number but one of twelve digits is an
  id, ``uid:<digits>`` (``digits_are_ids``, decided per file and column).
* anything else that looks like a system UID (letters, digits, ``._@:-``) becomes ``uid:<lower>``.

Normalisation is vectorised (polars expressions) and runs once per *distinct* value. The HMAC is
computed by DuckDB (:meth:`Pseudonymiser.sql_digest`) in the statement that loads the rows, so an
identifier exists in clear only in the ingest's memory, never in a table or a file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

import polars as pl

from indicators.redact import DASHES, GAP, MARKER, PLUSES, REFERENCE, redact, redact_text  # noqa: F401 - re-exported

# Anything shaped like a personnummer or T-number, wherever it appears outside a person column, is
# replaced by one marker: the rule is indicators.redact's (redact: a polars expression; redact_text).
REDACTED = MARKER

# full-width digits, hyphen, plus and T (a Chinese or Japanese input method) and the Arabic-Indic
# digits (an Arabic, Persian or Urdu keyboard's): read as their ASCII forms
_WIDE = [*"０１２３４５６７８９", "－", "＋", "Ｔ", "ｔ", *"٠١٢٣٤٥٦٧٨٩", *"۰۱۲۳۴۵۶۷۸۹"]
_NARROW = [*"0123456789", "-", "+", "T", "t", *"0123456789", *"0123456789"]
_WIDE_PATTERN = "[０-９－＋Ｔｔ٠-٩۰-۹]"

# a personnummer's shapes: a separator '-' or '+' up to three times (as the redaction rule reads one),
# before the last four characters; the rest digits, a 'T' (or 't', as the rule reads it) in the serial
_SHAPE = r"^(\d{2})?\d{6}[-+]{0,3}[0-9Tt]\d{3}$"
# the forms nearly every export writes: YYMMDDNNNN or YYYYMMDDNNNN, one '-' or '+' before the last four
_PLAIN = r"^(?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4}$"  # [0-9]: \d matches full-width digits too
# a uid of ASCII letters, digits and ._@:- that begins with a letter, which no reading takes for a personnummer
_PLAIN_UID = r"^[A-Za-z][A-Za-z0-9._@:\-]{1,63}$"
# a system's UID: letters, digits, ._@:-
_UID = r"^[A-Za-z0-9._@:\-]{2,64}$"

INVALID = "\x00invalid"  # marker for identifiers that look like a personnummer but are not valid


def luhn_digit(nine_digits: str) -> int:
    """The personnummer check digit for ``YYMMDDNNN`` (Luhn, weights 2,1,2,...)."""
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def is_valid_personnummer(canonical12: str) -> bool:
    """True for a 12-digit canonical personnummer (or samordningsnummer) with a valid check digit.

    A personnummer's date is a calendar date (no 30 February, no 29 February 1900: as
    stdnum.se.personnummer and Skatteverket read it). A samordningsnummer adds 60 to the day, and
    Skatteverket writes a birth month or day it could not verify as 00 (``19000060``, ``19000160``)."""
    if not re.fullmatch(r"\d{12}", canonical12):
        return False
    year, month, day = int(canonical12[:4]), int(canonical12[4:6]), int(canonical12[6:8])
    coordination = day >= 60
    day -= 60 * coordination
    if not (coordination or (month and day)) or month > 12 or day > _days_in(year, month):
        return False
    return luhn_digit(canonical12[2:11]) == int(canonical12[11])


def _days_in(year: int, month: int) -> int:
    """The days of ``month`` of ``year`` (31 for month 00, a samordningsnummer's unknown month)."""
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 28 + leap if month == 2 else 30 if month in (4, 6, 9, 11) else 31


def _valid_personnummer(frame: pl.DataFrame, column: str) -> pl.Series:
    """Vectorised :func:`is_valid_personnummer` for a column of 12-digit strings (check digit, month, day)."""
    number = frame.select(pl.col(column).cast(pl.Int64, strict=False).alias("n"))  # parsed once
    digit = [(pl.col("n") // 10 ** (11 - i)) % 10 for i in range(12)]
    total = pl.lit(0, dtype=pl.Int64)
    for position in range(9):  # YYMMDDNNN: positions 2..10, weights 2, 1, 2, ...
        d = digit[2 + position]
        # a doubled digit's digit sum: 2d, less 9 from 5 up (10 -> 1, 12 -> 3, ...)
        total = total + (2 * d - 9 * (d >= 5).cast(pl.Int64) if position % 2 == 0 else d)
    year = pl.col("n") // 10**8
    month = (pl.col("n") // 10**6) % 100
    day = (pl.col("n") // 10**4) % 100
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = (
        pl.when(month == 2)
        .then(28 + leap.cast(pl.Int64))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    coordination = day >= 60  # samordningsnummer: day + 60, an unverified month or day 00
    known = (
        pl.when(coordination).then(month.is_between(0, 12)).otherwise(month.is_between(1, 12) & (day >= 1))
    )
    return number.select(
        ((10 - total % 10) % 10 == digit[11])
        & known
        & (day - 60 * coordination.cast(pl.Int64)).is_between(0, days)
    ).to_series()


def _century_expr(yy: pl.Expr, plus: pl.Expr, pivot_year: int) -> pl.Expr:
    """Full year from two digits: the latest year not after the pivot, 100 earlier with '+'."""
    pivot_cc, pivot_yy = divmod(pivot_year, 100)
    year = pl.when(yy <= pivot_yy).then(pivot_cc * 100 + yy).otherwise((pivot_cc - 1) * 100 + yy)
    return pl.when(plus).then(year - 100).otherwise(year)


def normalise_person_ids(values: pl.Series, pivot_year: int, digits_are_ids: bool = False) -> pl.Series:
    """Canonical form of every identifier; ``INVALID`` for malformed personnummer; null stays null.

    ``pivot_year`` resolves the century of two-digit years (normally the current year); with
    ``digits_are_ids`` a number (but one of twelve digits) is a system's id, ``uid:<digits>``: nine
    digits are no personnummer that lost its 0, eight or ten no mistyped one.

    The forms nearly every export writes (``_PLAIN``: ten or twelve digits, one '-' or '+' before the
    last four) are read by a few slices (:func:`_plain_ids`, the same result as the full reading), and
    a uid beginning with a letter (``_PLAIN_UID``) is ``uid:<lower>`` at once; the full reading
    (:func:`_any_ids`, a dozen passes of patterns) only for the rest.
    """
    raw = values.cast(pl.String)
    if digits_are_ids:  # ten digits are a system's id there: every value read in full
        return _any_ids(raw, pivot_year, digits_are_ids).alias(values.name)
    plain = raw.str.contains(_PLAIN).fill_null(False)
    uid = raw.str.contains(_PLAIN_UID).fill_null(False)
    if not (plain.any() or uid.any()):
        return _any_ids(raw, pivot_year).alias(values.name)
    read = _plain_ids(raw, pivot_year)  # meaningful in the plain rows only: the others read in full
    if uid.any():  # a system's id beginning with a letter (moveon-884334591): never a personnummer's shape
        read = pl.select(pl.when(uid).then("uid:" + raw.str.to_lowercase()).otherwise(read)).to_series()
    others = ~(plain | uid)
    if others.any():
        others = others.arg_true()
        read = read.scatter(others, _any_ids(raw.gather(others), pivot_year))
    return read.alias(values.name)


def _plain_ids(raw: pl.Series, pivot_year: int) -> pl.Series:
    """:func:`_any_ids` of values of the form ``_PLAIN``: no white space, no odd separator, no T, so
    the year (two digits: the century from the pivot, a '+' a hundred years earlier), month and day,
    and the last four, then the check digit."""
    s = pl.col("s")
    long = s.str.len_bytes() >= 12
    full_year = pl.when(long).then(s.str.slice(0, 4).cast(pl.Int32, strict=False))
    full_year = pl.coalesce(
        full_year,
        _century_expr(
            s.str.slice(0, 2).cast(pl.Int32, strict=False), s.str.contains("+", literal=True), pivot_year
        ),
    )
    month_day = pl.when(long).then(s.str.slice(4, 4)).otherwise(s.str.slice(2, 4))
    frame = pl.DataFrame({"s": raw}).select(
        (full_year.cast(pl.String).str.zfill(4) + month_day + s.str.slice(-4, 4)).alias("canonical")
    )
    valid = _valid_personnummer(frame, "canonical").fill_null(False)
    canonical = pl.col("canonical")
    return frame.select(
        pl.when((canonical.str.len_bytes() == 12) & ~valid).then(pl.lit(INVALID)).otherwise(canonical)
    ).to_series()


def _any_ids(raw: pl.Series, pivot_year: int, digits_are_ids: bool = False) -> pl.Series:
    """:func:`normalise_person_ids` of values of any form."""
    frame = pl.DataFrame({"raw": raw})
    frame = frame.with_columns(pl.col("raw").str.replace_all(r"\s+", "").alias("s"))  # Unicode white space
    # full-width digits, hyphen, plus and T (a Chinese or Japanese input method, an incoming student's
    # own form) and Arabic-Indic digits: the same identifier as its ASCII form (looked for first:
    # nearly never there)
    if frame["s"].str.contains(_WIDE_PATTERN).any():
        frame = frame.with_columns(pl.col("s").str.replace_many(_WIDE, _NARROW))
    # the separators the redaction rule reads between a personnummer's parts, read here alike (one
    # definition, indicators.redact's): white space, characters that show as nothing and character
    # references (&nbsp; &#8209;) dropped, a dash, minus sign, '_', '.', '/', '~', '〜', ':' or '*' a '-',
    # up to three. Only a value so read as a personnummer's shape is rewritten; one the old reading took for a
    # uid ('19000101_9876', '000101.9876') stays one if its check digit is wrong (a system's id)
    # (looked for in the values with anything but letters, digits and one '-' or '+': rarely there)
    s = frame["s"]
    rewritten = pl.repeat(False, len(s), dtype=pl.Boolean, eager=True).alias("rewritten")
    odd = s.str.contains(r"[^0-9A-Za-z+\-]|[-+][-+]").fill_null(False)
    if odd.any():
        rows = odd.arg_true()
        before = s.gather(rows)
        read = (
            before.str.replace_all(f"(?:{GAP})+", "")
            .str.replace_all(DASHES, "-")
            .str.replace_all(PLUSES, "+")
        )
        shaped = (read.str.contains(_SHAPE) & (read != before)).fill_null(False)
        rows, read = rows.filter(shaped), read.filter(shaped)
        s, rewritten = s.scatter(rows, read), rewritten.scatter(rows, True)
    frame = frame.with_columns(pl.col("s").alias("before"), s.alias("s"), rewritten)
    # nine digits: a short personnummer of someone born 2000-2009 whose leading zero a spreadsheet
    # dropped (typed as a number into Excel, or a CSV saved by it); the check digit still decides
    number_id = pl.col("s").str.contains(r"^(\d{1,11}|\d{13,64})$") if digits_are_ids else pl.lit(False)
    frame = frame.with_columns(
        pl.when(pl.col("s").str.contains(r"^\d{9}$") & (not digits_are_ids))
        .then("0" + pl.col("s"))
        .otherwise(pl.col("s"))
        .alias("s"),
        number_id.alias("number_id"),
    )
    s = pl.col("s")
    # the personnummer shapes, matched without capture groups (they are slow): _SHAPE
    frame = frame.with_columns(
        s.str.replace_all("-", "", literal=True)
        .str.replace_all("+", "", literal=True)
        .str.replace("t", "T", literal=True)  # a T-number typed 't'
        .alias("compact"),
        s.str.contains(_SHAPE).alias("shaped"),
        s.str.contains("+", literal=True).alias("plus"),
    )
    compact = pl.col("compact")
    long = compact.str.len_bytes() == 12
    frame = (
        frame.with_columns(  # constant slices of both shapes; the shape picks one (staged: no re-evaluation)
            pl.when(long)
            .then(compact.str.slice(2, 2))
            .otherwise(compact.str.slice(0, 2))
            .cast(pl.Int32, strict=False)
            .alias("yy"),
            pl.when(long).then(compact.str.slice(0, 4)).cast(pl.Int32, strict=False).alias("yyyy"),
            pl.when(long).then(compact.str.slice(4)).otherwise(compact.str.slice(2)).alias("rest"),
        )
    )
    full_year = pl.coalesce(pl.col("yyyy"), _century_expr(pl.col("yy"), pl.col("plus"), pivot_year))
    canonical = full_year.cast(pl.String).str.zfill(4) + pl.col("rest")
    shaped = pl.col("shaped")
    looks_numeric = s.str.contains(r"^[\d\-+]+$")
    uid = s.str.contains(_UID)
    frame = frame.with_columns(
        pl.when(pl.col("raw").is_null() | (s == ""))
        .then(None)
        .when(pl.col("number_id"))
        .then(pl.lit("uid:") + s)
        .when(shaped)
        .then(canonical)
        .when(looks_numeric)
        .then(pl.lit(INVALID))
        .when(uid)
        .then(pl.lit("uid:") + s.str.to_lowercase())
        .otherwise(pl.lit(INVALID))
        .alias("canonical"),
    )
    # a personnummer's twelve digits (a T-number has its T; a UID of eight characters, uid:stud1234, is
    # twelve characters too and no personnummer)
    canonical = pl.col("canonical")
    twelve = (
        (canonical.str.len_bytes() == 12)
        & ~canonical.str.contains("T", literal=True)
        & ~canonical.str.starts_with("uid:")
    )
    valid = _valid_personnummer(frame, "canonical").fill_null(False)
    before = pl.col("before")
    frame = frame.with_columns(
        pl.when(twelve.fill_null(False) & ~valid)
        .then(
            pl.when(pl.col("rewritten") & before.str.contains(_UID))
            .then(pl.lit("uid:") + before.str.to_lowercase())
            .otherwise(pl.lit(INVALID))
        )
        .otherwise(pl.col("canonical"))
        .alias("canonical")
    )
    return frame["canonical"]


def values_repeat(values: pl.Series) -> bool:
    """Whether values repeat enough that working on each distinct one once pays (judged on the first rows).

    Where nearly every row is another person or another mobility, finding the distinct values and
    mapping them back costs more than it saves (1.1 s against 0.4 s for 574,000 identifiers). Used
    for identifiers here and for every parsed column in :mod:`indicators.normalise`.
    """
    head = values.head(10_000)
    return head.n_unique() <= head.len() // 2


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
                pl.col("t").is_not_null()
                & pl.col("p").is_not_null()
                & (pl.col("t") != INVALID)
                & (pl.col("p") != INVALID)
            )
            self._crosswalk = dict(zip(pairs["t"].to_list(), pairs["p"].to_list(), strict=True))

    def digest(self, canonical: str) -> str:
        """HMAC-SHA256 (RFC 2104) with the key's inner and outer states computed once."""
        inner = self._inner.copy()
        inner.update(canonical.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def file_identity(self, sha256_hex: str) -> str:
        """A delivered file's identity: this HMAC of the sha256 of its bytes (``file:`` prefixed, so
        that it is no person's pseudonym). The plain sha256 of a one-row file would name its person
        to anyone who hashes every plausible personnummer in the row's text (see
        :mod:`indicators.fileid`); this one needs the key."""
        return self.digest(f"file:{sha256_hex}")

    def sql_file_identity(self, value_sql: str) -> str:
        """:meth:`file_identity` in DuckDB SQL (``$hmac_ipad``/``$hmac_opad`` from :attr:`sql_params`)."""
        return self.sql_digest(f"'file:' || {value_sql}")

    def redact_keyed(self, text: str) -> str:
        """``text`` with each personnummer-shaped part replaced by ``[personnummer:<tag>]``, the tag
        sixteen letters of a keyed HMAC of its digits (and a T-number's T) under a prefix of its own,
        so that it is no part of the person's pseudonym: for an identifier built from a personnummer
        (a mobility id ``MX-900101-9984``), where the one marker would make two ids one. The same
        digits give the same tag; the tag is letters only, so that the redaction rule never finds a
        personnummer in it."""
        from indicators.redact import COMPILED, ESCAPE, PERCENT, narrow_digits

        def keyed(match: re.Match) -> str:
            before, after = match.group(1), match.group(2) or match.group(3) or ""
            core = match.group(0)[len(before) : len(match.group(0)) - len(after)]
            # the digits (full-width, Arabic-Indic too) and a T-number's T or a reserve number's letters,
            # not those or the letters of a character reference, a percent-encoded byte or an escape
            # between the parts (&#8209; &thinsp; %2D \xa0)
            spaced = re.sub(f"{REFERENCE}|{PERCENT}|{ESCAPE}", "", core)
            digits = re.sub(r"[^0-9A-Za-z]", "", narrow_digits(spaced)).upper()
            tag = "".join(chr(ord("a") + int(c, 16)) for c in self.digest(f"business-key:{digits}")[:16])
            return f"{before}[personnummer:{tag}]{after}"

        return COMPILED.sub(keyed, COMPILED.sub(keyed, text))

    # The same HMAC in DuckDB SQL: the ingest computes it while it loads (on the writer thread, in
    # parallel), so that identifiers are only ever written as pseudonyms. ``$hmac_ipad`` and
    # ``$hmac_opad`` are bound from :attr:`sql_params`.
    def sql_digest(self, value_sql: str) -> str:
        """SQL for HMAC-SHA256 of a VARCHAR expression, as lower-case hex (null stays null)."""
        return f"sha256($hmac_opad::blob || unhex(sha256($hmac_ipad::blob || encode({value_sql}))))"

    def sql_digest_list(self, value_sql: str) -> str:
        """SQL for a ``;``-separated list of identifiers: each one's HMAC, sorted, joined by ``;``."""
        return f"array_to_string(list_sort(list_transform(string_split({value_sql}, ';'), lambda v: {self.sql_digest('v')})), ';')"

    @property
    def sql_params(self) -> dict[str, bytes]:
        return {"hmac_ipad": self._ipad, "hmac_opad": self._opad}

    def digests(self, canonical: pl.Series) -> pl.Series:
        """:meth:`digest` of every value at once, vectorised in DuckDB (:meth:`sql_digest`).

        Below a few thousand values starting DuckDB costs more than it saves: those are hashed here.
        """
        if canonical.len() < 5_000:
            return pl.Series(
                canonical.name,
                [None if v is None else self.digest(v) for v in canonical.to_list()],
                dtype=pl.String,
            )
        import duckdb

        con = duckdb.connect()
        try:
            con.register("canonical_ids", pl.DataFrame({"value": canonical.cast(pl.String)}).to_arrow())
            table = con.sql(
                f"select {self.sql_digest('value')} as digest from canonical_ids", params=self.sql_params
            ).to_arrow_table()
        finally:
            con.close()
        return pl.from_arrow(table)["digest"].alias(canonical.name)

    def canonical(self, values: pl.Series, digits_are_ids: bool = False) -> pl.Series:
        """Canonical identifiers (crosswalk applied); ``INVALID`` for malformed ones, null stays null.

        Where values repeat (staff, teachers) each distinct value is normalised once and mapped back.
        """
        raw = values.cast(pl.String)
        if values_repeat(raw):
            distinct = raw.drop_nulls().unique()
            normalised = normalise_person_ids(distinct, self._pivot_year, digits_are_ids)
            canonical = raw.replace_strict(distinct, normalised, default=None, return_dtype=pl.String)
        else:
            canonical = normalise_person_ids(raw, self._pivot_year, digits_are_ids)
        if self._crosswalk:
            canonical = canonical.replace(self._crosswalk)
        return canonical.alias(values.name)

    def numbers(self, values: pl.Series, most: int = 20_000) -> tuple[int, int]:
        """Of a column's distinct numbers (digits only, in its first ``most`` values: enough to tell),
        how many there are and how many are a valid personnummer (nine digits with a zero put back)."""
        text = values.cast(pl.String).drop_nulls().head(most).str.strip_chars()
        numbers = text.filter(text.str.contains(r"^\d{1,64}$")).unique()
        if numbers.len() == 0:
            return 0, 0
        read = normalise_person_ids(numbers, self._pivot_year)
        return numbers.len(), int((read != INVALID).sum())

    def pseudonymise_canonical(self, canonical: pl.Series) -> pl.Series:
        """Pseudonyms for canonical identifiers; ``INVALID`` stays as the marker, null stays null."""
        hashed = self.digests(canonical)
        return pl.select(
            pl.when(canonical == INVALID).then(pl.lit(INVALID)).otherwise(hashed).alias(canonical.name)
        ).to_series()

    def pseudonymise(self, values: pl.Series) -> pl.Series:
        """Pseudonyms for raw identifiers: :meth:`canonical`, then :meth:`pseudonymise_canonical`."""
        return self.pseudonymise_canonical(self.canonical(values))
