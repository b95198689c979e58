"""The registers: the programme catalogue and register, enrolments, degrees (Ladok) and the CIM
awards given with a degree."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from indicators.sample import reference as ref
from indicators.sample.sources.world import (
    S_CIM,
    S_ENROL,
    S_GRADUATES,
    S_REGISTER,
    World,
    active_in,
    birth_years,
    calendar_year,
    choice,
    dates,
    partner_weights,
)


# ------------------------------------------------------------------------------------------ programmes
def programmes(world: World) -> pl.DataFrame:
    rows = []
    for f in range(world.faculties):
        suffix = ref.faculty_suffix(f)
        for p in ref.PROGRAMMES:
            extra_sv = f" (fakultet {f + 1})" if f else ""
            extra_en = f" (faculty {f + 1})" if f else ""
            rows.append(
                {
                    "programme_code": p.code + suffix,
                    "name_sv": p.name_sv + extra_sv,
                    "name_en": p.name_en + extra_en,
                    "level": p.level,
                    "active_from": p.active_from,
                    "active_to": p.active_to,
                    "_base": p.code,
                    "_weight": p.mobility_weight,
                    "_graduates": p.graduates,
                    "_registered": p.registered,
                    "_isced": p.isced,
                    "_degree_code": p.degree_code,
                    "_years": p.years,
                }
            )
    return pl.DataFrame(rows, schema_overrides={"active_to": pl.Int64, "active_from": pl.Int64})


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
    target = np.round(progs["_graduates"].to_numpy() * per * rng.uniform(0.9, 1.1, progs.height)).astype(
        np.int64
    )
    mobile = mobile.filter(pl.col("programme_code").is_in(progs["programme_code"].implode()))
    have = mobile.group_by("programme_code").len()
    have_map = dict(zip(have["programme_code"].to_list(), have["len"].to_list(), strict=True))
    fill = np.maximum(0, target - np.array([have_map.get(c, 0) for c in progs["programme_code"].to_list()]))
    prog = np.repeat(progs["programme_code"].to_numpy(), fill)
    n = len(prog)
    male = rng.random(n) < 0.3
    birth = birth_years(rng, np.full(n, year), 1975, 2004, 22, 2.5)
    others = pl.DataFrame(
        {
            "student_id": world.allocator.allocate(birth, male),
            "programme_code": prog,
            "_mobile": np.zeros(n, dtype=bool),
        },
        schema_overrides={"programme_code": pl.String},
    )
    frame = pl.concat([mobile.select("student_id", "programme_code", pl.lit(True).alias("_mobile")), others])
    m = frame.height
    month = choice(rng, [6, 1, 8, 9, 10, 11, 12, 2, 3, 4, 5], [60, 20, 1, 2, 3, 3, 3, 2, 2, 2, 2], m)
    day = np.where(
        month == 6,
        rng.integers(2, 21, m),
        np.where(month == 1, rng.integers(10, 26, m), rng.integers(1, 28, m)),
    )
    codes = dict(
        zip(
            world.programmes["programme_code"].to_list(),
            world.programmes["_degree_code"].to_list(),
            strict=True,
        )
    )
    frame = frame.with_columns(
        pl.Series("degree_date", dates(calendar_year(year, month), month, day)),
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
        (pl.lit(f"CIM-{year + 1}-") + pl.int_range(1, k + 1).cast(pl.String).str.zfill(width)).alias(
            "certificate_id"
        ),
        "student_id",
        "programme_code",
        pl.col("degree_date").alias("awarded_on"),
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
            parts.append(
                pl.DataFrame(
                    {
                        "programme_code": progs["programme_code"],
                        "term": f"{term}{cal}",
                        "registered_students": count,
                    }
                )
            )
    return pl.concat(parts)


# ---------------------------------------------------------------------------------- programme register
REVIEWS = ["obstacles_identified_on", "global_health_reviewed_on", "sdg_reviewed_on", "portfolio_reviewed_on"]
COMMENTS = [
    "Mobilitetsfönster infört i ny utbildningsplan",
    "Pandemin – utbyten inställda under våren",
    "Ny programledning; översyn påbörjad",
    "Avtalsportföljen ses över tillsammans med partnerna",
    "Kurs i global hälsa ges på engelska från HT",
    None,
]


def programme_register(world: World) -> pl.DataFrame:
    rng = world.rng(S_REGISTER)
    progs = world.programmes
    n = progs.height
    years = np.array(ref.YEARS)
    window_from = np.where(rng.random(n) < 0.45, 2000, rng.integers(2019, 2027, n))
    ve_from = np.where(rng.random(n) < 0.08, 2000, rng.integers(2020, 2028, n))
    tmp_from = np.where(rng.random(n) < 0.2, 2000, rng.integers(2019, 2027, n))
    english = rng.integers(0, 3, n)[:, None] + np.cumsum(
        (rng.random((n, len(years))) < 0.35) & (years[None, :] >= 2019), axis=1
    )
    span = (dt.date(2026, 12, 31) - dt.date(2019, 10, 1)).days
    review = {r: np.datetime64(dt.date(2019, 10, 1)) + rng.integers(0, span, n) for r in REVIEWS}
    term = [f"termin {k}" for k in rng.integers(3, 10, n)]
    top = world.partners.sort("code")["code"].to_numpy()
    pw = partner_weights(world.partners.sort("code"), False)
    partners = [
        ";".join(sorted(set(top[rng.choice(len(top), size=int(rng.integers(1, 4)), p=pw)]))) for _ in range(n)
    ]  # one per programme, not per row
    comment_idx = rng.integers(0, len(COMMENTS) * 4, (n, len(years)))
    frame = pl.DataFrame(
        {
            "programme_code": progs["programme_code"],
            "active_from": progs["active_from"],
            "active_to": progs["active_to"],
            "_window_from": window_from,
            "_ve_from": ve_from,
            "_tmp_from": tmp_from,
            "_term": term,
            "_partners": partners,
            **{f"_{r}": review[r] for r in REVIEWS},
        }
    )
    parts = []
    for j, year in enumerate(ref.YEARS):
        end = dt.date(year + 1, 6, 30)
        rows = frame.with_columns(
            pl.lit(year).alias("academic_year"),
            pl.Series("english_taught_parts", english[:, j]),
            pl.Series("_c", comment_idx[:, j]),
        ).filter(
            (pl.col("active_from") <= year) & (pl.col("active_to").is_null() | (pl.col("active_to") >= year))
        )
        rows = rows.select(
            "academic_year",
            "programme_code",
            (pl.col("_window_from") <= year).alias("mobility_window"),
            pl.when(pl.col("_window_from") <= year).then("_term").alias("mobility_window_term"),
            "english_taught_parts",
            (pl.col("_ve_from") <= year).alias("virtual_exchange"),
            pl.when(pl.col("_tmp_from") <= year).then("_partners").alias("teacher_mobility_partners"),
            *[pl.when(pl.col(f"_{r}") <= end).then(pl.col(f"_{r}")).alias(r) for r in REVIEWS],
            pl.lit(None, dtype=pl.Date).alias("integration_reviewed_on"),
            pl.lit(None, dtype=pl.Date).alias("teacher_mobility_info_reviewed_on"),
            pl.col("_c")
            .replace_strict(dict(enumerate(COMMENTS)), default=None, return_dtype=pl.String)
            .alias("comment"),
        )
        faculty = pl.DataFrame(
            {
                "academic_year": [year],
                "programme_code": ["FACULTY"],
                "integration_reviewed_on": [dt.date(2022, 4, 20) if year >= 2021 else None],
                "teacher_mobility_info_reviewed_on": [dt.date(2021, 11, 30) if year >= 2021 else None],
                "comment": ["Fakultetsgemensamma uppgifter – internationella avdelningen"],
            }
        )
        parts.append(pl.concat([rows, faculty], how="diagonal_relaxed"))
    return pl.concat(parts, how="diagonal_relaxed")
