"""Agreements: the agreement register export and the digital Erasmus+ IIAs from EWP."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from indicators.sample import reference as ref
from indicators.sample.sources.world import S_AGREEMENTS, World, choice, dates, partner_weights

AGREEMENTS_BASE = 110
STRATEGIC = [
    ("UK EDINBUR01", 2017),
    ("MAK.AC.UG", 2016),
    ("MANIPAL.EDU", 2020),
    ("UW.EDU", 2021),
    ("UNIMELB.EDU.AU", 2020),
    ("USP.BR", 2022),
    ("HKU.HK", 2023),
]


def agreements(world: World) -> pl.DataFrame:
    rng = world.rng(S_AGREEMENTS)
    partners = world.partners
    n = world.count(AGREEMENTS_BASE)
    w = np.sqrt(partner_weights(partners, False))
    pj = rng.choice(partners.height, size=n, p=w / w.sum())
    codes = partners["code"].to_list()
    strategic = np.zeros(n, dtype=bool)
    from_year = np.where(
        rng.random(n) < 0.55,
        rng.integers(2014, 2017, n),
        np.where(rng.random(n) < 0.33, rng.integers(2017, 2019, n), rng.integers(2019, 2024, n)),
    )
    for f in range(world.faculties):  # the faculty-wide strategic partnerships, once per faculty copy
        for k, (code, year) in enumerate(STRATEGIC):
            i = (f * len(STRATEGIC) + k) * 7 % max(n, 1)
            if code in codes and i < n:
                pj[i], strategic[i], from_year[i] = codes.index(code), True, year
    country = partners["country"].to_numpy()[pj]
    networks = partners["networks"].to_numpy()[pj]
    europe = np.isin(country, list(ref.EUROPE))
    kind = np.where(
        europe, np.where((networks != "") & (rng.random(n) < 0.3), "network", "erasmus_iia"), "bilateral"
    )
    kind = np.where(strategic, "strategic_partnership", kind)
    valid_from = dates(from_year, choice(rng, [1, 6, 9], [0.3, 0.4, 0.3], n), np.ones(n, dtype=np.int64))
    ended = (rng.random(n) < 0.28) & ~strategic & (from_year < 2021)
    low = np.maximum(from_year + 2, 2019)
    to_year = rng.integers(low, np.maximum(low + 1, 2024))
    valid_to = np.where(
        ended,
        dates(to_year, np.full(n, 6), np.full(n, 30)),
        np.where(
            europe & (from_year >= 2021),
            dates(np.full(n, 2029), np.full(n, 5), np.full(n, 31)),
            np.datetime64("NaT"),
        ),
    )
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
        ww = pweights[lo : lo + per_fac]
        idx = lo + np.sort(rng.choice(per_fac, size=k_choice[i], replace=False, p=ww / ww.sum()))
        prog_codes.append(";".join(all_codes[idx]))
        isced.append(";".join(dict.fromkeys(base_isced[idx])))
    reviewed = np.where(
        rng.random(n) < 0.5,
        dates(rng.integers(2019, 2026, n), rng.integers(1, 10, n), rng.integers(1, 28, n)),
        np.datetime64("NaT"),
    )
    width = max(4, len(str(n)))
    return pl.DataFrame(
        {
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
        }
    ).with_columns(
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
            (
                "student-studies-mobility-spec",
                {
                    "sending": ref.HOME_HEI_ID,
                    "receiving": hei,
                    "first": first,
                    "last": last,
                    "per_year": int(rng.integers(2, 5)),
                    "isced": isced,
                },
            ),
            (
                "student-studies-mobility-spec",
                {
                    "sending": hei,
                    "receiving": ref.HOME_HEI_ID,
                    "first": first,
                    "last": last,
                    "per_year": int(rng.integers(1, 4)),
                    "isced": isced,
                },
            ),
        ]
        if k in (0, 3):
            specs.append(
                (
                    "student-traineeship-mobility-spec",
                    {
                        "sending": ref.HOME_HEI_ID,
                        "receiving": hei,
                        "first": first,
                        "last": last,
                        "per_year": 2,
                        "isced": isced,
                    },
                )
            )
        if k != 1:
            specs.append(
                (
                    "staff-teacher-mobility-spec",
                    {
                        "sending": ref.HOME_HEI_ID,
                        "receiving": hei,
                        "first": first,
                        "last": last,
                        "per_year": 1,
                        "isced": isced,
                    },
                )
            )
            specs.append(
                (
                    "staff-teacher-mobility-spec",
                    {
                        "sending": hei,
                        "receiving": ref.HOME_HEI_ID,
                        "first": first,
                        "last": last,
                        "per_year": 1,
                        "isced": isced,
                    },
                )
            )
        if k in (1, 2):
            specs.append(
                (
                    "staff-training-mobility-spec",
                    {
                        "sending": ref.HOME_HEI_ID,
                        "receiving": hei,
                        "first": first,
                        "last": last,
                        "per_year": 2,
                        "isced": isced,
                    },
                )
            )
        digest = "".join(f"{int(x):02x}" for x in rng.integers(0, 256, 32))
        out.append(
            {
                "own_iia_id": f"{int(rng.integers(10**7, 10**8)):08x}-{1000 + k}-4{k}a1-9e{k}2-0e5c7a{k}b1d3f",
                "own_code": f"LU-MED-EWP-{first}-{k + 1:02d}",
                "partner_hei": hei,
                "partner_iia_id": str(int(rng.integers(10**6, 10**7))),
                "partner_code": f"{first}/E+/SE/{k + 1:03d}",
                "signing_date": dt.date(first, 3 + k, 10 + k),
                "hash": digest,
                "specs": specs,
            }
        )
    return out
