"""The world one generation run builds the sources from, and the helpers every source uses.

Each builder (one module per source group in this package) returns a polars frame with the
contract's field names (as in ``pipelines/*.yml``), dates as ``pl.Date``, booleans as
``pl.Boolean``, canonical enum values and 12-digit canonical personnummer; the writers render them
the way each export looks. Columns starting with ``_`` are helpers that never reach a file. The
large sources are built one academic year at a time, with numpy/polars (no per-row Python loops).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from indicators.sample import reference as ref
from indicators.sample.persons import PersonAllocator

# RNG streams, one per source (never Python's hash(): it is salted per process).
(
    S_PROGRAMMES,
    S_STUDENTS,
    S_STAFF,
    S_AGREEMENTS,
    S_GRADUATES,
    S_CIM,
    S_ENROL,
    S_REGISTER,
    S_ACTIVITIES,
    S_POOL,
    S_DEFECTS,
) = range(1, 12)

TEACHERS_BASE, ADMIN_BASE = 160, 40

COVID_START, COVID_END = dt.date(2020, 3, 12), dt.date(2020, 12, 31)


@dataclass
class World:
    """Shared state of one generation run."""

    scale: float
    seed: int
    programmes: pl.DataFrame
    partners: pl.DataFrame
    allocator: PersonAllocator = field(default_factory=PersonAllocator)
    teachers: pl.DataFrame | None = None
    graduate_candidates: list[pl.DataFrame] = field(default_factory=list)

    def rng(self, *keys: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, *keys])

    def count(self, base: float) -> int:
        return max(0, int(round(base * self.scale)))

    @property
    def faculties(self) -> int:
        return max(1, int(round(self.scale)))


# --------------------------------------------------------------------------------------------- helpers
def choice(rng: np.random.Generator, options, p, n: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(options)[rng.choice(len(options), size=n, p=p / p.sum())]


def strings(name: str, values: np.ndarray) -> pl.Series:
    """A string column from a numpy object array that may hold None."""
    return pl.Series(name, np.asarray(values, dtype=object).tolist(), dtype=pl.String)


def dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    months = ((np.asarray(year) - 1970) * 12 + np.asarray(month) - 1).astype("datetime64[M]")
    return months.astype("datetime64[D]") + (np.asarray(day) - 1)


def calendar_year(year: int, month: np.ndarray) -> np.ndarray:
    """Calendar year of a month within academic year ``year`` (July–June)."""
    return np.where(month >= 7, year, year + 1)


def active_in(programmes: pl.DataFrame, year: int) -> pl.DataFrame:
    return programmes.filter(
        (pl.col("active_from") <= year) & (pl.col("active_to").is_null() | (pl.col("active_to") >= year))
    )


def partner_weights(partners: pl.DataFrame, incoming: bool) -> np.ndarray:
    country = partners["country"].to_list()
    counts: dict[str, int] = {}
    for c in country:
        counts[c] = counts.get(c, 0) + 1
    w = np.array([ref.COUNTRY_WEIGHT_OUT.get(c, 0.5) / counts[c] for c in country])
    w *= np.where(partners["networks"].to_numpy() != "", 1.4, 1.0)
    if incoming:
        w *= np.array([ref.COUNTRY_FACTOR_IN.get(c, 1.0 if c in ref.EUROPE else 0.5) for c in country])
    return w / w.sum()


def mobility_scheme(
    rng: np.random.Generator, country: np.ndarray, start_year: np.ndarray, staff: bool
) -> np.ndarray:
    n = len(country)
    u = rng.random(n)
    nordic = np.isin(country, list(ref.NORDIC))
    europe = np.isin(country, list(ref.EUROPE))
    palme = np.isin(country, list(ref.LINNAEUS_PALME))
    uk_after = (country == "GB") & (start_year >= 2022)
    free = "other" if staff else "freemover"
    out = np.where(u < 0.9, "erasmus_plus", np.where(u < 0.95, "bilateral", free)).astype(object)
    out = np.where(nordic, np.where(u < 0.6, "nordplus", np.where(u < 0.95, "erasmus_plus", free)), out)
    out = np.where(uk_after, np.where(u < 0.6, "bilateral", np.where(u < 0.85, "erasmus_plus", free)), out)
    out = np.where(~europe, np.where(u < 0.8, "bilateral", free), out)
    out = np.where(palme, np.where(u < 0.6, "linnaeus_palme", np.where(u < 0.8, "other", free)), out)
    return out.astype(str)


# ---------------------------------------------------------------------------------------------- people
def birth_years(
    rng: np.random.Generator, ref_year: np.ndarray, low: int, high: int, min_age: int, spread: float
) -> np.ndarray:
    age = min_age + rng.gamma(2.0, spread, size=len(ref_year)).astype(np.int64)
    return np.clip(ref_year - age, low, high)


def staff_pool(world: World) -> pl.DataFrame:
    """Teachers and other staff of the faculty: personnummer, category, home programme."""
    rng = world.rng(S_POOL)
    n_t, n_a = max(5, world.count(TEACHERS_BASE)), max(2, world.count(ADMIN_BASE))
    n = n_t + n_a
    male = rng.random(n) < 0.45
    birth = rng.integers(1955, 1991, size=n)
    pnr = world.allocator.allocate(birth, male)
    progs = world.programmes
    w = progs["_registered"].to_numpy().astype(float)
    prog = progs["programme_code"].to_numpy()[rng.choice(len(progs), size=n, p=w / w.sum())]
    category = np.where(np.arange(n) < n_t, "teacher", "other")
    return pl.DataFrame(
        {
            "pnr": pnr,
            "staff_category": category,
            "programme_code": np.where(category == "teacher", prog, None),
        }
    )
