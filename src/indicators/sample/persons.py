"""Fictitious person identifiers: personnummer, Ladok T-numbers and system UIDs.

Personnummer are generated, never written down: the birth date and a birth serial in 980–999 (so
they are recognisably test identifiers; the serial's last digit is even for women, odd for men as
in real personnummer) and a valid check digit from :func:`indicators.identity.luhn_digit`.

Allocation is deterministic and vectorised. Within one birth year and sex there are 365 × 10 =
3,650 distinct identifiers; they are handed out in a fixed pseudo-random order, so every person
gets a different identifier until that space is exhausted. Only at scales far above one faculty
(≈ 7,000 persons born in the same year) do identifiers start to repeat; the sample then has fewer
distinct persons than stays would suggest, which the benchmarks accept.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

from indicators.identity import luhn_digit

DAYS = 365
BANDS = 49  # 980-999 first, then 960-979, ..., 0-19
SLOTS = DAYS * 10  # identifiers per birth year and sex
_STRIDE = 1223  # coprime with SLOTS: a fixed permutation of the slots
MIN_BIRTH_YEAR, MAX_BIRTH_YEAR = 1940, 2010


@lru_cache(maxsize=1)
def _serial_sums() -> np.ndarray:
    """Luhn sum (mod 10) of the serial digits NNN in positions 7–9, for NNN = 0..999."""
    return np.array([(10 - luhn_digit(f"000000{n:03d}")) % 10 for n in range(1000)], dtype=np.int64)


_DATE_SUMS: dict[str, int] = {}


def _date_sums(yymmdd: pl.Series) -> pl.Series:
    """Luhn sum (mod 10) of the six date digits, computed once per distinct date."""
    missing = [d for d in yymmdd.unique().to_list() if d not in _DATE_SUMS]
    for d in missing:
        _DATE_SUMS[d] = (10 - luhn_digit(d + "000")) % 10
    return yymmdd.replace_strict(_DATE_SUMS, return_dtype=pl.Int64)


class PersonAllocator:
    """Hands out distinct canonical personnummer (``YYYYMMDDNNNC``), deterministically."""

    def __init__(self) -> None:
        self._used = np.zeros((MAX_BIRTH_YEAR - MIN_BIRTH_YEAR + 1, 2), dtype=np.int64)

    def allocate(self, birth_year: np.ndarray, male: np.ndarray) -> pl.Series:
        """One new identifier per element; ``male`` decides the parity of the serial."""
        n = len(birth_year)
        if n == 0:
            return pl.Series("pnr", [], dtype=pl.String)
        year = np.clip(np.asarray(birth_year, dtype=np.int64), MIN_BIRTH_YEAR, MAX_BIRTH_YEAR)
        sex = np.asarray(male, dtype=np.int64)
        key = (year - MIN_BIRTH_YEAR) * 2 + sex
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
        group_start = np.repeat(starts, np.diff(np.r_[starts, n]))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n) - group_start
        flat = self._used.reshape(-1)
        # The first 3,650 people of a birth year and sex get serials 980-999; beyond that (large scales)
        # further bands of 20 serials below (960-979, ...) so that people stay distinct.
        slot = (flat[key] + rank) % (SLOTS * BANDS)
        np.add.at(flat, key, 1)
        band, inner = np.divmod(slot, SLOTS)
        perm = (inner * _STRIDE + year * 37) % SLOTS
        day = perm // 10
        serial = 980 - 20 * band + 2 * (perm % 10) + sex
        births = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + day
        frame = pl.DataFrame({"d": births, "serial": serial})
        frame = frame.with_columns(
            pl.col("d").dt.strftime("%Y%m%d").alias("ymd"),
            pl.col("d").dt.strftime("%y%m%d").alias("yymmdd"),
        )
        total = _date_sums(frame["yymmdd"]).to_numpy() + _serial_sums()[serial]
        check = (10 - total % 10) % 10
        frame = frame.with_columns(pl.Series("check", check))
        return frame.select(
            (pl.col("ymd") + pl.col("serial").cast(pl.String) + pl.col("check").cast(pl.String)).alias("pnr")
        )["pnr"]


PNR_STYLES = ("long_dash", "short_dash", "short", "long")


def format_person_ids(column: str, style: str | pl.Expr) -> pl.Expr:
    """Render canonical 12-digit personnummer in a display form; other identifiers unchanged.

    ``style`` is one of :data:`PNR_STYLES` or an expression yielding an index into it per row.
    """
    s = pl.col(column)
    forms = {
        "long_dash": s.str.slice(0, 8) + pl.lit("-") + s.str.slice(8, 4),
        "short_dash": s.str.slice(2, 6) + pl.lit("-") + s.str.slice(8, 4),
        "short": s.str.slice(2, 10),
        "long": s,
    }
    if isinstance(style, str):
        rendered = forms[style]
    else:
        rendered = pl.when(style == 0).then(forms[PNR_STYLES[0]])
        for i, name in enumerate(PNR_STYLES[1:], start=1):
            rendered = rendered.when(style == i).then(forms[name])
        rendered = rendered.otherwise(s)
    return pl.when(s.str.contains(r"^\d{12}$")).then(rendered).otherwise(s).alias(column)


def t_numbers(pnr: pl.Series) -> pl.Series:
    """Ladok T-numbers ``YYMMDD-TNNN`` built from (unused) canonical personnummer."""
    return (pnr.str.slice(2, 6) + "-T" + pnr.str.slice(8, 3)).alias(pnr.name)


def uids(rng: np.random.Generator, n: int, prefix: str) -> pl.Series:
    """System UIDs such as ``moveon-048213377`` for persons without a Swedish identifier."""
    values = pl.Series("uid", rng.integers(0, 10**9, size=n, dtype=np.int64))
    return (prefix + values.cast(pl.String).str.zfill(9)).alias("uid")
