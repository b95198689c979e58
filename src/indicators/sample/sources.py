"""Canonical frames for every source, built with numpy/polars (no per-row Python loops).

Each builder returns a polars frame with the contract's field names (as in ``pipelines/*.yml``),
dates as ``pl.Date``, booleans as ``pl.Boolean``, canonical enum values and 12-digit canonical
personnummer; the writers render them the way each export looks. Columns starting with ``_`` are
helpers that never reach a file. The large sources are built one academic year at a time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from indicators.sample import reference as ref
from indicators.sample.persons import PNR_STYLES, PersonAllocator, format_person_ids, t_numbers, uids

# RNG streams, one per source (never Python's hash(): it is salted per process).
S_PROGRAMMES, S_STUDENTS, S_STAFF, S_AGREEMENTS, S_GRADUATES, S_CIM, S_ENROL, S_REGISTER, S_ACTIVITIES, \
    S_POOL, S_DEFECTS = range(1, 12)

STUDENT_OUT_BASE, STUDENT_IN_BASE = 600, 400  # stays per normal year at scale 1 (scale 100: ~1 M stays)
STUDENT_YEAR_FACTOR = {2016: 0.88, 2017: 0.94, 2018: 1.0, 2019: 0.97, 2020: 0.3, 2021: 0.62, 2022: 0.97,
                       2023: 1.08, 2024: 1.16}
STAFF_OUT_BASE, STAFF_IN_BASE = 38, 26
STAFF_YEAR_FACTOR = {2016: 0.9, 2017: 0.95, 2018: 1.0, 2019: 0.85, 2020: 0.1, 2021: 0.45, 2022: 0.95,
                     2023: 1.15, 2024: 1.3}
ACTIVITY_BASE = 70
ACTIVITY_YEAR_FACTOR = {2016: 0.7, 2017: 0.8, 2018: 1.0, 2019: 0.95, 2020: 0.9, 2021: 1.1, 2022: 1.25,
                        2023: 1.4, 2024: 1.55}
AGREEMENTS_BASE = 110
TEACHERS_BASE, ADMIN_BASE = 160, 40

TYPES = ["studies", "clinical_placement", "traineeship", "degree_project", "short_term", "blended", "virtual"]
TYPE_P_OUT = {
    "normal": [0.52, 0.30, 0.08, 0.05, 0.03, 0.015, 0.005],
    2020: [0.22, 0.08, 0.04, 0.04, 0.04, 0.08, 0.50],
    2021: [0.45, 0.24, 0.07, 0.05, 0.04, 0.06, 0.09],
    "late": [0.50, 0.30, 0.08, 0.05, 0.03, 0.03, 0.01],
}
TYPE_P_IN = [0.62, 0.27, 0.05, 0.03, 0.02, 0.01, 0.0]

# Start months (1-12) and their probabilities per mobility type (Erasmus microdata 2008-2013 shape).
START_MONTHS = {
    "studies": ([9, 2, 10, 8, 1, 3, 11, 4], [0.50, 0.13, 0.11, 0.12, 0.12, 0.01, 0.005, 0.005]),
    "traineeship": ([9, 10, 11, 1, 2, 3, 4, 5, 6, 8], [0.15, 0.1, 0.08, 0.12, 0.12, 0.1, 0.1, 0.08, 0.05, 0.1]),
    "short_term": ([6, 7, 8, 10, 11, 3, 4, 5], [0.2, 0.15, 0.15, 0.1, 0.1, 0.1, 0.1, 0.1]),
    "blended": ([10, 11, 3, 4, 5], [0.2] * 5),
    "virtual": ([9, 10, 1, 2, 3], [0.3, 0.2, 0.2, 0.2, 0.1]),
}
START_MONTHS["clinical_placement"] = START_MONTHS["studies"]
START_MONTHS["degree_project"] = START_MONTHS["traineeship"]

# Length in months per type: study stays median 5 (p10 4, p90 10); traineeships ~4 on average.
LENGTH_MONTHS = {
    "studies": ([2, 3, 4, 5, 6, 9, 10, 11], [0.03, 0.05, 0.20, 0.35, 0.17, 0.08, 0.10, 0.02]),
    "clinical_placement": ([1, 2, 3, 4, 5], [0.12, 0.22, 0.28, 0.22, 0.16]),
    "traineeship": ([2, 3, 4, 5, 6], [0.2, 0.25, 0.25, 0.15, 0.15]),
    "degree_project": ([2, 3, 4, 5], [0.3, 0.35, 0.2, 0.15]),
}
STUDY_CREDITS = {2: 12.0, 3: 15.0, 4: 22.5, 5: 30.0, 6: 30.0, 9: 60.0, 10: 60.0, 11: 60.0}

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
def _choice(rng: np.random.Generator, options, p, n: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(options)[rng.choice(len(options), size=n, p=p / p.sum())]


def _strings(name: str, values: np.ndarray) -> pl.Series:
    """A string column from a numpy object array that may hold None."""
    return pl.Series(name, np.asarray(values, dtype=object).tolist(), dtype=pl.String)


def _dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    months = ((np.asarray(year) - 1970) * 12 + np.asarray(month) - 1).astype("datetime64[M]")
    return months.astype("datetime64[D]") + (np.asarray(day) - 1)


def _calendar_year(year: int, month: np.ndarray) -> np.ndarray:
    """Calendar year of a month within academic year ``year`` (July–June)."""
    return np.where(month >= 7, year, year + 1)


def active_in(programmes: pl.DataFrame, year: int) -> pl.DataFrame:
    return programmes.filter(
        (pl.col("active_from") <= year) & (pl.col("active_to").is_null() | (pl.col("active_to") >= year))
    )


def _partner_weights(partners: pl.DataFrame, incoming: bool) -> np.ndarray:
    country = partners["country"].to_list()
    counts: dict[str, int] = {}
    for c in country:
        counts[c] = counts.get(c, 0) + 1
    w = np.array([ref.COUNTRY_WEIGHT_OUT.get(c, 0.5) / counts[c] for c in country])
    w *= np.where(partners["networks"].to_numpy() != "", 1.4, 1.0)
    if incoming:
        w *= np.array([ref.COUNTRY_FACTOR_IN.get(c, 1.0 if c in ref.EUROPE else 0.5) for c in country])
    return w / w.sum()


def _scheme(rng: np.random.Generator, country: np.ndarray, start_year: np.ndarray, staff: bool) -> np.ndarray:
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


# ------------------------------------------------------------------------------------------ programmes
def programmes(world: World) -> pl.DataFrame:
    rows = []
    for f in range(world.faculties):
        suffix = ref.faculty_suffix(f)
        for p in ref.PROGRAMMES:
            extra_sv = f" (fakultet {f + 1})" if f else ""
            extra_en = f" (faculty {f + 1})" if f else ""
            rows.append({
                "programme_code": p.code + suffix, "name_sv": p.name_sv + extra_sv, "name_en": p.name_en + extra_en,
                "level": p.level, "active_from": p.active_from, "active_to": p.active_to,
                "_base": p.code, "_weight": p.mobility_weight, "_graduates": p.graduates,
                "_registered": p.registered, "_isced": p.isced, "_degree_code": p.degree_code, "_years": p.years,
            })
    return pl.DataFrame(rows, schema_overrides={"active_to": pl.Int64, "active_from": pl.Int64})


# ---------------------------------------------------------------------------------------------- people
def _birth_years(rng: np.random.Generator, ref_year: np.ndarray, low: int, high: int,
                 min_age: int, spread: float) -> np.ndarray:
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
    return pl.DataFrame({"pnr": pnr, "staff_category": category,
                         "programme_code": np.where(category == "teacher", prog, None)})


# -------------------------------------------------------------------------------------- student stays
def _type_probs(year: int, incoming: bool) -> list[float]:
    if incoming:
        p = list(TYPE_P_IN)
        if year == 2020:
            p = [0.3, 0.1, 0.03, 0.03, 0.04, 0.1, 0.4]
        return p
    if year in (2020, 2021):
        return TYPE_P_OUT[year]
    return TYPE_P_OUT["late"] if year >= 2022 else TYPE_P_OUT["normal"]


def _stays(world: World, rng: np.random.Generator, year: int, direction: str, n: int) -> pl.DataFrame:
    incoming = direction == "incoming"
    progs = active_in(world.programmes, year)
    w = progs["_weight"].to_numpy().astype(float)
    pi = rng.choice(len(progs), size=n, p=w / w.sum())
    prog_code = progs["programme_code"].to_numpy()[pi].astype(object)
    prog_level = progs["level"].to_numpy()[pi]
    integrated = np.isin(progs["_base"].to_numpy()[pi], list(ref.INTEGRATED))
    unknown = rng.random(n) < 0.02
    prog_code[unknown] = _choice(rng, ref.UNKNOWN_PROGRAMME_CODES, [1, 1, 1], int(unknown.sum()))

    mtype = _choice(rng, TYPES, _type_probs(year, incoming), n)
    month = np.zeros(n, dtype=np.int64)
    length_m = np.zeros(n, dtype=np.int64)
    days = np.zeros(n, dtype=np.int64)
    credits = np.full(n, np.nan)
    for t in TYPES:
        m = mtype == t
        k = int(m.sum())
        if not k:
            continue
        months, p = START_MONTHS[t]
        month[m] = _choice(rng, months, p, k)
        if t in LENGTH_MONTHS:
            lm = _choice(rng, *LENGTH_MONTHS[t], k)
            length_m[m] = lm
            days[m] = np.round(lm * 30.4 + rng.normal(0, 4, k)).astype(np.int64)
        if t == "studies":
            base = np.vectorize(STUDY_CREDITS.get)(length_m[m]).astype(float)
            shift = rng.choice([-7.5, 0.0, 7.5], size=k, p=[0.08, 0.84, 0.08])
            reduced = _choice(rng, [6.0, 7.5, 12.0], [1, 2, 2], k)  # a reduced study load
            credits[m] = np.where(rng.random(k) < 0.08, reduced, np.clip(base + shift, 7.5, 60.0))
        elif t == "clinical_placement":
            credits[m] = length_m[m] * 7.5
        elif t == "traineeship":
            credits[m] = np.where(rng.random(k) < 0.3, np.nan, length_m[m] * 6.0)
        elif t == "degree_project":
            credits[m] = np.where(length_m[m] >= 4, 30.0, 15.0)
        elif t == "short_term":
            days[m] = rng.integers(5, 22, k)
            credits[m] = _choice(rng, [1.5, 3.0, 4.5, 5.0], [1, 2, 1, 1], k)
        elif t == "blended":
            days[m] = rng.integers(5, 11, k)
            credits[m] = _choice(rng, [3.0, 4.0, 5.0], [2, 1, 2], k)
        else:  # virtual
            days[m] = rng.integers(30, 121, k)
            credits[m] = _choice(rng, [3.0, 5.0, 7.5], [1, 1, 1], k)
    credits[rng.random(n) < 0.04] = np.nan
    r = rng.integers(0, 14, n)
    day = np.where(month == 8, 16 + r, np.where(month == 1, 7 + r, 1 + r))
    start = _dates(_calendar_year(year, month), month, day)
    end = start + np.maximum(days, 1) - 1

    level = np.where(prog_level == "first_cycle",
                     np.where(rng.random(n) < 0.97, "first_cycle", "second_cycle"), "second_cycle")
    level = np.where(integrated, np.where(rng.random(n) < 0.55, "first_cycle", "second_cycle"), level)
    level = np.where(rng.random(n) < 0.01, "third_cycle", level)

    pw = _partner_weights(world.partners, incoming)
    pj = rng.choice(len(world.partners), size=n, p=pw)
    partner_code = world.partners["code"].to_numpy()[pj]
    partner_name = world.partners["name"].to_numpy()[pj]
    country = world.partners["country"].to_numpy()[pj]
    cal_year = start.astype("datetime64[Y]").astype(np.int64) + 1970
    scheme = _scheme(rng, country, np.full(n, year), staff=False)

    female_p = 0.58 if incoming else 0.61
    u = rng.random(n)
    male = u >= female_p
    gender = np.where(male, "male", "female").astype(object)
    gender[rng.random(n) < 0.005] = "unknown"

    birth = _birth_years(rng, cal_year, 1975, 2004, 19, 2.2)
    pnr = world.allocator.allocate(birth, male)
    if incoming:
        kind = rng.random(n)
        ids = pl.select(
            pl.when(pl.Series(kind < 0.55)).then(uids(rng, n, "moveon-"))
            .when(pl.Series(kind < 0.85)).then(t_numbers(pnr))
            .otherwise(pnr).alias("student_id")
        )["student_id"]
    else:
        ids = pnr.alias("student_id")

    fate = _choice(rng, ["normal", "withdrawn", "discontinued"], [0.92, 0.06, 0.02], n)
    return pl.DataFrame({
        "student_id": ids,
        "direction": np.full(n, direction),
        "programme_code": prog_code.astype(str),
        "level": level,
        "mobility_type": mtype,
        "scheme": scheme,
        "partner_code": partner_code,
        "partner_name": partner_name,
        "partner_country": country,
        "start_date": start,
        "end_date": end,
        "credits_ects": pl.Series(credits).fill_nan(None),
        "gender": gender.astype(str),
        "_fate": fate,
        "_male": male,
    })


def _second_stays(rng: np.random.Generator, first: pl.DataFrame, year: int) -> pl.DataFrame:
    """A spring stay for some short autumn study stays: the same student twice in one year."""
    autumn = first.filter(
        (pl.col("mobility_type") == "studies") & (pl.col("start_date").dt.month() >= 8)
        & (pl.col("_fate") == "normal") & (pl.col("end_date") < dt.date(year + 1, 2, 1))
    )
    pick = autumn.filter(pl.Series(rng.random(autumn.height) < 0.15))
    k = pick.height
    if not k:
        return pick
    month = rng.integers(2, 5, k)
    start = _dates(np.full(k, year + 1), month, rng.integers(1, 20, k))
    mtype = _choice(rng, ["short_term", "clinical_placement", "degree_project"], [0.4, 0.4, 0.2], k)
    days = np.where(mtype == "short_term", rng.integers(7, 15, k), rng.integers(28, 62, k))
    credits = np.where(mtype == "short_term", 3.0, np.where(mtype == "degree_project", 15.0, 7.5))
    return pick.with_columns(
        pl.Series("mobility_type", mtype),
        pl.Series("start_date", start),
        pl.Series("end_date", start + days - 1),
        pl.Series("credits_ects", credits),
    )


def _covid(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    """Withdrawals for stays meant to start in the pandemic, discontinuations for those under way."""
    n = frame.height
    u = pl.Series(rng.random(n))
    start, end = pl.col("start_date"), pl.col("end_date")
    physical = pl.col("mobility_type") != "virtual"
    cancelled = physical & start.is_between(COVID_START, COVID_END) & (u < 0.65)
    spring21 = physical & start.is_between(dt.date(2021, 1, 1), dt.date(2021, 6, 30)) & (u < 0.3)
    broken = (start < COVID_START) & (end >= COVID_START) & (pl.col("_fate") == "normal") & (u < 0.45)
    stop = pl.lit(dt.date(2020, 3, 18)) + pl.duration(days=(u * 40).cast(pl.Int64))
    return frame.with_columns(
        pl.when(cancelled | spring21).then(pl.lit("withdrawn"))
        .when(broken).then(pl.lit("discontinued")).otherwise("_fate").alias("_fate"),
        pl.when(broken & ~(cancelled | spring21)).then(stop).otherwise(end).alias("end_date"),
    )


def student_year(world: World, year: int) -> pl.DataFrame:
    """All student stays starting in academic year ``year`` (canonical, status not yet set)."""
    rng = world.rng(S_STUDENTS, year)
    factor = STUDENT_YEAR_FACTOR[year]
    out = _stays(world, rng, year, "outgoing", world.count(STUDENT_OUT_BASE * factor))
    inc = _stays(world, rng, year, "incoming", world.count(STUDENT_IN_BASE * factor))
    frame = pl.concat([out, _second_stays(rng, out, year), inc])
    frame = _covid(rng, frame)
    # Discontinued stays end early.
    u = pl.Series(rng.uniform(0.3, 0.8, frame.height))
    length = (pl.col("end_date") - pl.col("start_date")).dt.total_days()
    frame = frame.with_columns(
        pl.when((pl.col("_fate") == "discontinued") & (pl.col("end_date") >= COVID_START).not_()
                | (pl.col("_fate") == "discontinued") & (pl.col("start_date") >= COVID_START))
        .then(pl.col("start_date") + pl.duration(days=(length * u).cast(pl.Int64)))
        .otherwise("end_date").alias("end_date")
    )
    # Registration order gives the mobility ids.
    frame = frame.with_columns(pl.Series("_r", rng.random(frame.height))).sort(["start_date", "_r"])
    width = max(6, len(str(frame.height)))
    frame = frame.with_columns(
        (pl.lit(f"SM-{year}-") + (pl.int_range(1, frame.height + 1)).cast(pl.String).str.zfill(width))
        .alias("mobility_id"),
        pl.when(pl.col("start_date").dt.month() >= 7).then(pl.lit("HT")).otherwise(pl.lit("VT"))
        .add(pl.col("start_date").dt.year().cast(pl.String)).alias("term"),
    ).drop("_r")
    _remember_graduates(world, rng, frame, year)
    return frame


def status_as_of(frame: pl.DataFrame, export: dt.date) -> pl.DataFrame:
    """The stays as an export taken on ``export`` shows them (status as known that day)."""
    x = pl.lit(export)
    start, end, fate = pl.col("start_date"), pl.col("end_date"), pl.col("_fate")
    before = pl.when((start - x).dt.total_days() > 150).then(pl.lit("nominated")).otherwise(pl.lit("accepted"))
    status = (
        pl.when(fate == "withdrawn").then(
            pl.when((start - x).dt.total_days() > 30).then(before).otherwise(pl.lit("withdrawn")))
        .when(start > x).then(before)
        .when(fate == "discontinued").then(
            pl.when(end <= x).then(pl.lit("discontinued")).otherwise(pl.lit("ongoing")))
        .when(end > x).then(pl.lit("ongoing"))
        .otherwise(pl.lit("completed"))
    )
    return frame.with_columns(status.alias("status"))


def _remember_graduates(world: World, rng: np.random.Generator, frame: pl.DataFrame, year: int) -> None:
    """About two thirds of the outgoing students graduate 0–3 years after their stay."""
    out = frame.filter(
        (pl.col("direction") == "outgoing") & (pl.col("_fate") != "withdrawn")
        & (pl.col("level") != "third_cycle")
    ).unique("student_id", keep="first", maintain_order=True)
    keep = out.filter(pl.Series(rng.random(out.height) < 0.65))
    later = _choice(rng, [0, 1, 2, 3], [0.25, 0.35, 0.25, 0.15], keep.height)
    world.graduate_candidates.append(keep.select(
        "student_id", "programme_code", "_male",
        (pl.lit(year) + pl.Series(later)).alias("_degree_year"),
    ))


# ---------------------------------------------------------------------------------------- staff stays
def staff_year(world: World, year: int) -> pl.DataFrame:
    rng = world.rng(S_STAFF, year)
    factor = STAFF_YEAR_FACTOR[year]
    n_out, n_in = world.count(STAFF_OUT_BASE * factor), world.count(STAFF_IN_BASE * factor)
    n = n_out + n_in
    pool = world.teachers
    direction = np.array(["outgoing"] * n_out + ["incoming"] * n_in)
    incoming = direction == "incoming"
    pi = rng.integers(0, pool.height, n)
    category = pool["staff_category"].to_numpy()[pi].astype(object)
    category[incoming] = np.where(rng.random(int(incoming.sum())) < 0.85, "teacher", "other")
    prog = pool["programme_code"].fill_null("").to_numpy()[pi].astype(str)
    own = pool["pnr"].to_numpy()[pi].astype(object)
    guests = uids(rng, n, "guest-").to_numpy().astype(object)
    staff_id = np.where(incoming, guests, own)
    active = active_in(world.programmes, year)["programme_code"].to_numpy()
    prog = np.where(incoming, active[rng.integers(0, len(active), n)], prog)
    known = pl.Series(prog).is_in(pl.Series(active).implode()).to_numpy()
    prog = np.where(known, prog, None)
    teacher = category == "teacher"
    mtype = np.where(teacher, _choice(rng, ["teaching", "training", "other"], [0.6, 0.35, 0.05], n),
                     _choice(rng, ["training", "other"], [0.8, 0.2], n))
    p_out, p_in = _partner_weights(world.partners, False), _partner_weights(world.partners, True)
    pj = np.where(incoming, rng.choice(len(p_in), size=n, p=p_in), rng.choice(len(p_out), size=n, p=p_out))
    country = world.partners["country"].to_numpy()[pj]
    month = _choice(rng, [8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6], [3, 12, 14, 12, 5, 4, 10, 12, 12, 11, 5], n)
    start = _dates(_calendar_year(year, month), month, rng.integers(1, 27, n))
    end = start + rng.integers(2, 13, n) - 1
    status = np.where(rng.random(n) < 0.06, "withdrawn", "completed").astype(object)
    covid = (start >= np.datetime64(COVID_START)) & (start <= np.datetime64(dt.date(2021, 6, 30)))
    status[covid & (rng.random(n) < 0.7)] = "withdrawn"
    status[start > np.datetime64(dt.date(2025, 9, 1))] = "accepted"
    frame = pl.DataFrame({
        "staff_id": staff_id.astype(str), "direction": direction, "staff_category": category.astype(str),
        "mobility_type": mtype, "programme_code": _strings("programme_code", prog),
        "partner_code": world.partners["code"].to_numpy()[pj],
        "partner_name": world.partners["name"].to_numpy()[pj], "partner_country": country,
        "start_date": start, "end_date": end,
        "scheme": _scheme(rng, country, np.full(n, year), staff=True), "status": status.astype(str),
    })
    frame = frame.sort("start_date", maintain_order=True)
    width = max(5, len(str(frame.height)))
    return frame.with_columns(
        (pl.lit(f"ST-{year}-") + pl.int_range(1, frame.height + 1).cast(pl.String).str.zfill(width))
        .alias("mobility_id"))


# ----------------------------------------------------------------------------------------- agreements
STRATEGIC = [("UK EDINBUR01", 2017), ("MAK.AC.UG", 2016), ("MANIPAL.EDU", 2020), ("UW.EDU", 2021),
             ("UNIMELB.EDU.AU", 2020), ("USP.BR", 2022), ("HKU.HK", 2023)]


def agreements(world: World) -> pl.DataFrame:
    rng = world.rng(S_AGREEMENTS)
    partners = world.partners
    n = world.count(AGREEMENTS_BASE)
    w = np.sqrt(_partner_weights(partners, False))
    pj = rng.choice(partners.height, size=n, p=w / w.sum())
    codes = partners["code"].to_list()
    strategic = np.zeros(n, dtype=bool)
    from_year = np.where(rng.random(n) < 0.55, rng.integers(2014, 2017, n),
                         np.where(rng.random(n) < 0.33, rng.integers(2017, 2019, n), rng.integers(2019, 2024, n)))
    for f in range(world.faculties):  # the faculty-wide strategic partnerships, once per faculty copy
        for k, (code, year) in enumerate(STRATEGIC):
            i = (f * len(STRATEGIC) + k) * 7 % max(n, 1)
            if code in codes and i < n:
                pj[i], strategic[i], from_year[i] = codes.index(code), True, year
    country = partners["country"].to_numpy()[pj]
    networks = partners["networks"].to_numpy()[pj]
    europe = np.isin(country, list(ref.EUROPE))
    kind = np.where(europe, np.where((networks != "") & (rng.random(n) < 0.3), "network", "erasmus_iia"),
                    "bilateral")
    kind = np.where(strategic, "strategic_partnership", kind)
    valid_from = _dates(from_year, _choice(rng, [1, 6, 9], [0.3, 0.4, 0.3], n), np.ones(n, dtype=np.int64))
    ended = (rng.random(n) < 0.28) & ~strategic & (from_year < 2021)
    low = np.maximum(from_year + 2, 2019)
    to_year = rng.integers(low, np.maximum(low + 1, 2024))
    valid_to = np.where(ended, _dates(to_year, np.full(n, 6), np.full(n, 30)),
                        np.where(europe & (from_year >= 2021), _dates(np.full(n, 2029), np.full(n, 5), np.full(n, 31)),
                                 np.datetime64("NaT")))
    sta_p = np.where(from_year >= 2019, 0.85, 0.38)
    sta = (rng.random(n) < sta_p) | strategic
    sta_text = np.where(sta, np.where(rng.random(n) < 0.6, "yes", rng.integers(1, 4, n).astype(str)), "no")
    places = np.where(rng.random(n) < 0.82, rng.integers(1, 7, n), 0)
    in_places = np.where(places > 0, np.maximum(1, places + rng.integers(-1, 2, n)), 0)
    trainee = np.where(rng.random(n) < 0.25, rng.integers(1, 4, n), 0)

    progs = world.programmes
    prog_codes = []
    isced = []
    faculty = np.arange(n) % world.faculties
    all_codes = progs["programme_code"].to_numpy()
    base_isced = progs["_isced"].to_numpy()
    pweights = progs["_weight"].to_numpy().astype(float)
    k_choice = rng.integers(1, 4, n)
    use_all = rng.random(n) < 0.4
    per_fac = len(ref.PROGRAMMES)
    for i in range(n):  # one row per agreement: a few hundred at scale 1, 110 per faculty copy
        if use_all[i] or strategic[i]:
            prog_codes.append("ALL")
            isced.append("0910")
            continue
        lo = faculty[i] * per_fac
        ww = pweights[lo:lo + per_fac]
        idx = lo + np.sort(rng.choice(per_fac, size=k_choice[i], replace=False, p=ww / ww.sum()))
        prog_codes.append(";".join(all_codes[idx]))
        isced.append(";".join(dict.fromkeys(base_isced[idx])))
    reviewed = np.where(rng.random(n) < 0.5,
                        _dates(rng.integers(2019, 2026, n), rng.integers(1, 10, n), rng.integers(1, 28, n)),
                        np.datetime64("NaT"))
    width = max(4, len(str(n)))
    return pl.DataFrame({
        "agreement_id": [f"LU-MED-{from_year[i]}-{i + 1:0{width}d}" for i in range(n)],
        "partner_code": partners["code"].to_numpy()[pj],
        "partner_name": partners["name"].to_numpy()[pj],
        "partner_country": country,
        "agreement_type": kind,
        "valid_from": valid_from,
        "valid_to": valid_to.astype("datetime64[D]"),
        "programme_codes": prog_codes,
        "isced_codes": isced,
        "student_places": np.where(places > 0, places, -1),
        "traineeship_places": np.where(trainee > 0, trainee, -1),
        "incoming_student_places": np.where(in_places > 0, in_places, -1),
        "staff_teaching": sta_text,
        "staff_training": rng.random(n) < 0.35,
        "strategic": strategic,
        "last_reviewed_on": reviewed.astype("datetime64[D]"),
    }).with_columns(
        pl.col("student_places", "traineeship_places", "incoming_student_places").replace(-1, None)
    )


def ewp_iias(world: World) -> list[dict]:
    """Four digital Erasmus+ IIAs (2021–2029 generation) as they come from the EWP network."""
    partners = world.partners
    wanted = ["ed.ac.uk", "uit.no", "u-szeged.hu", "up.pt", "ku.dk", "uio.no", "maastrichtuniversity.nl"]
    heis = [h for h in wanted if h in set(partners["hei_id"].to_list())][:4]
    rng = world.rng(S_AGREEMENTS, 2)
    out = []
    for k, hei in enumerate(heis):
        first = [2021, 2021, 2022, 2023][k]
        last = 2028 if k != 2 else 2025
        isced = [["0912"], ["0913", "0915"], ["0912", "0914"], ["0988"]][k]
        specs = [
            ("student-studies-mobility-spec",
             {"sending": ref.HOME_HEI_ID, "receiving": hei, "first": first, "last": last,
              "per_year": int(rng.integers(2, 5)), "isced": isced}),
            ("student-studies-mobility-spec",
             {"sending": hei, "receiving": ref.HOME_HEI_ID, "first": first, "last": last,
              "per_year": int(rng.integers(1, 4)), "isced": isced}),
        ]
        if k in (0, 3):
            specs.append(("student-traineeship-mobility-spec",
                          {"sending": ref.HOME_HEI_ID, "receiving": hei, "first": first, "last": last,
                           "per_year": 2, "isced": isced}))
        if k != 1:
            specs.append(("staff-teacher-mobility-spec",
                          {"sending": ref.HOME_HEI_ID, "receiving": hei, "first": first, "last": last,
                           "per_year": 1, "isced": isced}))
            specs.append(("staff-teacher-mobility-spec",
                          {"sending": hei, "receiving": ref.HOME_HEI_ID, "first": first, "last": last,
                           "per_year": 1, "isced": isced}))
        if k in (1, 2):
            specs.append(("staff-training-mobility-spec",
                          {"sending": ref.HOME_HEI_ID, "receiving": hei, "first": first, "last": last,
                           "per_year": 2, "isced": isced}))
        digest = "".join(f"{int(x):02x}" for x in rng.integers(0, 256, 32))
        out.append({
            "own_iia_id": f"{int(rng.integers(10**7, 10**8)):08x}-{1000 + k}-4{k}a1-9e{k}2-0e5c7a{k}b1d3f",
            "own_code": f"LU-MED-EWP-{first}-{k + 1:02d}",
            "partner_hei": hei,
            "partner_iia_id": str(int(rng.integers(10**6, 10**7))),
            "partner_code": f"{first}/E+/SE/{k + 1:03d}",
            "signing_date": dt.date(first, 3 + k, 10 + k),
            "hash": digest,
            "specs": specs,
        })
    return out


# ---------------------------------------------------------------------------------- graduates and CIM
def _graduating_programmes(programmes: pl.DataFrame, year: int) -> pl.DataFrame:
    """Programmes with graduates in ``year``: running before 2016/17, or new and a full length old."""
    return programmes.filter(
        ((pl.col("active_from") == ref.FIRST_YEAR) | (pl.col("active_from") + pl.col("_years") - 1 <= year))
        & (pl.col("active_to").is_null() | (pl.col("active_to") >= year))
    )


def graduates_year(world: World, year: int, mobile: pl.DataFrame) -> pl.DataFrame:
    """Degrees of academic year ``year``: the mobile candidates plus non-mobile graduates."""
    rng = world.rng(S_GRADUATES, year)
    progs = _graduating_programmes(world.programmes, year)
    per = world.scale / world.faculties
    target = np.round(progs["_graduates"].to_numpy() * per * rng.uniform(0.9, 1.1, progs.height)).astype(np.int64)
    mobile = mobile.filter(pl.col("programme_code").is_in(progs["programme_code"].implode()))
    have = mobile.group_by("programme_code").len()
    have_map = dict(zip(have["programme_code"].to_list(), have["len"].to_list(), strict=True))
    fill = np.maximum(0, target - np.array([have_map.get(c, 0) for c in progs["programme_code"].to_list()]))
    prog = np.repeat(progs["programme_code"].to_numpy(), fill)
    n = len(prog)
    male = rng.random(n) < 0.3
    birth = _birth_years(rng, np.full(n, year), 1975, 2004, 22, 2.5)
    others = pl.DataFrame({"student_id": world.allocator.allocate(birth, male), "programme_code": prog,
                           "_mobile": np.zeros(n, dtype=bool)}, schema_overrides={"programme_code": pl.String})
    frame = pl.concat([mobile.select("student_id", "programme_code", pl.lit(True).alias("_mobile")), others])
    m = frame.height
    month = _choice(rng, [6, 1, 8, 9, 10, 11, 12, 2, 3, 4, 5], [60, 20, 1, 2, 3, 3, 3, 2, 2, 2, 2], m)
    day = np.where(month == 6, rng.integers(2, 21, m), np.where(month == 1, rng.integers(10, 26, m),
                                                                 rng.integers(1, 28, m)))
    codes = dict(zip(world.programmes["programme_code"].to_list(), world.programmes["_degree_code"].to_list(),
                     strict=True))
    frame = frame.with_columns(
        pl.Series("degree_date", _dates(_calendar_year(year, month), month, day)),
        pl.col("programme_code").replace_strict(codes, default=None).alias("degree_code"),
    )
    return frame.sort("degree_date", "programme_code", maintain_order=True)


def cim_year(world: World, year: int, graduates: pl.DataFrame) -> pl.DataFrame:
    rng = world.rng(S_CIM, year)
    step = year - ref.FIRST_YEAR
    p = np.where(graduates["_mobile"].to_numpy(), min(0.35, 0.10 + 0.03 * step), 0.01 + 0.003 * step)
    chosen = graduates.filter(pl.Series(rng.random(graduates.height) < p))
    k = chosen.height
    width = max(4, len(str(k)))
    abroad = np.where(chosen["_mobile"].to_numpy(), rng.integers(1, 4, k), 0)
    return chosen.select(
        (pl.lit(f"CIM-{year + 1}-") + pl.int_range(1, k + 1).cast(pl.String).str.zfill(width))
        .alias("certificate_id"),
        "student_id", "programme_code", pl.col("degree_date").alias("awarded_on"),
        pl.Series("activities_home", rng.integers(2, 9, k)),
        pl.Series("activities_abroad", abroad),
    )


# ------------------------------------------------------------------------------------------ enrolments
def enrolments(world: World) -> pl.DataFrame:
    rng = world.rng(S_ENROL)
    per = world.scale / world.faculties
    parts = []
    for year in ref.YEARS:
        progs = active_in(world.programmes, year)
        first = (progs["active_from"] == year).to_numpy()
        last = (progs["active_to"] == year).to_numpy()
        growth = 1 + 0.01 * (year - ref.FIRST_YEAR)
        base = progs["_registered"].to_numpy() * per * growth
        base = np.where(first, base * 0.45, np.where(last, base * 0.3, base))
        for term, cal, f in (("HT", year, 1.0), ("VT", year + 1, 0.95)):
            count = np.maximum(1, np.round(base * f * rng.uniform(0.95, 1.05, len(base)))).astype(np.int64)
            parts.append(pl.DataFrame({"programme_code": progs["programme_code"], "term": f"{term}{cal}",
                                       "registered_students": count}))
    return pl.concat(parts)


# ---------------------------------------------------------------------------------- programme register
REVIEWS = ["obstacles_identified_on", "global_health_reviewed_on", "sdg_reviewed_on", "portfolio_reviewed_on"]
COMMENTS = ["Mobilitetsfönster infört i ny utbildningsplan", "Pandemin – utbyten inställda under våren",
            "Ny programledning; översyn påbörjad", "Avtalsportföljen ses över tillsammans med partnerna",
            "Kurs i global hälsa ges på engelska från HT", None]


def programme_register(world: World) -> pl.DataFrame:
    rng = world.rng(S_REGISTER)
    progs = world.programmes
    n = progs.height
    years = np.array(ref.YEARS)
    window_from = np.where(rng.random(n) < 0.45, 2000, rng.integers(2019, 2027, n))
    ve_from = np.where(rng.random(n) < 0.08, 2000, rng.integers(2020, 2028, n))
    tmp_from = np.where(rng.random(n) < 0.2, 2000, rng.integers(2019, 2027, n))
    english = rng.integers(0, 3, n)[:, None] + np.cumsum(
        (rng.random((n, len(years))) < 0.35) & (years[None, :] >= 2019), axis=1)
    span = (dt.date(2026, 12, 31) - dt.date(2019, 10, 1)).days
    review = {r: np.datetime64(dt.date(2019, 10, 1)) + rng.integers(0, span, n) for r in REVIEWS}
    term = [f"termin {k}" for k in rng.integers(3, 10, n)]
    top = world.partners.sort("code")["code"].to_numpy()
    pw = _partner_weights(world.partners.sort("code"), False)
    partners = [";".join(sorted(set(top[rng.choice(len(top), size=int(rng.integers(1, 4)), p=pw)])))
                for _ in range(n)]  # one per programme, not per row
    comment_idx = rng.integers(0, len(COMMENTS) * 4, (n, len(years)))
    frame = pl.DataFrame({
        "programme_code": progs["programme_code"], "active_from": progs["active_from"],
        "active_to": progs["active_to"], "_window_from": window_from, "_ve_from": ve_from,
        "_tmp_from": tmp_from, "_term": term, "_partners": partners,
        **{f"_{r}": review[r] for r in REVIEWS},
    })
    parts = []
    for j, year in enumerate(ref.YEARS):
        end = dt.date(year + 1, 6, 30)
        rows = frame.with_columns(
            pl.lit(year).alias("academic_year"),
            pl.Series("english_taught_parts", english[:, j]),
            pl.Series("_c", comment_idx[:, j]),
        ).filter((pl.col("active_from") <= year) & (pl.col("active_to").is_null() | (pl.col("active_to") >= year)))
        rows = rows.select(
            "academic_year", "programme_code",
            (pl.col("_window_from") <= year).alias("mobility_window"),
            pl.when(pl.col("_window_from") <= year).then("_term").alias("mobility_window_term"),
            "english_taught_parts",
            (pl.col("_ve_from") <= year).alias("virtual_exchange"),
            pl.when(pl.col("_tmp_from") <= year).then("_partners").alias("teacher_mobility_partners"),
            *[pl.when(pl.col(f"_{r}") <= end).then(pl.col(f"_{r}")).alias(r) for r in REVIEWS],
            pl.lit(None, dtype=pl.Date).alias("integration_reviewed_on"),
            pl.lit(None, dtype=pl.Date).alias("teacher_mobility_info_reviewed_on"),
            pl.col("_c").replace_strict(dict(enumerate(COMMENTS)), default=None, return_dtype=pl.String)
            .alias("comment"),
        )
        faculty = pl.DataFrame({
            "academic_year": [year], "programme_code": ["FACULTY"],
            "integration_reviewed_on": [dt.date(2022, 4, 20) if year >= 2021 else None],
            "teacher_mobility_info_reviewed_on": [dt.date(2021, 11, 30) if year >= 2021 else None],
            "comment": ["Fakultetsgemensamma uppgifter – internationella avdelningen"],
        })
        parts.append(pl.concat([rows, faculty], how="diagonal_relaxed"))
    return pl.concat(parts, how="diagonal_relaxed")


# ------------------------------------------------------------------------------------------ activities
CATEGORIES = ["iah_activity", "student_engagement", "teacher_engagement", "experience_sharing",
              "virtual_exchange", "integration"]
# (category, text before, slot, text after); slot is a column name or None.
TITLES = [
    ("iah_activity", "Gästföreläsning: ", "_topic", ""), ("iah_activity", "Guest lecture: ", "_topic", ""),
    ("iah_activity", "Global health seminar – ", "_topic", ""),
    ("iah_activity", "Workshop om interkulturell kompetens", None, ""),
    ("student_engagement", "IFMSA – lokal kommitté, årsmöte", None, ""),
    ("student_engagement", "Student network meeting, ", "_network_name", ""),
    ("student_engagement", "European Public Health Conference – studentdeltagande", None, ""),
    ("student_engagement", "Sommarkurs vid ", "partner_name", ""),
    ("teacher_engagement", "Arbetsgrupp inom ", "_network_name", ""),
    ("teacher_engagement", "Expertpanel WHO – utbildningsfrågor", None, ""),
    ("teacher_engagement", "External examiner visit, ", "partner_name", ""),
    ("experience_sharing", "Erfarenhetsutbyte efter lärarutbyte vid ", "partner_name", ""),
    ("experience_sharing", "Lunchseminarium: erfarenheter från ", "partner_name", ""),
    ("experience_sharing", "Sharing session – teaching exchange at ", "partner_name", ""),
    ("virtual_exchange", "COIL-kurs med ", "partner_name", ""),
    ("virtual_exchange", "Virtual exchange: case-based learning with ", "partner_name", ""),
    ("virtual_exchange", "Virtuellt utbyte – global hälsa", None, ""),
    ("integration", "Välkomstdag för inresande studenter", None, ""),
    ("integration", "Buddy-program ", "_term", ""),
    ("integration", "International fika", None, ""),
    ("integration", "Språkcafé för inresande och svenska studenter", None, ""),
]
TOPICS = ["antibiotikaresistens", "global surgery", "migration och hälsa", "planetary health",
          "mödrahälsa i Uganda", "digital health", "vaccine equity", "tuberkulos i Tanzania"]


def activities_year(world: World, year: int) -> pl.DataFrame:
    rng = world.rng(S_ACTIVITIES, year)
    n = world.count(ACTIVITY_BASE * ACTIVITY_YEAR_FACTOR[year])
    p = [0.30, 0.14, 0.14, 0.12, 0.12, 0.18] if year != 2020 else [0.2, 0.1, 0.12, 0.1, 0.35, 0.13]
    category = _choice(rng, CATEGORIES, p, n)
    month = _choice(rng, [8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6], [4, 12, 12, 11, 6, 7, 11, 12, 11, 10, 4], n)
    date = _dates(_calendar_year(year, month), month, rng.integers(1, 29, n))
    progs = active_in(world.programmes, year)
    w = progs["_registered"].to_numpy().astype(float)
    prog = np.where(rng.random(n) < 0.7, progs["programme_code"].to_numpy()[rng.choice(progs.height, n, p=w / w.sum())],
                    None)
    partners = world.partners
    nets = ["U21", "LERU", "EUGLOH"] if year >= 2020 else ["U21", "LERU"]
    net_p = [0.4, 0.3, 0.3] if year >= 2020 else [0.6, 0.4]
    is_net = rng.random(n) < (0.25 if year >= 2019 else 0.15)
    network = np.where(is_net, _choice(rng, nets, net_p, n), None)
    pj = rng.choice(partners.height, n, p=_partner_weights(partners, False))
    member_of = partners["networks"].to_list()
    for net in nets:  # a member of the activity's network as its partner
        members = np.array([i for i, m in enumerate(member_of) if net in m.split(";")])
        mask = network == net
        if len(members) and mask.any():
            pj[mask] = members[rng.integers(0, len(members), int(mask.sum()))]
    with_partner = is_net | (rng.random(n) < 0.35)
    student_n = np.select(
        [category == "iah_activity", category == "student_engagement", category == "virtual_exchange",
         category == "integration", category == "experience_sharing"],
        [rng.integers(10, 121, n), rng.integers(1, 16, n), rng.integers(8, 41, n), rng.integers(15, 91, n),
         rng.integers(0, 41, n)], 0)
    teacher_n = np.where(category == "integration", rng.integers(0, 3, n), rng.integers(1, 7, n))
    k_ids = np.minimum(teacher_n, rng.integers(0, 4, n))
    pool = world.teachers.filter(pl.col("staff_category") == "teacher")["pnr"]
    picks = rng.integers(0, pool.len(), (n, 3))
    id_cols = []
    for j in range(3):
        col = f"_t{j}"
        id_cols.append(pl.Series(col, pool.to_numpy()[picks[:, j]]).to_frame().with_columns(
            pl.when(pl.Series(k_ids > j)).then(pl.col(col)).alias(col)))
    frame = pl.concat(id_cols, how="horizontal")
    style = pl.Series(rng.integers(0, len(PNR_STYLES), n))
    frame = frame.with_columns(*[format_person_ids(f"_t{j}", style) for j in range(3)])
    teacher_ids = frame.select(
        pl.concat_str([pl.col(f"_t{j}") for j in range(3)], separator=";", ignore_nulls=True)
        .replace("", None).alias("teacher_ids"))["teacher_ids"]
    topic = _choice(rng, TOPICS, [1] * len(TOPICS), n)
    base = pl.DataFrame({
        "activity_date": date, "category": category, "programme_code": _strings("programme_code", prog),
        "student_participants": student_n, "teacher_participants": teacher_n, "teacher_ids": teacher_ids,
        "partner_code": _strings("partner_code", np.where(with_partner, partners["code"].to_numpy()[pj], None)),
        "partner_name": partners["name"].to_numpy()[pj],
        "network": _strings("network", network), "_topic": topic,
        "_network_name": np.where(network == "LERU", "LERU",
                                  np.where(network == "EUGLOH", "EUGLOH", "U21 Health Sciences")),
        "_term": np.where(month >= 7, f"HT{year}", f"VT{year + 1}"),
        "_pick": rng.integers(0, 1000, n),
    })
    title = pl.lit(None, dtype=pl.String)
    for cat in CATEGORIES:
        options = [t for t in TITLES if t[0] == cat]
        for i, (_, before, slot, after) in enumerate(options):
            value = pl.lit(before) + (pl.col(slot) if slot else pl.lit("")) + pl.lit(after)
            cond = (pl.col("category") == cat) & (pl.col("_pick") % len(options) == i)
            title = pl.when(cond).then(value).otherwise(title)
    base = base.with_columns(title.alias("title")).sort("activity_date", maintain_order=True)
    width = max(4, len(str(n)))
    return base.with_columns(
        (pl.lit(f"AKT-{year}-") + pl.int_range(1, n + 1).cast(pl.String).str.zfill(width)).alias("activity_id"))
