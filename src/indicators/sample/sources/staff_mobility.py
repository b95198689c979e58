"""Staff stays (the staff mobility export): the faculty's teachers and other staff abroad, and
guests, one academic year at a time."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from indicators.sample.persons import uids
from indicators.sample.sources.world import (
    COVID_START,
    S_STAFF,
    World,
    active_in,
    calendar_year,
    choice,
    dates,
    mobility_scheme,
    partner_weights,
    strings,
)

STAFF_OUT_BASE, STAFF_IN_BASE = 38, 26
STAFF_YEAR_FACTOR = {
    2016: 0.9,
    2017: 0.95,
    2018: 1.0,
    2019: 0.85,
    2020: 0.1,
    2021: 0.45,
    2022: 0.95,
    2023: 1.15,
    2024: 1.3,
}


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
    known = pl.Series(prog, dtype=pl.String).is_in(pl.Series(active, dtype=pl.String).implode()).to_numpy()
    prog = np.where(known, prog, None)
    teacher = category == "teacher"
    mtype = np.where(
        teacher,
        choice(rng, ["teaching", "training", "other"], [0.6, 0.35, 0.05], n),
        choice(rng, ["training", "other"], [0.8, 0.2], n),
    )
    p_out, p_in = partner_weights(world.partners, False), partner_weights(world.partners, True)
    pj = np.where(incoming, rng.choice(len(p_in), size=n, p=p_in), rng.choice(len(p_out), size=n, p=p_out))
    country = world.partners["country"].to_numpy()[pj]
    month = choice(rng, [8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6], [3, 12, 14, 12, 5, 4, 10, 12, 12, 11, 5], n)
    start = dates(calendar_year(year, month), month, rng.integers(1, 27, n))
    end = start + rng.integers(2, 13, n) - 1
    status = np.where(rng.random(n) < 0.06, "withdrawn", "completed").astype(object)
    covid = (start >= np.datetime64(COVID_START)) & (start <= np.datetime64(dt.date(2021, 6, 30)))
    status[covid & (rng.random(n) < 0.7)] = "withdrawn"
    status[start > np.datetime64(dt.date(2025, 9, 1))] = "accepted"
    frame = pl.DataFrame(
        {
            "staff_id": staff_id.astype(str),
            "direction": direction,
            "staff_category": category.astype(str),
            "mobility_type": mtype,
            "programme_code": strings("programme_code", prog),
            "partner_code": world.partners["code"].to_numpy()[pj],
            "partner_name": world.partners["name"].to_numpy()[pj],
            "partner_country": country,
            "start_date": start,
            "end_date": end,
            "scheme": mobility_scheme(rng, country, np.full(n, year), staff=True),
            "status": status.astype(str),
        }
    )
    frame = frame.sort("start_date", maintain_order=True)
    width = max(5, len(str(frame.height)))
    return frame.with_columns(
        (pl.lit(f"ST-{year}-") + pl.int_range(1, frame.height + 1).cast(pl.String).str.zfill(width)).alias(
            "mobility_id"
        )
    )
