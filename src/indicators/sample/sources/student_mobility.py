"""Student stays (SoleMove): outgoing and incoming, one academic year at a time, and their status
as a given export shows it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from indicators.sample import reference as ref
from indicators.sample.persons import t_numbers, uids
from indicators.sample.sources.world import (
    COVID_END,
    COVID_START,
    S_STUDENTS,
    World,
    active_in,
    birth_years,
    calendar_year,
    choice,
    dates,
    mobility_scheme,
    partner_weights,
)

# SoleMove's history reaches further back than the other exports (2013/14, not 2016/17): I02 counts a
# graduate's stay in the degree year or the 5 academic years before it, so the 2018/19 baseline needs
# mobility from 2013/14 (annotation A04). Years before ref.FIRST_YEAR draw on the programmes running then.
FIRST_YEAR = 2013
YEARS = list(range(FIRST_YEAR, ref.LAST_YEAR + 1))
STUDENT_OUT_BASE, STUDENT_IN_BASE = 600, 400  # stays per normal year at scale 1 (scale 100: ~1 M stays)
STUDENT_YEAR_FACTOR = {
    2013: 0.8,
    2014: 0.83,
    2015: 0.85,
    2016: 0.88,
    2017: 0.94,
    2018: 1.0,
    2019: 0.97,
    2020: 0.3,
    2021: 0.62,
    2022: 0.97,
    2023: 1.08,
    2024: 1.16,
}

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
    "traineeship": (
        [9, 10, 11, 1, 2, 3, 4, 5, 6, 8],
        [0.15, 0.1, 0.08, 0.12, 0.12, 0.1, 0.1, 0.08, 0.05, 0.1],
    ),
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


def _type_probs(year: int, incoming: bool) -> list[float]:
    if incoming:
        p = list(TYPE_P_IN)
        if year == 2020:
            p = [0.3, 0.1, 0.03, 0.03, 0.04, 0.1, 0.4]
        return p
    if year in (2020, 2021):
        return TYPE_P_OUT[year]
    if year < ref.FIRST_YEAR:  # the history years: no virtual mobility was recorded yet
        return TYPE_P_OUT["normal"][:-1] + [0.0]
    return TYPE_P_OUT["late"] if year >= 2022 else TYPE_P_OUT["normal"]


def _stays(world: World, rng: np.random.Generator, year: int, direction: str, n: int) -> pl.DataFrame:
    incoming = direction == "incoming"
    progs = active_in(world.programmes, max(year, ref.FIRST_YEAR))
    w = progs["_weight"].to_numpy().astype(float)
    pi = rng.choice(len(progs), size=n, p=w / w.sum())
    prog_code = progs["programme_code"].to_numpy()[pi].astype(object)
    prog_level = progs["level"].to_numpy()[pi]
    integrated = np.isin(progs["_base"].to_numpy()[pi], list(ref.INTEGRATED))
    unknown = rng.random(n) < 0.02
    prog_code[unknown] = choice(rng, ref.UNKNOWN_PROGRAMME_CODES, [1, 1, 1], int(unknown.sum()))

    mtype = choice(rng, TYPES, _type_probs(year, incoming), n)
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
        month[m] = choice(rng, months, p, k)
        if t in LENGTH_MONTHS:
            lm = choice(rng, *LENGTH_MONTHS[t], k)
            length_m[m] = lm
            days[m] = np.round(lm * 30.4 + rng.normal(0, 4, k)).astype(np.int64)
        if t == "studies":
            base = np.vectorize(STUDY_CREDITS.get)(length_m[m]).astype(float)
            shift = rng.choice([-7.5, 0.0, 7.5], size=k, p=[0.08, 0.84, 0.08])
            reduced = choice(rng, [6.0, 7.5, 12.0], [1, 2, 2], k)  # a reduced study load
            credits[m] = np.where(rng.random(k) < 0.08, reduced, np.clip(base + shift, 7.5, 60.0))
        elif t == "clinical_placement":
            credits[m] = length_m[m] * 7.5
        elif t == "traineeship":
            credits[m] = np.where(rng.random(k) < 0.3, np.nan, length_m[m] * 6.0)
        elif t == "degree_project":
            credits[m] = np.where(length_m[m] >= 4, 30.0, 15.0)
        elif t == "short_term":
            days[m] = rng.integers(5, 22, k)
            credits[m] = choice(rng, [1.5, 3.0, 4.5, 5.0], [1, 2, 1, 1], k)
        elif t == "blended":
            days[m] = rng.integers(5, 11, k)
            credits[m] = choice(rng, [3.0, 4.0, 5.0], [2, 1, 2], k)
        else:  # virtual
            days[m] = rng.integers(30, 121, k)
            credits[m] = choice(rng, [3.0, 5.0, 7.5], [1, 1, 1], k)
    credits[rng.random(n) < 0.04] = np.nan
    r = rng.integers(0, 14, n)
    day = np.where(month == 8, 16 + r, np.where(month == 1, 7 + r, 1 + r))
    start = dates(calendar_year(year, month), month, day)
    end = start + np.maximum(days, 1) - 1

    level = np.where(
        prog_level == "first_cycle",
        np.where(rng.random(n) < 0.97, "first_cycle", "second_cycle"),
        "second_cycle",
    )
    level = np.where(integrated, np.where(rng.random(n) < 0.55, "first_cycle", "second_cycle"), level)
    level = np.where(rng.random(n) < 0.01, "third_cycle", level)

    pw = partner_weights(world.partners, incoming)
    pj = rng.choice(len(world.partners), size=n, p=pw)
    partner_code = world.partners["code"].to_numpy()[pj]
    partner_name = world.partners["name"].to_numpy()[pj]
    country = world.partners["country"].to_numpy()[pj]
    cal_year = start.astype("datetime64[Y]").astype(np.int64) + 1970
    scheme = mobility_scheme(rng, country, np.full(n, year), staff=False)

    female_p = 0.58 if incoming else 0.61
    u = rng.random(n)
    male = u >= female_p
    gender = np.where(male, "male", "female").astype(object)
    gender[rng.random(n) < 0.005] = "unknown"

    birth = birth_years(rng, cal_year, 1975, 2004, 19, 2.2)
    pnr = world.allocator.allocate(birth, male)
    if incoming:
        kind = rng.random(n)
        ids = pl.select(
            pl.when(pl.Series(kind < 0.55))
            .then(uids(rng, n, "moveon-"))
            .when(pl.Series(kind < 0.85))
            .then(t_numbers(pnr))
            .otherwise(pnr)
            .alias("student_id")
        )["student_id"]
    else:
        ids = pnr.alias("student_id")

    fate = choice(rng, ["normal", "withdrawn", "discontinued"], [0.92, 0.06, 0.02], n)
    return pl.DataFrame(
        {
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
        }
    )


def _second_stays(rng: np.random.Generator, first: pl.DataFrame, year: int) -> pl.DataFrame:
    """A spring stay for some short autumn study stays: the same student twice in one year."""
    autumn = first.filter(
        (pl.col("mobility_type") == "studies")
        & (pl.col("start_date").dt.month() >= 8)
        & (pl.col("_fate") == "normal")
        & (pl.col("end_date") < dt.date(year + 1, 2, 1))
    )
    pick = autumn.filter(pl.Series(rng.random(autumn.height) < 0.15))
    k = pick.height
    if not k:
        return pick
    month = rng.integers(2, 5, k)
    start = dates(np.full(k, year + 1), month, rng.integers(1, 20, k))
    mtype = choice(rng, ["short_term", "clinical_placement", "degree_project"], [0.4, 0.4, 0.2], k)
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
        pl.when(cancelled | spring21)
        .then(pl.lit("withdrawn"))
        .when(broken)
        .then(pl.lit("discontinued"))
        .otherwise("_fate")
        .alias("_fate"),
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
        pl.when(
            (pl.col("_fate") == "discontinued") & (pl.col("end_date") >= COVID_START).not_()
            | (pl.col("_fate") == "discontinued") & (pl.col("start_date") >= COVID_START)
        )
        .then(pl.col("start_date") + pl.duration(days=(length * u).cast(pl.Int64)))
        .otherwise("end_date")
        .alias("end_date")
    )
    # Registration order gives the mobility ids.
    frame = frame.with_columns(pl.Series("_r", rng.random(frame.height))).sort(["start_date", "_r"])
    width = max(6, len(str(frame.height)))
    frame = frame.with_columns(
        (pl.lit(f"SM-{year}-") + (pl.int_range(1, frame.height + 1)).cast(pl.String).str.zfill(width)).alias(
            "mobility_id"
        ),
        pl.when(pl.col("start_date").dt.month() >= 7)
        .then(pl.lit("HT"))
        .otherwise(pl.lit("VT"))
        .add(pl.col("start_date").dt.year().cast(pl.String))
        .alias("term"),
    ).drop("_r")
    _remember_graduates(world, rng, frame, year)
    return frame


def status_as_of(frame: pl.DataFrame, export: dt.date) -> pl.DataFrame:
    """The stays as an export taken on ``export`` shows them (status as known that day)."""
    x = pl.lit(export)
    start, end, fate = pl.col("start_date"), pl.col("end_date"), pl.col("_fate")
    before = (
        pl.when((start - x).dt.total_days() > 150).then(pl.lit("nominated")).otherwise(pl.lit("accepted"))
    )
    status = (
        pl.when(fate == "withdrawn")
        .then(pl.when((start - x).dt.total_days() > 30).then(before).otherwise(pl.lit("withdrawn")))
        .when(start > x)
        .then(before)
        .when(fate == "discontinued")
        .then(pl.when(end <= x).then(pl.lit("discontinued")).otherwise(pl.lit("ongoing")))
        .when(end > x)
        .then(pl.lit("ongoing"))
        .otherwise(pl.lit("completed"))
    )
    return frame.with_columns(status.alias("status"))


def _remember_graduates(world: World, rng: np.random.Generator, frame: pl.DataFrame, year: int) -> None:
    """About two thirds of the outgoing students graduate 0–3 years after their stay."""
    out = frame.filter(
        (pl.col("direction") == "outgoing")
        & (pl.col("_fate") != "withdrawn")
        & (pl.col("level") != "third_cycle")
    ).unique("student_id", keep="first", maintain_order=True)
    keep = out.filter(pl.Series(rng.random(out.height) < 0.65))
    later = choice(rng, [0, 1, 2, 3], [0.25, 0.35, 0.25, 0.15], keep.height)
    world.graduate_candidates.append(
        keep.select(
            "student_id",
            "programme_code",
            "_male",
            (pl.lit(year) + pl.Series(later)).alias("_degree_year"),
        )
    )
