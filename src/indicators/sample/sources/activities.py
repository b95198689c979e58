"""The activity log: international activities at home, one academic year at a time."""

from __future__ import annotations

import numpy as np
import polars as pl

from indicators.sample.persons import PNR_STYLES, format_person_ids
from indicators.sample.sources.world import (
    S_ACTIVITIES,
    World,
    active_in,
    calendar_year,
    choice,
    dates,
    partner_weights,
    strings,
)

ACTIVITY_BASE = 70
ACTIVITY_YEAR_FACTOR = {
    2016: 0.7,
    2017: 0.8,
    2018: 1.0,
    2019: 0.95,
    2020: 0.9,
    2021: 1.1,
    2022: 1.25,
    2023: 1.4,
    2024: 1.55,
}

CATEGORIES = [
    "iah_activity",
    "student_engagement",
    "teacher_engagement",
    "experience_sharing",
    "virtual_exchange",
    "integration",
]
# (category, text before, slot, text after); slot is a column name or None.
TITLES = [
    ("iah_activity", "Gästföreläsning: ", "_topic", ""),
    ("iah_activity", "Guest lecture: ", "_topic", ""),
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
TOPICS = [
    "antibiotikaresistens",
    "global surgery",
    "migration och hälsa",
    "planetary health",
    "mödrahälsa i Uganda",
    "digital health",
    "vaccine equity",
    "tuberkulos i Tanzania",
]


def activities_year(world: World, year: int) -> pl.DataFrame:
    rng = world.rng(S_ACTIVITIES, year)
    n = world.count(ACTIVITY_BASE * ACTIVITY_YEAR_FACTOR[year])
    p = [0.30, 0.14, 0.14, 0.12, 0.12, 0.18] if year != 2020 else [0.2, 0.1, 0.12, 0.1, 0.35, 0.13]
    category = choice(rng, CATEGORIES, p, n)
    month = choice(rng, [8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6], [4, 12, 12, 11, 6, 7, 11, 12, 11, 10, 4], n)
    date = dates(calendar_year(year, month), month, rng.integers(1, 29, n))
    progs = active_in(world.programmes, year)
    w = progs["_registered"].to_numpy().astype(float)
    prog = np.where(
        rng.random(n) < 0.7,
        progs["programme_code"].to_numpy()[rng.choice(progs.height, n, p=w / w.sum())],
        None,
    )
    partners = world.partners
    nets = ["U21", "LERU", "EUGLOH"] if year >= 2020 else ["U21", "LERU"]
    net_p = [0.4, 0.3, 0.3] if year >= 2020 else [0.6, 0.4]
    is_net = rng.random(n) < (0.25 if year >= 2019 else 0.15)
    network = np.where(is_net, choice(rng, nets, net_p, n), None)
    pj = rng.choice(partners.height, n, p=partner_weights(partners, False))
    member_of = partners["networks"].to_list()
    for net in nets:  # a member of the activity's network as its partner
        members = np.array([i for i, m in enumerate(member_of) if net in m.split(";")])
        mask = network == net
        if len(members) and mask.any():
            pj[mask] = members[rng.integers(0, len(members), int(mask.sum()))]
    with_partner = is_net | (rng.random(n) < 0.35)
    student_n = np.select(
        [
            category == "iah_activity",
            category == "student_engagement",
            category == "virtual_exchange",
            category == "integration",
            category == "experience_sharing",
        ],
        [
            rng.integers(10, 121, n),
            rng.integers(1, 16, n),
            rng.integers(8, 41, n),
            rng.integers(15, 91, n),
            rng.integers(0, 41, n),
        ],
        0,
    )
    teacher_n = np.where(category == "integration", rng.integers(0, 3, n), rng.integers(1, 7, n))
    k_ids = np.minimum(teacher_n, rng.integers(0, 4, n))
    pool = world.teachers.filter(pl.col("staff_category") == "teacher")["pnr"]
    picks = rng.integers(0, pool.len(), (n, 3))
    id_cols = []
    for j in range(3):
        col = f"_t{j}"
        id_cols.append(
            pl.Series(col, pool.to_numpy()[picks[:, j]])
            .to_frame()
            .with_columns(pl.when(pl.Series(k_ids > j)).then(pl.col(col)).alias(col))
        )
    frame = pl.concat(id_cols, how="horizontal")
    style = pl.Series(rng.integers(0, len(PNR_STYLES), n))
    frame = frame.with_columns(*[format_person_ids(f"_t{j}", style) for j in range(3)])
    teacher_ids = frame.select(
        pl.concat_str([pl.col(f"_t{j}") for j in range(3)], separator=";", ignore_nulls=True)
        .replace("", None)
        .alias("teacher_ids")
    )["teacher_ids"]
    topic = choice(rng, TOPICS, [1] * len(TOPICS), n)
    base = pl.DataFrame(
        {
            "activity_date": date,
            "category": category,
            "programme_code": strings("programme_code", prog),
            "student_participants": student_n,
            "teacher_participants": teacher_n,
            "teacher_ids": teacher_ids,
            "partner_code": strings(
                "partner_code", np.where(with_partner, partners["code"].to_numpy()[pj], None)
            ),
            "partner_name": partners["name"].to_numpy()[pj],
            "network": strings("network", network),
            "_topic": topic,
            "_network_name": np.where(
                network == "LERU", "LERU", np.where(network == "EUGLOH", "EUGLOH", "U21 Health Sciences")
            ),
            "_term": np.where(month >= 7, f"HT{year}", f"VT{year + 1}"),
            "_pick": rng.integers(0, 1000, n),
        }
    )
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
        (pl.lit(f"AKT-{year}-") + pl.int_range(1, n + 1).cast(pl.String).str.zfill(width)).alias(
            "activity_id"
        )
    )
